/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fakedisp: a virtual DRM/KMS display that imports dma-bufs through its own
 * PRIME path and checks every frame it scans out.
 *
 * Who does what:
 *   fakedisp-drv.c      registration, module parameters, the drm_driver
 *   fakedisp-kms.c      connector, encoder, CRTC, primary and overlay
 *                       planes, atomic checks, the vblank hrtimer
 *   fakedisp-prime.c    PRIME import: attach, map, vmap, and their undoing
 *   fakedisp-gem.c      the buffer object: dumb buffers, mmap, export
 *   fakedisp-scanout.c  the frames on screen: flips, stamp checks, CRC entries
 *   fakedisp-compose.c  the planes blended as a display shows them, its CRC
 *   fakedisp-writeback.c the writeback connector: the blend into a client's
 *                       buffer
 *   fakedisp-fence.c    the bound on a commit's wait for its in-fences
 *   fakedisp-debugfs.c  buffers, counters and the event log in debugfs
 */
#ifndef FAKEDISP_H
#define FAKEDISP_H

#include <linux/hrtimer.h>
#include <linux/iosys-map.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_device.h>
#include <drm/drm_encoder.h>
#include <drm/drm_gem.h>
#include <drm/drm_plane.h>
#include <drm/drm_rect.h>
#include <drm/drm_writeback.h>

#define FAKEDISP_NAME "fakedisp"
#define FAKEDISP_DESC "Virtual display that imports dma-bufs and checks every frame"
#define FAKEDISP_DATE "20261126"

#define FAKEDISP_MIN_WIDTH 640
#define FAKEDISP_MIN_HEIGHT 480
#define FAKEDISP_MAX_WIDTH 3840
#define FAKEDISP_MAX_HEIGHT 2160
#define FAKEDISP_PREFERRED_WIDTH 1920
#define FAKEDISP_PREFERRED_HEIGHT 1080
/*
 * Framebuffers and dumb buffers may be larger than any mode (a plane shows
 * a window of them), up to this (mode_config's max_width and max_height).
 */
#define FAKEDISP_FB_MAX_WIDTH 8192
#define FAKEDISP_FB_MAX_HEIGHT 8192

/*
 * The primary plane, at most this many overlays (module parameter), and
 * the cursor plane, in that order in fakedisp_device.planes.
 */
#define FAKEDISP_MAX_OVERLAYS 7
#define FAKEDISP_MAX_PLANES (2 + FAKEDISP_MAX_OVERLAYS)
/* The largest cursor (mode_config's cursor_width and cursor_height). */
#define FAKEDISP_CURSOR_MAX 256

extern unsigned int fakedisp_refresh_hz;
extern unsigned int fakedisp_max_memory_mb;
extern unsigned int fakedisp_overlays;
extern unsigned int fakedisp_fence_timeout_ms;

/**
 * struct fakedisp_bo - one buffer object, either our own pages or an import
 * @base: the GEM object; @base.import_attach is set for imports
 * @id: a small number naming the buffer in logs and debugfs
 * @pages: our own pages (dumb buffers), NULL for an import
 * @sgt: for an import, the table dma_buf_map_attachment() returned;
 *	 for our own pages, the table built for an export (lazily)
 * @dmabuf: for an import, the dma-buf we attached to (we hold a reference)
 * @ino: inode number of @dmabuf, shown in debugfs
 * @pfn_hash: pfn hash of the pages (pfn-hash.h), the zero-copy proof
 * @vmap_lock: protects @map and @vmap_count
 * @map: the kernel mapping, while @vmap_count is not zero: for an import
 *	 the exporter's dma_buf_vmap(), for our own pages our vmap()
 * @vmap_count: users of @map: the frames that show the buffer
 *	 (fakedisp_frame, one per colour plane it backs) and, for an
 *	 exported dumb buffer, other importers' vmaps; the mapping goes when
 *	 the last of them does
 * @link: entry in fakedisp_device.buffers
 */
struct fakedisp_bo {
	struct drm_gem_object base;
	u32 id;
	struct page **pages;
	struct sg_table *sgt;
	struct dma_buf *dmabuf;
	unsigned long ino;
	u64 pfn_hash;
	struct mutex vmap_lock; /* map, vmap_count */
	struct iosys_map map;
	unsigned int vmap_count;
	struct list_head link;
};

static inline struct fakedisp_bo *to_fakedisp_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct fakedisp_bo, base);
}

