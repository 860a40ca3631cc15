/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fakecam: a V4L2 capture device whose frames live in system pages that the
 * module exports as dma-bufs with its own dma_buf_ops.
 *
 * This header ties the files together:
 *   fakecam-drv.c      module parameters, one platform device per camera
 *   fakecam-v4l2.c     the V4L2 ioctls, formats and controls
 *   fakecam-queue.c    the vb2 queue and the frame generator thread
 *   fakecam-memops.c   vb2_mem_ops: page buffers (MMAP) and imports (DMABUF)
 *   fakecam-dmabuf.c   the dma-buf exporter: struct dma_buf_ops
 *   fakecam-fence.c    the write fence of each frame
 *   fakecam-pattern.c  writes stamp and test pattern into a frame
 *   fakecam-debugfs.c  buffer list and event log under debugfs
 *   fakecam_trace.h    the fakecam:fakecam_dmabuf tracepoint
 *   fakecam-compat.h   kernel-version differences
 */
#ifndef FAKECAM_H
#define FAKECAM_H

#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/iosys-map.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/refcount.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-device.h>
#include <media/videobuf2-memops.h>
#include <media/videobuf2-v4l2.h>

#define FAKECAM_NAME		"fakecam"
#define FAKECAM_MAX_DEVICES	8

#define FAKECAM_MIN_WIDTH	64
#define FAKECAM_MIN_HEIGHT	64
#define FAKECAM_MAX_WIDTH	3840
#define FAKECAM_MAX_HEIGHT	2160
#define FAKECAM_MIN_FPS		1
#define FAKECAM_MAX_FPS		240
/* CREATE_BUFS may ask for larger buffers than the format needs, not this. */
#define FAKECAM_MAX_BUFFER_SIZE	(2 * FAKECAM_MAX_WIDTH * FAKECAM_MAX_HEIGHT * 4)

/* Driver-specific controls, in a range no in-tree driver uses. */
#define FAKECAM_CID_BASE	(V4L2_CID_USER_BASE + 0x1f00)
#define FAKECAM_CID_UNTHROTTLED	(FAKECAM_CID_BASE + 0)
#define FAKECAM_CID_PATTERN	(FAKECAM_CID_BASE + 1)
#define FAKECAM_CID_FILL_LATENCY	(FAKECAM_CID_BASE + 2)
#define FAKECAM_CID_EARLY_DONE	(FAKECAM_CID_BASE + 3)

/* The longest "Fill Latency (us)": one second. */
#define FAKECAM_MAX_FILL_LATENCY_US	1000000

enum fakecam_pattern_mode {
	FAKECAM_PATTERN_FULL = 0,
	FAKECAM_PATTERN_STAMP_ONLY = 1,
};

/* vb2 planes of a buffer (NV12M: luma and chroma), colour planes of a frame */
#define FAKECAM_MAX_PLANES	2
#define FAKECAM_MAX_COLOUR_PLANES	3

/* Which of the two capture APIs a format is offered in. */
#define FAKECAM_SPLANE		BIT(0)	/* V4L2_BUF_TYPE_VIDEO_CAPTURE */
#define FAKECAM_MPLANE		BIT(1)	/* V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE */

/**
 * struct fakecam_plane_desc - one colour plane of a format
 * @bpl_div: its bytes per line are the first plane's divided by this
 * @rows_div: its rows are the image height divided by this
 */
struct fakecam_plane_desc {
	u8 bpl_div;
	u8 rows_div;
};

/**
 * struct fakecam_format - a pixel format the camera produces
 * @fourcc: V4L2 pixel format
 * @drm_fourcc: the DRM format with the same memory layout (goes in the stamp)
 * @bpp: bytes per pixel of the first plane
 * @step_w: width granularity
 * @step_h: height granularity
 * @modes: FAKECAM_SPLANE and/or FAKECAM_MPLANE
 * @mem_planes: vb2 planes (memory buffers) of a frame: 1, every colour
 *	plane one after the other in it, or @n_planes, each in its own
 * @n_planes: colour planes
 * @planes: their geometry
 */
struct fakecam_format {
	u32 fourcc;
	u32 drm_fourcc;
	u8 bpp;
	u8 step_w;
	u8 step_h;
	u8 modes;
	u8 mem_planes;
	u8 n_planes;
	struct fakecam_plane_desc planes[FAKECAM_MAX_COLOUR_PLANES];
};

