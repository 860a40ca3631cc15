/* SPDX-License-Identifier: MIT */
/*
 * The producer <-> consumer protocol: small fixed-size messages over an
 * AF_UNIX SOCK_SEQPACKET socket (one message per packet), buffer fds riding
 * along as SCM_RIGHTS. docs/protocol.md has the byte offsets and the
 * sequence diagrams; this header is the C view of the same thing.
 *
 * Every message starts with a 16-byte header (magic, version, type, length)
 * and has exactly one valid length per type. All integers are little-endian.
 *
 *   HELLO    both sides, first: protocol version, role, capabilities
 *   POOL     the buffer owner: count, layout, and the buffers' fds (once);
 *            split in parts of at most DI_FDS_PER_MSG fds
 *   FRAME    buffer index, seq, timestamp, flags; with DI_FRAME_FD the fd of
 *            that buffer rides along (the "fd with every frame" mode), with
 *            DI_FRAME_FENCE an acquire fence (sync_file) after it
 *   RELEASE  the other side is done with buffer index (of frame seq); flag
 *            SKIPPED when that frame never reached the screen, FENCE when a
 *            release fence (sync_file) rides along
 *   ERROR    code (enum di_status) and a human text, before dropping the peer
 *   BYE      orderly end
 *
 * di_msg_decode() is strict: anything that is not exactly a valid message is
 * rejected with its own status and a sentence naming the fault.
 */
#ifndef DMABUF_INTEROP_PROTOCOL_H
#define DMABUF_INTEROP_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmabuf-interop/layout.h"
#include "dmabuf-interop/status.h"

#define DI_PROTO_MAGIC	 0x49424d44u /* "DMBI" in memory order */
#define DI_PROTO_VERSION 1

#define DI_HEADER_SIZE	16
#define DI_HELLO_SIZE	32
#define DI_POOL_SIZE	88
#define DI_FRAME_SIZE	40
#define DI_RELEASE_SIZE 32
#define DI_ERROR_SIZE	152
#define DI_BYE_SIZE	16
#define DI_MSG_MAX	DI_ERROR_SIZE /* largest valid message */

#define DI_FDS_PER_MSG	  253  /* SCM_MAX_FD: the kernel refuses more in one sendmsg */
#define DI_POOL_MAX	  1024 /* most buffers one pool may declare */
#define DI_ERROR_MSG_TEXT 128  /* bytes of text in an ERROR, NUL included */

enum di_msg_type {
	DI_MSG_HELLO = 1,
	DI_MSG_POOL = 2,
	DI_MSG_FRAME = 3,
	DI_MSG_RELEASE = 4,
	DI_MSG_ERROR = 5,
	DI_MSG_BYE = 6,
};

enum di_role {
	DI_ROLE_PRODUCER = 1, /* the camera side, sends FRAMEs */
	DI_ROLE_CONSUMER = 2, /* the display side, sends RELEASEs */
};

/*
 * Capabilities a side offers in HELLO; the session uses what both offer.
 * Unknown bits are allowed (and ignored) so that newer peers can talk to us.
 */
#define DI_CAP_FD_PER_FRAME	 (1u << 0) /* can send/receive the fd with every FRAME */
#define DI_CAP_DISPLAY_ALLOCATES (1u << 1) /* consumer can own the pool (reverse direction) */
/*
 * How a buffer is kept safe between the devices (docs/protocol.md, "Sync
 * modes"); the session uses the best both offer, protocol mode (messages
 * alone: FRAME once written, RELEASE after the flip away) when neither is
 * common. These need no new protocol version: a peer sends fences only
 * when both offered DI_CAP_EXPLICIT_SYNC, and a version 1 peer without the
 * bits ignores them, as it was written to.
 */
#define DI_CAP_IMPLICIT_SYNC (1u << 2) /* fences in the dma-bufs' reservation objects */
#define DI_CAP_EXPLICIT_SYNC (1u << 3) /* fences as sync_file fds in FRAME and RELEASE */
/*
 * Takes pools of DI_POOL_FD_PER_PLANE (POOL version 2, docs/protocol.md): a
 * sender only sends such a pool to a peer that offered this; a peer without
 * the bit would refuse the POOL flag as unknown, and it gets a clear ERROR
 * instead.
 */
#define DI_CAP_FD_PER_PLANE (1u << 4)

