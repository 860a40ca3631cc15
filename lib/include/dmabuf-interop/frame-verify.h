/* SPDX-License-Identifier: MIT */
/*
 * Reading and verifying frames in userspace, over the shared definitions of
 * include/dmabuf-interop/frame-stamp.h (the 40-byte stamp at byte 0 of plane
 * 0) and frame-pattern.h (every sample a pure function of x, y and seq).
 *
 * The functions read a mapped buffer (mmap of the dma-buf, bracketed by the
 * caller with DMA_BUF_IOCTL_SYNC START/END) described by its layout. Sample
 * placement, as frame-pattern.h defines it:
 *   XRGB8888/ARGB8888  little-endian u32 frame_pattern_xrgb(x, y, seq) per pixel
 *   YUYV               row y, pair i: luma(2i, y) cb(i, y) luma(2i+1, y) cr(i, y)
 *   RGB565             little-endian u16 frame_pattern_rgb565(x, y, seq) per pixel
 *   NV12, NV16         plane 0 row y: luma(x, y); plane 1 row cy: cb(cx, cy) cr(cx, cy)
 *   NV21               as NV12, plane 1 row cy: cr(cx, cy) cb(cx, cy)
 *   YUV420             plane 0 luma(x, y); plane 1 cb(cx, cy); plane 2 cr(cx, cy)
 * Bytes between a row's end and its pitch are not checked; the stamp's bytes
 * replace the pattern at the start of plane 0.
 */
#ifndef DMABUF_INTEROP_FRAME_VERIFY_H
#define DMABUF_INTEROP_FRAME_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "dmabuf-interop/frame-stamp.h"
#include "dmabuf-interop/layout.h"
#include "dmabuf-interop/status.h"

/* Where a frame first differs from the pattern. */
struct di_mismatch {
	uint32_t plane;
	uint32_t row;	 /* row of the plane */
	uint32_t byte;	 /* byte within the row */
	uint64_t offset; /* byte within the buffer */
	uint8_t expected;
	uint8_t actual;
};

/*
 * Copies the stamp at plane 0 of map into *stamp and checks that it is
 * intact (magic, version, size, checksum; err names the first bad one).
 * DI_ERR_STAMP, or DI_ERR_LAYOUT when map_size cannot hold it.
 */
enum di_status di_stamp_read(const void *map, size_t map_size, const struct di_layout *layout,
			     struct frame_stamp *stamp, struct di_error *err);

/*
 * di_stamp_read() plus: the stamp is frame seq, in the layout's format and
 * size. stamp may be NULL.
 */
enum di_status di_stamp_verify(const void *map, size_t map_size, const struct di_layout *layout,
			       uint64_t seq, struct frame_stamp *stamp, struct di_error *err);

/*
 * Compares the pattern of frame seq with map. rows limits the check to the
 * first rows image rows (FRAME_PATTERN_STAMP_ONLY_ROWS for frames written in
 * "stamp only" mode; a half-height chroma plane then checks (rows + 1) / 2 rows);
 * 0 checks every row. On DI_ERR_PATTERN *where (may be NULL) says which byte.
 * Does not check the stamp: call di_stamp_verify() for that.
 */
enum di_status di_pattern_verify(const void *map, size_t map_size, const struct di_layout *layout,
				 uint64_t seq, uint32_t rows, struct di_mismatch *where,
				 struct di_error *err);

/*
 * Writes frame seq, pattern and stamp, into map as fakecam would (for tests
 * and for software producers). DI_ERR_LAYOUT when map_size is too small.
 */
enum di_status di_frame_fill(void *map, size_t map_size, const struct di_layout *layout,
			     uint64_t seq, uint64_t timestamp_ns, struct di_error *err);

/*
 * The same for a buffer of several fds (layout fd_per_plane): maps[i] and
 * sizes[i] are the mapping of the buffer's fd i, di_layout_fds() of them.
 * Mismatch offsets are then within the plane's own fd.
 */
enum di_status di_stamp_read_fds(const void *const *maps, const size_t *sizes,
				 const struct di_layout *layout, struct frame_stamp *stamp,
				 struct di_error *err);
enum di_status di_stamp_verify_fds(const void *const *maps, const size_t *sizes,
				   const struct di_layout *layout, uint64_t seq,
				   struct frame_stamp *stamp, struct di_error *err);
enum di_status di_pattern_verify_fds(const void *const *maps, const size_t *sizes,
				     const struct di_layout *layout, uint64_t seq, uint32_t rows,
				     struct di_mismatch *where, struct di_error *err);
enum di_status di_frame_fill_fds(void *const *maps, const size_t *sizes,
				 const struct di_layout *layout, uint64_t seq,
				 uint64_t timestamp_ns, struct di_error *err);

#endif /* DMABUF_INTEROP_FRAME_VERIFY_H */
