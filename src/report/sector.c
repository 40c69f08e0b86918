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

/* The organization's findings of the method's checks by status, from {check: [p, f, i, na]}. */
static void count_findings(struct sector *s, const json_t *counts, struct org_sum *o)
{
	const char *check;
	json_t *v;
	json_object_foreach((json_t *)counts, check, v)
	{
		const struct check_def *c = method_check(s->m, check);
		long n[4];
		if (c == NULL)
			continue;
		for (int k = 0; k < 4; k++) {
			n[k] = (long)json_integer_value(json_array_get(v, (size_t)k));
			s->checks[c - s->m->checks].n[k] += n[k];
		}
		o->npass += (size_t)n[FS_PASS];
		o->nfail += (size_t)n[FS_FAIL];
		o->nind += (size_t)n[FS_INDETERMINATE];
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
	count_findings(s, json_object_get(org, "counts"), o);
	o->domains = json_incref(json_object_get(org, "domains"));
	o->ndomains = json_array_size(o->domains);
	o->tags = json_incref(json_object_get(org, "tags"));
	return 0;
}

/* Room for one more organization, doubling; 0 or -ENOMEM. */
static int grow(struct sector *s)
{
	size_t cap = s->cap ? 2 * s->cap : 64;
	struct org_sum *v;
	if (s->norgs < s->cap)
		return 0;
	if ((v = realloc(s->orgs, cap * sizeof *v)) == NULL)
		return -ENOMEM;
	memset(v + s->cap, 0, (cap - s->cap) * sizeof *v);
	s->orgs = v;
	s->cap = cap;
	return 0;
}

static int add_org(const json_t *org, void *arg)
{
	struct sector *s = arg;
	if (s->cohort != NULL && !cohort_match(s->cohort, json_object_get(org, "tags")))
		return 0;
	int rc = grow(s);
	return rc < 0 ? rc : sum_org(s, org, &s->orgs[s->norgs++]);
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
	if (s->m == NULL)
		rc = -EINVAL;
	else if ((s->checks = calloc(s->m->nchecks + 1, sizeof *s->checks)) == NULL)
		rc = -ENOMEM;
	else
		rc = store_scan_summary(st, scan_id, s->m->version, add_org, s);
	/* A cohort no organization carries is a mistake worth saying, not an empty report. */
	if (rc == 0 && s->cohort != NULL && s->norgs == 0)
		rc = -ESRCH;
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
	memset(s, 0, sizeof *s);
}
