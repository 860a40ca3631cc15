// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fakedisp-fences: fakedisp and dma-fences, at 640x480 on vgem buffers
 * imported into fakedisp (vgem's fences: DRM_IOCTL_VGEM_FENCE_ATTACH and
 * _SIGNAL), one mode per run:
 *
 *   implicit   a vgem write fence on the buffer of a page flip holds the
 *              flip (no event for 6 vblanks, counted with drmWaitVBlank),
 *              which completes within 2 vblanks of the signal (IGT's
 *              prime_vgem fence-flip is the model); a read fence does not
 *              hold it (a display only reads); debugfs "fences" counts the
 *              wait, its events log has it;
 *   in-fence   the same through IN_FENCE_FD, a sync_file exported from
 *              another vgem buffer (DMA_BUF_IOCTL_EXPORT_SYNC_FILE), on the
 *              primary plane and on an overlay; an explicit fence overrules
 *              the buffer's implicit one; a non-sync_file fd is refused;
 *   out-fence  OUT_FENCE_PTR of a nonblocking flip is unsignalled right
 *              after the commit and signals with the flip event: its
 *              timestamp (SYNC_IOC_FILE_INFO) is the event's, and the
 *              vblank that latched the frame (fakedisp's frame-shown) is
 *              that one; the same for a flip held by an in-fence, and for a
 *              commit that turns the CRTC off; a blocking commit whose
 *              IN_FENCE_FD is a held flip's out-fence waits for it (the
 *              proxy's callback runs in the vblank tick); TEST_ONLY gives
 *              -1;
 *   timeout    (fence_timeout_ms=1000, set by the scenario) a flip whose
 *              fence never signals completes after about the bound, well
 *              before vgem's own 10 s; a second nonblocking commit meanwhile
 *              gets EBUSY; the timeout is counted; the display works
 *              afterwards (a flip within 3 vblanks), the scanout reads the
 *              buffer on without waiting for its fence ("unsynced"); a
 *              blocking commit on an overlay is bounded the same way;
 *   unload     (fence_timeout_ms=0, no bound) a flip waits for a fence that
 *              never signals, its out-fence imported into an observer
 *              vgem buffer; the framebuffers are closed (CLOSEFB, 6.8+)
 *              and the card too, then --ready FILE is created and the
 *              scenario unloads fakedisp: the out-fence must signal (the
 *              observer's poll) during the unload, long before vgem's 10 s,
 *              and fakedisp be gone with the fence still unsignalled (no
 *              part of the unload waited for it);
 *   syncobj    DRM syncobjs on fakedisp, as IGT's syncobj_basic and
 *              syncobj_timeline basics: create, destroy, opaque fds,
 *              sync_file import and export, waits that time out and that
 *              return after the signal, reset and signal, timeline points
 *              (signal, query, wait, wait for submit and for availability,
 *              transfer both ways); then as compositors do: the acquire
 *              point of a flip as its IN_FENCE_FD, its OUT_FENCE imported
 *              into a release timeline point and waited for.
 *
 * Prints one line per check; exits 1 at the first failure, 77 when the
 * kernel lacks what the mode needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "fakedisp-debugfs.h"
#include "kms-pipe.h"
#include "test-check.h"

/* vgem's uapi (include/uapi/drm/vgem_drm.h), which libdrm does not ship. */
struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};
struct vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};
#define VGEM_FENCE_WRITE	0x1
#define VGEM_IOCTL_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

/* 6.8's CLOSEFB, newer than this libdrm. */
struct mode_closefb {
	uint32_t fb_id;
	uint32_t pad;
};
#define IOCTL_MODE_CLOSEFB DRM_IOWR(0xD0, struct mode_closefb)

#define MODE_W	     640
#define MODE_H	     480
#define HOLD_VBLANKS 6

enum {
	P_FB_ID,
	P_CRTC_ID,
	P_SRC_X,
	P_SRC_Y,
	P_SRC_W,
	P_SRC_H,
	P_CRTC_X,
	P_CRTC_Y,
	P_CRTC_W,
	P_CRTC_H,
	P_IN_FENCE_FD,
	P_COUNT
};
static const char *const plane_props[P_COUNT] = {"FB_ID",  "CRTC_ID", "SRC_X",	    "SRC_Y",
						 "SRC_W",  "SRC_H",   "CRTC_X",	    "CRTC_Y",
						 "CRTC_W", "CRTC_H",  "IN_FENCE_FD"};

struct plane {
	uint32_t id;
	uint32_t prop[P_COUNT];
};

/* A vgem dumb buffer, exported, imported into fakedisp, with a framebuffer. */
struct buf {
	uint32_t w, h;
	uint32_t vgem_handle;
	int dmabuf;
	unsigned long ino;
	uint32_t handle, fb;
};

/* What one plane shows in a commit: @b NULL turns it off. */
struct plane_set {
	const struct plane *plane;
	const struct buf *b;
	int32_t x, y;
	int in_fence; /* -1: none */
};

static int card = -1, vgem = -1;
static uint32_t crtc_id, conn_id, conn_crtc_prop, mode_prop, active_prop, out_fence_prop;
static uint32_t mode_blob;
static drmModeModeInfo mode;
static struct plane primary, overlay;
static uint64_t period_ns;

static struct {
	bool got;
	unsigned int seq;
	uint64_t usec;
} ev;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* libdrm returns -1 and errno from some calls, -errno from others. */
static int err_of(int ret)
{
	return ret == -1 ? errno : -ret;
}

static uint32_t prop_id(uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(card, obj, type);
	uint32_t id = 0;

	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyPtr p = drmModeGetProperty(card, props->props[i]);

		if (p && strcmp(p->name, name) == 0)
			id = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	CHECK(id, "object %u has no property %s", obj, name);
	return id;
}

static uint64_t prop_value(uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(card, obj, type);
	uint32_t id = prop_id(obj, type, name);
	uint64_t value = 0;

	for (uint32_t i = 0; props && i < props->count_props; i++)
		if (props->props[i] == id)
			value = props->prop_values[i];
	drmModeFreeObjectProperties(props);
	return value;
}

static void plane_init(struct plane *p, uint32_t id)
{
	p->id = id;
	for (int i = 0; i < P_COUNT; i++)
		p->prop[i] = prop_id(id, DRM_MODE_OBJECT_PLANE, plane_props[i]);
}

