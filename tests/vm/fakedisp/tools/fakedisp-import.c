// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fakedisp-import: imports dma-bufs from one source (vgem, vivid, fakecam or
 * fakedisp's own dumb buffers) into fakedisp through PRIME, shows them with
 * atomic commits and checks what the display did with them:
 *   - the same dma-buf imported twice (same file, another file) is one
 *     buffer object;
 *   - CRC entries arrive for consecutive vblanks at the refresh rate, and
 *     equal the CRC computed here from the same bytes through mmap;
 *   - page flips complete once per vblank;
 *   - with --stream N (V4L2 sources), N captured frames shown in turn, each
 *     buffer given back to the camera only after the flip away from it;
 *   - the scanout counters advance, with zero bad stamps (and, for
 *     fakecam, every frame stamped and intact) and fakedisp's pfn hash of
 *     a fakecam buffer equals fakecam's own (zero copy);
 *   - after the framebuffers and handles are gone the trace shows unmap then
 *     detach, and the exporter's buffer lives on until its fd is closed.
 * Prints one line per check; exits 1 at the first failure.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "dmabuf-source.h"
#include "fakedisp-debugfs.h"
#include "frame-crc.h"
#include "kms-pipe.h"
#include "test-check.h"

#define BUFFERS 2

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint32_t parse_fourcc(const char *s)
{
	CHECK(strlen(s) == 4, "format %s is not a fourcc", s);
	return fourcc_code(s[0], s[1], s[2], s[3]);
}

static unsigned long fd_ino(int fd)
{
	struct stat st;

	CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	return (unsigned long)st.st_ino;
}

/* The CRC of buffer @b, read through its own dma-buf mmap. */
static uint32_t expected_crc(const struct dmabuf_source *s, const struct dmabuf_frame *b)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	uint8_t *p = mmap(NULL, b->size, PROT_READ, MAP_SHARED, b->fd, 0);
	uint32_t crc;

	CHECK(p != MAP_FAILED, "mmap of the dma-buf: %s", strerror(errno));
	CHECK(ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "DMA_BUF_IOCTL_SYNC start");
	crc = frame_crc(p, s->fourcc, s->width, s->height, b->pitches, b->offsets);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	CHECK(ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "DMA_BUF_IOCTL_SYNC end");
	munmap(p, b->size);
	return crc;
}

/* DRM's vblank count now, through drmWaitVBlank (relative 0: no wait). */
static unsigned int vblank_now(int card)
{
	drmVBlank vbl = { .request = { .type = DRM_VBLANK_RELATIVE, .sequence = 0 } };

	CHECK(drmWaitVBlank(card, &vbl) == 0, "drmWaitVBlank: %s", strerror(errno));
	return vbl.reply.sequence;
}

/*
 * Reads @n CRC entries of a static frame: all @want, one for each vblank
 * (consecutive numbers), while vblanks come at the refresh rate. With
 * @gaps, vblanks may be missing from the stream (DRM keeps 128 entries: at
 * 1000 Hz a reader stalled for 128 ms loses some, which an emulated guest
 * does). Entries may arrive in bursts (a large frame's read takes longer
 * than a vblank; the worker reports the vblanks it covered at once), so
 * the rate is judged by DRM's vblank count against the clock.
 */
static void check_crc_stream(int card, int crc_fd, unsigned int n, uint32_t want,
			     unsigned int hz, bool gaps)
{
	uint32_t frame, crc, prev = 0, first = 0;
	uint64_t deadline = now_us() + 10000000 + (uint64_t)n * 4000000 / hz;
	struct pollfd pfd = { .fd = crc_fd, .events = POLLIN };
	unsigned int got = 0, missing = 0;

	/* Entries queued before this frame was up belong to the previous one. */
	while (crc_read(crc_fd, &frame, &crc))
		;
	uint64_t t0 = now_us();
	unsigned int v0 = vblank_now(card);
	while (got < n) {
		CHECK(now_us() < deadline, "only %u of %u CRC entries arrived", got, n);
		if (!crc_read(crc_fd, &frame, &crc)) {
			poll(&pfd, 1, 100);
			continue;
		}
		if (got == 0 && crc != want)
			continue; /* the flip may not have been scanned yet */
		CHECK(crc == want, "CRC 0x%08x at vblank %u, expected 0x%08x", crc, frame, want);
		if (got) {
			CHECK(frame > prev, "CRC entry for vblank %u after %u", frame, prev);
			CHECK(gaps || frame == prev + 1, "CRC entries skip from vblank %u to %u",
			      prev, frame);
			missing += frame - prev - 1;
		} else {
			first = frame;
		}
		prev = frame;
		got++;
	}
	unsigned int v1 = vblank_now(card);
	double secs = (double)(now_us() - t0) / 1e6;
	double rate = (v1 - v0) / (secs > 0 ? secs : 1e-6);
	CHECK(prev <= v1, "CRC entry for vblank %u, DRM counted only %u", prev, v1);
	/*
	 * DRM's count is as of the last timer tick, and a host that starves the
	 * emulated CPU running the timer makes ticks late: never more vblanks
	 * than the clock allows, and not far fewer (the late ticks catch up).
	 */
	double want_vblanks = secs * hz;
	CHECK((v1 - v0) <= want_vblanks * 1.1 + 2 && (v1 - v0) >= want_vblanks * 0.4 - 4,
	      "%u vblanks in %.3f s: %.1f/s at %u Hz", v1 - v0, secs, rate, hz);
	printf("ok: %u CRC entries for vblanks %u..%u (%u not read in time), all 0x%08x; "
	       "vblanks at %.1f/s, refresh %u Hz\n",
	       n, first, prev, missing, want, rate, hz);
}

