// SPDX-License-Identifier: MIT
/*
 * fakecam-frames: checks a raw capture of fakecam frames, as written by
 * `v4l2-ctl --stream-mmap --stream-to FILE`: every frame carries an intact
 * stamp naming the expected format and size, sequence numbers and
 * timestamps increase, and every byte outside the stamp is the test pattern
 * of that sequence number (lib/frame-verify.c, over the shared headers).
 *
 * Usage: fakecam-frames --format FOURCC --width W --height H
 *                       [--stamp-only] [--min-frames N] FILE
 * FOURCC is fakecam's V4L2 name (XR24 NV12 YUYV NV21 NV16 YU12 RGBP, and the
 * multi-planar NM12 NM21, whose planes v4l2-ctl writes one after the other:
 * NV12 and NV21 in the file) or the DRM name (RG16).
 * Prints one summary line; exits 0 when every frame is right, 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf-interop/frame-verify.h"
#include "dmabuf-interop/layout.h"

#include "dmabuf-interop/frame-pattern.h" /* FRAME_PATTERN_STAMP_ONLY_ROWS */

struct options {
	uint32_t fourcc;
	uint32_t width;
	uint32_t height;
	uint32_t rows; /* 0: all rows */
	unsigned long min_frames;
	const char *path;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: fakecam-frames --format XR24|NV12|YUYV|NV21|NV16|YU12|RGBP|NM12|NM21\n"
		   "                      --width W --height H\n"
		   "                      [--stamp-only] [--min-frames N] FILE\n");
}

/* The DRM format of a V4L2 fourcc: the layout of the file and the stamp's. */
static uint32_t drm_fourcc(uint32_t v4l2)
{
	if (v4l2 == DI_FOURCC('R', 'G', 'B', 'P'))
		return DI_FOURCC_RGB565;
	if (v4l2 == DI_FOURCC('N', 'M', '1', '2'))
		return DI_FOURCC_NV12;
	if (v4l2 == DI_FOURCC('N', 'M', '2', '1'))
		return DI_FOURCC_NV21;
	return v4l2; /* XR24, NV12, YUYV, NV21, NV16, YU12: the same name */
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"width", required_argument, NULL, 'w'},
	    {"height", required_argument, NULL, 'h'},
	    {"stamp-only", no_argument, NULL, 's'},
	    {"min-frames", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	uint32_t n;
	int c;

	memset(o, 0, sizeof(*o));
	o->min_frames = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strlen(optarg) != 4) {
				fprintf(stderr, "fakecam-frames: --format %s is not a fourcc\n",
					optarg);
				return -1;
			}
			o->fourcc =
			    drm_fourcc(DI_FOURCC(optarg[0], optarg[1], optarg[2], optarg[3]));
			break;
		case 'w':
			if (parse_u32(optarg, &o->width))
				return -1;
			break;
		case 'h':
			if (parse_u32(optarg, &o->height))
				return -1;
			break;
		case 's':
			o->rows = FRAME_PATTERN_STAMP_ONLY_ROWS;
			break;
		case 'n':
			if (parse_u32(optarg, &n))
				return -1;
			o->min_frames = n;
			break;
		case 'H':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || !o->fourcc || !o->width || !o->height)
		return -1;
	o->path = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct frame_stamp stamp, prev = {0};
	struct di_mismatch where;
	struct di_layout layout;
	struct di_error err;
	struct options o;
	unsigned long frames = 0;
	uint64_t first_seq = 0;
	uint8_t *frame;
	size_t size;
	FILE *f;

	if (parse_options(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (di_layout_init(&layout, o.fourcc, o.width, o.height, 1, &err) != DI_OK) {
		fprintf(stderr, "fakecam-frames: %s\n", err.text);
		return 2;
	}
	size = (size_t)di_layout_size(&layout);
	frame = malloc(size);
	f = fopen(o.path, "rb");
	if (!frame || !f) {
		fprintf(stderr, "fakecam-frames: %s: %s\n", o.path, strerror(errno));
		return 2;
	}

	for (;;) {
		size_t got = fread(frame, 1, size, f);

		if (got == 0 && feof(f))
			break;
		if (got != size) {
			fprintf(stderr, "fakecam-frames: frame %lu: %zu bytes, expected %zu\n",
				frames, got, size);
			return 1;
		}
		if (di_stamp_read(frame, size, &layout, &stamp, &err) != DI_OK ||
		    di_stamp_verify(frame, size, &layout, stamp.seq, NULL, &err) != DI_OK) {
			fprintf(stderr, "fakecam-frames: frame %lu: %s\n", frames, err.text);
			return 1;
		}
		if (frames && (stamp.seq <= prev.seq || stamp.timestamp_ns <= prev.timestamp_ns)) {
			fprintf(stderr,
				"fakecam-frames: frame %lu: seq %llu ts %llu does not follow seq "
				"%llu ts %llu\n",
				frames, (unsigned long long)stamp.seq,
				(unsigned long long)stamp.timestamp_ns,
				(unsigned long long)prev.seq,
				(unsigned long long)prev.timestamp_ns);
			return 1;
		}
		if (di_pattern_verify(frame, size, &layout, stamp.seq, o.rows, &where, &err) !=
		    DI_OK) {
			fprintf(stderr, "fakecam-frames: frame %lu (seq %llu): %s\n", frames,
				(unsigned long long)stamp.seq, err.text);
			return 1;
		}
		if (!frames)
			first_seq = stamp.seq;
		prev = stamp;
		frames++;
	}
	fclose(f);
	free(frame);

	if (frames < o.min_frames) {
		fprintf(stderr, "fakecam-frames: %lu frames in %s, expected at least %lu\n", frames,
			o.path, o.min_frames);
		return 1;
	}
	printf("fakecam-frames: %lu frames ok (%ux%u %.4s%s), seq %llu..%llu\n", frames, o.width,
	       o.height, (const char *)&o.fourcc, o.rows ? " stamp-only" : "",
	       (unsigned long long)first_seq, (unsigned long long)prev.seq);
	return 0;
}
