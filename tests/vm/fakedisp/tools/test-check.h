/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * CHECK(cond, fmt, ...): the fakedisp test programs' assertion: prints
 * "FAIL: " and the message, and exits 1, when @cond is false.
 */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL: " __VA_ARGS__);                                     \
			fprintf(stderr, "\n");                                                     \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#endif