int main(int argc, char **argv)
{
	const char *kind = "vgem";
	uint32_t fourcc = DRM_FORMAT_XRGB8888, width = 640, height = 480;
	unsigned int flips = 30, crc_entries = 30;
	bool crc_gaps = false;
	unsigned int stream = 0;
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 'z' },
		{ "flips", required_argument, NULL, 'n' },
		{ "crc-entries", required_argument, NULL, 'c' },
		{ "crc-gaps", no_argument, NULL, 'g' },
		{ "stream", required_argument, NULL, 'S' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			kind = optarg;
			break;
		case 'f':
			fourcc = parse_fourcc(optarg);
			break;
		case 'z':
			CHECK(sscanf(optarg, "%ux%u", &width, &height) == 2, "--size WxH");
			break;
		case 'n':
			flips = (unsigned int)atoi(optarg);
			break;
		case 'c':
			crc_entries = (unsigned int)atoi(optarg);
			break;
		case 'g':
			crc_gaps = true;
			break;
		case 'S':
			stream = (unsigned int)atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s --source vgem|vivid|fakecam|dumb "
					"[--format XR24|NV12|YUYV|NV21|NV16|YU12|RG16] [--size WxH] [--flips N] "
					"[--crc-entries N] [--crc-gaps] [--stream N]\n",
				argv[0]);
			return 2;
		}
	}

	struct kms_pipe pipe;
	struct dmabuf_source src;
	int minor, card = kms_open_driver("fakedisp", &minor);
	CHECK(card >= 0, "fakedisp card");
	CHECK(kms_pipe_init(&pipe, card, minor, width, height), "fakedisp pipe for %ux%u", width,
	      height);
	unsigned int hz = pipe.mode.vrefresh;
	CHECK(source_open(&src, kind, fourcc, width, height, BUFFERS, card), "%s buffers", kind);
	printf("ok: %u %s buffers %ux%u %.4s, pitch %u\n", BUFFERS, kind, width, height,
	       (const char *)&fourcc, src.bufs[0].pitches[0]);

	long long scanned0 = scanout_counter("scanned");
	long long ok0 = scanout_counter("stamped_ok");
	long long bad0 = scanout_counter("bad_stamp") + scanout_counter("bad_checksum") +
			 scanout_counter("rewritten");

	/* Import: one object per dma-buf, whoever imports it. */
	uint32_t handles[BUFFERS], fbs[BUFFERS], crcs[BUFFERS];
	unsigned long inos[BUFFERS];
	int other = kms_open_driver("fakedisp", NULL);
	CHECK(other >= 0, "second fakedisp file");
	for (int i = 0; i < BUFFERS; i++) {
		uint32_t again, theirs;
		char hash[17];

		inos[i] = fd_ino(src.bufs[i].fd);
		CHECK(drmPrimeFDToHandle(card, src.bufs[i].fd, &handles[i]) == 0,
		      "PRIME import of %s buffer %d: %s", kind, i, strerror(errno));
		int dup_fd = dup(src.bufs[i].fd);
		CHECK(drmPrimeFDToHandle(card, dup_fd, &again) == 0 && again == handles[i],
		      "importing the same dma-buf again gave handle %u, not %u", again, handles[i]);
		close(dup_fd);
		CHECK(drmPrimeFDToHandle(other, src.bufs[i].fd, &theirs) == 0,
		      "import from a second file");
		CHECK(fakedisp_buffers(inos[i], hash) == 1,
		      "debugfs lists %d buffers with inode %lu, not one",
		      fakedisp_buffers(inos[i], NULL), inos[i]);
		printf("ok: buffer %d: dma-buf inode %lu, handle %u, pfn hash %s\n", i, inos[i],
		       handles[i], hash);
		if (strcmp(kind, "fakecam") == 0) {
			char *theirs_text = NULL, path[64];
			bool same = false;

			for (int cam = 0; cam < 8 && !same; cam++) {
				snprintf(path, sizeof(path), "/sys/kernel/debug/fakecam/%d/buffers",
					 cam);
				if (access(path, R_OK))
					continue;
				theirs_text = debugfs_read(path);
				same = theirs_text && strstr(theirs_text, hash);
				free(theirs_text);
			}
			CHECK(same, "fakecam lists no buffer with pfn hash %s", hash);
			printf("ok: buffer %d: fakecam has the same pfn hash (zero copy)\n", i);
		}
	}
	close(other);
	printf("ok: importing a dma-buf again (same file, other file) gives the same object\n");

	/* Framebuffers and the expected CRCs. */
	for (int i = 0; i < BUFFERS; i++) {
		uint32_t h[4] = { 0 };

		/* A handle for each plane of the format, none for the others. */
		for (int p = 0; p < src.bufs[i].planes; p++)
			h[p] = handles[i];

		CHECK(drmModeAddFB2(card, width, height, fourcc, h, src.bufs[i].pitches,
				    src.bufs[i].offsets, &fbs[i], 0) == 0,
		      "drmModeAddFB2 %ux%u %.4s: %s", width, height, (const char *)&fourcc,
		      strerror(errno));
		crcs[i] = expected_crc(&src, &src.bufs[i]);
		printf("ok: framebuffer %u, expected CRC 0x%08x\n", fbs[i], crcs[i]);
	}

	/* Modeset on buffer 0, TEST_ONLY first. */
	CHECK(kms_commit_fb(&pipe, fbs[0], width, height, width, height,
			    DRM_MODE_ATOMIC_ALLOW_MODESET | DRM_MODE_ATOMIC_TEST_ONLY) == 0,
	      "TEST_ONLY modeset");
	CHECK(kms_commit_fb(&pipe, fbs[0], width, height, width, height,
			    DRM_MODE_ATOMIC_ALLOW_MODESET) == 0,
	      "atomic modeset %ux%u: %s", width, height, strerror(errno));
	printf("ok: atomic modeset %s\n", pipe.mode.name);

	int crc_fd = crc_open();
	CHECK(crc_fd >= 0, "opening the CRC stream");
	check_crc_stream(card, crc_fd, crc_entries, crcs[0], hz, crc_gaps);

	/* Flips: one per vblank, in order. */
	unsigned int seq, first_seq = 0, last_seq = 0;
	uint64_t t, t_first = 0, t_last = 0;
	for (unsigned int k = 1; k <= flips; k++) {
		int ret = kms_commit_fb(&pipe, fbs[k % BUFFERS], width, height, width, height,
					DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK);
		CHECK(ret == 0, "flip %u: %s", k, strerror(-ret));
		CHECK(kms_wait_flip(&pipe, 2000, &seq, &t), "no page-flip event for flip %u", k);
		if (k == 1) {
			first_seq = seq;
			t_first = t;
		} else {
			CHECK(seq > last_seq, "flip %u at vblank %u, after %u", k, seq, last_seq);
		}
		last_seq = seq;
		t_last = t;
		/* Keep the CRC stream drained; every entry shows one of our frames. */
		uint32_t f, crc;
		while (crc_read(crc_fd, &f, &crc))
			CHECK(crc == crcs[0] || crc == crcs[1], "CRC 0x%08x at vblank %u is neither frame",
			      crc, f);
	}
	if (flips > 1) {
		double per = (double)(t_last - t_first) / 1e3 / (flips - 1);
		double vbl = (double)(last_seq - first_seq) / (flips - 1);
		printf("ok: %u flips, %.2f vblanks and %.2f ms apart (period %.2f ms)\n", flips, vbl,
		       per, 1000.0 / hz);
		CHECK(per >= 1000.0 / hz * 0.9, "flips faster than the refresh rate");
	}
	/* Back to buffer 1 for good, then check the stream once more. */
	CHECK(kms_commit_fb(&pipe, fbs[1], width, height, width, height, 0) == 0, "last flip");
	check_crc_stream(card, crc_fd, crc_entries / 2 + 2, crcs[1], hz, crc_gaps);
	close(crc_fd);

	/*
	 * For a camera, the real pipeline: show each new frame, give the
	 * buffer that went off screen back only after the flip. fakedisp must
	 * then see every stamp intact and never rewritten while on screen.
	 */
	if (stream && src.streaming) {
		unsigned int shown = 1, idx;
		uint32_t seq_v4l2 = 0;

		CHECK(source_queue(&src, 0), "queueing buffer 0 back");
		for (unsigned int k = 0; k < stream; k++) {
			CHECK(source_dequeue(&src, &idx, &seq_v4l2), "capture %u", k);
			CHECK(idx != shown, "%s returned buffer %u, which is on screen", kind, idx);
			int ret = kms_commit_fb(&pipe, fbs[idx], width, height, width, height,
						DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK);
			CHECK(ret == 0, "flip to captured frame %u: %s", k, strerror(-ret));
			CHECK(kms_wait_flip(&pipe, 2000, NULL, NULL), "no flip for frame %u", k);
			CHECK(source_queue(&src, shown), "queueing buffer %u back", shown);
			shown = idx;
		}
		/* Let the scanout read the last frame, then take the camera's buffer back. */
		usleep(200000);
		CHECK(source_dequeue(&src, &idx, &seq_v4l2), "last capture");
		long long last = scanout_counter("last_seq");
		printf("ok: streamed %u captured frames to the screen, V4L2 seq %u, scanout last seq "
		       "%lld\n",
		       stream, seq_v4l2, last);
		/* Only fakecam stamps its frames. */
		if (strcmp(kind, "fakecam") == 0)
			CHECK(last >= (long long)stream, "the scanout's last seq %lld is behind",
			      last);
	}

	long long scanned = scanout_counter("scanned") - scanned0;
	long long ok = scanout_counter("stamped_ok") - ok0;
	long long bad = scanout_counter("bad_stamp") + scanout_counter("bad_checksum") +
			scanout_counter("rewritten") - bad0;
	printf("ok: scanout read %lld frames, %lld stamped ok, %lld bad, last seq %lld, "
	       "dropped %lld\n",
	       scanned, ok, bad, scanout_counter("last_seq"), scanout_counter("dropped"));
	CHECK(scanned > 0, "the scanout read nothing");
	CHECK(bad == 0, "%lld frames with a bad stamp", bad);
	if (strcmp(kind, "fakecam") == 0)
		CHECK(ok > 0, "no stamped frame from fakecam");

	/* Release: off, framebuffers gone, handles closed. */
	uint64_t release_ns = now_us() * 1000;
	CHECK(kms_disable(&pipe) == 0, "disabling the CRTC");
	for (int i = 0; i < BUFFERS; i++) {
		CHECK(drmModeRmFB(card, fbs[i]) == 0, "drmModeRmFB");
		CHECK(drmCloseBufferHandle(card, handles[i]) == 0, "closing handle");
	}
	for (int i = 0; i < BUFFERS && strcmp(kind, "dumb"); i++) {
		/* The scanout worker may still be reading the last frame: its
		 * reference is the last one then, and the release follows it. */
		static const char *const steps[3] = { "unmap", "detach", "put" };
		int pos[3];

		for (int wait = 0; wait < 100; wait++) {
			fakedisp_event_pos(inos[i], release_ns, steps, 3, pos);
			if (pos[2])
				break;
			usleep(100000);
		}
		int unmap = pos[0], detach = pos[1], put = pos[2];
		CHECK(unmap && detach && put && unmap < detach && detach < put,
		      "events of inode %lu: unmap at %d, detach at %d, put at %d", inos[i], unmap,
		      detach, put);
		CHECK(dmabuf_listed(inos[i]), "dma-buf %lu gone while its fd is open", inos[i]);
	}
	if (strcmp(kind, "dumb"))
		printf("ok: released in order: unmap, detach, put; the exporter's buffers live on\n");
	source_close(&src);
	/* The last references may go a moment later (the scanout worker's
	 * frame, deferred file release): give it two seconds. */
	for (int i = 0; i < BUFFERS; i++) {
		for (int wait = 0; wait < 20 && dmabuf_listed(inos[i]); wait++)
			usleep(100000);
		CHECK(!dmabuf_listed(inos[i]), "dma-buf %lu still exists after its last fd closed",
		      inos[i]);
	}
	printf("ok: every dma-buf released once its fd was closed\n");
	close(card);
	return 0;
}
