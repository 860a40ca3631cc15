/* SPDX-License-Identifier: MIT */
/*
 * The producer's third-party allocators (--allocator): dma-bufs made by
 * neither the camera nor the display, as libcamera, Android and PipeWire
 * make them, then queued to the camera as V4L2_MEMORY_DMABUF and lent to
 * the consumer, which imports them into the display:
 *   heap     DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/system
 *   udmabuf  a sealed memfd turned into a dma-buf by UDMABUF_CREATE
 */
#ifndef PRODUCER_ALLOCATOR_H
#define PRODUCER_ALLOCATOR_H

#include <stdint.h>

enum allocator {
	ALLOCATOR_CAMERA, /* V4L2 MMAP buffers exported with EXPBUF (the default) */
	ALLOCATOR_HEAP,
	ALLOCATOR_UDMABUF,
};

/* "camera", "heap", "udmabuf" -> *a; -1 for anything else. */
int allocator_parse(const char *text, enum allocator *a);

const char *allocator_name(enum allocator a);

/*
 * A new dma-buf of at least size bytes (rounded up to whole pages) from a;
 * the fd, or -1 with a message saying what is missing.
 */
int allocator_alloc(enum allocator a, uint64_t size);

#endif /* PRODUCER_ALLOCATOR_H */
