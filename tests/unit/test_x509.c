/*
 * wire_x509 on chains made here with OpenSSL: an EC root and intermediate, leaves with a
 * 1024-bit RSA key signed with SHA-1, expired, not yet valid, self-signed, for another
 * name; chains served whole, without the intermediate and out of order. Every field of
 * the "cert" object is checked against what the test made.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "wire_x509.h"

#define DAY 86400L

static time_t now;

static void ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for cn with key, valid from `from` to `to` days from now, signed by ikey (NULL: itself). */
static X509 *make(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const EVP_MD *md, long from,
                  long to, int ca)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_time_adj_ex(X509_getm_notBefore(x), (int)from, 0, &now);
	X509_time_adj_ex(X509_getm_notAfter(x), (int)to, 0, &now);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"vitals test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, key);
	ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (!ca)
		ext(x, issuer ? issuer : x, NID_subject_alt_name, "DNS:www.example.test,IP:127.0.0.1");
	X509_sign(x, ikey ? ikey : key, md);
	return x;
}

static size_t der_of(X509 *const *xs, unsigned n, uint8_t *buf, size_t *len)
{
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned char *p = buf + off;
		int k = i2d_X509(xs[i], &p);
		len[i] = (size_t)k;
		off += (size_t)k;
	}
	return off;
}

static json_t *summary(X509 *const *xs, unsigned n, X509_STORE *store, const char *host)
{
	static uint8_t buf[65536];
	size_t len[8];
	json_t *out = NULL;
	der_of(xs, n, buf, len);
	int rc = x509_chain_summary(buf, len, n, store, host, now, &out);
	return rc == 0 ? out : NULL;
}

static int b(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_null(v) || v == NULL ? -1 : json_is_true(v);
}

