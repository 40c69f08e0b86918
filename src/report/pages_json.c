/* The JSON twins of the live pages, for /api/v1: the same data as the HTML fragments. */
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "errbuf.h"
#include "grade.h"
#include "page_util.h"
#include "sector.h"

static json_t *score_json(int score)
{
	return score < 0 ? json_null() : json_integer(score);
}

static json_t *grade_json(int score, char grade)
{
	char g[2] = {grade, '\0'};
	return score < 0 ? json_null() : json_string(g);
}

/* "/orgs/ID" with the id percent-encoded; NULL when out of memory. */
static json_t *org_url(const char *org_id)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	fputs("/orgs/", f);
	card_urlenc(f, org_id);
	json_t *url = fclose(f) == 0 ? json_string(buf) : NULL;
	free(buf);
	return url;
}

static json_t *list_item(const struct sector *s, const struct org_sum *o)
{
	json_t *factors = json_object();
	size_t det = o->npass + o->nfail, of = det + o->nind;
	for (size_t i = 0; factors != NULL && i < s->m->nfactors; i++)
		json_object_set_new(factors, s->m->factors[i].id,
		                    json_pack("{s:o, s:o}", "score", score_json(o->score[1 + i]), "grade",
		                              grade_json(o->score[1 + i], o->grade[1 + i])));
	return json_pack("{s:s, s:s, s:o, s:O, s:O, s:o, s:o, s:o, s:I, s:o}", "org_id", o->org_id, "name",
	                 o->name, "url", org_url(o->org_id), "domains", o->domains ? o->domains : json_null(),
	                 "tags", o->tags ? o->tags : json_null(), "score", score_json(o->score[0]), "grade",
	                 grade_json(o->score[0], o->grade[0]), "factors", factors, "failing",
	                 (json_int_t)o->nfail, "coverage",
	                 of ? json_integer((json_int_t)((200 * det + of) / (2 * of))) : json_null());
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *query_json(const struct sector *s, const struct orglist_spec *sp)
{
	const char *sort = sp->sort_slot < 0    ? "name"
	                   : sp->sort_slot == 0 ? "score"
	                                        : s->m->factors[sp->sort_slot - 1].id;
	return json_pack("{s:o, s:o, s:o, s:o, s:s, s:s}", "q", str_or_null(sp->q), "grade",
	                 str_or_null(sp->grade < 0 ? NULL : sector_grade_labels[sp->grade]), "factor",
	                 str_or_null(sp->grade_slot ? s->m->factors[sp->grade_slot - 1].id : NULL), "cohort",
	                 str_or_null(sp->cohort_text), "sort", sort, "order", sp->desc ? "desc" : "asc");
}

static json_t *list_json(const struct sector *s, const struct orglist_spec *sp, const struct orglist_page *p)
{
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < p->n; i++)
		if (json_array_append_new(items, list_item(s, p->v[i])) < 0)
			items = (json_decref(items), NULL);
	return json_pack("{s:I, s:i, s:I, s:I, s:i, s:I, s:o, s:o}", "scan", (json_int_t)s->scan_id, "method",
	                 s->m->version, "page", (json_int_t)sp->page, "pages", (json_int_t)p->pages,
	                 "page_size", ORGLIST_PAGE_SIZE, "total", (json_int_t)p->total, "query",
	                 query_json(s, sp), "organizations", items);
}

int page_org_list_json(struct store *st, const struct sector *cached, const struct page_query *q,
                       json_t **out, char *err, size_t errlen)
{
	struct sector own;
	const struct sector *s;
	struct orglist_spec sp;
	struct orglist_page p = {0};
	int rc = page_sector(st, cached, q, &own, &s, err, errlen);
	if (rc < 0)
		return rc;
	rc = orglist_parse(q, s->m, &sp, err, errlen);
	if (rc == 0 && (rc = orglist_select(s, &sp, &p)) == 0 && (*out = list_json(s, &sp, &p)) == NULL)
		rc = -ENOMEM;
	if (rc == -ENOMEM)
		errf(err, errlen, rc, "out of memory");
	orglist_page_free(&p);
	sector_free(&own);
	return rc;
}

/* ---- one organization ---- */

static json_t *factors_json(const struct page_org *p)
{
	const json_t *stored = json_object_get(json_object_get(p->org, "scores"), "factors");
	json_t *out = json_object();
	for (size_t i = 0; out != NULL && i < p->m->nfactors; i++) {
		const struct factor_def *fd = &p->m->factors[i];
		const json_t *f = json_object_get(stored, fd->id);
		json_t *v = json_pack(
		    "{s:s, s:i, s:o, s:o, s:O, s:O, s:O, s:O}", "title", fd->title, "weight", fd->weight,
		    "score", score_json(page_score(f)), "grade", grade_json(page_score(f), page_grade(f)),
		    "passed", json_object_get(f, "passed") ? json_object_get(f, "passed") : json_null(),
		    "failed", json_object_get(f, "failed") ? json_object_get(f, "failed") : json_null(),
		    "indeterminate",
		    json_object_get(f, "indeterminate") ? json_object_get(f, "indeterminate") : json_null(),
		    "na", json_object_get(f, "na") ? json_object_get(f, "na") : json_null());
		if (json_object_set_new(out, fd->id, v) < 0)
			out = (json_decref(out), NULL);
	}
	return out;
}

