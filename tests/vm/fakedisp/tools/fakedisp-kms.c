// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fakedisp-kms: fakedisp as KMS clients written elsewhere expect it, on
 * the first fakedisp card. Each check prints "ok: ..." lines; the first
 * failure prints "FAIL: ..." and exits 1.
 *   dumb     CREATE_DUMB at every colour mode of drm_mode.h (1 .. 64 bits),
 *            at an odd width too: pitch and size as the generic helpers
 *            compute them, the whole buffer mapped and written; XR24 (32),
 *            NV12, NV21 and YU12 (8, height * 3 / 2), NV16 (8, height * 2),
 *            YUYV and RG16 (16) made the way clients make them, turned
 *            into framebuffers and shown; bpp 0 and 65
 *            and a side past max_width: EINVAL
 *   max      a framebuffer of mode_config's max_width x max_height: created
 *            and shown (the window of it the mode shows, by CRC); one pixel
 *            wider: EINVAL
 *   getfb    GETFB and GETFB2 on XR24, one-buffer NV12, two-buffer NV12
 *            and three-buffer YU12 (at offsets) framebuffers: GETFB
 *            refuses the multi-planar ones (EINVAL);
 *            GETFB2 gives each plane's handle (of the same buffer: what was
 *            written through the original mapping reads back through it),
 *            pitch, offset and modifier
 *   crc      the same picture in XR24, AR24 (opaque), YUYV, NV12, NV21,
 *            NV16 and YU12, each multi-planar one in one buffer and in a
 *            buffer object per plane (at non-zero offsets; YU12 and NV12
 *            with their chroma planes in vgem buffers imported through
 *            PRIME), gives one CRC, lib/compose's; one pixel changed gives
 *            another (the negative control); RG16 gives the CRC of XR24
 *            holding its channels widened by bit replication, never the
 *            one without replication; the cursor, an
 *            ARGB image over the picture, in the middle and clipped at the
 *            corner, is in the CRC as lib/compose blends it
 *   toggle   every on/off combination of the primary, overlay and cursor
 *            planes, without and with a modeset (640x480 <-> 800x600),
 *            blocking and non-blocking, each one commit with a page-flip
 *            event: accepted, the event arrives, debugfs "planes" shows
 *            exactly the planes turned on, and the CRC is the blend of them
 *            (black where no plane is)
 *   crc-rate one CRC entry per vblank, with planes and with none: over about
 *            a second, the entries' frame numbers have no gap
 *   writeback the writeback connector (XR24): the screen of an XR24 frame,
 *            and of an NV12 frame under the cursor, written into a client's
 *            buffer, its out-fence signalled, every row equal to
 *            lib/compose's blend and its CRC to fakedisp's; a buffer of
 *            another size, or NV12: EINVAL
 *   overlay  each of those formats and layouts (and RG16) on the overlay
 *            plane over an XR24 primary, stamped: lib/compose's CRC, and
 *            the scanout reads the overlay's stamp intact, nothing rewritten
 *   stamps   (only when named: it makes the scanout count bad frames) a
 *            chroma plane in a buffer of its own (NV12, NV16, YU12's U from
 *            dumb buffers, YU12's V from vgem) changed on screen under an
 *            unchanged stamp is counted as rewritten, after reads that were
 *            not (the control); an NV12 stamp on NV21 is a bad stamp
 * Usage: fakedisp-kms [CHECK...]   (no CHECK: all but stamps, in this order)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <dmabuf-interop/compose.h>
#include <dmabuf-interop/frame-stamp.h>

#include "fakedisp-debugfs.h"
#include "kms-pipe.h"
#include "test-check.h"

enum {
	PRIMARY,
	OVERLAY,
	CURSOR,
	NPLANES
};
static const char *const plane_names[NPLANES] = {"primary", "overlay", "cursor"};

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
	P_COUNT
};
static const char *const plane_props[P_COUNT] = {"FB_ID", "CRTC_ID", "SRC_X",  "SRC_Y",	 "SRC_W",
						 "SRC_H", "CRTC_X",  "CRTC_Y", "CRTC_W", "CRTC_H"};

static int card = -1, minor = -1;
static char dri_dir[64];
static uint32_t crtc_id, conn_id, conn_crtc_prop, mode_prop, active_prop;
static uint32_t plane_id[NPLANES], plane_prop[NPLANES][P_COUNT];
static unsigned int plane_index[NPLANES]; /* fakedisp's index, debugfs "planes" */
static uint64_t max_w, max_h, cursor_w, cursor_h;
static drmModeModeInfo modes[2]; /* 640x480, 800x600 */
static uint32_t mode_blob[2];
static int crc_fd = -1;

/* The geometry of the formats, as DRM's format info has it. */
struct fmt {
	uint32_t fourcc;
	int planes;
	uint32_t cpp[3], hsub, vsub;
};
static const struct fmt fmts[] = {
    {DRM_FORMAT_XRGB8888, 1, {4}, 1, 1}, {DRM_FORMAT_ARGB8888, 1, {4}, 1, 1},
    {DRM_FORMAT_RGB565, 1, {2}, 1, 1},	 {DRM_FORMAT_YUYV, 1, {2}, 2, 1},
    {DRM_FORMAT_NV12, 2, {1, 2}, 2, 2},	 {DRM_FORMAT_NV21, 2, {1, 2}, 2, 2},
    {DRM_FORMAT_NV16, 2, {1, 2}, 2, 1},	 {DRM_FORMAT_YUV420, 3, {1, 1, 1}, 2, 2},
};

static const struct fmt *fmt_of(uint32_t fourcc)
{
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (fmts[i].fourcc == fourcc)
			return &fmts[i];
	CHECK(0, "format %.4s unknown here", (const char *)&fourcc);
	return NULL;
}

/* Bytes of one row of colour plane @i of a @w wide frame, and its rows. */
static uint32_t plane_bytes(const struct fmt *f, uint32_t w, int i)
{
	return (i ? w / f->hsub : w) * f->cpp[i];
}

static uint32_t plane_rows(const struct fmt *f, uint32_t h, int i)
{
	return i ? h / f->vsub : h;
}

/* Where the colour planes of a framebuffer are: all in one dumb buffer
 * (ONE, the way clients make them), or each in a buffer object of its own:
 * fakedisp dumb buffers (DUMB), the same at non-zero offsets (DUMB_OFFSET),
 * or with the planes after the first in vgem dumb buffers imported through
 * PRIME (VGEM, at non-zero offsets). */
enum layout {
	ONE,
	DUMB,
	DUMB_OFFSET,
	VGEM
};
static const char *const layout_names[] = {"one buffer", "a buffer per plane",
					   "a buffer per plane at offsets",
					   "chroma from vgem at offsets"};
static int vgem = -1; /* the vgem card, opened on first use */

/* A framebuffer and what backs it, by colour plane: the handle (fakedisp's),
 * the mapping and size of the object the plane is in; planes in one
 * buffer repeat plane 0's. @nbufs: buffer objects (1 to 3). */
struct buffer {
	uint32_t fourcc, width, height;
	int planes;
	uint32_t handles[3], fb, pitches[3], offsets[3];
	uint8_t *maps[3];
	size_t sizes[3];
	unsigned int nbufs;
	uint32_t vgem_handles[3]; /* 0: not from vgem */
};

/* Where a buffer goes. */
struct placement {
	const struct buffer *buf; /* NULL: plane off */
	uint32_t src_x, src_y, w, h;
	int32_t x, y;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t prop_id(uint32_t obj, uint32_t type, const char *name, uint64_t *value)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(card, obj, type);
	uint32_t id = 0;

	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyPtr p = drmModeGetProperty(card, props->props[i]);

