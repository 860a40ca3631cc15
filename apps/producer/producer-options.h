/* SPDX-License-Identifier: MIT */
/* The producer's command line (producer --help prints the same). */
#ifndef PRODUCER_OPTIONS_H
#define PRODUCER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "allocator.h"
#include "app-stats.h"
#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/session.h"

#define PRODUCER_CONSUMERS_MAX 8

struct producer_options {
	const char *device; /* NULL: the first device of driver */
	const char *driver;
	uint32_t fourcc;
	uint32_t width, height;
	uint32_t fps;	  /* 0 with unthrottled */
	bool unthrottled; /* --fps max */
	int pattern;	  /* -1: leave the camera's, 0 full, 1 stamp only */
	uint32_t buffers;
	uint32_t frames;			  /* 0: until interrupted or the consumer ends */
	char socket[PRODUCER_CONSUMERS_MAX][108]; /* each -S: a consumer to lend to */
	uint32_t nsockets;
	bool fd_per_frame;
	bool pfn_proof; /* --pfn-proof: print each dma-buf's pagemap hash */
	bool display_allocates;
	enum allocator allocator; /* who allocates the pool when the camera side does */
	enum di_verify verify;
	enum di_sync_mode sync; /* what it offers consumers */
	struct app_report_options report;
};

/* 0: run; 1: --help printed, exit 0; -1: bad usage (message printed), exit 2. */
int producer_parse_options(int argc, char **argv, struct producer_options *o);

#endif /* PRODUCER_OPTIONS_H */
