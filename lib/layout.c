// SPDX-License-Identifier: MIT
/* Pixel formats and plane layouts (layout.h). */
#include <stddef.h>

#include "dmabuf-interop/layout.h"

static const struct di_format_info formats[] = {
    {DI_FOURCC_XRGB8888, "XRGB8888", 1, {4}, {1}, {1}, 1, 1},
    {DI_FOURCC_ARGB8888, "ARGB8888", 1, {4}, {1}, {1}, 1, 1},
    /* Y plane, then interleaved CbCr at half resolution both ways. */
    {DI_FOURCC_NV12, "NV12", 2, {1, 2}, {1, 2}, {1, 2}, 2, 2},
    /* Y0 Cb Y1 Cr: four bytes per pixel pair. */
    {DI_FOURCC_YUYV, "YUYV", 1, {4}, {2}, {1}, 2, 1},
    /* NV12 with CrCb. */
    {DI_FOURCC_NV21, "NV21", 2, {1, 2}, {1, 2}, {1, 2}, 2, 2},
    /* NV12 with the CbCr plane at full height. */
    {DI_FOURCC_NV16, "NV16", 2, {1, 2}, {1, 2}, {1, 1}, 2, 1},
    /* Y, Cb and Cr planes, chroma at half resolution both ways. */
    {DI_FOURCC_YUV420, "YUV420", 3, {1, 1, 1}, {1, 2, 2}, {1, 2, 2}, 2, 2},
    {DI_FOURCC_RGB565, "RGB565", 1, {2}, {1}, {1}, 1, 1},
};

const struct di_format_info *di_format_lookup(uint32_t fourcc)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fourcc == fourcc)
			return &formats[i];
	return NULL;
}

