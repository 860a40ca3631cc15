// SPDX-License-Identifier: MIT
/*
 * pw-dmabuf-frames: a PipeWire video capture client that accepts its
 * buffers only as dma-bufs (SPA_DATA_DmaBuf) and checks what it gets:
 *   - every frame is a dma-buf fd (fstatfs: the dma-buf filesystem) large
 *     enough for the negotiated layout;
 *   - every frame's stamp is intact, names the negotiated format and size
 *     and a sequence number above the last one, and (--verify full) every
 *     byte is fakecam's pattern for that number, read through an mmap of
 *     the fd between DMA_BUF_IOCTL_SYNC START and END;
 *   - with --pfn, each buffer's page frame numbers (/proc/self/pagemap, as
 *     root) hashed as fakecam hashes its pages (pfn-hash.h), printed with
 *     the dma-buf's inode so that a script can compare them with fakecam's
 *     debugfs; and the same hash of a memfd, the negative control.
 *
 * Output, one line each (the scenario parses them):
 *   format XR24 320x240 30/1
 *   buffer index=I ino=N size=S pages=P pfn_hash=H     (--pfn, once a buffer)
 *   control memfd size=S pages=P pfn_hash=H             (--pfn)
 *   frames received=N dmabuf=N stamps_ok=N patterns_ok=N buffers=B first_seq=S last_seq=S gaps=G
 *   holding                                             (--hold)
 * Exit status 0 when --frames frames came as dma-bufs and every check
 * passed; 1 with a message on stderr otherwise; 2 for bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pipewire/pipewire.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>

#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/frame-pattern.h" /* FRAME_PATTERN_STAMP_ONLY_ROWS */
#include "dmabuf-interop/frame-verify.h"
#include "dmabuf-interop/layout.h"

#include "pagemap-hash.h"

struct options {
	const char *target; /* node.name or object.serial; NULL: the default source */
	uint32_t fourcc;
	uint32_t width, height, rate;
	unsigned long frames;
	unsigned int timeout_s;
	enum di_verify verify;
	int stamp_only; /* fakecam's pattern_mode is Stamp Only: check FRAME_PATTERN_STAMP_ONLY_ROWS
			 */
	int pfn;
	int hold;
};

/* What the client keeps per PipeWire buffer (pw_buffer.user_data). */
struct buf_state {
	struct di_buffer_map map; /* the whole dma-buf, read-only: PipeWire exports O_RDONLY */
	ino_t ino;
	unsigned int index; /* in the order PipeWire added the buffers */
	int hashed;
};

