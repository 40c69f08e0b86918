/*
 * The DNS analyzer: one finding for each dns.* check of the methodology, from the
 * "dns" part of a domain's observation document (docs/OBSERVATIONS.md).
 *
 * Choices the methodology leaves open, made here:
 * - SPF: the domain's own record comes from dns.txt (dns.spf[domain] only when
 *   dns.txt is absent). An include or redirect lookup that failed (or a name the
 *   probe never fetched, or spf_truncated) makes dns.spf.syntax and
 *   dns.spf.lookups indeterminate unless a permanent error is certain anyway
 *   (a syntax error seen, more than 10 lookups, more than 2 void lookups, a
 *   loop, a target without an SPF record or with two); those non-syntax
 *   permanent errors all fail dns.spf.lookups and make dns.spf.all n/a. A
 *   redirect= target missing from dns.spf makes dns.spf.all indeterminate
 *   ("not_observed"); one answering NXDOMAIN is a permanent error (RFC 7208 s6.1).
 *   So does a term that might match every sender but could not be decided (an
 *   include whose result is unknown, an exists, a/0 or mx/0 whose lookup failed,
 *   was not observed or was cut off: "truncated"), unless its qualifier is the
 *   one the evaluation reaches anyway: a timeout never turns into a pass.
 *   Targets with macros are counted as one lookup and not followed. a, mx and
 *   exists targets are resolved from dns.spf_rr (void lookups count toward the
 *   limit of 2; an mx with more than 10 names is a permanent error), for an IPv4
 *   sender; without dns.spf_rr (older observations) they are only counted. A
 *   mechanism every sender matches (ip4:0.0.0.0/0, ...) decides dns.spf.all as
 *   its qualifier would as `all`. dns.spf.ptr fails on any reachable ptr.
 * - DMARC: bad values of optional tags other than sp= are ignored as RFC 7489 s6.3
 *   says and are named in the detail; only v, p, sp and duplicate tags make a record
 *   invalid, and a missing or bad p= or a bad sp= does not when rua= is valid
 *   (p=none, s6.6.3 step 6). The policy check judges the weakest policy any failing
 *   mail gets: mail outside a pct= sample gets the next policy down (s6.6.4), so
 *   p=reject passes at any pct (pct=0 makes it quarantine for all) and p=quarantine
 *   passes only at pct=100.
 * - A null MX ("0 .") alone is a deliberate policy and passes.
 * - No NS records at the name (not a zone apex) makes the NS checks not applicable.
 */
#include "analyze.h"
#include "wire_dmarc.h"
#include "wire_spf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* NS names and address prefixes considered; more are ignored. */
#define MAX_NS       64
#define MAX_PREFIXES 256
/* Items listed in one detail line before "...". */
#define DETAIL_ITEMS 12

enum lk_state {
	LK_OK,     /* an answer with records */
	LK_EMPTY,  /* NODATA, NXDOMAIN, or ok without records */
	LK_FAILED, /* no usable answer; `reason` says why */
};

/* A lookup object (docs/OBSERVATIONS.md) as the checks read it. */
struct lookup {
	enum lk_state state;   /* what the lookup amounts to */
	const char *reason;    /* LK_FAILED: a status word for the finding's reason */
	const char *status;    /* the status as recorded ("nxdomain", ...), or NULL */
	const json_t *obj;     /* the lookup object, or NULL when absent */
	const json_t *records; /* its records array, or NULL */
};

struct dnsctx {
	const char *domain;   /* obs.domain, or "" */
	const json_t *dns;    /* obs.dns when it is an object, else NULL */
	struct findings *out; /* where findings go */
	int rc;               /* first error (-ENOMEM), 0 while none */
};

