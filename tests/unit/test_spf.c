/* SPF parser and tree evaluator tests (RFC 7208). */
#include "tap.h"
#include "wire_spf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses a NUL-terminated record; returns spf_parse's code. */
static int parse(const char *txt, struct spf_record *rec, char *err, size_t errsz)
{
	return spf_parse(txt, strlen(txt), rec, err, errsz);
}

/* 1 when the record parses; the record is freed. */
static int valid(const char *txt)
{
	struct spf_record rec = {0};
	int rc = parse(txt, &rec, NULL, 0);
	spf_record_clear(&rec);
	return rc == 0;
}

/* The error text of a record expected not to parse. */
static const char *error_of(const char *txt)
{
	static char err[160];
	struct spf_record rec;
	if (parse(txt, &rec, err, sizeof err) == 0) {
		spf_record_clear(&rec);
		return "(parsed)";
	}
	return err;
}

static void test_is_spf(void)
{
	ok(spf_is_spf_record("v=spf1 -all"), "v=spf1 -all is SPF");
	ok(spf_is_spf_record("v=spf1"), "bare v=spf1 is SPF");
	ok(spf_is_spf_record("V=SPF1 -all"), "version is case-insensitive");
	ok(!spf_is_spf_record("v=spf10 -all"), "v=spf10 is not SPF");
	ok(!spf_is_spf_record("v=spf1\t-all"), "version must end in a space, not a tab");
	ok(!spf_is_spf_record(" v=spf1 -all"), "leading space: not SPF");
	ok(!spf_is_spf_record("v=DMARC1; p=none"), "DMARC is not SPF");
	ok(!spf_is_spf_record(""), "empty is not SPF");
	ok(!spf_is_spf_record(NULL), "NULL is not SPF");
}

static void test_full_record(void)
{
	struct spf_record rec;
	const char *txt = "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24//64 "
	                  "include:_spf.example.net ~all";
	is_int(parse(txt, &rec, NULL, 0), 0, "full record parses");
	is_int(rec.nterms, 6, "six terms");
	is_int(rec.nreach, 6, "all six reachable");
	is_int(rec.all, SPF_QUAL_SOFTFAIL, "~all");
	is_int(rec.lookups, 3, "a, mx and include count");
	is_int(rec.nincludes, 1, "one include");
	is_str(rec.includes[0], "_spf.example.net", "include target");
	is_int(rec.terms[0].kind, SPF_IP4, "first term ip4");
	is_str(rec.terms[0].arg, "192.0.2.0", "ip4 address");
	is_int(rec.terms[0].cidr4, 24, "ip4 /24");
	is_int(rec.terms[0].qual, SPF_QUAL_PASS, "omitted qualifier is +");
	is_int(rec.terms[1].kind, SPF_IP6, "second term ip6");
	is_str(rec.terms[1].arg, "2001:db8::", "ip6 address");
	is_int(rec.terms[1].cidr6, 32, "ip6 /32");
	is_int(rec.terms[2].kind, SPF_A, "a");
	ok(rec.terms[2].arg == NULL, "a without domain has no arg");
	is_int(rec.terms[2].cidr4, -1, "a without cidr");
	is_int(rec.terms[3].kind, SPF_MX, "mx");
	is_str(rec.terms[3].arg, "mail.example.com", "mx domain without cidr");
	is_int(rec.terms[3].cidr4, 24, "mx /24");
	is_int(rec.terms[3].cidr6, 64, "mx //64");
	is_str(rec.terms[4].text, "include:_spf.example.net", "term text kept");
	ok(rec.redirect == NULL && rec.exp == NULL, "no modifiers");
	spf_record_clear(&rec);
	ok(rec.terms == NULL && rec.nterms == 0, "clear zeroes");
	spf_record_clear(NULL);
	spf_record_clear(&rec);
	ok(rec.terms == NULL && rec.includes == NULL && rec.nterms == 0 && rec.lookups == 0,
	   "clear accepts NULL and a cleared record, which stays zeroed");
}

static void test_ip(void)
{
	ok(valid("v=spf1 ip4:1.2.3.4 -all"), "ip4 plain");
	ok(valid("v=spf1 ip4:1.2.3.4/32 ip4:0.0.0.0/0 -all"), "ip4 /32 and /0");
	is_str(error_of("v=spf1 ip4:192.0.2.256 -all"), "invalid IPv4 address '192.0.2.256'",
	       "ip4 octet > 255");
	ok(!valid("v=spf1 ip4:1.2.3 -all"), "ip4 with three octets");
	ok(!valid("v=spf1 ip4:01.2.3.4 -all"), "ip4 leading zero");
	ok(!valid("v=spf1 ip4:::1 -all"), "ip6 address in ip4");
	is_str(error_of("v=spf1 ip4:1.2.3.4/33"), "CIDR length /33 out of range 0-32", "ip4 /33");
	ok(!valid("v=spf1 ip4:1.2.3.4/024"), "CIDR with leading zero");
	ok(!valid("v=spf1 ip4:1.2.3.4//24"), "ip4 has no dual cidr");
	ok(!valid("v=spf1 ip4:1.2.3.4/"), "empty CIDR");
	ok(!valid("v=spf1 ip4"), "ip4 without address");
	ok(!valid("v=spf1 ip4:"), "ip4 with empty address");
	ok(valid("v=spf1 ip6:::1/128 ip6:2001:db8::/0"), "ip6 /128 and /0");
	is_str(error_of("v=spf1 ip6:::1/129"), "CIDR length /129 out of range 0-128", "ip6 /129");
	ok(!valid("v=spf1 ip6:1.2.3.4"), "ip4 address in ip6");
	ok(!valid("v=spf1 ip6:2001:db8::g"), "bad ip6 digit");
	ok(!valid("v=spf1 ip6:2001:db8:0:0:0:0:0:0:1"), "ip6 with nine groups");
}

