// SPDX-License-Identifier: MIT
/*
 * fakecam-fences: fakecam's fences seen from user space.
 *
 * Each subcommand first measures a baseline in the same run (how long one
 * buffer takes from QBUF to DQBUF with no fence anywhere: a frame interval
 * and a fill on this kernel, seconds under KASAN) and times everything
 * against it, prints what it measured and exits 1 naming what was wrong.
 *
 *   fakecam-fences vgem-delay VIDEO
 *     a vgem write fence (VGEM_FENCE_ATTACH with VGEM_FENCE_WRITE) on a vgem
 *     buffer queued as V4L2_MEMORY_DMABUF: the buffer must not come back
 *     while the fence is unsignalled (HOLD ms, at least 3 baselines), and
 *     must right after VGEM_FENCE_SIGNAL (within 2 baselines + SLACK_MS),
 *     with a correct frame.
 *
 *   fakecam-fences own-fence VIDEO LATENCY_US
 *     fakecam's own write fence on an MMAP buffer, through two exports of
 *     it (one reservation object for both). With "Early Done" and "Fill
 *     Latency (us)" LATENCY_US: at DQBUF the fence is unsignalled
 *     (DMA_BUF_IOCTL_EXPORT_SYNC_FILE with DMA_BUF_SYNC_READ: poll() not
 *     ready, SYNC_IOC_FILE_INFO status 0, the fence named fakecam /
 *     fakecam-N; poll(POLLIN) of the dma-buf not ready, on either export),
 *     then signals (status 1) no earlier than LATENCY_US after the QBUF and
 *     within LATENCY_US + 2 baselines + SLACK_MS of the DQBUF, and the
 *     frame is correct. Without "Early Done" DQBUF returns only after
 *     LATENCY_US, the fence already signalled. A fence imported through
 *     one export is seen through the other.
 *
 *   fakecam-fences streamoff VIDEO
 *     a fence held unsignalled by a 3 s fill latency, with and without
 *     "Early Done": STREAMOFF returns at once and the fence has signalled
 *     with an error (status < 0, the fence's own status -ECANCELED).
 *
 *   fakecam-fences read-fence VIDEO [--no-wait]
 *     a read fence imported into fakecam's own MMAP buffer: an unsignalled
 *     vgem fence, exported from vgem's dma-buf as a sync_file and imported
 *     into the EXPBUF fd with DMA_BUF_IOCTL_IMPORT_SYNC_FILE and
 *     DMA_BUF_SYNC_READ (the explicit-sync pipeline's release fence). The
 *     buffer must not come back until the fence signals, as for vgem-delay.
 *     With --no-wait (the module runs with fence_wait=N) it must come back
 *     within 2 baselines + SLACK_MS all the same, and fakecam must not
 *     count a fence wait.
 *
 *   fakecam-fences kill VIDEO [--dmabuf]
 *     a child streams with "Early Done" and a 2 s fill latency, MMAP
 *     buffers (or vgem buffers with --dmabuf), and sends this process the
 *     sync_file of every frame it dequeues (and a dma-buf of its buffer 0);
 *     once one is known unsignalled the child gets SIGKILL. Every fence
 *     must then signal within KILL_SIGNAL_MS, the unsignalled one with an
 *     error, and the dma-buf still held must have no unsignalled fence.
 *
 * fakecam's debugfs stats (<N>/stats) are printed at the end of each.
 * fence_timeout_ms must be longer than HOLD (the scenario sets it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libdrm/drm.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <linux/videodev2.h>

#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/frame-verify.h"
#include "dmabuf-interop/layout.h"

#include "vgem-util.h"

const char tool_name[] = "fakecam-fences";

/* Scheduling noise on a loaded TCG host, on top of the baselines. */
#define SLACK_MS 1000
/* Longest the buffer is held by an unsignalled fence. */
#define HOLD_MIN_MS 1000
#define HOLD_MAX_MS 6000
/* After SIGKILL, every fence must have signalled within this. */
#define KILL_SIGNAL_MS	     10000
#define KILL_LATENCY_US	     2000000
#define STREAMOFF_LATENCY_US 3000000

static int failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints PASS/FAIL with the message; a FAIL makes the exit status 1. */
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	fputs(ok ? "ok: " : "FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	if (!ok)
		failed = 1;
}

