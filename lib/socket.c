// SPDX-License-Identifier: MIT
/* Listening, accepting with SO_PEERCRED, connecting (socket.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/socket.h"

static enum di_status make_addr(const char *path, struct sockaddr_un *addr, struct di_error *err)
{
	size_t len = strlen(path);

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(addr->sun_path))
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "socket path of %zu bytes does not fit sun_path (1..%zu)", len,
				    sizeof(addr->sun_path) - 1);
	memcpy(addr->sun_path, path, len);
	return DI_OK;
}

enum di_status di_socket_default_path(char *buf, size_t len, struct di_error *err)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	struct sockaddr_un addr;
	int n;

	if (dir && dir[0] == '/')
		n = snprintf(buf, len, "%s/%s", dir, DI_SOCKET_NAME);
	else
		n = snprintf(buf, len, "/tmp/dmabuf-interop-%u.sock", (unsigned int)getuid());
	if (n < 0 || (size_t)n >= len)
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "default socket path does not fit %zu bytes", len);
	return make_addr(buf, &addr, err);
}

static enum di_status new_socket(int *fd, struct di_error *err)
{
	*fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return di_error_set(err, DI_ERR_SYS, errno, "socket(AF_UNIX, SOCK_SEQPACKET): %s",
				    strerror(errno));
	return DI_OK;
}

/* Removes path if it is a socket nobody listens on; refuses anything else. */
static enum di_status remove_stale(const char *path, const struct sockaddr_un *addr,
				   struct di_error *err)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return DI_OK;
		return di_error_set(err, DI_ERR_SYS, errno, "lstat(%s): %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return di_error_set(err, DI_ERR_STATE, 0,
				    "%s exists and is not a socket; not replacing it", path);
	if (new_socket(&fd, err) != DI_OK)
		return DI_ERR_SYS;
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (ret == 0)
		return di_error_set(err, DI_ERR_STATE, 0, "another process is listening on %s",
				    path);
	if (errno != ECONNREFUSED)
		return di_error_set(err, DI_ERR_SYS, errno, "probing %s: %s", path,
				    strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return di_error_set(err, DI_ERR_SYS, errno, "unlink stale %s: %s", path,
				    strerror(errno));
	return DI_OK;
}

enum di_status di_listen(const char *path, int *listen_fd, struct di_error *err)
{
	struct sockaddr_un addr;
	enum di_status st;
	int fd;

	*listen_fd = -1;
	st = make_addr(path, &addr, err);
	if (st == DI_OK)
		st = remove_stale(path, &addr, err);
	if (st == DI_OK)
		st = new_socket(&fd, err);
	if (st != DI_OK)
		return st;
	/*
	 * Linux creates the socket file with the socket inode's mode (minus
	 * umask): restricting it before bind() leaves no window in which the
	 * path is open to others, without touching the process-wide umask.
	 */
	if (fchmod(fd, 0600) < 0) {
		st = di_error_set(err, DI_ERR_SYS, errno, "fchmod(socket, 0600): %s",
				  strerror(errno));
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&addr, sizeof(addr)) < 0) {
		st = di_error_set(err, DI_ERR_SYS, errno, "bind(%s): %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, 0600) < 0 || listen(fd, 4) < 0) {
		st = di_error_set(err, DI_ERR_SYS, errno, "chmod/listen(%s): %s", path,
				  strerror(errno));
		unlink(path);
		goto fail;
	}
	*listen_fd = fd;
	return DI_OK;

fail:
	close(fd);
	return st;
}

bool di_peer_allowed(uid_t self, uid_t peer)
{
	return peer == self || peer == 0;
}

enum di_status di_accept(int listen_fd, int *conn_fd, struct di_peer *peer, struct di_error *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct di_msg msg;
	uid_t self = geteuid();
	int fd;

	*conn_fd = -1;
	do {
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return di_error_set(err, DI_ERR_AGAIN, errno, "accept: no peer waiting");
		return di_error_set(err, DI_ERR_SYS, errno, "accept: %s", strerror(errno));
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		int e = errno;

		close(fd);
		return di_error_set(err, DI_ERR_SYS, e, "getsockopt(SO_PEERCRED): %s", strerror(e));
	}
	if (peer)
		*peer = (struct di_peer){.pid = cred.pid, .uid = cred.uid, .gid = cred.gid};
	if (!di_peer_allowed(self, cred.uid)) {
		di_error_set(err, DI_ERR_PEER_REFUSED, 0,
			     "refused peer pid %d: it runs as uid %u, only uid %u or root may "
			     "connect",
			     (int)cred.pid, (unsigned int)cred.uid, (unsigned int)self);
		/* Best effort: the peer learns why; its own failure is not ours. */
		di_msg_error(&msg, DI_ERR_PEER_REFUSED, err ? err->text : "peer refused");
		di_send_msg(fd, &msg, NULL, NULL);
		close(fd);
		return DI_ERR_PEER_REFUSED;
	}
	*conn_fd = fd;
	return DI_OK;
}

/* An interrupted connect() goes on in the background: wait for its outcome. */
static int finish_connect(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int ret, soerr = 0;

	do {
		ret = poll(&pfd, 1, -1);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -1;
	errno = soerr;
	return soerr ? -1 : 0;
}

enum di_status di_connect(const char *path, int *conn_fd, struct di_error *err)
{
	struct sockaddr_un addr;
	enum di_status st;
	int fd, ret;

	*conn_fd = -1;
	st = make_addr(path, &addr, err);
	if (st == DI_OK)
		st = new_socket(&fd, err);
	if (st != DI_OK)
		return st;
	ret = connect(fd, (const struct sockaddr *)&addr, sizeof(addr));
	if (ret < 0 && errno == EINTR)
		ret = finish_connect(fd);
	if (ret < 0) {
		int e = errno;

		close(fd);
		return di_error_set(err, DI_ERR_SYS, e, "connect(%s): %s", path, strerror(e));
	}
	*conn_fd = fd;
	return DI_OK;
}