/* A bounded one-line text buffer for details. */
struct line {
	char b[1024]; /* the text, always NUL-terminated */
	size_t n;     /* bytes used */
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	if (l->n >= sizeof l->b - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(l->b + l->n, sizeof l->b - l->n, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->n = (size_t)n < sizeof l->b - l->n ? l->n + (size_t)n : sizeof l->b - 1;
}

/* Details are one line of ASCII: network text may hold anything. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static void emit(struct dnsctx *c, const char *check, enum fstatus st, const char *reason, json_t *evidence,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void emit(struct dnsctx *c, const char *check, enum fstatus st, const char *reason, json_t *evidence,
                 const char *fmt, ...)
{
	struct line l = {.n = 0};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l.b, sizeof l.b, fmt, ap);
	va_end(ap);
	sanitize(l.b);
	if (findings_add(c->out, check, c->domain, st, reason, evidence, "%s", l.b) < 0 && c->rc == 0)
		c->rc = -ENOMEM;
}

/* A copy of part of the observation for a finding's evidence (JSON null when absent). */
static json_t *copy(const json_t *v)
{
	json_t *j = v != NULL ? json_deep_copy(v) : NULL;
	return j != NULL ? j : json_null();
}

/* Failure statuses pass through as reasons; anything unexpected becomes "error". */
static const char *status_word(const char *s)
{
	static const char *const words[] = {"timeout",      "servfail", "refused",
	                                    "out_of_scope", "error",    "not_observed"};
	for (size_t i = 0; s != NULL && i < sizeof words / sizeof words[0]; i++)
		if (strcmp(s, words[i]) == 0)
			return words[i];
	return "error";
}

static void lookup_read(const json_t *obj, struct lookup *lk)
{
	*lk = (struct lookup){.state = LK_FAILED, .reason = "not_observed"};
	if (!json_is_object(obj))
		return;
	lk->obj = obj;
	lk->status = json_string_value(json_object_get(obj, "status"));
	lk->records = json_object_get(obj, "records");
	if (!json_is_array(lk->records))
		lk->records = NULL;
	if (lk->status == NULL) {
		lk->reason = "error";
	} else if (strcmp(lk->status, "ok") == 0) {
		lk->state = json_array_size(lk->records) > 0 ? LK_OK : LK_EMPTY;
	} else if (strcmp(lk->status, "nodata") == 0 || strcmp(lk->status, "nxdomain") == 0) {
		lk->state = LK_EMPTY;
	} else {
		lk->reason = status_word(lk->status);
	}
}

static const json_t *dns_get(const struct dnsctx *c, const char *key)
{
	return json_object_get(c->dns, key);
}

/* Emits the same indeterminate finding for several checks. */
static void emit_all_indeterminate(struct dnsctx *c, const char *const *checks, size_t n, const char *reason,
                                   const json_t *evidence, const char *what)
{
	for (size_t i = 0; i < n; i++)
		emit(c, checks[i], FS_INDETERMINATE, reason, copy(evidence),
		     "%s lookup for %s gave no answer: %s", what, c->domain, reason);
}

/* ---- Names ---- */

/* Compares host names ignoring case and one trailing dot. */
static int same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* An object member by host name: exact key first, then ignoring case and trailing dot. */
static const json_t *get_by_name(const json_t *obj, const char *name)
{
	const char *key;
	const json_t *v = json_object_get(obj, name);
	if (v != NULL || !json_is_object(obj))
		return v;
	json_object_foreach((json_t *)obj, key, v) if (same_name(key, name)) return v;
	return NULL;
}

/* ---- DNSSEC ---- */

static void check_dnssec(struct dnsctx *c)
{
	static const char *const checks[] = {"dns.dnssec.signed", "dns.dnssec.valid"};
	struct lookup lk;
	lookup_read(dns_get(c, "soa"), &lk);
	const char *sec = json_string_value(json_object_get(lk.obj, "sec"));
	const char *why = json_string_value(json_object_get(lk.obj, "why_bogus"));
	if (lk.state == LK_FAILED) {
		emit_all_indeterminate(c, checks, 2, lk.reason, lk.obj, "SOA");
		return;
	}
	if (sec != NULL && strcmp(sec, "secure") == 0) {
		emit(c, checks[0], FS_PASS, NULL, copy(lk.obj), "%s is DNSSEC-signed (secure)", c->domain);
		emit(c, checks[1], FS_PASS, NULL, copy(lk.obj), "DNSSEC validates for %s (secure)",
		     c->domain);
	} else if (sec != NULL && strcmp(sec, "insecure") == 0) {
		emit(c, checks[0], FS_FAIL, NULL, copy(lk.obj), "%s is not DNSSEC-signed (insecure)",
		     c->domain);
		emit(c, checks[1], FS_NA, "insecure", copy(lk.obj), "%s is unsigned: nothing to validate",
		     c->domain);
	} else if (sec != NULL && strcmp(sec, "bogus") == 0) {
		emit(c, checks[0], FS_NA, "bogus", copy(lk.obj),
		     "%s has DNSSEC data that does not validate: see dns.dnssec.valid", c->domain);
		emit(c, checks[1], FS_FAIL, NULL, copy(lk.obj),
		     "DNSSEC validation fails for %s (bogus): %.300s", c->domain,
		     why != NULL ? why : "no reason given");
	} else {
		emit(c, checks[0], FS_INDETERMINATE, "not_observed", copy(lk.obj),
		     "no DNSSEC validation state recorded for %s", c->domain);
		emit(c, checks[1], FS_INDETERMINATE, "not_observed", copy(lk.obj),
		     "no DNSSEC validation state recorded for %s", c->domain);
	}
}

/* ---- SPF ---- */

static const char *const spf_checks[] = {"dns.spf.present", "dns.spf.single",  "dns.spf.syntax",
                                         "dns.spf.all",     "dns.spf.lookups", "dns.spf.ptr"};
#define SPF_NCHECKS (sizeof spf_checks / sizeof spf_checks[0])

/* The fetch context over dns.txt (for the domain itself) and dns.spf. */
struct spf_ctx {
	const struct dnsctx *c; /* the analysis */
	const char **strs;      /* scratch array of TXT strings handed to the evaluator */
	size_t cap;             /* its size */
	char **decoded;         /* the last TXT answer's strings as published (spf_txt_decode) */
	size_t ndecoded;        /* how many */
};

static void spf_ctx_drop_decoded(struct spf_ctx *x)
{
	for (size_t i = 0; i < x->ndecoded; i++)
		free(x->decoded[i]);
	free(x->decoded);
	x->decoded = NULL;
	x->ndecoded = 0;
}

/* TXT answers: the evidence escapes bytes outside printable ASCII, the evaluator wants them back. */
static int spf_txt_strings(struct spf_ctx *x, struct spf_answer *out)
{
	spf_ctx_drop_decoded(x);
	if (out->nrr == 0)
		return 0;
	if ((x->decoded = calloc(out->nrr, sizeof *x->decoded)) == NULL)
		return -ENOMEM;
	for (; x->ndecoded < out->nrr; x->ndecoded++) {
		if ((x->decoded[x->ndecoded] = spf_txt_decode(x->strs[x->ndecoded])) == NULL)
			return -ENOMEM;
		x->strs[x->ndecoded] = x->decoded[x->ndecoded];
	}
	return 0;
}

/* The TXT lookup for the domain: dns.txt, or its dns.spf entry when dns.txt is absent. */
static const json_t *spf_root_lookup(const struct dnsctx *c)
{
	const json_t *txt = dns_get(c, "txt");
	return json_is_object(txt) ? txt : get_by_name(dns_get(c, "spf"), c->domain);
}

static int spf_strings(struct spf_ctx *x, const json_t *records, struct spf_answer *out)
{
	size_t n = json_array_size(records), k = 0;
	if (n > x->cap) {
		const char **s = realloc(x->strs, n * sizeof *s);
		if (s == NULL)
			return -ENOMEM;
		x->strs = s;
		x->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(records, i));
		if (s != NULL)
			x->strs[k++] = s;
	}
	out->rr = x->strs;
	out->nrr = k;
	return 0;
}

/* MX answers hold {"pref", "host"} objects: the evaluator wants the host names. */
static int spf_mx_hosts(struct spf_ctx *x, const json_t *records, struct spf_answer *out)
{
	int rc = spf_strings(x, records, out);
	size_t k = 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(records); i++) {
		const char *h = json_string_value(json_object_get(json_array_get(records, i), "host"));
		if (h != NULL)
			x->strs[k++] = h;
	}
	out->nrr = k;
	return rc;
}

