/* The organization list: a query checked against the method, then filtered, sorted, paged. */
#include "orglist.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errbuf.h"

static int empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* A decimal number of digits only, 1..max; -1 otherwise. */
static long parse_number(const char *s, long max)
{
	long v = 0;
	if (empty(s) || strlen(s) > 12)
		return -1;
	for (const char *p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= max ? v : -1;
}

int orglist_scan(const struct page_query *q, int64_t *scan_id, char *err, size_t errlen)
{
	long v = 0;
	if (!empty(q->scan) && (v = parse_number(q->scan, 1000000000L)) < 0)
		return errf(err, errlen, -EINVAL, "scan: not a scan number");
	*scan_id = v;
	return 0;
}

static int parse_grade(const char *g, int *out)
{
	if (empty(g)) {
		*out = -1;
		return 0;
	}
	if (strcasecmp(g, "none") == 0) {
		*out = SECTOR_GRADES - 1;
		return 0;
	}
	char c = (char)toupper((unsigned char)g[0]);
	if (g[1] != '\0' || sector_grade_index(c) == SECTOR_GRADES - 1)
		return -EINVAL;
	*out = sector_grade_index(c);
	return 0;
}

static int parse_sort(const struct page_query *q, const struct method *m, struct orglist_spec *sp)
{
	sp->sort_slot = -1;
	if (!empty(q->sort) && strcmp(q->sort, "name") != 0)
		sp->sort_slot = strcmp(q->sort, "score") == 0 ? 0 : sector_factor_slot(m, q->sort);
	if (!empty(q->sort) && strcmp(q->sort, "name") != 0 && sp->sort_slot < 0)
		return -EINVAL;
	sp->desc = !empty(q->order) && strcmp(q->order, "desc") == 0;
	return empty(q->order) || sp->desc || strcmp(q->order, "asc") == 0 ? 0 : -EINVAL;
}

static int parse_filters(const struct page_query *q, const struct method *m, struct orglist_spec *sp,
                         char *err, size_t errlen)
{
	if (!empty(q->q) && strlen(q->q) > ORGLIST_Q_MAX)
		return errf(err, errlen, -EINVAL, "q: the search text is longer than %d bytes",
		            ORGLIST_Q_MAX);
	sp->q = empty(q->q) ? NULL : q->q;
	if (parse_grade(q->grade, &sp->grade) < 0)
		return errf(err, errlen, -EINVAL, "grade: not one of A, B, C, D, F, none");
	sp->grade_slot = empty(q->factor) ? 0 : sector_factor_slot(m, q->factor);
	if (sp->grade_slot < 0)
		return errf(err, errlen, -EINVAL, "factor: not a factor of methodology v%d", m->version);
	sp->has_cohort = !empty(q->cohort);
	sp->cohort_text = sp->has_cohort ? q->cohort : NULL;
	if (sp->has_cohort && cohort_parse(q->cohort, &sp->cohort) < 0)
		return errf(err, errlen, -EINVAL, "cohort: not KEY=VALUE or a tag word");
	return 0;
}

int orglist_parse(const struct page_query *q, const struct method *m, struct orglist_spec *spec, char *err,
                  size_t errlen)
{
	struct orglist_spec sp = {0};
	int rc = parse_filters(q, m, &sp, err, errlen);
	if (rc < 0)
		return rc;
	if (parse_sort(q, m, &sp) < 0)
		return errf(
		    err, errlen, -EINVAL,
		    "sort/order: sort by name, score or a factor of methodology v%d, order asc or desc",
		    m->version);
	sp.page = empty(q->page) ? 1 : parse_number(q->page, ORGLIST_PAGE_MAX);
	if (sp.page < 0)
		return errf(err, errlen, -EINVAL, "page: not a page number from 1 to %d", ORGLIST_PAGE_MAX);
	*spec = sp;
	return 0;
}

/* ---- selection ---- */

static int matches_text(const struct org_sum *o, const char *q)
{
	size_t i;
	json_t *d;
	if (strcasestr(o->name, q) != NULL || strcasestr(o->org_id, q) != NULL)
		return 1;
	json_array_foreach(o->domains, i, d)
	{
		if (json_string_value(d) != NULL && strcasestr(json_string_value(d), q) != NULL)
			return 1;
	}
	return 0;
}

static int matches(const struct org_sum *o, const struct orglist_spec *sp)
{
	if (sp->grade >= 0 && sector_grade_index(o->grade[sp->grade_slot]) != sp->grade)
		return 0;
	if (sp->has_cohort && !cohort_match(&sp->cohort, o->tags))
		return 0;
	return sp->q == NULL || matches_text(o, sp->q);
}

static int by_name(const struct org_sum *x, const struct org_sum *y)
{
	int c = strcasecmp(x->name, y->name);
	return c ? c : strcmp(x->org_id, y->org_id);
}

static int list_cmp(const void *a, const void *b, void *arg)
{
	const struct orglist_spec *sp = arg;
	const struct org_sum *x = *(const struct org_sum *const *)a, *y = *(const struct org_sum *const *)b;
	int c = by_name(x, y);
	if (sp->sort_slot >= 0) {
		int sx = x->score[sp->sort_slot], sy = y->score[sp->sort_slot];
		/* No score is no information: it sorts last whichever way the scores run. */
		if ((sx < 0) != (sy < 0))
			return sx < 0 ? 1 : -1;
		if (sx != sy)
			c = sx < sy ? -1 : 1;
		else
			return c;
	}
	return sp->desc ? -c : c;
}

int orglist_select(const struct sector *s, const struct orglist_spec *spec, struct orglist_page *out)
{
	struct orglist_page p = {0};
	size_t first = (size_t)(spec->page - 1) * ORGLIST_PAGE_SIZE;
	p.v = calloc(s->norgs + 1, sizeof *p.v);
	if (p.v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->norgs; i++)
		if (matches(&s->orgs[i], spec))
			p.v[p.total++] = &s->orgs[i];
	qsort_r(p.v, p.total, sizeof *p.v, list_cmp, (void *)spec);
	p.pages = p.total == 0 ? 1 : (long)((p.total + ORGLIST_PAGE_SIZE - 1) / ORGLIST_PAGE_SIZE);
	if (first < p.total) {
		p.n = p.total - first < ORGLIST_PAGE_SIZE ? p.total - first : ORGLIST_PAGE_SIZE;
		memmove(p.v, p.v + first, p.n * sizeof *p.v);
	}
	*out = p;
	return 0;
}

void orglist_page_free(struct orglist_page *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
