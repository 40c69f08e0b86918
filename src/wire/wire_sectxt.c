/* security.txt parser (RFC 9116), with the PGP cleartext wrapper of RFC 4880 s7. */
#include "wire_sectxt.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static const char *const field_names[SECTXT_NFIELDS] = {
    [SECTXT_ACKNOWLEDGMENTS] = "Acknowledgments",
    [SECTXT_CANONICAL] = "Canonical",
    [SECTXT_CONTACT] = "Contact",
    [SECTXT_ENCRYPTION] = "Encryption",
    [SECTXT_EXPIRES] = "Expires",
    [SECTXT_HIRING] = "Hiring",
    [SECTXT_POLICY] = "Policy",
    [SECTXT_PREFERRED_LANGUAGES] = "Preferred-Languages",
    [SECTXT_CSAF] = "CSAF",
};

#define PGP_BEGIN_MSG "-----BEGIN PGP SIGNED MESSAGE-----"
#define PGP_BEGIN_SIG "-----BEGIN PGP SIGNATURE-----"
#define PGP_END_SIG   "-----END PGP SIGNATURE-----"

/* Where the parser is in a (possibly signed) file. */
enum sectxt_state {
	ST_START,     /* before the first line */
	ST_ARMOR,     /* in the armor headers after BEGIN PGP SIGNED MESSAGE */
	ST_BODY,      /* in the fields */
	ST_SIGNATURE, /* inside the signature block */
	ST_AFTER,     /* after END PGP SIGNATURE */
};

/* A line-by-line walk over the input. */
struct reader {
	const char *buf; /* the input */
	size_t len;      /* its length */
	size_t pos;      /* offset of the next line */
	unsigned line;   /* number of the line last returned */
};

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct sectxt_span span(const char *p, size_t n)
{
	struct sectxt_span s = {p, n};
	return s;
}

static int span_is(struct sectxt_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && strncasecmp(s.p, lit, n) == 0;
}

static int span_starts(struct sectxt_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && strncasecmp(s.p, lit, n) == 0;
}

static struct sectxt_span trim(struct sectxt_span s)
{
	while (s.n > 0 && is_wsp(*s.p)) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_wsp(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* The next line without its LF and a CR before it; 0 at the end of input. */
static int next_line(struct reader *r, struct sectxt_span *line)
{
	if (r->pos >= r->len)
		return 0;
	const char *p = r->buf + r->pos;
	const char *nl = memchr(p, '\n', r->len - r->pos);
	size_t n = nl ? (size_t)(nl - p) : r->len - r->pos;
	r->pos += n + (nl != NULL);
	r->line++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*line = span(p, n);
	return 1;
}

static void add_error(struct sectxt *st, unsigned line, const char *what)
{
	if (st->nerr < SECTXT_MAX_ERRORS) {
		st->err[st->nerr].line = line;
		st->err[st->nerr].what = what;
	}
	st->nerr++;
}

/* ---- RFC 3339 date-time ---- */

/* Reads exactly `count` digits at s[*pos]; 0 or -EINVAL. */
static int read_num(const char *s, size_t n, size_t *pos, int count, int *out)
{
	int v = 0;
	if (*pos + (size_t)count > n)
		return -EINVAL;
	for (int i = 0; i < count; i++) {
		char c = s[*pos + (size_t)i];
		if (!is_digit(c))
			return -EINVAL;
		v = v * 10 + (c - '0');
	}
	*pos += (size_t)count;
	*out = v;
	return 0;
}

static int expect(const char *s, size_t n, size_t *pos, const char *any)
{
	if (*pos >= n || s[*pos] == '\0' || strchr(any, s[*pos]) == NULL)
		return -EINVAL;
	(*pos)++;
	return 0;
}

static int days_in_month(int year, int mon)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return mon == 2 && leap ? 29 : days[mon - 1];
}

/* full-date "T" partial-time: fills *tm; 0 or -EINVAL. */
static int read_date_time(const char *s, size_t n, size_t *pos, struct tm *tm)
{
	int y, mo, d, h, mi, se;
	if (read_num(s, n, pos, 4, &y) || expect(s, n, pos, "-") || read_num(s, n, pos, 2, &mo) ||
	    expect(s, n, pos, "-") || read_num(s, n, pos, 2, &d) || expect(s, n, pos, "Tt") ||
	    read_num(s, n, pos, 2, &h) || expect(s, n, pos, ":") || read_num(s, n, pos, 2, &mi) ||
	    expect(s, n, pos, ":") || read_num(s, n, pos, 2, &se))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	/* Fractions of a second do not matter for an expiry date. */
	if (*pos < n && s[*pos] == '.') {
		size_t start = ++*pos;
		while (*pos < n && is_digit(s[*pos]))
			(*pos)++;
		if (*pos == start)
			return -EINVAL;
	}
	*tm = (struct tm){
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se};
	return 0;
}

/* time-offset: "Z" / ("+" / "-") hh ":" mm, as seconds east of UTC. */
static int read_offset(const char *s, size_t n, size_t *pos, long *out)
{
	int oh, om;
	if (*pos < n && (s[*pos] == 'Z' || s[*pos] == 'z')) {
		(*pos)++;
		*out = 0;
		return 0;
	}
	if (*pos >= n || (s[*pos] != '+' && s[*pos] != '-'))
		return -EINVAL;
	long sign = s[(*pos)++] == '-' ? -1 : 1;
	if (read_num(s, n, pos, 2, &oh) || expect(s, n, pos, ":") || read_num(s, n, pos, 2, &om) || oh > 23 ||
	    om > 59)
		return -EINVAL;
	*out = sign * (oh * 3600L + om * 60L);
	return 0;
}

int sectxt_parse_datetime(const char *s, size_t n, time_t *out)
{
	struct tm tm;
	size_t pos = 0;
	long offset;
	if (s == NULL || out == NULL || read_date_time(s, n, &pos, &tm) < 0 ||
	    read_offset(s, n, &pos, &offset) < 0 || pos != n)
		return -EINVAL;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31))
		return -EINVAL;
	*out = t - offset;
	return 0;
}

