// SPDX-License-Identifier: MIT
#include "app-args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmabuf-interop/layout.h"

int app_parse_u32(const char *prog, const char *opt, const char *text, uint32_t min, uint32_t max,
		  uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		fprintf(stderr, "%s: --%s %s: expected a number from %u to %u\n", prog, opt, text,
			min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int app_parse_seconds(const char *prog, const char *opt, const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !(v >= 0 && v <= 3600)) {
		fprintf(stderr, "%s: --%s %s: expected seconds from 0 to 3600\n", prog, opt, text);
		return -1;
	}
	*out = v;
	return 0;
}

int app_parse_path(const char *prog, const char *opt, const char *text, char *out, size_t size)
{
	if (strlen(text) >= size) {
		fprintf(stderr, "%s: --%s %s: path too long (at most %zu bytes)\n", prog, opt, text,
			size - 1);
		return -1;
	}
	memcpy(out, text, strlen(text) + 1);
	return 0;
}

int app_parse_size(const char *prog, const char *opt, const char *text, uint32_t *width,
		   uint32_t *height)
{
	unsigned int w, h;
	char tail;

	if (sscanf(text, "%ux%u%c", &w, &h, &tail) != 2 || w < 1 || h < 1 || w > DI_DIM_MAX ||
	    h > DI_DIM_MAX) {
		fprintf(stderr, "%s: --%s %s: expected WIDTHxHEIGHT, e.g. 1920x1080\n", prog, opt,
			text);
		return -1;
	}
	*width = w;
	*height = h;
	return 0;
}

int app_parse_format(const char *prog, const char *opt, const char *text, uint32_t *fourcc)
{
	static const struct {
		const char *name;
		uint32_t fourcc;
	} names[] = {
	    {"XR24", DI_FOURCC_XRGB8888},
	    {"XRGB8888", DI_FOURCC_XRGB8888},
	    {"NV12", DI_FOURCC_NV12},
	    {"YUYV", DI_FOURCC_YUYV},
	    {"NV21", DI_FOURCC_NV21},
	    {"NV16", DI_FOURCC_NV16},
	    {"YU12", DI_FOURCC_YUV420},
	    {"YUV420", DI_FOURCC_YUV420},
	    {"RG16", DI_FOURCC_RGB565},
	    {"RGB565", DI_FOURCC_RGB565},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(text, names[i].name)) {
			*fourcc = names[i].fourcc;
			return 0;
		}
	}
	fprintf(stderr, "%s: --%s %s: expected XR24, NV12, YUYV, NV21, NV16, YUV420 or RGB565\n", prog, opt, text);
	return -1;
}

uint64_t app_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int app_parse_sync(const char *prog, const char *text, enum di_sync_mode *mode)
{
	if (!di_sync_parse(text, mode))
		return 0;
	fprintf(stderr, "%s: --sync %s: expected protocol, implicit, explicit or auto\n", prog,
		text);
	return -1;
}

const char *app_sync_modes_text(uint32_t modes, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (int m = DI_SYNC_EXPLICIT; m >= DI_SYNC_PROTOCOL; m--)
		if (modes & (1u << m))
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "+" : "",
						di_sync_name((enum di_sync_mode)m));
	return len ? buf : "none";
}