static void setup(void)
{
	int minor;

	card = kms_open_driver("fakedisp", &minor);
	CHECK(card >= 0, "no fakedisp card");
	CHECK(!drmSetClientCap(card, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) &&
		  !drmSetClientCap(card, DRM_CLIENT_CAP_ATOMIC, 1),
	      "atomic client caps: %s", strerror(errno));

	drmModeResPtr res = drmModeGetResources(card);
	CHECK(res && res->count_crtcs == 1 && res->count_connectors == 1,
	      "one CRTC, one connector");
	crtc_id = res->crtcs[0];
	conn_id = res->connectors[0];
	drmModeFreeResources(res);

	drmModeConnectorPtr conn = drmModeGetConnector(card, conn_id);
	bool found = false;
	for (int i = 0; conn && i < conn->count_modes && !found; i++) {
		if (conn->modes[i].hdisplay == MODE_W && conn->modes[i].vdisplay == MODE_H) {
			mode = conn->modes[i];
			found = true;
		}
	}
	drmModeFreeConnector(conn);
	CHECK(found, "no %ux%u mode", MODE_W, MODE_H);
	CHECK(!drmModeCreatePropertyBlob(card, &mode, sizeof(mode), &mode_blob), "mode blob");

	drmModePlaneResPtr pr = drmModeGetPlaneResources(card);
	for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
		uint64_t type = prop_value(pr->planes[i], DRM_MODE_OBJECT_PLANE, "type");

		if (type == DRM_PLANE_TYPE_PRIMARY && !primary.id)
			plane_init(&primary, pr->planes[i]);
		else if (type == DRM_PLANE_TYPE_OVERLAY && !overlay.id)
			plane_init(&overlay, pr->planes[i]);
	}
	drmModeFreePlaneResources(pr);
	CHECK(primary.id && overlay.id, "a primary plane and an overlay");

	conn_crtc_prop = prop_id(conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	mode_prop = prop_id(crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	active_prop = prop_id(crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	out_fence_prop = prop_id(crtc_id, DRM_MODE_OBJECT_CRTC, "OUT_FENCE_PTR");

	long long hz = scanout_counter("refresh_hz");
	CHECK(hz > 0, "refresh_hz in debugfs");
	period_ns = 1000000000ull / (uint64_t)hz;

	vgem = kms_open_driver("vgem", NULL);
	CHECK(vgem >= 0, "no vgem card (modprobe vgem)");
}

static void buf_make(struct buf *b, uint32_t w, uint32_t h, uint8_t fill)
{
	struct drm_mode_create_dumb create = {.width = w, .height = h, .bpp = 32};
	struct drm_mode_map_dumb map = {0};
	uint32_t handles[4] = {0}, pitches[4] = {0}, offsets[4] = {0};
	struct stat st;
	uint8_t *p;

	memset(b, 0, sizeof(*b));
	b->w = w;
	b->h = h;
	CHECK(!drmIoctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create), "vgem CREATE_DUMB: %s",
	      strerror(errno));
	b->vgem_handle = create.handle;
	map.handle = create.handle;
	CHECK(!drmIoctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map), "vgem MAP_DUMB: %s", strerror(errno));
	p = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, vgem, map.offset);
	CHECK(p != MAP_FAILED, "mmap vgem buffer: %s", strerror(errno));
	memset(p, fill, create.size);
	munmap(p, create.size);
	CHECK(!drmPrimeHandleToFD(vgem, create.handle, DRM_CLOEXEC | DRM_RDWR, &b->dmabuf),
	      "vgem PRIME export: %s", strerror(errno));
	CHECK(!fstat(b->dmabuf, &st), "fstat dma-buf");
	b->ino = (unsigned long)st.st_ino;
	CHECK(!drmPrimeFDToHandle(card, b->dmabuf, &b->handle), "fakedisp PRIME import: %s",
	      strerror(errno));
	handles[0] = b->handle;
	pitches[0] = create.pitch;
	CHECK(!drmModeAddFB2(card, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &b->fb, 0),
	      "ADDFB2: %s", strerror(errno));
}

/* An unsignalled vgem fence on @b (write or read usage); its vgem id. */
static uint32_t vgem_fence(const struct buf *b, bool write)
{
	struct vgem_fence_attach attach = {.handle = b->vgem_handle,
					   .flags = write ? VGEM_FENCE_WRITE : 0};

	CHECK(!drmIoctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &attach), "VGEM_FENCE_ATTACH: %s",
	      strerror(errno));
	return attach.out_fence;
}

static void vgem_signal(uint32_t fence)
{
	struct vgem_fence_signal signal = {.fence = fence};

	CHECK(!drmIoctl(vgem, VGEM_IOCTL_FENCE_SIGNAL, &signal), "VGEM_FENCE_SIGNAL: %s",
	      strerror(errno));
}

/* The fences a reader of @dmabuf waits for (its write fences), a sync_file. */
static int export_sync_file(int dmabuf)
{
	struct dma_buf_export_sync_file exp = {.flags = DMA_BUF_SYNC_READ, .fd = -1};

	CHECK(!ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp),
	      "DMA_BUF_IOCTL_EXPORT_SYNC_FILE: %s", strerror(errno));
	return exp.fd;
}

/* The first fence of sync_file @fd: status 0 active, 1 signalled, <0 error. */
static struct sync_fence_info sync_info(int fd)
{
	struct sync_fence_info fence = {0};
	struct sync_file_info info = {0};

	CHECK(!ioctl(fd, SYNC_IOC_FILE_INFO, &info), "SYNC_IOC_FILE_INFO: %s", strerror(errno));
	CHECK(info.num_fences >= 1, "a sync_file without fences");
	info.num_fences = 1;
	info.sync_fence_info = (uint64_t)(uintptr_t)&fence;
	CHECK(!ioctl(fd, SYNC_IOC_FILE_INFO, &info), "SYNC_IOC_FILE_INFO: %s", strerror(errno));
	return fence;
}

static void add(drmModeAtomicReqPtr req, uint32_t obj, uint32_t prop, uint64_t value)
{
	CHECK(drmModeAtomicAddProperty(req, obj, prop, value) > 0, "drmModeAtomicAddProperty");
}

/*
 * One atomic commit: the planes of @ps as given (with their in-fences), a
 * modeset first when @modeset, the CRTC's OUT_FENCE_PTR when @out_fence.
 * Returns -errno.
 */
