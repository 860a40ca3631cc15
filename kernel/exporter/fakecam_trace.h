/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fakecam:fakecam_dmabuf tracepoint: one event per dma-buf operation
 * (export, attach, map, unmap, detach, release, CPU access, vmap, mmap, and
 * the import side). fakecam-debugfs.c fires it next to its own event log.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM fakecam

#if !defined(FAKECAM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define FAKECAM_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

TRACE_EVENT(fakecam_dmabuf,
	    TP_PROTO(unsigned int cam, const char *op, unsigned int index,
		     u64 ino, const char *peer),
	    TP_ARGS(cam, op, index, ino, peer),
	    TP_STRUCT__entry(__field(unsigned int, cam)
			     __array(char, op, 16)
			     __field(unsigned int, index)
			     __field(u64, ino)
			     __array(char, peer, 32)),
	    TP_fast_assign(__entry->cam = cam;
			   strscpy(__entry->op, op, sizeof(__entry->op));
			   __entry->index = index;
			   __entry->ino = ino;
			   strscpy(__entry->peer, peer, sizeof(__entry->peer));),
	    TP_printk("cam=%u op=%s index=%u ino=%llu peer=%s",
		      __entry->cam, __entry->op, __entry->index,
		      (unsigned long long)__entry->ino, __entry->peer)
);

#endif /* FAKECAM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE fakecam_trace
#include <trace/define_trace.h>
