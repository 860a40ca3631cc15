// SPDX-License-Identifier: MIT
/*
 * fakecam-expbuf: exercises fakecam's dma-buf exporter from user space.
 *
 *   fakecam-expbuf check VIDEO [--vgem]
 *     streams two MMAP buffers, dequeues a frame, exports its buffer
 *     (VIDIOC_EXPBUF), maps the dma-buf and reads it between
 *     DMA_BUF_IOCTL_SYNC START/END: the stamp and pattern must be those of
 *     the dequeued frame and every byte equal to the V4L2 mapping of the
 *     buffer. With --vgem the fd is also imported into vgem (PRIME): bufinfo
 *     and fakecam's debugfs must list vgem as attached, and re-exporting the
 *     GEM handle must give back the same dma-buf (same inode).
 *
 *   fakecam-expbuf import VIDEO
 *     the other direction ("display allocates, camera fills"): two vgem
 *     dumb buffers, exported by vgem, are queued to fakecam as
 *     V4L2_MEMORY_DMABUF; fakecam writes frames into them through its import
 *     path, and each dequeued frame is checked through vgem's dma-buf.
 *
 *   fakecam-expbuf hold VIDEO [--vgem]
 *     exports buffer 0, closes the video node (the buffer now lives only
 *     through the dma-buf), optionally imports it into vgem, prints
 *     "held ino=N" and keeps everything until its stdin reaches EOF; then
 *     drops the GEM handle first and the dma-buf fd last.
 *
 *   fakecam-expbuf fence VIDEO
 *     a fence that never signals on an imported buffer: vgem buffer 0 gets
 *     an unsignalled write fence (VGEM_FENCE_ATTACH; vgem itself signals it
 *     only after 10 s) and is queued with a clean buffer 1. First, with no
 *     fence yet, what STREAMOFF and close() cost on this kernel (a KASAN
 *     guest takes seconds to release imported buffers); then three phases,
 *     each timed, each reported whatever the others gave:
 *       error      buffer 0 must come back with V4L2_BUF_FLAG_ERROR once
 *                  fakecam's fence_timeout_ms (read from sysfs) is over,
 *                  well before vgem's 10 s; buffer 1 with a correct frame
 *       streamoff  buffer 0 alone queued, fakecam waiting for its fence:
 *                  STREAMOFF must return within FENCE_STOP_MS of what it
 *                  took with no fence
 *       close      the same, and close() of the video node
 *     fakecam's debugfs stats (<N>/stats) are printed before and after.
 *     Then the fence is signalled and everything closed.
 *
 * Exits 0 on success, 1 with a message naming the failed step otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <libdrm/drm.h>
#include <linux/dma-buf.h>
#include <linux/magic.h>
#include <linux/videodev2.h>

#include "dmabuf-interop/frame-verify.h"
#include "dmabuf-interop/layout.h"

#include "vgem-util.h"

const char tool_name[] = "fakecam-expbuf";

#define BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

struct camera {
	int fd;
	struct v4l2_pix_format pix;
	void *map[2];
	size_t length[2];
	unsigned int count;
};

/* Opens VIDEO and allocates count MMAP buffers, mapped. */
static void camera_open(struct camera *cam, const char *path, unsigned int count)
{
	struct v4l2_requestbuffers req = {0};
	struct v4l2_format fmt = {0};
	unsigned int i;

	cam->fd = open(path, O_RDWR | O_CLOEXEC);
	if (cam->fd < 0)
		die("open %s: %s", path, strerror(errno));
	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (xioctl(cam->fd, VIDIOC_G_FMT, &fmt))
		die("VIDIOC_G_FMT: %s", strerror(errno));
	cam->pix = fmt.fmt.pix;

	req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.memory = V4L2_MEMORY_MMAP;
	req.count = count;
	if (xioctl(cam->fd, VIDIOC_REQBUFS, &req) || req.count < count)
		die("VIDIOC_REQBUFS %u: %s", count, strerror(errno));
	cam->count = count;
	for (i = 0; i < count; i++) {
		struct v4l2_buffer b = {0};

		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (xioctl(cam->fd, VIDIOC_QUERYBUF, &b))
			die("VIDIOC_QUERYBUF %u: %s", i, strerror(errno));
		cam->length[i] = b.length;
		cam->map[i] = mmap(NULL, b.length, PROT_READ, MAP_SHARED, cam->fd, b.m.offset);
		if (cam->map[i] == MAP_FAILED)
			die("mmap of V4L2 buffer %u: %s", i, strerror(errno));
	}
}

