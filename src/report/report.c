/* The sector report: statistics over a scan's organizations, then one card each. */
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "method.h"
#include "show.h"
#include "svg.h"
#include "tally.h"

/* Grade columns of the distributions: A to F, then "no score". */
#define NGRADES 6
/* Slot 0 is the overall score; slot 1 + i is factor i of the method (at most FACTOR_MAX). */
#define NSLOTS (1 + FACTOR_MAX)

static const char grade_chars[NGRADES] = {'A', 'B', 'C', 'D', 'F', '-'};
static const char *const grade_labels[NGRADES] = {"A", "B", "C", "D", "F", "none"};
static const char *const grade_colors[NGRADES] = {"#2e7d32", "#7cb342", "#f9a825",
                                                  "#ef6c00", "#c62828", "#9e9e9e"};
static const char *const status_colors[4] = {"#2e7d32", "#c62828", "#9e9e9e", "#cfd8dc"};
static const char *const status_labels[4] = {"pass", "fail", "indeterminate", "n/a"};

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:2em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.4}"
    "h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}"
    ".meta{color:#555}nav a{margin-right:1em}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    ".n{text-align:right;font-variant-numeric:tabular-nums}"
    ".charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}"
    "figcaption{text-align:center;font-size:.9em;color:#444}"
    ".chart text{font-size:11px;fill:#333}"
    ".grade{display:inline-block;min-width:3em;padding:0 .3em;border-radius:3px;color:#fff;"
    "font-weight:bold;text-align:center;white-space:nowrap}"
    ".g-A{background:#2e7d32}.g-B{background:#7cb342}.g-C{background:#f9a825}"
    ".g-D{background:#ef6c00}.g-F{background:#c62828}.g-none{background:#9e9e9e;font-weight:normal}"
    ".card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:1em 0;break-inside:avoid}"
    ".card h3{margin:.2em 0}.id{color:#666;font-weight:normal;font-size:.85em}"
    ".detail{word-break:break-word}.legend span{display:inline-block;width:.9em;height:.9em;"
    "margin:0 .3em 0 1em;vertical-align:middle}code{font-size:.95em;overflow-wrap:anywhere}";

/* What the report keeps of one organization between its two passes. */
struct org_sum {
	char *org_id;       /* owned copy */
	char *name;         /* owned copy */
	int score[NSLOTS];  /* overall, then per factor; -1 without a score */
	char grade[NSLOTS]; /* 'A'..'F' as stored, '-' without a score */
	size_t nfail;       /* failing findings of the method's checks */
	size_t nind;        /* indeterminate findings of the method's checks */
	size_t npass;       /* passing findings of the method's checks */
	size_t ndomains;    /* its domains */
	json_t *tags;       /* its tags (a reference), for the cohort sections */
};

/* Findings of one check by status, in enum fstatus order. */
struct check_count {
	long n[4]; /* pass, fail, indeterminate, na */
};

/* What the statistics pass learns about the scan. */
struct sector {
	const struct method *m;       /* the method the scores are read under */
	const struct cohort *cohort;  /* only this cohort's organizations; NULL: all */
	int64_t scan_id;              /* the scan */
	json_t *info;                 /* scan metadata (store_scan_info) */
	json_t *ids;                  /* the scan's organization ids, stored order */
	struct org_sum *orgs;         /* one per organization, same order */
	size_t norgs;                 /* how many were summed */
	long grades[NSLOTS][NGRADES]; /* grade distribution per slot */
	long sum[NSLOTS];             /* sum of scores per slot */
	long nscored[NSLOTS];         /* organizations with a score per slot */
	struct check_count *checks;   /* per check of the method, same index */
};

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int grade_index(char g)
{
	for (int i = 0; i < NGRADES - 1; i++)
		if (grade_chars[i] == g)
			return i;
	return NGRADES - 1;
}

/* The slots in use: the overall score and the method's factors. */
static int nslots(const struct sector *s)
{
	return 1 + (int)s->m->nfactors;
}

static const char *slot_title(const struct sector *s, int slot)
{
	return slot == 0 ? "Overall" : s->m->factors[slot - 1].title;
}

/* ---- pass 1: statistics ---- */

