/* DNS wire format to evidence, through ldns. */
#include "wire_dns.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *dns_lookup_new(const char *name, int type, const char *status)
{
	char tname[16];
	char *t = ldns_rr_type2str((ldns_rr_type)type);
	snprintf(tname, sizeof tname, "%s", t ? t : "?");
	free(t);
	return json_pack("{s:s, s:s, s:s, s:n, s:n, s:n, s:[]}", "name", name, "type", tname, "status",
	                 status, "rcode", "sec", "why_bogus", "records");
}

/* TXT character-strings, concatenated; bytes outside printable ASCII as \DDD. */
static json_t *txt_value(const ldns_rr *rr)
{
	char buf[8192];
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(rdf);
		size_t len = ldns_rdf_size(rdf);
		for (size_t k = 1; k < len && len > 0 && k <= d[0] && n + 5 < sizeof buf; k++) {
			uint8_t c = d[k];
			if (c >= 0x20 && c < 0x7f && c != '\\')
				buf[n++] = (char)c;
			else
				n += (size_t)snprintf(buf + n, sizeof buf - n, "\\%03u", c);
		}
	}
	return json_stringn(buf, n);
}

static json_t *rdf_text(const ldns_rdf *rdf, int lower)
{
	char *s = rdf ? ldns_rdf2str(rdf) : NULL;
	if (s == NULL)
		return json_null();
	for (char *p = s; lower && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	json_t *j = json_string(s);
	free(s);
	return j ? j : json_null();
}

/* CAA rdata: flags, tag, value; ldns prints the string parts quoted. */
static json_t *caa_value(const ldns_rr *rr)
{
	if (ldns_rr_rd_count(rr) < 3 || ldns_rdf_size(ldns_rr_rdf(rr, 0)) != 1)
		return json_null();
	char *tag = ldns_rdf2str(ldns_rr_rdf(rr, 1)), *val = ldns_rdf2str(ldns_rr_rdf(rr, 2));
	size_t vl = val ? strlen(val) : 0;
	const char *v = val ? val : "";
	if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
		val[vl - 1] = '\0';
		v = val + 1;
	}
	json_t *j = json_pack("{s:i, s:s, s:s}", "flags", ldns_rdf2native_int8(ldns_rr_rdf(rr, 0)), "tag",
	                      tag ? tag : "", "value", v);
	free(tag);
	free(val);
	return j ? j : json_null();
}

/* TLSA rdata (RFC 6698 s2.1): usage, selector, matching type, and the data as lower-case hex. */
static json_t *tlsa_value(const ldns_rr *rr)
{
	static const char hex[] = "0123456789abcdef";
	if (ldns_rr_rd_count(rr) < 4)
		return json_null();
	for (size_t i = 0; i < 3; i++)
		if (ldns_rdf_size(ldns_rr_rdf(rr, i)) != 1)
			return json_null();
	const ldns_rdf *d = ldns_rr_rdf(rr, 3);
	size_t n = ldns_rdf_size(d);
	const uint8_t *b = ldns_rdf_data(d);
	char *text = malloc(2 * n + 1);
	if (text == NULL)
		return json_null();
	for (size_t i = 0; i < n; i++) {
		text[2 * i] = hex[b[i] >> 4];
		text[2 * i + 1] = hex[b[i] & 15];
	}
	text[2 * n] = '\0';
	json_t *j = json_pack("{s:i, s:i, s:i, s:s}", "usage", ldns_rdf2native_int8(ldns_rr_rdf(rr, 0)),
	                      "selector", ldns_rdf2native_int8(ldns_rr_rdf(rr, 1)), "mtype",
	                      ldns_rdf2native_int8(ldns_rr_rdf(rr, 2)), "data", text);
	free(text);
	return j ? j : json_null();
}

/* The rdata field `i`, or NULL: an empty or short rdata must not reach ldns's asserts. */
static const ldns_rdf *rdf_at(const ldns_rr *rr, size_t i)
{
	return i < ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, i) : NULL;
}

