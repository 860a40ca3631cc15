/* SPDX-License-Identifier: MIT */
/*
 * The camera side of the producer: a V4L2 capture device (fakecam, or any
 * device its options name) opened and driven through libv4l2 (v4l2_open,
 * v4l2_ioctl, v4l2_mmap), in one of two memory modes:
 *   MMAP    the camera allocates; each buffer is exported (VIDIOC_EXPBUF)
 *           and mapped (v4l2_mmap) so the producer can read its stamp;
 *   DMABUF  the display allocated (--display-allocates) or an allocator
 *           (--allocator); the camera writes into the dma-bufs it is given
 *           at QBUF.
 * A multi-planar node (V4L2_CAP_VIDEO_CAPTURE_MPLANE only) is driven through
 * the _MPLANE buffer type; NV12 and NV21 are then NV12M and NV21M, a buffer
 * (and a dma-buf) per plane, and the layout has fd_per_plane.
 * Arrays of fds and maps hold nfds entries per buffer: buffer i's plane
 * buffer p at i * nfds + p.
 */
#ifndef PRODUCER_CAMERA_H
#define PRODUCER_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmabuf-interop/layout.h"
#include "dmabuf-interop/protocol.h"

struct camera {
	int fd; /* libv4l2 fd; a plain one on a multi-planar node (camera.c) */
	char path[64];
	char driver[32];
	bool mplane;   /* a multi-planar node */
	uint32_t type; /* V4L2_BUF_TYPE_VIDEO_CAPTURE(_MPLANE) */
	bool dmabuf;   /* V4L2_MEMORY_DMABUF queue */
	bool streaming;
	uint32_t count; /* buffers granted by REQBUFS */
	uint32_t nfds;	/* memory planes, so fds, per buffer */
	struct di_layout layout;
	uint32_t sizeimage; /* of the first memory plane */
	/* MMAP: the dma-buf of each plane buffer (-1 otherwise) and its v4l2_mmap */
	int export_fd[DI_POOL_MAX * DI_MAX_PLANES];
	void *map[DI_POOL_MAX * DI_MAX_PLANES];
	size_t map_len[DI_POOL_MAX * DI_MAX_PLANES];
};

/* A dequeued frame. */
struct camera_frame {
	uint32_t index;
	uint64_t seq;
	uint64_t timestamp_ns; /* CLOCK_MONOTONIC */
	bool error;	       /* V4L2_BUF_FLAG_ERROR */
};

/*
 * Opens path, or with path NULL the first /dev/video* whose driver is
 * driver, and checks it is a streaming capture device. -1 with a message.
 */
int camera_open(struct camera *cam, const char *path, const char *driver);

/* Sets a driver control by its name ("Unthrottled", "Pattern Mode"). */
int camera_set_control(struct camera *cam, const char *name, int32_t value);

/*
 * S_FMT to fourcc (DRM) width x height and S_PARM to fps, then fills
 * cam->layout from what the driver chose; the driver must take the format
 * and size exactly.
 */
int camera_configure(struct camera *cam, uint32_t fourcc, uint32_t width, uint32_t height,
		     uint32_t fps);

/* True when configuring fourcc will give a buffer per plane (NV12M, NV21M). */
bool camera_fd_per_plane(const struct camera *cam, uint32_t fourcc);

/* REQBUFS MMAP, then QUERYBUF + v4l2_mmap + EXPBUF of each buffer. */
int camera_alloc_mmap(struct camera *cam, uint32_t count);

/* REQBUFS DMABUF for count buffers of at least size bytes each. */
int camera_alloc_dmabuf(struct camera *cam, uint32_t count);

/* QBUF buffer index (DMABUF: with its nfds dmabuf_fds, which the caller keeps open). */
int camera_queue(struct camera *cam, uint32_t index, const int *dmabuf_fds);

int camera_stream(struct camera *cam, bool on);

/* DQBUF one filled buffer (blocking unless poll said it is ready). */
int camera_dequeue(struct camera *cam, struct camera_frame *frame);

/* STREAMOFF, unmap, close the exported fds, REQBUFS 0, close the device. */
void camera_close(struct camera *cam);

#endif /* PRODUCER_CAMERA_H */
