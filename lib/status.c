// SPDX-License-Identifier: MIT
/* Status names and the error report (status.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmabuf-interop/status.h"

static const char *const status_names[] = {
    [DI_OK] = "DI_OK",
    [DI_ERR_SHORT] = "DI_ERR_SHORT",
    [DI_ERR_MAGIC] = "DI_ERR_MAGIC",
    [DI_ERR_VERSION] = "DI_ERR_VERSION",
    [DI_ERR_TYPE] = "DI_ERR_TYPE",
    [DI_ERR_LENGTH] = "DI_ERR_LENGTH",
    [DI_ERR_FIELD] = "DI_ERR_FIELD",
    [DI_ERR_INDEX] = "DI_ERR_INDEX",
    [DI_ERR_COUNT] = "DI_ERR_COUNT",
    [DI_ERR_LAYOUT] = "DI_ERR_LAYOUT",
    [DI_ERR_FDS] = "DI_ERR_FDS",
    [DI_ERR_CTRUNC] = "DI_ERR_CTRUNC",
    [DI_ERR_NOT_DMABUF] = "DI_ERR_NOT_DMABUF",
    [DI_ERR_FD_SIZE] = "DI_ERR_FD_SIZE",
    [DI_ERR_STATE] = "DI_ERR_STATE",
    [DI_ERR_PEER_CLOSED] = "DI_ERR_PEER_CLOSED",
    [DI_ERR_PEER_REFUSED] = "DI_ERR_PEER_REFUSED",
    [DI_ERR_AGAIN] = "DI_ERR_AGAIN",
    [DI_ERR_SYS] = "DI_ERR_SYS",
    [DI_ERR_STAMP] = "DI_ERR_STAMP",
    [DI_ERR_PATTERN] = "DI_ERR_PATTERN",
    [DI_ERR_REMOTE] = "DI_ERR_REMOTE",
    [DI_ERR_NOT_FENCE] = "DI_ERR_NOT_FENCE",
    [DI_ERR_FENCE] = "DI_ERR_FENCE",
};

const char *di_status_name(unsigned int status)
{
	if (status < sizeof(status_names) / sizeof(status_names[0]) && status_names[status])
		return status_names[status];
	return "DI_ERR_?";
}

enum di_status di_error_set(struct di_error *err, enum di_status status, int sys_errno,
			    const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return status;
	err->status = status;
	err->sys_errno = sys_errno;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return status;
}

void di_error_clear(struct di_error *err)
{
	if (!err)
		return;
	err->status = DI_OK;
	err->sys_errno = 0;
	err->text[0] = '\0';
}
