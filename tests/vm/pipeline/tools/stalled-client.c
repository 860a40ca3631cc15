// SPDX-License-Identifier: MIT
/*
 * stalled-client: a producer that stalls the way a slow or hostile peer
 * does, and checks that the consumer drops it in time with an ERROR naming
 * why, instead of waiting for it:
 *
 *   silent     connects and sends nothing            "no HELLO"
 *   half-pool  HELLO, then one POOL part of two      "POOL incomplete"
 *   no-read    HELLO, a POOL of 32 fakecam buffers, then a stamped FRAME
 *              every 20 ms, never reading the RELEASEs  "does not read"
 *
 * (no-read writes each frame's stamp itself, so that the consumer's check
 * passes: it is dropped for not reading, not for a bad frame; a buffer is
 * lent again only 32 frames, 640 ms, later, long after any flip took it off
 * screen, even on the debug kernel, where 160 ms were too short. Its ERROR cannot reach it, the
 * socket being full: the consumer closing the connection is the drop, and the consumer's log says
 * why.)
 *
 * Usage: stalled-client MODE SOCKET VIDEO_NODE [LIMIT_S]. Exits 0 when the
 * consumer dropped it with the expected ERROR within LIMIT_S seconds
 * (default 15); prints how long that took.
 *
 * And the other way round, a consumer that stalls a producer:
 *   mute-consumer  listens on SOCKET, accepts, never answers (until killed)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/frame-stamp.h"
#include "dmabuf-interop/pool.h"
#include "dmabuf-interop/session.h"
#include "dmabuf-interop/socket.h"

#define BUFFERS	     32
#define WIDTH	     64
#define HEIGHT	     64
#define FRAME_GAP_US 20000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct camera {
	int video;
	int fd[BUFFERS];
	struct di_buffer_map map[BUFFERS];
	struct di_layout layout;
};

/* BUFFERS small XR24 buffers of fakecam, exported and mapped for writing. */
static int export_fakecam(const char *node, struct camera *c)
{
	struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	struct v4l2_requestbuffers req = {
	    .count = BUFFERS, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
	struct di_error err;

	c->video = open(node, O_RDWR | O_CLOEXEC);
	fmt.fmt.pix = (struct v4l2_pix_format){
	    .width = WIDTH, .height = HEIGHT, .pixelformat = V4L2_PIX_FMT_XBGR32};
	if (c->video < 0 || ioctl(c->video, VIDIOC_S_FMT, &fmt) ||
	    ioctl(c->video, VIDIOC_REQBUFS, &req) || req.count != BUFFERS) {
		fprintf(stderr, "stalled-client: %s: open/S_FMT/REQBUFS(%u): %s\n", node, BUFFERS,
			strerror(errno));
		return -1;
	}
	if (di_layout_init(&c->layout, DI_FOURCC_XRGB8888, WIDTH, HEIGHT, 1, &err))
		return -1;
	for (unsigned int i = 0; i < BUFFERS; i++) {
		struct v4l2_exportbuffer exp = {
		    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .index = i, .flags = O_RDWR | O_CLOEXEC};

		if (ioctl(c->video, VIDIOC_EXPBUF, &exp)) {
			fprintf(stderr, "stalled-client: EXPBUF: %s\n", strerror(errno));
			return -1;
		}
		c->fd[i] = exp.fd;
		if (di_buffer_map(exp.fd, di_layout_size(&c->layout), true, &c->map[i], &err)) {
			fprintf(stderr, "stalled-client: %s\n", err.text);
			return -1;
		}
	}
	return 0;
}

static int stamp(struct camera *c, unsigned int i, uint64_t seq, uint64_t ts)
{
	struct frame_stamp s;
	struct di_error err;

	frame_stamp_fill(&s, seq, ts, DI_FOURCC_XRGB8888, WIDTH, HEIGHT);
	if (di_buffer_sync(c->fd[i], true, true, &err))
		return -1;
	memcpy(c->map[i].addr, &s, sizeof(s));
	return di_buffer_sync(c->fd[i], false, true, &err) ? -1 : 0;
}

/*
 * Sends a stamped FRAME every FRAME_GAP_US until a send fails (the consumer closed)
 * or the limit passes.
 */
static void flood_frames(int sock, struct camera *c, uint64_t deadline)
{
	struct di_msg m = {.type = DI_MSG_FRAME};
	struct di_error err;
	uint64_t seq = 1;

	while (now_ns() < deadline) {
		unsigned int i = (unsigned int)(seq % BUFFERS);
		uint64_t ts = now_ns();

		if (stamp(c, i, seq, ts))
			return;
		m.frame = (struct di_frame){.index = i, .seq = seq, .timestamp_ns = ts};
		if (di_send_msg(sock, &m, NULL, &err))
			return;
		seq++;
		usleep(FRAME_GAP_US);
	}
}

/*
 * The first ERROR among what the consumer sent (RELEASEs may come first):
 * 0 found, 1 the consumer closed without one, -1 neither before deadline.
 */
static int find_error(int sock, uint64_t deadline, struct di_msg *error)
{
	struct di_recv_ctx ctx = {.decode = {.pool_count = BUFFERS}, .fs_magic = 0};

	while (now_ns() < deadline) {
		struct pollfd pfd = {.fd = sock, .events = POLLIN};
		int fds[DI_FDS_PER_MSG];
		struct di_error err;
		unsigned int nfds;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (di_recv_msg(sock, &ctx, error, fds, &nfds, &err))
			return err.status == DI_ERR_PEER_CLOSED ? 1 : -1;
		di_close_fds(fds, nfds);
		if (error->type == DI_MSG_ERROR)
			return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct camera cam = {.video = -1};
	const char *mode, *want;
	struct di_hello peer;
	struct di_error err;
	uint64_t start, deadline;
	struct di_msg error;
	double limit = 15;
	int sock, ret;

	if (argc < 3 || (argc < 4 && strcmp(argv[1], "mute-consumer"))) {
		fprintf(stderr, "Usage: stalled-client silent|half-pool|no-read SOCKET VIDEO_NODE "
				"[LIMIT_S]\n       stalled-client mute-consumer SOCKET\n");
		return 2;
	}
	mode = argv[1];
	if (!strcmp(mode, "mute-consumer") && argc >= 3) {
		int lfd;

		if (di_listen(argv[2], &lfd, &err)) {
			fprintf(stderr, "stalled-client: %s\n", err.text);
			return 1;
		}
		for (;;)
			accept(lfd, NULL, NULL); /* each one kept open, never read */
	}
	if (argc > 4)
		limit = atof(argv[4]);
	want = !strcmp(mode, "silent")	    ? "no HELLO"
	       : !strcmp(mode, "half-pool") ? "POOL incomplete"
	       : !strcmp(mode, "no-read")   ? "does not read"
					    : NULL;
	if (!want) {
		fprintf(stderr, "stalled-client: unknown mode %s\n", mode);
		return 2;
	}
	if (strcmp(mode, "silent") && export_fakecam(argv[3], &cam))
		return 1;
	if (di_connect(argv[2], &sock, &err)) {
		fprintf(stderr, "stalled-client: %s\n", err.text);
		return 1;
	}
	start = now_ns();
	deadline = start + (uint64_t)(limit * 1e9);
	if (strcmp(mode, "silent") && di_handshake(sock, DI_ROLE_PRODUCER, 0, &peer, NULL, &err)) {
		fprintf(stderr, "stalled-client: handshake: %s\n", err.text);
		return 1;
	}
	if (!strcmp(mode, "half-pool")) {
		struct di_msg m = {.type = DI_MSG_POOL};

		m.pool =
		    (struct di_pool_msg){.count = 2, .first = 0, .nfds = 1, .layout = cam.layout};
		if (di_send_msg(sock, &m, cam.fd, &err)) {
			fprintf(stderr, "stalled-client: POOL part: %s\n", err.text);
			return 1;
		}
	} else if (!strcmp(mode, "no-read")) {
		if (di_pool_send(sock, BUFFERS, 0, &cam.layout, cam.fd, &err)) {
			fprintf(stderr, "stalled-client: POOL: %s\n", err.text);
			return 1;
		}
		flood_frames(sock, &cam, deadline);
	}
	ret = find_error(sock, deadline, &error);
	if (ret == 1 && !strcmp(mode, "no-read")) {
		printf("%-9s dropped after %.2f s: the consumer closed the connection\n", mode,
		       (now_ns() - start) / 1e9);
		return 0;
	}
	if (ret) {
		printf("%-9s FAIL: no ERROR from the consumer within %.0f s\n", mode, limit);
		return 1;
	}
	printf("%-9s dropped after %.2f s: ERROR(%s): %s\n", mode, (now_ns() - start) / 1e9,
	       di_status_name(error.error.code), error.error.text);
	if (!strstr(error.error.text, want)) {
		printf("%-9s FAIL: expected an ERROR saying \"%s\"\n", mode, want);
		return 1;
	}
	return 0;
}