		if (p && strcmp(p->name, name) == 0) {
			id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	CHECK(id, "object %u has no property %s", obj, name);
	return id;
}

static uint64_t cap(uint64_t which)
{
	uint64_t v = 0;

	CHECK(!drmGetCap(card, which, &v), "DRM_CAP %" PRIu64 ": %s", which, strerror(errno));
	return v;
}

/* The card, its objects and property ids, the two modes, the caps. */
static void setup(void)
{
	char path[32];

	for (int i = 0; i < 16 && card < 0; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		drmVersionPtr v = drmGetVersion(fd);
		if (v && strcmp(v->name, "fakedisp") == 0) {
			card = fd;
			minor = i;
		} else {
			close(fd);
		}
		drmFreeVersion(v);
	}
	CHECK(card >= 0, "no fakedisp card");
	snprintf(dri_dir, sizeof(dri_dir), "/sys/kernel/debug/dri/%d", minor);
	CHECK(!drmSetClientCap(card, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) &&
		  !drmSetClientCap(card, DRM_CLIENT_CAP_ATOMIC, 1),
	      "atomic client caps: %s", strerror(errno));

	drmModeResPtr res = drmModeGetResources(card);
	CHECK(res && res->count_crtcs == 1 && res->count_connectors == 1,
	      "one CRTC and one connector");
	crtc_id = res->crtcs[0];
	conn_id = res->connectors[0];
	max_w = (uint64_t)res->max_width;
	max_h = (uint64_t)res->max_height;
	drmModeFreeResources(res);
	cursor_w = cap(DRM_CAP_CURSOR_WIDTH);
	cursor_h = cap(DRM_CAP_CURSOR_HEIGHT);

	drmModeConnectorPtr conn = drmModeGetConnector(card, conn_id);
	static const uint16_t want[2][2] = {{640, 480}, {800, 600}};
	for (int m = 0; m < 2; m++) {
		bool found = false;
		for (int i = 0; conn && i < conn->count_modes && !found; i++) {
			if (conn->modes[i].hdisplay == want[m][0] &&
			    conn->modes[i].vdisplay == want[m][1]) {
				modes[m] = conn->modes[i];
				found = true;
			}
		}
		CHECK(found, "no %ux%u mode", want[m][0], want[m][1]);
		CHECK(!drmModeCreatePropertyBlob(card, &modes[m], sizeof(modes[m]), &mode_blob[m]),
		      "mode blob: %s", strerror(errno));
	}
	drmModeFreeConnector(conn);
	conn_crtc_prop = prop_id(conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", NULL);
	mode_prop = prop_id(crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", NULL);
	active_prop = prop_id(crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", NULL);

	/* The first plane of each type; fakedisp's index is its position. */
	drmModePlaneResPtr pr = drmModeGetPlaneResources(card);
	for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
		uint64_t type = 0;

		prop_id(pr->planes[i], DRM_MODE_OBJECT_PLANE, "type", &type);
		int k = type == DRM_PLANE_TYPE_PRIMARY	? PRIMARY
			: type == DRM_PLANE_TYPE_CURSOR ? CURSOR
							: OVERLAY;
		if (plane_id[k])
			continue;
		plane_id[k] = pr->planes[i];
		plane_index[k] = i;
		for (int p = 0; p < P_COUNT; p++)
			plane_prop[k][p] =
			    prop_id(plane_id[k], DRM_MODE_OBJECT_PLANE, plane_props[p], NULL);
	}
	drmModeFreePlaneResources(pr);
	for (int k = 0; k < NPLANES; k++)
		CHECK(plane_id[k], "no %s plane", plane_names[k]);

	drmModePlanePtr cp = drmModeGetPlane(card, plane_id[CURSOR]);
	CHECK(cp && cp->count_formats == 1 && cp->formats[0] == DRM_FORMAT_ARGB8888,
	      "the cursor plane takes AR24 only");
	drmModeFreePlane(cp);
	CHECK(cursor_w >= 64 && cursor_h >= 64, "cursor caps %" PRIu64 "x%" PRIu64, cursor_w,
	      cursor_h);
	printf("ok: card%d: CRTC %u, planes primary %u, overlay %u, cursor %u (AR24, up to %" PRIu64
	       "x%" PRIu64 "); framebuffers up to %" PRIu64 "x%" PRIu64 "\n",
	       minor, crtc_id, plane_id[PRIMARY], plane_id[OVERLAY], plane_id[CURSOR], cursor_w,
	       cursor_h, max_w, max_h);
}

/* ---- buffers ---- */

/* A dumb buffer, mapped; -errno from CREATE_DUMB (nothing made then). */
static int dumb(uint32_t w, uint32_t h, uint32_t bpp, uint32_t *handle, uint32_t *pitch,
		size_t *size, uint8_t **map)
{
	struct drm_mode_create_dumb c = {.width = w, .height = h, .bpp = bpp};
	struct drm_mode_map_dumb m = {0};

	if (drmIoctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	m.handle = c.handle;
	CHECK(!drmIoctl(card, DRM_IOCTL_MODE_MAP_DUMB, &m), "MAP_DUMB: %s", strerror(errno));
	*map = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, card, (off_t)m.offset);
	CHECK(*map != MAP_FAILED, "mmap of a %ux%u bpp %u dumb buffer (%llu bytes): %s", w, h, bpp,
	      (unsigned long long)c.size, strerror(errno));
	*handle = c.handle;
	*pitch = c.pitch;
	*size = c.size;
	return 0;
}

static void dumb_destroy(uint32_t handle, uint8_t *map, size_t size)
{
	struct drm_mode_destroy_dumb d = {.handle = handle};

	munmap(map, size);
	CHECK(!drmIoctl(card, DRM_IOCTL_MODE_DESTROY_DUMB, &d), "DESTROY_DUMB: %s",
	      strerror(errno));
}

/* A vgem dumb buffer of @bytes x @rows, mapped through vgem, exported and
 * imported into fakedisp: its fakedisp handle. */
static uint32_t vgem_plane(uint32_t bytes, uint32_t rows, uint32_t *pitch, size_t *size,
			   uint8_t **map, uint32_t *vgem_handle)
{
	struct drm_mode_create_dumb c = {.width = bytes, .height = rows, .bpp = 8};
	struct drm_mode_map_dumb m = {0};
	uint32_t handle;
	int fd;

	if (vgem < 0) {
		vgem = kms_open_driver("vgem", NULL);
		CHECK(vgem >= 0, "no vgem card (modprobe vgem)");
	}
	CHECK(!drmIoctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &c), "vgem CREATE_DUMB: %s",
	      strerror(errno));
	m.handle = c.handle;
	CHECK(!drmIoctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &m), "vgem MAP_DUMB: %s", strerror(errno));
	*map = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, vgem, (off_t)m.offset);
	CHECK(*map != MAP_FAILED, "mmap of a vgem buffer: %s", strerror(errno));
	CHECK(!drmPrimeHandleToFD(vgem, c.handle, DRM_CLOEXEC | DRM_RDWR, &fd),
	      "vgem PRIME export: %s", strerror(errno));
	CHECK(!drmPrimeFDToHandle(card, fd, &handle), "PRIME import of a vgem buffer: %s",
	      strerror(errno));
	close(fd);
	*pitch = c.pitch;
	*size = c.size;
	*vgem_handle = c.handle;
	return handle;
}

/* A framebuffer of @fourcc laid out as @layout says. ONE is the way
 * clients make dumb buffers: XR24 and AR24 at bpp 32, YUYV and RGB565 at
 * 16, NV12, NV21 and YUV420 at bpp 8 and height * 3 / 2, NV16 at bpp 8 and
 * height * 2, the planes one after the other (YUV420's chroma pitch half
 * the luma's). The others make an object for each plane, of the plane's
 * size plus its offset (64, 192 and 320 bytes for planes 0, 1 and 2). */
static struct buffer make_buffer_in(uint32_t fourcc, uint32_t w, uint32_t h, enum layout layout)
{
	const struct fmt *f = fmt_of(fourcc);
	struct buffer b = {.fourcc = fourcc, .width = w, .height = h, .planes = f->planes};
	uint32_t handles[4] = {0}, pitches[4] = {0}, offsets[4] = {0};
	uint64_t mod[4] = {0};

