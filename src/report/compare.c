/* Two scans compared like for like: loading each side, then the statistics as JSON. */
#include "compare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "finding.h"
#include "grade.h"
#include "stats.h"

/* Grade rows and columns of the migration matrix: A to F, then "no grade". */
static const char grade_keys[] = "ABCDF-";

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* How bad a status is, for the worst-status rule: fail, pass, indeterminate, n/a. */
static int badness(int st)
{
	static const int rank[] = {[FS_PASS] = 2, [FS_FAIL] = 3, [FS_INDETERMINATE] = 1, [FS_NA] = 0};
	return rank[st];
}

static int str_or_null_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Findings order: check id, domain, endpoint (none first). */
static int finding_cmp(const struct compare_finding *a, const struct compare_finding *b)
{
	int c = strcmp(a->check->id, b->check->id);
	if (c == 0)
		c = strcmp(a->domain, b->domain);
	return c != 0 ? c : str_or_null_cmp(a->endpoint, b->endpoint);
}

static int finding_qcmp(const void *a, const void *b)
{
	return finding_cmp(a, b);
}

/* ---- one side: organizations graded under the comparison's method ---- */

static void finding_free(struct compare_finding *f)
{
	free(f->domain);
	free(f->endpoint);
	free(f->detail);
}

static void org_free(struct compare_org *o)
{
	for (size_t i = 0; i < o->nf; i++)
		finding_free(&o->f[i]);
	free(o->f);
	free(o->org_id);
	free(o->name);
	json_decref(o->tags);
}

void compare_side_clear(struct compare_side *s)
{
	for (size_t i = 0; s != NULL && i < s->n; i++)
		org_free(&s->o[i]);
	if (s == NULL)
		return;
	free(s->o);
	json_decref(s->info);
	*s = (struct compare_side){0};
}

