// SPDX-License-Identifier: MIT
/*
 * Frame stamp and test pattern, read and written in userspace
 * (frame-verify.h). Rows of the expected pattern are generated into a
 * scratch row and compared with memcmp, so a full check of a 1080p frame
 * costs about two passes over it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf-interop/frame-verify.h"

#include "dmabuf-interop/frame-pattern.h"

/* Writes the bytes of row `row` of `plane` of frame seq into out. */
static void pattern_row(const struct di_layout *l, uint32_t plane, uint32_t row, uint64_t seq,
			uint8_t *out)
{
	uint32_t x, i, cb_at;

	switch (l->fourcc) {
	case DI_FOURCC_XRGB8888:
	case DI_FOURCC_ARGB8888:
		for (x = 0; x < l->width; x++) {
			__u32 v = frame_pattern_xrgb(x, row, seq);

			out[4 * x] = (uint8_t)v;
			out[4 * x + 1] = (uint8_t)(v >> 8);
			out[4 * x + 2] = (uint8_t)(v >> 16);
			out[4 * x + 3] = (uint8_t)(v >> 24);
		}
		break;
	case DI_FOURCC_YUYV:
		for (i = 0; i < l->width / 2; i++) {
			out[4 * i] = frame_pattern_luma(2 * i, row, seq);
			out[4 * i + 1] = frame_pattern_cb(i, row, seq);
			out[4 * i + 2] = frame_pattern_luma(2 * i + 1, row, seq);
			out[4 * i + 3] = frame_pattern_cr(i, row, seq);
		}
		break;
	case DI_FOURCC_RGB565:
		for (x = 0; x < l->width; x++) {
			__u16 v = frame_pattern_rgb565(x, row, seq);

			out[2 * x] = (uint8_t)v;
			out[2 * x + 1] = (uint8_t)(v >> 8);
		}
		break;
	case DI_FOURCC_NV12:
	case DI_FOURCC_NV21:
	case DI_FOURCC_NV16:
		if (plane == 0) {
			for (x = 0; x < l->width; x++)
				out[x] = frame_pattern_luma(x, row, seq);
			break;
		}
		cb_at = l->fourcc == DI_FOURCC_NV21; /* byte of Cb in a pair */
		for (i = 0; i < l->width / 2; i++) {
			out[2 * i + cb_at] = frame_pattern_cb(i, row, seq);
			out[2 * i + !cb_at] = frame_pattern_cr(i, row, seq);
		}
		break;
	case DI_FOURCC_YUV420:
		for (i = 0; i < (plane ? l->width / 2 : l->width); i++)
			out[i] = plane == 0   ? frame_pattern_luma(i, row, seq)
				 : plane == 1 ? frame_pattern_cb(i, row, seq)
					      : frame_pattern_cr(i, row, seq);
		break;
	}
}

/* Every fd's mapping holds its planes, and plane 0's the stamp. */
static enum di_status check_maps(const size_t *sizes, const struct di_layout *l,
				 struct di_error *err)
{
	enum di_status st = di_layout_check(l, err);
	uint32_t fd;

	if (st != DI_OK)
		return st;
	for (fd = 0; fd < di_layout_fds(l); fd++) {
		uint64_t need = di_layout_fd_size(l, fd);

		if (fd == 0 && need < l->offset[0] + (uint64_t)FRAME_STAMP_SIZE)
			need = l->offset[0] + (uint64_t)FRAME_STAMP_SIZE;
		if (sizes[fd] < need && !l->fd_per_plane)
			return di_error_set(err, DI_ERR_LAYOUT, 0,
					    "mapping of %zu bytes is smaller than the frame's %llu",
					    sizes[fd], (unsigned long long)need);
		if (sizes[fd] < need)
			return di_error_set(err, DI_ERR_LAYOUT, 0,
					    "mapping of %zu bytes is smaller than plane %u's %llu",
					    sizes[fd], fd, (unsigned long long)need);
	}
	return DI_OK;
}

enum di_status di_stamp_read_fds(const void *const *maps, const size_t *sizes,
				 const struct di_layout *l, struct frame_stamp *s,
				 struct di_error *err)
{
	enum di_status st = check_maps(sizes, l, err);

	if (st != DI_OK)
		return st;
	memcpy(s, (const uint8_t *)maps[0] + l->offset[0], sizeof(*s));
	if (s->magic != FRAME_STAMP_MAGIC)
		return di_error_set(err, DI_ERR_STAMP, 0,
				    "no frame stamp: magic 0x%08x, not 0x%08x", s->magic,
				    FRAME_STAMP_MAGIC);
	if (s->version != FRAME_STAMP_VERSION || s->size != FRAME_STAMP_SIZE)
		return di_error_set(err, DI_ERR_STAMP, 0,
				    "frame stamp version %u size %u, expected version %u size %u",
				    s->version, s->size, FRAME_STAMP_VERSION, FRAME_STAMP_SIZE);
	if (s->checksum != frame_stamp_checksum(s))
		return di_error_set(err, DI_ERR_STAMP, 0,
				    "frame stamp checksum 0x%08x, its bytes give 0x%08x (torn or "
				    "overwritten)",
				    s->checksum, frame_stamp_checksum(s));
	return DI_OK;
}

enum di_status di_stamp_read(const void *map, size_t map_size, const struct di_layout *l,
			     struct frame_stamp *s, struct di_error *err)
{
	return di_stamp_read_fds(&map, &map_size, l, s, err);
}

