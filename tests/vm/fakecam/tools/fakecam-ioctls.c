// SPDX-License-Identifier: MIT
/*
 * fakecam-ioctls: feeds fakecam bad input and checks the errno V4L2
 * specifies, then runs a bounded random sequence of ioctls.
 *
 *   fakecam-ioctls errors VIDEO
 *     one ioctl per case below: out-of-range indices, wrong buffer types,
 *     memory types the queue does not use, absurd sizes, busy queues, and
 *     an imported dma-buf too small for the format; plus the positive
 *     counterpart of the last one (fakecam filling a dma-buf it exported
 *     itself, through the import half of its mem_ops).
 *   fakecam-ioctls random VIDEO SEED COUNT
 *     COUNT ioctls chosen and filled from a PRNG seeded with SEED (same seed,
 *     same sequence); errors are expected, a hang or a kernel warning is not.
 *
 * Exits 0 when every case got its errno (or the random run finished), 1
 * with the first wrong case named otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#include "dmabuf-interop/frame-verify.h"
#include "dmabuf-interop/layout.h"

#include "vgem-util.h"

const char tool_name[] = "fakecam-ioctls";

#define CAP	 V4L2_BUF_TYPE_VIDEO_CAPTURE
#define CID_BASE (V4L2_CID_USER_BASE + 0x1f00) /* fakecam's private controls */

static unsigned int failures;

/* Records whether ioctl(fd, req, arg) failed with want (0: succeeded). */
static void expect(const char *what, int fd, unsigned long req, void *arg, int want)
{
	int ret = ioctl(fd, req, arg);
	int got = ret < 0 ? errno : 0;

	if (got == want) {
		printf("ok   %-52s %s\n", what, want ? strerror(want) : "success");
		return;
	}
	printf("FAIL %-52s got %s, expected %s\n", what, got ? strerror(got) : "success",
	       want ? strerror(want) : "success");
	failures++;
}

/* Records a check that is not an errno: what held or not, with detail. */
static void verdict(int ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verdict(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s %-52s ", ok ? "ok  " : "FAIL", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures += !ok;
}

static int open_video(const char *path, int flags)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | flags);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	return fd;
}

static void set_format(int fd, uint32_t fourcc, uint32_t w, uint32_t h, struct v4l2_format *f)
{
	memset(f, 0, sizeof(*f));
	f->type = CAP;
	f->fmt.pix.pixelformat = fourcc;
	f->fmt.pix.width = w;
	f->fmt.pix.height = h;
	if (ioctl(fd, VIDIOC_S_FMT, f))
		die("VIDIOC_S_FMT %ux%u: %s", w, h, strerror(errno));
}

static void reqbufs(int fd, unsigned int memory, unsigned int count)
{
	struct v4l2_requestbuffers r = {.count = count, .type = CAP, .memory = memory};

	if (ioctl(fd, VIDIOC_REQBUFS, &r) || r.count < count)
		die("VIDIOC_REQBUFS %u (memory %u): %s", count, memory, strerror(errno));
}

static int export_buffer(int fd, unsigned int index)
{
	struct v4l2_exportbuffer e = {.type = CAP, .index = index, .flags = O_RDWR | O_CLOEXEC};

	if (ioctl(fd, VIDIOC_EXPBUF, &e))
		die("VIDIOC_EXPBUF %u: %s", index, strerror(errno));
	return e.fd;
}

