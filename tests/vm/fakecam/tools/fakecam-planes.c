// SPDX-License-Identifier: MIT
/*
 * fakecam-planes: fakecam's multi-planar capture node, one vb2 plane per
 * colour plane (NV12M, NV21M), each its own dma-buf.
 *
 *   fakecam-planes expbuf VIDEO FOURCC
 *     VIDEO is a multi-planar fakecam node, FOURCC NM12 or NM21. Two MMAP
 *     buffers at 640x360: VIDIOC_EXPBUF with plane 2 (>= num_planes) fails
 *     with EINVAL; planes 0 and 1 give two distinct dma-bufs whose sizes
 *     are the planes' lengths (QUERYBUF: each plane's sizeimage, G_FMT)
 *     rounded up to whole pages. fakecam's debugfs lists each dma-buf under the
 *     buffer of the same vb2 index and plane (plane=0|1), bufinfo names the
 *     chroma one fakecam:<camera>:<index>:1. A dequeued frame read through
 *     the two dma-bufs (DMA_BUF_IOCTL_SYNC) is the frame of its sequence
 *     number, byte for byte (the planes put together as NV12 or NV21), and
 *     equal to the V4L2 mappings of the planes. Negative controls: the
 *     same frame with the luma plane's bytes in place of the chroma plane
 *     fails the check, and with the
 *     one-buffer NV12 format EXPBUF of plane 1 fails with EINVAL.
 *
 *   fakecam-planes import VIDEO FOURCC
 *     the other direction: each buffer is two vgem dumb buffers, one per
 *     plane, queued as V4L2_MEMORY_DMABUF; fakecam writes frames into
 *     them, each checked through vgem's dma-bufs; fakecam's imports file
 *     lists every import with its plane. Negative control: a chroma
 *     dma-buf one page smaller than the plane's sizeimage is refused by
 *     QBUF.
 *
 * Exits 0 on success, 1 with a message naming the failed step otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/magic.h>
#include <linux/videodev2.h>

#include "dmabuf-interop/frame-verify.h"
#include "dmabuf-interop/layout.h"

#include "vgem-util.h"

const char tool_name[] = "fakecam-planes";

#define TYPE	V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
#define WIDTH	640
#define HEIGHT	360
#define NBUF	2
#define NPLANES 2

struct mcam {
	int fd;
	struct v4l2_pix_format_mplane pix;
	struct di_layout layout; /* the planes put together: NV12 or NV21 */
	size_t frame_size;
};

static void sync_dmabuf(int fd, __u64 flags)
{
	struct dma_buf_sync s = {.flags = flags};

	if (xioctl(fd, DMA_BUF_IOCTL_SYNC, &s))
		die("DMA_BUF_IOCTL_SYNC %#llx: %s", (unsigned long long)flags, strerror(errno));
}

static int set_format(int fd, __u32 fourcc, struct v4l2_pix_format_mplane *pix)
{
	struct v4l2_format fmt = {.type = TYPE};

	fmt.fmt.pix_mp.width = WIDTH;
	fmt.fmt.pix_mp.height = HEIGHT;
	fmt.fmt.pix_mp.pixelformat = fourcc;
	if (xioctl(fd, VIDIOC_S_FMT, &fmt))
		return -errno;
	*pix = fmt.fmt.pix_mp;
	return 0;
}

