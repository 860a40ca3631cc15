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

#define CAPTURE V4L2_BUF_TYPE_VIDEO_CAPTURE

/*
 * Through libv4l2, except the buffer ioctls of a DMABUF queue: libv4l2
 * (1.22) answers REQBUFS with EINVAL for any memory but MMAP, as it may have
 * to convert formats into buffers of its own. Our formats are the device's
 * native ones (libv4l2 passes everything through), so those go straight to
 * the kernel on the same fd.
 */
static int xioctl(struct camera *cam, unsigned long request, void *arg, const char *name)
{
	bool raw = cam->dmabuf &&
		   (request == VIDIOC_REQBUFS || request == VIDIOC_QBUF || request == VIDIOC_DQBUF);
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
	for (uint32_t i = 0; i < DI_POOL_MAX; i++) {
		cam->export_fd[i] = -1;
		cam->queued_fd[i] = -1;
	}
}

/* Opens path and reads its capabilities; 1 when it is a capture device of driver. */
static int probe(struct camera *cam, const char *path, const char *driver, bool verbose)
{
	struct v4l2_capability cap;
	uint32_t caps;

	cam->fd = v4l2_open(path, O_RDWR | O_CLOEXEC);
	if (cam->fd < 0) {
		if (verbose)
			fprintf(stderr, "producer: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(cam->path, sizeof(cam->path), "%s", path);
	memset(&cap, 0, sizeof(cap));
	if (v4l2_ioctl(cam->fd, VIDIOC_QUERYCAP, &cap) == 0) {
		caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps : cap.capabilities;
		snprintf(cam->driver, sizeof(cam->driver), "%s", (const char *)cap.driver);
		if ((caps & V4L2_CAP_VIDEO_CAPTURE) && (caps & V4L2_CAP_STREAMING) &&
		    (!driver || !strcmp(cam->driver, driver)))
			return 1;
		if (verbose)
			fprintf(stderr,
				"producer: %s (driver %s) is not a streaming capture device%s%s\n",
				path, cam->driver, driver ? " of driver " : "",
				driver ? driver : "");
	} else if (verbose) {
		fprintf(stderr, "producer: VIDIOC_QUERYCAP on %s failed: %s\n", path,
			strerror(errno));
	}
	v4l2_close(cam->fd);
	cam->fd = -1;
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

	while (v4l2_ioctl(cam->fd, VIDIOC_QUERYCTRL, &q) == 0) {
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

int camera_configure(struct camera *cam, uint32_t fourcc, uint32_t width, uint32_t height,
		     uint32_t fps)
{
	struct v4l2_format fmt = {.type = CAPTURE};
	struct v4l2_streamparm parm = {.type = CAPTURE};
	struct di_error err;
	struct di_layout *l = &cam->layout;
	char name[5];

	/* fakecam's V4L2 XR24/NV12/YUYV have the bytes of the DRM formats of the same name. */
	fmt.fmt.pix.pixelformat = fourcc;
	fmt.fmt.pix.width = width;
	fmt.fmt.pix.height = height;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(cam, VIDIOC_S_FMT, &fmt, "VIDIOC_S_FMT"))
		return -1;
	if (fmt.fmt.pix.pixelformat != fourcc || fmt.fmt.pix.width != width ||
	    fmt.fmt.pix.height != height) {
		fprintf(stderr, "producer: %s offers %ux%u %s instead of %ux%u %s\n", cam->path,
			fmt.fmt.pix.width, fmt.fmt.pix.height,
			di_fourcc_str(fmt.fmt.pix.pixelformat, name), width, height,
			di_fourcc_str(fourcc, (char[5]){0}));
		return -1;
	}
	memset(l, 0, sizeof(*l));
	l->fourcc = fourcc;
	l->width = width;
	l->height = height;
	l->modifier = DI_MODIFIER_LINEAR;
	l->num_planes = fourcc == DI_FOURCC_NV12 ? 2 : 1;
	l->pitch[0] = fmt.fmt.pix.bytesperline;
	if (l->num_planes == 2) {
		/* V4L2's single-buffer NV12: CbCr rows right after the luma rows. */
		l->offset[1] = fmt.fmt.pix.bytesperline * height;
		l->pitch[1] = fmt.fmt.pix.bytesperline;
	}
	if (di_layout_check(l, &err)) {
		fprintf(stderr, "producer: the layout of %s is not one we can send: %s\n",
			cam->path, err.text);
		return -1;
	}
	cam->sizeimage = fmt.fmt.pix.sizeimage;
	if (!fps)
		return 0;
	parm.parm.capture.timeperframe.numerator = 1;
	parm.parm.capture.timeperframe.denominator = fps;
	return xioctl(cam, VIDIOC_S_PARM, &parm, "VIDIOC_S_PARM");
}

static int request(struct camera *cam, uint32_t count, uint32_t memory)
{
	struct v4l2_requestbuffers req = {.count = count, .type = CAPTURE, .memory = memory};

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
		struct v4l2_buffer buf = {.index = i, .type = CAPTURE, .memory = V4L2_MEMORY_MMAP};
		struct v4l2_exportbuffer exp = {
		    .type = CAPTURE, .index = i, .flags = O_RDWR | O_CLOEXEC};
		void *p;

		if (xioctl(cam, VIDIOC_QUERYBUF, &buf, "VIDIOC_QUERYBUF"))
			return -1;
		p = v4l2_mmap(NULL, buf.length, PROT_READ, MAP_SHARED, cam->fd, buf.m.offset);
		if (p == MAP_FAILED) {
			fprintf(stderr, "producer: v4l2_mmap of buffer %u failed: %s\n", i,
				strerror(errno));
			return -1;
		}
		cam->map[i] = p;
		cam->map_len[i] = buf.length;
		if (xioctl(cam, VIDIOC_EXPBUF, &exp, "VIDIOC_EXPBUF"))
			return -1;
		cam->export_fd[i] = exp.fd;
	}
	return 0;
}

int camera_alloc_dmabuf(struct camera *cam, uint32_t count)
{
	cam->dmabuf = true;
	return request(cam, count, V4L2_MEMORY_DMABUF);
}

int camera_queue(struct camera *cam, uint32_t index, int dmabuf_fd)
{
	struct v4l2_buffer buf = {.index = index, .type = CAPTURE};

	if (cam->dmabuf) {
		buf.memory = V4L2_MEMORY_DMABUF;
		buf.m.fd = dmabuf_fd;
		cam->queued_fd[index] = dmabuf_fd;
	} else {
		buf.memory = V4L2_MEMORY_MMAP;
	}
	return xioctl(cam, VIDIOC_QBUF, &buf, "VIDIOC_QBUF");
}

int camera_stream(struct camera *cam, bool on)
{
	int type = CAPTURE;

	if (xioctl(cam, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type,
		   on ? "VIDIOC_STREAMON" : "VIDIOC_STREAMOFF"))
		return -1;
	cam->streaming = on;
	return 0;
}

int camera_dequeue(struct camera *cam, struct camera_frame *frame)
{
	struct v4l2_buffer buf = {.type = CAPTURE};

	buf.memory = cam->dmabuf ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
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
	for (uint32_t i = 0; i < cam->count; i++) {
		if (cam->map[i])
			v4l2_munmap(cam->map[i], cam->map_len[i]);
		if (cam->export_fd[i] >= 0)
			close(cam->export_fd[i]);
	}
	if (cam->count) {
		struct v4l2_requestbuffers req = {.type = CAPTURE};

		req.memory = cam->dmabuf ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
		xioctl(cam, VIDIOC_REQBUFS, &req, "VIDIOC_REQBUFS(0)");
	}
	v4l2_close(cam->fd);
	camera_reset(cam);
}
