/* SPDX-License-Identifier: MIT */
/*
 * Frame layouts: which pixel formats the project moves and where each plane
 * of a buffer lies. Every buffer of a pool shares one layout. Either all
 * planes live in the buffer's single fd (NV12 as one buffer, as V4L2's NV12
 * and DRM's single-object NV12 framebuffers do), or, with fd_per_plane, each
 * plane has its own fd and its offset is within that fd (V4L2's NV12M, DRM
 * framebuffers with a handle per plane). Only the LINEAR modifier is
 * supported.
 *
 * The layout is what a POOL message declares and what the fd checks hold
 * each buffer against: the size (lseek SEEK_END) of fd i must cover
 * di_layout_fd_size(layout, i).
 */
#ifndef DMABUF_INTEROP_LAYOUT_H
#define DMABUF_INTEROP_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "dmabuf-interop/status.h"

#define DI_FOURCC(a, b, c, d)                                                                      \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* DRM fourcc values (drm_fourcc.h), spelled out so the library needs no libdrm. */
#define DI_FOURCC_XRGB8888 DI_FOURCC('X', 'R', '2', '4')
#define DI_FOURCC_ARGB8888 DI_FOURCC('A', 'R', '2', '4')
#define DI_FOURCC_NV12	   DI_FOURCC('N', 'V', '1', '2')
#define DI_FOURCC_YUYV	   DI_FOURCC('Y', 'U', 'Y', 'V')
#define DI_FOURCC_NV21	   DI_FOURCC('N', 'V', '2', '1')
#define DI_FOURCC_NV16	   DI_FOURCC('N', 'V', '1', '6')
#define DI_FOURCC_YUV420   DI_FOURCC('Y', 'U', '1', '2')
#define DI_FOURCC_RGB565   DI_FOURCC('R', 'G', '1', '6')

#define DI_MODIFIER_LINEAR 0ull
#define DI_MAX_PLANES	   4
#define DI_DIM_MAX	   16384u /* widest and tallest frame a POOL may declare */

struct di_layout {
	uint32_t fourcc;
	uint32_t width;
	uint32_t height;
	uint32_t num_planes;
	uint64_t modifier;
	uint32_t offset[DI_MAX_PLANES]; /* byte offset of each plane in the buffer */
	uint32_t pitch[DI_MAX_PLANES];	/* bytes from one row of a plane to the next */
	bool fd_per_plane;		/* plane i is in fd i of the buffer, at offset[i] */
};

/* What the library knows about a format; planes beyond num_planes are zero. */
struct di_format_info {
	uint32_t fourcc;
	const char *name;
	uint32_t num_planes;
	uint32_t cpp[DI_MAX_PLANES];  /* bytes per horizontal sample group */
	uint32_t hsub[DI_MAX_PLANES]; /* pixels per sample group */
	uint32_t vsub[DI_MAX_PLANES]; /* image rows per plane row */
	uint32_t width_align;	      /* width must be a multiple of this */
	uint32_t height_align;
};

/* The format's description, or NULL when the library does not know it. */
const struct di_format_info *di_format_lookup(uint32_t fourcc);

/* Writes the four characters of fourcc (printable or '?') and a NUL into buf[5]. */
const char *di_fourcc_str(uint32_t fourcc, char buf[5]);

/* Bytes one row of plane needs at the layout's width (its minimum pitch). */
uint64_t di_layout_row_bytes(const struct di_format_info *info, uint32_t plane, uint32_t width);

/* Number of rows of plane at the given image height. */
uint32_t di_layout_plane_rows(const struct di_format_info *info, uint32_t plane, uint32_t height);

/*
 * Checks a declared layout: known format, LINEAR, dimensions within
 * 1..DI_DIM_MAX and aligned as the format needs, exactly the format's number
 * of planes, unused plane slots zero, every pitch at least one row, and in
 * one fd, planes in ascending order and not overlapping. DI_ERR_FIELD or
 * DI_ERR_LAYOUT. (With fd_per_plane, whether two planes' fds are one file
 * whose planes overlap is for the fd checks to see.)
 */
enum di_status di_layout_check(const struct di_layout *layout, struct di_error *err);

/* Bytes a buffer must have to hold the layout (end of its last plane). */
uint64_t di_layout_size(const struct di_layout *layout);

/* Byte after the last row of plane (offset + pitch * rows, within its fd). */
uint64_t di_layout_plane_end(const struct di_layout *layout, uint32_t plane);

/* Fds one buffer of the layout has: num_planes with fd_per_plane, else 1. */
uint32_t di_layout_fds(const struct di_layout *layout);

/* The fd of the buffer that holds plane: plane with fd_per_plane, else 0. */
uint32_t di_layout_plane_fd(const struct di_layout *layout, uint32_t plane);

/* Bytes fd i of a buffer must have: the end of the last plane it holds. */
uint64_t di_layout_fd_size(const struct di_layout *layout, uint32_t fd);

/*
 * Fills layout with a packed layout of a known format: each pitch is the row
 * size rounded up to pitch_align (a power of two, 1 for none), planes follow
 * each other. DI_ERR_FIELD/DI_ERR_LAYOUT as di_layout_check() would report.
 */
enum di_status di_layout_init(struct di_layout *layout, uint32_t fourcc, uint32_t width,
			      uint32_t height, uint32_t pitch_align, struct di_error *err);

/*
 * di_layout_init(), then each plane in its own fd at offset 0
 * (fd_per_plane), as V4L2's NV12M lays a buffer out.
 */
enum di_status di_layout_init_fd_per_plane(struct di_layout *layout, uint32_t fourcc,
					   uint32_t width, uint32_t height, uint32_t pitch_align,
					   struct di_error *err);

#endif /* DMABUF_INTEROP_LAYOUT_H */
