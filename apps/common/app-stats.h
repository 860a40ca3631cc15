/* SPDX-License-Identifier: MIT */
/*
 * What both apps report: a live line once per interval (fps, frames
 * verified, latency p50/p99 over that interval, buffers in flight) and a
 * final summary with a verdict, as text or as one JSON object (--json).
 *
 * With --json the live lines go to stderr so that stdout holds exactly the
 * summary object; without it everything goes to stdout.
 *
 * The options that shape the report are the same in every program that
 * reports (producer, consumer, bench-copy): APP_REPORT_* below.
 */
#ifndef DMABUF_APP_STATS_H
#define DMABUF_APP_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dmabuf-interop/latency.h"

#define APP_LATENCY_WINDOW 2048 /* samples per live interval */
/*
 * Samples kept for the summary: more than the longest run of tools/bench
 * (host mode: 20000 frames), so that its percentiles cover every frame.
 */
#define APP_LATENCY_TOTAL 32768

/* -i/--stats-interval, -W/--warmup and -j/--json, parsed by app_report_parse(). */
struct app_report_options {
	double interval_s; /* seconds between live lines, 0: none (default 1) */
	uint32_t warmup;   /* latency samples at the start (pipeline filling, caches
			    * cold) that the live lines show but the summary leaves out */
	bool json;	   /* the summary as one JSON object */
};

#define APP_REPORT_DEFAULTS  ((struct app_report_options){.interval_s = 1})
#define APP_REPORT_SHORTOPTS "i:W:j"
#define APP_REPORT_LONGOPTS                                                                        \
	{"stats-interval", required_argument, NULL, 'i'},                                          \
	    {"warmup", required_argument, NULL, 'W'},                                              \
	{                                                                                          \
		"json", no_argument, NULL, 'j'                                                     \
	}
#define APP_REPORT_HELP                                                                            \
	"  -i, --stats-interval S  live statistics every S seconds (default 1, 0: none)\n"         \
	"  -W, --warmup N          leave the first N latency samples out of the summary's\n"       \
	"                          figures (the live lines show them; default 0)\n"                \
	"  -j, --json              final summary as one JSON object on stdout\n"

/*
 * One getopt result c with its argument: 0 when it was one of the reporting
 * options, -1 when its value is bad (message printed), 1 when c is not one.
 */
int app_report_parse(const char *prog, int c, const char *arg, struct app_report_options *o);

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

void app_stats_init(struct app_stats *st, const char *prog, const char *latency_name,
		    const struct app_report_options *report);

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

/*
 * Fence waits: how often a frame's fence was still pending where a side
 * had to wait for it, and for how long (the producer's wait for a frame to
 * be written before FRAME in protocol sync, the consumer's acquire fences
 * from arrival to signal in explicit sync).
 */
#define APP_WAITS_KEPT 4096
struct app_waits {
	struct di_latency lat;
	uint64_t samples[APP_WAITS_KEPT];
	uint64_t scratch[APP_WAITS_KEPT];
};

void app_waits_init(struct app_waits *w);
void app_waits_add(struct app_waits *w, uint64_t wait_ns);

/* fence_waits, fence_wait_p50_us and fence_wait_p99_us into out[0..3); returns 3. */
unsigned int app_waits_fields(struct app_waits *w, struct app_field *out);

#endif /* DMABUF_APP_STATS_H */