static void errors_formats(int fd)
{
	struct v4l2_fmtdesc fd_desc = {.index = 7, .type = CAP}; /* 7 formats */
	struct v4l2_fmtdesc fd_out = {.index = 0, .type = V4L2_BUF_TYPE_VIDEO_OUTPUT};
	struct v4l2_frmsizeenum fs = {.index = 1, .pixel_format = V4L2_PIX_FMT_NV12};
	struct v4l2_frmsizeenum fs_unknown = {.pixel_format = V4L2_PIX_FMT_MJPEG};
	struct v4l2_frmivalenum fi = {.pixel_format = V4L2_PIX_FMT_NV12, .width = 63, .height = 64};
	struct v4l2_frmivalenum fi_big = {
	    .pixel_format = V4L2_PIX_FMT_XBGR32, .width = 3842, .height = 2160};
	struct v4l2_frmivalenum fi_odd = {
	    .pixel_format = V4L2_PIX_FMT_NV12, .width = 65, .height = 64};
	struct v4l2_frmivalenum fi_idx = {
	    .index = 1, .pixel_format = V4L2_PIX_FMT_NV12, .width = 64, .height = 64};
	struct v4l2_input in = {.index = 1};
	unsigned int input = 1;
	struct v4l2_control c_range = {.id = CID_BASE + 1, .value = 2};
	struct v4l2_control c_unknown = {.id = CID_BASE + 7, .value = 0};
	struct v4l2_control c_early = {.id = CID_BASE + 3, .value = 2};
	struct v4l2_control c_latency = {.id = CID_BASE + 2, .value = -1};
	struct v4l2_streamparm parm = {.type = CAP};
	struct v4l2_streamparm parm_out = {.type = V4L2_BUF_TYPE_VIDEO_OUTPUT};
	struct v4l2_format f, fout = {.type = V4L2_BUF_TYPE_VIDEO_OUTPUT};

	expect("ENUM_FMT index 7", fd, VIDIOC_ENUM_FMT, &fd_desc, EINVAL);
	expect("ENUM_FMT output type", fd, VIDIOC_ENUM_FMT, &fd_out, EINVAL);
	expect("ENUM_FRAMESIZES index 1", fd, VIDIOC_ENUM_FRAMESIZES, &fs, EINVAL);
	expect("ENUM_FRAMESIZES MJPG", fd, VIDIOC_ENUM_FRAMESIZES, &fs_unknown, EINVAL);
	expect("ENUM_FRAMEINTERVALS 63x64", fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi, EINVAL);
	expect("ENUM_FRAMEINTERVALS 3842x2160", fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi_big, EINVAL);
	expect("ENUM_FRAMEINTERVALS NV12 65x64", fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi_odd, EINVAL);
	expect("ENUM_FRAMEINTERVALS index 1", fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi_idx, EINVAL);
	expect("ENUMINPUT index 1", fd, VIDIOC_ENUMINPUT, &in, EINVAL);
	expect("S_INPUT 1", fd, VIDIOC_S_INPUT, &input, EINVAL);
	expect("S_CTRL pattern_mode=2", fd, VIDIOC_S_CTRL, &c_range, ERANGE);
	expect("S_CTRL unknown id", fd, VIDIOC_S_CTRL, &c_unknown, EINVAL);
	/* Neither is refused: a boolean is normalised (2 becomes 1), an integer clamped. */
	expect("S_CTRL early_done=2", fd, VIDIOC_S_CTRL, &c_early, 0);
	expect("S_CTRL fill_latency_us=-1", fd, VIDIOC_S_CTRL, &c_latency, 0);
	c_early.value = 0;
	expect("S_CTRL early_done=0", fd, VIDIOC_S_CTRL, &c_early, 0);
	expect("G_FMT output type", fd, VIDIOC_G_FMT, &fout, EINVAL);
	expect("S_PARM output type", fd, VIDIOC_S_PARM, &parm_out, EINVAL);

	/* Out-of-range requests are adjusted, not refused. */
	set_format(fd, V4L2_PIX_FMT_NV12, 100000, 100001, &f);
	verdict(f.fmt.pix.width == 3840 && f.fmt.pix.height == 2160,
		"S_FMT NV12 100000x100001 -> 3840x2160", "got %ux%u", f.fmt.pix.width,
		f.fmt.pix.height);
	set_format(fd, V4L2_PIX_FMT_MJPEG, 0, 1, &f);
	verdict(f.fmt.pix.width == 64 && f.fmt.pix.height == 64 &&
		    f.fmt.pix.pixelformat == V4L2_PIX_FMT_XBGR32,
		"S_FMT MJPG 0x1 -> XR24 64x64", "got %ux%u", f.fmt.pix.width, f.fmt.pix.height);
	parm.parm.capture.timeperframe.numerator = 1;
	parm.parm.capture.timeperframe.denominator = 100000;
	expect("S_PARM 100000 fps", fd, VIDIOC_S_PARM, &parm, 0);
	verdict(parm.parm.capture.timeperframe.denominator == 240, "S_PARM 100000 fps -> 1/240",
		"got %u/%u", parm.parm.capture.timeperframe.numerator,
		parm.parm.capture.timeperframe.denominator);
}