static void test_cidr(void)
{
	struct spf_record rec;
	is_int(parse("v=spf1 a/24 mx//64 a/0//0", &rec, NULL, 0), 0, "a/mx dual cidr without domain");
	is_int(rec.terms[0].cidr4, 24, "a/24");
	is_int(rec.terms[1].cidr4, -1, "mx//64 has no ip4 length");
	is_int(rec.terms[1].cidr6, 64, "mx//64");
	is_int(rec.terms[2].cidr6, 0, "a/0//0");
	spf_record_clear(&rec);
	ok(!valid("v=spf1 mx/33"), "mx/33");
	ok(!valid("v=spf1 a//129"), "a//129");
	ok(!valid("v=spf1 a/"), "a/ without length");
	ok(!valid("v=spf1 a:example.com/24/64"), "second single-slash length");
	ok(!valid("v=spf1 a/x"), "a/x");
	ok(!valid("v=spf1 ptr/24"), "ptr takes no cidr");
	ok(valid("v=spf1 ptr ptr:example.com"), "ptr with and without domain");
}

static void test_domains_and_macros(void)
{
	ok(valid("v=spf1 exists:%{i}._spf.%{d} -all"), "exists with macros ending in a macro");
	ok(valid("v=spf1 include:%{ir}.%{v}._spf.%{d2} -all"), "reversal and digits");
	ok(valid("v=spf1 a:%{l1r-}.example.com"), "delimiter");
	ok(valid("v=spf1 include:%%.%_.%-.example.com"), "escapes %% %_ %-");
	ok(valid("v=spf1 include:%{D}"), "upper-case macro letter");
	ok(valid("v=spf1 include:example.com."), "trailing dot");
	ok(valid("v=spf1 a:example.c-m"), "hyphenated top label");
	is_str(error_of("v=spf1 exists:%{x}.example.com"), "bad macro in '%{x}.example.com'",
	       "unknown macro letter");
	ok(!valid("v=spf1 exists:%{c}.example.com"), "c is for exp text only");
	ok(!valid("v=spf1 exists:%{d0}.example.com"), "zero digit transformer");
	ok(!valid("v=spf1 exists:%{d"), "unterminated macro");
	ok(!valid("v=spf1 include:foo%.example.com"), "bare %");
	ok(!valid("v=spf1 include:%{d}com"), "literal after macro needs a dot");
	is_str(error_of("v=spf1 include:localhost"), "domain 'localhost' does not end in a top-level label",
	       "single label domain");
	ok(!valid("v=spf1 include:example.123"), "numeric top label");
	ok(!valid("v=spf1 include:example.com-"), "top label ending in hyphen");
	ok(!valid("v=spf1 include"), "include without domain");
	ok(!valid("v=spf1 include:"), "include with empty domain");
	ok(!valid("v=spf1 exists"), "exists without domain");
	ok(valid("v=spf1 foo=%{c}%{r}%{t}"), "unknown modifier may use c, r, t");
	ok(!valid("v=spf1 foo=%{z}"), "unknown modifier with bad macro");
	ok(valid("v=spf1 foo="), "unknown modifier with empty value");
}

static void test_modifiers(void)
{
	struct spf_record rec;
	is_int(parse("v=spf1 mx REDIRECT=_spf.example.com exp=explain.example.com", &rec, NULL, 0), 0,
	       "redirect and exp");
	is_str(rec.redirect, "_spf.example.com", "redirect target");
	is_str(rec.exp, "explain.example.com", "exp target");
	is_int(rec.all, SPF_QUAL_NONE, "no all");
	is_int(rec.lookups, 2, "mx and redirect count");
	is_int(rec.terms[1].kind, SPF_REDIRECT, "redirect kind");
	is_int(rec.terms[1].qual, SPF_QUAL_NONE, "modifiers have no qualifier");
	spf_record_clear(&rec);
	is_int(parse("v=spf1 redirect=r.example.com -all", &rec, NULL, 0), 0, "redirect with all");
	is_int(rec.lookups, 0, "redirect ignored when all is present");
	is_str(rec.redirect, "r.example.com", "redirect still recorded");
	spf_record_clear(&rec);
	is_str(error_of("v=spf1 redirect=a.example.com redirect=b.example.com"),
	       "duplicate redirect= modifier", "duplicate redirect");
	is_str(error_of("v=spf1 exp=a.example.com Exp=b.example.com"), "duplicate exp= modifier",
	       "duplicate exp");
	ok(!valid("v=spf1 -redirect=a.example.com"), "qualifier on a modifier");
	ok(!valid("v=spf1 redirect="), "empty redirect");
	ok(!valid("v=spf1 1foo=bar"), "modifier name must start with a letter");
	is_int(parse("v=spf1 foo-bar.baz_1=anything -all", &rec, NULL, 0), 0, "unknown modifier allowed");
	is_int(rec.terms[0].kind, SPF_MODIFIER, "unknown modifier kind");
	is_str(rec.terms[0].arg, "anything", "unknown modifier value");
	spf_record_clear(&rec);
}

