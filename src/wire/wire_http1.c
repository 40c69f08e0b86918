/* A whole HTTP/1.x response: see wire_http1.h. */
#include "wire_http1.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static const uint8_t *find_crlfcrlf(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 3 < n; i++)
		if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n')
			return b + i;
	return NULL;
}

/* "HTTP/1.x NNN" */
static int status_line(const uint8_t *b, size_t n, struct http1_response *r)
{
	if (n < 12 || memcmp(b, "HTTP/1.", 7) != 0 || b[7] < '0' || b[7] > '9' || b[8] != ' ')
		return -EBADMSG;
	int code = 0;
	for (int i = 9; i < 12; i++) {
		if (b[i] < '0' || b[i] > '9')
			return -EBADMSG;
		code = code * 10 + (b[i] - '0');
	}
	if (code < 100 || code > 599 || (n > 12 && b[12] != ' ' && b[12] != '\r'))
		return -EBADMSG;
	r->status = code;
	r->minor = b[7] - '0';
	return 0;
}

static long long parse_length(const char *v)
{
	long long n = 0;
	if (*v == '\0')
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > 1000000000000LL)
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

int http1_parse(const uint8_t *buf, size_t len, int closed, struct http1_response *out)
{
	struct http1_response r;
	memset(&r, 0, sizeof r);
	size_t probe = len < 12 ? len : 12;
	if (probe > 0 && memcmp(buf, "HTTP/1.", probe < 7 ? probe : 7) != 0)
		return -EBADMSG;
	const uint8_t *end = find_crlfcrlf(buf, len < HTTP1_HEAD_MAX + 4 ? len : HTTP1_HEAD_MAX + 4);
	if (end == NULL)
		return len > HTTP1_HEAD_MAX ? -E2BIG : closed ? -EBADMSG : 0;
	const uint8_t *eol = memchr(buf, '\n', (size_t)(end - buf) + 2);
	if (status_line(buf, (size_t)(eol - buf), &r) < 0)
		return -EBADMSG;
	r.head = eol + 1;
	r.head_len = (size_t)(end + 2 - r.head);
	r.body = end + 4;
	r.body_len = len - (size_t)(r.body - buf);
	char v[32];
	r.content_length = http1_header(&r, "Content-Length", v, sizeof v) == 0 ? parse_length(v) : -1;
	if (r.content_length >= 0 && (long long)r.body_len >= r.content_length)
		r.body_len = (size_t)r.content_length;
	else if (!closed)
		return 0;
	r.truncated = r.content_length >= 0 && (long long)r.body_len < r.content_length;
	*out = r;
	return 1;
}

/* Copies [v, v+n) trimmed of blanks into dst. */
static void copy_value(const uint8_t *v, size_t n, char *dst, size_t dstlen)
{
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n > dstlen - 1)
		n = dstlen - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	dst[n] = '\0';
}

int http1_header(const struct http1_response *r, const char *name, char *dst, size_t dstlen)
{
	size_t k = strlen(name);
	const uint8_t *p = r->head, *end = r->head + r->head_len;
	while (p < end) {
		const uint8_t *e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if ((size_t)(e - p) > k && p[k] == ':' && strncasecmp((const char *)p, name, k) == 0) {
			copy_value(p + k + 1, (size_t)(e - p) - k - 1, dst, dstlen);
			return 0;
		}
		p = e + 1;
	}
	return -ENOENT;
}
