/* SPDX-License-Identifier: MIT */
/*
 * The start and the end of a connection: the HELLO exchange (the producer
 * speaks first, the consumer answers) and telling a peer why it is being
 * dropped.
 */
#ifndef DMABUF_INTEROP_SESSION_H
#define DMABUF_INTEROP_SESSION_H

#include "dmabuf-interop/protocol.h"

/*
 * Exchanges HELLOs as role (producer: send, then receive; consumer: the
 * other way round). The peer must have the other role. *peer gets its HELLO;
 * *common (may be NULL) the capabilities both announced. An ERROR instead of
 * a HELLO is DI_ERR_REMOTE with the peer's text, also when the peer closed
 * right after it (a refusing listener does, leaving our HELLO unread); any
 * other message DI_ERR_STATE.
 */
enum di_status di_handshake(int sock, enum di_role role, uint32_t capabilities,
			    struct di_hello *peer, uint32_t *common, struct di_error *err);

/*
 * The two halves of the exchange, for an event loop that cannot wait for
 * the peer: di_hello_check() accepts a received message as the HELLO of a
 * peer of the other role (an ERROR is DI_ERR_REMOTE with its text, anything
 * else DI_ERR_STATE); di_hello_send() sends ours.
 */
enum di_status di_hello_check(const struct di_msg *msg, enum di_role role, struct di_hello *peer,
			      struct di_error *err);
enum di_status di_hello_send(int sock, enum di_role role, uint32_t capabilities,
			     struct di_error *err);

/*
 * Sends ERROR(err->status, err->text) before the caller drops the peer.
 * Best effort: the peer may already be gone, so the result is only
 * informative.
 */
enum di_status di_send_error(int sock, const struct di_error *err);

/*
 * Turns a received ERROR message into DI_ERR_REMOTE in err, with the peer's
 * code and text ("peer reported DI_ERR_INDEX: ..."). Returns DI_ERR_REMOTE.
 */
enum di_status di_remote_error(const struct di_msg *msg, struct di_error *err);

/*
 * How frames are kept safe (docs/protocol.md, "Sync modes"), best last:
 * messages alone, fences in the dma-bufs, fences on the socket.
 */
enum di_sync_mode {
	DI_SYNC_PROTOCOL = 0,
	DI_SYNC_IMPLICIT = 1,
	DI_SYNC_EXPLICIT = 2,
	DI_SYNC_AUTO = 3, /* a request only: the best both peers offer */
};

/* "protocol", "implicit", "explicit", "auto". */
const char *di_sync_name(enum di_sync_mode mode);

/* Parses a --sync argument; -1 when it names no mode. */
int di_sync_parse(const char *arg, enum di_sync_mode *mode);

/* The DI_CAP_*_SYNC bits a side offers for a requested mode. */
uint32_t di_sync_caps(enum di_sync_mode requested);

/* The mode of a session whose peers both offered common. */
enum di_sync_mode di_sync_agreed(uint32_t common);

#endif /* DMABUF_INTEROP_SESSION_H */