static int score_of(const json_t *obj)
{
	const json_t *v = json_object_get(obj, "score");
	return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

/* Scores as stored: the scan was graded under the comparison's method. */
static void scores_stored(struct compare_org *o, const struct method *m, const json_t *scores)
{
	o->score[0] = score_of(scores);
	for (size_t i = 0; i < m->nfactors; i++)
		o->score[1 + i] =
		    score_of(json_object_get(json_object_get(scores, "factors"), m->factors[i].id));
	o->grade = o->score[0] >= 0 ? grade_letter(o->score[0]) : '-';
}

/* Scores re-graded in memory from the stored findings (nothing is written). */
static int scores_regraded(struct compare_org *o, const struct method *m, const json_t *findings)
{
	struct findings fs = {0};
	struct scorecard sc = {0};
	size_t i;
	json_t *f;
	int rc = 0;
	json_array_foreach(findings, i, f)
	{
		if (rc == 0)
			rc = finding_from_json(f, &fs);
	}
	if (rc == 0)
		rc = grade_findings(m, &fs, &sc);
	if (rc == 0) {
		o->score[0] = sc.has_score ? sc.score : -1;
		for (size_t k = 0; k < m->nfactors; k++)
			o->score[1 + k] = sc.f[k].has_score ? sc.f[k].score : -1;
		o->grade = sc.has_score ? sc.grade : '-';
	}
	scorecard_free(&sc);
	findings_clear(&fs);
	return rc;
}

static int finding_take(struct compare_finding *cf, const struct check_def *c, const json_t *f)
{
	const char *ep = jstr(f, "endpoint"), *detail = jstr(f, "detail");
	enum fstatus st;
	if (jstr(f, "domain") == NULL || fstatus_parse(jstr(f, "status") ? jstr(f, "status") : "", &st) < 0)
		return -EINVAL;
	*cf = (struct compare_finding){.check = c, .status = (int)st};
	cf->domain = strdup(jstr(f, "domain"));
	cf->endpoint = ep ? strdup(ep) : NULL;
	cf->detail = strdup(detail ? detail : "");
	if (cf->domain == NULL || cf->detail == NULL || (ep != NULL && cf->endpoint == NULL))
		return -ENOMEM;
	return 0;
}

/* Sorted, one per (check, domain, endpoint): a duplicate keeps the worse status. */
static void findings_dedup(struct compare_org *o)
{
	size_t w = 0;
	qsort(o->f, o->nf, sizeof *o->f, finding_qcmp);
	for (size_t r = 0; r < o->nf; r++) {
		if (w > 0 && finding_cmp(&o->f[w - 1], &o->f[r]) == 0) {
			if (badness(o->f[r].status) > badness(o->f[w - 1].status)) {
				finding_free(&o->f[w - 1]);
				o->f[w - 1] = o->f[r];
			} else {
				finding_free(&o->f[r]);
			}
			continue;
		}
		o->f[w++] = o->f[r];
	}
	o->nf = w;
}

/* The findings of the method's checks; others the grader ignores too. */
static int findings_take(struct compare_org *o, const struct method *m, const json_t *findings)
{
	size_t i;
	json_t *f;
	o->f = calloc(json_array_size(findings) + 1, sizeof *o->f);
	if (o->f == NULL)
		return -ENOMEM;
	json_array_foreach(findings, i, f)
	{
		const char *id = jstr(f, "check");
		const struct check_def *c = id ? method_check(m, id) : NULL;
		if (c == NULL)
			continue;
		int rc = finding_take(&o->f[o->nf], c, f);
		o->nf += rc == 0;
		if (rc < 0)
			return rc;
	}
	findings_dedup(o);
	return 0;
}

static int org_fill(struct compare_side *s, struct compare_org *o, const json_t *org)
{
	const char *id = jstr(org, "org_id"), *name = jstr(org, "name");
	const json_t *findings = json_object_get(org, "findings"), *tags = json_object_get(org, "tags");
	if (id == NULL || !json_is_array(findings))
		return -EINVAL;
	o->org_id = strdup(id);
	o->name = strdup(name ? name : id);
	o->tags = json_is_object(tags) ? json_incref((json_t *)tags) : json_object();
	o->ndomains = json_array_size(json_object_get(org, "domains"));
	if (o->org_id == NULL || o->name == NULL || o->tags == NULL)
		return -ENOMEM;
	for (int k = 0; k < COMPARE_SLOTS; k++)
		o->score[k] = -1;
	int rc = findings_take(o, s->m, findings);
	if (rc == 0 && s->rescored)
		rc = scores_regraded(o, s->m, findings);
	else if (rc == 0)
		scores_stored(o, s->m, json_object_get(org, "scores"));
	return rc;
}

int compare_side_add(struct compare_side *s, const json_t *org)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct compare_org *v = realloc(s->o, cap * sizeof *v);
		if (v == NULL)
			return -ENOMEM;
		s->o = v;
		s->cap = cap;
	}
	struct compare_org *o = &s->o[s->n];
	*o = (struct compare_org){0};
	int rc = org_fill(s, o, org);
	if (rc < 0)
		org_free(o);
	else
		s->n++;
	return rc;
}

/* ---- loading from the store ---- */

static int side_orgs(struct store *st, int64_t scan_id, struct compare_side *s, char *err, size_t errlen)
{
	json_t *ids = NULL, *id;
	size_t i;
	int rc = store_scan_orgs(st, scan_id, &ids);
	json_array_foreach(ids, i, id)
	{
		json_t *org = NULL;
		if (rc == 0)
			rc = store_load_org(st, scan_id, json_string_value(id), 0, &org);
		if (rc == 0 && (rc = compare_side_add(s, org)) == -EINVAL)
			errf(err, errlen, rc, "scan %lld: the stored results of %s are malformed",
			     (long long)scan_id, json_string_value(id));
		json_decref(org);
	}
	json_decref(ids);
	if (rc < 0 && rc != -EINVAL)
		errf(err, errlen, rc, "%s", rc == -ENOMEM ? "out of memory" : store_error(st));
	return rc;
}

