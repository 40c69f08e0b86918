/* The MySQL/MariaDB greeting: see wire_mysql.h. */
#include "wire_mysql.h"

#include <errno.h>
#include <string.h>

/* A NUL-terminated string at p[0..n) into dst, cut to fit: its size with the NUL, or -EBADMSG. */
static int take_cstr(char *dst, size_t dstsz, const uint8_t *p, size_t n)
{
	const uint8_t *nul = memchr(p, '\0', n);
	if (nul == NULL)
		return -EBADMSG;
	size_t k = (size_t)(nul - p), c = k < dstsz - 1 ? k : dstsz - 1;
	memcpy(dst, p, c);
	dst[c] = '\0';
	return (int)k + 1;
}

/* ERR packet: 0xff, code (2, little-endian), message (the rest; a '#' SQLSTATE may lead it). */
static int error_packet(const uint8_t *p, size_t n, struct mysql_greeting *g)
{
	if (n < 3)
		return -EBADMSG;
	g->is_error = 1;
	g->err_code = (unsigned)p[1] | (unsigned)p[2] << 8;
	size_t off = 3;
	if (n - off >= 6 && p[off] == '#')
		off += 6;
	size_t k = n - off < sizeof g->err_msg - 1 ? n - off : sizeof g->err_msg - 1;
	memcpy(g->err_msg, p + off, k);
	g->err_msg[k] = '\0';
	return 0;
}

/*
 * Handshake v10: protocol, version NUL, connection id (4), auth data (8), filler, capability
 * low (2); then optionally charset, status (2), capability high (2), auth data length,
 * reserved (10), auth data part 2 (max(13, length - 8)), plugin name NUL.
 */
static int handshake(const uint8_t *p, size_t n, struct mysql_greeting *g)
{
	g->protocol = p[0];
	int k = take_cstr(g->version, sizeof g->version, p + 1, n - 1);
	if (k < 0)
		return k;
	size_t off = 1 + (size_t)k;
	if (n - off < 4 + 8 + 1 + 2)
		return -EBADMSG;
	g->conn_id = (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 |
	             (uint32_t)p[off + 3] << 24;
	off += 4 + 8 + 1;
	g->caps = (uint32_t)p[off] | (uint32_t)p[off + 1] << 8;
	off += 2;
	if (n - off < 1 + 2 + 2 + 1 + 10)
		return 0; /* an old server's short greeting ends here */
	g->caps |= ((uint32_t)p[off + 3] | (uint32_t)p[off + 4] << 8) << 16;
	size_t adl = p[off + 5];
	off += 1 + 2 + 2 + 1 + 10;
	size_t part2 = adl > 8 + 13 ? adl - 8 : 13;
	if (n - off < part2)
		return 0;
	off += part2;
	if (off < n && take_cstr(g->auth_plugin, sizeof g->auth_plugin, p + off, n - off) < 0)
		g->auth_plugin[0] = '\0'; /* some servers leave the plugin name unterminated: keep none */
	return 0;
}

int mysql_greeting_parse(const uint8_t *buf, size_t len, struct mysql_greeting *out, size_t *used)
{
	if (len < 4)
		return 0;
	size_t plen = (size_t)buf[0] | (size_t)buf[1] << 8 | (size_t)buf[2] << 16;
	if (buf[3] != 0 || plen == 0)
		return -EBADMSG;
	if (plen > MYSQL_GREETING_MAX)
		return -E2BIG;
	if (len - 4 < plen)
		return 0;
	const uint8_t *p = buf + 4;
	struct mysql_greeting g = {0};
	int rc;
	if (p[0] == 0xff)
		rc = error_packet(p, plen, &g);
	else if (p[0] == 9 || p[0] == 10)
		rc = plen >= 2 ? handshake(p, plen, &g) : -EBADMSG;
	else
		rc = -EBADMSG;
	if (rc < 0)
		return rc;
	*out = g;
	*used = 4 + plen;
	return 1;
}
