/*
 * Methodology tests: the check table is sane, and docs/METHODOLOGY.md says the same
 * as the code, row by row (id, title, severity, weight, cap, rationale, source, factor).
 */
#include "method.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAXROWS  256
#define MAXCELLS 8

/* One check row of a methodology table, as written in the document. */
struct row {
	char id[64];         /* check id without backticks */
	char factor[32];     /* the factor id of the section it is under */
	char title[128];     /* Title column */
	char severity[16];   /* Severity column */
	long weight;         /* Weight column */
	long cap;            /* Cap column */
	char rationale[256]; /* Rationale column */
	char source[128];    /* Source column */
};

/* Column positions found in a table's header row. */
struct columns {
	int id, title, severity, weight, cap, rationale, source;
};

static struct row rows[MAXROWS];
static size_t nrows;
static char doc_factor_weight[FACTOR_MAX][16];
static char doc_factor_rollup[FACTOR_MAX][32];
static int doc_version = -1;

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Splits "| a | b |" into trimmed cells; returns the count. */
static int split_cells(char *line, char **cells)
{
	int n = 0;
	char *p = strchr(line, '|');
	while (p != NULL && n < MAXCELLS) {
		char *q = strchr(p + 1, '|');
		if (q == NULL)
			break;
		*q = '\0';
		cells[n++] = trim(p + 1);
		p = q;
	}
	return n;
}

static char *unquote(char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '`' && s[n - 1] == '`') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

static long to_long(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return (errno || end == s || *end != '\0') ? -1 : v;
}

static void header_columns(char **cells, int n, struct columns *c)
{
	*c = (struct columns){-1, -1, -1, -1, -1, -1, -1};
	for (int i = 0; i < n; i++) {
		if (strcmp(cells[i], "Check") == 0)
			c->id = i;
		else if (strcmp(cells[i], "Title") == 0)
			c->title = i;
		else if (strcmp(cells[i], "Severity") == 0)
			c->severity = i;
		else if (strcmp(cells[i], "Weight") == 0)
			c->weight = i;
		else if (strcmp(cells[i], "Cap") == 0)
			c->cap = i;
		else if (strcmp(cells[i], "Rationale") == 0)
			c->rationale = i;
		else if (strcmp(cells[i], "Source") == 0)
			c->source = i;
	}
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

static void add_row(char **cells, int n, const struct columns *c, const char *factor)
{
	if (nrows == MAXROWS || c->id < 0 || c->id >= n || c->cap >= n || c->source >= n)
		return;
	struct row *r = &rows[nrows++];
	copy(r->id, sizeof r->id, unquote(cells[c->id]));
	copy(r->factor, sizeof r->factor, factor);
	copy(r->title, sizeof r->title, c->title >= 0 ? cells[c->title] : "");
	copy(r->severity, sizeof r->severity, c->severity >= 0 ? cells[c->severity] : "");
	r->weight = c->weight >= 0 ? to_long(cells[c->weight]) : -1;
	r->cap = c->cap >= 0 ? to_long(cells[c->cap]) : -1;
	copy(r->rationale, sizeof r->rationale, c->rationale >= 0 ? cells[c->rationale] : "");
	copy(r->source, sizeof r->source, c->source >= 0 ? cells[c->source] : "");
}

/* "### DNS health (`dns`)" names the factor of the tables below it. */
static void section_factor(const char *line, char *factor, size_t size)
{
	const char *a = strstr(line, "(`"), *b = a ? strstr(a + 2, "`)") : NULL;
	if (a != NULL && b != NULL)
		snprintf(factor, size, "%.*s", (int)(b - a - 2), a + 2);
	else
		factor[0] = '\0';
}

/* The factor table: | `dns` | DNS health | 30 |. */
static void factor_row(char **cells, int n)
{
	const struct method *m = method_current();
	const char *id = unquote(cells[0]);
	for (size_t i = 0; n >= 3 && i < m->nfactors; i++)
		if (strcmp(id, m->factors[i].id) == 0) {
			copy(doc_factor_weight[i], sizeof doc_factor_weight[i], cells[2]);
			copy(doc_factor_rollup[i], sizeof doc_factor_rollup[i], n >= 4 ? cells[3] : "");
		}
}

static void parse_line(char *line, struct columns *c, int *in_checks, char *factor)
{
	char *cells[MAXCELLS];
	if (sscanf(line, "# vitals methodology, version %d", &doc_version) == 1)
		return;
	if (strncmp(line, "### ", 4) == 0) {
		section_factor(line, factor, 32);
		return;
	}
	if (line[0] != '|') {
		*in_checks = 0;
		return;
	}
	int n = split_cells(line, cells);
	if (n > 0 && strcmp(cells[0], "Check") == 0) {
		header_columns(cells, n, c);
		*in_checks = 1;
	} else if (*in_checks && n > 0 && cells[0][0] == '`') {
		add_row(cells, n, c, factor);
	} else if (!*in_checks && n > 0 && cells[0][0] == '`') {
		factor_row(cells, n);
	}
}

static int read_doc(void)
{
	const char *dir = getenv("VITALS_SRCDIR");
	char path[4096], line[4096], factor[32] = "";
	struct columns c = {0};
	int in_checks = 0;
	snprintf(path, sizeof path, "%s/docs/METHODOLOGY.md", dir ? dir : ".");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof line, f) != NULL)
		parse_line(line, &c, &in_checks, factor);
	fclose(f);
	return 0;
}