int compare_side_load(struct store *st, int64_t scan_id, const struct method *m, struct compare_side *s,
                      char *err, size_t errlen)
{
	*s = (struct compare_side){.m = m};
	int rc = store_scan_info(st, scan_id, &s->info);
	if (rc == -ENOENT)
		return errf(err, errlen, rc, "no scan %lld in the database", (long long)scan_id);
	if (rc < 0)
		return errf(err, errlen, rc, "%s", store_error(st));
	const char *status = jstr(s->info, "status");
	if (status != NULL && strcmp(status, "running") == 0)
		rc =
		    errf(err, errlen, -EAGAIN,
		         "scan %lld is still running (let it finish, or resume it with vitals scan --resume)",
		         (long long)scan_id);
	s->rescored = json_integer_value(json_object_get(s->info, "method")) != m->version;
	if (rc == 0)
		rc = side_orgs(st, scan_id, s, err, errlen);
	if (rc < 0)
		compare_side_clear(s);
	return rc;
}

/* ---- pairing the organizations ---- */

/* The organizations of both scans, matched by org_id. */
struct pairing {
	const struct compare_org **a, **b; /* pairs in both (and in the cohort), by org_id */
	size_t n;                          /* how many pairs */
	json_t *joined, *left;             /* org ids only in the scan / only in the base */
	size_t common_all;                 /* organizations in both, whatever the cohort */
};

static int org_ptr_cmp(const void *x, const void *y)
{
	const struct compare_org *a = *(const struct compare_org *const *)x;
	const struct compare_org *b = *(const struct compare_org *const *)y;
	return strcmp(a->org_id, b->org_id);
}

static const struct compare_org **sorted(const struct compare_side *s)
{
	const struct compare_org **v = calloc(s->n + 1, sizeof *v);
	for (size_t i = 0; v != NULL && i < s->n; i++)
		v[i] = &s->o[i];
	if (v != NULL)
		qsort(v, s->n, sizeof *v, org_ptr_cmp);
	return v;
}

static int in_cohort(const struct compare_opts *o, const struct compare_org *org)
{
	return org != NULL && (o->cohort == NULL || cohort_match(o->cohort, org->tags));
}

/* One step of the merge: x only in base, y only in scan, or both. */
static int pair_step(struct pairing *p, const struct compare_opts *o, const struct compare_org *x,
                     const struct compare_org *y)
{
	int cx = in_cohort(o, x), cy = in_cohort(o, y);
	p->common_all += x != NULL && y != NULL;
	if (cx && cy) {
		p->a[p->n] = x;
		p->b[p->n++] = y;
		return 0;
	}
	if (cx && json_array_append_new(p->left, json_string(x->org_id)) < 0)
		return -ENOMEM;
	if (cy && json_array_append_new(p->joined, json_string(y->org_id)) < 0)
		return -ENOMEM;
	return 0;
}

static int pair_merge(struct pairing *p, const struct compare_opts *o, const struct compare_org **va,
                      size_t na, const struct compare_org **vb, size_t nb)
{
	size_t i = 0, j = 0;
	int rc = 0;
	while (rc == 0 && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(va[i]->org_id, vb[j]->org_id);
		rc = pair_step(p, o, c <= 0 ? va[i] : NULL, c >= 0 ? vb[j] : NULL);
		i += c <= 0;
		j += c >= 0;
	}
	return rc;
}

static void pairing_free(struct pairing *p)
{
	free(p->a);
	free(p->b);
	json_decref(p->joined);
	json_decref(p->left);
}

static int pairing_make(struct pairing *p, const struct compare_side *base, const struct compare_side *scan,
                        const struct compare_opts *o)
{
	const struct compare_org **va = sorted(base), **vb = sorted(scan);
	size_t most = base->n < scan->n ? base->n : scan->n;
	int rc = -ENOMEM;
	*p = (struct pairing){.a = calloc(most + 1, sizeof *p->a), .b = calloc(most + 1, sizeof *p->b)};
	p->joined = json_array();
	p->left = json_array();
	if (va != NULL && vb != NULL && p->a != NULL && p->b != NULL && p->joined && p->left)
		rc = pair_merge(p, o, va, base->n, vb, scan->n);
	free(va);
	free(vb);
	return rc;
}

