// SPDX-License-Identifier: Apache-2.0
// The bench's floor: loads the generated no-op programs (floor.bpf.c, made by
// gen_floor.py from linesman.bpf.o), attaches each to its hook, prints
// "floor: N programs attached" and waits for SIGTERM or SIGINT.
//
//   floor         exit 0 after a signal; 1 if a program does not load or attach
//
// Every program must attach: a floor with a hook missing would flatter linesmand.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "floor.skel.h"

// The cgroup-v2 mount, where linesmand attaches its cgroup programs (its root:
// every process on the host).
static int cgroup2_root(char *dir, size_t size)
{
	FILE *f = fopen("/proc/mounts", "r");
	char dev[256], mnt[4096], type[64];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fscanf(f, "%255s %4095s %63s %*[^\n]", dev, mnt, type) == 3)
		if (strcmp(type, "cgroup2") == 0 && strlen(mnt) < size) {
			strcpy(dir, mnt);
			found = 1;
		}
	fclose(f);
	return found;
}

static struct bpf_link *attach(struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	if (strncmp(sec, "cgroup", 6) != 0)
		return bpf_program__attach(prog);
	char root[4096];
	if (!cgroup2_root(root, sizeof(root))) {
		fprintf(stderr, "floor: no cgroup-v2 hierarchy is mounted\n");
		errno = ENOENT;
		return NULL;
	}
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct bpf_link *link = bpf_program__attach_cgroup(prog, fd);
	int err = errno;
	close(fd); // the link holds its own reference to the cgroup
	errno = err;
	return link;
}

int main(void)
{
	// Classic tracepoints are attached by id, read from tracefs (as linesmand does).
	if (access("/sys/kernel/tracing/events", F_OK) != 0 && access("/sys/kernel/debug/tracing/events", F_OK) != 0 &&
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0) {
		perror("floor: mounting tracefs at /sys/kernel/tracing");
		return 1;
	}
	// Block the signals before attaching, so a SIGTERM sent at any moment is
	// taken by sigwait() and the links are destroyed on the way out.
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	struct floor_bpf *skel = floor_bpf__open_and_load();
	if (!skel) {
		perror("floor: loading the programs");
		return 1;
	}
	enum { kMaxLinks = 256 };
	struct bpf_link *links[kMaxLinks];
	int n = 0, rc = 0;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (n == kMaxLinks) {
			fprintf(stderr, "floor: more than %d programs\n", kMaxLinks);
			rc = 1;
			break;
		}
		struct bpf_link *link = attach(prog);
		if (!link) {
			fprintf(stderr, "floor: attaching %s to %s: %s\n", bpf_program__name(prog),
				bpf_program__section_name(prog), strerror(errno));
			rc = 1;
			break;
		}
		links[n++] = link;
	}
	if (rc == 0) {
		printf("floor: %d programs attached\n", n);
		fflush(stdout);
		int sig;
		sigwait(&stop, &sig);
	}
	while (n > 0)
		bpf_link__destroy(links[--n]);
	floor_bpf__destroy(skel);
	return rc;
}