static int commit(const struct plane_set *ps, int n, bool modeset, int *out_fence, uint32_t flags)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int ret;

	if (modeset) {
		add(req, conn_id, conn_crtc_prop, crtc_id);
		add(req, crtc_id, mode_prop, mode_blob);
		add(req, crtc_id, active_prop, 1);
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
	}
	for (int i = 0; i < n; i++) {
		const struct plane *p = ps[i].plane;
		const struct buf *b = ps[i].b;

		add(req, p->id, p->prop[P_FB_ID], b ? b->fb : 0);
		add(req, p->id, p->prop[P_CRTC_ID], b ? crtc_id : 0);
		if (b) {
			add(req, p->id, p->prop[P_SRC_X], 0);
			add(req, p->id, p->prop[P_SRC_Y], 0);
			add(req, p->id, p->prop[P_SRC_W], (uint64_t)b->w << 16);
			add(req, p->id, p->prop[P_SRC_H], (uint64_t)b->h << 16);
			add(req, p->id, p->prop[P_CRTC_X], (uint64_t)(int64_t)ps[i].x);
			add(req, p->id, p->prop[P_CRTC_Y], (uint64_t)(int64_t)ps[i].y);
			add(req, p->id, p->prop[P_CRTC_W], b->w);
			add(req, p->id, p->prop[P_CRTC_H], b->h);
		}
		if (ps[i].in_fence >= 0)
			add(req, p->id, p->prop[P_IN_FENCE_FD], (uint64_t)ps[i].in_fence);
	}
	if (out_fence) {
		*out_fence = -1;
		add(req, crtc_id, out_fence_prop, (uint64_t)(uintptr_t)out_fence);
	}
	ret = drmModeAtomicCommit(card, req, flags, NULL) ? -errno : 0;
	drmModeAtomicFree(req);
	return ret;
}

/* The primary plane shows @b (with @in_fence, -1: none). */
static int show(const struct buf *b, int in_fence, int *out_fence, uint32_t flags)
{
	struct plane_set ps = {.plane = &primary, .b = b, .in_fence = in_fence};

	return commit(&ps, 1, false, out_fence, flags);
}

/* The CRTC off, and its planes. */
static int disable(int *out_fence, uint32_t flags)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int ret;

	add(req, conn_id, conn_crtc_prop, 0);
	add(req, crtc_id, mode_prop, 0);
	add(req, crtc_id, active_prop, 0);
	add(req, primary.id, primary.prop[P_FB_ID], 0);
	add(req, primary.id, primary.prop[P_CRTC_ID], 0);
	add(req, overlay.id, overlay.prop[P_FB_ID], 0);
	add(req, overlay.id, overlay.prop[P_CRTC_ID], 0);
	if (out_fence) {
		*out_fence = -1;
		add(req, crtc_id, out_fence_prop, (uint64_t)(uintptr_t)out_fence);
	}
	ret = drmModeAtomicCommit(card, req, flags | DRM_MODE_ATOMIC_ALLOW_MODESET, NULL) ? -errno
											  : 0;
	drmModeAtomicFree(req);
	return ret;
}

static void modeset(const struct buf *b)
{
	struct plane_set ps = {.plane = &primary, .b = b, .in_fence = -1};
	int ret = commit(&ps, 1, true, NULL, 0);

	CHECK(!ret, "modeset %ux%u: %s", MODE_W, MODE_H, strerror(-ret));
}

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec,
		    unsigned int crtc, void *data)
{
	(void)fd;
	(void)crtc;
	(void)data;
	ev.got = true;
	ev.seq = seq;
	ev.usec = (uint64_t)sec * 1000000 + usec;
}

/* True when a page-flip event came within @timeout_ms (0: already there). */
static bool flip_event(int timeout_ms)
{
	drmEventContext ctx = {.version = 3, .page_flip_handler2 = on_flip};
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000;

	ev.got = false;
	while (!ev.got) {
		struct pollfd pfd = {.fd = card, .events = POLLIN};
		uint64_t now = now_ns();
		int left = now >= deadline ? 0 : (int)((deadline - now) / 1000000);

		if (poll(&pfd, 1, left) <= 0)
			return false;
		CHECK(!drmHandleEvent(card, &ctx), "drmHandleEvent");
	}
	return true;
}

/* Waits for @n vblanks (0: none) and returns the vblank count then. */
static unsigned int vblank_wait(unsigned int n)
{
	drmVBlank vbl = {.request = {.type = DRM_VBLANK_RELATIVE, .sequence = n}};

	CHECK(!drmWaitVBlank(card, &vbl), "drmWaitVBlank: %s", strerror(errno));
	return vbl.reply.sequence;
}

/* "name: value" in fakedisp's debugfs file @file, -1 if absent. */
static long long counter(const char *file, const char *name)
{
	char path[96];
	char *text;
	size_t n = strlen(name);
	long long value = -1;

	snprintf(path, sizeof(path), FAKEDISP_DEBUGFS "/%s", file);
	text = debugfs_read(path);
	for (char *line = text; line && *line;) {
		char *next = strchr(line, '\n');

		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			value = strtoll(line + n + 1, NULL, 10);
			break;
		}
		if (!next)
			break;
		line = next + 1;
	}
	free(text);
	return value;
}

static long long fences(const char *name)
{
	return counter("fences", name);
}

/* The time (ns) of the first @type event for @ino at or after @since, 0 if none. */
static uint64_t event_time(const char *type, unsigned long ino, uint64_t since)
{
	char *text = debugfs_read(FAKEDISP_DEBUGFS "/events");
	char *save = NULL;
	uint64_t found = 0;

	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long t, arg;
		unsigned long l_ino;
		unsigned int bo;
		char t_type[32];

		if (sscanf(line, "%llu %31s bo=%u ino=%lu arg=%llu", &t, t_type, &bo, &l_ino,
			   &arg) == 5 &&
		    t >= since && l_ino == ino && strcmp(t_type, type) == 0)
			found = t;
	}
	free(text);
	return found;
}

/* No flip event for HOLD_VBLANKS vblanks: the commit waits for its fence. */
static void expect_held(const char *what, int out_fence)
{
	for (int i = 0; i < HOLD_VBLANKS; i++) {
		vblank_wait(1);
		CHECK(!flip_event(0), "%s: the flip completed with its fence unsignalled", what);
		if (out_fence >= 0)
			CHECK(sync_info(out_fence).status == 0,
			      "%s: the out-fence signalled before the flip", what);
	}
	CHECK(fences("pending") >= 1, "%s: debugfs fences shows no pending wait", what);
}

