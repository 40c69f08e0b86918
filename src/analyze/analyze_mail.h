/*
 * The mail transport policy analyzer: mail.mta_sts (RFC 8461), mail.tlsrpt (RFC 8460)
 * and mail.dane (RFC 7672) from a domain document's mail_policy (written by the mailpol
 * probe), dns.mx and the SMTP endpoints' tls_scans (written by the tlsscan probe).
 *
 * One finding of each check per domain (the domain itself, no endpoint), so a finding's
 * identity never depends on what the scan happened to see. DANE is published per MX host
 * name and every address of a host must serve a certificate its TLSA records match; the
 * domain's mail.dane is the worst of its MX hosts (fail, then indeterminate, then pass),
 * each host's verdict in the evidence. Pure: no I/O, no clock. mail.starttls belongs to
 * the TLS analyzer.
 */
#ifndef VITALS_ANALYZE_MAIL_H
#define VITALS_ANALYZE_MAIL_H

#include <jansson.h>
#include <time.h>

#include "finding.h"

/* Appends the mail.* findings of one domain document; 0 or -ENOMEM. */
int analyze_mail(const json_t *obs, time_t now, struct findings *out);

#endif
