/* Elasticsearch/OpenSearch GET /: see wire_es.h. */
#include "wire_es.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int es_request_build(char *buf, size_t cap, const char *host)
{
	int n = snprintf(buf, cap,
	                 "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: vitals\r\nAccept: application/json\r\n"
	                 "Connection: close\r\n\r\n",
	                 host);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static void copy_field(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t k = n < dstsz - 1 ? n : dstsz - 1;
	memcpy(dst, s, k);
	dst[k] = '\0';
}

/* The header `name` in head[0..n) (lines after the status line): its value and length, or NULL. */
static const char *header(const char *head, size_t n, const char *name, size_t *vlen)
{
	size_t k = strlen(name);
	const char *p = memchr(head, '\n', n), *end = head + n;
	while (p != NULL && p + 1 < end) {
		const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
		size_t ln = eol ? (size_t)(eol - line) : (size_t)(end - line);
		if (ln > k && strncasecmp(line, name, k) == 0 && line[k] == ':') {
			const char *v = line + k + 1;
			while (v < line + ln && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(line + ln - v);
			while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			*vlen = vl;
			return v;
		}
		p = eol;
	}
	return NULL;
}

static void json_field(char *dst, size_t dstsz, json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (s != NULL)
		copy_field(dst, dstsz, s, strlen(s));
}

static void body_fields(const char *body, size_t n, struct es_reply *r)
{
	json_t *j = json_loadb(body, n, 0, NULL);
	if (json_is_object(j)) {
		r->json = 1;
		json_field(r->cluster_name, sizeof r->cluster_name, j, "cluster_name");
		json_field(r->tagline, sizeof r->tagline, j, "tagline");
		json_t *v = json_object_get(j, "version");
		json_field(r->version, sizeof r->version, v, "number");
		json_field(r->distribution, sizeof r->distribution, v, "distribution");
	}
	json_decref(j);
}

/* "HTTP/1.x DDD": the status code, or -EBADMSG. */
static int status_line(const char *s, size_t n)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[8] != ' ')
		return -EBADMSG;
	int code = 0;
	for (int i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EBADMSG;
		code = code * 10 + (s[i] - '0');
	}
	return code >= 100 ? code : -EBADMSG;
}

/* Content-Length as a number: -1 when absent, -EBADMSG when not digits, -E2BIG over the cap. */
static long content_length(const char *head, size_t n)
{
	size_t vl;
	const char *v = header(head, n, "Content-Length", &vl);
	if (v == NULL)
		return -1;
	long k = 0;
	if (vl == 0)
		return -EBADMSG;
	for (size_t i = 0; i < vl; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		k = k * 10 + (v[i] - '0');
		if (k > ES_BODY_MAX)
			return -E2BIG;
	}
	return k;
}

int es_reply_parse(const uint8_t *buf, size_t len, int closed, struct es_reply *out)
{
	const char *s = (const char *)buf;
	size_t scan = len < ES_HEAD_MAX ? len : ES_HEAD_MAX;
	if (len >= 7 && memcmp(s, "HTTP/1.", 7) != 0)
		return -EBADMSG;
	const char *eoh = memmem(s, scan, "\r\n\r\n", 4);
	if (eoh == NULL)
		return len > ES_HEAD_MAX ? -E2BIG : closed ? -EBADMSG : 0;
	size_t hn = (size_t)(eoh - s) + 2, body = hn + 2;
	struct es_reply r = {0};
	r.status = status_line(s, hn);
	if (r.status < 0)
		return r.status;
	long cl = content_length(s, hn);
	if (cl < -1)
		return (int)cl;
	size_t have = len - body, need = cl >= 0 ? (size_t)cl : have;
	if (have > ES_BODY_MAX || (cl < 0 && !closed))
		return have > ES_BODY_MAX ? -E2BIG : 0;
	if (have < need)
		return closed ? -EBADMSG : 0;
	size_t vl;
	const char *v = header(s, hn, "X-elastic-product", &vl);
	if (v != NULL)
		copy_field(r.product, sizeof r.product, v, vl);
	r.www_authenticate = header(s, hn, "WWW-Authenticate", &vl) != NULL;
	if (header(s, hn, "Transfer-Encoding", &vl) == NULL)
		body_fields(s + body, need, &r);
	*out = r;
	return 1;
}
