/*
 * The patching checks (docs/METHODOLOGY.md, version 5, "Patching (banner-inferred)"): the
 * software versions the service probes recorded at one swept address (an SSH banner, a TURN
 * SOFTWARE attribute, a Redis or MySQL version, an Orthanc /system Version: any "software",
 * "version", "banner" or "server" text of a probe object that answered) matched against the
 * table of end-of-life (svc.patching.eol) and known-vulnerable (svc.patching.known_vuln)
 * version ranges (versions.h). A distribution that backports a fix keeps announcing the old
 * version, so every such finding says it is banner-inferred and of lower confidence, and
 * carries the reason "banner_inferred". Pure: the table is handed in, no file is read.
 */
#ifndef VITALS_ANALYZE_PATCHING_H
#define VITALS_ANALYZE_PATCHING_H

#include <jansson.h>

#include "analyze_svc_turn.h"
#include "versions.h"

/*
 * `sweep`: the address's port_sweeps object; `entries`: its services entries; `db`: the
 * table; `eol`: 1 for svc.patching.eol, 0 for svc.patching.known_vuln. 0 and *v, or -ENOMEM.
 */
int patching_judge(const json_t *sweep, const json_t *entries, const struct version_db *db, int eol,
                   struct svc_verdict *v);

/* The table vitals ships (data/versions.json compiled in), parsed once; NULL if it does not parse. */
const struct version_db *patching_default_db(void);

#endif