/* ---- fields ---- */

/* RFC 9116 s2.5.3: a URI; web URIs must be https. We accept mailto:, https: and tel:. */
static const char *contact_problem(struct sectxt_span v)
{
	for (size_t i = 0; i < v.n; i++)
		if (is_wsp(v.p[i]))
			return "Contact is not a URI (contains whitespace)";
	if (span_starts(v, "http:"))
		return "Contact web URI must use https";
	static const char *const schemes[] = {"mailto:", "https:", "tel:"};
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (span_starts(v, schemes[i]))
			return v.n > strlen(schemes[i]) ? NULL : "Contact URI is empty";
	return "Contact is not a mailto:, https: or tel: URI";
}

static void field_contact(struct sectxt *st, unsigned line, struct sectxt_span v)
{
	const char *problem = contact_problem(v);
	if (problem != NULL) {
		if (st->bad_contact.n == 0)
			st->bad_contact = v;
		add_error(st, line, problem);
		return;
	}
	if (st->ncontact < SECTXT_MAX_KEPT)
		st->contact[st->ncontact] = v;
	st->ncontact++;
}

static void field_expires(struct sectxt *st, unsigned line, struct sectxt_span v)
{
	if (st->count[SECTXT_EXPIRES] > 1) {
		add_error(st, line, "more than one Expires field");
		return;
	}
	st->expires_text = v;
	if (sectxt_parse_datetime(v.p, v.n, &st->expires) == 0)
		st->expires_valid = 1;
	else
		add_error(st, line, "Expires is not an RFC 3339 date-time");
}

static int field_index(struct sectxt_span name)
{
	for (int i = 0; i < SECTXT_NFIELDS; i++)
		if (span_is(name, field_names[i]))
			return i;
	return -1;
}

static void known_field(struct sectxt *st, unsigned line, enum sectxt_field f, struct sectxt_span v)
{
	st->nknown++;
	st->count[f]++;
	if (f == SECTXT_CONTACT)
		field_contact(st, line, v);
	else if (f == SECTXT_EXPIRES)
		field_expires(st, line, v);
	else if (f == SECTXT_PREFERRED_LANGUAGES && st->count[f] > 1)
		add_error(st, line, "more than one Preferred-Languages field");
}