/* Like for like: the scans share organizations; a new targets file still shares most of them. */
static int same_targets(const struct compare_side *base, const struct compare_side *scan, size_t common)
{
	const char *ha = jstr(json_object_get(base->info, "args"), "targets_sha256");
	const char *hb = jstr(json_object_get(scan->info, "args"), "targets_sha256");
	if (common == 0)
		return 0;
	if (ha != NULL && hb != NULL && strcmp(ha, hb) == 0)
		return 1;
	return 2 * common >= base->n && 2 * common >= scan->n;
}

/* ---- statistics ---- */

static json_t *interval(double lo, double hi)
{
	return json_pack("[f, f]", lo, hi);
}

static json_t *factor_json(const struct pairing *p, int slot, double alpha)
{
	double *d = calloc(p->n + 1, sizeof *d), sa = 0, sb = 0;
	size_t n = 0, up = 0, down = 0;
	for (size_t i = 0; d != NULL && i < p->n; i++) {
		int x = p->a[i]->score[slot], y = p->b[i]->score[slot];
		if (x < 0 || y < 0)
			continue;
		d[n++] = (double)(y - x);
		sa += x;
		sb += y;
		up += y > x;
		down += y < x;
	}
	struct stats_paired t;
	json_t *j = NULL;
	if (d != NULL && n > 0 && stats_paired(d, n, 0.95, &t) == 0)
		j = json_pack("{s:I, s:f, s:f, s:f, s:o, s:f, s:b, s:I, s:I, s:I}", "n", (json_int_t)n,
		              "mean_base", sa / (double)n, "mean_scan", sb / (double)n, "mean_change", t.mean,
		              "ci95", interval(t.lo, t.hi), "p", t.p, "significant", t.p < alpha, "improved",
		              (json_int_t)up, "unchanged", (json_int_t)(n - up - down), "worsened",
		              (json_int_t)down);
	else if (d != NULL && n == 0)
		j = json_pack("{s:i, s:n, s:n, s:n, s:n, s:n, s:b, s:i, s:i, s:i}", "n", 0, "mean_base",
		              "mean_scan", "mean_change", "ci95", "p", "significant", 0, "improved", 0,
		              "unchanged", 0, "worsened", 0);
	free(d);
	return j;
}

static json_t *factors_json(const struct pairing *p, const struct method *m, double alpha)
{
	json_t *f = json_object();
	for (size_t i = 0; f != NULL && i < m->nfactors; i++)
		if (json_object_set_new(f, m->factors[i].id, factor_json(p, 1 + (int)i, alpha)) < 0)
			f = (json_decref(f), NULL);
	if (f != NULL && json_object_set_new(f, "overall", factor_json(p, 0, alpha)) < 0)
		f = (json_decref(f), NULL);
	return f;
}

/* The organization's status for a check under the worst-status rule; -1 when it has none. */
static int org_check(const struct compare_org *o, const struct check_def *c)
{
	int st = -1;
	for (size_t i = 0; i < o->nf; i++)
		if (o->f[i].check == c && (st < 0 || badness(o->f[i].status) > badness(st)))
			st = o->f[i].status;
	return st;
}

static int determinate(int st)
{
	return st == FS_PASS || st == FS_FAIL;
}

/* Counts of one check over the pairs. */
struct check_tally {
	long ka, na, kb, nb; /* failing / determinate organizations in base and scan */
	long both;           /* determinate in both */
	long fixed, broke;   /* fail -> pass, pass -> fail among those */
};

static struct check_tally tally(const struct pairing *p, const struct check_def *c)
{
	struct check_tally t = {0};
	for (size_t i = 0; i < p->n; i++) {
		int x = org_check(p->a[i], c), y = org_check(p->b[i], c);
		t.na += determinate(x);
		t.ka += x == FS_FAIL;
		t.nb += determinate(y);
		t.kb += y == FS_FAIL;
		if (!determinate(x) || !determinate(y))
			continue;
		t.both++;
		t.fixed += x == FS_FAIL && y == FS_PASS;
		t.broke += x == FS_PASS && y == FS_FAIL;
	}
	return t;
}

static json_t *rate_json(long k, long n)
{
	double lo = 0, hi = 1;
	stats_wilson(k, n, 0.95, &lo, &hi);
	return json_pack("{s:I, s:I, s:f, s:o}", "k", (json_int_t)k, "n", (json_int_t)n, "rate",
	                 n ? (double)k / (double)n : 0.0, "ci95", interval(lo, hi));
}