/*
 * The recorded lookup of an a/mx/exists target: dns.spf_rr.TYPE.NAME, else for the
 * domain itself its own dns.a / dns.mx. NULL with *absent set when the probe did
 * not record such answers at all (observations older than dns.spf_rr).
 */
static const json_t *spf_rr_lookup(const struct dnsctx *c, const char *name, enum spf_rrtype type,
                                   int *absent)
{
	static const char *const types[] = {"TXT", "A", "AAAA", "MX"};
	const json_t *rr = dns_get(c, "spf_rr");
	const json_t *v = get_by_name(json_object_get(rr, types[type]), name);
	*absent = !json_is_object(rr);
	if (v == NULL && same_name(name, c->domain) && (type == SPF_RR_A || type == SPF_RR_MX)) {
		const json_t *own = dns_get(c, type == SPF_RR_A ? "a" : "mx");
		if (json_is_object(own))
			return own;
	}
	return v;
}

static int spf_fetch(void *ctx, const char *name, enum spf_rrtype type, struct spf_answer *out)
{
	struct spf_ctx *x = ctx;
	const json_t *obj;
	int absent = 0;
	if (type != SPF_RR_TXT)
		obj = spf_rr_lookup(x->c, name, type, &absent);
	else if (same_name(name, x->c->domain))
		obj = spf_root_lookup(x->c);
	else
		obj = get_by_name(dns_get(x->c, "spf"), name);
	struct lookup lk;
	if (!json_is_object(obj))
		return absent ? -EOPNOTSUPP : -ENOENT;
	lookup_read(obj, &lk);
	*out = (struct spf_answer){.status = lk.status};
	if (lk.state == LK_FAILED) {
		out->state = SPF_FETCH_FAILED;
		out->status = lk.reason;
		return 0;
	}
	if (lk.state == LK_EMPTY) {
		out->state = strcmp(lk.status, "nxdomain") == 0 ? SPF_FETCH_NXDOMAIN : SPF_FETCH_NODATA;
		return 0;
	}
	out->state = SPF_FETCH_OK;
	if (type == SPF_RR_MX)
		return spf_mx_hosts(x, lk.records, out);
	int rc = spf_strings(x, lk.records, out);
	return rc == 0 && type == SPF_RR_TXT ? spf_txt_strings(x, out) : rc;
}

/* "a, b, c, ..." from a notes list, texts only. */
static void line_notes(struct line *l, const struct spf_notes *ns, enum spf_problem kind, int with_name)
{
	size_t shown = 0;
	for (size_t i = 0; i < ns->n && shown < DETAIL_ITEMS; i++) {
		if (kind != SPF_PROB_NONE && ns->v[i].kind != kind)
			continue;
		if (with_name)
			line_add(l, "%s%s: %.200s", shown ? "; " : "", ns->v[i].name, ns->v[i].text);
		else
			line_add(l, "%s%.200s", shown ? ", " : "", ns->v[i].text);
		shown++;
	}
	if (ns->total > shown && kind == SPF_PROB_NONE)
		line_add(l, ", ...");
}

static json_t *notes_json(const struct spf_notes *ns, const char *k1, const char *k2)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < ns->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", k1, ns->v[i].name, k2, ns->v[i].text));
	return a;
}

static json_t *spf_evidence(const struct dnsctx *c, const struct spf_eval *ev)
{
	const char *all = ev->all == SPF_QUAL_NONE ? NULL : spf_qualifier_str(ev->all);
	json_t *j = json_object();
	if (j == NULL)
		return json_null();
	json_object_set_new(j, "records", notes_json(&ev->records, "name", "record"));
	json_object_set_new(j, "lookups", json_integer(ev->lookups));
	json_object_set_new(j, "void_lookups", json_integer(ev->voids));
	json_object_set_new(j, "counted", notes_json(&ev->counted, "name", "term"));
	json_object_set_new(j, "problems", notes_json(&ev->problems, "name", "problem"));
	json_object_set_new(j, "unfetched", notes_json(&ev->unfetched, "name", "status"));
	json_object_set_new(j, "void_terms", notes_json(&ev->voided, "name", "lookup"));
	json_object_set_new(j, "macro_targets", json_integer(ev->macros));
	json_object_set_new(j, "macro_terms", notes_json(&ev->macro, "name", "term"));
	json_object_set_new(j, "ptr_terms", notes_json(&ev->ptrs, "name", "term"));
	json_object_set_new(j, "unresolved", json_integer(ev->unresolved));
	json_object_set_new(j, "rr_truncated", json_boolean(json_is_true(dns_get(c, "spf_rr_truncated"))));
	json_object_set_new(j, "all",
	                    all != NULL && ev->all_known ? json_sprintf("%sall", all) : json_null());
	json_object_set_new(j, "truncated", json_boolean(json_is_true(dns_get(c, "spf_truncated"))));
	return j;
}

/* Why a count is only a lower bound: truncation, an unfetched name, or the cap. */
static const char *spf_incomplete_reason(const struct dnsctx *c, const struct spf_eval *ev)
{
	if (ev->unfetched.n > 0 && strcmp(ev->unfetched.v[0].text, "not_observed") == 0 &&
	    json_is_true(dns_get(c, "spf_rr_truncated")))
		return "truncated";
	if (ev->unfetched.n > 0)
		return status_word(ev->unfetched.v[0].text);
	if (json_is_true(dns_get(c, "spf_truncated")))
		return "truncated";
	return ev->capped ? "capped" : NULL;
}

static void spf_syntax(struct dnsctx *c, const struct spf_eval *ev, const json_t *evj)
{
	struct line l = {.n = 0};
	const char *inc = spf_incomplete_reason(c, ev);
	if (ev->syntax > 0) {
		line_notes(&l, &ev->problems, SPF_PROB_SYNTAX, 1);
		emit(c, "dns.spf.syntax", FS_FAIL, NULL, copy(evj), "SPF syntax error: %s", l.b);
	} else if (inc != NULL) {
		emit(c, "dns.spf.syntax", FS_INDETERMINATE, inc, copy(evj),
		     "SPF tree incomplete (%s): %zu records parsed, others not seen", inc, ev->records.total);
	} else {
		emit(c, "dns.spf.syntax", FS_PASS, NULL, copy(evj), "SPF syntax valid in %zu record%s",
		     ev->records.total, ev->records.total == 1 ? "" : "s");
	}
}

