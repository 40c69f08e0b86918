/*
 * The comparison drawn from its JSON: a self-contained HTML page (inline CSS and SVG,
 * no script, no network) and a short text summary. Every string that came from
 * targets or the network is escaped with svg.c's html_escape.
 */
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "svg.h"

/* Changes listed on the page; the JSON has them all. */
#define PAGE_CHANGES 500

static const char grade_keys[] = "ABCDF-";

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:2em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.4}"
    "h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}.meta{color:#555}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    ".n{text-align:right;font-variant-numeric:tabular-nums}.sig{font-weight:bold;color:#b71c1c}"
    ".charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}"
    "figcaption{text-align:center;font-size:.9em;color:#444}.chart text{font-size:11px;fill:#333}"
    ".headline{font-size:1.2em}code{font-size:.95em;overflow-wrap:anywhere}";

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static double jnum(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

/* A number with `prec` decimals, or a dash for null. */
static void put_num(FILE *out, const json_t *v, int prec)
{
	if (json_is_number(v))
		fprintf(out, "%.*f", prec, json_number_value(v));
	else
		fputs("&mdash;", out);
}

/* A p-value: small ones in scientific notation. */
static void put_p(FILE *out, const json_t *v)
{
	double p = json_number_value(v);
	if (!json_is_number(v))
		fputs("&mdash;", out);
	else
		fprintf(out, p < 0.001 ? "%.2e" : "%.3f", p);
}

static void put_interval(FILE *out, const json_t *ci, int prec)
{
	if (!json_is_array(ci)) {
		fputs("&mdash;", out);
		return;
	}
	fputs("[", out);
	put_num(out, json_array_get(ci, 0), prec);
	fputs(", ", out);
	put_num(out, json_array_get(ci, 1), prec);
	fputs("]", out);
}

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

static void put_side(FILE *out, const char *what, const json_t *s)
{
	fprintf(out, "<li>%s: scan %lld, started ", what,
	        (long long)json_integer_value(json_object_get(s, "scan_id")));
	put_time(out, json_object_get(s, "started"));
	fprintf(out, ", graded under method v%lld, status ",
	        (long long)json_integer_value(json_object_get(s, "method")));
	html_escape(out, jstr(s, "status"));
	fprintf(out, ", %lld organizations</li>\n",
	        (long long)json_integer_value(json_object_get(s, "organizations")));
}

static void write_head(FILE *out, const json_t *c)
{
	const json_t *orgs = json_object_get(c, "organizations"), *r = json_object_get(c, "rescored");
	fprintf(
	    out,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<title>vitals comparison: scan %lld to scan %lld</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<header>\n<h1>What changed</h1>\n<ul class=\"meta\">\n",
	    (long long)json_integer_value(json_object_get(json_object_get(c, "base"), "scan_id")),
	    (long long)json_integer_value(json_object_get(json_object_get(c, "scan"), "scan_id")), css);
	put_side(out, "Before", json_object_get(c, "base"));
	put_side(out, "After", json_object_get(c, "scan"));
	fprintf(out, "<li>Both read under methodology v%lld",
	        (long long)json_integer_value(json_object_get(c, "method")));
	for (size_t i = 0; i < json_array_size(r); i++) {
		fputs(i ? ", " : "; re-graded in memory: ", out);
		html_escape(out, json_string_value(json_array_get(r, i)));
	}
	fputs("</li>\n<li>Cohort: ", out);
	html_escape(out, jstr(c, "cohort") ? jstr(c, "cohort") : "all organizations");
	fprintf(
	    out, "</li>\n<li>Organizations in both: %lld; joined: %zu; left: %zu</li>\n</ul>\n</header>\n",
	    (long long)json_integer_value(json_object_get(orgs, "both")),
	    json_array_size(json_object_get(orgs, "joined")), json_array_size(json_object_get(orgs, "left")));
}

static void put_per(FILE *out, const char *what, const json_t *per)
{
	fprintf(out, "<tr><th scope=\"row\">Failing findings per %s</th><td class=\"n\">", what);
	put_num(out, json_object_get(per, "base"), 2);
	fputs("</td><td class=\"n\">", out);
	put_num(out, json_object_get(per, "scan"), 2);
	fputs("</td><td class=\"n\">", out);
	if (json_is_number(json_object_get(per, "change_pct")))
		fprintf(out, "%+.1f%%", jnum(per, "change_pct"));
	else
		fputs("&mdash;", out);
	fputs("</td></tr>\n", out);
}

static void write_findings(FILE *out, const json_t *c)
{
	const json_t *f = json_object_get(c, "findings");
	fputs("<section id=\"findings\">\n<h2>Findings per organization and per domain</h2>\n<table>\n"
	      "<tr><th></th><th class=\"n\">Before</th><th class=\"n\">After</th><th "
	      "class=\"n\">Change</th></tr>\n",
	      out);
	put_per(out, "organization", json_object_get(f, "per_org"));
	put_per(out, "domain", json_object_get(f, "per_domain"));
	fputs("</table>\n</section>\n", out);
}

/* ---- factors: before and after, and the change with its interval ---- */

static double x_of(double v, double lo, double hi, double x0, double w)
{
	double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
	return x0 + (t < 0 ? 0 : t > 1 ? 1 : t) * w;
}

static void mean_bar(FILE *out, int y, const char *label, const json_t *mean, const char *color)
{
	double v = json_number_value(mean);
	fprintf(out,
	        "<text x=\"0\" y=\"%d\">%s</text><rect x=\"50\" y=\"%d\" width=\"250\" height=\"14\" "
	        "fill=\"#eee\"/>",
	        y + 11, label, y);
	fprintf(out,
	        "<rect x=\"50\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"%s\"><title>%s mean: "
	        "%.1f</title></rect>",
	        y, 2.5 * v, color, label, v);
	fprintf(out, "<text x=\"%.1f\" y=\"%d\">%.1f</text>", 54 + 2.5 * v, y + 11, v);
}

/* The change axis: zero, the mean change and its 95% interval as a whisker. */
static void change_axis(FILE *out, const json_t *f)
{
	const json_t *ci = json_object_get(f, "ci95");
	double lo = json_number_value(json_array_get(ci, 0)), hi = json_number_value(json_array_get(ci, 1));
	double mean = jnum(f, "mean_change"), span = fmax(10, ceil(fmax(fabs(lo), fabs(hi))));
	double xl = x_of(lo, -span, span, 50, 250), xh = x_of(hi, -span, span, 50, 250);
	double xm = x_of(mean, -span, span, 50, 250), x0 = x_of(0, -span, span, 50, 250);
	fprintf(out, "<text x=\"0\" y=\"71\">change</text><line x1=\"50\" y1=\"66\" x2=\"300\" y2=\"66\" "
	             "stroke=\"#999\"/>");
	fprintf(out, "<line x1=\"%.1f\" y1=\"56\" x2=\"%.1f\" y2=\"76\" stroke=\"#555\"/>", x0, x0);
	fprintf(out,
	        "<line class=\"ci\" x1=\"%.1f\" y1=\"66\" x2=\"%.1f\" y2=\"66\" stroke=\"#1565c0\" "
	        "stroke-width=\"3\">"
	        "<title>95%% interval [%.2f, %.2f]</title></line>",
	        xl, xh, lo, hi);
	fprintf(out,
	        "<circle cx=\"%.1f\" cy=\"66\" r=\"5\" fill=\"#1565c0\"><title>mean change "
	        "%+.2f</title></circle>",
	        xm, mean);
	fprintf(out,
	        "<text x=\"50\" y=\"90\">%+.0f</text><text x=\"%.1f\" y=\"90\">0</text><text x=\"285\" "
	        "y=\"90\">%+.0f</text>",
	        -span, x0 - 3, span);
}

static void factor_chart(FILE *out, const char *id, const json_t *f)
{
	char title[160];
	snprintf(title, sizeof title,
	         "%s: mean score before and after, and the mean change with its 95%% interval", id);
	fputs("<figure>", out);
	svg_begin(out, "chart factor-change", title, 340, 96);
	if (json_integer_value(json_object_get(f, "n")) > 0) {
		mean_bar(out, 4, "before", json_object_get(f, "mean_base"), "#90a4ae");
		mean_bar(out, 24, "after", json_object_get(f, "mean_scan"), "#1565c0");
		change_axis(out, f);
	} else {
		fputs("<text x=\"10\" y=\"40\">no organization scored in both scans</text>", out);
	}
	fputs("</svg><figcaption>", out);
	html_escape(out, id);
	fputs("</figcaption></figure>\n", out);
}

static void factor_row(FILE *out, const char *id, const json_t *f)
{
	int sig = json_is_true(json_object_get(f, "significant"));
	fputs("<tr><td>", out);
	html_escape(out, id);
	fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">",
	        (long long)json_integer_value(json_object_get(f, "n")));
	put_num(out, json_object_get(f, "mean_base"), 1);
	fputs("</td><td class=\"n\">", out);
	put_num(out, json_object_get(f, "mean_scan"), 1);
	fputs("</td><td class=\"n\">", out);
	put_num(out, json_object_get(f, "mean_change"), 2);
	fputs("</td><td class=\"n\">", out);
	put_interval(out, json_object_get(f, "ci95"), 2);
	fputs("</td><td class=\"n\">", out);
	put_p(out, json_object_get(f, "p"));
	fprintf(out, "</td><td%s>%s</td><td class=\"n\">%lld / %lld / %lld</td></tr>\n",
	        sig ? " class=\"sig\"" : "", sig ? "yes" : "no",
	        (long long)json_integer_value(json_object_get(f, "improved")),
	        (long long)json_integer_value(json_object_get(f, "unchanged")),
	        (long long)json_integer_value(json_object_get(f, "worsened")));
}

static void write_factors(FILE *out, const json_t *c)
{
	const char *id;
	json_t *f;
	fputs("<section id=\"factors\">\n<h2>Factors</h2>\n<div class=\"charts\">\n", out);
	json_object_foreach(json_object_get(c, "factors"), id, f) factor_chart(out, id, f);
	fputs("</div>\n<p>Paired over the organizations scored in both scans: mean change with its 95% t "
	      "interval "
	      "and the paired t test (significant: p &lt; alpha).</p>\n<table>\n<tr><th>Factor</th><th "
	      "class=\"n\">n</th>"
	      "<th class=\"n\">Mean before</th><th class=\"n\">Mean after</th><th class=\"n\">Change</th>"
	      "<th class=\"n\">95% interval</th><th class=\"n\">p</th><th>Significant</th>"
	      "<th class=\"n\">Improved / unchanged / worsened</th></tr>\n",
	      out);
	json_object_foreach(json_object_get(c, "factors"), id, f) factor_row(out, id, f);
	fputs("</table>\n</section>\n", out);
}

/* ---- the migration heat map ---- */

static long cell(const json_t *mig, int r, int k)
{
	char rk[2] = {grade_keys[r], '\0'}, ck[2] = {grade_keys[k], '\0'};
	return (long)json_integer_value(json_object_get(json_object_get(mig, rk), ck));
}

static void heat_cell(FILE *out, int r, int k, long v, long max)
{
	double t = max > 0 ? (double)v / (double)max : 0;
	int x = 40 + 44 * k, y = 30 + 30 * r;
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"42\" height=\"28\" fill=\"rgb(%d,%d,%d)\">", x, y,
	        (int)(255 - 200 * t), (int)(255 - 150 * t), (int)(255 - 40 * t));
	fprintf(
	    out,
	    "<title>%c to %c: %ld</title></rect><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%ld</text>",
	    grade_keys[r], grade_keys[k], v, x + 21, y + 18, v);
}

