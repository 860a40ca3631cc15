// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp observability, in /sys/kernel/debug/fakedisp/ for the first
 * device and fakedisp.<n>/ for device n of `devices`:
 *   buffers  one line per buffer object: id, kind (import or dumb), size,
 *            dma-buf inode, pfn hash (pfn-hash.h; equal to the exporter's
 *            for the same buffer = zero copy), exporter, references,
 *            handles, users of the kernel mapping (0: not mapped)
 *   scanout  the scanout counters of the whole screen (fakedisp-scanout.c),
 *            "name: value"; the stamp verdicts are the sums of the planes'
 *   planes   one line per plane: "plane <index> id=<drm id>
 *            type=<primary|overlay|cursor> zpos=<normalized>
 *            pos=<WxH+X+Y visible on the CRTC> frame=<id>" (zpos=-
 *            pos=- frame=0 when nothing is on the plane), then the
 *            plane's counters: shown=.. vblanks=..
 *            scanned=.. stamped_ok=.. unstamped=.. bad_stamp=..
 *            bad_checksum=.. rewritten=.. discarded=.. last_seq=.."
 *   fences   the commits' bounded waits for in-fences (fakedisp-fence.c),
 *            "name: value": timeout_ms (fence_timeout_ms now), waits,
 *            pending, signalled, errors, timed_out, cancelled,
 *            max_wait_us, last_timeout_plane (-1: none yet), unsynced
 *            (scanout reads of a buffer with a write fence unsignalled)
 *   events   the last FAKEDISP_EVENT_LOG_SIZE events, oldest first:
 *            "<ns> <type> bo=<id> ino=<inode> arg=<n>"
 * Every event also goes to the fakedisp:fakedisp_event tracepoint.
 * The CRC is DRM's own: /sys/kernel/debug/dri/<minor>/crtc-0/crc/.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <drm/drm_file.h>

#include "fakedisp.h"

#define CREATE_TRACE_POINTS
#include "fakedisp_trace.h"

/* Any context, hard irq included. */
void fakedisp_event(struct fakedisp_device *fd, const char *type,
		    u32 bo, unsigned long ino, u64 arg)
{
	struct fakedisp_event *ev;
	unsigned long flags;

	trace_fakedisp_event(type, bo, ino, arg);

	spin_lock_irqsave(&fd->log_lock, flags);
	ev = &fd->log[fd->log_head++ % FAKEDISP_EVENT_LOG_SIZE];
	ev->time_ns = ktime_get_ns();
	ev->type = type;
	ev->bo = bo;
	ev->ino = ino;
	ev->arg = arg;
	spin_unlock_irqrestore(&fd->log_lock, flags);
}

