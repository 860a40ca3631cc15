// SPDX-License-Identifier: MIT
/* Listening, accepting with SO_PEERCRED, connecting (socket.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/*
 * dir, created 0700 if missing, must be a directory (not a symlink) of our
 * own uid that nobody else may enter: in a world-writable /tmp another user
 * could have created it first, to read or replace our socket.
 */
static enum di_status private_dir(const char *dir, struct di_error *err)
{
	uid_t self = geteuid();
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return di_error_set(err, DI_ERR_SYS, errno, "mkdir(%s): %s", dir, strerror(errno));
	if (lstat(dir, &st) < 0)
		return di_error_set(err, DI_ERR_SYS, errno, "lstat(%s): %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != self || (st.st_mode & 077))
		return di_error_set(err, DI_ERR_STATE, 0,
				    "%s is not a private directory of uid %u (it is %s of uid %u, "
				    "mode %03o): someone may be squatting it; remove it, or set "
				    "XDG_RUNTIME_DIR or --socket",
				    dir, (unsigned int)self,
				    S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
				    (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 0777));
	return DI_OK;
}

enum di_status di_socket_default_path(char *buf, size_t len, struct di_error *err)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	struct sockaddr_un addr;
	char tmpdir[64];
	int n;

	if (dir && dir[0] == '/') {
		n = snprintf(buf, len, "%s/%s", dir, DI_SOCKET_NAME);
	} else {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/dmabuf-interop-%u", (unsigned int)geteuid());
		if (private_dir(tmpdir, err) != DI_OK)
			return err ? err->status : DI_ERR_STATE;
		n = snprintf(buf, len, "%s/%s", tmpdir, DI_SOCKET_NAME);
	}
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
	if (st.st_uid != geteuid())
		return di_error_set(err, DI_ERR_STATE, 0,
				    "%s is a socket of uid %u, not ours (uid %u): not replacing it "
				    "(remove it, or choose another --socket)",
				    path, (unsigned int)st.st_uid, (unsigned int)geteuid());
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

enum di_status di_listener_open(struct di_listener *l, const char *path, struct di_error *err)
{
	struct stat st;
	enum di_status st_;
	int n, open_errno;

	memset(l, 0, sizeof(*l));
	l->fd = l->lock_fd = -1;
	n = snprintf(l->lock_path, sizeof(l->lock_path), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(l->lock_path) || strlen(path) >= sizeof(l->path))
		return di_error_set(err, DI_ERR_FIELD, 0, "socket path %s is too long", path);
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->lock_fd = open(l->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	open_errno = errno;
	/* Refused (a symlink, or protected_regular in a sticky directory): whose is it? */
	if (l->lock_fd < 0 && (lstat(l->lock_path, &st) < 0 || st.st_uid == geteuid()))
		return di_error_set(err, DI_ERR_SYS, open_errno, "cannot open the lock file %s: %s",
				    l->lock_path, strerror(open_errno));
	if (l->lock_fd < 0 || fstat(l->lock_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		st_ = di_error_set(err, DI_ERR_STATE, 0,
				   "the lock file %s is not a file of ours (uid %u owns it): "
				   "someone may be squatting the socket path; remove it or choose "
				   "another --socket",
				   l->lock_path, (unsigned int)st.st_uid);
		goto fail;
	}
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		st_ = errno == EWOULDBLOCK ? di_error_set(err, DI_ERR_STATE, 0,
							  "another consumer holds %s: it serves %s",
							  l->lock_path, path)
					   : di_error_set(err, DI_ERR_SYS, errno, "flock(%s): %s",
							  l->lock_path, strerror(errno));
		goto fail;
	}
	l->locked = true;
	/* We own the path now: a socket left there is stale (di_listen removes it). */
	st_ = di_listen(path, &l->fd, err);
	if (st_ != DI_OK)
		goto fail;
	if (stat(path, &st) < 0 || fcntl(l->fd, F_SETFL, O_NONBLOCK) < 0) {
		st_ = di_error_set(err, DI_ERR_SYS, errno, "stat/fcntl(%s): %s", path,
				   strerror(errno));
		unlink(path);
		goto fail;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return DI_OK;

fail:
	di_listener_close(l);
	return st_;
}

void di_listener_close(struct di_listener *l)
{
	struct stat st;

	if (l->fd >= 0) {
		/* Only the socket we bound: never one that replaced it meanwhile. */
		if (stat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
			unlink(l->path);
		close(l->fd);
	}
	if (l->lock_fd >= 0) {
		/* Unlinked while still locked: nobody can take a lock we are about to drop. */
		if (l->locked)
			unlink(l->lock_path);
		close(l->lock_fd);
	}
	l->fd = l->lock_fd = -1;
	l->locked = false;
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
	struct ucred cred;
	socklen_t len = sizeof(cred);
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
	/* Before a single fd goes out: is the listener someone we may lend to? */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		int e = errno;

		close(fd);
		return di_error_set(err, DI_ERR_SYS, e, "getsockopt(SO_PEERCRED): %s", strerror(e));
	}
	if (!di_peer_allowed(geteuid(), cred.uid)) {
		close(fd);
		return di_error_set(err, DI_ERR_PEER_REFUSED, 0,
				    "the listener on %s (pid %d) runs as uid %u; we lend buffers "
				    "only to uid %u or root: not connecting",
				    path, (int)cred.pid, (unsigned int)cred.uid,
				    (unsigned int)geteuid());
	}
	*conn_fd = fd;
	return DI_OK;
}