static void test_mechanisms_and_case(void)
{
	struct spf_record rec;
	char big[70000];
	is_str(error_of("v=spf1 foo:bar.com -all"), "unknown mechanism 'foo'", "unknown mechanism");
	ok(!valid("v=spf1 all:foo.com"), "all takes no argument");
	ok(!valid("v=spf1 +"), "lone qualifier");
	ok(!valid("v=spf1 a.b"), "malformed term");
	is_int(parse("V=SpF1 -ALL INCLUDE:Example.COM Ip4:1.2.3.4", &rec, NULL, 0), 0, "mixed case parses");
	is_int(rec.all, SPF_QUAL_FAIL, "-ALL is -all");
	is_int(rec.nreach, 1, "terms after all are unreachable");
	is_int(rec.lookups, 0, "unreachable include not counted");
	is_int(rec.nincludes, 0, "unreachable include not listed");
	is_int(rec.terms[1].kind, SPF_INCLUDE, "INCLUDE recognised");
	spf_record_clear(&rec);
	is_int(parse("v=spf1 a mx ptr exists:%{i}.x.example.com include:a.example.com redirect=b.example.com",
	             &rec, NULL, 0),
	       0, "every lookup term");
	is_int(rec.lookups, 6, "six lookup terms");
	spf_record_clear(&rec);
	struct {
		const char *txt;
		enum spf_qualifier q;
	} quals[] = {{"v=spf1 +all", SPF_QUAL_PASS},    {"v=spf1 all", SPF_QUAL_PASS},
	             {"v=spf1 -all", SPF_QUAL_FAIL},    {"v=spf1 ~all", SPF_QUAL_SOFTFAIL},
	             {"v=spf1 ?all", SPF_QUAL_NEUTRAL}, {"v=spf1 mx", SPF_QUAL_NONE}};
	for (size_t i = 0; i < sizeof quals / sizeof quals[0]; i++) {
		parse(quals[i].txt, &rec, NULL, 0);
		is_int(rec.all, quals[i].q, quals[i].txt);
		spf_record_clear(&rec);
	}
	is_str(spf_qualifier_str(SPF_QUAL_SOFTFAIL), "~", "qualifier string");
	memset(big, 'a', sizeof big);
	memcpy(big, "v=spf1 ", 7);
	is_str(error_of("x"), "record does not start with 'v=spf1'", "not an SPF record");
	is_int(spf_parse(big, sizeof big, &rec, NULL, 0), -EINVAL, "over-long record refused");
	is_int(spf_parse("v=spf1 a\0b", 10, &rec, NULL, 0), -EINVAL, "embedded NUL is a syntax error");
	is_int(spf_parse(NULL, 0, &rec, NULL, 0), -EINVAL, "NULL text");
}

static void test_whitespace(void)
{
	struct spf_record rec;
	is_int(parse("v=spf1   -all   ", &rec, NULL, 0), 0, "runs of spaces");
	is_int(rec.nterms, 1, "one term between spaces");
	spf_record_clear(&rec);
	is_int(parse("v=spf1", &rec, NULL, 0), 0, "no terms");
	is_int(rec.nterms, 0, "zero terms");
	is_int(rec.all, SPF_QUAL_NONE, "no all");
	spf_record_clear(&rec);
	ok(!valid("v=spf1\t-all"), "tab after version");
	ok(!valid("v=spf1 -all\tmx"), "tab inside the terms");
	ok(!valid("v=spf1 a:exa mple.com"), "space splits a domain into a bad term");
}

/* ---- Evaluator over a canned table ---- */

struct fake {
	const char *name;           /* lookup name */
	enum spf_fetch_state state; /* how it ended */
	const char *status;         /* status word */
	const char *txt[12];        /* TXT strings, MX names or addresses */
	size_t n;                   /* how many */
	enum spf_rrtype type;       /* record type (0: TXT) */
};

struct table {
	const struct fake *v; /* entries */
	size_t n;             /* how many */
	int calls;            /* fetches made */
};

/* Like the analyzer: a type the table holds no answer of at all was never recorded. */
static int fake_fetch(void *ctx, const char *name, enum spf_rrtype type, struct spf_answer *out)
{
	struct table *t = ctx;
	int typed = 0;
	t->calls++;
	for (size_t i = 0; i < t->n; i++) {
		typed |= t->v[i].type == type;
		if (t->v[i].type == type && strcmp(t->v[i].name, name) == 0) {
			*out = (struct spf_answer){t->v[i].state, t->v[i].status, t->v[i].txt, t->v[i].n};
			return 0;
		}
	}
	return typed || type == SPF_RR_TXT ? -ENOENT : -EOPNOTSUPP;
}

#define OKTXT(n, s)                                                                                          \
	{                                                                                                    \
		n, SPF_FETCH_OK, "ok", {s}, 1, SPF_RR_TXT                                                    \
	}

