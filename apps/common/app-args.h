/* SPDX-License-Identifier: MIT */
/*
 * Option values both apps parse the same way: numbers, "WxH" sizes and
 * format names. Each parser returns 0, or -1 after printing
 * "<prog>: --<option> <value>: <why>" to stderr.
 */
#ifndef DMABUF_APP_ARGS_H
#define DMABUF_APP_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "dmabuf-interop/session.h"

/* Decimal number within min..max. */
int app_parse_u32(const char *prog, const char *opt, const char *text, uint32_t min, uint32_t max,
		  uint32_t *out);

/* Decimal number of seconds, fractions allowed ("0.5"), within 0..3600. */
int app_parse_seconds(const char *prog, const char *opt, const char *text, double *out);

/* A path copied into out (size bytes with its NUL), refused when too long. */
int app_parse_path(const char *prog, const char *opt, const char *text, char *out, size_t size);

/* "1920x1080" -> width, height (each 1..16384). */
int app_parse_size(const char *prog, const char *opt, const char *text, uint32_t *width,
		   uint32_t *height);

/*
 * A format the project moves: XR24 (also XRGB8888), NV12, YUYV, as a DRM
 * fourcc. fakecam's V4L2 'XR24' has the same bytes as DRM's XRGB8888.
 */
int app_parse_format(const char *prog, const char *opt, const char *text, uint32_t *fourcc);

/*
 * The sync modes of a bit mask (bit per enum di_sync_mode), best first:
 * "explicit+protocol"; "none" for 0. Written into buf.
 */
const char *app_sync_modes_text(uint32_t modes, char *buf, size_t size);

/* --sync MODE: protocol, implicit, explicit or auto. */
int app_parse_sync(const char *prog, const char *text, enum di_sync_mode *mode);

#define APP_SYNC_HELP                                                                              \
	"      --sync MODE         how frames are kept safe: protocol (messages alone),\n"         \
	"                          implicit (fences in the dma-bufs), explicit (fences on\n"       \
	"                          the socket), auto (default: the best the peer offers too)\n"

/* CLOCK_MONOTONIC now, in nanoseconds (the clock of V4L2 and DRM timestamps). */
uint64_t app_now_ns(void);

#endif /* DMABUF_APP_ARGS_H */
