// SPDX-License-Identifier: Apache-2.0
// Runs a command and writes its wall time, peak RSS and CPU time to a file:
//
//   rusage OUT CMD [ARGS...]     OUT gets {"wall_ms": .., "maxrss_kib": .., "cpu_s": .., "status": ..}
//
// bench.py cannot take a short-lived child's peak RSS from its own wait4():
// exec() carries the old address space's high-water mark into ru_maxrss
// (fs/exec.c, exec_mmap -> setmax_mm_hiwater_rss), and the old one is a copy of
// the large Python process. This program is small, so the mark it passes on is.
// Exit status: the command's (128 + signal if it was killed), 127 if it could not run.
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUT CMD [ARGS...]\n");
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("rusage: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("rusage: wait4");
		return 127;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror("rusage: opening the output");
		return 127;
	}
	fprintf(out, "{\"wall_ms\": %.3f, \"maxrss_kib\": %ld, \"cpu_s\": %.6f, \"status\": %d}\n",
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, ru.ru_maxrss,
		ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6, code);
	fclose(out);
	return code;
}