static int buffers_show(struct seq_file *m, void *unused)
{
	struct fakedisp_device *fd = m->private;
	struct fakedisp_bo *bo;

	seq_puts(m, "id kind size ino pfn_hash exporter refs handles vmaps\n");
	mutex_lock(&fd->buffers_lock);
	list_for_each_entry(bo, &fd->buffers, link) {
		bool import = bo->dmabuf;

		/* vmap_count unlocked: a snapshot, as the other numbers. */
		seq_printf(m, "%u %s %zu %lu %016llx %s %u %u %u\n", bo->id,
			   import ? "import" : "dumb", bo->base.size, bo->ino,
			   bo->pfn_hash, import ? bo->dmabuf->exp_name : "-",
			   kref_read(&bo->base.refcount), bo->base.handle_count,
			   READ_ONCE(bo->vmap_count));
	}
	mutex_unlock(&fd->buffers_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(buffers);

static int scanout_show(struct seq_file *m, void *unused)
{
	struct fakedisp_device *fd = m->private;
	struct fakedisp_scanout_stats s;
	u64 on_screen;
	bool crc;

	spin_lock_irq(&fd->scanout_lock);
	s = fd->stats;
	/* The primary plane's: the one frame of a screen without overlays. */
	on_screen = fd->planes[0].on_screen ? fd->planes[0].on_screen->id : 0;
	crc = fd->crc_enabled;
	spin_unlock_irq(&fd->scanout_lock);

	seq_printf(m, "device: %u\n", fd->index);
	seq_printf(m, "minor: %d\n", fd->drm.primary->index);
	seq_printf(m, "refresh_hz: %u\n", fakedisp_refresh_hz);
	seq_printf(m, "planes: %u\n", fd->num_planes);
	seq_printf(m, "on_screen: %llu\n", on_screen);
	seq_printf(m, "crc_enabled: %d\n", crc);
	seq_printf(m, "vblanks: %llu\n", s.vblanks);
	seq_printf(m, "scanned: %llu\n", s.scanned);
	seq_printf(m, "stamped_ok: %llu\n", s.stamped_ok);
	seq_printf(m, "unstamped: %llu\n", s.unstamped);
	seq_printf(m, "bad_stamp: %llu\n", s.bad_stamp);
	seq_printf(m, "bad_checksum: %llu\n", s.bad_checksum);
	seq_printf(m, "rewritten: %llu\n", s.rewritten);
	seq_printf(m, "last_seq: %llu\n", s.last_seq);
	seq_printf(m, "dropped: %llu\n", s.merged + s.skipped + s.discarded);
	seq_printf(m, "merged: %llu\n", s.merged);
	seq_printf(m, "skipped: %llu\n", s.skipped);
	seq_printf(m, "discarded: %llu\n", s.discarded);
	seq_printf(m, "crc_entries: %llu\n", s.crc_entries);
	seq_printf(m, "timer_overruns: %llu\n", s.timer_overruns);
	seq_printf(m, "last_read_us: %llu\n", div_u64(s.last_read_ns, 1000));
	seq_printf(m, "max_read_us: %llu\n", div_u64(s.max_read_ns, 1000));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(scanout);

static const char *plane_type_name(enum drm_plane_type type)
{
	switch (type) {
	case DRM_PLANE_TYPE_PRIMARY:
		return "primary";
	case DRM_PLANE_TYPE_CURSOR:
		return "cursor";
	default:
		return "overlay";
	}
}

static int planes_show(struct seq_file *m, void *unused)
{
	struct fakedisp_device *fd = m->private;
	unsigned int i;

	for (i = 0; i < fd->num_planes; i++) {
		struct fakedisp_plane *plane = &fd->planes[i];
		struct fakedisp_plane_stats s;
		struct fakedisp_frame f = {};
		bool shown;

		/* A copy of the frame's geometry: it may go once unlocked. */
		spin_lock_irq(&fd->scanout_lock);
		s = plane->stats;
		shown = plane->on_screen;
		if (shown) {
			f.id = plane->on_screen->id;
			f.zpos = plane->on_screen->zpos;
			f.width = plane->on_screen->width;
			f.height = plane->on_screen->height;
			f.dst_x = plane->on_screen->dst_x;
			f.dst_y = plane->on_screen->dst_y;
		}
		spin_unlock_irq(&fd->scanout_lock);

		seq_printf(m, "plane %u id=%u type=%s ", i, plane->base.base.id,
			   plane_type_name(plane->base.type));
		if (shown)
			seq_printf(m, "zpos=%u pos=%ux%u+%u+%u frame=%llu",
				   f.zpos, f.width, f.height, f.dst_x, f.dst_y,
				   f.id);
		else
			seq_puts(m, "zpos=- pos=- frame=0");
		seq_printf(m, " shown=%llu vblanks=%llu scanned=%llu stamped_ok=%llu unstamped=%llu bad_stamp=%llu bad_checksum=%llu rewritten=%llu discarded=%llu last_seq=%llu\n",
			   s.shown, s.vblanks, s.scanned, s.stamped_ok,
			   s.unstamped, s.bad_stamp, s.bad_checksum,
			   s.rewritten, s.discarded, s.last_seq);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(planes);

static int fences_show(struct seq_file *m, void *unused)
{
	struct fakedisp_device *fd = m->private;
	struct fakedisp_fence_stats s;
	struct list_head *pos;
	unsigned int pending = 0;

	spin_lock_irq(&fd->fence_lock);
	s = fd->fence_stats;
	list_for_each(pos, &fd->fences)
		pending++;
	spin_unlock_irq(&fd->fence_lock);

	seq_printf(m, "timeout_ms: %u\n", READ_ONCE(fakedisp_fence_timeout_ms));
	seq_printf(m, "waits: %llu\n", s.waits);
	seq_printf(m, "pending: %u\n", pending);
	seq_printf(m, "signalled: %llu\n", s.signalled);
	seq_printf(m, "errors: %llu\n", s.errors);
	seq_printf(m, "timed_out: %llu\n", s.timed_out);
	seq_printf(m, "cancelled: %llu\n", s.cancelled);
	seq_printf(m, "max_wait_us: %llu\n", div_u64(s.max_wait_ns, 1000));
	seq_printf(m, "last_timeout_plane: %d\n", s.last_timeout_plane);
	seq_printf(m, "unsynced: %llu\n", s.unsynced);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fences);

static int events_show(struct seq_file *m, void *unused)
{
	struct fakedisp_device *fd = m->private;
	struct fakedisp_event *log;
	u64 head, first, i;

	/* Copied out: printing under a spinlock the timer takes is too long. */
	log = kvmalloc_array(FAKEDISP_EVENT_LOG_SIZE, sizeof(*log), GFP_KERNEL);
	if (!log)
		return -ENOMEM;
	spin_lock_irq(&fd->log_lock);
	memcpy(log, fd->log, sizeof(fd->log));
	head = fd->log_head;
	spin_unlock_irq(&fd->log_lock);

	first = head > FAKEDISP_EVENT_LOG_SIZE ? head - FAKEDISP_EVENT_LOG_SIZE : 0;
	for (i = first; i < head; i++) {
		struct fakedisp_event *ev = &log[i % FAKEDISP_EVENT_LOG_SIZE];

		seq_printf(m, "%llu %s bo=%u ino=%lu arg=%llu\n", ev->time_ns,
			   ev->type, ev->bo, ev->ino, ev->arg);
	}
	kvfree(log);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(events);

void fakedisp_debugfs_init(struct fakedisp_device *fd)
{
	char name[24];

	/* The first device keeps the folder name of a single display. */
	if (fd->index)
		snprintf(name, sizeof(name), FAKEDISP_NAME ".%u", fd->index);
	else
		strscpy(name, FAKEDISP_NAME, sizeof(name));
	fd->debugfs = debugfs_create_dir(name, NULL);
	debugfs_create_file("buffers", 0444, fd->debugfs, fd, &buffers_fops);
	debugfs_create_file("scanout", 0444, fd->debugfs, fd, &scanout_fops);
	debugfs_create_file("planes", 0444, fd->debugfs, fd, &planes_fops);
	debugfs_create_file("fences", 0444, fd->debugfs, fd, &fences_fops);
	debugfs_create_file("events", 0444, fd->debugfs, fd, &events_fops);
}

void fakedisp_debugfs_fini(struct fakedisp_device *fd)
{
	debugfs_remove_recursive(fd->debugfs);
	fd->debugfs = NULL;
}
