/* SPDX-License-Identifier: MIT */
/*
 * The user-space half of the zero-copy proof: the pfn hash
 * (include/dmabuf-interop/pfn-hash.h) of the pages behind a mapping, read
 * from /proc/self/pagemap. Equal to the hash fakecam's debugfs lists for a
 * dma-buf when this process maps that dma-buf's very pages.
 *
 * Only root (CAP_SYS_ADMIN) sees page frame numbers in pagemap; anyone
 * else reads zeros, which these functions report as an error rather than
 * hash.
 */
#ifndef PW_DMABUF_PAGEMAP_HASH_H
#define PW_DMABUF_PAGEMAP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define PAGEMAP_WHY_MAX 160

struct pagemap_result {
	uint64_t hash;		   /* pfn hash of every page, in order */
	size_t pages;		   /* how many pages were hashed */
	char why[PAGEMAP_WHY_MAX]; /* on failure: what was wrong */
};

/*
 * Touches (reads) each page of [addr, addr + size) so that it is mapped,
 * then hashes the PFN of each from /proc/self/pagemap. addr must be page
 * aligned; size is rounded up to whole pages. Returns 0, or -1 with why
 * set (pagemap unreadable, a page not present, PFNs hidden: not root).
 */
int pagemap_hash(const void *addr, size_t size, struct pagemap_result *res);

/*
 * The negative control: a memfd of size bytes, mapped, written and hashed
 * the same way. Its pages are not fakecam's, so its hash must match none
 * of fakecam's. Returns 0 or -1 with why set.
 */
int pagemap_hash_memfd(size_t size, struct pagemap_result *res);

#endif