static int eval(const char *rec, const struct fake *v, size_t n, struct spf_eval *ev, int *calls)
{
	struct table t = {v, n, 0};
	int rc = spf_evaluate("D.test.", rec, strlen(rec), 0, fake_fetch, &t, ev);
	if (calls != NULL)
		*calls = t.calls;
	return rc;
}

static void test_eval_tree(void)
{
	static const struct fake tree[] = {
	    OKTXT("a.test", "v=spf1 ip4:1.2.3.4 include:b.test ~all"),
	    {"b.test", SPF_FETCH_OK, "ok", {"google-site-verification=x", "v=spf1 a mx -all"}, 2, SPF_RR_TXT},
	};
	struct spf_eval ev;
	is_int(eval("v=spf1 include:A.Test. -all", tree, 2, &ev, NULL), 0, "tree evaluates");
	is_int(ev.lookups, 4, "include a, include b, a, mx");
	is_int(ev.voids, 0, "no voids");
	is_int(ev.all, SPF_QUAL_FAIL, "top -all");
	is_int(ev.all_known, 1, "all known");
	is_int(spf_eval_permerror(&ev), 0, "no permerror");
	is_int(spf_eval_incomplete(&ev), 0, "complete");
	is_int(ev.records.total, 3, "three records");
	is_str(ev.records.v[0].name, "d.test", "root name normalised");
	is_str(ev.records.v[1].name, "a.test", "include name normalised");
	is_str(ev.counted.v[1].text, "include:b.test", "counted in evaluation order");
	is_str(ev.counted.v[1].name, "a.test", "counted with its record");
	is_str(ev.counted.v[3].text, "mx", "last counted term");
	spf_eval_clear(&ev);
	spf_eval_clear(NULL);
}

static void test_eval_loop(void)
{
	static const struct fake loop[] = {
	    OKTXT("a.test", "v=spf1 include:b.test -all"),
	    OKTXT("b.test", "v=spf1 include:a.test -all"),
	};
	struct spf_eval ev;
	is_int(eval("v=spf1 include:a.test -all", loop, 2, &ev, NULL), 0, "loop evaluates");
	is_int(ev.loops, 1, "one loop");
	is_int(ev.problems.v[0].kind, SPF_PROB_LOOP, "loop problem");
	is_str(ev.problems.v[0].text, "include:a.test loops back to a.test", "loop text");
	is_str(ev.problems.v[0].name, "b.test", "loop found in b.test");
	is_int(spf_eval_permerror(&ev), 1, "loop is a permerror");
	spf_eval_clear(&ev);
	is_int(eval("v=spf1 include:d.test", loop, 2, &ev, NULL), 0, "self include");
	is_int(ev.loops, 1, "self include is a loop");
	spf_eval_clear(&ev);
}

static void test_eval_redirect(void)
{
	static const struct fake tab[] = {
	    OKTXT("r.test", "v=spf1 -all"),
	    {"t.test", SPF_FETCH_FAILED, "timeout", {NULL}, 0, SPF_RR_TXT},
	    {"nx.test", SPF_FETCH_NXDOMAIN, "nxdomain", {NULL}, 0, SPF_RR_TXT},
	};
	struct spf_eval ev;
	int calls;
	eval("v=spf1 mx redirect=r.test", tab, 3, &ev, NULL);
	is_int(ev.all, SPF_QUAL_FAIL, "redirect target's -all is effective");
	is_int(ev.all_known, 1, "known through redirect");
	is_int(ev.lookups, 2, "mx and redirect");
	spf_eval_clear(&ev);
	eval("v=spf1 redirect=missing.test", tab, 3, &ev, NULL);
	is_int(ev.all_known, 0, "missing redirect target: all unknown");
	is_str(ev.all_unknown, "not_observed", "why: not observed");
	is_int(spf_eval_incomplete(&ev), 1, "incomplete");
	is_str(ev.unfetched.v[0].name, "missing.test", "unfetched name");
	spf_eval_clear(&ev);
	eval("v=spf1 redirect=t.test", tab, 3, &ev, NULL);
	is_str(ev.all_unknown, "timeout", "timed-out redirect target");
	spf_eval_clear(&ev);
	eval("v=spf1 redirect=nx.test", tab, 3, &ev, NULL);
	is_int(ev.norecord, 1, "NXDOMAIN redirect target has no record");
	is_int(ev.voids, 1, "and is a void lookup");
	is_int(spf_eval_permerror(&ev), 1, "permerror");
	spf_eval_clear(&ev);
	eval("v=spf1 ?all redirect=r.test", tab, 3, &ev, &calls);
	is_int(ev.all, SPF_QUAL_NEUTRAL, "redirect ignored when all is present");
	is_int(ev.lookups, 0, "ignored redirect not counted");
	is_int(calls, 0, "ignored redirect not fetched");
	spf_eval_clear(&ev);
	eval("v=spf1 redirect=%{d}.r.test", tab, 3, &ev, &calls);
	is_int(ev.macros, 1, "macro redirect not followed");
	is_str(ev.all_unknown, "macro", "all unknown through a macro");
	is_int(calls, 0, "macro target not fetched");
	spf_eval_clear(&ev);
}