static json_t *check_json(const struct check_def *c, const struct check_tally *t)
{
	int exact = 1;
	double p = stats_mcnemar(t->broke, t->fixed, &exact);
	return json_pack("{s:s, s:I, s:o, s:o, s:I, s:I, s:s, s:f}", "check", c->id, "n", (json_int_t)t->both,
	                 "fail_base", rate_json(t->ka, t->na), "fail_scan", rate_json(t->kb, t->nb), "fixed",
	                 (json_int_t)t->fixed, "broke", (json_int_t)t->broke, "test",
	                 exact ? "mcnemar-exact" : "mcnemar-chi2", "p", p);
}

/* Adjusts every listed check's p-value for the family and marks the significant ones. */
static int adjust(json_t *checks, const struct compare_opts *o)
{
	size_t n = json_array_size(checks), i;
	double *p = calloc(n + 1, sizeof *p);
	json_t *c;
	int rc = p ? 0 : -ENOMEM;
	json_array_foreach(checks, i, c)
	{
		if (p != NULL)
			p[i] = json_real_value(json_object_get(c, "p"));
	}
	if (rc == 0 && n > 0)
		rc = o->correction == COMPARE_BH ? stats_bh(p, n, p) : stats_holm(p, n, p);
	json_array_foreach(checks, i, c)
	{
		if (rc == 0 && (json_object_set_new(c, "p_adjusted", json_real(p[i])) < 0 ||
		                json_object_set_new(c, "significant", json_boolean(p[i] < o->alpha)) < 0))
			rc = -ENOMEM;
	}
	free(p);
	return rc;
}

/* Every check of the method that some organization of the pairs has a determinate finding of. */
static json_t *checks_json(const struct pairing *p, const struct method *m, const struct compare_opts *o)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < m->nchecks; i++) {
		struct check_tally t = tally(p, &m->checks[i]);
		if (t.na + t.nb == 0)
			continue;
		if (json_array_append_new(arr, check_json(&m->checks[i], &t)) < 0)
			arr = (json_decref(arr), NULL);
	}
	if (arr != NULL && adjust(arr, o) < 0)
		arr = (json_decref(arr), NULL);
	return arr;
}

static size_t fails(const struct compare_org *o)
{
	size_t n = 0;
	for (size_t i = 0; i < o->nf; i++)
		n += o->f[i].status == FS_FAIL;
	return n;
}

static json_t *per_json(double fa, double fb, double da, double db)
{
	double a = da > 0 ? fa / da : 0, b = db > 0 ? fb / db : 0;
	json_t *pct = a > 0 ? json_real(100.0 * (b - a) / a) : json_null();
	return json_pack("{s:f, s:f, s:o}", "base", a, "scan", b, "change_pct", pct);
}

/* Failing findings per organization and per domain, the study's headline form. */
static json_t *findings_json(const struct pairing *p)
{
	double fa = 0, fb = 0, da = 0, db = 0;
	for (size_t i = 0; i < p->n; i++) {
		fa += (double)fails(p->a[i]);
		fb += (double)fails(p->b[i]);
		da += (double)p->a[i]->ndomains;
		db += (double)p->b[i]->ndomains;
	}
	return json_pack("{s:o, s:o}", "per_org", per_json(fa, fb, (double)p->n, (double)p->n), "per_domain",
	                 per_json(fa, fb, da, db));
}

static int grade_row(char g)
{
	const char *at = strchr(grade_keys, g);
	return at != NULL && g != '\0' ? (int)(at - grade_keys) : 5;
}

static json_t *migration_json(const struct pairing *p)
{
	long cell[6][6] = {{0}};
	json_t *mig = json_object();
	for (size_t i = 0; i < p->n; i++)
		cell[grade_row(p->a[i]->grade)][grade_row(p->b[i]->grade)]++;
	for (int r = 0; mig != NULL && r < 6; r++) {
		char rk[2] = {grade_keys[r], '\0'};
		json_t *row = json_object();
		for (int c = 0; row != NULL && c < 6; c++) {
			char ck[2] = {grade_keys[c], '\0'};
			if (json_object_set_new(row, ck, json_integer(cell[r][c])) < 0)
				row = (json_decref(row), NULL);
		}
		if (json_object_set_new(mig, rk, row) < 0)
			mig = (json_decref(mig), NULL);
	}
	return mig;
}