static const struct row *find_row(const char *id)
{
	for (size_t i = 0; i < nrows; i++)
		if (strcmp(rows[i].id, id) == 0)
			return &rows[i];
	return NULL;
}

static void diag_str(const char *what, const char *doc, const char *code)
{
	if (strcmp(doc, code) != 0)
		printf("#   %s: doc '%s', code '%s'\n", what, doc, code);
}

static void test_row_matches(const struct method *m, const struct check_def *c)
{
	char name[160];
	const struct row *r = find_row(c->id);
	snprintf(name, sizeof name, "doc row for %s matches the code", c->id);
	if (r == NULL) {
		ok(0, name);
		printf("#   no table row for %s in docs/METHODOLOGY.md\n", c->id);
		return;
	}
	const char *fid = c->factor;
	int same = r->weight == c->weight && r->cap == c->cap &&
	           strcmp(r->severity, severity_name(c->severity)) == 0 && strcmp(r->title, c->title) == 0 &&
	           strcmp(r->rationale, c->rationale) == 0 && strcmp(r->source, c->source) == 0 &&
	           strcmp(r->factor, fid) == 0;
	if (!ok(same, name)) {
		printf("#   weight: doc %ld, code %d; cap: doc %ld, code %d\n", r->weight, c->weight, r->cap,
		       c->cap);
		diag_str("severity", r->severity, severity_name(c->severity));
		diag_str("title", r->title, c->title);
		diag_str("rationale", r->rationale, c->rationale);
		diag_str("source", r->source, c->source);
		diag_str("factor section", r->factor, fid);
	}
}

static void test_doc_matches_code(const struct method *m)
{
	is_int(read_doc(), 0, "docs/METHODOLOGY.md is readable (VITALS_SRCDIR)");
	is_int(doc_version, m->version, "the document describes the current method version");
	for (size_t i = 0; i < m->nchecks; i++)
		test_row_matches(m, &m->checks[i]);
	is_int(nrows, m->nchecks, "the document has one row per check, no more");
	for (size_t i = 0; i < nrows; i++)
		if (method_check(m, rows[i].id) == NULL) {
			ok(0, "every documented check exists in the code");
			printf("#   %s is documented but not in method.c\n", rows[i].id);
		}
	for (size_t i = 0; i < nrows; i++)
		for (size_t j = i + 1; j < nrows; j++)
			if (strcmp(rows[i].id, rows[j].id) == 0) {
				ok(0, "documented check ids are unique");
				printf("#   %s is documented twice\n", rows[i].id);
			}
	for (size_t f = 0; f < m->nfactors; f++) {
		char want[16];
		snprintf(want, sizeof want, "%d", m->factors[f].weight);
		is_str(doc_factor_weight[f], want, "the factor table gives the factor's weight");
		static const char *const rollups[] = {"each", "worst endpoint", "worst address per host"};
		is_str(doc_factor_rollup[f], rollups[m->factors[f].rollup],
		       "the factor table gives its roll-up rule");
	}
}

