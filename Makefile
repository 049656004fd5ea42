# Linesman build. Everything generated goes under build/; `make V=1` shows commands.
#
#   make            build/linesmand and build/linesman
#   make deps       install build and test dependencies (Debian/Ubuntu, apt-get)
#   make run        deps + build + run the agent in the foreground on its defaults
#   make test       deps + build + unit, kernel and end-to-end tests (kernel tests need root),
#                   the unit tests again under ASan/UBSan, and the fuzz regression inputs
#   make test-asan  the unit tests under AddressSanitizer + UBSan (build/asan/)
#   make fuzz       libFuzzer on every parser, FUZZ_SECONDS (60) each (build/fuzz/; clang)
#   make fuzz-regress  every saved fuzz input and seed through its target, under ASan
#   make soak       fault tests too long for make test (kill -9 loop, 20 rounds; root)
#   make bench      agent overhead vs auditd and the bare hooks, event log speed
#                   (build/bench/report.md, ratios.svg; root, ~9 min, installs auditd)
#   make vmlinux    regenerate bpf/vmlinux/$(ARCH)/vmlinux.h from this machine's BTF

.DELETE_ON_ERROR:
.SUFFIXES:

BUILD    ?= build
CLANG    ?= clang
BPFTOOL  ?= bpftool
PROTOC   ?= protoc
LLVM_OBJDUMP ?= llvm-objdump
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
LS_BASE_CXXFLAGS := -std=c++20 -Wall -Wextra -Werror -MMD -MP -pthread \
	-Iuserspace -Ibpf/include -I$(BUILD)/gen
LS_CXXFLAGS := $(LS_BASE_CXXFLAGS) $(CXXFLAGS)
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

$(BUILD)/tests/bench/store_bench: $(BUILD)/obj/tests/bench/store_bench.o $(LIB)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CXX) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/bench/workload: tests/bench/workload.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# The bench's floor: a no-op program on each hook linesman.bpf.o has, generated
# from its symbol table (gen_floor.py fails on a section kind it does not know),
# and a loader that attaches them all and waits for SIGTERM.
FLOOR_DIR := $(BUILD)/tests/bench
FLOOR_GEN := $(FLOOR_DIR)/floor.bpf.c $(FLOOR_DIR)/floor.hooks

$(FLOOR_GEN) &: $(BPF_LINKED) tests/bench/gen_floor.py
	@mkdir -p $(FLOOR_DIR)
	$(call msg,GEN,$(FLOOR_DIR)/floor.bpf.c)
	$(Q)python3 tests/bench/gen_floor.py $(LLVM_OBJDUMP) $(BPF_LINKED) $(FLOOR_GEN)

$(FLOOR_DIR)/floor.bpf.o: $(FLOOR_DIR)/floor.bpf.c
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(FLOOR_DIR)/floor.skel.h: $(FLOOR_DIR)/floor.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf > $@

$(BUILD)/tests/bench/rusage: tests/bench/rusage.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(FLOOR_DIR)/floor: tests/bench/floor.c $(FLOOR_DIR)/floor.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -I$(FLOOR_DIR) -o $@ $< -lbpf -lelf -lz

# ---- sanitizers: the unit tests again under ASan + UBSan ----
# Own objects and library under $(BUILD)/asan (a sanitized object must not end
# up in linesmand); the skeleton and the protobuf code are shared, the latter
# uninstrumented, which ASan allows. -O1: a shorter build and usable stacks.
# gcc's -Wmaybe-uninitialized misfires on sanitizer-instrumented code (here
# inside libstdc++'s std::regex; gcc's manual warns of it under -fsanitize), so
# that one warning is left to the normal build.
ASAN_BUILD := $(BUILD)/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_CXXFLAGS := $(LS_BASE_CXXFLAGS) -O1 -g $(SAN_FLAGS) -Wno-maybe-uninitialized
ASAN_LIB := $(ASAN_BUILD)/liblinesman.a

$(ASAN_BUILD)/obj/%.o: %.cpp $(SKEL) $(PROTO_H)
	@mkdir -p $(@D)
	$(call msg,CXX-ASAN,$@)
	$(Q)$(CXX) $(ASAN_CXXFLAGS) -c $< -o $@

$(ASAN_LIB): $(LIB_SRCS:%.cpp=$(ASAN_BUILD)/obj/%.o) $(PROTO_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(ASAN_BUILD)/tests/unit_tests: $(UNIT_SRCS:%.cpp=$(ASAN_BUILD)/obj/%.o) $(ASAN_LIB)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CXX) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

