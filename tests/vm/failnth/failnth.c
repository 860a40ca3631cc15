// SPDX-License-Identifier: MIT
/*
 * failnth: the fail-nth sweep of fakecam and fakedisp (docs/testing.md,
 * "The fail-nth sweep").
 *
 * For every kernel entry point of the two drivers that allocates memory
 * (module load, open, the V4L2 and DRM ioctls, mmap, the dma-buf ops other
 * drivers reach, the debugfs reads) it fails the call's 1st, 2nd, 3rd, ...
 * allocation in turn through /proc/thread-self/fail-nth, until the call
 * succeeds with no failure injected:
 *
 *   write n to fail-nth; the call; read fail-nth back (0: the n-th
 *   allocation of this task was failed; k > 0: the call made n - k
 *   allocations, none failed); write 0 (the counter would go on otherwise)
 *
 * Every failed call must return -1 with a clean errno (ENOMEM), leave
 * nothing behind (the dma-buf core's bufinfo, fakecam's and fakedisp's
 * debugfs listings, DRM's state, framebuffer and clients files, every
 * module's reference count, the device folders in sysfs, our own fds and
 * device mappings: all as they were before the call), print no kernel
 * report (/dev/kmsg is read after every call) and leave the device working
 * (the next call, and in the end a clean one, must succeed). A call that
 * succeeds although one of its allocations was failed is counted as a
 * fallback (the kernel retried or did without: kmemleak's own metadata,
 * vb2 settling for fewer buffers, kvmalloc falling back to vmalloc, ...).
 *
 * Each call runs between a setup and a teardown that this program does
 * with no failure armed; after the teardown everything must be back to
 * where it was before the sweep of that entry point started.
 *
 * Injection covers only what this task allocates itself: the camera's
 * generator thread, DRM's commit workers and fakedisp's scanout worker
 * run in other tasks.
 *
 * Usage: failnth --fakecam-ko PATH --fakedisp-ko PATH [--only REGEX]
 *                [--list] [--full] [--module-samples N] [--seed N] [-v]
 *
 * Module load reloads fakecam.ko and fakedisp.ko (init_module(2) of the
 * image): on the debug kernel every module unload and every failure after
 * the module's sysfs folder exists waits 1 to 4 s for the delayed kobject
 * release (CONFIG_DEBUG_KOBJECT_RELEASE), so by default --module-samples
 * allocations of each are failed, two thirds in the module's own init, at
 * strides offset by --seed (see module_plan()); --full fails every one.
 *
 * Exit status: 0 when every entry point passed, 1 when a defect was found
 * (each is listed at the end with its entry point, n and kernel log), 77
 * when the kernel has no fail-nth (CONFIG_FAULT_INJECTION), 2 on a usage
 * or setup error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#define FAILNTH		 "/proc/thread-self/fail-nth"
#define DEBUGFS		 "/sys/kernel/debug"
#define BUFINFO		 DEBUGFS "/dma_buf/bufinfo"
#define FAKECAM_DEBUGFS	 DEBUGFS "/fakecam"
#define FAKEDISP_DEBUGFS DEBUGFS "/fakedisp"

/* Never loop forever on a call that always allocates once more. */
#define MAX_N 200000
/* An entry point stops after this many defects (the rest would repeat). */
#define MAX_DEFECTS_PER_ENTRY 5

/* V4L2 entry points: a small format, so a buffer is 4 pages. */
#define SMALL_W 64
#define SMALL_H 64
/* KMS entry points: fakedisp's smallest mode, the camera at that size. */
#define MODE_W 640
#define MODE_H 480

static bool verbose;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("failnth: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

/* ---- growing strings ---- */

struct sb {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sb *s, const char *data, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;

		while (s->len + n + 1 > cap)
			cap *= 2;
		s->p = realloc(s->p, cap);
		if (!s->p)
			die("out of memory");
		s->cap = cap;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sb_add(s, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void sb_free(struct sb *s)
{
	free(s->p);
	*s = (struct sb){0};
}

/* Appends the whole file; -errno when it cannot be read. */
static int read_into(const char *path, struct sb *s)
{
	char buf[8192];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(s, buf, n);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

static char *read_file(const char *path)
{
	struct sb s = {0};

	if (read_into(path, &s) < 0) {
		sb_free(&s);
		return NULL;
	}
	sb_add(&s, "", 0);
	return s.p;
}

static bool write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in @dir, sorted, one a line, into @s. */
static void list_dir(const char *dir, struct sb *s)
{
	char *names[1024];
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		sb_printf(s, "(no %s)\n", dir);
		return;
	}
	while ((de = readdir(d)) && n < 1024) {
		if (de->d_name[0] == '.')
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		sb_printf(s, "%s\n", names[i]);
		free(names[i]);
	}
}

/* ---- fail-nth ---- */

static int fail_fd = -1;

/* Fails the n-th allocation of this task from now on. */
static inline void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_fd, buf, len, 0) != len)
		die("cannot write %s: %s", FAILNTH, strerror(errno));
}

/* 0: the armed failure was injected; k > 0: k allocations were left. */
static inline unsigned int disarm(void)
{
	char buf[16];
	ssize_t n;
	int saved = errno;

	n = pread(fail_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		die("cannot read %s: %s", FAILNTH, strerror(errno));
	buf[n] = '\0';
	if (pwrite(fail_fd, "0", 1, 0) != 1)
		die("cannot reset %s: %s", FAILNTH, strerror(errno));
	errno = saved;
	return strtoul(buf, NULL, 10);
}

/* The knobs fail-nth goes through (Documentation/fault-injection). */
static void setup_fault_injection(void)
{
	static const struct {
		const char *file, *value;
	} knobs[] = {
	    /* A stack dump per injection would read as a kernel report. */
	    {DEBUGFS "/failslab/verbose", "0"},
	    {DEBUGFS "/fail_page_alloc/verbose", "0"},
	    /* Sleeping allocations (GFP_KERNEL) are the drivers' usual kind. */
	    {DEBUGFS "/failslab/ignore-gfp-wait", "N"},
	    {DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N"},
	    /* Single pages too: fakecam and fakedisp allocate page by page. */
	    {DEBUGFS "/fail_page_alloc/min-order", "0"},
	    /* User pages (GFP_HIGHUSER) stay out: our own page faults. */
	    {DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "Y"},
	    /* Every slab cache, not just the ones marked for failslab. */
	    {DEBUGFS "/failslab/cache-filter", "N"},
	};
	size_t i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (!write_file(knobs[i].file, knobs[i].value))
			die("cannot set %s to %s: %s (CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB, "
			    "FAIL_PAGE_ALLOC?)",
			    knobs[i].file, knobs[i].value, strerror(errno));
}

/* ---- the kernel log ---- */

/*
 * /dev/kmsg is read after every call. The lines vmrun counts as a kernel
 * report are defects, except what the kernel prints when one of its own
 * allocations fails, by design or through a bug of its own error path,
 * listed below with the reason: those are counted ("provoked"), from their
 * first line to the end of their stack dump. The same list is the test's
 * KNOWN_ISSUES (tests/vm/failnth/CMakeLists.txt).
 */
static const struct provoked {
	const char *regex;
	bool stack;		 /* a stack dump follows, up to </TASK> */
	bool fakedisp_load_only; /* screened only while fakedisp.ko loads */
	const char *why;
} provoked[] = {
    {"vmalloc error: size", true, false,
     "warn_alloc(): a vmalloc() without __GFP_NOWARN failed (kvmalloc's fallback, seq_file "
     "buffers)"},
    {"page allocation failure: order", true, false,
     "warn_alloc(): a page allocation without __GFP_NOWARN failed"},
    {"at drivers/dma-buf/dma-buf.c:[0-9]+ dma_buf_vmap", true, false,
     "dma_buf_vmap() has WARN_ON_ONCE(ret) on the exporter's vmap: fakecam's vmap() failed "
     "(-ENOMEM)"},
    {"DMA-API: cacheline tracking ENOMEM", false, false,
     "DMA-API debugging could not record a mapping (GFP_ATOMIC radix tree node) and turned itself "
     "off"},
    {"kobject_add_internal failed for [^ ]+ [(]error: -12 ", false, false,
     "the kobject core logs every failed kobject_add() (pr_err), here a sysfs folder it could not "
     "allocate (-ENOMEM; a dump follows only for -EEXIST)"},
    {"kmemleak: Cannot allocate a scan area", false, false,
     "kmemleak could not record a scan area (a module's data section) and scans the whole object"},
    {"at kernel/trace/trace_events.c:[0-9]+ event_define_fields", true, false,
     "the tracing core has WARN_ON_ONCE() when it cannot allocate a field of a module's trace "
     "event (our tracepoints, at module load)"},
    {"at kernel/trace/trace_events.c:[0-9]+ event_file_put", true, false,
     "after that failure the tracing core's error path puts an event file reference it never took "
     "(6.12's tracing, at the module's unload)"},
    {"at drivers/gpu/drm/drm_mode_object.c:[0-9]+ drm_mode_object_unregister", true, true,
     "drm_dev_register() leaves dev->registered set when drm_modeset_register_all() fails (its "
     "err_unload path, 6.12's drm_drv.c): the managed cleanup of the planes, CRTC and encoder "
     "then WARNs that they are unregistered from a registered device"},
};
#define N_PROVOKED (sizeof(provoked) / sizeof(provoked[0]))

/* The module whose load is being swept (0 fakecam, 1 fakedisp), else -1. */
static int current_module = -1;

static int kmsg_fd = -1;
static regex_t bad_re, provoked_re[N_PROVOKED];
static bool in_provoked;

struct kernel_lines {
	unsigned int total, provoked;
	unsigned int provoked_by[N_PROVOKED];
	char *samples[6]; /* distinct non-report lines, for the summary */
	unsigned int n_samples;
};

static void kmsg_open(void)
{
	size_t i;

	/* The words tools/vmrun looks for. */
	if (regcomp(
		&bad_re,
		"WARNING:|BUG:|Oops|general protection fault|Call Trace:|KASAN|UBSAN|"
		"possible circular locking|inconsistent lock state|kmemleak|Kernel panic|"
		"hung_task|blocked for more than|DMA-API:|ODEBUG:|kobject_add_internal failed|"
		"kobject: .*(is not initialized|tried to|must have)|sysfs: cannot create duplicate|"
		"does not have a release\\(\\) function|list_(add|del) corruption|refcount_t: |"
		"soft lockup|hard LOCKUP|workqueue lockup|detected stall|detected expedited stall|"
		"DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator",
		REG_EXTENDED | REG_NOSUB))
		die("regcomp");
	for (i = 0; i < N_PROVOKED; i++)
		if (regcomp(&provoked_re[i], provoked[i].regex, REG_EXTENDED | REG_NOSUB))
			die("regcomp %s", provoked[i].regex);
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0)
		die("cannot open /dev/kmsg: %s", strerror(errno));
	lseek(kmsg_fd, 0, SEEK_END);
}

/* Replaces digits and hex numbers by '#', so that similar lines match. */
static void normalize(const char *in, char *out, size_t size)
{
	size_t o = 0;

	while (*in && o + 1 < size) {
		if ((*in >= '0' && *in <= '9')) {
			out[o++] = '#';
			while ((*in >= '0' && *in <= '9') || (*in >= 'a' && *in <= 'f') ||
			       *in == 'x')
				in++;
			continue;
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
}

/*
 * Reads every new kernel message. Report lines go to @report (with the
 * lines that follow them); the rest is counted in @kl.
 */
static void kmsg_drain(struct kernel_lines *kl, struct sb *report)
{
	char rec[8192];
	int after_report = 0;
	ssize_t n;

	for (;;) {
		char *msg, *nl;

		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* overwritten records: go on with the next */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		kl->total++;

		for (size_t i = 0; i < N_PROVOKED; i++)
			if ((!provoked[i].fakedisp_load_only || current_module == 1) &&
			    !regexec(&provoked_re[i], msg, 0, NULL, 0)) {
				kl->provoked++;
				kl->provoked_by[i]++;
				in_provoked = provoked[i].stack;
				goto next;
			}
		if (in_provoked) {
			if (strstr(msg, "</TASK>"))
				in_provoked = false;
			continue;
		}
		if (!regexec(&bad_re, msg, 0, NULL, 0)) {
			sb_printf(report, "    kernel: %s\n", msg);
			after_report = 40;
			continue;
		}
		if (after_report) {
			after_report--;
			sb_printf(report, "    kernel: %s\n", msg);
			continue;
		}
		if (kl->n_samples < sizeof(kl->samples) / sizeof(kl->samples[0])) {
			char norm[256];
			unsigned int i;

			normalize(msg, norm, sizeof(norm));
			for (i = 0; i < kl->n_samples; i++)
				if (!strcmp(kl->samples[i], norm))
					break;
			if (i == kl->n_samples)
				kl->samples[kl->n_samples++] = strdup(norm);
		}
		if (verbose)
			printf("    kernel: %s\n", msg);
	next:;
	}
}

/* Writes a marker into the kernel log, so that a report can be placed. */
static void kmsg_mark(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void kmsg_mark(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, buf, n) < 0) {
		/* a marker is a convenience */
	}
	close(fd);
}

/* ---- the devices ---- */

static struct {
	/* module images (init_module) */
	const char *ko_path[2];
	void *ko[2];
	size_t ko_len[2];
	/* fakecam */
	char video[32];
	int vfd;
	/* fakedisp and vgem */
	char card[32];
	int dfd;
	int dminor;
	int vgem;
	/* KMS */
	uint32_t conn, crtc, plane, mode_blob;
	uint32_t p_conn_crtc, p_mode, p_active, p_fb, p_plane_crtc;
	uint32_t p_src[4], p_dst[4];
	/* the camera buffers the KMS entry points show (640x480 XR24) */
	bool kms_bufs;
	int shown_fd;
	uint32_t shown_handle, shown_fb;
	/* scratch of the current entry point */
	int fd1, fd2;
	uint32_t h1, h2, fb1;
	uint64_t offset;
	size_t length;
	void *map;
	char path[256];
	char *ref; /* expected content of a debugfs file */
	uint32_t out_handle, out_fb;
	int out_fd;
} g = {.vfd = -1, .dfd = -1, .vgem = -1, .fd1 = -1, .fd2 = -1, .shown_fd = -1, .out_fd = -1};

/* The /dev/videoN whose V4L2 driver is @driver, opened; -1 if none. */
static int open_video(const char *driver, char *path, size_t size)
{
	struct v4l2_capability cap;
	char p[32];
	int i, fd;

	for (i = 0; i < 64; i++) {
		snprintf(p, sizeof(p), "/dev/video%d", i);
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!xioctl(fd, VIDIOC_QUERYCAP, &cap) && !strcmp((char *)cap.driver, driver)) {
			snprintf(path, size, "%s", p);
			return fd;
		}
		close(fd);
	}
	return -1;
}

static bool drm_driver_is(int fd, const char *driver)
{
	char name[64] = "";
	struct drm_version v = {.name = name, .name_len = sizeof(name) - 1};

	if (xioctl(fd, DRM_IOCTL_VERSION, &v))
		return false;
	name[v.name_len < sizeof(name) ? v.name_len : sizeof(name) - 1] = '\0';
	return !strcmp(name, driver);
}

/* The /dev/dri/cardN of DRM driver @driver, opened; -1 if none. */
static int open_card(const char *driver, char *path, size_t size, int *minor)
{
	char p[32];
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(p, sizeof(p), "/dev/dri/card%d", i);
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (drm_driver_is(fd, driver)) {
			if (path)
				snprintf(path, size, "%s", p);
			if (minor)
				*minor = i;
			return fd;
		}
		close(fd);
	}
	return -1;
}