	if (layout == ONE || f->planes == 1) {
		uint32_t bpp = f->planes > 1 ? 8 : f->cpp[0] * 8, rows = h;

		if (f->planes > 1)
			rows = fourcc == DRM_FORMAT_NV16 ? h * 2 : h * 3 / 2;
		CHECK(!dumb(w, rows, bpp, &b.handles[0], &b.pitches[0], &b.sizes[0], &b.maps[0]),
		      "CREATE_DUMB %ux%u bpp %u: %s", w, rows, bpp, strerror(errno));
		b.nbufs = 1;
		for (int i = 1; i < f->planes; i++) {
			b.handles[i] = b.handles[0];
			b.maps[i] = b.maps[0];
			b.sizes[i] = b.sizes[0];
			b.pitches[i] = b.pitches[0] * f->cpp[i] / f->hsub;
			b.offsets[i] =
			    b.offsets[i - 1] + b.pitches[i - 1] * plane_rows(f, h, i - 1);
		}
		CHECK(b.offsets[f->planes - 1] +
			      (size_t)b.pitches[f->planes - 1] * plane_rows(f, h, f->planes - 1) <=
			  b.sizes[0],
		      "%.4s in one dumb buffer: %zu bytes are not enough", (const char *)&fourcc,
		      b.sizes[0]);
	} else {
		b.nbufs = (unsigned int)f->planes;
		for (int i = 0; i < f->planes; i++) {
			uint32_t bytes = plane_bytes(f, w, i), rows = plane_rows(f, h, i);
			uint32_t off = layout == DUMB ? 0 : 64 + 128 * (uint32_t)i;

			/* Rows more than the plane needs hold the offset. */
			rows += (off + bytes - 1) / bytes;
			if (layout == VGEM && i > 0)
				b.handles[i] = vgem_plane(bytes, rows, &b.pitches[i], &b.sizes[i],
							  &b.maps[i], &b.vgem_handles[i]);
			else
				CHECK(!dumb(bytes, rows, 8, &b.handles[i], &b.pitches[i],
					    &b.sizes[i], &b.maps[i]),
				      "CREATE_DUMB plane %d: %s", i, strerror(errno));
			b.offsets[i] = off;
		}
	}
	for (int i = 0; i < f->planes; i++) {
		handles[i] = b.handles[i];
		pitches[i] = b.pitches[i];
		offsets[i] = b.offsets[i];
		mod[i] = DRM_FORMAT_MOD_LINEAR;
	}
	CHECK(!drmModeAddFB2WithModifiers(card, w, h, fourcc, handles, pitches, offsets, mod, &b.fb,
					  DRM_MODE_FB_MODIFIERS),
	      "ADDFB2 %.4s %ux%u (%s): %s", (const char *)&fourcc, w, h, layout_names[layout],
	      strerror(errno));
	return b;
}

/* One buffer, or NV12 as a luma buffer and a chroma one (@two_bufs). */
static struct buffer make_buffer(uint32_t fourcc, uint32_t w, uint32_t h, bool two_bufs)
{
	return make_buffer_in(fourcc, w, h, two_bufs ? DUMB : ONE);
}

static void free_buffer(struct buffer *b)
{
	CHECK(!drmModeRmFB(card, b->fb), "RMFB: %s", strerror(errno));
	for (unsigned int i = 0; i < b->nbufs; i++) {
		if (!b->vgem_handles[i]) {
			dumb_destroy(b->handles[i], b->maps[i], b->sizes[i]);
			continue;
		}
		struct drm_mode_destroy_dumb d = {.handle = b->vgem_handles[i]};

		munmap(b->maps[i], b->sizes[i]);
		CHECK(!drmCloseBufferHandle(card, b->handles[i]), "closing an import: %s",
		      strerror(errno));
		CHECK(!drmIoctl(vgem, DRM_IOCTL_MODE_DESTROY_DUMB, &d), "vgem DESTROY_DUMB: %s",
		      strerror(errno));
	}
}

/* Byte 0 of colour plane @i. */
static uint8_t *plane_data(const struct buffer *b, int i)
{
	return b->maps[i] + b->offsets[i];
}

/* The test picture in NV12, and the same picture in @b's format: for
 * XR24/AR24 its RGB as lib/compose converts it (AR24 opaque), for YUYV
 * the same samples (4:2:0 chroma repeated on both rows). @b is @w x @h. */
static void nv12_picture(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint8_t *yv, uint8_t *u,
			 uint8_t *v)
{
	*yv = (uint8_t)(16 + (x * 219 / w + y * 37 / h) % 220);
	*u = (uint8_t)(128 + (int)((x / 2) % 97) - 48);
	*v = (uint8_t)(128 + (int)((y / 2) % 89) - 44);
}

/* RGB565's channels widened to 8 bits by repeating their top bits. */
static uint32_t rgb565_to_xrgb(uint16_t px)
{
	uint32_t r5 = px >> 11, g6 = (px >> 5) & 0x3f, b5 = px & 0x1f;

	return (r5 << 3 | r5 >> 2) << 16 | (g6 << 2 | g6 >> 4) << 8 | (b5 << 3 | b5 >> 2);
}

/* The RGB565 picture: a gradient of every red, green and blue step. */
static uint16_t rgb565_picture(uint32_t x, uint32_t y)
{
	return (uint16_t)((x * 7 + y) % 32 << 11 | (y * 3 + x / 5) % 64 << 5 | (x + y * 5) % 32);
}

static void fill_picture(struct buffer *b)
{
	uint32_t w = b->width, h = b->height;
	uint8_t yv, u, v;

	if (b->fourcc == DRM_FORMAT_NV12 || b->fourcc == DRM_FORMAT_NV21 ||
	    b->fourcc == DRM_FORMAT_NV16 || b->fourcc == DRM_FORMAT_YUV420) {
		uint32_t vsub = fmt_of(b->fourcc)->vsub;

		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++) {
				nv12_picture(x, y, w, h, &yv, &u, &v);
				plane_data(b, 0)[(size_t)y * b->pitches[0] + x] = yv;
				uint8_t *c = plane_data(b, 1) + (size_t)(y / vsub) * b->pitches[1];

				if (b->fourcc == DRM_FORMAT_YUV420) {
					c[x / 2] = u;
					plane_data(b, 2)[(size_t)(y / 2) * b->pitches[2] + x / 2] =
					    v;
				} else {
					c += x & ~1u;
					c[b->fourcc == DRM_FORMAT_NV21] = u;
					c[b->fourcc != DRM_FORMAT_NV21] = v;
				}
			}
		return;
	}
	if (b->fourcc == DRM_FORMAT_RGB565) {
		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++) {
				uint16_t px = rgb565_picture(x, y);
				uint8_t *s = plane_data(b, 0) + (size_t)y * b->pitches[0] + x * 2;

				s[0] = (uint8_t)px;
				s[1] = (uint8_t)(px >> 8);
			}
		return;
	}
	if (b->fourcc == DRM_FORMAT_YUYV) {
		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++) {
				nv12_picture(x, y, w, h, &yv, &u, &v);
				uint8_t *s =
				    plane_data(b, 0) + (size_t)y * b->pitches[0] + (x & ~1u) * 2;
				s[(x & 1) * 2] = yv;
				s[1] = u;
				s[3] = v;
			}
		return;
	}
	/* RGB: lib/compose's conversion of the NV12 picture. */
	struct buffer n = make_buffer(DRM_FORMAT_NV12, w, h, false);
	uint8_t *out = malloc((size_t)w * h * DI_COMPOSE_CPP);
	struct di_compose_plane p = {
	    .fourcc = DRM_FORMAT_NV12,
	    .data = {plane_data(&n, 0), plane_data(&n, 1)},
	    .pitches = {n.pitches[0], n.pitches[1]},
	    .dst_w = w,
	    .dst_h = h,
	};

	fill_picture(&n);
	CHECK(out && !di_compose(&p, 1, out, w, h), "di_compose");
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *row = plane_data(b, 0) + (size_t)y * b->pitches[0];

		memcpy(row, out + (size_t)y * w * 4, (size_t)w * 4);
		for (uint32_t x = 0; b->fourcc == DRM_FORMAT_ARGB8888 && x < w; x++)
			row[x * 4 + 3] = 255;
	}
	free(out);
	free_buffer(&n);
}

/* A premultiplied ARGB cursor: a disc, opaque in the middle, fading out. */
static void fill_cursor(struct buffer *b)
{
	int r = (int)b->width / 2;

	for (uint32_t y = 0; y < b->height; y++)
		for (uint32_t x = 0; x < b->width; x++) {
			int dx = (int)x - r, dy = (int)y - r, d2 = dx * dx + dy * dy;
			int a = d2 >= r * r ? 0 : 255 - 255 * d2 / (r * r);
			uint8_t *px = plane_data(b, 0) + (size_t)y * b->pitches[0] + x * 4;

			px[0] = (uint8_t)(a * (x * 255 / b->width) / 255);
			px[1] = (uint8_t)(a * 200 / 255);
			px[2] = (uint8_t)(a * (y * 255 / b->height) / 255);
			px[3] = (uint8_t)a;
		}
}

/* ---- commits ---- */