/**
 * struct fakedisp_frame - what the display scans out between two commits
 * @ref: held by the plane state that made it, the device while it is on
 *	 screen or waits in @released, and the scanout worker while it reads
 *	 it; the last put unmaps the buffers and may free them, so it happens
 *	 in process context and outside the commit's fence signalling section
 * @fb: the framebuffer (we hold a reference)
 * @id: commit sequence number, for the event log
 * @plane: index of the plane it is on (0: primary), in fakedisp_device.planes
 * @zpos: the plane's normalized zpos in that commit (0: bottom)
 * @format: DRM fourcc
 * @width: visible width in pixels (no scaling: source = CRTC size), after
 *	   clipping to the mode
 * @height: visible height
 * @src_x: first visible column of the framebuffer
 * @src_y: first visible row
 * @dst_x: where column @src_x is on the CRTC (0 .. mode width - @width)
 * @dst_y: where row @src_y is on the CRTC
 * @planes: CPU address of byte 0 of each colour plane (bo mapping + offset)
 * @bos: the buffer object of each plane; the frame holds a vmap reference
 *	 on each (one per plane), so a buffer is mapped only while a frame
 *	 that shows it exists
 * @pitches: bytes per row of each plane
 * @shown: set at the first vblank that scans it out
 * @retired: set when a newer frame replaced it; a read that overlaps it is
 *	 discarded because the buffer may legitimately be rewritten then
 * @stamp_seen: a valid stamp was read from it before
 * @stamp_seq: the seq of that stamp; a different one later means the buffer
 *	 was rewritten while on screen
 * @num_planes: colour planes of the format (1 to 3)
 * @sample_len: bytes at the start of each colour plane after the first
 *	 (of its first row, at most FAKEDISP_SAMPLE_BYTES) checked with the
 *	 stamp: with a plane in a buffer object of its own, a producer can
 *	 rewrite it without touching the stamp
 * @sample_hash: their hash when the stamp was first seen
 * @release_link: entry in fakedisp_device.released
 */
struct fakedisp_frame {
	struct kref ref;
	struct drm_framebuffer *fb;
	u64 id;
	unsigned int plane;
	unsigned int zpos;
	u32 format;
	u32 width;
	u32 height;
	u32 src_x;
	u32 src_y;
	u32 dst_x;
	u32 dst_y;
	const u8 *planes[4];
	struct fakedisp_bo *bos[4];
	u32 pitches[4];
	bool shown;
	bool retired;
	bool stamp_seen;
	u64 stamp_seq;
	unsigned int num_planes;
	u32 sample_len[4];
	u32 sample_hash[4];
	struct list_head release_link;
};

/* What of each chroma plane the stamp check hashes (fakedisp_frame). */
#define FAKEDISP_SAMPLE_BYTES 64

/**
 * struct fakedisp_plane_stats - what the scanout counted for one plane
 * @shown: frames latched on the plane by a flip
 * @vblanks: vblanks while the plane had a frame on screen
 * @scanned: reads of the plane's frame by the worker
 * @stamped_ok: reads that found an intact stamp matching the framebuffer
 * @unstamped: reads without a stamp magic
 * @bad_stamp: stamp magic present but version, size or layout wrong
 * @bad_checksum: stamp magic present but checksum wrong
 * @rewritten: stamp changed while the buffer stayed on screen
 * @discarded: reads thrown away because the frame was replaced meanwhile
 * @last_seq: seq of the last intact stamp
 */
struct fakedisp_plane_stats {
	u64 shown;
	u64 vblanks;
	u64 scanned;
	u64 stamped_ok;
	u64 unstamped;
	u64 bad_stamp;
	u64 bad_checksum;
	u64 rewritten;
	u64 discarded;
	u64 last_seq;
};

/**
 * struct fakedisp_plane - one plane and the frames it scans out
 * @base: the DRM plane
 * @index: 0 for the primary plane, 1.. for the overlays, then the cursor
 * @staged: the frame this commit puts on the plane (NULL: none), set in
 *	    atomic_update and published for every plane at once in the
 *	    CRTC's atomic_flush, so that a vblank between two planes'
 *	    updates cannot latch half a commit; commit tail only, no lock
 * @staged_set: the commit touched the plane (@staged is meaningful)
 * @on_screen: the frame the plane shows, NULL when none (scanout_lock)
 * @next: the frame the next vblank latches, NULL to take the plane off
 *	  (scanout_lock)
 * @flip: @next is to be latched at the next vblank (scanout_lock)
 * @stats: the plane's counters (scanout_lock)
 */
struct fakedisp_plane {
	struct drm_plane base;
	unsigned int index;
	struct fakedisp_frame *staged;
	bool staged_set;
	struct fakedisp_frame *on_screen;
	struct fakedisp_frame *next;
	bool flip;
	struct fakedisp_plane_stats stats;
};

