/* Error messages into a caller's buffer. */
#include "errbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen > 0)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

const char *err_text(int err)
{
	const char *s = strerrordesc_np(err < 0 ? -err : err);
	return s != NULL ? s : "unknown error";
}