static void write_migration(FILE *out, const json_t *c)
{
	const json_t *mig = json_object_get(c, "migration");
	long max = 0;
	for (int r = 0; r < 6; r++)
		for (int k = 0; k < 6; k++)
			max = cell(mig, r, k) > max ? cell(mig, r, k) : max;
	fputs(
	    "<section id=\"migration\">\n<h2>Grade migration</h2>\n<p>Overall grade before (rows) and after "
	    "(columns); &ldquo;-&rdquo; is no grade.</p>\n<figure>",
	    out);
	svg_begin(out, "chart migration", "Grade migration: overall grade before (rows) and after (columns)",
	          310, 215);
	for (int k = 0; k < 6; k++)
		fprintf(out, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\">%c</text>", 61 + 44 * k,
		        grade_keys[k]);
	for (int r = 0; r < 6; r++) {
		fprintf(out, "<text x=\"20\" y=\"%d\" text-anchor=\"middle\">%c</text>", 48 + 30 * r,
		        grade_keys[r]);
		for (int k = 0; k < 6; k++)
			heat_cell(out, r, k, cell(mig, r, k), max);
	}
	fputs("</svg><figcaption>before &darr; / after &rarr;</figcaption></figure>\n</section>\n", out);
}

/* ---- checks ---- */