struct app {
	struct options opt;
	struct pw_main_loop *loop;
	struct pw_stream *stream;
	struct spa_hook listener;
	struct di_layout layout;
	int have_format;
	unsigned long received, dmabuf, stamps_ok, patterns_ok, buffers, gaps;
	uint64_t first_seq, last_seq;
	int done;   /* the frames are in (or a check failed) */
	int failed; /* exit status 1 */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pw-dmabuf-frames [options]\n"
		"Captures frames from a PipeWire video source, accepting only dma-buf buffers,\n"
		"and checks each frame's stamp and pattern (fakecam's) through an mmap of the fd.\n"
		"\n"
		"  -t, --target NODE     node.name or object.serial of the source\n"
		"                        (default: the one the session manager picks)\n"
		"  -f, --format FMT      XR24, NV12 or YUYV (default XR24)\n"
		"  -W, --width N         frame width (default 320)\n"
		"  -H, --height N        frame height (default 240)\n"
		"  -r, --rate N          frames per second asked for (default 30)\n"
		"  -n, --frames N        frames to receive and check (default 30)\n"
		"  -v, --verify MODE     stamp or full (every byte; the default)\n"
		"      --stamp-only      the camera writes Stamp Only frames (pattern_mode=1):\n"
		"                        check only the rows it writes\n"
		"  -p, --pfn             print each buffer's pfn hash from /proc/self/pagemap\n"
		"                        and a memfd's (negative control); needs root\n"
		"      --hold            after the frames, keep streaming (the buffers stay\n"
		"                        exported) until SIGTERM or SIGINT\n"
		"  -T, --timeout SEC     fail when the frames are not in after SEC s (default 60)\n"
		"  -h, --help            this text\n"
		"Exit status: 0 all frames good, 1 a check failed, 2 bad usage.\n");
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {{"target", required_argument, NULL, 't'},
						 {"format", required_argument, NULL, 'f'},
						 {"width", required_argument, NULL, 'W'},
						 {"height", required_argument, NULL, 'H'},
						 {"rate", required_argument, NULL, 'r'},
						 {"frames", required_argument, NULL, 'n'},
						 {"verify", required_argument, NULL, 'v'},
						 {"stamp-only", no_argument, NULL, 's'},
						 {"pfn", no_argument, NULL, 'p'},
						 {"hold", no_argument, NULL, 'o'},
						 {"timeout", required_argument, NULL, 'T'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct di_error err;
	unsigned long v;
	int c;

	*o = (struct options){.fourcc = DI_FOURCC_XRGB8888,
			      .width = 320,
			      .height = 240,
			      .rate = 30,
			      .frames = 30,
			      .timeout_s = 60,
			      .verify = DI_VERIFY_FULL};
	while ((c = getopt_long(argc, argv, "t:f:W:H:r:n:v:pT:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->target = optarg;
			break;
		case 'f':
			if (strlen(optarg) != 4 ||
			    !di_format_lookup(
				DI_FOURCC(optarg[0], optarg[1], optarg[2], optarg[3]))) {
				fprintf(stderr,
					"pw-dmabuf-frames: --format %s: use XR24, NV12 or YUYV\n",
					optarg);
				return -1;
			}
			o->fourcc = DI_FOURCC(optarg[0], optarg[1], optarg[2], optarg[3]);
			break;
		case 'W':
		case 'H':
		case 'r':
			if (parse_ulong(optarg, c == 'r' ? 240 : DI_DIM_MAX, &v) < 0) {
				fprintf(stderr, "pw-dmabuf-frames: -%c %s: not a number in 1..%u\n",
					c, optarg, c == 'r' ? 240 : DI_DIM_MAX);
				return -1;
			}
			*(c == 'W' ? &o->width : c == 'H' ? &o->height : &o->rate) = (uint32_t)v;
			break;
		case 'n':
			if (parse_ulong(optarg, 1000000, &o->frames) < 0) {
				fprintf(
				    stderr,
				    "pw-dmabuf-frames: --frames %s: not a number in 1..1000000\n",
				    optarg);
				return -1;
			}
			break;
		case 'v':
			if (di_verify_parse(optarg, &o->verify, &err) != DI_OK ||
			    o->verify == DI_VERIFY_NONE) {
				fprintf(stderr,
					"pw-dmabuf-frames: --verify %s: use stamp or full\n",
					optarg);
				return -1;
			}
			break;
		case 's':
			o->stamp_only = 1;
			break;
		case 'p':
			o->pfn = 1;
			break;
		case 'o':
			o->hold = 1;
			break;
		case 'T':
			if (parse_ulong(optarg, 3600, &v) < 0) {
				fprintf(stderr,
					"pw-dmabuf-frames: --timeout %s: not a number in 1..3600\n",
					optarg);
				return -1;
			}
			o->timeout_s = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pw-dmabuf-frames: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static uint32_t spa_format_of(uint32_t fourcc)
{
	switch (fourcc) {
	case DI_FOURCC_XRGB8888:
		return SPA_VIDEO_FORMAT_BGRx; /* B, G, R, X in memory: V4L2's XR24 */
	case DI_FOURCC_NV12:
		return SPA_VIDEO_FORMAT_NV12;
	case DI_FOURCC_YUYV:
		return SPA_VIDEO_FORMAT_YUY2;
	}
	return SPA_VIDEO_FORMAT_UNKNOWN;
}

static void fail(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct app *app, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pw-dmabuf-frames: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	app->failed = 1;
	app->done = 1;
	pw_main_loop_quit(app->loop);
}

static void print_summary(const struct app *app)
{
	printf("frames received=%lu dmabuf=%lu stamps_ok=%lu patterns_ok=%lu buffers=%lu "
	       "first_seq=%" PRIu64 " last_seq=%" PRIu64 " gaps=%lu\n",
	       app->received, app->dmabuf, app->stamps_ok, app->patterns_ok, app->buffers,
	       app->first_seq, app->last_seq, app->gaps);
	fflush(stdout);
}

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
			     const char *error)
{
	struct app *app = data;

	(void)old;
	if (state == PW_STREAM_STATE_ERROR)
		fail(app, "stream error: %s", error ? error : "(no message)");
	else if (state == PW_STREAM_STATE_UNCONNECTED && !app->done)
		fail(app, "the stream was disconnected after %lu frames", app->received);
}

/* The format is fixed: ask for dma-bufs, and only dma-bufs. */
static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct app *app = data;
	struct spa_video_info_raw info = {0}; /* the parser sets only what the format has */
	uint8_t buffer[512];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[1];
	struct di_error err;
	uint32_t mtype, msub;

	if (id != SPA_PARAM_Format || param == NULL)
		return;
	if (spa_format_parse(param, &mtype, &msub) < 0 || mtype != SPA_MEDIA_TYPE_video ||
	    msub != SPA_MEDIA_SUBTYPE_raw || spa_format_video_raw_parse(param, &info) < 0) {
		fail(app, "the negotiated format is not raw video");
		return;
	}
	if (info.format != spa_format_of(app->opt.fourcc) || info.size.width != app->opt.width ||
	    info.size.height != app->opt.height) {
		fail(app, "negotiated format %u %ux%u, asked for %u %ux%u", info.format,
		     info.size.width, info.size.height, spa_format_of(app->opt.fourcc),
		     app->opt.width, app->opt.height);
		return;
	}
	if (di_layout_init(&app->layout, app->opt.fourcc, app->opt.width, app->opt.height, 1,
			   &err) != DI_OK) {
		fail(app, "%s", err.text);
		return;
	}
	app->have_format = 1;
	printf("format %.4s %ux%u %u/%u\n", (const char *)&app->opt.fourcc, info.size.width,
	       info.size.height, info.framerate.num, info.framerate.denom);
	fflush(stdout);

	params[0] = spa_pod_builder_add_object(
	    &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers,
	    SPA_POD_CHOICE_RANGE_Int(4, 2, 16), SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1),
	    SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(1 << SPA_DATA_DmaBuf));
	pw_stream_update_params(app->stream, params, 1);
}

static void on_add_buffer(void *data, struct pw_buffer *b)
{
	struct app *app = data;
	struct buf_state *s = calloc(1, sizeof(*s));

	if (!s) {
		fail(app, "out of memory");
		return;
	}
	s->map.fd = -1;
	s->index = (unsigned int)app->buffers++;
	b->user_data = s;
}

static void on_remove_buffer(void *data, struct pw_buffer *b)
{
	struct buf_state *s = b->user_data;

	(void)data;
	if (!s)
		return;
	di_buffer_unmap(&s->map);
	free(s);
	b->user_data = NULL;
}

/* Maps a buffer's dma-buf at its first frame (after checking it is one). */
static int map_buffer(struct app *app, struct buf_state *s, const struct spa_data *d)
{
	struct di_error err;
	struct stat st;
	uint64_t size;

	if (di_check_buffer_fd((int)d->fd, di_layout_size(&app->layout), DI_FS_MAGIC_DMABUF,
			       &err) != DI_OK ||
	    di_buffer_fd_size((int)d->fd, &size, &err) != DI_OK) {
		fail(app, "%s", err.text);
		return -1;
	}
	if (fstat((int)d->fd, &st) < 0) {
		fail(app, "fstat(fd %" PRId64 "): %s", d->fd, strerror(errno));
		return -1;
	}
	if (di_buffer_map((int)d->fd, (size_t)size, false, &s->map, &err) != DI_OK) {
		fail(app, "%s", err.text);
		return -1;
	}
	s->ino = st.st_ino;
	return 0;
}

/* The pfn hash of a buffer's pages, once, read between SYNC brackets. */
static int hash_buffer(struct app *app, struct buf_state *s)
{
	struct pagemap_result res;
	struct di_error err;
	int ret;

	if (di_buffer_sync(s->map.fd, true, false, &err) != DI_OK) {
		fail(app, "%s", err.text);
		return -1;
	}
	ret = pagemap_hash(s->map.addr, s->map.size, &res);
	di_buffer_sync(s->map.fd, false, false, &err);
	if (ret < 0) {
		fail(app, "buffer %u: %s", s->index, res.why);
		return -1;
	}
	printf("buffer index=%u ino=%lu size=%zu pages=%zu pfn_hash=%016" PRIx64 "\n", s->index,
	       (unsigned long)s->ino, s->map.size, res.pages, res.hash);
	fflush(stdout);
	s->hashed = 1;
	return 0;
}

/* One frame: stamp, format, order and (full) every pattern byte. */
static int check_frame(struct app *app, struct buf_state *s)
{
	struct frame_stamp stamp;
	struct di_mismatch where;
	struct di_error err;
	enum di_status st;
	uint32_t rows = app->opt.stamp_only ? FRAME_PATTERN_STAMP_ONLY_ROWS : 0;

	if (di_buffer_sync(s->map.fd, true, false, &err) != DI_OK) {
		fail(app, "%s", err.text);
		return -1;
	}
	st = di_stamp_read(s->map.addr, s->map.size, &app->layout, &stamp, &err);
	if (st == DI_OK)
		st = di_stamp_verify(s->map.addr, s->map.size, &app->layout, stamp.seq, NULL, &err);
	if (st == DI_OK && app->stamps_ok && stamp.seq <= app->last_seq)
		st = di_error_set(&err, DI_ERR_STAMP, 0,
				  "frame seq %" PRIu64 " after seq %" PRIu64 ": not increasing",
				  (uint64_t)stamp.seq, app->last_seq);
	if (st == DI_OK) {
		if (app->stamps_ok == 0)
			app->first_seq = stamp.seq;
		else if (stamp.seq != app->last_seq + 1)
			app->gaps++;
		app->last_seq = stamp.seq;
		app->stamps_ok++;
		if (app->opt.verify == DI_VERIFY_FULL) {
			st = di_pattern_verify(s->map.addr, s->map.size, &app->layout, stamp.seq,
					       rows, &where, &err);
			if (st == DI_OK)
				app->patterns_ok++;
		}
	}
	di_buffer_sync(s->map.fd, false, false, NULL);
	if (st != DI_OK) {
		fail(app, "frame %lu (dma-buf ino %lu): %s", app->received, (unsigned long)s->ino,
		     err.text);
		return -1;
	}
	return 0;
}

/* The negative control, printed before --hold so that a script sees it. */
static int print_control(struct app *app)
{
	struct pagemap_result control;

	if (pagemap_hash_memfd(di_layout_size(&app->layout), &control) < 0) {
		fail(app, "negative control: %s", control.why);
		return -1;
	}
	printf("control memfd size=%" PRIu64 " pages=%zu pfn_hash=%016" PRIx64 "\n",
	       di_layout_size(&app->layout), control.pages, control.hash);
	fflush(stdout);
	return 0;
}

static void on_process(void *data)
{
	struct app *app = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(app->stream);
	struct spa_data *d;
	struct buf_state *s;

	if (!b)
		return;
	s = b->user_data;
	if (app->done || !app->have_format || !s)
		goto requeue;
	app->received++;
	d = &b->buffer->datas[0];
	if (b->buffer->n_datas < 1 || d->type != SPA_DATA_DmaBuf) {
		fail(app, "frame %lu came as SPA data type %u, not SPA_DATA_DmaBuf (%u)",
		     app->received, b->buffer->n_datas ? d->type : SPA_ID_INVALID, SPA_DATA_DmaBuf);
		goto requeue;
	}
	app->dmabuf++;
	if (!s->map.addr && map_buffer(app, s, d) < 0)
		goto requeue;
	if (check_frame(app, s) < 0)
		goto requeue;
	if (app->opt.pfn && !s->hashed && hash_buffer(app, s) < 0)
		goto requeue;
	if (app->stamps_ok == app->opt.frames) {
		print_summary(app);
		if (app->opt.pfn && print_control(app) < 0)
			goto requeue;
		if (app->opt.hold) {
			printf("holding\n");
			fflush(stdout);
		} else {
			pw_main_loop_quit(app->loop);
		}
		app->done = 1;
	}
requeue:
	pw_stream_queue_buffer(app->stream, b);
}

static const struct pw_stream_events stream_events = {
    PW_VERSION_STREAM_EVENTS,	       .state_changed = on_state_changed,
    .param_changed = on_param_changed, .add_buffer = on_add_buffer,
    .remove_buffer = on_remove_buffer, .process = on_process,
};

static void on_timeout(void *data, uint64_t expirations)
{
	struct app *app = data;

	(void)expirations;
	if (!app->done)
		fail(app, "only %lu of %lu frames checked in %u s", app->stamps_ok, app->opt.frames,
		     app->opt.timeout_s);
}

static void on_signal(void *data, int signo)
{
	struct app *app = data;

	if (!app->done)
		fail(app, "signal %d before the frames were in", signo);
	pw_main_loop_quit(app->loop);
}

static int connect_stream(struct app *app)
{
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[1];
	struct pw_properties *props;

	props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Video", PW_KEY_MEDIA_CATEGORY, "Capture",
				  PW_KEY_MEDIA_ROLE, "Camera", NULL);
	if (app->opt.target)
		pw_properties_set(props, PW_KEY_TARGET_OBJECT, app->opt.target);
	app->stream = pw_stream_new_simple(pw_main_loop_get_loop(app->loop), "pw-dmabuf-frames",
					   props, &stream_events, app);
	if (!app->stream) {
		fprintf(stderr, "pw-dmabuf-frames: cannot create a stream: %s\n", strerror(errno));
		return -1;
	}
	params[0] = spa_pod_builder_add_object(
	    &b, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat, SPA_FORMAT_mediaType,
	    SPA_POD_Id(SPA_MEDIA_TYPE_video), SPA_FORMAT_mediaSubtype,
	    SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), SPA_FORMAT_VIDEO_format,
	    SPA_POD_Id(spa_format_of(app->opt.fourcc)), SPA_FORMAT_VIDEO_size,
	    SPA_POD_Rectangle(&SPA_RECTANGLE(app->opt.width, app->opt.height)),
	    SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&SPA_FRACTION(app->opt.rate, 1)));
	if (pw_stream_connect(app->stream, PW_DIRECTION_INPUT, PW_ID_ANY,
			      PW_STREAM_FLAG_AUTOCONNECT, params, 1) < 0) {
		fprintf(stderr,
			"pw-dmabuf-frames: cannot connect the stream: %s (is pipewire running, "
			"XDG_RUNTIME_DIR set?)\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct app app = {0};
	struct timespec timeout, interval = {0};
	struct spa_source *timer;

	if (parse_options(argc, argv, &app.opt) < 0)
		return 2;
	pw_init(&argc, &argv);
	app.loop = pw_main_loop_new(NULL);
	if (!app.loop) {
		fprintf(stderr, "pw-dmabuf-frames: cannot create a main loop\n");
		return 1;
	}
	pw_loop_add_signal(pw_main_loop_get_loop(app.loop), SIGINT, on_signal, &app);
	pw_loop_add_signal(pw_main_loop_get_loop(app.loop), SIGTERM, on_signal, &app);
	timer = pw_loop_add_timer(pw_main_loop_get_loop(app.loop), on_timeout, &app);
	timeout = (struct timespec){.tv_sec = app.opt.timeout_s};
	pw_loop_update_timer(pw_main_loop_get_loop(app.loop), timer, &timeout, &interval, false);

	if (connect_stream(&app) < 0) {
		app.failed = 1;
	} else {
		pw_main_loop_run(app.loop);
		if (app.failed)
			print_summary(&app);
	}
	if (app.stream)
		pw_stream_destroy(app.stream);
	pw_main_loop_destroy(app.loop);
	pw_deinit();
	return app.failed ? 1 : 0;
}
