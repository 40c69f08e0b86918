/*
 * Attribution: the organization's assets as a list a report can show, from its
 * observation documents (docs/OBSERVATIONS.md, "Assets"). Pure: no I/O, no judgement.
 * Wrong attribution is the first complaint users have about security ratings, so every
 * asset says why it is the organization's.
 */
#ifndef VITALS_ASSETS_H
#define VITALS_ASSETS_H

#include <jansson.h>

/*
 * [{"host": H | "addr": A, "why": ["apex of D", "www of D", "mx of D", "ns of D", "given",
 * "redirect from H2"], "addrs": [addresses]}], in discovery order, one entry per host or
 * address across the documents. Documents from before assets give []. NULL when out of
 * memory.
 */
json_t *analyze_assets(const json_t *observations);

#endif
