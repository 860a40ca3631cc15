// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fakedisp-planes: the primary plane and three overlays of one fakedisp
 * card (--device N: the Nth fakedisp card, 0 first), at 640x480:
 *   - the planes: one primary (zpos 0, immutable) and at least three
 *     overlays with a settable zpos, all with XR24 AR24 NV12 YUYV NV21
 *     NV16 YU12 RG16;
 *   - atomic commits placing stamped dumb buffers on all four planes: an
 *     XRGB8888 primary, an ARGB8888 overlay with alpha 0, 128 and 255, an
 *     NV12 and a YUYV overlay (the YUYV one partly off the screen, which
 *     fakedisp clips): fakedisp's CRC (crtc-0/crc/data) equals the CRC of
 *     lib/compose's blend of the same bytes read through mmap, for three
 *     screens: the first, with the zpos of two overlapping overlays
 *     swapped, with an overlay moved and another one turned off, and with
 *     a commit of one overlay only (which flips that plane alone: the
 *     others keep their frames);
 *   - negative controls: the blend with the wrong zpos order, or with an
 *     overlay one pixel off, differs from what fakedisp shows; an overlay
 *     that scales, a fractional source, an NV12 source at an odd column, a
 *     primary plane that does not cover the mode, an overlay zpos outside
 *     its range: -EINVAL (TEST_ONLY); an overlay wholly off the screen is
 *     accepted and shows nothing;
 *   - the per-plane counters (debugfs "planes"): every plane that showed a
 *     frame read it with a good stamp and nothing bad, its position and
 *     zpos as committed; the screen's counters ("scanout") are their sums.
 * Prints one line per check; exits 1 at the first failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
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
#include "test-check.h"

#define MODE_W 640
#define MODE_H 480
#define MAX_PLANES 8

enum { P_FB_ID, P_CRTC_ID, P_SRC_X, P_SRC_Y, P_SRC_W, P_SRC_H, P_CRTC_X, P_CRTC_Y, P_CRTC_W,
       P_CRTC_H, P_ZPOS, P_COUNT };
static const char *const plane_props[P_COUNT] = { "FB_ID",  "CRTC_ID", "SRC_X",	 "SRC_Y",
						  "SRC_W",  "SRC_H",   "CRTC_X", "CRTC_Y",
						  "CRTC_W", "CRTC_H",  "zpos" };

struct plane {
	uint32_t id;
	bool primary;
	uint32_t prop[P_COUNT];
	uint64_t zmin, zmax;
	bool zimmutable;
};

/* A dumb buffer with a framebuffer, mapped. */
struct buffer {
	uint32_t fourcc, width, height;
	uint32_t handle, fb, pitches[2], offsets[2];
	uint8_t *map;
	size_t size;
};

/* Where a buffer goes in a commit. */
struct placement {
	const struct buffer *buf;	/* NULL: plane off */
	uint32_t src_x, src_y, w, h;
	int32_t x, y;
	uint64_t zpos;
	/* only for refusals: a CRTC size other than w x h, a fraction of SRC_W */
	uint32_t crtc_w, crtc_h, src_w_frac;
};

