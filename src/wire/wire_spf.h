/*
 * SPF records (RFC 7208): a parser for one record's text and an evaluator that
 * walks a domain's include/redirect tree over TXT answers fetched beforehand.
 *
 * The parser checks the record against the RFC 7208 grammar (version, terms,
 * qualifiers, domain-specs with macros, CIDR lengths, ip4/ip6 addresses, the
 * redirect= and exp= modifiers at most once each) and says what a receiver would
 * look up. The evaluator counts DNS-lookup terms over the whole tree (s4.6.4),
 * void lookups, loops, syntax errors and include/redirect targets without a
 * usable record, and finds the effective `all` qualifier.
 *
 * The evaluator takes the view of a sender whose address matches no mechanism
 * (a forger) unless a mechanism matches every sender (ip4:0.0.0.0/0, a/0 or
 * mx/0 with an address, exists: of a name that resolves, include: of a record
 * that gives pass): that one then decides like `all` and ends the evaluation.
 * So its counts are those a receiver reaches for forged mail. A term that might
 * match every sender but could not be decided (an include whose result is
 * unknown, an exists, a/0 or mx/0 whose answer failed or was not recorded) makes
 * the effective `all` unknown unless its qualifier is the result reached anyway.
 * It follows include/redirect targets (TXT), resolves the targets of a, mx (MX,
 * then an address record per MX name) and exists (A) to count void lookups, and
 * checks the 10-name limit of mx (s4.6.4).
 *
 * Neither does any I/O: the evaluator asks a caller-supplied fetch function for
 * answers the probe already recorded. Neither expands macros (which need a sender
 * address): a target containing a macro is counted as one lookup and not
 * resolved. ptr needs the sender's address too: it is counted and noted, never
 * resolved. A record with a byte outside US-ASCII is a syntax error (s3, s4.5).
 */
#ifndef VITALS_WIRE_SPF_H
#define VITALS_WIRE_SPF_H

#include <stddef.h>

/* RFC 7208 s4.6.4: at most 10 DNS-lookup terms and 2 void lookups per evaluation. */
#define SPF_LOOKUP_LIMIT 10
#define SPF_VOID_LIMIT   2
/* Longest record text accepted: a TXT RR's RDATA cannot hold more. */
#define SPF_MAX_LEN 65535
/* The evaluator stops after this many records (a tree this large is far over the limit). */
#define SPF_EVAL_MAX_RECORDS 100
/* Each list in struct spf_eval keeps at most this many entries (it still counts the rest). */
#define SPF_EVAL_MAX_NOTES 64
/* RFC 7208 s4.6.4: an mx mechanism with more MX names than this is a permanent error. */
#define SPF_MX_LIMIT 10
/*
 * The probe records at most this many a/mx/exists answers per domain. RFC 7208's
 * worst case within the limits, 10 mx terms each with 10 MX names, needs 10 MX
 * and 100 A answers for the IPv4-sender view the analyzer takes: 110.
 */
#define SPF_RR_MAX_ANSWERS 128
/* The evaluator asks for at most this many a/mx/exists answers (it marks the walk capped). */
#define SPF_EVAL_MAX_FETCHES 256

enum spf_qualifier {
	SPF_QUAL_NONE = 0, /* no qualifier applies (modifiers; no `all` in a record) */
	SPF_QUAL_PASS,     /* + (also an omitted qualifier) */
	SPF_QUAL_FAIL,     /* - */
	SPF_QUAL_SOFTFAIL, /* ~ */
	SPF_QUAL_NEUTRAL,  /* ? */
};

enum spf_kind {
	SPF_ALL = 0,  /* all */
	SPF_INCLUDE,  /* include:domain */
	SPF_A,        /* a[:domain][/cidr4][//cidr6] */
	SPF_MX,       /* mx[:domain][/cidr4][//cidr6] */
	SPF_PTR,      /* ptr[:domain] */
	SPF_IP4,      /* ip4:address[/cidr4] */
	SPF_IP6,      /* ip6:address[/cidr6] */
	SPF_EXISTS,   /* exists:domain */
	SPF_REDIRECT, /* redirect=domain */
	SPF_EXP,      /* exp=domain */
	SPF_MODIFIER, /* any other name=value, ignored by receivers */
};

