/* FTP replies, read incrementally: see wire_ftp.h. */
#include "wire_ftp.h"

#include <errno.h>
#include <string.h>

void ftp_reply_init(struct ftp_reply *r)
{
	memset(r, 0, sizeof *r);
}

/* The code of a line starting "ddd" followed by `sep` (or the end); -1 otherwise. */
static int line_code(const char *l, size_t n)
{
	for (size_t i = 0; i < 3; i++)
		if (i >= n || l[i] < '0' || l[i] > '9')
			return -1;
	return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

/* Appends a line's text to r->text, LF-separated. The cap on bytes bounds it. */
static void keep_text(struct ftp_reply *r, const char *s, size_t n)
{
	if (r->nlines > 0)
		r->text[r->textlen++] = '\n';
	memcpy(r->text + r->textlen, s, n);
	r->textlen += n;
	r->text[r->textlen] = '\0';
}

/* The line of `n` bytes in r->line is whole (its LF removed). */
static int end_line(struct ftp_reply *r, size_t n)
{
	const char *l = r->line;
	if (n > 0 && l[n - 1] == '\r')
		n--;
	int code = line_code(l, n);
	if (r->nlines == FTP_LINES_MAX)
		return -E2BIG;
	if (r->nlines == 0) {
		if (code < 100 || (n > 3 && l[3] != '-' && l[3] != ' '))
			return -EBADMSG;
		r->code = code;
		r->done = n == 3 || l[3] == ' ';
	} else {
		/* Only the code and a blank end a multi-line reply; other lines are text. */
		r->done = code == r->code && (n == 3 || l[3] == ' ');
	}
	size_t skip = code >= 0 && n >= 3 ? (n > 3 ? 4 : 3) : 0;
	keep_text(r, l + skip, n - skip);
	r->nlines++;
	r->partial = 0;
	return r->done;
}

int ftp_reply_feed(struct ftp_reply *r, const uint8_t *data, size_t len, size_t *used)
{
	size_t i = 0;
	int rc = r->error;
	while (rc == 0 && !r->done && i < len) {
		if (r->bytes == FTP_REPLY_MAX) {
			rc = -E2BIG;
			break;
		}
		char c = (char)data[i++];
		if (c == '\0') {
			rc = -EBADMSG; /* a reply is text; a NUL would cut it short */
			break;
		}
		r->bytes++;
		if (c == '\n') {
			rc = end_line(r, r->partial);
			continue;
		}
		r->line[r->partial++] = c;
	}
	*used = i;
	if (rc < 0)
		r->error = rc;
	return rc < 0 ? rc : r->done;
}
