/* Endpoints of `vitals tls`: see tls_endpoint.h. */
#include "tls_endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire_text.h"

/* "'TEXT': what is wrong", the text quoted as an excerpt. */
static int fail(char *why, size_t whylen, const char *what, const char *s, size_t len)
{
	char ex[80];
	snprintf(why, whylen, "'%s': %s", text_excerpt(ex, sizeof ex, s, len, 64), what);
	return -EINVAL;
}

static int parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned long v = 0;
	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

/* An address literal of `family` in canonical text; 0 or -EINVAL. */
static int parse_addr(const char *s, size_t len, int family, char *out, size_t outlen)
{
	char buf[64];
	unsigned char bin[16];
	if (len == 0 || len >= sizeof buf)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(family, buf, bin) != 1 || inet_ntop(family, bin, out, (socklen_t)outlen) == NULL)
		return -EINVAL;
	return 0;
}

static int label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* A host name (LDH labels, one trailing dot allowed, not all digits at the end), lower-cased. */
static int parse_host(const char *s, size_t len, char *out, size_t outlen)
{
	size_t label = 0, digits = 0;
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253 || len >= outlen)
		return -EINVAL;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
				return -EINVAL;
			if (i == len && digits == label)
				return -EINVAL; /* 10.1.1.300 is a bad address, not a name */
			label = digits = 0;
			continue;
		}
		if (!label_char(s[i]))
			return -EINVAL;
		label++;
		digits += s[i] >= '0' && s[i] <= '9';
	}
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	out[len] = '\0';
	return 0;
}

/* "[V6]" or "[V6]:PORT". */
static int parse_bracketed(const char *s, size_t len, struct tls_endpoint *ep, char *why, size_t whylen)
{
	const char *close = memchr(s, ']', len);
	if (close == NULL)
		return fail(why, whylen, "no ']' after an IPv6 address", s, len);
	if (parse_addr(s + 1, (size_t)(close - s - 1), AF_INET6, ep->name, sizeof ep->name) < 0)
		return fail(why, whylen, "not an IPv6 address in brackets", s, len);
	ep->literal = 6;
	size_t rest = len - (size_t)(close - s) - 1;
	if (rest == 0)
		return 0;
	if (close[1] != ':' || parse_port(close + 2, rest - 1, &ep->port) < 0)
		return fail(why, whylen, "not a port (1 to 65535) after the address", s, len);
	return 0;
}

int tls_endpoint_parse(const char *s, size_t len, struct tls_endpoint *ep, char *why, size_t whylen)
{
	memset(ep, 0, sizeof *ep);
	if (len == 0)
		return fail(why, whylen, "empty endpoint", "", 0);
	if (s[0] == '[')
		return parse_bracketed(s, len, ep, why, whylen);
	const char *colon = memchr(s, ':', len);
	if (colon != NULL && memchr(colon + 1, ':', len - (size_t)(colon - s) - 1) != NULL) {
		if (parse_addr(s, len, AF_INET6, ep->name, sizeof ep->name) < 0)
			return fail(why, whylen, "not an IPv6 address (write [V6]:PORT for a port)", s, len);
		ep->literal = 6;
		return 0;
	}
	size_t head = colon ? (size_t)(colon - s) : len;
	if (colon != NULL && parse_port(colon + 1, len - head - 1, &ep->port) < 0)
		return fail(why, whylen, "not a port (1 to 65535) after ':'", s, len);
	if (parse_addr(s, head, AF_INET, ep->name, sizeof ep->name) == 0)
		ep->literal = 4;
	else if (parse_host(s, head, ep->name, sizeof ep->name) < 0)
		return fail(why, whylen, "neither an IP address nor a host name", s, len);
	return 0;
}

/* One `key=value` option of a file line. */
static int parse_option(const char *s, size_t len, struct tls_endpoint *ep, char *why, size_t whylen)
{
	if (len > 4 && memcmp(s, "sni=", 4) == 0) {
		if (parse_host(s + 4, len - 4, ep->sni, sizeof ep->sni) < 0)
			return fail(why, whylen, "the server name is not a host name", s, len);
		return 0;
	}
	if (len == 13 && memcmp(s, "starttls=smtp", 13) == 0) {
		ep->smtp = 1;
		return 0;
	}
	return fail(why, whylen, "unknown option (sni=NAME or starttls=smtp)", s, len);
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int tls_endpoint_line(const char *line, size_t len, struct tls_endpoint *ep, char *why, size_t whylen)
{
	const char *hash = memchr(line, '#', len);
	size_t i = 0, words = 0;
	if (hash != NULL)
		len = (size_t)(hash - line);
	if (len > TLS_ENDPOINT_LINE_MAX)
		return fail(why, whylen, "line longer than 1024 bytes", line, 32);
	while (i < len) {
		while (i < len && blank(line[i]))
			i++;
		size_t start = i;
		while (i < len && !blank(line[i]))
			i++;
		if (i == start)
			break;
		int rc = words++ == 0 ? tls_endpoint_parse(line + start, i - start, ep, why, whylen)
		                      : parse_option(line + start, i - start, ep, why, whylen);
		if (rc < 0)
			return rc;
	}
	return words > 0;
}

unsigned tls_endpoint_port(const struct tls_endpoint *ep)
{
	return ep->port ? ep->port : ep->smtp ? 25 : 443;
}

int tls_endpoint_text(const struct tls_endpoint *ep, char *buf, size_t len)
{
	int n = snprintf(buf, len, ep->literal == 6 ? "[%s]:%u%s%s%s" : "%s:%u%s%s%s", ep->name,
	                 tls_endpoint_port(ep), ep->sni[0] ? " sni=" : "", ep->sni,
	                 ep->smtp ? " starttls=smtp" : "");
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}
