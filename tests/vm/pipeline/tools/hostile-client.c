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
 * POOL version 2 (an fd per plane, after a HELLO offering DI_CAP_FD_PER_PLANE)
 * and plane counts, each a 640x480 NV12 or XRGB8888 pool:
 *
 *   plane-small     fd per plane, plane 1's offset + size 4096 bytes
 *                   past the end of its fd                      DI_ERR_FD_SIZE
 *   plane-overlap   one dma-buf for both planes, the chroma
 *                   plane starting 4096 bytes inside the luma   DI_ERR_LAYOUT
 *   nv12-1plane     one fd, NV12 declaring 1 plane              DI_ERR_LAYOUT
 *   xr24-2planes    one fd, XRGB8888 declaring 2 planes         DI_ERR_LAYOUT
 *   nv12m-1plane    fd per plane, NV12 declaring 1 plane but
 *                   carrying the 2 fds a buffer of it has       DI_ERR_LAYOUT
 *   xr24m-2planes   fd per plane, XRGB8888 declaring 2 planes   DI_ERR_LAYOUT
 *   plane-no-cap    a good fd-per-plane POOL after a HELLO that
 *                   did not offer DI_CAP_FD_PER_PLANE           DI_ERR_FIELD
 *
 * and each reply's text must name the fault (the words lib/ says).
 *
 * And two things that are not faults but traps for the consumer:
 *   same-dmabuf   a POOL of 2 whose fds are the same dma-buf, then BYE: the
 *                 consumer imports it twice, gets one GEM handle, and must
 *                 close it once (it answers nothing and closes)
 *   plane-shared  fd per plane, one dma-buf for both planes of NV12, the
 *                 chroma right after the luma (allowed: they touch, they do
 *                 not overlap), then BYE: one GEM handle for both planes of
 *                 the framebuffer, closed once
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

/* POOL fields in wire form (docs/protocol.md), for patching what the encoder refuses. */
#define POOL_OFF_COUNT	       16
#define POOL_OFF_NFDS	       24
#define POOL_OFF_PLANES	       44
#define POOL_OFF_OFFSET(plane) (56 + 8 * (plane))
#define POOL_OFF_PITCH(plane)  (60 + 8 * (plane))

#define NV12_W 640
#define NV12_H 480
#define NV12_Y (NV12_W * NV12_H) /* bytes of the luma plane, also the chroma's offset */

struct camera_bufs {
	int video;
	int fd[2];
	uint64_t size; /* bytes of each fd */
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
	if (di_buffer_fd_size(c->fd[0], &c->size, &err)) {
		fprintf(stderr, "hostile-client: %s\n", err.text);
		return -1;
	}
	return di_layout_init(&c->layout, DI_FOURCC_XRGB8888, 640, 480, 1, &err) ? -1 : 0;
}

/* Connects and, unless raw, says HELLO as a producer offering caps. */
static int connect_caps(const char *path, int *sock, int hello, uint32_t caps)
{
	struct di_hello peer;
	struct di_error err;

	if (di_connect(path, sock, &err)) {
		fprintf(stderr, "hostile-client: %s\n", err.text);
		return -1;
	}
	if (hello && di_handshake(*sock, DI_ROLE_PRODUCER, caps, &peer, NULL, &err)) {
		fprintf(stderr, "hostile-client: handshake: %s\n", err.text);
		close(*sock);
		return -1;
	}
	return 0;
}

static int connect_producer(const char *path, int *sock, int hello)
{
	return connect_caps(path, sock, hello, 0);
}

