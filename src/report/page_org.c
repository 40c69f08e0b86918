/* The live scorecard of one organization, as an HTML fragment. */
#include "pages.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "errbuf.h"
#include "grade.h"
#include "page_util.h"
#include "svg.h"

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void org_head(FILE *out, const struct page_org *p)
{
	const json_t *org = p->org;
	size_t i;
	json_t *d;
	const char *key;
	fputs("<h1>", out);
	html_escape(out, jstr(org, "name") ? jstr(org, "name") : jstr(org, "org_id"));
	fputs(" <span class=\"id\">", out);
	html_escape(out, jstr(org, "org_id"));
	fprintf(out, "</span></h1>\n<p class=\"meta\">Scan %lld &middot; scanned ", (long long)p->scan_id);
	card_time(out, json_object_get(org, "started"));
	fprintf(out, " &middot; methodology v%d &middot; domains:", p->m->version);
	json_array_foreach(json_object_get(org, "domains"), i, d)
	{
		fputs(i ? ", " : " ", out);
		html_escape(out, json_string_value(d));
	}
	fputs("</p>\n", out);
	if (json_object_size(json_object_get(org, "tags")) == 0)
		return;
	fputs("<p class=\"meta\">Cohorts:", out);
	json_object_foreach(json_object_get(org, "tags"), key, d)
	{
		char spec[2 * COHORT_TEXT_MAX + 2];
		snprintf(spec, sizeof spec, "%s=%s", key, json_string_value(d) ? json_string_value(d) : "");
		fputs(" <a href=\"/orgs?cohort=", out);
		card_urlenc(out, spec);
		fputs("\">", out);
		html_escape(out, spec);
		fputs("</a>", out);
	}
	fputs("</p>\n", out);
}

static void grade_row(FILE *out, const char *title, const char *weight, const json_t *obj)
{
	fputs("<tr><td>", out);
	html_escape(out, title);
	fprintf(out, "</td><td class=\"n\">%s</td><td>", weight);
	card_badge(out, page_score(obj), page_grade(obj));
	fputs("</td>", out);
	const char *keys[] = {"passed", "failed", "indeterminate", "na"};
	/* The overall score has no counts of its own: its factors' rows hold them. */
	for (size_t k = 0; k < 4; k++)
		if (json_is_integer(json_object_get(obj, keys[k])))
			fprintf(out, "<td class=\"n\">%lld</td>",
			        (long long)json_integer_value(json_object_get(obj, keys[k])));
		else
			fputs("<td class=\"n\">&mdash;</td>", out);
	fputs("</tr>\n", out);
}

static void org_grades(FILE *out, const struct page_org *p)
{
	const json_t *scores = json_object_get(p->org, "scores");
	const json_t *cov = json_object_get(scores, "coverage");
	fputs("<section id=\"grades\">\n<h2>Grades</h2>\n<table>\n<tr><th>Factor</th><th "
	      "class=\"n\">Weight</th>"
	      "<th>Grade</th><th class=\"n\">Passed</th><th class=\"n\">Failed</th>"
	      "<th class=\"n\">Indeterminate</th><th class=\"n\">N/A</th></tr>\n",
	      out);
	grade_row(out, "Overall", "&mdash;", scores);
	for (size_t i = 0; i < p->m->nfactors; i++) {
		char w[16];
		snprintf(w, sizeof w, "%d", p->m->factors[i].weight);
		grade_row(out, p->m->factors[i].title, w,
		          json_object_get(json_object_get(scores, "factors"), p->m->factors[i].id));
	}
	fputs("</table>\n", out);
	if (json_is_object(cov))
		fprintf(out, "<p class=\"meta\">Coverage: %lld of %lld applicable checks determined.</p>\n",
		        (long long)json_integer_value(json_object_get(cov, "determinate")),
		        (long long)json_integer_value(json_object_get(cov, "of")));
	fputs("</section>\n", out);
}

static void other_row(FILE *out, const struct method *m, const json_t *f)
{
	const char *status = jstr(f, "status");
	const struct check_def *c = method_check(m, jstr(f, "check"));
	enum fstatus st;
	if (fstatus_parse(status, &st) < 0)
		return;
	static const char *const cls[4] = {"st-pass", "st-fail", "st-indeterminate", "st-na"};
	fprintf(out, "<tr><td><span class=\"status %s\">%s</span></td><td><code>", cls[st], fstatus_name(st));
	html_escape(out, jstr(f, "check"));
	fprintf(out, "</code></td><td>%s</td><td>", c ? severity_name(c->severity) : "");
	html_escape(out, jstr(f, "domain"));
	if (jstr(f, "endpoint") != NULL) {
		fputs(" @ ", out);
		html_escape(out, jstr(f, "endpoint"));
	}
	fputs("</td><td class=\"detail\">", out);
	if (jstr(f, "reason") != NULL) {
		fputs("(", out);
		html_escape(out, jstr(f, "reason"));
		fputs(") ", out);
	}
	html_escape(out, jstr(f, "detail"));
	fputs("</td><td>", out);
	card_evidence(out, json_object_get(f, "evidence"));
	fputs("</td></tr>\n", out);
}

