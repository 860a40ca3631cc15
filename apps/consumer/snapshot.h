/* SPDX-License-Identifier: MIT */
/*
 * --snapshot FILE.png: a displayed frame written as an 8-bit RGB PNG
 * (libpng). The frame is read through the buffer's mmap between
 * DMA_BUF_IOCTL_SYNC START and END; YUV formats are converted with BT.601
 * limited-range coefficients.
 */
#ifndef CONSUMER_SNAPSHOT_H
#define CONSUMER_SNAPSHOT_H

#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/layout.h"

/* Writes the frame in the dma-buf fd (mapped here for the read) to path. */
int snapshot_png(const char *path, int fd, const struct di_layout *layout, struct di_error *err);

#endif /* CONSUMER_SNAPSHOT_H */
