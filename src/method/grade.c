/* The grader: findings to factor scores, caps, deductions and grades. */
#include "grade.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Weight sums of one factor's determinate findings, and its lowest failed cap. */
struct tally {
	long wdet;         /* weight of pass + fail findings */
	long wpass;        /* weight of pass findings */
	int mincap;        /* lowest cap among failed checks, 100 when none */
	size_t capfinding; /* the failed finding carrying that cap */
};

/* Integer round-half-up of 100 * num / den, den > 0: no floating-point edge cases. */
static int percent_round(long num, long den)
{
	return (int)((200 * num + den) / (2 * den));
}

static void tally_finding(struct factor_score *f, struct tally *t, const struct check_def *c,
                          const struct finding *fd, size_t idx)
{
	switch (fd->status) {
	case FS_PASS:
		f->passed++;
		t->wdet += c->weight;
		t->wpass += c->weight;
		break;
	case FS_FAIL:
		f->failed++;
		t->wdet += c->weight;
		/* Strictly lower only: on a tie the first failing finding keeps the cap. */
		if (c->cap < t->mincap) {
			t->mincap = c->cap;
			t->capfinding = idx;
		}
		break;
	case FS_INDETERMINATE:
		f->indeterminate++;
		break;
	case FS_NA:
		f->na++;
		break;
	}
}

static int deduction_cmp(const void *a, const void *b)
{
	const struct deduction *x = a, *y = b;
	if (x->points != y->points)
		return x->points > y->points ? -1 : 1;
	if (x->finding != y->finding)
		return x->finding < y->finding ? -1 : 1;
	return x->by_cap - y->by_cap;
}

/* The check behind a finding when it counts towards factor `fac` of `m`, else NULL. */
static const struct check_def *in_factor(const struct method *m, const struct finding *fd, size_t fac)
{
	const struct check_def *c = method_check(m, fd->check);
	return c != NULL && strcmp(c->factor, m->factors[fac].id) == 0 ? c : NULL;
}

/* fail, pass, indeterminate, na: the order in which one finding stands for its group. */
static int status_rank(enum fstatus s)
{
	return s == FS_FAIL ? 0 : s == FS_PASS ? 1 : s == FS_INDETERMINATE ? 2 : 3;
}

/* A finding of the factor, as the roll-up sorts them: by group, then worst first, then in order. */
struct member {
	const struct finding *f; /* the finding */
	size_t idx;              /* its position */
	int byhost;              /* groups are (check, host), else (check) */
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->f->check, y->f->check);
	if (c == 0 && x->byhost)
		c = strcmp(x->f->domain, y->f->domain);
	if (c == 0)
		c = status_rank(x->f->status) - status_rank(y->f->status);
	return c != 0 ? c : x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Which findings count towards factor `fac` under its roll-up rule: keep[i] is 1 for a
 * finding of the factor that stands for its group (every one under ROLLUP_EACH). Sorting
 * keeps this O(n log n) however many endpoints an organization has. 0 or -ENOMEM.
 */
static int roll_up(const struct method *m, const struct findings *fs, size_t fac, unsigned char *keep)
{
	enum rollup r = m->factors[fac].rollup;
	struct member *v = malloc((fs->n ? fs->n : 1) * sizeof *v);
	size_t n = 0;
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < fs->n; i++) {
		keep[i] = 0;
		if (in_factor(m, &fs->v[i], fac) != NULL)
			v[n++] = (struct member){&fs->v[i], i, r == ROLLUP_WORST_HOST};
	}
	qsort(v, n, sizeof *v, member_cmp);
	for (size_t k = 0; k < n; k++) {
		const struct member *prev = k > 0 ? &v[k - 1] : NULL;
		int first = prev == NULL || strcmp(prev->f->check, v[k].f->check) != 0 ||
		            (v[k].byhost && strcmp(prev->f->domain, v[k].f->domain) != 0);
		keep[v[k].idx] = r == ROLLUP_EACH || first;
	}
	free(v);
	return 0;
}

/* One deduction per failed finding of `fac`, plus the cap's, sorted largest first. */
static int factor_deductions(const struct method *m, const struct findings *fs, size_t fac,
                             const unsigned char *keep, const struct tally *t, int uncapped,
                             struct factor_score *f)
{
	size_t n = (size_t)f->failed + (f->score < uncapped);
	if (n == 0)
		return 0;
	f->ded = calloc(n, sizeof *f->ded);
	if (f->ded == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < fs->n; i++) {
		const struct check_def *c =
		    keep[i] && fs->v[i].status == FS_FAIL ? in_factor(m, &fs->v[i], fac) : NULL;
		if (c == NULL)
			continue;
		f->ded[f->nded++] = (struct deduction){i, 100.0 * c->weight / (double)t->wdet, 0};
	}
	/* The cap costs what is left between the exact pass rate and the cap. */
	if (f->score < uncapped)
		f->ded[f->nded++] =
		    (struct deduction){t->capfinding, 100.0 * t->wpass / (double)t->wdet - f->score, 1};
	qsort(f->ded, f->nded, sizeof *f->ded, deduction_cmp);
	return 0;
}

static int grade_factor(const struct method *m, const struct findings *fs, size_t fac, struct factor_score *f)
{
	struct tally t = {.mincap = 100};
	*f = (struct factor_score){.grade = '-'};
	unsigned char *keep = malloc(fs->n ? fs->n : 1);
	int rc = keep ? roll_up(m, fs, fac, keep) : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < fs->n; i++) {
		const struct check_def *c = keep[i] ? in_factor(m, &fs->v[i], fac) : NULL;
		if (c != NULL)
			tally_finding(f, &t, c, &fs->v[i], i);
	}
	if (rc == 0 && t.wdet > 0) {
		int uncapped = percent_round(t.wpass, t.wdet);
		f->has_score = 1;
		f->score = uncapped < t.mincap ? uncapped : t.mincap;
		f->grade = grade_letter(f->score);
		rc = factor_deductions(m, fs, fac, keep, &t, uncapped, f);
	}
	free(keep);
	return rc;
}

