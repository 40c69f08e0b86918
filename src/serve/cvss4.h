/*
 * CVSS v4.0 vectors (FIRST, CVSS v4.0 Specification Document, November 2023): the checker a
 * researcher's optional vector on the submission form goes through, and its score.
 *
 * cvss4_check() accepts exactly the vectors the specification's "Vector String" section allows:
 * the prefix `CVSS:4.0/`, then `metric:value` components separated by `/` in the
 * specification's order (AV AC AT PR UI VC VI VA SC SI SA, then E, then CR IR AR MAV MAC MAT
 * MPR MUI MVC MVI MVA MSC MSI MSA, then S AU R V RE U), the eleven base metrics mandatory, the
 * others optional, each at most once, each value from its metric's own set (MSI and MSA also
 * allow S, Safety; U takes the words Clear, Green, Amber, Red; optional metrics take X, Not
 * Defined). It refuses empty components, a trailing `/` and anything over CVSS4_MAX_LEN
 * characters, and says why, naming the metric and its position.
 *
 * cvss4_score() computes the CVSS-B/BT/BE/BTE score of a valid vector as the specification
 * does: the vector's macrovector (equivalence classes EQ1-EQ6), the macrovector's score from
 * FIRST's lookup table, less the mean proportional distance to the next lower macrovectors,
 * rounded to one decimal. Supplemental metrics never change the score. It keeps no state,
 * does no I/O and judges nothing beyond the vector.
 */
#ifndef VITALS_SERVE_CVSS4_H
#define VITALS_SERVE_CVSS4_H

#include <stddef.h>

#define CVSS4_MAX_LEN 256 /* characters of a vector accepted (the longest valid one is shorter) */

/* 0 when vec is a valid CVSS v4.0 vector; -EINVAL otherwise, with the reason in why (always
 * NUL-terminated when whylen > 0; "" on success). why may be NULL. */
int cvss4_check(const char *vec, char *why, size_t whylen);

/* The score (0.0-10.0, one decimal) of a valid vector in *score; -EINVAL for an invalid one,
 * *score then untouched. */
int cvss4_score(const char *vec, double *score);

/* The specification's qualitative rating of a score: "None" (0.0), "Low" (0.1-3.9), "Medium"
 * (4.0-6.9), "High" (7.0-8.9), "Critical" (9.0-10.0); NULL outside 0-10. */
const char *cvss4_severity(double score);

#endif
