# Linesman build. Everything generated goes under build/; `make V=1` shows commands.
#
#   make            build/linesmand and build/linesman
#   make deps       install build and test dependencies (Debian/Ubuntu, apt-get)
#   make run        deps + build + run the agent in the foreground on its defaults
#   make test       deps + build + unit, kernel and end-to-end tests (kernel tests need root)
#   make bench      agent overhead on workloads, as ratios (build/bench/report.md)
#   make vmlinux    regenerate bpf/vmlinux/$(ARCH)/vmlinux.h from this machine's BTF

.DELETE_ON_ERROR:
.SUFFIXES:

BUILD    ?= build
CLANG    ?= clang
BPFTOOL  ?= bpftool
PROTOC   ?= protoc
CXX      ?= g++
CC       ?= gcc

ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX  := bpf/vmlinux/$(ARCH)/vmlinux.h

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# ---- BPF: one object per family, linked into one object and one skeleton ----
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_LINKED := $(BUILD)/bpf/linesman.bpf.o
SKEL := $(BUILD)/gen/linesman.skel.h
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Ibpf/include -Ibpf/vmlinux/$(ARCH) -MMD -MP

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_LINKED): $(BPF_OBJS)
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BPF_LINKED) | $(BUILD)/gen
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name linesman_bpf > $@

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX)

# ---- protobuf schema ----
PROTO_SRC := userspace/proto/linesman/v1/event.proto
PROTO_CC  := $(BUILD)/gen/linesman/v1/event.pb.cc
PROTO_H   := $(BUILD)/gen/linesman/v1/event.pb.h
PROTO_OBJ := $(BUILD)/obj/gen/event.pb.o

$(PROTO_CC) $(PROTO_H) &: $(PROTO_SRC) | $(BUILD)/gen
	$(call msg,PROTOC,$<)
	$(Q)$(PROTOC) --proto_path=userspace/proto --cpp_out=$(BUILD)/gen $<

$(PROTO_OBJ): $(PROTO_CC) | $(BUILD)/obj/gen
	$(call msg,CXX,$@)
	$(Q)$(CXX) -std=c++20 -O2 -g -I$(BUILD)/gen -c $< -o $@

# ---- userspace ----
CXXFLAGS ?= -O2 -g
LS_CXXFLAGS := -std=c++20 -Wall -Wextra -Werror -MMD -MP -pthread \
	-Iuserspace -Ibpf/include -I$(BUILD)/gen $(CXXFLAGS)
LDLIBS := -lbpf -lelf -lz -lprotobuf-lite -lyaml-cpp -lcrypto -lsqlite3 -pthread

LIB_SRCS := $(filter-out userspace/agent/main.cpp userspace/query/main.cpp, \
	$(shell find userspace -name '*.cpp' | sort))
LIB_OBJS := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o) $(PROTO_OBJ)
LIB := $(BUILD)/liblinesman.a

$(BUILD)/obj/%.o: %.cpp $(SKEL) $(PROTO_H)
	@mkdir -p $(@D)
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(LS_CXXFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/linesmand: $(BUILD)/obj/userspace/agent/main.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CXX) -o $@ $^ $(LDLIBS)

$(BUILD)/linesman: $(BUILD)/obj/userspace/query/main.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CXX) -o $@ $^ $(LDLIBS)

# ---- tests ----
UNIT_SRCS := $(wildcard tests/unit/*.cpp)
KERNEL_SRCS := $(wildcard tests/kernel/*.cpp)

$(BUILD)/tests/unit_tests: $(UNIT_SRCS:%.cpp=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CXX) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/kernel_tests: $(KERNEL_SRCS:%.cpp=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CXX) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/bench/workload: tests/bench/workload.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bpf $(BUILD)/gen $(BUILD)/obj/gen:
	$(Q)mkdir -p $@

# ---- entry points ----
.PHONY: all deps run test test-unit test-kernel test-e2e bench clean vmlinux
.DEFAULT_GOAL := all

all: $(BUILD)/linesmand $(BUILD)/linesman

deps:
	$(Q)./packaging/install-deps.sh

run: deps all
	$(BUILD)/linesmand $(RUN_ARGS)

test: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/unit_tests $(BUILD)/tests/kernel_tests
	$(Q)./tests/run-all.sh $(BUILD)

test-unit: $(BUILD)/tests/unit_tests
	$(BUILD)/tests/unit_tests

test-kernel: all $(BUILD)/tests/kernel_tests
	$(BUILD)/tests/kernel_tests

test-e2e: all
	tests/e2e/run.sh $(BUILD)

# Overhead of the agent on workloads, side by side (ratios). Needs root.
bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench/workload
	$(Q)python3 tests/bench/bench.py --build $(BUILD) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