/* Device nodes appear through devtmpfs, a moment after the module loads. */
static int wait_open_video(void)
{
	int i, fd;

	for (i = 0; i < 200; i++) {
		fd = open_video("fakecam", g.video, sizeof(g.video));
		if (fd >= 0)
			return fd;
		sleep_ms(10);
	}
	return -1;
}

static int wait_open_card(void)
{
	int i, fd;

	for (i = 0; i < 200; i++) {
		fd = open_card("fakedisp", g.card, sizeof(g.card), &g.dminor);
		if (fd >= 0)
			return fd;
		sleep_ms(10);
	}
	return -1;
}

/* ---- V4L2 ---- */

static int v4l2_fmt(unsigned int w, unsigned int h)
{
	struct v4l2_format f = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};

	f.fmt.pix.width = w;
	f.fmt.pix.height = h;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_XBGR32;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(g.vfd, VIDIOC_S_FMT, &f))
		return -errno;
	return f.fmt.pix.width == w && f.fmt.pix.height == h ? 0 : -ERANGE;
}

static int v4l2_reqbufs(unsigned int memory, unsigned int count)
{
	struct v4l2_requestbuffers rb = {
	    .count = count,
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
	    .memory = memory,
	};

	if (xioctl(g.vfd, VIDIOC_REQBUFS, &rb))
		return -errno;
	return rb.count;
}

static int v4l2_free(void)
{
	int ret = v4l2_reqbufs(V4L2_MEMORY_MMAP, 0);

	return ret < 0 ? v4l2_reqbufs(V4L2_MEMORY_DMABUF, 0) : ret;
}

static int v4l2_expbuf(unsigned int index)
{
	struct v4l2_exportbuffer eb = {
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
	    .index = index,
	    .flags = O_RDWR | O_CLOEXEC,
	};

	if (xioctl(g.vfd, VIDIOC_EXPBUF, &eb))
		return -errno;
	return eb.fd;
}

static int v4l2_qbuf_mmap(unsigned int index)
{
	struct v4l2_buffer b = {
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
	    .memory = V4L2_MEMORY_MMAP,
	    .index = index,
	};

	return xioctl(g.vfd, VIDIOC_QBUF, &b) ? -errno : 0;
}