static void test_eval_errors(void)
{
	static const struct fake tab[] = {
	    {"v1.test", SPF_FETCH_NXDOMAIN, "nxdomain", {NULL}, 0, SPF_RR_TXT},
	    {"v2.test", SPF_FETCH_NODATA, "nodata", {NULL}, 0, SPF_RR_TXT},
	    {"v3.test", SPF_FETCH_NXDOMAIN, "nxdomain", {NULL}, 0, SPF_RR_TXT},
	    OKTXT("other.test", "some verification token"),
	    {"two.test", SPF_FETCH_OK, "ok", {"v=spf1 -all", "v=spf1 ~all"}, 2, SPF_RR_TXT},
	    OKTXT("bad.test", "v=spf1 ip4:300.1.1.1 -all"),
	};
	struct spf_eval ev;
	eval("v=spf1 include:v1.test include:v2.test include:v3.test -all", tab, 6, &ev, NULL);
	is_int(ev.voids, 3, "three void lookups");
	is_int(ev.norecord, 3, "three targets without records");
	is_int(ev.lookups, 3, "three lookups");
	is_str(ev.problems.v[1].text, "include:v2.test: no SPF record (no TXT records)",
	       "nodata problem text");
	spf_eval_clear(&ev);
	eval("v=spf1 include:other.test -all", tab, 6, &ev, NULL);
	is_int(ev.norecord, 1, "TXT without SPF: no record");
	is_int(ev.voids, 0, "but not a void lookup");
	spf_eval_clear(&ev);
	eval("v=spf1 include:two.test -all", tab, 6, &ev, NULL);
	is_int(ev.multiple, 1, "two SPF records at a target");
	is_int(ev.problems.v[0].kind, SPF_PROB_MULTIPLE, "multiple problem");
	spf_eval_clear(&ev);
	eval("v=spf1 include:bad.test -all", tab, 6, &ev, NULL);
	is_int(ev.syntax, 1, "syntax error in an include");
	is_str(ev.problems.v[0].name, "bad.test", "error located");
	is_str(ev.problems.v[0].text, "invalid IPv4 address '300.1.1.1'", "error text");
	spf_eval_clear(&ev);
	eval("v=spf1 include:%{i}.x.test -all", tab, 6, &ev, NULL);
	is_int(ev.macros, 1, "macro include counted, not followed");
	is_int(ev.lookups, 1, "macro include is one lookup");
	is_int(spf_eval_incomplete(&ev), 0, "macro targets do not make the tree incomplete");
	spf_eval_clear(&ev);
}

static void test_eval_cap(void)
{
	/* A diamond doubling at every level: 255 records unless capped. */
	static const struct fake tab[] = {
	    OKTXT("l1.test", "v=spf1 include:l2.test include:l2.test"),
	    OKTXT("l2.test", "v=spf1 include:l3.test include:l3.test"),
	    OKTXT("l3.test", "v=spf1 include:l4.test include:l4.test"),
	    OKTXT("l4.test", "v=spf1 include:l5.test include:l5.test"),
	    OKTXT("l5.test", "v=spf1 include:l6.test include:l6.test"),
	    OKTXT("l6.test", "v=spf1 include:l7.test include:l7.test"),
	    OKTXT("l7.test", "v=spf1 -all"),
	};
	struct spf_eval ev;
	is_int(eval("v=spf1 include:l1.test include:l1.test", tab, 7, &ev, NULL), 0, "diamond evaluates");
	is_int(ev.capped, 1, "capped");
	is_int(ev.records.total, SPF_EVAL_MAX_RECORDS, "stopped at the record cap");
	is_int(ev.records.n, SPF_EVAL_MAX_NOTES, "kept notes capped");
	ok(ev.lookups > SPF_LOOKUP_LIMIT, "far over the limit");
	is_int(spf_eval_permerror(&ev), 1, "permerror");
	spf_eval_clear(&ev);
}

#define ADDR(n, ty, a)                                                                                       \
	{                                                                                                    \
		n, SPF_FETCH_OK, "ok", {a}, 1, ty                                                            \
	}
#define VOID(n, ty, st)                                                                                      \
	{                                                                                                    \
		n, st, st == SPF_FETCH_NXDOMAIN ? "nxdomain" : "nodata", {NULL}, 0, ty                       \
	}

static void test_eval_mechanism_voids(void)
{
	static const struct fake tab[] = {
	    VOID("v1.test", SPF_RR_A, SPF_FETCH_NXDOMAIN), VOID("v2.test", SPF_RR_MX, SPF_FETCH_NODATA),
	    VOID("v3.test", SPF_RR_A, SPF_FETCH_NXDOMAIN), ADDR("h.test", SPF_RR_A, "192.0.2.1"),
	    ADDR("m.test", SPF_RR_MX, "h.test."),          OKTXT("i.test", "v=spf1 a -all"),
	    VOID("i.test", SPF_RR_A, SPF_FETCH_NODATA),
	};
	struct spf_eval ev;
	int calls;
	is_int(eval("v=spf1 a:v1.test mx:v2.test exists:v3.test -all", tab, 7, &ev, &calls), 0,
	       "voids evaluate");
	is_int(ev.voids, 3, "a, mx and exists targets: three void lookups");
	is_int(ev.lookups, 3, "three lookup terms");
	is_int(calls, 3, "each target fetched once");
	is_int(spf_eval_permerror(&ev), 1, "three voids are a permerror");
	is_str(ev.voided.v[1].text, "mx:v2.test: v2.test MX NODATA", "void note names the lookup");
	is_str(ev.voided.v[2].name, "d.test", "void note names the record");
	spf_eval_clear(&ev);
	eval("v=spf1 a:v1.test exists:v3.test a:h.test mx:m.test -all", tab, 7, &ev, &calls);
	is_int(ev.voids, 2, "two voids, the rest resolve");
	is_int(calls, 5, "a, exists, a, mx and the MX name's A");
	is_int(spf_eval_permerror(&ev), 0, "two voids are allowed");
	is_int(spf_eval_incomplete(&ev), 0, "every answer was there");
	spf_eval_clear(&ev);
	eval("v=spf1 include:i.test a:v1.test exists:v3.test -all", tab, 7, &ev, NULL);
	is_int(ev.voids, 3, "a without a domain resolves the include target");
	is_str(ev.voided.v[0].text, "a: i.test A NODATA", "void of the include's own name");
	spf_eval_clear(&ev);
}

