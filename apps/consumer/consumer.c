// SPDX-License-Identifier: MIT
/*
 * consumer: the display side, a small compositor. One poll loop serves the
 * listening socket, every producer's socket (non-blocking) and the DRM fd:
 *
 *   listening socket  accept (SO_PEERCRED checked), a new client in HELLO
 *   a client socket   its messages, as its state allows (client.c): HELLO,
 *                     POOL parts, then FRAMEs checked through mmap
 *   DRM fd            the page-flip event: committed frames are on screen,
 *                     what they replaced is released (compositor.c)
 *   after each round  one commit of every client's newest frame when no
 *                     flip is pending; clients past their handshake
 *                     deadline, and finished ones, are removed
 *
 * No peer can hold up another: nothing here waits for a client, a client
 * that is too slow to complete its handshake or to read its RELEASEs is
 * dropped with an ERROR naming why. docs/apps.md has the options.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app-args.h"
#include "app-stats.h"
#include "client.h"
#include "compositor.h"
#include "consumer-options.h"
#include "display.h"
#include "dmabuf-interop/session.h"
#include "dmabuf-interop/socket.h"
#include "framebuffers.h"
#include "snapshot.h"

#define CLIENTS_MAX	32	      /* connections at once; more are told so and closed */
#define FLIP_TIMEOUT_NS 5000000000ull /* a vblank is at most 1 s away; TCG is slow */
#define TICK_MS		100	      /* live statistics, deadlines, signals */