struct spf_term {
	enum spf_kind kind;      /* mechanism or modifier */
	enum spf_qualifier qual; /* mechanisms: their qualifier; modifiers: SPF_QUAL_NONE */
	char *text;              /* the term as written */
	char *arg;               /* domain-spec, address or modifier value; NULL when absent */
	int cidr4;               /* IPv4 prefix length, -1 when absent */
	int cidr6;               /* IPv6 prefix length, -1 when absent */
};

struct spf_record {
	struct spf_term *terms; /* every term after the version, in order */
	size_t nterms;          /* how many */
	size_t nreach;          /* terms a receiver can reach: up to and including the first `all` */
	enum spf_qualifier all; /* qualifier of the first `all`, SPF_QUAL_NONE without one */
	const char **includes;  /* include targets among the reachable terms (point into terms) */
	size_t nincludes;       /* how many */
	const char *redirect;   /* redirect= target or NULL (into terms); unused with an `all` */
	const char *exp;        /* exp= target, or NULL (points into terms) */
	int lookups;            /* DNS-lookup terms a receiver evaluates in this record alone */
};

/* 1 when `txt` starts with "v=spf1" (any case) followed by a space or its end (s4.5). */
int spf_is_spf_record(const char *txt);

/*
 * Parses `len` bytes of one SPF record. `lookups` counts the reachable include, a,
 * mx, ptr and exists terms, plus redirect= when no `all` makes it unreachable
 * (s6.1). Returns 0, -EINVAL on a syntax error (a one-line reason in `err`, which
 * may be NULL) or -ENOMEM. `out` is written only on success; free it with
 * spf_record_clear().
 */
int spf_parse(const char *txt, size_t len, struct spf_record *out, char *err, size_t errsz);
/* Frees what a record owns and zeroes it. Accepts NULL and a zeroed record. */
void spf_record_clear(struct spf_record *rec);

/*
 * The record as published from a TXT string of the evidence, which keeps bytes
 * outside printable ASCII and '\\' as \\DDD (docs/OBSERVATIONS.md). A NUL byte
 * becomes DEL (0x7f), which the grammar refuses as well. Returns a new string
 * (caller frees) or NULL when out of memory.
 */
char *spf_txt_decode(const char *s);

/* "+", "-", "~", "?" or "" for SPF_QUAL_NONE. */
const char *spf_qualifier_str(enum spf_qualifier q);

/* ---- The evaluator ---- */

enum spf_fetch_state {
	SPF_FETCH_OK = 0,   /* an answer with TXT records */
	SPF_FETCH_NODATA,   /* the name exists but has no TXT records */
	SPF_FETCH_NXDOMAIN, /* the name does not exist */
	SPF_FETCH_FAILED,   /* no answer: timeout, servfail, refused, out of scope, error */
};

/* The record types the evaluator asks for. */
enum spf_rrtype {
	SPF_RR_TXT = 0, /* include/redirect targets (and the domain itself) */
	SPF_RR_A,       /* a and exists targets, MX names (IPv4 sender) */
	SPF_RR_AAAA,    /* a targets and MX names for an IPv6 sender */
	SPF_RR_MX,      /* mx targets */
};

struct spf_answer {
	enum spf_fetch_state state; /* how the lookup ended */
	const char *status;         /* the lookup's status word, used as a reason ("timeout", ...) */
	const char *const *rr;      /* TXT strings, MX host names or addresses; valid until the next fetch */
	size_t nrr;                 /* how many */
};

/*
 * Looks up the recorded answer for `name` (lower case, no trailing dot) and
 * `type`. Returns 0 with `out` filled, -ENOENT when that name was never fetched
 * (the walk is then incomplete), -EOPNOTSUPP when answers of that type were not
 * recorded at all (the term is counted, not resolved), or another negative errno
 * code, which aborts the evaluation.
 */
typedef int (*spf_fetch_fn)(void *ctx, const char *name, enum spf_rrtype type, struct spf_answer *out);