static void test_eval_mx(void)
{
	static const struct fake tab[] = {
	    {"big.test",
	     SPF_FETCH_OK,
	     "ok",
	     {"a.", "b.", "c.", "d.", "e.", "f.", "g.", "h.", "i.", "j.", "k."},
	     11,
	     SPF_RR_MX},
	    {"ten.test",
	     SPF_FETCH_OK,
	     "ok",
	     {"n1.test", "n2.test", "n3.test", "n4.test", "n5.test", "n6.test", "n7.test", "n8.test",
	      "n9.test", "n10.test"},
	     10,
	     SPF_RR_MX},
	    ADDR("n1.test", SPF_RR_A, "192.0.2.1"),
	    ADDR("n1.test", SPF_RR_AAAA, "2001:db8::1"),
	    {"null.test", SPF_FETCH_OK, "ok", {"."}, 1, SPF_RR_MX},
	};
	struct spf_eval ev;
	int calls;
	eval("v=spf1 mx:big.test -all", tab, 5, &ev, &calls);
	is_int(ev.mxlimit, 1, "11 MX names: over the limit");
	is_int(calls, 1, "no MX name looked up past the limit");
	is_int(spf_eval_permerror(&ev), 1, "mx over 10 names is a permerror");
	is_int(ev.problems.v[0].kind, SPF_PROB_MXLIMIT, "mx limit problem");
	is_str(ev.problems.v[0].text, "mx:big.test: 11 MX names (limit 10)", "mx limit text");
	spf_eval_clear(&ev);
	eval("v=spf1 mx:ten.test -all", tab, 5, &ev, &calls);
	is_int(ev.mxlimit, 0, "10 MX names are allowed");
	is_int(calls, 11, "the MX set and each name's A");
	is_int(ev.unfetched.total, 9, "nine names without a recorded A");
	is_int(spf_eval_incomplete(&ev), 1, "so the walk is incomplete");
	spf_eval_clear(&ev);
	struct table t = {tab, 5, 0};
	spf_evaluate("d.test", "v=spf1 mx:ten.test -all", 23, 1, fake_fetch, &t, &ev);
	is_int(ev.unfetched.total, 9, "IPv6 view asks AAAA: n1 has one");
	spf_eval_clear(&ev);
	eval("v=spf1 mx:null.test -all", tab, 5, &ev, &calls);
	is_int(calls, 1, "a null MX names no host to look up");
	is_int(ev.voids, 0, "and is not void");
	spf_eval_clear(&ev);
}

static void test_eval_unresolved(void)
{
	static const struct fake tab[] = {
	    {"t.test", SPF_FETCH_FAILED, "timeout", {NULL}, 0, SPF_RR_A},
	};
	struct spf_eval ev;
	int calls;
	eval("v=spf1 a:t.test -all", tab, 1, &ev, NULL);
	is_int(spf_eval_incomplete(&ev), 1, "a timed-out A lookup leaves the walk incomplete");
	is_str(ev.unfetched.v[0].text, "timeout", "with its status");
	is_int(ev.voids, 0, "a timeout is not void");
	spf_eval_clear(&ev);
	eval("v=spf1 mx exists:x.test -all", tab, 1, &ev, &calls);
	is_int(ev.unresolved, 1, "no MX answers recorded at all: mx counted, not resolved");
	is_int(ev.unfetched.total, 1, "exists target missing among recorded A answers");
	spf_eval_clear(&ev);
	eval("v=spf1 a:%{l}.x.test exists:%{i}.y.test ptr ptr:z.test -all", tab, 1, &ev, &calls);
	is_int(calls, 0, "macro targets and ptr are never fetched");
	is_int(ev.macros, 2, "two macro targets");
	is_str(ev.macro.v[1].text, "exists:%{i}.y.test", "macro term noted");
	is_int(ev.lookups, 4, "all four counted");
	is_int(ev.ptr, 2, "two ptr mechanisms");
	is_str(ev.ptrs.v[1].text, "ptr:z.test", "ptr term noted");
	is_int(spf_eval_permerror(&ev), 0, "ptr is not an error by itself");
	spf_eval_clear(&ev);
	eval("v=spf1 -all ptr", tab, 1, &ev, NULL);
	is_int(ev.ptr, 0, "ptr after all is unreachable");
	spf_eval_clear(&ev);
}

