// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "dmabuf-source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/videodev2.h>
#include <xf86drm.h>

#include "kms-pipe.h"

/* The planes one after the other in one buffer, as V4L2's single-planar
 * formats and clients' dumb buffers have them: NV12, NV21 and NV16 with a
 * chroma plane of the luma's pitch (NV16's at full height), YUV420 with U
 * and V planes at half the luma's pitch. */
static void plane_layout(struct dmabuf_source *s, struct dmabuf_frame *b, uint32_t pitch)
{
	uint32_t f = s->fourcc;

	b->planes = f == DRM_FORMAT_NV12 || f == DRM_FORMAT_NV21 || f == DRM_FORMAT_NV16 ? 2
		    : f == DRM_FORMAT_YUV420					      ? 3
										      : 1;
	b->pitches[0] = pitch;
	b->offsets[0] = 0;
	if (b->planes >= 2) {
		b->pitches[1] = b->planes == 3 ? pitch / 2 : pitch;
		b->offsets[1] = pitch * s->height;
	}
	if (b->planes == 3) {
		b->pitches[2] = pitch / 2;
		b->offsets[2] = b->offsets[1] + pitch / 2 * (s->height / 2);
	}
}

static uint32_t dumb_bpp(uint32_t fourcc, uint32_t *height)
{
	switch (fourcc) {
	case DRM_FORMAT_NV12:
	case DRM_FORMAT_NV21:
	case DRM_FORMAT_YUV420:
		*height = *height * 3 / 2;
		return 8;
	case DRM_FORMAT_NV16:
		*height = *height * 2;
		return 8;
	case DRM_FORMAT_YUYV:
	case DRM_FORMAT_RGB565:
		return 16;
	default:
		return 32;
	}
}

/* A dumb buffer on @dev with a deterministic pattern, exported as a dma-buf. */
static bool dumb_export(struct dmabuf_source *s, struct dmabuf_frame *b, unsigned int index)
{
	uint32_t rows = s->height;
	struct drm_mode_create_dumb create = { .width = s->width };
	struct drm_mode_map_dumb map = { 0 };
	uint8_t *p;

	create.bpp = dumb_bpp(s->fourcc, &rows);
	create.height = rows;
	if (drmIoctl(s->dev, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		perror("DRM_IOCTL_MODE_CREATE_DUMB");
		return false;
	}
	map.handle = create.handle;
	if (drmIoctl(s->dev, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		perror("DRM_IOCTL_MODE_MAP_DUMB");
		return false;
	}
	p = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, s->dev, map.offset);
	if (p == MAP_FAILED) {
		perror("mmap dumb");
		return false;
	}
	for (size_t i = 0; i < create.size; i++)
		p[i] = (uint8_t)(i * 7 + i / create.pitch + index * 31);
	munmap(p, create.size);
	if (drmPrimeHandleToFD(s->dev, create.handle, DRM_CLOEXEC | DRM_RDWR, &b->fd)) {
		perror("drmPrimeHandleToFD");
		return false;
	}
	/* The dma-buf holds the object now. */
	drmCloseBufferHandle(s->dev, create.handle);
	b->size = create.size;
	plane_layout(s, b, create.pitch);
	return true;
}

static int v4l2_node(const char *driver)
{
	char path[32];

	for (int i = 0; i < 64; i++) {
		struct v4l2_capability cap;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0 &&
		    strcmp((const char *)cap.driver, driver) == 0 &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) &&
		    (cap.device_caps & V4L2_CAP_STREAMING))
			return fd;
		close(fd);
	}
	fprintf(stderr, "no V4L2 capture node of driver %s\n", driver);
	return -1;
}

