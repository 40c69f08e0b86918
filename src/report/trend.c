/* The sector over time: every complete scan of the same targets, under one method. */
#include "trend.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grade.h"
#include "svg.h"

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static const char *targets_sha(const json_t *info)
{
	return jstr(json_object_get(info, "args"), "targets_sha256");
}

/* Whether scan `info` belongs to the trend of `ref`: complete, and the same targets. */
static int same_targets(const json_t *ref, const json_t *info)
{
	const char *a = targets_sha(ref), *b = targets_sha(info), *status = jstr(info, "status");
	if (status == NULL || strcmp(status, "complete") != 0)
		return 0;
	if (a == NULL || b == NULL)
		return json_integer_value(json_object_get(ref, "id")) ==
		       json_integer_value(json_object_get(info, "id"));
	return strcmp(a, b) == 0;
}

static int point_cmp(const void *a, const void *b)
{
	const struct trend_point *x = a, *y = b;
	if (x->started != y->started)
		return x->started < y->started ? -1 : 1;
	return x->scan_id < y->scan_id ? -1 : x->scan_id > y->scan_id;
}

/* The scans of the trend, oldest first, with their own methods; t->m the newest of those. */
static int pick_scans(struct store *st, int64_t ref, struct trend *t)
{
	json_t *ref_info = NULL, *ids = NULL, *id;
	size_t i;
	int newest = 0, rc = store_scan_info(st, ref, &ref_info);
	if (rc == 0)
		rc = store_scan_list(st, &ids);
	if (rc == 0 && (t->pts = calloc(json_array_size(ids) + 1, sizeof *t->pts)) == NULL)
		rc = -ENOMEM;
	json_array_foreach(ids, i, id)
	{
		json_t *info = NULL;
		if (rc < 0 || (rc = store_scan_info(st, json_integer_value(id), &info)) < 0)
			break;
		if (same_targets(ref_info, info)) {
			struct trend_point *p = &t->pts[t->n++];
			p->scan_id = json_integer_value(id);
			p->started = json_integer_value(json_object_get(info, "started"));
			p->own_method = (int)json_integer_value(json_object_get(info, "method"));
			newest = p->own_method > newest ? p->own_method : newest;
		}
		json_decref(info);
	}
	if (rc == 0 && t->n == 0)
		rc = -ENOENT;
	if (rc == 0 && (t->m = method_get(newest)) == NULL)
		rc = -EINVAL;
	if (rc == 0)
		qsort(t->pts, t->n, sizeof *t->pts, point_cmp);
	json_decref(ids);
	json_decref(ref_info);
	return rc;
}

/* An organization's scores under m from its stored findings, for a scan graded otherwise. */
static int regrade(const struct method *m, const json_t *org, json_t **card)
{
	struct findings fs = {0};
	struct scorecard sc = {0};
	size_t i;
	json_t *f;
	int rc = 0;
	json_array_foreach(json_object_get(org, "findings"), i, f)
	{
		if ((rc = finding_from_json(f, &fs)) < 0)
			break;
	}
	if (rc == 0)
		rc = grade_findings(m, &fs, &sc);
	if (rc == 0 && (*card = scorecard_to_json(m, &fs, &sc)) == NULL)
		rc = -ENOMEM;
	scorecard_free(&sc);
	findings_clear(&fs);
	return rc;
}

static int add_org(struct store *st, const struct trend *t, struct trend_point *p, const char *id)
{
	json_t *org = NULL, *card = NULL;
	struct tally_org to;
	int rc = store_load_org(st, p->scan_id, id, t->m->version, &org);
	if (rc < 0 || (t->coh != NULL && !cohort_match(t->coh, json_object_get(org, "tags"))))
		goto out;
	if (json_is_object(json_object_get(org, "scores"))) {
		card = json_incref(json_object_get(org, "scores"));
	} else if ((rc = regrade(t->m, org, &card)) == 0) {
		p->regraded = 1;
	}
	if (rc == 0 && (rc = tally_org_read(t->m, org, card, &to)) == 0)
		tally_add(&p->t, &to);
out:
	json_decref(card);
	json_decref(org);
	return rc;
}

