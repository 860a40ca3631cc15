// SPDX-License-Identifier: MIT
/* One producer's protocol state, never blocking (client.h). */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "app-args.h"
#include "app-pfn.h"
#include "app-stats.h"
#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/fence.h"
#include "dmabuf-interop/frame-verify.h"
#include "dmabuf-interop/session.h"

#define CONSUMER_CAPS (DI_CAP_FD_PER_FRAME | DI_CAP_DISPLAY_ALLOCATES | DI_CAP_FD_PER_PLANE)

struct client *client_new(const struct client_env *env, unsigned int id, int sock,
			  const struct di_peer *peer, uint64_t deadline_ns)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->env = env;
	c->latest = c->committed = c->shown = CLIENT_NO_FRAME;
	c->id = id;
	c->sock = sock;
	c->peer = *peer;
	c->state = CLIENT_HELLO;
	c->deadline_ns = deadline_ns;
	c->plane = -1;
	di_pool_init(&c->pool);
	fbs_init(&c->fbs, NULL, false, &(struct di_layout){0}, 0);
	return c;
}

void client_drop(struct client *c, const struct di_error *err)
{
	di_send_error(c->sock, err);
	fprintf(stderr, "consumer: dropping producer pid %d: %s: %s\n", (int)c->peer.pid,
		di_status_name(err->status), err->text);
	c->dropped = true;
	c->state = CLIENT_DONE;
}

void client_bye(struct client *c)
{
	struct di_msg bye = {.type = DI_MSG_BYE};

	di_send_msg(c->sock, &bye, NULL, NULL);
}

void client_timeout(struct client *c)
{
	struct di_error err;

	if (c->state == CLIENT_HELLO)
		di_error_set(&err, DI_ERR_STATE, 0, "no HELLO within the handshake timeout");
	else
		di_error_set(&err, DI_ERR_STATE, 0,
			     "POOL incomplete at the handshake timeout: %u of %u buffers",
			     c->pool.received, c->pool.count);
	client_drop(c, &err);
}

/* The peer closed its end (EOF, or EPIPE on a send). */
static void gone(struct client *c)
{
	if (c->state == CLIENT_STREAMING)
		fprintf(stderr, "consumer: producer pid %d went away without BYE\n",
			(int)c->peer.pid);
	c->state = CLIENT_DONE;
}

/* The frame's check, as --verify asks; counted in c and the stats. */
static void check_frame(struct client *c, struct client_frame *f)
{
	const struct client_env *env = c->env;
	struct di_mismatch where;
	struct di_error err;

	f->checked = true;
	if (env->opt->verify == DI_VERIFY_NONE)
		return;
	if (di_frame_verify_mapped(c->fbs.slot[f->index].map, &c->fbs.layout, f->seq,
				   env->opt->verify, 0, NULL, &where, &err) == DI_OK) {
		env->stats->verified++;
		return;
	}
	c->failed++;
	env->stats->failed++;
	if (c->failed <= 5)
		fprintf(stderr,
			"consumer: producer pid %d: frame %llu in buffer %u failed its check: %s\n",
			(int)c->peer.pid, (unsigned long long)f->seq, f->index, err.text);
	if (!c->fault[0])
		snprintf(c->fault, sizeof(c->fault), "frame %llu failed its check: %s",
			 (unsigned long long)f->seq, err.text);
}

/*
 * An explicit acquire fence signalled: it is done with. One that was still
 * pending when the frame came counts as a wait, from arrival to signal.
 */
static void retire_fence(struct client *c, struct client_frame *f)
{
	uint64_t signal_ns = 0;
	int status = 1;

	if (f->fence < 0)
		return;
	if (di_fence_info(f->fence, &status, &signal_ns, NULL) == DI_OK && status < 0 &&
	    !c->fault[0])
		snprintf(c->fault, sizeof(c->fault),
			 "the acquire fence of frame %llu signalled with error %d",
			 (unsigned long long)f->seq, status);
	else if (signal_ns > f->arrival_ns)
		app_waits_add(c->env->waits, signal_ns - f->arrival_ns);
	close(f->fence);
	f->fence = -1;
}