/* POOL flags. */
#define DI_POOL_FD_PER_FRAME (1u << 0) /* no fds in POOL; each FRAME carries its fd */
/* A buffer is num_planes fds, one per plane (layout.fd_per_plane). */
#define DI_POOL_FD_PER_PLANE (1u << 1)
#define DI_POOL_FLAGS_ALL    (DI_POOL_FD_PER_FRAME | DI_POOL_FD_PER_PLANE)

/* FRAME flags. */
#define DI_FRAME_FD	   (1u << 0) /* this FRAME carries the fd of its buffer */
#define DI_FRAME_FENCE	   (1u << 1) /* ... and its acquire fence, after the buffer fd */
#define DI_FRAME_FLAGS_ALL (DI_FRAME_FD | DI_FRAME_FENCE)

struct di_hello {
	uint32_t version; /* DI_PROTO_VERSION the sender speaks */
	uint32_t role;	  /* enum di_role */
	uint32_t capabilities;
};

struct di_pool_msg {
	uint32_t count; /* buffers in the pool, 1..DI_POOL_MAX */
	uint32_t first; /* index of the buffer whose fd(s) come first in this part */
	uint32_t nfds;	/* fds this part carries: di_layout_fds(&layout) per buffer */
	uint32_t flags; /* DI_POOL_*; DI_POOL_FD_PER_PLANE exactly when layout.fd_per_plane */
	struct di_layout layout;
};

struct di_frame {
	uint32_t index;
	uint32_t flags; /* DI_FRAME_* */
	uint64_t seq;
	uint64_t timestamp_ns; /* CLOCK_MONOTONIC capture time */
};

/* RELEASE flags. */
#define DI_RELEASE_SKIPPED   (1u << 0) /* never shown: a newer frame replaced it before its flip */
#define DI_RELEASE_FENCE     (1u << 1) /* a release fence rides along: wait for it to write */
#define DI_RELEASE_FLAGS_ALL (DI_RELEASE_SKIPPED | DI_RELEASE_FENCE)

struct di_release {
	uint32_t index;
	uint64_t seq;
	uint32_t flags; /* DI_RELEASE_* */
};

struct di_error_msg {
	uint32_t code; /* enum di_status, never DI_OK */
	char text[DI_ERROR_MSG_TEXT];
};

struct di_msg {
	enum di_msg_type type;
	union {
		struct di_hello hello;
		struct di_pool_msg pool;
		struct di_frame frame;
		struct di_release release;
		struct di_error_msg error;
	};
};

/*
 * What the receiver knows about the session, so that decode can reject
 * indices out of range and frames that do not fit the pool's mode.
 * pool_count 0 means no pool yet: FRAME and RELEASE are then DI_ERR_STATE.
 * A NULL context checks indices only against DI_POOL_MAX (fuzzing, tools).
 */
struct di_decode_ctx {
	uint32_t pool_count;
	bool fd_per_frame;  /* the pool was declared with DI_POOL_FD_PER_FRAME */
	bool explicit_sync; /* both offered DI_CAP_EXPLICIT_SYNC: fences may come */
};

/* Name of a message type ("FRAME"), "unknown" otherwise. */
const char *di_msg_type_name(uint32_t type);

/* The one valid total length of a message type, 0 for unknown types. */
size_t di_msg_size(uint32_t type);

/*
 * Number of fds that must travel with msg: POOL nfds; FRAME one for
 * DI_FRAME_FD and one for DI_FRAME_FENCE; RELEASE one for DI_RELEASE_FENCE.
 */
unsigned int di_msg_fd_count(const struct di_msg *msg);

/*
 * Validates msg with the same rules as decoding (without context) and writes
 * its wire form into buf. *len gets the message size. DI_ERR_LENGTH when cap
 * is too small.
 */
enum di_status di_msg_encode(const struct di_msg *msg, void *buf, size_t cap, size_t *len,
			     struct di_error *err);

/*
 * Parses exactly one message of len bytes. On success msg holds it; on
 * failure the status says what kind of fault and err->text names it.
 */
enum di_status di_msg_decode(const void *buf, size_t len, const struct di_decode_ctx *ctx,
			     struct di_msg *msg, struct di_error *err);

/* Fills an ERROR message from a status and text (truncated to fit, made printable). */
void di_msg_error(struct di_msg *msg, enum di_status code, const char *text);

#endif /* DMABUF_INTEROP_PROTOCOL_H */
