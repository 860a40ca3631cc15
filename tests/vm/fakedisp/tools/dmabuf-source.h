/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Where the test's dma-bufs come from: vgem dumb buffers (PRIME export),
 * V4L2 capture buffers of vivid or fakecam (VIDIOC_EXPBUF), or fakedisp's
 * own dumb buffers (PRIME export, then import back).
 */
#ifndef DMABUF_SOURCE_H
#define DMABUF_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOURCE_MAX_BUFFERS 4

struct dmabuf_frame {
	int fd;
	size_t size;
	int planes;
	uint32_t pitches[4];
	uint32_t offsets[4];
};

struct dmabuf_source {
	const char *kind;
	int dev;     /* vgem card, V4L2 node or fakedisp card; -1 when none */
	bool own_dev; /* close dev at the end */
	bool streaming;
	uint32_t fourcc, width, height;
	unsigned int count;
	struct dmabuf_frame bufs[SOURCE_MAX_BUFFERS];
};

/* kind: vgem, vivid, fakecam or dumb (needs @fakedisp_fd). */
bool source_open(struct dmabuf_source *s, const char *kind, uint32_t fourcc, uint32_t width,
		 uint32_t height, unsigned int count, int fakedisp_fd);
/* V4L2 sources: give buffer @index back to the driver. */
bool source_queue(struct dmabuf_source *s, unsigned int index);
/* V4L2 sources: the next filled buffer's index and sequence; false on error. */
bool source_dequeue(struct dmabuf_source *s, unsigned int *index, uint32_t *sequence);
/* Closes the dma-buf fds and the device. */
void source_close(struct dmabuf_source *s);

#endif
