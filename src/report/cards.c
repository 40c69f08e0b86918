/* HTML pieces shared by the sector report and the live pages. */
#include "cards.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svg.h"
#include "tally.h"

/* Evidence longer than this is cut on a page: a finding's row must stay readable. */
#define EVIDENCE_MAX 2000

static const char *const status_colors[4] = {"#2e7d32", "#c62828", "#9e9e9e", "#cfd8dc"};
static const char *const status_labels[4] = {"pass", "fail", "indeterminate", "n/a"};
static const char *const status_classes[4] = {"st-pass", "st-fail", "st-indeterminate", "st-na"};

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

void card_time(FILE *out, const json_t *t)
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

void card_badge(FILE *out, int score, char grade)
{
	if (score < 0)
		fputs("<span class=\"grade g-none\">no score</span>", out);
	else
		fprintf(out, "<span class=\"grade g-%c\">%c %d</span>", grade, grade, score);
}

void card_urlenc(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++)
		if (isalnum(*p) || strchr("-._~", *p) != NULL)
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
}

void card_anchor(FILE *out, const char *org_id)
{
	fputs("org-", out);
	for (const unsigned char *p = (const unsigned char *)org_id; *p != '\0'; p++)
		if (isalnum(*p) || *p == '-' || *p == '.')
			fputc(*p, out);
		else
			fprintf(out, "_%02x", *p);
}

void card_org_link(FILE *out, const struct org_sum *o, enum card_links links)
{
	if (links == CARD_URLS) {
		fputs("<a href=\"/orgs/", out);
		card_urlenc(out, o->org_id);
	} else {
		fputs("<a href=\"#", out);
		card_anchor(out, o->org_id);
	}
	fputs("\">", out);
	html_escape(out, o->name);
	fputs("</a> <span class=\"id\">", out);
	html_escape(out, o->org_id);
	fputs("</span>", out);
}

void card_scan_meta(FILE *out, const struct sector *s)
{
	fprintf(out, "<p class=\"meta\">Scan %lld &middot; started ", (long long)s->scan_id);
	card_time(out, json_object_get(s->info, "started"));
	fputs(" &middot; finished ", out);
	card_time(out, json_object_get(s->info, "finished"));
	fputs(" &middot; status ", out);
	html_escape(out, jstr(s->info, "status"));
	fprintf(out, " &middot; methodology v%d &middot; %zu organizations</p>\n", s->m->version, s->norgs);
}

/* ---- sector sections ---- */

static void distribution_chart(FILE *out, const struct sector *s, int slot, int width, int height)
{
	struct svg_bar bars[SECTOR_GRADES];
	char title[160];
	for (int g = 0; g < SECTOR_GRADES; g++)
		bars[g] = (struct svg_bar){sector_grade_labels[g], (double)s->grades[slot][g],
		                           sector_grade_colors[g]};
	snprintf(title, sizeof title, "%s grade distribution", sector_slot_title(s, slot));
	fputs("<figure>", out);
	svg_bar_chart(out, title, bars, SECTOR_GRADES, width, height);
	fputs("<figcaption>", out);
	html_escape(out, sector_slot_title(s, slot));
	fputs("</figcaption></figure>\n", out);
}

