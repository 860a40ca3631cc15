// SPDX-License-Identifier: MIT
/* See vgem-util.h: the vgem helpers the fakecam tools share. */
#include "vgem-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void print_stats(const char *when)
{
	char line[128];
	FILE *f = fopen("/sys/kernel/debug/fakecam/0/stats", "r");

	printf("stats %s:", when);
	if (!f) {
		printf(" (no /sys/kernel/debug/fakecam/0/stats)\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		printf(" %s", line);
	}
	fclose(f);
	printf("\n");
}

int find_vgem(void)
{
	char path[300], name[32];
	struct dirent *de;
	DIR *dir;
	int fd;

	dir = opendir("/dev/dri");
	if (!dir)
		die("no /dev/dri: is vgem loaded?");
	while ((de = readdir(dir))) {
		struct drm_version v = {0};

		if (strncmp(de->d_name, "card", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem")) {
			closedir(dir);
			return fd;
		}
		close(fd);
	}
	closedir(dir);
	die("no DRM device named vgem");
}

int vgem_dumb(int vgem, unsigned int pitch, size_t size, unsigned int *handle)
{
	struct drm_mode_create_dumb create = {0};
	struct drm_prime_handle exp = {0};

	create.bpp = 8;
	create.width = pitch;
	create.height = (size + pitch - 1) / pitch;
	if (xioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		die("vgem CREATE_DUMB: %s", strerror(errno));
	exp.handle = create.handle;
	exp.flags = DRM_CLOEXEC | DRM_RDWR;
	if (xioctl(vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp))
		die("vgem PRIME_HANDLE_TO_FD: %s", strerror(errno));
	*handle = create.handle;
	return exp.fd;
}

void vgem_close_handle(int vgem, unsigned int handle)
{
	struct drm_gem_close gc = {.handle = handle};

	if (xioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gc))
		die("vgem GEM_CLOSE: %s", strerror(errno));
}
