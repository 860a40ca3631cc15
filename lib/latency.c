// SPDX-License-Identifier: MIT
/* Sample ring and nearest-rank percentiles (latency.h). */
#include <stdlib.h>
#include <string.h>

#include "dmabuf-interop/latency.h"

void di_latency_init(struct di_latency *lat, uint64_t *storage, uint32_t cap)
{
	memset(lat, 0, sizeof(*lat));
	lat->samples = storage;
	lat->cap = cap;
}

void di_latency_add(struct di_latency *lat, uint64_t sample)
{
	if (!lat->cap)
		return;
	lat->samples[lat->next] = sample;
	lat->next = (lat->next + 1) % lat->cap;
	if (lat->filled < lat->cap)
		lat->filled++;
	lat->total++;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

uint64_t di_latency_percentile(const uint64_t *sorted, uint32_t n, uint32_t pct)
{
	uint64_t rank;

	if (!n)
		return 0;
	if (pct > 100)
		pct = 100;
	/* Smallest value with at least pct% of the samples at or below it. */
	rank = ((uint64_t)pct * n + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

void di_latency_summarize(const struct di_latency *lat, uint64_t *scratch,
			  struct di_latency_summary *out)
{
	uint32_t n = lat->filled;

	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	memcpy(scratch, lat->samples, n * sizeof(*scratch));
	qsort(scratch, n, sizeof(*scratch), compare_u64);
	out->count = n;
	out->min = scratch[0];
	out->max = scratch[n - 1];
	out->p50 = di_latency_percentile(scratch, n, 50);
	out->p99 = di_latency_percentile(scratch, n, 99);
}
