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

static bool is_primary(int fd, uint32_t plane)
{
	drmModeObjectPropertiesPtr props =
	    drmModeObjectGetProperties(fd, plane, DRM_MODE_OBJECT_PLANE);
	bool primary = false;

	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, "type"))
			primary = props->prop_values[i] == DRM_PLANE_TYPE_PRIMARY;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return primary;
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

static int find_pipeline(struct display *d)
{
	static const char *const src[4] = {"SRC_X", "SRC_Y", "SRC_W", "SRC_H"};
	static const char *const dst[4] = {"CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H"};
	drmModeResPtr res;
	drmModePlaneResPtr planes;
	bool ok;

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
	planes = drmModeGetPlaneResources(d->fd);
	for (uint32_t i = 0; planes && i < planes->count_planes && !d->plane; i++) {
		drmModePlanePtr pl = drmModeGetPlane(d->fd, planes->planes[i]);

		if (pl && (pl->possible_crtcs & 1) && is_primary(d->fd, pl->plane_id))
			d->plane = pl->plane_id;
		drmModeFreePlane(pl);
	}
	drmModeFreePlaneResources(planes);
	if (!d->plane) {
		fprintf(stderr, "consumer: %s has no primary plane for its first CRTC\n", d->path);
		return -1;
	}
	d->conn_crtc_id = prop_id(d->fd, d->connector, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	d->crtc_mode_id = prop_id(d->fd, d->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	d->crtc_active = prop_id(d->fd, d->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	d->plane_fb_id = prop_id(d->fd, d->plane, DRM_MODE_OBJECT_PLANE, "FB_ID");
	d->plane_crtc_id = prop_id(d->fd, d->plane, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	ok = d->conn_crtc_id && d->crtc_mode_id && d->crtc_active && d->plane_fb_id &&
	     d->plane_crtc_id;
	for (int i = 0; i < 4; i++) {
		d->plane_src[i] = prop_id(d->fd, d->plane, DRM_MODE_OBJECT_PLANE, src[i]);
		d->plane_crtc[i] = prop_id(d->fd, d->plane, DRM_MODE_OBJECT_PLANE, dst[i]);
		ok = ok && d->plane_src[i] && d->plane_crtc[i];
	}
	return ok ? 0 : -1;
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

int display_show(struct display *d, uint32_t fb)
{
	uint32_t flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	uint64_t srcv[4] = {0, 0, (uint64_t)d->mode.hdisplay << 16,
			    (uint64_t)d->mode.vdisplay << 16};
	uint64_t dstv[4] = {0, 0, d->mode.hdisplay, d->mode.vdisplay};
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int ret;

	if (!req)
		return -ENOMEM;
	if (!d->active) {
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
		drmModeAtomicAddProperty(req, d->connector, d->conn_crtc_id, d->crtc);
		drmModeAtomicAddProperty(req, d->crtc, d->crtc_mode_id, d->mode_blob);
		drmModeAtomicAddProperty(req, d->crtc, d->crtc_active, 1);
	}
	drmModeAtomicAddProperty(req, d->plane, d->plane_fb_id, fb);
	drmModeAtomicAddProperty(req, d->plane, d->plane_crtc_id, d->crtc);
	for (int i = 0; i < 4; i++) {
		drmModeAtomicAddProperty(req, d->plane, d->plane_src[i], srcv[i]);
		drmModeAtomicAddProperty(req, d->plane, d->plane_crtc[i], dstv[i]);
	}
	ret = drmModeAtomicCommit(d->fd, req, flags, d) ? -errno : 0;
	drmModeAtomicFree(req);
	if (!ret)
		d->active = true;
	d->flipped = false;
	return ret;
}

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec,
		    unsigned int crtc, void *data)
{
	struct display *d = data;

	(void)fd;
	(void)seq;
	(void)crtc;
	d->flipped = true;
	d->flip_ns = (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u;
}

int display_wait_flip(struct display *d, int timeout_ms)
{
	drmEventContext ctx = {.version = 3, .page_flip_handler2 = on_flip};
	struct pollfd pfd = {.fd = d->fd, .events = POLLIN};

	while (!d->flipped) {
		int n = poll(&pfd, 1, timeout_ms);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		if (drmHandleEvent(d->fd, &ctx))
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
	drmModeAtomicAddProperty(req, d->plane, d->plane_fb_id, 0);
	drmModeAtomicAddProperty(req, d->plane, d->plane_crtc_id, 0);
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
