/*
 * `vitals report`: the sector report of one scan as a single self-contained HTML
 * file: scan metadata, grade distributions (inline SVG), factor averages, the pass
 * rate of every check, a section per cohort (each tag key=value among its organizations:
 * grade distribution, factor averages, failing findings per organization and per domain),
 * the 20 lowest-graded organizations and a card per organization with its grades and
 * failing findings. With a cohort, the same report of that cohort's organizations only.
 *
 * The page has inline CSS and SVG drawn by svg.c; it runs no script and loads nothing
 * from the network, so it can be mailed or archived as it is. Every string that came
 * from targets or the network (names, domains, details) is HTML-escaped.
 * The report reads the store organization by organization (two passes: each one's brief
 * for the statistics, sector.c; then each card), so memory stays small for large sectors.
 * Its sections are cards.c's pieces, which the live pages of `vitals serve` share.
 * It does not grade: scores are read as stored; `vitals rescore` computes them under another method first.
 */
#ifndef VITALS_REPORT_H
#define VITALS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "cohort.h"
#include "store.h"

/* The lowest-graded organizations listed in the report's table. */
#define REPORT_WORST 20

/*
 * Writes the report of `scan_id` under methodology `method` (0: the scan's own) to
 * `out`. Returns 0; -ENOENT for an unknown scan (store_error says which); -EINVAL
 * for an unknown method; -ENODATA when an organization has no scores under that
 * method (rescore first); -ENOMEM; -EIO when writing `out` failed (ferror(out) is
 * set) or another store error (store_error says what).
 */
int report_write(FILE *out, struct store *st, int64_t scan_id, int method);
/* The same, of `cohort`'s organizations only (NULL: all); -ESRCH when none is in it. */
int report_write_cohort(FILE *out, struct store *st, int64_t scan_id, int method,
                        const struct cohort *cohort);

#endif
