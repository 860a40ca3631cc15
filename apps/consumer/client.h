/* SPDX-License-Identifier: MIT */
/*
 * One producer connected to the consumer: its non-blocking socket, where it
 * is in the protocol, what it lent us, and its frames on the way to the
 * screen. The consumer's event loop (consumer.c) calls client_readable()
 * when its socket has something; nothing here ever blocks:
 *
 *   HELLO      waiting for its HELLO (until the deadline)
 *   POOL       waiting for every part of its POOL (until the same deadline),
 *              or straight to STREAMING when the display lends the pool
 *   STREAMING  FRAMEs are checked and handed to the compositor
 *   DONE       BYE, ERROR, EOF or a fault: the loop removes it
 *
 * A FRAME's buffer is held by one of three stages (struct client_frame):
 * latest (arrived, not yet committed), committed (in the commit whose flip
 * is pending), shown (on its plane). The compositor moves them along;
 * client_release() sends the RELEASE.
 *
 * In protocol sync a frame is complete when its FRAME arrives and is
 * checked at once; it is released after the flip that took it off screen.
 * With fences (implicit or explicit sync) it may still be being written:
 * it is checked once its acquire fence (explicit: the sync_file that came
 * with it; implicit: the dma-buf's own) has signalled, found with a poll
 * that never waits (on arrival, when a newer frame replaces it, at its
 * flip), and it is released right after the commit that replaces it, with
 * that commit's out-fence (docs/protocol.md, "Sync modes").
 */
#ifndef CONSUMER_CLIENT_H
#define CONSUMER_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "app-stats.h"
#include "consumer-options.h"
#include "display.h"
#include "dmabuf-interop/ledger.h"
#include "dmabuf-interop/pool.h"
#include "dmabuf-interop/socket.h"
#include "framebuffers.h"

enum client_state {
	CLIENT_HELLO,
	CLIENT_POOL,
	CLIENT_STREAMING,
	CLIENT_DONE,
};

struct client_frame {
	bool set;
	bool checked; /* its check ran (or --verify none) */
	uint32_t index;
	uint64_t seq;
	uint64_t timestamp_ns; /* capture time */
	uint64_t arrival_ns;   /* when its FRAME came */
	int fence;	       /* explicit sync: its acquire fence until checked, else -1 */
};

/* A stage holding no frame. */
#define CLIENT_NO_FRAME ((struct client_frame){.fence = -1})

struct client;
struct di_error;

/*
 * What every client shares: the options, the display and its GEM handles,
 * and the compositor's hook place(), which finds the client a plane for its
 * pool's layout (c->fbs.layout): 0, or an error to drop it with.
 */
struct client_env {
	const struct consumer_options *opt;
	struct display *disp; /* fd -1: --no-display */
	struct fb_handles *handles;
	struct app_stats *stats; /* frames verified or failed, --no-display latency */
	struct app_waits *waits; /* acquire fences that were pending on arrival */
	int (*place)(struct client *c, void *ctx, struct di_error *err);
	void *ctx;
};

struct client {
	const struct client_env *env;
	unsigned int id; /* 1, 2, ... in order of connection */
	int sock;
	struct di_peer peer;
	enum client_state state;
	uint64_t deadline_ns;	/* HELLO and POOL must be complete by then */
	uint32_t caps;		/* capabilities both announced */
	enum di_sync_mode sync; /* agreed in HELLO */
	bool display_pool;	/* we allocated the pool (--display-allocates) */
	struct di_pool pool;	/* the producer's; its fds move into fbs */
	struct framebuffers fbs;
	struct di_ledger ledger;
	int plane;    /* index into display.plane[], -1: none */
	int32_t x, y; /* where its plane is on the CRTC */
	struct client_frame latest, committed, shown;
	uint64_t frames;    /* frames received and checked */
	uint64_t failed;    /* ... whose check failed */
	uint64_t displayed; /* frames that reached the screen */
	uint64_t skipped;   /* frames replaced before they reached it */
	uint64_t unchecked; /* released before their acquire fence signalled */
	uint64_t releases, out_of_order;
	bool greeted;			    /* the HELLO exchange completed: a producer served */
	bool counted;			    /* ... and the consumer counted it */
	bool ended_ok;			    /* it said BYE */
	bool dropped;			    /* we dropped it for a fault */
	char fault[DI_ERROR_TEXT_MAX + 64]; /* a failed frame check, for the verdict */
};

/* A new client on an accepted, non-blocking socket. NULL when out of memory. */
struct client *client_new(const struct client_env *env, unsigned int id, int sock,
			  const struct di_peer *peer, uint64_t deadline_ns);

/*
 * Reads every message waiting on the socket and acts on each. A checked
 * FRAME becomes c->latest, for the compositor's next commit; the latest it
 * replaces never reached the screen and is released at once (SKIPPED).
 * With --no-display every frame is released right after its check. Sets
 * state DONE when the client is finished.
 */
void client_readable(struct client *c, const struct client_env *env);

/* The deadline passed in HELLO or POOL: ERROR naming what is missing, DONE. */
void client_timeout(struct client *c);

/*
 * Checks f if its acquire fence has signalled (a poll that does not wait);
 * whether it is checked now.
 */
bool client_check_ready(struct client *c, struct client_frame *f);

/*
 * RELEASE of f (flags DI_RELEASE_*) and f cleared. With release_fence >= 0
 * (fence sync) the frame is still on screen until that fence signals:
 * explicit sync sends it along (DI_RELEASE_FENCE), implicit sync adds it to
 * the buffer's reservation object first. A socket that would block means
 * the client stopped reading: it is dropped (DONE) with the reason.
 */
void client_release(struct client *c, struct client_frame *f, uint32_t flags, int release_fence);

/* ERROR(err) to the client, the reason logged, DONE. */
void client_drop(struct client *c, const struct di_error *err);

/* Sends BYE (best effort): we end the session. */
void client_bye(struct client *c);

/*
 * Drops what it lent us: framebuffers, GEM handles, mappings, fds; closes
 * the socket; frees it. Its plane must be off screen already.
 */
void client_free(struct client *c);

#endif /* CONSUMER_CLIENT_H */