static int card = -1, minor;
static uint32_t crtc_id, conn_id, conn_crtc_prop, mode_prop, active_prop, mode_blob;
static struct plane planes[MAX_PLANES];
static unsigned int nplanes;
static char fakedisp_dir[64], dri_dir[64];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t prop_id(uint32_t obj, uint32_t type, const char *name, uint64_t *min,
			uint64_t *max, bool *immutable)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(card, obj, type);
	uint32_t id = 0;

	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyPtr p = drmModeGetProperty(card, props->props[i]);

		if (p && strcmp(p->name, name) == 0) {
			id = p->prop_id;
			if (min && p->count_values >= 2) {
				*min = p->values[0];
				*max = p->values[1];
			}
			if (immutable)
				*immutable = p->flags & DRM_MODE_PROP_IMMUTABLE;
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

static uint64_t prop_value(uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(card, obj, type);
	uint64_t v = UINT64_MAX;

	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(card, props->props[i]);

		if (p && strcmp(p->name, name) == 0)
			v = props->prop_values[i];
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return v;
}

/* The @n-th fakedisp card, and its debugfs folders. */
static void open_card(int n)
{
	char path[64];
	int seen = 0;

	for (int i = 0; i < 16 && card < 0; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		drmVersionPtr v = drmGetVersion(fd);
		bool match = v && strcmp(v->name, "fakedisp") == 0;
		drmFreeVersion(v);
		if (match && seen++ == n) {
			card = fd;
			minor = i;
		} else {
			close(fd);
		}
	}
	CHECK(card >= 0, "no fakedisp card number %d", n);
	snprintf(dri_dir, sizeof(dri_dir), "/sys/kernel/debug/dri/%d", minor);
	/* fakedisp's own folder: the one whose scanout file names our minor. */
	for (int i = 0; i < 8 && !fakedisp_dir[0]; i++) {
		char dir[64], file[96], *text, want[32];

		if (i)
			snprintf(dir, sizeof(dir), "/sys/kernel/debug/fakedisp.%d", i);
		else
			snprintf(dir, sizeof(dir), "/sys/kernel/debug/fakedisp");
		snprintf(file, sizeof(file), "%s/scanout", dir);
		if (access(file, R_OK))
			continue;
		text = debugfs_read(file);
		snprintf(want, sizeof(want), "\nminor: %d\n", minor);
		if (text && strstr(text, want))
			snprintf(fakedisp_dir, sizeof(fakedisp_dir), "%s", dir);
		free(text);
	}
	CHECK(fakedisp_dir[0], "no fakedisp debugfs folder for card %d", minor);
	printf("ok: fakedisp card %d is /dev/dri/card%d, debugfs %s\n", n, minor, fakedisp_dir);
}

static void find_objects(void)
{
	CHECK(!drmSetClientCap(card, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) &&
		      !drmSetClientCap(card, DRM_CLIENT_CAP_ATOMIC, 1),
	      "atomic client caps: %s", strerror(errno));
	drmModeResPtr res = drmModeGetResources(card);
	CHECK(res && res->count_crtcs == 1 && res->count_connectors == 1,
	      "one CRTC and one connector");
	crtc_id = res->crtcs[0];
	conn_id = res->connectors[0];
	drmModeFreeResources(res);

	drmModeConnectorPtr conn = drmModeGetConnector(card, conn_id);
	drmModeModeInfo *mode = NULL;
	for (int i = 0; conn && i < conn->count_modes && !mode; i++)
		if (conn->modes[i].hdisplay == MODE_W && conn->modes[i].vdisplay == MODE_H)
			mode = &conn->modes[i];
	CHECK(mode, "no %dx%d mode", MODE_W, MODE_H);
	CHECK(!drmModeCreatePropertyBlob(card, mode, sizeof(*mode), &mode_blob), "mode blob");
	drmModeFreeConnector(conn);
	conn_crtc_prop = prop_id(conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", NULL, NULL, NULL);
	mode_prop = prop_id(crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", NULL, NULL, NULL);
	active_prop = prop_id(crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", NULL, NULL, NULL);

	drmModePlaneResPtr pr = drmModeGetPlaneResources(card);
	unsigned int overlays = 0;
	for (uint32_t i = 0; pr && i < pr->count_planes && nplanes < MAX_PLANES; i++) {
		/* The cursor plane is fakedisp-kms's (it is the last one). */
		if (prop_value(pr->planes[i], DRM_MODE_OBJECT_PLANE, "type") ==
		    DRM_PLANE_TYPE_CURSOR)
			continue;
		struct plane *p = &planes[nplanes++];
		drmModePlanePtr mp = drmModeGetPlane(card, pr->planes[i]);
		char formats[64] = "";

		p->id = pr->planes[i];
		p->primary = prop_value(p->id, DRM_MODE_OBJECT_PLANE, "type") ==
			     DRM_PLANE_TYPE_PRIMARY;
		for (int k = 0; k < P_COUNT; k++) {
			p->prop[k] = prop_id(p->id, DRM_MODE_OBJECT_PLANE, plane_props[k],
					     k == P_ZPOS ? &p->zmin : NULL, &p->zmax,
					     k == P_ZPOS ? &p->zimmutable : NULL);
			CHECK(p->prop[k], "plane %u has no %s", p->id, plane_props[k]);
		}
		for (uint32_t f = 0; mp && f < mp->count_formats; f++)
			snprintf(formats + strlen(formats), sizeof(formats) - strlen(formats),
				 "%s%.4s", f ? " " : "", (const char *)&mp->formats[f]);
		CHECK(strcmp(formats, "XR24 AR24 NV12 YUYV NV21 NV16 YU12 RG16") == 0,
		      "plane %u formats '%s'", p->id, formats);
		drmModeFreePlane(mp);
		if (p->primary)
			CHECK(nplanes == 1 && p->zimmutable &&
				      prop_value(p->id, DRM_MODE_OBJECT_PLANE, "zpos") == 0,
			      "the primary plane comes first with an immutable zpos 0");
		else
			CHECK(!p->zimmutable && p->zmin == 1 && p->zmax >= 3, "overlay %u zpos %" PRIu64
			      "..%" PRIu64 "%s", p->id, p->zmin, p->zmax,
			      p->zimmutable ? " immutable" : "");
		overlays += !p->primary;
	}
	drmModeFreePlaneResources(pr);
	CHECK(nplanes >= 4 && planes[0].primary && overlays == nplanes - 1,
	      "a primary plane and at least 3 overlays (%u planes)", nplanes);
	printf("ok: CRTC %u, primary plane %u (zpos 0 immutable), %u overlays (zpos 1..%" PRIu64
	       "), all XR24 AR24 NV12 YUYV NV21 NV16 YU12 RG16\n",
	       crtc_id, planes[0].id, overlays, planes[1].zmax);
}

static struct buffer make_buffer(uint32_t fourcc, uint32_t w, uint32_t h, uint64_t seq)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	struct buffer b = { .fourcc = fourcc, .width = w, .height = h };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

	if (fourcc == DRM_FORMAT_NV12) {
		c.bpp = 8;
		c.height = h * 3 / 2;
	} else if (fourcc == DRM_FORMAT_YUYV) {
		c.bpp = 16;
	}
	CHECK(!drmIoctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &c), "CREATE_DUMB: %s", strerror(errno));
	m.handle = c.handle;
	CHECK(!drmIoctl(card, DRM_IOCTL_MODE_MAP_DUMB, &m), "MAP_DUMB: %s", strerror(errno));
	b.map = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, card, (off_t)m.offset);
	CHECK(b.map != MAP_FAILED, "mmap: %s", strerror(errno));
	b.handle = c.handle;
	b.size = c.size;
	b.pitches[0] = c.pitch;
	if (fourcc == DRM_FORMAT_NV12) {
		b.pitches[1] = c.pitch;
		b.offsets[1] = c.pitch * h;
	}

	/* A pattern of many colours, so that a misplaced pixel shows. */
	for (uint32_t y = 0; y < c.height; y++) {
		uint8_t *row = b.map + (size_t)y * c.pitch;

		for (uint32_t x = 0; x < c.pitch; x++)
			row[x] = (uint8_t)(x * 7 + y * 13 + seq * 31);
	}
	if (fourcc == DRM_FORMAT_ARGB8888) {
		/* Premultiplied, in three bands: alpha 0, 128 and 255. */
		for (uint32_t y = 0; y < h; y++) {
			for (uint32_t x = 0; x < w; x++) {
				uint8_t *px = b.map + (size_t)y * c.pitch + x * 4;
				uint8_t a = x < w / 3 ? 0 : x < 2 * w / 3 ? 128 : 255;

				for (int k = 0; k < 3; k++)
					px[k] = (uint8_t)(px[k] * a / 255);
				px[3] = a;
			}
		}
	}
	struct frame_stamp st;
	frame_stamp_fill(&st, seq, 0, fourcc, w, h);
	memcpy(b.map, &st, sizeof(st));

	for (int i = 0; i < 2; i++) {
		handles[i] = i == 0 || fourcc == DRM_FORMAT_NV12 ? c.handle : 0;
		pitches[i] = b.pitches[i];
		offsets[i] = b.offsets[i];
	}
	CHECK(!drmModeAddFB2(card, w, h, fourcc, handles, pitches, offsets, &b.fb, 0),
	      "ADDFB2 %.4s %ux%u: %s", (const char *)&fourcc, w, h, strerror(errno));
	return b;
}

static void add_plane(drmModeAtomicReqPtr req, const struct plane *p, const struct placement *pl)
{
	uint32_t fb = pl->buf ? pl->buf->fb : 0;

	drmModeAtomicAddProperty(req, p->id, p->prop[P_FB_ID], fb);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_ID], fb ? crtc_id : 0);
	if (!fb)
		return;
	drmModeAtomicAddProperty(req, p->id, p->prop[P_SRC_X], (uint64_t)pl->src_x << 16);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_SRC_Y], (uint64_t)pl->src_y << 16);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_SRC_W],
				 ((uint64_t)pl->w << 16) | pl->src_w_frac);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_SRC_H], (uint64_t)pl->h << 16);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_X], (uint64_t)(int64_t)pl->x);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_Y], (uint64_t)(int64_t)pl->y);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_W], pl->crtc_w ? pl->crtc_w : pl->w);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_H], pl->crtc_h ? pl->crtc_h : pl->h);
	if (!p->primary)
		drmModeAtomicAddProperty(req, p->id, p->prop[P_ZPOS], pl->zpos);
}