static void errors_buffers(int fd)
{
	struct v4l2_requestbuffers r_user = {
	    .count = 2, .type = CAP, .memory = V4L2_MEMORY_USERPTR};
	struct v4l2_requestbuffers r_out = {
	    .count = 2, .type = V4L2_BUF_TYPE_VIDEO_OUTPUT, .memory = V4L2_MEMORY_MMAP};
	struct v4l2_buffer b;
	struct v4l2_exportbuffer e;
	struct v4l2_format f;
	int type = CAP, out_type = V4L2_BUF_TYPE_VIDEO_OUTPUT;

	expect("REQBUFS USERPTR", fd, VIDIOC_REQBUFS, &r_user, EINVAL);
	expect("REQBUFS output type", fd, VIDIOC_REQBUFS, &r_out, EINVAL);
	set_format(fd, V4L2_PIX_FMT_XBGR32, 640, 480, &f);
	reqbufs(fd, V4L2_MEMORY_MMAP, 2);

	memset(&b, 0, sizeof(b));
	b.type = CAP, b.memory = V4L2_MEMORY_MMAP, b.index = 2;
	expect("QUERYBUF index 2 of 2", fd, VIDIOC_QUERYBUF, &b, EINVAL);
	b.index = 0, b.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	expect("QUERYBUF output type", fd, VIDIOC_QUERYBUF, &b, EINVAL);
	b.type = CAP, b.index = 1000;
	expect("QBUF index 1000", fd, VIDIOC_QBUF, &b, EINVAL);
	b.index = 0, b.memory = V4L2_MEMORY_USERPTR;
	expect("QBUF USERPTR on an MMAP queue", fd, VIDIOC_QBUF, &b, EINVAL);
	b.memory = V4L2_MEMORY_DMABUF, b.m.fd = -1;
	expect("QBUF DMABUF on an MMAP queue", fd, VIDIOC_QBUF, &b, EINVAL);

	memset(&e, 0, sizeof(e));
	e.type = CAP, e.index = 2;
	expect("EXPBUF index 2 of 2", fd, VIDIOC_EXPBUF, &e, EINVAL);
	e.index = 0, e.plane = 1;
	expect("EXPBUF plane 1", fd, VIDIOC_EXPBUF, &e, EINVAL);
	e.plane = 0, e.flags = O_RDWR | O_APPEND;
	expect("EXPBUF flags O_APPEND", fd, VIDIOC_EXPBUF, &e, EINVAL);
	e.type = V4L2_BUF_TYPE_VIDEO_OUTPUT, e.flags = O_RDWR;
	expect("EXPBUF output type", fd, VIDIOC_EXPBUF, &e, EINVAL);

	f.fmt.pix.width = 320;
	expect("S_FMT with buffers allocated", fd, VIDIOC_S_FMT, &f, EBUSY);
	expect("STREAMON output type", fd, VIDIOC_STREAMON, &out_type, EINVAL);
	memset(&b, 0, sizeof(b));
	b.type = CAP, b.memory = V4L2_MEMORY_MMAP;
	expect("DQBUF while not streaming", fd, VIDIOC_DQBUF, &b, EINVAL);
	expect("STREAMOFF while not streaming", fd, VIDIOC_STREAMOFF, &type, 0);
	reqbufs(fd, V4L2_MEMORY_MMAP, 0);
}

/*
 * DMABUF import: a dma-buf too small for the format, or for the length
 * given, is refused at QBUF; one large enough (fakecam's own export, its
 * vb2 buffer already freed) is filled with the right frame through
 * dma_buf_vmap.
 */
