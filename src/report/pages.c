/* The live sector pages: the overview and the organization list, as HTML fragments. */
#include "pages.h"

#include <errno.h>
#include <string.h>

#include "cards.h"
#include "errbuf.h"
#include "page_util.h"
#include "sector.h"
#include "svg.h"

static int finish(FILE *out, char *err, size_t errlen)
{
	if (fflush(out) != 0 || ferror(out))
		return errf(err, errlen, -EIO, "writing the page failed");
	return 0;
}

int page_overview(FILE *out, struct store *st, const struct sector *cached, const struct page_query *q,
                  char *err, size_t errlen)
{
	struct sector own;
	const struct sector *s;
	int rc = page_sector(st, cached, q, &own, &s, err, errlen);
	if (rc < 0)
		return rc;
	fputs("<h1>Sector security posture</h1>\n", out);
	card_scan_meta(out, s);
	fputs("<nav><a href=\"/orgs\">Organizations</a><a href=\"#distribution\">Grades</a>"
	      "<a href=\"#factors\">Factors</a><a href=\"#checks\">Checks</a><a href=\"#cohorts\">Cohorts</a>"
	      "</nav>\n",
	      out);
	card_distribution(out, s);
	card_factors(out, s);
	card_checks(out, s);
	rc = card_cohorts(out, s, CARD_URLS);
	if (rc < 0)
		errf(err, errlen, rc, "out of memory");
	else
		rc = finish(out, err, errlen);
	sector_free(&own);
	return rc;
}

/* ---- the organization list ---- */

/* What a link of the list keeps: the checked query, a scan named explicitly, the sector. */
struct list_ctx {
	const struct page_query *q;    /* the query as asked (for echoing) */
	const struct orglist_spec *sp; /* the query as checked */
	const struct sector *s;        /* the scan's organizations */
};

static void put_param(FILE *out, int *first, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	fprintf(out, "%s%s=", *first ? "?" : "&amp;", name);
	card_urlenc(out, value);
	*first = 0;
}

static const char *sort_key(const struct sector *s, int slot)
{
	return slot < 0 ? "name" : slot == 0 ? "score" : s->m->factors[slot - 1].id;
}

/* /orgs with the query's filters, a sort and a page (page 1 and the defaults left out). */
static void list_href(FILE *out, const struct list_ctx *c, int sort_slot, int desc, long page)
{
	char num[32];
	int first = 1;
	fputs("/orgs", out);
	put_param(out, &first, "q", c->sp->q);
	put_param(out, &first, "grade", c->q->grade);
	put_param(out, &first, "factor", c->q->factor);
	put_param(out, &first, "cohort", c->sp->cohort_text);
	put_param(out, &first, "sort", sort_slot < 0 ? NULL : sort_key(c->s, sort_slot));
	put_param(out, &first, "order", desc ? "desc" : NULL);
	snprintf(num, sizeof num, "%ld", page);
	put_param(out, &first, "page", page > 1 ? num : NULL);
	put_param(out, &first, "scan", c->q->scan);
}

static void put_option(FILE *out, const char *value, const char *label, int selected)
{
	fputs("<option value=\"", out);
	html_escape(out, value);
	fputs(selected ? "\" selected>" : "\">", out);
	html_escape(out, label);
	fputs("</option>", out);
}

static void form_selects(FILE *out, const struct list_ctx *c)
{
	const struct sector *s = c->s;
	fputs("<label>Grade <select name=\"grade\">", out);
	put_option(out, "", "any", c->sp->grade < 0);
	for (int g = 0; g < SECTOR_GRADES; g++)
		put_option(out, sector_grade_labels[g],
		           g < SECTOR_GRADES - 1 ? sector_grade_labels[g] : "no score", c->sp->grade == g);
	fputs("</select></label>\n<label>of <select name=\"factor\">", out);
	for (int slot = 0; slot < sector_nslots(s); slot++)
		put_option(out, slot ? s->m->factors[slot - 1].id : "", sector_slot_title(s, slot),
		           c->sp->grade_slot == slot);
	fputs("</select></label>\n<label>Sort by <select name=\"sort\">", out);
	put_option(out, "name", "Name", c->sp->sort_slot < 0);
	for (int slot = 0; slot < sector_nslots(s); slot++)
		put_option(out, sort_key(s, slot), sector_slot_title(s, slot), c->sp->sort_slot == slot);
	fputs("</select></label>\n<label>Order <select name=\"order\">", out);
	put_option(out, "asc", "ascending", !c->sp->desc);
	put_option(out, "desc", "descending", c->sp->desc);
	fputs("</select></label>\n", out);
}

