/* Cohorts: organizations selected by their tags. */
#include "cohort.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int cohort_parse(const char *spec, struct cohort *out)
{
	struct cohort c = {{0}, {0}};
	const char *eq = spec ? strchr(spec, '=') : NULL;
	if (spec == NULL || spec[0] == '\0' || strlen(spec) >= COHORT_TEXT_MAX)
		return -EINVAL;
	if (eq != NULL) {
		if (eq == spec || eq[1] == '\0')
			return -EINVAL;
		snprintf(c.key, sizeof c.key, "%.*s", (int)(eq - spec), spec);
		snprintf(c.value, sizeof c.value, "%s", eq + 1);
	} else {
		snprintf(c.value, sizeof c.value, "%s", spec);
	}
	*out = c;
	return 0;
}

int cohort_match(const struct cohort *c, const json_t *tags)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)tags, k, v)
	{
		const char *val = json_string_value(v);
		if (c->key[0] != '\0') {
			if (strcasecmp(k, c->key) == 0 && val != NULL && strcasecmp(val, c->value) == 0)
				return 1;
		} else if (strcasecmp(k, c->value) == 0 || (val != NULL && strcasecmp(val, c->value) == 0)) {
			return 1;
		}
	}
	return 0;
}

const char *cohort_text(const struct cohort *c, char *buf, size_t len)
{
	if (c->key[0] != '\0')
		snprintf(buf, len, "%s=%s", c->key, c->value);
	else
		snprintf(buf, len, "%s", c->value);
	return buf;
}