/* One atomic commit of the placements of the planes in @mask (plane i
 * getting @pl[i]), with the CRTC's mode unless @flip_only; -errno. */
static int commit_planes(const struct placement *pl, unsigned int mask, bool flip_only,
			 uint32_t flags)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int ret;

	if (!flip_only) {
		drmModeAtomicAddProperty(req, conn_id, conn_crtc_prop, crtc_id);
		drmModeAtomicAddProperty(req, crtc_id, mode_prop, mode_blob);
		drmModeAtomicAddProperty(req, crtc_id, active_prop, 1);
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
	}
	for (unsigned int i = 0; i < MAX_PLANES; i++)
		if (mask & 1u << i)
			add_plane(req, &planes[i], &pl[i]);
	ret = drmModeAtomicCommit(card, req, flags, NULL);
	drmModeAtomicFree(req);
	return ret ? -errno : 0;
}

/* One atomic commit of @n placements, plane i getting @pl[i]; -errno. */
static int commit(const struct placement *pl, unsigned int n, uint32_t flags)
{
	return commit_planes(pl, (1u << n) - 1, false, flags);
}

/* What the screen should show: lib/compose over the mmap'ed bytes. */
static uint32_t expected_crc(const struct placement *pl, unsigned int n)
{
	struct di_compose_plane cp[MAX_PLANES];
	unsigned int count = 0;
	uint32_t crc = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct buffer *b = pl[i].buf;

		if (!b)
			continue;
		cp[count++] = (struct di_compose_plane){
			.fourcc = b->fourcc,
			.data = { b->map + b->offsets[0], b->map + b->offsets[1] },
			.pitches = { b->pitches[0], b->pitches[1] },
			.src_x = pl[i].src_x,
			.src_y = pl[i].src_y,
			.dst_x = pl[i].x,
			.dst_y = pl[i].y,
			.dst_w = pl[i].w,
			.dst_h = pl[i].h,
			.zpos = i ? (int)pl[i].zpos : 0,
		};
	}
	CHECK(!di_compose_crc(cp, count, MODE_W, MODE_H, &crc), "di_compose_crc");
	return crc;
}

