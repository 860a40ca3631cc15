/* SPDX-License-Identifier: MIT */
/*
 * The producer's connection to one consumer: the socket, the HELLO
 * exchange, and the ledger of the buffers that consumer holds. With
 * several --socket options the producer has one link per consumer and
 * lends every frame on each (fan-out).
 *
 * Every wait here is for the peer (HELLO, the display's POOL) and ends
 * within LINK_TIMEOUT_MS, or at once when *stop becomes set (SIGINT,
 * SIGTERM): a consumer that never answers cannot hold the producer.
 */
#ifndef PRODUCER_CONSUMER_LINK_H
#define PRODUCER_CONSUMER_LINK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "dmabuf-interop/ledger.h"
#include "dmabuf-interop/pool.h"
#include "dmabuf-interop/session.h"

#define LINK_TIMEOUT_MS 10000

struct consumer_link {
	const char *path;
	int sock;
	bool alive;		/* streaming: it gets FRAMEs */
	bool bye;		/* it ended the session (BYE) */
	bool faulty;		/* it broke the protocol or went away: dropped */
	uint32_t caps;		/* capabilities both offered */
	enum di_sync_mode sync; /* agreed in HELLO */
	struct di_ledger ledger;
};

/*
 * Connects to path (the listener's SO_PEERCRED checked) and exchanges
 * HELLOs offering need | offer; the consumer must offer all of need. 0, or
 * -1 with err set.
 */
int link_open(struct consumer_link *l, const char *path, uint32_t need, uint32_t offer,
	      volatile sig_atomic_t *stop, struct di_error *err);

/* Receives the consumer's POOL (--display-allocates), part after part. */
int link_receive_pool(struct consumer_link *l, struct di_pool *pool, volatile sig_atomic_t *stop,
		      struct di_error *err);

/* Waits until the socket is readable: 0, or -1 (timeout, stop, error) with err set. */
int link_wait_readable(int sock, int timeout_ms, volatile sig_atomic_t *stop, struct di_error *err);

/* Tells the consumer why (ERROR), marks it dropped; its buffers count as released. */
void link_drop(struct consumer_link *l, const struct di_error *err);

void link_close(struct consumer_link *l);

#endif /* PRODUCER_CONSUMER_LINK_H */
