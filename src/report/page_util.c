/* What the live pages share: the scan a query names, store errors, one organization loaded. */
#include "page_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "grade.h"
#include "sector.h"

int page_store_err(struct store *st, int rc, char *err, size_t errlen)
{
	return errf(err, errlen, rc, "%s", store_error(st));
}

int page_scan(struct store *st, const struct page_query *q, int64_t *scan_id, char *err, size_t errlen)
{
	int64_t id;
	int rc = orglist_scan(q, &id, err, errlen);
	if (rc < 0)
		return rc;
	if (id == 0 && (rc = store_latest_scan(st, &id)) < 0)
		return rc == -ENOENT ? errf(err, errlen, rc, "no scan in the store")
		                     : page_store_err(st, rc, err, errlen);
	*scan_id = id;
	return 0;
}

int page_sector(struct store *st, const struct sector *cached, const struct page_query *q, struct sector *own,
                const struct sector **use, char *err, size_t errlen)
{
	int64_t scan_id;
	memset(own, 0, sizeof *own);
	int rc = orglist_scan(q, &scan_id, err, errlen);
	if (rc == 0 && cached != NULL && (scan_id == 0 || scan_id == cached->scan_id)) {
		*use = cached;
		return 0;
	}
	if (rc == 0)
		rc = page_scan(st, q, &scan_id, err, errlen);
	if (rc < 0)
		return rc;
	rc = sector_load(st, scan_id, 0, NULL, own);
	if (rc == -EINVAL)
		return errf(err, errlen, rc, "scan %lld: unknown methodology", (long long)scan_id);
	if (rc == -ENODATA)
		return errf(err, errlen, rc, "scan %lld: an organization has no scores", (long long)scan_id);
	if (rc < 0)
		return page_store_err(st, rc, err, errlen);
	*use = own;
	return 0;
}

int page_score(const json_t *obj)
{
	const json_t *s = json_object_get(obj, "score");
	return json_is_integer(s) ? (int)json_integer_value(s) : -1;
}

char page_grade(const json_t *obj)
{
	const char *g = json_string_value(json_object_get(obj, "grade"));
	int score = page_score(obj);
	if (score < 0)
		return '-';
	/* Only a known letter reaches a class name, whatever the database holds. */
	return g != NULL && g[0] != '-' && sector_grade_index(g[0]) < SECTOR_GRADES - 1 ? g[0]
	                                                                                : grade_letter(score);
}

int page_hist_score(const struct trend *t, size_t i, int slot)
{
	const struct tally *ty = &t->pts[i].t;
	return slot >= 0 && slot < TALLY_SLOTS && ty->nscored[slot] == 1 ? (int)ty->sum[slot] : -1;
}

static int load_history(struct store *st, struct page_org *p, const char *org_id)
{
	int rc = trend_load_org(st, p->scan_id, org_id, &p->hist);
	/* A scan still running has no complete scans to compare with: no history, not an error. */
	if (rc == -ENOENT) {
		memset(&p->hist, 0, sizeof p->hist);
		return 0;
	}
	return rc;
}

int page_org_load(struct store *st, const char *org_id, const struct page_query *q, struct page_org *p,
                  char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	if (org_id == NULL || org_id[0] == '\0')
		return errf(err, errlen, -ENOENT, "no organization named");
	int rc = page_scan(st, q, &p->scan_id, err, errlen);
	if (rc < 0)
		return rc;
	rc = store_load_org(st, p->scan_id, org_id, 0, &p->org);
	if (rc < 0)
		return page_store_err(st, rc, err, errlen);
	p->m =
	    method_get((int)json_integer_value(json_object_get(json_object_get(p->org, "scores"), "method")));
	if (p->m == NULL) {
		json_t *info = NULL;
		if (store_scan_info(st, p->scan_id, &info) == 0)
			p->m = method_get((int)json_integer_value(json_object_get(info, "method")));
		json_decref(info);
	}
	if (p->m == NULL)
		rc = errf(err, errlen, -EINVAL, "scan %lld: unknown methodology", (long long)p->scan_id);
	if (rc == 0 && (rc = show_losses(p->org, &p->losses, &p->nlosses)) < 0)
		errf(err, errlen, rc, "organization %s: malformed findings", org_id);
	if (rc == 0 && (rc = load_history(st, p, org_id)) < 0)
		page_store_err(st, rc, err, errlen);
	if (rc < 0)
		page_org_free(p);
	return rc;
}

void page_org_free(struct page_org *p)
{
	json_decref(p->org);
	free(p->losses);
	trend_free(&p->hist);
	memset(p, 0, sizeof *p);
}
