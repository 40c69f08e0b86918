/* SMTP replies, read incrementally: see wire_smtp.h. */
#include "wire_smtp.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

void smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof *r);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The line of `n` bytes at the end of buf is whole: checks it and records its text. */
static int end_line(struct smtp_reply *r, size_t n)
{
	char *line = r->buf + r->bytes - r->partial;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
	    (n > 3 && line[3] != '-' && line[3] != ' '))
		return -EBADMSG;
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (code < 100 || (r->nlines > 0 && code != r->code))
		return -EBADMSG;
	if (r->nlines == SMTP_LINES_MAX)
		return -E2BIG;
	r->code = code;
	r->done = n == 3 || line[3] == ' ';
	size_t start = n > 3 ? 4 : 3;
	r->off[r->nlines] = (size_t)(line - r->buf) + start;
	r->len[r->nlines] = n - start;
	line[n] = '\0'; /* the CR or LF: the text becomes a C string in place */
	r->nlines++;
	r->partial = 0;
	return r->done;
}

int smtp_reply_feed(struct smtp_reply *r, const uint8_t *data, size_t len, size_t *used)
{
	size_t i = 0;
	int rc = r->error;
	while (rc == 0 && !r->done && i < len) {
		if (r->bytes == SMTP_REPLY_MAX) {
			rc = -E2BIG;
			break;
		}
		char c = (char)data[i++];
		/* A NUL inside a line would cut its text short: a reply is text. */
		if (c == '\0') {
			rc = -EBADMSG;
			break;
		}
		r->buf[r->bytes++] = c;
		r->partial++;
		if (c == '\n')
			rc = end_line(r, r->partial - 1);
	}
	*used = i;
	if (rc < 0)
		r->error = rc;
	return rc < 0 ? rc : r->done;
}

const char *smtp_reply_line(const struct smtp_reply *r, unsigned i)
{
	return i < r->nlines ? r->buf + r->off[i] : "";
}

int smtp_ehlo_has(const struct smtp_reply *r, const char *kw)
{
	size_t k = strlen(kw);
	for (unsigned i = 1; i < r->nlines; i++) {
		const char *l = smtp_reply_line(r, i);
		if (strncasecmp(l, kw, k) == 0 && (l[k] == '\0' || isspace((unsigned char)l[k])))
			return 1;
	}
	return 0;
}