/**
 * struct fakecam_dev - one camera
 * @v4l2_dev: the V4L2 device
 * @vdev: the video node
 * @queue: the capture queue
 * @lock: serialises ioctls and the queue (vdev.lock and queue.lock)
 * @ctrls: control handler
 * @unthrottled: produce frames as fast as buffers come back (control value,
 *	copied here so that the generator never takes the handler's lock)
 * @pattern_mode: enum fakecam_pattern_mode (control value, ditto)
 * @fill_latency_us: how long a frame's write fence stays unsignalled after
 *	the frame is written ("Fill Latency (us)" control, ditto)
 * @early_done: hand a buffer back as soon as its write fence is published,
 *	before the fill ("Early Done" control, ditto)
 * @pdev: the platform device; its struct device imports dma-bufs
 * @index: camera number, the <dev> of the dma-buf names
 * @mplane: the node is multi-planar (module parameter mplane): the
 *	_mplane ioctls and V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
 * @pix: the current format, in the multi-planar form whatever the API
 * @fmt: the description of @pix.pixelformat
 * @timeperframe: the current frame interval
 * @interval_ns: @timeperframe in nanoseconds, read by the generator
 * @active_lock: protects @active
 * @active: buffers queued to the driver, oldest first
 * @generator: the frame generator thread while streaming
 * @generator_wq: wakes the generator when a buffer is queued
 * @filling: the buffer the generator took off @active and has not handed
 *	back yet; only the generator touches it while it runs,
 *	stop_streaming() once it has stopped
 * @sequence: sequence number of the next frame
 * @fence_timeouts: frames given up because the buffer's fences did not
 *	signal within fence_timeout_ms (debugfs <N>/stats)
 * @waits_interrupted: fence waits cut short by stop_streaming()
 * @fill_errors: frames not written for another reason (no mapping, an
 *	exporter's begin_cpu_access failed)
 * @fence_context: the dma_fence context of this camera's write fences
 * @fence_seqno: seqno of the last write fence (never reset: seqnos of one
 *	context must only grow)
 * @fence_waits: frames whose buffer had unsignalled fences when the
 *	generator came to it, so that it had to wait
 * @fences_published: write fences added to a buffer's reservation object
 * @fences_signalled: of those, signalled (all of them, once the stream
 *	has stopped)
 * @fences_signalled_error: of those, signalled with an error set
 *	(-ECANCELED: STREAMOFF, close or REQBUFS cut the frame short)
 * @buffers_lock: protects @buffers and @imports
 * @buffers: every live page buffer of this camera (struct fakecam_buffer)
 * @imports: every dma-buf attached to this camera (struct fakecam_import)
 * @allocated: bytes in @buffers, capped at @max_allocated so that user space
 *	cannot exhaust memory with REQBUFS/CREATE_BUFS
 * @max_allocated: the cap (module parameter max_memory_mb)
 * @debugfs: this camera's debugfs folder
 */
struct fakecam_dev {
	struct v4l2_device v4l2_dev;
	struct video_device vdev;
	struct vb2_queue queue;
	struct mutex lock; /* vdev.lock and queue.lock */
	struct v4l2_ctrl_handler ctrls;
	bool unthrottled;
	u32 pattern_mode;
	u32 fill_latency_us;
	bool early_done;
	struct platform_device *pdev;
	unsigned int index;
	bool mplane;

	struct v4l2_pix_format_mplane pix;
	const struct fakecam_format *fmt;
	struct v4l2_fract timeperframe;
	u64 interval_ns;

	spinlock_t active_lock; /* guards active */
	struct list_head active;
	struct task_struct *generator;
	wait_queue_head_t generator_wq;
	struct fakecam_vb *filling;
	u32 sequence;
	atomic_t fence_timeouts;
	atomic_t waits_interrupted;
	atomic_t fill_errors;
	u64 fence_context;
	u64 fence_seqno;
	atomic_t fence_waits;
	atomic_t fences_published;
	atomic_t fences_signalled;
	atomic_t fences_signalled_error;

	struct mutex buffers_lock; /* guards buffers, imports */
	struct list_head buffers;
	struct list_head imports;
	atomic_long_t allocated;
	unsigned long max_allocated;
	struct dentry *debugfs;
};

/**
 * struct fakecam_buffer - the memory of one MMAP buffer: system pages
 * @cam: the camera that allocated it
 * @index: vb2 index at allocation time
 * @plane: vb2 plane of that buffer (set by buf_init, 0 until then)
 * @id: unique number of this allocation
 * @size: size in bytes, a multiple of PAGE_SIZE
 * @n_pages: number of pages
 * @pages: the pages, allocated one by one (not contiguous)
 * @pfn_hash: pfn_hash_pages() of @pages, the zero-copy fingerprint
 * @refcount: vb2 owner + each user mapping + each exported dma-buf (+ the
 *	generator while it fills the buffer)
 * @resv: the reservation object of every dma-buf exported from this
 *	buffer (dma_buf_export_info.resv): fences added through any export,
 *	and fakecam's own write fences, are seen by all of them and by the
 *	generator. Part of the buffer, which every export holds a reference
 *	on, so it outlives every dma-buf that points at it.
 * @handler: lets vb2_common_vm_ops hold @refcount for user mappings
 * @vmap_lock: protects @vaddr and @vmap_count
 * @vaddr: kernel mapping of @pages, while @vmap_count > 0
 * @vmap_count: users of @vaddr (the generator, dma_buf_vmap callers)
 * @vb2_vmapped: vb2's vaddr op took a @vmap_count reference
 * @exports_lock: protects @exports
 * @exports: the live dma-bufs exported from this buffer
 * @node: entry in fakecam_dev.buffers
 */
