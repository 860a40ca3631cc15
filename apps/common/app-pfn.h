/* SPDX-License-Identifier: MIT */
/*
 * --pfn-proof: the zero-copy proof from user space (lib/pagemap.h), one line
 * per dma-buf of the pool, in a form tests/vm/pipeline/planes.sh reads:
 *
 *   <app>: pfn-proof: buffer B fd F ino I pagemap pfn_hash H
 *   <app>: pfn-proof: buffer B fd F ino I none: <why>
 *
 * H is the hash fakecam and fakedisp print in debugfs for the pages of the
 * dma-buf of inode I. "none" is not a failure of the proof: a VM_PFNMAP
 * mapping (the system heap's) shows no frames, and without CAP_SYS_ADMIN
 * every frame reads 0; the line says which.
 */
#ifndef DMABUF_APP_PFN_H
#define DMABUF_APP_PFN_H

#include <stdint.h>
#include <stdio.h>

#include "dmabuf-interop/layout.h"

#define APP_PFN_HELP                                                                               \
	"      --pfn-proof         print the page frames' hash of every dma-buf of the\n"          \
	"                          pool as read from /proc/self/pagemap (root only), to\n"         \
	"                          compare with fakecam's and fakedisp's debugfs hashes\n"

/* The lines of one buffer of the pool: its di_layout_fds(l) fds. */
void app_pfn_report(FILE *out, const char *app, uint32_t buffer, const int *fds,
		    const struct di_layout *l);

#endif /* DMABUF_APP_PFN_H */
