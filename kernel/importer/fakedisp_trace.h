/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fakedisp trace events: one event, fakedisp:fakedisp_event, for every step
 * the debugfs event log records (import, attach, map, vmap, unmap, detach,
 * put, create, export, free, fb-create, fb-destroy, frame-shown,
 * frame-released, bad-stamp). Enable it with
 *   echo 1 > /sys/kernel/tracing/events/fakedisp/enable
 * fakedisp-debugfs.c emits it from fakedisp_event().
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM fakedisp

#if !defined(FAKEDISP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define FAKEDISP_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#define FAKEDISP_TRACE_TYPE_LEN 16

TRACE_EVENT(fakedisp_event,
	    TP_PROTO(const char *type, u32 bo, unsigned long ino, u64 arg),
	    TP_ARGS(type, bo, ino, arg),
	    TP_STRUCT__entry(__array(char, type, FAKEDISP_TRACE_TYPE_LEN)
			     __field(u32, bo)
			     __field(unsigned long, ino)
			     __field(u64, arg)),
	    TP_fast_assign(strscpy(__entry->type, type, FAKEDISP_TRACE_TYPE_LEN);
			   __entry->bo = bo;
			   __entry->ino = ino;
			   __entry->arg = arg;),
	    TP_printk("%s bo=%u ino=%lu arg=%llu", __entry->type, __entry->bo,
		      __entry->ino, __entry->arg)
);

#endif /* FAKEDISP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE fakedisp_trace
#include <trace/define_trace.h>
