/*
 * Cohorts: which organizations a `--cohort SPEC` selects, by the tags their targets line
 * gave them (stored with each scan). Used by report, show, compare and trend alike.
 *
 * SPEC is `KEY=VALUE` (the tag KEY has the value VALUE, compared without regard to
 * case) or a bare WORD (some tag is named WORD, or some tag's value is WORD, without
 * regard to case: `hospital` selects type=hospital, `telehealth` a bare telehealth tag).
 * Pure: no I/O.
 */
#ifndef VITALS_COHORT_H
#define VITALS_COHORT_H

#include <jansson.h>

#define COHORT_TEXT_MAX 200

struct cohort {
	char key[COHORT_TEXT_MAX];   /* the tag key, or "" for a bare word */
	char value[COHORT_TEXT_MAX]; /* the value, or the bare word */
};

/* Parses SPEC; 0, or -EINVAL (empty, too long, `=` with an empty side). */
int cohort_parse(const char *spec, struct cohort *out);
/* 1 when an organization with these tags (a JSON object of strings) is in the cohort. */
int cohort_match(const struct cohort *c, const json_t *tags);
/* The cohort as text, for titles: "type=hospital" or "hospital". */
const char *cohort_text(const struct cohort *c, char *buf, size_t len);

#endif
