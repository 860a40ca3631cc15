// SPDX-License-Identifier: MIT
#include "producer-options.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app-args.h"
#include "app-pfn.h"
#include "dmabuf-interop/layout.h"
#include "dmabuf-interop/protocol.h"
#include "dmabuf-interop/socket.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: producer [OPTION]...\n"
	    "The camera side: streams a V4L2 capture device (fakecam) through libv4l2 and\n"
	    "lends its buffers to the consumer as dma-buf fds over a UNIX socket; a buffer\n"
	    "is queued to the camera again only after the consumer released it. With several\n"
	    "--socket options every frame goes to each consumer (fan-out), and a buffer goes\n"
	    "back to the camera only when every consumer released it.\n"
	    "\n"
	    "  -d, --device PATH       V4L2 node (default: the first of driver fakecam)\n"
	    "      --driver NAME       driver to look for without --device (default fakecam)\n"
	    "  -f, --format FMT        XR24 (XRGB8888), NV12, YUYV, NV21, NV16, YUV420 (YU12)\n"
	    "                          or RGB565 (RG16) (default XR24). On a multi-planar\n"
	    "                          node (found by its capabilities) NV12 and NV21 are\n"
	    "                          V4L2's NV12M and NV21M: a dma-buf per plane\n"
	    "  -s, --size WxH          frame size (default 1920x1080)\n"
	    "  -r, --fps N|max         frame rate 1..240, or max: fakecam's Unthrottled control\n"
	    "                          (a frame whenever a buffer is queued; default 30)\n"
	    "      --pattern full|stamp  fakecam's Pattern Mode control: the whole test pattern\n"
	    "                          or the stamp and a few rows only (default: leave it)\n"
	    "  -b, --buffers N         buffers in the pool, 2..%u (default 4)\n"
	    "  -n, --frames N          stop after N frames (default 0: until interrupted)\n"
	    "  -S, --socket PATH       consumer's socket (default $XDG_RUNTIME_DIR/%s,\n"
	    "                          else /tmp/dmabuf-interop-<uid>/%s); again for more\n"
	    "                          consumers, up to %u. A consumer of another uid (not\n"
	    "                          root) is refused before any fd goes out (SO_PEERCRED)\n"
	    "      --fd-per-frame      send the buffer's fd with every FRAME (the consumer\n"
	    "                          imports it every time) instead of once in the POOL\n"
	    "      --display-allocates\n"
	    "                          the consumer allocates (fakedisp dumb buffers) and\n"
	    "                          sends the POOL; they are queued to the camera as\n"
	    "                          V4L2_MEMORY_DMABUF (format and size: the consumer's)\n"
	    "      --allocator A       who allocates the pool: camera (V4L2 MMAP + EXPBUF,\n"
	    "                          the default), heap (/dev/dma_heap/system) or udmabuf\n"
	    "                          (a memfd through /dev/udmabuf); heap and udmabuf\n"
	    "                          buffers are queued to the camera as V4L2_MEMORY_DMABUF\n"
	    "      --verify MODE       check each dequeued frame: none, stamp (default), "
	    "full\n"
	    "                          (with fences: each one already written at "
	    "DQBUF)\n" APP_SYNC_HELP APP_PFN_HELP APP_REPORT_HELP
	    "  -h, --help              this text\n"
	    "\n"
	    "SIGINT and SIGTERM end it in any state: BYE to every consumer, then the\n"
	    "buffers back to the camera and STREAMOFF.\n"
	    "\n"
	    "Exit status: 0 when every frame was sent, checked and released in order (a\n"
	    "consumer dropped while others go on is counted, not a failure); 1 on a\n"
	    "verification failure, a protocol fault, or when no consumer is left; 2 on\n"
	    "bad usage.\n",
	    DI_POOL_MAX, DI_SOCKET_NAME, DI_SOCKET_NAME, PRODUCER_CONSUMERS_MAX);
}