struct consumer {
	struct consumer_options opt;
	struct display disp;
	struct fb_handles handles;
	struct compositor comp;
	struct client_env env;
	struct di_listener listener;
	struct app_stats stats;
	struct app_waits waits;
	struct client *client[CLIENTS_MAX];
	uint32_t nclients;
	unsigned int next_id;
	uint64_t served;    /* clients that completed the HELLO exchange */
	uint64_t connected; /* every accepted connection */
	uint64_t ended_ok, dropped, refused, releases, skipped, out_of_order, unchecked;
	uint32_t syncs;		/* bit per enum di_sync_mode some producer used */
	uint64_t flip_since_ns; /* when the pending flip was committed */
	bool snapshot_done;
	bool stopping;
	char fault[DI_ERROR_TEXT_MAX + 96];
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

static void accept_clients(struct consumer *c)
{
	for (;;) {
		struct di_peer peer;
		struct di_error err;
		struct client *cl;
		int sock;

		if (di_accept(c->listener.fd, &sock, &peer, &err)) {
			if (err.status == DI_ERR_PEER_REFUSED) {
				fprintf(stderr, "consumer: %s\n", err.text);
				c->refused++;
				continue;
			}
			if (err.status != DI_ERR_AGAIN)
				fprintf(stderr, "consumer: %s\n", err.text);
			return;
		}
		c->connected++;
		cl = c->nclients < CLIENTS_MAX && fcntl(sock, F_SETFL, O_NONBLOCK) == 0
			 ? client_new(&c->env, ++c->next_id, sock, &peer,
				      app_now_ns() + (uint64_t)(c->opt.handshake_timeout_s * 1e9))
			 : NULL;
		if (!cl) {
			di_error_set(&err, DI_ERR_STATE, 0,
				     "the consumer serves %u connections already (or is out of "
				     "memory); try again later",
				     c->nclients);
			di_send_error(sock, &err);
			fprintf(stderr, "consumer: refusing producer pid %d: %s\n", (int)peer.pid,
				err.text);
			close(sock);
			c->refused++;
			continue;
		}
		c->client[c->nclients++] = cl;
		fprintf(out(c), "consumer: producer pid %d (uid %d) connected\n", (int)peer.pid,
			(int)peer.uid);
	}
}

/*
 * The frame of cl on screen, or about to be: with fences the one shown is
 * released when its successor is committed.
 */
static const struct client_frame *on_screen(const struct client *cl)
{
	return cl->shown.set ? &cl->shown : cl->committed.set ? &cl->committed : NULL;
}

/*
 * --snapshot, when the first producer with a frame on screen leaves: the
 * whole screen, every producer's frame on its plane (with --no-display,
 * the leaving producer's frame alone).
 */
static void take_snapshot(struct consumer *c, struct client *leaving)
{
	struct snapshot_plane planes[CLIENTS_MAX];
	uint32_t n = 0, w = leaving->fbs.layout.width, h = leaving->fbs.layout.height;
	struct di_error err;

	if (!c->opt.snapshot || c->snapshot_done || !on_screen(leaving))
		return;
	if (c->disp.fd >= 0) {
		w = c->disp.mode.hdisplay;
		h = c->disp.mode.vdisplay;
	}
	for (uint32_t i = 0; i < c->nclients; i++) {
		const struct client *cl = c->client[i];

		if (!on_screen(cl) || (cl != leaving && cl->plane < 0))
			continue;
		planes[n++] = (struct snapshot_plane){.fds = cl->fbs.slot[on_screen(cl)->index].fd,
						      .layout = &cl->fbs.layout,
						      .x = cl->x,
						      .y = cl->y,
						      .zpos = cl->plane};
	}
	if (snapshot_png(c->opt.snapshot, planes, n, w, h, &err))
		fprintf(stderr, "consumer: snapshot failed: %s\n", err.text);
	else
		fprintf(out(c),
			"consumer: snapshot of %u producer(s) on the %ux%u screen written to %s\n",
			n, w, h, c->opt.snapshot);
	c->snapshot_done = true;
}

/* Off screen, released, everything it lent us dropped, counted. */
static void remove_client(struct consumer *c, uint32_t i)
{
	struct client *cl = c->client[i];

	take_snapshot(c, cl);
	if (c->disp.fd >= 0)
		compositor_remove(&c->comp, cl);
	if (cl->state != CLIENT_HELLO)
		fprintf(out(c),
			"consumer: producer pid %d done: %llu frames, %llu shown, %llu skipped\n",
			(int)cl->peer.pid, (unsigned long long)cl->frames,
			(unsigned long long)cl->displayed, (unsigned long long)cl->skipped);
	c->ended_ok += cl->ended_ok;
	c->dropped += cl->dropped;
	c->releases += cl->releases;
	c->skipped += cl->skipped;
	c->unchecked += cl->unchecked;
	c->out_of_order += cl->out_of_order;
	if (cl->state != CLIENT_HELLO || cl->greeted)
		c->syncs |= 1u << cl->sync;
	if (cl->fault[0] && !c->fault[0])
		snprintf(c->fault, sizeof(c->fault), "producer pid %d: %s", (int)cl->peer.pid,
			 cl->fault);
	client_free(cl);
	c->client[i] = c->client[--c->nclients];
}

/* Deadlines, finished clients, and the count of those served. */
static void sweep_clients(struct consumer *c, uint64_t now)
{
	for (uint32_t i = c->nclients; i-- > 0;) {
		struct client *cl = c->client[i];

		if ((cl->state == CLIENT_HELLO || cl->state == CLIENT_POOL) &&
		    now >= cl->deadline_ns)
			client_timeout(cl);
		if (cl->greeted && !cl->counted) {
			cl->counted = true;
			c->served++;
		}
		if (cl->state == CLIENT_DONE)
			remove_client(c, i);
	}
}

static bool frames_reached(const struct consumer *c)
{
	return c->opt.frames && c->stats.frames >= c->opt.frames;
}

/* Whether the loop is over: our own end, or every producer asked for was served. */
static bool done(const struct consumer *c)
{
	if (stop_requested || frames_reached(c) || c->comp.failed)
		return true;
	if (!c->opt.producers || c->served < c->opt.producers)
		return false;
	for (uint32_t i = 0; i < c->nclients; i++)
		if (c->client[i]->greeted)
			return false;
	return true;
}

/* The earliest handshake deadline, as a poll timeout. */
static int poll_timeout(const struct consumer *c, uint64_t now)
{
	int ms = TICK_MS;

	for (uint32_t i = 0; i < c->nclients; i++) {
		const struct client *cl = c->client[i];
		uint64_t left;

		if (cl->state != CLIENT_HELLO && cl->state != CLIENT_POOL)
			continue;
		left = cl->deadline_ns > now ? (cl->deadline_ns - now) / 1000000 + 1 : 0;
		if (left < (uint64_t)ms)
			ms = (int)left;
	}
	return ms;
}

static void on_drm_event(struct consumer *c)
{
	uint64_t flips = c->disp.flips;

	if (display_dispatch(&c->disp)) {
		c->comp.failed = true;
		snprintf(c->comp.fault, sizeof(c->comp.fault), "reading DRM events failed");
		return;
	}
	if (c->disp.flips != flips)
		compositor_flipped(&c->comp);
}

static void loop(struct consumer *c)
{
	struct pollfd pfd[2 + CLIENTS_MAX];
	struct client *polled[CLIENTS_MAX];

	while (!done(c)) {
		uint32_t n = 0, np;
		uint64_t now = app_now_ns();
		int ret;

		pfd[n++] = (struct pollfd){.fd = c->listener.fd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = c->disp.fd, .events = POLLIN};
		for (uint32_t i = 0; i < c->nclients; i++) {
			polled[i] = c->client[i];
			pfd[n++] = (struct pollfd){.fd = c->client[i]->sock, .events = POLLIN};
		}
		np = c->nclients;
		ret = poll(pfd, n, poll_timeout(c, now));
		if (ret < 0 && errno != EINTR) {
			snprintf(c->fault, sizeof(c->fault), "poll: %s", strerror(errno));
			return;
		}
		if (ret > 0 && pfd[1].revents)
			on_drm_event(c);
		for (uint32_t i = 0; ret > 0 && i < np; i++)
			if (pfd[2 + i].revents)
				client_readable(polled[i], &c->env);
		if (ret > 0 && pfd[0].revents)
			accept_clients(c);
		now = app_now_ns();
		if (c->disp.fd >= 0) {
			bool pending = c->disp.flip_pending;

			compositor_flush(&c->comp);
			if (!pending && c->disp.flip_pending)
				c->flip_since_ns = now;
			if (c->disp.flip_pending && now - c->flip_since_ns > FLIP_TIMEOUT_NS) {
				c->comp.failed = true;
				snprintf(c->comp.fault, sizeof(c->comp.fault),
					 "no page-flip event within %llu s of a commit",
					 FLIP_TIMEOUT_NS / 1000000000ull);
			}
		}
		sweep_clients(c, now);
		app_stats_tick(&c->stats, now, c->nclients);
	}
}

/* Our end: BYE to everyone, each taken off screen and removed. */
static void shut_down(struct consumer *c)
{
	for (uint32_t i = 0; i < c->nclients; i++) {
		struct client *cl = c->client[i];

		if (cl->state == CLIENT_STREAMING) {
			client_bye(cl);
		} else if (cl->state != CLIENT_DONE) {
			struct di_error err;

			di_error_set(&err, DI_ERR_STATE, 0, "the consumer is exiting");
			client_drop(cl, &err);
			cl->dropped = false; /* not its fault */
		}
	}
	while (c->nclients)
		remove_client(c, c->nclients - 1);
}

/*
 * A verdict over no frame at all is not a PASS. Frames received and checked
 * count: a short session may end (BYE) before its first flip completed.
 */
static bool passed(const struct consumer *c)
{
	return !c->fault[0] && !c->comp.failed && !c->stats.failed && !c->out_of_order &&
	       c->stats.frames;
}

static void summary(struct consumer *c)
{
	char order[160], syncs[40];
	struct app_field waits[3];
	/* Dropping a faulty producer is the consumer doing its job, not a failure. */
	const char *why = c->fault[0]	     ? c->fault
			  : c->comp.failed   ? c->comp.fault
			  : c->out_of_order  ? "releases out of display order"
			  : !c->stats.frames ? (c->served ? "no frame: the producers sent none"
							  : "no frame: no producer completed its "
							    "handshake")
			  : c->dropped	     ? "every frame checked, shown and released in order; "
					       "faulty producers dropped"
					     : "every frame checked, shown and released in order";

	app_waits_fields(&c->waits, waits);
	snprintf(order, sizeof(order),
		 "%s (%llu releases, each after the flip away completed, with the fence of "
		 "the commit replacing it, or skipped; %llu out of order)",
		 c->out_of_order ? "VIOLATED" : "held", (unsigned long long)c->releases,
		 (unsigned long long)c->out_of_order);
	const struct app_field fields[] = {
	    {.key = "display", .text = c->disp.path[0] ? c->disp.path : "none"},
	    {.key = "producers", .value = c->served},
	    {.key = "producers_connected", .value = c->connected},
	    {.key = "producers_ended_ok", .value = c->ended_ok},
	    {.key = "producers_dropped", .value = c->dropped},
	    {.key = "producers_refused", .value = c->refused},
	    {.key = "imports", .value = c->handles.imports},
	    {.key = "gem_handles_closed", .value = c->handles.closed},
	    {.key = "shown", .value = c->comp.shown},
	    {.key = "commits", .value = c->comp.commits},
	    {.key = "released", .value = c->releases},
	    {.key = "skipped", .value = c->skipped},
	    {.key = "out_of_order", .value = c->out_of_order},
	    {.key = "release_order", .text = order},
	    {.key = "sync", .text = app_sync_modes_text(c->syncs, syncs, sizeof(syncs))},
	    {.key = "unchecked", .value = c->unchecked},
	    waits[0],
	    waits[1],
	    waits[2],
	};
	app_stats_summary(&c->stats, fields, sizeof(fields) / sizeof(fields[0]), passed(c), why);
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
	app_waits_init(&c->waits);
	app_stats_init(&c->stats, "consumer",
		       c->opt.no_display ? "capture->check" : "capture->flip", &c->opt.report);
	if (!c->opt.no_display && display_open(&c->disp, c->opt.card, c->opt.driver))
		return 1;
	c->handles.drm = c->disp.fd;
	compositor_init(&c->comp, &c->disp, &c->opt, &c->stats);
	c->env = (struct client_env){.opt = &c->opt,
				     .disp = &c->disp,
				     .handles = &c->handles,
				     .stats = &c->stats,
				     .waits = &c->waits,
				     .place = compositor_place,
				     .ctx = &c->comp};
	if (di_listener_open(&c->listener, c->opt.socket, &err)) {
		fprintf(stderr, "consumer: %s\n", err.text);
		display_close(&c->disp);
		return 1;
	}
	if (c->disp.fd >= 0)
		fprintf(out(c), "consumer: listening on %s, display %s (%u planes)\n",
			c->opt.socket, c->disp.path, c->disp.nplanes);
	else
		fprintf(out(c), "consumer: listening on %s, display none (--no-display)\n",
			c->opt.socket);
	fflush(out(c));
	loop(c);
	shut_down(c);
	di_listener_close(&c->listener);
	compositor_fini(&c->comp);
	display_close(&c->disp); /* keeps disp.path for the summary */
	if (c->handles.n)
		fprintf(stderr, "consumer: BUG: %u GEM handles still open at exit\n", c->handles.n);
	free(c->handles.ref);
	summary(c);
	status = passed(c) ? 0 : 1;
	free(c);
	return status;
}
