// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fakedisp-dumb-cap: fakedisp's dumb buffers are capped and charged.
 *   - with the module parameter max_memory_mb=M (--cap-mb M), 8 MiB dumb buffers can be
 *     made until M MiB are taken; the next CREATE_DUMB fails with ENOMEM,
 *     as does one buffer larger than what is left; after a DESTROY_DUMB a
 *     new one succeeds; each is mmap'ed and written;
 *   - with a cgroup v2 folder given (--cgroup DIR, memory controller on),
 *     the pages are charged to the creator's memory cgroup: memory.current
 *     grows by at least the buffer's size and shrinks when it is destroyed,
 *     and under a memory.max too low for it CREATE_DUMB fails with ENOMEM
 *     (no OOM kill) and leaves the cap's count as it was.
 * Prints one line per check; exits 1 at the first failure.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "kms-pipe.h"
#include "test-check.h"

#define MIB	    (1ull << 20)
#define MAX_BUFFERS 256

/* 2048 x 1024 x 32 bpp: 8 MiB, already page and pitch aligned. */
static int create(int card, uint32_t height, uint32_t *handle, uint64_t *size)
{
	struct drm_mode_create_dumb c = {.width = 2048, .height = height, .bpp = 32};

	if (drmIoctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	*handle = c.handle;
	*size = c.size;
	return 0;
}

static void destroy(int card, uint32_t handle)
{
	struct drm_mode_destroy_dumb d = {.handle = handle};

	CHECK(drmIoctl(card, DRM_IOCTL_MODE_DESTROY_DUMB, &d) == 0, "DESTROY_DUMB: %s",
	      strerror(errno));
}

/* The pages are the user's: mmap and write every one of them. */
static void touch(int card, uint32_t handle, uint64_t size)
{
	struct drm_mode_map_dumb map = {.handle = handle};
	uint8_t *p;

	CHECK(drmIoctl(card, DRM_IOCTL_MODE_MAP_DUMB, &map) == 0, "MAP_DUMB: %s", strerror(errno));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, card, (off_t)map.offset);
	CHECK(p != MAP_FAILED, "mmap of a dumb buffer: %s", strerror(errno));
	for (uint64_t i = 0; i < size; i += 4096)
		p[i] = (uint8_t)i;
	munmap(p, size);
}

static unsigned long long read_ull(const char *dir, const char *file, const char *key)
{
	char path[512], line[256];
	unsigned long long v = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	CHECK(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) && !found) {
		if (!key) {
			found = sscanf(line, "%llu", &v) == 1;
		} else if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ' ') {
			found = sscanf(line + strlen(key), "%llu", &v) == 1;
		}
	}
	fclose(f);
	CHECK(found, "%s has no %s", path, key ? key : "number");
	return v;
}

static void write_str(const char *dir, const char *file, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "writing %s to %s: %s", text, path,
	      strerror(errno));
}

static void check_cap(int card, unsigned long long cap_mb)
{
	uint32_t handles[MAX_BUFFERS];
	uint64_t size;
	unsigned int n = 0;
	int ret;

	CHECK(cap_mb % 8 == 0 && cap_mb / 8 < MAX_BUFFERS,
	      "max_memory_mb=%llu: use a multiple "
	      "of 8 below 2048",
	      cap_mb);
	while (n < MAX_BUFFERS && (ret = create(card, 1024, &handles[n], &size)) == 0) {
		CHECK(size == 8 * MIB, "an 8 MiB dumb buffer has size %llu",
		      (unsigned long long)size);
		touch(card, handles[n], size);
		n++;
	}
	CHECK(n == cap_mb / 8, "%u buffers of 8 MiB under a %llu MiB cap (the next: %s)", n, cap_mb,
	      n < MAX_BUFFERS ? strerror(-ret) : "-");
	CHECK(ret == -ENOMEM, "CREATE_DUMB past the cap: %s, not ENOMEM", strerror(-ret));
	printf("ok: %u buffers of 8 MiB fill the %llu MiB cap, the next one fails with ENOMEM\n", n,
	       cap_mb);

	destroy(card, handles[--n]);
	ret = create(card, 1536, &handles[n], &size);
	CHECK(ret == -ENOMEM, "a 12 MiB buffer with 8 MiB left: %s, not ENOMEM", strerror(-ret));
	ret = create(card, 1024, &handles[n], &size);
	CHECK(ret == 0, "CREATE_DUMB after a DESTROY_DUMB: %s", strerror(-ret));
	touch(card, handles[n], size);
	n++;
	printf("ok: one destroyed: 12 MiB still refused, 8 MiB made again\n");
	while (n)
		destroy(card, handles[--n]);
}

static void check_memcg(int card, const char *cg, unsigned long long cap_mb)
{
	unsigned long long before, with, after, ooms;
	uint32_t handle;
	uint64_t size;
	char text[64];
	int ret;

	snprintf(text, sizeof(text), "%d\n", getpid());
	write_str(cg, "cgroup.procs", text);
	before = read_ull(cg, "memory.current", NULL);
	CHECK(create(card, 1024, &handle, &size) == 0, "CREATE_DUMB in the cgroup: %s",
	      strerror(errno));
	with = read_ull(cg, "memory.current", NULL);
	/* Charges come in per-CPU batches: allow for a precharged MiB. */
	CHECK(with + MIB >= before + size,
	      "memory.current %llu -> %llu for an %llu byte buffer: "
	      "not charged to the cgroup",
	      before, with, (unsigned long long)size);
	destroy(card, handle);
	after = read_ull(cg, "memory.current", NULL);
	CHECK(after + size <= with + MIB, "memory.current %llu after DESTROY_DUMB, %llu before",
	      after, with);
	printf("ok: memory cgroup: +%llu KiB with an 8 MiB buffer, -%llu KiB after it went\n",
	       (with - before) >> 10, (with - after) >> 10);

	/* Room for less than one buffer: refused, nobody OOM-killed. */
	ooms = read_ull(cg, "memory.events", "oom_kill");
	snprintf(text, sizeof(text), "%llu\n", read_ull(cg, "memory.current", NULL) + 4 * MIB);
	write_str(cg, "memory.max", text);
	ret = create(card, 1024, &handle, &size);
	write_str(cg, "memory.max", "max\n");
	CHECK(ret == -ENOMEM, "CREATE_DUMB over memory.max: %s, not ENOMEM", strerror(-ret));
	CHECK(read_ull(cg, "memory.events", "oom_kill") == ooms, "an OOM kill in the cgroup");
	printf("ok: over memory.max CREATE_DUMB fails with ENOMEM, no OOM kill\n");

	/* The refused buffer left the cap's count as it was. */
	check_cap(card, cap_mb);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cap-mb", required_argument, NULL, 'm'},
	    {"cgroup", required_argument, NULL, 'g'},
	    {0},
	};
	unsigned long long cap_mb = 0;
	const char *cg = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'm') {
			cap_mb = strtoull(optarg, NULL, 10);
		} else if (c == 'g') {
			cg = optarg;
		} else {
			fprintf(stderr, "usage: %s --cap-mb M [--cgroup DIR]\n", argv[0]);
			return 2;
		}
	}
	CHECK(cap_mb, "--cap-mb: the max_memory_mb fakedisp was loaded with");

	int card = kms_open_driver("fakedisp", NULL);
	CHECK(card >= 0, "fakedisp card");

	check_cap(card, cap_mb);
	if (cg)
		check_memcg(card, cg, cap_mb);
	close(card);
	return 0;
}