/* Signals vgem fence @fence: the held flip completes within 2 vblanks. */
static void release_flip(const char *what, uint32_t fence)
{
	unsigned int before = vblank_wait(0);

	vgem_signal(fence);
	CHECK(flip_event(1000), "%s: no flip event within 1 s of the signal", what);
	CHECK(ev.seq - before <= 2, "%s: the flip came %u vblanks after the signal", what,
	      ev.seq - before);
	printf("ok: %s: held for %d vblanks, flipped %u vblank(s) after the signal\n", what,
	       HOLD_VBLANKS, ev.seq - before);
}

/* A flip to @b without a fence: within 3 vblanks; how many it took. */
static unsigned int flip_now(const struct buf *b, const char *what)
{
	unsigned int before = vblank_wait(0);
	int ret = show(b, -1, NULL, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);

	CHECK(!ret, "%s: flip: %s", what, strerror(-ret));
	CHECK(flip_event(1000), "%s: no flip event", what);
	CHECK(ev.seq - before <= 3, "%s: flip %u vblanks late", what, ev.seq - before);
	return ev.seq - before;
}

static void mode_implicit(void)
{
	struct buf a, b, c;
	long long waits = fences("waits"), signalled = fences("signalled");
	uint64_t t0;
	uint32_t f;
	int ret;

	buf_make(&a, MODE_W, MODE_H, 0x20);
	buf_make(&b, MODE_W, MODE_H, 0x40);
	buf_make(&c, MODE_W, MODE_H, 0x60);
	modeset(&a);

	f = vgem_fence(&b, true);
	t0 = now_ns();
	ret = show(&b, -1, NULL, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret, "flip to a fenced buffer: %s", strerror(-ret));
	expect_held("implicit write fence", -1);
	CHECK(fences("waits") == waits + 1, "debugfs fences: waits %lld, was %lld", fences("waits"),
	      waits);
	CHECK(event_time("fence-wait", b.ino, t0), "no fence-wait event for the buffer");
	release_flip("implicit write fence", f);
	CHECK(fences("signalled") == signalled + 1 && fences("pending") == 0,
	      "debugfs fences: signalled %lld (was %lld), pending %lld", fences("signalled"),
	      signalled, fences("pending"));
	CHECK(event_time("fence-signalled", b.ino, t0), "no fence-signalled event");
	CHECK(event_time("frame-shown", b.ino, t0), "the buffer was not shown");

	/* A reader's fence: the display reads too, it does not wait. */
	f = vgem_fence(&c, false);
	printf("ok: a read fence does not hold the flip (%u vblank(s))\n",
	       flip_now(&c, "implicit read fence"));
	vgem_signal(f);
	flip_now(&a, "back to the first buffer");
	printf("PASS: implicit fences\n");
}