static int load_point(struct store *st, const struct trend *t, struct trend_point *p)
{
	json_t *ids = NULL, *id;
	size_t i;
	int rc = store_scan_orgs(st, p->scan_id, &ids);
	tally_init(&p->t, t->m);
	json_array_foreach(ids, i, id)
	{
		/* One organization's history reads only its own row of each scan. */
		if (t->org != NULL && strcmp(t->org, json_string_value(id)) != 0)
			continue;
		if (rc < 0 || (rc = add_org(st, t, p, json_string_value(id))) < 0)
			break;
	}
	json_decref(ids);
	return rc;
}

static int load_all(struct store *st, int64_t ref, struct trend t, struct trend *out)
{
	long members = 0;
	int rc = pick_scans(st, ref, &t);
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		rc = load_point(st, &t, &t.pts[i]);
		members += t.pts[i].t.norgs;
	}
	if (rc == 0 && t.coh != NULL && members == 0)
		rc = -ESRCH;
	if (rc == 0)
		*out = t;
	else
		trend_free(&t);
	return rc;
}

int trend_load(struct store *st, int64_t ref, const struct cohort *coh, struct trend *out)
{
	return load_all(st, ref, (struct trend){.coh = coh}, out);
}

int trend_load_org(struct store *st, int64_t ref, const char *org_id, struct trend *out)
{
	return load_all(st, ref, (struct trend){.org = org_id}, out);
}

void trend_free(struct trend *t)
{
	free(t->pts);
	t->pts = NULL;
	t->n = 0;
}

/* ---- output ---- */

static void put_iso(FILE *out, int64_t when)
{
	char buf[32];
	time_t v = (time_t)when;
	struct tm tm;
	if (gmtime_r(&v, &tm) != NULL && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		fputs(buf, out);
}

static void put_mean(FILE *out, const struct tally *t, int slot)
{
	double mean;
	if (tally_mean(t, slot, &mean) == 0)
		fprintf(out, "%.2f", mean);
}

int trend_csv(FILE *out, const struct trend *t)
{
	fputs("scan_id,started,method,organizations", out);
	for (size_t f = 0; f < t->m->nfactors; f++)
		fprintf(out, ",%s", t->m->factors[f].id);
	fputs(",overall,findings_per_org\n", out);
	for (size_t i = 0; i < t->n; i++) {
		const struct trend_point *p = &t->pts[i];
		fprintf(out, "%lld,", (long long)p->scan_id);
		put_iso(out, p->started);
		fprintf(out, ",%d,%ld", t->m->version, p->t.norgs);
		for (size_t f = 0; f < t->m->nfactors; f++) {
			fputc(',', out);
			put_mean(out, &p->t, 1 + (int)f);
		}
		fputc(',', out);
		put_mean(out, &p->t, 0);
		fprintf(out, ",%.2f\n", tally_per_org(&p->t));
	}
	return fflush(out) != 0 || ferror(out) ? -EIO : 0;
}

static const char trend_css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:2em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.4}"
    "h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}.meta{color:#555}"
    "table{border-collapse:collapse;margin:1em 0}th,td{padding:.25em .6em;border-bottom:1px solid #ddd}"
    ".n{text-align:right;font-variant-numeric:tabular-nums}.charts{display:flex;flex-wrap:wrap;gap:1.5em}"
    "figure{margin:0}figcaption{text-align:center;font-size:.9em;color:#444}.chart "
    "text{font-size:11px;fill:#333}";

static void write_title(FILE *out, const struct trend *t)
{
	char buf[2 * COHORT_TEXT_MAX + 2];
	fputs("Sector trend", out);
	if (t->coh != NULL) {
		fputs(": cohort ", out);
		html_escape(out, cohort_text(t->coh, buf, sizeof buf));
	}
}

