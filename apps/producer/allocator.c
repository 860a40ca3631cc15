// SPDX-License-Identifier: MIT
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "allocator.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#define HEAP_PATH    "/dev/dma_heap/system"
#define UDMABUF_PATH "/dev/udmabuf"

static const char *const names[] = {
    [ALLOCATOR_CAMERA] = "camera",
    [ALLOCATOR_HEAP] = "heap",
    [ALLOCATOR_UDMABUF] = "udmabuf",
};

int allocator_parse(const char *text, enum allocator *a)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(text, names[i])) {
			*a = (enum allocator)i;
			return 0;
		}
	}
	return -1;
}

const char *allocator_name(enum allocator a)
{
	return names[a];
}

/* Opens a device node, saying which kernel option provides it when it is missing. */
static int open_device(const char *path, const char *config)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "producer: cannot open %s: %s%s%s%s\n", path, strerror(errno),
			errno == ENOENT ? " (the kernel has no " : "",
			errno == ENOENT ? config : "",
			errno == ENOENT ? ": Debian's 6.1 kernel is built without it)" : "");
	return fd;
}

static int heap_alloc(uint64_t size)
{
	struct dma_heap_allocation_data data = {.len = size, .fd_flags = O_RDWR | O_CLOEXEC};
	int heap = open_device(HEAP_PATH, "CONFIG_DMABUF_HEAPS_SYSTEM");

	if (heap < 0)
		return -1;
	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
		fprintf(stderr, "producer: DMA_HEAP_IOCTL_ALLOC of %llu bytes on %s failed: %s\n",
			(unsigned long long)size, HEAP_PATH, strerror(errno));
		close(heap);
		return -1;
	}
	close(heap);
	return (int)data.fd;
}

/* udmabuf wants the memfd sealed against shrinking, and whole pages. */
static int udmabuf_alloc(uint64_t size)
{
	struct udmabuf_create create = {.flags = UDMABUF_FLAGS_CLOEXEC, .size = size};
	int dev, memfd, fd = -1;

	dev = open_device(UDMABUF_PATH, "CONFIG_UDMABUF");
	if (dev < 0)
		return -1;
	memfd = memfd_create("producer-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, (off_t)size) < 0 ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		fprintf(stderr, "producer: a sealed memfd of %llu bytes: %s\n",
			(unsigned long long)size, strerror(errno));
		goto out;
	}
	create.memfd = (uint32_t)memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		fprintf(stderr, "producer: UDMABUF_CREATE of %llu bytes failed: %s\n",
			(unsigned long long)size, strerror(errno));
out:
	if (memfd >= 0)
		close(memfd); /* the dma-buf holds the pages */
	close(dev);
	return fd;
}

int allocator_alloc(enum allocator a, uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	size = (size + page - 1) / page * page;
	return a == ALLOCATOR_HEAP ? heap_alloc(size) : udmabuf_alloc(size);
}
