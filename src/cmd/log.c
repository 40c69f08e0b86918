/* Logging for the command layer. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static enum log_level log_level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	if (lvl > log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "vitals: %s: ", names[lvl]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