/* Every finding that is not a failure, of the method's checks: what passed and what was not seen. */
static void org_other(FILE *out, const struct page_org *p)
{
	size_t i, n = 0;
	json_t *f;
	fputs("<section id=\"other\">\n<h2>Other findings</h2>\n<p>Passed, indeterminate (never counted "
	      "against the organization) and not applicable.</p>\n<table class=\"findings\">\n<tr>"
	      "<th>Status</th><th>Check</th><th>Severity</th><th>Domain</th><th>Detail</th><th>Evidence</th>"
	      "</tr>\n",
	      out);
	json_array_foreach(json_object_get(p->org, "findings"), i, f)
	{
		const char *status = jstr(f, "status"), *check = jstr(f, "check");
		if (status == NULL || check == NULL || strcmp(status, "fail") == 0 ||
		    method_check(p->m, check) == NULL)
			continue;
		other_row(out, p->m, f);
		n++;
	}
	fputs("</table>\n", out);
	if (n == 0)
		fputs("<p>None.</p>\n", out);
	fputs("</section>\n", out);
}

static void hist_cell(FILE *out, const struct trend *t, size_t i, int slot)
{
	int score = page_hist_score(t, i, slot);
	fputs("<td>", out);
	if (t->pts[i].t.norgs == 0)
		fputs("&mdash;", out);
	else
		card_badge(out, score, score < 0 ? '-' : grade_letter(score));
	fputs("</td>", out);
}

static void hist_table(FILE *out, const struct trend *t, size_t first)
{
	fputs("<table class=\"history\">\n<tr><th>Scan</th><th>Started</th><th>Overall</th>", out);
	for (size_t f = 0; f < t->m->nfactors; f++) {
		fputs("<th>", out);
		html_escape(out, t->m->factors[f].title);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (size_t i = first; i < t->n; i++) {
		json_t *when = json_integer(t->pts[i].started);
		fprintf(out, "<tr><td>%lld%s</td><td>", (long long)t->pts[i].scan_id,
		        t->pts[i].regraded ? "*" : "");
		card_time(out, when);
		fputs("</td>", out);
		json_decref(when);
		for (int slot = 0; slot <= (int)t->m->nfactors; slot++)
			hist_cell(out, t, i, slot);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

static int hist_chart(FILE *out, const struct trend *t, size_t first)
{
	size_t n = t->n - first;
	struct svg_point *pts = calloc(n + 1, sizeof *pts);
	char(*labels)[24] = calloc(n + 1, sizeof *labels);
	int rc = pts && labels ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int score = page_hist_score(t, first + i, 0);
		snprintf(labels[i], sizeof labels[i], "scan %lld", (long long)t->pts[first + i].scan_id);
		pts[i] = (struct svg_point){labels[i], score < 0 ? NAN : score};
	}
	if (rc == 0)
		rc = svg_line_chart(out, "Overall score by scan", pts, n, 100, "#1565c0", 480, 160);
	free(pts);
	free(labels);
	return rc;
}

static int org_history(FILE *out, const struct page_org *p)
{
	const struct trend *t = &p->hist;
	size_t first = t->n > PAGES_HISTORY_MAX ? t->n - PAGES_HISTORY_MAX : 0;
	int rc = 0;
	fputs("<section id=\"history\">\n<h2>History</h2>\n", out);
	if (t->n == 0) {
		fputs("<p>No complete scan to compare with yet.</p>\n</section>\n", out);
		return 0;
	}
	fprintf(
	    out,
	    "<p class=\"meta\">The complete scans of the same targets, oldest first, under methodology v%d "
	    "(a scan marked * is re-graded from its stored findings; &mdash;: not in that scan).</p>\n",
	    t->m->version);
	fputs("<figure>", out);
	rc = hist_chart(out, t, first);
	fputs("</figure>\n", out);
	hist_table(out, t, first);
	fputs("</section>\n", out);
	return rc;
}

static int write_org(FILE *out, const struct page_org *p)
{
	org_head(out, p);
	fputs("<nav><a href=\"#grades\">Grades</a><a href=\"#findings\">Failing findings</a>"
	      "<a href=\"#other\">Other findings</a><a href=\"#assets\">Assets</a><a "
	      "href=\"#history\">History</a>"
	      "</nav>\n",
	      out);
	org_grades(out, p);
	fprintf(out, "<section id=\"findings\">\n<h2>Failing findings (%zu)</h2>\n", p->nlosses);
	card_failures(out, p->m, p->losses, p->nlosses, CARD_FULL);
	fputs("</section>\n", out);
	org_other(out, p);
	fputs("<section id=\"assets\">\n<h2>Assets</h2>\n<p>Every asset and why it is the organization's; "
	      "a wrong attribution can be disputed.</p>\n",
	      out);
	card_assets(out, json_object_get(p->org, "assets"), CARD_FULL);
	fputs("</section>\n", out);
	return org_history(out, p);
}

int page_org(FILE *out, struct store *st, const char *org_id, const struct page_query *q, char *err,
             size_t errlen)
{
	struct page_org p;
	int rc = page_org_load(st, org_id, q, &p, err, errlen);
	if (rc < 0)
		return rc;
	rc = write_org(out, &p);
	if (rc < 0)
		errf(err, errlen, rc, "writing the history failed");
	else if (fflush(out) != 0 || ferror(out))
		rc = errf(err, errlen, -EIO, "writing the page failed");
	page_org_free(&p);
	return rc;
}
