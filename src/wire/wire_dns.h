/*
 * DNS wire format to evidence: turns a DNS response packet into the *lookup*
 * JSON object of docs/OBSERVATIONS.md, reads the name servers (and glue) of a
 * referral, and builds queries. Parsing of the packet itself is ldns's; this
 * module only decides what of it is kept and how it is written down, and it
 * never trusts lengths or text in the packet. No I/O.
 */
#ifndef VITALS_WIRE_DNS_H
#define VITALS_WIRE_DNS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A lookup object with the given status and no answer yet (rcode, sec, why_bogus null; records []). */
json_t *dns_lookup_new(const char *name, int type, const char *status);

/*
 * Fills `lk` from a response packet: rcode, status (ok, nodata, nxdomain, servfail,
 * refused, error) and the answer records of `type`. An unparsable packet gives
 * status "error".
 */
void dns_lookup_fill(json_t *lk, int type, const void *packet, size_t len);

/*
 * Reads a referral (or authoritative answer) for `zone`: the NS names in the
 * authority or answer section, each with the A addresses found as glue. Writes
 * {"rcode": "NOERROR", "aa": false, "ns": {"ns1.x.test.": ["127.0.0.1"], ...}}
 * into *out. Returns 0, or -EINVAL for an unparsable packet.
 */
int dns_referral_parse(const void *packet, size_t len, json_t **out);

/* A query for (name, type) with a random id; rd sets recursion desired. Caller frees *wire. */
int dns_query_build(const char *name, int type, int rd, uint8_t **wire, size_t *len);

#endif
