// SPDX-License-Identifier: MIT
#include "app-pfn.h"

#include <inttypes.h>
#include <sys/stat.h>

#include "dmabuf-interop/pagemap.h"

void app_pfn_report(FILE *out, const char *app, uint32_t buffer, const int *fds,
		    const struct di_layout *l)
{
	for (uint32_t f = 0; f < di_layout_fds(l); f++) {
		struct di_error err;
		struct stat st;
		uint64_t hash;

		if (fstat(fds[f], &st))
			st.st_ino = 0;
		fprintf(out, "%s: pfn-proof: buffer %u fd %u ino %ju ", app, buffer, f,
			(uintmax_t)st.st_ino);
		if (di_pagemap_hash_fd(fds[f], di_layout_fd_size(l, f), &hash, &err))
			fprintf(out, "none: %s\n", err.text);
		else
			fprintf(out, "pagemap pfn_hash %016" PRIx64 "\n", hash);
	}
	fflush(out);
}