static void mode_in_fence(void)
{
	struct buf a, c, h, h2, o, d;
	struct sync_fence_info info;
	struct plane_set ps;
	uint32_t f, fd_fence;
	int s, ret;

	buf_make(&a, MODE_W, MODE_H, 0x20);
	buf_make(&c, MODE_W, MODE_H, 0x60);
	buf_make(&h, 64, 64, 0);
	buf_make(&h2, 64, 64, 0);
	buf_make(&o, 64, 64, 0x80);
	buf_make(&d, MODE_W, MODE_H, 0xa0);
	modeset(&a);

	/* Primary: the fence comes from another buffer, as a sync_file. */
	f = vgem_fence(&h, true);
	s = export_sync_file(h.dmabuf);
	info = sync_info(s);
	CHECK(info.status == 0 && strcmp(info.driver_name, "vgem") == 0,
	      "the exported sync_file: status %d driver %s", info.status, info.driver_name);
	ret = show(&c, s, NULL, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret, "commit with IN_FENCE_FD: %s", strerror(-ret));
	close(s); /* the commit holds the fence */
	expect_held("IN_FENCE_FD on the primary plane", -1);
	release_flip("IN_FENCE_FD on the primary plane", f);

	/* Overlay. */
	f = vgem_fence(&h2, true);
	s = export_sync_file(h2.dmabuf);
	ps = (struct plane_set){.plane = &overlay, .b = &o, .x = 16, .y = 16, .in_fence = s};
	ret = commit(&ps, 1, false, NULL, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret, "overlay commit with IN_FENCE_FD: %s", strerror(-ret));
	close(s);
	expect_held("IN_FENCE_FD on an overlay", -1);
	release_flip("IN_FENCE_FD on an overlay", f);
	CHECK(event_time("frame-shown", o.ino, 0), "the overlay's buffer was not shown");
	ps = (struct plane_set){.plane = &overlay, .b = NULL, .in_fence = -1};
	CHECK(!commit(&ps, 1, false, NULL, 0), "overlay off");

	/* An explicit fence overrules the buffer's implicit one. */
	fd_fence = vgem_fence(&d, true);
	s = export_sync_file(a.dmabuf); /* no fence on it: a signalled stub */
	CHECK(sync_info(s).status == 1, "the sync_file of an idle buffer is signalled");
	{
		unsigned int before = vblank_wait(0);

		ret = show(&d, s, NULL, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
		CHECK(!ret, "commit with a signalled IN_FENCE_FD: %s", strerror(-ret));
		CHECK(flip_event(1000) && ev.seq - before <= 3,
		      "a signalled IN_FENCE_FD must overrule the buffer's unsignalled write fence");
		printf("ok: a signalled IN_FENCE_FD overrules the buffer's write fence (%u "
		       "vblank(s))\n",
		       ev.seq - before);
	}
	close(s);
	vgem_signal(fd_fence);

	/* Not a sync_file. */
	ret = show(&c, a.dmabuf, NULL, DRM_MODE_ATOMIC_TEST_ONLY);
	CHECK(ret == -EINVAL, "IN_FENCE_FD of a dma-buf fd: %s, not EINVAL", strerror(-ret));
	printf("ok: IN_FENCE_FD of a fd that is not a sync_file: EINVAL\n");
	flip_now(&a, "back to the first buffer");
	printf("PASS: IN_FENCE_FD\n");
}

/* Out-fence @out signalled with the flip event just received. */
static void check_out_fence(int out, const char *what, uint64_t since)
{
	struct sync_fence_info info = sync_info(out);

	CHECK(info.status == 1, "%s: out-fence status %d after the flip event", what, info.status);
	CHECK(info.timestamp_ns / 1000 == ev.usec,
	      "%s: out-fence signalled at %" PRIu64 " ns, the event says %" PRIu64 " us", what,
	      (uint64_t)info.timestamp_ns, ev.usec);
	CHECK(info.timestamp_ns >= since, "%s: out-fence timestamp before the commit", what);
	printf("ok: %s: out-fence %s:%s signalled at the event's time %" PRIu64 " us (vblank %u)\n",
	       what, info.driver_name, info.obj_name, ev.usec, ev.seq);
}

/* The vblank of the event is the one that latched @b: frame-shown follows it within a period. */
static void check_latched(const struct buf *b, int out, uint64_t since, const char *what)
{
	uint64_t ts = sync_info(out).timestamp_ns;
	uint64_t shown = event_time("frame-shown", b->ino, since);

	CHECK(shown, "%s: the frame was not shown", what);
	CHECK(shown >= ts && shown < ts + period_ns + 5000000,
	      "%s: latched at %" PRIu64 " ns, the out-fence's vblank is %" PRIu64 " ns", what,
	      shown, ts);
	printf("ok: %s: latched %" PRIu64 " us after the out-fence's vblank boundary\n", what,
	       (shown - ts) / 1000);
}

static void mode_out_fence(void)
{
	struct buf a, c, h;
	uint64_t t0;
	uint32_t f;
	int out, s, ret;

	buf_make(&a, MODE_W, MODE_H, 0x20);
	buf_make(&c, MODE_W, MODE_H, 0x60);
	buf_make(&h, 64, 64, 0);
	modeset(&a);

	/* A nonblocking flip, just after a vblank. */
	vblank_wait(1);
	t0 = now_ns();
	ret = show(&c, -1, &out, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret && out >= 0, "flip with OUT_FENCE_PTR: %s, fd %d", strerror(-ret), out);
	CHECK(sync_info(out).status == 0, "the out-fence signalled before the flip latched");
	printf("ok: out-fence unsignalled right after the commit\n");
	CHECK(flip_event(1000), "no flip event");
	check_out_fence(out, "nonblocking flip", t0);
	check_latched(&c, out, t0, "nonblocking flip");
	close(out);

	/* A flip held by an in-fence: the out-fence waits with it. */
	f = vgem_fence(&h, true);
	s = export_sync_file(h.dmabuf);
	t0 = now_ns();
	ret = show(&a, s, &out, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret && out >= 0, "held flip with OUT_FENCE_PTR: %s", strerror(-ret));
	close(s);
	expect_held("out-fence of a held flip", out);
	release_flip("out-fence of a held flip", f);
	check_out_fence(out, "held flip", t0);
	check_latched(&a, out, t0, "held flip");
	close(out);

	/*
	 * An out-fence as the next commit's in-fence, as a compositor chains
	 * them: a blocking commit (another process, same file) waits in
	 * prepare_fb's proxy for the held flip's out-fence, which signals in
	 * the vblank tick that latches the flip.
	 */
	f = vgem_fence(&h, true);
	s = export_sync_file(h.dmabuf);
	t0 = now_ns();
	ret = show(&c, s, &out, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret && out >= 0, "held flip with OUT_FENCE_PTR: %s", strerror(-ret));
	close(s);
	{
		long long waits = fences("waits");
		pid_t child = fork();
		int status;

		CHECK(child >= 0, "fork: %s", strerror(errno));
		if (!child)
			_exit(show(&a, out, NULL, 0) ? 1 : 0);
		for (int i = 0; i < 100 && fences("waits") < waits + 1; i++)
			usleep(10000);
		CHECK(fences("waits") == waits + 1, "the chained commit's wait is not counted");
		expect_held("a commit chained on the out-fence of a held one", out);
		release_flip("a commit chained on the out-fence of a held one", f);
		check_out_fence(out, "chained", t0);
		CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
			  WEXITSTATUS(status) == 0,
		      "the chained blocking commit failed");
		CHECK(event_time("frame-shown", a.ino, ev.usec * 1000),
		      "the chained commit's frame was not shown");
		printf("ok: a blocking commit whose IN_FENCE_FD is the previous commit's "
		       "out-fence waited for it and showed its frame\n");
	}
	close(out);

	/* TEST_ONLY makes no fence. */
	out = 1234;
	ret = show(&c, -1, &out, DRM_MODE_ATOMIC_TEST_ONLY);
	CHECK(!ret && out == -1, "TEST_ONLY with OUT_FENCE_PTR: %s, fd %d", strerror(-ret), out);
	printf("ok: TEST_ONLY: out-fence -1\n");

	/* A commit that turns the CRTC off signals when it does. */
	t0 = now_ns();
	ret = disable(&out, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret && out >= 0, "disable with OUT_FENCE_PTR: %s", strerror(-ret));
	CHECK(flip_event(1000), "no event for the commit turning the CRTC off");
	{
		struct sync_fence_info info = sync_info(out);

		CHECK(info.status == 1 && info.timestamp_ns / 1000 == ev.usec,
		      "CRTC off: out-fence status %d at %" PRIu64 " ns, event at %" PRIu64 " us",
		      info.status, (uint64_t)info.timestamp_ns, ev.usec);
		printf("ok: CRTC off: out-fence signalled, timestamped as its event (%" PRIu64
		       " us, %" PRIu64 " us before the commit: the last vblank's)\n",
		       ev.usec, t0 / 1000 > ev.usec ? t0 / 1000 - ev.usec : 0);
	}
	close(out);
	modeset(&a);
	flip_now(&c, "after the CRTC came back");
	printf("PASS: OUT_FENCE_PTR\n");
}