/* What kind of permanent error a problem note reports. */
enum spf_problem {
	SPF_PROB_NONE = 0, /* not a problem note */
	SPF_PROB_SYNTAX,   /* the record at `name` does not parse */
	SPF_PROB_LOOP,     /* a target already on the include/redirect path */
	SPF_PROB_NORECORD, /* a target without an SPF record (NXDOMAIN, NODATA or no v=spf1 TXT) */
	SPF_PROB_MULTIPLE, /* a target with two or more SPF records */
	SPF_PROB_MXLIMIT,  /* an mx mechanism whose target has more than SPF_MX_LIMIT MX names */
};

/* A line of the evaluation's account: which record (`name`) and what about it. */
struct spf_note {
	enum spf_problem kind; /* in `problems`: the kind; SPF_PROB_NONE in the other lists */
	char *name;            /* the name whose record it concerns */
	char *text;            /* the record, the term, the problem or the lookup status */
};

struct spf_notes {
	struct spf_note *v; /* the first SPF_EVAL_MAX_NOTES entries */
	size_t n;           /* how many are kept */
	size_t total;       /* how many there were */
};

struct spf_eval {
	int lookups;               /* DNS-lookup terms over the tree, redirect= included */
	int voids;                 /* lookups answering NXDOMAIN or NODATA (TXT, A, AAAA, MX) */
	int syntax;                /* records with a syntax error */
	int loops;                 /* include/redirect targets already on the path being evaluated */
	int norecord;              /* include/redirect targets without an SPF record (s5.2, s6.1) */
	int multiple;              /* include/redirect targets with two or more SPF records (s4.5) */
	int mxlimit;               /* mx mechanisms over SPF_MX_LIMIT names */
	int macros;                /* targets with macros, counted but not followed or resolved */
	int ptr;                   /* reachable ptr mechanisms (s5.5: SHOULD NOT be used) */
	int unresolved;            /* a/mx/exists targets counted but not resolved (no answers recorded) */
	int capped;                /* 1 when SPF_EVAL_MAX_RECORDS stopped the walk */
	enum spf_qualifier all;    /* effective `all`: the top record's, else its redirect target's */
	int all_known;             /* 0 when the effective all depends on a lookup not seen or a macro */
	char *all_unknown;         /* then why: its status ("timeout", "not_observed"), "macro" or "capped" */
	char *all_by;              /* a mechanism every sender matches, which decides instead of `all` */
	struct spf_notes records;  /* name -> record text, in evaluation order */
	struct spf_notes counted;  /* name -> term text of every counted lookup */
	struct spf_notes problems; /* name -> permanent error text (syntax, loop, no record, ...) */
	struct spf_notes unfetched; /* name -> status of targets whose answer is missing or failed */
	struct spf_notes voided;    /* name -> "term: target TYPE NXDOMAIN|NODATA" of every void lookup */
	struct spf_notes ptrs;      /* name -> ptr term text */
	struct spf_notes macro;     /* name -> term text of targets with macros */
};

/*
 * Evaluates the SPF record `record` (`len` bytes) published at `domain`, following
 * include: and redirect= targets and resolving a/mx/exists targets through
 * `fetch`, as for a sender of address family `ipv6` (0: IPv4, A records; 1:
 * IPv6, AAAA). Mechanisms after `all` are not reached and redirect= is ignored
 * when `all` is present (s6.1). Returns 0, or a negative errno code (-ENOMEM, or
 * the fetch function's); `out` is written only on success. Free it with
 * spf_eval_clear().
 */
int spf_evaluate(const char *domain, const char *record, size_t len, int ipv6, spf_fetch_fn fetch, void *ctx,
                 struct spf_eval *out);
/* Frees what an evaluation owns and zeroes it. Accepts NULL and a zeroed one. */
void spf_eval_clear(struct spf_eval *ev);
/* 1 when a receiver would reach a permanent error: syntax, limits (lookups, voids, MX names), loop,
 * missing or doubled record. */
int spf_eval_permerror(const struct spf_eval *ev);
/* 1 when some target could not be fetched or the walk was capped: counts are lower bounds. */
int spf_eval_incomplete(const struct spf_eval *ev);

#endif