static inline struct fakedisp_plane *to_fakedisp_plane(struct drm_plane *plane)
{
	return container_of(plane, struct fakedisp_plane, base);
}

/**
 * struct fakedisp_wb_job - a writeback job's buffer, as the worker writes it
 *	(drm_writeback_job.priv, fakedisp-writeback.c)
 * @bo: the buffer of the job's framebuffer; we hold a vmap reference
 * @rows: CPU address of its first row (mapping + the framebuffer's offset)
 * @pitch: bytes from one row to the next
 */
struct fakedisp_wb_job {
	struct fakedisp_bo *bo;
	u8 *rows;
	u32 pitch;
};

/**
 * struct fakedisp_screen - what the worker reads: the frames on screen at
 *	one vblank, and the vblanks the read stands for
 * @frames: a reference on the frame of each plane that had one, by plane
 * @count: entries of @frames
 * @width: the mode's width, the size of the composed output
 * @height: the mode's height
 * @flips: fakedisp_device.flips when taken: equal later means the same
 *	   frames are still on screen
 * @first: first vblank covered
 * @last: last vblank covered
 * @wb: the writeback job to write this screen into, NULL if none
 */
struct fakedisp_screen {
	struct fakedisp_frame *frames[FAKEDISP_MAX_PLANES];
	struct fakedisp_wb_job *wb;
	unsigned int count;
	u32 width;
	u32 height;
	u64 flips;
	u64 first;
	u64 last;
};

/**
 * struct fakedisp_plane_state - plane state with its frame
 * @base: the DRM plane state
 * @frame: built in prepare_fb (sleeping is allowed there, not in the
 *	   commit tail), published to the scanout in atomic_update
 */
struct fakedisp_plane_state {
	struct drm_plane_state base;
	struct fakedisp_frame *frame;
};

static inline struct fakedisp_plane_state *
to_fakedisp_plane_state(struct drm_plane_state *state)
{
	return container_of(state, struct fakedisp_plane_state, base);
}

/**
 * struct fakedisp_scanout_stats - what the scanout worker counted, for the
 *	whole screen; the stamp verdicts are the sums of every plane's
 * @vblanks: vblank timer ticks while a frame was on screen
 * @scanned: reads of the screen (every plane's frame) by the worker
 * @stamped_ok: plane reads that found an intact stamp
 * @unstamped: plane reads without a stamp magic (vgem, vivid, dumb buffers)
 * @bad_stamp: stamp magic present but version, size or layout wrong
 * @bad_checksum: stamp magic present but checksum wrong
 * @rewritten: stamp changed while the buffer stayed on screen
 * @last_seq: seq of the last intact stamp, on any plane
 * @merged: vblanks not read separately because the worker was busy and the
 *	    same frames were still on screen (their CRC entry reuses the read)
 * @skipped: vblanks not read at all: the worker was busy and a newer flip
 *	     had happened meanwhile
 * @discarded: screen reads thrown away because a frame was replaced while
 *	       read
 * @crc_entries: entries given to DRM's CRC interface
 * @timer_overruns: vblank timer ticks that came later than one period
 * @last_read_ns: duration of the last read
 * @max_read_ns: longest read
 */
struct fakedisp_scanout_stats {
	u64 vblanks;
	u64 scanned;
	u64 stamped_ok;
	u64 unstamped;
	u64 bad_stamp;
	u64 bad_checksum;
	u64 rewritten;
	u64 last_seq;
	u64 merged;
	u64 skipped;
	u64 discarded;
	u64 crc_entries;
	u64 timer_overruns;
	u64 last_read_ns;
	u64 max_read_ns;
};

/**
 * struct fakedisp_fence_stats - the in-fences commits waited for
 *	(fakedisp-fence.c), for the whole device
 * @waits: plane fences still unsignalled at prepare_fb, hence bounded
 * @signalled: of those, the ones that signalled within the bound
 * @errors: of those, the ones that signalled with an error set
 * @timed_out: the ones whose bound expired first: shown regardless
 * @cancelled: the ones the device going away ended
 * @max_wait_ns: the longest wait that ended with the fence's signal
 * @last_timeout_plane: index of the plane of the last timeout, -1 if none
 * @unsynced: reads of the scanout worker of a buffer with a write fence not
 *	      signalled: read as it is, without the CPU-access bracket (which
 *	      would wait for the fence)
 */
struct fakedisp_fence_stats {
	u64 waits;
	u64 signalled;
	u64 errors;
	u64 timed_out;
	u64 cancelled;
	u64 max_wait_ns;
	int last_timeout_plane;
	u64 unsynced;
};

