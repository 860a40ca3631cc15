// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "fakedisp-debugfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *debugfs_read(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

long long scanout_counter(const char *name)
{
	char *text = debugfs_read(FAKEDISP_DEBUGFS "/scanout");
	size_t n = strlen(name);
	long long value = -1;

	for (char *line = text; line && *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			value = strtoll(line + n + 1, NULL, 10);
			break;
		}
		if (!strchr(line, '\n'))
			break;
	}
	free(text);
	return value;
}

int fakedisp_buffers(unsigned long ino, char hash[17])
{
	char *text = debugfs_read(FAKEDISP_DEBUGFS "/buffers");
	char *save = NULL;
	int found = 0;

	/* "id kind size ino pfn_hash exporter refs handles vmaps" */
	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long id, l_ino;
		char kind[16], h[17];
		size_t size;

		if (sscanf(line, "%lu %15s %zu %lu %16s", &id, kind, &size, &l_ino, h) == 5 &&
		    l_ino == ino) {
			if (hash)
				memcpy(hash, h, 17);
			found++;
		}
	}
	free(text);
	return found;
}

long fakedisp_buffer_vmaps(unsigned long ino)
{
	char *text = debugfs_read(FAKEDISP_DEBUGFS "/buffers");
	char *save = NULL;
	long vmaps = -1;

	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long id, l_ino, refs, handles, v;
		char kind[16], h[17], exporter[64];
		size_t size;

		if (sscanf(line, "%lu %15s %zu %lu %16s %63s %lu %lu %lu", &id, kind, &size, &l_ino,
			   h, exporter, &refs, &handles, &v) == 9 &&
		    l_ino == ino)
			vmaps = (long)v;
	}
	free(text);
	return vmaps;
}

int fakedisp_event_count(unsigned long ino, uint64_t since_ns, const char *type)
{
	char *text = debugfs_read(FAKEDISP_DEBUGFS "/events");
	char *save = NULL;
	int count = 0;

	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long ns, arg;
		unsigned long l_ino;
		unsigned int bo;
		char t[32];

		if (sscanf(line, "%llu %31s bo=%u ino=%lu arg=%llu", &ns, t, &bo, &l_ino, &arg) == 5 &&
		    ns >= since_ns && l_ino == ino && strcmp(t, type) == 0)
			count++;
	}
	free(text);
	return count;
}

void fakedisp_event_pos(unsigned long ino, uint64_t since_ns, const char *const *types, int n,
			int *pos)
{
	/* One read: the log is a ring, positions move as events come in. */
	char *text = debugfs_read(FAKEDISP_DEBUGFS "/events");
	char *save = NULL;
	int line_no = 0;

	for (int i = 0; i < n; i++)
		pos[i] = 0;
	/* "<ns> <type> bo=<id> ino=<ino> arg=<n>" */
	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long ns, arg;
		unsigned long l_ino;
		unsigned int bo;
		char t[32];

		line_no++;
		if (sscanf(line, "%llu %31s bo=%u ino=%lu arg=%llu", &ns, t, &bo, &l_ino, &arg) !=
			    5 ||
		    ns < since_ns || l_ino != ino)
			continue;
		for (int i = 0; i < n; i++)
			if (!pos[i] && strcmp(t, types[i]) == 0)
				pos[i] = line_no;
	}
	free(text);
}

bool dmabuf_listed(unsigned long ino)
{
	char *text = debugfs_read("/sys/kernel/debug/dma_buf/bufinfo");
	char *save = NULL;
	bool found = false;

	/* size flags mode count exp_name ino ... (all kernels we run) */
	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long size, flags, mode, count, l_ino;
		char name[64];

		if (sscanf(line, "%lu %lx %lx %lu %63s %lu", &size, &flags, &mode, &count, name,
			   &l_ino) == 6 &&
		    l_ino == ino)
			found = true;
	}
	free(text);
	return found;
}

/* /sys/kernel/debug/dri/<N> whose "name" file names fakedisp. */
static bool dri_dir(char *out, size_t len)
{
	DIR *d = opendir("/sys/kernel/debug/dri");
	struct dirent *e;
	bool found = false;

	while (d && (e = readdir(d)) && !found) {
		char path[300];
		char *name;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%s/name", e->d_name);
		if (access(path, R_OK))
			continue;
		name = debugfs_read(path);
		if (name && strncmp(name, "fakedisp ", 9) == 0) {
			snprintf(out, len, "/sys/kernel/debug/dri/%s", e->d_name);
			found = true;
		}
		free(name);
	}
	if (d)
		closedir(d);
	if (!found)
		fprintf(stderr, "no fakedisp folder under /sys/kernel/debug/dri\n");
	return found;
}

int crc_open(void)
{
	char dir[280], path[320];
	int fd;

	if (!dri_dir(dir, sizeof(dir)))
		return -1;
	snprintf(path, sizeof(path), "%s/crtc-0/crc/control", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "auto", 4) != 4) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/crtc-0/crc/data", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
	return fd;
}

bool crc_read(int fd, uint32_t *frame, uint32_t *crc)
{
	char line[64];
	ssize_t n = read(fd, line, sizeof(line) - 1);

	if (n <= 0)
		return false;
	line[n] = '\0';
	return sscanf(line, "%" SCNx32 " %" SCNx32, frame, crc) == 2;
}