# ---- fuzzing: one libFuzzer target per parser (tests/fuzz/README.md) ----
# libFuzzer is clang's, so the library sources the targets reach are compiled
# again with clang and coverage instrumentation under $(BUILD)/fuzz. The same
# target sources also link, with g++ and ASan, against a driver that replays
# saved inputs: `make fuzz-regress`, part of `make test`.
FUZZ_CXX ?= clang++
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/targets/*.cpp)))
FUZZ_LIB_SRCS := userspace/decode/decoder.cpp userspace/agent/config.cpp \
	userspace/fim/pattern.cpp userspace/fim/diff.cpp userspace/fim/watch.cpp
FUZZ_LIB := $(FUZZ_BUILD)/libfuzzed.a
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_REGRESS_BINS := $(FUZZ_TARGETS:%=$(ASAN_BUILD)/fuzz/%)
# Seeds made at build time: decoder records from the current linesman_abi.h,
# and the shipped configuration as it is now.
FUZZ_SEEDS := $(FUZZ_BUILD)/seeds/.stamp

$(FUZZ_BUILD)/obj/%.o: %.cpp $(SKEL) $(PROTO_H)
	@mkdir -p $(@D)
	$(call msg,CXX-FUZZ,$@)
	$(Q)$(FUZZ_CXX) $(LS_BASE_CXXFLAGS) -O1 -g -fsanitize=fuzzer-no-link $(SAN_FLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_SRCS:%.cpp=$(FUZZ_BUILD)/obj/%.o)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/tests/fuzz/targets/%.o $(FUZZ_LIB)
	$(call msg,LD,$@)
	$(Q)$(FUZZ_CXX) -fsanitize=fuzzer $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

$(FUZZ_REGRESS_BINS): $(ASAN_BUILD)/fuzz/%: $(ASAN_BUILD)/obj/tests/fuzz/targets/%.o \
		$(ASAN_BUILD)/obj/tests/fuzz/replay.o $(ASAN_LIB)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CXX) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

$(FUZZ_BUILD)/decoder_seeds: tests/fuzz/decoder_seeds.cpp bpf/include/linesman_abi.h
	@mkdir -p $(@D)
	$(call msg,CXX,$@)
	$(Q)$(CXX) -std=c++20 -Wall -Wextra -Werror -Ibpf/include -o $@ $<

$(FUZZ_SEEDS): $(FUZZ_BUILD)/decoder_seeds packaging/linesman.yaml
	$(call msg,SEEDS,$(@D))
	$(Q)rm -rf $(@D) && mkdir -p $(@D)/decoder $(@D)/config
	$(Q)$(FUZZ_BUILD)/decoder_seeds $(@D)/decoder
	$(Q)cp packaging/linesman.yaml $(@D)/config/
	$(Q)touch $@

$(BUILD)/bpf $(BUILD)/gen $(BUILD)/obj/gen:
	$(Q)mkdir -p $@

# ---- entry points ----
.PHONY: all deps run test test-unit test-kernel test-e2e test-asan fuzz fuzz-regress soak bench clean vmlinux
.DEFAULT_GOAL := all

all: $(BUILD)/linesmand $(BUILD)/linesman

deps:
	$(Q)./packaging/install-deps.sh

run: deps all
	$(BUILD)/linesmand $(RUN_ARGS)

# The sanitizer build doubles the compile work: build in parallel unless the
# caller already chose a -j.
NPROC := $(shell nproc 2>/dev/null || echo 1)
TEST_JOBS := $(if $(findstring j,$(filter-out --%,$(MAKEFLAGS))),,-j$(NPROC))

test: deps
	$(Q)$(MAKE) --no-print-directory $(TEST_JOBS) all $(BUILD)/tests/unit_tests $(BUILD)/tests/kernel_tests \
		$(BUILD)/tests/bench/workload $(ASAN_BUILD)/tests/unit_tests $(FUZZ_REGRESS_BINS) $(FUZZ_SEEDS)
	$(Q)./tests/run-all.sh $(BUILD)

test-unit: $(BUILD)/tests/unit_tests
	$(BUILD)/tests/unit_tests

test-kernel: all $(BUILD)/tests/kernel_tests
	$(BUILD)/tests/kernel_tests

test-e2e: all $(BUILD)/tests/bench/workload
	tests/e2e/run.sh $(BUILD)

# kill -9 of the agent under load, SOAK_ROUNDS (20) times in a row, then the
# checks of tests/e2e/kill_e2e.py. About 2.5 minutes; make test runs 3 rounds.
SOAK_ROUNDS ?= 20
soak: all $(BUILD)/tests/bench/workload
	python3 tests/e2e/kill_e2e.py $(BUILD) $(SOAK_ROUNDS)

test-asan: $(ASAN_BUILD)/tests/unit_tests
	$(Q)./tests/run-all.sh $(BUILD) asan

fuzz-regress: $(FUZZ_REGRESS_BINS) $(FUZZ_SEEDS)
	$(Q)./tests/run-all.sh $(BUILD) fuzz-regress

# Bounded: FUZZ_SECONDS per target, two targets at a time. A crash is saved
# under tests/fuzz/regressions/<target>/ and fails the run.
fuzz: $(FUZZ_BINS) $(FUZZ_SEEDS)
	$(Q)tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# What the agent costs on workloads next to no sensor, auditd and the bare
# hooks; the event log's ingest and queries; a sustained 50,000 events/s run.
# Needs root; about 9 minutes. BENCH_ARGS go to bench.py (--help).
bench: deps
	$(Q)./tests/bench/install-deps.sh
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench/workload $(BUILD)/tests/bench/store_bench \
		$(FLOOR_DIR)/floor $(BUILD)/tests/bench/rusage
	$(Q)python3 tests/bench/bench.py --build $(BUILD) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