static void add_plane(drmModeAtomicReqPtr req, int k, const struct placement *pl)
{
	uint32_t fb = pl && pl->buf ? pl->buf->fb : 0;
	const uint32_t *p = plane_prop[k];

	drmModeAtomicAddProperty(req, plane_id[k], p[P_FB_ID], fb);
	drmModeAtomicAddProperty(req, plane_id[k], p[P_CRTC_ID], fb ? crtc_id : 0);
	if (!fb)
		return;
	drmModeAtomicAddProperty(req, plane_id[k], p[P_SRC_X], (uint64_t)pl->src_x << 16);
	drmModeAtomicAddProperty(req, plane_id[k], p[P_SRC_Y], (uint64_t)pl->src_y << 16);
	drmModeAtomicAddProperty(req, plane_id[k], p[P_SRC_W], (uint64_t)pl->w << 16);
	drmModeAtomicAddProperty(req, plane_id[k], p[P_SRC_H], (uint64_t)pl->h << 16);
	drmModeAtomicAddProperty(req, plane_id[k], p[P_CRTC_X], (uint64_t)(int64_t)pl->x);
	drmModeAtomicAddProperty(req, plane_id[k], p[P_CRTC_Y], (uint64_t)(int64_t)pl->y);
	drmModeAtomicAddProperty(req, plane_id[k], p[P_CRTC_W], pl->w);
	drmModeAtomicAddProperty(req, plane_id[k], p[P_CRTC_H], pl->h);
}

/* One commit: every plane as @pl says (NULL entries off), the CRTC on in
 * mode @mode (0 or 1), or off for @mode < 0; -errno. */
static int commit(const struct placement pl[NPLANES], int mode, uint32_t flags)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int ret;

	drmModeAtomicAddProperty(req, conn_id, conn_crtc_prop, mode < 0 ? 0 : crtc_id);
	drmModeAtomicAddProperty(req, crtc_id, mode_prop, mode < 0 ? 0 : mode_blob[mode]);
	drmModeAtomicAddProperty(req, crtc_id, active_prop, mode >= 0);
	for (int k = 0; k < NPLANES; k++)
		add_plane(req, k, pl ? &pl[k] : NULL);
	ret = drmModeAtomicCommit(card, req, flags | DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	drmModeAtomicFree(req);
	return ret ? -errno : 0;
}

static bool flipped;

static void flip_handler(int fd, unsigned int seq, unsigned int sec, unsigned int usec, void *data)
{
	(void)fd, (void)seq, (void)sec, (void)usec, (void)data;
	flipped = true;
}

/* Waits up to 3 s for the page-flip event of the last commit. */
static bool wait_event(void)
{
	drmEventContext ev = {.version = 2, .page_flip_handler = flip_handler};
	uint64_t deadline = now_ms() + 3000;

	flipped = false;
	while (!flipped && now_ms() < deadline) {
		struct pollfd p = {.fd = card, .events = POLLIN};

		if (poll(&p, 1, 100) > 0)
			drmHandleEvent(card, &ev);
	}
	return flipped;
}

/* ---- CRC ---- */

static void crc_start(void)
{
	char path[96];
	int fd;

	if (crc_fd >= 0)
		return;
	snprintf(path, sizeof(path), "%s/crtc-0/crc/control", dri_dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "auto", 4) == 4, "%s: %s", path, strerror(errno));
	close(fd);
	snprintf(path, sizeof(path), "%s/crtc-0/crc/data", dri_dir);
	crc_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	CHECK(crc_fd >= 0, "%s: %s", path, strerror(errno));
}

/* The CRC of @pl on a @w x @h screen, as lib/compose blends it. */
static uint32_t expected_crc(const struct placement pl[NPLANES], uint32_t w, uint32_t h)
{
	struct di_compose_plane cp[NPLANES];
	unsigned int n = 0;
	uint32_t crc = 0;

	for (int k = 0; k < NPLANES; k++) {
		const struct buffer *b = pl[k].buf;

		if (!b)
			continue;
		cp[n++] = (struct di_compose_plane){
		    .fourcc = b->fourcc,
		    .data = {plane_data(b, 0), b->planes > 1 ? plane_data(b, 1) : NULL,
			     b->planes > 2 ? plane_data(b, 2) : NULL},
		    .pitches = {b->pitches[0], b->pitches[1], b->pitches[2]},
		    .src_x = pl[k].src_x,
		    .src_y = pl[k].src_y,
		    .dst_x = pl[k].x,
		    .dst_y = pl[k].y,
		    .dst_w = pl[k].w,
		    .dst_h = pl[k].h,
		    .zpos = k,
		};
	}
	CHECK(!di_compose_crc(cp, n, w, h, &crc), "di_compose_crc");
	return crc;
}

/* Waits (10 s at most) for 3 CRC entries in a row equal to @want, and
 * says so for @what; @never (0: none) may not come once @want did (the
 * entries before are of vblanks before the commit). */
static void expect_crc(uint32_t want, uint32_t never, const char *what)
{
	uint64_t deadline = now_ms() + 10000;
	unsigned int good = 0;
	uint32_t frame, crc = 0;
	bool seen = false;

	crc_start();
	while (good < 3) {
		CHECK(now_ms() < deadline, "%s: no 3 CRC entries 0x%08x in a row (last 0x%08x)",
		      what, want, crc);
		if (!crc_read(crc_fd, &frame, &crc)) {
			usleep(5000);
			continue;
		}
		CHECK(!seen || !never || crc != never, "%s: CRC 0x%08x is the negative control's",
		      what, crc);
		seen |= crc == want;
		good = crc == want ? good + 1 : 0;
	}
	printf("ok: %s: CRC 0x%08x, lib/compose's\n", what, want);
}

static struct placement full(const struct buffer *b, int mode)
{
	return (struct placement){.buf = b, .w = modes[mode].hdisplay, .h = modes[mode].vdisplay};
}

/* ---- the checks ---- */

static void check_dumb(void)
{
	static const uint32_t bpps[] = {1, 2, 4, 8, 10, 12, 15, 16, 24, 30, 32, 64};
	static const uint32_t widths[] = {640, 333};
	char list[128] = "";

	for (size_t i = 0; i < sizeof(bpps) / sizeof(bpps[0]); i++) {
		for (size_t j = 0; j < 2; j++) {
			uint32_t w = widths[j], h = 97, bpp = bpps[i], handle, pitch;
			uint64_t min_pitch = ((uint64_t)w * bpp + 7) / 8;
			size_t size;
			uint8_t *map;
			int ret = dumb(w, h, bpp, &handle, &pitch, &size, &map);

			CHECK(!ret, "CREATE_DUMB %ux%u bpp %u: %s", w, h, bpp, strerror(-ret));
			CHECK(pitch >= min_pitch && pitch % 64 == 0 && size >= (size_t)pitch * h &&
				  size % 4096 == 0,
			      "bpp %u: pitch %u size %zu for %ux%u", bpp, pitch, size, w, h);
			/* Every byte is ours to write and reads back. */
			memset(map, 0xa5, size);
			CHECK(map[0] == 0xa5 && map[size - 1] == 0xa5, "bpp %u: mapping", bpp);
			dumb_destroy(handle, map, size);
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), " %u", bpps[i]);
	}
	printf("ok: CREATE_DUMB at bpp%s, 640 and 333 wide: pitch >= width * bpp / 8, 64-byte "
	       "aligned, whole pages, every byte mapped\n",
	       list);

	uint32_t handle, pitch;
	size_t size;
	uint8_t *map;
	CHECK(dumb(640, 480, 0, &handle, &pitch, &size, &map) == -EINVAL, "bpp 0 accepted");
	CHECK(dumb(640, 480, 65, &handle, &pitch, &size, &map) == -EINVAL, "bpp 65 accepted");
	CHECK(dumb((uint32_t)max_w + 1, 16, 32, &handle, &pitch, &size, &map) == -EINVAL,
	      "a dumb buffer wider than max_width accepted");
	CHECK(dumb(16, (uint32_t)max_h + 1, 32, &handle, &pitch, &size, &map) == -EINVAL,
	      "a dumb buffer higher than max_height accepted");
	printf("ok: CREATE_DUMB refuses bpp 0 and 65 and sides past %" PRIu64 "x%" PRIu64
	       " (EINVAL)\n",
	       max_w, max_h);

	/* The formats fakedisp shows, from dumb buffers as clients make them. */
	static const uint32_t fourccs[] = {DRM_FORMAT_XRGB8888, DRM_FORMAT_NV12, DRM_FORMAT_YUYV,
					   DRM_FORMAT_NV21,	DRM_FORMAT_NV16, DRM_FORMAT_YUV420,
					   DRM_FORMAT_RGB565};
	for (size_t i = 0; i < sizeof(fourccs) / sizeof(fourccs[0]); i++) {
		struct buffer b = make_buffer(fourccs[i], 640, 480, false);
		struct placement pl[NPLANES] = {full(&b, 0)};

		fill_picture(&b);
		CHECK(!commit(pl, 0, 0), "showing a dumb %.4s: %s", (const char *)&fourccs[i],
		      strerror(errno));
		char what[64];
		snprintf(what, sizeof(what), "a dumb-buffer %.4s framebuffer shown",
			 (const char *)&fourccs[i]);
		expect_crc(expected_crc(pl, 640, 480), 0, what);
		CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
		free_buffer(&b);
	}
}