enum di_status di_stamp_verify_fds(const void *const *maps, const size_t *sizes,
				   const struct di_layout *l, uint64_t seq, struct frame_stamp *out,
				   struct di_error *err)
{
	struct frame_stamp s;
	enum di_status st = di_stamp_read_fds(maps, sizes, l, &s, err);
	char have[5], want[5];

	if (out)
		*out = s;
	if (st != DI_OK)
		return st;
	if (s.seq != seq)
		return di_error_set(err, DI_ERR_STAMP, 0,
				    "stamp is frame %llu, expected frame %llu",
				    (unsigned long long)s.seq, (unsigned long long)seq);
	if (s.fourcc != l->fourcc || s.width != l->width || s.height != l->height)
		return di_error_set(err, DI_ERR_STAMP, 0,
				    "stamp says %s %ux%u, the pool is %s %ux%u",
				    di_fourcc_str(s.fourcc, have), s.width, s.height,
				    di_fourcc_str(l->fourcc, want), l->width, l->height);
	return DI_OK;
}

enum di_status di_stamp_verify(const void *map, size_t map_size, const struct di_layout *l,
			       uint64_t seq, struct frame_stamp *out, struct di_error *err)
{
	return di_stamp_verify_fds(&map, &map_size, l, seq, out, err);
}

static uint32_t rows_to_check(const struct di_format_info *info, uint32_t plane,
			      const struct di_layout *l, uint32_t rows)
{
	uint32_t all = di_layout_plane_rows(info, plane, l->height);

	if (rows == 0 || rows >= l->height)
		return all;
	return di_layout_plane_rows(info, plane, rows);
}

enum di_status di_pattern_verify_fds(const void *const *maps, const size_t *sizes,
				     const struct di_layout *l, uint64_t seq, uint32_t rows,
				     struct di_mismatch *where, struct di_error *err)
{
	const struct di_format_info *info = di_format_lookup(l->fourcc);
	const uint64_t stamp_end = l->offset[0] + (uint64_t)FRAME_STAMP_SIZE;
	enum di_status st = check_maps(sizes, l, err);
	uint64_t longest = 0;
	uint8_t *expect;
	uint32_t plane;

	if (st != DI_OK)
		return st;
	for (plane = 0; plane < info->num_planes; plane++)
		if (di_layout_row_bytes(info, plane, l->width) > longest)
			longest = di_layout_row_bytes(info, plane, l->width);
	expect = malloc(longest);
	if (!expect)
		return di_error_set(err, DI_ERR_SYS, ENOMEM, "no memory for a row of %llu bytes",
				    (unsigned long long)longest);
	for (plane = 0; plane < info->num_planes; plane++) {
		uint32_t n = rows_to_check(info, plane, l, rows);
		uint64_t row_bytes = di_layout_row_bytes(info, plane, l->width);
		uint32_t row;

		for (row = 0; row < n; row++) {
			uint64_t start = l->offset[plane] + (uint64_t)row * l->pitch[plane];
			const uint8_t *have =
			    (const uint8_t *)maps[di_layout_plane_fd(l, plane)] + start;
			uint64_t b;

			pattern_row(l, plane, row, seq, expect);
			/* The stamp's bytes are not pattern: take them as they are. */
			for (b = start; b < stamp_end && b < start + row_bytes; b++)
				if (b >= l->offset[0] && di_layout_plane_fd(l, plane) == 0)
					expect[b - start] = have[b - start];
			if (!memcmp(expect, have, row_bytes))
				continue;
			for (b = 0; expect[b] == have[b]; b++)
				;
			if (where)
				*where = (struct di_mismatch){
				    .plane = plane,
				    .row = row,
				    .byte = (uint32_t)b,
				    .offset = start + b,
				    .expected = expect[b],
				    .actual = have[b],
				};
			st =
			    di_error_set(err, DI_ERR_PATTERN, 0,
					 "frame %llu differs from the pattern at plane %u row %u "
					 "byte %llu (buffer offset %llu): 0x%02x, expected 0x%02x",
					 (unsigned long long)seq, plane, row, (unsigned long long)b,
					 (unsigned long long)(start + b), have[b], expect[b]);
			free(expect);
			return st;
		}
	}
	free(expect);
	return DI_OK;
}

enum di_status di_pattern_verify(const void *map, size_t map_size, const struct di_layout *l,
				 uint64_t seq, uint32_t rows, struct di_mismatch *where,
				 struct di_error *err)
{
	return di_pattern_verify_fds(&map, &map_size, l, seq, rows, where, err);
}

enum di_status di_frame_fill_fds(void *const *maps, const size_t *sizes,
				 const struct di_layout *l, uint64_t seq, uint64_t timestamp_ns,
				 struct di_error *err)
{
	const struct di_format_info *info = di_format_lookup(l->fourcc);
	enum di_status st = check_maps(sizes, l, err);
	struct frame_stamp s;
	uint32_t plane, row;

	if (st != DI_OK)
		return st;
	for (plane = 0; plane < info->num_planes; plane++)
		for (row = 0; row < di_layout_plane_rows(info, plane, l->height); row++)
			pattern_row(l, plane, row, seq,
				    (uint8_t *)maps[di_layout_plane_fd(l, plane)] + l->offset[plane] +
					(uint64_t)row * l->pitch[plane]);
	frame_stamp_fill(&s, seq, timestamp_ns, l->fourcc, l->width, l->height);
	memcpy((uint8_t *)maps[0] + l->offset[0], &s, sizeof(s));
	return DI_OK;
}

enum di_status di_frame_fill(void *map, size_t map_size, const struct di_layout *l, uint64_t seq,
			     uint64_t timestamp_ns, struct di_error *err)
{
	return di_frame_fill_fds(&map, &map_size, l, seq, timestamp_ns, err);
}
