/*
 * The deep-TLS analyzer (analyze_tls.h): each tls_scans[] object is one endpoint; each
 * check reads one answer of it (a protocol, a cipher-suite class, the DH size, a
 * certificate fact, the staple) and says pass or fail, with the questions the probe asked
 * about it as evidence.
 *
 * Choices worth knowing (docs/METHODOLOGY.md, "Deep TLS and mail transport"):
 * - The endpoint's status gates every check: timeout, refused, error and out_of_scope are
 *   indeterminate with that reason; no_tls, not_tls, no_starttls, starttls_failed and
 *   no_address are not applicable (tls.https.available and mail.starttls judge those).
 * - On SMTP endpoints the certificate's trust-related checks (chain, current, lifetime) and
 *   stapling are not applicable: opportunistic STARTTLS does not authenticate the server.
 * - On TLS service endpoints that are not web servers (DICOM over TLS, TURN over TLS) the
 *   web PKI's rules (the 398-day lifetime, OCSP stapling) are not applicable: such services
 *   commonly run on a private PKI. Every protocol, suite, key and chain check applies.
 * - Only web endpoints count as the domain's deep-TLS scan: a domain whose only TLS endpoint
 *   is a DICOM port still has its web endpoints' checks said unscanned.
 * - A self-signed certificate's own signature is not judged (no client relies on it), and a
 *   self-signed leaf's chain is complete by itself (trust is tls.cert.trusted's).
 * - dh_bits null means no DHE suite was accepted: tls.kex.dh passes.
 */
#include "analyze_tls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tls_suites.h"
#include "wire_text.h"

#define DETAIL_MAX     1024         /* a detail line is cut here */
#define MIN_RSA_BITS   2048         /* tls.cert.key: RSA and DSA */
#define MIN_EC_BITS    256          /* tls.cert.key: EC */
#define MIN_DH_BITS    2048         /* tls.kex.dh */
#define LIFETIME_DAYS  398          /* tls.cert.lifetime (CA/B Forum BR s6.3.2) */
#define LIFETIME_SINCE "2020-09-01" /* ... for leaves issued from this day on */
#define SUITES_SHOWN   3            /* suites named in a detail line */
#define CHAIN_SHOWN    8            /* certificates of a chain kept in a finding's evidence */

/* One endpoint being judged. */
struct tctx {
	const json_t *scan;   /* the tls_scans[] object */
	const char *host;     /* the findings' domain: the host, or the address when none */
	char endpoint[80];    /* the findings' endpoint: "ADDR", or "ADDR:PORT" when not 443 */
	char label[400];      /* "HOST ENDPOINT", for details */
	int smtp;             /* service smtp */
	int web;              /* service https or https-alt: a browser's web PKI rules apply */
	struct findings *out; /* where findings go */
	int rc;               /* first error, or 0 */
};

struct tls_check;
typedef void judge_fn(struct tctx *c, const struct tls_check *k);

/* One row of the check table. */
struct tls_check {
	const char *id;      /* check id (method.c) */
	const char *member;  /* the answer it reads: "protocols.SSLv3", "classes.rc4", "dh_bits", ... */
	const char *keyword; /* asked[] questions containing it are its evidence (NULL: none) */
	unsigned cls;        /* TLS_CLS_* bits of the accepted suites it names (0: none) */
	int smtp_na;         /* not applicable on SMTP endpoints */
	int web_only;        /* a web PKI rule: not applicable on other services (DICOM, TURN) */
	judge_fn *judge;     /* emits the finding */
	const char *pass;    /* detail on pass, after the endpoint label */
	const char *fail;    /* detail on fail, after the endpoint label */
};

/* ---- small helpers ---- */

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int is(const char *s, const char *lit)
{
	return s != NULL && strcmp(s, lit) == 0;
}

/* 1 true, 0 false, -1 null, missing or not a boolean. */
static int tri(const json_t *v)
{
	return json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
}

