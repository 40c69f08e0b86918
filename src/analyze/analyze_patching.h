/*
 * The patching checks (docs/METHODOLOGY.md, version 5, "Patching (banner-inferred)"): the
 * software versions the service probes recorded for one open port (an SSH banner, a TURN
 * SOFTWARE attribute, a Redis or MySQL version, an Orthanc /system Version: the "software",
 * "version", "banner" and "server" texts of every probe object of the entry that answered;
 * and the Server header of the web probe's answers on the address's ports 80 and 443, which
 * analyze_services.c hands in as an entry of probe "web")
 * matched against the table of end-of-life (svc.patching.eol) and known-vulnerable
 * (svc.patching.known_vuln) version ranges (versions.h). A distribution that backports a fix
 * keeps announcing the old version, so every pass or fail says it is banner-inferred, of lower
 * confidence, with the reason "banner_inferred". Rows of analyze_services.c over every probe
 * ("*"); the address's worst entry stands. Pure: the table is compiled in or handed in.
 */
#ifndef VITALS_ANALYZE_PATCHING_H
#define VITALS_ANALYZE_PATCHING_H

#include <jansson.h>

#include "analyze_services.h"
#include "versions.h"

/* One services entry against table `db`: eol 1 for end of life, 0 for known vulnerable. */
void patching_judge_entry(const json_t *entry, const struct version_db *db, int eol, struct svc_verdict *v);

/* The table vitals ships (data/versions.json compiled in), parsed once; NULL if it does not parse. */
const struct version_db *patching_default_db(void);

#endif