bool client_check_ready(struct client *c, struct client_frame *f)
{
	int fd = f->fence >= 0 ? f->fence : c->fbs.slot[f->index].fd[0];

	if (!f->set || f->checked)
		return f->set;
	if (c->sync != DI_SYNC_PROTOCOL && di_fence_wait(fd, 0, NULL) != DI_OK)
		return false;
	retire_fence(c, f);
	check_frame(c, f);
	return true;
}

/* Implicit sync: the buffer is read until release_fence signals; its writer must wait. */
static void add_release_fence(struct client *c, const struct client_frame *f, int release_fence)
{
	struct di_error err;

	if (di_fence_import(c->fbs.slot[f->index].fd[0], release_fence, false, &err) == DI_OK)
		return;
	fprintf(stderr, "consumer: producer pid %d: buffer %u: %s\n", (int)c->peer.pid, f->index,
		err.text);
	if (!c->fault[0])
		snprintf(c->fault, sizeof(c->fault), "released buffer %u unfenced: %s", f->index,
			 err.text);
}

void client_release(struct client *c, struct client_frame *f, uint32_t flags, int release_fence)
{
	struct di_msg m = {.type = DI_MSG_RELEASE};
	struct di_error err;
	bool in_order = true;
	enum di_status st;
	int fds[1] = {release_fence};

	if (!f->set)
		return;
	if (!client_check_ready(c, f))
		c->unchecked++;
	if (f->fence >= 0)
		close(f->fence);
	if (release_fence >= 0 && c->sync == DI_SYNC_IMPLICIT)
		add_release_fence(c, f, release_fence);
	else if (release_fence >= 0)
		flags |= DI_RELEASE_FENCE;
	m.release = (struct di_release){.index = f->index, .seq = f->seq, .flags = flags};
	*f = CLIENT_NO_FRAME;
	if (flags & DI_RELEASE_SKIPPED)
		st = di_ledger_skip(&c->ledger, m.release.index, m.release.seq, &err);
	else
		st = di_ledger_release(&c->ledger, m.release.index, m.release.seq, &in_order, &err);
	if (st) { /* our own bookkeeping: a bug, not the client's fault */
		fprintf(stderr, "consumer: BUG: %s\n", err.text);
		c->out_of_order++;
		return;
	}
	if (!in_order)
		c->out_of_order++;
	if (c->pool.flags & DI_POOL_FD_PER_FRAME)
		fbs_drop(&c->fbs, m.release.index); /* imported again with its next frame */
	c->releases++;
	if (c->state == CLIENT_DONE)
		return;
	st = di_send_msg(c->sock, &m, fds, &err);
	if (st == DI_ERR_AGAIN) {
		di_error_set(&err, DI_ERR_STATE, 0,
			     "it does not read its RELEASEs: its socket is full (%llu sent)",
			     (unsigned long long)c->releases - 1);
		client_drop(c, &err);
	} else if (st == DI_ERR_PEER_CLOSED) {
		gone(c);
	} else if (st) {
		client_drop(c, &err);
	}
}

