/* PostgreSQL startup and first reply: see wire_pg.h. */
#include "wire_pg.h"

#include <errno.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int pg_startup_build(uint8_t *buf, size_t cap)
{
	static const char params[] = "user\0" PG_STARTUP_USER "\0database\0" PG_STARTUP_DB "\0"
	                             "application_name\0vitals\0";
	/* sizeof includes the string's own NUL: the list's terminating empty name */
	size_t n = 4 + 4 + sizeof params;
	if (cap < n)
		return -ENOSPC;
	put32(buf, (uint32_t)n);
	put32(buf + 4, PG_PROTOCOL_3);
	memcpy(buf + 8, params, sizeof params);
	return (int)n;
}

/* A NUL-terminated string at p[0..n) copied into dst, cut to fit; its length with NUL or -EBADMSG. */
static int copy_cstr(char *dst, size_t dstsz, const uint8_t *p, size_t n)
{
	const uint8_t *nul = memchr(p, '\0', n);
	if (nul == NULL)
		return -EBADMSG;
	size_t k = (size_t)(nul - p), c = k < dstsz - 1 ? k : dstsz - 1;
	memcpy(dst, p, c);
	dst[c] = '\0';
	return (int)k + 1;
}

/* SASL mechanisms: NUL-terminated names, then an empty one; comma-joined into out->mechs. */
static int sasl_mechs(const uint8_t *p, size_t n, struct pg_reply *out)
{
	size_t off = 0, w = 0;
	while (off < n && p[off] != '\0') {
		char name[64];
		int k = copy_cstr(name, sizeof name, p + off, n - off);
		if (k < 0)
			return k;
		size_t nl = strlen(name);
		if (w + (w ? 1 : 0) + nl < sizeof out->mechs) {
			if (w)
				out->mechs[w++] = ',';
			memcpy(out->mechs + w, name, nl);
			w += nl;
			out->mechs[w] = '\0';
		}
		off += (size_t)k;
	}
	return off < n ? 0 : -EBADMSG;
}

static int auth_body(const uint8_t *p, size_t n, struct pg_reply *out)
{
	if (n < 4)
		return -EBADMSG;
	out->auth = (int32_t)get32(p);
	if (out->auth == PG_AUTH_SASL)
		return sasl_mechs(p + 4, n - 4, out);
	return 0;
}

/* ErrorResponse fields: a type byte and a string each, then a zero byte. */
static int error_body(const uint8_t *p, size_t n, struct pg_reply *out)
{
	size_t off = 0;
	while (off < n && p[off] != '\0') {
		char f = (char)p[off++], tmp[8];
		char *dst = f == 'S'   ? out->severity
		            : f == 'C' ? out->sqlstate
		            : f == 'M' ? out->message
		                       : tmp;
		size_t dsz = f == 'S'   ? sizeof out->severity
		             : f == 'C' ? sizeof out->sqlstate
		             : f == 'M' ? sizeof out->message
		                        : sizeof tmp;
		int k = copy_cstr(dst, dsz, p + off, n - off);
		if (k < 0)
			return k;
		off += (size_t)k;
	}
	return off < n ? 0 : -EBADMSG;
}

int pg_reply_parse(const uint8_t *buf, size_t len, struct pg_reply *out, size_t *used)
{
	if (len >= 1 && buf[0] != 'R' && buf[0] != 'E' && buf[0] != 'v')
		return -EBADMSG;
	if (len < 5)
		return 0;
	uint32_t mlen = get32(buf + 1);
	if (mlen < 4)
		return -EBADMSG;
	if (mlen > PG_MSG_MAX)
		return -E2BIG;
	if (len - 1 < mlen)
		return 0;
	struct pg_reply r = {.type = (char)buf[0]};
	const uint8_t *body = buf + 5;
	size_t n = mlen - 4;
	int rc = r.type == 'R' ? auth_body(body, n, &r) : r.type == 'E' ? error_body(body, n, &r) : 0;
	if (r.type == 'v') {
		rc = n >= 4 ? 0 : -EBADMSG;
		r.newest_minor = rc == 0 ? (int32_t)get32(body) : 0;
	}
	if (rc < 0)
		return rc;
	*out = r;
	*used = 1 + mlen;
	return 1;
}

const char *pg_auth_name(int32_t auth)
{
	switch (auth) {
	case PG_AUTH_OK:
		return "ok";
	case PG_AUTH_KERBEROS:
		return "kerberos";
	case PG_AUTH_CLEARTEXT:
		return "cleartext";
	case PG_AUTH_MD5:
		return "md5";
	case PG_AUTH_GSS:
		return "gss";
	case PG_AUTH_SSPI:
		return "sspi";
	case PG_AUTH_SASL:
		return "sasl";
	default:
		return "other";
	}
}