struct fakecam_buffer {
	struct fakecam_dev *cam;
	unsigned int index;
	unsigned int plane;
	u64 id;
	size_t size;
	unsigned int n_pages;
	struct page **pages;
	u64 pfn_hash;
	refcount_t refcount;
	struct vb2_vmarea_handler handler;
	struct dma_resv resv;

	struct mutex vmap_lock; /* guards vaddr, vmap_count */
	void *vaddr;
	unsigned int vmap_count;
	bool vb2_vmapped;

	struct mutex exports_lock; /* guards exports */
	struct list_head exports;
	struct list_head node;
};

/**
 * struct fakecam_export - one dma-buf exported from a fakecam_buffer
 * @buf: the buffer; the export holds a reference on it
 * @dbuf: the dma-buf
 * @ino: the inode number of the dma-buf's file
 * @lock: protects @attachments
 * @attachments: struct fakecam_attachment of every attached importer
 * @node: entry in fakecam_buffer.exports
 */
struct fakecam_export {
	struct fakecam_buffer *buf;
	struct dma_buf *dbuf;
	u64 ino;
	struct mutex lock; /* guards attachments */
	struct list_head attachments;
	struct list_head node;
};

/**
 * struct fakecam_import - a plane backed by another exporter's dma-buf
 * @cam: the camera
 * @index: vb2 index of the buffer
 * @plane: vb2 plane of that buffer (set by buf_init, 0 until then)
 * @dbuf: the imported dma-buf (vb2 holds the reference); NULL while the
 *	  slot is free
 * @ino: the inode number of @dbuf's file, as the exporter reports it
 * @dev: the device vb2 gave for the plane (the camera's), to attach for
 * @attach: our attachment to it, made for @dev at the first map; NULL
 *	    before
 * @sgt: the importer mapping while vb2 has the plane mapped
 * @dir: the DMA direction of @sgt (FAKECAM_IMPORT_DIR)
 * @map: the kernel mapping (dma_buf_vmap()), taken with @sgt
 * @vmapped: @map is valid
 * @pfn_hash: pfn_hash_sgt_dma() of the last mapping, the zero-copy fingerprint
 *	to compare with the exporter's (valid once @hashed)
 * @hashed: the plane was mapped at least once
 * @size: the plane's length, which @dbuf must hold
 * @node: entry in fakecam_dev.imports
 */
struct fakecam_import {
	struct fakecam_dev *cam;
	unsigned int index;
	unsigned int plane;
	struct dma_buf *dbuf;
	u64 ino;
	struct device *dev;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	struct iosys_map map;
	bool vmapped;
	u64 pfn_hash;
	bool hashed;
	unsigned long size;
	struct list_head node;
};

/**
 * struct fakecam_vb - a vb2 buffer of the capture queue
 * @vb: the vb2 buffer
 * @node: entry in fakecam_dev.active
 * @imports: its planes' imports (V4L2_MEMORY_DMABUF), one per plane: part
 *	     of the buffer, so that attach_dmabuf never fails (see
 *	     fakecam_mem_attach_dmabuf())
 */
struct fakecam_vb {
	struct vb2_v4l2_buffer vb;
	struct list_head node;
	struct fakecam_import imports[VB2_MAX_PLANES];
};

/* fakecam-memops.c */
extern const struct vb2_mem_ops fakecam_memops;
void fakecam_buffer_get(struct fakecam_buffer *buf);
void fakecam_buffer_put(void *buf_priv);
void *fakecam_buffer_vmap(struct fakecam_buffer *buf);
void fakecam_buffer_vunmap(struct fakecam_buffer *buf);
int fakecam_buffer_map_user(struct fakecam_buffer *buf,
			    struct vm_area_struct *vma);

/**
 * struct fakecam_target_plane - what the generator writes one plane into
 * @buf: an MMAP buffer, with a reference held by the generator; or NULL
 * @dbuf: an imported dma-buf, with a reference held by the generator; or
 *	NULL
 * @map: the generator's own dma_buf_vmap() of @dbuf
 * @cpu_access: dma_buf_begin_cpu_access() of @dbuf succeeded and awaits
 *	its dma_buf_end_cpu_access()
 */