static void camera_close(struct camera *cam)
{
	unsigned int i;

	for (i = 0; i < cam->count; i++)
		munmap(cam->map[i], cam->length[i]);
	close(cam->fd);
}

/* VIDIOC_EXPBUF of buffer index: a dma-buf fd, checked to be one. */
static int camera_export(struct camera *cam, unsigned int index, ino_t *ino)
{
	struct v4l2_exportbuffer exp = {0};
	struct statfs sfs;
	struct stat st;

	exp.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	exp.index = index;
	exp.flags = O_RDWR | O_CLOEXEC;
	if (xioctl(cam->fd, VIDIOC_EXPBUF, &exp))
		die("VIDIOC_EXPBUF %u: %s", index, strerror(errno));
	if (fstatfs(exp.fd, &sfs) || sfs.f_type != DMA_BUF_MAGIC)
		die("the EXPBUF fd is not on the dma-buf filesystem");
	if (fstat(exp.fd, &st))
		die("fstat of the dma-buf: %s", strerror(errno));
	if (lseek(exp.fd, 0, SEEK_END) < (off_t)cam->pix.sizeimage)
		die("the dma-buf is smaller than a frame");
	*ino = st.st_ino;
	return exp.fd;
}

/* True when bufinfo lists dev among the devices attached to the dma-buf ino. */
static int bufinfo_lists(ino_t ino, const char *dev)
{
	char line[512], key[32];
	int in_block = 0, found = 0;
	FILE *f = fopen(BUFINFO, "r");

	if (!f)
		die("%s: %s", BUFINFO, strerror(errno));
	snprintf(key, sizeof(key), "\t%08lu\t", (unsigned long)ino);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strstr(line, key))
			in_block = 1;
		else if (in_block && !strncmp(line, "Total ", 6))
			in_block = 0;
		else if (in_block && line[0] == '\t' && !strcmp(line + 1, dev))
			found = 1;
	}
	fclose(f);
	return found;
}

/* True when fakecam's debugfs shows the export ino with dev attached. */
static int fakecam_debugfs_lists(ino_t ino, const char *dev)
{
	char line[512], key[48], want[80];
	int in_export = 0, found = 0;
	FILE *f = fopen("/sys/kernel/debug/fakecam/0/buffers", "r");

	if (!f)
		die("fakecam debugfs: %s", strerror(errno));
	snprintf(key, sizeof(key), "  dmabuf ino=%lu ", (unsigned long)ino);
	snprintf(want, sizeof(want), "    attached %s ", dev);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key)))
			in_export = 1;
		else if (strncmp(line, "    ", 4))
			in_export = 0;
		else if (in_export && !strncmp(line, want, strlen(want)))
			found = 1;
	}
	fclose(f);
	return found;
}

/* Imports the dma-buf into vgem; checks bufinfo and the re-export. */
static unsigned int vgem_import(int vgem, int dmabuf, ino_t ino, int check)
{
	struct drm_prime_handle imp = {.fd = dmabuf};
	struct drm_prime_handle exp = {0};
	struct stat st;

	if (xioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp))
		die("vgem PRIME_FD_TO_HANDLE: %s", strerror(errno));
	if (!check)
		return imp.handle;

	if (!bufinfo_lists(ino, "vgem"))
		die("bufinfo does not list vgem as attached to ino %lu", (unsigned long)ino);
	if (!fakecam_debugfs_lists(ino, "vgem"))
		die("fakecam debugfs does not list vgem attached to ino %lu", (unsigned long)ino);

	exp.handle = imp.handle;
	exp.flags = DRM_CLOEXEC | DRM_RDWR;
	if (xioctl(vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp))
		die("vgem PRIME_HANDLE_TO_FD: %s", strerror(errno));
	if (fstat(exp.fd, &st))
		die("fstat of the re-exported fd: %s", strerror(errno));
	if (st.st_ino != ino)
		die("vgem re-exported ino %lu, not fakecam's %lu", (unsigned long)st.st_ino,
		    (unsigned long)ino);
	close(exp.fd);
	printf("vgem: attached (bufinfo, fakecam debugfs), re-export is the same dma-buf "
	       "(ino %lu)\n",
	       (unsigned long)ino);
	return imp.handle;
}

static void sync_dmabuf(int fd, __u64 flags)
{
	struct dma_buf_sync s = {.flags = flags};

	if (xioctl(fd, DMA_BUF_IOCTL_SYNC, &s))
		die("DMA_BUF_IOCTL_SYNC %#llx: %s", (unsigned long long)flags, strerror(errno));
}

