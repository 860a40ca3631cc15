// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fakedisp-testexp: fakedisp as an importer of buffers from
 * fakedisp_testexp.ko (tests/vm/fakedisp/testexp/), an exporter that shows
 * what fakedisp did with them. One check per command:
 *
 *   locking          the exporter's ->map_dma_buf and ->unmap_dma_buf run
 *                    under the kernel's convention: with the reservation
 *                    lock held from 6.2, without it before (an exporter of
 *                    6.1 may take it itself; this one refuses a held lock)
 *   no-vmap          a buffer whose exporter has no vmap is imported
 *                    (pfn hash equal to the exporter's) but a commit that
 *                    shows it fails, with a vmap-failed event and no CPU
 *                    mapping; a buffer with vmap is shown, CRC right
 *   vmap-lifetime    a buffer is mapped for the CPU only while it is on
 *                    screen: the exporter's live vmaps and fakedisp's go
 *                    back to 0 once a flip takes it off (and for a dumb
 *                    buffer of fakedisp's own), with framebuffers and
 *                    handles still there; vmap and vunmap calls balance
 *   release-in-tail  frames taken off screen are put by the commit tails
 *                    while the scanout worker is held up (by the exporter's
 *                    begin_cpu_access): an imported buffer shown, replaced,
 *                    its framebuffer and handle gone is released by a
 *                    commit, not by the worker, within the time the worker
 *                    is stuck; on the debug kernel lockdep checks that
 *                    this (the unmap and vunmap take the exporter's
 *                    reservation lock) is outside the commit's fence
 *                    signalling section
 *   dma-direct       fakedisp's device maps every page where it is: in a
 *                    guest with memory above 4 GiB, the pfn hash of the
 *                    DMA addresses fakedisp got equals the hash of the page
 *                    frames (the exporter's, and /proc/self/pagemap's) for
 *                    a buffer with pages above 4 GiB: no bounce buffer
 *
 * Prints one line per check; exits 1 at the first failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <dmabuf-interop/pfn-hash.h>

#include "../testexp/fakedisp-testexp.h"
#include "fakedisp-debugfs.h"
#include "frame-crc.h"
#include "kms-pipe.h"
#include "test-check.h"

#define WIDTH 640
#define HEIGHT 480
#define PITCH (WIDTH * 4)
#define FRAME_SIZE ((size_t)PITCH * HEIGHT) /* 300 pages exactly */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* What fakedisp_testexp's debugfs "buffers" says about one buffer. */
struct texp_info {
	bool listed;
	unsigned int attachments, mapped, vmaps;
	unsigned long vmap_calls, vunmap_calls, maps_locked, maps_unlocked, maps_refused;
	unsigned long cpu_accesses;
};

static struct texp_info texp_info(unsigned long ino)
{
	char *text = debugfs_read(TESTEXP_DEBUGFS "/buffers");
	struct texp_info info = { 0 };
	char *save = NULL;

	CHECK(text, "reading " TESTEXP_DEBUGFS "/buffers");
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long l_ino, size;
		unsigned int flags;
		char hash[17];
		struct texp_info i = { .listed = true };

		if (sscanf(line, "%lu %lu %u %16s %u %u %u %lu %lu %lu %lu %lu %lu", &l_ino, &size,
			   &flags, hash, &i.attachments, &i.mapped, &i.vmaps, &i.vmap_calls,
			   &i.vunmap_calls, &i.maps_locked, &i.maps_unlocked, &i.maps_refused,
			   &i.cpu_accesses) == 13 &&
		    l_ino == ino)
			info = i;
	}
	free(text);
	return info;
}

static void set_cpu_access_delay(unsigned int ms)
{
	FILE *f = fopen(TESTEXP_DEBUGFS "/cpu_access_delay_ms", "w");

	CHECK(f && fprintf(f, "%u\n", ms) > 0 && fclose(f) == 0,
	      "setting cpu_access_delay_ms: %s", strerror(errno));
}

/* One exported buffer, imported into fakedisp, with a framebuffer. */
struct buf {
	int fd;
	unsigned long ino;
	uint64_t hash; /* the exporter's pfn hash */
	uint32_t handle, fb, crc;
};

static struct buf texp_create(int card, size_t size, uint32_t flags, unsigned int seed)
{
	struct testexp_create args = { .size = size, .flags = flags };
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE };
	int dev = open(TESTEXP_DEV, O_RDWR | O_CLOEXEC);
	struct buf b = { 0 };
	uint8_t *p;

	CHECK(dev >= 0, "open " TESTEXP_DEV ": %s", strerror(errno));
	CHECK(ioctl(dev, TESTEXP_IOC_CREATE, &args) == 0, "TESTEXP_IOC_CREATE: %s",
	      strerror(errno));
	close(dev);
	b.fd = args.fd;
	b.ino = (unsigned long)args.ino;
	b.hash = args.pfn_hash;

	/* A pattern of its own, through the dma-buf's mmap. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b.fd, 0);
	CHECK(p != MAP_FAILED, "mmap of the test exporter's dma-buf: %s", strerror(errno));
	CHECK(ioctl(b.fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "DMA_BUF_IOCTL_SYNC");
	for (size_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 13 + i / PITCH + seed * 41);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
	CHECK(ioctl(b.fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "DMA_BUF_IOCTL_SYNC");
	if (size >= FRAME_SIZE) {
		uint32_t pitches[4] = { PITCH }, offsets[4] = { 0 };

		b.crc = frame_crc(p, DRM_FORMAT_XRGB8888, WIDTH, HEIGHT, pitches, offsets);
	}
	munmap(p, size);

	if (card >= 0) {
		char hash[17], want[17];

		CHECK(drmPrimeFDToHandle(card, b.fd, &b.handle) == 0,
		      "PRIME import of test exporter buffer %lu: %s", b.ino, strerror(errno));
		CHECK(fakedisp_buffers(b.ino, hash) == 1, "fakedisp lists no buffer for inode %lu",
		      b.ino);
		snprintf(want, sizeof(want), "%016llx", (unsigned long long)b.hash);
		CHECK(strcmp(hash, want) == 0,
		      "buffer %lu: fakedisp's pfn hash %s (its DMA addresses), the exporter's %s",
		      b.ino, hash, want);
	}
	return b;
}

static void add_fb(int card, struct buf *b)
{
	uint32_t handles[4] = { b->handle }, pitches[4] = { PITCH }, offsets[4] = { 0 };

	CHECK(drmModeAddFB2(card, WIDTH, HEIGHT, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
			    &b->fb, 0) == 0,
	      "drmModeAddFB2: %s", strerror(errno));
}

static void drop(int card, struct buf *b)
{
	if (b->fb)
		CHECK(drmModeRmFB(card, b->fb) == 0, "drmModeRmFB: %s", strerror(errno));
	if (b->handle)
		CHECK(drmCloseBufferHandle(card, b->handle) == 0, "closing handle");
	b->fb = 0;
	b->handle = 0;
}

static void flip(struct kms_pipe *pipe, const struct buf *b)
{
	int ret = kms_commit_fb(pipe, b->fb, WIDTH, HEIGHT, WIDTH, HEIGHT,
				DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK);

	CHECK(ret == 0, "flip to buffer %lu: %s", b->ino, strerror(-ret));
	CHECK(kms_wait_flip(pipe, 3000, NULL, NULL), "no page-flip event for buffer %lu", b->ino);
}

static void modeset(struct kms_pipe *pipe, const struct buf *b)
{
	int ret = kms_commit_fb(pipe, b->fb, WIDTH, HEIGHT, WIDTH, HEIGHT,
				DRM_MODE_ATOMIC_ALLOW_MODESET);

	CHECK(ret == 0, "modeset on buffer %lu: %s", b->ino, strerror(-ret));
}

/* Waits up to 5 s for both sides to show @want live vmaps of @b. */
static bool wait_vmaps(const struct buf *b, unsigned int want)
{
	for (int i = 0; i < 100; i++) {
		struct texp_info t = texp_info(b->ino);

		if (t.vmaps == want && fakedisp_buffer_vmaps(b->ino) == (long)want)
			return true;
		usleep(50000);
	}
	return false;
}

/* Reads CRC entries until @n in a row equal @want (10 s at most). */
static void expect_crc(int crc_fd, uint32_t want, unsigned int n)
{
	uint64_t deadline = now_ns() + 10000000000ull;
	unsigned int good = 0;
	uint32_t frame, crc = 0;

	while (good < n) {
		CHECK(now_ns() < deadline, "no %u CRC entries 0x%08x in a row (last 0x%08x)", n, want,
		      crc);
		if (!crc_read(crc_fd, &frame, &crc)) {
			usleep(10000);
			continue;
		}
		good = crc == want ? good + 1 : 0;
	}
}

static void open_pipe(struct kms_pipe *pipe, int *card)
{
	int minor;

	*card = kms_open_driver("fakedisp", &minor);
	CHECK(*card >= 0, "fakedisp card");
	CHECK(kms_pipe_init(pipe, *card, minor, WIDTH, HEIGHT), "fakedisp pipe %ux%u", WIDTH,
	      HEIGHT);
}

static bool kernel_before_6_2(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	CHECK(uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2, "uname");
	return major < 6 || (major == 6 && minor < 2);
}

static int cmd_locking(void)
{
	bool before_6_2 = kernel_before_6_2();
	struct kms_pipe pipe;
	int card;

	open_pipe(&pipe, &card);
	struct buf b = texp_create(card, FRAME_SIZE, 0, 1);
	struct texp_info t = texp_info(b.ino);

	CHECK(t.attachments == 1 && t.mapped == 1, "after the import: %u attachments, %u mapped",
	      t.attachments, t.mapped);
	CHECK(t.maps_refused == 0,
	      "fakedisp mapped the attachment holding the reservation lock on a kernel "
	      "before 6.2, where importers hold none (the exporter refused %lu times)",
	      t.maps_refused);
	if (before_6_2)
		CHECK(t.maps_locked == 0 && t.maps_unlocked == 1,
		      "before 6.2: map with the lock %lu times, without %lu", t.maps_locked,
		      t.maps_unlocked);
	else
		CHECK(t.maps_locked == 1 && t.maps_unlocked == 0,
		      "6.2 on: map with the reservation lock %lu times, without %lu",
		      t.maps_locked, t.maps_unlocked);
	printf("ok: map_dma_buf %s the reservation lock (%s convention)\n",
	       before_6_2 ? "without" : "under", before_6_2 ? "6.1's" : "6.2's");

	add_fb(card, &b);
	modeset(&pipe, &b);
	CHECK(kms_disable(&pipe) == 0, "disabling the CRTC");
	drop(card, &b);
	for (int i = 0; i < 50 && texp_info(b.ino).attachments; i++)
		usleep(100000);
	t = texp_info(b.ino);
	CHECK(t.attachments == 0 && t.mapped == 0, "after the release: %u attachments, %u mapped",
	      t.attachments, t.mapped);
	CHECK(t.maps_refused == 0, "the unmap found the reservation lock held before 6.2");
	CHECK(before_6_2 ? t.maps_locked == 0 : t.maps_unlocked == 0,
	      "unmap: with the lock %lu times, without %lu", t.maps_locked, t.maps_unlocked);
	printf("ok: shown, released: unmap_dma_buf %s the reservation lock too\n",
	       before_6_2 ? "without" : "under");
	close(b.fd);
	close(card);
	return 0;
}

static int cmd_no_vmap(void)
{
	struct kms_pipe pipe;
	int card;

	open_pipe(&pipe, &card);
	uint64_t t0 = now_ns();
	struct buf nov = texp_create(card, FRAME_SIZE, TESTEXP_NO_VMAP, 1);
	struct buf ok = texp_create(card, FRAME_SIZE, 0, 2);

	printf("ok: buffers %lu (no vmap) and %lu imported, pfn hashes equal the exporter's\n",
	       nov.ino, ok.ino);
	add_fb(card, &nov);
	add_fb(card, &ok);

	int ret = kms_commit_fb(&pipe, nov.fb, WIDTH, HEIGHT, WIDTH, HEIGHT,
				DRM_MODE_ATOMIC_ALLOW_MODESET);
	CHECK(ret < 0, "a commit showing buffer %lu, whose exporter has no vmap, succeeded "
		       "(%d vmap-pages events: fakedisp mapped the sg_table's pages itself)",
	      nov.ino, fakedisp_event_count(nov.ino, t0, "vmap-pages"));
	CHECK(fakedisp_event_count(nov.ino, t0, "vmap-failed") == 1,
	      "no vmap-failed event for buffer %lu", nov.ino);
	CHECK(fakedisp_buffer_vmaps(nov.ino) == 0, "buffer %lu has a CPU mapping", nov.ino);
	printf("ok: the modeset on it fails (%s), event vmap-failed, no mapping\n",
	       strerror(-ret));

	modeset(&pipe, &ok);
	int crc_fd = crc_open();
	CHECK(crc_fd >= 0, "CRC stream");
	expect_crc(crc_fd, ok.crc, 5);
	printf("ok: buffer %lu, with vmap, is shown: CRC 0x%08x\n", ok.ino, ok.crc);

	ret = kms_commit_fb(&pipe, nov.fb, WIDTH, HEIGHT, WIDTH, HEIGHT,
			    DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK);
	CHECK(ret < 0, "a flip to buffer %lu (no vmap) succeeded", nov.ino);
	expect_crc(crc_fd, ok.crc, 5);
	printf("ok: a flip to it fails too (%s); buffer %lu stays on screen\n", strerror(-ret),
	       ok.ino);
	close(crc_fd);

	CHECK(kms_disable(&pipe) == 0, "disabling the CRTC");
	drop(card, &nov);
	drop(card, &ok);
	close(nov.fd);
	close(ok.fd);
	close(card);
	return 0;
}

static int cmd_vmap_lifetime(void)
{
	struct kms_pipe pipe;
	struct texp_info t;
	int card;

	open_pipe(&pipe, &card);
	struct buf a = texp_create(card, FRAME_SIZE, 0, 1);
	struct buf b = texp_create(card, FRAME_SIZE, 0, 2);
	add_fb(card, &a);
	add_fb(card, &b);

	/* A dumb buffer of fakedisp's own, exported only to give it an inode. */
	struct drm_mode_create_dumb create = { .width = WIDTH, .height = HEIGHT, .bpp = 32 };
	struct buf d = { 0 };
	CHECK(drmIoctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &create) == 0, "CREATE_DUMB: %s",
	      strerror(errno));
	d.handle = create.handle;
	CHECK(drmPrimeHandleToFD(card, d.handle, DRM_CLOEXEC, &d.fd) == 0, "export: %s",
	      strerror(errno));
	struct stat st;
	CHECK(fstat(d.fd, &st) == 0, "fstat");
	d.ino = (unsigned long)st.st_ino;
	uint32_t h[4] = { d.handle }, p[4] = { create.pitch }, o[4] = { 0 };
	CHECK(drmModeAddFB2(card, WIDTH, HEIGHT, DRM_FORMAT_XRGB8888, h, p, o, &d.fb, 0) == 0,
	      "drmModeAddFB2 (dumb): %s", strerror(errno));

	CHECK(texp_info(a.ino).vmaps == 0 && fakedisp_buffer_vmaps(a.ino) == 0 &&
		      fakedisp_buffer_vmaps(d.ino) == 0,
	      "a buffer mapped before it was shown");
	printf("ok: imported and framebuffers made: nothing mapped yet\n");

	modeset(&pipe, &a);
	CHECK(wait_vmaps(&a, 1), "buffer %lu on screen: %u live vmaps at the exporter, %ld in "
				 "fakedisp, not 1",
	      a.ino, texp_info(a.ino).vmaps, fakedisp_buffer_vmaps(a.ino));
	printf("ok: A on screen: mapped once (exporter and fakedisp)\n");

	flip(&pipe, &b);
	CHECK(wait_vmaps(&a, 0), "buffer %lu left the screen but holds %u vmaps at the exporter, "
				 "%ld in fakedisp",
	      a.ino, texp_info(a.ino).vmaps, fakedisp_buffer_vmaps(a.ino));
	CHECK(wait_vmaps(&b, 1), "buffer %lu on screen is not mapped once", b.ino);
	printf("ok: flip to B: A unmapped, B mapped\n");

	flip(&pipe, &d);
	CHECK(wait_vmaps(&b, 0), "buffer %lu left the screen but is mapped", b.ino);
	for (int i = 0; i < 100 && fakedisp_buffer_vmaps(d.ino) != 1; i++)
		usleep(50000);
	CHECK(fakedisp_buffer_vmaps(d.ino) == 1, "the dumb buffer on screen: %ld vmaps",
	      fakedisp_buffer_vmaps(d.ino));
	printf("ok: flip to a dumb buffer: B unmapped, the dumb buffer mapped\n");

	flip(&pipe, &a);
	CHECK(wait_vmaps(&a, 1), "A back on screen is not mapped");
	for (int i = 0; i < 100 && fakedisp_buffer_vmaps(d.ino) != 0; i++)
		usleep(50000);
	CHECK(fakedisp_buffer_vmaps(d.ino) == 0, "the dumb buffer left the screen but is mapped");
	printf("ok: flip back to A: mapped again, the dumb buffer unmapped\n");

	CHECK(kms_disable(&pipe) == 0, "disabling the CRTC");
	CHECK(wait_vmaps(&a, 0) && wait_vmaps(&b, 0), "buffers mapped with the CRTC off");
	t = texp_info(a.ino);
	CHECK(t.vmap_calls == 2 && t.vunmap_calls == 2, "A: %lu vmap and %lu vunmap calls, not 2",
	      t.vmap_calls, t.vunmap_calls);
	t = texp_info(b.ino);
	CHECK(t.vmap_calls == 1 && t.vunmap_calls == 1, "B: %lu vmap and %lu vunmap calls, not 1",
	      t.vmap_calls, t.vunmap_calls);
	CHECK(fakedisp_buffers(a.ino, NULL) == 1 && fakedisp_buffers(d.ino, NULL) == 1,
	      "the buffers should still exist");
	printf("ok: CRTC off: nothing mapped, with framebuffers and handles still there; "
	       "vmap and vunmap calls balance (A 2/2, B 1/1)\n");

	drop(card, &a);
	drop(card, &b);
	drop(card, &d);
	close(a.fd);
	close(b.fd);
	close(d.fd);
	close(card);
	return 0;
}

