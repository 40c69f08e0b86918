/* `vitals show`: a terminal scorecard for one organization. */
#include "show.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Evidence longer than this is cut: one line per finding must stay readable. */
#define EVIDENCE_MAX 160

#define C_RESET  "\033[0m"
#define C_BOLD   "\033[1m"
#define C_DIM    "\033[2m"
#define C_RED    "\033[31m"
#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"

/* A reason for indeterminate findings and how often it occurred. */
struct reason_count {
	const char *reason; /* e.g. "timeout" */
	size_t n;           /* findings with it */
};

static const char *paint(int color, const char *code)
{
	return color ? code : "";
}

static const char *grade_color(const char *grade)
{
	if (grade == NULL)
		return C_DIM;
	if (grade[0] == 'A' || grade[0] == 'B')
		return C_GREEN;
	return grade[0] == 'C' ? C_YELLOW : C_RED;
}

/*
 * Writes at most `max` bytes of `s` (max 0: no limit), replacing C0 and C1 control
 * characters: network text must not move the cursor or change the terminal.
 */
static void put_clean(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (size_t i = 0; p[i] != '\0' && (max == 0 || i < max); i++) {
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
			fputc('?', out);
			i++;
		} else {
			fputc(p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i], out);
		}
	}
}

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The organization's tags as `tags: k=v; k=v` (a value may hold blanks); nothing without tags. */
static void show_tags(FILE *out, const json_t *tags)
{
	const char *key;
	json_t *v;
	int first = 1;

	if (json_object_size(tags) == 0)
		return;
	fputs("tags:", out);
	json_object_foreach((json_t *)tags, key, v)
	{
		fputs(first ? " " : "; ", out);
		put_clean(out, key, 0);
		fputc('=', out);
		put_clean(out, json_string_value(v), 0);
		first = 0;
	}
	fputc('\n', out);
}

static void show_header(FILE *out, const json_t *org, int color)
{
	char when[64] = "unknown time";
	time_t t = (time_t)json_integer_value(json_object_get(org, "started"));
	struct tm tm;
	if (t > 0 && gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	fputs(paint(color, C_BOLD), out);
	put_clean(out, jstr(org, "name") ? jstr(org, "name") : jstr(org, "org_id"), 0);
	fputs(paint(color, C_RESET), out);
	fputs(" (", out);
	put_clean(out, jstr(org, "org_id"), 0);
	fprintf(out, ")\nscan %lld, scanned %s, domains:",
	        (long long)json_integer_value(json_object_get(org, "scan")), when);
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(org, "domains"), i, d)
	{
		fputc(' ', out);
		put_clean(out, json_string_value(d), 0);
	}
	fputc('\n', out);
	show_tags(out, json_object_get(org, "tags"));
}

static void show_grade(FILE *out, const char *label, const json_t *obj, int color)
{
	const char *grade = jstr(obj, "grade");
	size_t n = strlen(label);
	put_clean(out, label, 0);
	fprintf(out, "%*s ", n < 24 ? (int)(24 - n) : 0, "");
	if (grade == NULL || !json_is_integer(json_object_get(obj, "score"))) {
		fprintf(out, "%sno score%s", paint(color, C_DIM), paint(color, C_RESET));
		return;
	}
	/* Only a grade letter reaches the terminal, whatever the database holds. */
	char g = grade[0] != '\0' && strchr("ABCDF", grade[0]) != NULL ? grade[0] : '?';
	fprintf(out, "%s%s%c%s %3lld", paint(color, C_BOLD), paint(color, grade_color(grade)), g,
	        paint(color, C_RESET), (long long)json_integer_value(json_object_get(obj, "score")));
}