static void check_max(void)
{
	uint32_t w = (uint32_t)max_w, h = (uint32_t)max_h;
	struct buffer b = make_buffer(DRM_FORMAT_XRGB8888, w, h, false);
	/* The mode shows the bottom right corner: draw something there. */
	struct placement pl[NPLANES] = {
	    {.buf = &b, .src_x = w - 640, .src_y = h - 480, .w = 640, .h = 480}};

	for (uint32_t y = h - 480; y < h; y++)
		for (uint32_t x = w - 640; x < w; x++)
			memcpy(plane_data(&b, 0) + (size_t)y * b.pitches[0] + x * 4,
			       &(uint32_t){x * 2654435761u ^ y * 40503u}, 4);
	CHECK(!commit(pl, 0, 0), "showing the %ux%u framebuffer: %s", w, h, strerror(errno));
	expect_crc(expected_crc(pl, 640, 480), 0,
		   "the largest framebuffer, its bottom right shown");
	CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));

	uint32_t handles[4] = {b.handles[0]}, pitches[4] = {b.pitches[0]}, offsets[4] = {0};
	uint32_t fb;
	CHECK(drmModeAddFB2(card, w + 1, 16, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb,
			    0) &&
		  errno == EINVAL,
	      "ADDFB2 %u wide: not EINVAL (%s)", w + 1, strerror(errno));
	free_buffer(&b);
	printf("ok: a %ux%u XR24 framebuffer (%zu MiB) created and shown; %u wide: EINVAL\n", w, h,
	       b.sizes[0] >> 20, w + 1);
}

/* GETFB2 of @b: its planes as created, a handle to the same buffers. */
static void expect_getfb2(const struct buffer *b, const char *what)
{
	drmModeFB2Ptr f = drmModeGetFB2(card, b->fb);
	int planes = b->planes;

	CHECK(f, "GETFB2 %s: %s", what, strerror(errno));
	CHECK(f->width == b->width && f->height == b->height && f->pixel_format == b->fourcc &&
		  f->modifier == DRM_FORMAT_MOD_LINEAR && (f->flags & DRM_MODE_FB_MODIFIERS),
	      "GETFB2 %s: %ux%u %.4s modifier 0x%" PRIx64 " flags %u", what, f->width, f->height,
	      (const char *)&f->pixel_format, f->modifier, f->flags);
	for (int i = 0; i < 4; i++) {
		bool used = i < planes;

		CHECK(used == !!f->handles[i] && f->pitches[i] == (used ? b->pitches[i] : 0) &&
			  f->offsets[i] == (used ? b->offsets[i] : 0),
		      "GETFB2 %s plane %d: handle %u pitch %u offset %u", what, i, f->handles[i],
		      f->pitches[i], f->offsets[i]);
	}
	/* Planes in one buffer: one handle; in a buffer each: one each. */
	for (int i = 1; i < planes; i++)
		for (int j = 0; j < i; j++)
			CHECK((b->nbufs == 1) == (f->handles[i] == f->handles[j]),
			      "GETFB2 %s: handles %u and %u of planes %d and %d for %u buffer(s)",
			      what, f->handles[j], f->handles[i], j, i, b->nbufs);
	for (int i = 0; i < planes; i++) {
		struct drm_mode_map_dumb m = {.handle = f->handles[i]};
		int buf = i;
		uint8_t *map;

		CHECK(!drmIoctl(card, DRM_IOCTL_MODE_MAP_DUMB, &m), "MAP_DUMB: %s",
		      strerror(errno));
		map = mmap(NULL, b->sizes[buf], PROT_READ | PROT_WRITE, MAP_SHARED, card,
			   (off_t)m.offset);
		CHECK(map != MAP_FAILED, "mmap GETFB2's handle: %s", strerror(errno));
		b->maps[buf][b->sizes[buf] - 1] = (uint8_t)(0x5a + i);
		CHECK(map[b->sizes[buf] - 1] == (uint8_t)(0x5a + i),
		      "GETFB2 %s plane %d: its handle is another buffer", what, i);
		munmap(map, b->sizes[buf]);
	}
	for (int i = 0; i < planes; i++)
		if (i == 0 || f->handles[i] != f->handles[0])
			drmCloseBufferHandle(card, f->handles[i]);
	drmModeFreeFB2(f);
}

static void check_getfb(void)
{
	struct buffer x = make_buffer(DRM_FORMAT_XRGB8888, 320, 240, false);
	struct buffer n1 = make_buffer(DRM_FORMAT_NV12, 320, 240, false);
	struct buffer n2 = make_buffer(DRM_FORMAT_NV12, 320, 240, true);
	struct buffer y3 = make_buffer_in(DRM_FORMAT_YUV420, 320, 240, DUMB_OFFSET);

	drmModeFBPtr f = drmModeGetFB(card, x.fb);
	CHECK(f && f->width == 320 && f->height == 240 && f->pitch == x.pitches[0] &&
		  f->bpp == 32 && f->depth == 24 && f->handle,
	      "GETFB XR24: %s", f ? "wrong fields" : strerror(errno));
	drmCloseBufferHandle(card, f->handle);
	drmModeFreeFB(f);
	printf("ok: GETFB XR24 320x240: pitch %u, bpp 32, depth 24, a handle\n", x.pitches[0]);
	for (int i = 0; i < 2; i++) {
		struct buffer *b = i ? &n2 : &n1;

		f = drmModeGetFB(card, b->fb);
		CHECK(!f && errno == EINVAL, "GETFB of NV12 in %u buffer(s): not EINVAL (%s)",
		      b->nbufs, f ? "accepted" : strerror(errno));
	}
	printf("ok: GETFB refuses NV12 framebuffers (EINVAL), of one buffer and of two\n");
	expect_getfb2(&x, "XR24");
	expect_getfb2(&n1, "NV12 in one buffer");
	expect_getfb2(&n2, "NV12 in two buffers");
	expect_getfb2(&y3, "YUV420 in three buffers at offsets");
	printf("ok: GETFB2: each plane's handle (the same buffer), pitch, offset, the linear "
	       "modifier; one handle for NV12 in one buffer, two for two, three for YUV420 in "
	       "three\n");
	free_buffer(&y3);
	free_buffer(&x);
	free_buffer(&n1);
	free_buffer(&n2);
}

/* One picture in every format and framebuffer layout fakedisp takes (the
 * RGB ones converted from the YUV picture, which 4:2:2 and 4:2:0 carry
 * alike): XR24 first, the reference. */
