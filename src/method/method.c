/* Methodology tables. docs/METHODOLOGY.md documents the same checks; keep them in step. */
#include "method.h"

#include <pthread.h>
#include <string.h>

static const struct factor_def factors_v1[] = {
    {"dns", "DNS health", 30, ROLLUP_EACH},
    {"transport", "Transport security", 40, ROLLUP_EACH},
    {"appsec", "Application security", 30, ROLLUP_EACH},
};

#define RFC7208 "RFC 7208 (SPF)"
#define RFC7489 "RFC 7489 (DMARC)"
#define MOZWEB  "Mozilla Web Security Guidelines"
#define NCSCTLS "NCSC-NL IT Security Guidelines for TLS"

/* Version 1, frozen: scans graded under it keep meaning what they meant. */
static const struct check_def checks_v1[] = {
    /* DNS health */
    {"dns.dnssec.signed", "dns", SEV_MEDIUM, 3, 100, "Zone is DNSSEC-signed",
     "Unsigned zones let an on-path attacker forge answers, redirecting patients and mail.",
     "RFC 4033; HHS 405(d) HICP"},
    {"dns.dnssec.valid", "dns", SEV_HIGH, 5, 60, "DNSSEC validates",
     "A bogus chain makes validating resolvers refuse every name in the zone.", "RFC 4035"},
    {"dns.spf.present", "dns", SEV_MEDIUM, 3, 100, "SPF record published",
     "Without SPF anyone can send mail that claims to come from the domain.", RFC7208},
    {"dns.spf.single", "dns", SEV_MEDIUM, 3, 100, "Exactly one SPF record",
     "Two SPF records are a permanent error: receivers ignore SPF altogether.", RFC7208 " s4.5"},
    {"dns.spf.syntax", "dns", SEV_MEDIUM, 3, 100, "SPF syntax valid",
     "A syntax error is a permanent error: the record protects nothing.", RFC7208 " s4.6"},
    {"dns.spf.all", "dns", SEV_HIGH, 4, 70, "SPF ends in -all or ~all",
     "?all or a missing all leaves forged mail neutral; +all authorises the whole internet.",
     RFC7208 " s5.1"},
    {"dns.spf.lookups", "dns", SEV_MEDIUM, 3, 100, "SPF within 10 DNS lookups",
     "More than 10 lookups (or 2 void lookups, or a loop) is a permanent error.", RFC7208 " s4.6.4"},
    {"dns.dmarc.present", "dns", SEV_MEDIUM, 3, 100, "DMARC record published",
     "Without DMARC receivers have no policy for mail failing SPF and DKIM.", RFC7489},
    {"dns.dmarc.valid", "dns", SEV_MEDIUM, 3, 100, "DMARC record valid",
     "A malformed record, a missing p= tag or two records mean no DMARC policy applies.",
     RFC7489 " s6.3, s6.6.3"},
    {"dns.dmarc.policy", "dns", SEV_MEDIUM, 3, 100, "DMARC policy enforces",
     "p=none only monitors; quarantine or reject stops spoofed mail.", RFC7489 " s6.3"},
    {"dns.caa.present", "dns", SEV_LOW, 1, 100, "CAA record published",
     "CAA limits which certificate authorities may issue for the domain.", "RFC 8659"},
    {"dns.mx.present", "dns", SEV_LOW, 1, 100, "MX record published",
     "Without MX, mail for the domain (including reports) falls back or bounces.", "RFC 5321 s5.1"},
    {"dns.ns.count", "dns", SEV_MEDIUM, 2, 100, "At least two name servers",
     "One name server is a single point of failure for every service of the organization.",
     "RFC 1034 s4.1; RFC 2182"},
    {"dns.ns.diversity", "dns", SEV_LOW, 1, 100, "Name servers on different networks",
     "Name servers in one /24 (or one address) fail together.", "RFC 2182 s3.1"},
    {"dns.axfr.refused", "dns", SEV_HIGH, 4, 70, "Zone transfer refused to strangers",
     "An open AXFR hands an attacker the full map of hosts in the zone.", "RFC 5936 s6; US-CERT TA15-103A"},
    /* Transport security */
    {"tls.https.available", "transport", SEV_HIGH, 5, 50, "HTTPS offered",
     "Without HTTPS, logins and patient portals travel in clear text.", NCSCTLS "; HHS 405(d) HICP"},
    {"tls.cert.trusted", "transport", SEV_HIGH, 5, 60, "Certificate chains to a trusted root",
     "Self-signed or untrusted certificates train users to click through warnings.",
     "SSL Labs grading (T cap)"},
    {"tls.cert.hostname", "transport", SEV_HIGH, 5, 60, "Certificate matches the host name",
     "A name mismatch is indistinguishable from an impostor.", "RFC 6125; SSL Labs grading"},
    {"tls.cert.expiry", "transport", SEV_HIGH, 5, 60, "Certificate valid for 14 days or more",
     "An expired certificate breaks the site and hides real attacks among warnings.", "SSL Labs grading"},
    {"tls.protocol.modern", "transport", SEV_HIGH, 4, 70, "Negotiates TLS 1.2 or newer",
     "TLS 1.0 and 1.1 lack modern AEAD ciphers and are deprecated.", "RFC 8996; " NCSCTLS},
    {"tls.protocol.legacy", "transport", SEV_MEDIUM, 3, 80, "TLS 1.0 and 1.1 disabled",
     "Offering deprecated protocols allows downgrade to weak cryptography.",
     "RFC 8996; SSL Labs grading (B cap)"},
    {"web.http.redirect", "transport", SEV_MEDIUM, 3, 100, "HTTP redirects to HTTPS",
     "Visitors typing the bare name stay on plain HTTP otherwise.", MOZWEB},
    {"web.hsts", "transport", SEV_MEDIUM, 3, 100, "HSTS with max-age of 6 months or more",
     "HSTS stops SSL-stripping after the first visit.", "RFC 6797; " MOZWEB},
    {"web.hsts.subdomains", "transport", SEV_LOW, 1, 100, "HSTS includes subdomains",
     "Without includeSubDomains, sibling hosts remain strippable.", "RFC 6797 s6.1.2"},
    /* Application security */
    {"web.csp", "appsec", SEV_MEDIUM, 3, 100, "Content-Security-Policy set",
     "CSP is the main defence in depth against cross-site scripting.", MOZWEB},
    {"web.csp.unsafe", "appsec", SEV_LOW, 2, 100, "CSP avoids unsafe-inline and unsafe-eval",
     "unsafe-inline or unsafe-eval in script sources voids most of CSP's protection.", MOZWEB},
    {"web.framing", "appsec", SEV_MEDIUM, 2, 100, "Framing restricted",
     "X-Frame-Options or CSP frame-ancestors prevents clickjacking.", MOZWEB "; RFC 7034"},
    {"web.nosniff", "appsec", SEV_LOW, 1, 100, "X-Content-Type-Options: nosniff",
     "Stops browsers from MIME-sniffing responses into scripts.", MOZWEB},
    {"web.referrer", "appsec", SEV_LOW, 1, 100, "Referrer-Policy set to a safe value",
     "Referrers leak patient-portal URLs to third parties.", MOZWEB},
    {"web.cookies.secure", "appsec", SEV_MEDIUM, 3, 100, "Cookies marked Secure",
     "A cookie without Secure is sent over plain HTTP and can be stolen on path.",
     "RFC 6265 s4.1.2.5; " MOZWEB},
    {"web.cookies.httponly", "appsec", SEV_MEDIUM, 2, 100, "Cookies marked HttpOnly",
     "Scripts (and injected scripts) can read cookies without HttpOnly.", "RFC 6265 s4.1.2.6; " MOZWEB},
    {"web.cookies.samesite", "appsec", SEV_LOW, 1, 100, "Cookies set SameSite",
     "SameSite limits cross-site request forgery.", "RFC 6265bis; " MOZWEB},
    {"web.server.version", "appsec", SEV_LOW, 1, 100, "Server header hides the version",
     "A version string tells attackers which exploits to try.", "OWASP Secure Headers; HHS 405(d) HICP"},
    {"web.securitytxt.present", "appsec", SEV_MEDIUM, 2, 100, "security.txt published",
     "Researchers need a documented way to report vulnerabilities.", "RFC 9116; HHS 405(d) HICP"},
    {"web.securitytxt.contact", "appsec", SEV_MEDIUM, 2, 100, "security.txt has Contact",
     "Contact is the one required field: without it reports have nowhere to go.", "RFC 9116 s2.5.3"},
    {"web.securitytxt.expires", "appsec", SEV_LOW, 1, 100, "security.txt Expires in the future",
     "Expires is required; a past date tells researchers the file is stale.", "RFC 9116 s2.5.5"},
};