static void list_form(FILE *out, const struct list_ctx *c)
{
	fputs("<form class=\"filters\" method=\"get\" action=\"/orgs\">\n"
	      "<label>Search <input type=\"search\" name=\"q\" maxlength=\"200\" value=\"",
	      out);
	html_escape(out, c->sp->q);
	fputs("\" placeholder=\"name, id or domain\"></label>\n", out);
	form_selects(out, c);
	fputs("<label>Cohort <input type=\"text\" name=\"cohort\" value=\"", out);
	html_escape(out, c->sp->cohort_text);
	fputs("\" placeholder=\"type=hospital\"></label>\n", out);
	if (c->q->scan != NULL && c->q->scan[0] != '\0') {
		fputs("<input type=\"hidden\" name=\"scan\" value=\"", out);
		html_escape(out, c->q->scan);
		fputs("\">\n", out);
	}
	fputs("<button type=\"submit\">Show</button> <a href=\"/orgs\">Clear</a>\n</form>\n", out);
}

/* A column heading that sorts by its slot: ascending, or descending when already ascending. */
static void sort_heading(FILE *out, const struct list_ctx *c, int slot, const char *label, const char *cls)
{
	int current = c->sp->sort_slot == slot;
	fprintf(out, "<th%s><a href=\"", cls);
	list_href(out, c, slot, current && !c->sp->desc, 1);
	fprintf(out, "\"%s>", current ? " class=\"sorted\"" : "");
	html_escape(out, label);
	if (current)
		fputs(c->sp->desc ? " &darr;" : " &uarr;", out);
	fputs("</a></th>", out);
}

static void list_row(FILE *out, const struct sector *s, const struct org_sum *o)
{
	fputs("<tr><td>", out);
	card_org_link(out, o, CARD_URLS);
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

static void list_table(FILE *out, const struct list_ctx *c, const struct orglist_page *p)
{
	if (p->n == 0) {
		fputs(p->total == 0 ? "<p>No organization matches.</p>\n"
		                    : "<p>No organizations on this page.</p>\n",
		      out);
		return;
	}
	fputs("<table class=\"orglist\">\n<tr>", out);
	sort_heading(out, c, -1, "Organization", "");
	for (int slot = 0; slot < sector_nslots(c->s); slot++)
		sort_heading(out, c, slot, sector_slot_title(c->s, slot), "");
	fputs("<th class=\"n\">Failing checks</th><th class=\"n\">Coverage</th></tr>\n", out);
	for (size_t i = 0; i < p->n; i++)
		list_row(out, c->s, p->v[i]);
	fputs("</table>\n", out);
}

static void list_pager(FILE *out, const struct list_ctx *c, const struct orglist_page *p)
{
	long page = c->sp->page;
	fputs("<nav class=\"pager\">", out);
	if (page > 1) {
		fputs("<a rel=\"prev\" href=\"", out);
		list_href(out, c, c->sp->sort_slot, c->sp->desc, page - 1 < p->pages ? page - 1 : p->pages);
		fputs("\">Previous</a>", out);
	}
	fprintf(out, "<span>Page %ld of %ld</span>", page, p->pages);
	if (page < p->pages) {
		fputs("<a rel=\"next\" href=\"", out);
		list_href(out, c, c->sp->sort_slot, c->sp->desc, page + 1);
		fputs("\">Next</a>", out);
	}
	fputs("</nav>\n", out);
}

static void write_list(FILE *out, const struct list_ctx *c, const struct orglist_page *p)
{
	fputs("<h1>Organizations</h1>\n", out);
	fprintf(out,
	        "<p class=\"meta\">Scan %lld &middot; methodology v%d &middot; %zu of %zu organizations "
	        "match</p>\n",
	        (long long)c->s->scan_id, c->s->m->version, p->total, c->s->norgs);
	list_form(out, c);
	list_table(out, c, p);
	list_pager(out, c, p);
}

int page_org_list(FILE *out, struct store *st, const struct sector *cached, const struct page_query *q,
                  char *err, size_t errlen)
{
	struct sector own;
	const struct sector *s;
	struct orglist_spec sp;
	struct orglist_page p = {0};
	int rc = page_sector(st, cached, q, &own, &s, err, errlen);
	if (rc < 0)
		return rc;
	rc = orglist_parse(q, s->m, &sp, err, errlen);
	if (rc == 0 && (rc = orglist_select(s, &sp, &p)) < 0)
		errf(err, errlen, rc, "out of memory");
	if (rc == 0) {
		struct list_ctx c = {q, &sp, s};
		write_list(out, &c, &p);
		rc = finish(out, err, errlen);
	}
	orglist_page_free(&p);
	sector_free(&own);
	return rc;
}