/* --display-allocates: dumb buffers of our own, exported and lent as the POOL. */
static int make_display_pool(struct client *c, const struct client_env *env, struct di_error *err)
{
	const struct consumer_options *o = env->opt;
	struct display *d = env->disp;
	uint32_t w = o->mode_width, h = o->mode_height, rows, bpp;
	struct di_layout l = {0};
	int fds[DI_POOL_MAX];

	if (d->fd < 0)
		return di_error_set(err, DI_ERR_STATE, 0,
				    "this consumer runs without a display (--no-display): it "
				    "cannot allocate display buffers");
	if (!w && d->mode_blob) {
		w = d->mode.hdisplay;
		h = d->mode.vdisplay;
	} else if (!w) {
		display_preferred_size(d, &w, &h);
	}
	rows = o->fourcc == DI_FOURCC_NV12 ? h + h / 2 : h;
	bpp = o->fourcc == DI_FOURCC_NV12 ? 8 : o->fourcc == DI_FOURCC_YUYV ? 16 : 32;
	l.fourcc = o->fourcc;
	l.width = w;
	l.height = h;
	l.num_planes = o->fourcc == DI_FOURCC_NV12 ? 2 : 1;
	c->fbs.layout = l;
	if (env->place(c, env->ctx, err))
		return err->status;
	fbs_init(&c->fbs, env->handles, o->verify != DI_VERIFY_NONE, &l, o->buffers);
	for (uint32_t i = 0; i < o->buffers; i++) {
		struct drm_mode_create_dumb create = {.width = w, .height = rows, .bpp = bpp};
		int fd;

		if (drmIoctl(d->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
			return di_error_set(err, DI_ERR_SYS, errno,
					    "DRM_IOCTL_MODE_CREATE_DUMB %ux%u bpp %u: %s", w, rows,
					    bpp, strerror(errno));
		if (i == 0) {
			l.pitch[0] = create.pitch;
			if (l.num_planes == 2) {
				l.offset[1] = create.pitch * h;
				l.pitch[1] = create.pitch;
			}
			if (di_layout_check(&l, err))
				return err->status;
			c->fbs.layout = l;
		}
		if (drmPrimeHandleToFD(d->fd, create.handle, DRM_CLOEXEC | DRM_RDWR, &fd)) {
			di_error_set(err, DI_ERR_SYS, errno, "drmPrimeHandleToFD: %s",
				     strerror(errno));
			drmCloseBufferHandle(d->fd, create.handle);
			return err->status;
		}
		if (fbs_adopt(&c->fbs, i, create.handle, fd, err))
			return err->status;
		fds[i] = fd;
	}
	c->pool.count = o->buffers;
	c->pool.layout = l;
	c->display_pool = true;
	return di_pool_send(c->sock, o->buffers, 0, &l, fds, err);
}

/* The producer's whole POOL is here: a plane for it, every fd imported. */
static int take_producer_pool(struct client *c, const struct client_env *env, struct di_error *err)
{
	const struct di_layout *l = &c->pool.layout;

	c->fbs.layout = *l;
	if (env->disp->fd >= 0 && env->place(c, env->ctx, err))
		return err->status;
	fbs_init(&c->fbs, env->disp->fd >= 0 ? env->handles : NULL,
		 env->opt->verify != DI_VERIFY_NONE, l, c->pool.count);
	if (c->pool.flags & DI_POOL_FD_PER_FRAME)
		return DI_OK;
	for (uint32_t i = 0; i < c->pool.count; i++) {
		const uint32_t n = di_layout_fds(l);
		int fds[DI_MAX_PLANES];

		for (uint32_t f = 0; f < n; f++) {
			fds[f] = c->pool.fds[i * n + f];
			c->pool.fds[i * n + f] = -1; /* the table owns it now, even on failure */
		}
		if (fbs_import(&c->fbs, i, fds, err))
			return err->status;
		if (env->opt->pfn_proof)
			app_pfn_report(env->opt->report.json ? stderr : stdout, "consumer", i,
				       c->fbs.slot[i].fd, l);
	}
	return DI_OK;
}

static void log_pool(const struct client *c, const struct consumer_options *o)
{
	char name[5];

	fprintf(o->report.json ? stderr : stdout,
		"consumer: producer pid %d: pool of %u %ux%u %s buffers, %s sync, %s\n",
		(int)c->peer.pid, c->pool.count, c->fbs.layout.width, c->fbs.layout.height,
		di_fourcc_str(c->fbs.layout.fourcc, name), di_sync_name(c->sync),
		c->display_pool ? "allocated by the display (dumb buffers, lent to the producer)"
		: c->pool.flags & DI_POOL_FD_PER_FRAME ? "fd with every frame (imported each time)"
						       : "fds once (imported once, cached)");
}

/* The pool is complete (ours or theirs): streaming starts. */
static void start_streaming(struct client *c, const struct consumer_options *o)
{
	di_ledger_init(&c->ledger, c->pool.count);
	c->state = CLIENT_STREAMING;
	log_pool(c, o);
}

static void on_hello(struct client *c, const struct client_env *env, const struct di_msg *m)
{
	/* Without a display nothing waits for a fence: protocol sync only. */
	uint32_t caps = CONSUMER_CAPS | (env->disp->fd >= 0 ? di_sync_caps(env->opt->sync) : 0);
	struct di_hello hello;
	struct di_error err;

	if (di_hello_check(m, DI_ROLE_CONSUMER, &hello, &err) ||
	    di_hello_send(c->sock, DI_ROLE_CONSUMER, caps, &err)) {
		if (err.status == DI_ERR_REMOTE || err.status == DI_ERR_PEER_CLOSED)
			c->state = CLIENT_DONE;
		else
			client_drop(c, &err);
		return;
	}
	c->greeted = true;
	c->caps = caps & hello.capabilities;
	c->sync = di_sync_agreed(c->caps);
	if (!(c->caps & DI_CAP_DISPLAY_ALLOCATES)) {
		c->state = CLIENT_POOL;
		return;
	}
	if (make_display_pool(c, env, &err)) {
		client_drop(c, &err);
		return;
	}
	start_streaming(c, env->opt);
}

/*
 * A pool of an fd per frame or an fd per plane is one the peer's HELLO
 * offered: a version-1 peer (or one that never said so) is told it broke
 * the handshake rather than served a layout it did not announce.
 */
static int pool_flags_agreed(const struct client *c, uint32_t flags, struct di_error *err)
{
	if ((flags & DI_POOL_FD_PER_PLANE) && !(c->caps & DI_CAP_FD_PER_PLANE))
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "POOL has an fd per plane, but HELLO did not agree on it "
				    "(DI_CAP_FD_PER_PLANE)");
	if ((flags & DI_POOL_FD_PER_FRAME) && !(c->caps & DI_CAP_FD_PER_FRAME))
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "POOL has an fd with every frame, but HELLO did not agree "
				    "on it (DI_CAP_FD_PER_FRAME)");
	return DI_OK;
}

