/* SPDX-License-Identifier: GPL-2.0 */
/* Every kernel version difference fakedisp_testexp meets, in one place. */
#ifndef TESTEXP_COMPAT_H
#define TESTEXP_COMPAT_H

#include <linux/version.h>

#define TESTEXP_KERNEL_BEFORE(a, b, c) (KERNEL_VERSION(a, b, c) > LINUX_VERSION_CODE)

/*
 * 6.2's dma-buf locking convention: the core holds the reservation lock
 * around ->map_dma_buf and ->unmap_dma_buf. Before, it holds nothing, and
 * an exporter may lock the reservation object itself there.
 */
#define TESTEXP_CORE_HOLDS_RESV (!TESTEXP_KERNEL_BEFORE(6, 2, 0))

/* 6.13 turned symbol namespaces into strings. */
#if TESTEXP_KERNEL_BEFORE(6, 13, 0)
#define TESTEXP_DMA_BUF_NS DMA_BUF
#else
#define TESTEXP_DMA_BUF_NS "DMA_BUF"
#endif

#endif /* TESTEXP_COMPAT_H */