const char *di_fourcc_str(uint32_t fourcc, char buf[5])
{
	int i;

	for (i = 0; i < 4; i++) {
		char c = (char)(fourcc >> (8 * i));

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

uint64_t di_layout_row_bytes(const struct di_format_info *info, uint32_t plane, uint32_t width)
{
	uint64_t groups = ((uint64_t)width + info->hsub[plane] - 1) / info->hsub[plane];

	return groups * info->cpp[plane];
}

uint32_t di_layout_plane_rows(const struct di_format_info *info, uint32_t plane, uint32_t height)
{
	return (uint32_t)(((uint64_t)height + info->vsub[plane] - 1) / info->vsub[plane]);
}

static uint64_t plane_end(const struct di_format_info *info, const struct di_layout *l,
			  uint32_t plane)
{
	return (uint64_t)l->offset[plane] +
	       (uint64_t)l->pitch[plane] * di_layout_plane_rows(info, plane, l->height);
}

uint64_t di_layout_plane_end(const struct di_layout *l, uint32_t plane)
{
	const struct di_format_info *info = di_format_lookup(l->fourcc);

	if (!info || plane >= info->num_planes)
		return 0;
	return plane_end(info, l, plane);
}

uint32_t di_layout_fds(const struct di_layout *l)
{
	return l->fd_per_plane ? l->num_planes : 1;
}

uint32_t di_layout_plane_fd(const struct di_layout *l, uint32_t plane)
{
	return l->fd_per_plane ? plane : 0;
}

uint64_t di_layout_fd_size(const struct di_layout *l, uint32_t fd)
{
	return l->fd_per_plane ? di_layout_plane_end(l, fd) : di_layout_size(l);
}

enum di_status di_layout_check(const struct di_layout *l, struct di_error *err)
{
	const struct di_format_info *info = di_format_lookup(l->fourcc);
	uint64_t prev_end = 0;
	char fcc[5];
	uint32_t i;

	if (!info)
		return di_error_set(err, DI_ERR_FIELD, 0, "unknown pixel format '%s' (0x%08x)",
				    di_fourcc_str(l->fourcc, fcc), l->fourcc);
	if (l->modifier != DI_MODIFIER_LINEAR)
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "modifier 0x%016llx is not supported (only LINEAR)",
				    (unsigned long long)l->modifier);
	if (l->width < 1 || l->width > DI_DIM_MAX || l->height < 1 || l->height > DI_DIM_MAX)
		return di_error_set(err, DI_ERR_FIELD, 0, "size %ux%u outside 1x1..%ux%u", l->width,
				    l->height, DI_DIM_MAX, DI_DIM_MAX);
	if (l->width % info->width_align || l->height % info->height_align)
		return di_error_set(err, DI_ERR_LAYOUT, 0,
				    "%s needs width a multiple of %u and height of %u, got %ux%u",
				    info->name, info->width_align, info->height_align, l->width,
				    l->height);
	if (l->num_planes != info->num_planes)
		return di_error_set(err, DI_ERR_LAYOUT, 0, "%s has %u plane(s), layout declares %u",
				    info->name, info->num_planes, l->num_planes);
	for (i = info->num_planes; i < DI_MAX_PLANES; i++)
		if (l->offset[i] || l->pitch[i])
			return di_error_set(err, DI_ERR_FIELD, 0,
					    "unused plane %u has offset %u pitch %u (must be 0)", i,
					    l->offset[i], l->pitch[i]);
	for (i = 0; i < info->num_planes; i++) {
		uint64_t row = di_layout_row_bytes(info, i, l->width);

		if (l->pitch[i] < row)
			return di_error_set(err, DI_ERR_LAYOUT, 0,
					    "plane %u pitch %u is smaller than a row of %llu bytes",
					    i, l->pitch[i], (unsigned long long)row);
		if (!l->fd_per_plane && l->offset[i] < prev_end)
			return di_error_set(err, DI_ERR_LAYOUT, 0,
					    "plane %u at offset %u overlaps the previous plane, "
					    "which ends at %llu",
					    i, l->offset[i], (unsigned long long)prev_end);
		prev_end = plane_end(info, l, i);
	}
	return DI_OK;
}

uint64_t di_layout_size(const struct di_layout *l)
{
	const struct di_format_info *info = di_format_lookup(l->fourcc);
	uint64_t size = 0;
	uint32_t i;

	if (!info)
		return 0;
	for (i = 0; i < info->num_planes && i < l->num_planes; i++) {
		uint64_t end = plane_end(info, l, i);

		if (end > size)
			size = end;
	}
	return size;
}

enum di_status di_layout_init(struct di_layout *l, uint32_t fourcc, uint32_t width, uint32_t height,
			      uint32_t pitch_align, struct di_error *err)
{
	const struct di_format_info *info = di_format_lookup(fourcc);
	uint64_t offset = 0;
	uint32_t i;

	*l = (struct di_layout){.fourcc = fourcc, .width = width, .height = height};
	if (!info || width < 1 || width > DI_DIM_MAX || height < 1 || height > DI_DIM_MAX)
		return di_layout_check(l, err);
	if (pitch_align == 0 || (pitch_align & (pitch_align - 1)))
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "pitch alignment %u is not a power of two", pitch_align);
	l->num_planes = info->num_planes;
	for (i = 0; i < info->num_planes; i++) {
		uint64_t pitch = di_layout_row_bytes(info, i, width);

		pitch = (pitch + pitch_align - 1) & ~(uint64_t)(pitch_align - 1);
		if (pitch > UINT32_MAX || offset > UINT32_MAX)
			return di_error_set(err, DI_ERR_LAYOUT, 0,
					    "%ux%u does not fit 32-bit pitches and offsets", width,
					    height);
		l->pitch[i] = (uint32_t)pitch;
		l->offset[i] = (uint32_t)offset;
		offset += pitch * di_layout_plane_rows(info, i, height);
	}
	return di_layout_check(l, err);
}

enum di_status di_layout_init_fd_per_plane(struct di_layout *l, uint32_t fourcc, uint32_t width,
					   uint32_t height, uint32_t pitch_align, struct di_error *err)
{
	enum di_status st = di_layout_init(l, fourcc, width, height, pitch_align, err);
	uint32_t i;

	if (st != DI_OK)
		return st;
	l->fd_per_plane = true;
	for (i = 0; i < l->num_planes; i++)
		l->offset[i] = 0;
	return DI_OK;
}
