/* SPDX-License-Identifier: MIT */
/*
 * CPU access to a received buffer: mmap of the dma-buf fd, and the
 * DMA_BUF_IOCTL_SYNC START/END pair that must bracket every CPU read or
 * write so that the exporter can keep caches coherent. The frame check the
 * consumer runs per frame lives here too, so that the pair is always
 * balanced: END is issued whenever START succeeded, whatever the check found.
 */
#ifndef DMABUF_INTEROP_BUFFER_ACCESS_H
#define DMABUF_INTEROP_BUFFER_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmabuf-interop/frame-verify.h"

struct di_buffer_map {
	int fd;	    /* not owned: the caller closes it */
	void *addr; /* NULL when not mapped */
	size_t size;
	bool writable;
};

/* How much of each frame the consumer checks (its --verify option). */
enum di_verify {
	DI_VERIFY_NONE,	 /* nothing, not even mapped access */
	DI_VERIFY_STAMP, /* the stamp: right frame, intact */
	DI_VERIFY_FULL,	 /* the stamp and every byte of the pattern */
};

/* Maps size bytes of fd shared, read-only or read-write. */
enum di_status di_buffer_map(int fd, size_t size, bool writable, struct di_buffer_map *map,
			     struct di_error *err);

/* Unmaps (if mapped); the fd stays open. */
void di_buffer_unmap(struct di_buffer_map *map);

/*
 * DMA_BUF_IOCTL_SYNC with START or END, for reading or writing (EINTR and
 * EAGAIN retried as the uapi asks). DI_ERR_SYS names the fd and the flags.
 */
enum di_status di_buffer_sync(int fd, bool start, bool write, struct di_error *err);

/*
 * Checks frame seq in a mapped buffer as mode says (rows as for
 * di_pattern_verify()), between SYNC_START(READ) and SYNC_END(READ) on each
 * of its fds. maps: one per fd of the buffer, di_layout_fds(layout) of them.
 * stamp and where may be NULL. The check's status is returned; a failing
 * SYNC_END is reported only when the check itself passed.
 */
enum di_status di_frame_verify_mapped(const struct di_buffer_map *maps,
				      const struct di_layout *layout, uint64_t seq,
				      enum di_verify mode, uint32_t rows, struct frame_stamp *stamp,
				      struct di_mismatch *where, struct di_error *err);

/* "none", "stamp", "full" -> mode; DI_ERR_FIELD for anything else. */
enum di_status di_verify_parse(const char *text, enum di_verify *mode, struct di_error *err);

#endif /* DMABUF_INTEROP_BUFFER_ACCESS_H */