static void sum_slot(struct sector *s, struct org_sum *o, int slot, const json_t *obj)
{
	const json_t *score = json_object_get(obj, "score");
	const char *grade = jstr(obj, "grade");
	o->score[slot] = json_is_integer(score) ? (int)json_integer_value(score) : -1;
	char g = grade != NULL ? grade[0] : '\0';
	/* Only a known letter reaches a class name; anything else is re-derived from the score. */
	if (o->score[slot] < 0)
		o->grade[slot] = '-';
	else
		o->grade[slot] = g != '-' && grade_index(g) < NGRADES - 1 ? g : grade_letter(o->score[slot]);
	s->grades[slot][grade_index(o->grade[slot])]++;
	if (o->score[slot] >= 0) {
		s->sum[slot] += o->score[slot];
		s->nscored[slot]++;
	}
}

static void count_findings(struct sector *s, const json_t *findings, struct org_sum *o)
{
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *check = jstr(f, "check"), *status = jstr(f, "status");
		const struct check_def *c = check ? method_check(s->m, check) : NULL;
		enum fstatus st;
		if (c == NULL || status == NULL || fstatus_parse(status, &st) < 0)
			continue;
		s->checks[c - s->m->checks].n[st]++;
		o->nfail += st == FS_FAIL;
		o->nind += st == FS_INDETERMINATE;
		o->npass += st == FS_PASS;
	}
}

static int sum_org(struct sector *s, const json_t *org, struct org_sum *o)
{
	const json_t *scores = json_object_get(org, "scores");
	const char *id = jstr(org, "org_id"), *name = jstr(org, "name");
	if (!json_is_object(scores))
		return -ENODATA;
	o->org_id = strdup(id ? id : "");
	o->name = strdup(name ? name : o->org_id ? o->org_id : "");
	if (o->org_id == NULL || o->name == NULL)
		return -ENOMEM;
	sum_slot(s, o, 0, scores);
	for (int i = 0; i < (int)s->m->nfactors; i++)
		sum_slot(s, o, 1 + i,
		         json_object_get(json_object_get(scores, "factors"), s->m->factors[i].id));
	count_findings(s, json_object_get(org, "findings"), o);
	o->ndomains = json_array_size(json_object_get(org, "domains"));
	o->tags = json_incref(json_object_get(org, "tags"));
	return 0;
}

static int sector_load(struct sector *s, struct store *st)
{
	size_t i;
	json_t *id;
	s->orgs = calloc(json_array_size(s->ids) + 1, sizeof *s->orgs);
	s->checks = calloc(s->m->nchecks + 1, sizeof *s->checks);
	if (s->orgs == NULL || s->checks == NULL)
		return -ENOMEM;
	json_array_foreach(s->ids, i, id)
	{
		json_t *org;
		int rc = store_load_org(st, s->scan_id, json_string_value(id), s->m->version, &org);
		if (rc < 0)
			return rc;
		if (s->cohort == NULL || cohort_match(s->cohort, json_object_get(org, "tags")))
			rc = sum_org(s, org, &s->orgs[s->norgs++]);
		json_decref(org);
		if (rc < 0)
			return rc;
	}
	/* A cohort no organization carries is a mistake worth saying, not an empty report. */
	return s->cohort != NULL && s->norgs == 0 ? -ESRCH : 0;
}

static void sector_free(struct sector *s)
{
	for (size_t i = 0; s->orgs != NULL && i < s->norgs; i++) {
		free(s->orgs[i].org_id);
		free(s->orgs[i].name);
		json_decref(s->orgs[i].tags);
	}
	free(s->orgs);
	free(s->checks);
	json_decref(s->info);
	json_decref(s->ids);
}

/* ---- pass 2: writing ---- */

