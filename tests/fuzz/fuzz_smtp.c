/*
 * Fuzz target for SMTP replies (wire_smtp.c): the input is fed in pieces whose size the
 * first byte chooses, as replies one after the other; what the parser keeps must stay
 * inside its caps and every line must be a string inside its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct smtp_reply *r)
{
	if (r->nlines > SMTP_LINES_MAX || r->bytes > SMTP_REPLY_MAX)
		abort();
	for (unsigned i = 0; i < r->nlines; i++) {
		const char *l = smtp_reply_line(r, i);
		if (l < r->buf || l + strlen(l) > r->buf + SMTP_REPLY_MAX || strlen(l) != r->len[i])
			abort();
	}
	(void)smtp_ehlo_has(r, "STARTTLS");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t step = size > 0 ? (size_t)data[0] % 32 + 1 : 1, off = size > 0 ? 1 : 0;
	struct smtp_reply *r = malloc(sizeof *r);
	if (r == NULL)
		return 0;
	smtp_reply_init(r);
	while (off < size) {
		size_t n = size - off < step ? size - off : step, used = 0;
		int rc = smtp_reply_feed(r, data + off, n, &used);
		if (used > n)
			abort();
		off += used;
		check(r);
		if (rc < 0)
			break;
		if (rc == 1)
			smtp_reply_init(r); /* the next reply */
	}
	free(r);
	return 0;
}