/* ---- what changed, finding by finding ---- */

static json_t *or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *finding_ref(const struct compare_finding *f)
{
	return json_pack("{s:s, s:s, s:o, s:s}", "check", f->check->id, "domain", f->domain, "endpoint",
	                 or_null(f->endpoint), "detail", f->detail);
}

/*
 * Walks two organizations' sorted findings side by side and calls `fn` with each key's
 * finding in base (x) and scan (y); either is NULL where the key is absent.
 */
typedef int (*walk_fn)(void *ctx, const struct compare_org *org, const struct compare_finding *x,
                       const struct compare_finding *y);

static int walk(const struct compare_org *a, const struct compare_org *b, walk_fn fn, void *ctx)
{
	size_t i = 0, j = 0;
	int rc = 0;
	while (rc == 0 && (i < a->nf || j < b->nf)) {
		int c = i == a->nf ? 1 : j == b->nf ? -1 : finding_cmp(&a->f[i], &b->f[j]);
		rc = fn(ctx, b, c <= 0 ? &a->f[i] : NULL, c >= 0 ? &b->f[j] : NULL);
		i += c <= 0;
		j += c >= 0;
	}
	return rc;
}

static const char *status_or_absent(const struct compare_finding *f)
{
	return f ? fstatus_name((enum fstatus)f->status) : "absent";
}

/* A change: pass <-> fail, or a failing finding that appeared or disappeared. */
static int change_fn(void *ctx, const struct compare_org *org, const struct compare_finding *x,
                     const struct compare_finding *y)
{
	int sx = x ? x->status : -1, sy = y ? y->status : -1;
	const struct compare_finding *k = y ? y : x;
	int flip = (sx == FS_PASS && sy == FS_FAIL) || (sx == FS_FAIL && sy == FS_PASS);
	int comes = (sx == -1 && sy == FS_FAIL) || (sx == FS_FAIL && sy == -1);
	if (!flip && !comes)
		return 0;
	json_t *c = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "org_id", org->org_id, "check", k->check->id,
	                      "domain", k->domain, "endpoint", or_null(k->endpoint), "from",
	                      status_or_absent(x), "to", status_or_absent(y));
	return json_array_append_new(ctx, c) < 0 ? -ENOMEM : 0;
}

static json_t *changes_json(const struct pairing *p)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < p->n; i++)
		if (walk(p->a[i], p->b[i], change_fn, arr) < 0)
			arr = (json_decref(arr), NULL);
	return arr;
}

/* Appeared: failing now, not before; disappeared: failing before, not now. */
struct moved {
	json_t *appeared;    /* failing findings now that were not failing before */
	json_t *disappeared; /* failing findings before that are not failing now */
};

static int moved_fn(void *ctx, const struct compare_org *org, const struct compare_finding *x,
                    const struct compare_finding *y)
{
	struct moved *mv = ctx;
	int fx = x && x->status == FS_FAIL, fy = y && y->status == FS_FAIL;
	if (fy && !fx)
		return json_array_append_new(mv->appeared, finding_ref(y)) < 0 ? -ENOMEM : 0;
	if (fx && !fy)
		return json_array_append_new(mv->disappeared, finding_ref(x)) < 0 ? -ENOMEM : 0;
	return 0;
}

static json_t *mover_json(const struct compare_org *a, const struct compare_org *b)
{
	struct moved mv = {json_array(), json_array()};
	json_t *j = NULL;
	if (mv.appeared != NULL && mv.disappeared != NULL && walk(a, b, moved_fn, &mv) == 0)
		j = json_pack("{s:s, s:s, s:i, s:i, s:i, s:O, s:O}", "org_id", b->org_id, "name", b->name,
		              "score_base", a->score[0], "score_scan", b->score[0], "change",
		              b->score[0] - a->score[0], "appeared", mv.appeared, "disappeared",
		              mv.disappeared);
	json_decref(mv.appeared);
	json_decref(mv.disappeared);
	return j;
}

