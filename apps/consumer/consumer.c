// SPDX-License-Identifier: MIT
/*
 * consumer: the display side. Listens like a compositor, serves one
 * producer at a time:
 *
 *   POOL   check each fd, import once (drmPrimeFDToHandle), drmModeAddFB2,
 *          mmap; all cached for the session
 *   FRAME  SYNC_START, check the stamp (or every byte), SYNC_END; atomic
 *          commit with a page-flip event; when the flip completed the
 *          previous buffer is off screen: RELEASE it
 *   BYE    turn the plane off, remove the framebuffers, close each GEM
 *          handle once, close the fds; accept the next producer
 *
 * A producer that breaks the protocol gets an ERROR naming the fault and is
 * dropped the same way; the consumer stays up. docs/apps.md has the options.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "app-args.h"
#include "app-stats.h"
#include "consumer-options.h"
#include "display.h"
#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/ledger.h"
#include "dmabuf-interop/pool.h"
#include "dmabuf-interop/session.h"
#include "dmabuf-interop/socket.h"
#include "framebuffers.h"
#include "snapshot.h"

#define FLIP_TIMEOUT_MS 5000 /* a vblank is at most 1 s away; TCG guests are slow */

/* One producer's connection and what it lent us. */
struct session {
	int sock;
	struct di_peer peer;
	uint32_t caps; /* capabilities both announced */
	bool display_pool;
	struct di_pool pool; /* the producer's; its fds move into fbs */
	struct framebuffers fbs;
	struct di_ledger ledger; /* buffers we hold */
	bool on_screen;		 /* on_index holds the frame on screen */
	uint32_t on_index;
	uint64_t on_seq;
	uint64_t frames;
};