static void test_eval_match_all(void)
{
	static const struct fake tab[] = {
	    ADDR("h.test", SPF_RR_A, "192.0.2.1"),
	    OKTXT("open.test", "v=spf1 +all"),
	    OKTXT("closed.test", "v=spf1 -all"),
	};
	struct spf_eval ev;
	eval("v=spf1 ip4:0.0.0.0/0 a:h.test -all", tab, 3, &ev, NULL);
	is_int(ev.all, SPF_QUAL_PASS, "ip4:0.0.0.0/0 passes every IPv4 sender");
	is_str(ev.all_by, "ip4:0.0.0.0/0", "the deciding term");
	is_int(ev.lookups, 0, "terms after it are never reached");
	spf_eval_clear(&ev);
	eval("v=spf1 ~a:h.test/0 -all", tab, 3, &ev, NULL);
	is_int(ev.all, SPF_QUAL_SOFTFAIL, "a/0 with an address matches everyone, with its qualifier");
	spf_eval_clear(&ev);
	eval("v=spf1 exists:h.test include:closed.test -all", tab, 3, &ev, NULL);
	is_str(ev.all_by, "exists:h.test", "exists of a name that resolves matches everyone");
	spf_eval_clear(&ev);
	eval("v=spf1 include:closed.test ?include:open.test -all", tab, 3, &ev, NULL);
	is_int(ev.all, SPF_QUAL_NEUTRAL, "include of +all matches with the include's qualifier");
	is_str(ev.all_by, "?include:open.test", "named");
	spf_eval_clear(&ev);
	eval("v=spf1 ip6:::/0 a:h.test -all", tab, 3, &ev, NULL);
	is_int(ev.all, SPF_QUAL_FAIL, "ip6 /0 does not match an IPv4 sender");
	ok(ev.all_by == NULL, "all decides");
	spf_eval_clear(&ev);
}

/* The effective all of `rec` over `tab`: "+", "-", ... when known, else "unknown:REASON". */
static const char *all_of(const char *rec, const struct fake *tab, size_t n)
{
	static char out[64];
	struct spf_eval ev;
	if (eval(rec, tab, n, &ev, NULL) < 0)
		return "(error)";
	if (ev.all_known)
		snprintf(out, sizeof out, "%s", spf_qualifier_str(ev.all));
	else
		snprintf(out, sizeof out, "unknown:%s", ev.all_unknown);
	spf_eval_clear(&ev);
	return out;
}

/* A lookup that was not seen never lets the all after it decide: it might have matched everyone. */
static void test_eval_unknown_match(void)
{
	static const struct fake tab[] = {
	    OKTXT("open.test", "v=spf1 +all"),
	    {"t.test", SPF_FETCH_FAILED, "timeout", {NULL}, 0, SPF_RR_TXT},
	    OKTXT("mid.test", "v=spf1 include:t.test -all"),
	    OKTXT("redir.test", "v=spf1 redirect=gone.test"),
	    {"s.test", SPF_FETCH_FAILED, "servfail", {NULL}, 0, SPF_RR_A},
	    {"tm.test", SPF_FETCH_FAILED, "timeout", {NULL}, 0, SPF_RR_MX},
	    ADDR("m.test", SPF_RR_MX, "h1.test."),
	    {"h1.test", SPF_FETCH_FAILED, "refused", {NULL}, 0, SPF_RR_A},
	    {"m2.test", SPF_FETCH_OK, "ok", {"h1.test.", "h2.test."}, 2, SPF_RR_MX},
	    ADDR("h2.test", SPF_RR_A, "192.0.2.2"),
	    VOID("v.test", SPF_RR_A, SPF_FETCH_NXDOMAIN),
	};
	size_t n = sizeof tab / sizeof tab[0];
	is_str(all_of("v=spf1 include:open.test -all", tab, n), "+", "include of +all: pass, known");
	is_str(all_of("v=spf1 include:t.test -all", tab, n), "unknown:timeout", "timed-out include: unknown");
	is_str(all_of("v=spf1 include:x.test -all", tab, n), "unknown:not_observed",
	       "include never fetched: unknown");
	is_str(all_of("v=spf1 include:mid.test -all", tab, n), "unknown:timeout",
	       "nested timeout propagates");
	is_str(all_of("v=spf1 include:redir.test -all", tab, n), "unknown:not_observed",
	       "include whose redirect= was not seen");
	is_str(all_of("v=spf1 include:%{d}.x.test -all", tab, n), "unknown:macro",
	       "include with a macro: its record is unknown");
	is_str(all_of("v=spf1 exists:s.test -all", tab, n), "unknown:servfail", "exists that failed");
	is_str(all_of("v=spf1 exists:x.test -all", tab, n), "unknown:not_observed", "exists not observed");
	is_str(all_of("v=spf1 exists:v.test -all", tab, n), "-", "exists of a void name matches nobody");
	is_str(all_of("v=spf1 a:s.test/0 -all", tab, n), "unknown:servfail", "a/0 that failed");
	is_str(all_of("v=spf1 a:s.test -all", tab, n), "-", "a without /0 never matches everyone");
	is_str(all_of("v=spf1 mx:tm.test/0 -all", tab, n), "unknown:timeout", "mx/0 whose MX timed out");
	is_str(all_of("v=spf1 mx:m.test/0 -all", tab, n), "unknown:refused", "mx/0 whose only name failed");
	is_str(all_of("v=spf1 ~mx:m2.test/0 -all", tab, n), "~", "mx/0 with one name resolving matches");
	is_str(all_of("v=spf1 mx:tm.test -all", tab, n), "-", "mx without /0 never matches everyone");
	is_str(all_of("v=spf1 ip4:0.0.0.0/0 include:t.test -all", tab, n), "+",
	       "a match before the unseen include decides");
	is_str(all_of("v=spf1 include:t.test ?all", tab, n), "unknown:timeout", "?all cannot decide either");
	is_str(all_of("v=spf1 -include:t.test -all", tab, n), "-",
	       "-include unseen before -all: fail either way");
	is_str(all_of("v=spf1 -include:t.test include:x.test -all", tab, n), "unknown:not_observed",
	       "the reason is the unseen term that could change the result");
	is_str(all_of("v=spf1 include:mid.test +all", tab, n), "+", "+all: pass either way");
	static const struct fake txt_only[] = {OKTXT("open.test", "v=spf1 +all")};
	is_str(all_of("v=spf1 exists:x.test -all", txt_only, 1), "unknown:not_observed",
	       "exists in observations without answers of its type");
}