static int v4l2_dqbuf(unsigned int memory, int timeout_ms)
{
	struct pollfd p = {.fd = g.vfd, .events = POLLIN};
	struct v4l2_buffer b = {
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
	    .memory = memory,
	};

	if (poll(&p, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	if (xioctl(g.vfd, VIDIOC_DQBUF, &b))
		return -errno;
	if (b.flags & V4L2_BUF_FLAG_ERROR)
		return -EIO;
	return b.index;
}

static int v4l2_querybuf(unsigned int index, uint64_t *offset, size_t *length)
{
	struct v4l2_buffer b = {
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
	    .memory = V4L2_MEMORY_MMAP,
	    .index = index,
	};

	if (xioctl(g.vfd, VIDIOC_QUERYBUF, &b))
		return -errno;
	*offset = b.m.offset;
	*length = b.length;
	return 0;
}

/* ---- DRM ---- */

static int dumb_create(int fd, unsigned int w, unsigned int h, uint32_t *handle, uint32_t *pitch)
{
	struct drm_mode_create_dumb c = {.width = w, .height = h, .bpp = 32};

	if (xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	*handle = c.handle;
	if (pitch)
		*pitch = c.pitch;
	return 0;
}

static void gem_close(int fd, uint32_t *handle)
{
	struct drm_gem_close c = {.handle = *handle};

	if (*handle && xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c))
		fprintf(stderr, "failnth: GEM_CLOSE %u: %s\n", *handle, strerror(errno));
	*handle = 0;
}

static int handle_to_fd(int fd, uint32_t handle)
{
	struct drm_prime_handle p = {.handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR};

	if (xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		return -errno;
	return p.fd;
}

static int fd_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = {.fd = dmabuf};

	if (xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		return -errno;
	*handle = p.handle;
	return 0;
}

static int addfb(uint32_t handle, unsigned int w, unsigned int h, uint32_t *fb)
{
	struct drm_mode_fb_cmd2 c = {
	    .width = w,
	    .height = h,
	    .pixel_format = DRM_FORMAT_XRGB8888,
	    .handles = {handle},
	    .pitches = {w * 4},
	};

	if (xioctl(g.dfd, DRM_IOCTL_MODE_ADDFB2, &c))
		return -errno;
	*fb = c.fb_id;
	return 0;
}

static void rmfb(uint32_t *fb)
{
	if (*fb && xioctl(g.dfd, DRM_IOCTL_MODE_RMFB, fb))
		fprintf(stderr, "failnth: RMFB %u: %s\n", *fb, strerror(errno));
	*fb = 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static uint32_t prop_id(uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(g.dfd, obj, type);
	uint32_t id = 0, i;

	for (i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyRes *p = drmModeGetProperty(g.dfd, props->props[i]);

		if (p && !strcmp(p->name, name))
			id = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	if (!id)
		die("fakedisp: object %u has no property %s", obj, name);
	return id;
}

/* Connector, CRTC, plane, their properties and a 640x480 mode blob. */
static void kms_init(void)
{
	static const char *const src[] = {"SRC_X", "SRC_Y", "SRC_W", "SRC_H"};
	static const char *const dst[] = {"CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H"};
	drmModeConnector *conn;
	drmModePlaneRes *planes;
	drmModeRes *res;
	int i;

	if (drmSetClientCap(g.dfd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(g.dfd, DRM_CLIENT_CAP_ATOMIC, 1))
		die("fakedisp: no atomic modesetting: %s", strerror(errno));
	res = drmModeGetResources(g.dfd);
	planes = drmModeGetPlaneResources(g.dfd);
	if (!res || !planes || !res->count_connectors || !res->count_crtcs || !planes->count_planes)
		die("fakedisp: no connector, CRTC or plane");
	g.conn = res->connectors[0];
	g.crtc = res->crtcs[0];
	g.plane = planes->planes[0];
	conn = drmModeGetConnector(g.dfd, g.conn);
	if (!conn)
		die("fakedisp: cannot read connector %u", g.conn);
	for (i = 0; i < conn->count_modes; i++)
		if (conn->modes[i].hdisplay == MODE_W && conn->modes[i].vdisplay == MODE_H)
			break;
	if (i == conn->count_modes)
		die("fakedisp: no %ux%u mode", MODE_W, MODE_H);
	if (drmModeCreatePropertyBlob(g.dfd, &conn->modes[i], sizeof(conn->modes[i]), &g.mode_blob))
		die("fakedisp: cannot create the mode blob: %s", strerror(errno));
	drmModeFreeConnector(conn);
	drmModeFreePlaneResources(planes);
	drmModeFreeResources(res);

	g.p_conn_crtc = prop_id(g.conn, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	g.p_mode = prop_id(g.crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	g.p_active = prop_id(g.crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	g.p_fb = prop_id(g.plane, DRM_MODE_OBJECT_PLANE, "FB_ID");
	g.p_plane_crtc = prop_id(g.plane, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	for (i = 0; i < 4; i++) {
		g.p_src[i] = prop_id(g.plane, DRM_MODE_OBJECT_PLANE, src[i]);
		g.p_dst[i] = prop_id(g.plane, DRM_MODE_OBJECT_PLANE, dst[i]);
	}
}

/*
 * One atomic commit, built before fail-nth is armed so that the call is
 * the ioctl alone.
 */
struct commit {
	uint32_t objs[3], counts[3], props[16];
	uint64_t values[16];
	struct drm_mode_atomic req;
};

enum commit_kind {
	COMMIT_SHOW,
	COMMIT_OFF,
	COMMIT_FLIP
};

static void commit_build(struct commit *c, enum commit_kind kind, uint32_t fb, uint32_t flags)
{
	unsigned int o = 0, p = 0, i, start = 0;

	memset(c, 0, sizeof(*c));
#define OBJ(id)                                                                                    \
	do {                                                                                       \
		c->objs[o] = (id);                                                                 \
		start = p;                                                                         \
	} while (0)
#define PROP(id, v)                                                                                \
	do {                                                                                       \
		c->props[p] = (id);                                                                \
		c->values[p] = (v);                                                                \
		p++;                                                                               \
	} while (0)
#define END_OBJ()                                                                                  \
	do {                                                                                       \
		c->counts[o++] = p - start;                                                        \
	} while (0)
	if (kind != COMMIT_FLIP) {
		bool on = kind == COMMIT_SHOW;

		OBJ(g.conn);
		PROP(g.p_conn_crtc, on ? g.crtc : 0);
		END_OBJ();
		OBJ(g.crtc);
		PROP(g.p_mode, on ? g.mode_blob : 0);
		PROP(g.p_active, on);
		END_OBJ();
	}
	OBJ(g.plane);
	PROP(g.p_fb, kind == COMMIT_OFF ? 0 : fb);
	if (kind != COMMIT_FLIP) {
		bool on = kind == COMMIT_SHOW;

		PROP(g.p_plane_crtc, on ? g.crtc : 0);
		/* Off: the rectangles as they were before the first commit. */
		for (i = 0; i < 4; i++) {
			static const uint64_t src[] = {0, 0, (uint64_t)MODE_W << 16,
						       (uint64_t)MODE_H << 16};
			static const uint64_t dst[] = {0, 0, MODE_W, MODE_H};

			PROP(g.p_src[i], on ? src[i] : 0);
			PROP(g.p_dst[i], on ? dst[i] : 0);
		}
	}
	END_OBJ();
#undef OBJ
#undef PROP
#undef END_OBJ
	c->req.flags = flags | (kind == COMMIT_FLIP ? 0 : DRM_MODE_ATOMIC_ALLOW_MODESET);
	c->req.count_objs = o;
	c->req.objs_ptr = (uintptr_t)c->objs;
	c->req.count_props_ptr = (uintptr_t)c->counts;
	c->req.props_ptr = (uintptr_t)c->props;
	c->req.prop_values_ptr = (uintptr_t)c->values;
}

static int commit_run(struct commit *c)
{
	return xioctl(g.dfd, DRM_IOCTL_MODE_ATOMIC, &c->req) ? -errno : 0;
}

static int commit(enum commit_kind kind, uint32_t fb)
{
	struct commit c;

	commit_build(&c, kind, fb, 0);
	return commit_run(&c);
}

/* Page-flip events that arrived; waits up to @timeout_ms for the first. */
static int drm_events(int timeout_ms)
{
	struct pollfd p = {.fd = g.dfd, .events = POLLIN};
	char buf[1024];
	int events = 0;
	ssize_t n;

	while (poll(&p, 1, events ? 0 : timeout_ms) == 1) {
		struct drm_event *ev;
		ssize_t off;

		n = read(g.dfd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n; off += ev->length) {
			ev = (struct drm_event *)(buf + off);
			if (ev->type == DRM_EVENT_FLIP_COMPLETE)
				events++;
			if (!ev->length)
				break;
		}
	}
	return events;
}

/* fakedisp's scanout "on_screen" (a frame id, 0 when nothing is shown). */
static long long on_screen(void)
{
	char *s = read_file(FAKEDISP_DEBUGFS "/scanout"), *p;
	long long v = -1;

	p = s ? strstr(s, "on_screen: ") : NULL;
	if (p)
		v = strtoll(p + strlen("on_screen: "), NULL, 10);
	free(s);
	return v;
}

/* ---- what is left behind ---- */

enum {
	SNAP_MAPS = 1 << 0,    /* our device mappings (mmap entry points) */
	SNAP_THREADS = 1 << 1, /* the camera's generator threads */
	SETTLE = 1 << 2,   /* back where it started after every call (frames go a vblank later) */
	SNAP_DRM = 1 << 3, /* fakedisp's buffers, DRM's framebuffers, clients, state */
	SNAP_DEVICES = 1 << 4, /* device folders in sysfs and debugfs (module load) */
	SNAP_CAM = 1 << 5,     /* fakecam's buffers and imports */
	/*
	 * A failed call may leave state that the kernel keeps on purpose and
	 * frees with the object (DRM caches an export in the GEM object before
	 * the step that failed): shown once, checked to go at the teardown.
	 */
	KEEPS_CACHE = 1 << 6,
};

static void snap_file(struct sb *s, const char *title, const char *path)
{
	sb_printf(s, "== %s\n", title);
	if (read_into(path, s) < 0)
		sb_printf(s, "(no %s)\n", path);
}

/*
 * DRM's state, without the flags that say what the last commit changed
 * (they differ after a modeset and its undo, with nothing left behind).
 */
static void snap_state(struct sb *s, const char *path)
{
	char *state = read_file(path), *line, *save;

	sb_printf(s, "== drm state\n");
	for (line = state ? strtok_r(state, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strstr(line, "_changed="))
			sb_printf(s, "%s\n", line);
	free(state);
}

/* Every loaded module, its reference count and users (not its address). */
static void snap_modules(struct sb *s)
{
	char *mods = read_file("/proc/modules"), *line, *save;

	sb_printf(s, "== modules\n");
	for (line = mods ? strtok_r(mods, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64], users[512] = "", state[32] = "";
		unsigned long size;
		int refs;

		if (sscanf(line, "%63s %lu %d %511s %31s", name, &size, &refs, users, state) >= 3)
			sb_printf(s, "%s %d %s %s\n", name, refs, users, state);
	}
	free(mods);
}

/* Our open fds (a leaked one is a new number). */
static void snap_fds(struct sb *s)
{
	int fd;

	sb_printf(s, "== our fds\n");
	for (fd = 0; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			sb_printf(s, "%d ", fd);
	sb_printf(s, "\n");
}

/* Mappings of devices and dma-bufs in our address space. */
static void snap_maps(struct sb *s)
{
	char *maps = read_file("/proc/self/maps"), *line, *save;

	sb_printf(s, "== our device mappings\n");
	for (line = maps ? strtok_r(maps, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, " /dev/") || strstr(line, "dmabuf") || strstr(line, "drm"))
			sb_printf(s, "%s\n", line);
	free(maps);
}

/*
 * The camera's generator threads. Only tasks newer than @since are looked
 * at (reading every task's comm is slow on the emulated debug kernel): a
 * thread left running by a failed call is one of them.
 */
static long threads_since;

static long newest_pid(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	long max = 0;

	while (d && (de = readdir(d)))
		if (atol(de->d_name) > max)
			max = atol(de->d_name);
	if (d)
		closedir(d);
	return max;
}

static void snap_threads(struct sb *s)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	char path[300];

	sb_printf(s, "== fakecam threads\n");
	while (d && (de = readdir(d))) {
		char *comm;

		if (atol(de->d_name) <= threads_since)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		comm = read_file(path);
		if (comm && !strncmp(comm, "fakecam-", 8))
			sb_printf(s, "%s", comm);
		free(comm);
	}
	if (d)
		closedir(d);
}

static double snapshot_seconds;
static unsigned int snapshot_count;
static bool opt_profile;
static struct {
	const char *name;
	double seconds;
} prof[24];

/* --profile: where the snapshots' time goes. */
static void prof_mark(unsigned int *i, double *t, const char *name)
{
	double now = now_s();

	if (opt_profile && *i < sizeof(prof) / sizeof(prof[0])) {
		prof[*i].name = name;
		prof[*i].seconds += now - *t;
	}
	(*i)++;
	*t = now;
}

static char *snapshot(unsigned int flags)
{
	struct sb s = {0};
	char path[128];
	double t0 = now_s();

	unsigned int pi = 0;
	double pt = t0;

	snap_file(&s, "bufinfo", BUFINFO);
	prof_mark(&pi, &pt, "bufinfo");
	if (flags & SNAP_CAM) {
		snap_file(&s, "fakecam buffers", FAKECAM_DEBUGFS "/0/buffers");
		snap_file(&s, "fakecam imports", FAKECAM_DEBUGFS "/0/imports");
	}
	if (flags & SNAP_DRM)
		snap_file(&s, "fakedisp buffers", FAKEDISP_DEBUGFS "/buffers");
	prof_mark(&pi, &pt, "fakecam, fakedisp");
	if ((flags & SNAP_DRM) && g.dfd >= 0) {
		snprintf(path, sizeof(path), DEBUGFS "/dri/%d/framebuffer", g.dminor);
		snap_file(&s, "drm framebuffers", path);
		snprintf(path, sizeof(path), DEBUGFS "/dri/%d/clients", g.dminor);
		snap_file(&s, "drm clients", path);
		snprintf(path, sizeof(path), DEBUGFS "/dri/%d/state", g.dminor);
		snap_state(&s, path);
	}
	prof_mark(&pi, &pt, "drm");
	snap_modules(&s);
	prof_mark(&pi, &pt, "modules");
	if (flags & SNAP_DEVICES) {
		sb_printf(&s, "== /sys/class/video4linux\n");
		list_dir("/sys/class/video4linux", &s);
		sb_printf(&s, "== /sys/class/drm\n");
		list_dir("/sys/class/drm", &s);
		sb_printf(&s, "== /sys/bus/platform/devices\n");
		list_dir("/sys/bus/platform/devices", &s);
		sb_printf(&s, "== debugfs\n");
		list_dir(DEBUGFS, &s);
		list_dir(DEBUGFS "/dri", &s);
	}
	prof_mark(&pi, &pt, "device dirs");
	snap_fds(&s);
	prof_mark(&pi, &pt, "fds");
	if (flags & SNAP_MAPS)
		snap_maps(&s);
	if (flags & SNAP_THREADS)
		snap_threads(&s);
	prof_mark(&pi, &pt, "maps, threads");
	sb_add(&s, "", 0);
	snapshot_seconds += now_s() - t0;
	snapshot_count++;
	return s.p;
}

/* The sections of two snapshots that differ, for a defect's text. */
static void snap_diff(const char *a, const char *b, struct sb *out)
{
	const char *pa = a, *pb = b;

	while (*pa || *pb) {
		const char *ea = strstr(pa + 1, "\n=="), *eb = strstr(pb + 1, "\n==");
		size_t la = ea ? (size_t)(ea - pa) + 1 : strlen(pa);
		size_t lb = eb ? (size_t)(eb - pb) + 1 : strlen(pb);

		if (la != lb || memcmp(pa, pb, la)) {
			const char *nl = memchr(pa, '\n', la);

			sb_printf(out, "    %.*s differs; before:\n", (int)(nl ? nl - pa : 0), pa);
			sb_printf(out, "%.*s", (int)(la > 3000 ? 3000 : la), pa);
			sb_printf(out, "    after:\n%.*s", (int)(lb > 3000 ? 3000 : lb), pb);
		}
		pa += la;
		pb += lb;
	}
}

/* ---- the entry points ---- */

struct entry {
	const char *name;
	int (*once)(void);			      /* before the sweep */
	int (*setup)(void);			      /* before each call */
	int (*call)(void);			      /* the call under fail-nth: 0 or -errno */
	int (*verify)(bool injected, struct sb *why); /* after a success: 0 or -1 */
	void (*undo)(void);			      /* undoes a successful call */
	void (*teardown)(void);			      /* after each call */
	void (*done)(void);			      /* after the sweep */
	unsigned int flags;
	int module;	  /* module load: 0 fakecam, 1 fakedisp; else -1 */
	const char *what; /* what is swept, for --list */
	const char *file; /* debugfs reads: the file ("dri/..." under dri/N) */
	int also_errno;	  /* a second clean errno, with the reason: */
	const char *also_why;
};

/* -- module load -- */

static const char *const module_name[2] = {"fakecam", "fakedisp"};

/* Why a module load may fail with EINVAL under fail-nth (seen: fakecam's). */
#define NAMELESS_DEVICE_EINVAL                                                                     \
	"device_add() fails with -EINVAL a device whose name could not be allocated: "             \
	"platform_device_add() (both modules) and __video_register_device() (fakecam) ignore "     \
	"dev_set_name()'s -ENOMEM"

/* Parameters its init refuses before it allocates anything. */
static const char *const module_refused_params[2] = {"devices=0", "refresh_hz=0"};

static bool module_loaded(int m)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", module_name[m]);
	return !access(path, F_OK);
}

static int module_unload(int m)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!syscall(SYS_delete_module, module_name[m], O_NONBLOCK))
			return 0;
		if (errno == ENOENT)
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			break;
		sleep_ms(10);
	}
	fprintf(stderr, "failnth: cannot unload %s: %s\n", module_name[m], strerror(errno));
	return -1;
}

static int module_once(void)
{
	int m = current_module;

	close_fd(m == 0 ? &g.vfd : &g.dfd);
	return module_unload(m);
}

static int module_call(void)
{
	int m = current_module;

	return syscall(SYS_init_module, g.ko[m], g.ko_len[m], "") ? -errno : 0;
}

static int module_verify(bool injected, struct sb *why)
{
	int m = current_module, fd;

	if (!module_loaded(m)) {
		sb_printf(why, "init_module returned 0, but /sys/module/%s is not there",
			  module_name[m]);
		return -1;
	}
	fd = m == 0 ? wait_open_video() : wait_open_card();
	if (fd < 0) {
		sb_printf(why, "%s loaded but its device node never appeared", module_name[m]);
		return -1;
	}
	close(fd);
	if (access(m == 0 ? FAKECAM_DEBUGFS "/0/buffers" : FAKEDISP_DEBUGFS "/buffers", F_OK)) {
		if (injected) {
			/* debugfs failures are ignored by design */
			printf("    %s loaded without its debugfs files\n", module_name[m]);
			return 0;
		}
		sb_printf(why, "%s loaded without its debugfs files", module_name[m]);
		return -1;
	}
	return 0;
}

static void module_undo(void)
{
	module_unload(current_module);
}

static void module_done(void)
{
	int m = current_module;

	if (syscall(SYS_init_module, g.ko[m], g.ko_len[m], ""))
		die("cannot load %s again: %s", module_name[m], strerror(errno));
	if (m == 0) {
		g.vfd = wait_open_video();
		if (g.vfd < 0)
			die("fakecam: no video node after the final load");
	} else {
		g.dfd = wait_open_card();
		if (g.dfd < 0)
			die("fakedisp: no card after the final load");
		kms_init();
	}
}

/* -- opens -- */

static int open_video_call(void)
{
	g.fd1 = open(g.video, O_RDWR | O_CLOEXEC);
	return g.fd1 < 0 ? -errno : 0;
}

static int open_video_verify(bool injected, struct sb *why)
{
	struct v4l2_capability cap;

	(void)injected;
	if (xioctl(g.fd1, VIDIOC_QUERYCAP, &cap) || strcmp((char *)cap.driver, "fakecam")) {
		sb_printf(why, "QUERYCAP on the new fd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void close_fd1(void)
{
	close_fd(&g.fd1);
}

static int open_card_call(void)
{
	g.fd1 = open(g.card, O_RDWR | O_CLOEXEC);
	return g.fd1 < 0 ? -errno : 0;
}

static int open_card_verify(bool injected, struct sb *why)
{
	(void)injected;
	if (!drm_driver_is(g.fd1, "fakedisp")) {
		sb_printf(why, "DRM_IOCTL_VERSION on the new fd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* -- fakecam ioctls -- */

static int small_fmt_once(void)
{
	if (v4l2_free() < 0)
		return -1;
	return v4l2_fmt(SMALL_W, SMALL_H);
}

static int s_fmt_call(void)
{
	static unsigned int w = SMALL_W;

	/* Alternates two sizes, so that every call changes the format. */
	w = w == SMALL_W ? SMALL_W + 32 : SMALL_W;
	return v4l2_fmt(w, SMALL_H);
}

static void s_fmt_done(void)
{
	v4l2_fmt(SMALL_W, SMALL_H);
}

static int reqbufs_got;
static bool reqbufs_pages; /* MMAP: fakecam lists the buffers it allocated */

static int reqbufs_mmap_call(void)
{
	reqbufs_pages = true;
	reqbufs_got = v4l2_reqbufs(V4L2_MEMORY_MMAP, 2);
	return reqbufs_got < 0 ? reqbufs_got : 0;
}

static int reqbufs_dmabuf_call(void)
{
	reqbufs_pages = false;
	reqbufs_got = v4l2_reqbufs(V4L2_MEMORY_DMABUF, 2);
	return reqbufs_got < 0 ? reqbufs_got : 0;
}

static struct v4l2_create_buffers create_bufs;

static int create_bufs_setup(unsigned int memory)
{
	memset(&create_bufs, 0, sizeof(create_bufs));
	create_bufs.count = 2;
	create_bufs.memory = memory;
	create_bufs.format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	reqbufs_pages = memory == V4L2_MEMORY_MMAP;
	return xioctl(g.vfd, VIDIOC_G_FMT, &create_bufs.format) ? -errno : 0;
}

static int create_bufs_mmap_setup(void)
{
	return create_bufs_setup(V4L2_MEMORY_MMAP);
}

static int create_bufs_dmabuf_setup(void)
{
	return create_bufs_setup(V4L2_MEMORY_DMABUF);
}

static int create_bufs_call(void)
{
	if (xioctl(g.vfd, VIDIOC_CREATE_BUFS, &create_bufs))
		return -errno;
	reqbufs_got = create_bufs.count;
	return 0;
}

static int reqbufs_verify(bool injected, struct sb *why)
{
	char *list;
	int listed = 0;

	if (reqbufs_got == 2 || (injected && reqbufs_got == 1)) {
		if (reqbufs_got == 1 && verbose)
			printf("    vb2 settled for 1 buffer of 2\n");
	} else {
		sb_printf(why, "%d buffers instead of 2", reqbufs_got);
		return -1;
	}
	list = read_file(FAKECAM_DEBUGFS "/0/buffers");
	for (char *p = list; p && (p = strstr(p, "buffer id=")); p++)
		listed++;
	free(list);
	if (!reqbufs_pages)
		return 0; /* DMABUF queues own no pages */
	if (listed != reqbufs_got) {
		sb_printf(why, "%d buffers allocated, fakecam lists %d", reqbufs_got, listed);
		return -1;
	}
	return 0;
}

static void v4l2_free_quiet(void)
{
	v4l2_free();
}

/* QBUF of a vgem dumb buffer (V4L2_MEMORY_DMABUF) */

static int vgem_small_once(void)
{
	int fd;

	g.kms_bufs = false;
	if (v4l2_free() < 0 || v4l2_fmt(SMALL_W, SMALL_H) ||
	    dumb_create(g.vgem, SMALL_W, SMALL_H, &g.h2, NULL))
		return -1;
	fd = handle_to_fd(g.vgem, g.h2);
	if (fd < 0)
		return -1;
	g.fd2 = fd;
	return 0;
}

static void vgem_small_done(void)
{
	close_fd(&g.fd2);
	gem_close(g.vgem, &g.h2);
}

static int qbuf_dmabuf_setup(void)
{
	/* vb2 may allocate more than asked (min_reqbufs_allocation). */
	return v4l2_reqbufs(V4L2_MEMORY_DMABUF, 1) >= 1 ? 0 : -1;
}

static int qbuf_dmabuf_call(void)
{
	struct v4l2_buffer b = {
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
	    .memory = V4L2_MEMORY_DMABUF,
	    .index = 0,
	    .m.fd = g.fd2,
	};

	return xioctl(g.vfd, VIDIOC_QBUF, &b) ? -errno : 0;
}

static int qbuf_dmabuf_verify(bool injected, struct sb *why)
{
	char *imports = read_file(FAKECAM_DEBUGFS "/0/imports");
	bool ok = imports && strstr(imports, "import index=0 ") && strstr(imports, "mapped=1");

	(void)injected;
	if (!ok)
		sb_printf(why, "queued, but fakecam's imports show: %s",
			  imports ? imports : "nothing");
	free(imports);
	return ok ? 0 : -1;
}

/* STREAMON */

static int streamon_setup(void)
{
	if (v4l2_reqbufs(V4L2_MEMORY_MMAP, 2) != 2 || v4l2_qbuf_mmap(0) || v4l2_qbuf_mmap(1))
		return -1;
	return 0;
}

static int streamon_call(void)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return xioctl(g.vfd, VIDIOC_STREAMON, &type) ? -errno : 0;
}

static int streamon_verify(bool injected, struct sb *why)
{
	int ret = v4l2_dqbuf(V4L2_MEMORY_MMAP, 30000);

	(void)injected;
	if (ret < 0) {
		sb_printf(why, "streaming, but no frame: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

static void streamoff(void)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	if (xioctl(g.vfd, VIDIOC_STREAMOFF, &type))
		fprintf(stderr, "failnth: STREAMOFF: %s\n", strerror(errno));
}

/* EXPBUF */

static int one_mmap_buffer(void)
{
	/* vb2 may allocate more than asked (min_reqbufs_allocation). */
	return v4l2_reqbufs(V4L2_MEMORY_MMAP, 1) >= 1 ? 0 : -1;
}

static int expbuf_call(void)
{
	g.out_fd = v4l2_expbuf(0);
	return g.out_fd < 0 ? g.out_fd : 0;
}

static unsigned long fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* The bufinfo line of dma-buf inode @ino, or NULL. */
static char *bufinfo_line(unsigned long ino)
{
	char *info = read_file(BUFINFO), *line, *save, *found = NULL;
	char key[32];

	snprintf(key, sizeof(key), "\t%08lu\t", ino);
	for (line = info ? strtok_r(info, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, key)) {
			found = strdup(line);
			break;
		}
	free(info);
	return found;
}

static int expbuf_verify(bool injected, struct sb *why)
{
	char *line = bufinfo_line(fd_ino(g.out_fd));
	int ret = 0;

	if (!line) {
		sb_printf(why, "EXPBUF gave fd %d, which bufinfo does not list", g.out_fd);
		ret = -1;
	} else if (!strstr(line, "fakecam:0:0")) {
		if (injected)
			printf("    exported without its name: %s\n", line);
		else {
			sb_printf(why, "exported without its name: %s", line);
			ret = -1;
		}
	}
	free(line);
	return ret;
}

static void close_out_fd(void)
{
	close_fd(&g.out_fd);
}

/* mmap of the video node and of an exported dma-buf */

static int mmap_video_setup(void)
{
	if (one_mmap_buffer())
		return -1;
	return v4l2_querybuf(0, &g.offset, &g.length);
}

static int mmap_video_call(void)
{
	g.map = mmap(NULL, g.length, PROT_READ | PROT_WRITE, MAP_SHARED, g.vfd, g.offset);
	return g.map == MAP_FAILED ? -errno : 0;
}

static int mmap_verify(bool injected, struct sb *why)
{
	volatile uint8_t *p = g.map;
	uint8_t v;

	(void)injected;
	(void)why;
	v = p[0];
	p[0] = v;
	v = p[g.length - 1];
	p[g.length - 1] = v;
	return 0;
}

static void munmap_map(void)
{
	if (g.map && g.map != MAP_FAILED)
		munmap(g.map, g.length);
	g.map = NULL;
}

static int mmap_dmabuf_setup(void)
{
	if (mmap_video_setup())
		return -1;
	g.fd1 = v4l2_expbuf(0);
	return g.fd1 < 0 ? -1 : 0;
}

static int mmap_dmabuf_call(void)
{
	g.map = mmap(NULL, g.length, PROT_READ | PROT_WRITE, MAP_SHARED, g.fd1, 0);
	return g.map == MAP_FAILED ? -errno : 0;
}

static void close_fd1_free(void)
{
	close_fd(&g.fd1);
	v4l2_free();
}

/* A fakecam dma-buf imported by vgem (attach + map by vgem) */

/* The camera back at the small format, its buffers allocated. */
static int small_bufs_once(void)
{
	g.kms_bufs = false;
	if (v4l2_free() < 0 || v4l2_fmt(SMALL_W, SMALL_H))
		return -1;
	return one_mmap_buffer();
}

static int expbuf_once(void)
{
	if (small_bufs_once())
		return -1;
	g.fd1 = v4l2_expbuf(0);
	return g.fd1 < 0 ? -1 : 0;
}

static int vgem_import_call(void)
{
	return fd_to_handle(g.vgem, g.fd1, &g.out_handle);
}

static int attached_verify(const char *peer, struct sb *why)
{
	char *list = read_file(FAKECAM_DEBUGFS "/0/buffers");
	char want[64];
	int ret = 0;

	snprintf(want, sizeof(want), "attached %s mapped=1", peer);
	if (!list || !strstr(list, want)) {
		sb_printf(why, "imported, but fakecam's buffers show: %s", list ? list : "nothing");
		ret = -1;
	}
	free(list);
	return ret;
}

static int vgem_import_verify(bool injected, struct sb *why)
{
	(void)injected;
	return attached_verify("vgem", why);
}

static void vgem_close_out(void)
{
	gem_close(g.vgem, &g.out_handle);
}

/* DMA_BUF_IOCTL_SYNC on a fakecam dma-buf attached to vgem and fakedisp */

static int sync_once(void)
{
	if (expbuf_once() || fd_to_handle(g.vgem, g.fd1, &g.h1) ||
	    fd_to_handle(g.dfd, g.fd1, &g.h2))
		return -1;
	g.length = SMALL_W * SMALL_H * 4;
	g.map = mmap(NULL, g.length, PROT_READ | PROT_WRITE, MAP_SHARED, g.fd1, 0);
	return g.map == MAP_FAILED ? -1 : 0;
}

static int sync_call(void)
{
	struct dma_buf_sync s = {DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW};

	if (xioctl(g.fd1, DMA_BUF_IOCTL_SYNC, &s))
		return -errno;
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	return xioctl(g.fd1, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

static void sync_done(void)
{
	munmap_map();
	gem_close(g.vgem, &g.h1);
	gem_close(g.dfd, &g.h2);
	close_fd1_free();
}

/* -- fakedisp -- */

static int dumb_create_call(void)
{
	return dumb_create(g.dfd, SMALL_W, SMALL_H, &g.out_handle, NULL);
}

static int dumb_verify(bool injected, struct sb *why)
{
	char *list = read_file(FAKEDISP_DEBUGFS "/buffers");
	int ret = 0;

	(void)injected;
	if (!list || !strstr(list, " dumb ")) {
		sb_printf(why, "created, but fakedisp's buffers show: %s", list ? list : "nothing");
		ret = -1;
	}
	free(list);
	return ret;
}

static void dumb_destroy_out(void)
{
	struct drm_mode_destroy_dumb d = {.handle = g.out_handle};

	if (g.out_handle && xioctl(g.dfd, DRM_IOCTL_MODE_DESTROY_DUMB, &d))
		fprintf(stderr, "failnth: DESTROY_DUMB: %s\n", strerror(errno));
	g.out_handle = 0;
}

static int dumb_setup(void)
{
	return dumb_create(g.dfd, SMALL_W, SMALL_H, &g.h1, NULL) ? -1 : 0;
}

static void dumb_teardown(void)
{
	gem_close(g.dfd, &g.h1);
}

static int map_dumb_call(void)
{
	struct drm_mode_map_dumb m = {.handle = g.h1};

	if (xioctl(g.dfd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		return -errno;
	g.offset = m.offset;
	return 0;
}

static int map_dumb_verify(bool injected, struct sb *why)
{
	(void)injected;
	if (!g.offset) {
		sb_printf(why, "MAP_DUMB succeeded with offset 0");
		return -1;
	}
	return 0;
}

static int mmap_dumb_setup(void)
{
	if (dumb_setup() || map_dumb_call())
		return -1;
	g.length = SMALL_W * SMALL_H * 4;
	return 0;
}

static int mmap_dumb_call(void)
{
	g.map = mmap(NULL, g.length, PROT_READ | PROT_WRITE, MAP_SHARED, g.dfd, g.offset);
	return g.map == MAP_FAILED ? -errno : 0;
}

static int export_dumb_call(void)
{
	g.out_fd = handle_to_fd(g.dfd, g.h1);
	return g.out_fd < 0 ? g.out_fd : 0;
}

static int export_verify(bool injected, struct sb *why)
{
	char *line = bufinfo_line(fd_ino(g.out_fd));

	(void)injected;
	if (!line) {
		sb_printf(why, "exported fd %d, which bufinfo does not list", g.out_fd);
		return -1;
	}
	free(line);
	return 0;
}

/* The camera at 640x480, two buffers, for the KMS entry points. */
static int kms_bufs_once(void)
{
	if (g.kms_bufs)
		return 0;
	if (v4l2_free() < 0 || v4l2_fmt(MODE_W, MODE_H) || v4l2_reqbufs(V4L2_MEMORY_MMAP, 2) != 2)
		return -1;
	g.kms_bufs = true;
	return 0;
}

static int prime_cam_once(void)
{
	return expbuf_once();
}

static int prime_import_call(void)
{
	return fd_to_handle(g.dfd, g.fd1, &g.out_handle);
}

static int prime_cam_verify(bool injected, struct sb *why)
{
	char *list = read_file(FAKEDISP_DEBUGFS "/buffers");
	int ret = 0;

	(void)injected;
	if (!list || !strstr(list, " import ") || !strstr(list, " fakecam ")) {
		sb_printf(why, "imported, but fakedisp's buffers show: %s",
			  list ? list : "nothing");
		ret = -1;
	}
	free(list);
	return ret ? ret : attached_verify("fakedisp", why);
}

static void fakedisp_close_out(void)
{
	gem_close(g.dfd, &g.out_handle);
}

static int prime_vgem_once(void)
{
	if (dumb_create(g.vgem, SMALL_W, SMALL_H, &g.h2, NULL))
		return -1;
	g.fd1 = handle_to_fd(g.vgem, g.h2);
	return g.fd1 < 0 ? -1 : 0;
}

static int prime_vgem_verify(bool injected, struct sb *why)
{
	char *list = read_file(FAKEDISP_DEBUGFS "/buffers");
	int ret = 0;

	(void)injected;
	/* vgem exports through DRM's PRIME helpers: exporter "drm" */
	if (!list || !strstr(list, " import ") || !strstr(list, " drm ")) {
		sb_printf(why, "imported, but fakedisp's buffers show: %s",
			  list ? list : "nothing");
		ret = -1;
	}
	free(list);
	return ret;
}

static void prime_vgem_done(void)
{
	close_fd(&g.fd1);
	gem_close(g.vgem, &g.h2);
}

/* ADDFB2 of an imported camera buffer */

static int addfb_once(void)
{
	if (prime_cam_once())
		return -1;
	return fd_to_handle(g.dfd, g.fd1, &g.h1) ? -1 : 0;
}

static int addfb_call(void)
{
	return addfb(g.h1, SMALL_W, SMALL_H, &g.out_fb);
}

static int addfb_verify(bool injected, struct sb *why)
{
	(void)injected;
	if (!g.out_fb) {
		sb_printf(why, "ADDFB2 succeeded with framebuffer id 0");
		return -1;
	}
	return 0;
}

static void rmfb_out(void)
{
	rmfb(&g.out_fb);
}

static void addfb_done(void)
{
	gem_close(g.dfd, &g.h1);
	close_fd1_free();
}

static struct commit the_commit;

/* Camera buffer @index exported, imported into fakedisp and added as a mode-sized framebuffer. */
static int camera_fb(unsigned int index, int *fd, uint32_t *handle, uint32_t *fb)
{
	*fd = v4l2_expbuf(index);
	if (*fd < 0 || fd_to_handle(g.dfd, *fd, handle) || addfb(*handle, MODE_W, MODE_H, fb))
		return -1;
	return 0;
}

/*
 * The modeset: one camera buffer imported and added once; every commit
 * maps it anew (fakedisp vmaps a buffer for each frame that shows it).
 */
static int modeset_once(void)
{
	return kms_bufs_once() || camera_fb(0, &g.fd1, &g.h1, &g.fb1) ? -1 : 0;
}

static int modeset_setup(void)
{
	commit_build(&the_commit, COMMIT_SHOW, g.fb1, 0);
	return 0;
}

static int commit_call(void)
{
	return commit_run(&the_commit);
}

/* The frame goes on screen at the vblank after the commit. */
static long long wait_on_screen(long long not )
{
	long long s = on_screen();
	int i;

	for (i = 0; i < 500 && (s <= 0 || s == not ); i++) {
		sleep_ms(10);
		s = on_screen();
	}
	return s;
}

static int modeset_verify(bool injected, struct sb *why)
{
	long long s = wait_on_screen(0);

	(void)injected;
	if (s <= 0) {
		sb_printf(why,
			  "the modeset succeeded, but fakedisp shows no frame (on_screen %lld)", s);
		return -1;
	}
	return 0;
}

static void modeset_undo(void)
{
	int ret = commit(COMMIT_OFF, 0);

	if (ret)
		fprintf(stderr, "failnth: turning the CRTC off: %s\n", strerror(-ret));
}

static void kms_teardown(void)
{
	rmfb(&g.fb1);
	gem_close(g.dfd, &g.h1);
	close_fd(&g.fd1);
}

/* The flip: buffer 0 on screen, buffer 1 flipped to. */

static int flip_once(void)
{
	if (kms_bufs_once() || camera_fb(0, &g.shown_fd, &g.shown_handle, &g.shown_fb) ||
	    commit(COMMIT_SHOW, g.shown_fb))
		return -1;
	return 0;
}

static long long flip_from;

/* Buffer 0 on screen, buffer 1 imported and added: flipped to, and back. */
static int flip_entry_once(void)
{
	return flip_once() || camera_fb(1, &g.fd1, &g.h1, &g.fb1) ? -1 : 0;
}

static int flip_setup(void)
{
	commit_build(&the_commit, COMMIT_FLIP, g.fb1,
		     DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	flip_from = on_screen();
	return 0;
}

static int flip_verify(bool injected, struct sb *why)
{
	int events = drm_events(30000);
	long long s = wait_on_screen(flip_from);

	(void)injected;
	if (events != 1 || s == flip_from) {
		sb_printf(why, "flip accepted: %d page-flip events, on_screen %lld -> %lld", events,
			  flip_from, s);
		return -1;
	}
	return 0;
}

static void flip_undo(void)
{
	int ret = commit(COMMIT_FLIP, g.shown_fb);

	if (ret)
		fprintf(stderr, "failnth: flipping back: %s\n", strerror(-ret));
}

static void flip_teardown(void)
{
	int events = drm_events(0);

	if (events)
		fprintf(stderr, "failnth: %d unexpected page-flip events\n", events);
}

static void flip_scene_done(void);

static void flip_entry_done(void)
{
	kms_teardown();
	flip_scene_done();
}

static void flip_scene_done(void)
{
	commit(COMMIT_OFF, 0);
	rmfb(&g.shown_fb);
	gem_close(g.dfd, &g.shown_handle);
	close_fd(&g.shown_fd);
}

/* -- debugfs reads, with something to list -- */

/*
 * The debugfs reads share one scene, set up before the first and taken
 * down after the last that runs: camera buffer 0 exported, imported by
 * vgem and fakedisp, on screen.
 */
static bool scene_up;

static int debugfs_scene_once(void)
{
	if (scene_up)
		return 0;
	if (flip_once() || fd_to_handle(g.vgem, g.shown_fd, &g.h2))
		return -1;
	scene_up = true;
	return 0;
}

static void debugfs_scene_end(void)
{
	if (!scene_up)
		return;
	gem_close(g.vgem, &g.h2);
	flip_scene_done();
	scene_up = false;
}

static char read_buf[1 << 20];
static ssize_t read_len;

static int debugfs_read_call(void)
{
	ssize_t n;
	int fd;

	fd = open(g.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	read_len = 0;
	while ((n = read(fd, read_buf + read_len, sizeof(read_buf) - read_len)) > 0)
		read_len += n;
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* Files whose content does not change while nothing happens. */
static bool debugfs_stable(const char *path)
{
	return !strstr(path, "events") && !strstr(path, "scanout");
}

static int debugfs_setup(void)
{
	free(g.ref);
	g.ref = debugfs_stable(g.path) ? read_file(g.path) : NULL;
	return 0;
}

static int debugfs_verify(bool injected, struct sb *why)
{
	(void)injected;
	/* Whole lines; a listing may be empty when a read without failure is. */
	if ((read_len == 0 && !(g.ref && !*g.ref)) ||
	    (read_len > 0 && read_buf[read_len - 1] != '\n')) {
		sb_printf(why, "read %zd bytes, not whole lines", read_len);
		return -1;
	}
	if (g.ref && ((size_t)read_len != strlen(g.ref) || memcmp(read_buf, g.ref, read_len))) {
		sb_printf(
		    why,
		    "read %zd bytes that differ from a read without failure (%zu bytes):\n%.*s",
		    read_len, strlen(g.ref), (int)(read_len > 2000 ? 2000 : read_len), read_buf);
		return -1;
	}
	return 0;
}

/* -- after the sweep -- */

static long long scanout_counter(const char *name)
{
	char *s = read_file(FAKEDISP_DEBUGFS "/scanout"), key[64], *p;
	long long v = -1;

	snprintf(key, sizeof(key), "\n%s: ", name);
	p = s ? strstr(s, key) : NULL;
	if (p)
		v = strtoll(p + strlen(key), NULL, 10);
	free(s);
	return v;
}

/*
 * The camera streams at 640x480; a dequeued frame is exported, imported
 * into fakedisp and shown; the scanout must read its stamp.
 */
static int final_check(struct sb *why)
{
	uint32_t handle = 0, fb = 0;
	long long before;
	int ret = -1, index, fd = -1, type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	double until;

	g.kms_bufs = false;
	if (v4l2_free() < 0 || v4l2_fmt(MODE_W, MODE_H) || v4l2_reqbufs(V4L2_MEMORY_MMAP, 2) != 2 ||
	    v4l2_qbuf_mmap(0) || v4l2_qbuf_mmap(1) || xioctl(g.vfd, VIDIOC_STREAMON, &type)) {
		sb_printf(why, "fakecam does not stream: %s", strerror(errno));
		goto out;
	}
	index = v4l2_dqbuf(V4L2_MEMORY_MMAP, 30000);
	if (index < 0) {
		sb_printf(why, "fakecam gives no frame: %s", strerror(-index));
		goto out;
	}
	fd = v4l2_expbuf(index);
	if (fd < 0 || fd_to_handle(g.dfd, fd, &handle) || addfb(handle, MODE_W, MODE_H, &fb)) {
		sb_printf(why, "cannot export, import or add the frame: %s", strerror(errno));
		goto out;
	}
	before = scanout_counter("stamped_ok");
	if (commit(COMMIT_SHOW, fb)) {
		sb_printf(why, "fakedisp refuses to show the frame: %s", strerror(errno));
		goto out;
	}
	for (until = now_s() + 30; now_s() < until; sleep_ms(20))
		if (scanout_counter("stamped_ok") > before)
			break;
	if (scanout_counter("stamped_ok") <= before) {
		sb_printf(why, "fakedisp shows the frame but its scanout never read a good stamp");
		goto out;
	}
	ret = 0;
out:
	commit(COMMIT_OFF, 0);
	rmfb(&fb);
	gem_close(g.dfd, &handle);
	close_fd(&fd);
	xioctl(g.vfd, VIDIOC_STREAMOFF, &type);
	v4l2_free();
	return ret;
}

/* -- the table -- */

#define E(...)                                                                                     \
	{                                                                                          \
		.module = -1, __VA_ARGS__                                                          \
	}

static struct entry entries[] = {
    /* Loading the modules; they stay loaded for the rest. */
    {.name = "module load fakecam.ko",
     .module = 0,
     .once = module_once,
     .call = module_call,
     .verify = module_verify,
     .undo = module_undo,
     .done = module_done,
     .flags = SNAP_DEVICES | SNAP_DRM | SNAP_CAM,
     .what = "init_module(2): the loader, fakecam_init()",
     .also_errno = EINVAL,
     .also_why = NAMELESS_DEVICE_EINVAL},
    {.name = "module load fakedisp.ko",
     .module = 1,
     .once = module_once,
     .call = module_call,
     .verify = module_verify,
     .undo = module_undo,
     .done = module_done,
     .flags = SNAP_DEVICES | SNAP_DRM | SNAP_CAM,
     .what = "init_module(2): the loader, fakedisp_init()",
     .also_errno = EINVAL,
     .also_why = NAMELESS_DEVICE_EINVAL},
    E(.name = "open /dev/videoN", .call = open_video_call, .verify = open_video_verify,
      .undo = close_fd1, .flags = SNAP_CAM, .what = "v4l2_open, v4l2_fh_open"),
    E(.name = "open /dev/dri/cardN", .call = open_card_call, .verify = open_card_verify,
      .undo = close_fd1, .flags = SNAP_DRM, .what = "drm_open: the drm_file"),
    /* fakecam, 64x64 XR24: 4 pages a buffer. */
    E(.name = "VIDIOC_S_FMT", .once = small_fmt_once, .call = s_fmt_call, .done = s_fmt_done,
      .flags = SNAP_CAM, .what = "fakecam_s_fmt"),
    E(.name = "VIDIOC_REQBUFS MMAP", .call = reqbufs_mmap_call, .verify = reqbufs_verify,
      .undo = v4l2_free_quiet, .flags = SNAP_CAM, .what = "vb2 + fakecam_mem_alloc, 2 x 4 pages"),
    E(.name = "VIDIOC_CREATE_BUFS MMAP", .setup = create_bufs_mmap_setup, .call = create_bufs_call,
      .verify = reqbufs_verify, .undo = v4l2_free_quiet, .flags = SNAP_CAM,
      .what = "vb2 + fakecam_mem_alloc, 2 x 4 pages"),
    E(.name = "VIDIOC_REQBUFS DMABUF", .call = reqbufs_dmabuf_call, .verify = reqbufs_verify,
      .undo = v4l2_free_quiet, .flags = SNAP_CAM, .what = "vb2 buffer structs"),
    E(.name = "VIDIOC_CREATE_BUFS DMABUF", .setup = create_bufs_dmabuf_setup,
      .call = create_bufs_call, .verify = reqbufs_verify, .undo = v4l2_free_quiet,
      .flags = SNAP_CAM, .what = "vb2 buffer structs"),
    E(.name = "VIDIOC_STREAMON", .setup = streamon_setup, .call = streamon_call,
      .verify = streamon_verify, .undo = streamoff, .teardown = v4l2_free_quiet,
      .flags = SNAP_CAM | SNAP_THREADS, .what = "fakecam_start_streaming: the generator thread"),
    E(.name = "VIDIOC_EXPBUF", .setup = one_mmap_buffer, .call = expbuf_call,
      .verify = expbuf_verify, .undo = close_out_fd, .teardown = v4l2_free_quiet, .flags = SNAP_CAM,
      .what = "fakecam_export, dma_buf_export, the fd", .also_errno = EINVAL,
      .also_why = "vb2_core_expbuf() turns any error of the driver's get_dmabuf (fakecam_export) "
		  "into -EINVAL"),
    E(.name = "mmap /dev/videoN", .setup = mmap_video_setup, .call = mmap_video_call,
      .verify = mmap_verify, .undo = munmap_map, .teardown = v4l2_free_quiet,
      .flags = SNAP_CAM | SNAP_MAPS, .what = "fakecam_mem_mmap"),
    E(.name = "mmap fakecam dma-buf", .setup = mmap_dmabuf_setup, .call = mmap_dmabuf_call,
      .verify = mmap_verify, .undo = munmap_map, .teardown = close_fd1_free,
      .flags = SNAP_CAM | SNAP_MAPS, .what = "mmap_fakecam"),
    E(.name = "DMA_BUF_IOCTL_SYNC fakecam buffer", .once = sync_once, .call = sync_call,
      .done = sync_done, .flags = SNAP_CAM | SNAP_DRM,
      .what = "begin_cpu_fakecam, end_cpu_fakecam (vgem, fakedisp attached)"),
    /* fakedisp's own buffers */
    E(.name = "fakedisp CREATE_DUMB", .call = dumb_create_call, .verify = dumb_verify,
      .undo = dumb_destroy_out, .flags = SNAP_DRM, .what = "fakedisp_dumb_create, 4 pages"),
    E(.name = "fakedisp MAP_DUMB", .setup = dumb_setup, .call = map_dumb_call,
      .verify = map_dumb_verify, .teardown = dumb_teardown, .flags = SNAP_DRM,
      .what = "the mmap offset"),
    E(.name = "mmap fakedisp dumb buffer", .setup = mmap_dumb_setup, .call = mmap_dumb_call,
      .verify = mmap_verify, .undo = munmap_map, .teardown = dumb_teardown,
      .flags = SNAP_MAPS | SNAP_DRM, .what = "fakedisp_bo_mmap"),
    E(.name = "fakedisp PRIME export of dumb buffer", .setup = dumb_setup, .call = export_dumb_call,
      .verify = export_verify, .undo = close_out_fd, .teardown = dumb_teardown,
      .flags = SNAP_DRM | KEEPS_CACHE, .what = "fakedisp_bo_export, drm_gem_prime_export"),
    E(.name = "fakedisp ADDFB2 (imported buffer)", .once = addfb_once, .call = addfb_call,
      .verify = addfb_verify, .undo = rmfb_out, .done = addfb_done, .flags = SNAP_DRM | SNAP_CAM,
      .what = "fakedisp_fb_create_checked"),
    /* KMS, the camera at 640x480 (the smallest mode). */
    E(.name = "atomic modeset (imported buffer)", .once = modeset_once, .setup = modeset_setup,
      .call = commit_call, .verify = modeset_verify, .undo = modeset_undo, .done = kms_teardown,
      .flags = SETTLE | SNAP_DRM | SNAP_CAM,
      .what = "atomic state, prepare_fb: the frame, vmap_fakecam"),
    E(.name = "atomic flip (imported buffer)", .once = flip_entry_once, .setup = flip_setup,
      .call = commit_call, .verify = flip_verify, .undo = flip_undo, .teardown = flip_teardown,
      .done = flip_entry_done, .flags = SETTLE | SNAP_DRM | SNAP_CAM,
      .what = "nonblocking commit with event, prepare_fb: the frame, vmap_fakecam"),
};

/*
 * The entry points that DMA-map under fail-nth come last: with
 * CONFIG_DMA_API_DEBUG, dma_map_sg() records every page in a radix tree
 * (GFP_ATOMIC), and when that allocation fails for good DMA-API debugging
 * turns itself off ("cacheline tracking ENOMEM") for the rest of the boot.
 * Small buffers (4 pages) keep those allocations few.
 */
static struct entry mapping_entries[] = {
    E(.name = "VIDIOC_QBUF DMABUF (vgem buffer)", .once = vgem_small_once,
      .setup = qbuf_dmabuf_setup, .call = qbuf_dmabuf_call, .verify = qbuf_dmabuf_verify,
      .teardown = v4l2_free_quiet, .done = vgem_small_done, .flags = SNAP_CAM,
      .what = "fakecam_mem_attach_dmabuf, map_dmabuf; vgem's attach, map"),
    E(.name = "vgem PRIME import of fakecam buffer", .once = expbuf_once, .call = vgem_import_call,
      .verify = vgem_import_verify, .undo = vgem_close_out, .done = close_fd1_free,
      .flags = SNAP_CAM, .what = "attach_fakecam, map_fakecam for vgem"),
    E(.name = "fakedisp PRIME import of fakecam buffer", .once = prime_cam_once,
      .call = prime_import_call, .verify = prime_cam_verify, .undo = fakedisp_close_out,
      .done = close_fd1_free, .flags = SNAP_DRM | SNAP_CAM,
      .what = "fakedisp_gem_prime_import; attach_fakecam, map_fakecam"),
    E(.name = "fakedisp PRIME import of vgem buffer", .once = prime_vgem_once,
      .call = prime_import_call, .verify = prime_vgem_verify, .undo = fakedisp_close_out,
      .done = prime_vgem_done, .flags = SNAP_DRM,
      .what = "fakedisp_gem_prime_import; vgem's attach, map"),
};

/* debugfs files: one entry point each, added at run time. */
static const char *const debugfs_files[] = {
    FAKECAM_DEBUGFS "/events",
    FAKECAM_DEBUGFS "/0/buffers",
    FAKECAM_DEBUGFS "/0/imports",
    FAKEDISP_DEBUGFS "/buffers",
    FAKEDISP_DEBUGFS "/scanout",
    FAKEDISP_DEBUGFS "/events",
    "dri/name",
    "dri/clients",
    "dri/gem_names",
    "dri/framebuffer",
    "dri/state",
};

/* ---- the sweep ---- */

#define MAX_ERRNOS 8

struct result {
	const char *name;
	unsigned int calls, injected, failed, fallback, defects;
	unsigned int kept;    /* failed calls that left kernel-kept state */
	const char *also_why; /* the other errno was seen, and why it is clean */
	int also_errno;
	unsigned int clean_allocs;   /* in the final clean call */
	unsigned int counted_allocs; /* in the counting call before the sweep */
	unsigned int init_from;	     /* module load: the first n in the module's init */
	unsigned int first_n;	     /* module load: where the sampling starts */
	unsigned int stride[2];	     /* module load: sampling of the loader, the init */
	bool init_only;		     /* module load: every allocation of the init, no other */
	int err[MAX_ERRNOS];
	unsigned int err_count[MAX_ERRNOS];
	unsigned int fallback_n[8], n_fallback_n;
	struct kernel_lines kl;
	double seconds;
	bool completed;
};

struct defect {
	const char *entry;
	unsigned int n;
	char *text;
};

static struct defect defects[256];
static unsigned int n_defects;

static void add_defect(struct result *r, unsigned int n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_defect(struct result *r, unsigned int n, const char *fmt, ...)
{
	char buf[65536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->defects++;
	printf("  DEFECT: %s, n=%u: %s\n", r->name, n, buf);
	fflush(stdout);
	if (n_defects < sizeof(defects) / sizeof(defects[0]))
		defects[n_defects++] = (struct defect){r->name, n, strdup(buf)};
}

static void count_errno(struct result *r, int err)
{
	int i;

	for (i = 0; i < MAX_ERRNOS; i++) {
		if (r->err_count[i] && r->err[i] == err)
			break;
		if (!r->err_count[i]) {
			r->err[i] = err;
			break;
		}
	}
	if (i < MAX_ERRNOS)
		r->err_count[i]++;
}

static const char *errno_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

static bool errno_clean(int err)
{
	return err == ENOMEM;
}

/*
 * The state before an entry point's sweep, once what the previous ones set
 * going is over (fakedisp puts a frame taken off screen a vblank later, from
 * its worker): two snapshots 100 ms apart agree.
 */
static char *settled_snapshot(unsigned int flags)
{
	double until = now_s() + 10;
	char *a = snapshot(flags), *b;

	for (;;) {
		sleep_ms(100);
		b = snapshot(flags);
		if (!strcmp(a, b) || now_s() > until) {
			free(a);
			return b;
		}
		free(a);
		a = b;
	}
}

/* The state after the teardown must be back at @base; things may settle. */
static bool back_to_base(const char *base, unsigned int flags, char **after)
{
	double until = now_s() + 10;

	for (;;) {
		*after = snapshot(flags);
		if (!strcmp(base, *after) || now_s() > until)
			return !strcmp(base, *after);
		free(*after);
		sleep_ms(20);
	}
}

static unsigned int opt_seed;
static bool opt_full;
static unsigned int opt_module_samples = 6;
static bool opt_module_init;

/*
 * Module load on the debug kernel: a call that gets past the loader's
 * sysfs part waits 1 to 4 s for the delayed kobject release
 * (CONFIG_DEBUG_KOBJECT_RELEASE) when it fails, and a success has to be
 * unloaded, which waits too: every allocation of both modules is hours.
 * Without --full: where the module's own init starts is measured (a load
 * with parameters its init refuses at once makes as many allocations as
 * the loader, give or take its teardown's few), and of the
 * --module-samples calls two thirds go to the init, the rest to the
 * loader, each part swept at a stride offset by the seed, so that runs on
 * other days fail other allocations.
 */
static void module_plan(struct entry *e, struct result *r)
{
	int m = e->module;
	unsigned int total = r->counted_allocs, loader, left, init_calls, loader_calls;

	arm(MAX_N);
	if (!syscall(SYS_init_module, g.ko[m], g.ko_len[m], module_refused_params[m])) {
		disarm();
		module_unload(m);
		printf("  %s accepted %s: every allocation is swept\n", module_name[m],
		       module_refused_params[m]);
		return;
	}
	left = disarm();
	loader = MAX_N - left;
	/* The teardown of the refused module allocates a little too. */
	r->init_from = loader > 16 ? loader - 16 : 1;
	if (opt_module_init && total > r->init_from) {
		r->first_n = r->init_from;
		r->stride[0] = r->stride[1] = 1;
		r->init_only = true;
		printf(
		    "  the loader makes ~%u allocations, %s's init the other ~%u: every one from "
		    "n=%u, none of the loader's (--module-init)\n",
		    loader, module_name[m], total > loader ? total - loader : 0, r->init_from);
		return;
	}
	if (opt_full || total <= r->init_from) {
		printf("  the loader makes ~%u allocations, %s's init the other ~%u: every one is "
		       "swept\n",
		       loader, module_name[m], total > loader ? total - loader : 0);
		return;
	}
	init_calls = (opt_module_samples * 2 + 2) / 3;
	loader_calls = opt_module_samples - init_calls;
	r->stride[1] = (total - r->init_from + init_calls) / (init_calls ? init_calls : 1);
	r->stride[0] =
	    loader_calls ? (r->init_from + loader_calls - 1) / loader_calls : r->init_from;
	if (r->stride[0] < 1)
		r->stride[0] = 1;
	if (r->stride[1] < 1)
		r->stride[1] = 1;
	r->first_n = 1 + opt_seed % r->stride[0];
	if (!loader_calls)
		r->first_n = r->init_from + opt_seed % r->stride[1];
	printf("  the loader makes ~%u allocations, %s's init the other ~%u: n=%u, then every "
	       "%u-th up to %u, every %u-th after (seed %u); --full fails every one\n",
	       loader, module_name[m], total > loader ? total - loader : 0, r->first_n,
	       r->stride[0], r->init_from, r->stride[1], opt_seed);
}

static void run_entry(struct entry *e, struct result *r)
{
	double start = now_s(), last_progress = start;
	unsigned int n = 1, checked_n = 0;
	bool must_check = false;
	char *base, *pre, *post;
	struct sb report = {0};
	unsigned int left;
	int ret, err;

	r->name = e->name;
	current_module = e->module;
	snapshot_seconds = 0;
	snapshot_count = 0;
	kmsg_mark("failnth: sweep of %s\n", e->name);
	printf("== %s (%s)\n", e->name, e->what);
	fflush(stdout);
	kmsg_drain(&r->kl, &report);
	if (report.len) {
		printf("  kernel reports before the sweep of %s:\n%s", e->name, report.p);
		sb_free(&report);
	}
	if (e->once && e->once() < 0) {
		add_defect(r, 0, "the setup before the sweep failed: %s", strerror(errno));
		return;
	}
	if (e->flags & SNAP_THREADS)
		threads_since = newest_pid();
	base = settled_snapshot(e->flags);

	/* A call with no failure: how many allocations it makes. */
	if (e->setup && e->setup() < 0) {
		add_defect(r, 0, "the setup of the counting call failed: %s", strerror(errno));
		goto out;
	}
	arm(MAX_N);
	ret = e->call();
	err = errno;
	left = disarm();
	r->counted_allocs = MAX_N - left;
	if (ret < 0) {
		add_defect(r, 0, "the call fails with no failure injected: %s", strerror(-ret));
		if (e->teardown)
			e->teardown();
		goto out;
	}
	(void)err;
	if (e->verify && e->verify(false, &report) < 0) {
		add_defect(r, 0, "the call without failure: %s", report.p);
		sb_free(&report);
	}
	if (e->undo)
		e->undo();
	if (e->teardown)
		e->teardown();
	if (!back_to_base(base, e->flags, &post)) {
		struct sb diff = {0};

		snap_diff(base, post, &diff);
		add_defect(r, 0, "a successful call and its undo leave this behind:\n%s", diff.p);
		sb_free(&diff);
		free(base);
		base = post;
	} else {
		free(post);
	}
	printf("  a clean call makes %u allocations\n", r->counted_allocs);
	fflush(stdout);
	if (e->module >= 0)
		module_plan(e, r);

	if (r->first_n)
		n = r->first_n;
	while (n < MAX_N) {
		bool injected;

		if (e->setup && e->setup() < 0) {
			add_defect(r, n, "the setup failed (%s): the device is not usable any more",
				   strerror(errno));
			break;
		}
		pre = snapshot(e->flags);
		kmsg_drain(&r->kl, &report);
		if (report.len) {
			add_defect(r, n, "kernel report during the setup:\n%s", report.p);
			sb_free(&report);
		}

		arm(n);
		ret = e->call();
		left = disarm();
		injected = left == 0;
		r->calls++;
		r->injected += injected;

		kmsg_drain(&r->kl, &report);
		if (report.len) {
			add_defect(r, n, "kernel report during the call (%s):\n%s",
				   ret < 0 ? strerror(-ret) : "it succeeded", report.p);
			sb_free(&report);
		}

		if (ret < 0) {
			err = -ret;
			count_errno(r, err);
			if (injected)
				r->failed++;
			else
				add_defect(r, n,
					   "failed with %s, but no failure was injected (it made "
					   "%u allocations)",
					   errno_name(err), n - left);
			if (e->also_errno && err == e->also_errno) {
				r->also_errno = err;
				r->also_why = e->also_why;
			}
			if (!errno_clean(err) && !(e->also_errno && err == e->also_errno))
				add_defect(r, n, "failed with errno %d (%s, %s) instead of ENOMEM",
					   err, errno_name(err), strerror(err));
			post = snapshot(e->flags);
			if (strcmp(pre, post)) {
				struct sb diff = {0};

				snap_diff(pre, post, &diff);
				if (e->flags & KEEPS_CACHE) {
					/* the teardown check below must see it go */
					if (!r->kept++)
						printf("  n=%u: the failed call leaves state the "
						       "kernel keeps until the object goes:\n%s",
						       n, diff.p);
					must_check = true;
				} else {
					add_defect(r, n,
						   "the failed call (%s) left this behind:\n%s",
						   errno_name(err), diff.p);
				}
				sb_free(&diff);
			}
			free(post);
		} else {
			if (injected) {
				r->fallback++;
				if (r->n_fallback_n < 8)
					r->fallback_n[r->n_fallback_n++] = n;
			}
			if (e->verify && e->verify(injected, &report) < 0) {
				add_defect(r, n, "the call succeeded%s, but %s",
					   injected ? " despite the injected failure" : "",
					   report.p);
				sb_free(&report);
			}
			if (e->undo)
				e->undo();
		}
		free(pre);
		if (e->teardown)
			e->teardown();

		/*
		 * Back where the sweep started? Checked after the first calls,
		 * every 8th and the last: what a failed call leaves, the
		 * comparison with its setup above already shows, and a leak
		 * stays, so the window below names where it came from.
		 */
		if (r->calls <= 3 || r->calls % 8 == 0 || (ret == 0 && !injected) ||
		    e->module >= 0 || must_check || (e->flags & SETTLE)) {
			must_check = false;
			if (!back_to_base(base, e->flags, &post)) {
				struct sb diff = {0};

				snap_diff(base, post, &diff);
				add_defect(r, n,
					   "after the cleanup of the calls up to this one (since "
					   "n=%u), this is left behind:\n%s",
					   checked_n + 1, diff.p);
				sb_free(&diff);
				free(base);
				base = post;
			} else {
				free(post);
			}
			checked_n = n;
		}
		kmsg_drain(&r->kl, &report);
		if (report.len) {
			add_defect(r, n, "kernel report during the cleanup:\n%s", report.p);
			sb_free(&report);
		}

		if (ret == 0 && !injected) {
			r->clean_allocs = n - left;
			r->completed = true;
			break;
		}
		if (r->defects >= MAX_DEFECTS_PER_ENTRY) {
			printf("  %u defects: the rest of this entry point is skipped\n",
			       r->defects);
			break;
		}

		if (now_s() - last_progress > 10) {
			printf("  ... n=%u of ~%u, %u failed, %u fallbacks, %.0f s\n", n,
			       r->counted_allocs, r->failed, r->fallback, now_s() - start);
			fflush(stdout);
			last_progress = now_s();
		}

		/* Module load, sampled: the next n of the plan. */
		if (e->module >= 0 && !opt_full) {
			unsigned int st = r->stride[n + 1 >= r->init_from];

			if (st > 1) {
				n += st;
				continue;
			}
		}
		n++;
	}
	if (!r->completed && n >= MAX_N)
		add_defect(r, n, "still no clean success after %u allocations", MAX_N);
out:
	if (e->done)
		e->done();
	kmsg_drain(&r->kl, &report);
	if (report.len) {
		add_defect(r, 0, "kernel report after the sweep:\n%s", report.p);
		sb_free(&report);
	}
	free(base);
	r->seconds = now_s() - start;
	printf("  %s: %u calls, %u failures injected, %u failed cleanly, %u fallbacks, %u defects, "
	       "%.1f s (%u snapshots: %.1f s)\n",
	       r->completed ? "done" : "STOPPED", r->calls, r->injected, r->failed, r->fallback,
	       r->defects, r->seconds, snapshot_count, snapshot_seconds);
	for (unsigned int i = 0; opt_profile && i < sizeof(prof) / sizeof(prof[0]) && prof[i].name;
	     i++) {
		printf("    snapshot %-20s %.2f s\n", prof[i].name, prof[i].seconds);
		prof[i].seconds = 0;
	}
	fflush(stdout);
}

static void print_table(struct result *res, unsigned int n)
{
	unsigned int i, j, tot_calls = 0, tot_inj = 0, tot_failed = 0, tot_fb = 0, tot_def = 0;
	unsigned int tot_warn = 0, by[N_PROVOKED] = {0};
	double tot_s = 0;

	printf("\n%-42s %6s %6s %8s %6s %8s %5s %6s  %s\n", "entry point", "allocs", "calls",
	       "injected", "failed", "fallback", "kmsg", "defect", "errnos");
	for (i = 0; i < n; i++) {
		struct result *r = &res[i];
		char errs[128] = "";
		size_t len = 0;

		for (j = 0; j < MAX_ERRNOS && r->err_count[j]; j++)
			len += snprintf(errs + len, sizeof(errs) - len, "%s%s:%u", j ? " " : "",
					errno_name(r->err[j]), r->err_count[j]);
		if (!len)
			snprintf(errs, sizeof(errs), "-");
		printf("%-42s %6u %6u %8u %6u %8u %5u %6u  %s%s\n", r->name,
		       r->completed ? r->clean_allocs : r->counted_allocs, r->calls, r->injected,
		       r->failed, r->fallback, r->kl.provoked, r->defects, errs,
		       r->init_only			      ? " (init only)"
		       : r->stride[0] > 1 || r->stride[1] > 1 ? " (sampled)"
		       : r->completed			      ? ""
							      : " (stopped)");
		tot_calls += r->calls;
		tot_inj += r->injected;
		tot_failed += r->failed;
		tot_fb += r->fallback;
		tot_def += r->defects;
		tot_warn += r->kl.provoked;
		for (j = 0; j < N_PROVOKED; j++)
			by[j] += r->kl.provoked_by[j];
		tot_s += r->seconds;
	}
	printf("%-42s %6s %6u %8u %6u %8u %5u %6u  %.0f s\n", "total", "", tot_calls, tot_inj,
	       tot_failed, tot_fb, tot_warn, tot_def, tot_s);
	printf(
	    "\nallocs: allocations in the final clean call (every slab allocation counts twice:\n"
	    "kmemleak's own record of it comes next, and its failure is a fallback); calls: calls\n"
	    "under fail-nth; injected: calls with a failure injected; failed: of those, calls "
	    "that\n"
	    "failed (cleanly unless listed as a defect); fallback: calls that succeeded despite\n"
	    "the injected failure; kmsg: what the kernel prints by design on such a failure:\n");
	for (j = 0; j < N_PROVOKED; j++)
		printf("  %4u x \"%s\": %s\n", by[j], provoked[j].regex, provoked[j].why);

	for (i = 0; i < n; i++) {
		struct result *r = &res[i];

		if (r->also_why)
			printf("%s: %s accepted: %s\n", r->name, errno_name(r->also_errno),
			       r->also_why);
		if (r->kept)
			printf("%s: %u failed calls left state the kernel keeps until the object "
			       "goes (DRM's cached export), gone at the teardown\n",
			       r->name, r->kept);
		if (r->stride[0] > 1 || r->stride[1] > 1)
			printf("%s: sampled: every %u-th allocation of the loader, every %u-th "
			       "from n=%u (the module's init), seed %u\n",
			       r->name, r->stride[0], r->stride[1], r->init_from, opt_seed);
		if (r->fallback) {
			printf("%s: succeeded despite the injected failure at n=", r->name);
			for (j = 0; j < r->n_fallback_n; j++)
				printf("%s%u", j ? "," : "", r->fallback_n[j]);
			printf("%s\n", r->fallback > r->n_fallback_n ? ",..." : "");
		}
		for (j = 0; j < r->kl.n_samples; j++)
			printf("%s: kernel said: %s\n", r->name, r->kl.samples[j]);
	}
}

static void *load_image(const char *path, size_t *len)
{
	struct sb s = {0};

	if (read_into(path, &s) < 0 || !s.len)
		die("cannot read %s: %s", path, strerror(errno));
	*len = s.len;
	return s.p;
}

static void usage(void)
{
	printf("Usage: failnth --fakecam-ko PATH --fakedisp-ko PATH [--only REGEX] [--list]\n"
	       "               [--full] [--module-samples N] [--module-init] [--seed N] [-v]\n"
	       "Fails the 1st, 2nd, ... allocation of every kernel entry point of fakecam and\n"
	       "fakedisp through /proc/thread-self/fail-nth until the call succeeds cleanly.\n"
	       "  --only REGEX         only the entry points whose name matches\n"
	       "  --list               list the entry points and exit\n"
	       "  --full               every allocation of module load too (hours on the\n"
	       "                       debug kernel: each failure waits for kobject releases)\n"
	       "  --module-samples N   calls per module load without --full (6)\n"
	       "  --module-init        module load: every allocation of the module's init\n"
	       "                       (not the loader's); 6-8 s a call on the debug kernel\n"
	       "  --seed N             offset of the module load sampling (default: the day)\n"
	       "  -v                   every kernel message\n"
	       "Exit: 0 pass, 1 defects found, 77 no fail-nth in this kernel, 2 error.\n");
}

int main(int argc, char **argv)
{
	static struct entry all[sizeof(entries) / sizeof(entries[0]) +
				sizeof(debugfs_files) / sizeof(debugfs_files[0]) +
				sizeof(mapping_entries) / sizeof(mapping_entries[0])];
	static struct result results[sizeof(all) / sizeof(all[0])];
	static char debugfs_names[sizeof(debugfs_files) / sizeof(debugfs_files[0])][96];
	const char *only = NULL;
	unsigned int n_all = 0, n_run = 0, i;
	char *reference = NULL, *final;
	struct sb why = {0};
	bool list = false, seed_set = false;
	double start = now_s();
	regex_t only_re;

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--fakecam-ko") && i + 1 < (unsigned int)argc)
			g.ko_path[0] = argv[++i];
		else if (!strcmp(a, "--fakedisp-ko") && i + 1 < (unsigned int)argc)
			g.ko_path[1] = argv[++i];
		else if (!strcmp(a, "--only") && i + 1 < (unsigned int)argc)
			only = argv[++i];
		else if (!strcmp(a, "--module-samples") && i + 1 < (unsigned int)argc)
			opt_module_samples = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--seed") && i + 1 < (unsigned int)argc) {
			opt_seed = strtoul(argv[++i], NULL, 0);
			seed_set = true;
		} else if (!strcmp(a, "--module-init"))
			opt_module_init = true;
		else if (!strcmp(a, "--full"))
			opt_full = true;
		else if (!strcmp(a, "--list"))
			list = true;
		else if (!strcmp(a, "-v"))
			verbose = true;
		else if (!strcmp(a, "--profile"))
			opt_profile = true;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			return 0;
		} else {
			usage();
			return 2;
		}
	}
	if (!seed_set)
		opt_seed = time(NULL) / 86400;
	if (only && regcomp(&only_re, only, REG_EXTENDED | REG_NOSUB | REG_ICASE))
		die("bad --only regex '%s'", only);

	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		all[n_all++] = entries[i];
	for (i = 0; i < sizeof(debugfs_files) / sizeof(debugfs_files[0]); i++) {
		const char *f = debugfs_files[i];

		snprintf(debugfs_names[i], sizeof(debugfs_names[i]), "debugfs read %s",
			 strncmp(f, "dri/", 4) ? f + strlen(DEBUGFS "/") : f);
		/* Each under the same scene: something to list in every file. */
		all[n_all++] = (struct entry){
		    .name = debugfs_names[i],
		    .module = -1,
		    .file = f,
		    .once = debugfs_scene_once,
		    .setup = debugfs_setup,
		    .call = debugfs_read_call,
		    .verify = debugfs_verify,
		    /* A read changes no listing: dma-bufs, modules and fds are enough. */
		    .flags = 0,
		    .what = "open + read to the end + close: seq_file and the show function",
		};
	}
	for (i = 0; i < sizeof(mapping_entries) / sizeof(mapping_entries[0]); i++)
		all[n_all++] = mapping_entries[i];

	if (list) {
		for (i = 0; i < n_all; i++)
			printf("%-42s %s\n", all[i].name, all[i].what);
		return 0;
	}

	fail_fd = open(FAILNTH, O_RDWR | O_CLOEXEC);
	if (fail_fd < 0) {
		printf("SKIP: %s is missing (%s): this kernel has no fault injection "
		       "(CONFIG_FAULT_INJECTION); the sweep needs the debug kernel "
		       "(tools/debug-kernel)\n",
		       FAILNTH, strerror(errno));
		return 77;
	}
	if (!g.ko_path[0] || !g.ko_path[1]) {
		usage();
		return 2;
	}
	g.ko[0] = load_image(g.ko_path[0], &g.ko_len[0]);
	g.ko[1] = load_image(g.ko_path[1], &g.ko_len[1]);
	setup_fault_injection();
	kmsg_open();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Our own page faults must not happen under fail-nth. */
	memset(read_buf, 1, sizeof(read_buf));

	g.vfd = open_video("fakecam", g.video, sizeof(g.video));
	g.dfd = open_card("fakedisp", g.card, sizeof(g.card), &g.dminor);
	g.vgem = open_card("vgem", NULL, 0, NULL);
	if (g.vfd < 0 || g.dfd < 0 || g.vgem < 0)
		die("need fakecam, fakedisp and vgem loaded (video %d, fakedisp %d, vgem %d)",
		    g.vfd, g.dfd, g.vgem);
	kms_init();
	printf("fail-nth sweep: fakecam %s, fakedisp %s (debugfs dri/%d), vgem; seed %u\n", g.video,
	       g.card, g.dminor, opt_seed);

	for (i = 0; i < n_all; i++) {
		struct entry *e = &all[i];

		if (only && regexec(&only_re, e->name, 0, NULL, 0))
			continue;
		if (!e->file)
			debugfs_scene_end();
		if (e->file && !strncmp(e->file, "dri/", 4))
			snprintf(g.path, sizeof(g.path), DEBUGFS "/dri/%d/%s", g.dminor,
				 e->file + 4);
		else if (e->file)
			snprintf(g.path, sizeof(g.path), "%s", e->file);
		if (e->module < 0 && !reference) {
			/* What everything must come back to in the end. */
			reference = snapshot(SNAP_DRM | SNAP_DEVICES | SNAP_CAM);
		}
		printf("[%u/%u, %.0f s] ", i + 1, n_all, now_s() - start);
		run_entry(e, &results[n_run++]);
	}

	debugfs_scene_end();
	/* The devices still work, and nothing is left of the whole sweep. */
	printf("== final check: a camera frame on the screen\n");
	if (final_check(&why) < 0) {
		struct result r = {.name = "final check"};

		add_defect(&r, 0, "%s", why.p);
	} else {
		printf("  ok\n");
	}
	sb_free(&why);
	if (reference && !back_to_base(reference, SNAP_DRM | SNAP_DEVICES | SNAP_CAM, &final)) {
		struct result r = {.name = "whole sweep"};

		snap_diff(reference, final, &why);
		add_defect(&r, 0,
			   "after every entry point and the final check, this is left behind:\n%s",
			   why.p);
	}

	print_table(results, n_run);
	printf("\nrun time: %.0f s\n", now_s() - start);
	if (n_defects) {
		printf("\n%u DEFECTS:\n", n_defects);
		for (i = 0; i < n_defects; i++)
			printf("- %s, n=%u: %s\n", defects[i].entry, defects[i].n, defects[i].text);
		return 1;
	}
	printf("PASS: every failed call returned ENOMEM and left nothing behind; every entry point "
	       "ended with a clean success\n");
	return 0;
}