static void mode_timeout(void)
{
	struct buf a, b, o;
	long long timeout_ms = fences("timeout_ms"), timed_out = fences("timed_out");
	uint64_t t0, ms;
	uint32_t f, fo;
	struct plane_set ps;
	int ret;

	CHECK(timeout_ms > 0 && timeout_ms < 5000,
	      "fence_timeout_ms is %lld: this mode needs a short bound", timeout_ms);
	buf_make(&a, MODE_W, MODE_H, 0x20);
	buf_make(&b, MODE_W, MODE_H, 0x40);
	buf_make(&o, 64, 64, 0x80);
	modeset(&a);

	/* A fence nobody signals (vgem's own timer would, after 10 s). */
	f = vgem_fence(&b, true);
	t0 = now_ns();
	ret = show(&b, -1, NULL, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret, "flip to a buffer whose fence never signals: %s", strerror(-ret));
	vblank_wait(2);
	ret = show(&a, -1, NULL, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(ret == -EBUSY, "a second nonblocking commit while the first waits: %s, not EBUSY",
	      strerror(-ret));
	printf("ok: a nonblocking commit behind the waiting one: EBUSY\n");
	CHECK(flip_event(5000), "the flip did not complete within 5 s");
	ms = (now_ns() - t0) / 1000000;
	CHECK(ms + 50 >= (uint64_t)timeout_ms && ms <= (uint64_t)timeout_ms + 1500,
	      "the flip completed after %" PRIu64 " ms, the bound is %lld ms", ms, timeout_ms);
	printf("ok: the flip completed after %" PRIu64 " ms (bound %lld ms)\n", ms, timeout_ms);
	CHECK(fences("timed_out") == timed_out + 1 && fences("last_timeout_plane") == 0,
	      "debugfs fences: timed_out %lld (was %lld), last_timeout_plane %lld",
	      fences("timed_out"), timed_out, fences("last_timeout_plane"));
	CHECK(event_time("fence-timeout", b.ino, t0), "no fence-timeout event");
	CHECK(event_time("frame-shown", b.ino, t0), "the buffer was not shown after the timeout");

	/* The scanout reads it on, as it is: its write fence is no reason to wait. */
	{
		long long scanned = scanout_counter("scanned"), unsynced = fences("unsynced");

		vblank_wait(HOLD_VBLANKS);
		CHECK(scanout_counter("scanned") >= scanned + HOLD_VBLANKS / 2 &&
			  fences("unsynced") > unsynced,
		      "the scanout of the timed-out buffer: scanned %lld -> %lld, unsynced %lld "
		      "-> %lld",
		      scanned, scanout_counter("scanned"), unsynced, fences("unsynced"));
		printf("ok: the timed-out buffer is scanned out as it is (%lld reads unsynced)\n",
		       fences("unsynced") - unsynced);
	}

	/* The display works afterwards. */
	printf("ok: a flip after the timeout completed %u vblank(s) later\n",
	       flip_now(&a, "a flip after the timeout"));

	/* A blocking commit, on an overlay: bounded the same way. */
	fo = vgem_fence(&o, true);
	ps = (struct plane_set){.plane = &overlay, .b = &o, .x = 100, .y = 100, .in_fence = -1};
	t0 = now_ns();
	ret = commit(&ps, 1, false, NULL, 0);
	ms = (now_ns() - t0) / 1000000;
	CHECK(!ret, "blocking overlay commit: %s", strerror(-ret));
	CHECK(ms + 50 >= (uint64_t)timeout_ms && ms <= (uint64_t)timeout_ms + 1500,
	      "the blocking commit returned after %" PRIu64 " ms, the bound is %lld ms", ms,
	      timeout_ms);
	CHECK(fences("timed_out") == timed_out + 2 && fences("last_timeout_plane") == 1,
	      "debugfs fences: timed_out %lld, last_timeout_plane %lld", fences("timed_out"),
	      fences("last_timeout_plane"));
	printf("ok: a blocking commit on an overlay returned after %" PRIu64 " ms\n", ms);
	ps.b = NULL;
	CHECK(!commit(&ps, 1, false, NULL, 0), "overlay off");
	flip_now(&a, "a flip after the second timeout");
	vgem_signal(f);
	vgem_signal(fo);
	printf("PASS: a fence that never signals: bounded, counted, the display works on\n");
}

static void mode_unload(const char *ready)
{
	struct mode_closefb cf = {0};
	struct buf a, b, v;
	struct dma_buf_import_sync_file imp = {.flags = DMA_BUF_SYNC_WRITE};
	struct pollfd pfd;
	uint64_t t0, ms;
	int out, ret, rfd;

	CHECK(ready, "unload needs --ready FILE");
	CHECK(fences("timeout_ms") == 0, "unload runs with fence_timeout_ms=0 (no bound)");
	buf_make(&a, MODE_W, MODE_H, 0x20);
	buf_make(&b, MODE_W, MODE_H, 0x40);
	buf_make(&v, 64, 64, 0); /* the observer, off screen */
	modeset(&a);

	/* CLOSEFB of a framebuffer not in use probes for it (6.8). */
	{
		struct buf probe;

		buf_make(&probe, 64, 64, 0);
		cf.fb_id = probe.fb;
		if (drmIoctl(card, IOCTL_MODE_CLOSEFB, &cf)) {
			printf("SKIP: no DRM_IOCTL_MODE_CLOSEFB (%s): closing the card would "
			       "turn the display off and wait\n",
			       strerror(errno));
			exit(77);
		}
	}

	vgem_fence(&b, true); /* never signalled by us */
	t0 = now_ns();
	ret = show(&b, -1, &out, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret && out >= 0, "flip with a fence that never signals: %s", strerror(-ret));
	vblank_wait(2);
	CHECK(fences("pending") == 1, "debugfs fences: pending %lld", fences("pending"));
	CHECK(sync_info(out).status == 0, "the out-fence signalled");

	/* The observer: the out-fence as a write fence of another buffer. */
	imp.fd = out;
	CHECK(!ioctl(v.dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp),
	      "DMA_BUF_IOCTL_IMPORT_SYNC_FILE: %s", strerror(errno));
	/*
	 * Closed now, while the device exists: a sync_file read or polled
	 * after its CRTC is gone would reach into freed memory (the fence's
	 * lock and names are the CRTC's).
	 */
	close(out);
	pfd = (struct pollfd){.fd = v.dmabuf, .events = POLLIN};
	CHECK(poll(&pfd, 1, 0) == 0, "the observer is ready before the flip");

	/* Let go of the card without a commit (CLOSEFB), then of the card. */
	cf.fb_id = a.fb;
	CHECK(!drmIoctl(card, IOCTL_MODE_CLOSEFB, &cf), "CLOSEFB: %s", strerror(errno));
	cf.fb_id = b.fb;
	CHECK(!drmIoctl(card, IOCTL_MODE_CLOSEFB, &cf), "CLOSEFB: %s", strerror(errno));
	close(card);
	card = -1;
	rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(rfd >= 0, "create %s: %s", ready, strerror(errno));
	close(rfd);
	printf("ok: a flip waits for a fence that never signals; card closed, %s created\n", ready);
	fflush(stdout);

	/* vgem's fence would signal by itself 10 s after it was made. */
	ret = poll(&pfd, 1, 8500 - (int)((now_ns() - t0) / 1000000));
	ms = (now_ns() - t0) / 1000000;
	CHECK(ret == 1 && (pfd.revents & POLLIN),
	      "the out-fence did not signal within %" PRIu64 " ms of the commit", ms);
	printf("ok: the out-fence signalled %" PRIu64 " ms after the commit, during the unload\n",
	       ms);
	for (int i = 0; i < 400 && access("/sys/module/fakedisp", F_OK) == 0; i++)
		usleep(50000);
	CHECK(access("/sys/module/fakedisp", F_OK) != 0, "fakedisp is still loaded");

	/* Nothing of the unload waited for the fence: it is still unsignalled. */
	ms = (now_ns() - t0) / 1000000;
	{
		int s = export_sync_file(b.dmabuf);
		struct sync_fence_info info = sync_info(s);

		close(s);
		if (info.status == 0)
			printf("ok: fakedisp unloaded %" PRIu64 " ms after the commit, its fence "
			       "still unsignalled: nothing waited for it\n",
			       ms);
		else if (ms >= 9900)
			printf("note: the unload outlasted vgem's own 10 s (%" PRIu64 " ms; the "
			       "debug kernel delays kobject releases): whether it waited for the "
			       "fence is not known\n",
			       ms);
		else
			CHECK(false, "the fence signalled after %" PRIu64 " ms, before vgem's 10 s",
			      ms);
	}
	printf("PASS: the device went away while a commit waited for its fence\n");
}

/* An absolute CLOCK_MONOTONIC timeout @ms from now. */
static int64_t in_ms(unsigned int ms)
{
	return (int64_t)(now_ns() + (uint64_t)ms * 1000000);
}

static int wait1(uint32_t h, unsigned int ms, uint32_t flags)
{
	int ret = drmSyncobjWait(card, &h, 1, in_ms(ms), flags, NULL);

	return ret ? err_of(ret) : 0;
}

static int twait1(uint32_t h, uint64_t point, unsigned int ms, uint32_t flags)
{
	int ret = drmSyncobjTimelineWait(card, &h, &point, 1, in_ms(ms), flags, NULL);

	return ret ? err_of(ret) : 0;
}

static uint64_t query1(uint32_t h)
{
	uint64_t point = ~0ull;

	CHECK(!drmSyncobjQuery(card, &h, &point, 1), "SYNCOBJ_QUERY: %s", strerror(errno));
	return point;
}

/* A binary syncobj holding the fence of sync_file @s. */
static uint32_t syncobj_of(int s)
{
	uint32_t h;

	CHECK(!drmSyncobjCreate(card, 0, &h), "SYNCOBJ_CREATE: %s", strerror(errno));
	CHECK(!drmSyncobjImportSyncFile(card, h, s), "SYNCOBJ_FD_TO_HANDLE IMPORT_SYNC_FILE: %s",
	      strerror(errno));
	return h;
}

/* The fence of sync_file @s at @point of timeline @t, through a binary syncobj. */
static void timeline_import(uint32_t t, uint64_t point, int s)
{
	uint32_t b = syncobj_of(s);

	CHECK(!drmSyncobjTransfer(card, t, point, b, 0, 0),
	      "SYNCOBJ_TRANSFER to point %" PRIu64 ": %s", point, strerror(errno));
	drmSyncobjDestroy(card, b);
}

/* The fence at @point of timeline @t as a sync_file. */
static int timeline_export(uint32_t t, uint64_t point)
{
	uint32_t b;
	int s = -1;

	CHECK(!drmSyncobjCreate(card, 0, &b), "SYNCOBJ_CREATE");
	CHECK(!drmSyncobjTransfer(card, b, 0, t, point, 0),
	      "SYNCOBJ_TRANSFER from point %" PRIu64 ": %s", point, strerror(errno));
	CHECK(!drmSyncobjExportSyncFile(card, b, &s), "SYNCOBJ_HANDLE_TO_FD EXPORT_SYNC_FILE: %s",
	      strerror(errno));
	drmSyncobjDestroy(card, b);
	return s;
}

static void mode_syncobj(void)
{
	uint64_t cap = 0, t0, point;
	uint32_t h, h2, t, rel, f;
	struct buf a, c, x, y, acq;
	int fd, s, out, ret;

	buf_make(&a, MODE_W, MODE_H, 0x20);
	buf_make(&c, MODE_W, MODE_H, 0x60);
	buf_make(&x, 64, 64, 0);
	buf_make(&y, 64, 64, 0);
	buf_make(&acq, 64, 64, 0);
	CHECK(!drmGetCap(card, DRM_CAP_SYNCOBJ, &cap) && cap == 1, "DRM_CAP_SYNCOBJ %" PRIu64, cap);
	CHECK(!drmGetCap(card, DRM_CAP_SYNCOBJ_TIMELINE, &cap) && cap == 1,
	      "DRM_CAP_SYNCOBJ_TIMELINE %" PRIu64, cap);
	printf("ok: DRM_CAP_SYNCOBJ and DRM_CAP_SYNCOBJ_TIMELINE\n");

	/* Create and destroy, and what is refused (syncobj_basic). */
	CHECK(!drmSyncobjCreate(card, 0, &h) && h, "SYNCOBJ_CREATE: %s", strerror(errno));
	CHECK(!drmSyncobjDestroy(card, h), "SYNCOBJ_DESTROY");
	CHECK(drmSyncobjDestroy(card, h) && errno == EINVAL, "destroying it twice: %s",
	      strerror(errno));
	CHECK(drmSyncobjDestroy(card, 0xdeadbeef) && errno == EINVAL, "a bad handle: %s",
	      strerror(errno));
	CHECK(drmSyncobjCreate(card, 0xff, &h) && errno == EINVAL, "bad create flags: %s",
	      strerror(errno));
	CHECK(drmSyncobjHandleToFD(card, 0xdeadbeef, &fd) && errno == EINVAL,
	      "HANDLE_TO_FD of a bad handle: %s", strerror(errno));
	printf("ok: create, destroy; a bad handle or flags: EINVAL\n");

	/* Opaque fd round trip. */
	CHECK(!drmSyncobjCreate(card, 0, &h), "SYNCOBJ_CREATE");
	CHECK(!drmSyncobjHandleToFD(card, h, &fd), "SYNCOBJ_HANDLE_TO_FD: %s", strerror(errno));
	CHECK(!drmSyncobjFDToHandle(card, fd, &h2) && h2 != h, "SYNCOBJ_FD_TO_HANDLE: %s",
	      strerror(errno));
	close(fd);
	/* No fence yet: a wait is refused, or times out waiting for submit. */
	CHECK(wait1(h, 0, 0) == EINVAL, "a wait without a fence: not EINVAL");
	t0 = now_ns();
	CHECK(wait1(h2, 50, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) == ETIME,
	      "a wait for submit without a fence: not ETIME");
	CHECK(now_ns() - t0 >= 45000000, "the wait for submit came back early");
	CHECK(!drmSyncobjSignal(card, &h, 1), "SYNCOBJ_SIGNAL: %s", strerror(errno));
	CHECK(wait1(h2, 0, 0) == 0, "signalled through one handle, not through the other");
	drmSyncobjDestroy(card, h);
	drmSyncobjDestroy(card, h2);
	printf("ok: opaque fd round trip; waits: EINVAL without a fence, ETIME for submit\n");

	CHECK(!drmSyncobjCreate(card, DRM_SYNCOBJ_CREATE_SIGNALED, &h), "CREATE_SIGNALED");
	CHECK(wait1(h, 0, 0) == 0, "a signalled syncobj's wait");
	CHECK(!drmSyncobjReset(card, &h, 1), "SYNCOBJ_RESET: %s", strerror(errno));
	CHECK(wait1(h, 0, 0) == EINVAL, "a reset syncobj still has a fence");
	drmSyncobjDestroy(card, h);
	printf("ok: created signalled, reset\n");

	/* A sync_file in, a wait that times out, then returns after the signal. */
	f = vgem_fence(&x, true);
	s = export_sync_file(x.dmabuf);
	h = syncobj_of(s);
	close(s);
	CHECK(wait1(h, 50, 0) == ETIME, "a wait on an unsignalled fence: not ETIME");
	CHECK(!drmSyncobjExportSyncFile(card, h, &s), "EXPORT_SYNC_FILE: %s", strerror(errno));
	CHECK(sync_info(s).status == 0, "the exported sync_file signalled");
	vgem_signal(f);
	CHECK(wait1(h, 1000, 0) == 0, "the wait after the signal");
	CHECK(sync_info(s).status == 1, "the exported sync_file did not signal");
	close(s);
	drmSyncobjDestroy(card, h);
	printf("ok: sync_file import, wait (ETIME, then 0 after the signal), export\n");

	/* Timeline points (syncobj_timeline). */
	CHECK(!drmSyncobjCreate(card, 0, &t), "SYNCOBJ_CREATE");
	CHECK(query1(t) == 0, "a new timeline is at 0");
	point = 1;
	CHECK(!drmSyncobjTimelineSignal(card, &t, &point, 1), "TIMELINE_SIGNAL 1: %s",
	      strerror(errno));
	point = 3;
	CHECK(!drmSyncobjTimelineSignal(card, &t, &point, 1), "TIMELINE_SIGNAL 3: %s",
	      strerror(errno));
	CHECK(query1(t) == 3, "QUERY after signalling 1 and 3: %" PRIu64, query1(t));
	CHECK(twait1(t, 2, 0, 0) == 0, "point 2 is covered by 3");
	f = vgem_fence(&y, true);
	s = export_sync_file(y.dmabuf);
	timeline_import(t, 5, s);
	close(s);
	CHECK(query1(t) == 3, "QUERY with point 5 pending: %" PRIu64, query1(t));
	CHECK(twait1(t, 5, 50, 0) == ETIME, "TIMELINE_WAIT on pending point 5: not ETIME");
	CHECK(twait1(t, 5, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) == 0,
	      "point 5 is available (submitted)");
	CHECK(twait1(t, 6, 50, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) == ETIME,
	      "TIMELINE_WAIT for the submit of point 6: not ETIME");
	s = timeline_export(t, 5);
	CHECK(sync_info(s).status == 0, "point 5 as a sync_file: signalled");
	vgem_signal(f);
	CHECK(twait1(t, 5, 1000, 0) == 0, "TIMELINE_WAIT on point 5 after the signal");
	CHECK(query1(t) == 5, "QUERY after point 5 signalled: %" PRIu64, query1(t));
	CHECK(sync_info(s).status == 1, "point 5's sync_file did not signal");
	close(s);
	drmSyncobjDestroy(card, t);
	printf("ok: timeline: signal, query, wait (covered, pending, submit, available), "
	       "transfer in and out, export\n");

	/* As a compositor: acquire point -> IN_FENCE_FD, OUT_FENCE -> release point. */
	modeset(&a);
	CHECK(!drmSyncobjCreate(card, 0, &t), "SYNCOBJ_CREATE acquire timeline");
	CHECK(!drmSyncobjCreate(card, 0, &rel), "SYNCOBJ_CREATE release timeline");
	f = vgem_fence(&acq, true);
	s = export_sync_file(acq.dmabuf);
	timeline_import(t, 1, s); /* the client's acquire point */
	close(s);
	s = timeline_export(t, 1);
	ret = show(&c, s, &out, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(!ret && out >= 0, "commit with the acquire point as IN_FENCE_FD: %s", strerror(-ret));
	close(s);
	timeline_import(rel, 1, out); /* the release point */
	CHECK(twait1(rel, 1, 50, 0) == ETIME, "the release point signalled before the flip");
	expect_held("acquire point as IN_FENCE_FD", out);
	release_flip("acquire point as IN_FENCE_FD", f);
	CHECK(twait1(rel, 1, 1000, 0) == 0, "the release point (OUT_FENCE) did not signal");
	CHECK(query1(rel) == 1, "the release timeline is at %" PRIu64, query1(rel));
	check_out_fence(out, "release point", 0);
	close(out);
	drmSyncobjDestroy(card, t);
	drmSyncobjDestroy(card, rel);
	printf("ok: compositor: acquire point held the flip, the release point signalled with "
	       "it\n");
	printf("PASS: syncobjs\n");
}

int main(int argc, char **argv)
{
	const char *ready = NULL;

	if (argc < 2) {
		fprintf(stderr,
			"usage: %s implicit|in-fence|out-fence|timeout|syncobj|unload "
			"[--ready FILE]\n",
			argv[0]);
		return 2;
	}
	if (argc == 4 && strcmp(argv[2], "--ready") == 0)
		ready = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	if (strcmp(argv[1], "implicit") == 0)
		mode_implicit();
	else if (strcmp(argv[1], "in-fence") == 0)
		mode_in_fence();
	else if (strcmp(argv[1], "out-fence") == 0)
		mode_out_fence();
	else if (strcmp(argv[1], "timeout") == 0)
		mode_timeout();
	else if (strcmp(argv[1], "syncobj") == 0)
		mode_syncobj();
	else if (strcmp(argv[1], "unload") == 0)
		mode_unload(ready);
	else
		CHECK(false, "unknown mode %s", argv[1]);
	if (card >= 0) {
		disable(NULL, 0);
		close(card);
	}
	return 0;
}
