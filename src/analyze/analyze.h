/*
 * Analyzers: pure functions from one domain's observations (a JSON document
 * described in docs/OBSERVATIONS.md) to findings. They do no I/O, read no clock
 * (the scan time comes in `now`) and never print, so they are unit-tested on canned
 * evidence and re-run offline.
 *
 * Every check id they emit is in the methodology table (method.c). Each analyzer
 * emits exactly one finding per check it owns for the domain, whatever the input:
 * a missing or failed lookup gives an indeterminate finding with the lookup's
 * status as reason ("timeout", "servfail", "out_of_scope", ...), never a fail.
 */
#ifndef VITALS_ANALYZE_H
#define VITALS_ANALYZE_H

#include <jansson.h>
#include <time.h>

#include "analyze_mail.h"
#include "finding.h"

/* dns.dnssec.*, dns.spf.*, dns.dmarc.*, dns.caa.present, dns.mx.present, dns.ns.*, dns.axfr.refused */
int analyze_dns(const json_t *obs, time_t now, struct findings *out);
/* tls.*, web.* */
int analyze_web(const json_t *obs, time_t now, struct findings *out);
/* 1 when the observations show every name server of the domain is outside the scan scope. */
int analyze_dns_out_of_scope(const json_t *obs);
/*
 * The above, analyze_tls() (analyze_tls.h) and analyze_mail() (analyze_mail.h), in that
 * order; indeterminate findings caused by failed
 * resolution get reason "out_of_scope" when analyze_dns_out_of_scope() holds.
 * Returns 0 or a negative errno code.
 */
int analyze_domain(const json_t *obs, time_t now, struct findings *out);

#endif
