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
 * /tmp/dmabuf-interop-<euid>/dmabuf-interop.sock, creating that directory
 * mode 0700; DI_ERR_STATE when it exists and is not a private directory of
 * ours (a symlink, another owner, open to others). DI_ERR_FIELD when the
 * path does not fit len or a sockaddr_un.
 */
enum di_status di_socket_default_path(char *buf, size_t len, struct di_error *err);

/*
 * Creates the listening socket at path, mode 0600, close-on-exec. A stale
 * socket file of ours (nobody accepting) is replaced; a live one, one of
 * another uid or a file that is not a socket is left alone and reported.
 */
enum di_status di_listen(const char *path, int *listen_fd, struct di_error *err);

/*
 * The consumer's listening socket, owned through a lock file beside it
 * (PATH.lock, flock()ed as libwayland does): whoever holds the lock owns the
 * path, so a second consumer is refused rather than deleting a live socket
 * as stale. The listening fd is non-blocking.
 */
struct di_listener {
	int fd;
	int lock_fd;
	bool locked;
	dev_t dev; /* the socket file we bound, so that close unlinks only it */
	ino_t ino;
	char path[108];
	char lock_path[113];
};

/*
 * Takes the lock (DI_ERR_STATE naming the holder's path when another
 * consumer has it, or when the lock file is not a regular file of ours),
 * then di_listen(). On failure nothing is left behind.
 */
enum di_status di_listener_open(struct di_listener *l, const char *path, struct di_error *err);

/* Closes; unlinks the socket only if it is still the one we bound, then the lock file. */
void di_listener_close(struct di_listener *l);

/* The SO_PEERCRED rule: a peer may connect when it is root or has our uid. */
bool di_peer_allowed(uid_t self, uid_t peer);

/*
 * Accepts one connection (close-on-exec) and checks its credentials. On
 * DI_ERR_PEER_REFUSED the peer got an ERROR with the reason and is closed.
 * peer may be NULL.
 */
enum di_status di_accept(int listen_fd, int *conn_fd, struct di_peer *peer, struct di_error *err);

/*
 * Connects to the listener at path (close-on-exec) and checks its
 * SO_PEERCRED with the same rule: DI_ERR_PEER_REFUSED, naming its uid,
 * when it runs as another uid than ours and is not root.
 */
enum di_status di_connect(const char *path, int *conn_fd, struct di_error *err);

#endif /* DMABUF_INTEROP_SOCKET_H */
