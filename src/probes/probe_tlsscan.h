/*
 * The deep-TLS probe (module probe_tlsscan_module, probes.h): on every endpoint the web
 * probe works on (port 443), on every MX address (port 25, after EHLO and STARTTLS) and on
 * every open port of the sweep that speaks TLS from its first byte (DICOM over TLS 2762,
 * TURN over TLS 5349, HTTPS on 8443: tlsscan_service_name) it
 * asks the server a planned series of questions, one TCP connection and one ClientHello
 * each (tlsscan_plan.h decides which), and records the tls_scans entry of the domain
 * document (docs/OBSERVATIONS.md): protocols, weak suite classes, DH prime size, TLS 1.3
 * groups, at full depth every accepted suite in the server's order, the certificate chain
 * (wire_x509.h) and whether OCSP was stapled, and every question asked.
 *
 * Design and trade-offs:
 * - Its own ClientHellos (wire_tls.h), not OpenSSL's: the linked OpenSSL has no SSLv3,
 *   RC4, 3DES or EXPORT, and a ServerHello or alert is all a question needs. Only a TLS
 *   1.3-only server's chain (encrypted) is read through one OpenSSL handshake at security
 *   level 0.
 * - One question per connection, never a suite at a time: a sweep asks one question per
 *   version, then a few class questions whose offered sets are chosen so that one refusal
 *   settles several classes (about 7 to 13 connections for a modern server); full depth
 *   removes each chosen suite and asks again (one connection per accepted suite).
 * - A batch's questions run at once; the pacing's per-address limit (pace.h) decides how
 *   many connect together, so the probe never exceeds it. The first question of an
 *   endpoint goes alone: a silent, refusing or non-TLS peer (or an MX without STARTTLS)
 *   then costs one connection, not five.
 * - A question's connection is closed with a reset once its answer is in (conn_cfg
 *   reset_close): the server has sent its whole flight and is owed nothing more, and neither
 *   side then spends a FIN exchange or keeps TIME_WAIT state for a connection that carried one
 *   hello (about 15% of the servers' CPU and 3% of vitals' in a full enumeration).
 * - Every question has the connection deadline (--timeout) from its connect, bytes never
 *   extend it, and the reader's cap bounds memory; the organization deadline cancels the
 *   rest (then status "timeout" with what was learned so far).
 * - An endpoint outside the organization's domains (a vendor's portal or MX, a given
 *   address) is measured once per scan (share.h), as the web probe does; the others take
 *   the published entry or wait for it. Keyed by depth, host, address and port.
 * It judges nothing: analyze_tls.c does.
 */
#ifndef VITALS_PROBE_TLSSCAN_H
#define VITALS_PROBE_TLSSCAN_H

#include "engine.h"

#define TLSSCAN_READ_MAX  (128 * 1024) /* bytes of TLS kept per question (a long chain fits) */
#define TLSSCAN_EHLO_NAME "vitals.invalid"

/* Where a unit's endpoints are asked: the module's own are 443, and 25 with STARTTLS. */
struct tlsscan_where {
	unsigned port;       /* TCP port */
	int smtp;            /* EHLO and STARTTLS before the TLS questions */
	const char *sni;     /* for a UNIT_ADDRESS: the server name sent and matched, or NULL (none) */
	const char *service; /* the entry's "service": NULL for "https" (or "smtp" with smtp set) */
};

/*
 * Deep TLS of every endpoint of `u` (a host's addresses, or a given address) at `w`, at the
 * engine's --tls depth, as the module does for its own units: one tls_scans entry each in
 * ds's document. For commands that name their endpoints (`vitals tls`). 0 or a negative
 * errno (a resource error has made the organization scan again later).
 */
int tlsscan_unit(struct engine *e, struct domain_scan *ds, const struct unit *u,
                 const struct tlsscan_where *w);

/* The "service" of a TLS port the sweep finds open ("dicom-tls", "turns", "https-alt"), or
 * NULL when the port is not one the module measures as a service. */
const char *tlsscan_service_name(unsigned port);

#endif