static void grade_overall(const struct method *m, struct scorecard *sc)
{
	long wsum = 0, ssum = 0;
	for (size_t i = 0; i < sc->nfactors; i++) {
		if (!sc->f[i].has_score)
			continue;
		wsum += m->factors[i].weight;
		ssum += (long)m->factors[i].weight * sc->f[i].score;
	}
	sc->has_score = wsum > 0;
	sc->score = wsum > 0 ? (int)((2 * ssum + wsum) / (2 * wsum)) : 0;
	sc->grade = wsum > 0 ? grade_letter(sc->score) : '-';
}

int grade_findings(const struct method *m, const struct findings *fs, struct scorecard *out)
{
	struct scorecard sc = {.method = m->version, .nfactors = m->nfactors};
	int rc = 0;
	if (m->nfactors > FACTOR_MAX)
		return -EINVAL;
	for (size_t i = 0; i < sc.nfactors; i++) {
		rc = grade_factor(m, fs, i, &sc.f[i]);
		if (rc < 0)
			goto out;
	}
	grade_overall(m, &sc);
	*out = sc;
	return 0;
out:
	scorecard_free(&sc);
	return rc;
}

void scorecard_free(struct scorecard *sc)
{
	if (sc == NULL)
		return;
	for (size_t i = 0; i < FACTOR_MAX; i++) {
		free(sc->f[i].ded);
		sc->f[i].ded = NULL;
		sc->f[i].nded = 0;
	}
}

/* A score or grade as JSON, null without a score. */
static json_t *score_json(int has, int score)
{
	return has ? json_integer(score) : json_null();
}

static json_t *grade_json(int has, char grade)
{
	char g[2] = {grade, '\0'};
	return has ? json_string(g) : json_null();
}

static json_t *deductions_json(const struct findings *fs, const struct factor_score *f)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < f->nded; i++) {
		const struct finding *fd = &fs->v[f->ded[i].finding];
		json_t *d =
		    json_pack("{s:s, s:s, s:f, s:b, s:s}", "check", fd->check, "domain", fd->domain, "points",
		              f->ded[i].points, "cap", f->ded[i].by_cap, "detail", fd->detail);
		if (d != NULL && fd->endpoint != NULL)
			json_object_set_new(d, "endpoint", json_string(fd->endpoint));
		if (json_array_append_new(arr, d) < 0)
			arr = (json_decref(arr), NULL);
	}
	return arr;
}

static json_t *factor_json(const struct factor_def *def, const struct findings *fs,
                           const struct factor_score *f)
{
	return json_pack("{s:s, s:o, s:o, s:i, s:i, s:i, s:i, s:o}", "title", def->title, "score",
	                 score_json(f->has_score, f->score), "grade", grade_json(f->has_score, f->grade),
	                 "passed", f->passed, "failed", f->failed, "indeterminate", f->indeterminate, "na",
	                 f->na, "deductions", deductions_json(fs, f));
}

static int coverage_add(json_t *domains, const char *domain, int determinate)
{
	json_t *d = json_object_get(domains, domain);
	if (d == NULL &&
	    json_object_set_new(domains, domain, d = json_pack("{s:i, s:i}", "determinate", 0, "of", 0)) < 0)
		return -ENOMEM;
	json_object_set_new(d, "of", json_integer(json_integer_value(json_object_get(d, "of")) + 1));
	json_object_set_new(
	    d, "determinate",
	    json_integer(json_integer_value(json_object_get(d, "determinate")) + determinate));
	return 0;
}

/*
 * What could be measured: of the method's checks that apply (not-applicable ones left
 * out), how many were determined (pass or fail), in all and per domain. A grade from
 * DNS alone then reads differently from a grade on everything.
 */
static json_t *coverage_json(const struct method *m, const struct findings *fs)
{
	json_t *domains = json_object();
	long det = 0, of = 0;
	for (size_t i = 0; domains != NULL && i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		if (method_check(m, f->check) == NULL || f->status == FS_NA)
			continue;
		int d = f->status == FS_PASS || f->status == FS_FAIL;
		of++, det += d;
		if (coverage_add(domains, f->domain, d) < 0)
			domains = (json_decref(domains), NULL);
	}
	return json_pack("{s:I, s:I, s:o, s:o}", "determinate", (json_int_t)det, "of", (json_int_t)of,
	                 "percent", of ? json_integer((200 * det + of) / (2 * of)) : json_null(), "domains",
	                 domains);
}

json_t *scorecard_to_json(const struct method *m, const struct findings *fs, const struct scorecard *sc)
{
	json_t *factors = json_object();
	for (size_t i = 0; factors != NULL && i < sc->nfactors; i++) {
		json_t *fj = factor_json(&m->factors[i], fs, &sc->f[i]);
		if (json_object_set_new(factors, m->factors[i].id, fj) < 0)
			factors = (json_decref(factors), NULL);
	}
	return json_pack("{s:i, s:o, s:o, s:o, s:o}", "method", sc->method, "score",
	                 score_json(sc->has_score, sc->score), "grade", grade_json(sc->has_score, sc->grade),
	                 "factors", factors, "coverage", coverage_json(m, fs));
}