/* The value at "a.b" (one dot at most) in the scan object. */
static const json_t *member(const json_t *scan, const char *path)
{
	const char *dot = strchr(path, '.');
	if (dot == NULL)
		return json_object_get(scan, path);
	char first[32];
	snprintf(first, sizeof first, "%.*s", (int)(dot - path), path);
	return json_object_get(json_object_get(scan, first), dot + 1);
}

static void set_rc(struct tctx *c, int rc)
{
	if (rc < 0 && c->rc == 0)
		c->rc = rc;
}

/* ---- evidence ---- */

/* The asked[] entries whose question names the check's keyword. */
static json_t *asked_for(const json_t *scan, const char *keyword)
{
	json_t *a = json_array(), *e;
	size_t i;
	json_array_foreach(json_object_get(scan, "asked"), i, e)
	{
		const char *q = jstr(e, "q");
		if (keyword != NULL && q != NULL && strcasestr(q, keyword) != NULL)
			json_array_append_new(a, json_deep_copy(e));
	}
	return a;
}

/* Full depth: the accepted suites, per version, that are of one of the classes `cls`. */
static json_t *suites_of(const json_t *scan, unsigned cls)
{
	const json_t *suites = json_object_get(scan, "suites");
	if (cls == 0 || !json_is_object(suites))
		return json_null();
	json_t *out = json_object(), *list, *name;
	const char *version;
	json_object_foreach((json_t *)suites, version, list)
	{
		json_t *mine = json_array();
		size_t i;
		json_array_foreach(list, i, name)
		{
			const struct tls_suite *s = tls_suite_by_name(json_string_value(name));
			if (s != NULL && (s->cls & cls) != 0)
				json_array_append_new(mine, json_deep_copy(name));
		}
		json_object_set_new(out, version, mine);
	}
	return out;
}

static json_t *copy_member(const json_t *scan, const char *path)
{
	const json_t *v = path ? member(scan, path) : NULL;
	return v ? json_deep_copy(v) : json_null();
}

/* What every finding of an endpoint rests on, plus the check's own answer and questions. */
static json_t *evidence(const struct tctx *c, const struct tls_check *k)
{
	const json_t *s = c->scan;
	json_t *ev = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "host", copy_member(s, "host"), "addr",
	                       copy_member(s, "addr"), "port", copy_member(s, "port"), "service",
	                       copy_member(s, "service"), "depth", copy_member(s, "depth"), "status",
	                       copy_member(s, "status"), "connections", copy_member(s, "connections"));
	if (ev == NULL || k == NULL)
		return ev;
	if (k->member != NULL && strncmp(k->member, "cert", 4) != 0)
		json_object_set_new(ev, k->member, copy_member(s, k->member));
	json_object_set_new(ev, "asked", asked_for(s, k->keyword));
	if (k->cls != 0)
		json_object_set_new(ev, "suites", suites_of(s, k->cls));
	return ev;
}

/* The certificate facts the cert checks rest on: leaf facts and the chain's subjects and signatures. */
static json_t *cert_evidence(const struct tctx *c, const struct tls_check *k)
{
	json_t *ev = evidence(c, k), *chain = json_array(), *e;
	const json_t *cert = json_object_get(c->scan, "cert");
	size_t i;
	json_array_foreach(json_object_get(cert, "chain"), i, e)
	{
		if (i == CHAIN_SHOWN)
			break; /* a served chain is the peer's to grow: evidence keeps its head */
		json_array_append_new(
		    chain, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "subject",
		                     copy_member(e, "subject"), "issuer", copy_member(e, "issuer"),
		                     "key_type", copy_member(e, "key_type"), "key_bits",
		                     copy_member(e, "key_bits"), "sig", copy_member(e, "sig"), "self_signed",
		                     copy_member(e, "self_signed"), "not_before",
		                     copy_member(e, "not_before"), "not_after", copy_member(e, "not_after")));
	}
	static const char *const facts[] = {"chain_complete", "chain_ordered", "validity_days",
	                                    "days_left",      "expired",       "not_yet_valid",
	                                    "trusted",        "verify_error"};
	json_t *summary = json_object();
	for (size_t f = 0; f < sizeof facts / sizeof facts[0]; f++)
		json_object_set_new(summary, facts[f], copy_member(cert, facts[f]));
	json_object_set_new(summary, "chain", chain);
	if (!json_is_object(cert)) {
		json_decref(summary);
		summary = json_null();
	}
	json_object_set_new(ev, "cert", summary);
	return ev;
}