static void errors_import(int fd)
{
	struct v4l2_buffer b = {0};
	struct di_layout layout;
	struct di_error err;
	struct v4l2_format f;
	int type = CAP, small, big;
	void *map;

	set_format(fd, V4L2_PIX_FMT_YUYV, 64, 64, &f);
	reqbufs(fd, V4L2_MEMORY_MMAP, 1);
	small = export_buffer(fd, 0);
	reqbufs(fd, V4L2_MEMORY_MMAP, 0);
	set_format(fd, V4L2_PIX_FMT_YUYV, 320, 240, &f);
	reqbufs(fd, V4L2_MEMORY_MMAP, 1);
	big = export_buffer(fd, 0);
	reqbufs(fd, V4L2_MEMORY_MMAP, 0);

	reqbufs(fd, V4L2_MEMORY_DMABUF, 1);
	b.type = CAP, b.memory = V4L2_MEMORY_DMABUF, b.index = 0, b.m.fd = small;
	expect("QBUF DMABUF smaller than the format", fd, VIDIOC_QBUF, &b, EINVAL);
	/*
	 * A length that passes vb2's check (the format's size) but is more
	 * than the dma-buf holds: refused by fakecam. vb2 in 6.12 leaks its
	 * reference on the dma-buf when the driver refuses at attach_dmabuf;
	 * bad-input.sh sees the export still listed after every fd is closed.
	 */
	b.length = f.fmt.pix.sizeimage;
	expect("QBUF DMABUF with a length beyond the dma-buf", fd, VIDIOC_QBUF, &b, EFAULT);
	b.length = 0;
	b.m.fd = 0;
	expect("QBUF DMABUF fd that is no dma-buf", fd, VIDIOC_QBUF, &b, EINVAL);
	b.memory = V4L2_MEMORY_MMAP, b.m.fd = big;
	expect("QBUF MMAP on a DMABUF queue", fd, VIDIOC_QBUF, &b, EINVAL);
	b.memory = V4L2_MEMORY_DMABUF;
	expect("QBUF DMABUF of fakecam's own export", fd, VIDIOC_QBUF, &b, 0);
	expect("STREAMON", fd, VIDIOC_STREAMON, &type, 0);
	memset(&b, 0, sizeof(b));
	b.type = CAP, b.memory = V4L2_MEMORY_DMABUF;
	/* The file is non-blocking: wait for the frame first. */
	verdict(poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 20000) == 1,
		"poll for the frame", "%s", "");
	expect("DQBUF the imported buffer", fd, VIDIOC_DQBUF, &b, 0);

	map = mmap(NULL, f.fmt.pix.sizeimage, PROT_READ, MAP_SHARED, big, 0);
	if (map == MAP_FAILED)
		die("mmap of the imported dma-buf: %s", strerror(errno));
	if (di_layout_init(&layout, V4L2_PIX_FMT_YUYV, 320, 240, 1, &err) != DI_OK)
		die("%s", err.text);
	di_error_clear(&err);
	if (di_stamp_verify(map, f.fmt.pix.sizeimage, &layout, b.sequence, NULL, &err) == DI_OK)
		di_pattern_verify(map, f.fmt.pix.sizeimage, &layout, b.sequence, 0, NULL, &err);
	verdict(err.status == DI_OK, "frame written into the imported dma-buf", "seq %u %s",
		b.sequence, err.text);
	munmap(map, f.fmt.pix.sizeimage);
	expect("STREAMOFF", fd, VIDIOC_STREAMOFF, &type, 0);
	reqbufs(fd, V4L2_MEMORY_DMABUF, 0);
	close(small);
	close(big);
}

static int do_errors(const char *path)
{
	int fd = open_video(path, O_NONBLOCK);

	errors_formats(fd);
	errors_buffers(fd);
	errors_import(fd);
	close(fd);
	if (failures) {
		printf("%u cases got the wrong errno\n", failures);
		return 1;
	}
	printf("every case got the errno V4L2 specifies\n");
	return 0;
}

/* xorshift64*: the same sequence for the same seed on every machine. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

/* Mostly plausible values, sometimes absurd ones. */
static uint32_t rnd_index(void)
{
	static const uint32_t odd[] = {32, 64, 1000, 0x7fffffff, 0xffffffff};

	return rnd(8) ? rnd(6) : odd[rnd(5)];
}

static uint32_t rnd_type(void)
{
	return rnd(10) ? CAP : rnd(15);
}

static uint32_t rnd_memory(void)
{
	return rnd(2) ? V4L2_MEMORY_MMAP : rnd(3) ? V4L2_MEMORY_DMABUF : rnd(6);
}