static void test_table_sane(const struct method *m)
{
	int unique = 1, weights = 1, caps = 1, texts = 1, sev = 1;
	int per_factor[FACTOR_MAX] = {0}, known = 1;
	for (size_t i = 0; i < m->nchecks; i++) {
		const struct check_def *c = &m->checks[i];
		for (size_t j = i + 1; j < m->nchecks; j++)
			unique &= strcmp(c->id, m->checks[j].id) != 0;
		weights &= c->weight > 0;
		caps &= c->cap >= 0 && c->cap <= 100;
		sev &= c->severity >= SEV_INFO && c->severity <= SEV_CRITICAL;
		texts &= c->title[0] && c->rationale[0] && c->source[0] && !strchr(c->title, '|') &&
		         !strchr(c->rationale, '|') && !strchr(c->source, '|');
		int f = method_factor(m, c->factor);
		known &= f >= 0;
		if (f >= 0)
			per_factor[f]++;
	}
	ok(m->nchecks > 0, "the table has checks");
	ok(unique, "check ids are unique");
	ok(weights, "every weight is above 0");
	ok(caps, "every cap is within 0..100");
	ok(sev, "every severity is known");
	ok(texts, "every check has a title, rationale and source, without table pipes");
	ok(known, "every check names a factor of its version");
	ok(m->nfactors > 0 && m->nfactors <= FACTOR_MAX, "the version has 1 to FACTOR_MAX factors");
	for (size_t f = 0; f < m->nfactors; f++) {
		ok(per_factor[f] > 0, "every factor has checks");
		ok(m->factors[f].weight > 0, "every factor weight is above 0");
	}
}

static void test_lookups(void)
{
	const struct method *m = method_current();
	ok(method_get(m->version) == m, "method_get(current version) is the current method");
	ok(method_get(1) != NULL, "method 1 is kept");
	ok(method_get(0) == NULL, "method 0 does not exist");
	ok(method_check(m, "dns.spf.all") != NULL, "method_check finds dns.spf.all");
	ok(method_check(m, "dns.spf.everything") == NULL, "method_check misses unknown ids");
	is_str(severity_name(SEV_HIGH), "high", "severity name high");
	is_int(grade_letter(100), 'A', "100 is A");
	is_int(grade_letter(90), 'A', "90 is A");
	is_int(grade_letter(89), 'B', "89 is B");
	is_int(grade_letter(80), 'B', "80 is B");
	is_int(grade_letter(79), 'C', "79 is C");
	is_int(grade_letter(70), 'C', "70 is C");
	is_int(grade_letter(69), 'D', "69 is D");
	is_int(grade_letter(60), 'D', "60 is D");
	is_int(grade_letter(59), 'F', "59 is F");
	is_int(grade_letter(0), 'F', "0 is F");
}

/* Version 2 is version 1 with its delta applied: two checks added in place, three rows changed. */
static void test_versions_as_deltas(void)
{
	const struct method *v1 = method_get(1), *v2 = method_get(2);
	ok(v1 != NULL && v2 != NULL, "versions 1 and 2 exist");
	is_int(v1->nchecks, 36, "version 1 has its 36 checks");
	is_int(v2->nchecks, 38, "version 2 has two more");
	size_t ptr = 0, lookups = 0, sub = 0, policy = 0;
	for (size_t i = 0; i < v2->nchecks; i++) {
		const char *id = v2->checks[i].id;
		ptr = strcmp(id, "dns.spf.ptr") == 0 ? i : ptr;
		lookups = strcmp(id, "dns.spf.lookups") == 0 ? i : lookups;
		sub = strcmp(id, "dns.dmarc.subdomain") == 0 ? i : sub;
		policy = strcmp(id, "dns.dmarc.policy") == 0 ? i : policy;
	}
	ok(ptr == lookups + 1, "dns.spf.ptr follows dns.spf.lookups");
	ok(sub == policy + 1, "dns.dmarc.subdomain follows dns.dmarc.policy");
	ok(method_check(v1, "dns.spf.ptr") == NULL && method_check(v1, "dns.dmarc.subdomain") == NULL,
	   "version 1 does not know the added checks");
	ok(strcmp(method_check(v1, "dns.dmarc.policy")->rationale,
	          method_check(v2, "dns.dmarc.policy")->rationale) != 0,
	   "a changed row differs between the versions");
	ok(strcmp(method_check(v1, "dns.dmarc.policy")->rationale,
	          "p=none only monitors; quarantine or reject stops spoofed mail.") == 0,
	   "version 1 keeps its own rationale");
	int same = 1;
	for (size_t i = 0; i < v1->nchecks; i++) {
		const struct check_def *a = &v1->checks[i], *b = method_check(v2, a->id);
		int changed = strcmp(a->id, "dns.dmarc.valid") == 0 ||
		              strcmp(a->id, "dns.dmarc.policy") == 0 ||
		              strcmp(a->id, "web.http.redirect") == 0;
		same &= b != NULL && (changed || memcmp(a, b, sizeof *a) == 0);
	}
	ok(same, "every other row of version 1 is in version 2 unchanged");
	is_int(v2->nfactors, v1->nfactors, "the factor set is inherited");
	is_int(method_factor(v2, "transport"), 1, "factors keep their order");
	is_int(method_factor(v2, "nosuch"), -1, "an unknown factor is -1");
}