/* A stored finding with its check's factor and severity and the points it cost. */
static json_t *finding_json(const struct page_org *p, const json_t *f)
{
	const struct check_def *c = method_check(p->m, json_string_value(json_object_get(f, "check")));
	json_t *v = json_deep_copy(f);
	double points = 0;
	int rolled = 0;
	for (size_t i = 0; i < p->nlosses; i++)
		if (p->losses[i].finding == f) {
			points = p->losses[i].points;
			rolled = p->losses[i].rolled_up;
		}
	if (v == NULL || json_object_set_new(v, "factor", c ? json_string(c->factor) : json_null()) < 0 ||
	    json_object_set_new(v, "severity", c ? json_string(severity_name(c->severity)) : json_null()) <
	        0 ||
	    json_object_set_new(v, "points", json_real(points)) < 0 ||
	    json_object_set_new(v, "rolled_up", json_boolean(rolled)) < 0)
		v = (json_decref(v), NULL);
	return v;
}

/* Failing findings first, largest loss first (as the page lists them), then the rest as stored. */
static json_t *findings_json(const struct page_org *p)
{
	json_t *out = json_array(), *f;
	size_t i;
	for (i = 0; out != NULL && i < p->nlosses; i++)
		if (json_array_append_new(out, finding_json(p, p->losses[i].finding)) < 0)
			out = (json_decref(out), NULL);
	json_array_foreach(json_object_get(p->org, "findings"), i, f)
	{
		const char *status = json_string_value(json_object_get(f, "status"));
		if (out == NULL || status == NULL || strcmp(status, "fail") == 0)
			continue;
		if (json_array_append_new(out, finding_json(p, f)) < 0)
			out = (json_decref(out), NULL);
	}
	return out;
}

static json_t *hist_point(const struct trend *t, size_t i)
{
	json_t *factors = json_object();
	int score = page_hist_score(t, i, 0);
	for (size_t f = 0; factors != NULL && i < t->n && f < t->m->nfactors; f++)
		json_object_set_new(factors, t->m->factors[f].id,
		                    score_json(page_hist_score(t, i, 1 + (int)f)));
	return json_pack("{s:I, s:I, s:b, s:o, s:o, s:o}", "scan", (json_int_t)t->pts[i].scan_id, "started",
	                 (json_int_t)t->pts[i].started, "present", t->pts[i].t.norgs > 0, "score",
	                 score_json(score), "grade", grade_json(score, score < 0 ? '-' : grade_letter(score)),
	                 "factors", factors);
}

static json_t *history_json(const struct trend *t)
{
	json_t *scans = json_array();
	size_t first = t->n > PAGES_HISTORY_MAX ? t->n - PAGES_HISTORY_MAX : 0;
	for (size_t i = first; scans != NULL && i < t->n; i++)
		if (json_array_append_new(scans, hist_point(t, i)) < 0)
			scans = (json_decref(scans), NULL);
	return json_pack("{s:o, s:o}", "method", t->m ? json_integer(t->m->version) : json_null(), "scans",
	                 scans);
}

static json_t *org_json(const struct page_org *p)
{
	const json_t *o = p->org, *scores = json_object_get(o, "scores");
	const char *id = json_string_value(json_object_get(o, "org_id"));
	json_t *v = json_pack(
	    "{s:I, s:i, s:s, s:O, s:o, s:O, s:O, s:O, s:O, s:o, s:o}", "scan", (json_int_t)p->scan_id,
	    "method", p->m->version, "org_id", id, "name", json_object_get(o, "name"), "url", org_url(id),
	    "domains", json_object_get(o, "domains"), "tags", json_object_get(o, "tags"), "started",
	    json_object_get(o, "started"), "finished", json_object_get(o, "finished"), "score",
	    score_json(page_score(scores)), "grade", grade_json(page_score(scores), page_grade(scores)));
	if (v == NULL || json_object_set_new(v, "factors", factors_json(p)) < 0 ||
	    json_object_set(v, "coverage",
	                    json_object_get(scores, "coverage") ? json_object_get(scores, "coverage")
	                                                        : json_null()) < 0 ||
	    json_object_set_new(v, "findings", findings_json(p)) < 0 ||
	    json_object_set(v, "assets", json_object_get(o, "assets")) < 0 ||
	    json_object_set_new(v, "history", history_json(&p->hist)) < 0)
		v = (json_decref(v), NULL);
	return v;
}

int page_org_json(struct store *st, const char *org_id, const struct page_query *q, json_t **out, char *err,
                  size_t errlen)
{
	struct page_org p;
	int rc = page_org_load(st, org_id, q, &p, err, errlen);
	if (rc < 0)
		return rc;
	json_t *v = org_json(&p);
	page_org_free(&p);
	if (v == NULL)
		return errf(err, errlen, -ENOMEM, "out of memory");
	*out = v;
	return 0;
}
