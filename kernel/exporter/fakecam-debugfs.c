// SPDX-License-Identifier: GPL-2.0
/*
 * What fakecam shows of itself, under /sys/kernel/debug/fakecam/:
 *
 *   events       the last FAKECAM_EVENTS dma-buf operations of every camera
 *                (the same ones the fakecam:fakecam_dmabuf tracepoint
 *                reports), oldest first; writing anything clears it
 *   <n>/buffers  every live page buffer of camera n: vb2 index, size, page
 *                count, pfn hash (include/dmabuf-interop/pfn-hash.h),
 *                references, vmaps, vb2 plane (1: NV12M's chroma), and
 *                each exported dma-buf with its inode and the devices
 *                attached to it
 *   <n>/imports  every dma-buf camera n has attached (V4L2_MEMORY_DMABUF):
 *                vb2 index, size, inode, exporter, whether it is mapped now,
 *                the pfn hash of its last mapping, to compare with the
 *                exporter's for the same inode, and the vb2 plane
 *   <n>/stats    frames camera n could not write, by cause: fences that did
 *                not signal within fence_timeout_ms, fence waits cut short
 *                by STREAMOFF/close, and any other failure; then the frames
 *                that had to wait for fences, and camera n's own write
 *                fences: published, signalled, signalled with an error
 *
 * The other files call fakecam_event(); fakecam-drv.c creates the folders.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "fakecam.h"

#define CREATE_TRACE_POINTS
#include "fakecam_trace.h"

#define FAKECAM_EVENTS	1024

struct fakecam_event_entry {
	u64 seq;
	u64 time_ns;
	u64 ino;
	unsigned int cam;
	unsigned int index;
	enum fakecam_event_op op;
	char peer[32];
};

static const char * const fakecam_event_names[] = {
	[FAKECAM_EV_EXPORT]		= "export",
	[FAKECAM_EV_ATTACH]		= "attach",
	[FAKECAM_EV_MAP]		= "map",
	[FAKECAM_EV_UNMAP]		= "unmap",
	[FAKECAM_EV_DETACH]		= "detach",
	[FAKECAM_EV_RELEASE]		= "release",
	[FAKECAM_EV_BEGIN_CPU]		= "begin_cpu",
	[FAKECAM_EV_END_CPU]		= "end_cpu",
	[FAKECAM_EV_VMAP]		= "vmap",
	[FAKECAM_EV_VUNMAP]		= "vunmap",
	[FAKECAM_EV_MMAP]		= "mmap",
	[FAKECAM_EV_IMPORT_ATTACH]	= "import_attach",
	[FAKECAM_EV_IMPORT_MAP]		= "import_map",
	[FAKECAM_EV_IMPORT_UNMAP]	= "import_unmap",
	[FAKECAM_EV_IMPORT_DETACH]	= "import_detach",
};

static struct dentry *fakecam_debugfs_root;
static DEFINE_SPINLOCK(fakecam_events_lock);
static struct fakecam_event_entry fakecam_events[FAKECAM_EVENTS];
static u64 fakecam_events_next;	/* seq of the next event */
static u64 fakecam_events_first;	/* seq of the oldest event kept */

void fakecam_event(struct fakecam_dev *cam, enum fakecam_event_op op,
		   unsigned int index, u64 ino, struct device *peer)
{
	const char *peer_name = peer ? dev_name(peer) : "-";
	struct fakecam_event_entry *e;
	unsigned long flags;

	trace_fakecam_dmabuf(cam->index, fakecam_event_names[op], index, ino,
			     peer_name);

	spin_lock_irqsave(&fakecam_events_lock, flags);
	e = &fakecam_events[fakecam_events_next % FAKECAM_EVENTS];
	e->seq = fakecam_events_next++;
	e->time_ns = ktime_get_ns();
	e->ino = ino;
	e->cam = cam->index;
	e->index = index;
	e->op = op;
	strscpy(e->peer, peer_name, sizeof(e->peer));
	if (fakecam_events_next - fakecam_events_first > FAKECAM_EVENTS)
		fakecam_events_first = fakecam_events_next - FAKECAM_EVENTS;
	spin_unlock_irqrestore(&fakecam_events_lock, flags);
}

