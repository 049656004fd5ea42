// SPDX-License-Identifier: Apache-2.0
// Linesman benchmark workload: runs one operation in a loop for a fixed time
// and prints "<mode> <ops> <seconds> <ops/s>".
//
//   workload [--rate N] exec SECONDS      fork + execve(/bin/true) + wait
//   workload [--rate N] connect SECONDS   TCP connect + accept + close on loopback
//   workload [--rate N] udp SECONDS       sendto() of 64 bytes on loopback
//   workload [--rate N] open-watched SECONDS DIR
//   workload [--rate N] open-unwatched SECONDS DIR
//                              open(DIR/f, O_WRONLY|O_CREAT|O_TRUNC) + write of
//                              64 bytes + close; the two modes differ only in
//                              whether the caller's DIR is watched by the agent
//   workload [--rate N] mixed SECONDS ROOT
//                              the operations above in a fixed cycle (kMixed),
//                              the file ones in ROOT/watched and ROOT/unwatched
//
// --rate N paces the loop at N operations per second (a cycle of mixed counts
// its operations one by one) instead of running flat out; a loop that cannot
// keep up runs flat out, and the printed ops/s says so.
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>
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

static char file_path[PATH_MAX], watched_path[PATH_MAX], unwatched_path[PATH_MAX];

static int open_write_close(const char *path)
{
	/* text (no NUL): the agent content-tracks the watched file as text */
	static const char buf[] = "linesman benchmark workload: 64 bytes of text per write, one op\n";
	_Static_assert(sizeof(buf) - 1 == 64, "64 bytes per write");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, buf, sizeof(buf) - 1);
	if (close(fd) != 0 || n != (ssize_t)sizeof(buf) - 1)
		return -1;
	return 0;
}

static int op_open(void)
{
	return open_write_close(file_path);
}

static int op_open_watched(void)
{
	return open_write_close(watched_path);
}

static int op_open_unwatched(void)
{
	return open_write_close(unwatched_path);
}

/* One cycle of mixed, in this order: a switching host's day in miniature. A
 * new process is rare, connections and configuration writes are frequent, and
 * unwatched file I/O and UDP signalling are the bulk of the operations (the
 * exec and the connections take most of the time). */
struct mixed_step {
	int (*op)(void);
	int count;
};
static const struct mixed_step kMixed[] = {
	{op_exec, 1},	      {op_connect, 5}, {op_open_unwatched, 50}, {op_udp, 50},
	{op_open_watched, 5}, {op_connect, 5}, {op_udp, 50},		{op_open_unwatched, 50},
	{op_open_watched, 5},
};
#define MIXED_STEPS (sizeof(kMixed) / sizeof(kMixed[0]))
static unsigned mixed_step = MIXED_STEPS - 1, mixed_left;

static int op_mixed(void)
{
	if (mixed_left == 0) {
		mixed_step = (mixed_step + 1) % MIXED_STEPS;
		mixed_left = kMixed[mixed_step].count;
	}
	--mixed_left;
	return kMixed[mixed_step].op();
}

static int set_path(char *dst, const char *dir, const char *sub)
{
	int len = snprintf(dst, PATH_MAX, "%s%s/f", dir, sub);
	if (len < 0 || len >= PATH_MAX) {
		fprintf(stderr, "workload: DIR too long\n");
		return -1;
	}
	return 0;
}

/* Sleeps until operation number `ops` is due at `rate` per second. */
static void pace(double start, unsigned long ops, double rate)
{
	double due = start + ops / rate;
	double wait = due - now();
	if (wait <= 0)
		return;
	struct timespec ts = {.tv_sec = (time_t)wait, .tv_nsec = (long)((wait - (time_t)wait) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--rate N] exec|connect|udp SECONDS\n"
		"       %s [--rate N] open-watched|open-unwatched SECONDS DIR\n"
		"       %s [--rate N] mixed SECONDS ROOT (with ROOT/watched and ROOT/unwatched)\n",
		prog, prog, prog);
}

int main(int argc, char **argv)
{
	const char *prog = argv[0];
	double rate = 0;
	if (argc >= 3 && strcmp(argv[1], "--rate") == 0) {
		rate = atof(argv[2]);
		if (rate <= 0) {
			fprintf(stderr, "workload: --rate must be > 0 operations per second\n");
			return 2;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 3) {
		usage(prog);
		return 2;
	}
	const char *mode = argv[1];
	int (*op)(void) = NULL;
	if (strcmp(mode, "exec") == 0)
		op = op_exec;
	else if (strcmp(mode, "connect") == 0)
		op = op_connect;
	else if (strcmp(mode, "udp") == 0)
		op = op_udp;
	else if (strcmp(mode, "open-watched") == 0 || strcmp(mode, "open-unwatched") == 0)
		op = op_open;
	else if (strcmp(mode, "mixed") == 0)
		op = op_mixed;
	if (!op) {
		fprintf(stderr,
			"workload: unknown mode %s (modes: exec, connect, udp, open-watched, "
			"open-unwatched, mixed)\n",
			mode);
		return 2;
	}
	int wants_dir = op == op_open || op == op_mixed;
	if (argc != (wants_dir ? 4 : 3)) {
		usage(prog);
		return 2;
	}
	if (op == op_open && set_path(file_path, argv[3], "") != 0)
		return 2;
	if (op == op_mixed &&
	    (set_path(watched_path, argv[3], "/watched") != 0 || set_path(unwatched_path, argv[3], "/unwatched") != 0))
		return 2;
	if ((op == op_connect || op == op_udp || op == op_mixed) && setup_net() != 0) {
		perror("workload: loopback sockets");
		return 1;
	}
	double seconds = atof(argv[2]);
	if (seconds <= 0) {
		fprintf(stderr, "workload: SECONDS must be > 0\n");
		return 2;
	}
	/* A paced run sleeps before each batch of 16 until the batch is due: at
	 * 50,000/s a batch is 0.3 ms, short enough to keep the rate even. */
	double start = now(), end = start + seconds, t = start;
	unsigned long ops = 0;
	while (t < end) {
		if (rate > 0)
			pace(start, ops, rate);
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
	printf("%s %lu %.3f %.1f\n", mode, ops, elapsed, ops / elapsed);
	return 0;
}