static int cmd_release_in_tail(void)
{
	/* Long enough for the steps below in a slow emulated guest. */
	const unsigned int delay_ms = 6000;
	struct kms_pipe pipe;
	int card;

	open_pipe(&pipe, &card);
	struct buf a = texp_create(card, FRAME_SIZE, 0, 1);
	struct buf b = texp_create(card, FRAME_SIZE, 0, 2);
	struct buf c = texp_create(card, FRAME_SIZE, 0, 3);
	add_fb(card, &a);
	add_fb(card, &b);
	add_fb(card, &c);

	/*
	 * The worker reads A and is held up in the exporter's
	 * begin_cpu_access; the next vblank notes A as its pending read. A
	 * frame that then comes and goes (B) is never read: only the commits
	 * can put it (the flip to C, or at the latest the CRTC disable).
	 */
	/* The fill through mmap counted one each (DMA_BUF_IOCTL_SYNC). */
	unsigned long a0 = texp_info(a.ino).cpu_accesses, b0 = texp_info(b.ino).cpu_accesses;
	set_cpu_access_delay(delay_ms);
	uint64_t t0 = now_ns();
	modeset(&pipe, &a);
	for (int i = 0; i < 100 && texp_info(a.ino).cpu_accesses == a0; i++)
		usleep(20000);
	CHECK(texp_info(a.ino).cpu_accesses > a0, "the scanout worker did not read buffer %lu",
	      a.ino);
	usleep(200000);
	flip(&pipe, &b);
	flip(&pipe, &c);
	usleep(200000);
	drop(card, &b);
	CHECK(texp_info(b.ino).cpu_accesses == b0,
	      "buffer %lu was read: the worker was not held up", b.ino);
	bool gone = fakedisp_event_count(b.ino, t0, "put") == 1;
	printf("ok: worker held up reading A; B shown, replaced, framebuffer and handle gone: "
	       "%s\n",
	       gone ? "released at once (its frame was put by the flip's commit)"
		    : "its frame still queued");

	/* A blocking commit: its tail runs in this ioctl. */
	CHECK(kms_disable(&pipe) == 0, "disabling the CRTC");
	uint64_t t1 = now_ns();
	CHECK(t1 - t0 < (uint64_t)delay_ms * 1000000, "too slow: the worker may have run");
	CHECK(fakedisp_event_count(b.ino, t0, "put") == 1 && texp_info(b.ino).attachments == 0,
	      "B was not released by the commits while the worker was held up");
	printf("ok: B released (unmap, detach, put) %s, %.0f ms in, the worker still held up\n",
	       gone ? "before the disable" : "by the disable commit", (double)(t1 - t0) / 1e6);

	set_cpu_access_delay(0);
	drop(card, &a);
	drop(card, &c);
	close(a.fd);
	close(b.fd);
	close(c.fd);
	for (int i = 0; i < 150 && (texp_info(a.ino).listed || texp_info(c.ino).listed); i++)
		usleep(100000);
	CHECK(!texp_info(a.ino).listed && !texp_info(b.ino).listed && !texp_info(c.ino).listed,
	      "a test exporter buffer outlived its last user");
	printf("ok: every buffer released once the worker went on\n");
	close(card);
	return 0;
}

