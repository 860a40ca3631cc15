/* SPDX-License-Identifier: MIT */
/*
 * Status codes and the error report every library call fills in.
 *
 * One enum serves two purposes: it is what a function returns (DI_OK or the
 * kind of failure) and it is the code an ERROR message carries on the wire,
 * so the values below are part of the protocol (docs/protocol.md) and never
 * change meaning.
 *
 * A struct di_error is owned by the caller and passed explicitly; the library
 * keeps no state of its own. Its text is a complete human sentence naming
 * what was wrong ("POOL count 300 exceeds the limit 256"), ready to print.
 */
#ifndef DMABUF_INTEROP_STATUS_H
#define DMABUF_INTEROP_STATUS_H

enum di_status {
	DI_OK = 0,
	DI_ERR_SHORT = 1,	/* fewer bytes than a header or the message type needs */
	DI_ERR_MAGIC = 2,	/* header magic is not DI_PROTO_MAGIC */
	DI_ERR_VERSION = 3,	/* protocol version we do not speak */
	DI_ERR_TYPE = 4,	/* unknown message type */
	DI_ERR_LENGTH = 5,	/* header length disagrees with what arrived or with the type */
	DI_ERR_FIELD = 6,	/* a field holds a value the protocol forbids */
	DI_ERR_INDEX = 7,	/* buffer index outside the pool */
	DI_ERR_COUNT = 8,	/* a count beyond its limit */
	DI_ERR_LAYOUT = 9,	/* planes that do not fit the format or each other */
	DI_ERR_FDS = 10,	/* number of fds received disagrees with the message */
	DI_ERR_CTRUNC = 11,	/* kernel truncated the fds (MSG_CTRUNC) */
	DI_ERR_NOT_DMABUF = 12, /* fd is not on the expected filesystem (dma-buf) */
	DI_ERR_FD_SIZE = 13,	/* buffer smaller than its declared layout */
	DI_ERR_STATE = 14,	/* message not allowed now (FRAME before POOL, duplicate RELEASE) */
	DI_ERR_PEER_CLOSED = 15,  /* the other side closed the connection */
	DI_ERR_PEER_REFUSED = 16, /* SO_PEERCRED check failed */
	DI_ERR_AGAIN = 17,	  /* non-blocking socket has nothing to read */
	DI_ERR_SYS = 18,	  /* a system call failed; see di_error.sys_errno */
	DI_ERR_STAMP = 19,	  /* frame stamp missing, corrupt or not the expected frame */
	DI_ERR_PATTERN = 20,	  /* frame content differs from the test pattern */
	DI_ERR_REMOTE = 21,	  /* the peer sent an ERROR message */
	DI_ERR_NOT_FENCE = 22,	  /* fd is not a sync_file */
	DI_ERR_FENCE = 23,	  /* a fence signalled with an error, or not in time */
};

#define DI_STATUS_MAX DI_ERR_FENCE /* highest code an ERROR message may carry */

#define DI_ERROR_TEXT_MAX 192

struct di_error {
	enum di_status status;
	int sys_errno; /* errno of the failed call for DI_ERR_SYS, else 0 */
	char text[DI_ERROR_TEXT_MAX];
};

/* Short stable name of a status ("DI_ERR_CTRUNC"), "DI_ERR_?" for unknown values. */
const char *di_status_name(unsigned int status);

/*
 * Records a failure in err (which may be NULL) and returns status, so that
 * callers can write `return di_error_set(err, DI_ERR_INDEX, 0, "...", ...);`.
 */
enum di_status di_error_set(struct di_error *err, enum di_status status, int sys_errno,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Resets err to DI_OK with an empty text. */
void di_error_clear(struct di_error *err);

#endif /* DMABUF_INTEROP_STATUS_H */