/* How much of the method could be measured, in all and per domain: a grade on DNS alone shows. */
static void show_coverage(FILE *out, const json_t *cov, int color)
{
	const char *domain;
	json_t *d;
	if (!json_is_object(cov))
		return;
	json_t *pct = json_object_get(cov, "percent");
	fprintf(out, "\nCoverage: %lld of %lld applicable checks determined",
	        (long long)json_integer_value(json_object_get(cov, "determinate")),
	        (long long)json_integer_value(json_object_get(cov, "of")));
	if (json_is_integer(pct))
		fprintf(out, " (%s%lld%%%s)", paint(color, json_integer_value(pct) < 80 ? C_RED : C_BOLD),
		        (long long)json_integer_value(pct), paint(color, C_RESET));
	fputc('\n', out);
	json_object_foreach((json_t *)json_object_get(cov, "domains"), domain, d)
	{
		fputs("  ", out);
		put_clean(out, domain, 0);
		fprintf(out, ": %lld of %lld\n",
		        (long long)json_integer_value(json_object_get(d, "determinate")),
		        (long long)json_integer_value(json_object_get(d, "of")));
	}
}

static void show_grades(FILE *out, const json_t *scores, int color)
{
	const char *id;
	json_t *f;
	if (!json_is_object(scores)) {
		fputs("\nNo scores under this method (run vitals rescore).\n", out);
		return;
	}
	fprintf(out, "\nMethod v%lld\n", (long long)json_integer_value(json_object_get(scores, "method")));
	show_grade(out, "Overall", scores, color);
	fputc('\n', out);
	json_object_foreach(json_object_get(scores, "factors"), id, f)
	{
		const char *title = jstr(f, "title");
		char label[64];
		snprintf(label, sizeof label, "  %s", title ? title : id);
		show_grade(out, label, f, color);
		fprintf(out, "   %lld passed, %lld failed, %lld indeterminate, %lld n/a\n",
		        (long long)json_integer_value(json_object_get(f, "passed")),
		        (long long)json_integer_value(json_object_get(f, "failed")),
		        (long long)json_integer_value(json_object_get(f, "indeterminate")),
		        (long long)json_integer_value(json_object_get(f, "na")));
	}
	show_coverage(out, json_object_get(scores, "coverage"), color);
}

/* Whether a stored deduction names this check on this domain. */
static int deduction_of(const json_t *d, const char *check, const char *domain, const char *endpoint)
{
	const char *dc = jstr(d, "check"), *dd = jstr(d, "domain"), *de = jstr(d, "endpoint");
	return dc && dd && strcmp(dc, check) == 0 && strcmp(dd, domain) == 0 &&
	       ((de == NULL && endpoint == NULL) || (de && endpoint && strcmp(de, endpoint) == 0));
}

/* Points a finding cost: the sum of its deductions (weight and cap) over all factors. */
static double finding_points(const json_t *scores, const json_t *finding)
{
	const char *check = jstr(finding, "check"), *domain = jstr(finding, "domain"), *id;
	json_t *f, *d;
	size_t i;
	double sum = 0;
	json_object_foreach(json_object_get(scores, "factors"), id, f)
	{
		json_array_foreach(json_object_get(f, "deductions"), i, d)
		{
			if (deduction_of(d, check, domain, jstr(finding, "endpoint")))
				sum += json_number_value(json_object_get(d, "points"));
		}
	}
	return sum;
}

static int loss_cmp(const void *a, const void *b)
{
	const struct loss *x = a, *y = b;
	if (x->points != y->points)
		return x->points > y->points ? -1 : 1;
	int c = strcmp(jstr(x->finding, "check"), jstr(y->finding, "check"));
	return c ? c : strcmp(jstr(x->finding, "domain"), jstr(y->finding, "domain"));
}