static int crc_fd = -1;

static void crc_start(void)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "%s/crtc-0/crc/control", dri_dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "auto", 4) == 4, "%s: %s", path, strerror(errno));
	close(fd);
	snprintf(path, sizeof(path), "%s/crtc-0/crc/data", dri_dir);
	crc_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	CHECK(crc_fd >= 0, "%s: %s", path, strerror(errno));
}

/* Waits (10 s at most) for 3 CRC entries in a row equal to @want; none
 * of them may be @never after the first @want. */
static void expect_crc(uint32_t want, uint32_t never, const char *what)
{
	uint64_t deadline = now_ms() + 10000;
	unsigned int good = 0, seen = 0;
	uint32_t frame, crc = 0;

	while (good < 3) {
		CHECK(now_ms() < deadline, "%s: no 3 CRC entries 0x%08x in a row (last 0x%08x)", what,
		      want, crc);
		if (!crc_read(crc_fd, &frame, &crc)) {
			usleep(5000);
			continue;
		}
		seen++;
		CHECK(!good || crc != never, "%s: CRC 0x%08x is the negative control's", what, crc);
		good = crc == want ? good + 1 : 0;
	}
	printf("ok: %s: CRC 0x%08x, the userspace blend's (%u entries read)\n", what, want, seen);
}