/* True when fd polls ready for events within timeout_ms. */
static bool poll_ready(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		die("poll: %s", strerror(errno));
	return ret > 0 && (pfd.revents & events);
}

/* One counter of fakecam's stats, -1 when it is not there. */
static long stat_value(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/fakecam/0/stats", "r");
	char key[64];
	long v, ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			ret = v;
	fclose(f);
	return ret;
}

/* ---- sync_file ---- */

struct fence_state {
	int status;	    /* the sync_file's: 0 pending, 1 signalled, < 0 error */
	unsigned int count; /* its fences */
	int fence_status;   /* the first fence's */
	char driver[32];    /* the first fence's driver and timeline */
	char timeline[32];
};

static void sync_file_state(int fd, struct fence_state *st)
{
	struct sync_fence_info fences[4];
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	memset(fences, 0, sizeof(fences));
	if (xioctl(fd, SYNC_IOC_FILE_INFO, &info))
		die("SYNC_IOC_FILE_INFO: %s", strerror(errno));
	memset(st, 0, sizeof(*st));
	st->count = info.num_fences;
	if (info.num_fences > 4)
		info.num_fences = 4;
	info.sync_fence_info = (__u64)(unsigned long)fences;
	if (xioctl(fd, SYNC_IOC_FILE_INFO, &info))
		die("SYNC_IOC_FILE_INFO with fences: %s", strerror(errno));
	st->status = info.status;
	if (info.num_fences) {
		st->fence_status = fences[0].status;
		memcpy(st->driver, fences[0].driver_name, sizeof(st->driver) - 1);
		memcpy(st->timeline, fences[0].obj_name, sizeof(st->timeline) - 1);
	}
}

/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE: the fences a reader (or writer) waits for. */
static int export_sync_file(int dmabuf, __u32 flags)
{
	struct dma_buf_export_sync_file e = {.flags = flags, .fd = -1};

	if (xioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e))
		die("DMA_BUF_IOCTL_EXPORT_SYNC_FILE: %s", strerror(errno));
	return e.fd;
}

static void import_sync_file(int dmabuf, int sync_file, __u32 flags)
{
	struct dma_buf_import_sync_file i = {.flags = flags, .fd = sync_file};

	if (xioctl(dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &i))
		die("DMA_BUF_IOCTL_IMPORT_SYNC_FILE: %s", strerror(errno));
}

/* ---- vgem ---- */

/* An unsignalled vgem write fence on the object (vgem signals it after 10 s). */
static __u32 vgem_fence(int vgem, unsigned int handle)
{
	struct vgem_fence_attach a = {.handle = handle, .flags = VGEM_FENCE_WRITE};

	if (xioctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &a))
		die("VGEM_FENCE_ATTACH: %s", strerror(errno));
	return a.out_fence;
}

static void vgem_signal(int vgem, __u32 fence)
{
	struct vgem_fence_signal s = {.fence = fence};

	if (xioctl(vgem, VGEM_IOCTL_FENCE_SIGNAL, &s))
		die("VGEM_FENCE_SIGNAL %u: %s", fence, strerror(errno));
}

/* ---- the camera ---- */

struct camera {
	int fd;
	enum v4l2_memory memory;
	struct v4l2_pix_format pix;
	struct di_layout layout;
	unsigned int count;
	void *map[4];		/* MMAP: the V4L2 mapping; DMABUF: the vgem dma-buf's */
	int dmabuf[4];		/* MMAP: an EXPBUF fd; DMABUF: vgem's dma-buf */
	unsigned int handle[4]; /* DMABUF: vgem's handle */
	int vgem;
};