static void put_time(FILE *out, const json_t *t)
{
	char buf[64];
	time_t v = (time_t)json_integer_value(t);
	struct tm tm;
	if (!json_is_integer(t) || gmtime_r(&v, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		fputs("&mdash;", out);
	else
		fputs(buf, out);
}

/* An id attribute from an organization id: only characters safe in ids and fragments. */
static void put_anchor(FILE *out, const char *org_id)
{
	fputs("org-", out);
	for (const unsigned char *p = (const unsigned char *)org_id; *p != '\0'; p++)
		if (isalnum(*p) || *p == '-' || *p == '.')
			fputc(*p, out);
		else
			fprintf(out, "_%02x", *p);
}

static void put_badge(FILE *out, int score, char grade)
{
	if (score < 0)
		fputs("<span class=\"grade g-none\">no score</span>", out);
	else
		fprintf(out, "<span class=\"grade g-%c\">%c %d</span>", grade, grade, score);
}

static void put_cohort_title(FILE *out, const struct cohort *c, const char *prefix)
{
	char buf[2 * COHORT_TEXT_MAX + 2];
	if (c == NULL)
		return;
	fputs(prefix, out);
	html_escape(out, cohort_text(c, buf, sizeof buf));
}

static void write_head(FILE *out, const struct sector *s)
{
	fprintf(out,
	        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>vitals sector report: scan %lld",
	        (long long)s->scan_id);
	put_cohort_title(out, s->cohort, ", cohort ");
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>Sector security posture",
	        css);
	put_cohort_title(out, s->cohort, ": cohort ");
	fprintf(out, "</h1>\n<p class=\"meta\">Scan %lld &middot; started ", (long long)s->scan_id);
	put_time(out, json_object_get(s->info, "started"));
	fputs(" &middot; finished ", out);
	put_time(out, json_object_get(s->info, "finished"));
	fputs(" &middot; status ", out);
	html_escape(out, jstr(s->info, "status"));
	fprintf(out, " &middot; methodology v%d &middot; %zu organizations</p>\n", s->m->version, s->norgs);
	char *args = json_dumps(json_object_get(s->info, "args"), JSON_COMPACT | JSON_ENCODE_ANY);
	fputs("<p class=\"meta\">Options: <code>", out);
	html_escape(out, args ? args : "{}");
	fputs("</code></p>\n", out);
	free(args);
	fprintf(out,
	        "<nav><a href=\"#distribution\">Grades</a><a href=\"#factors\">Factors</a>"
	        "<a href=\"#checks\">Checks</a>%s<a href=\"#worst\">Lowest grades</a>"
	        "<a href=\"#orgs\">Organizations</a></nav>\n</header>\n",
	        s->cohort == NULL ? "<a href=\"#cohorts\">Cohorts</a>" : "");
}

static void distribution_chart(FILE *out, const struct sector *s, int slot, int width, int height)
{
	struct svg_bar bars[NGRADES];
	char title[160];
	for (int g = 0; g < NGRADES; g++)
		bars[g] = (struct svg_bar){grade_labels[g], (double)s->grades[slot][g], grade_colors[g]};
	snprintf(title, sizeof title, "%s grade distribution", slot_title(s, slot));
	fputs("<figure>", out);
	svg_bar_chart(out, title, bars, NGRADES, width, height);
	fputs("<figcaption>", out);
	html_escape(out, slot_title(s, slot));
	fputs("</figcaption></figure>\n", out);
}

static void write_distribution(FILE *out, const struct sector *s)
{
	fputs("<section id=\"distribution\">\n<h2>Grade distribution</h2>\n<div class=\"charts\">\n", out);
	distribution_chart(out, s, 0, 320, 200);
	for (int slot = 1; slot < nslots(s); slot++)
		distribution_chart(out, s, slot, 240, 160);
	fputs("</div>\n<table class=\"grades\">\n<tr><th>Grade</th>", out);
	for (int slot = 0; slot < nslots(s); slot++) {
		fputs("<th class=\"n\">", out);
		html_escape(out, slot_title(s, slot));
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (int g = 0; g < NGRADES; g++) {
		fprintf(out, "<tr><th scope=\"row\">%s</th>", g < NGRADES - 1 ? grade_labels[g] : "no score");
		for (int slot = 0; slot < nslots(s); slot++)
			fprintf(out, "<td class=\"n\">%ld</td>", s->grades[slot][g]);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static void write_factors(FILE *out, const struct sector *s)
{
	fputs("<section id=\"factors\">\n<h2>Factor averages</h2>\n<table>\n<tr><th>Factor</th>"
	      "<th class=\"n\">Weight</th><th class=\"n\">Organizations scored</th>"
	      "<th class=\"n\">Average score</th><th></th></tr>\n",
	      out);
	for (int slot = 0; slot < nslots(s); slot++) {
		double avg = s->nscored[slot] ? (double)s->sum[slot] / (double)s->nscored[slot] : 0;
		struct svg_bar segs[2] = {{"average", avg, "#1565c0"}, {"below 100", 100 - avg, "#e3e8ef"}};
		fputs("<tr><td>", out);
		html_escape(out, slot_title(s, slot));
		if (slot == 0)
			fputs("</td><td class=\"n\">&mdash;", out);
		else
			fprintf(out, "</td><td class=\"n\">%d", s->m->factors[slot - 1].weight);
		fprintf(out, "</td><td class=\"n\">%ld</td>", s->nscored[slot]);
		if (s->nscored[slot] == 0) {
			fputs("<td class=\"n\">no score</td><td></td></tr>\n", out);
			continue;
		}
		fprintf(out, "<td class=\"n\">%.1f</td><td>", avg);
		svg_stacked_bar(out, slot_title(s, slot), segs, 2, 200, 14);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static void write_check_row(FILE *out, const struct sector *s, size_t i)
{
	const struct check_def *c = &s->m->checks[i];
	const long *n = s->checks[i].n;
	struct svg_bar segs[4];
	for (int k = 0; k < 4; k++)
		segs[k] = (struct svg_bar){status_labels[k], (double)n[k], status_colors[k]};
	fputs("<tr><td><code>", out);
	html_escape(out, c->id);
	fputs("</code></td><td>", out);
	html_escape(out, c->title);
	fputs("</td><td>", out);
	html_escape(out, c->factor);
	fprintf(out, "</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td>",
	        severity_name(c->severity), c->weight, c->cap);
	fprintf(out,
	        "<td class=\"n\">%ld</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td><td "
	        "class=\"n\">%ld</td>",
	        n[0], n[1], n[2], n[3]);
	if (n[0] + n[1] > 0)
		fprintf(out, "<td class=\"n\">%.0f%%</td><td>", 100.0 * (double)n[0] / (double)(n[0] + n[1]));
	else
		fputs("<td class=\"n\">&mdash;</td><td>", out);
	svg_stacked_bar(out, c->id, segs, 4, 160, 12);
	fputs("</td></tr>\n", out);
}

static void write_checks(FILE *out, const struct sector *s)
{
	fputs("<section id=\"checks\">\n<h2>Checks</h2>\n<p class=\"legend\">Findings per check over all "
	      "domains:",
	      out);
	for (int k = 0; k < 4; k++)
		fprintf(out, "<span style=\"background:%s\"></span>%s", status_colors[k], status_labels[k]);
	fputs(
	    ". Pass rate counts pass and fail only; indeterminate never counts against an organization.</p>\n"
	    "<table>\n<tr><th>Check</th><th>Title</th><th>Factor</th><th>Severity</th><th "
	    "class=\"n\">Weight</th>"
	    "<th class=\"n\">Cap</th><th class=\"n\">Pass</th><th class=\"n\">Fail</th>"
	    "<th class=\"n\">Indeterminate</th><th class=\"n\">N/A</th><th class=\"n\">Pass rate</th>"
	    "<th></th></tr>\n",
	    out);
	for (size_t i = 0; i < s->m->nchecks; i++)
		write_check_row(out, s, i);
	fputs("</table>\n</section>\n", out);
}

/* ---- cohorts: one section per tag key=value the scan's organizations carry ---- */

static int text_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct "key=value" tags of the scan's organizations, sorted; keys of *set own them. */
static int cohort_names(const struct sector *s, json_t *set, const char ***out, size_t *n)
{
	const char *k, **v;
	json_t *val;
	char buf[2 * COHORT_TEXT_MAX + 2];
	for (size_t i = 0; i < s->norgs; i++)
		json_object_foreach(s->orgs[i].tags, k, val)
		{
			const char *text = json_string_value(val);
			/* A pair too long for a --cohort SPEC could not be asked for: leave it out. */
			if (text == NULL || strlen(k) >= COHORT_TEXT_MAX || strlen(text) >= COHORT_TEXT_MAX)
				continue;
			snprintf(buf, sizeof buf, "%s=%s", k, text);
			if (json_object_set_new(set, buf, json_true()) < 0)
				return -ENOMEM;
		}
	v = calloc(json_object_size(set) + 1, sizeof *v);
	if (v == NULL)
		return -ENOMEM;
	*n = 0;
	json_object_foreach(set, k, val) v[(*n)++] = k;
	qsort(v, *n, sizeof *v, text_cmp);
	*out = v;
	return 0;
}

static void tally_of(const struct sector *s, const struct cohort *c, struct tally *t)
{
	tally_init(t, s->m);
	for (size_t i = 0; i < s->norgs; i++) {
		const struct org_sum *o = &s->orgs[i];
		struct tally_org to = {.nfail = o->nfail, .ndomains = o->ndomains};
		if (!cohort_match(c, o->tags))
			continue;
		memcpy(to.score, o->score, sizeof to.score);
		tally_add(t, &to);
	}
}

static void write_cohort_row(FILE *out, const struct sector *s, const struct tally *t)
{
	fprintf(out, "<tr><td class=\"n\">%ld</td>", t->norgs);
	for (int g = 0; g < NGRADES; g++)
		fprintf(out, "<td class=\"n\">%ld</td>", t->grades[g]);
	for (int slot = 0; slot < nslots(s); slot++) {
		double mean;
		if (tally_mean(t, slot, &mean) == 0)
			fprintf(out, "<td class=\"n\">%.1f</td>", mean);
		else
			fputs("<td class=\"n\">no score</td>", out);
	}
	fprintf(out, "<td class=\"n\">%.2f</td><td class=\"n\">%.2f</td></tr>\n", tally_per_org(t),
	        tally_per_domain(t));
}

static void write_cohort(FILE *out, const struct sector *s, const char *name, const struct cohort *c)
{
	struct tally t;
	struct svg_bar bars[NGRADES];
	tally_of(s, c, &t);
	for (int g = 0; g < NGRADES; g++)
		bars[g] = (struct svg_bar){grade_labels[g], (double)t.grades[g], grade_colors[g]};
	fputs("<article class=\"cohort\">\n<h3>", out);
	html_escape(out, name);
	fputs("</h3>\n", out);
	svg_stacked_bar(out, name, bars, NGRADES, 400, 14);
	fputs("\n<table>\n<tr><th class=\"n\">Organizations</th>", out);
	for (int g = 0; g < NGRADES; g++)
		fprintf(out, "<th class=\"n\">%s</th>", grade_labels[g]);
	for (int slot = 0; slot < nslots(s); slot++) {
		fputs("<th class=\"n\">", out);
		html_escape(out, slot_title(s, slot));
		fputs("</th>", out);
	}
	fputs("<th class=\"n\">Failing findings per organization</th><th class=\"n\">per domain</th></tr>\n",
	      out);
	write_cohort_row(out, s, &t);
	fputs("</table>\n</article>\n", out);
}

static int write_cohorts(FILE *out, const struct sector *s)
{
	const char **names = NULL;
	size_t n = 0;
	json_t *set = json_object();
	int rc = set ? cohort_names(s, set, &names, &n) : -ENOMEM;
	if (rc < 0)
		goto out;
	fputs("<section id=\"cohorts\">\n<h2>Cohorts</h2>\n<p>Organizations by each tag their targets "
	      "gave them (<code>vitals report --cohort KEY=VALUE</code> reports one alone). Grades are "
	      "overall grades; averages are factor scores; failing findings count the method's checks.</p>\n",
	      out);
	if (n == 0)
		fputs("<p>No organization of this scan carries a tag.</p>\n", out);
	for (size_t i = 0; i < n; i++) {
		struct cohort c;
		if (cohort_parse(names[i], &c) == 0)
			write_cohort(out, s, names[i], &c);
	}
	fputs("</section>\n", out);
out:
	free(names);
	json_decref(set);
	return rc;
}

static int worst_cmp(const void *a, const void *b)
{
	const struct org_sum *x = *(const struct org_sum *const *)a, *y = *(const struct org_sum *const *)b;
	if (x->score[0] != y->score[0])
		return x->score[0] < y->score[0] ? -1 : 1;
	return strcmp(x->org_id, y->org_id);
}

static void write_org_link(FILE *out, const struct org_sum *o)
{
	fputs("<a href=\"#", out);
	put_anchor(out, o->org_id);
	fputs("\">", out);
	html_escape(out, o->name);
	fputs("</a> <span class=\"id\">", out);
	html_escape(out, o->org_id);
	fputs("</span>", out);
}

/* Determined of applicable checks, as a percentage: a grade on little evidence reads so. */
static void put_coverage(FILE *out, const struct org_sum *o)
{
	size_t det = o->npass + o->nfail, of = det + o->nind;
	if (of == 0)
		fputs("&mdash;", out);
	else
		fprintf(out, "%zu%%", (200 * det + of) / (2 * of));
}

static void write_worst_row(FILE *out, const struct sector *s, const struct org_sum *o, size_t rank)
{
	fprintf(out, "<tr><td class=\"n\">%zu</td><td>", rank);
	write_org_link(out, o);
	fputs("</td>", out);
	for (int slot = 0; slot < nslots(s); slot++) {
		fputs("<td>", out);
		put_badge(out, o->score[slot], o->grade[slot]);
		fputs("</td>", out);
	}
	fprintf(out, "<td class=\"n\">%zu</td><td class=\"n\">", o->nfail);
	put_coverage(out, o);
	fputs("</td></tr>\n", out);
}

static int write_worst(FILE *out, const struct sector *s)
{
	size_t n = 0;
	const struct org_sum **v = calloc(s->norgs + 1, sizeof *v);
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->norgs; i++)
		if (s->orgs[i].score[0] >= 0)
			v[n++] = &s->orgs[i];
	qsort(v, n, sizeof *v, worst_cmp);
	fprintf(out,
	        "<section id=\"worst\">\n<h2>Lowest-graded organizations</h2>\n"
	        "<p>The %d organizations with the lowest overall score (organizations without a score are "
	        "not ranked).</p>\n<table>\n<tr><th class=\"n\">#</th><th>Organization</th>",
	        REPORT_WORST);
	for (int slot = 0; slot < nslots(s); slot++) {
		fputs("<th>", out);
		html_escape(out, slot_title(s, slot));
		fputs("</th>", out);
	}
	fputs("<th class=\"n\">Failing checks</th><th class=\"n\">Coverage</th></tr>\n", out);
	for (size_t i = 0; i < n && i < REPORT_WORST; i++)
		write_worst_row(out, s, v[i], i + 1);
	fputs("</table>\n</section>\n", out);
	free(v);
	return 0;
}

static void write_card_grades(FILE *out, const struct sector *s, const struct org_sum *o)
{
	fputs("<p>", out);
	for (int slot = 0; slot < nslots(s); slot++) {
		fputs(slot ? " &middot; " : "", out);
		html_escape(out, slot_title(s, slot));
		fputc(' ', out);
		put_badge(out, o->score[slot], o->grade[slot]);
	}
	fputs("</p>\n", out);
}

static void write_failures(FILE *out, const struct loss *v, size_t n)
{
	if (n == 0) {
		fputs("<p>No failing checks.</p>\n", out);
		return;
	}
	fputs("<table>\n<tr><th class=\"n\">Points "
	      "lost</th><th>Check</th><th>Domain</th><th>Detail</th></tr>\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "<tr><td class=\"n\">%.2f</td><td><code>", v[i].points);
		html_escape(out, jstr(v[i].finding, "check"));
		fputs("</code></td><td>", out);
		html_escape(out, jstr(v[i].finding, "domain"));
		if (jstr(v[i].finding, "endpoint") != NULL) {
			fputs(" @ ", out);
			html_escape(out, jstr(v[i].finding, "endpoint"));
		}
		fputs("</td><td class=\"detail\">", out);
		if (v[i].rolled_up)
			fputs("(rolled up: its check counts once, on the worst endpoint) ", out);
		html_escape(out, jstr(v[i].finding, "detail"));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* Each asset and why it is the organization's, so a wrong attribution can be seen and disputed. */
static void write_assets(FILE *out, const json_t *assets)
{
	size_t i, k;
	json_t *a, *v;
	if (json_array_size(assets) == 0)
		return;
	fputs("<p class=\"meta\">Assets:", out);
	json_array_foreach(assets, i, a)
	{
		const char *name = jstr(a, "host") ? jstr(a, "host") : jstr(a, "addr");
		fputs(i ? "; " : " ", out);
		html_escape(out, name ? name : "");
		fputs(" (", out);
		json_array_foreach(json_object_get(a, "why"), k, v)
		{
			fputs(k ? ", " : "", out);
			html_escape(out, json_string_value(v));
		}
		fputs(")", out);
	}
	fputs("</p>\n", out);
}

static int write_card(FILE *out, const struct sector *s, const struct org_sum *o, const json_t *org)
{
	struct loss *v;
	size_t n, i;
	json_t *d;
	int rc = show_losses(org, &v, &n);
	if (rc < 0)
		return rc;
	fputs("<article class=\"card\" id=\"", out);
	put_anchor(out, o->org_id);
	fputs("\">\n<h3>", out);
	html_escape(out, o->name);
	fputs(" <span class=\"id\">", out);
	html_escape(out, o->org_id);
	fputs("</span></h3>\n", out);
	write_card_grades(out, s, o);
	fprintf(out, "<p class=\"meta\">Coverage: %zu of %zu applicable checks determined (",
	        o->npass + o->nfail, o->npass + o->nfail + o->nind);
	put_coverage(out, o);
	fputs(")</p>\n<p class=\"meta\">Domains:", out);
	json_array_foreach(json_object_get(org, "domains"), i, d)
	{
		fputs(i ? ", " : " ", out);
		html_escape(out, json_string_value(d));
	}
	fputs("</p>\n", out);
	write_assets(out, json_object_get(org, "assets"));
	write_failures(out, v, n);
	if (o->nind > 0)
		fprintf(out, "<p class=\"meta\">%zu indeterminate finding%s (not counted).</p>\n", o->nind,
		        o->nind == 1 ? "" : "s");
	fputs("</article>\n", out);
	free(v);
	return 0;
}

static int write_cards(FILE *out, struct store *st, const struct sector *s)
{
	fputs("<section id=\"orgs\">\n<h2>Organizations</h2>\n", out);
	for (size_t i = 0; i < s->norgs; i++) {
		json_t *org;
		int rc = store_load_org(st, s->scan_id, s->orgs[i].org_id, s->m->version, &org);
		if (rc == 0)
			rc = write_card(out, s, &s->orgs[i], org);
		json_decref(org);
		if (rc < 0)
			return rc;
		if (ferror(out))
			return -EIO;
	}
	fputs("</section>\n", out);
	return 0;
}

static void write_foot(FILE *out, const struct sector *s)
{
	fprintf(out,
	        "<footer>\n<p class=\"meta\">Generated by vitals under methodology v%d. Grades: A &ge; 90, "
	        "B &ge; 80, C &ge; 70, D &ge; 60, F below. Indeterminate findings (timeouts, refusals, "
	        "out of scope) never cost points. The method, every check and its weight are described "
	        "in docs/METHODOLOGY.md.</p>\n</footer>\n</body>\n</html>\n",
	        s->m->version);
}

static int write_all(FILE *out, struct store *st, const struct sector *s)
{
	write_head(out, s);
	write_distribution(out, s);
	write_factors(out, s);
	write_checks(out, s);
	int rc = s->cohort == NULL ? write_cohorts(out, s) : 0;
	if (rc == 0)
		rc = write_worst(out, s);
	if (rc == 0)
		rc = write_cards(out, st, s);
	if (rc == 0)
		write_foot(out, s);
	if (rc == 0 && (fflush(out) != 0 || ferror(out)))
		rc = -EIO;
	return rc;
}

int report_write(FILE *out, struct store *st, int64_t scan_id, int method)
{
	return report_write_cohort(out, st, scan_id, method, NULL);
}

int report_write_cohort(FILE *out, struct store *st, int64_t scan_id, int method, const struct cohort *cohort)
{
	struct sector s = {.scan_id = scan_id, .cohort = cohort};
	int rc = store_scan_info(st, scan_id, &s.info);
	if (rc < 0)
		goto out;
	s.m = method_get(method ? method : (int)json_integer_value(json_object_get(s.info, "method")));
	rc = s.m ? store_scan_orgs(st, scan_id, &s.ids) : -EINVAL;
	if (rc == 0)
		rc = sector_load(&s, st);
	if (rc == 0)
		rc = write_all(out, st, &s);
out:
	sector_free(&s);
	return rc;
}