/* The permanent errors other than syntax, as one line; empty when none. */
static void spf_problems_line(struct line *l, const struct spf_eval *ev)
{
	if (ev->lookups > SPF_LOOKUP_LIMIT) {
		line_add(l, "SPF needs %s%d DNS lookups (limit %d): ", ev->capped ? "over " : "", ev->lookups,
		         SPF_LOOKUP_LIMIT);
		line_notes(l, &ev->counted, SPF_PROB_NONE, 0);
	}
	if (ev->voids > SPF_VOID_LIMIT) {
		line_add(l, "%s%d void lookups (limit %d): ", l->n ? "; " : "", ev->voids, SPF_VOID_LIMIT);
		line_notes(l, &ev->voided, SPF_PROB_NONE, 0);
	}
	for (size_t i = 0, shown = 0; i < ev->problems.n && shown < DETAIL_ITEMS; i++)
		if (ev->problems.v[i].kind != SPF_PROB_SYNTAX) {
			line_add(l, "%s%s: %.200s", l->n ? "; " : "", ev->problems.v[i].name,
			         ev->problems.v[i].text);
			shown++;
		}
}

static void spf_lookups(struct dnsctx *c, const struct spf_eval *ev, const json_t *evj)
{
	struct line l = {.n = 0};
	const char *inc = spf_incomplete_reason(c, ev);
	if (ev->syntax > 0) {
		emit(c, "dns.spf.lookups", FS_NA, "permerror", copy(evj),
		     "SPF has a syntax error: the lookup count does not apply");
		return;
	}
	spf_problems_line(&l, ev);
	if (l.n > 0) {
		emit(c, "dns.spf.lookups", FS_FAIL, NULL, copy(evj), "%s", l.b);
		return;
	}
	if (inc != NULL) {
		emit(c, "dns.spf.lookups", FS_INDETERMINATE, inc, copy(evj),
		     "SPF needs at least %d DNS lookups (limit %d); the rest could not be seen (%s)",
		     ev->lookups, SPF_LOOKUP_LIMIT, inc);
		return;
	}
	line_add(&l, "SPF needs %d DNS lookup%s (limit %d), %d void", ev->lookups,
	         ev->lookups == 1 ? "" : "s", SPF_LOOKUP_LIMIT, ev->voids);
	if (ev->macros > 0)
		line_add(&l, ", %d macro target%s not expanded (they need the sender)", ev->macros,
		         ev->macros == 1 ? "" : "s");
	if (ev->counted.total > 0) {
		line_add(&l, ": ");
		line_notes(&l, &ev->counted, SPF_PROB_NONE, 0);
	}
	emit(c, "dns.spf.lookups", FS_PASS, NULL, copy(evj), "%s", l.b);
}

/* The verdict on an effective all qualifier, and what it means for forged mail. */
static enum fstatus all_verdict(enum spf_qualifier q, const char **meaning)
{
	switch (q) {
	case SPF_QUAL_FAIL:
		*meaning = "unlisted senders fail";
		return FS_PASS;
	case SPF_QUAL_SOFTFAIL:
		*meaning = "unlisted senders soft-fail";
		return FS_PASS;
	case SPF_QUAL_NEUTRAL:
		*meaning = "forged mail is neutral, not rejected";
		return FS_FAIL;
	case SPF_QUAL_PASS:
		*meaning = "it authorises every sender on the internet";
		return FS_FAIL;
	default:
		*meaning = "unlisted senders get neutral";
		return FS_FAIL;
	}
}

/* Why the effective all is unknown, as a finding reason; a name the probe cut off is "truncated". */
static const char *spf_all_unknown_reason(const struct dnsctx *c, const char *why)
{
	if (strcmp(why, "macro") == 0 || strcmp(why, "capped") == 0)
		return why;
	if (strcmp(why, "not_observed") == 0 &&
	    (json_is_true(dns_get(c, "spf_rr_truncated")) || json_is_true(dns_get(c, "spf_truncated"))))
		return "truncated";
	return status_word(why);
}

static void spf_all(struct dnsctx *c, const struct spf_eval *ev, const json_t *evj, const char *redirect)
{
	struct line via = {.n = 0};
	const char *meaning;
	if (redirect != NULL)
		line_add(&via, " (through redirect=%.200s)", redirect);
	if (spf_eval_permerror(ev)) {
		emit(c, "dns.spf.all", FS_NA, "permerror", copy(evj),
		     "SPF evaluation ends in a permanent error: no all qualifier applies");
	} else if (!ev->all_known) {
		const char *why = spf_all_unknown_reason(c, ev->all_unknown);
		emit(c, "dns.spf.all", FS_INDETERMINATE, why, copy(evj),
		     "the effective all depends on a lookup that could not be seen (%s): a redirect= target, "
		     "or a term that might match every sender%s",
		     why, via.b);
	} else {
		enum fstatus st = all_verdict(ev->all, &meaning);
		if (ev->all_by != NULL)
			emit(c, "dns.spf.all", st, NULL, copy(evj),
			     "SPF matches every sender at '%.200s' (%s)%s: %s", ev->all_by,
			     spf_qualifier_str(ev->all), via.b, meaning);
		else if (ev->all == SPF_QUAL_NONE)
			emit(c, "dns.spf.all", st, NULL, copy(evj), "SPF has no all mechanism%s: %s", via.b,
			     meaning);
		else
			emit(c, "dns.spf.all", st, NULL, copy(evj), "SPF ends in %sall%s: %s",
			     spf_qualifier_str(ev->all), via.b, meaning);
	}
}

