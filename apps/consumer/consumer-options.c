// SPDX-License-Identifier: MIT
#include "consumer-options.h"

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
	    "Usage: consumer [OPTION]...\n"
	    "The display side: listens on a UNIX socket like a compositor, receives a\n"
	    "producer's dma-buf fds, checks every frame through mmap (DMA_BUF_IOCTL_SYNC\n"
	    "around the read), imports the buffers into a KMS display (fakedisp) once and\n"
	    "flips them with atomic commits; a buffer is released back only after the flip\n"
	    "away from it completed or, with fences (--sync), with the out-fence of the\n"
	    "commit that replaces it. Serves many producers at once from one event loop, each\n"
	    "on its own plane (the first on the primary plane, the next ones on overlays);\n"
	    "one atomic commit per vblank carries every producer's newest frame.\n"
	    "\n"
	    "  -S, --socket PATH       where to listen (default $XDG_RUNTIME_DIR/%s,\n"
	    "                          else /tmp/dmabuf-interop-<uid>/%s), mode 0600,\n"
	    "                          owned through PATH.lock; peers of another uid\n"
	    "                          (SO_PEERCRED) are refused with a reason\n"
	    "  -c, --card PATH         DRM card (default: the first of driver fakedisp)\n"
	    "      --driver NAME       driver to look for without --card (default fakedisp)\n"
	    "  -m, --mode WxH          display mode; a producer of that frame size gets the\n"
	    "                          primary plane, the others overlays (nothing is scaled).\n"
	    "                          Default: the first producer's frame size; with a\n"
	    "                          display-allocated pool the connector's preferred mode\n"
	    "      --verify MODE       per frame: none, stamp (default), full (every byte)\n"
	    "      --no-display        verify only: no DRM device, release right after the check\n"
	    "                          (protocol sync: it waits for no fence)\n" APP_SYNC_HELP
		APP_PFN_HELP
	    "      --snapshot FILE     write a PNG of the screen when the first producer\n"
	    "                          with a frame on it leaves\n"
	    "  -n, --frames N          end after N frames received in all (default 0: no limit)\n"
	    "  -p, --producers N       exit once N producers were served (completed HELLO)\n"
	    "                          and left (default 0: keep serving)\n"
	    "  -f, --format FMT        pools the display allocates (producer\n"
	    "                          --display-allocates): XR24, NV12, YUYV (default XR24)\n"
	    "  -b, --buffers N         ... and their number, 2..%u (default 4)\n"
	    "  -t, --handshake-timeout S  a producer that has not completed HELLO and POOL\n"
	    "                          S seconds after connecting is dropped (default 5)\n"
	    "  -l, --layout X,Y[:X,Y...]  where the overlay producers go on the CRTC, in the\n"
	    "                          order they arrive (default: the first place, left to\n"
	    "                          right and top to bottom, where they fit)\n" APP_REPORT_HELP
	    "  -h, --help              this text\n"
	    "\n"
	    "SIGINT and SIGTERM end it in any state: BYE to every producer, its buffers\n"
	    "released and their GEM handles closed.\n"
	    "\n"
	    "Exit status: 0 when frames arrived, every one passed its check and\n"
	    "releases kept display order (a producer dropped for a protocol fault is\n"
	    "logged and counted, not a failure); 1 when a frame failed its check, the\n"
	    "display failed, or no frame arrived at all; 2 on bad usage.\n",
	    DI_SOCKET_NAME, DI_SOCKET_NAME, DI_POOL_MAX);
}

/* X,Y[:X,Y...]: non-negative positions on the CRTC. */
static int parse_layout(const char *text, struct consumer_options *o)
{
	const char *s = text;

	o->nlayout = 0;
	while (*s) {
		unsigned int x, y;
		int used = 0;

		if (o->nlayout == sizeof(o->layout_x) / sizeof(o->layout_x[0]) ||
		    sscanf(s, "%5u,%5u%n", &x, &y, &used) != 2 || (s[used] && s[used] != ':')) {
			fprintf(stderr,
				"consumer: --layout '%s': expected X,Y[:X,Y...] (at most %zu "
				"positions, each 0..99999)\n",
				text, sizeof(o->layout_x) / sizeof(o->layout_x[0]));
			return -1;
		}
		o->layout_x[o->nlayout] = (int32_t)x;
		o->layout_y[o->nlayout++] = (int32_t)y;
		s += used + (s[used] == ':');
	}
	return 0;
}

