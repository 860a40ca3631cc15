// SPDX-License-Identifier: MIT
/*
 * hold-buffer: the seed walkthrough's process. Captures one 640x480 XR24
 * frame from a V4L2 node (fakecam), exports its buffer (VIDIOC_EXPBUF) and
 * closes the video node, so that the dma-buf fd is the only thing holding
 * the buffer (and, through exp_info.owner, the module). Then it follows
 * commands on stdin, one per line:
 *   read   mmap the dma-buf and check the frame's stamp and pattern between
 *          DMA_BUF_IOCTL_SYNC START and END
 *   close  close the fd (the exporter's release runs) and exit
 * Usage: hold-buffer VIDEO_NODE. Prints "holding ..." once ready.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/buffer-check.h"

static int capture_and_export(const char *node, int *dmabuf, uint64_t *seq)
{
	struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	struct v4l2_requestbuffers req = {
	    .count = 1, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
	struct v4l2_buffer buf = {
	    .index = 0, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
	struct v4l2_exportbuffer exp = {
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .index = 0, .flags = O_RDONLY | O_CLOEXEC};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int video = open(node, O_RDWR | O_CLOEXEC);

	if (video < 0) {
		fprintf(stderr, "hold-buffer: open %s: %s\n", node, strerror(errno));
		return -1;
	}
	fmt.fmt.pix = (struct v4l2_pix_format){
	    .width = 640, .height = 480, .pixelformat = V4L2_PIX_FMT_XBGR32};
	if (ioctl(video, VIDIOC_S_FMT, &fmt) || ioctl(video, VIDIOC_REQBUFS, &req) ||
	    ioctl(video, VIDIOC_QBUF, &buf) || ioctl(video, VIDIOC_STREAMON, &type) ||
	    ioctl(video, VIDIOC_DQBUF, &buf) || ioctl(video, VIDIOC_STREAMOFF, &type) ||
	    ioctl(video, VIDIOC_EXPBUF, &exp)) {
		fprintf(stderr, "hold-buffer: capture on %s: %s\n", node, strerror(errno));
		close(video);
		return -1;
	}
	*dmabuf = exp.fd;
	*seq = buf.sequence;
	/* Only the dma-buf holds the buffer from here on. */
	close(video);
	return 0;
}

int main(int argc, char **argv)
{
	struct di_buffer_map map;
	struct frame_stamp stamp;
	struct di_layout layout;
	struct di_error err;
	struct stat st;
	char line[64];
	uint64_t seq;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "Usage: hold-buffer VIDEO_NODE\n");
		return 2;
	}
	if (capture_and_export(argv[1], &fd, &seq) ||
	    di_layout_init(&layout, DI_FOURCC_XRGB8888, 640, 480, 1, &err) ||
	    di_check_buffer_fd(fd, di_layout_size(&layout), DI_FS_MAGIC_DMABUF, &err) ||
	    fstat(fd, &st)) {
		fprintf(stderr, "hold-buffer: %s\n", err.text);
		return 1;
	}
	printf("holding dma-buf fd %d ino %llu (frame %llu); the video node is closed\n", fd,
	       (unsigned long long)st.st_ino, (unsigned long long)seq);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "read", 4)) {
			if (di_buffer_map(fd, di_layout_size(&layout), false, &map, &err) ||
			    di_frame_verify_mapped(&map, &layout, seq, DI_VERIFY_FULL, 0, &stamp,
						   NULL, &err)) {
				printf("read: FAIL: %s\n", err.text);
				return 1;
			}
			di_buffer_unmap(&map);
			printf("read: frame %llu %ux%u, stamp and pattern intact (mmap between "
			       "SYNC_START and SYNC_END)\n",
			       (unsigned long long)stamp.seq, stamp.width, stamp.height);
		} else if (!strncmp(line, "close", 5)) {
			close(fd);
			printf("closed\n");
			return 0;
		}
		fflush(stdout);
	}
	return 1;
}