int producer_parse_options(int argc, char **argv, struct producer_options *o)
{
	enum {
		OPT_DRIVER = 256,
		OPT_PATTERN,
		OPT_FD_PER_FRAME,
		OPT_PFN_PROOF,
		OPT_DISPLAY_ALLOCATES,
		OPT_VERIFY,
		OPT_SYNC,
		OPT_ALLOCATOR
	};
	static const struct option longopts[] = {
	    {"device", required_argument, NULL, 'd'},
	    {"driver", required_argument, NULL, OPT_DRIVER},
	    {"format", required_argument, NULL, 'f'},
	    {"size", required_argument, NULL, 's'},
	    {"fps", required_argument, NULL, 'r'},
	    {"pattern", required_argument, NULL, OPT_PATTERN},
	    {"buffers", required_argument, NULL, 'b'},
	    {"frames", required_argument, NULL, 'n'},
	    {"socket", required_argument, NULL, 'S'},
	    {"fd-per-frame", no_argument, NULL, OPT_FD_PER_FRAME},
	    {"pfn-proof", no_argument, NULL, OPT_PFN_PROOF},
	    {"display-allocates", no_argument, NULL, OPT_DISPLAY_ALLOCATES},
	    {"allocator", required_argument, NULL, OPT_ALLOCATOR},
	    {"verify", required_argument, NULL, OPT_VERIFY},
	    {"sync", required_argument, NULL, OPT_SYNC},
	    APP_REPORT_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *p = "producer";
	struct di_error err;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->driver = "fakecam";
	o->fourcc = DI_FOURCC_XRGB8888;
	o->width = 1920;
	o->height = 1080;
	o->fps = 30;
	o->pattern = -1;
	o->buffers = 4;
	o->verify = DI_VERIFY_STAMP;
	o->sync = DI_SYNC_AUTO;
	o->report = APP_REPORT_DEFAULTS;
	if (di_socket_default_path(o->socket[0], sizeof(o->socket[0]), &err)) {
		fprintf(stderr, "producer: %s\n", err.text);
		return -1;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:f:s:r:b:n:S:h" APP_REPORT_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			o->device = optarg;
			break;
		case OPT_DRIVER:
			o->driver = optarg;
			break;
		case 'f':
			if (app_parse_format(p, "format", optarg, &o->fourcc))
				return -1;
			break;
		case 's':
			if (app_parse_size(p, "size", optarg, &o->width, &o->height))
				return -1;
			break;
		case 'r':
			if (!strcmp(optarg, "max")) {
				o->unthrottled = true;
				o->fps = 0;
			} else if (app_parse_u32(p, "fps", optarg, 1, 240, &o->fps)) {
				return -1;
			}
			break;
		case OPT_PATTERN:
			if (strcmp(optarg, "full") && strcmp(optarg, "stamp")) {
				fprintf(stderr, "producer: --pattern %s: expected full or stamp\n",
					optarg);
				return -1;
			}
			o->pattern = !strcmp(optarg, "stamp");
			break;
		case 'b':
			if (app_parse_u32(p, "buffers", optarg, 2, DI_POOL_MAX, &o->buffers))
				return -1;
			break;
		case 'n':
			if (app_parse_u32(p, "frames", optarg, 0, UINT32_MAX, &o->frames))
				return -1;
			break;
		case 'S':
			if (o->nsockets == PRODUCER_CONSUMERS_MAX) {
				fprintf(stderr, "producer: at most %u --socket options\n",
					PRODUCER_CONSUMERS_MAX);
				return -1;
			}
			if (app_parse_path(p, "socket", optarg, o->socket[o->nsockets],
					   sizeof(o->socket[0])))
				return -1;
			o->nsockets++;
			break;
		case OPT_FD_PER_FRAME:
			o->fd_per_frame = true;
			break;
		case OPT_PFN_PROOF:
			o->pfn_proof = true;
			break;
		case OPT_DISPLAY_ALLOCATES:
			o->display_allocates = true;
			break;
		case OPT_ALLOCATOR:
			if (allocator_parse(optarg, &o->allocator)) {
				fprintf(stderr,
					"producer: --allocator %s: expected camera, heap or udmabuf\n",
					optarg);
				return -1;
			}
			break;
		case OPT_SYNC:
			if (app_parse_sync(p, optarg, &o->sync))
				return -1;
			break;
		case OPT_VERIFY:
			if (di_verify_parse(optarg, &o->verify, &err)) {
				fprintf(stderr, "producer: --verify: %s\n", err.text);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			r = app_report_parse(p, c, optarg, &o->report);
			if (!r)
				break;
			if (r > 0) /* not an option of ours */
				usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "producer: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	if (!o->nsockets)
		o->nsockets = 1; /* the default path */
	if (o->nsockets > 1 && o->display_allocates) {
		fprintf(stderr, "producer: --display-allocates takes one --socket: the buffers "
				"are that consumer's\n");
		return -1;
	}
	if (o->fd_per_frame && o->display_allocates) {
		fprintf(stderr, "producer: --fd-per-frame and --display-allocates exclude each "
				"other: the display's buffers are lent once\n");
		return -1;
	}
	if (o->allocator != ALLOCATOR_CAMERA && (o->display_allocates || o->fd_per_frame)) {
		fprintf(stderr, "producer: --allocator %s excludes --display-allocates and "
				"--fd-per-frame: its buffers are lent once, by us\n",
			allocator_name(o->allocator));
		return -1;
	}
	return 0;
}