int consumer_parse_options(int argc, char **argv, struct consumer_options *o)
{
	enum {
		OPT_DRIVER = 256,
		OPT_VERIFY,
		OPT_NO_DISPLAY,
		OPT_PFN_PROOF,
		OPT_SNAPSHOT,
		OPT_SYNC
	};
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 'S'},
	    {"card", required_argument, NULL, 'c'},
	    {"driver", required_argument, NULL, OPT_DRIVER},
	    {"mode", required_argument, NULL, 'm'},
	    {"verify", required_argument, NULL, OPT_VERIFY},
	    {"no-display", no_argument, NULL, OPT_NO_DISPLAY},
	    {"pfn-proof", no_argument, NULL, OPT_PFN_PROOF},
	    {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
	    {"sync", required_argument, NULL, OPT_SYNC},
	    {"frames", required_argument, NULL, 'n'},
	    {"producers", required_argument, NULL, 'p'},
	    {"format", required_argument, NULL, 'f'},
	    {"buffers", required_argument, NULL, 'b'},
	    {"handshake-timeout", required_argument, NULL, 't'},
	    {"layout", required_argument, NULL, 'l'},
	    APP_REPORT_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *p = "consumer";
	struct di_error err;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->driver = "fakedisp";
	o->verify = DI_VERIFY_STAMP;
	o->sync = DI_SYNC_AUTO;
	o->fourcc = DI_FOURCC_XRGB8888;
	o->buffers = 4;
	o->handshake_timeout_s = 5;
	o->report = APP_REPORT_DEFAULTS;
	if (di_socket_default_path(o->socket, sizeof(o->socket), &err)) {
		fprintf(stderr, "consumer: %s\n", err.text);
		return -1;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "S:c:m:n:p:f:b:t:l:h" APP_REPORT_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case 'S':
			if (app_parse_path(p, "socket", optarg, o->socket, sizeof(o->socket)))
				return -1;
			break;
		case 'c':
			o->card = optarg;
			break;
		case OPT_DRIVER:
			o->driver = optarg;
			break;
		case 'm':
			if (app_parse_size(p, "mode", optarg, &o->mode_width, &o->mode_height))
				return -1;
			break;
		case OPT_VERIFY:
			if (di_verify_parse(optarg, &o->verify, &err)) {
				fprintf(stderr, "consumer: --verify: %s\n", err.text);
				return -1;
			}
			break;
		case OPT_NO_DISPLAY:
			o->no_display = true;
			break;
		case OPT_PFN_PROOF:
			o->pfn_proof = true;
			break;
		case OPT_SYNC:
			if (app_parse_sync(p, optarg, &o->sync))
				return -1;
			break;
		case OPT_SNAPSHOT:
			o->snapshot = optarg;
			break;
		case 'n':
			if (app_parse_u32(p, "frames", optarg, 0, UINT32_MAX, &o->frames))
				return -1;
			break;
		case 'p':
			if (app_parse_u32(p, "producers", optarg, 0, UINT32_MAX, &o->producers))
				return -1;
			break;
		case 'f':
			if (app_parse_format(p, "format", optarg, &o->fourcc))
				return -1;
			break;
		case 'b':
			if (app_parse_u32(p, "buffers", optarg, 2, DI_POOL_MAX, &o->buffers))
				return -1;
			break;
		case 't':
			if (app_parse_seconds(p, "handshake-timeout", optarg,
					      &o->handshake_timeout_s))
				return -1;
			break;
		case 'l':
			if (parse_layout(optarg, o))
				return -1;
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
		fprintf(stderr, "consumer: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	return 0;
}