/* ---- emitting ---- */

static void one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

__attribute__((format(printf, 6, 7))) static void emit(struct tctx *c, const char *check, enum fstatus st,
                                                       const char *reason, json_t *ev, const char *fmt, ...)
{
	char detail[DETAIL_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	one_line(detail);
	/* A cut (%.200s, DETAIL_MAX) may split a UTF-8 sequence: U+FFFD keeps the detail JSON. */
	json_t *clean = text_json(detail, strlen(detail));
	size_t first = c->out->n;
	set_rc(c, findings_add(c->out, check, c->host, st, reason, ev, "%s",
	                       clean ? json_string_value(clean) : "?"));
	json_decref(clean);
	if (c->out->n > first && c->endpoint[0] != '\0' &&
	    (c->out->v[first].endpoint = strdup(c->endpoint)) == NULL)
		set_rc(c, -ENOMEM);
}

/* Indeterminate: the question the check rests on has no answer. */
static void unanswered(struct tctx *c, const struct tls_check *k, const char *what, json_t *ev)
{
	char reason[64];
	snprintf(reason, sizeof reason, "unanswered:%s", what);
	emit(c, k->id, FS_INDETERMINATE, reason, ev, "%s: could not tell (%s has no answer)", c->label, what);
}

/* ": A, B, C": the first SUITES_SHOWN accepted suites of the evidence's "suites", if any. */
static void suite_names(const json_t *ev, char *buf, size_t size)
{
	const json_t *list;
	const char *version;
	size_t shown = 0, len = 0;
	buf[0] = '\0';
	json_object_foreach((json_t *)json_object_get(ev, "suites"), version, list)
	{
		for (size_t i = 0; i < json_array_size(list) && shown < SUITES_SHOWN && len < size;
		     i++, shown++) {
			int w = snprintf(buf + len, size - len, "%s%s", shown ? ", " : ": ",
			                 json_string_value(json_array_get(list, i)));
			len = w < 0 ? size : len + (size_t)w;
		}
	}
}

/* Pass or fail by the table's texts, with up to SUITES_SHOWN accepted suites of the class. */
static void verdict(struct tctx *c, const struct tls_check *k, int failed, json_t *ev)
{
	char names[256];
	suite_names(ev, names, sizeof names);
	if (failed)
		emit(c, k->id, FS_FAIL, NULL, ev, "%s %s%s", c->label, k->fail, names);
	else
		emit(c, k->id, FS_PASS, NULL, ev, "%s %s", c->label, k->pass);
}

/* ---- judges ---- */

/* A yes/no answer that must be `bad` to fail: protocols and classes. */
static void judge_answer(struct tctx *c, const struct tls_check *k, int bad)
{
	json_t *ev = evidence(c, k);
	int v = tri(member(c->scan, k->member));
	if (v < 0)
		unanswered(c, k, k->member, ev);
	else
		verdict(c, k, v == bad, ev);
}

static void judge_true_fails(struct tctx *c, const struct tls_check *k)
{
	judge_answer(c, k, 1);
}

static void judge_false_fails(struct tctx *c, const struct tls_check *k)
{
	judge_answer(c, k, 0);
}

static void judge_dh(struct tctx *c, const struct tls_check *k)
{
	json_t *ev = evidence(c, k);
	const json_t *bits = json_object_get(c->scan, "dh_bits");
	if (json_is_integer(bits) && json_integer_value(bits) < MIN_DH_BITS)
		emit(c, k->id, FS_FAIL, NULL, ev, "%s uses a %lld-bit finite-field DH group (below %d)",
		     c->label, (long long)json_integer_value(bits), MIN_DH_BITS);
	else if (json_is_integer(bits))
		emit(c, k->id, FS_PASS, NULL, ev, "%s uses a %lld-bit finite-field DH group", c->label,
		     (long long)json_integer_value(bits));
	else if (json_is_false(json_object_get(c->scan, "dhe")))
		emit(c, k->id, FS_PASS, NULL, ev, "%s accepts no finite-field DHE suite", c->label);
	else /* a DHE suite without its prime, or no answer about DHE at all: never a pass */
		unanswered(c, k, json_is_true(json_object_get(c->scan, "dhe")) ? "dh_bits" : "dhe", ev);
}

/* The leaf certificate, or NULL after emitting the indeterminate finding. */
static const json_t *leaf_or_say(struct tctx *c, const struct tls_check *k, json_t *ev)
{
	const json_t *cert = json_object_get(c->scan, "cert");
	const json_t *leaf = json_array_get(json_object_get(cert, "chain"), 0);
	if (!json_is_object(cert))
		unanswered(c, k, "cert", ev);
	else if (!json_is_object(leaf))
		unanswered(c, k, "cert.chain", ev);
	return json_is_object(leaf) ? leaf : NULL;
}

static void judge_key(struct tctx *c, const struct tls_check *k)
{
	json_t *ev = cert_evidence(c, k);
	const json_t *leaf = leaf_or_say(c, k, ev);
	if (leaf == NULL)
		return;
	const char *type = jstr(leaf, "key_type");
	const json_t *bits = json_object_get(leaf, "key_bits");
	long long b = json_integer_value(bits);
	int rsa = is(type, "rsa") || is(type, "dsa"), ec = is(type, "ec");
	if (is(type, "ed25519") || is(type, "ed448"))
		emit(c, k->id, FS_PASS, NULL, ev, "%s: %s key", c->label, type);
	else if ((!rsa && !ec) || !json_is_integer(bits))
		unanswered(c, k, "cert.chain[0].key_bits", ev);
	else if (b < (rsa ? MIN_RSA_BITS : MIN_EC_BITS))
		emit(c, k->id, FS_FAIL, NULL, ev, "%s: %s key of %lld bits (below %d)", c->label, type, b,
		     rsa ? MIN_RSA_BITS : MIN_EC_BITS);
	else
		emit(c, k->id, FS_PASS, NULL, ev, "%s: %s key of %lld bits", c->label, type, b);
}

static int weak_sig(const char *sig)
{
	return sig != NULL && (strcasestr(sig, "sha1") != NULL || strcasestr(sig, "md5") != NULL);
}

static void judge_signature(struct tctx *c, const struct tls_check *k)
{
	json_t *ev = cert_evidence(c, k);
	if (leaf_or_say(c, k, ev) == NULL)
		return;
	const json_t *e, *weak = NULL;
	int unknown = 0;
	size_t i;
	json_array_foreach(json_object_get(json_object_get(c->scan, "cert"), "chain"), i, e)
	{
		if (json_is_true(json_object_get(e, "self_signed")))
			continue; /* a root's (or self-signed leaf's) own signature protects nothing */
		unknown |= jstr(e, "sig") == NULL;
		weak = weak == NULL && weak_sig(jstr(e, "sig")) ? e : weak;
	}
	if (weak != NULL)
		emit(c, k->id, FS_FAIL, NULL, ev, "%s: %.200s is signed with %s", c->label,
		     jstr(weak, "subject") ? jstr(weak, "subject") : "a certificate", jstr(weak, "sig"));
	else if (unknown)
		unanswered(c, k, "cert.chain[].sig", ev);
	else
		emit(c, k->id, FS_PASS, NULL, ev,
		     "%s: no certificate of the chain is signed with SHA-1 or MD5", c->label);
}

static void judge_chain(struct tctx *c, const struct tls_check *k)
{
	json_t *ev = cert_evidence(c, k);
	const json_t *leaf = leaf_or_say(c, k, ev), *cert = json_object_get(c->scan, "cert");
	if (leaf == NULL)
		return;
	int complete = tri(json_object_get(cert, "chain_complete"));
	int ordered = tri(json_object_get(cert, "chain_ordered"));
	if (json_is_true(json_object_get(leaf, "self_signed")))
		emit(c, k->id, FS_PASS, NULL, ev,
		     "%s: self-signed certificate, its own chain (trust is judged apart)", c->label);
	else if (complete == 0)
		emit(c, k->id, FS_FAIL, NULL, ev,
		     "%s: chain incomplete: no path to a trust anchor from what is served", c->label);
	else if (ordered == 0)
		emit(c, k->id, FS_FAIL, NULL, ev, "%s: chain served out of order", c->label);
	else if (complete < 0 || ordered < 0)
		unanswered(c, k, complete < 0 ? "cert.chain_complete" : "cert.chain_ordered", ev);
	else
		emit(c, k->id, FS_PASS, NULL, ev, "%s: chain complete and in order", c->label);
}

static void judge_lifetime(struct tctx *c, const struct tls_check *k)
{
	json_t *ev = cert_evidence(c, k);
	const json_t *leaf = leaf_or_say(c, k, ev);
	if (leaf == NULL)
		return;
	const json_t *days = json_object_get(json_object_get(c->scan, "cert"), "validity_days");
	const char *from = jstr(leaf, "not_before");
	if (!json_is_integer(days) || from == NULL)
		unanswered(c, k, json_is_integer(days) ? "cert.chain[0].not_before" : "cert.validity_days",
		           ev);
	else if (strncmp(from, LIFETIME_SINCE, strlen(LIFETIME_SINCE)) < 0)
		emit(c, k->id, FS_NA, "issued_before_2020_09_01", ev,
		     "%s: certificate issued %.10s, before the 398-day rule", c->label, from);
	else if (json_integer_value(days) > LIFETIME_DAYS)
		emit(c, k->id, FS_FAIL, NULL, ev, "%s: certificate valid for %lld days (over %d)", c->label,
		     (long long)json_integer_value(days), LIFETIME_DAYS);
	else
		emit(c, k->id, FS_PASS, NULL, ev, "%s: certificate valid for %lld days", c->label,
		     (long long)json_integer_value(days));
}

static void judge_current(struct tctx *c, const struct tls_check *k)
{
	json_t *ev = cert_evidence(c, k);
	const json_t *leaf = leaf_or_say(c, k, ev);
	if (leaf == NULL)
		return;
	int early = tri(json_object_get(json_object_get(c->scan, "cert"), "not_yet_valid"));
	const char *from = jstr(leaf, "not_before");
	if (early < 0)
		unanswered(c, k, "cert.not_yet_valid", ev);
	else if (early)
		emit(c, k->id, FS_FAIL, NULL, ev, "%s: certificate not valid before %s", c->label,
		     from ? from : "(unknown)");
	else
		emit(c, k->id, FS_PASS, NULL, ev, "%s: certificate valid since %s", c->label,
		     from ? from : "(unknown)");
}

/* ---- the check table ---- */

static const struct tls_check tls_checks[] = {
    {"tls.cert.current", "cert", "cert", 0, 1, 0, judge_current, NULL, NULL},
    {"tls.cert.chain", "cert", "cert", 0, 1, 0, judge_chain, NULL, NULL},
    {"tls.cert.key", "cert", "cert", 0, 0, 0, judge_key, NULL, NULL},
    {"tls.cert.signature", "cert", "cert", 0, 0, 0, judge_signature, NULL, NULL},
    {"tls.cert.lifetime", "cert", "cert", 0, 1, 1, judge_lifetime, NULL, NULL},
    {"tls.ocsp.stapling", "ocsp_stapled", "ocsp", 0, 1, 1, judge_false_fails, "staples an OCSP response",
     "staples no OCSP response"},
    {"tls.protocol.sslv3", "protocols.SSLv3", "SSLv3", 0, 0, 0, judge_true_fails, "refuses SSLv3",
     "accepts SSLv3"},
    {"tls.protocol.tls13", "protocols.TLSv1.3", "TLSv1.3", 0, 0, 0, judge_false_fails, "accepts TLS 1.3",
     "does not accept TLS 1.3"},
    {"tls.cipher.null", "classes.null", "null", TLS_CLS_NULL, 0, 0, judge_true_fails,
     "accepts no NULL-encryption suite", "accepts NULL-encryption suites"},
    {"tls.cipher.export", "classes.export", "export", TLS_CLS_EXPORT, 0, 0, judge_true_fails,
     "accepts no EXPORT suite", "accepts EXPORT suites"},
    {"tls.cipher.anon", "classes.anon", "anon", TLS_CLS_ANON, 0, 0, judge_true_fails,
     "accepts no anonymous suite", "accepts anonymous suites"},
    {"tls.cipher.rc4", "classes.rc4", "rc4", TLS_CLS_RC4, 0, 0, judge_true_fails, "accepts no RC4 suite",
     "accepts RC4 suites"},
    {"tls.cipher.3des", "classes.3des", "3des", TLS_CLS_BLOCK64, 0, 0, judge_true_fails,
     "accepts no 64-bit block suite", "accepts 64-bit block (3DES-class) suites"},
    {"tls.cipher.fs", "classes.no_fs", "fs", TLS_CLS_NO_FS, 0, 0, judge_true_fails,
     "accepts suites with forward secrecy", "accepts no suite with forward secrecy"},
    {"tls.cipher.aead", "classes.no_aead", "aead", TLS_CLS_NO_AEAD, 0, 0, judge_true_fails,
     "accepts AEAD suites", "accepts no AEAD suite"},
    {"tls.cipher.cbc", "classes.cbc_only", "cbc", TLS_CLS_CBC, 0, 0, judge_true_fails,
     "accepts suites other than CBC", "accepts CBC suites only"},
    {"tls.kex.dh", "dh_bits", "dh", 0, 0, 0, judge_dh, NULL, NULL},
};
#define NCHECKS (sizeof tls_checks / sizeof tls_checks[0])

const char *analyze_tls_check_id(size_t i)
{
	return i < NCHECKS ? tls_checks[i].id : NULL;
}

/* ---- one endpoint ---- */

/*
 * Whether the endpoint's status lets the check be judged; if not, emits why. The status
 * comes first: an MX that was out of scope or timed out is indeterminate for every check,
 * and only a reached one has certificate checks that opportunistic SMTP makes na.
 */
static int gated(struct tctx *c, const struct tls_check *k)
{
	static const char *const na[] = {"no_tls", "not_tls", "no_starttls", "starttls_failed", "no_address"};
	const char *st = jstr(c->scan, "status");
	if (is(st, "ok")) {
		if (!c->smtp && !c->web && k->web_only) {
			emit(c, k->id, FS_NA, "not_web", evidence(c, NULL),
			     "%s: %s is not a web server; this is a web PKI rule", c->label,
			     jstr(c->scan, "service"));
			return 1;
		}
		if (!c->smtp || !k->smtp_na)
			return 0;
		emit(c, k->id, FS_NA, "smtp_opportunistic", evidence(c, NULL),
		     "%s: SMTP STARTTLS is opportunistic; its certificate is judged by MTA-STS and DANE",
		     c->label);
		return 1;
	}
	/* Port 443 refusing connections is a site without HTTPS (tls.https.available judges it);
	 * port 25 refusing them is an MX that cannot be reached: that stays indeterminate. */
	int no_tls = !c->smtp && is(st, "refused");
	for (size_t i = 0; i < sizeof na / sizeof na[0] && !no_tls; i++)
		no_tls = is(st, na[i]);
	if (no_tls) {
		emit(c, k->id, FS_NA, st, evidence(c, NULL), "%s: no TLS to judge (%s)", c->label, st);
		return 1;
	}
	emit(c, k->id, FS_INDETERMINATE, st ? st : "not_observed", evidence(c, NULL), "%s: TLS scan %s",
	     c->label, st ? st : "not recorded");
	return 1;
}

/* A web endpoint: HTTPS on 443 or 8443, or an entry naming no service (the probe's default). */
static int is_web(const json_t *scan)
{
	const char *service = jstr(scan, "service");
	return service == NULL || is(service, "https") || is(service, "https-alt");
}

static void ctx_init(struct tctx *c, const json_t *scan, const char *domain, struct findings *out)
{
	memset(c, 0, sizeof *c);
	c->scan = scan;
	c->out = out;
	c->smtp = is(jstr(scan, "service"), "smtp");
	c->web = is_web(scan);
	const char *addr = jstr(scan, "addr");
	json_int_t port = json_integer_value(json_object_get(scan, "port"));
	c->host = jstr(scan, "host") ? jstr(scan, "host") : addr ? addr : domain;
	if (addr != NULL && (port == 443 || port == 0))
		snprintf(c->endpoint, sizeof c->endpoint, "%s", addr);
	else if (addr != NULL)
		snprintf(c->endpoint, sizeof c->endpoint, strchr(addr, ':') ? "[%s]:%lld" : "%s:%lld", addr,
		         (long long)port);
	snprintf(c->label, sizeof c->label, "%.250s%s%s", c->host, c->endpoint[0] ? " " : "", c->endpoint);
}

static int analyze_endpoint(const json_t *scan, const char *domain, struct findings *out)
{
	struct tctx c;
	ctx_init(&c, scan, domain, out);
	for (size_t i = 0; i < NCHECKS; i++)
		if (!gated(&c, &tls_checks[i]))
			tls_checks[i].judge(&c, &tls_checks[i]);
	return c.rc;
}

/* ---- mail.starttls ---- */

/* One MX endpoint's verdict and why. */
static enum fstatus mx_verdict(const json_t *scan, const char **why)
{
	const char *st = jstr(scan, "status");
	const json_t *p = json_object_get(scan, "protocols");
	int v12 = tri(json_object_get(p, "TLSv1.2")), v13 = tri(json_object_get(p, "TLSv1.3"));
	*why = st ? st : "not_observed";
	if (is(st, "ok") && (v12 == 1 || v13 == 1))
		return FS_PASS;
	if (is(st, "ok")) {
		*why = v12 == 0 && v13 == 0 ? "legacy_only" : "unanswered:protocols.TLSv1.2";
		return v12 == 0 && v13 == 0 ? FS_FAIL : FS_INDETERMINATE;
	}
	if (is(st, "no_starttls") || is(st, "starttls_failed") || is(st, "no_tls"))
		return FS_FAIL;
	/* STARTTLS accepted, then no TLS: a sender cannot encrypt either. */
	if (is(st, "not_tls") && json_is_true(json_object_get(json_object_get(scan, "smtp"), "starttls")))
		return FS_FAIL;
	return is(st, "no_address") ? FS_NA : FS_INDETERMINATE;
}

/* fail before indeterminate before pass before na: "every MX" needs every verdict. */
static int mx_rank(enum fstatus s)
{
	return s == FS_FAIL ? 0 : s == FS_INDETERMINATE ? 1 : s == FS_PASS ? 2 : 3;
}

/* An MX record ({pref, host} or "pref host") that names a host: not the null MX "." (RFC 7505). */
static int mx_names_host(const json_t *r)
{
	const char *h = json_is_object(r) ? jstr(r, "host") : json_string_value(r);
	const char *sp = json_is_string(r) && h ? strrchr(h, ' ') : NULL;
	h = sp ? sp + 1 : h;
	return h != NULL && h[0] != '\0' && strcmp(h, ".") != 0;
}

/* Without any MX endpoint scanned: no MX (na), a failed MX lookup, or not observed. */
static enum fstatus no_mx_verdict(const json_t *obs, const char **why)
{
	const json_t *mx = json_object_get(json_object_get(obs, "dns"), "mx"), *r;
	const char *st = jstr(mx, "status");
	size_t i, real = 0;
	json_array_foreach(json_object_get(mx, "records"), i, r) real += (size_t)mx_names_host(r);
	*why = "no_mx";
	if (is(st, "nodata") || is(st, "nxdomain") || (is(st, "ok") && real == 0))
		return FS_NA;
	*why = st == NULL || is(st, "ok") ? "not_observed" : st;
	return FS_INDETERMINATE;
}

static json_t *mx_evidence(const json_t *scan, enum fstatus st, const char *why)
{
	const json_t *smtp = json_object_get(scan, "smtp");
	return json_pack("{s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "host", copy_member(scan, "host"),
	                 "addr", copy_member(scan, "addr"), "port", copy_member(scan, "port"), "status",
	                 copy_member(scan, "status"), "verdict", fstatus_name(st), "why", why, "starttls",
	                 copy_member(smtp, "starttls"), "starttls_reply", copy_member(smtp, "starttls_reply"),
	                 "protocols", copy_member(scan, "protocols"));
}

static int check_starttls(const json_t *obs, const char *domain, struct findings *out)
{
	json_t *mxs = json_array(), *e;
	enum fstatus worst = FS_NA;
	const char *why = "no_mx", *host = NULL;
	size_t i, n = 0;
	json_array_foreach(json_object_get(obs, "tls_scans"), i, e)
	{
		if (!is(jstr(e, "service"), "smtp"))
			continue;
		const char *w;
		enum fstatus st = mx_verdict(e, &w);
		json_array_append_new(mxs, mx_evidence(e, st, w));
		if (n++ == 0 || mx_rank(st) < mx_rank(worst)) {
			worst = st;
			why = w;
			host = jstr(e, "host");
		}
	}
	if (n == 0)
		worst = no_mx_verdict(obs, &why);
	json_t *ev = json_pack("{s:o}", "mx", mxs);
	const char *h = host ? host : "an MX";
	if (worst == FS_PASS)
		return findings_add(out, "mail.starttls", domain, FS_PASS, NULL, ev,
		                    "every MX of %s (%zu endpoints) offers STARTTLS with TLS 1.2 or newer",
		                    domain, n);
	if (worst == FS_FAIL)
		return findings_add(out, "mail.starttls", domain, FS_FAIL, NULL, ev, "%s of %s: %s", h,
		                    domain, is(why, "legacy_only") ? "STARTTLS with TLS 1.0/1.1 only" : why);
	return findings_add(out, "mail.starttls", domain, worst, why, ev, "%s of %s: %s", n ? h : "MX",
	                    domain, why);
}

/* ---- without tls_scans ---- */

/* Why no endpoint was scanned: the apex's web status when it failed, else not_observed. */
static const char *unscanned_reason(const json_t *obs, enum fstatus *st)
{
	const char *domain = jstr(obs, "domain");
	const json_t *w, *apex = json_object_get(obs, "web");
	size_t i;
	json_array_foreach(json_object_get(obs, "webs"), i, w)
	{
		if (domain != NULL && jstr(w, "host") != NULL && strcasecmp(jstr(w, "host"), domain) == 0)
			apex = apex ? apex : w;
	}
	const char *s = jstr(apex, "status");
	*st = is(s, "no_address") ? FS_NA : FS_INDETERMINATE;
	return s != NULL && !is(s, "ok") ? s : "not_observed";
}

static int unscanned(const json_t *obs, const char *domain, struct findings *out)
{
	enum fstatus st;
	const char *reason = unscanned_reason(obs, &st);
	for (size_t i = 0; i < NCHECKS; i++) {
		int rc = findings_add(out, tls_checks[i].id, domain, st, reason, json_null(),
		                      "no deep-TLS scan of %s's endpoints (%s)", domain, reason);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int analyze_tls(const json_t *obs, struct findings *out)
{
	const json_t *scans = json_object_get(obs, "tls_scans"), *e;
	const char *domain = jstr(obs, "domain") ? jstr(obs, "domain") : "";
	size_t i, https = 0;
	if (out == NULL)
		return -EINVAL;
	json_array_foreach(scans, i, e)
	{
		int rc = analyze_endpoint(e, domain, out);
		if (rc < 0)
			return rc;
		https += is_web(e);
	}
	int rc = https ? 0 : unscanned(obs, domain, out);
	return rc < 0 ? rc : check_starttls(obs, domain, out);
}