static void write_table(FILE *out, const struct trend *t)
{
	fputs("<table>\n<tr><th class=\"n\">Scan</th><th>Started</th><th class=\"n\">Organizations</th>",
	      out);
	for (size_t f = 0; f < t->m->nfactors; f++) {
		fputs("<th class=\"n\">", out);
		html_escape(out, t->m->factors[f].title);
		fputs("</th>", out);
	}
	fputs("<th class=\"n\">Overall</th><th class=\"n\">Failing findings per organization</th></tr>\n",
	      out);
	for (size_t i = 0; i < t->n; i++) {
		const struct trend_point *p = &t->pts[i];
		fprintf(out, "<tr><td class=\"n\">%lld%s</td><td>", (long long)p->scan_id,
		        p->regraded ? "*" : "");
		put_iso(out, p->started);
		fprintf(out, "</td><td class=\"n\">%ld</td>", p->t.norgs);
		for (int slot = 1; slot <= (int)t->m->nfactors + 1; slot++) {
			fputs("<td class=\"n\">", out);
			put_mean(out, &p->t, slot % (int)(t->m->nfactors + 1));
			fputs("</td>", out);
		}
		fprintf(out, "<td class=\"n\">%.2f</td></tr>\n", tally_per_org(&p->t));
	}
	fputs("</table>\n", out);
}

/* One chart: slot >= 0 a mean score (0-100), slot < 0 failing findings per organization. */
static int write_chart(FILE *out, const struct trend *t, int slot, struct svg_point *pts, char (*labels)[24])
{
	const char *title = slot < 0    ? "Failing findings per organization"
	                    : slot == 0 ? "Overall"
	                                : t->m->factors[slot - 1].title;
	double ymax = slot < 0 ? 1 : 100, v;
	for (size_t i = 0; i < t->n; i++) {
		snprintf(labels[i], sizeof labels[i], "scan %lld", (long long)t->pts[i].scan_id);
		if (slot < 0)
			v = tally_per_org(&t->pts[i].t);
		else if (tally_mean(&t->pts[i].t, slot, &v) < 0)
			v = NAN;
		pts[i] = (struct svg_point){labels[i], v};
		ymax = slot < 0 && v > ymax ? ceil(v) : ymax;
	}
	fputs("<figure>", out);
	int rc = svg_line_chart(out, title, pts, t->n, ymax, slot < 0 ? "#c62828" : "#1565c0", 480, 200);
	fputs("<figcaption>", out);
	html_escape(out, title);
	fputs("</figcaption></figure>\n", out);
	return rc;
}

static int write_charts(FILE *out, const struct trend *t)
{
	struct svg_point *pts = calloc(t->n + 1, sizeof *pts);
	char(*labels)[24] = calloc(t->n + 1, sizeof *labels);
	int rc = pts && labels ? 0 : -ENOMEM;
	fputs("<div class=\"charts\">\n", out);
	for (int slot = 1; rc == 0 && slot <= (int)t->m->nfactors + 1; slot++)
		rc = write_chart(out, t, slot % (int)(t->m->nfactors + 1), pts, labels);
	if (rc == 0)
		rc = write_chart(out, t, -1, pts, labels);
	fputs("</div>\n", out);
	free(pts);
	free(labels);
	return rc;
}

int trend_html(FILE *out, const struct trend *t)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>vitals: ", out);
	write_title(out, t);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", trend_css);
	write_title(out, t);
	fprintf(out,
	        "</h1>\n<p class=\"meta\">%zu complete scan%s of the same targets, oldest first, all under "
	        "methodology v%d (a scan marked * was graded under another version and is re-graded "
	        "here from its stored findings).</p>\n",
	        t->n, t->n == 1 ? "" : "s", t->m->version);
	write_table(out, t);
	int rc = write_charts(out, t);
	fputs("<p class=\"meta\">Generated by vitals. Means are of the organizations with a score; failing "
	      "findings count the method's checks. The method is described in docs/METHODOLOGY.md.</p>\n"
	      "</body>\n</html>\n",
	      out);
	if (rc == 0 && (fflush(out) != 0 || ferror(out)))
		rc = -EIO;
	return rc;
}