struct consumer {
	struct consumer_options opt;
	struct display disp;
	int listen_fd;
	struct app_stats stats;
	struct session s;
	uint64_t served, ended_ok, dropped, refused;
	uint64_t imports, handles_closed, releases, out_of_order;
	bool snapshot_done;
	bool display_failed;
	bool frames_done;
	char fault[DI_ERROR_TEXT_MAX + 64];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static FILE *out(struct consumer *c)
{
	return app_stats_log(&c->stats);
}

/* Drops the producer: it gets ERROR(err) and the log names the fault. */
static int drop(struct consumer *c, const struct di_error *err)
{
	di_send_error(c->s.sock, err);
	fprintf(stderr, "consumer: dropping producer pid %d: %s: %s\n", (int)c->s.peer.pid,
		di_status_name(err->status), err->text);
	c->dropped++;
	return -1;
}

/* --display-allocates: dumb buffers of our own, exported and lent as the POOL. */
static int make_display_pool(struct consumer *c, struct di_error *err)
{
	struct session *s = &c->s;
	uint32_t w = c->opt.mode_width, h = c->opt.mode_height, rows, bpp;
	struct di_layout l = {0};
	int fds[DI_POOL_MAX];

	if (c->disp.fd < 0)
		return di_error_set(err, DI_ERR_STATE, 0,
				    "this consumer runs without a display (--no-display): it "
				    "cannot allocate display buffers");
	if (!w)
		display_preferred_size(&c->disp, &w, &h);
	if (display_set_mode(&c->disp, w, h))
		return di_error_set(err, DI_ERR_LAYOUT, 0, "the display has no %ux%u mode", w, h);
	rows = c->opt.fourcc == DI_FOURCC_NV12 ? h + h / 2 : h;
	bpp = c->opt.fourcc == DI_FOURCC_NV12 ? 8 : c->opt.fourcc == DI_FOURCC_YUYV ? 16 : 32;
	l.fourcc = c->opt.fourcc;
	l.width = w;
	l.height = h;
	l.num_planes = c->opt.fourcc == DI_FOURCC_NV12 ? 2 : 1;
	fbs_init(&s->fbs, c->disp.fd, c->opt.verify != DI_VERIFY_NONE, &l, c->opt.buffers);
	for (uint32_t i = 0; i < c->opt.buffers; i++) {
		struct drm_mode_create_dumb create = {.width = w, .height = rows, .bpp = bpp};
		int fd;

		if (drmIoctl(c->disp.fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
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
			s->fbs.layout = l;
		}
		if (drmPrimeHandleToFD(c->disp.fd, create.handle, DRM_CLOEXEC | DRM_RDWR, &fd)) {
			di_error_set(err, DI_ERR_SYS, errno, "drmPrimeHandleToFD: %s",
				     strerror(errno));
			drmCloseBufferHandle(c->disp.fd, create.handle);
			return err->status;
		}
		if (fbs_adopt(&s->fbs, i, create.handle, fd, err))
			return err->status;
		fds[i] = fd;
	}
	s->pool.count = c->opt.buffers;
	s->pool.layout = l;
	s->display_pool = true;
	return di_pool_send(s->sock, c->opt.buffers, 0, &l, fds, err);
}

/* The producer's POOL: every fd imported, framebuffers made, mapped. */
static int take_producer_pool(struct consumer *c, struct di_error *err)
{
	struct session *s = &c->s;
	const struct di_layout *l;
	char name[5];

	if (di_pool_receive(s->sock, DI_FS_MAGIC_DMABUF, &s->pool, err))
		return err->status;
	l = &s->pool.layout;
	if (c->disp.fd >= 0) {
		if (c->opt.mode_width &&
		    (c->opt.mode_width != l->width || c->opt.mode_height != l->height))
			return di_error_set(err, DI_ERR_LAYOUT, 0,
					    "frames are %ux%u, the display runs %ux%u and does "
					    "not scale",
					    l->width, l->height, c->opt.mode_width,
					    c->opt.mode_height);
		if (display_set_mode(&c->disp, l->width, l->height))
			return di_error_set(err, DI_ERR_LAYOUT, 0,
					    "the display has no %ux%u mode for %s frames", l->width,
					    l->height, di_fourcc_str(l->fourcc, name));
	}
	fbs_init(&s->fbs, c->disp.fd, c->opt.verify != DI_VERIFY_NONE, l, s->pool.count);
	if (s->pool.flags & DI_POOL_FD_PER_FRAME)
		return DI_OK;
	for (uint32_t i = 0; i < s->pool.count; i++) {
		int fd = s->pool.fds[i];

		s->pool.fds[i] = -1; /* the table owns it now, even on failure */
		if (fbs_import(&s->fbs, i, fd, err))
			return err->status;
	}
	return DI_OK;
}

/* RELEASE(index, seq): the buffer is off screen and we no longer read it. */
static int release(struct consumer *c, uint32_t index, uint64_t seq, struct di_error *err)
{
	struct session *s = &c->s;
	struct di_msg m = {.type = DI_MSG_RELEASE};
	bool in_order;

	if (di_ledger_release(&s->ledger, index, seq, &in_order, err))
		return err->status;
	if (!in_order)
		c->out_of_order++;
	if (s->pool.flags & DI_POOL_FD_PER_FRAME)
		fbs_drop(&s->fbs, index); /* imported again with its next frame */
	m.release = (struct di_release){.index = index, .seq = seq};
	c->releases++;
	return di_send_msg(s->sock, &m, NULL, err);
}

static void check_frame(struct consumer *c, const struct di_frame *f)
{
	struct session *s = &c->s;
	struct di_mismatch where;
	struct di_error err;

	if (c->opt.verify == DI_VERIFY_NONE)
		return;
	if (di_frame_verify_mapped(&s->fbs.slot[f->index].map, &s->fbs.layout, f->seq,
				   c->opt.verify, 0, NULL, &where, &err) == DI_OK) {
		c->stats.verified++;
		return;
	}
	c->stats.failed++;
	if (c->stats.failed <= 5)
		fprintf(stderr, "consumer: frame %llu in buffer %u failed its check: %s\n",
			(unsigned long long)f->seq, f->index, err.text);
	if (!c->fault[0])
		snprintf(c->fault, sizeof(c->fault), "frame %llu failed its check: %s",
			 (unsigned long long)f->seq, err.text);
}

/* One FRAME: check, show, and release what the flip took off screen. */
static int show_frame(struct consumer *c, const struct di_frame *f, int fd, struct di_error *err)
{
	struct session *s = &c->s;
	uint64_t shown_ns;
	int ret;

	if (di_ledger_lend(&s->ledger, f->index, f->seq, err)) {
		if (fd >= 0)
			close(fd);
		return err->status;
	}
	if (fd >= 0 && fbs_import(&s->fbs, f->index, fd, err))
		return err->status;
	check_frame(c, f);
	if (c->disp.fd < 0) {
		/* Verify only: nothing stays on screen, the buffer goes straight back. */
		app_stats_frame(&c->stats, app_now_ns() - f->timestamp_ns);
		s->frames++;
		return release(c, f->index, f->seq, err);
	}
	ret = display_show(&c->disp, s->fbs.slot[f->index].fb_id);
	if (!ret)
		ret = display_wait_flip(&c->disp, FLIP_TIMEOUT_MS);
	if (ret) {
		c->display_failed = true;
		return di_error_set(err, DI_ERR_SYS, -ret,
				    "the display did not show frame %llu (buffer %u): %s",
				    (unsigned long long)f->seq, f->index, strerror(-ret));
	}
	/*
	 * When the event arrived, not the vblank time it carries: a late vblank
	 * timer reports the time the vblank was due, which can precede capture.
	 */
	shown_ns = app_now_ns();
	app_stats_frame(&c->stats, shown_ns > f->timestamp_ns ? shown_ns - f->timestamp_ns : 1);
	s->frames++;
	/* The flip completed: the previous frame is off screen. */
	if (s->on_screen && release(c, s->on_index, s->on_seq, err))
		return err->status;
	s->on_screen = true;
	s->on_index = f->index;
	s->on_seq = f->seq;
	return DI_OK;
}

static bool frames_reached(struct consumer *c)
{
	return c->opt.frames && c->stats.frames >= c->opt.frames;
}

/* Frames until BYE, a fault, or our own end. 0: orderly end, -1: the producer was dropped. */
static int stream(struct consumer *c)
{
	struct session *s = &c->s;
	struct di_recv_ctx ctx = di_pool_recv_ctx(&s->pool, DI_FS_MAGIC_DMABUF);
	struct di_error err;

	if (s->display_pool) {
		ctx.decode.pool_count = s->pool.count;
		ctx.layout = &s->fbs.layout;
	}
	for (;;) {
		struct pollfd pfd = {.fd = s->sock, .events = POLLIN};
		int fds[DI_FDS_PER_MSG];
		unsigned int nfds;
		struct di_msg m;
		int n;

		if (stop_requested || frames_reached(c)) {
			struct di_msg bye = {.type = DI_MSG_BYE};

			c->frames_done = frames_reached(c);
			di_send_msg(s->sock, &bye, NULL, &err);
			return 0;
		}
		app_stats_tick(&c->stats, app_now_ns(), s->ledger.depth);
		n = poll(&pfd, 1, 100);
		if (n <= 0)
			continue;
		if (di_recv_msg(s->sock, &ctx, &m, fds, &nfds, &err)) {
			if (err.status != DI_ERR_PEER_CLOSED)
				return drop(c, &err);
			fprintf(out(c), "consumer: producer pid %d went away without BYE\n",
				(int)s->peer.pid);
			return 0;
		}
		switch (m.type) {
		case DI_MSG_FRAME:
			if (show_frame(c, &m.frame, nfds ? fds[0] : -1, &err) == DI_OK)
				break;
			if (err.status != DI_ERR_PEER_CLOSED)
				return drop(c, &err);
			fprintf(out(c), "consumer: producer pid %d went away without BYE\n",
				(int)s->peer.pid);
			return 0;
		case DI_MSG_BYE:
			c->ended_ok++;
			return 0;
		case DI_MSG_ERROR:
			di_remote_error(&m, &err);
			fprintf(stderr, "consumer: producer pid %d gave up: %s\n", (int)s->peer.pid,
				err.text);
			return 0;
		default:
			di_error_set(&err, DI_ERR_STATE, 0,
				     "%s is not allowed once the pool is set up",
				     di_msg_type_name(m.type));
			return drop(c, &err);
		}
	}
}

/* Everything the producer lent us goes back; the display shows nothing of it. */
static void end_session(struct consumer *c)
{
	struct session *s = &c->s;
	struct di_error err;

	if (c->opt.snapshot && !c->snapshot_done && s->on_screen) {
		if (snapshot_png(c->opt.snapshot, s->fbs.slot[s->on_index].fd, &s->fbs.layout,
				 &err))
			fprintf(stderr, "consumer: snapshot failed: %s\n", err.text);
		else
			fprintf(out(c), "consumer: snapshot of frame %llu written to %s\n",
				(unsigned long long)s->on_seq, c->opt.snapshot);
		c->snapshot_done = true;
	}
	if (c->disp.fd >= 0)
		display_off(&c->disp);
	fbs_drop_all(&s->fbs);
	c->imports += s->fbs.imports;
	c->handles_closed += s->fbs.handles_closed;
	if (s->fbs.nrefs)
		fprintf(stderr, "consumer: BUG: %u GEM handles still open after the session\n",
			s->fbs.nrefs);
	di_pool_close(&s->pool);
	close(s->sock);
	s->sock = -1;
}

/* Accepts one producer and serves it to the end. */
static void serve(struct consumer *c)
{
	struct session *s = &c->s;
	uint32_t caps = DI_CAP_FD_PER_FRAME | DI_CAP_DISPLAY_ALLOCATES;
	struct pollfd pfd = {.fd = c->listen_fd, .events = POLLIN};
	struct di_hello hello;
	struct di_error err;
	enum di_status st;
	char name[5];

	if (poll(&pfd, 1, 200) <= 0)
		return;
	memset(s, 0, sizeof(*s));
	s->sock = -1;
	di_pool_init(&s->pool);
	fbs_init(&s->fbs, -1, false, &(struct di_layout){0}, 0);
	if (di_accept(c->listen_fd, &s->sock, &s->peer, &err)) {
		fprintf(stderr, "consumer: %s\n", err.text);
		if (err.status == DI_ERR_PEER_REFUSED)
			c->refused++;
		return;
	}
	c->served++;
	fprintf(out(c), "consumer: producer pid %d (uid %d) connected\n", (int)s->peer.pid,
		(int)s->peer.uid);
	st = di_handshake(s->sock, DI_ROLE_CONSUMER, caps, &hello, &s->caps, &err);
	if (st == DI_OK)
		st = s->caps & DI_CAP_DISPLAY_ALLOCATES ? make_display_pool(c, &err)
							: take_producer_pool(c, &err);
	if (st != DI_OK) {
		if (err.status == DI_ERR_PEER_CLOSED)
			fprintf(stderr, "consumer: producer pid %d left before streaming\n",
				(int)s->peer.pid);
		else
			drop(c, &err);
		end_session(c);
		return;
	}
	fprintf(out(c), "consumer: pool of %u %ux%u %s buffers, %s\n", s->pool.count,
		s->fbs.layout.width, s->fbs.layout.height,
		di_fourcc_str(s->fbs.layout.fourcc, name),
		s->display_pool ? "allocated by the display (dumb buffers, lent to the producer)"
		: s->pool.flags & DI_POOL_FD_PER_FRAME ? "fd with every frame (imported each time)"
						       : "fds once (imported once, cached)");
	di_ledger_init(&s->ledger, s->pool.count);
	stream(c);
	end_session(c);
	fprintf(out(c), "consumer: producer pid %d done: %llu frames\n", (int)s->peer.pid,
		(unsigned long long)s->frames);
}

static void summary(struct consumer *c)
{
	char order[96];
	/* Dropping a faulty producer is the consumer doing its job, not a failure. */
	bool pass = !c->fault[0] && !c->stats.failed && !c->display_failed && !c->out_of_order;
	const char *why = c->fault[0]	      ? c->fault
			  : c->display_failed ? "the display failed"
			  : c->dropped	      ? "every frame checked, shown and released in order; "
						"faulty producers dropped"
			  : c->out_of_order   ? "releases out of display order"
					      : "every frame checked, shown and released in order";

	snprintf(order, sizeof(order),
		 "%s (%llu releases, each after the flip away completed, %llu out of order)",
		 c->out_of_order ? "VIOLATED" : "held", (unsigned long long)c->releases,
		 (unsigned long long)c->out_of_order);
	const struct app_field fields[] = {
	    {.key = "display", .text = c->disp.path[0] ? c->disp.path : "none"},
	    {.key = "producers", .value = c->served},
	    {.key = "producers_ended_ok", .value = c->ended_ok},
	    {.key = "producers_dropped", .value = c->dropped},
	    {.key = "producers_refused", .value = c->refused},
	    {.key = "imports", .value = c->imports},
	    {.key = "gem_handles_closed", .value = c->handles_closed},
	    {.key = "released", .value = c->releases},
	    {.key = "out_of_order", .value = c->out_of_order},
	    {.key = "release_order", .text = order},
	};
	app_stats_summary(&c->stats, fields, sizeof(fields) / sizeof(fields[0]), pass, why);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct consumer *c = calloc(1, sizeof(*c));
	struct di_error err;
	int status;

	if (!c) {
		perror("consumer");
		return 1;
	}
	status = consumer_parse_options(argc, argv, &c->opt);
	if (status)
		return status > 0 ? 0 : 2;
	c->disp.fd = -1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	app_stats_init(&c->stats, "consumer",
		       c->opt.no_display ? "capture->check" : "capture->flip", &c->opt.report);
	if (!c->opt.no_display && display_open(&c->disp, c->opt.card, c->opt.driver))
		return 1;
	if (di_listen(c->opt.socket, &c->listen_fd, &err)) {
		fprintf(stderr, "consumer: %s\n", err.text);
		display_close(&c->disp);
		return 1;
	}
	fprintf(out(c), "consumer: listening on %s, display %s\n", c->opt.socket,
		c->disp.fd >= 0 ? c->disp.path : "none (--no-display)");
	fflush(out(c));
	while (!stop_requested && !c->frames_done && !c->display_failed &&
	       (!c->opt.producers || c->served < c->opt.producers))
		serve(c);
	close(c->listen_fd);
	unlink(c->opt.socket);
	display_close(&c->disp); /* keeps disp.path for the summary */
	summary(c);
	status = !c->fault[0] && !c->stats.failed && !c->display_failed && !c->out_of_order ? 0 : 1;
	free(c);
	return status;
}
