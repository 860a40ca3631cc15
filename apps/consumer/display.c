// SPDX-License-Identifier: MIT
#include "display.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, obj, type);
	uint32_t id = 0;

	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name))
			id = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	if (!id)
		fprintf(stderr, "consumer: KMS object %u has no property %s\n", obj, name);
	return id;
}

/* The plane's "type" property: DRM_PLANE_TYPE_*, -1 when it has none. */
static int plane_type(int fd, uint32_t plane)
{
	drmModeObjectPropertiesPtr props =
	    drmModeObjectGetProperties(fd, plane, DRM_MODE_OBJECT_PLANE);
	int type = -1;

	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, "type"))
			type = (int)props->prop_values[i];
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return type;
}

static int open_card(struct display *d, const char *path, const char *driver)
{
	drmVersionPtr v;

	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	v = drmGetVersion(d->fd);
	snprintf(d->driver, sizeof(d->driver), "%s", v ? v->name : "?");
	drmFreeVersion(v);
	snprintf(d->path, sizeof(d->path), "%s", path);
	if (!driver || !strcmp(d->driver, driver))
		return 0;
	close(d->fd);
	d->fd = -1;
	return -ENODEV;
}

/* The plane's type, formats and property ids; false when one is missing. */
static bool describe_plane(int fd, uint32_t id, struct display_plane *pl)
{
	static const char *const src[4] = {"SRC_X", "SRC_Y", "SRC_W", "SRC_H"};
	static const char *const dst[4] = {"CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H"};
	drmModePlanePtr p = drmModeGetPlane(fd, id);
	bool ok;

	if (!p)
		return false;
	pl->id = id;
	pl->primary = plane_type(fd, id) == DRM_PLANE_TYPE_PRIMARY;
	pl->nformats =
	    p->count_formats < DISPLAY_FORMATS_MAX ? p->count_formats : DISPLAY_FORMATS_MAX;
	memcpy(pl->formats, p->formats, pl->nformats * sizeof(pl->formats[0]));
	drmModeFreePlane(p);
	pl->fb_id = prop_id(fd, id, DRM_MODE_OBJECT_PLANE, "FB_ID");
	pl->crtc_id = prop_id(fd, id, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	pl->in_fence_fd = prop_id(fd, id, DRM_MODE_OBJECT_PLANE, "IN_FENCE_FD");
	ok = pl->fb_id && pl->crtc_id;
	for (int i = 0; i < 4; i++) {
		pl->src[i] = prop_id(fd, id, DRM_MODE_OBJECT_PLANE, src[i]);
		pl->dst[i] = prop_id(fd, id, DRM_MODE_OBJECT_PLANE, dst[i]);
		ok = ok && pl->src[i] && pl->dst[i];
	}
	return ok;
}

/* Primary first, then the overlays (cursor planes are not for frames). */
static int find_planes(struct display *d)
{
	drmModePlaneResPtr res = drmModeGetPlaneResources(d->fd);
	int ret = 0;

	for (int want_primary = 1; want_primary >= 0; want_primary--) {
		for (uint32_t i = 0; res && i < res->count_planes; i++) {
			drmModePlanePtr p = drmModeGetPlane(d->fd, res->planes[i]);
			bool usable = p && (p->possible_crtcs & 1);
			struct display_plane pl = {0};

			drmModeFreePlane(p);
			if (!usable || d->nplanes == DISPLAY_PLANES_MAX ||
			    plane_type(d->fd, res->planes[i]) !=
				(want_primary ? DRM_PLANE_TYPE_PRIMARY : DRM_PLANE_TYPE_OVERLAY))
				continue;
			if (!describe_plane(d->fd, res->planes[i], &pl)) {
				ret = -1;
				continue;
			}
			d->plane[d->nplanes++] = pl;
		}
		if (want_primary && d->nplanes != 1) {
			fprintf(stderr, "consumer: %s has no primary plane for its first CRTC\n",
				d->path);
			ret = -1;
			break;
		}
	}
	drmModeFreePlaneResources(res);
	return ret;
}

static int find_pipeline(struct display *d)
{
	drmModeResPtr res;

	if (drmSetClientCap(d->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(d->fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		fprintf(stderr, "consumer: %s does not do atomic modesetting: %s\n", d->path,
			strerror(errno));
		return -1;
	}
	res = drmModeGetResources(d->fd);
	if (!res || !res->count_connectors || !res->count_crtcs) {
		fprintf(stderr, "consumer: %s has no connector or no CRTC\n", d->path);
		drmModeFreeResources(res);
		return -1;
	}
	d->connector = res->connectors[0];
	d->crtc = res->crtcs[0];
	drmModeFreeResources(res);
	if (find_planes(d))
		return -1;
	d->conn_crtc_id = prop_id(d->fd, d->connector, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	d->crtc_mode_id = prop_id(d->fd, d->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	d->crtc_active = prop_id(d->fd, d->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	d->crtc_out_fence_ptr = prop_id(d->fd, d->crtc, DRM_MODE_OBJECT_CRTC, "OUT_FENCE_PTR");
	return d->conn_crtc_id && d->crtc_mode_id && d->crtc_active ? 0 : -1;
}

int display_open(struct display *d, const char *path, const char *driver)
{
	char node[32];
	int ret = -ENOENT;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (path) {
		ret = open_card(d, path, NULL);
		if (ret) {
			fprintf(stderr, "consumer: cannot open %s: %s\n", path, strerror(-ret));
			return -1;
		}
	} else {
		for (int i = 0; i < 16 && d->fd < 0; i++) {
			snprintf(node, sizeof(node), "/dev/dri/card%d", i);
			ret = open_card(d, node, driver);
		}
		if (d->fd < 0) {
			fprintf(stderr,
				"consumer: no DRM card of driver %s (is the module loaded?)\n",
				driver);
			return -1;
		}
	}
	if (find_pipeline(d)) {
		display_close(d);
		return -1;
	}
	return 0;
}

void display_preferred_size(const struct display *d, uint32_t *width, uint32_t *height)
{
	drmModeConnectorPtr conn = drmModeGetConnector(d->fd, d->connector);

	*width = *height = 0;
	for (int i = 0; conn && i < conn->count_modes; i++) {
		if (i == 0 || (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED)) {
			*width = conn->modes[i].hdisplay;
			*height = conn->modes[i].vdisplay;
		}
		if (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			break;
	}
	drmModeFreeConnector(conn);
}

int display_set_mode(struct display *d, uint32_t width, uint32_t height)
{
	drmModeConnectorPtr conn;
	bool found = false;

	if (d->mode_blob && d->mode.hdisplay == width && d->mode.vdisplay == height)
		return 0;
	conn = drmModeGetConnector(d->fd, d->connector);
	for (int i = 0; conn && i < conn->count_modes && !found; i++) {
		if (conn->modes[i].hdisplay == width && conn->modes[i].vdisplay == height) {
			d->mode = conn->modes[i];
			found = true;
		}
	}
	drmModeFreeConnector(conn);
	if (!found) {
		fprintf(stderr, "consumer: %s offers no %ux%u mode\n", d->path, width, height);
		return -1;
	}
	if (d->mode_blob)
		drmModeDestroyPropertyBlob(d->fd, d->mode_blob);
	d->mode_blob = 0;
	if (drmModeCreatePropertyBlob(d->fd, &d->mode, sizeof(d->mode), &d->mode_blob)) {
		fprintf(stderr, "consumer: drmModeCreatePropertyBlob: %s\n", strerror(errno));
		d->mode_blob = 0;
		return -1;
	}
	d->active = false; /* the next commit is a modeset */
	return 0;
}

bool display_plane_has_format(const struct display *d, uint32_t plane, uint32_t fourcc)
{
	for (uint32_t i = 0; plane < d->nplanes && i < d->plane[plane].nformats; i++)
		if (d->plane[plane].formats[i] == fourcc)
			return true;
	return false;
}

static void add_plane(drmModeAtomicReqPtr req, const struct display *d,
		      const struct display_update *u)
{
	const struct display_plane *pl = &d->plane[u->plane];
	uint64_t srcv[4] = {0, 0, (uint64_t)u->w << 16, (uint64_t)u->h << 16};
	uint64_t dstv[4] = {(uint64_t)(int64_t)u->x, (uint64_t)(int64_t)u->y, u->w, u->h};

	drmModeAtomicAddProperty(req, pl->id, pl->fb_id, u->fb);
	drmModeAtomicAddProperty(req, pl->id, pl->crtc_id, u->fb ? d->crtc : 0);
	for (int i = 0; i < 4; i++) {
		drmModeAtomicAddProperty(req, pl->id, pl->src[i], u->fb ? srcv[i] : 0);
		drmModeAtomicAddProperty(req, pl->id, pl->dst[i], u->fb ? dstv[i] : 0);
	}
	if (u->fenced)
		drmModeAtomicAddProperty(req, pl->id, pl->in_fence_fd, (uint64_t)u->fence_fd);
}

int display_commit(struct display *d, const struct display_update *u, uint32_t n, bool block,
		   int *out_fence)
{
	int32_t fence = -1; /* OUT_FENCE_PTR points to an s32 */
	uint32_t flags = block ? 0 : DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	drmModeAtomicReqPtr req;
	int ret;

	if (!block && d->flip_pending)
		return -EBUSY;
	req = drmModeAtomicAlloc();
	if (!req)
		return -ENOMEM;
	if (!d->active) {
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
		drmModeAtomicAddProperty(req, d->connector, d->conn_crtc_id, d->crtc);
		drmModeAtomicAddProperty(req, d->crtc, d->crtc_mode_id, d->mode_blob);
		drmModeAtomicAddProperty(req, d->crtc, d->crtc_active, 1);
	}
	for (uint32_t i = 0; i < n; i++)
		add_plane(req, d, &u[i]);
	if (out_fence)
		drmModeAtomicAddProperty(req, d->crtc, d->crtc_out_fence_ptr,
					 (uint64_t)(uintptr_t)&fence);
	ret = drmModeAtomicCommit(d->fd, req, flags, d) ? -errno : 0;
	drmModeAtomicFree(req);
	if (ret)
		return ret;
	if (out_fence)
		*out_fence = fence;
	d->active = true;
	if (!block)
		d->flip_pending = true;
	return 0;
}

int display_show(struct display *d, uint32_t fb)
{
	struct display_update u = {
	    .plane = 0, .fb = fb, .w = d->mode.hdisplay, .h = d->mode.vdisplay};

	return display_commit(d, &u, 1, false, NULL);
}

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec,
		    unsigned int crtc, void *data)
{
	struct display *d = data;

	(void)fd;
	(void)seq;
	(void)crtc;
	d->flip_pending = false;
	d->flips++;
	d->flip_ns = (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u;
}

int display_dispatch(struct display *d)
{
	drmEventContext ctx = {.version = 3, .page_flip_handler2 = on_flip};

	return drmHandleEvent(d->fd, &ctx) ? -EIO : 0;
}

int display_wait_flip(struct display *d, int timeout_ms)
{
	struct pollfd pfd = {.fd = d->fd, .events = POLLIN};

	while (d->flip_pending) {
		int n = poll(&pfd, 1, timeout_ms);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		if (display_dispatch(d))
			return -EIO;
	}
	return 0;
}

int display_off(struct display *d)
{
	drmModeAtomicReqPtr req;
	int ret;

	if (!d->active)
		return 0;
	req = drmModeAtomicAlloc();
	if (!req)
		return -ENOMEM;
	drmModeAtomicAddProperty(req, d->connector, d->conn_crtc_id, 0);
	drmModeAtomicAddProperty(req, d->crtc, d->crtc_mode_id, 0);
	drmModeAtomicAddProperty(req, d->crtc, d->crtc_active, 0);
	for (uint32_t i = 0; i < d->nplanes; i++)
		add_plane(req, d, &(struct display_update){.plane = i});
	ret = drmModeAtomicCommit(d->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL) ? -errno : 0;
	drmModeAtomicFree(req);
	if (ret)
		fprintf(stderr, "consumer: turning the display off failed: %s\n", strerror(-ret));
	else
		d->active = false;
	return ret;
}

void display_close(struct display *d)
{
	if (d->fd < 0)
		return;
	display_off(d);
	if (d->mode_blob)
		drmModeDestroyPropertyBlob(d->fd, d->mode_blob);
	close(d->fd);
	d->fd = -1;
}
