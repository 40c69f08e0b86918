/* A scan's organizations summed: scores, grades, findings by status, per check and per slot. */
#include "sector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"

const char sector_grade_chars[SECTOR_GRADES] = {'A', 'B', 'C', 'D', 'F', '-'};
const char *const sector_grade_labels[SECTOR_GRADES] = {"A", "B", "C", "D", "F", "none"};
const char *const sector_grade_colors[SECTOR_GRADES] = {"#2e7d32", "#7cb342", "#f9a825",
                                                        "#ef6c00", "#c62828", "#9e9e9e"};

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int sector_grade_index(char g)
{
	for (int i = 0; i < SECTOR_GRADES - 1; i++)
		if (sector_grade_chars[i] == g)
			return i;
	return SECTOR_GRADES - 1;
}

int sector_nslots(const struct sector *s)
{
	return 1 + (int)s->m->nfactors;
}

const char *sector_slot_title(const struct sector *s, int slot)
{
	return slot == 0 ? "Overall" : s->m->factors[slot - 1].title;
}

int sector_factor_slot(const struct method *m, const char *factor)
{
	for (size_t i = 0; factor != NULL && i < m->nfactors; i++)
		if (strcmp(m->factors[i].id, factor) == 0)
			return 1 + (int)i;
	return -1;
}

static void sum_slot(struct sector *s, struct org_sum *o, int slot, const json_t *obj)
{
	const json_t *score = json_object_get(obj, "score");
	const char *grade = jstr(obj, "grade");
	o->score[slot] = json_is_integer(score) ? (int)json_integer_value(score) : -1;
	char g = grade != NULL ? grade[0] : '\0';
	/* Only a known letter reaches a class name; anything else is re-derived from the score. */
	if (o->score[slot] < 0)
		o->grade[slot] = '-';
	else
		o->grade[slot] =
		    g != '-' && sector_grade_index(g) < SECTOR_GRADES - 1 ? g : grade_letter(o->score[slot]);
	s->grades[slot][sector_grade_index(o->grade[slot])]++;
	if (o->score[slot] >= 0) {
		s->sum[slot] += o->score[slot];
		s->nscored[slot]++;
	}
}

static void count_findings(struct sector *s, const json_t *findings, struct org_sum *o)
{
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *check = jstr(f, "check"), *status = jstr(f, "status");
		const struct check_def *c = check ? method_check(s->m, check) : NULL;
		enum fstatus st;
		if (c == NULL || status == NULL || fstatus_parse(status, &st) < 0)
			continue;
		s->checks[c - s->m->checks].n[st]++;
		o->nfail += st == FS_FAIL;
		o->nind += st == FS_INDETERMINATE;
		o->npass += st == FS_PASS;
	}
}

static int sum_org(struct sector *s, const json_t *org, struct org_sum *o)
{
	const json_t *scores = json_object_get(org, "scores");
	const char *id = jstr(org, "org_id"), *name = jstr(org, "name");
	if (!json_is_object(scores))
		return -ENODATA;
	o->org_id = strdup(id ? id : "");
	o->name = strdup(name ? name : o->org_id ? o->org_id : "");
	if (o->org_id == NULL || o->name == NULL)
		return -ENOMEM;
	sum_slot(s, o, 0, scores);
	for (int i = 0; i < (int)s->m->nfactors; i++)
		sum_slot(s, o, 1 + i,
		         json_object_get(json_object_get(scores, "factors"), s->m->factors[i].id));
	count_findings(s, json_object_get(org, "findings"), o);
	o->domains = json_incref(json_object_get(org, "domains"));
	o->ndomains = json_array_size(o->domains);
	o->tags = json_incref(json_object_get(org, "tags"));
	return 0;
}

static int load_orgs(struct sector *s, struct store *st)
{
	size_t i;
	json_t *id;
	s->orgs = calloc(json_array_size(s->ids) + 1, sizeof *s->orgs);
	s->checks = calloc(s->m->nchecks + 1, sizeof *s->checks);
	if (s->orgs == NULL || s->checks == NULL)
		return -ENOMEM;
	json_array_foreach(s->ids, i, id)
	{
		json_t *org;
		int rc = store_load_org(st, s->scan_id, json_string_value(id), s->m->version, &org);
		if (rc < 0)
			return rc;
		if (s->cohort == NULL || cohort_match(s->cohort, json_object_get(org, "tags")))
			rc = sum_org(s, org, &s->orgs[s->norgs++]);
		json_decref(org);
		if (rc < 0)
			return rc;
	}
	/* A cohort no organization carries is a mistake worth saying, not an empty report. */
	return s->cohort != NULL && s->norgs == 0 ? -ESRCH : 0;
}

int sector_load(struct store *st, int64_t scan_id, int method, const struct cohort *cohort, struct sector *s)
{
	memset(s, 0, sizeof *s);
	s->scan_id = scan_id;
	s->cohort = cohort;
	int rc = store_scan_info(st, scan_id, &s->info);
	if (rc < 0)
		goto out;
	s->m = method_get(method ? method : (int)json_integer_value(json_object_get(s->info, "method")));
	rc = s->m ? store_scan_orgs(st, scan_id, &s->ids) : -EINVAL;
	if (rc == 0)
		rc = load_orgs(s, st);
out:
	if (rc < 0)
		sector_free(s);
	return rc;
}

void sector_free(struct sector *s)
{
	for (size_t i = 0; s->orgs != NULL && i < s->norgs; i++) {
		free(s->orgs[i].org_id);
		free(s->orgs[i].name);
		json_decref(s->orgs[i].domains);
		json_decref(s->orgs[i].tags);
	}
	free(s->orgs);
	free(s->checks);
	json_decref(s->info);
	json_decref(s->ids);
	memset(s, 0, sizeof *s);
}