static void on_pool_part(struct client *c, const struct client_env *env, const struct di_msg *m,
			 const int *fds)
{
	struct di_error err;

	if (m->type == DI_MSG_ERROR) {
		di_remote_error(m, &err);
		fprintf(stderr, "consumer: producer pid %d gave up: %s\n", (int)c->peer.pid,
			err.text);
		c->state = CLIENT_DONE;
		return;
	}
	if (m->type != DI_MSG_POOL) {
		di_close_fds((int *)fds, di_msg_fd_count(m));
		di_error_set(&err, DI_ERR_STATE, 0, "expected POOL, got %s",
			     di_msg_type_name(m->type));
		client_drop(c, &err);
		return;
	}
	if (pool_flags_agreed(c, m->pool.flags, &err)) {
		di_close_fds((int *)fds, di_msg_fd_count(m));
		client_drop(c, &err);
		return;
	}
	if (di_pool_add(&c->pool, &m->pool, fds, &err)) {
		client_drop(c, &err);
		return;
	}
	if (!di_pool_complete(&c->pool))
		return;
	if (take_producer_pool(c, env, &err)) {
		client_drop(c, &err);
		return;
	}
	start_streaming(c, env->opt);
}

static void on_frame(struct client *c, const struct client_env *env, const struct di_frame *f,
		     int fd, int fence)
{
	struct di_error err;
	uint64_t now = app_now_ns();

	if (di_ledger_lend(&c->ledger, f->index, f->seq, &err)) {
		if (fd >= 0)
			close(fd);
		if (fence >= 0)
			close(fence);
		client_drop(c, &err);
		return;
	}
	if (fd >= 0 && fbs_import(&c->fbs, f->index, &fd, &err)) {
		if (fence >= 0)
			close(fence);
		di_ledger_skip(&c->ledger, f->index, f->seq, NULL);
		client_drop(c, &err);
		return;
	}
	c->frames++;
	if (c->latest.set) {
		c->skipped++;
		client_release(c, &c->latest, DI_RELEASE_SKIPPED, -1);
	}
	c->latest = (struct client_frame){.set = true,
					  .index = f->index,
					  .seq = f->seq,
					  .timestamp_ns = f->timestamp_ns,
					  .arrival_ns = now,
					  .fence = fence};
	client_check_ready(c, &c->latest);
	if (env->disp->fd >= 0) {
		app_stats_frame(env->stats, 0); /* its latency comes with its flip */
		return;
	}
	/* Verify only (protocol sync): nothing stays on screen, the buffer goes straight back. */
	app_stats_frame(env->stats, now > f->timestamp_ns ? now - f->timestamp_ns : 1);
	client_release(c, &c->latest, 0, -1);
}

