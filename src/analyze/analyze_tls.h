/*
 * The deep-TLS analyzer: the version 4 tls.* checks and mail.starttls from the
 * "tls_scans" part of a domain's observations (docs/OBSERVATIONS.md; one object per
 * endpoint, web endpoints on port 443 and MX hosts on port 25 after STARTTLS).
 *
 * One finding per check and endpoint, named as analyze_web.c names its endpoints (the
 * host as domain, the address as endpoint, ":PORT" added when it is not 443), and one
 * mail.starttls finding per domain. Pure: no I/O, no clock. It judges answers the probe
 * recorded and never guesses one: a null answer is indeterminate, an endpoint whose scan
 * did not reach TLS is indeterminate or not applicable by its status, never a pass.
 * It does not judge trust, host name or expiry (analyze_web.c does, from the web probe)
 * nor MTA-STS, TLS-RPT or DANE (the mail-policy analyzer does).
 */
#ifndef VITALS_ANALYZE_TLS_H
#define VITALS_ANALYZE_TLS_H

#include <jansson.h>

#include "finding.h"

/*
 * Appends the findings for one domain's observation document. A document without
 * "tls_scans" (the probe did not run) gives one indeterminate finding per tls.* check on
 * the domain and an indeterminate mail.starttls. Returns 0 or a negative errno code.
 */
int analyze_tls(const json_t *obs, struct findings *out);

/* The id of the i-th tls.* check analyze_tls() emits per endpoint (table order), NULL past the last. */
const char *analyze_tls_check_id(size_t i);

#endif