/* Version 4 is version 3 plus the deep-TLS checks and mail.starttls, each after its named row. */
static void test_v4_delta(void)
{
	static const char *const added[][2] = {
	    {"tls.cert.expiry", "tls.cert.current"},
	    {"tls.cert.current", "tls.cert.chain"},
	    {"tls.cert.chain", "tls.cert.key"},
	    {"tls.cert.key", "tls.cert.signature"},
	    {"tls.cert.signature", "tls.cert.lifetime"},
	    {"tls.cert.lifetime", "tls.ocsp.stapling"},
	    {"tls.protocol.legacy", "tls.protocol.sslv3"},
	    {"tls.protocol.sslv3", "tls.protocol.tls13"},
	    {"tls.protocol.tls13", "tls.cipher.null"},
	    {"tls.cipher.null", "tls.cipher.export"},
	    {"tls.cipher.export", "tls.cipher.anon"},
	    {"tls.cipher.anon", "tls.cipher.rc4"},
	    {"tls.cipher.rc4", "tls.cipher.3des"},
	    {"tls.cipher.3des", "tls.cipher.fs"},
	    {"tls.cipher.fs", "tls.cipher.aead"},
	    {"tls.cipher.aead", "tls.cipher.cbc"},
	    {"tls.cipher.cbc", "tls.kex.dh"},
	    {"web.hsts.subdomains", "mail.starttls"},
	};
	const struct method *v3 = method_get(3), *v4 = method_get(4);
	ok(v3 != NULL && v4 != NULL, "versions 3 and 4 exist");
	if (v3 == NULL || v4 == NULL)
		return;
	is_int(v3->nchecks, 38, "version 3 has the 38 checks of version 2");
	int placed = 1, fresh = 1, transport = 1, weight = 0;
	for (size_t i = 0; i < sizeof added / sizeof added[0]; i++) {
		const struct check_def *c = method_check(v4, added[i][1]);
		fresh &= method_check(v3, added[i][1]) == NULL;
		transport &= c != NULL && strcmp(c->factor, "transport") == 0;
		weight += c ? c->weight : 0;
		size_t at = 0, after = 0;
		for (size_t j = 0; j < v4->nchecks; j++) {
			at = strcmp(v4->checks[j].id, added[i][1]) == 0 ? j : at;
			after = strcmp(v4->checks[j].id, added[i][0]) == 0 ? j : after;
		}
		placed &= at == after + 1;
	}
	ok(fresh, "version 3 does not know the version 4 checks");
	ok(transport, "every version 4 check counts towards transport security");
	ok(placed, "each version 4 check follows its named row");
	is_int(weight, 42, "the version 4 checks weigh 42 in all");
	int same = 1;
	for (size_t i = 0; i < v3->nchecks; i++) {
		const struct check_def *b = method_check(v4, v3->checks[i].id);
		same &= b != NULL && memcmp(&v3->checks[i], b, sizeof *b) == 0;
	}
	ok(same, "every row of version 3 is in version 4 unchanged");
	ok(v4->factors == v3->factors, "version 4 keeps version 3's factors and roll-up");
	is_int(method_check(v4, "tls.cipher.null")->cap, 50, "a NULL suite is an F, as SSL Labs grades it");
	is_int(method_check(v4, "tls.cipher.fs")->cap, 80, "no forward secrecy is a B at best");
	ok(method_current()->version >= 4, "new scans are graded under version 4 or newer");
}

int main(void)
{
	const struct method *m = method_current();
	test_versions_as_deltas();
	test_v4_delta();
	test_lookups();
	test_table_sane(m);
	test_doc_matches_code(m);
	return done_testing();
}
