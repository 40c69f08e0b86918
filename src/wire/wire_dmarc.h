/*
 * DMARC policy records (RFC 7489 s6.3, s6.4): a parser for the text of one TXT
 * record published at _dmarc.DOMAIN.
 *
 * The record is a tag list ("v=DMARC1; p=reject; rua=mailto:d@example.test")
 * split on ';' with optional whitespace. It is invalid, so no DMARC policy
 * applies, when v=DMARC1 is not the first tag, when p= is missing or not one of
 * none, quarantine and reject, or sp= is present but not one of them, and rua=
 * holds no valid URI (with one, s6.6.3 step 6 has receivers act as if
 * "v=DMARC1; p=none" was published: `p_implied`), when a tag appears twice (the
 * DKIM tag-list rule DMARC adopts) or when the first tag is malformed. Unknown
 * tags are ignored as s6.3 requires, and so are bad values of the other optional
 * tags (pct, adkim, aspf, fo, rf, ri, rua, ruf) and malformed later tags: s6.3
 * says such syntax errors are discarded in favour of the defaults. Both are
 * recorded so a report can mention them.
 *
 * The parser allocates nothing and reads only the bytes it is given. It does not
 * look up records, choose among several, fall back to the organizational domain,
 * or verify external report destinations (s7.1): callers do that.
 */
#ifndef VITALS_WIRE_DMARC_H
#define VITALS_WIRE_DMARC_H

#include <stddef.h>

/* More tags than this make a record invalid: real records have about ten. */
#define DMARC_MAX_TAGS 64

enum dmarc_policy {
	DMARC_POLICY_UNSET = 0,  /* no valid policy */
	DMARC_POLICY_NONE,       /* p=none: monitor only */
	DMARC_POLICY_QUARANTINE, /* p=quarantine */
	DMARC_POLICY_REJECT,     /* p=reject */
};

/* Where a tag's value sits in the parsed text; len 0 when the tag is absent. */
struct dmarc_span {
	size_t off; /* offset of the value's first byte */
	size_t len; /* its length, surrounding whitespace excluded */
};

struct dmarc_record {
	int valid;             /* 1 when the record carries a usable policy */
	char reason[160];      /* "ok", or why the record is invalid */
	enum dmarc_policy p;   /* the requested policy; UNSET when invalid */
	int p_implied;         /* 1: p= missing or bad, or sp= bad, taken as p=none: rua= is valid */
	char implied[160];     /* why p=none was implied ("sp=x is not ..."); "" when it was not */
	enum dmarc_policy sp;  /* the subdomain policy: sp= when valid, else p */
	int has_sp;            /* 1 when a valid sp= was given */
	int pct;               /* percentage of failing mail the policy applies to; 100 by default */
	char adkim;            /* DKIM alignment, 'r' (default) or 's' */
	char aspf;             /* SPF alignment, 'r' (default) or 's' */
	unsigned long ri;      /* aggregate report interval in seconds; 86400 by default */
	int nrua;              /* aggregate report URIs (0 when rua= is absent or ignored) */
	int nruf;              /* failure report URIs (0 when ruf= is absent or ignored) */
	struct dmarc_span rua; /* the rua= value as written */
	struct dmarc_span ruf; /* the ruf= value as written */
	struct dmarc_span fo;  /* the fo= value as written */
	struct dmarc_span rf;  /* the rf= value as written */
	int ntags;             /* tags seen, v= included */
	int nunknown;          /* unknown tags, ignored (s6.3) */
	char unknown[96];      /* their names, comma-separated, cut short if long */
	int nignored;          /* known tags whose malformed values were ignored */
	char ignored[160];     /* "pct=150 (not 0-100)"... for the first of them */
};

/*
 * 1 when the text starts with a DMARC version tag: "v", '=', "DMARC1" (whitespace
 * allowed around '='; letters in any case) followed by ';', whitespace or the end.
 * Records that do not are not DMARC records at all (s6.6.3 step 3).
 */
int dmarc_is_dmarc_record(const char *txt, size_t len);

/*
 * Parses `len` bytes of a DMARC record into `out`, which is always fully written:
 * `valid` and `reason` say whether a policy applies. Returns 0, or -EINVAL when
 * `txt` or `out` is NULL.
 */
int dmarc_parse(const char *txt, size_t len, struct dmarc_record *out);

/* "none", "quarantine", "reject", or "unset". */
const char *dmarc_policy_name(enum dmarc_policy p);

#endif