static void show_evidence(FILE *out, const json_t *evidence)
{
	if (evidence == NULL || json_is_null(evidence))
		return;
	/* ASCII-only JSON: truncating it can never split a character. */
	char *text = json_dumps(evidence, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (text == NULL)
		return;
	fputs("  evidence: ", out);
	put_clean(out, text, EVIDENCE_MAX);
	if (strlen(text) > EVIDENCE_MAX)
		fputs("...", out);
	free(text);
}

static void show_loss(FILE *out, const struct loss *l, int color)
{
	fprintf(out, "  %s%6.2f%s  ", paint(color, C_RED), l->points, paint(color, C_RESET));
	fputs(paint(color, C_BOLD), out);
	put_clean(out, jstr(l->finding, "check"), 0);
	fputs(paint(color, C_RESET), out);
	fputs("  ", out);
	put_clean(out, jstr(l->finding, "domain"), 0);
	if (jstr(l->finding, "endpoint") != NULL) {
		fputs(" @ ", out);
		put_clean(out, jstr(l->finding, "endpoint"), 0);
	}
	fputs("  ", out);
	if (l->rolled_up)
		fputs("(rolled up: its check counts once, on the worst endpoint) ", out);
	put_clean(out, jstr(l->finding, "detail"), 0);
	show_evidence(out, json_object_get(l->finding, "evidence"));
	fputc('\n', out);
}

static int valid_finding(const json_t *f)
{
	return jstr(f, "check") && jstr(f, "domain") && jstr(f, "status");
}

int show_losses(const json_t *org, struct loss **out, size_t *nout)
{
	const json_t *findings = json_object_get(org, "findings"), *scores = json_object_get(org, "scores");
	size_t i, n = 0;
	json_t *f;
	if (!json_is_array(findings))
		return -EINVAL;
	struct loss *v = calloc(json_array_size(findings) + 1, sizeof *v);
	if (v == NULL)
		return -ENOMEM;
	json_array_foreach(findings, i, f)
	{
		if (valid_finding(f) && strcmp(jstr(f, "status"), "fail") == 0)
			v[n++] = (struct loss){f, finding_points(scores, f), 0};
	}
	/* Under a roll-up rule a failure that costs nothing is one its check's worst finding stands for. */
	for (size_t k = 0; k < n; k++)
		for (size_t j = 0; v[k].points == 0 && j < n && !v[k].rolled_up; j++)
			v[k].rolled_up = v[j].points > 0 && strcmp(jstr(v[j].finding, "check"),
			                                           jstr(v[k].finding, "check")) == 0;
	qsort(v, n, sizeof *v, loss_cmp);
	*out = v;
	*nout = n;
	return 0;
}

static int show_failures(FILE *out, const json_t *org, int color)
{
	struct loss *v;
	size_t n;
	int rc = show_losses(org, &v, &n);
	if (rc < 0)
		return rc;
	if (n == 0)
		fputs("\nNo failing checks.\n", out);
	else
		fprintf(out, "\nFailing checks (%zu), points lost, largest first:\n", n);
	for (size_t i = 0; i < n; i++)
		show_loss(out, &v[i], color);
	free(v);
	return 0;
}

static int reason_cmp(const void *a, const void *b)
{
	const struct reason_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->reason, y->reason);
}

/* Counts findings of `status` by reason into a sorted array; *nout distinct reasons. */
static int count_reasons(const json_t *findings, const char *status, struct reason_count **out, size_t *nout,
                         size_t *total)
{
	size_t i, n = 0, k;
	json_t *f;
	struct reason_count *v = calloc(json_array_size(findings) + 1, sizeof *v);
	if (v == NULL)
		return -ENOMEM;
	*total = 0;
	json_array_foreach(findings, i, f)
	{
		if (!valid_finding(f) || strcmp(jstr(f, "status"), status) != 0)
			continue;
		const char *reason = jstr(f, "reason") ? jstr(f, "reason") : "unspecified";
		for (k = 0; k < n && strcmp(v[k].reason, reason) != 0; k++)
			;
		if (k == n)
			v[n++].reason = reason;
		v[k].n++;
		(*total)++;
	}
	qsort(v, n, sizeof *v, reason_cmp);
	*out = v;
	*nout = n;
	return 0;
}

static int show_reasons(FILE *out, const json_t *findings, const char *status, const char *label)
{
	struct reason_count *v;
	size_t n, total;
	int rc = count_reasons(findings, status, &v, &n, &total);
	if (rc < 0)
		return rc;
	if (total > 0) {
		fprintf(out, "%s: %zu finding%s (", label, total, total == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ", " : "", out);
			put_clean(out, v[i].reason, 0);
			fprintf(out, " %zu", v[i].n);
		}
		fputs(")\n", out);
	}
	free(v);
	return 0;
}