/*
 * Version 2, as its differences from version 1: dns.spf.ptr (RFC 7208 s5.5) and
 * dns.dmarc.subdomain (sp= weaker than p=) added, and the rationales of the DMARC checks
 * and of the redirect check say what the analyzers now decide (rua= without a usable p=
 * or sp= is p=none; pct= below 100 downgrades, RFC 7489 s6.6.4; the whole redirect
 * chain is judged as the HTTP Observatory does).
 */
static const struct check_add added_v2[] = {
    {
        "dns.spf.lookups",
        {"dns.spf.ptr", "dns", SEV_LOW, 1, 100, "SPF avoids the ptr mechanism",
         "ptr is slow and unreliable, loads the sender's reverse DNS, and SHOULD NOT be used.",
         RFC7208 " s5.5"},
    },
    {
        "dns.dmarc.policy",
        {"dns.dmarc.subdomain", "dns", SEV_MEDIUM, 2, 100, "DMARC subdomain policy not weaker",
         "An sp= weaker than p= lets mail forged from any subdomain through the policy.",
         RFC7489 " s6.3, s6.6.3"},
    },
};

static const struct check_def changed_v2[] = {
    {"dns.dmarc.valid", "dns", SEV_MEDIUM, 3, 100, "DMARC record valid",
     "A malformed record, two records, or a missing or bad p= or a bad sp= without a valid rua= mean no "
     "DMARC policy applies.",
     RFC7489 " s6.3, s6.6.3"},
    {"dns.dmarc.policy", "dns", SEV_MEDIUM, 3, 100, "DMARC policy enforces",
     "p=none only monitors, and mail outside a pct= sample gets the next policy down (reject to quarantine, "
     "quarantine to none); quarantine or reject stops spoofed mail.",
     RFC7489 " s6.3, s6.6.4"},
    {"web.http.redirect", "transport", SEV_MEDIUM, 3, 100, "HTTP redirects to HTTPS",
     "Visitors typing the bare name stay on plain HTTP otherwise; a first hop to another host never "
     "lets browsers learn the site's HSTS.",
     MOZWEB "; MDN HTTP Observatory (redirection)"},
};