#define FAKEDISP_EVENT_LOG_SIZE 512

/**
 * struct fakedisp_event - one line of the debugfs event log
 * @time_ns: CLOCK_MONOTONIC
 * @type: what happened, a string constant
 * @bo: buffer id, 0 when not about a buffer
 * @ino: dma-buf inode, 0 when none
 * @arg: event specific: framebuffer id, frame id, error code
 */
struct fakedisp_event {
	u64 time_ns;
	const char *type;
	u32 bo;
	unsigned long ino;
	u64 arg;
};

/**
 * struct fakedisp_device - one display (the module makes `devices` of them)
 * @drm: the DRM device (drm.dev: the faux or platform device it hangs on)
 * @index: which of the module's devices, 0..devices-1
 * @planes: the primary plane (index 0), the overlays, the cursor plane
 * @num_planes: 2 + the overlays
 * @crtc: the only CRTC
 * @encoder: a virtual encoder between them
 * @connector: the always connected virtual connector
 * @wb: the writeback connector (fakedisp-writeback.c)
 * @wb_queued: the job the commit tail queued, for the CRTC's atomic_flush
 * @wb_staged: the job flushed with a commit's frames, for the next vblank
 *	       (scanout_lock)
 * @wb_ready: the job of the screen that vblank latched, for the worker's
 *	      next read (scanout_lock)
 * @wb_jobs: writeback jobs queued and not yet completed (0 or 1)
 * @vblank_timer: fires once per refresh period while the CRTC is on
 * @period_ns: the refresh period, from the mode's timings
 * @vblank_time: expiry of the last tick, the vblank timestamp
 * @vblank_held: we hold a vblank reference while the CRTC is on
 * @scanout_lock: protects the planes' frames and counters, @released,
 *		  @pending*, @flips, @mode_*, @crc_enabled and @stats
 *		  against the vblank timer (hard irq); the tick holds it
 *		  around DRM's vblank handling, and the CRTC's atomic_flush
 *		  around publishing a commit's frames and arming its event,
 *		  so that the event goes out at the vblank that latches them;
 *		  outside DRM's event_lock and vblank locks
 * @released: frames taken off screen (by a flip, a newer commit or the
 *	       CRTC going off), for the worker or the commit tail to put
 * @pending: the screen the worker must read next
 * @pending_set: @pending holds frames
 * @flips: vblanks that changed what is on screen
 * @mode_width: the CRTC's mode, while it is on
 * @mode_height: ditto
 * @last_vblank: DRM's vblank count at the previous tick
 * @crc_enabled: CRC source "auto" is selected
 * @stats: the scanout counters
 * @scanout_wq: ordered workqueue of @scanout_work
 * @scanout_work: reads @pending
 * @compose_row: one row of the composed output, the worker's (the CRC)
 * @frame_seq: numbers the frames (commits)
 * @fence_lock: protects @fences, @fences_dying and @fence_stats; taken in
 *		any context, inside the lock of whatever fence signals
 * @fences: the bounded in-fences whose callback or timeout is pending
 *	    (struct fakedisp_fence)
 * @fences_dying: the device is going away: no new bounded fence
 * @fence_stats: what the bounded waits came to
 * @buffers_lock: protects @buffers and @next_bo_id
 * @buffers: every live fakedisp_bo
 * @next_bo_id: id of the next buffer
 * @log_lock: protects the event log
 * @log: ring of the last FAKEDISP_EVENT_LOG_SIZE events
 * @log_head: number of events ever logged
 * @debugfs: our folder in debugfs
 * @dumb_bytes: memory held by dumb buffers, capped at @dumb_max
 * @dumb_max: the cap (module parameter max_memory_mb), so that a DRM client
 *	      cannot pin unbounded memory with CREATE_DUMB
 */
struct fakedisp_device {
	struct drm_device drm;
	unsigned int index;

	struct fakedisp_plane planes[FAKEDISP_MAX_PLANES];
	unsigned int num_planes;
	struct drm_crtc crtc;
	struct drm_encoder encoder;
	struct drm_connector connector;
	struct drm_writeback_connector wb;
	struct fakedisp_wb_job *wb_queued;
	struct fakedisp_wb_job *wb_staged;
	struct fakedisp_wb_job *wb_ready;
	atomic_t wb_jobs;

	struct hrtimer vblank_timer;
	ktime_t period_ns;
	ktime_t vblank_time;
	bool vblank_held;

