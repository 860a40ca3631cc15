/* SPDX-License-Identifier: MIT */
/* The consumer's command line (consumer --help prints the same). */
#ifndef CONSUMER_OPTIONS_H
#define CONSUMER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "app-stats.h"
#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/session.h"

struct consumer_options {
	char socket[108];
	const char *card; /* NULL: the first card of driver */
	const char *driver;
	uint32_t mode_width, mode_height; /* 0: the frame size (display pool: preferred) */
	enum di_verify verify;
	enum di_sync_mode sync; /* what it offers producers */
	bool no_display;
	bool pfn_proof; /* --pfn-proof: print each imported dma-buf's pagemap hash */
	const char *snapshot;
	uint32_t frames;    /* 0: no limit */
	uint32_t producers; /* 0: serve until interrupted */
	uint32_t fourcc;    /* --display-allocates pools */
	uint32_t buffers;
	double handshake_timeout_s; /* HELLO and POOL complete within this */
	uint32_t nlayout;	    /* --layout positions given */
	int32_t layout_x[16], layout_y[16];
	struct app_report_options report;
};

/* 0: run; 1: --help printed, exit 0; -1: bad usage (message printed), exit 2. */
int consumer_parse_options(int argc, char **argv, struct consumer_options *o);

#endif /* CONSUMER_OPTIONS_H */
