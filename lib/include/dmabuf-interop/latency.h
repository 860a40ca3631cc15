/* SPDX-License-Identifier: MIT */
/*
 * Latency statistics over a window of recent samples (capture -> flip, in
 * nanoseconds): the apps add one sample per frame and print p50/p99 once a
 * second. Storage is the caller's, so the library allocates nothing here.
 */
#ifndef DMABUF_INTEROP_LATENCY_H
#define DMABUF_INTEROP_LATENCY_H

#include <stdint.h>

struct di_latency {
	uint64_t *samples; /* ring of the last cap samples */
	uint32_t cap;
	uint32_t filled; /* samples in the ring, up to cap */
	uint32_t next;	 /* slot the next sample goes to */
	uint64_t total;	 /* samples added since init */
};

struct di_latency_summary {
	uint32_t count; /* samples the figures below come from (0: all zero) */
	uint64_t min;
	uint64_t p50;
	uint64_t p99;
	uint64_t max;
};

/* Uses storage[cap] (cap >= 1) as the ring. */
void di_latency_init(struct di_latency *lat, uint64_t *storage, uint32_t cap);

void di_latency_add(struct di_latency *lat, uint64_t sample);

/*
 * Nearest-rank percentiles of the samples in the ring. scratch must hold
 * lat->cap entries; the ring itself is left as it is.
 */
void di_latency_summarize(const struct di_latency *lat, uint64_t *scratch,
			  struct di_latency_summary *out);

/* Value at percentile pct (1..100) of n sorted samples, nearest rank. */
uint64_t di_latency_percentile(const uint64_t *sorted, uint32_t n, uint32_t pct);

#endif /* DMABUF_INTEROP_LATENCY_H */