/* A field "name=value" of line "plane <index> ..." of debugfs planes. */
static long long plane_field(const char *text, unsigned int index, const char *name,
			     char *str, size_t len)
{
	char head[32], key[40];
	const char *line, *f, *end;

	snprintf(head, sizeof(head), "plane %u ", index);
	for (line = text; line && strncmp(line, head, strlen(head));
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		;
	CHECK(line, "no line for plane %u in planes", index);
	end = strchr(line, '\n');
	snprintf(key, sizeof(key), " %s=", name);
	f = strstr(line, key);
	CHECK(f && (!end || f < end), "plane %u has no %s", index, name);
	f += strlen(key);
	if (str) {
		size_t n = strcspn(f, " \n");

		snprintf(str, len, "%.*s", (int)(n < len ? n : len - 1), f);
	}
	return strtoll(f, NULL, 10);
}

static long long scanout_value(const char *name)
{
	char path[96], *text, *f, key[40];
	long long v = -1;

	snprintf(path, sizeof(path), "%s/scanout", fakedisp_dir);
	text = debugfs_read(path);
	snprintf(key, sizeof(key), "\n%s: ", name);
	f = text ? strstr(text, key) : NULL;
	if (f)
		v = strtoll(f + strlen(key), NULL, 10);
	free(text);
	return v;
}

static char *planes_text(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/planes", fakedisp_dir);
	return debugfs_read(path);
}

/* Plane @i shows @pl as committed (clipped), and read it without fault. */
static void check_plane_counters(unsigned int i, const struct placement *pl, unsigned int zpos)
{
	char *text = planes_text(), pos[48], want[48];
	int64_t x0 = pl->x, y0 = pl->y, x1 = x0 + pl->w, y1 = y0 + pl->h;

	CHECK(text, "reading planes");
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > MODE_W ? MODE_W : x1;
	y1 = y1 > MODE_H ? MODE_H : y1;
	snprintf(want, sizeof(want), "%" PRId64 "x%" PRId64 "+%" PRId64 "+%" PRId64, x1 - x0,
		 y1 - y0, x0, y0);
	plane_field(text, i, "pos", pos, sizeof(pos));
	CHECK(strcmp(pos, want) == 0, "plane %u at %s, committed %s", i, pos, want);
	CHECK(plane_field(text, i, "zpos", NULL, 0) == zpos, "plane %u zpos %lld, expected %u", i,
	      plane_field(text, i, "zpos", NULL, 0), zpos);
	long long ok = plane_field(text, i, "stamped_ok", NULL, 0);
	long long bad = plane_field(text, i, "bad_stamp", NULL, 0) +
			plane_field(text, i, "bad_checksum", NULL, 0) +
			plane_field(text, i, "rewritten", NULL, 0);
	long long unstamped = plane_field(text, i, "unstamped", NULL, 0);
	CHECK(ok > 0 && bad == 0 && unstamped == 0,
	      "plane %u: stamped_ok %lld, bad %lld, unstamped %lld", i, ok, bad, unstamped);
	printf("ok: plane %u (id %u) at %s zpos %u: %lld frames read with a good stamp, 0 bad\n", i,
	       planes[i].id, pos, zpos, ok);
	free(text);
}

int main(int argc, char **argv)
{
	int device = 0, opt;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt == 'd') {
			device = atoi(optarg);
		} else {
			fprintf(stderr, "usage: %s [-d N (the Nth fakedisp card)]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	open_card(device);
	find_objects();

	struct buffer prim = make_buffer(DRM_FORMAT_XRGB8888, MODE_W, MODE_H, 1);
	struct buffer argb = make_buffer(DRM_FORMAT_ARGB8888, 240, 150, 2);
	struct buffer nv12 = make_buffer(DRM_FORMAT_NV12, 160, 120, 3);
	struct buffer yuyv = make_buffer(DRM_FORMAT_YUYV, 128, 96, 4);

	/* The ARGB and NV12 overlays overlap; YUYV hangs over the top right. */
	struct placement pl[4] = {
		{ &prim, 0, 0, MODE_W, MODE_H, 0, 0, 0, 0, 0, 0 },
		{ &argb, 0, 0, 240, 150, 100, 80, 1, 0, 0, 0 },
		{ &nv12, 0, 0, 160, 120, 250, 180, 2, 0, 0, 0 },
		{ &yuyv, 0, 0, 128, 96, 600, -20, 3, 0, 0, 0 },
	};
	CHECK(commit(pl, 4, 0) == 0, "commit of four planes: %s", strerror(errno));
	printf("ok: one commit: XR24 primary, AR24 at 100,80, NV12 at 250,180, YUYV at 600,-20\n");
	crc_start();

	uint32_t want = expected_crc(pl, 4);
	struct placement wrong[4];
	memcpy(wrong, pl, sizeof(wrong));
	wrong[1].zpos = 2;
	wrong[2].zpos = 1;
	uint32_t swapped = expected_crc(wrong, 4);
	CHECK(swapped != want, "the zpos order does not change the blend");
	memcpy(wrong, pl, sizeof(wrong));
	wrong[2].x++;
	uint32_t moved = expected_crc(wrong, 4);
	CHECK(moved != want, "a pixel's move does not change the blend");
	expect_crc(want, swapped, "4 planes");
	uint32_t frame, crc;
	while (crc_read(crc_fd, &frame, &crc))
		;
	usleep(200000);
	CHECK(crc_read(crc_fd, &frame, &crc) && crc != swapped && crc != moved,
	      "negative controls: the wrong-zpos blend 0x%08x and the moved one 0x%08x are not "
	      "what is shown (0x%08x)", swapped, moved, crc);
	printf("ok: negative controls: the blend with the zpos swapped (0x%08x) and with NV12 one "
	       "pixel right (0x%08x) are not shown\n", swapped, moved);
	for (unsigned int i = 0; i < 4; i++)
		check_plane_counters(i, &pl[i], i);

	/* The same buffers, the zpos of the overlapping pair swapped. */
	pl[1].zpos = 2;
	pl[2].zpos = 1;
	CHECK(commit(pl, 4, 0) == 0, "commit swapping zpos: %s", strerror(errno));
	expect_crc(swapped, want, "zpos of AR24 and NV12 swapped");
	check_plane_counters(1, &pl[1], 2);
	check_plane_counters(2, &pl[2], 1);

	/* Move the ARGB overlay half off the left edge, turn YUYV off, show
	 * NV12 from a source offset. */
	pl[1].x = -120;
	pl[1].y = 300;
	pl[2].src_x = 32;
	pl[2].src_y = 16;
	pl[2].w = 128;
	pl[2].h = 104;
	pl[3].buf = NULL;
	CHECK(commit(pl, 4, 0) == 0, "commit moving overlays: %s", strerror(errno));
	want = expected_crc(pl, 4);
	expect_crc(want, swapped, "AR24 off the left edge, NV12 from 32,16, YUYV off");
	check_plane_counters(1, &pl[1], 2);
	char *text = planes_text();
	char pos[48];
	plane_field(text, 3, "pos", pos, sizeof(pos));
	CHECK(strcmp(pos, "-") == 0, "plane 3 is off but shows at %s", pos);
	free(text);

	/* A commit of one overlay only: one flip for it, the other planes keep
	 * their frames. */
	long long frames0[3];
	text = planes_text();
	for (unsigned int i = 0; i < 3; i++)
		frames0[i] = plane_field(text, i, "frame", NULL, 0);
	free(text);
	pl[2].x += 16;
	pl[2].y -= 8;
	CHECK(commit_planes(pl, 1u << 2, true, 0) == 0, "commit of one overlay: %s",
	      strerror(errno));
	want = expected_crc(pl, 4);
	expect_crc(want, swapped, "only NV12 moved, by 16,-8");
	text = planes_text();
	CHECK(plane_field(text, 0, "frame", NULL, 0) == frames0[0] &&
		      plane_field(text, 1, "frame", NULL, 0) == frames0[1] &&
		      plane_field(text, 2, "frame", NULL, 0) != frames0[2],
	      "a commit of plane 2 only changed frames %lld %lld %lld to %lld %lld %lld",
	      frames0[0], frames0[1], frames0[2], plane_field(text, 0, "frame", NULL, 0),
	      plane_field(text, 1, "frame", NULL, 0), plane_field(text, 2, "frame", NULL, 0));
	free(text);
	check_plane_counters(2, &pl[2], 1);
	printf("ok: a commit of one overlay flips it alone: the other planes keep frames %lld, "
	       "%lld\n", frames0[0], frames0[1]);

	/* Refusals, TEST_ONLY. */
	struct placement bad[4];
	struct {
		const char *what;
		unsigned int plane;
		struct placement p;
	} refusals[] = {
		{ "an overlay scaling 120x100 to 240x200", 1,
		  { &argb, 0, 0, 120, 100, 10, 10, 1, 240, 200, 0 } },
		{ "a fractional source", 1, { &argb, 0, 0, 120, 100, 10, 10, 1, 0, 0, 0x8000 } },
		{ "an NV12 source at an odd column", 2, { &nv12, 1, 0, 100, 100, 10, 10, 2, 0, 0, 0 } },
		{ "an NV12 source of odd width", 2, { &nv12, 0, 0, 99, 100, 10, 10, 2, 0, 0, 0 } },
		{ "a primary plane off the mode's corner", 0,
		  { &prim, 0, 0, MODE_W, MODE_H, 8, 0, 0, 0, 0, 0 } },
		{ "an overlay at zpos 0", 1, { &argb, 0, 0, 120, 100, 10, 10, 0, 0, 0, 0 } },
	};
	for (unsigned int r = 0; r < sizeof(refusals) / sizeof(refusals[0]); r++) {
		memcpy(bad, pl, sizeof(bad));
		bad[refusals[r].plane] = refusals[r].p;
		int ret = commit(bad, 4, DRM_MODE_ATOMIC_TEST_ONLY);
		CHECK(ret == -EINVAL, "%s: %s, expected EINVAL", refusals[r].what,
		      ret ? strerror(-ret) : "accepted");
		printf("ok: refused (EINVAL): %s\n", refusals[r].what);
	}
	/* Wholly off screen: accepted, invisible. */
	memcpy(bad, pl, sizeof(bad));
	bad[3] = (struct placement){ &yuyv, 0, 0, 128, 96, MODE_W + 10, 10, 3, 0, 0, 0 };
	CHECK(commit(bad, 4, 0) == 0, "an overlay wholly off screen: %s", strerror(errno));
	expect_crc(want, swapped, "an overlay wholly off screen shows nothing");

	/* The screen's counters are the planes' sums, once nothing runs. */
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	drmModeAtomicAddProperty(req, conn_id, conn_crtc_prop, 0);
	drmModeAtomicAddProperty(req, crtc_id, mode_prop, 0);
	drmModeAtomicAddProperty(req, crtc_id, active_prop, 0);
	for (unsigned int i = 0; i < nplanes; i++) {
		drmModeAtomicAddProperty(req, planes[i].id, planes[i].prop[P_FB_ID], 0);
		drmModeAtomicAddProperty(req, planes[i].id, planes[i].prop[P_CRTC_ID], 0);
	}
	CHECK(!drmModeAtomicCommit(card, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL), "disable: %s",
	      strerror(errno));
	drmModeAtomicFree(req);
	usleep(300000);
	text = planes_text();
	static const char *const sums[] = { "stamped_ok", "unstamped", "bad_stamp",
					     "bad_checksum", "rewritten" };
	for (unsigned int s = 0; s < sizeof(sums) / sizeof(sums[0]); s++) {
		long long sum = 0;
		for (unsigned int i = 0; i < nplanes; i++)
			sum += plane_field(text, i, sums[s], NULL, 0);
		CHECK(sum == scanout_value(sums[s]), "scanout %s %lld, the planes' sum %lld", sums[s],
		      scanout_value(sums[s]), sum);
	}
	printf("ok: the screen's stamp counters are the planes' sums (stamped_ok %lld)\n",
	       scanout_value("stamped_ok"));
	free(text);
	close(crc_fd);
	close(card);
	return 0;
}