/* RFC 7208 s5.5: ptr is slow, unreliable and SHOULD NOT be used. */
static void spf_ptr(struct dnsctx *c, const struct spf_eval *ev, const json_t *evj)
{
	struct line l = {.n = 0};
	const char *inc = spf_incomplete_reason(c, ev);
	if (ev->ptr > 0) {
		line_notes(&l, &ev->ptrs, SPF_PROB_NONE, 1);
		emit(c, "dns.spf.ptr", FS_FAIL, NULL, copy(evj),
		     "SPF uses the ptr mechanism (RFC 7208 s5.5: SHOULD NOT): %s", l.b);
	} else if (ev->syntax > 0) {
		emit(c, "dns.spf.ptr", FS_NA, "permerror", copy(evj),
		     "SPF has a syntax error: its terms cannot all be read");
	} else if (inc != NULL) {
		emit(c, "dns.spf.ptr", FS_INDETERMINATE, inc, copy(evj),
		     "no ptr in the %zu SPF records seen; others could not be seen (%s)", ev->records.total,
		     inc);
	} else {
		emit(c, "dns.spf.ptr", FS_PASS, NULL, copy(evj), "no ptr mechanism in %zu SPF record%s",
		     ev->records.total, ev->records.total == 1 ? "" : "s");
	}
}

/* The redirect= the effective all comes from, or NULL (a copy; caller frees). */
static char *spf_redirect_of(const char *record)
{
	struct spf_record rec;
	char *r = NULL;
	if (spf_parse(record, strlen(record), &rec, NULL, 0) < 0)
		return NULL;
	if (rec.all == SPF_QUAL_NONE && rec.redirect != NULL)
		r = strdup(rec.redirect);
	spf_record_clear(&rec);
	return r;
}

/* Syntax, all and lookups for the domain's one SPF record. */
static void spf_evaluate_one(struct dnsctx *c, const char *txt)
{
	struct spf_ctx x = {.c = c};
	struct spf_eval ev;
	char *record = spf_txt_decode(txt);
	/* IPv4 senders' view: most mail arrives over IPv4, and a/mx targets need A records for it. */
	int rc =
	    record != NULL ? spf_evaluate(c->domain, record, strlen(record), 0, spf_fetch, &x, &ev) : -ENOMEM;
	free(x.strs);
	spf_ctx_drop_decoded(&x);
	if (rc < 0) {
		c->rc = c->rc ? c->rc : rc;
		for (size_t i = 2; i < SPF_NCHECKS; i++)
			emit(c, spf_checks[i], FS_INDETERMINATE, "error", json_null(),
			     "SPF evaluation failed internally (%s)", strerror(-rc));
		free(record);
		return;
	}
	json_t *evj = spf_evidence(c, &ev);
	char *redirect = spf_redirect_of(record);
	spf_syntax(c, &ev, evj);
	spf_all(c, &ev, evj, redirect);
	spf_lookups(c, &ev, evj);
	spf_ptr(c, &ev, evj);
	free(redirect);
	free(record);
	json_decref(evj);
	spf_eval_clear(&ev);
}

static void check_spf(struct dnsctx *c)
{
	struct lookup lk;
	const char *first = NULL;
	size_t n = 0, ntxt = 0;
	lookup_read(spf_root_lookup(c), &lk);
	if (lk.state == LK_FAILED) {
		emit_all_indeterminate(c, spf_checks, SPF_NCHECKS, lk.reason, lk.obj, "TXT");
		return;
	}
	for (size_t i = 0; i < json_array_size(lk.records); i++) {
		const char *s = json_string_value(json_array_get(lk.records, i));
		ntxt += s != NULL;
		if (spf_is_spf_record(s) && n++ == 0)
			first = s;
	}
	if (n == 0) {
		emit(c, spf_checks[0], FS_FAIL, NULL, copy(lk.obj),
		     "no SPF record at %s (%s, %zu TXT records)", c->domain, lk.status ? lk.status : "?",
		     ntxt);
		for (size_t i = 1; i < SPF_NCHECKS; i++)
			emit(c, spf_checks[i], FS_NA, "no_spf", json_null(), "no SPF record at %s",
			     c->domain);
		return;
	}
	emit(c, spf_checks[0], FS_PASS, NULL, copy(lk.obj), "SPF record at %s: %.200s", c->domain, first);
	if (n > 1) {
		emit(c, spf_checks[1], FS_FAIL, NULL, copy(lk.obj),
		     "%zu SPF records at %s: receivers return permerror", n, c->domain);
		for (size_t i = 2; i < SPF_NCHECKS; i++)
			emit(c, spf_checks[i], FS_NA, "multiple_spf", json_null(), "%zu SPF records at %s", n,
			     c->domain);
		return;
	}
	emit(c, spf_checks[1], FS_PASS, NULL, copy(lk.obj), "exactly one SPF record at %s", c->domain);
	spf_evaluate_one(c, first);
}

/* ---- DMARC ---- */

static const char *const dmarc_checks[] = {"dns.dmarc.present", "dns.dmarc.valid", "dns.dmarc.policy",
                                           "dns.dmarc.subdomain"};
#define DMARC_NCHECKS (sizeof dmarc_checks / sizeof dmarc_checks[0])

/* The checks that judge a policy (policy, subdomain) are n/a when no record applies. */
static void dmarc_no_policy(struct dnsctx *c, const char *reason, const json_t *ev, const char *why)
{
	for (size_t i = 2; i < DMARC_NCHECKS; i++)
		emit(c, dmarc_checks[i], FS_NA, reason, ev ? copy(ev) : json_null(), "%s", why);
}

static json_t *dmarc_evidence(const char *txt, const struct dmarc_record *d)
{
	json_t *j = json_pack("{s:s, s:b, s:s}", "record", txt, "valid", d->valid, "reason", d->reason);
	if (j == NULL)
		return json_null();
	if (d->valid) {
		json_object_set_new(j, "p", json_string(dmarc_policy_name(d->p)));
		json_object_set_new(j, "sp", json_string(dmarc_policy_name(d->sp)));
		json_object_set_new(j, "pct", json_integer(d->pct));
		json_object_set_new(j, "rua", json_integer(d->nrua));
		if (d->p_implied)
			json_object_set_new(j, "p_implied", json_true());
	}
	if (d->nunknown > 0)
		json_object_set_new(j, "unknown_tags", json_string(d->unknown));
	if (d->nignored > 0)
		json_object_set_new(j, "ignored", json_string(d->ignored));
	return j;
}

/* The policy failing mail outside the pct= sample gets (RFC 7489 s6.6.4). */
static enum dmarc_policy dmarc_downgrade(enum dmarc_policy p)
{
	return p == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE : DMARC_POLICY_NONE;
}

