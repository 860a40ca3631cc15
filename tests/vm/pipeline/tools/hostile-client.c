// SPDX-License-Identifier: MIT
/*
 * hostile-client: connects to a consumer once per fault and checks that the
 * consumer answers each with ERROR carrying the status that names it:
 *
 *   garbage      16 random-looking bytes instead of HELLO      DI_ERR_MAGIC
 *   pipe         a POOL whose buffer fd is a pipe              DI_ERR_NOT_DMABUF
 *   extra-fds    a POOL declaring 2 fds with 253 attached      DI_ERR_FDS
 *   pool-300     a POOL part declaring 300 fds                 DI_ERR_COUNT
 *   release      a RELEASE of buffer 7 of a pool of 2          DI_ERR_INDEX
 *   small-fds    640x480 buffers in a POOL declaring 1920x1080 DI_ERR_FD_SIZE
 *
 * and one thing that is not a fault but a trap for the consumer:
 *   same-dmabuf  a POOL of 2 whose fds are the same dma-buf, then BYE: the
 *                consumer imports it twice, gets one GEM handle, and must
 *                close it once (it answers nothing and closes)
 *
 * Real dma-bufs come from fakecam (VIDIOC_EXPBUF of two 640x480 XR24
 * buffers). Usage: hostile-client SOCKET [VIDEO_NODE]. Prints one line per
 * fault; exits 0 when every reply was the expected one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/pool.h"
#include "dmabuf-interop/session.h"
#include "dmabuf-interop/socket.h"

#define POOL_OFF_COUNT 16
#define POOL_OFF_NFDS  24

struct camera_bufs {
	int video;
	int fd[2];
	struct di_layout layout;
};

static int export_fakecam(const char *node, struct camera_bufs *c)
{
	struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	struct v4l2_requestbuffers req = {
	    .count = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
	struct di_error err;

	c->video = open(node, O_RDWR | O_CLOEXEC);
	if (c->video < 0) {
		fprintf(stderr, "hostile-client: open %s: %s\n", node, strerror(errno));
		return -1;
	}
	fmt.fmt.pix = (struct v4l2_pix_format){
	    .width = 640, .height = 480, .pixelformat = V4L2_PIX_FMT_XBGR32};
	if (ioctl(c->video, VIDIOC_S_FMT, &fmt) || ioctl(c->video, VIDIOC_REQBUFS, &req) ||
	    req.count != 2) {
		fprintf(stderr, "hostile-client: S_FMT/REQBUFS on %s: %s\n", node, strerror(errno));
		return -1;
	}
	for (unsigned int i = 0; i < 2; i++) {
		struct v4l2_exportbuffer exp = {
		    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .index = i, .flags = O_RDWR | O_CLOEXEC};

		if (ioctl(c->video, VIDIOC_EXPBUF, &exp)) {
			fprintf(stderr, "hostile-client: EXPBUF: %s\n", strerror(errno));
			return -1;
		}
		c->fd[i] = exp.fd;
	}
	return di_layout_init(&c->layout, DI_FOURCC_XRGB8888, 640, 480, 1, &err) ? -1 : 0;
}

/* Connects and, unless raw, says HELLO as a producer. */
static int connect_producer(const char *path, int *sock, int hello)
{
	struct di_hello peer;
	struct di_error err;

	if (di_connect(path, sock, &err)) {
		fprintf(stderr, "hostile-client: %s\n", err.text);
		return -1;
	}
	if (hello && di_handshake(*sock, DI_ROLE_PRODUCER, 0, &peer, NULL, &err)) {
		fprintf(stderr, "hostile-client: handshake: %s\n", err.text);
		close(*sock);
		return -1;
	}
	return 0;
}

