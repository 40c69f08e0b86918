/*
 * Fuzz target for the HTTP header parsers (wire_http.c) and the analyzer paths that
 * read headers (analyze_web.c). The input is used twice: whole, as one header value
 * for every parser; and split into "Name: value" lines, as the header list of an
 * observation's fetches. Parsers must never read outside the input, and spans they
 * return must lie inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "wire_http.h"

#define INPUT_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void span_inside(struct http_span sp, const char *s, size_t n)
{
	if (sp.n > 0 && (sp.p < s || sp.p + sp.n > s + n))
		abort();
}

static void parse_value(const char *s, size_t n)
{
	struct hsts h;
	struct csp c;
	struct cookie k;
	struct http_span tok;
	if (http_parse_hsts(s, &h) != 0 || h.valid != (h.error == NULL) || (h.valid && h.max_age < 0) ||
	    h.max_age > HSTS_MAX_AGE_CAP)
		abort();
	if (http_parse_csp(s, &c) != 0)
		abort();
	span_inside(c.script_sources, s, n);
	span_inside(c.frame_ancestors_value, s, n);
	if (c.frame_ancestors_restricts && !c.frame_ancestors)
		abort();
	if (http_parse_cookie(s, &k) == 0)
		span_inside(k.name, s, n);
	if (http_discloses_version(s, &tok))
		span_inside(tok, s, n);
	if (referrer_name(http_parse_referrer(s)) == NULL || xfo_name(http_parse_xfo(s)) == NULL)
		abort();
	(void)http_is_nosniff(s);
}

/* "Name: value" lines (value may be empty; a line without ':' is a name alone). */
static json_t *header_list(const char *s, size_t n)
{
	json_t *list = json_array();
	const char *p = s, *end = s + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *colon = memchr(p, ':', len);
		size_t nlen = colon ? (size_t)(colon - p) : len;
		const char *v = colon ? colon + 1 : p + len;
		size_t vlen = (size_t)(p + len - v);
		while (vlen > 0 && *v == ' ') {
			v++;
			vlen--;
		}
		json_array_append_new(
		    list, json_pack("[o, o]", json_stringn_nocheck(p, nlen), json_stringn_nocheck(v, vlen)));
		p += len + 1;
	}
	return list;
}

static void analyze_headers(const char *s, size_t n)
{
	json_t *headers = header_list(s, n);
	json_t *obs =
	    json_pack("{s:s, s:{s:s, s:s, s:{s:s, s:s, s:b, s:i}, s:{s:s, s:s, s:i, s:O}, "
	              "s:{s:s, s:s, s:i, s:O}, s:{s:s, s:i, s:O, s:o}}}",
	              "domain", "fuzz.test", "web", "host", "fuzz.test", "status", "ok", "tls", "status",
	              "ok", "protocol", "TLSv1.3", "hostname_match", 1, "verify_code", 0, "http", "status",
	              "ok", "url", "http://fuzz.test/", "code", 301, "headers", headers, "https", "status",
	              "ok", "url", "https://fuzz.test/", "code", 200, "headers", headers, "security_txt",
	              "status", "ok", "code", 200, "headers", headers, "body", json_stringn_nocheck(s, n));
	struct findings fs = {0};
	if (obs != NULL && analyze_web(obs, 1800000000, &fs) == 0 && fs.n != 21)
		abort();
	findings_clear(&fs);
	json_decref(obs);
	json_decref(headers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > INPUT_MAX)
		return 0;
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* Values stop at the first NUL, as they would in a JSON-decoded string. */
	size_t n = strlen(s);
	parse_value(s, n);
	analyze_headers(s, n);
	free(s);
	return 0;
}
