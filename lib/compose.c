// SPDX-License-Identifier: MIT
/*
 * The composed screen, as fakedisp computes it for its CRC: see
 * dmabuf-interop/compose.h for the definition. The kernel's side is
 * kernel/importer/fakedisp-compose.c; the two must agree bit for bit
 * (tests/vm/fakedisp/planes.sh compares them).
 */
#include "dmabuf-interop/compose.h"

#include <stdlib.h>
#include <string.h>

static uint8_t clamp_rgb(int v)
{
	if (v < 0)
		return 0;
	v >>= 8; /* v >= 0: no implementation-defined shift */
	return v > 255 ? 255 : (uint8_t)v;
}

static void put_rgb(uint8_t *o, uint8_t r, uint8_t g, uint8_t b)
{
	o[0] = b;
	o[1] = g;
	o[2] = r;
	o[3] = 0;
}

static void put_yuv(uint8_t *o, int y, int u, int v)
{
	int c = 298 * (y - 16), d = u - 128, e = v - 128;

	put_rgb(o, clamp_rgb(c + 409 * e + 128), clamp_rgb(c - 100 * d - 208 * e + 128),
		clamp_rgb(c + 516 * d + 128));
}

static uint8_t blend(uint8_t c, uint8_t under, unsigned int inv)
{
	unsigned int v = c + (under * inv + 127) / 255;

	return v > 255 ? 255 : (uint8_t)v;
}

/* @n pixels of source row @fy from column @fx over @o. */
static void blend_row(const struct di_compose_plane *p, uint32_t fx, uint32_t fy, uint32_t n,
		      uint8_t *o)
{
	const uint8_t *row = p->data[0] + (size_t)fy * p->pitches[0], *s, *uv, *u, *v;

	for (uint32_t x = fx; x < fx + n; x++, o += DI_COMPOSE_CPP) {
		switch (p->fourcc) {
		case DI_FOURCC_XRGB8888:
			s = row + (size_t)x * 4;
			put_rgb(o, s[2], s[1], s[0]);
			break;
		case DI_FOURCC_ARGB8888: {
			unsigned int inv;

			s = row + (size_t)x * 4;
			inv = 255u - s[3];
			o[0] = blend(s[0], o[0], inv);
			o[1] = blend(s[1], o[1], inv);
			o[2] = blend(s[2], o[2], inv);
			o[3] = 0;
			break;
		}
		case DI_FOURCC_YUYV:
			s = row + (size_t)(x & ~1u) * 2;
			put_yuv(o, s[(x & 1) * 2], s[1], s[3]);
			break;
		case DI_FOURCC_NV12:
		case DI_FOURCC_NV16:
			uv = p->data[1] +
			     (size_t)(p->fourcc == DI_FOURCC_NV12 ? fy / 2 : fy) * p->pitches[1];
			put_yuv(o, row[x], uv[x & ~1u], uv[x | 1]);
			break;
		case DI_FOURCC_NV21:
			uv = p->data[1] + (size_t)(fy / 2) * p->pitches[1];
			put_yuv(o, row[x], uv[x | 1], uv[x & ~1u]);
			break;
		case DI_FOURCC_YUV420:
			u = p->data[1] + (size_t)(fy / 2) * p->pitches[1];
			v = p->data[2] + (size_t)(fy / 2) * p->pitches[2];
			put_yuv(o, row[x], u[x / 2], v[x / 2]);
			break;
		case DI_FOURCC_RGB565: {
			unsigned int px = row[(size_t)x * 2] | (unsigned int)row[(size_t)x * 2 + 1] << 8;
			unsigned int r5 = px >> 11, g6 = (px >> 5) & 0x3f, b5 = px & 0x1f;

			put_rgb(o, (uint8_t)(r5 << 3 | r5 >> 2), (uint8_t)(g6 << 2 | g6 >> 4),
				(uint8_t)(b5 << 3 | b5 >> 2));
			break;
		}
		}
	}
}

int di_compose(const struct di_compose_plane *planes, size_t count, uint8_t *out,
	       uint32_t width, uint32_t height)
{
	const struct di_compose_plane *order[64];
	size_t n = 0;

	for (size_t i = 0; i < count; i++) {
		uint32_t f = planes[i].fourcc;

		if (f != DI_FOURCC_XRGB8888 && f != DI_FOURCC_ARGB8888 && f != DI_FOURCC_YUYV &&
		    f != DI_FOURCC_NV12 && f != DI_FOURCC_NV21 && f != DI_FOURCC_NV16 &&
		    f != DI_FOURCC_YUV420 && f != DI_FOURCC_RGB565)
			return -1;
		if (n < sizeof(order) / sizeof(order[0]))
			order[n++] = &planes[i];
	}
	/* Stable insertion sort by zpos: equal zpos keeps the array order. */
	for (size_t i = 1; i < n; i++) {
		const struct di_compose_plane *p = order[i];
		size_t j = i;

		for (; j > 0 && order[j - 1]->zpos > p->zpos; j--)
			order[j] = order[j - 1];
		order[j] = p;
	}

	memset(out, 0, (size_t)width * height * DI_COMPOSE_CPP);
	for (size_t i = 0; i < n; i++) {
		const struct di_compose_plane *p = order[i];
		/* The visible rectangle, in 64 bits so that nothing wraps. */
		int64_t x0 = p->dst_x, y0 = p->dst_y;
		int64_t x1 = x0 + p->dst_w, y1 = y0 + p->dst_h;

		if (x0 < 0)
			x0 = 0;
		if (y0 < 0)
			y0 = 0;
		if (x1 > width)
			x1 = width;
		if (y1 > height)
			y1 = height;
		if (x0 >= x1 || y0 >= y1)
			continue;
		for (int64_t y = y0; y < y1; y++)
			blend_row(p, (uint32_t)(p->src_x + (x0 - p->dst_x)),
				  (uint32_t)(p->src_y + (y - p->dst_y)), (uint32_t)(x1 - x0),
				  out + ((size_t)y * width + (size_t)x0) * DI_COMPOSE_CPP);
	}
	return 0;
}

uint32_t di_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;

	/* Built on first use; the same values whichever thread builds it. */
	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

int di_compose_crc(const struct di_compose_plane *planes, size_t count, uint32_t width,
		   uint32_t height, uint32_t *crc)
{
	size_t size = (size_t)width * height * DI_COMPOSE_CPP;
	uint8_t *out = malloc(size ? size : 1);
	int ret;

	if (!out)
		return -1;
	ret = di_compose(planes, count, out, width, height);
	if (!ret)
		*crc = di_crc32(0, out, size);
	free(out);
	return ret;
}
