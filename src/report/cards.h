/*
 * The pieces of HTML that `vitals report` and the live pages of `vitals serve` share: a
 * grade badge, scan metadata, the grade distribution charts, the factor averages, the
 * checks' pass rates, the cohort sections, an organization's grades, its failing findings
 * with their points and evidence, and its assets with why each is the organization's.
 *
 * Each piece writes to a FILE* and escapes every string that came from targets or the
 * network. None writes a style attribute (classes of style.c only) or a script. How an
 * organization is linked is the caller's choice: within the report's one file, or to the
 * server's URLs (org ids percent-encoded). Pieces do not read the store, grade or lay out
 * a whole page.
 */
#ifndef VITALS_CARDS_H
#define VITALS_CARDS_H

#include <jansson.h>
#include <stdio.h>

#include "sector.h"
#include "show.h"

/* Where links to organizations and cohorts point. */
enum card_links {
	CARD_ANCHORS, /* #org-ID within the report's file */
	CARD_URLS,    /* /orgs/ID and /orgs?cohort=SPEC on the server */
};

/* How much a list shows. */
enum card_form {
	CARD_COMPACT, /* the report's card: a line per failure, assets in one paragraph */
	CARD_FULL,    /* the live scorecard: severity and evidence too, assets as a table */
};

/* A Unix time (JSON integer) as "YYYY-MM-DD HH:MM UTC", or a dash. */
void card_time(FILE *out, const json_t *t);
/* A grade badge "A 97", or "no score" for score < 0. */
void card_badge(FILE *out, int score, char grade);
/* `s` percent-encoded: every byte but A-Z a-z 0-9 - . _ ~ as %XX (safe in a path or a query). */
void card_urlenc(FILE *out, const char *s);
/* An id attribute's value for an organization: "org-" and only id-safe characters. */
void card_anchor(FILE *out, const char *org_id);
/* An organization's name linked to its card or page, then its id. */
void card_org_link(FILE *out, const struct org_sum *o, enum card_links links);
/* "Scan N · started · finished · status · methodology vN · N organizations" as a paragraph. */
void card_scan_meta(FILE *out, const struct sector *s);
/* The grade distribution section: a bar chart per slot and a table of counts. */
void card_distribution(FILE *out, const struct sector *s);
/* The factor averages section: weight, organizations scored, average and a bar. */
void card_factors(FILE *out, const struct sector *s);
/* The checks section: each check's findings by status and its pass rate. */
void card_checks(FILE *out, const struct sector *s);
/* A section per tag key=value among the sector's organizations. 0 or -ENOMEM. */
int card_cohorts(FILE *out, const struct sector *s, enum card_links links);
/* An organization's overall and factor badges as one paragraph. */
void card_grades(FILE *out, const struct sector *s, const struct org_sum *o);
/* Determined of applicable checks as a percentage, or a dash. */
void card_coverage(FILE *out, const struct org_sum *o);
/* Failing findings, largest loss first (show_losses); `m` names severities in CARD_FULL. */
void card_failures(FILE *out, const struct method *m, const struct loss *v, size_t n, enum card_form form);
/* Each asset and why it is the organization's. */
void card_assets(FILE *out, const json_t *assets, enum card_form form);
/* A finding's evidence as compact JSON in a <pre>, or nothing when it has none. */
void card_evidence(FILE *out, const json_t *evidence);

#endif
