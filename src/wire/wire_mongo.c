/* MongoDB hello over OP_MSG: see wire_mongo.h. */
#include "wire_mongo.h"

#include <errno.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int mongo_hello_build(uint8_t *buf, size_t cap)
{
	/* {hello: int32 1, $db: "admin"} */
	static const uint8_t doc[] = {32, 0, 0,   0,   0x10, 'h', 'e', 'l', 'l', 'o', 0,
	                              1,  0, 0,   0,   0x02, '$', 'd', 'b', 0,   6,   0,
	                              0,  0, 'a', 'd', 'm',  'i', 'n', 0,   0};
	size_t n = 16 + 4 + 1 + sizeof doc;
	if (cap < n)
		return -ENOSPC;
	put32(buf, (uint32_t)n);
	put32(buf + 4, MONGO_REQUEST_ID);
	put32(buf + 8, 0);
	put32(buf + 12, MONGO_OP_MSG);
	put32(buf + 16, 0); /* flagBits */
	buf[20] = 0;        /* section kind 0: the body */
	memcpy(buf + 21, doc, sizeof doc);
	return (int)n;
}

/* The size of an element's value of BSON type t at p[0..n), or -EBADMSG. */
static long value_size(uint8_t t, const uint8_t *p, size_t n)
{
	static const signed char fixed[20] = {-1, 8,  -1, -1, -1, -1, 0, 12, 1, 8,
	                                      0,  -1, -1, -1, -1, -1, 4, 8,  8, 16};
	if (t == 0x7f || t == 0xff) /* MaxKey, MinKey */
		return 0;
	if (t == 0 || t >= 20)
		return -EBADMSG;
	if (fixed[t] >= 0)
		return fixed[t];
	if (t == 11) { /* regex: two cstrings */
		const uint8_t *a = memchr(p, 0, n), *b = a ? memchr(a + 1, 0, n - (size_t)(a + 1 - p)) : NULL;
		return b ? (long)(b + 1 - p) : -EBADMSG;
	}
	if (n < 4)
		return -EBADMSG;
	long k = (long)get32(p);
	/* string, code, symbol: int32 length then bytes; binary: length, subtype, bytes;
	 * dbpointer: a string then 12 bytes; document, array, code-with-scope: their own length */
	long size = t == 2 || t == 13 || t == 14 ? 4 + k : t == 5 ? 5 + k : t == 12 ? 4 + k + 12 : k;
	if (k < 0 || size < 4 || (unsigned long)size > n)
		return -EBADMSG;
	return size;
}

/* A BSON string value (int32 length with NUL, bytes) into dst, cut to fit. */
static void take_string(char *dst, size_t dstsz, const uint8_t *v, long size)
{
	size_t k = (size_t)size - 4;
	k = k > 0 ? k - 1 : 0; /* its NUL */
	k = k < dstsz - 1 ? k : dstsz - 1;
	memcpy(dst, v + 4, k);
	dst[k] = '\0';
}

/* A double, int32, int64 or boolean value as a double (each read only as wide as it is). */
static double number(uint8_t t, const uint8_t *v)
{
	if (t == 8)
		return v[0] != 0;
	if (t == 16)
		return (int32_t)get32(v);
	uint64_t u = (uint64_t)get32(v) | (uint64_t)get32(v + 4) << 32;
	double d;
	memcpy(&d, &u, sizeof d);
	return t == 1 ? d : (double)(int64_t)u;
}

/* One top-level element named `name` of type t with its value v[0..size). */
static void element(const char *name, uint8_t t, const uint8_t *v, long size, struct mongo_hello *h)
{
	int num = t == 1 || t == 16 || t == 18 || t == 8;
	if (strcmp(name, "ok") == 0 && num)
		h->has_ok = 1, h->ok = number(t, v);
	else if ((strcmp(name, "isWritablePrimary") == 0 || strcmp(name, "ismaster") == 0) && t == 8)
		h->writable = v[0] != 0;
	else if (strcmp(name, "maxWireVersion") == 0 && t == 16)
		h->has_wire = 1, h->max_wire = (int32_t)get32(v);
	else if (strcmp(name, "minWireVersion") == 0 && t == 16)
		h->min_wire = (int32_t)get32(v);
	else if (strcmp(name, "code") == 0 && num)
		h->code = (int32_t)number(t, v);
	else if (t == 2 && strcmp(name, "setName") == 0)
		take_string(h->set_name, sizeof h->set_name, v, size);
	else if (t == 2 && strcmp(name, "msg") == 0)
		take_string(h->msg, sizeof h->msg, v, size);
	else if (t == 2 && strcmp(name, "errmsg") == 0)
		take_string(h->errmsg, sizeof h->errmsg, v, size);
}

/* The body document p[0..n) (its own length first). */
static int body(const uint8_t *p, size_t n, struct mongo_hello *h)
{
	if (n < 5 || get32(p) != n || p[n - 1] != 0)
		return -EBADMSG;
	size_t off = 4;
	while (p[off] != 0) {
		uint8_t t = p[off++];
		/* the name ends before the document's own last byte */
		const uint8_t *nul = memchr(p + off, 0, n - 1 - off);
		if (nul == NULL)
			return -EBADMSG;
		const char *name = (const char *)p + off;
		off = (size_t)(nul - p) + 1;
		long size = value_size(t, p + off, n - 1 - off);
		if (size < 0 || (size_t)size > n - 1 - off)
			return -EBADMSG;
		element(name, t, p + off, size, h);
		off += (size_t)size;
	}
	return off == n - 1 ? 0 : -EBADMSG;
}

int mongo_hello_parse(const uint8_t *buf, size_t len, struct mongo_hello *out, size_t *used)
{
	if (len < 16)
		return 0;
	uint32_t mlen = get32(buf), flags;
	if (mlen > MONGO_REPLY_MAX)
		return -E2BIG;
	if (mlen < 16 + 4 + 1 + 5 || get32(buf + 8) != MONGO_REQUEST_ID || get32(buf + 12) != MONGO_OP_MSG)
		return -EBADMSG;
	if (len < mlen)
		return 0;
	flags = get32(buf + 16);
	size_t end = mlen - ((flags & 1) ? 4 : 0); /* checksumPresent: a CRC-32C trails */
	if (buf[20] != 0 || end < 21 + 5)
		return -EBADMSG;
	size_t blen = get32(buf + 21);
	struct mongo_hello h = {.writable = -1};
	if (blen > end - 21 || body(buf + 21, blen, &h) < 0)
		return -EBADMSG;
	*out = h;
	*used = mlen;
	return 1;
}
