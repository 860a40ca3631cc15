/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The page-frame hash that proves zero copy: an exporter hashes the pages it
 * allocated for a buffer, an importer hashes the DMA addresses of the mapping
 * it got from dma_buf_map_attachment(). Equal hashes mean the importer's
 * device reads the very pages the exporter wrote.
 *
 * Definition: FNV-1a 64 over the page frame numbers, each as 8 little-endian
 * bytes, one per PAGE_SIZE page in buffer order (a segment longer than a page
 * contributes each of its pages).
 *
 * An importer may not look at the struct page behind an sg_table it was
 * given (Documentation/driver-api/dma-buf.rst; CONFIG_DMABUF_DEBUG scrambles
 * them), only at the DMA addresses. With no IOMMU between the importing
 * device and memory (the guests here, a faux or platform device with direct
 * mapping) a DMA address is the physical address, so the two hashes agree.
 * A bounce buffer (swiotlb) in between would be a hidden copy: its addresses
 * hash differently, and the proof fails as it should.
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

/* An importer's half: the DMA addresses of its own mapping, page by page. */
static inline u64 pfn_hash_sgt_dma(struct sg_table *sgt)
{
	struct sg_dma_page_iter diter;
	u64 hash = PFN_HASH_INIT;

	for_each_sgtable_dma_page(sgt, &diter, 0)
		hash = pfn_hash_add(hash, sg_page_iter_dma_address(&diter) >> PAGE_SHIFT);
	return hash;
}
#endif /* __KERNEL__ */

#endif /* DMABUF_INTEROP_PFN_HASH_H */
