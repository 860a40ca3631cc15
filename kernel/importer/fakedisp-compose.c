// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp composition: the picture a real display would show for the
 * frames on screen, and the CRC fakedisp reports for it. vkms's composer
 * is the model: planes blended bottom to top over a background into an
 * output of the mode's size, one row at a time. Userspace recomputes it
 * bit for bit (lib/compose.c); docs/fakedisp.md, "The CRC", says the same.
 *
 * Definition, all integer arithmetic:
 *   - output: width x height of the mode, XRGB8888 little endian, i.e.
 *     bytes B, G, R, 0 per pixel, rows of width * 4 bytes with no padding,
 *     starting black (0, 0, 0, 0);
 *   - planes in ascending normalized zpos, each over its visible rectangle
 *     (clipped to the mode, no scaling): output pixel (dst_x + i,
 *     dst_y + j) takes framebuffer pixel (src_x + i, src_y + j);
 *   - XRGB8888: R, G, B as stored, opaque (the X byte is ignored);
 *   - ARGB8888: premultiplied alpha (DRM's default pixel blend mode), per
 *     channel out = min(255, c + (out * (255 - a) + 127) / 255);
 *   - RGB565: opaque, a little-endian u16 per pixel, each channel widened
 *     to 8 bits by repeating its top bits: R = r5 << 3 | r5 >> 2,
 *     G = g6 << 2 | g6 >> 4, B = b5 << 3 | b5 >> 2;
 *   - YUYV, NV12, NV21, NV16 and YUV420: BT.601 limited range, opaque,
 *     chroma of the sample that covers the pixel (framebuffer column x / 2;
 *     row y / 2 for NV12, NV21 and YUV420, row y for NV16 and YUYV; no
 *     interpolation), U and V from where the format keeps them (NV12 and
 *     NV16: U,V pairs in plane 1; NV21: V,U pairs; YUV420: U in plane 1,
 *     V in plane 2), with C = Y - 16, D = U - 128, E = V - 128:
 *       R = clamp((298 C + 409 E + 128) >> 8)
 *       G = clamp((298 C - 100 D - 208 E + 128) >> 8)
 *       B = clamp((298 C + 516 D + 128) >> 8)
 *     clamp() taking a negative sum to 0 (before the shift) and anything
 *     above 255 to 255;
 *   - CRC: CRC-32 as zlib's crc32() (reflected, polynomial 0xedb88320,
 *     initial value and final xor 0xffffffff) of the whole output, rows
 *     from the top.
 * The stamp of a stamped frame is part of its pixels, and so of the CRC.
 */
#include <linux/crc32.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <linux/string.h>

#include <drm/drm_fourcc.h>

#include "fakedisp.h"

static inline u8 clamp_rgb(int v)
{
	if (v < 0)
		return 0;
	v >>= 8;
	return v > 255 ? 255 : v;
}

/* Opaque pixel, in output byte order. */
static inline void put_rgb(u8 *o, u8 r, u8 g, u8 b)
{
	o[0] = b;
	o[1] = g;
	o[2] = r;
	o[3] = 0;
}

static inline void put_yuv(u8 *o, int y, int u, int v)
{
	int c = 298 * (y - 16), d = u - 128, e = v - 128;

	put_rgb(o, clamp_rgb(c + 409 * e + 128),
		clamp_rgb(c - 100 * d - 208 * e + 128),
		clamp_rgb(c + 516 * d + 128));
}

/* RGB565's channels widened to 8 bits, their top bits repeated below. */
static inline u8 rgb565_r(u16 px)
{
	u8 r5 = px >> 11;

	return r5 << 3 | r5 >> 2;
}

static inline u8 rgb565_g(u16 px)
{
	u8 g6 = (px >> 5) & 0x3f;

	return g6 << 2 | g6 >> 4;
}

static inline u8 rgb565_b(u16 px)
{
	u8 b5 = px & 0x1f;

	return b5 << 3 | b5 >> 2;
}

/* Premultiplied: the colour is already scaled by alpha. */
static inline u8 blend(u8 c, u8 under, unsigned int inv)
{
	return min_t(unsigned int, 255, c + (under * inv + 127) / 255);
}