static void put_rate(FILE *out, const json_t *r)
{
	fprintf(out, "<td class=\"n\">%lld/%lld (%.1f%%) ",
	        (long long)json_integer_value(json_object_get(r, "k")),
	        (long long)json_integer_value(json_object_get(r, "n")), 100 * jnum(r, "rate"));
	const json_t *ci = json_object_get(r, "ci95");
	fprintf(out, "[%.1f, %.1f]</td>", 100 * json_number_value(json_array_get(ci, 0)),
	        100 * json_number_value(json_array_get(ci, 1)));
}

static void check_row(FILE *out, const json_t *k)
{
	int sig = json_is_true(json_object_get(k, "significant"));
	fputs("<tr><td><code>", out);
	html_escape(out, jstr(k, "check"));
	fprintf(out, "</code></td><td class=\"n\">%lld</td>",
	        (long long)json_integer_value(json_object_get(k, "n")));
	put_rate(out, json_object_get(k, "fail_base"));
	put_rate(out, json_object_get(k, "fail_scan"));
	fprintf(out, "<td class=\"n\">%lld</td><td class=\"n\">%lld</td><td>",
	        (long long)json_integer_value(json_object_get(k, "fixed")),
	        (long long)json_integer_value(json_object_get(k, "broke")));
	html_escape(out, jstr(k, "test"));
	fputs("</td><td class=\"n\">", out);
	put_p(out, json_object_get(k, "p"));
	fputs("</td><td class=\"n\">", out);
	put_p(out, json_object_get(k, "p_adjusted"));
	fprintf(out, "</td><td%s>%s</td></tr>\n", sig ? " class=\"sig\"" : "", sig ? "yes" : "no");
}

