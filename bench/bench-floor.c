// SPDX-License-Identifier: MIT
/*
 * bench-floor: the floors the pipeline is compared with, measured by the same
 * run on the same machine:
 *
 *   msg      a bare message ping-pong over an AF_UNIX SOCK_SEQPACKET pair
 *            (FRAME out, RELEASE back: the two messages every frame needs);
 *   fd       the same with one fd (a memfd) sent by SCM_RIGHTS in the ping
 *            and closed by the receiver (what fd-per-frame adds);
 *   memcpy   copying one frame of --bytes between two touched buffers.
 *
 * Warm-up iterations are excluded. Prints one JSON object on stdout: wall
 * time per iteration (mean, p50, p99, max), iterations per second, MB/s for
 * memcpy, and the CPU time (user+sys, getrusage) per iteration of each
 * process (the pong side through wait4).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app-args.h"

#define PING_MSG_BYTES 40 /* the size of a protocol FRAME */

struct floor_opt {
	const char *mode;
	uint32_t iterations;
	uint32_t warmup;
	uint32_t bytes;
};

static double rusage_ns(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e9 +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1e3;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int send_ping(int sock, int fd)
{
	char buf[PING_MSG_BYTES] = {0};
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		ctl.hdr.cmsg_level = SOL_SOCKET;
		ctl.hdr.cmsg_type = SCM_RIGHTS;
		ctl.hdr.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&ctl.hdr), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(buf) ? 0 : -1;
}

/* Receives one ping; closes the fd that came with it. 1 at end of stream. */
static int recv_ping(int sock)
{
	char buf[PING_MSG_BYTES];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.space,
			     .msg_controllen = sizeof(ctl.space)};
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

	if (n == 0)
		return 1;
	if (n != (ssize_t)sizeof(buf))
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fd;

			memcpy(&fd, CMSG_DATA(c), sizeof(int));
			close(fd);
		}
	}
	return 0;
}

/* The pong side: answers every ping with a plain message until EOF. */
static void pong(int sock)
{
	for (;;) {
		int r = recv_ping(sock);

		if (r)
			_exit(r > 0 ? 0 : 1);
		if (send_ping(sock, -1))
			_exit(1);
	}
}

static void print_times(uint64_t *t, uint32_t n, double wall_ns)
{
	double mean = wall_ns / n;

	qsort(t, n, sizeof(*t), cmp_u64);
	printf("\"iterations\":%u,\"per_second\":%.1f,\"mean_us\":%.3f,\"p50_us\":%.3f,"
	       "\"p99_us\":%.3f,\"max_us\":%.3f",
	       n, 1e9 / mean, mean / 1e3, t[n / 2] / 1e3, t[(uint64_t)n * 99 / 100] / 1e3,
	       t[n - 1] / 1e3);
}

