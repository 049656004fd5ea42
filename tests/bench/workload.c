// SPDX-License-Identifier: Apache-2.0
// Linesman benchmark workload: runs one operation in a loop for a fixed time
// and prints "<mode> <ops> <seconds> <ops/s>".
//
//   workload exec SECONDS      fork + execve(/bin/true) + wait
//   workload connect SECONDS   TCP connect + accept + close on loopback
//   workload udp SECONDS       sendto() of 64 bytes on loopback
//   workload open-watched SECONDS DIR
//   workload open-unwatched SECONDS DIR
//                              open(DIR/f, O_WRONLY|O_CREAT|O_TRUNC) + write of
//                              64 bytes + close; the two modes differ only in
//                              whether the caller's DIR is watched by the agent
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>
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

static int listener = -1, udp_fd = -1;
static struct sockaddr_in tcp_addr, udp_addr;

static int setup_net(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) || listen(listener, 1024) ||
	    getsockname(listener, (struct sockaddr *)&tcp_addr, &len))
		return -1;
	/* the datagrams go to a bound socket nobody reads: the kernel drops them
	 * when its buffer is full, which is fine for a send loop */
	int sink = socket(AF_INET, SOCK_DGRAM, 0);
	len = sizeof(udp_addr);
	if (sink < 0 || bind(sink, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(sink, (struct sockaddr *)&udp_addr, &len))
		return -1;
	udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	return udp_fd < 0 ? -1 : 0;
}

static int op_connect(void)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&tcp_addr, sizeof(tcp_addr)))
		return -1;
	int a = accept(listener, NULL, NULL);
	if (a < 0)
		return -1;
	close(c);
	close(a);
	return 0;
}

static int op_udp(void)
{
	static char buf[64];
	return sendto(udp_fd, buf, sizeof(buf), 0, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) ==
		       sizeof(buf)
		   ? 0
		   : -1;
}

static char file_path[PATH_MAX];

static int op_open(void)
{
	/* text (no NUL): the agent content-tracks the watched file as text */
	static const char buf[] = "linesman benchmark workload: 64 bytes of text per write, one op\n";
	_Static_assert(sizeof(buf) - 1 == 64, "64 bytes per write");
	int fd = open(file_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, buf, sizeof(buf) - 1);
	if (close(fd) != 0 || n != (ssize_t)sizeof(buf) - 1)
		return -1;
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s exec|connect|udp SECONDS\n"
		"       %s open-watched|open-unwatched SECONDS DIR\n",
		prog, prog);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		usage(argv[0]);
		return 2;
	}
	int (*op)(void) = NULL;
	if (strcmp(argv[1], "exec") == 0)
		op = op_exec;
	else if (strcmp(argv[1], "connect") == 0)
		op = op_connect;
	else if (strcmp(argv[1], "udp") == 0)
		op = op_udp;
	else if (strcmp(argv[1], "open-watched") == 0 || strcmp(argv[1], "open-unwatched") == 0)
		op = op_open;
	if (!op) {
		fprintf(stderr,
			"workload: unknown mode %s (modes: exec, connect, udp, open-watched, "
			"open-unwatched)\n",
			argv[1]);
		return 2;
	}
	if (argc != (op == op_open ? 4 : 3)) {
		usage(argv[0]);
		return 2;
	}
	if (op == op_open) {
		int len = snprintf(file_path, sizeof(file_path), "%s/f", argv[3]);
		if (len < 0 || (size_t)len >= sizeof(file_path)) {
			fprintf(stderr, "workload: DIR too long\n");
			return 2;
		}
	} else if (op != op_exec && setup_net() != 0) {
		perror("workload: loopback sockets");
		return 1;
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
