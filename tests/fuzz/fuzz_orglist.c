/*
 * Fuzz target for the organization list's query (orglist.c): the request parameters of
 * /orgs as the server decodes them, one per line (q, grade, factor, cohort, sort, order,
 * page, scan), checked against the current method and, when accepted, used to select a
 * page of a small canned sector. Accepted queries must stay within their bounds and the
 * page must be sorted as asked; refused ones must say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "orglist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 8
#define NORGS   5

static struct org_sum orgs[NORGS];
static struct sector sector;

static void setup(void)
{
	static const char *const ids[NORGS] = {"org1", "Org2", "c&2/x", "b", "zz"};
	static const char *const names[NORGS] = {"Alpha Clinic", "alpha clinic", "Clinic & Co", "", "Zeta"};
	static const int scores[NORGS] = {95, -1, 71, 0, 88};
	sector.m = method_current();
	for (int i = 0; i < NORGS; i++) {
		orgs[i].org_id = (char *)ids[i];
		orgs[i].name = (char *)names[i];
		for (int s = 0; s < SECTOR_SLOTS; s++) {
			orgs[i].score[s] = s == 2 ? -1 : scores[i];
			orgs[i].grade[s] = orgs[i].score[s] < 0 ? '-' : grade_letter(orgs[i].score[s]);
		}
		orgs[i].domains = json_pack("[s]", "x.test");
		orgs[i].tags = json_pack("{s:s}", "type", i % 2 ? "hospital" : "clinic");
	}
	sector.orgs = orgs;
	sector.norgs = NORGS;
}

/* The page holds no more than it may, and in the order asked. */
static void check_page(const struct orglist_spec *sp, const struct orglist_page *p)
{
	if (p->n > ORGLIST_PAGE_SIZE || p->total > NORGS || p->pages < 1 || (p->n > 0 && sp->page != 1))
		abort();
	for (size_t i = 1; sp->sort_slot < 0 && i < p->n; i++) {
		int c = strcasecmp(p->v[i - 1]->name, p->v[i]->name);
		if (sp->desc ? c < 0 : c > 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *field[NFIELDS] = {0}, err[256] = "";
	struct orglist_spec sp;
	int64_t scan;
	if (buf == NULL)
		return 0;
	if (sector.m == NULL)
		setup();
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *p = buf;
	for (int i = 0; i < NFIELDS && p != NULL; i++) {
		field[i] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
	}
	struct page_query q = {field[0], field[1], field[2], field[3],
	                       field[4], field[5], field[6], field[7]};
	if (orglist_scan(&q, &scan, err, sizeof err) < 0 && err[0] == '\0')
		abort();
	err[0] = '\0';
	if (orglist_parse(&q, sector.m, &sp, err, sizeof err) < 0) {
		if (err[0] == '\0')
			abort();
	} else {
		struct orglist_page pg;
		if (sp.page < 1 || sp.page > ORGLIST_PAGE_MAX || sp.grade < -1 || sp.grade >= SECTOR_GRADES ||
		    sp.sort_slot < -1 || sp.sort_slot > (int)sector.m->nfactors)
			abort();
		if (orglist_select(&sector, &sp, &pg) == 0) {
			check_page(&sp, &pg);
			orglist_page_free(&pg);
		}
	}
	free(buf);
	return 0;
}
