/* The sector report: statistics over a scan's organizations, then one card each. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "sector.h"
#include "show.h"
#include "style.h"
#include "svg.h"

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
	        style_report());
	put_cohort_title(out, s->cohort, ": cohort ");
	fputs("</h1>\n", out);
	card_scan_meta(out, s);
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

static int worst_cmp(const void *a, const void *b)
{
	const struct org_sum *x = *(const struct org_sum *const *)a, *y = *(const struct org_sum *const *)b;
	if (x->score[0] != y->score[0])
		return x->score[0] < y->score[0] ? -1 : 1;
	return strcmp(x->org_id, y->org_id);
}

static void write_worst_row(FILE *out, const struct sector *s, const struct org_sum *o, size_t rank)
{
	fprintf(out, "<tr><td class=\"n\">%zu</td><td>", rank);
	card_org_link(out, o, CARD_ANCHORS);
	fputs("</td>", out);
	for (int slot = 0; slot < sector_nslots(s); slot++) {
		fputs("<td>", out);
		card_badge(out, o->score[slot], o->grade[slot]);
		fputs("</td>", out);
	}
	fprintf(out, "<td class=\"n\">%zu</td><td class=\"n\">", o->nfail);
	card_coverage(out, o);
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
	for (int slot = 0; slot < sector_nslots(s); slot++) {
		fputs("<th>", out);
		html_escape(out, sector_slot_title(s, slot));
		fputs("</th>", out);
	}
	fputs("<th class=\"n\">Failing checks</th><th class=\"n\">Coverage</th></tr>\n", out);
	for (size_t i = 0; i < n && i < REPORT_WORST; i++)
		write_worst_row(out, s, v[i], i + 1);
	fputs("</table>\n</section>\n", out);
	free(v);
	return 0;
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
	card_anchor(out, o->org_id);
	fputs("\">\n<h3>", out);
	html_escape(out, o->name);
	fputs(" <span class=\"id\">", out);
	html_escape(out, o->org_id);
	fputs("</span></h3>\n", out);
	card_grades(out, s, o);
	fprintf(out, "<p class=\"meta\">Coverage: %zu of %zu applicable checks determined (",
	        o->npass + o->nfail, o->npass + o->nfail + o->nind);
	card_coverage(out, o);
	fputs(")</p>\n<p class=\"meta\">Domains:", out);
	json_array_foreach(json_object_get(org, "domains"), i, d)
	{
		fputs(i ? ", " : " ", out);
		html_escape(out, json_string_value(d));
	}
	fputs("</p>\n", out);
	card_assets(out, json_object_get(org, "assets"), CARD_COMPACT);
	card_failures(out, s->m, v, n, CARD_COMPACT);
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
	card_distribution(out, s);
	card_factors(out, s);
	card_checks(out, s);
	int rc = s->cohort == NULL ? card_cohorts(out, s, CARD_ANCHORS) : 0;
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
	struct sector s;
	int rc = sector_load(st, scan_id, method, cohort, &s);
	if (rc == 0)
		rc = write_all(out, st, &s);
	sector_free(&s);
	return rc;
}
