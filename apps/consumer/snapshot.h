/* SPDX-License-Identifier: MIT */
/*
 * --snapshot FILE.png: what the screen shows, written as an 8-bit RGB PNG
 * (libpng). The planes on screen are read through their dma-buf mappings,
 * each between DMA_BUF_IOCTL_SYNC START and END, and composed as fakedisp
 * composes them for its CRC (lib/compose.c: zpos order, YUV with BT.601
 * limited range).
 */
#ifndef CONSUMER_SNAPSHOT_H
#define CONSUMER_SNAPSHOT_H

#include <stdint.h>

#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/layout.h"

/* One buffer on the screen: its dma-buf, layout and place. */
struct snapshot_plane {
	const int *fds; /* the buffer's fds, di_layout_fds(layout) of them */
	const struct di_layout *layout;
	int32_t x, y;
	int zpos;
};

/* Composes the n planes on a width x height screen and writes it to path. */
int snapshot_png(const char *path, const struct snapshot_plane *planes, uint32_t n, uint32_t width,
		 uint32_t height, struct di_error *err);

#endif /* CONSUMER_SNAPSHOT_H */