/*
 * Version 3, as its differences from version 2: the same checks, measured on every asset
 * (the apex, www and given hosts on each of their addresses), and a roll-up rule per
 * factor: transport security counts each check once, by the organization's worst
 * endpoint (a weak endpoint is not diluted by strong ones, as internet.nl and SSL Labs
 * judge), application security once per host, by its worst address (each site is its
 * own application), DNS health once per domain as before.
 */
static const struct factor_def factors_v3[] = {
    {"dns", "DNS health", 30, ROLLUP_EACH},
    {"transport", "Transport security", 40, ROLLUP_WORST},
    {"appsec", "Application security", 30, ROLLUP_WORST_HOST},
};

/*
 * Version 4, as its differences from version 3. Mail transport (RFC 8461 MTA-STS, RFC 8460
 * TLS-RPT, RFC 7672 DANE for SMTP) in the transport factor, rolled up by the worst domain or
 * MX host like any transport check. The deep-TLS rows of version 4 (added_v4) are the TLS
 * analyzer's; these are appended after them, so the two lists concatenate.
 */
static const struct check_add added_v4_mail[] = {
    {NULL,
     {"mail.mta_sts", "transport", SEV_MEDIUM, 2, 100, "MTA-STS policy enforced for every MX",
      "Without an enforced MTA-STS policy an on-path attacker can strip STARTTLS or redirect mail to "
      "another host unnoticed; testing mode only reports it.",
      "RFC 8461"}},
    {NULL,
     {"mail.tlsrpt", "transport", SEV_LOW, 1, 100, "TLS-RPT record published",
      "Without TLS-RPT, senders whose TLS deliveries fail never tell the domain.", "RFC 8460"}},
    {NULL,
     {"mail.dane", "transport", SEV_MEDIUM, 2, 100, "DANE TLSA records match each MX",
      "DNSSEC-signed TLSA records let senders authenticate the MX certificate and refuse a downgrade; "
      "records that do not match make DANE senders refuse the mail.",
      "RFC 7672; RFC 6698"}},
};