/* Row @fy of @f's framebuffer over @o (its first visible pixel). */
static void blend_row(const struct fakedisp_frame *f, u32 fy, u8 *o)
{
	const u8 *p = f->planes[0] + (size_t)fy * f->pitches[0];
	u32 fx, end = f->src_x + f->width;
	const u8 *uv, *s, *u, *v;
	u16 px;

	switch (f->format) {
	case DRM_FORMAT_XRGB8888:
		for (s = p + f->src_x * 4; s < p + end * 4; s += 4, o += 4)
			put_rgb(o, s[2], s[1], s[0]);
		break;
	case DRM_FORMAT_ARGB8888:
		for (s = p + f->src_x * 4; s < p + end * 4; s += 4, o += 4) {
			unsigned int inv = 255 - s[3];

			o[0] = blend(s[0], o[0], inv);
			o[1] = blend(s[1], o[1], inv);
			o[2] = blend(s[2], o[2], inv);
			o[3] = 0;
		}
		break;
	case DRM_FORMAT_YUYV:
		for (fx = f->src_x; fx < end; fx++, o += 4) {
			s = p + (fx & ~1u) * 2;
			put_yuv(o, s[(fx & 1) * 2], s[1], s[3]);
		}
		break;
	case DRM_FORMAT_NV12:
	case DRM_FORMAT_NV16:
		uv = f->planes[1] + (size_t)(f->format == DRM_FORMAT_NV12 ? fy / 2 : fy) *
				    f->pitches[1];
		for (fx = f->src_x; fx < end; fx++, o += 4)
			put_yuv(o, p[fx], uv[fx & ~1u], uv[fx | 1]);
		break;
	case DRM_FORMAT_NV21:
		uv = f->planes[1] + (size_t)(fy / 2) * f->pitches[1];
		for (fx = f->src_x; fx < end; fx++, o += 4)
			put_yuv(o, p[fx], uv[fx | 1], uv[fx & ~1u]);
		break;
	case DRM_FORMAT_YUV420:
		u = f->planes[1] + (size_t)(fy / 2) * f->pitches[1];
		v = f->planes[2] + (size_t)(fy / 2) * f->pitches[2];
		for (fx = f->src_x; fx < end; fx++, o += 4)
			put_yuv(o, p[fx], u[fx / 2], v[fx / 2]);
		break;
	case DRM_FORMAT_RGB565:
		for (s = p + f->src_x * 2; s < p + end * 2; s += 2, o += 4) {
			px = s[0] | s[1] << 8;
			put_rgb(o, rgb565_r(px), rgb565_g(px), rgb565_b(px));
		}
		break;
	}
}

static int cmp_zpos(const void *a, const void *b)
{
	const struct fakedisp_frame *fa = *(const struct fakedisp_frame *const *)a;
	const struct fakedisp_frame *fb = *(const struct fakedisp_frame *const *)b;

	return (int)fa->zpos - (int)fb->zpos;
}

/*
 * The CRC of the composed screen: @count frames (any order) on a @width x
 * @height mode. @row holds one output row (@width * FAKEDISP_COMPOSE_CPP
 * bytes): the output is never held whole, only fed to the CRC row by row,
 * and copied into the writeback job @wb's buffer unless @wb is NULL.
 * Process context (it yields between rows).
 */
u32 fakedisp_compose(struct fakedisp_frame *const *frames, unsigned int count,
		     u32 width, u32 height, u8 *row, struct fakedisp_wb_job *wb)
{
	struct fakedisp_frame *sorted[FAKEDISP_MAX_PLANES];
	size_t bytes = (size_t)width * FAKEDISP_COMPOSE_CPP;
	unsigned int i;
	u32 crc = ~0u, y;

	count = min_t(unsigned int, count, FAKEDISP_MAX_PLANES);
	memcpy(sorted, frames, count * sizeof(*sorted));
	sort(sorted, count, sizeof(*sorted), cmp_zpos, NULL);

	for (y = 0; y < height; y++) {
		memset(row, 0, bytes);
		for (i = 0; i < count; i++) {
			const struct fakedisp_frame *f = sorted[i];

			if (y < f->dst_y || y >= f->dst_y + f->height ||
			    f->dst_x + f->width > width)
				continue;
			blend_row(f, f->src_y + (y - f->dst_y),
				  row + (size_t)f->dst_x * FAKEDISP_COMPOSE_CPP);
		}
		crc = crc32_le(crc, row, bytes);
		if (wb)
			memcpy(wb->rows + (size_t)y * wb->pitch, row, bytes);
		if (!(y & 63))
			cond_resched();
	}
	return ~crc;
}