/* One message in STREAMING. */
static void on_stream_msg(struct client *c, const struct client_env *env, const struct di_msg *m,
			  const int *fds, unsigned int nfds)
{
	struct di_error err;

	switch (m->type) {
	case DI_MSG_FRAME:
		on_frame(c, env, &m->frame, m->frame.flags & DI_FRAME_FD ? fds[0] : -1,
			 m->frame.flags & DI_FRAME_FENCE ? fds[nfds - 1] : -1);
		break;
	case DI_MSG_BYE:
		c->ended_ok = true;
		c->state = CLIENT_DONE;
		break;
	case DI_MSG_ERROR:
		di_remote_error(m, &err);
		fprintf(stderr, "consumer: producer pid %d gave up: %s\n", (int)c->peer.pid,
			err.text);
		c->state = CLIENT_DONE;
		break;
	default:
		di_close_fds((int *)fds, nfds);
		di_error_set(&err, DI_ERR_STATE, 0, "%s is not allowed once the pool is set up",
			     di_msg_type_name(m->type));
		client_drop(c, &err);
	}
}

void client_readable(struct client *c, const struct client_env *env)
{
	while (c->state != CLIENT_DONE) {
		struct di_recv_ctx ctx = di_pool_recv_ctx(&c->pool, DI_FS_MAGIC_DMABUF);
		int fds[DI_FDS_PER_MSG];
		struct di_error err;
		unsigned int nfds;
		struct di_msg m;

		ctx.decode.explicit_sync = c->sync == DI_SYNC_EXPLICIT;
		if (c->state == CLIENT_STREAMING && c->display_pool) {
			ctx.decode.pool_count = c->pool.count;
			ctx.layout = &c->fbs.layout;
		}
		if (di_recv_msg(c->sock, &ctx, &m, fds, &nfds, &err)) {
			if (err.status == DI_ERR_AGAIN)
				return;
			if (err.status == DI_ERR_PEER_CLOSED) {
				gone(c);
				return;
			}
			client_drop(c, &err);
			return;
		}
		if (c->state == CLIENT_HELLO) {
			di_close_fds(fds, nfds); /* a valid HELLO has none */
			on_hello(c, env, &m);
		} else if (c->state == CLIENT_POOL) {
			on_pool_part(c, env, &m, fds);
		} else {
			on_stream_msg(c, env, &m, fds, nfds);
		}
	}
}

void client_free(struct client *c)
{
	struct client_frame *frames[] = {&c->latest, &c->committed, &c->shown};

	for (unsigned int i = 0; i < 3; i++)
		if (frames[i]->fence >= 0)
			close(frames[i]->fence);
	fbs_drop_all(&c->fbs);
	di_pool_close(&c->pool);
	if (c->sock >= 0)
		close(c->sock);
	free(c);
}