/*
 * Judges the weakest policy any failing mail gets: with pct below 100 the rest is
 * downgraded (s6.6.4), so p=reject always enforces and p=quarantine only at 100.
 */
static void dmarc_policy(struct dnsctx *c, const struct dmarc_record *d, const json_t *evj)
{
	struct line l = {.n = 0};
	enum dmarc_policy weakest = d->pct < 100 ? dmarc_downgrade(d->p) : d->p;
	const char *p = dmarc_policy_name(d->p), *down = dmarc_policy_name(weakest);
	if (d->p == DMARC_POLICY_NONE)
		line_add(&l, "p=none only monitors");
	else if (d->pct == 0)
		line_add(&l, "p=%s with pct=0: RFC 7489 s6.6.4 downgrades all failing mail to %s", p, down);
	else if (d->pct < 100)
		line_add(&l, "p=%s, pct=%d: the other %d%% of failing mail gets %s (RFC 7489 s6.6.4)", p,
		         d->pct, 100 - d->pct, down);
	else
		line_add(&l, "p=%s", p);
	if (weakest == DMARC_POLICY_NONE)
		line_add(&l, ": spoofed mail is delivered");
	if (d->has_sp && d->sp != d->p)
		line_add(&l, ", sp=%s for subdomains", dmarc_policy_name(d->sp));
	emit(c, dmarc_checks[2], weakest >= DMARC_POLICY_QUARANTINE ? FS_PASS : FS_FAIL, NULL, copy(evj),
	     "%s", l.b);
}

/* none < quarantine < reject: the enum is in that order. */
static void dmarc_subdomain(struct dnsctx *c, const struct dmarc_record *d, const json_t *evj)
{
	const char *p = dmarc_policy_name(d->p), *sp = dmarc_policy_name(d->sp);
	if (!d->has_sp)
		emit(c, dmarc_checks[3], FS_PASS, NULL, copy(evj), "no sp=: subdomains get p=%s", p);
	else if (d->sp < d->p)
		emit(c, dmarc_checks[3], FS_FAIL, NULL, copy(evj),
		     "sp=%s is weaker than p=%s: mail forged from subdomains is treated more leniently", sp,
		     p);
	else
		emit(c, dmarc_checks[3], FS_PASS, NULL, copy(evj), "sp=%s is not weaker than p=%s", sp, p);
}

static void dmarc_one(struct dnsctx *c, const char *txt, size_t len)
{
	struct dmarc_record d;
	struct line l = {.n = 0};
	dmarc_parse(txt, len, &d);
	json_t *evj = dmarc_evidence(txt, &d);
	if (!d.valid) {
		emit(c, dmarc_checks[1], FS_FAIL, NULL, copy(evj), "DMARC record invalid: %s", d.reason);
		dmarc_no_policy(c, "invalid", evj, "DMARC record invalid: no policy applies");
		json_decref(evj);
		return;
	}
	if (d.p_implied)
		line_add(&l, "; %s, taken as p=none because rua= is valid (RFC 7489 s6.6.3)", d.implied);
	if (d.nunknown > 0)
		line_add(&l, "; unknown tags ignored: %s", d.unknown);
	if (d.nignored > 0)
		line_add(&l, "; bad values ignored: %s", d.ignored);
	emit(c, dmarc_checks[1], FS_PASS, NULL, copy(evj), "DMARC record valid (p=%s)%s",
	     dmarc_policy_name(d.p), l.b);
	dmarc_policy(c, &d, evj);
	dmarc_subdomain(c, &d, evj);
	json_decref(evj);
}

static void check_dmarc(struct dnsctx *c)
{
	struct lookup lk;
	const json_t *found = NULL;
	size_t n = 0;
	lookup_read(dns_get(c, "dmarc"), &lk);
	if (lk.state == LK_FAILED) {
		emit_all_indeterminate(c, dmarc_checks, DMARC_NCHECKS, lk.reason, lk.obj, "_dmarc TXT");
		return;
	}
	for (size_t i = 0; i < json_array_size(lk.records); i++) {
		const json_t *s = json_array_get(lk.records, i);
		if (json_is_string(s) && dmarc_is_dmarc_record(json_string_value(s), json_string_length(s)) &&
		    n++ == 0)
			found = s;
	}
	if (n == 0) {
		emit(c, dmarc_checks[0], FS_FAIL, NULL, copy(lk.obj),
		     "no DMARC record at _dmarc.%s (%s, %zu TXT records)", c->domain,
		     lk.status ? lk.status : "?", json_array_size(lk.records));
		char why[300];
		snprintf(why, sizeof why, "no DMARC record at _dmarc.%s", c->domain);
		emit(c, dmarc_checks[1], FS_NA, "no_dmarc", json_null(), "%s", why);
		dmarc_no_policy(c, "no_dmarc", NULL, why);
		return;
	}
	emit(c, dmarc_checks[0], FS_PASS, NULL, copy(lk.obj), "DMARC record at _dmarc.%s: %.200s", c->domain,
	     json_string_value(found));
	if (n > 1) {
		emit(c, dmarc_checks[1], FS_FAIL, NULL, copy(lk.obj),
		     "%zu DMARC records at _dmarc.%s: receivers apply no policy", n, c->domain);
		char why[80];
		snprintf(why, sizeof why, "%zu DMARC records: no policy applies", n);
		dmarc_no_policy(c, "invalid", lk.obj, why);
		return;
	}
	dmarc_one(c, json_string_value(found), json_string_length(found));
}

/* ---- CAA and MX ---- */