/* A valid POOL message in wire form, then patched by the caller. */
static size_t pool_bytes(uint8_t *buf, uint32_t count, uint32_t nfds,
			 const struct di_layout *layout)
{
	struct di_msg m = {.type = DI_MSG_POOL};
	struct di_error err;
	size_t len = 0;

	m.pool = (struct di_pool_msg){.count = count,
				      .first = 0,
				      .nfds = nfds,
				      .flags = layout->fd_per_plane ? DI_POOL_FD_PER_PLANE : 0,
				      .layout = *layout};
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

/*
 * Reads the consumer's answer; 0 when it is ERROR(expected) and its text
 * has every one of the NULL-terminated words: the status alone does not
 * say which check fired (FD_SIZE is the buffer or one plane, LAYOUT a
 * dozen checks).
 */
static int expect_error_text(const char *name, int sock, enum di_status expected,
			     const char *const *words)
{
	struct di_recv_ctx ctx = {.fs_magic = DI_FS_MAGIC_DMABUF};
	int fds[DI_FDS_PER_MSG];
	struct di_error err;
	unsigned int nfds;
	struct di_msg m;
	enum di_status st = di_recv_msg(sock, &ctx, &m, fds, &nfds, &err);

	close(sock);
	if (st != DI_OK || m.type != DI_MSG_ERROR) {
		printf("%-13s FAIL: no ERROR from the consumer (%s)\n", name,
		       st ? err.text : di_msg_type_name(m.type));
		return -1;
	}
	printf("%-13s consumer replied ERROR(%s): %s\n", name, di_status_name(m.error.code),
	       m.error.text);
	if (m.error.code != expected) {
		printf("%-13s FAIL: expected %s\n", name, di_status_name(expected));
		return -1;
	}
	for (; words && *words; words++) {
		if (!strstr(m.error.text, *words)) {
			printf("%-13s FAIL: the text does not say \"%s\"\n", name, *words);
			return -1;
		}
	}
	return 0;
}

#define expect_error(name, sock, expected, ...)                                                    \
	expect_error_text(name, sock, expected, (const char *const[]){__VA_ARGS__, NULL})

/* Connects offering an fd per plane and sends len bytes of POOL with nfds fds. */
static int send_pool(const char *path, const uint8_t *buf, size_t len, const int *fds,
		     unsigned int nfds, int *sock)
{
	struct di_error err;

	if (connect_caps(path, sock, 1, DI_CAP_FD_PER_PLANE))
		return -1;
	if (di_send_packet(*sock, buf, len, fds, nfds, &err)) {
		fprintf(stderr, "hostile-client: POOL: %s\n", err.text);
		close(*sock);
		return -1;
	}
	return 0;
}

/* 640x480 NV12 with an fd per plane, both planes at offset 0 of their fds. */
static struct di_layout nv12m(void)
{
	struct di_layout l;

	di_layout_init_fd_per_plane(&l, DI_FOURCC_NV12, NV12_W, NV12_H, 1, NULL);
	return l;
}

/* Plane 1 placed so that it ends 4096 bytes past the end of its fd. */
static int plane_small(const char *path, const struct camera_bufs *cam)
{
	struct di_layout l = nv12m();
	const uint64_t chroma = (uint64_t)l.pitch[1] * (NV12_H / 2);
	uint8_t buf[DI_MSG_MAX];
	char need[64];
	size_t len;
	int sock;

	l.offset[1] = (uint32_t)(cam->size - chroma + 4096);
	len = pool_bytes(buf, 1, 2, &l);
	snprintf(need, sizeof(need), "holds %llu bytes, the layout needs %llu",
		 (unsigned long long)cam->size, (unsigned long long)cam->size + 4096);
	if (send_pool(path, buf, len, cam->fd, 2, &sock))
		return -1;
	return expect_error("plane-small", sock, DI_ERR_FD_SIZE, "POOL buffer 0 plane 1: fd", need);
}

/* A good NV12M pool from a peer whose HELLO did not offer an fd per plane. */
static int plane_no_cap(const char *path, const struct camera_bufs *cam)
{
	struct di_layout l = nv12m();
	uint8_t buf[DI_MSG_MAX];
	struct di_error err;
	size_t len = pool_bytes(buf, 1, 2, &l);
	int sock;

	if (connect_producer(path, &sock, 1))
		return -1;
	if (di_send_packet(sock, buf, len, cam->fd, 2, &err)) {
		fprintf(stderr, "hostile-client: POOL: %s\n", err.text);
		close(sock);
		return -1;
	}
	return expect_error("plane-no-cap", sock, DI_ERR_FIELD, "POOL has an fd per plane",
			    "DI_CAP_FD_PER_PLANE");
}

/*
 * The same dma-buf for both planes of NV12, chroma at chroma_offset: an
 * overlap is refused, planes that only touch are allowed.
 */
static size_t shared_planes_pool(uint8_t *buf, uint32_t chroma_offset)
{
	struct di_layout l = nv12m();

	l.offset[1] = chroma_offset;
	return pool_bytes(buf, 1, 2, &l);
}

static int plane_overlap(const char *path, const struct camera_bufs *cam)
{
	const int same[2] = {cam->fd[0], cam->fd[0]};
	uint8_t buf[DI_MSG_MAX];
	char range[80];
	size_t len = shared_planes_pool(buf, NV12_Y - 4096);
	int sock;

	snprintf(range, sizeof(range), "overlap in it (bytes 0..%u and %u..%u)", NV12_Y,
		 NV12_Y - 4096, NV12_Y - 4096 + NV12_Y / 2);
	if (send_pool(path, buf, len, same, 2, &sock))
		return -1;
	return expect_error("plane-overlap", sock, DI_ERR_LAYOUT,
			    "POOL buffer 0: planes 0 and 1 are one file", range);
}

/* Accepted: the consumer imports both fds (one GEM handle), then BYE; it closes. */
static int plane_shared(const char *path, const struct camera_bufs *cam)
{
	const int same[2] = {cam->fd[0], cam->fd[0]};
	struct di_msg bye = {.type = DI_MSG_BYE};
	uint8_t buf[DI_MSG_MAX], tail[DI_MSG_MAX];
	int rfds[DI_FDS_PER_MSG], sock;
	size_t len = shared_planes_pool(buf, NV12_Y);
	struct di_error err;
	unsigned int n;
	enum di_status st;

	if (send_pool(path, buf, len, same, 2, &sock))
		return -1;
	if (di_send_msg(sock, &bye, NULL, &err)) {
		fprintf(stderr, "hostile-client: plane-shared: %s\n", err.text);
		close(sock);
		return -1;
	}
	st = di_recv_packet(sock, tail, sizeof(tail), &len, rfds, DI_FDS_PER_MSG, &n, &err);
	close(sock);
	if (st != DI_ERR_PEER_CLOSED) {
		printf("%-13s FAIL: the consumer answered instead of closing (%s)\n",
		       "plane-shared", st ? err.text : "a message");
		return -1;
	}
	printf("%-13s consumer took the pool (both planes in one dma-buf) and closed after BYE\n",
	       "plane-shared");
	return 0;
}

/*
 * A layout whose plane count is not the format's: the valid layout encoded,
 * then num_planes patched to planes and plane 1's slot to offset1/pitch1 (0
 * for an unused slot), and nfds to what is sent (with an fd per plane, the
 * fds a buffer has).
 */
struct plane_count_case {
	const char *name;
	struct di_layout layout;
	uint32_t planes, offset1, pitch1;
	uint32_t count, nfds;
	const int *fds;
	const char *said; /* what lib/ says after "POOL layout: " */
};

static int plane_count(const char *path, const struct plane_count_case *c)
{
	uint8_t buf[DI_MSG_MAX];
	size_t len = pool_bytes(buf, c->count, c->count * di_layout_fds(&c->layout), &c->layout);
	int sock;

	put_u32(buf + POOL_OFF_NFDS, c->nfds);
	put_u32(buf + POOL_OFF_PLANES, c->planes);
	put_u32(buf + POOL_OFF_OFFSET(1), c->offset1);
	put_u32(buf + POOL_OFF_PITCH(1), c->pitch1);
	if (send_pool(path, buf, len, c->fds, c->nfds, &sock))
		return -1;
	return expect_error(c->name, sock, DI_ERR_LAYOUT, "POOL layout: ", c->said);
}

static int plane_counts(const char *path, const struct camera_bufs *cam)
{
	static const char nv12[] = "NV12 has 2 plane(s), layout declares 1";
	static const char xr24[] = "XRGB8888 has 1 plane(s), layout declares 2";
	/* 2 buffers of 2 fds, as an NV12M producer has them. */
	const int four[4] = {cam->fd[0], cam->fd[1], cam->fd[1], cam->fd[0]};
	struct plane_count_case cases[] = {
	    {"nv12-1plane", {0}, 1, 0, 0, 2, 2, cam->fd, nv12},
	    {"xr24-2planes", cam->layout, 2, (uint32_t)cam->size / 2, cam->layout.pitch[0], 2, 2,
	     cam->fd, xr24},
	    /* 4 fds for a pool of 2: taken at its word (1 fd a buffer) it has too many fds. */
	    {"nv12m-1plane", nv12m(), 1, 0, 0, 2, 4, four, nv12},
	    {"xr24m-2planes", {0}, 2, 0, cam->layout.pitch[0], 1, 2, cam->fd, xr24},
	};
	int failed = 0;

	di_layout_init(&cases[0].layout, DI_FOURCC_NV12, NV12_W, NV12_H, 1, NULL);
	di_layout_init_fd_per_plane(&cases[3].layout, DI_FOURCC_XRGB8888, 640, 480, 1, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		failed |= plane_count(path, &cases[i]);
	return failed;
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
	failed |= expect_error("garbage", sock, DI_ERR_MAGIC, "bad magic 0x");

	/* pipe: a 1-buffer pool whose fd is a pipe */
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	len = pool_bytes(buf, 1, 1, &cam.layout);
	di_send_packet(sock, buf, len, &pipefd[0], 1, &err);
	failed |= expect_error("pipe", sock, DI_ERR_NOT_DMABUF, "POOL buffer 0: fd", "is a pipe");

	/* extra-fds: declares 2, carries 253 */
	for (int i = 0; i < DI_FDS_PER_MSG; i++)
		many[i] = i < 2 ? cam.fd[i] : pipefd[1];
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	len = pool_bytes(buf, 2, 2, &cam.layout);
	di_send_packet(sock, buf, len, many, DI_FDS_PER_MSG, &err);
	failed |=
	    expect_error("extra-fds", sock, DI_ERR_FDS, "POOL declares 2 fd(s) but 253 arrived");

	/* pool-300: a part declaring 300 fds (the encoder refuses it: patched by hand) */
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	len = pool_bytes(buf, 2, 2, &cam.layout);
	put_u32(buf + POOL_OFF_COUNT, 300);
	put_u32(buf + POOL_OFF_NFDS, 300);
	di_send_packet(sock, buf, len, cam.fd, 2, &err);
	failed |= expect_error("pool-300", sock, DI_ERR_COUNT, "POOL part declares 300 fds");

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
	failed |= expect_error("release", sock, DI_ERR_INDEX,
			       "RELEASE buffer index 7 out of range (pool of 2)");

	/* small-fds: 640x480 buffers declared as 1920x1080 */
	if (connect_producer(argv[1], &sock, 1))
		return 1;
	len = pool_bytes(buf, 2, 2, &big);
	di_send_packet(sock, buf, len, cam.fd, 2, &err);
	failed |= expect_error("small-fds", sock, DI_ERR_FD_SIZE, "POOL buffer 0: fd",
			       "the layout needs 8294400");

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
			printf("%-13s FAIL: the consumer answered instead of closing\n",
			       "same-dmabuf");
			failed = 1;
		} else {
			printf("%-13s consumer took the pool and closed after BYE\n",
			       "same-dmabuf");
		}
		close(sock);
	}

	failed |= plane_small(argv[1], &cam);
	failed |= plane_no_cap(argv[1], &cam);
	failed |= plane_overlap(argv[1], &cam);
	failed |= plane_shared(argv[1], &cam);
	failed |= plane_counts(argv[1], &cam);

	close(pipefd[0]);
	close(pipefd[1]);
	close(cam.fd[0]);
	close(cam.fd[1]);
	close(cam.video);
	printf("hostile-client: %s\n", failed ? "FAIL" : "every fault named by the consumer");
	return failed ? 1 : 0;
}