struct fakecam_target_plane {
	struct fakecam_buffer *buf;
	struct dma_buf *dbuf;
	struct iosys_map map;
	bool cpu_access;
};

/**
 * struct fakecam_target - what the generator writes one frame into
 * @n_planes: the vb2 planes of the buffer
 * @planes: each plane's references
 * @vaddr: the kernel address of each plane
 * @n_resv: distinct entries of @resv
 * @resv: the reservation objects the generator waits on and publishes its
 *	fence in: one per plane, but once when two planes share one (the
 *	same dma-buf imported for both)
 *
 * The generator's own references, so that the frame can be written after
 * the vb2 buffer went back to user space ("Early Done"): a QBUF with
 * another fd may then unmap and detach the plane's import meanwhile.
 */
struct fakecam_target {
	unsigned int n_planes;
	struct fakecam_target_plane planes[FAKECAM_MAX_PLANES];
	void *vaddr[FAKECAM_MAX_PLANES];
	unsigned int n_resv;
	struct dma_resv *resv[FAKECAM_MAX_PLANES];
};

int fakecam_target_get(struct vb2_buffer *vb, struct fakecam_target *t);
int fakecam_target_wait(struct fakecam_dev *cam, struct fakecam_target *t,
			unsigned long timeout, bool wait);
int fakecam_target_begin_cpu(struct fakecam_target *t, bool wait);
void fakecam_target_flush(struct fakecam_target *t);
void fakecam_target_end_cpu(struct fakecam_target *t);
void fakecam_target_put(struct fakecam_target *t);

/* fakecam-dmabuf.c */
struct dma_buf *fakecam_export(struct fakecam_buffer *buf,
			       unsigned long flags);
void fakecam_export_sync_for_device(struct fakecam_export *exp);
void fakecam_export_show(struct seq_file *m, struct fakecam_export *exp);

/* fakecam-fence.c */
struct fakecam_fence;
struct fakecam_fence *fakecam_fence_alloc(struct fakecam_dev *cam);
void fakecam_fence_free(struct fakecam_fence *fence);
int fakecam_fence_publish(struct fakecam_dev *cam,
			  struct fakecam_fence *fence, struct dma_resv **resv,
			  unsigned int n_resv, bool *cookie);
void fakecam_fence_signal(struct fakecam_dev *cam,
			  struct fakecam_fence *fence, int error, bool cookie);

/* fakecam-drv.c */
extern unsigned int fakecam_fence_timeout_ms;
extern bool fakecam_fence_wait;

/* fakecam-queue.c */
int fakecam_queue_init(struct fakecam_dev *cam);

/* fakecam-v4l2.c */
extern const struct fakecam_format fakecam_formats[];
extern const unsigned int fakecam_n_formats;
const struct fakecam_format *fakecam_find_format(u32 fourcc, bool mplane);
void fakecam_fill_pix_mp(struct v4l2_pix_format_mplane *pix,
			 const struct fakecam_format *fmt);
void fakecam_set_interval(struct fakecam_dev *cam, struct v4l2_fract tpf);
int fakecam_video_register(struct fakecam_dev *cam);

/* fakecam-pattern.c */
void fakecam_pattern_fill(void * const vaddr[],
			  const struct v4l2_pix_format_mplane *pix,
			  const struct fakecam_format *fmt, u32 seq,
			  u64 timestamp_ns, bool stamp_only);

/* fakecam-debugfs.c */
enum fakecam_event_op {
	FAKECAM_EV_EXPORT,
	FAKECAM_EV_ATTACH,
	FAKECAM_EV_MAP,
	FAKECAM_EV_UNMAP,
	FAKECAM_EV_DETACH,
	FAKECAM_EV_RELEASE,
	FAKECAM_EV_BEGIN_CPU,
	FAKECAM_EV_END_CPU,
	FAKECAM_EV_VMAP,
	FAKECAM_EV_VUNMAP,
	FAKECAM_EV_MMAP,
	FAKECAM_EV_IMPORT_ATTACH,
	FAKECAM_EV_IMPORT_MAP,
	FAKECAM_EV_IMPORT_UNMAP,
	FAKECAM_EV_IMPORT_DETACH,
};

void fakecam_event(struct fakecam_dev *cam, enum fakecam_event_op op,
		   unsigned int index, u64 ino, struct device *peer);
void fakecam_debugfs_init(void);
void fakecam_debugfs_exit(void);
void fakecam_debugfs_add(struct fakecam_dev *cam);

#endif /* FAKECAM_H */
