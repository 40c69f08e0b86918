/*
 * security.txt (RFC 9116): the file a web site publishes at
 * /.well-known/security.txt to tell researchers where to report vulnerabilities.
 * sectxt_parse() reads the bytes of a fetched file: LF or CRLF lines, '#' comments,
 * "Name: value" fields with case-insensitive names, an optional PGP cleartext
 * signature wrapper (RFC 4880 s7: armor headers, a blank line, the dash-escaped body,
 * then the signature block). It counts the known fields, keeps the first Contact
 * values and the Expires date, and lists malformed lines by number.
 *
 * It does not verify the PGP signature, fetch anything, or decide whether a site
 * passes a check (analyze_web.c does). Input is capped at SECTXT_MAX_BYTES and
 * SECTXT_MAX_LINES; results that point into the input (struct sectxt_span) live as
 * long as the input does. It never allocates.
 */
#ifndef VITALS_WIRE_SECTXT_H
#define VITALS_WIRE_SECTXT_H

#include <stddef.h>
#include <time.h>

#define SECTXT_MAX_BYTES  (32 * 1024) /* larger input is refused (-EFBIG) */
#define SECTXT_MAX_LINES  2000        /* lines past this are not read (an error is noted) */
#define SECTXT_MAX_KEPT   8           /* Contact values kept */
#define SECTXT_MAX_ERRORS 16          /* malformed lines kept */

/* The fields RFC 9116 defines, in the order of its section 2.5. */
enum sectxt_field {
	SECTXT_ACKNOWLEDGMENTS = 0,
	SECTXT_CANONICAL,
	SECTXT_CONTACT,
	SECTXT_ENCRYPTION,
	SECTXT_EXPIRES,
	SECTXT_HIRING,
	SECTXT_POLICY,
	SECTXT_PREFERRED_LANGUAGES,
	SECTXT_CSAF, /* registered later (CSAF 2.0, OASIS) */
	SECTXT_NFIELDS,
};

/* A piece of the input: not NUL-terminated; print with "%.*s". */
struct sectxt_span {
	const char *p; /* first byte */
	size_t n;      /* length in bytes */
};

struct sectxt_error {
	unsigned line;    /* 1-based line number in the input */
	const char *what; /* static description of the problem */
};

struct sectxt {
	int is_signed;                               /* wrapped in a PGP cleartext signature (not verified) */
	unsigned nlines;                             /* lines read */
	unsigned nknown;                             /* fields with a name RFC 9116 defines */
	unsigned nother;                             /* other well-formed fields (extensions) */
	unsigned count[SECTXT_NFIELDS];              /* occurrences of each known field */
	unsigned ncontact;                           /* Contact values that are usable URIs */
	struct sectxt_span contact[SECTXT_MAX_KEPT]; /* the first of them */
	struct sectxt_span bad_contact;              /* the first unusable Contact value (n 0: none) */
	struct sectxt_span expires_text;             /* the first Expires value as written (n 0: none) */
	int expires_valid;                           /* that value is an RFC 3339 date-time */
	time_t expires;                              /* its time when expires_valid */
	unsigned nerr;                               /* problems found (may exceed SECTXT_MAX_ERRORS) */
	struct sectxt_error err[SECTXT_MAX_ERRORS];  /* the first problems, in line order */
};

/*
 * Parses `len` bytes at `buf` (NUL bytes are just bad characters). Malformed lines are
 * recorded in out->err and skipped; they never make the call fail. A Contact counts
 * when it is a mailto:, https: or tel: URI without blanks (RFC 9116 s2.5.3 asks for a
 * URI, and https for web URIs); others are reported. A second Expires or
 * Preferred-Languages is reported; the first one is kept. Returns 0, -EFBIG when
 * len > SECTXT_MAX_BYTES, -EINVAL when an argument is NULL.
 */
int sectxt_parse(const char *buf, size_t len, struct sectxt *out);

/* The field's name as RFC 9116 spells it. */
const char *sectxt_field_name(enum sectxt_field f);

/*
 * Parses an RFC 3339 date-time ("2027-01-01T00:00:00Z", "2027-01-01T09:30:00.5+02:00";
 * 't'/'z' accepted) of exactly n bytes into *out (UTC, via timegm).
 * Returns 0 or -EINVAL.
 */
int sectxt_parse_datetime(const char *s, size_t n, time_t *out);

/* 1 when a Content-Type value names text/plain (any parameters, any case); 0 for NULL. */
int sectxt_content_type_ok(const char *ctype);

/* 1 when the bytes look like an HTML page (a "soft 404"): markup where text should be. */
int sectxt_looks_like_html(const char *buf, size_t len);

#endif