static const struct kind {
	uint32_t fourcc;
	enum layout layout;
	const char *name;
} kinds[] = {
    {DRM_FORMAT_XRGB8888, ONE, "XR24"},
    {DRM_FORMAT_ARGB8888, ONE, "AR24"},
    {DRM_FORMAT_NV12, ONE, "NV12"},
    {DRM_FORMAT_NV12, DUMB, "NV12 (2 buffers)"},
    {DRM_FORMAT_NV12, DUMB_OFFSET, "NV12 (2 buffers at offsets)"},
    {DRM_FORMAT_YUYV, ONE, "YUYV"},
    {DRM_FORMAT_NV21, ONE, "NV21"},
    {DRM_FORMAT_NV21, DUMB_OFFSET, "NV21 (2 buffers at offsets)"},
    {DRM_FORMAT_NV16, ONE, "NV16"},
    {DRM_FORMAT_NV16, DUMB_OFFSET, "NV16 (2 buffers at offsets)"},
    {DRM_FORMAT_YUV420, ONE, "YU12"},
    {DRM_FORMAT_YUV420, DUMB, "YU12 (3 buffers)"},
    {DRM_FORMAT_YUV420, DUMB_OFFSET, "YU12 (3 buffers at offsets)"},
    {DRM_FORMAT_YUV420, VGEM, "YU12 (chroma from vgem)"},
    {DRM_FORMAT_NV12, VGEM, "NV12 (chroma from vgem)"},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* RGB565 and XR24 holding its colours widened (computed here, not by
 * lib/compose): one CRC; widened without repeating the top bits (r5 << 3
 * alone), another, never fakedisp's (the negative control). */
static void fill_widened(struct buffer *xr, bool replicate)
{
	for (uint32_t y = 0; y < xr->height; y++)
		for (uint32_t x = 0; x < xr->width; x++) {
			uint16_t c = rgb565_picture(x, y);
			uint32_t px = replicate ? rgb565_to_xrgb(c)
						: (uint32_t)(c >> 11) << 19 |
						      (uint32_t)(c >> 5 & 0x3f) << 10 |
						      (uint32_t)(c & 0x1f) << 3;

			px |= 0xff000000u;
			memcpy(plane_data(xr, 0) + (size_t)y * xr->pitches[0] + x * 4, &px, 4);
		}
}

static void check_rgb565(void)
{
	struct buffer rg = make_buffer(DRM_FORMAT_RGB565, 640, 480, false);
	struct buffer xr = make_buffer(DRM_FORMAT_XRGB8888, 640, 480, false);
	struct placement pl[NPLANES] = {full(&xr, 0)};

	fill_picture(&rg);
	fill_widened(&xr, false);
	uint32_t norep = expected_crc(pl, 640, 480);
	fill_widened(&xr, true);
	uint32_t want = expected_crc(pl, 640, 480);
	CHECK(want != norep, "the widening with and without replication: one CRC");
	pl[PRIMARY].buf = &rg;
	CHECK(expected_crc(pl, 640, 480) == want, "lib/compose: RG16 is not its XR24 widening");
	CHECK(!commit(pl, 0, 0), "showing RG16: %s", strerror(errno));
	expect_crc(want, norep, "the RG16 picture");
	pl[PRIMARY].buf = &xr;
	CHECK(!commit(pl, 0, 0), "showing XR24: %s", strerror(errno));
	expect_crc(want, norep, "the RG16 picture widened into XR24 (bit replication)");
	CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
	free_buffer(&rg);
	free_buffer(&xr);
	printf("ok: RG16 shows as XR24 of its channels widened by bit replication: one CRC "
	       "0x%08x (without replication 0x%08x, never seen)\n",
	       want, norep);
}

static void check_crc(void)
{
	struct buffer bufs[NKINDS];
	uint32_t crc0 = 0;

	for (size_t i = 0; i < NKINDS; i++) {
		bufs[i] = make_buffer_in(kinds[i].fourcc, 640, 480, kinds[i].layout);
		fill_picture(&bufs[i]);
		struct placement pl[NPLANES] = {full(&bufs[i], 0)};
		uint32_t crc = expected_crc(pl, 640, 480);

		CHECK(!i || crc == crc0, "lib/compose: %s gives 0x%08x, XR24 0x%08x", kinds[i].name,
		      crc, crc0);
		crc0 = crc;
		CHECK(!commit(pl, 0, 0), "showing %s: %s", kinds[i].name, strerror(errno));
		char what[64];
		snprintf(what, sizeof(what), "the picture in %s", kinds[i].name);
		expect_crc(crc0, 0, what);
	}
	printf("ok: one picture in XR24, AR24, NV12, YUYV, NV21, NV16 and YU12, from one buffer, "
	       "a buffer per plane (at offsets, from vgem): one CRC 0x%08x\n",
	       crc0);

	/* The negative control: one pixel changed, another CRC. */
	uint8_t *px = plane_data(&bufs[0], 0) + 200 * bufs[0].pitches[0] + 300 * 4;
	px[1] ^= 0x01;
	struct placement pl[NPLANES] = {full(&bufs[0], 0)};
	uint32_t changed = expected_crc(pl, 640, 480);
	CHECK(changed != crc0, "one pixel changed, the same CRC");
	CHECK(!commit(pl, 0, 0), "showing XR24: %s", strerror(errno));
	expect_crc(changed, crc0, "XR24 with pixel 300,200 one green step off (negative control)");

	/* The cursor over it, then clipped at the bottom right corner. */
	struct buffer cur = make_buffer(DRM_FORMAT_ARGB8888, 64, 64, false);
	fill_cursor(&cur);
	pl[CURSOR] = (struct placement){.buf = &cur, .w = 64, .h = 64, .x = 120, .y = 90};
	CHECK(!commit(pl, 0, 0), "cursor: %s", strerror(errno));
	expect_crc(expected_crc(pl, 640, 480), changed, "a 64x64 cursor at 120,90");
	pl[CURSOR].x = 600;
	pl[CURSOR].y = 450;
	CHECK(!commit(pl, 0, 0), "cursor: %s", strerror(errno));
	expect_crc(expected_crc(pl, 640, 480), changed, "the cursor clipped at 600,450");
	struct buffer big =
	    make_buffer(DRM_FORMAT_ARGB8888, (uint32_t)cursor_w + 2, (uint32_t)cursor_h + 2, false);
	pl[CURSOR] = (struct placement){.buf = &big, .w = big.width, .h = big.height};
	CHECK(commit(pl, 0, DRM_MODE_ATOMIC_TEST_ONLY) == -EINVAL,
	      "a cursor larger than the caps accepted");
	free_buffer(&big);
	printf("ok: a %" PRIu64 "x%" PRIu64 " cursor (past DRM_CAP_CURSOR_WIDTH): EINVAL\n",
	       cursor_w + 2, cursor_h + 2);
	CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
	free_buffer(&cur);
	for (size_t i = 0; i < NKINDS; i++)
		free_buffer(&bufs[i]);
	check_rgb565();
}

/* Field @name=<n> of plane @k's line in debugfs "planes". */
static long long plane_counter(int k, const char *name)
{
	char path[64], head[32], key[40];
	const char *line, *v;
	long long n;
	char *text;

	snprintf(path, sizeof(path), "%s/planes", FAKEDISP_DEBUGFS);
	text = debugfs_read(path);
	CHECK(text, "%s", path);
	snprintf(head, sizeof(head), "plane %u ", plane_index[k]);
	snprintf(key, sizeof(key), " %s=", name);
	line = strstr(text, head);
	CHECK(line, "debugfs planes has no %s", head);
	v = strstr(line, key);
	CHECK(v && (!strchr(line, '\n') || v < strchr(line, '\n')), "no %s for %s", name, head);
	n = strtoll(v + strlen(key), NULL, 10);
	free(text);
	return n;
}

/* Writes a stamp for @b (seq @seq, fourcc @fourcc) at byte 0 of plane 0. */
static void stamp(struct buffer *b, uint64_t seq, uint32_t fourcc)
{
	struct frame_stamp st;

	frame_stamp_fill(&st, seq, 0, fourcc, b->width, b->height);
	memcpy(plane_data(b, 0), &st, sizeof(st));
}

/* Waits (5 s at most) for plane @k's counter @name to pass @than. */
static long long wait_counter(int k, const char *name, long long than)
{
	uint64_t deadline = now_ms() + 5000;
	long long n;

	while ((n = plane_counter(k, name)) <= than && now_ms() < deadline)
		usleep(20000);
	return n;
}

/* Every format and layout on the overlay plane, over the XR24 picture on
 * the primary, stamped: the CRC is lib/compose's blend, and the scanout
 * reads the overlay's frames with an intact stamp and nothing rewritten. */
static void check_overlay(void)
{
	struct buffer prim = make_buffer(DRM_FORMAT_XRGB8888, 640, 480, false);
	unsigned int n = 0;

	fill_picture(&prim);
	for (size_t i = 0; i <= NKINDS; i++) {
		uint32_t fourcc = i < NKINDS ? kinds[i].fourcc : DRM_FORMAT_RGB565;
		const char *name = i < NKINDS ? kinds[i].name : "RG16";
		struct buffer b =
		    make_buffer_in(fourcc, 320, 240, i < NKINDS ? kinds[i].layout : ONE);
		struct placement pl[NPLANES] = {full(&prim, 0),
						{.buf = &b, .w = 320, .h = 240, .x = 160, .y = 96}};
		char what[96];

		fill_picture(&b);
		stamp(&b, 1000 + i, fourcc);
		long long ok0 = plane_counter(OVERLAY, "stamped_ok");
		long long bad0 = plane_counter(OVERLAY, "bad_stamp") +
				 plane_counter(OVERLAY, "bad_checksum") +
				 plane_counter(OVERLAY, "rewritten");
		CHECK(!commit(pl, 0, 0), "%s on the overlay: %s", name, strerror(errno));
		snprintf(what, sizeof(what), "%s on the overlay at 160,96", name);
		expect_crc(expected_crc(pl, 640, 480), 0, what);
		long long ok = wait_counter(OVERLAY, "stamped_ok", ok0 + 1);
		long long bad = plane_counter(OVERLAY, "bad_stamp") +
				plane_counter(OVERLAY, "bad_checksum") +
				plane_counter(OVERLAY, "rewritten");
		CHECK(ok > ok0 + 1 && bad == bad0,
		      "%s: the overlay's stamped reads went %lld -> %lld, bad ones %lld -> %lld",
		      name, ok0, ok, bad0, bad);
		CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
		free_buffer(&b);
		n++;
	}
	free_buffer(&prim);
	printf("ok: %u formats and layouts on the overlay: lib/compose's CRC, the stamp read "
	       "intact\n",
	       n);
}

/* Deliberately bad frames (run by name only: the scanout counts them): a
 * chroma plane rewritten in its own buffer under an unchanged stamp is
 * seen as rewritten, and a stamp of another format as a bad stamp. */
static void check_stamps(void)
{
	static const struct {
		uint32_t fourcc;
		enum layout layout;
		int plane;
		const char *name;
	} cases[] = {
	    {DRM_FORMAT_NV12, DUMB, 1, "NV12 (2 buffers)"},
	    {DRM_FORMAT_NV16, DUMB_OFFSET, 1, "NV16 (2 buffers at offsets)"},
	    {DRM_FORMAT_YUV420, DUMB_OFFSET, 1, "YU12 (3 buffers at offsets), U"},
	    {DRM_FORMAT_YUV420, VGEM, 2, "YU12 (chroma from vgem), V"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buffer b = make_buffer_in(cases[i].fourcc, 320, 240, cases[i].layout);
		struct placement pl[NPLANES] = {{0}, {.buf = &b, .w = 320, .h = 240}};

		fill_picture(&b);
		stamp(&b, 7, cases[i].fourcc);
		long long ok0 = plane_counter(OVERLAY, "stamped_ok");
		long long rw0 = plane_counter(OVERLAY, "rewritten");
		CHECK(!commit(pl, 0, 0), "%s: %s", cases[i].name, strerror(errno));
		/* The control: shown and read a few times, nothing rewritten. */
		long long ok = wait_counter(OVERLAY, "stamped_ok", ok0 + 2);
		CHECK(ok > ok0 + 2 && plane_counter(OVERLAY, "rewritten") == rw0,
		      "%s: stamped reads %lld -> %lld, rewritten %lld -> %lld before any write",
		      cases[i].name, ok0, ok, rw0, plane_counter(OVERLAY, "rewritten"));
		plane_data(&b, cases[i].plane)[0] ^= 0x5a;
		long long rw = wait_counter(OVERLAY, "rewritten", rw0);
		CHECK(rw > rw0, "%s: plane %d's first byte rewritten on screen, not seen",
		      cases[i].name, cases[i].plane);
		printf("ok: %s: plane %d rewritten on screen under the same stamp: seen (rewritten "
		       "%lld -> %lld)\n",
		       cases[i].name, cases[i].plane, rw0, rw);
		CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
		free_buffer(&b);
	}

	struct buffer b = make_buffer_in(DRM_FORMAT_NV21, 320, 240, DUMB);
	struct placement pl[NPLANES] = {{0}, {.buf = &b, .w = 320, .h = 240}};
	fill_picture(&b);
	stamp(&b, 9, DRM_FORMAT_NV12);
	long long bad0 = plane_counter(OVERLAY, "bad_stamp");
	CHECK(!commit(pl, 0, 0), "NV21: %s", strerror(errno));
	long long bad = wait_counter(OVERLAY, "bad_stamp", bad0);
	CHECK(bad > bad0, "an NV12 stamp on an NV21 framebuffer read as intact");
	CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
	free_buffer(&b);
	printf("ok: an NV12 stamp on an NV21 framebuffer: a bad stamp (%lld -> %lld)\n", bad0, bad);
}

/* On screen per debugfs "planes": a frame on the plane (frame=<id>, not 0). */
static bool plane_shows(const char *text, int k)
{
	char head[32];
	const char *line;

	snprintf(head, sizeof(head), "plane %u ", plane_index[k]);
	line = strstr(text, head);
	CHECK(line, "debugfs planes has no %s", head);
	line = strstr(line, " frame=");
	CHECK(line, "debugfs planes: no frame= for %s", head);
	return strtoull(line + 7, NULL, 10) != 0;
}

static void check_toggle(void)
{
	struct buffer prim = make_buffer(DRM_FORMAT_XRGB8888, 800, 600, false);
	struct buffer ovl = make_buffer(DRM_FORMAT_NV12, 200, 150, false);
	struct buffer cur = make_buffer(DRM_FORMAT_ARGB8888, 64, 64, false);
	char path[64];
	int mode = 0, commits = 0;

	fill_picture(&prim);
	fill_picture(&ovl);
	fill_cursor(&cur);
	snprintf(path, sizeof(path), "%s/planes", FAKEDISP_DEBUGFS);
	CHECK(!commit(NULL, 0, 0), "the CRTC on with no plane: %s", strerror(errno));
	for (int nb = 0; nb < 2; nb++) {
		for (int modeset = 0; modeset < 2; modeset++) {
			for (unsigned int on = 0; on < 8; on++) {
				struct placement pl[NPLANES] = {0};
				uint32_t flags =
				    DRM_MODE_PAGE_FLIP_EVENT | (nb ? DRM_MODE_ATOMIC_NONBLOCK : 0);
				char what[96];

				mode ^= modeset;
				if (on & 1 << PRIMARY)
					pl[PRIMARY] = full(&prim, mode);
				if (on & 1 << OVERLAY)
					pl[OVERLAY] = (struct placement){
					    .buf = &ovl, .w = 200, .h = 150, .x = 40, .y = 30};
				if (on & 1 << CURSOR)
					pl[CURSOR] = (struct placement){
					    .buf = &cur, .w = 64, .h = 64, .x = 150, .y = 100};
				snprintf(what, sizeof(what), "%s%s%s%s, %ux%u%s, %s",
					 on & 1 << PRIMARY ? "primary " : "",
					 on & 1 << OVERLAY ? "overlay " : "",
					 on & 1 << CURSOR ? "cursor " : "", on ? "on" : "no plane",
					 modes[mode].hdisplay, modes[mode].vdisplay,
					 modeset ? " (modeset)" : "",
					 nb ? "non-blocking" : "blocking");
				int ret = commit(pl, mode, flags);
				CHECK(!ret, "%s: %s", what, strerror(-ret));
				CHECK(wait_event(), "%s: no page-flip event", what);
				char *text = debugfs_read(path);
				CHECK(text, "%s", path);
				for (int k = 0; k < NPLANES; k++)
					CHECK(plane_shows(text, k) == !!(on & 1 << k),
					      "%s: the %s plane %s", what, plane_names[k],
					      on & 1 << k ? "shows nothing"
							  : "still shows a frame");
				free(text);
				expect_crc(
				    expected_crc(pl, modes[mode].hdisplay, modes[mode].vdisplay), 0,
				    what);
				commits++;
			}
		}
	}
	CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
	printf("ok: %d commits: every on/off combination of primary, overlay and cursor, with and "
	       "without a modeset, blocking and non-blocking, each with its event and its "
	       "picture\n",
	       commits);
	free_buffer(&prim);
	free_buffer(&ovl);
	free_buffer(&cur);
}

/* Reads the CRC stream for @ms: the entries and the vblanks they span. */
static void crc_window(unsigned int ms, const char *what)
{
	uint32_t frame, crc, first = 0, last = 0, n = 0, gaps = 0;
	uint64_t end;

	crc_start();
	while (crc_read(crc_fd, &frame, &crc))
		;
	end = now_ms() + ms;
	while (now_ms() < end) {
		if (!crc_read(crc_fd, &frame, &crc)) {
			usleep(2000);
			continue;
		}
		if (n && frame != last + 1)
			gaps += frame - last - 1;
		if (!n)
			first = frame;
		last = frame;
		n++;
	}
	CHECK(n >= 3, "%s: %u CRC entries in %u ms", what, n, ms);
	CHECK(!gaps, "%s: %u CRC entries for vblanks %u..%u, %u vblanks without one", what, n,
	      first, last, gaps);
	printf("ok: %s: %u CRC entries in %u ms, one for each vblank %u..%u\n", what, n, ms, first,
	       last);
}

static void check_crc_rate(void)
{
	struct buffer b = make_buffer(DRM_FORMAT_XRGB8888, 640, 480, false);
	struct placement pl[NPLANES] = {full(&b, 0)};

	fill_picture(&b);
	CHECK(!commit(pl, 0, 0), "showing XR24: %s", strerror(errno));
	crc_window(1000, "a primary plane");
	CHECK(!commit(NULL, 0, 0), "no plane: %s", strerror(errno));
	crc_window(1000, "no plane");
	CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
	free_buffer(&b);
}

/* One commit of @pl in mode 0 with the writeback connector @wb on the
 * CRTC, writing into @fb (0: detached); its out-fence into @fence. */
static int commit_wb(const struct placement pl[NPLANES], uint32_t wb, const uint32_t *wb_props,
		     uint32_t fb, int32_t *fence, uint32_t flags)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int ret;

	drmModeAtomicAddProperty(req, conn_id, conn_crtc_prop, crtc_id);
	drmModeAtomicAddProperty(req, crtc_id, mode_prop, mode_blob[0]);
	drmModeAtomicAddProperty(req, crtc_id, active_prop, 1);
	for (int k = 0; k < NPLANES; k++)
		add_plane(req, k, &pl[k]);
	drmModeAtomicAddProperty(req, wb, wb_props[0], fb ? crtc_id : 0);
	if (fb) {
		drmModeAtomicAddProperty(req, wb, wb_props[1], fb);
		drmModeAtomicAddProperty(req, wb, wb_props[2], (uint64_t)(uintptr_t)fence);
	}
	ret = drmModeAtomicCommit(card, req, flags | DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	drmModeAtomicFree(req);
	return ret ? -errno : 0;
}

static void check_writeback(void)
{
	CHECK(!drmSetClientCap(card, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1),
	      "DRM_CLIENT_CAP_WRITEBACK_CONNECTORS: %s", strerror(errno));
	drmModeResPtr res = drmModeGetResources(card);
	uint32_t wb = 0;
	for (int i = 0; res && i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(card, res->connectors[i]);

		if (c && c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK)
			wb = c->connector_id;
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	CHECK(wb, "no writeback connector");
	uint64_t formats_blob = 0;
	uint32_t wb_props[3] = {
	    prop_id(wb, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", NULL),
	    prop_id(wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID", NULL),
	    prop_id(wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_OUT_FENCE_PTR", NULL),
	};
	prop_id(wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_PIXEL_FORMATS", &formats_blob);
	drmModePropertyBlobPtr blob = drmModeGetPropertyBlob(card, (uint32_t)formats_blob);
	CHECK(blob && blob->length == 4 && *(uint32_t *)blob->data == DRM_FORMAT_XRGB8888,
	      "WRITEBACK_PIXEL_FORMATS is not XR24 alone");
	drmModeFreePropertyBlob(blob);
	printf("ok: writeback connector %u, WRITEBACK_PIXEL_FORMATS XR24\n", wb);

	struct buffer out = make_buffer(DRM_FORMAT_XRGB8888, 640, 480, false);
	struct buffer xr = make_buffer(DRM_FORMAT_XRGB8888, 640, 480, false);
	struct buffer nv = make_buffer(DRM_FORMAT_NV12, 640, 480, false);
	struct buffer cur = make_buffer(DRM_FORMAT_ARGB8888, 64, 64, false);
	uint8_t *want = malloc(640 * 480 * DI_COMPOSE_CPP);
	CHECK(want, "out of memory");
	fill_picture(&xr);
	fill_picture(&nv);
	fill_cursor(&cur);
	/* Lines 100 and 101 made unlike the rest, so a row off shows. */
	memset(plane_data(&xr, 0) + 100 * xr.pitches[0], 0x20, 640 * 4);
	memset(plane_data(&nv, 0) + 100 * nv.pitches[0], 0xe0, 2 * nv.pitches[0]);

	for (int pass = 0; pass < 2; pass++) {
		struct placement pl[NPLANES] = {full(pass ? &nv : &xr, 0)};
		const char *what = pass ? "NV12 with the cursor" : "XR24";
		int32_t fence = -1;

		if (pass)
			pl[CURSOR] =
			    (struct placement){.buf = &cur, .w = 64, .h = 64, .x = 300, .y = 200};
		memset(plane_data(&out, 0), 0x77, out.sizes[0]);
		int ret = commit_wb(pl, wb, wb_props, out.fb, &fence, 0);
		CHECK(!ret, "writeback of %s: %s", what, strerror(-ret));
		CHECK(fence >= 0, "writeback of %s: no out-fence", what);
		struct pollfd p = {.fd = fence, .events = POLLIN};
		CHECK(poll(&p, 1, 5000) == 1,
		      "writeback of %s: the out-fence did not signal in 5 s", what);
		close(fence);

		struct di_compose_plane cp[2] = {
		    {.fourcc = pl[0].buf->fourcc,
		     .data = {plane_data(pl[0].buf, 0), plane_data(pl[0].buf, 1)},
		     .pitches = {pl[0].buf->pitches[0], pl[0].buf->pitches[1]},
		     .dst_w = 640,
		     .dst_h = 480},
		    {.fourcc = DRM_FORMAT_ARGB8888,
		     .data = {plane_data(&cur, 0)},
		     .pitches = {cur.pitches[0]},
		     .dst_x = 300,
		     .dst_y = 200,
		     .dst_w = 64,
		     .dst_h = 64,
		     .zpos = 2},
		};
		CHECK(!di_compose(cp, pass ? 2 : 1, want, 640, 480), "di_compose");
		for (uint32_t y = 0; y < 480; y++)
			CHECK(!memcmp(plane_data(&out, 0) + (size_t)y * out.pitches[0],
				      want + (size_t)y * 640 * 4, 640 * 4),
			      "writeback of %s: row %u differs from what is shown", what, y);
		expect_crc(di_crc32(0, want, 640 * 480 * 4), 0, what);
		printf("ok: writeback of %s: every row as lib/compose blends the screen, its CRC "
		       "fakedisp's\n",
		       what);
	}

	/* Refusals: the wrong size, the wrong format. */
	struct placement pl[NPLANES] = {full(&xr, 0)};
	struct buffer small = make_buffer(DRM_FORMAT_XRGB8888, 320, 240, false);
	int32_t fence = -1;
	CHECK(commit_wb(pl, wb, wb_props, small.fb, &fence, DRM_MODE_ATOMIC_TEST_ONLY) == -EINVAL,
	      "a 320x240 writeback buffer on a 640x480 mode accepted");
	CHECK(commit_wb(pl, wb, wb_props, nv.fb, &fence, DRM_MODE_ATOMIC_TEST_ONLY) == -EINVAL,
	      "an NV12 writeback buffer accepted");
	printf("ok: a writeback buffer of another size than the mode, or NV12: EINVAL\n");
	CHECK(!commit_wb(pl, wb, wb_props, 0, NULL, 0), "detaching the writeback: %s",
	      strerror(errno));
	CHECK(!commit(NULL, -1, 0), "off: %s", strerror(errno));
	free(want);
	free_buffer(&small);
	free_buffer(&out);
	free_buffer(&xr);
	free_buffer(&nv);
	free_buffer(&cur);
}

static const struct {
	const char *name;
	void (*run)(void);
} checks[] = {
    {"dumb", check_dumb},	    {"max", check_max},
    {"getfb", check_getfb},	    {"crc", check_crc},
    {"toggle", check_toggle},	    {"crc-rate", check_crc_rate},
    {"writeback", check_writeback}, {"overlay", check_overlay},
    {"stamps", check_stamps},
};
/* Run only when named: it makes the scanout count bad frames. */
#define BY_NAME_ONLY "stamps"

#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: %s [CHECK...]\nfakedisp as KMS clients expect it; checks (all but "
		       "stamps when none is named):",
		       argv[0]);
		for (size_t i = 0; i < NCHECKS; i++)
			printf(" %s", checks[i].name);
		printf("\nSee the head of tests/vm/fakedisp/tools/fakedisp-kms.c.\n");
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		size_t i = 0;

		while (i < NCHECKS && strcmp(argv[a], checks[i].name))
			i++;
		CHECK(i < NCHECKS, "unknown check '%s' (see --help)", argv[a]);
	}
	setup();
	for (size_t i = 0; i < NCHECKS; i++) {
		bool run = argc == 1 && strcmp(checks[i].name, BY_NAME_ONLY);

		for (int a = 1; a < argc; a++)
			run |= !strcmp(argv[a], checks[i].name);
		if (run) {
			printf("== %s\n", checks[i].name);
			checks[i].run();
		}
	}
	close(card);
	return 0;
}
