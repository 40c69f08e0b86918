/*
 * Fuzz target for the security.txt parser (wire_sectxt.c): the raw input is parsed
 * without a terminating NUL, so any read past the end is caught; returned spans
 * must lie inside the input. The date parser and the content-type and HTML sniffers
 * get the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_sectxt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void span_inside(struct sectxt_span sp, const char *s, size_t n)
{
	if (sp.n > 0 && (sp.p < s || sp.p + sp.n > s + n))
		abort();
}

static void check(const struct sectxt *st, const char *s, size_t n)
{
	for (unsigned i = 0; i < st->ncontact && i < SECTXT_MAX_KEPT; i++) {
		span_inside(st->contact[i], s, n);
		if (st->contact[i].n == 0)
			abort();
	}
	span_inside(st->bad_contact, s, n);
	span_inside(st->expires_text, s, n);
	if (st->expires_valid && st->expires_text.n == 0)
		abort();
	if (st->ncontact > st->count[SECTXT_CONTACT] || st->nlines > SECTXT_MAX_LINES)
		abort();
	for (unsigned i = 0; i < st->nerr && i < SECTXT_MAX_ERRORS; i++)
		if (st->err[i].what == NULL || st->err[i].line == 0 ||
		    (i > 0 && st->err[i].line < st->err[i - 1].line))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct sectxt st;
	time_t t;
	int rc = sectxt_parse(s, size, &st);
	if (size > SECTXT_MAX_BYTES ? rc != -EFBIG : rc != 0)
		abort();
	if (rc == 0)
		check(&st, s, size);
	(void)sectxt_looks_like_html(s, size);
	(void)sectxt_parse_datetime(s, size < 64 ? size : 64, &t);
	char *z = malloc(size + 1);
	if (z == NULL)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	(void)sectxt_content_type_ok(z);
	free(z);
	return 0;
}