static int fakecam_events_show(struct seq_file *m, void *unused)
{
	struct fakecam_event_entry *copy;
	unsigned long flags;
	u64 first, next, seq;

	copy = kvmalloc_array(FAKECAM_EVENTS, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;

	/* Copy under the lock, print without it. */
	spin_lock_irqsave(&fakecam_events_lock, flags);
	memcpy(copy, fakecam_events, sizeof(fakecam_events));
	first = fakecam_events_first;
	next = fakecam_events_next;
	spin_unlock_irqrestore(&fakecam_events_lock, flags);

	for (seq = first; seq < next; seq++) {
		const struct fakecam_event_entry *e =
			&copy[seq % FAKECAM_EVENTS];

		seq_printf(m, "%llu %llu.%09llu cam=%u op=%s index=%u ino=%llu peer=%s\n",
			   e->seq, e->time_ns / NSEC_PER_SEC,
			   e->time_ns % NSEC_PER_SEC, e->cam,
			   fakecam_event_names[e->op], e->index, e->ino,
			   e->peer);
	}
	kvfree(copy);
	return 0;
}

static int fakecam_events_open(struct inode *inode, struct file *file)
{
	return single_open(file, fakecam_events_show, NULL);
}

static ssize_t fakecam_events_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	unsigned long flags;

	spin_lock_irqsave(&fakecam_events_lock, flags);
	fakecam_events_first = fakecam_events_next;
	spin_unlock_irqrestore(&fakecam_events_lock, flags);
	return count;
}

static const struct file_operations fakecam_events_fops = {
	.owner		= THIS_MODULE,
	.open		= fakecam_events_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.write		= fakecam_events_write,
	.release	= single_release,
};

static void fakecam_buffer_show(struct seq_file *m, struct fakecam_buffer *buf)
{
	struct fakecam_export *exp;

	seq_printf(m, "buffer id=%llu index=%u size=%zu pages=%u pfn_hash=%016llx refs=%u vmaps=%u plane=%u\n",
		   buf->id, buf->index, buf->size, buf->n_pages, buf->pfn_hash,
		   refcount_read(&buf->refcount), buf->vmap_count, buf->plane);

	mutex_lock(&buf->exports_lock);
	list_for_each_entry(exp, &buf->exports, node)
		fakecam_export_show(m, exp);
	mutex_unlock(&buf->exports_lock);
}

static int fakecam_buffers_show(struct seq_file *m, void *unused)
{
	struct fakecam_dev *cam = m->private;
	struct fakecam_buffer *buf;

	mutex_lock(&cam->buffers_lock);
	list_for_each_entry(buf, &cam->buffers, node)
		fakecam_buffer_show(m, buf);
	mutex_unlock(&cam->buffers_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fakecam_buffers);

static int fakecam_imports_show(struct seq_file *m, void *unused)
{
	struct fakecam_dev *cam = m->private;
	struct fakecam_import *imp;

	mutex_lock(&cam->buffers_lock);
	list_for_each_entry(imp, &cam->imports, node) {
		seq_printf(m, "import index=%u size=%zu ino=%llu exporter=%s mapped=%d pfn_hash=",
			   imp->index, imp->dbuf->size, imp->ino,
			   imp->dbuf->exp_name, !!imp->sgt);
		if (imp->hashed)
			seq_printf(m, "%016llx", imp->pfn_hash);
		else
			seq_puts(m, "-");
		seq_printf(m, " plane=%u\n", imp->plane);
	}
	mutex_unlock(&cam->buffers_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fakecam_imports);

static int fakecam_stats_show(struct seq_file *m, void *unused)
{
	struct fakecam_dev *cam = m->private;

	seq_printf(m, "fence_timeouts %d\n", atomic_read(&cam->fence_timeouts));
	seq_printf(m, "waits_interrupted %d\n",
		   atomic_read(&cam->waits_interrupted));
	seq_printf(m, "fill_errors %d\n", atomic_read(&cam->fill_errors));
	seq_printf(m, "fence_waits %d\n", atomic_read(&cam->fence_waits));
	seq_printf(m, "fences_published %d\n",
		   atomic_read(&cam->fences_published));
	seq_printf(m, "fences_signalled %d\n",
		   atomic_read(&cam->fences_signalled));
	seq_printf(m, "fences_signalled_error %d\n",
		   atomic_read(&cam->fences_signalled_error));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fakecam_stats);

void fakecam_debugfs_add(struct fakecam_dev *cam)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", cam->index);
	cam->debugfs = debugfs_create_dir(name, fakecam_debugfs_root);
	debugfs_create_file("buffers", 0444, cam->debugfs, cam,
			    &fakecam_buffers_fops);
	debugfs_create_file("imports", 0444, cam->debugfs, cam,
			    &fakecam_imports_fops);
	debugfs_create_file("stats", 0444, cam->debugfs, cam,
			    &fakecam_stats_fops);
}

void fakecam_debugfs_init(void)
{
	fakecam_debugfs_root = debugfs_create_dir(FAKECAM_NAME, NULL);
	debugfs_create_file("events", 0644, fakecam_debugfs_root, NULL,
			    &fakecam_events_fops);
}

void fakecam_debugfs_exit(void)
{
	debugfs_remove_recursive(fakecam_debugfs_root);
}