	spinlock_t scanout_lock; /* scanout vs the vblank timer */
	struct list_head released;
	struct fakedisp_screen pending;
	bool pending_set;
	u64 flips;
	u32 mode_width;
	u32 mode_height;
	u64 last_vblank;
	bool crc_enabled;
	struct fakedisp_scanout_stats stats;
	struct workqueue_struct *scanout_wq;
	struct work_struct scanout_work;
	u8 *compose_row;
	atomic64_t frame_seq;

	spinlock_t fence_lock; /* fences, fences_dying, fence_stats */
	struct list_head fences;
	bool fences_dying;
	struct fakedisp_fence_stats fence_stats;

	struct mutex buffers_lock; /* buffers, next_bo_id */
	struct list_head buffers;
	u32 next_bo_id;

	spinlock_t log_lock; /* log, log_head */
	struct fakedisp_event log[FAKEDISP_EVENT_LOG_SIZE];
	u64 log_head;
	struct dentry *debugfs;

	atomic_long_t dumb_bytes;
	unsigned long dumb_max;
};

static inline struct fakedisp_device *to_fakedisp(struct drm_device *drm)
{
	return container_of(drm, struct fakedisp_device, drm);
}

/* fakedisp-kms.c */
int fakedisp_kms_init(struct fakedisp_device *fd);
int fakedisp_conn_get_modes(struct drm_connector *connector);
struct drm_framebuffer *
fakedisp_fb_create_checked(struct drm_device *dev, struct drm_file *file,
			   const struct drm_format_info *info,
			   const struct drm_mode_fb_cmd2 *cmd);

/* fakedisp-gem.c */
int fakedisp_dumb_create(struct drm_file *file, struct drm_device *drm,
			 struct drm_mode_create_dumb *args);
void fakedisp_bo_register(struct fakedisp_device *fd, struct fakedisp_bo *bo);
int fakedisp_bo_vmap(struct fakedisp_bo *bo);
void fakedisp_bo_vunmap(struct fakedisp_bo *bo);
extern const struct drm_gem_object_funcs fakedisp_bo_funcs;

/* fakedisp-prime.c */
struct drm_gem_object *fakedisp_gem_prime_import(struct drm_device *drm,
						 struct dma_buf *dmabuf);
int fakedisp_import_vmap(struct fakedisp_bo *bo);
void fakedisp_import_vunmap(struct fakedisp_bo *bo);
void fakedisp_import_release(struct fakedisp_bo *bo);

/* fakedisp-scanout.c */
struct fakedisp_frame *fakedisp_frame_create(struct drm_plane_state *state);
void fakedisp_frame_put(struct fakedisp_frame *frame);
void fakedisp_scanout_stage(struct fakedisp_device *fd,
			    struct fakedisp_plane *plane,
			    struct fakedisp_frame *frame);
void fakedisp_scanout_commit_locked(struct fakedisp_device *fd, bool active);
void fakedisp_scanout_off(struct fakedisp_device *fd);
void fakedisp_scanout_put_released(struct fakedisp_device *fd);
void fakedisp_scanout_on(struct fakedisp_device *fd, u64 vblank,
			 const struct drm_display_mode *mode);
bool fakedisp_scanout_flip_locked(struct fakedisp_device *fd);
bool fakedisp_scanout_vblank_locked(struct fakedisp_device *fd, u64 vblank,
				    u64 overruns);
void fakedisp_scanout_work(struct work_struct *work);
const char *const *fakedisp_get_crc_sources(struct drm_crtc *crtc,
					    size_t *count);
int fakedisp_verify_crc_source(struct drm_crtc *crtc, const char *source,
			       size_t *values_cnt);
int fakedisp_set_crc_source(struct drm_crtc *crtc, const char *source);

/* fakedisp-fence.c */
int fakedisp_fence_bound(struct drm_plane_state *state);
void fakedisp_fences_teardown(struct fakedisp_device *fd);

/* fakedisp-compose.c */
#define FAKEDISP_COMPOSE_CPP 4
u32 fakedisp_compose(struct fakedisp_frame *const *frames, unsigned int count,
		     u32 width, u32 height, u8 *row, struct fakedisp_wb_job *wb);

/* fakedisp-writeback.c */
int fakedisp_writeback_init(struct fakedisp_device *fd);
void fakedisp_wb_complete(struct fakedisp_device *fd, int status);

/* fakedisp-debugfs.c */
void fakedisp_event(struct fakedisp_device *fd, const char *type,
		    u32 bo, unsigned long ino, u64 arg);
void fakedisp_debugfs_init(struct fakedisp_device *fd);
void fakedisp_debugfs_fini(struct fakedisp_device *fd);

#endif /* FAKEDISP_H */