static json_int_t i(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *s(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "(none)";
}

static json_t *cert_at(json_t *c, size_t k)
{
	return json_array_get(json_object_get(c, "chain"), k);
}

int main(void)
{
	now = time(NULL);
	EVP_PKEY *rk = EVP_EC_gen("P-256"), *ik = EVP_EC_gen("P-256"), *lk = EVP_RSA_gen(1024),
	         *ek = EVP_EC_gen("P-256");
	X509 *root = make("test root", rk, NULL, NULL, EVP_sha256(), 0, 3650, 1);
	X509 *in = make("test intermediate", ik, root, rk, EVP_sha256(), 0, 3650, 1);
	X509 *leaf = make("www.example.test", lk, in, ik, EVP_sha1(), 0, 365, 0);
	X509 *expired = make("www.example.test", ek, in, ik, EVP_sha256(), -400, -35, 0);
	X509 *early = make("www.example.test", ek, in, ik, EVP_sha256(), 30, 395, 0);
	X509 *self = make("www.example.test", lk, NULL, NULL, EVP_sha1(), 0, 1825, 0);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_add_cert(store, root);

	X509 *whole[] = {leaf, in};
	json_t *c = summary(whole, 2, store, "www.example.test");
	ok(c != NULL, "a leaf and its intermediate: summarized");
	json_t *l = cert_at(c, 0), *m = cert_at(c, 1);
	is_str(s(l, "subject"), "CN=www.example.test,O=vitals test", "subject in RFC 2253 order");
	is_str(s(l, "issuer"), "CN=test intermediate,O=vitals test", "issuer");
	is_str(s(l, "key_type"), "rsa", "key type");
	is_int(i(l, "key_bits"), 1024, "1024-bit RSA observed, not refused");
	is_str(s(l, "sig"), "ecdsa-sha1", "signed by the EC intermediate with SHA-1");
	is_str(s(m, "sig"), "ecdsa-sha256", "the intermediate's signature");
	ok(b(l, "ca") == 0 && b(m, "ca") == 1 && b(l, "self_signed") == 0,
	   "ca and self_signed per certificate");
	ok(strlen(s(l, "sha256")) == 64 && strlen(s(l, "spki_sha256")) == 64 &&
	       strlen(s(l, "spki_sha512")) == 128,
	   "fingerprints in hex");
	ok(strcmp(s(l, "spki_sha256"), s(l, "sha256")) != 0, "the SPKI digest is not the certificate's");
	ok(strlen(s(l, "not_before")) == 20 && s(l, "not_after")[19] == 'Z', "dates in ISO 8601 UTC");
	ok(json_array_size(json_object_get(c, "names")) == 1 &&
	       strcmp(json_string_value(json_array_get(json_object_get(c, "names"), 0)),
	              "www.example.test") == 0,
	   "names: the DNS SANs");
	ok(b(c, "hostname_match") == 1 && b(c, "trusted") == 1 &&
	       json_is_null(json_object_get(c, "verify_error")),
	   "matches and verifies at authentication level 0");
	ok(b(c, "chain_complete") == 1 && b(c, "chain_ordered") == 1, "complete and ordered");
	is_int(i(c, "validity_days"), 365, "validity days");
	ok(i(c, "days_left") >= 364 && i(c, "days_left") <= 365, "days left");
	ok(b(c, "expired") == 0 && b(c, "not_yet_valid") == 0, "current");
	json_decref(c);

	c = summary(whole, 2, store, "other.test");
	ok(c && b(c, "hostname_match") == 0, "another name does not match");
	json_decref(c);
	c = summary(whole, 2, store, "127.0.0.1");
	ok(c && b(c, "hostname_match") == 1, "an address is matched against IP SANs");
	json_decref(c);
	c = summary(whole, 2, store, NULL);
	ok(c && b(c, "hostname_match") == -1, "no host: hostname_match null");
	json_decref(c);
	c = summary(whole, 2, NULL, "www.example.test");
	ok(c && b(c, "trusted") == 0 && b(c, "chain_complete") == 0, "no store: nothing trusted");
	json_decref(c);

	X509 *alone[] = {leaf};
	c = summary(alone, 1, store, "www.example.test");
	ok(c && b(c, "trusted") == 0 && b(c, "chain_complete") == 0 && b(c, "chain_ordered") == 1,
	   "missing intermediate: untrusted, incomplete, ordered");
	is_str(s(c, "verify_error"), "unable to get local issuer certificate", "its verify error");
	json_decref(c);

	X509 *shuffled[] = {leaf, root, in};
	c = summary(shuffled, 3, store, "www.example.test");
	ok(c && b(c, "chain_ordered") == 0 && b(c, "chain_complete") == 1 && b(c, "trusted") == 1,
	   "out of order: not ordered, still complete and trusted");
	ok(c && b(cert_at(c, 1), "self_signed") == 1, "the served root is self-signed");
	json_decref(c);

	X509 *old[] = {expired, in};
	c = summary(old, 2, store, "www.example.test");
	ok(c && b(c, "expired") == 1 && b(c, "not_yet_valid") == 0 && b(c, "trusted") == 1,
	   "expired: trust judged apart from dates");
	ok(c && i(c, "days_left") == -35 && i(c, "validity_days") == 365, "days left negative");
	json_decref(c);

	X509 *young[] = {early, in};
	c = summary(young, 2, store, "www.example.test");
	ok(c && b(c, "not_yet_valid") == 1 && b(c, "expired") == 0, "not yet valid");
	json_decref(c);

	X509 *own[] = {self};
	c = summary(own, 1, store, "www.example.test");
	ok(c && b(cert_at(c, 0), "self_signed") == 1 && b(c, "trusted") == 0 && b(c, "chain_complete") == 1,
	   "self-signed: untrusted, complete (it is its own root)");
	is_str(s(c, "verify_error"), "self-signed certificate", "its verify error");
	is_str(s(cert_at(c, 0), "sig"), "rsa-sha1", "signed by its own RSA key with SHA-1");
	is_int(i(c, "validity_days"), 1825, "five years");
	json_decref(c);

	uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	size_t jl = sizeof junk;
	json_t *out = NULL;
	is_int(x509_chain_summary(junk, &jl, 1, store, NULL, now, &out), -EBADMSG,
	       "a leaf that does not parse");
	is_int(x509_chain_summary(junk, &jl, 0, store, NULL, now, &out), -EBADMSG, "no certificate");
	ok(out == NULL, "nothing written on failure");

	X509_STORE_free(store);
	X509 *all[] = {root, in, leaf, expired, early, self};
	for (size_t k = 0; k < 6; k++)
		X509_free(all[k]);
	EVP_PKEY_free(rk), EVP_PKEY_free(ik), EVP_PKEY_free(lk), EVP_PKEY_free(ek);
	return done_testing();
}