/* A valid POOL message in wire form, then patched by the caller. */
static size_t pool_bytes(uint8_t *buf, uint32_t count, uint32_t nfds,
			 const struct di_layout *layout)
{
	struct di_msg m = {.type = DI_MSG_POOL};
	struct di_error err;
	size_t len = 0;

	m.pool = (struct di_pool_msg){.count = count, .first = 0, .nfds = nfds, .layout = *layout};
	if (di_msg_encode(&m, buf, DI_MSG_MAX, &len, &err))
		fprintf(stderr, "hostile-client: encode: %s\n", err.text);
	return len;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* Reads the consumer's answer; 0 when it is ERROR(expected). */
static int expect_error(const char *name, int sock, enum di_status expected)
{
	struct di_recv_ctx ctx = {.fs_magic = DI_FS_MAGIC_DMABUF};
	int fds[DI_FDS_PER_MSG];
	struct di_error err;
	unsigned int nfds;
	struct di_msg m;
	enum di_status st = di_recv_msg(sock, &ctx, &m, fds, &nfds, &err);

	close(sock);
	if (st != DI_OK || m.type != DI_MSG_ERROR) {
		printf("%-10s FAIL: no ERROR from the consumer (%s)\n", name,
		       st ? err.text : di_msg_type_name(m.type));
		return -1;
	}
	printf("%-10s consumer replied ERROR(%s): %s\n", name, di_status_name(m.error.code),
	       m.error.text);
	if (m.error.code != expected) {
		printf("%-10s FAIL: expected %s\n", name, di_status_name(expected));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t garbage[16] = "\x13\x37GARBAGE\xff\x00\x42xyz!";
	struct camera_bufs cam;
	struct di_layout big;
	struct di_error err;
	uint8_t buf[DI_MSG_MAX];
	int sock, pipefd[2], many[DI_FDS_PER_MSG], failed = 0;
	size_t len;

	if (argc < 2) {
		fprintf(stderr, "Usage: hostile-client SOCKET [VIDEO_NODE]\n");
		return 2;
	}
	if (export_fakecam(argc > 2 ? argv[2] : "/dev/video0", &cam) || pipe(pipefd) ||
	    di_layout_init(&big, DI_FOURCC_XRGB8888, 1920, 1080, 1, &err))
		return 1;

	/* garbage */
	if (connect_producer(argv[1], &sock, 0))
		return 1;
	di_send_packet(sock, garbage, sizeof(garbage), NULL, 0, &err);
	failed |= expect_error("garbage", sock, DI_ERR_MAGIC);

	/* pipe: a 1-buffer pool whose fd is a pipe */
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	len = pool_bytes(buf, 1, 1, &cam.layout);
	di_send_packet(sock, buf, len, &pipefd[0], 1, &err);
	failed |= expect_error("pipe", sock, DI_ERR_NOT_DMABUF);

	/* extra-fds: declares 2, carries 253 */
	for (int i = 0; i < DI_FDS_PER_MSG; i++)
		many[i] = i < 2 ? cam.fd[i] : pipefd[1];
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	len = pool_bytes(buf, 2, 2, &cam.layout);
	di_send_packet(sock, buf, len, many, DI_FDS_PER_MSG, &err);
	failed |= expect_error("extra-fds", sock, DI_ERR_FDS);

	/* pool-300: a part declaring 300 fds (the encoder refuses it: patched by hand) */
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	len = pool_bytes(buf, 2, 2, &cam.layout);
	put_u32(buf + POOL_OFF_COUNT, 300);
	put_u32(buf + POOL_OFF_NFDS, 300);
	di_send_packet(sock, buf, len, cam.fd, 2, &err);
	failed |= expect_error("pool-300", sock, DI_ERR_COUNT);

	/* release: a good pool, then a RELEASE of a buffer it does not have */
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	if (di_pool_send(sock, 2, 0, &cam.layout, cam.fd, &err)) {
		fprintf(stderr, "hostile-client: POOL: %s\n", err.text);
		return 1;
	}
	{
		struct di_msg m = {.type = DI_MSG_RELEASE};

		m.release = (struct di_release){.index = 7, .seq = 1};
		di_send_msg(sock, &m, NULL, &err);
	}
	failed |= expect_error("release", sock, DI_ERR_INDEX);

	/* small-fds: 640x480 buffers declared as 1920x1080 */
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	len = pool_bytes(buf, 2, 2, &big);
	di_send_packet(sock, buf, len, cam.fd, 2, &err);
	failed |= expect_error("small-fds", sock, DI_ERR_FD_SIZE);

	/* same-dmabuf: accepted, then BYE; the consumer just closes */
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	{
		int same[2] = {cam.fd[0], cam.fd[0]};
		struct di_msg bye = {.type = DI_MSG_BYE};
		char tail[DI_MSG_MAX];
		unsigned int n;
		int rfds[DI_FDS_PER_MSG];

		if (di_pool_send(sock, 2, 0, &cam.layout, same, &err) ||
		    di_send_msg(sock, &bye, NULL, &err)) {
			fprintf(stderr, "hostile-client: same-dmabuf: %s\n", err.text);
			return 1;
		}
		if (di_recv_packet(sock, tail, sizeof(tail), &len, rfds, DI_FDS_PER_MSG, &n,
				   &err) != DI_ERR_PEER_CLOSED) {
			printf("%-10s FAIL: the consumer answered instead of closing\n",
			       "same-dmabuf");
			failed = 1;
		} else {
			printf("%-10s consumer took the pool and closed after BYE\n",
			       "same-dmabuf");
		}
		close(sock);
	}

	close(pipefd[0]);
	close(pipefd[1]);
	close(cam.fd[0]);
	close(cam.fd[1]);
	close(cam.video);
	printf("hostile-client: %s\n", failed ? "FAIL" : "every fault named by the consumer");
	return failed ? 1 : 0;
}