/* What movers are sorted by: the pairs, and -1 (largest drop first) or 1 (largest gain first). */
struct mover_order {
	const struct pairing *p; /* the pairs the indexes point into */
	int sign;                /* the direction that ranks first */
};

/* Pair indexes by overall change in the wanted direction, largest first, then org_id. */
static int change_cmp(const void *x, const void *y, void *ctx)
{
	const struct mover_order *mo = ctx;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int di = (mo->p->b[i]->score[0] - mo->p->a[i]->score[0]) * mo->sign;
	int dj = (mo->p->b[j]->score[0] - mo->p->a[j]->score[0]) * mo->sign;
	if (di != dj)
		return di > dj ? -1 : 1;
	return strcmp(mo->p->a[i]->org_id, mo->p->a[j]->org_id);
}

/* Up to COMPARE_TOP organizations whose overall score moved the way `sign` says, most first. */
static json_t *movers_json(const struct pairing *p, int sign)
{
	size_t *v = calloc(p->n + 1, sizeof *v), n = 0;
	json_t *arr = v ? json_array() : NULL;
	for (size_t i = 0; v != NULL && i < p->n; i++) {
		int x = p->a[i]->score[0], y = p->b[i]->score[0];
		if (x >= 0 && y >= 0 && (y - x) * sign > 0)
			v[n++] = i;
	}
	struct mover_order mo = {p, sign};
	if (v != NULL)
		qsort_r(v, n, sizeof *v, change_cmp, &mo);
	for (size_t k = 0; arr != NULL && k < n && k < COMPARE_TOP; k++) {
		if (json_array_append_new(arr, mover_json(p->a[v[k]], p->b[v[k]])) < 0)
			arr = (json_decref(arr), NULL);
	}
	free(v);
	return arr;
}

/* Failing findings of checks that had no failure at all for the organization before. */
static int exposures_of(json_t *arr, const struct compare_org *a, const struct compare_org *b)
{
	for (size_t i = 0; i < b->nf; i++) {
		if (b->f[i].status != FS_FAIL || org_check(a, b->f[i].check) == FS_FAIL)
			continue;
		json_t *e = finding_ref(&b->f[i]);
		if (e == NULL || json_object_set_new(e, "org_id", json_string(b->org_id)) < 0 ||
		    json_array_append_new(arr, e) < 0)
			return -ENOMEM;
	}
	return 0;
}

static json_t *exposures_json(const struct pairing *p)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < p->n; i++)
		if (exposures_of(arr, p->a[i], p->b[i]) < 0)
			arr = (json_decref(arr), NULL);
	return arr;
}

/* ---- the document ---- */

static json_t *side_json(const struct compare_side *s)
{
	const json_t *i = s->info;
	return json_pack("{s:O, s:O, s:O, s:O, s:O, s:I}", "scan_id", json_object_get(i, "id"), "started",
	                 json_object_get(i, "started"), "finished", json_object_get(i, "finished"), "method",
	                 json_object_get(i, "method"), "status", json_object_get(i, "status"),
	                 "organizations", (json_int_t)s->n);
}

static json_t *rescored_json(const struct compare_side *base, const struct compare_side *scan)
{
	json_t *r = json_array();
	if (r != NULL && base->rescored && json_array_append_new(r, json_string("base")) < 0)
		r = (json_decref(r), NULL);
	if (r != NULL && scan->rescored && json_array_append_new(r, json_string("scan")) < 0)
		r = (json_decref(r), NULL);
	return r;
}

/* Room for a cohort's text: key, '=', value. */
#define COHORT_LABEL_MAX (2 * COHORT_TEXT_MAX + 2)

static json_t *cohort_json(const struct compare_opts *o)
{
	char buf[COHORT_LABEL_MAX];
	return o->cohort ? json_string(cohort_text(o->cohort, buf, sizeof buf)) : json_null();
}