/* The id of the control named name (VIDIOC_QUERYCTRL, every control). */
static __u32 ctrl_id(int fd, const char *name)
{
	struct v4l2_queryctrl q = {.id = V4L2_CTRL_FLAG_NEXT_CTRL};

	while (!xioctl(fd, VIDIOC_QUERYCTRL, &q)) {
		if (!strcmp((const char *)q.name, name))
			return q.id;
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	die("fakecam has no control named \"%s\"", name);
}

static void set_ctrl(struct camera *cam, const char *name, int value)
{
	struct v4l2_control c = {.id = ctrl_id(cam->fd, name), .value = value};

	if (xioctl(cam->fd, VIDIOC_S_CTRL, &c))
		die("VIDIOC_S_CTRL %s=%d: %s", name, value, strerror(errno));
}

static int camera_export(struct camera *cam, unsigned int index)
{
	struct v4l2_exportbuffer exp = {0};

	exp.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	exp.index = index;
	exp.flags = O_RDWR | O_CLOEXEC;
	if (xioctl(cam->fd, VIDIOC_EXPBUF, &exp))
		die("VIDIOC_EXPBUF %u: %s", index, strerror(errno));
	return exp.fd;
}

/*
 * Opens VIDEO with count buffers of memory: MMAP ones mapped and exported
 * once each, DMABUF ones vgem dumb buffers, mapped through vgem's dma-buf.
 * "Early Done" and the fill latency start at 0, the camera unthrottled.
 */
static void camera_open(struct camera *cam, const char *path, enum v4l2_memory memory,
			unsigned int count)
{
	struct v4l2_requestbuffers req = {0};
	struct v4l2_format fmt = {0};
	struct di_error err;
	unsigned int i;

	memset(cam, 0, sizeof(*cam));
	cam->vgem = -1;
	cam->memory = memory;
	cam->fd = open(path, O_RDWR | O_CLOEXEC);
	if (cam->fd < 0)
		die("open %s: %s", path, strerror(errno));
	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (xioctl(cam->fd, VIDIOC_G_FMT, &fmt))
		die("VIDIOC_G_FMT: %s", strerror(errno));
	cam->pix = fmt.fmt.pix;
	if (di_layout_init(&cam->layout, cam->pix.pixelformat, cam->pix.width, cam->pix.height, 1,
			   &err) != DI_OK)
		die("layout of the current format: %s", err.text);
	set_ctrl(cam, "Early Done", 0);
	set_ctrl(cam, "Fill Latency (us)", 0);
	set_ctrl(cam, "Unthrottled", 1);

	req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.memory = memory;
	req.count = count;
	if (xioctl(cam->fd, VIDIOC_REQBUFS, &req))
		die("VIDIOC_REQBUFS %u: %s", count, strerror(errno));
	/* vb2 may allocate more than asked (min_reqbufs_allocation, 6.10 on). */
	if (req.count < count || req.count > 4)
		die("VIDIOC_REQBUFS %u gave %u buffers", count, req.count);
	cam->count = req.count;
	if (memory == V4L2_MEMORY_DMABUF)
		cam->vgem = find_vgem();
	for (i = 0; i < count; i++) {
		if (memory == V4L2_MEMORY_MMAP) {
			struct v4l2_buffer b = {0};

			b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			b.memory = V4L2_MEMORY_MMAP;
			b.index = i;
			if (xioctl(cam->fd, VIDIOC_QUERYBUF, &b))
				die("VIDIOC_QUERYBUF %u: %s", i, strerror(errno));
			cam->map[i] = mmap(NULL, cam->pix.sizeimage, PROT_READ, MAP_SHARED, cam->fd,
					   b.m.offset);
			cam->dmabuf[i] = camera_export(cam, i);
		} else {
			cam->dmabuf[i] =
			    vgem_dumb(cam->vgem, 4096, cam->pix.sizeimage, &cam->handle[i]);
			cam->map[i] = mmap(NULL, cam->pix.sizeimage, PROT_READ, MAP_SHARED,
					   cam->dmabuf[i], 0);
		}
		if (cam->map[i] == MAP_FAILED)
			die("mmap of buffer %u: %s", i, strerror(errno));
	}
}

static void camera_close(struct camera *cam)
{
	unsigned int i;

	set_ctrl(cam, "Early Done", 0);
	set_ctrl(cam, "Fill Latency (us)", 0);
	set_ctrl(cam, "Unthrottled", 0);
	for (i = 0; i < cam->count; i++) {
		munmap(cam->map[i], cam->pix.sizeimage);
		close(cam->dmabuf[i]);
		if (cam->memory == V4L2_MEMORY_DMABUF) {
			struct drm_gem_close gc = {.handle = cam->handle[i]};

			xioctl(cam->vgem, DRM_IOCTL_GEM_CLOSE, &gc);
		}
	}
	if (cam->vgem >= 0)
		close(cam->vgem);
	close(cam->fd);
}

static void qbuf(struct camera *cam, unsigned int index)
{
	struct v4l2_buffer b = {0};

	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = cam->memory;
	b.index = index;
	if (cam->memory == V4L2_MEMORY_DMABUF)
		b.m.fd = cam->dmabuf[index];
	if (xioctl(cam->fd, VIDIOC_QBUF, &b))
		die("VIDIOC_QBUF %u: %s", index, strerror(errno));
}

/* DQBUF within timeout_ms: 0 and the buffer in *b, -1 when none came. */
static int dqbuf_within(struct camera *cam, struct v4l2_buffer *b, int timeout_ms)
{
	if (!poll_ready(cam->fd, POLLIN, timeout_ms))
		return -1;
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = cam->memory;
	if (xioctl(cam->fd, VIDIOC_DQBUF, b))
		die("VIDIOC_DQBUF: %s", strerror(errno));
	return 0;
}

static void stream(struct camera *cam, bool on)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	if (xioctl(cam->fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAM%s: %s", on ? "ON" : "OFF", strerror(errno));
}

/* Stamp and pattern of the frame in buffer b, read between SYNC brackets. */
static void verify_frame(struct camera *cam, const struct v4l2_buffer *b, const char *what)
{
	struct dma_buf_sync s = {.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ};
	int fd = cam->dmabuf[b->index];
	struct di_error err;
	bool ok;

	if (xioctl(fd, DMA_BUF_IOCTL_SYNC, &s))
		die("DMA_BUF_IOCTL_SYNC: %s", strerror(errno));
	ok = di_stamp_verify(cam->map[b->index], cam->pix.sizeimage, &cam->layout, b->sequence,
			     NULL, &err) == DI_OK &&
	     di_pattern_verify(cam->map[b->index], cam->pix.sizeimage, &cam->layout, b->sequence, 0,
			       NULL, &err) == DI_OK;
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	if (xioctl(fd, DMA_BUF_IOCTL_SYNC, &s))
		die("DMA_BUF_IOCTL_SYNC: %s", strerror(errno));
	check(ok, "%s: buffer %u seq %u: %s", what, b->index, b->sequence,
	      ok ? "stamp and pattern correct" : err.text);
}

/*
 * How long buffer 0 takes from QBUF to DQBUF with no fence: the slowest of
 * four frames, streaming already on.
 */
static double baseline(struct camera *cam)
{
	double worst = 0, t0, t;
	struct v4l2_buffer b;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		t0 = now_ms();
		qbuf(cam, 0);
		if (dqbuf_within(cam, &b, 30000))
			die("baseline: no buffer back within 30 s");
		t = now_ms() - t0;
		if (b.flags & V4L2_BUF_FLAG_ERROR)
			die("baseline: buffer back with V4L2_BUF_FLAG_ERROR");
		if (t > worst)
			worst = t;
	}
	printf("baseline: QBUF to DQBUF with no fence, the slowest of 4: %.0f ms\n", worst);
	return worst;
}

static int hold_ms(double base)
{
	int hold = (int)(3 * base);

	return hold < HOLD_MIN_MS ? HOLD_MIN_MS : hold > HOLD_MAX_MS ? HOLD_MAX_MS : hold;
}

/*
 * Buffer 0 is queued behind an unsignalled fence that signal() signals:
 * it must stay away for the hold (or, when !expect_wait, come back as if
 * there were no fence), then come back right after the signal.
 */
static void fenced_cycle(struct camera *cam, double base, bool expect_wait, int vgem, __u32 fence,
			 const char *what)
{
	double bound = 2 * base + SLACK_MS, t0, t;
	int hold = hold_ms(base);
	struct v4l2_buffer b;
	bool back;

	t0 = now_ms();
	qbuf(cam, 0);
	back = !dqbuf_within(cam, &b, expect_wait ? hold : (int)bound);
	t = now_ms() - t0;
	if (expect_wait) {
		check(!back, "%s: the buffer %s while the fence was unsignalled (%d ms)", what,
		      back ? "came back" : "did not come back", hold);
	} else {
		check(back, "%s: without fence_wait the buffer came back %s (%.0f ms, bound %.0f)",
		      what, back ? "despite the fence" : "too late", t, bound);
		if (back) {
			check(!(b.flags & V4L2_BUF_FLAG_ERROR), "%s: no error flag", what);
			verify_frame(cam, &b, what);
		}
	}
	t0 = now_ms();
	vgem_signal(vgem, fence);
	if (!expect_wait)
		return;
	if (back)
		return;
	back = !dqbuf_within(cam, &b, (int)bound);
	t = now_ms() - t0;
	check(back, "%s: the buffer came back %.0f ms after the fence signalled (bound %.0f ms)",
	      what, t, bound);
	if (!back)
		die("%s: the buffer never came back", what);
	check(!(b.flags & V4L2_BUF_FLAG_ERROR), "%s: no error flag", what);
	verify_frame(cam, &b, what);
}

static int do_vgem_delay(const char *video)
{
	struct camera cam;
	long waits;
	double base;
	__u32 fence;

	camera_open(&cam, video, V4L2_MEMORY_DMABUF, 1);
	qbuf(&cam, 0);
	stream(&cam, true);
	{
		struct v4l2_buffer b;

		if (dqbuf_within(&cam, &b, 30000))
			die("no first frame within 30 s");
	}
	base = baseline(&cam);
	waits = stat_value("fence_waits");
	fence = vgem_fence(cam.vgem, cam.handle[0]);
	fenced_cycle(&cam, base, true, cam.vgem, fence, "vgem-delay");
	check(stat_value("fence_waits") > waits, "vgem-delay: fakecam counted the fence wait");
	stream(&cam, false);
	print_stats("after vgem-delay");
	camera_close(&cam);
	return failed;
}

/* The fence state of a dma-buf for a reader, with poll(POLLIN) of it. */
static void reader_view(int dmabuf, struct fence_state *st, bool *readable)
{
	int sync = export_sync_file(dmabuf, DMA_BUF_SYNC_READ);

	sync_file_state(sync, st);
	close(sync);
	*readable = poll_ready(dmabuf, POLLIN, 0);
}

static int do_own_fence(const char *video, long latency_us)
{
	double lat = latency_us / 1000.0, bound, t_q, t_dq, t_sig;
	struct fence_state st, st2;
	struct v4l2_buffer b;
	bool readable, readable2;
	struct camera cam;
	double base;
	int second, sync;
	long published, signalled;

	camera_open(&cam, video, V4L2_MEMORY_MMAP, 1);
	/* A second dma-buf of buffer 0: its own inode, the same resv. */
	second = camera_export(&cam, 0);
	qbuf(&cam, 0);
	stream(&cam, true);
	if (dqbuf_within(&cam, &b, 30000))
		die("no first frame within 30 s");
	base = baseline(&cam);
	bound = lat + 2 * base + SLACK_MS;
	published = stat_value("fences_published");
	signalled = stat_value("fences_signalled");

	/* Early Done: DQBUF as soon as the fence is out. */
	set_ctrl(&cam, "Fill Latency (us)", (int)latency_us);
	set_ctrl(&cam, "Early Done", 1);
	t_q = now_ms();
	qbuf(&cam, 0);
	if (dqbuf_within(&cam, &b, (int)bound))
		die("early done: no buffer within %.0f ms", bound);
	t_dq = now_ms();
	sync = export_sync_file(cam.dmabuf[0], DMA_BUF_SYNC_READ);
	sync_file_state(sync, &st);
	readable = poll_ready(cam.dmabuf[0], POLLIN, 0);
	reader_view(second, &st2, &readable2);
	printf("early done: DQBUF %.0f ms after QBUF (seq %u%s); sync_file status %d, %u fence(s), "
	       "%s / %s\n",
	       t_dq - t_q, b.sequence, b.flags & V4L2_BUF_FLAG_ERROR ? ", ERROR" : "", st.status,
	       st.count, st.driver, st.timeline);
	check(st.status == 0 && !poll_ready(sync, POLLIN, 0),
	      "early done: at DQBUF the write fence is unsignalled (status %d)", st.status);
	check(!strcmp(st.driver, "fakecam") && !strncmp(st.timeline, "fakecam-", 8),
	      "early done: the fence is fakecam's (driver \"%s\", timeline \"%s\")", st.driver,
	      st.timeline);
	check(!readable, "early done: poll(POLLIN) of the dma-buf is not ready");
	check(st2.status == 0 && !readable2,
	      "early done: the second export sees the same fence (status %d, POLLIN %s)",
	      st2.status, readable2 ? "ready" : "not ready");
	check(poll_ready(sync, POLLIN, (int)bound), "early done: the fence signals");
	t_sig = now_ms();
	sync_file_state(sync, &st);
	close(sync);
	printf("early done: signalled %.0f ms after DQBUF, %.0f ms after QBUF (latency %.0f ms, "
	       "bound %.0f ms after DQBUF), status %d\n",
	       t_sig - t_dq, t_sig - t_q, lat, bound, st.status);
	check(st.status == 1, "early done: the fence signalled without error (status %d)",
	      st.status);
	check(t_sig - t_q >= lat - 1, "early done: not before the fill latency (%.0f >= %.0f ms)",
	      t_sig - t_q, lat);
	check(t_sig - t_dq <= bound, "early done: within the bound (%.0f <= %.0f ms)", t_sig - t_dq,
	      bound);
	check(poll_ready(cam.dmabuf[0], POLLIN, 0), "early done: poll(POLLIN) ready after it");
	verify_frame(&cam, &b, "early done");

	/* Without Early Done: DQBUF only once the fence has signalled. */
	set_ctrl(&cam, "Early Done", 0);
	t_q = now_ms();
	qbuf(&cam, 0);
	if (dqbuf_within(&cam, &b, (int)bound))
		die("no early done: no buffer within %.0f ms", bound);
	t_dq = now_ms();
	reader_view(cam.dmabuf[0], &st, &readable);
	printf("no early done: DQBUF %.0f ms after QBUF, sync_file status %d, POLLIN %s\n",
	       t_dq - t_q, st.status, readable ? "ready" : "not ready");
	check(t_dq - t_q >= lat - 1,
	      "no early done: DQBUF after the fill latency (%.0f >= %.0f ms)", t_dq - t_q, lat);
	check(st.status == 1 && readable, "no early done: at DQBUF the fence has signalled");
	verify_frame(&cam, &b, "no early done");
	check(stat_value("fences_published") - published == 2 &&
		  stat_value("fences_signalled") - signalled == 2,
	      "fences_published and fences_signalled counted both");

	/* A fence imported through one export is the other's too. */
	set_ctrl(&cam, "Fill Latency (us)", 0);
	{
		int vgem = find_vgem(), vfd, vsync;
		unsigned int handle;
		__u32 fence;

		vfd = vgem_dumb(vgem, 4096, 4096, &handle);
		fence = vgem_fence(vgem, handle);
		vsync = export_sync_file(vfd, DMA_BUF_SYNC_READ);
		import_sync_file(cam.dmabuf[0], vsync, DMA_BUF_SYNC_WRITE);
		reader_view(second, &st, &readable);
		check(st.status == 0 && !readable,
		      "a fence imported through one export is seen through the other (status %d)",
		      st.status);
		vgem_signal(vgem, fence);
		reader_view(second, &st, &readable);
		check(st.status == 1 && readable, "and signals there (status %d)", st.status);
		close(vsync);
		close(vfd);
		close(vgem);
	}
	stream(&cam, false);
	close(second);
	print_stats("after own-fence");
	camera_close(&cam);
	return failed;
}

/* Waits until buffer index's export shows an unsignalled fence (published). */
static int wait_published(struct camera *cam, unsigned int index, int timeout_ms)
{
	double t0 = now_ms();
	struct fence_state st;
	int sync;

	while (now_ms() - t0 < timeout_ms) {
		sync = export_sync_file(cam->dmabuf[index], DMA_BUF_SYNC_READ);
		sync_file_state(sync, &st);
		if (st.status == 0)
			return sync;
		close(sync);
		sleep_ms(10);
	}
	return -1;
}

static void streamoff_case(struct camera *cam, bool early)
{
	const char *what = early ? "streamoff, early done" : "streamoff";
	struct fence_state st;
	struct v4l2_buffer b;
	double t0, t;
	int sync;

	set_ctrl(cam, "Early Done", early);
	set_ctrl(cam, "Fill Latency (us)", STREAMOFF_LATENCY_US);
	qbuf(cam, 0);
	stream(cam, true);
	if (early && dqbuf_within(cam, &b, 30000))
		die("%s: no buffer within 30 s", what);
	sync = wait_published(cam, 0, 30000);
	if (sync < 0)
		die("%s: no unsignalled fence on buffer 0 within 30 s", what);
	t0 = now_ms();
	stream(cam, false);
	t = now_ms() - t0;
	sync_file_state(sync, &st);
	printf("%s: STREAMOFF returned after %.0f ms (fill latency %d ms); sync_file status %d, "
	       "fence status %d\n",
	       what, t, STREAMOFF_LATENCY_US / 1000, st.status, st.fence_status);
	check(poll_ready(sync, POLLIN, 0), "%s: the fence has signalled when STREAMOFF returns",
	      what);
	check(st.status < 0 && st.fence_status == -ECANCELED,
	      "%s: with an error (sync_file %d, fence %d, -ECANCELED is %d)", what, st.status,
	      st.fence_status, -ECANCELED);
	check(t < STREAMOFF_LATENCY_US / 1000.0, "%s: STREAMOFF cut the fill latency short", what);
	close(sync);
}

static int do_streamoff(const char *video)
{
	struct camera cam;
	long errors;

	camera_open(&cam, video, V4L2_MEMORY_MMAP, 1);
	errors = stat_value("fences_signalled_error");
	streamoff_case(&cam, true);
	streamoff_case(&cam, false);
	check(stat_value("fences_signalled_error") - errors == 2,
	      "fences_signalled_error counted both");
	print_stats("after streamoff");
	camera_close(&cam);
	return failed;
}

static int do_read_fence(const char *video, bool no_wait)
{
	struct v4l2_buffer b;
	struct camera cam;
	unsigned int handle;
	int vgem, vfd, vsync;
	long waits;
	double base;
	__u32 fence;

	camera_open(&cam, video, V4L2_MEMORY_MMAP, 1);
	qbuf(&cam, 0);
	stream(&cam, true);
	if (dqbuf_within(&cam, &b, 30000))
		die("no first frame within 30 s");
	base = baseline(&cam);

	vgem = find_vgem();
	vfd = vgem_dumb(vgem, 4096, 4096, &handle);
	fence = vgem_fence(vgem, handle);
	vsync = export_sync_file(vfd, DMA_BUF_SYNC_READ);
	import_sync_file(cam.dmabuf[0], vsync, DMA_BUF_SYNC_READ);
	close(vsync);
	waits = stat_value("fence_waits");
	fenced_cycle(&cam, base, !no_wait, vgem, fence,
		     no_wait ? "read-fence, no wait" : "read-fence");
	if (no_wait)
		check(stat_value("fence_waits") == waits,
		      "read-fence, no wait: fakecam counted no fence wait");
	else
		check(stat_value("fence_waits") > waits,
		      "read-fence: fakecam counted the fence wait");
	stream(&cam, false);
	close(vfd);
	close(vgem);
	print_stats(no_wait ? "after read-fence --no-wait" : "after read-fence");
	camera_close(&cam);
	return failed;
}

/* ---- kill ---- */

/* The child: streams, sends every frame's sync_file; never returns. */
static void kill_child(const char *video, enum v4l2_memory memory, int sock)
{
	struct di_error err;
	struct camera cam;
	unsigned int i;
	int fds[2];

	camera_open(&cam, video, memory, 3);
	set_ctrl(&cam, "Fill Latency (us)", KILL_LATENCY_US);
	set_ctrl(&cam, "Early Done", 1);
	/* A dma-buf of buffer 0 for the parent to hold past our death. */
	fds[0] = memory == V4L2_MEMORY_MMAP ? camera_export(&cam, 0) : dup(cam.dmabuf[0]);
	if (di_send_packet(sock, "B", 1, fds, 1, &err) != DI_OK)
		die("child: sending the dma-buf: %s", err.text);
	close(fds[0]);
	for (i = 0; i < cam.count; i++)
		qbuf(&cam, i);
	stream(&cam, true);
	for (;;) {
		struct v4l2_buffer b;

		if (dqbuf_within(&cam, &b, 60000))
			die("child: no frame within 60 s");
		fds[0] = export_sync_file(cam.dmabuf[b.index], DMA_BUF_SYNC_READ);
		if (di_send_packet(sock, "F", 1, fds, 1, &err) != DI_OK)
			die("child: sending a sync_file: %s", err.text);
		close(fds[0]);
		qbuf(&cam, b.index);
	}
}

static int do_kill(const char *video, bool dmabuf)
{
	enum v4l2_memory memory = dmabuf ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
	const char *what = dmabuf ? "kill, vgem buffers" : "kill, MMAP buffers";
	int sv[2], held = -1, syncs[16], status;
	bool pending[16];
	unsigned int n = 0, i, outstanding = 0, errored = 0;
	struct fence_state st;
	struct di_error err;
	double t0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		kill_child(video, memory, sv[1]);
	}
	close(sv[1]);

	/* Until a fence the child sent is known unsignalled, after 3 frames. */
	while (n < 16) {
		char tag;
		size_t len;
		unsigned int nfds;
		int fd;

		if (di_recv_packet(sv[0], &tag, 1, &len, &fd, 1, &nfds, &err) != DI_OK || nfds != 1)
			die("%s: receiving from the child: %s", what, err.text);
		if (tag == 'B') {
			held = fd;
			continue;
		}
		syncs[n] = fd;
		sync_file_state(fd, &st);
		pending[n] = st.status == 0;
		n++;
		if (n >= 3 && pending[n - 1])
			break;
	}
	/* Whatever was still unsignalled a moment ago is outstanding now. */
	for (i = 0; i < n; i++) {
		sync_file_state(syncs[i], &st);
		pending[i] = st.status == 0;
		outstanding += pending[i];
	}
	kill(pid, SIGKILL);
	t0 = now_ms();
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %s", strerror(errno));
	printf("%s: %u sync_files received, %u unsignalled; child killed, reaped after %.0f ms\n",
	       what, n, outstanding, now_ms() - t0);
	check(outstanding >= 1, "%s: a fence was outstanding at the kill", what);

	for (i = 0; i < n; i++) {
		double left = KILL_SIGNAL_MS - (now_ms() - t0);
		bool sig = poll_ready(syncs[i], POLLIN, left > 0 ? (int)left : 0);

		sync_file_state(syncs[i], &st);
		if (pending[i])
			errored += st.status < 0;
		check(sig && st.status != 0, "%s: fence %u signalled (status %d, fence %d)%s", what,
		      i, st.status, st.fence_status, pending[i] ? ", outstanding at the kill" : "");
		close(syncs[i]);
	}
	printf("%s: every fence signalled %.0f ms after the kill at the latest\n", what,
	       now_ms() - t0);
	check(errored == outstanding, "%s: the %u outstanding fence(s) signalled with an error",
	      what, outstanding);
	if (held >= 0) {
		bool readable;

		reader_view(held, &st, &readable);
		check(st.status == 1 && readable,
		      "%s: the dma-buf held past the child's death has no unsignalled fence "
		      "(status %d)",
		      what, st.status);
		close(held);
	}
	close(sv[0]);
	print_stats(dmabuf ? "after kill --dmabuf" : "after kill");
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "vgem-delay"))
		return do_vgem_delay(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "own-fence"))
		return do_own_fence(argv[2], strtol(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "streamoff"))
		return do_streamoff(argv[2]);
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "--no-wait"))) &&
	    !strcmp(argv[1], "read-fence"))
		return do_read_fence(argv[2], argc == 4);
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "--dmabuf"))) && !strcmp(argv[1], "kill"))
		return do_kill(argv[2], argc == 4);
	fprintf(stderr, "Usage: fakecam-fences vgem-delay|streamoff VIDEO\n"
			"       fakecam-fences own-fence VIDEO LATENCY_US\n"
			"       fakecam-fences read-fence VIDEO [--no-wait]\n"
			"       fakecam-fences kill VIDEO [--dmabuf]\n");
	return 2;
}