static const struct method_delta deltas[] = {
    {.version = 2,
     .base = 1,
     .add = added_v2,
     .nadd = sizeof added_v2 / sizeof added_v2[0],
     .change = changed_v2,
     .nchange = sizeof changed_v2 / sizeof changed_v2[0]},
    {.version = 3, .base = 2, .factors = factors_v3, .nfactors = sizeof factors_v3 / sizeof factors_v3[0]},
    {.version = 4, .base = 3, .add = added_v4_mail, .nadd = sizeof added_v4_mail / sizeof added_v4_mail[0]},
};

#define NMETHODS   (1 + sizeof deltas / sizeof deltas[0])
#define MAX_CHECKS 256

/* Every version's full table, built once from version 1 and the deltas. */
static struct method methods[NMETHODS];
static struct check_def tables[NMETHODS][MAX_CHECKS];
static pthread_once_t built = PTHREAD_ONCE_INIT;

static size_t find_row(const struct check_def *rows, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].id, id) == 0)
			return i;
	return n;
}

/* Inserts `def` after the row `after` (at the end when there is none such). */
static size_t insert_row(struct check_def *rows, size_t n, const char *after, const struct check_def *def)
{
	size_t at = after ? find_row(rows, n, after) : n;
	at = at < n ? at + 1 : n;
	memmove(&rows[at + 1], &rows[at], (n - at) * sizeof rows[0]);
	rows[at] = *def;
	return n + 1;
}

static size_t apply_delta(const struct method_delta *d, struct check_def *rows, size_t n)
{
	for (size_t i = 0; i < d->nremove; i++) {
		size_t at = find_row(rows, n, d->remove[i]);
		if (at < n)
			memmove(&rows[at], &rows[at + 1], (--n - at) * sizeof rows[0]);
	}
	for (size_t i = 0; i < d->nchange; i++) {
		size_t at = find_row(rows, n, d->change[i].id);
		if (at < n)
			rows[at] = d->change[i];
	}
	for (size_t i = 0; i < d->nadd && n < MAX_CHECKS; i++)
		n = insert_row(rows, n, d->add[i].after, &d->add[i].def);
	return n;
}

/* A version already built (deltas apply to an earlier version only). */
static const struct method *method_built(int version)
{
	for (size_t i = 0; i < NMETHODS; i++)
		if (methods[i].version == version)
			return &methods[i];
	return &methods[0];
}

static void build(void)
{
	size_t n = sizeof checks_v1 / sizeof checks_v1[0];
	memcpy(tables[0], checks_v1, sizeof checks_v1);
	methods[0] = (struct method){1, tables[0], n, factors_v1, sizeof factors_v1 / sizeof factors_v1[0]};
	for (size_t v = 1; v < NMETHODS; v++) {
		const struct method_delta *d = &deltas[v - 1];
		const struct method *base = method_built(d->base);
		memcpy(tables[v], base->checks, base->nchecks * sizeof tables[v][0]);
		n = apply_delta(d, tables[v], base->nchecks);
		methods[v] =
		    (struct method){d->version, tables[v], n, d->factors ? d->factors : base->factors,
		                    d->factors ? d->nfactors : base->nfactors};
	}
}

const struct method *method_current(void)
{
	pthread_once(&built, build);
	return &methods[NMETHODS - 1];
}

const struct method *method_get(int version)
{
	pthread_once(&built, build);
	for (size_t i = 0; i < NMETHODS; i++)
		if (methods[i].version == version)
			return &methods[i];
	return NULL;
}

int method_factor(const struct method *m, const char *id)
{
	for (size_t i = 0; i < m->nfactors; i++)
		if (strcmp(m->factors[i].id, id) == 0)
			return (int)i;
	return -1;
}

const struct check_def *method_check(const struct method *m, const char *id)
{
	for (size_t i = 0; i < m->nchecks; i++)
		if (strcmp(m->checks[i].id, id) == 0)
			return &m->checks[i];
	return NULL;
}

const char *severity_name(enum severity s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

char grade_letter(int score)
{
	if (score >= 90)
		return 'A';
	if (score >= 80)
		return 'B';
	if (score >= 70)
		return 'C';
	if (score >= 60)
		return 'D';
	return 'F';
}