static void write_checks(FILE *out, const json_t *c)
{
	size_t i;
	json_t *k;
	int bh = strcmp(jstr(c, "correction") ? jstr(c, "correction") : "", "bh") == 0;
	fprintf(out,
	        "<section id=\"checks\">\n<h2>Checks</h2>\n<p>Failure rate of each check among the "
	        "organizations with a "
	        "determinate finding of it, with Wilson 95%% intervals; McNemar's test on the organizations "
	        "determinate "
	        "in both scans (fixed: fail to pass, broke: pass to fail); p-values adjusted for %zu checks "
	        "with the "
	        "%s correction; significant: adjusted p &lt; %.3g.</p>\n<table>\n<tr><th>Check</th><th "
	        "class=\"n\">n</th>"
	        "<th class=\"n\">Failing before [95%%]</th><th class=\"n\">Failing after [95%%]</th><th "
	        "class=\"n\">Fixed</th>"
	        "<th class=\"n\">Broke</th><th>Test</th><th class=\"n\">p</th><th class=\"n\">Adjusted p</th>"
	        "<th>Significant</th></tr>\n",
	        json_array_size(json_object_get(c, "checks")), bh ? "Benjamini-Hochberg" : "Holm",
	        jnum(c, "alpha"));
	json_array_foreach(json_object_get(c, "checks"), i, k) check_row(out, k);
	fputs("</table>\n</section>\n", out);
}

/* ---- organizations and findings ---- */

static void put_finding(FILE *out, const json_t *f, int with_org)
{
	fputs("<tr>", out);
	if (with_org) {
		fputs("<td>", out);
		html_escape(out, jstr(f, "org_id"));
		fputs("</td>", out);
	}
	fputs("<td><code>", out);
	html_escape(out, jstr(f, "check"));
	fputs("</code></td><td>", out);
	html_escape(out, jstr(f, "domain"));
	if (jstr(f, "endpoint") != NULL) {
		fputs(" @ ", out);
		html_escape(out, jstr(f, "endpoint"));
	}
	fputs("</td><td>", out);
	html_escape(out, jstr(f, "detail"));
	fputs("</td></tr>\n", out);
}

