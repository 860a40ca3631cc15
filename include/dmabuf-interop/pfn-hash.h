/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The page-frame hash that proves zero copy: fakecam hashes the pages it
 * allocated for a buffer, fakedisp hashes the pages of the sg_table it got
 * from dma_buf_map_attachment(). Equal hashes mean the importer scans out the
 * very pages the exporter wrote.
 *
 * Definition: FNV-1a 64 over the page frame numbers, each as 8 little-endian
 * bytes, one per PAGE_SIZE page in buffer order (an sg entry longer than a
 * page contributes each of its pages).
 *
 * The kernel side has the two walks both modules need: over an array of pages
 * (the exporter's own buffers, fakedisp's dumb buffers) and over the pages of
 * an sg_table (whatever an importer got from dma_buf_map_attachment()).
 */
#ifndef DMABUF_INTEROP_PFN_HASH_H
#define DMABUF_INTEROP_PFN_HASH_H

#include "frame-stamp.h"

#define PFN_HASH_INIT 0xcbf29ce484222325ull

static inline __u64 pfn_hash_add(__u64 hash, __u64 pfn)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		hash ^= (pfn >> (8 * i)) & 0xff;
		hash *= 0x100000001b3ull;
	}
	return hash;
}

#ifdef __KERNEL__
#include <linux/mm.h>
#include <linux/scatterlist.h>

static inline u64 pfn_hash_pages(struct page **pages, unsigned long n)
{
	u64 hash = PFN_HASH_INIT;
	unsigned long i;

	for (i = 0; i < n; i++)
		hash = pfn_hash_add(hash, page_to_pfn(pages[i]));
	return hash;
}

static inline u64 pfn_hash_sgt(struct sg_table *sgt)
{
	struct sg_page_iter piter;
	u64 hash = PFN_HASH_INIT;

	for_each_sgtable_page(sgt, &piter, 0)
		hash = pfn_hash_add(hash, page_to_pfn(sg_page_iter_page(&piter)));
	return hash;
}
#endif /* __KERNEL__ */

#endif /* DMABUF_INTEROP_PFN_HASH_H */