/* Synthesises the RFC worst case: every mK.test has 10 MX names, every name an address. */
struct worst {
	char names[SPF_MX_LIMIT][32]; /* the MX answer */
	const char *rr[SPF_MX_LIMIT]; /* pointers into it */
	int asked[4];                 /* questions by spf_rrtype */
};

static int worst_fetch(void *ctx, const char *name, enum spf_rrtype type, struct spf_answer *out)
{
	static const char *const addr[] = {"192.0.2.1"};
	struct worst *w = ctx;
	w->asked[type]++;
	if (type == SPF_RR_MX) {
		for (int i = 0; i < SPF_MX_LIMIT; i++) {
			snprintf(w->names[i], sizeof w->names[i], "n%d.%.20s", i, name);
			w->rr[i] = w->names[i];
		}
		*out = (struct spf_answer){SPF_FETCH_OK, "ok", w->rr, SPF_MX_LIMIT};
		return 0;
	}
	if (type == SPF_RR_TXT)
		return -ENOENT;
	*out = (struct spf_answer){SPF_FETCH_OK, "ok", addr, 1};
	return 0;
}

/* What the probe must record for the analyzer fits its budget, even in the worst case. */
static void test_eval_worst_case_answers(void)
{
	const char *rec = "v=spf1 mx:m0.test mx:m1.test mx:m2.test mx:m3.test mx:m4.test mx:m5.test "
	                  "mx:m6.test mx:m7.test mx:m8.test mx:m9.test -all";
	struct worst w = {0};
	struct spf_eval ev;
	is_int(spf_evaluate("d.test", rec, strlen(rec), 0, worst_fetch, &w, &ev), 0, "worst case evaluates");
	is_int(ev.lookups, SPF_LOOKUP_LIMIT, "10 lookup terms: within the limit");
	is_int(w.asked[SPF_RR_MX], 10, "10 MX answers");
	is_int(w.asked[SPF_RR_A], 100, "100 A answers, one per MX name");
	is_int(w.asked[SPF_RR_AAAA], 0, "no AAAA in the IPv4-sender view: the probe need not ask it");
	ok(w.asked[SPF_RR_MX] + w.asked[SPF_RR_A] <= SPF_RR_MAX_ANSWERS, "the probe's budget covers them");
	is_int(spf_eval_incomplete(&ev), 0, "every answer there");
	is_str(spf_qualifier_str(ev.all), "-", "and the all decides");
	spf_eval_clear(&ev);
}

static void test_non_ascii(void)
{
	is_str(error_of("v=spf1 a:\xc3\xa9xample.com -all"), "non-ASCII byte 0xc3 at offset 9",
	       "UTF-8 in a domain is a permerror");
	is_str(error_of("v=spf1 -all x=caf\xc3\xa9"), "non-ASCII byte 0xc3 at offset 17",
	       "even in an unknown modifier");
	ok(spf_is_spf_record("v=spf1 \x80"), "still recognised as an SPF record");
	char *d = spf_txt_decode("v=spf1 a:caf\\195\\169.x \\092 \\000 \\9 \\256 \\");
	is_str(d, "v=spf1 a:caf\xc3\xa9.x \\ \x7f \\9 \\256 \\",
	       "TXT evidence decoded; NUL as DEL; bad escapes kept");
	free(d);
}

int main(void)
{
	test_is_spf();
	test_full_record();
	test_ip();
	test_cidr();
	test_domains_and_macros();
	test_modifiers();
	test_mechanisms_and_case();
	test_whitespace();
	test_eval_tree();
	test_eval_loop();
	test_eval_redirect();
	test_eval_errors();
	test_eval_cap();
	test_eval_mechanism_voids();
	test_eval_mx();
	test_eval_unresolved();
	test_non_ascii();
	test_eval_match_all();
	test_eval_unknown_match();
	test_eval_worst_case_answers();
	return done_testing();
}