/* Opens VIDEO in FOURCC (NM12 or NM21) and checks the two-plane format. */
static void mcam_open(struct mcam *c, const char *video, const char *fourcc)
{
	struct di_error err;
	__u32 f, drm;

	if (strlen(fourcc) != 4)
		die("%s is not a fourcc", fourcc);
	f = v4l2_fourcc(fourcc[0], fourcc[1], fourcc[2], fourcc[3]);
	if (f == V4L2_PIX_FMT_NV12M)
		drm = DI_FOURCC_NV12;
	else if (f == V4L2_PIX_FMT_NV21M)
		drm = DI_FOURCC_NV21;
	else
		die("%s is not NM12 or NM21", fourcc);

	c->fd = open(video, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		die("open %s: %s", video, strerror(errno));
	if (set_format(c->fd, f, &c->pix))
		die("VIDIOC_S_FMT %s (multi-planar): %s", fourcc, strerror(errno));
	if (c->pix.pixelformat != f || c->pix.num_planes != NPLANES || c->pix.width != WIDTH ||
	    c->pix.height != HEIGHT)
		die("S_FMT %s gave %.4s %ux%u with %u planes", fourcc,
		    (const char *)&c->pix.pixelformat, c->pix.width, c->pix.height,
		    c->pix.num_planes);
	if (c->pix.plane_fmt[0].bytesperline != WIDTH ||
	    c->pix.plane_fmt[0].sizeimage != WIDTH * HEIGHT ||
	    c->pix.plane_fmt[1].bytesperline != WIDTH ||
	    c->pix.plane_fmt[1].sizeimage != WIDTH * HEIGHT / 2)
		die("%s planes: %u/%u and %u/%u bytes per line/sizeimage", fourcc,
		    c->pix.plane_fmt[0].bytesperline, c->pix.plane_fmt[0].sizeimage,
		    c->pix.plane_fmt[1].bytesperline, c->pix.plane_fmt[1].sizeimage);
	if (di_layout_init(&c->layout, drm, WIDTH, HEIGHT, 1, &err) != DI_OK)
		die("layout: %s", err.text);
	c->frame_size = (size_t)di_layout_size(&c->layout);
}

static void reqbufs(int fd, __u32 memory, unsigned int count)
{
	struct v4l2_requestbuffers req = {.type = TYPE, .memory = memory, .count = count};

	if (xioctl(fd, VIDIOC_REQBUFS, &req) || req.count < count)
		die("VIDIOC_REQBUFS %u: %s", count, strerror(errno));
}

/* VIDIOC_EXPBUF of one plane: the fd, or -errno. */
static int expbuf(int fd, unsigned int index, unsigned int plane)
{
	struct v4l2_exportbuffer exp = {.type = TYPE, .index = index, .plane = plane};

	exp.flags = O_RDWR | O_CLOEXEC;
	if (xioctl(fd, VIDIOC_EXPBUF, &exp))
		return -errno;
	return exp.fd;
}

/*
 * Frame checks over the two planes put together (the layout of NV12 or
 * NV21 in one buffer): stamp of seq, every pattern byte. Returns 0 or -1
 * with the reason in err.
 */
static int check_frame(const struct mcam *c, const void *y, const void *uv, __u32 seq,
		       struct di_error *err)
{
	uint8_t *frame = malloc(c->frame_size);
	int ret = 0;

	if (!frame)
		die("out of memory");
	memcpy(frame, y, c->pix.plane_fmt[0].sizeimage);
	memcpy(frame + c->layout.offset[1], uv, c->pix.plane_fmt[1].sizeimage);
	if (di_stamp_verify(frame, c->frame_size, &c->layout, seq, NULL, err) != DI_OK ||
	    di_pattern_verify(frame, c->frame_size, &c->layout, seq, 0, NULL, err) != DI_OK)
		ret = -1;
	free(frame);
	return ret;
}

/* True when the buffers file has "index=I ... plane=P" over "  dmabuf ino=N ". */
static int debugfs_lists(const char *cam_dir, ino_t ino, unsigned int index, unsigned int plane)
{
	char path[128], line[512], key[48], buffer[64] = "";
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/fakecam/%s/buffers", cam_dir);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	snprintf(key, sizeof(key), "  dmabuf ino=%lu ", (unsigned long)ino);
	while (fgets(line, sizeof(line), f)) {
		unsigned int i, p;

		if (!strncmp(line, "buffer ", 7)) {
			const char *pi = strstr(line, " index="), *pp = strstr(line, " plane=");

			buffer[0] = 0;
			if (pi && pp && sscanf(pi, " index=%u", &i) == 1 &&
			    sscanf(pp, " plane=%u", &p) == 1)
				snprintf(buffer, sizeof(buffer), "%u/%u", i, p);
		} else if (!strncmp(line, key, strlen(key))) {
			char want[64];

			snprintf(want, sizeof(want), "%u/%u", index, plane);
			found = !strcmp(buffer, want);
		}
	}
	fclose(f);
	return found;
}

/* True when bufinfo has a line naming the dma-buf exactly name. */
static int bufinfo_names(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	char line[512];
	int found = 0;

	if (!f)
		die("bufinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *last = strrchr(line, '\t');

		line[strcspn(line, "\n")] = 0;
		if (last && !strcmp(last + 1, name))
			found = 1;
	}
	fclose(f);
	return found;
}

/* The camera number of VIDEO: its platform device fakecam.N. */
static void camera_number(const char *video, char *out, size_t size)
{
	char path[128], target[256];
	const char *dev = strrchr(video, '/');
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/sys/class/video4linux/%s/device", dev ? dev + 1 : video);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		die("readlink %s: %s", path, strerror(errno));
	target[n] = 0;
	p = strrchr(target, '.');
	if (!p || !strstr(target, "fakecam."))
		die("%s is not a fakecam platform device (%s)", video, target);
	snprintf(out, size, "%s", p + 1);
}

static int do_expbuf(const char *video, const char *fourcc)
{
	int fds[NBUF][NPLANES], type = TYPE, ret;
	void *maps[NBUF][NPLANES], *v4l2_maps[NBUF][NPLANES];
	struct v4l2_pix_format_mplane one;
	__u32 length[NBUF][NPLANES];
	struct v4l2_plane qp[NPLANES];
	struct v4l2_buffer b;
	struct di_error err;
	char cam_dir[16], name[64];
	struct stat st[NPLANES];
	unsigned int i, p;
	struct mcam c;
	long page;

	camera_number(video, cam_dir, sizeof(cam_dir));
	mcam_open(&c, video, fourcc);
	reqbufs(c.fd, V4L2_MEMORY_MMAP, NBUF);
	page = sysconf(_SC_PAGESIZE);

	for (i = 0; i < NBUF; i++) {
		memset(&b, 0, sizeof(b));
		memset(qp, 0, sizeof(qp));
		b.type = TYPE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		b.m.planes = qp;
		b.length = NPLANES;
		if (xioctl(c.fd, VIDIOC_QUERYBUF, &b))
			die("VIDIOC_QUERYBUF %u: %s", i, strerror(errno));
		if (b.length != NPLANES)
			die("buffer %u has %u planes", i, b.length);

		ret = expbuf(c.fd, i, NPLANES);
		if (ret != -EINVAL)
			die("EXPBUF of buffer %u plane %u: %s, not EINVAL", i, NPLANES,
			    ret >= 0 ? "an fd" : strerror(-ret));
		for (p = 0; p < NPLANES; p++) {
			struct statfs sfs;
			off_t size;

			length[i][p] = qp[p].length;
			if (length[i][p] < c.pix.plane_fmt[p].sizeimage)
				die("buffer %u plane %u: length %u < sizeimage %u", i, p,
				    length[i][p], c.pix.plane_fmt[p].sizeimage);
			fds[i][p] = expbuf(c.fd, i, p);
			if (fds[i][p] < 0)
				die("EXPBUF of buffer %u plane %u: %s", i, p, strerror(-fds[i][p]));
			if (fstatfs(fds[i][p], &sfs) || sfs.f_type != DMA_BUF_MAGIC)
				die("the fd of buffer %u plane %u is not a dma-buf", i, p);
			if (fstat(fds[i][p], &st[p]))
				die("fstat: %s", strerror(errno));
			/* vb2 allocates the plane's length rounded up to pages. */
			size = lseek(fds[i][p], 0, SEEK_END);
			if (size != (off_t)((length[i][p] + page - 1) / page * page))
				die("dma-buf of buffer %u plane %u: %lld bytes, the plane has %u",
				    i, p, (long long)size, length[i][p]);
			if (!debugfs_lists(cam_dir, st[p].st_ino, i, p))
				die("fakecam/%s/buffers does not list ino %lu under index=%u "
				    "plane=%u",
				    cam_dir, (unsigned long)st[p].st_ino, i, p);
			maps[i][p] = mmap(NULL, length[i][p], PROT_READ, MAP_SHARED, fds[i][p], 0);
			v4l2_maps[i][p] = mmap(NULL, length[i][p], PROT_READ, MAP_SHARED, c.fd,
					       qp[p].m.mem_offset);
			if (maps[i][p] == MAP_FAILED || v4l2_maps[i][p] == MAP_FAILED)
				die("mmap of buffer %u plane %u: %s", i, p, strerror(errno));
		}
		if (st[0].st_ino == st[1].st_ino)
			die("planes 0 and 1 of buffer %u are the same dma-buf", i);
		snprintf(name, sizeof(name), "fakecam:%s:%u:1", cam_dir, i);
		if (!bufinfo_names(name))
			die("bufinfo names no dma-buf %s", name);
		printf("buffer %u: EXPBUF plane %u EINVAL; plane 0 ino %lu %u bytes, plane 1 ino "
		       "%lu %u bytes (%s)\n",
		       i, NPLANES, (unsigned long)st[0].st_ino, length[i][0],
		       (unsigned long)st[1].st_ino, length[i][1], name);

		memset(&b, 0, sizeof(b));
		b.type = TYPE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		b.m.planes = qp;
		b.length = NPLANES;
		if (xioctl(c.fd, VIDIOC_QBUF, &b))
			die("VIDIOC_QBUF %u: %s", i, strerror(errno));
	}

	if (xioctl(c.fd, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));
	for (unsigned int n = 0; n < 4; n++) {
		memset(&b, 0, sizeof(b));
		b.type = TYPE;
		b.memory = V4L2_MEMORY_MMAP;
		b.m.planes = qp;
		b.length = NPLANES;
		if (xioctl(c.fd, VIDIOC_DQBUF, &b))
			die("VIDIOC_DQBUF: %s", strerror(errno));
		i = b.index;
		for (p = 0; p < NPLANES; p++) {
			if (qp[p].bytesused != c.pix.plane_fmt[p].sizeimage)
				die("seq %u plane %u: bytesused %u, not %u", b.sequence, p,
				    qp[p].bytesused, c.pix.plane_fmt[p].sizeimage);
			sync_dmabuf(fds[i][p], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		}
		if (check_frame(&c, maps[i][0], maps[i][1], b.sequence, &err))
			die("buffer %u seq %u through its dma-bufs: %s", i, b.sequence, err.text);
		if (!check_frame(&c, maps[i][0], maps[i][0], b.sequence, &err))
			die("buffer %u seq %u passes with luma bytes for its chroma plane", i,
			    b.sequence);
		for (p = 0; p < NPLANES; p++) {
			if (memcmp(maps[i][p], v4l2_maps[i][p], c.pix.plane_fmt[p].sizeimage))
				die("buffer %u plane %u: the dma-buf and the V4L2 mapping differ",
				    i, p);
			sync_dmabuf(fds[i][p], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		}
		printf("seq %u (buffer %u): both planes' dma-bufs hold the frame, equal to the "
		       "V4L2 mappings\n",
		       b.sequence, i);
		if (xioctl(c.fd, VIDIOC_QBUF, &b))
			die("VIDIOC_QBUF %u: %s", i, strerror(errno));
	}
	if (xioctl(c.fd, VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAMOFF: %s", strerror(errno));
	for (i = 0; i < NBUF; i++)
		for (p = 0; p < NPLANES; p++) {
			munmap(maps[i][p], length[i][p]);
			munmap(v4l2_maps[i][p], length[i][p]);
			close(fds[i][p]);
		}
	reqbufs(c.fd, V4L2_MEMORY_MMAP, 0);

	/* Negative control: NV12 in one buffer has no plane 1 to export. */
	if (set_format(c.fd, V4L2_PIX_FMT_NV12, &one) || one.num_planes != 1)
		die("S_FMT NV12 (one buffer) on the multi-planar node");
	reqbufs(c.fd, V4L2_MEMORY_MMAP, NBUF);
	ret = expbuf(c.fd, 0, 1);
	if (ret != -EINVAL)
		die("EXPBUF plane 1 of one-buffer NV12: %s, not EINVAL",
		    ret >= 0 ? "an fd" : strerror(-ret));
	ret = expbuf(c.fd, 0, 0);
	if (ret < 0)
		die("EXPBUF plane 0 of one-buffer NV12: %s", strerror(-ret));
	if (lseek(ret, 0, SEEK_END) < (off_t)one.plane_fmt[0].sizeimage)
		die("one-buffer NV12 dma-buf smaller than its sizeimage %u",
		    one.plane_fmt[0].sizeimage);
	close(ret);
	reqbufs(c.fd, V4L2_MEMORY_MMAP, 0);
	close(c.fd);
	printf("one-buffer NV12: EXPBUF plane 1 EINVAL, plane 0 holds the frame\n");
	return 0;
}

/* A vgem dumb buffer of size bytes as a dma-buf fd. */
static int vgem_buffer(int vgem, unsigned int pitch, size_t size)
{
	unsigned int handle;
	int fd = vgem_dumb(vgem, pitch, size, &handle);

	vgem_close_handle(vgem, handle);
	return fd;
}

static int qbuf_dmabuf(int fd, unsigned int index, const int *fds)
{
	struct v4l2_plane qp[NPLANES];
	struct v4l2_buffer b = {0};
	unsigned int p;

	memset(qp, 0, sizeof(qp));
	b.type = TYPE;
	b.memory = V4L2_MEMORY_DMABUF;
	b.index = index;
	b.m.planes = qp;
	b.length = NPLANES;
	for (p = 0; p < NPLANES; p++) {
		qp[p].m.fd = fds[p];
		qp[p].length = (__u32)lseek(fds[p], 0, SEEK_END);
	}
	return xioctl(fd, VIDIOC_QBUF, &b) ? -errno : 0;
}

/* Counts the lines of camera cam_dir's imports file with plane=P. */
static unsigned int imports_with_plane(const char *cam_dir, unsigned int plane)
{
	char path[128], line[512], want[16];
	unsigned int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/fakecam/%s/imports", cam_dir);
	snprintf(want, sizeof(want), " plane=%u\n", plane);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "import ", 7) && strstr(line, " mapped=1 ") &&
		    strlen(line) > strlen(want) &&
		    !strcmp(line + strlen(line) - strlen(want), want))
			n++;
	fclose(f);
	return n;
}

static int do_import(const char *video, const char *fourcc)
{
	int fds[NBUF][NPLANES], small[NPLANES], type = TYPE, vgem = find_vgem(), ret;
	void *maps[NBUF][NPLANES];
	size_t size[NPLANES];
	struct di_error err;
	char cam_dir[16];
	unsigned int i, p;
	struct mcam c;

	camera_number(video, cam_dir, sizeof(cam_dir));
	mcam_open(&c, video, fourcc);
	reqbufs(c.fd, V4L2_MEMORY_DMABUF, NBUF);
	for (p = 0; p < NPLANES; p++)
		size[p] = c.pix.plane_fmt[p].sizeimage;

	/* Negative control first: a chroma dma-buf a page short. */
	small[0] = vgem_buffer(vgem, WIDTH, size[0]);
	small[1] = vgem_buffer(vgem, WIDTH, size[1] - 4096);
	if (lseek(small[1], 0, SEEK_END) >= (off_t)size[1])
		die("vgem rounded the short buffer up to %lld bytes",
		    (long long)lseek(small[1], 0, SEEK_END));
	ret = qbuf_dmabuf(c.fd, 0, small);
	if (ret != -EINVAL)
		die("QBUF with a %lld-byte chroma dma-buf (plane needs %zu): %s, not EINVAL",
		    (long long)lseek(small[1], 0, SEEK_END), size[1],
		    ret ? strerror(-ret) : "accepted");
	close(small[0]);
	close(small[1]);
	printf("QBUF refuses a chroma dma-buf smaller than plane 1's sizeimage (%zu)\n", size[1]);

	for (i = 0; i < NBUF; i++) {
		for (p = 0; p < NPLANES; p++) {
			fds[i][p] = vgem_buffer(vgem, WIDTH, size[p]);
			maps[i][p] = mmap(NULL, size[p], PROT_READ, MAP_SHARED, fds[i][p], 0);
			if (maps[i][p] == MAP_FAILED)
				die("mmap of vgem's dma-buf: %s", strerror(errno));
		}
		ret = qbuf_dmabuf(c.fd, i, fds[i]);
		if (ret)
			die("VIDIOC_QBUF DMABUF %u: %s", i, strerror(-ret));
	}
	if (xioctl(c.fd, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON: %s", strerror(errno));
	for (unsigned int n = 0; n < 6; n++) {
		struct v4l2_plane qp[NPLANES];
		struct v4l2_buffer b = {0};

		memset(qp, 0, sizeof(qp));
		b.type = TYPE;
		b.memory = V4L2_MEMORY_DMABUF;
		b.m.planes = qp;
		b.length = NPLANES;
		if (xioctl(c.fd, VIDIOC_DQBUF, &b))
			die("VIDIOC_DQBUF: %s", strerror(errno));
		if (b.sequence != n)
			die("frame %u has sequence %u", n, b.sequence);
		i = b.index;
		for (p = 0; p < NPLANES; p++)
			sync_dmabuf(fds[i][p], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		if (check_frame(&c, maps[i][0], maps[i][1], b.sequence, &err))
			die("vgem buffers of %u, seq %u: %s", i, b.sequence, err.text);
		for (p = 0; p < NPLANES; p++)
			sync_dmabuf(fds[i][p], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		if (n == 0) {
			unsigned int p0 = imports_with_plane(cam_dir, 0);
			unsigned int p1 = imports_with_plane(cam_dir, 1);

			/* The dequeued buffer is unmapped; the other one is queued, mapped. */
			if (p0 < 1 || p1 < 1 || p0 != p1)
				die("fakecam/%s/imports: %u mapped imports with plane=0, %u with "
				    "plane=1",
				    cam_dir, p0, p1);
		}
		ret = qbuf_dmabuf(c.fd, i, fds[i]);
		if (ret)
			die("VIDIOC_QBUF DMABUF %u: %s", i, strerror(-ret));
	}
	if (xioctl(c.fd, VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAMOFF: %s", strerror(errno));
	printf("6 %s frames written by fakecam into pairs of vgem dumb buffers (one per plane), "
	       "stamp and pattern ok; imports listed per plane\n",
	       fourcc);
	for (i = 0; i < NBUF; i++)
		for (p = 0; p < NPLANES; p++) {
			munmap(maps[i][p], size[p]);
			close(fds[i][p]);
		}
	close(c.fd);
	close(vgem);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "expbuf"))
		return do_expbuf(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "import"))
		return do_import(argv[2], argv[3]);
	fprintf(stderr, "Usage: fakecam-planes expbuf|import VIDEO NM12|NM21\n");
	return 2;
}