static void put_moved(FILE *out, const char *what, const json_t *list)
{
	size_t i;
	json_t *f;
	if (json_array_size(list) == 0)
		return;
	fprintf(out, "<p>%s:</p>\n<table>\n", what);
	json_array_foreach(list, i, f) put_finding(out, f, 0);
	fputs("</table>\n", out);
}

static void write_movers(FILE *out, const json_t *c, const char *key, const char *title)
{
	size_t i;
	json_t *o;
	fprintf(out, "<section id=\"%s\">\n<h2>%s</h2>\n", key, title);
	if (json_array_size(json_object_get(c, key)) == 0)
		fputs("<p>None.</p>\n", out);
	json_array_foreach(json_object_get(c, key), i, o)
	{
		fputs("<h3>", out);
		html_escape(out, jstr(o, "name"));
		fputs(" <code>", out);
		html_escape(out, jstr(o, "org_id"));
		fprintf(out, "</code>: %lld &rarr; %lld (%+lld)</h3>\n",
		        (long long)json_integer_value(json_object_get(o, "score_base")),
		        (long long)json_integer_value(json_object_get(o, "score_scan")),
		        (long long)json_integer_value(json_object_get(o, "change")));
		put_moved(out, "Failing findings that appeared", json_object_get(o, "appeared"));
		put_moved(out, "Failing findings that disappeared", json_object_get(o, "disappeared"));
	}
	fputs("</section>\n", out);
}

static void write_exposures(FILE *out, const json_t *c)
{
	size_t i;
	json_t *f;
	const json_t *list = json_object_get(c, "new_exposures");
	fprintf(out,
	        "<section id=\"exposures\">\n<h2>New exposures</h2>\n<p>%zu failing findings of checks that "
	        "had not failed for the organization before.</p>\n<table>\n",
	        json_array_size(list));
	json_array_foreach(list, i, f) put_finding(out, f, 1);
	fputs("</table>\n</section>\n", out);
}

