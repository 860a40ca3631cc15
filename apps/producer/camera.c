// SPDX-License-Identifier: MIT
#include "camera.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libv4l2.h>
#include <linux/videodev2.h>

#define CAPTURE	      V4L2_BUF_TYPE_VIDEO_CAPTURE
#define CAPTURE_MPLANE V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE

/*
 * Through libv4l2, except the buffer ioctls of a DMABUF queue: libv4l2
 * (1.22) answers REQBUFS with EINVAL for any memory but MMAP, as it may have
 * to convert formats into buffers of its own. Our formats are the device's
 * native ones (libv4l2 passes everything through), so those go straight to
 * the kernel on the same fd. So does everything on a multi-planar node,
 * whose fd libv4l2 never sees (probe).
 */
static int xioctl(struct camera *cam, unsigned long request, void *arg, const char *name)
{
	bool raw =
	    cam->mplane || (cam->dmabuf && (request == VIDIOC_REQBUFS || request == VIDIOC_QBUF ||
					    request == VIDIOC_DQBUF));
	int ret;

	do {
		ret = raw ? ioctl(cam->fd, request, arg) : v4l2_ioctl(cam->fd, request, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		fprintf(stderr, "producer: %s on %s failed: %s\n", name, cam->path,
			strerror(errno));
	return ret;
}

static void camera_reset(struct camera *cam)
{
	memset(cam, 0, sizeof(*cam));
	cam->fd = -1;
	for (uint32_t i = 0; i < DI_POOL_MAX * DI_MAX_PLANES; i++)
		cam->export_fd[i] = -1;
	cam->type = CAPTURE;
	cam->nfds = 1;
}

/* Closes the node: through libv4l2 unless it is multi-planar (see probe). */
static void close_node(struct camera *cam)
{
	if (cam->mplane)
		close(cam->fd);
	else
		v4l2_close(cam->fd);
	cam->fd = -1;
}

/*
 * Opens path and reads its capabilities; 1 when it is a capture device of
 * driver. The capabilities are the kernel's, read before libv4l2 sees the
 * fd: a multi-planar node stays out of libv4l2 altogether. Its mplane
 * plugin would show the node as single-planar, pass VIDIOC_EXPBUF through
 * unconverted (EINVAL for the single-planar type), and v4l2_fd_open()
 * fails outright ("error getting pixformat") once the node's format has a
 * buffer per plane (NV12M, left set by the previous user).
 */
static int probe(struct camera *cam, const char *path, const char *driver, bool verbose)
{
	struct v4l2_capability cap;
	uint32_t caps;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (verbose)
			fprintf(stderr, "producer: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(cam->path, sizeof(cam->path), "%s", path);
	memset(&cap, 0, sizeof(cap));
	if (ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0) {
		caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps : cap.capabilities;
		snprintf(cam->driver, sizeof(cam->driver), "%s", (const char *)cap.driver);
		cam->mplane = !(caps & V4L2_CAP_VIDEO_CAPTURE) &&
			      (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE);
		cam->type = cam->mplane ? CAPTURE_MPLANE : CAPTURE;
		if ((caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE)) &&
		    (caps & V4L2_CAP_STREAMING) && (!driver || !strcmp(cam->driver, driver))) {
			cam->fd = cam->mplane ? fd : v4l2_fd_open(fd, 0);
			if (cam->fd >= 0)
				return 1;
			fprintf(stderr, "producer: libv4l2 cannot take %s: %s\n", path,
				strerror(errno));
			close(fd);
			return -1;
		}
		if (verbose)
			fprintf(stderr,
				"producer: %s (driver %s) is not a streaming capture device%s%s\n",
				path, cam->driver, driver ? " of driver " : "",
				driver ? driver : "");
	} else if (verbose) {
		fprintf(stderr, "producer: VIDIOC_QUERYCAP on %s failed: %s\n", path,
			strerror(errno));
	}
	close(fd);
	cam->mplane = false;
	cam->type = CAPTURE;
	return 0;
}

int camera_open(struct camera *cam, const char *path, const char *driver)
{
	char node[32];

	camera_reset(cam);
	if (path)
		return probe(cam, path, NULL, true) == 1 ? 0 : -1;
	for (int i = 0; i < 64; i++) {
		snprintf(node, sizeof(node), "/dev/video%d", i);
		if (access(node, F_OK))
			continue;
		if (probe(cam, node, driver, false) == 1)
			return 0;
	}
	fprintf(stderr, "producer: no V4L2 capture device of driver %s (is the module loaded?)\n",
		driver);
	return -1;
}

/* The id of the control called name, 0 when the driver has none. */
static uint32_t control_id(struct camera *cam, const char *name)
{
	struct v4l2_queryctrl q = {.id = V4L2_CTRL_FLAG_NEXT_CTRL};

	while ((cam->mplane ? ioctl(cam->fd, VIDIOC_QUERYCTRL, &q)
			    : v4l2_ioctl(cam->fd, VIDIOC_QUERYCTRL, &q)) == 0) {
		if (!strcmp((const char *)q.name, name))
			return q.id;
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	return 0;
}

int camera_set_control(struct camera *cam, const char *name, int32_t value)
{
	struct v4l2_control c = {.id = control_id(cam, name), .value = value};

	if (c.id)
		return xioctl(cam, VIDIOC_S_CTRL, &c, "VIDIOC_S_CTRL");
	fprintf(stderr, "producer: %s (driver %s) has no control \"%s\"\n", cam->path, cam->driver,
		name);
	return -1;
}

/*
 * The V4L2 format with the bytes of DRM format fourcc: the same code but for
 * RGB565; on a multi-planar node NV12 and NV21 as a buffer per plane.
 */
static uint32_t v4l2_format_of(const struct camera *cam, uint32_t fourcc)
{
	if (fourcc == DI_FOURCC_RGB565)
		return V4L2_PIX_FMT_RGB565;
	if (cam->mplane && fourcc == DI_FOURCC_NV12)
		return V4L2_PIX_FMT_NV12M;
	if (cam->mplane && fourcc == DI_FOURCC_NV21)
		return V4L2_PIX_FMT_NV21M;
	return fourcc;
}

bool camera_fd_per_plane(const struct camera *cam, uint32_t fourcc)
{
	uint32_t v4l2 = v4l2_format_of(cam, fourcc);

	return v4l2 == V4L2_PIX_FMT_NV12M || v4l2 == V4L2_PIX_FMT_NV21M;
}

/*
 * The layout of what S_FMT chose: in one buffer, the planes one after the
 * other, each plane's pitch scaled from the first plane's as V4L2 defines
 * it; in a buffer per plane, each plane at offset 0 with its own pitch.
 */
static int layout_from_format(struct camera *cam, uint32_t fourcc, const struct v4l2_format *fmt)
{
	const struct di_format_info *info = di_format_lookup(fourcc);
	struct di_layout *l = &cam->layout;
	uint32_t bpl0, height, offset = 0;
	struct di_error err;

	memset(l, 0, sizeof(*l));
	l->fourcc = fourcc;
	l->modifier = DI_MODIFIER_LINEAR;
	l->num_planes = info ? info->num_planes : 1;
	if (cam->mplane) {
		l->width = fmt->fmt.pix_mp.width;
		l->height = height = fmt->fmt.pix_mp.height;
		cam->nfds = fmt->fmt.pix_mp.num_planes;
		bpl0 = fmt->fmt.pix_mp.plane_fmt[0].bytesperline;
		cam->sizeimage = fmt->fmt.pix_mp.plane_fmt[0].sizeimage;
	} else {
		l->width = fmt->fmt.pix.width;
		l->height = height = fmt->fmt.pix.height;
		cam->nfds = 1;
		bpl0 = fmt->fmt.pix.bytesperline;
		cam->sizeimage = fmt->fmt.pix.sizeimage;
	}
	if (cam->nfds > 1 && (!info || cam->nfds != info->num_planes)) {
		fprintf(stderr, "producer: %s gives %u buffers per frame for %s, not one per plane\n",
			cam->path, cam->nfds, di_fourcc_str(fourcc, (char[5]){0}));
		return -1;
	}
	l->fd_per_plane = cam->nfds > 1;
	for (uint32_t i = 0; i < l->num_planes; i++) {
		if (l->fd_per_plane) {
			l->pitch[i] = fmt->fmt.pix_mp.plane_fmt[i].bytesperline;
			continue;
		}
		l->pitch[i] = (uint32_t)(bpl0 * di_layout_row_bytes(info, i, l->width) /
					 di_layout_row_bytes(info, 0, l->width));
		l->offset[i] = offset;
		offset += l->pitch[i] * di_layout_plane_rows(info, i, height);
	}
	if (di_layout_check(l, &err)) {
		fprintf(stderr, "producer: the layout of %s is not one we can send: %s\n",
			cam->path, err.text);
		return -1;
	}
	return 0;
}

int camera_configure(struct camera *cam, uint32_t fourcc, uint32_t width, uint32_t height,
		     uint32_t fps)
{
	struct v4l2_format fmt = {.type = cam->type};
	struct v4l2_streamparm parm = {.type = cam->type};
	uint32_t want = v4l2_format_of(cam, fourcc), got, w, h;
	char name[5];

	if (cam->mplane) {
		fmt.fmt.pix_mp.pixelformat = want;
		fmt.fmt.pix_mp.width = width;
		fmt.fmt.pix_mp.height = height;
		fmt.fmt.pix_mp.field = V4L2_FIELD_NONE;
	} else {
		fmt.fmt.pix.pixelformat = want;
		fmt.fmt.pix.width = width;
		fmt.fmt.pix.height = height;
		fmt.fmt.pix.field = V4L2_FIELD_NONE;
	}
	if (xioctl(cam, VIDIOC_S_FMT, &fmt, "VIDIOC_S_FMT"))
		return -1;
	got = cam->mplane ? fmt.fmt.pix_mp.pixelformat : fmt.fmt.pix.pixelformat;
	w = cam->mplane ? fmt.fmt.pix_mp.width : fmt.fmt.pix.width;
	h = cam->mplane ? fmt.fmt.pix_mp.height : fmt.fmt.pix.height;
	if (got != want || w != width || h != height) {
		fprintf(stderr, "producer: %s offers %ux%u %s instead of %ux%u %s\n", cam->path, w,
			h, di_fourcc_str(got, name), width, height,
			di_fourcc_str(want, (char[5]){0}));
		return -1;
	}
	if (layout_from_format(cam, fourcc, &fmt))
		return -1;
	if (!fps)
		return 0;
	parm.parm.capture.timeperframe.numerator = 1;
	parm.parm.capture.timeperframe.denominator = fps;
	return xioctl(cam, VIDIOC_S_PARM, &parm, "VIDIOC_S_PARM");
}

static int request(struct camera *cam, uint32_t count, uint32_t memory)
{
	struct v4l2_requestbuffers req = {.count = count, .type = cam->type, .memory = memory};

	if (xioctl(cam, VIDIOC_REQBUFS, &req, "VIDIOC_REQBUFS"))
		return -1;
	if (req.count != count) {
		fprintf(stderr, "producer: %s granted %u buffers instead of %u\n", cam->path,
			req.count, count);
		return -1;
	}
	cam->count = count;
	return 0;
}

int camera_alloc_mmap(struct camera *cam, uint32_t count)
{
	if (request(cam, count, V4L2_MEMORY_MMAP))
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		struct v4l2_plane planes[VIDEO_MAX_PLANES] = {0};
		struct v4l2_buffer buf = {
		    .index = i, .type = cam->type, .memory = V4L2_MEMORY_MMAP};

		if (cam->mplane) {
			buf.m.planes = planes;
			buf.length = VIDEO_MAX_PLANES;
		}
		if (xioctl(cam, VIDIOC_QUERYBUF, &buf, "VIDIOC_QUERYBUF"))
			return -1;
		for (uint32_t pl = 0; pl < cam->nfds; pl++) {
			struct v4l2_exportbuffer exp = {
			    .type = cam->type, .index = i, .plane = pl, .flags = O_RDWR | O_CLOEXEC};
			uint32_t len = cam->mplane ? planes[pl].length : buf.length;
			uint32_t off = cam->mplane ? planes[pl].m.mem_offset : buf.m.offset;
			uint32_t slot = i * cam->nfds + pl;
			void *p = cam->mplane
				      ? mmap(NULL, len, PROT_READ, MAP_SHARED, cam->fd, off)
				      : v4l2_mmap(NULL, len, PROT_READ, MAP_SHARED, cam->fd, off);

			if (p == MAP_FAILED) {
				fprintf(stderr, "producer: v4l2_mmap of buffer %u plane %u failed: %s\n",
					i, pl, strerror(errno));
				return -1;
			}
			cam->map[slot] = p;
			cam->map_len[slot] = len;
			if (xioctl(cam, VIDIOC_EXPBUF, &exp, "VIDIOC_EXPBUF"))
				return -1;
			cam->export_fd[slot] = exp.fd;
		}
	}
	return 0;
}

int camera_alloc_dmabuf(struct camera *cam, uint32_t count)
{
	cam->dmabuf = true;
	return request(cam, count, V4L2_MEMORY_DMABUF);
}

int camera_queue(struct camera *cam, uint32_t index, const int *dmabuf_fds)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {0};
	struct v4l2_buffer buf = {.index = index, .type = cam->type};

	buf.memory = cam->dmabuf ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
	if (cam->mplane) {
		buf.m.planes = planes;
		buf.length = cam->nfds;
		for (uint32_t pl = 0; cam->dmabuf && pl < cam->nfds; pl++)
			planes[pl].m.fd = dmabuf_fds[pl];
	} else if (cam->dmabuf) {
		buf.m.fd = dmabuf_fds[0];
	}
	return xioctl(cam, VIDIOC_QBUF, &buf, "VIDIOC_QBUF");
}

int camera_stream(struct camera *cam, bool on)
{
	int type = (int)cam->type;

	if (xioctl(cam, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type,
		   on ? "VIDIOC_STREAMON" : "VIDIOC_STREAMOFF"))
		return -1;
	cam->streaming = on;
	return 0;
}

int camera_dequeue(struct camera *cam, struct camera_frame *frame)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {0};
	struct v4l2_buffer buf = {.type = cam->type};

	buf.memory = cam->dmabuf ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
	if (cam->mplane) {
		buf.m.planes = planes;
		buf.length = VIDEO_MAX_PLANES;
	}
	if (xioctl(cam, VIDIOC_DQBUF, &buf, "VIDIOC_DQBUF"))
		return -1;
	if (buf.index >= cam->count) {
		fprintf(stderr, "producer: VIDIOC_DQBUF returned index %u of %u buffers\n",
			buf.index, cam->count);
		return -1;
	}
	frame->index = buf.index;
	frame->seq = buf.sequence;
	frame->timestamp_ns =
	    (uint64_t)buf.timestamp.tv_sec * 1000000000u + (uint64_t)buf.timestamp.tv_usec * 1000u;
	frame->error = buf.flags & V4L2_BUF_FLAG_ERROR;
	return 0;
}

void camera_close(struct camera *cam)
{
	if (cam->fd < 0)
		return;
	if (cam->streaming)
		camera_stream(cam, false);
	for (uint32_t i = 0; i < cam->count * cam->nfds; i++) {
		if (cam->map[i] && cam->mplane)
			munmap(cam->map[i], cam->map_len[i]);
		else if (cam->map[i])
			v4l2_munmap(cam->map[i], cam->map_len[i]);
		if (cam->export_fd[i] >= 0)
			close(cam->export_fd[i]);
	}
	if (cam->count) {
		struct v4l2_requestbuffers req = {.type = cam->type};

		req.memory = cam->dmabuf ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
		xioctl(cam, VIDIOC_REQBUFS, &req, "VIDIOC_REQBUFS(0)");
	}
	close_node(cam);
	camera_reset(cam);
}
