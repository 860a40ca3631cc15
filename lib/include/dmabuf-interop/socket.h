/* SPDX-License-Identifier: MIT */
/*
 * The rendezvous: the consumer (like a compositor) listens on a filesystem
 * path, the producer connects. The socket file is created mode 0600 and
 * every accepted peer is checked with SO_PEERCRED: it must run as our uid or
 * as root. A refused peer is told why (an ERROR message) before it is
 * dropped, and the caller gets the same sentence.
 */
#ifndef DMABUF_INTEROP_SOCKET_H
#define DMABUF_INTEROP_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dmabuf-interop/status.h"

#define DI_SOCKET_NAME "dmabuf-interop.sock"

/* Who is on the other end of an accepted connection. */
struct di_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/*
 * Writes the default socket path: $XDG_RUNTIME_DIR/dmabuf-interop.sock when
 * XDG_RUNTIME_DIR is set to an absolute path, else
 * /tmp/dmabuf-interop-<uid>.sock. DI_ERR_FIELD when it does not fit len or a
 * sockaddr_un.
 */
enum di_status di_socket_default_path(char *buf, size_t len, struct di_error *err);

/*
 * Creates the listening socket at path, mode 0600, close-on-exec. A stale
 * socket file (nobody accepting) is replaced; a live one or a file that is
 * not a socket is left alone and reported.
 */
enum di_status di_listen(const char *path, int *listen_fd, struct di_error *err);

/* The SO_PEERCRED rule: a peer may connect when it is root or has our uid. */
bool di_peer_allowed(uid_t self, uid_t peer);

/*
 * Accepts one connection (close-on-exec) and checks its credentials. On
 * DI_ERR_PEER_REFUSED the peer got an ERROR with the reason and is closed.
 * peer may be NULL.
 */
enum di_status di_accept(int listen_fd, int *conn_fd, struct di_peer *peer, struct di_error *err);

/* Connects to the listener at path (close-on-exec). */
enum di_status di_connect(const char *path, int *conn_fd, struct di_error *err);

#endif /* DMABUF_INTEROP_SOCKET_H */
