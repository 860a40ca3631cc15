// SPDX-License-Identifier: MIT
/* mmap and DMA_BUF_IOCTL_SYNC around CPU access to a buffer (buffer-access.h). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>

#include "dmabuf-interop/buffer-access.h"

enum di_status di_buffer_map(int fd, size_t size, bool writable, struct di_buffer_map *map,
			     struct di_error *err)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *addr;

	*map = (struct di_buffer_map){.fd = fd};
	if (size == 0)
		return di_error_set(err, DI_ERR_FIELD, 0, "cannot map 0 bytes of fd %d", fd);
	addr = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED)
		return di_error_set(err, DI_ERR_SYS, errno, "mmap(fd %d, %zu bytes, %s): %s", fd,
				    size, writable ? "read-write" : "read-only", strerror(errno));
	map->addr = addr;
	map->size = size;
	map->writable = writable;
	return DI_OK;
}

void di_buffer_unmap(struct di_buffer_map *map)
{
	if (map->addr)
		munmap(map->addr, map->size);
	map->addr = NULL;
	map->size = 0;
}

enum di_status di_buffer_sync(int fd, bool start, bool write, struct di_error *err)
{
	struct dma_buf_sync sync = {
	    .flags = (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) |
		     (write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ),
	};
	int ret;

	do {
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	if (ret < 0)
		return di_error_set(
		    err, DI_ERR_SYS, errno, "DMA_BUF_IOCTL_SYNC(%s|%s) on fd %d: %s",
		    start ? "START" : "END", write ? "RW" : "READ", fd, strerror(errno));
	return DI_OK;
}

/* SYNC_END on maps[0..n), the first failure reported when err is not NULL. */
static enum di_status sync_end_all(const struct di_buffer_map *maps, uint32_t n,
				   struct di_error *err)
{
	enum di_status st = DI_OK, end;
	uint32_t i;

	for (i = 0; i < n; i++) {
		end = di_buffer_sync(maps[i].fd, false, false, st == DI_OK ? err : NULL);
		if (st == DI_OK)
			st = end;
	}
	return st;
}

enum di_status di_frame_verify_mapped(const struct di_buffer_map *maps,
				      const struct di_layout *layout, uint64_t seq,
				      enum di_verify mode, uint32_t rows, struct frame_stamp *stamp,
				      struct di_mismatch *where, struct di_error *err)
{
	const uint32_t n = di_layout_fds(layout);
	const void *addr[DI_MAX_PLANES];
	size_t size[DI_MAX_PLANES];
	enum di_status st = DI_OK, end;
	uint32_t i;

	if (mode == DI_VERIFY_NONE)
		return DI_OK;
	for (i = 0; i < n; i++) {
		if (!maps[i].addr)
			return di_error_set(err, DI_ERR_STATE, 0, "fd %d is not mapped", maps[i].fd);
		addr[i] = maps[i].addr;
		size[i] = maps[i].size;
	}
	for (i = 0; i < n && st == DI_OK; i++)
		st = di_buffer_sync(maps[i].fd, true, false, err);
	if (st != DI_OK) {
		sync_end_all(maps, i - 1, NULL);
		return st;
	}
	st = di_stamp_verify_fds(addr, size, layout, seq, stamp, err);
	if (st == DI_OK && mode == DI_VERIFY_FULL)
		st = di_pattern_verify_fds(addr, size, layout, seq, rows, where, err);
	/* Balanced whatever the check found; its failure must not hide the check's. */
	end = sync_end_all(maps, n, st == DI_OK ? err : NULL);
	return st != DI_OK ? st : end;
}

enum di_status di_verify_parse(const char *text, enum di_verify *mode, struct di_error *err)
{
	if (!strcmp(text, "none"))
		*mode = DI_VERIFY_NONE;
	else if (!strcmp(text, "stamp"))
		*mode = DI_VERIFY_STAMP;
	else if (!strcmp(text, "full"))
		*mode = DI_VERIFY_FULL;
	else
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "verify mode '%s' is none of none, stamp, full", text);
	return DI_OK;
}