static void check_caa(struct dnsctx *c)
{
	struct lookup lk;
	struct line l = {.n = 0};
	lookup_read(dns_get(c, "caa"), &lk);
	if (lk.state == LK_FAILED) {
		emit(c, "dns.caa.present", FS_INDETERMINATE, lk.reason, copy(lk.obj),
		     "CAA lookup for %s gave no answer: %s", c->domain, lk.reason);
		return;
	}
	if (lk.state == LK_EMPTY) {
		emit(c, "dns.caa.present", FS_FAIL, NULL, copy(lk.obj),
		     "no CAA record at %s (%s): any CA may issue", c->domain, lk.status ? lk.status : "?");
		return;
	}
	for (size_t i = 0; i < json_array_size(lk.records) && i < DETAIL_ITEMS; i++) {
		const json_t *r = json_array_get(lk.records, i);
		const char *tag = json_string_value(json_object_get(r, "tag"));
		const char *val = json_string_value(json_object_get(r, "value"));
		line_add(&l, "%s%.40s %.100s", i ? ", " : "", tag ? tag : "?", val ? val : "?");
	}
	emit(c, "dns.caa.present", FS_PASS, NULL, copy(lk.obj), "%zu CAA record%s: %s",
	     json_array_size(lk.records), json_array_size(lk.records) == 1 ? "" : "s", l.b);
}

/* An MX record as an object {pref, host} or a "pref host" string. */
static const char *mx_host(const json_t *r, long long *pref)
{
	const char *s = json_string_value(r);
	*pref = -1;
	if (json_is_object(r)) {
		const json_t *p = json_object_get(r, "pref");
		*pref = json_is_integer(p) ? json_integer_value(p) : -1;
		return json_string_value(json_object_get(r, "host"));
	}
	if (s == NULL)
		return NULL;
	char *end;
	*pref = strtoll(s, &end, 10);
	if (end == s)
		return NULL;
	while (*end == ' ')
		end++;
	return end;
}

static int is_null_mx(const char *host)
{
	return host != NULL && (strcmp(host, ".") == 0 || host[0] == '\0');
}

static void check_mx(struct dnsctx *c)
{
	struct lookup lk;
	struct line l = {.n = 0};
	size_t n, nnull = 0;
	lookup_read(dns_get(c, "mx"), &lk);
	if (lk.state == LK_FAILED) {
		emit(c, "dns.mx.present", FS_INDETERMINATE, lk.reason, copy(lk.obj),
		     "MX lookup for %s gave no answer: %s", c->domain, lk.reason);
		return;
	}
	if (lk.state == LK_EMPTY) {
		emit(c, "dns.mx.present", FS_FAIL, NULL, copy(lk.obj),
		     "no MX record at %s (%s): mail falls back to the address or bounces", c->domain,
		     lk.status ? lk.status : "?");
		return;
	}
	n = json_array_size(lk.records);
	for (size_t i = 0; i < n; i++) {
		long long pref;
		const char *host = mx_host(json_array_get(lk.records, i), &pref);
		nnull += is_null_mx(host);
		if (i < DETAIL_ITEMS)
			line_add(&l, "%s%.200s (%lld)", i ? ", " : "", host ? host : "?", pref);
	}
	if (nnull > 0 && n == 1) {
		emit(c, "dns.mx.present", FS_PASS, NULL, copy(lk.obj),
		     "null MX (RFC 7505): %s deliberately accepts no mail", c->domain);
		return;
	}
	if (nnull > 0) {
		emit(c, "dns.mx.present", FS_FAIL, NULL, copy(lk.obj),
		     "null MX mixed with other MX records, which RFC 7505 forbids: %s", l.b);
		return;
	}
	emit(c, "dns.mx.present", FS_PASS, NULL, copy(lk.obj), "%zu MX record%s: %s", n, n == 1 ? "" : "s",
	     l.b);
}

/* ---- Name servers ---- */

/* A /24 (IPv4) or /48 (IPv6) network. */
struct prefix {
	int af;              /* AF_INET or AF_INET6 */
	unsigned char b[16]; /* the address with host bits zeroed */
};

struct nsview {
	const char *names[MAX_NS];       /* distinct NS names */
	size_t nnames;                   /* how many */
	struct prefix pfx[MAX_PREFIXES]; /* distinct networks of their addresses */
	size_t npfx;                     /* how many */
	size_t naddrs;                   /* addresses seen */
	size_t unresolved;               /* names whose address lookup failed or is missing */
	const char *why;                 /* the first such failure's reason */
};

static void ns_names(struct nsview *v, const json_t *records)
{
	for (size_t i = 0; i < json_array_size(records) && v->nnames < MAX_NS; i++) {
		const char *s = json_string_value(json_array_get(records, i));
		int dup = s == NULL || s[0] == '\0';
		for (size_t k = 0; !dup && k < v->nnames; k++)
			dup = same_name(v->names[k], s);
		if (!dup)
			v->names[v->nnames++] = s;
	}
}

static void ns_add_addr(struct nsview *v, const char *s)
{
	struct prefix p = {0};
	if (s == NULL)
		return;
	if (inet_pton(AF_INET, s, p.b) == 1) {
		p.af = AF_INET;
		p.b[3] = 0;
	} else if (inet_pton(AF_INET6, s, p.b) == 1) {
		p.af = AF_INET6;
		memset(p.b + 6, 0, 10);
	} else {
		return;
	}
	v->naddrs++;
	for (size_t i = 0; i < v->npfx; i++)
		if (v->pfx[i].af == p.af && memcmp(v->pfx[i].b, p.b, 16) == 0)
			return;
	if (v->npfx < MAX_PREFIXES)
		v->pfx[v->npfx++] = p;
}

/* Resolves every NS name through dns.ns_addrs; evidence maps name -> addresses or status. */
static json_t *ns_addresses(struct dnsctx *c, struct nsview *v)
{
	const json_t *addrs = dns_get(c, "ns_addrs");
	json_t *ev = json_object();
	for (size_t i = 0; i < v->nnames; i++) {
		struct lookup lk;
		lookup_read(get_by_name(addrs, v->names[i]), &lk);
		if (lk.state == LK_FAILED) {
			v->unresolved++;
			v->why = v->why ? v->why : lk.reason;
			json_object_set_new(ev, v->names[i], json_string(lk.reason));
			continue;
		}
		for (size_t k = 0; k < json_array_size(lk.records); k++)
			ns_add_addr(v, json_string_value(json_array_get(lk.records, k)));
		json_object_set_new(ev, v->names[i], lk.records ? json_deep_copy(lk.records) : json_array());
	}
	return ev;
}