/* Every asset and why it is the organization's: wrong attribution is the first complaint. */
static void show_assets(FILE *out, const json_t *assets)
{
	size_t i, k;
	json_t *a, *v;
	if (json_array_size(assets) == 0)
		return;
	fputs("Assets (why each is the organization's):\n", out);
	json_array_foreach(assets, i, a)
	{
		fputs("  ", out);
		put_clean(out, jstr(a, "host") ? jstr(a, "host") : jstr(a, "addr"), 0);
		fputs("  ", out);
		json_array_foreach(json_object_get(a, "why"), k, v)
		{
			fputs(k ? ", " : "", out);
			put_clean(out, json_string_value(v), 0);
		}
		json_array_foreach(json_object_get(a, "addrs"), k, v)
		{
			fputs(k ? " " : "  [", out);
			put_clean(out, json_string_value(v), 0);
		}
		fputs(json_array_size(json_object_get(a, "addrs")) ? "]\n" : "\n", out);
	}
	fputc('\n', out);
}

int show_org(FILE *out, const json_t *org, int color)
{
	const json_t *findings = json_object_get(org, "findings");
	const json_t *scores = json_object_get(org, "scores");
	if (jstr(org, "org_id") == NULL || !json_is_array(findings))
		return -EINVAL;
	show_header(out, org, color);
	show_grades(out, scores, color);
	show_assets(out, json_object_get(org, "assets"));
	int rc = show_failures(out, org, color);
	if (rc == 0)
		fputc('\n', out);
	if (rc == 0)
		rc = show_reasons(out, findings, "indeterminate", "Indeterminate (no points lost)");
	if (rc == 0)
		rc = show_reasons(out, findings, "na", "Not applicable");
	if (rc == 0 && (fflush(out) != 0 || ferror(out)))
		rc = -EIO;
	return rc;
}

/* ---- a cohort: one line per organization, then the summary ---- */

static void put_score(FILE *out, int score)
{
	if (score < 0)
		fputs(" -", out);
	else
		fprintf(out, " %c %d", grade_letter(score), score);
}

int show_cohort_line(FILE *out, const struct method *m, const json_t *org, const struct tally_org *t)
{
	put_clean(out, jstr(org, "org_id"), 0);
	fputs("  overall", out);
	put_score(out, t->score[0]);
	for (size_t i = 0; i < m->nfactors; i++) {
		fprintf(out, "  %s", m->factors[i].id);
		put_score(out, t->score[1 + i]);
	}
	fprintf(out, "  failing %zu  ", t->nfail);
	put_clean(out, jstr(org, "name"), 0);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

int show_cohort_summary(FILE *out, const char *cohort, long long scan, const struct tally *t)
{
	static const char *const labels[TALLY_GRADES] = {"A", "B", "C", "D", "F", "none"};
	double mean;
	fputs("cohort ", out);
	put_clean(out, cohort, 0);
	fprintf(out, ": %ld organization%s in scan %lld (method v%d)\ngrades:", t->norgs,
	        t->norgs == 1 ? "" : "s", scan, t->m->version);
	for (int g = 0; g < TALLY_GRADES; g++)
		fprintf(out, "%s %s %ld", g ? "," : "", labels[g], t->grades[g]);
	fputs("\naverages:", out);
	for (size_t slot = 0; slot < 1 + t->m->nfactors; slot++) {
		fprintf(out, "%s %s ", slot ? "," : "", slot ? t->m->factors[slot - 1].id : "overall");
		if (tally_mean(t, (int)slot, &mean) == 0)
			fprintf(out, "%.1f", mean);
		else
			fputs("-", out);
	}
	fprintf(out, "\nfailing findings: %.2f per organization, %.2f per domain\n", tally_per_org(t),
	        tally_per_domain(t));
	return ferror(out) ? -EIO : 0;
}