static void write_changes(FILE *out, const json_t *c)
{
	size_t i;
	json_t *ch;
	const json_t *list = json_object_get(c, "changes");
	fprintf(
	    out,
	    "<section id=\"changes\">\n<h2>Every change</h2>\n<p>%zu findings went between pass and fail, "
	    "or failing findings appeared or "
	    "disappeared%s.</p>\n<table>\n<tr><th>Organization</th><th>Check</th>"
	    "<th>Where</th><th>Before</th><th>After</th></tr>\n",
	    json_array_size(list), json_array_size(list) > PAGE_CHANGES ? " (the first 500 are listed)" : "");
	json_array_foreach(list, i, ch)
	{
		if (i == PAGE_CHANGES)
			break;
		fputs("<tr><td>", out);
		html_escape(out, jstr(ch, "org_id"));
		fputs("</td><td><code>", out);
		html_escape(out, jstr(ch, "check"));
		fputs("</code></td><td>", out);
		html_escape(out, jstr(ch, "domain"));
		if (jstr(ch, "endpoint") != NULL) {
			fputs(" @ ", out);
			html_escape(out, jstr(ch, "endpoint"));
		}
		fputs("</td><td>", out);
		html_escape(out, jstr(ch, "from"));
		fputs("</td><td>", out);
		html_escape(out, jstr(ch, "to"));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static void write_joined_left(FILE *out, const json_t *c)
{
	const char *keys[2] = {"joined", "left"};
	fputs("<section id=\"membership\">\n<h2>Joined and left</h2>\n", out);
	for (int k = 0; k < 2; k++) {
		const json_t *list = json_object_get(json_object_get(c, "organizations"), keys[k]);
		fprintf(out, "<p>%s (%zu):", k == 0 ? "Joined" : "Left", json_array_size(list));
		for (size_t i = 0; i < json_array_size(list); i++) {
			fputs(i ? ", " : " ", out);
			html_escape(out, json_string_value(json_array_get(list, i)));
		}
		fputs("</p>\n", out);
	}
	fputs("</section>\n", out);
}

int compare_html(FILE *out, const json_t *cmp)
{
	write_head(out, cmp);
	write_findings(out, cmp);
	write_factors(out, cmp);
	write_migration(out, cmp);
	write_checks(out, cmp);
	write_movers(out, cmp, "regressed", "Organizations that regressed most");
	write_movers(out, cmp, "improved", "Organizations that improved most");
	write_exposures(out, cmp);
	write_joined_left(out, cmp);
	write_changes(out, cmp);
	fputs("<footer>\n<p class=\"meta\">Generated by vitals. How to read a comparison: "
	      "docs/COMPARE.md.</p>\n"
	      "</footer>\n</body>\n</html>\n",
	      out);
	return fflush(out) != 0 || ferror(out) ? -EIO : 0;
}

/* ---- the text summary ---- */

static void summary_factor(FILE *out, const char *id, const json_t *f)
{
	if (json_integer_value(json_object_get(f, "n")) == 0) {
		fprintf(out, "  %-10s no organization scored in both\n", id);
		return;
	}
	const json_t *ci = json_object_get(f, "ci95");
	fprintf(out, "  %-10s %5.1f -> %5.1f  change %+6.2f [%+.2f, %+.2f]  p=%.3g%s\n", id,
	        jnum(f, "mean_base"), jnum(f, "mean_scan"), jnum(f, "mean_change"),
	        json_number_value(json_array_get(ci, 0)), json_number_value(json_array_get(ci, 1)),
	        jnum(f, "p"), json_is_true(json_object_get(f, "significant")) ? "  significant" : "");
}

int compare_summary(FILE *out, const json_t *c)
{
	const json_t *orgs = json_object_get(c, "organizations"),
	             *per = json_object_get(json_object_get(c, "findings"), "per_org");
	const char *id;
	json_t *f;
	size_t i, nsig = 0;
	fprintf(out, "scan %lld -> scan %lld under method v%lld%s; cohort %s\n",
	        (long long)json_integer_value(json_object_get(json_object_get(c, "base"), "scan_id")),
	        (long long)json_integer_value(json_object_get(json_object_get(c, "scan"), "scan_id")),
	        (long long)json_integer_value(json_object_get(c, "method")),
	        json_array_size(json_object_get(c, "rescored")) ? " (re-graded in memory)" : "",
	        jstr(c, "cohort") ? jstr(c, "cohort") : "all");
	fprintf(out, "organizations: %lld in both, %zu joined, %zu left\n",
	        (long long)json_integer_value(json_object_get(orgs, "both")),
	        json_array_size(json_object_get(orgs, "joined")),
	        json_array_size(json_object_get(orgs, "left")));
	fprintf(out,
	        "failing findings per organization: %.2f -> %.2f\nfactors (mean before -> after, change "
	        "[95%%], paired t):\n",
	        jnum(per, "base"), jnum(per, "scan"));
	json_object_foreach(json_object_get(c, "factors"), id, f) summary_factor(out, id, f);
	json_array_foreach(json_object_get(c, "checks"), i, f)
	{
		if (!json_is_true(json_object_get(f, "significant")))
			continue;
		fprintf(out, "%s  %s: failing %.1f%% -> %.1f%% (fixed %lld, broke %lld, adjusted p=%.3g)\n",
		        nsig++ ? "" : "checks that changed significantly:\n", jstr(f, "check"),
		        100 * jnum(json_object_get(f, "fail_base"), "rate"),
		        100 * jnum(json_object_get(f, "fail_scan"), "rate"),
		        (long long)json_integer_value(json_object_get(f, "fixed")),
		        (long long)json_integer_value(json_object_get(f, "broke")), jnum(f, "p_adjusted"));
	}
	if (nsig == 0)
		fprintf(out, "no check changed significantly (%s correction)\n", jstr(c, "correction"));
	fprintf(out, "%zu findings changed, %zu new exposures\n",
	        json_array_size(json_object_get(c, "changes")),
	        json_array_size(json_object_get(c, "new_exposures")));
	return fflush(out) != 0 || ferror(out) ? -EIO : 0;
}