static int ping_pong(const struct floor_opt *o, bool with_fd)
{
	uint64_t *t = calloc(o->iterations, sizeof(*t));
	struct rusage self0, self1, child;
	int sv[2], status, memfd = -1;
	uint64_t start = 0;
	pid_t pid;

	if (!t || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("bench-floor: socketpair");
		return 1;
	}
	if (with_fd) {
		memfd = memfd_create("bench-floor", MFD_CLOEXEC);
		if (memfd < 0 || ftruncate(memfd, 4096)) {
			perror("bench-floor: memfd");
			return 1;
		}
	}
	pid = fork();
	if (pid < 0) {
		perror("bench-floor: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		pong(sv[1]);
	}
	close(sv[1]);
	for (uint32_t i = 0; i < o->warmup + o->iterations; i++) {
		uint64_t t0;

		if (i == o->warmup) {
			getrusage(RUSAGE_SELF, &self0);
			start = app_now_ns();
		}
		t0 = app_now_ns();
		if (send_ping(sv[0], memfd) || recv_ping(sv[0])) {
			fprintf(stderr, "bench-floor: ping-pong failed: %s\n", strerror(errno));
			return 1;
		}
		if (i >= o->warmup)
			t[i - o->warmup] = app_now_ns() - t0;
	}
	double wall = (double)(app_now_ns() - start);

	getrusage(RUSAGE_SELF, &self1);
	close(sv[0]);
	if (wait4(pid, &status, 0, &child) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench-floor: the pong process failed\n");
		return 1;
	}
	printf("{\"floor\":\"%s\",", with_fd ? "scm_rights" : "message");
	print_times(t, o->iterations, wall);
	/* The pong side's warm-up is in its total: spread over all iterations. */
	printf(",\"cpu_ping_us\":%.3f,\"cpu_pong_us\":%.3f}\n",
	       (rusage_ns(&self1) - rusage_ns(&self0)) / o->iterations / 1e3,
	       rusage_ns(&child) / (o->warmup + o->iterations) / 1e3);
	free(t);
	return 0;
}

static int copy_bandwidth(const struct floor_opt *o)
{
	uint64_t *t = calloc(o->iterations, sizeof(*t));
	char *src =
	    mmap(NULL, o->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst =
	    mmap(NULL, o->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct rusage r0, r1;
	uint64_t start = 0;

	if (!t || src == MAP_FAILED || dst == MAP_FAILED) {
		perror("bench-floor: buffers");
		return 1;
	}
	memset(src, 0x5a, o->bytes);
	memset(dst, 0xa5, o->bytes);
	for (uint32_t i = 0; i < o->warmup + o->iterations; i++) {
		uint64_t t0;

		if (i == o->warmup) {
			getrusage(RUSAGE_SELF, &r0);
			start = app_now_ns();
		}
		t0 = app_now_ns();
		src[i % o->bytes] = (char)i; /* the compiler may not elide the copy */
		memcpy(dst, src, o->bytes);
		if (i >= o->warmup)
			t[i - o->warmup] = app_now_ns() - t0;
	}
	double wall = (double)(app_now_ns() - start);

	getrusage(RUSAGE_SELF, &r1);
	printf("{\"floor\":\"memcpy\",\"bytes\":%llu,", (unsigned long long)o->bytes);
	print_times(t, o->iterations, wall);
	printf(",\"mb_per_s\":%.1f,\"cpu_us\":%.3f,\"check\":%d}\n",
	       (double)o->bytes * o->iterations / wall * 1e3,
	       (rusage_ns(&r1) - rusage_ns(&r0)) / o->iterations / 1e3, dst[o->bytes / 2]);
	free(t);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bench-floor msg|fd|memcpy [-n ITERATIONS] [-w WARMUP] [--bytes N]\n"
		"  msg     SEQPACKET message ping-pong (40-byte messages)\n"
		"  fd      the same with a memfd sent by SCM_RIGHTS in each ping\n"
		"  memcpy  copy of --bytes between two buffers\n"
		"  -n, --iterations N  measured iterations, 1..100000000 (default 10000)\n"
		"  -w, --warmup N      iterations before measuring, 0..100000000 (default 1000)\n"
		"      --bytes N       memcpy size, 1..1073741824 (default 8294400, 1080p XR24)\n"
		"  -h, --help          this text\n"
		"Prints one JSON object with the time per iteration.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"iterations", required_argument, NULL, 'n'},
						 {"warmup", required_argument, NULL, 'w'},
						 {"bytes", required_argument, NULL, 'B'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct floor_opt o = {.iterations = 10000, .warmup = 1000, .bytes = 8294400};
	int c;

	while ((c = getopt_long(argc, argv, "n:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (app_parse_u32("bench-floor", "iterations", optarg, 1, 100000000,
					  &o.iterations))
				return 2;
			break;
		case 'w':
			if (app_parse_u32("bench-floor", "warmup", optarg, 0, 100000000, &o.warmup))
				return 2;
			break;
		case 'B':
			if (app_parse_u32("bench-floor", "bytes", optarg, 1, 1u << 30, &o.bytes))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	o.mode = argv[optind];
	if (!strcmp(o.mode, "msg"))
		return ping_pong(&o, false);
	if (!strcmp(o.mode, "fd"))
		return ping_pong(&o, true);
	if (!strcmp(o.mode, "memcpy"))
		return copy_bandwidth(&o);
	usage(stderr);
	return 2;
}