/* Capture one frame into each buffer, export them all, keep them dequeued. */
static bool v4l2_export(struct dmabuf_source *s)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers req = { .count = s->count,
					   .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					   .memory = V4L2_MEMORY_MMAP };
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	fmt.fmt.pix.width = s->width;
	fmt.fmt.pix.height = s->height;
	fmt.fmt.pix.pixelformat = s->fourcc; /* XR24, NV12, YUYV: same four characters */
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(s->dev, VIDIOC_S_FMT, &fmt)) {
		perror("VIDIOC_S_FMT");
		return false;
	}
	if (fmt.fmt.pix.width != s->width || fmt.fmt.pix.height != s->height ||
	    fmt.fmt.pix.pixelformat != s->fourcc) {
		fprintf(stderr, "%s gave %ux%u %.4s\n", s->kind, fmt.fmt.pix.width,
			fmt.fmt.pix.height, (const char *)&fmt.fmt.pix.pixelformat);
		return false;
	}
	if (ioctl(s->dev, VIDIOC_REQBUFS, &req) || req.count != s->count) {
		perror("VIDIOC_REQBUFS");
		return false;
	}
	for (unsigned int i = 0; i < s->count; i++) {
		struct v4l2_buffer buf = { .index = i, .type = type, .memory = V4L2_MEMORY_MMAP };
		struct v4l2_exportbuffer exp = { .type = type, .index = i,
						 .flags = O_RDWR | O_CLOEXEC };

		if (ioctl(s->dev, VIDIOC_QUERYBUF, &buf) || ioctl(s->dev, VIDIOC_EXPBUF, &exp)) {
			perror("VIDIOC_QUERYBUF/EXPBUF");
			return false;
		}
		s->bufs[i].fd = exp.fd;
		s->bufs[i].size = buf.length;
		plane_layout(s, &s->bufs[i], fmt.fmt.pix.bytesperline);
		if (ioctl(s->dev, VIDIOC_QBUF, &buf)) {
			perror("VIDIOC_QBUF");
			return false;
		}
	}
	if (ioctl(s->dev, VIDIOC_STREAMON, &type)) {
		perror("VIDIOC_STREAMON");
		return false;
	}
	s->streaming = true;
	for (unsigned int i = 0; i < s->count; i++) {
		struct v4l2_buffer buf = { .type = type, .memory = V4L2_MEMORY_MMAP };

		if (ioctl(s->dev, VIDIOC_DQBUF, &buf)) {
			perror("VIDIOC_DQBUF");
			return false;
		}
	}
	return true;
}

bool source_open(struct dmabuf_source *s, const char *kind, uint32_t fourcc, uint32_t width,
		 uint32_t height, unsigned int count, int fakedisp_fd)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->dev = -1;
	s->fourcc = fourcc;
	s->width = width;
	s->height = height;
	s->count = count;
	for (unsigned int i = 0; i < SOURCE_MAX_BUFFERS; i++)
		s->bufs[i].fd = -1;
	if (count > SOURCE_MAX_BUFFERS)
		return false;

	if (strcmp(kind, "vivid") == 0 || strcmp(kind, "fakecam") == 0) {
		s->dev = v4l2_node(kind);
		s->own_dev = true;
		return s->dev >= 0 && v4l2_export(s);
	}
	if (strcmp(kind, "vgem") == 0) {
		s->dev = kms_open_driver("vgem", NULL);
		s->own_dev = true;
	} else if (strcmp(kind, "dumb") == 0) {
		s->dev = fakedisp_fd;
	} else {
		fprintf(stderr, "unknown source %s\n", kind);
		return false;
	}
	if (s->dev < 0)
		return false;
	for (unsigned int i = 0; i < count; i++)
		if (!dumb_export(s, &s->bufs[i], i))
			return false;
	return true;
}

bool source_queue(struct dmabuf_source *s, unsigned int index)
{
	struct v4l2_buffer buf = { .index = index, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				   .memory = V4L2_MEMORY_MMAP };

	if (!s->streaming || ioctl(s->dev, VIDIOC_QBUF, &buf)) {
		perror("VIDIOC_QBUF");
		return false;
	}
	return true;
}

bool source_dequeue(struct dmabuf_source *s, unsigned int *index, uint32_t *sequence)
{
	struct v4l2_buffer buf = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				   .memory = V4L2_MEMORY_MMAP };

	if (!s->streaming || ioctl(s->dev, VIDIOC_DQBUF, &buf)) {
		perror("VIDIOC_DQBUF");
		return false;
	}
	*index = buf.index;
	*sequence = buf.sequence;
	return true;
}

void source_close(struct dmabuf_source *s)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	if (s->streaming)
		ioctl(s->dev, VIDIOC_STREAMOFF, &type);
	for (unsigned int i = 0; i < SOURCE_MAX_BUFFERS; i++) {
		if (s->bufs[i].fd >= 0)
			close(s->bufs[i].fd);
		s->bufs[i].fd = -1;
	}
	if (s->streaming) {
		struct v4l2_requestbuffers req = { .type = type, .memory = V4L2_MEMORY_MMAP };

		ioctl(s->dev, VIDIOC_REQBUFS, &req);
		s->streaming = false;
	}
	if (s->own_dev && s->dev >= 0)
		close(s->dev);
	s->dev = -1;
}