static void layout_of(const struct v4l2_pix_format *pix, struct di_layout *layout)
{
	struct di_error err;

	/* fakecam's fourccs are DRM's; its pitches are packed. */
	if (di_layout_init(layout, pix->pixelformat, pix->width, pix->height, 1, &err) != DI_OK)
		die("layout of the current format: %s", err.text);
}

static int do_check(const char *video, int use_vgem)
{
	struct v4l2_buffer b = {0};
	struct di_layout layout;
	struct frame_stamp stamp;
	struct di_error err;
	struct camera cam;
	unsigned int i;
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	void *map;
	ino_t ino;
	int fd;

	camera_open(&cam, video, 2);
	layout_of(&cam.pix, &layout);
	for (i = 0; i < 2; i++) {
		struct v4l2_buffer q = {0};

		q.type = type;
		q.memory = V4L2_MEMORY_MMAP;
		q.index = i;
		if (xioctl(cam.fd, VIDIOC_QBUF, &q))
			die("VIDIOC_QBUF %u: %s", i, strerror(errno));
	}
	if (xioctl(cam.fd, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));
	b.type = type;
	b.memory = V4L2_MEMORY_MMAP;
	if (xioctl(cam.fd, VIDIOC_DQBUF, &b))
		die("VIDIOC_DQBUF: %s", strerror(errno));

	fd = camera_export(&cam, b.index, &ino);
	map = mmap(NULL, cam.pix.sizeimage, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap of the dma-buf: %s", strerror(errno));

	sync_dmabuf(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	if (di_stamp_verify(map, cam.pix.sizeimage, &layout, b.sequence, &stamp, &err) != DI_OK)
		die("dma-buf of buffer %u (seq %u): %s", b.index, b.sequence, err.text);
	if (di_pattern_verify(map, cam.pix.sizeimage, &layout, b.sequence, 0, NULL, &err) != DI_OK)
		die("dma-buf of buffer %u (seq %u): %s", b.index, b.sequence, err.text);
	if (memcmp(map, cam.map[b.index], cam.pix.sizeimage))
		die("the dma-buf and the V4L2 mapping of buffer %u differ", b.index);
	if (stamp.timestamp_ns !=
		(__u64)b.timestamp.tv_sec * 1000000000ull + (__u64)b.timestamp.tv_usec * 1000ull &&
	    stamp.timestamp_ns / 1000 !=
		(__u64)b.timestamp.tv_sec * 1000000ull + (__u64)b.timestamp.tv_usec)
		die("stamp timestamp %llu ns is not the buffer's %ld.%06ld s",
		    (unsigned long long)stamp.timestamp_ns, (long)b.timestamp.tv_sec,
		    (long)b.timestamp.tv_usec);
	sync_dmabuf(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	printf("EXPBUF of buffer %u: ino %lu, seq %u, stamp and pattern ok, same bytes as the "
	       "V4L2 mapping\n",
	       b.index, (unsigned long)ino, b.sequence);

	if (use_vgem) {
		int vgem = find_vgem();

		vgem_close_handle(vgem, vgem_import(vgem, fd, ino, 1));
		close(vgem);
	}

	munmap(map, cam.pix.sizeimage);
	close(fd);
	if (xioctl(cam.fd, VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAMOFF: %s", strerror(errno));
	camera_close(&cam);
	return 0;
}

/* A vgem dumb buffer of at least size bytes, exported as a dma-buf fd. */
static int vgem_dumb_export(int vgem, const struct v4l2_pix_format *pix)
{
	unsigned int handle;
	int fd = vgem_dumb(vgem, pix->bytesperline, pix->sizeimage, &handle);

	/* The dma-buf keeps the object alive; the handle is not needed. */
	vgem_close_handle(vgem, handle);
	return fd;
}

static void queue_dmabuf(int video, unsigned int index, int fd)
{
	struct v4l2_buffer b = {0};

	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_DMABUF;
	b.index = index;
	b.m.fd = fd;
	if (xioctl(video, VIDIOC_QBUF, &b))
		die("VIDIOC_QBUF DMABUF %u: %s", index, strerror(errno));
}

static int do_import(const char *video)
{
	struct v4l2_requestbuffers req = {0};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_format fmt = {0};
	struct di_layout layout;
	struct di_error err;
	int vgem = find_vgem();
	int cam, fds[2];
	void *maps[2];
	unsigned int i;

	cam = open(video, O_RDWR | O_CLOEXEC);
	if (cam < 0)
		die("open %s: %s", video, strerror(errno));
	fmt.type = type;
	if (xioctl(cam, VIDIOC_G_FMT, &fmt))
		die("VIDIOC_G_FMT: %s", strerror(errno));
	layout_of(&fmt.fmt.pix, &layout);
	req.type = type;
	req.memory = V4L2_MEMORY_DMABUF;
	req.count = 2;
	if (xioctl(cam, VIDIOC_REQBUFS, &req) || req.count != 2)
		die("VIDIOC_REQBUFS DMABUF 2: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fds[i] = vgem_dumb_export(vgem, &fmt.fmt.pix);
		maps[i] = mmap(NULL, fmt.fmt.pix.sizeimage, PROT_READ, MAP_SHARED, fds[i], 0);
		if (maps[i] == MAP_FAILED)
			die("mmap of vgem's dma-buf: %s", strerror(errno));
		queue_dmabuf(cam, i, fds[i]);
	}
	if (xioctl(cam, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));

	for (i = 0; i < 6; i++) {
		struct v4l2_buffer b = {0};

		b.type = type;
		b.memory = V4L2_MEMORY_DMABUF;
		if (xioctl(cam, VIDIOC_DQBUF, &b))
			die("VIDIOC_DQBUF: %s", strerror(errno));
		if (b.sequence != i)
			die("frame %u has sequence %u", i, b.sequence);
		sync_dmabuf(fds[b.index], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		if (di_stamp_verify(maps[b.index], fmt.fmt.pix.sizeimage, &layout, b.sequence, NULL,
				    &err) != DI_OK ||
		    di_pattern_verify(maps[b.index], fmt.fmt.pix.sizeimage, &layout, b.sequence, 0,
				      NULL, &err) != DI_OK)
			die("vgem buffer %u, seq %u: %s", b.index, b.sequence, err.text);
		sync_dmabuf(fds[b.index], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		queue_dmabuf(cam, b.index, fds[b.index]);
	}
	if (xioctl(cam, VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAMOFF: %s", strerror(errno));
	printf("6 frames written by fakecam into vgem dumb buffers, stamp and pattern ok\n");
	for (i = 0; i < 2; i++) {
		munmap(maps[i], fmt.fmt.pix.sizeimage);
		close(fds[i]);
	}
	close(cam);
	close(vgem);
	return 0;
}

static int do_hold(const char *video, int use_vgem)
{
	unsigned int handle = 0;
	struct camera cam;
	int vgem = -1;
	char c;
	ino_t ino;
	int fd;

	camera_open(&cam, video, 1);
	fd = camera_export(&cam, 0, &ino);
	/* From here on only the dma-buf keeps the buffer (and the module). */
	camera_close(&cam);
	if (use_vgem) {
		vgem = find_vgem();
		handle = vgem_import(vgem, fd, ino, 0);
	}
	printf("held ino=%lu\n", (unsigned long)ino);
	fflush(stdout);

	while (read(0, &c, 1) > 0)
		;

	/* The importer goes first (detach), the last fd last (release). */
	if (use_vgem) {
		vgem_close_handle(vgem, handle);
		close(vgem);
	}
	close(fd);
	return 0;
}

/* ---- fence: an imported buffer whose fence never signals ---- */

/*
 * STREAMOFF and close() with a fence pending may take this much longer than
 * without: well below the 4 s fence_timeout_ms fence-vgem.sh sets, so a
 * STREAMOFF that merely waits the timeout out fails.
 */
#define FENCE_STOP_MS 1500
/* How long the generator is left waiting before STREAMOFF or close(). */
#define FENCE_SETTLE_MS 500
/* Slack over fence_timeout_ms for the ERROR buffer to come back (TCG). */
#define FENCE_SLACK_MS 3000

/*
 * Makes sure the object has an unsignalled write fence: attaches a new one,
 * unless vgem refuses because one is still pending (EBUSY). Returns the new
 * fence's id, or the previous one.
 */
static __u32 vgem_fence_pending(int vgem, unsigned int handle, __u32 previous)
{
	struct vgem_fence_attach a = {.handle = handle, .flags = VGEM_FENCE_WRITE};

	if (!xioctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &a))
		return a.out_fence;
	if (errno == EBUSY)
		return previous;
	die("VGEM_FENCE_ATTACH: %s", strerror(errno));
}

/* Signals the fence; vgem's own timeout may have done it already. */
static void vgem_fence_signal(int vgem, __u32 fence)
{
	struct vgem_fence_signal s = {.fence = fence};

	if (xioctl(vgem, VGEM_IOCTL_FENCE_SIGNAL, &s) && errno != ETIMEDOUT && errno != ENOENT)
		die("VGEM_FENCE_SIGNAL %u: %s", fence, strerror(errno));
}

/* fakecam's fence timeout in ms, -1 when the module has no such parameter. */
static long fakecam_fence_timeout_ms(void)
{
	FILE *f = fopen("/sys/module/fakecam/parameters/fence_timeout_ms", "r");
	long ms = -1;

	if (f) {
		if (fscanf(f, "%ld", &ms) != 1)
			ms = -1;
		fclose(f);
	}
	return ms;
}

/* DQBUF, waiting at most timeout_ms; 0 when a buffer came back. */
static int dqbuf_within(int cam, struct v4l2_buffer *b, int timeout_ms)
{
	struct pollfd pfd = {.fd = cam, .events = POLLIN};

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -1;
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = V4L2_MEMORY_DMABUF;
	if (xioctl(cam, VIDIOC_DQBUF, b))
		die("VIDIOC_DQBUF: %s", strerror(errno));
	return 0;
}

static int fence_open_camera(const char *video, struct v4l2_pix_format *pix)
{
	struct v4l2_requestbuffers req = {0};
	struct v4l2_format fmt = {0};
	int cam;

	cam = open(video, O_RDWR | O_CLOEXEC);
	if (cam < 0)
		die("open %s: %s", video, strerror(errno));
	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (xioctl(cam, VIDIOC_G_FMT, &fmt))
		die("VIDIOC_G_FMT: %s", strerror(errno));
	*pix = fmt.fmt.pix;
	req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.memory = V4L2_MEMORY_DMABUF;
	req.count = 2;
	if (xioctl(cam, VIDIOC_REQBUFS, &req) || req.count != 2)
		die("VIDIOC_REQBUFS DMABUF 2: %s", strerror(errno));
	return cam;
}

static int do_fence(const char *video)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	long timeout_ms = fakecam_fence_timeout_ms();
	struct v4l2_pix_format pix;
	struct di_layout layout;
	struct di_error err;
	int vgem = find_vgem();
	unsigned int handles[2], i;
	int cam, fds[2], failed = 0;
	double t0, t, base_off, base_close;
	__u32 fence = 0;
	void *map1;

	if (timeout_ms < 0)
		printf("fakecam has no fence_timeout_ms parameter: its fence waits are unbounded\n");
	else
		printf("fakecam fence_timeout_ms=%ld\n", timeout_ms);
	print_stats("before");

	cam = fence_open_camera(video, &pix);
	layout_of(&pix, &layout);
	for (i = 0; i < 2; i++)
		fds[i] = vgem_dumb(vgem, pix.bytesperline, pix.sizeimage, &handles[i]);
	map1 = mmap(NULL, pix.sizeimage, PROT_READ, MAP_SHARED, fds[1], 0);
	if (map1 == MAP_FAILED)
		die("mmap of vgem's dma-buf: %s", strerror(errno));

	/* baseline: both buffers imported and filled once, no fence at all. */
	queue_dmabuf(cam, 0, fds[0]);
	queue_dmabuf(cam, 1, fds[1]);
	if (xioctl(cam, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		struct v4l2_buffer b;

		if (dqbuf_within(cam, &b, 20000))
			die("baseline: no buffer came back within 20 s");
	}
	sleep_ms(FENCE_SETTLE_MS);
	t0 = now_ms();
	if (xioctl(cam, VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAMOFF: %s", strerror(errno));
	base_off = now_ms() - t0;
	queue_dmabuf(cam, 1, fds[1]);
	if (xioctl(cam, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));
	sleep_ms(FENCE_SETTLE_MS);
	t0 = now_ms();
	close(cam);
	base_close = now_ms() - t0;
	printf("baseline: with no fence, STREAMOFF returned after %.0f ms, close() after %.0f ms\n",
	       base_off, base_close);
	cam = fence_open_camera(video, &pix);

	/* error: the fenced buffer comes back marked, the clean one filled. */
	fence = vgem_fence_pending(vgem, handles[0], fence);
	queue_dmabuf(cam, 0, fds[0]);
	queue_dmabuf(cam, 1, fds[1]);
	if (xioctl(cam, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));
	t0 = now_ms();
	for (i = 0; i < 2; i++) {
		struct v4l2_buffer b;
		int error;

		/* Longer than vgem's own 10 s timeout: see what comes back. */
		if (dqbuf_within(cam, &b, 20000))
			die("error: no buffer came back within 20 s");
		t = now_ms() - t0;
		error = !!(b.flags & V4L2_BUF_FLAG_ERROR);
		printf("error: buffer %u seq %u back after %.0f ms%s\n", b.index, b.sequence, t,
		       error ? " with V4L2_BUF_FLAG_ERROR" : ", no error flag");
		if (b.index == 0) {
			if (!error) {
				printf("FAIL: error: the fenced buffer came back without "
				       "V4L2_BUF_FLAG_ERROR\n");
				failed = 1;
			}
			if (timeout_ms < 0 || t > timeout_ms + FENCE_SLACK_MS) {
				printf("FAIL: error: the fenced buffer took %.0f ms, more than "
				       "fence_timeout_ms + %d\n", t, FENCE_SLACK_MS);
				failed = 1;
			} else if (t < timeout_ms * 0.9) {
				printf("FAIL: error: the fenced buffer came back after %.0f ms, before "
				       "fence_timeout_ms\n", t);
				failed = 1;
			}
			continue;
		}
		if (error) {
			printf("FAIL: error: the clean buffer came back with V4L2_BUF_FLAG_ERROR\n");
			failed = 1;
			continue;
		}
		sync_dmabuf(fds[1], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		if (di_stamp_verify(map1, pix.sizeimage, &layout, b.sequence, NULL, &err) != DI_OK ||
		    di_pattern_verify(map1, pix.sizeimage, &layout, b.sequence, 0, NULL, &err) != DI_OK) {
			printf("FAIL: error: vgem buffer 1, seq %u: %s\n", b.sequence, err.text);
			failed = 1;
		}
		sync_dmabuf(fds[1], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	}
	if (xioctl(cam, VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAMOFF: %s", strerror(errno));
	print_stats("after error");

	/* streamoff: the generator is waiting for buffer 0's fence. */
	fence = vgem_fence_pending(vgem, handles[0], fence);
	queue_dmabuf(cam, 0, fds[0]);
	if (xioctl(cam, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));
	sleep_ms(FENCE_SETTLE_MS);
	t0 = now_ms();
	if (xioctl(cam, VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAMOFF: %s", strerror(errno));
	t = now_ms() - t0;
	printf("streamoff: STREAMOFF returned after %.0f ms (bound %.0f ms)\n", t,
	       base_off + FENCE_STOP_MS);
	if (t > base_off + FENCE_STOP_MS) {
		printf("FAIL: streamoff: STREAMOFF waited for the fence\n");
		failed = 1;
	}
	print_stats("after streamoff");

	/* close: the same, then close() of the node stops the stream. */
	fence = vgem_fence_pending(vgem, handles[0], fence);
	queue_dmabuf(cam, 0, fds[0]);
	if (xioctl(cam, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));
	sleep_ms(FENCE_SETTLE_MS);
	t0 = now_ms();
	close(cam);
	t = now_ms() - t0;
	printf("close: close() returned after %.0f ms (bound %.0f ms)\n", t,
	       base_close + FENCE_STOP_MS);
	if (t > base_close + FENCE_STOP_MS) {
		printf("FAIL: close: close() waited for the fence\n");
		failed = 1;
	}
	print_stats("after close");

	vgem_fence_signal(vgem, fence);
	munmap(map1, pix.sizeimage);
	for (i = 0; i < 2; i++) {
		close(fds[i]);
		vgem_close_handle(vgem, handles[i]);
	}
	close(vgem);
	return failed;
}

int main(int argc, char **argv)
{
	int use_vgem = argc == 4 && !strcmp(argv[3], "--vgem");

	if (argc == 3 && !strcmp(argv[1], "import"))
		return do_import(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "fence"))
		return do_fence(argv[2]);
	if ((argc != 3 && !use_vgem) || (strcmp(argv[1], "check") && strcmp(argv[1], "hold"))) {
		fprintf(stderr, "Usage: fakecam-expbuf check|hold VIDEO [--vgem]\n"
				"       fakecam-expbuf import|fence VIDEO\n");
		return 2;
	}
	if (!strcmp(argv[1], "check"))
		return do_check(argv[2], use_vgem);
	return do_hold(argv[2], use_vgem);
}