void card_distribution(FILE *out, const struct sector *s)
{
	fputs("<section id=\"distribution\">\n<h2>Grade distribution</h2>\n<div class=\"charts\">\n", out);
	distribution_chart(out, s, 0, 320, 200);
	for (int slot = 1; slot < sector_nslots(s); slot++)
		distribution_chart(out, s, slot, 240, 160);
	fputs("</div>\n<table class=\"grades\">\n<tr><th>Grade</th>", out);
	for (int slot = 0; slot < sector_nslots(s); slot++) {
		fputs("<th class=\"n\">", out);
		html_escape(out, sector_slot_title(s, slot));
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (int g = 0; g < SECTOR_GRADES; g++) {
		fprintf(out, "<tr><th scope=\"row\">%s</th>",
		        g < SECTOR_GRADES - 1 ? sector_grade_labels[g] : "no score");
		for (int slot = 0; slot < sector_nslots(s); slot++)
			fprintf(out, "<td class=\"n\">%ld</td>", s->grades[slot][g]);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

void card_factors(FILE *out, const struct sector *s)
{
	fputs("<section id=\"factors\">\n<h2>Factor averages</h2>\n<table>\n<tr><th>Factor</th>"
	      "<th class=\"n\">Weight</th><th class=\"n\">Organizations scored</th>"
	      "<th class=\"n\">Average score</th><th></th></tr>\n",
	      out);
	for (int slot = 0; slot < sector_nslots(s); slot++) {
		double avg = s->nscored[slot] ? (double)s->sum[slot] / (double)s->nscored[slot] : 0;
		struct svg_bar segs[2] = {{"average", avg, "#1565c0"}, {"below 100", 100 - avg, "#e3e8ef"}};
		fputs("<tr><td>", out);
		html_escape(out, sector_slot_title(s, slot));
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
		svg_stacked_bar(out, sector_slot_title(s, slot), segs, 2, 200, 14);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static void check_row(FILE *out, const struct sector *s, size_t i)
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

void card_checks(FILE *out, const struct sector *s)
{
	fputs("<section id=\"checks\">\n<h2>Checks</h2>\n<p class=\"legend\">Findings per check over all "
	      "domains:",
	      out);
	for (int k = 0; k < 4; k++)
		fprintf(out, "<span class=\"%s\"></span>%s", status_classes[k], status_labels[k]);
	fputs(
	    ". Pass rate counts pass and fail only; indeterminate never counts against an organization.</p>\n"
	    "<table>\n<tr><th>Check</th><th>Title</th><th>Factor</th><th>Severity</th><th "
	    "class=\"n\">Weight</th>"
	    "<th class=\"n\">Cap</th><th class=\"n\">Pass</th><th class=\"n\">Fail</th>"
	    "<th class=\"n\">Indeterminate</th><th class=\"n\">N/A</th><th class=\"n\">Pass rate</th>"
	    "<th></th></tr>\n",
	    out);
	for (size_t i = 0; i < s->m->nchecks; i++)
		check_row(out, s, i);
	fputs("</table>\n</section>\n", out);
}

/* ---- cohorts: one section per tag key=value the scan's organizations carry ---- */

static int text_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct "key=value" tags of the sector's organizations, sorted; keys of *set own them. */
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

static void cohort_row(FILE *out, const struct sector *s, const struct tally *t)
{
	fprintf(out, "<tr><td class=\"n\">%ld</td>", t->norgs);
	for (int g = 0; g < SECTOR_GRADES; g++)
		fprintf(out, "<td class=\"n\">%ld</td>", t->grades[g]);
	for (int slot = 0; slot < sector_nslots(s); slot++) {
		double mean;
		if (tally_mean(t, slot, &mean) == 0)
			fprintf(out, "<td class=\"n\">%.1f</td>", mean);
		else
			fputs("<td class=\"n\">no score</td>", out);
	}
	fprintf(out, "<td class=\"n\">%.2f</td><td class=\"n\">%.2f</td></tr>\n", tally_per_org(t),
	        tally_per_domain(t));
}

static void cohort_title(FILE *out, const char *name, enum card_links links)
{
	if (links == CARD_URLS) {
		fputs("<a href=\"/orgs?cohort=", out);
		card_urlenc(out, name);
		fputs("\">", out);
	}
	html_escape(out, name);
	if (links == CARD_URLS)
		fputs("</a>", out);
}

static void cohort_section(FILE *out, const struct sector *s, const char *name, const struct cohort *c,
                           enum card_links links)
{
	struct tally t;
	struct svg_bar bars[SECTOR_GRADES];
	tally_of(s, c, &t);
	for (int g = 0; g < SECTOR_GRADES; g++)
		bars[g] =
		    (struct svg_bar){sector_grade_labels[g], (double)t.grades[g], sector_grade_colors[g]};
	fputs("<article class=\"cohort\">\n<h3>", out);
	cohort_title(out, name, links);
	fputs("</h3>\n", out);
	svg_stacked_bar(out, name, bars, SECTOR_GRADES, 400, 14);
	fputs("\n<table>\n<tr><th class=\"n\">Organizations</th>", out);
	for (int g = 0; g < SECTOR_GRADES; g++)
		fprintf(out, "<th class=\"n\">%s</th>", sector_grade_labels[g]);
	for (int slot = 0; slot < sector_nslots(s); slot++) {
		fputs("<th class=\"n\">", out);
		html_escape(out, sector_slot_title(s, slot));
		fputs("</th>", out);
	}
	fputs("<th class=\"n\">Failing findings per organization</th><th class=\"n\">per domain</th></tr>\n",
	      out);
	cohort_row(out, s, &t);
	fputs("</table>\n</article>\n", out);
}

int card_cohorts(FILE *out, const struct sector *s, enum card_links links)
{
	const char **names = NULL;
	size_t n = 0;
	json_t *set = json_object();
	int rc = set ? cohort_names(s, set, &names, &n) : -ENOMEM;
	if (rc < 0)
		goto out;
	fprintf(out,
	        "<section id=\"cohorts\">\n<h2>Cohorts</h2>\n<p>Organizations by each tag their targets "
	        "gave them (%s). Grades are overall grades; averages are factor scores; failing findings "
	        "count the method's checks.</p>\n",
	        links == CARD_URLS ? "a cohort's name lists its organizations"
	                           : "<code>vitals report --cohort KEY=VALUE</code> reports one alone");
	if (n == 0)
		fputs("<p>No organization of this scan carries a tag.</p>\n", out);
	for (size_t i = 0; i < n; i++) {
		struct cohort c;
		if (cohort_parse(names[i], &c) == 0)
			cohort_section(out, s, names[i], &c, links);
	}
	fputs("</section>\n", out);
out:
	free(names);
	json_decref(set);
	return rc;
}

/* ---- one organization ---- */

void card_grades(FILE *out, const struct sector *s, const struct org_sum *o)
{
	fputs("<p>", out);
	for (int slot = 0; slot < sector_nslots(s); slot++) {
		fputs(slot ? " &middot; " : "", out);
		html_escape(out, sector_slot_title(s, slot));
		fputc(' ', out);
		card_badge(out, o->score[slot], o->grade[slot]);
	}
	fputs("</p>\n", out);
}

void card_coverage(FILE *out, const struct org_sum *o)
{
	size_t det = o->npass + o->nfail, of = det + o->nind;
	if (of == 0)
		fputs("&mdash;", out);
	else
		fprintf(out, "%zu%%", (200 * det + of) / (2 * of));
}

void card_evidence(FILE *out, const json_t *evidence)
{
	if (evidence == NULL || json_is_null(evidence))
		return;
	/* ASCII-only JSON: cutting it can never split a character. */
	char *text = json_dumps(evidence, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (text == NULL)
		return;
	size_t len = strlen(text);
	if (len > EVIDENCE_MAX)
		text[EVIDENCE_MAX] = '\0';
	fputs("<pre class=\"evidence\">", out);
	html_escape(out, text);
	fputs(len > EVIDENCE_MAX ? "...</pre>" : "</pre>", out);
	free(text);
}

static const char *severity_of(const struct method *m, const json_t *f)
{
	const struct check_def *c = m && jstr(f, "check") ? method_check(m, jstr(f, "check")) : NULL;
	return c ? severity_name(c->severity) : "";
}

static void failure_row(FILE *out, const struct method *m, const struct loss *l, enum card_form form)
{
	fprintf(out, "<tr><td class=\"n\">%.2f</td><td><code>", l->points);
	html_escape(out, jstr(l->finding, "check"));
	fputs("</code></td><td>", out);
	if (form == CARD_FULL) {
		const char *sev = severity_of(m, l->finding);
		fprintf(out, "<span class=\"sev-%s\">%s</span></td><td>", sev, sev);
	}
	html_escape(out, jstr(l->finding, "domain"));
	if (jstr(l->finding, "endpoint") != NULL) {
		fputs(" @ ", out);
		html_escape(out, jstr(l->finding, "endpoint"));
	}
	fputs("</td><td class=\"detail\">", out);
	if (l->rolled_up)
		fputs("(rolled up: its check counts once, on the worst endpoint) ", out);
	html_escape(out, jstr(l->finding, "detail"));
	if (form == CARD_FULL) {
		fputs("</td><td>", out);
		card_evidence(out, json_object_get(l->finding, "evidence"));
	}
	fputs("</td></tr>\n", out);
}

void card_failures(FILE *out, const struct method *m, const struct loss *v, size_t n, enum card_form form)
{
	if (n == 0) {
		fputs("<p>No failing checks.</p>\n", out);
		return;
	}
	fprintf(out,
	        "<table%s>\n<tr><th class=\"n\">Points "
	        "lost</th><th>Check</th>%s<th>Domain</th><th>Detail</th>%s</tr>\n",
	        form == CARD_FULL ? " class=\"findings\"" : "", form == CARD_FULL ? "<th>Severity</th>" : "",
	        form == CARD_FULL ? "<th>Evidence</th>" : "");
	for (size_t i = 0; i < n; i++)
		failure_row(out, m, &v[i], form);
	fputs("</table>\n", out);
}

static void asset_name_why(FILE *out, const json_t *a, const char *sep)
{
	size_t k;
	json_t *v;
	const char *name = jstr(a, "host") ? jstr(a, "host") : jstr(a, "addr");
	html_escape(out, name ? name : "");
	fputs(sep, out);
	json_array_foreach(json_object_get(a, "why"), k, v)
	{
		fputs(k ? ", " : "", out);
		html_escape(out, json_string_value(v));
	}
}

static void assets_table(FILE *out, const json_t *assets)
{
	size_t i, k;
	json_t *a, *v;
	fputs("<table class=\"assets\">\n<tr><th>Asset</th><th>Why it is the organization's</th>"
	      "<th>Addresses</th></tr>\n",
	      out);
	json_array_foreach(assets, i, a)
	{
		fputs("<tr><td>", out);
		asset_name_why(out, a, "</td><td>");
		fputs("</td><td>", out);
		json_array_foreach(json_object_get(a, "addrs"), k, v)
		{
			fputs(k ? " " : "", out);
			html_escape(out, json_string_value(v));
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

void card_assets(FILE *out, const json_t *assets, enum card_form form)
{
	size_t i;
	json_t *a;
	if (json_array_size(assets) == 0) {
		if (form == CARD_FULL)
			fputs("<p>No assets recorded.</p>\n", out);
		return;
	}
	if (form == CARD_FULL) {
		assets_table(out, assets);
		return;
	}
	fputs("<p class=\"meta\">Assets:", out);
	json_array_foreach(assets, i, a)
	{
		fputs(i ? "; " : " ", out);
		asset_name_why(out, a, " (");
		fputs(")", out);
	}
	fputs("</p>\n", out);
}