static void line_prefixes(struct line *l, const struct nsview *v)
{
	char buf[INET6_ADDRSTRLEN];
	for (size_t i = 0; i < v->npfx && i < DETAIL_ITEMS; i++)
		if (inet_ntop(v->pfx[i].af, v->pfx[i].b, buf, sizeof buf) != NULL)
			line_add(l, "%s%s/%d", i ? ", " : "", buf, v->pfx[i].af == AF_INET ? 24 : 48);
}

static void ns_diversity(struct dnsctx *c, struct nsview *v)
{
	struct line l = {.n = 0};
	json_t *ev = ns_addresses(c, v);
	line_prefixes(&l, v);
	if (v->npfx >= 2)
		emit(c, "dns.ns.diversity", FS_PASS, NULL, ev, "name servers span %zu networks: %s", v->npfx,
		     l.b);
	else if (v->naddrs == 0)
		emit(c, "dns.ns.diversity", FS_INDETERMINATE, v->why ? v->why : "no_address", ev,
		     "no address of the %zu name servers could be resolved", v->nnames);
	else if (v->unresolved > 0)
		emit(c, "dns.ns.diversity", FS_INDETERMINATE, v->why, ev,
		     "one network seen (%s); %zu of %zu name servers unresolved (%s)", l.b, v->unresolved,
		     v->nnames, v->why);
	else
		emit(c, "dns.ns.diversity", FS_FAIL, NULL, ev,
		     "all %zu name-server addresses are in one network: %s", v->naddrs, l.b);
}

static void check_ns(struct dnsctx *c)
{
	static const char *const checks[] = {"dns.ns.count", "dns.ns.diversity"};
	struct lookup lk;
	struct nsview *v = calloc(1, sizeof *v);
	struct line l = {.n = 0};
	if (v == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	lookup_read(dns_get(c, "ns"), &lk);
	ns_names(v, lk.records);
	for (size_t i = 0; i < v->nnames && i < DETAIL_ITEMS; i++)
		line_add(&l, "%s%.200s", i ? ", " : "", v->names[i]);
	if (lk.state == LK_FAILED) {
		emit_all_indeterminate(c, checks, 2, lk.reason, lk.obj, "NS");
	} else if (v->nnames == 0) {
		emit(c, checks[0], FS_NA, "no_ns", copy(lk.obj), "no NS records at %s: not a zone apex",
		     c->domain);
		emit(c, checks[1], FS_NA, "no_ns", copy(lk.obj), "no NS records at %s: not a zone apex",
		     c->domain);
	} else {
		emit(c, checks[0], v->nnames >= 2 ? FS_PASS : FS_FAIL, NULL, copy(lk.obj),
		     "%s%zu name server%s: %s", v->nnames >= 2 ? "" : "only ", v->nnames,
		     v->nnames == 1 ? "" : "s", l.b);
		ns_diversity(c, v);
	}
	free(v);
}

/* ---- AXFR ---- */

static void check_axfr(struct dnsctx *c)
{
	const json_t *ax = dns_get(c, "axfr"), *open = NULL;
	const char *why = NULL;
	size_t n = json_array_size(ax), nopen = 0, nrefused = 0;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(ax, i);
		const char *st = json_string_value(json_object_get(e, "status"));
		if (st != NULL && strcmp(st, "open") == 0 && nopen++ == 0)
			open = e;
		else if (st != NULL && strcmp(st, "refused") == 0)
			nrefused++;
		else if (why == NULL)
			why = status_word(st);
	}
	if (open != NULL) {
		const char *ns = json_string_value(json_object_get(open, "ns"));
		const char *addr = json_string_value(json_object_get(open, "addr"));
		const json_t *recs = json_object_get(open, "records");
		emit(c, "dns.axfr.refused", FS_FAIL, NULL, copy(ax),
		     "zone transfer open at %.200s (%.64s): %lld records (open at %zu of %zu addresses)",
		     ns ? ns : "?", addr ? addr : "?",
		     json_is_integer(recs) ? json_integer_value(recs) : -1LL, nopen, n);
		return;
	}
	if (nrefused > 0) {
		emit(c, "dns.axfr.refused", FS_PASS, NULL, copy(ax),
		     "zone transfer refused by %zu of %zu name-server addresses", nrefused, n);
		return;
	}
	emit(c, "dns.axfr.refused", FS_INDETERMINATE, why ? why : "not_observed", copy(ax),
	     "no name server answered the zone transfer attempt (%zu tried%s%s)", n, why ? ": " : "",
	     why ? why : "");
}

/*
 * A domain that does not exist (NXDOMAIN for its SOA) has no posture to judge:
 * "no SPF record" there says nothing about the organization, so every DNS check
 * is indeterminate. Returns 1 when that was the case.
 */
static int domain_absent(struct dnsctx *c)
{
	static const char *const checks[] = {
	    "dns.dnssec.signed", "dns.dnssec.valid", "dns.spf.present",  "dns.spf.single",
	    "dns.spf.syntax",    "dns.spf.all",      "dns.spf.lookups",  "dns.spf.ptr",
	    "dns.dmarc.present", "dns.dmarc.valid",  "dns.dmarc.policy", "dns.dmarc.subdomain",
	    "dns.caa.present",   "dns.mx.present",   "dns.ns.count",     "dns.ns.diversity",
	    "dns.axfr.refused",
	};
	struct lookup lk;
	lookup_read(dns_get(c, "soa"), &lk);
	if (lk.status == NULL || strcmp(lk.status, "nxdomain") != 0)
		return 0;
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
		emit(c, checks[i], FS_INDETERMINATE, "nxdomain", copy(lk.obj), "%s does not exist (NXDOMAIN)",
		     c->domain);
	return 1;
}

int analyze_dns(const json_t *obs, time_t now, struct findings *out)
{
	struct dnsctx c = {.out = out};
	const char *domain = json_string_value(json_object_get(obs, "domain"));
	const json_t *dns = json_object_get(obs, "dns");
	(void)now;
	c.domain = domain != NULL ? domain : "";
	c.dns = json_is_object(dns) ? dns : NULL;
	if (domain_absent(&c))
		return c.rc;
	check_dnssec(&c);
	check_spf(&c);
	check_dmarc(&c);
	check_caa(&c);
	check_mx(&c);
	check_ns(&c);
	check_axfr(&c);
	return c.rc;
}