/* The first problem of a line's bytes and name, or NULL. */
static const char *line_problem(struct sectxt_span line, const char *colon)
{
	for (size_t i = 0; i < line.n; i++) {
		unsigned char c = (unsigned char)line.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return "control character in line";
	}
	if (colon == NULL)
		return "not a field: no ':'";
	if (colon == line.p)
		return "empty field name";
	for (const char *p = line.p; p < colon; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "bad character in field name";
	return NULL;
}

/* One line of the body: blank, comment or "Name: value". */
static void body_line(struct sectxt *st, unsigned line, struct sectxt_span text)
{
	text = trim(text);
	if (text.n == 0 || text.p[0] == '#')
		return;
	const char *colon = memchr(text.p, ':', text.n);
	const char *problem = line_problem(text, colon);
	if (problem != NULL) {
		add_error(st, line, problem);
		return;
	}
	struct sectxt_span name = span(text.p, (size_t)(colon - text.p));
	struct sectxt_span value = trim(span(colon + 1, text.n - name.n - 1));
	if (value.n == 0) {
		add_error(st, line, "empty field value");
		return;
	}
	int f = field_index(name);
	if (f < 0)
		st->nother++;
	else
		known_field(st, line, (enum sectxt_field)f, value);
}

/* ---- the PGP wrapper ---- */

static int is_marker(struct sectxt_span line, const char *marker)
{
	struct sectxt_span t = trim(line);
	return t.n == strlen(marker) && memcmp(t.p, marker, t.n) == 0;
}

/*
 * A cleartext-signed message has only "Hash:" armor headers (RFC 4880 s7); anything
 * else there means the blank line is missing and the body has begun.
 */
static int is_hash_header(struct sectxt_span line)
{
	return span_starts(line, "Hash:");
}

static enum sectxt_state signed_body_line(struct sectxt *st, unsigned line, struct sectxt_span text)
{
	if (is_marker(text, PGP_BEGIN_SIG))
		return ST_SIGNATURE;
	/* Dash-escaping (RFC 4880 s7.1): "- " is prepended to lines starting with '-'. */
	if (text.n >= 2 && text.p[0] == '-' && text.p[1] == ' ')
		text = span(text.p + 2, text.n - 2);
	body_line(st, line, text);
	return ST_BODY;
}

/* Feeds one line to the state machine and returns the next state. */
static enum sectxt_state step(struct sectxt *st, enum sectxt_state s, unsigned line, struct sectxt_span text)
{
	switch (s) {
	case ST_START:
		if (is_marker(text, PGP_BEGIN_MSG)) {
			st->is_signed = 1;
			return ST_ARMOR;
		}
		body_line(st, line, text);
		return ST_BODY;
	case ST_ARMOR:
		if (trim(text).n == 0)
			return ST_BODY;
		if (is_hash_header(text))
			return ST_ARMOR;
		add_error(st, line, "PGP armor headers not followed by a blank line");
		return signed_body_line(st, line, text);
	case ST_BODY:
		if (!st->is_signed) {
			body_line(st, line, text);
			return ST_BODY;
		}
		return signed_body_line(st, line, text);
	case ST_SIGNATURE:
		return is_marker(text, PGP_END_SIG) ? ST_AFTER : ST_SIGNATURE;
	case ST_AFTER:
		if (trim(text).n != 0)
			add_error(st, line, "text after the PGP signature");
		return ST_AFTER;
	}
	return s;
}

static void finish(struct sectxt *st, enum sectxt_state s, unsigned line)
{
	if (s == ST_ARMOR || (st->is_signed && s == ST_BODY))
		add_error(st, line, "PGP signature block missing");
	else if (s == ST_SIGNATURE)
		add_error(st, line, "PGP signature block not terminated");
}

int sectxt_parse(const char *buf, size_t len, struct sectxt *out)
{
	if ((buf == NULL && len > 0) || out == NULL)
		return -EINVAL;
	if (len > SECTXT_MAX_BYTES)
		return -EFBIG;
	struct sectxt st = {0};
	struct reader r = {buf, len, 0, 0};
	/* A UTF-8 byte order mark is not text; skip it. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r.pos = 3;
	enum sectxt_state s = ST_START;
	struct sectxt_span text;
	while (next_line(&r, &text)) {
		if (r.line > SECTXT_MAX_LINES) {
			add_error(&st, r.line, "too many lines: the rest is ignored");
			break;
		}
		st.nlines = r.line;
		s = step(&st, s, r.line, text);
	}
	finish(&st, s, r.line);
	*out = st;
	return 0;
}

const char *sectxt_field_name(enum sectxt_field f)
{
	return (unsigned)f < SECTXT_NFIELDS ? field_names[f] : "unknown";
}

/* ---- what kind of body it is ---- */

int sectxt_content_type_ok(const char *ctype)
{
	if (ctype == NULL)
		return 0;
	while (is_wsp(*ctype))
		ctype++;
	if (strncasecmp(ctype, "text/plain", 10) != 0)
		return 0;
	const char *p = ctype + 10;
	while (is_wsp(*p))
		p++;
	return *p == '\0' || *p == ';';
}

/* Case-insensitive search for `needle` in the first `len` bytes of `buf`. */
static int contains_ci(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(buf + i, needle, n) == 0)
			return 1;
	return 0;
}

int sectxt_looks_like_html(const char *buf, size_t len)
{
	static const char *const tags[] = {"<!doctype", "<html", "<head", "<body", "<script", "<title"};
	if (buf == NULL)
		return 0;
	size_t i = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	while (i < len && (is_wsp(buf[i]) || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && buf[i] == '<')
		return 1;
	/* Markup deeper in: look only at the head of the body, where a page would show it. */
	size_t window = len < 2048 ? len : 2048;
	for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++)
		if (contains_ci(buf, window, tags[t]))
			return 1;
	return 0;
}