static json_t *record_value(const ldns_rr *rr)
{
	const ldns_rdf *r0 = rdf_at(rr, 0), *r1 = rdf_at(rr, 1);
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_TXT:
		return txt_value(rr);
	case LDNS_RR_TYPE_A:
	case LDNS_RR_TYPE_AAAA:
	case LDNS_RR_TYPE_NS:
		return rdf_text(r0, 1);
	case LDNS_RR_TYPE_MX:
		if (r0 == NULL || r1 == NULL || ldns_rdf_size(r0) != 2)
			return json_null();
		return json_pack("{s:i, s:o}", "pref", ldns_rdf2native_int16(r0), "host", rdf_text(r1, 1));
	case LDNS_RR_TYPE_CAA:
		return caa_value(rr);
	case LDNS_RR_TYPE_TLSA:
		return tlsa_value(rr);
	default: {
		char *s = ldns_rr2str(rr);
		json_t *j = s ? json_string(s) : json_null();
		free(s);
		return j ? j : json_null();
	}
	}
}

static const char *rcode_status(int rcode, size_t nrecords)
{
	switch (rcode) {
	case LDNS_RCODE_NOERROR:
		return nrecords ? "ok" : "nodata";
	case LDNS_RCODE_NXDOMAIN:
		return "nxdomain";
	case LDNS_RCODE_SERVFAIL:
		return "servfail";
	case LDNS_RCODE_REFUSED:
		return "refused";
	default:
		return "error";
	}
}

void dns_lookup_fill(json_t *lk, int type, const void *packet, size_t len)
{
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, packet, len) != LDNS_STATUS_OK) {
		json_object_set_new(lk, "status", json_string("error"));
		json_object_set_new(lk, "error", json_string("unparsable answer"));
		return;
	}
	json_t *recs = json_object_get(lk, "records");
	ldns_rr_list *list = ldns_pkt_rr_list_by_type(pkt, (ldns_rr_type)type, LDNS_SECTION_ANSWER);
	for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++)
		json_array_append_new(recs, record_value(ldns_rr_list_rr(list, i)));
	ldns_rr_list_deep_free(list);
	int rcode = ldns_pkt_get_rcode(pkt);
	char *rc = ldns_pkt_rcode2str((ldns_pkt_rcode)rcode);
	json_object_set_new(lk, "rcode", json_string(rc ? rc : "?"));
	free(rc);
	json_object_set_new(lk, "status", json_string(rcode_status(rcode, json_array_size(recs))));
	ldns_pkt_free(pkt);
}

static void referral_add(json_t *ns, const ldns_rr_list *list, ldns_rr_type want)
{
	for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) != want || ldns_rr_rd_count(rr) < 1 || json_object_size(ns) >= 32)
			continue;
		json_t *name = rdf_text(ldns_rr_rdf(rr, 0), 1);
		if (json_is_string(name) && json_object_get(ns, json_string_value(name)) == NULL)
			json_object_set_new(ns, json_string_value(name), json_array());
		json_decref(name);
	}
}

static void referral_glue(json_t *ns, const ldns_rr_list *list)
{
	for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if ((t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) < 1)
			continue;
		json_t *owner = rdf_text(ldns_rr_owner(rr), 1);
		json_t *addrs = json_object_get(ns, json_string_value(owner) ? json_string_value(owner) : "");
		if (json_is_array(addrs) && json_array_size(addrs) < 16)
			json_array_append_new(addrs, rdf_text(ldns_rr_rdf(rr, 0), 0));
		json_decref(owner);
	}
}

int dns_referral_parse(const void *packet, size_t len, json_t **out)
{
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, packet, len) != LDNS_STATUS_OK)
		return -EINVAL;
	json_t *ns = json_object();
	referral_add(ns, ldns_pkt_authority(pkt), LDNS_RR_TYPE_NS);
	referral_add(ns, ldns_pkt_answer(pkt), LDNS_RR_TYPE_NS);
	referral_glue(ns, ldns_pkt_additional(pkt));
	char *rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt));
	*out = json_pack("{s:s, s:b, s:o}", "rcode", rc ? rc : "?", "aa", ldns_pkt_aa(pkt), "ns", ns);
	free(rc);
	ldns_pkt_free(pkt);
	return *out ? 0 : -ENOMEM;
}

int dns_query_build(const char *name, int type, int rd, uint8_t **wire, size_t *len)
{
	ldns_pkt *pkt = NULL;
	if (ldns_pkt_query_new_frm_str(&pkt, name, (ldns_rr_type)type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0) !=
	    LDNS_STATUS_OK)
		return -EINVAL;
	ldns_pkt_set_random_id(pkt);
	ldns_status st = ldns_pkt2wire(wire, pkt, len);
	ldns_pkt_free(pkt);
	return st == LDNS_STATUS_OK ? 0 : -EINVAL;
}