static void random_ioctl(int fd, int *last_export)
{
	static const uint32_t fourccs[] = {V4L2_PIX_FMT_XBGR32, V4L2_PIX_FMT_NV12,
					   V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_MJPEG};
	union {
		struct v4l2_requestbuffers r;
		struct v4l2_buffer b;
		struct v4l2_exportbuffer e;
		struct v4l2_format f;
		struct v4l2_streamparm p;
		struct v4l2_control c;
		struct v4l2_create_buffers cb;
		int type;
	} u;

	memset(&u, 0, sizeof(u));
	switch (rnd(11)) {
	case 0:
		u.r.count = rnd(4) ? rnd(5) : rnd_index();
		u.r.type = rnd_type();
		u.r.memory = rnd_memory();
		ioctl(fd, VIDIOC_REQBUFS, &u.r);
		break;
	case 1:
		u.b.type = rnd_type(), u.b.memory = rnd_memory(), u.b.index = rnd_index();
		ioctl(fd, VIDIOC_QUERYBUF, &u.b);
		break;
	case 2:
	case 3:
		u.b.type = rnd_type(), u.b.memory = rnd_memory(), u.b.index = rnd_index();
		if (u.b.memory == V4L2_MEMORY_DMABUF)
			u.b.m.fd = rnd(2) && *last_export >= 0 ? *last_export : (int)rnd(20) - 1;
		ioctl(fd, VIDIOC_QBUF, &u.b);
		break;
	case 4:
		u.b.type = rnd_type(), u.b.memory = rnd_memory();
		ioctl(fd, VIDIOC_DQBUF, &u.b);
		break;
	case 5:
		u.type = rnd_type();
		ioctl(fd, rnd(2) ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &u.type);
		break;
	case 6:
		u.e.type = rnd_type(), u.e.index = rnd_index(), u.e.plane = rnd(8) ? 0 : rnd(4);
		u.e.flags = rnd(4) ? O_RDWR | O_CLOEXEC : rnd(0x100000);
		if (!ioctl(fd, VIDIOC_EXPBUF, &u.e)) {
			if (*last_export >= 0)
				close(*last_export);
			*last_export = u.e.fd;
		}
		break;
	case 7:
		u.f.type = rnd_type();
		u.f.fmt.pix.pixelformat = fourccs[rnd(4)];
		u.f.fmt.pix.width = rnd(4) ? 64 + rnd(400) : rnd(100000);
		u.f.fmt.pix.height = rnd(4) ? 64 + rnd(300) : rnd(100000);
		ioctl(fd, rnd(2) ? VIDIOC_S_FMT : VIDIOC_TRY_FMT, &u.f);
		break;
	case 8:
		u.p.type = rnd_type();
		u.p.parm.capture.timeperframe.numerator = rnd(3);
		u.p.parm.capture.timeperframe.denominator = rnd(4) ? 1 + rnd(300) : rnd_index();
		ioctl(fd, VIDIOC_S_PARM, &u.p);
		break;
	case 9:
		u.c.id = CID_BASE + rnd(5);
		u.c.value = (int)rnd(4) - 1;
		ioctl(fd, VIDIOC_S_CTRL, &u.c);
		break;
	case 10:
		u.cb.count = rnd(4);
		u.cb.memory = rnd_memory();
		u.cb.format.type = rnd_type();
		ioctl(fd, VIDIOC_G_FMT, &u.cb.format);
		if (rnd(3) == 0)
			u.cb.format.fmt.pix.sizeimage = rnd(2) ? rnd(4096) : rnd_index();
		ioctl(fd, VIDIOC_CREATE_BUFS, &u.cb);
		break;
	}
}

static int do_random(const char *path, unsigned long seed, unsigned long count)
{
	int fd = open_video(path, O_NONBLOCK);
	int last_export = -1;
	unsigned long i;

	rng_state = seed ? seed : 1;
	for (i = 0; i < count; i++) {
		/* Now and then the file goes away with whatever state it had. */
		if (rnd(200) == 0) {
			close(fd);
			fd = open_video(path, O_NONBLOCK);
		}
		random_ioctl(fd, &last_export);
	}
	if (last_export >= 0)
		close(last_export);
	close(fd);
	printf("%lu random ioctls (seed %lu) done\n", count, seed);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "errors"))
		return do_errors(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "random"))
		return do_random(argv[2], strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	fprintf(stderr, "Usage: fakecam-ioctls errors VIDEO\n"
			"       fakecam-ioctls random VIDEO SEED COUNT\n");
	return 2;
}