/* The page frame numbers of @len bytes at @p, from /proc/self/pagemap. */
static uint64_t pagemap_hash(const void *p, size_t len, unsigned long *high)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	long page = sysconf(_SC_PAGESIZE);
	uint64_t hash = PFN_HASH_INIT;

	CHECK(fd >= 0, "open /proc/self/pagemap: %s", strerror(errno));
	*high = 0;
	for (size_t off = 0; off < len; off += (size_t)page) {
		uint64_t entry;
		off_t at = (off_t)(((uintptr_t)p + off) / (uintptr_t)page * sizeof(entry));

		CHECK(pread(fd, &entry, sizeof(entry), at) == sizeof(entry), "pagemap: %s",
		      strerror(errno));
		CHECK(entry >> 63, "page %zu of the mapping is not present", off / (size_t)page);
		uint64_t pfn = entry & ((1ull << 55) - 1);
		CHECK(pfn, "pagemap shows no page frame numbers (not root?)");
		if (pfn >= (4ull << 30) / (uint64_t)page)
			(*high)++;
		hash = pfn_hash_add(hash, pfn);
	}
	close(fd);
	return hash;
}

static int cmd_dma_direct(void)
{
	const size_t size = 32ul << 20;
	struct kms_pipe pipe;
	unsigned long high = 0;
	struct buf b = { .fd = -1 };
	int card, tries;

	open_pipe(&pipe, &card);
	/* The page allocator prefers high memory; a few tries at most. */
	for (tries = 0; tries < 8 && !high; tries++) {
		if (b.fd >= 0)
			close(b.fd);
		b = texp_create(-1, size, 0, (unsigned int)tries);
		void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, b.fd, 0);
		CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
		/* Present pages for pagemap: vm_map_pages() maps them all. */
		uint64_t hash = pagemap_hash(p, size, &high);
		munmap(p, size);
		CHECK(hash == b.hash, "pagemap's pfn hash %016llx, the exporter's %016llx",
		      (unsigned long long)hash, (unsigned long long)b.hash);
	}
	CHECK(high, "no buffer with pages above 4 GiB: the guest needs more memory");
	printf("ok: a %zu MiB buffer with %lu of its %zu pages above 4 GiB; pagemap's pfn hash "
	       "equals the exporter's %016llx\n",
	       size >> 20, high, size / 4096, (unsigned long long)b.hash);

	char hash[17], want[17];
	CHECK(drmPrimeFDToHandle(card, b.fd, &b.handle) == 0, "PRIME import: %s",
	      strerror(errno));
	CHECK(fakedisp_buffers(b.ino, hash) == 1, "fakedisp lists no buffer for inode %lu", b.ino);
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)b.hash);
	CHECK(strcmp(hash, want) == 0,
	      "fakedisp's DMA addresses hash to %s, the page frames to %s: the mapping is not "
	      "direct (a bounce buffer?)",
	      hash, want);
	printf("ok: fakedisp's DMA addresses hash the same: direct DMA above 4 GiB\n");

	add_fb(card, &b);
	modeset(&pipe, &b);
	CHECK(kms_disable(&pipe) == 0, "disabling the CRTC");
	drop(card, &b);
	close(b.fd);
	close(card);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} cmds[] = {
		{ "locking", cmd_locking },
		{ "no-vmap", cmd_no_vmap },
		{ "vmap-lifetime", cmd_vmap_lifetime },
		{ "release-in-tail", cmd_release_in_tail },
		{ "dma-direct", cmd_dma_direct },
	};

	for (size_t i = 0; argc == 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn();
	fprintf(stderr, "usage: %s locking|no-vmap|vmap-lifetime|release-in-tail|dma-direct\n",
		argv[0]);
	return 2;
}
