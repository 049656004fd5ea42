// SPDX-License-Identifier: Apache-2.0
// Linesman benchmark workload: runs one operation in a loop for a fixed time
// and prints "<mode> <ops> <seconds> <ops/s>".
//
//   workload exec SECONDS    fork + execve(/bin/true) + wait
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int op_exec(void)
{
	char *argv[] = {"true", NULL};
	pid_t pid;
	int status;
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0)
		return -1;
	return waitpid(pid, &status, 0) == pid ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s exec SECONDS\n", argv[0]);
		return 2;
	}
	int (*op)(void) = NULL;
	if (strcmp(argv[1], "exec") == 0)
		op = op_exec;
	if (!op) {
		fprintf(stderr, "workload: unknown mode %s (modes: exec)\n", argv[1]);
		return 2;
	}
	double seconds = atof(argv[2]);
	if (seconds <= 0) {
		fprintf(stderr, "workload: SECONDS must be > 0\n");
		return 2;
	}
	double start = now(), end = start + seconds, t = start;
	unsigned long ops = 0;
	while (t < end) {
		for (int i = 0; i < 16; ++i) {
			if (op() != 0) {
				perror("workload");
				return 1;
			}
			++ops;
		}
		t = now();
	}
	double elapsed = t - start;
	printf("%s %lu %.3f %.1f\n", argv[1], ops, elapsed, ops / elapsed);
	return 0;
}
