/*
 * Error messages into a caller's buffer, for library-like modules that never print:
 * `return errf(err, errlen, -EINVAL, "%s: is empty", path);` writes the message and
 * returns the code in one step.
 */
#ifndef VITALS_ERRBUF_H
#define VITALS_ERRBUF_H

#include <stddef.h>

/* Formats the message into err (always terminated when errlen > 0) and returns code. */
int errf(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The text of an errno value (either sign), safe from any thread: strerror() may use a
 * shared buffer, and the scan's engines run on threads of their own.
 */
const char *err_text(int err);

#endif