static json_t *document(const struct compare_side *base, const struct compare_side *scan,
                        const struct pairing *p, const struct compare_opts *o)
{
	const struct method *m = scan->m;
	return json_pack("{s:o, s:o, s:i, s:o, s:o, s:s, s:f, s:{s:I, s:O, s:O}, s:o, s:o, s:o, s:o, s:o, "
	                 "s:o, s:o, s:o}",
	                 "base", side_json(base), "scan", side_json(scan), "method", m->version, "rescored",
	                 rescored_json(base, scan), "cohort", cohort_json(o), "correction",
	                 o->correction == COMPARE_BH ? "bh" : "holm", "alpha", o->alpha, "organizations",
	                 "both", (json_int_t)p->n, "joined", p->joined, "left", p->left, "factors",
	                 factors_json(p, m, o->alpha), "checks", checks_json(p, m, o), "findings",
	                 findings_json(p), "migration", migration_json(p), "changes", changes_json(p),
	                 "regressed", movers_json(p, -1), "improved", movers_json(p, 1), "new_exposures",
	                 exposures_json(p));
}

static long scan_id_of(const struct compare_side *s)
{
	return (long)json_integer_value(json_object_get(s->info, "id"));
}

int compare_build(const struct compare_side *base, const struct compare_side *scan,
                  const struct compare_opts *o, json_t **out, char *err, size_t errlen)
{
	struct pairing p;
	char label[COHORT_LABEL_MAX];
	int rc = pairing_make(&p, base, scan, o);
	json_t *doc = NULL;
	if (rc < 0)
		rc = errf(err, errlen, rc, "out of memory pairing the organizations");
	else if (!same_targets(base, scan, p.common_all))
		rc = errf(err, errlen, -EXDEV,
		          "scans %ld and %ld are of different target sets (%zu organizations in both, of %zu "
		          "and %zu)",
		          scan_id_of(base), scan_id_of(scan), p.common_all, base->n, scan->n);
	else if (o->cohort != NULL && p.n == 0 && json_array_size(p.joined) + json_array_size(p.left) == 0)
		rc = errf(err, errlen, -ESRCH, "no organization of scan %ld or %ld is in the cohort %s",
		          scan_id_of(base), scan_id_of(scan), cohort_text(o->cohort, label, sizeof label));
	else if ((doc = document(base, scan, &p, o)) == NULL)
		rc = errf(err, errlen, -ENOMEM, "out of memory building the comparison");
	pairing_free(&p);
	if (rc == 0)
		*out = doc;
	return rc;
}

/* The newer of the two scans' methods (a scan's method this vitals knows), or 0. */
static int default_method(struct store *st, int64_t base, int64_t scan, int *method, char *err, size_t errlen)
{
	int64_t ids[2] = {base, scan};
	*method = 0;
	for (int i = 0; i < 2; i++) {
		json_t *info = NULL;
		int rc = store_scan_info(st, ids[i], &info);
		if (rc == -ENOENT)
			return errf(err, errlen, rc, "no scan %lld in the database", (long long)ids[i]);
		if (rc < 0)
			return errf(err, errlen, rc, "%s", store_error(st));
		int v = (int)json_integer_value(json_object_get(info, "method"));
		json_decref(info);
		*method = v > *method ? v : *method;
	}
	if (method_get(*method) == NULL)
		return errf(err, errlen, -EINVAL,
		            "scans %lld and %lld use method v%d, which this vitals does not know",
		            (long long)base, (long long)scan, *method);
	return 0;
}

int compare_scans(struct store *st, int64_t base, int64_t scan, const struct compare_opts *o, json_t **out,
                  char *err, size_t errlen)
{
	struct compare_side a = {0}, b = {0};
	int method = o->method;
	int rc = method ? 0 : default_method(st, base, scan, &method, err, errlen);
	if (rc == 0)
		rc = compare_side_load(st, base, method_get(method), &a, err, errlen);
	if (rc == 0)
		rc = compare_side_load(st, scan, method_get(method), &b, err, errlen);
	if (rc == 0)
		rc = compare_build(&a, &b, o, out, err, errlen);
	compare_side_clear(&a);
	compare_side_clear(&b);
	return rc;
}
