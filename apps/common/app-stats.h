/* SPDX-License-Identifier: MIT */
/*
 * What both apps report: a live line once per interval (fps, frames
 * verified, latency p50/p99 over that interval, buffers in flight) and a
 * final summary with a verdict, as text or as one JSON object (--json).
 *
 * With --json the live lines go to stderr so that stdout holds exactly the
 * summary object; without it everything goes to stdout.
 */
#ifndef DMABUF_APP_STATS_H
#define DMABUF_APP_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dmabuf-interop/latency.h"

#define APP_LATENCY_WINDOW 2048	 /* samples per live interval */
#define APP_LATENCY_TOTAL  16384 /* samples kept for the summary */

struct app_stats {
	const char *prog;
	const char *latency_name; /* "capture->flip", "capture->release" */
	bool json;
	uint64_t interval_ns; /* 0: no live lines */
	uint64_t start_ns;
	uint64_t last_ns; /* time of the last live line */
	uint64_t frames;  /* frames handled (sent, shown) */
	uint64_t last_frames;
	uint64_t verified; /* frames whose check passed */
	uint64_t failed;   /* frames whose check failed */
	uint32_t warmup;   /* first latency samples left out of the summary */
	uint64_t samples;  /* latency samples seen */
	struct di_latency window;
	struct di_latency total;
	uint64_t window_samples[APP_LATENCY_WINDOW];
	uint64_t total_samples[APP_LATENCY_TOTAL];
	uint64_t scratch[APP_LATENCY_TOTAL];
};

/* An extra field of the summary: text when text != NULL, else value. */
struct app_field {
	const char *key;
	const char *text;
	uint64_t value;
};

/*
 * interval_s: seconds between live lines (0: none); warmup: latency samples
 * at the start (pipeline filling, caches cold) that the live lines show but
 * the summary leaves out.
 */
void app_stats_init(struct app_stats *st, const char *prog, const char *latency_name,
		    double interval_s, uint32_t warmup, bool json);

/* One frame handled; latency_ns 0 when it has none. */
void app_stats_frame(struct app_stats *st, uint64_t latency_ns);

/* A latency sample without a frame (the producer's, at RELEASE). */
void app_stats_latency(struct app_stats *st, uint64_t latency_ns);

/* Prints the live line when the interval has passed (now from app_now_ns()). */
void app_stats_tick(struct app_stats *st, uint64_t now, uint32_t in_flight);

/* Where log lines go: stderr with --json, else stdout. */
FILE *app_stats_log(const struct app_stats *st);

/*
 * The final summary: the common figures, then fields[0..n), then the
 * verdict (pass or not, and why).
 */
void app_stats_summary(struct app_stats *st, const struct app_field *fields, unsigned int n,
		       bool pass, const char *why);

#endif /* DMABUF_APP_STATS_H */
