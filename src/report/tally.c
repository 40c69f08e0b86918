/* Tallies over organizations: counts, grade distribution, factor means, findings rates. */
#include "tally.h"

#include <errno.h>
#include <string.h>

#include "finding.h"

static int score_of(const json_t *obj)
{
	const json_t *s = json_object_get(obj, "score");
	return json_is_integer(s) ? (int)json_integer_value(s) : -1;
}

/* Failing findings of the method's checks: a check the method dropped costs nothing. */
static size_t count_failures(const struct method *m, const json_t *findings)
{
	size_t i, n = 0;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *check = json_string_value(json_object_get(f, "check"));
		const char *status = json_string_value(json_object_get(f, "status"));
		n += check != NULL && status != NULL && strcmp(status, "fail") == 0 &&
		     method_check(m, check) != NULL;
	}
	return n;
}

int tally_org_read(const struct method *m, const json_t *org, const json_t *scores, struct tally_org *out)
{
	struct tally_org o = {.score = {0}};
	const json_t *factors = json_object_get(scores, "factors");
	if (!json_is_object(scores))
		return -ENODATA;
	o.score[0] = score_of(scores);
	for (size_t i = 0; i < m->nfactors; i++)
		o.score[1 + i] = score_of(json_object_get(factors, m->factors[i].id));
	o.nfail = count_failures(m, json_object_get(org, "findings"));
	o.ndomains = json_array_size(json_object_get(org, "domains"));
	*out = o;
	return 0;
}

void tally_init(struct tally *t, const struct method *m)
{
	memset(t, 0, sizeof *t);
	t->m = m;
}

int tally_grade_index(int score)
{
	static const char letters[] = "ABCDF";
	if (score < 0)
		return TALLY_GRADES - 1;
	return (int)(strchr(letters, grade_letter(score)) - letters);
}

void tally_add(struct tally *t, const struct tally_org *o)
{
	t->norgs++;
	t->grades[tally_grade_index(o->score[0])]++;
	for (size_t slot = 0; slot < 1 + t->m->nfactors; slot++) {
		if (o->score[slot] < 0)
			continue;
		t->sum[slot] += o->score[slot];
		t->nscored[slot]++;
	}
	t->nfail += (long)o->nfail;
	t->ndomains += (long)o->ndomains;
}

int tally_mean(const struct tally *t, int slot, double *out)
{
	if (slot < 0 || slot >= TALLY_SLOTS || t->nscored[slot] == 0)
		return -ENODATA;
	*out = (double)t->sum[slot] / (double)t->nscored[slot];
	return 0;
}

double tally_per_org(const struct tally *t)
{
	return t->norgs ? (double)t->nfail / (double)t->norgs : 0;
}

double tally_per_domain(const struct tally *t)
{
	return t->ndomains ? (double)t->nfail / (double)t->ndomains : 0;
}
