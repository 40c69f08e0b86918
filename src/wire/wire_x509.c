/* A served certificate chain as the tls_scans "cert" object: see wire_x509.h. */
#include "wire_x509.h"

#include "wire_text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#define NAMES_MAX 100 /* leaf DNS names kept */

/* One-line RFC 2253 form; non-ASCII bytes come out escaped, so the text is ASCII. */
static json_t *name_json(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	json_t *v = NULL;
	char *data;
	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		long n = BIO_get_mem_data(b, &data);
		v = json_stringn(n > 0 ? data : "", n > 0 ? (size_t)n : 0);
	}
	BIO_free(b);
	return v;
}

static json_t *hex_json(const unsigned char *md, unsigned n)
{
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * n] = '\0';
	return json_string(hex);
}

static json_t *digest_json(const unsigned char *p, size_t len, const EVP_MD *md)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (EVP_Digest(p, len, out, &n, md, NULL) != 1)
		return NULL;
	return hex_json(out, n);
}

/* The digest of the DER SubjectPublicKeyInfo (DANE selector 1). */
static json_t *spki_json(X509 *x, const EVP_MD *md)
{
	unsigned char *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	json_t *v = n > 0 ? digest_json(der, (size_t)n, md) : NULL;
	OPENSSL_free(der);
	return v;
}

static json_t *cert_digest(X509 *x, const EVP_MD *md)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	return X509_digest(x, md, out, &n) == 1 ? hex_json(out, n) : NULL;
}

static json_t *time_json(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return json_null();
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static const char *key_type(int id)
{
	switch (id) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return "rsa";
	case EVP_PKEY_EC:
		return "ec";
	case EVP_PKEY_ED25519:
		return "ed25519";
	case EVP_PKEY_ED448:
		return "ed448";
	case EVP_PKEY_DSA:
		return "dsa";
	default:
		return "other";
	}
}

/* "rsa-sha256", "ecdsa-sha1", "rsa-md5", "rsa-pss", "ed25519", ... */
static json_t *sig_json(X509 *x)
{
	int md = NID_undef, pk = NID_undef;
	char buf[64];
	const char *kind;
	if (!X509_get_signature_info(x, &md, &pk, NULL, NULL) &&
	    !OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk))
		return json_string("other");
	switch (pk) {
	case EVP_PKEY_RSA_PSS:
		return json_string("rsa-pss");
	case EVP_PKEY_ED25519:
		return json_string("ed25519");
	case EVP_PKEY_ED448:
		return json_string("ed448");
	case EVP_PKEY_RSA:
		kind = "rsa";
		break;
	case EVP_PKEY_EC:
		kind = "ecdsa";
		break;
	case EVP_PKEY_DSA:
		kind = "dsa";
		break;
	default:
		kind = "other";
	}
	const char *h = md != NID_undef ? OBJ_nid2sn(md) : NULL;
	snprintf(buf, sizeof buf, "%s-%s", kind, h ? h : "unknown");
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return json_string(buf);
}

static int is_self_signed(X509 *x)
{
	return X509_self_signed(x, 1) == 1;
}

static json_t *cert_json(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	return json_pack("{s:o?, s:o?, s:o?, s:o?, s:o?, s:o, s:o, s:s, s:i, s:o?, s:b, s:b}", "subject",
	                 name_json(X509_get_subject_name(x)), "issuer", name_json(X509_get_issuer_name(x)),
	                 "sha256", cert_digest(x, EVP_sha256()), "spki_sha256", spki_json(x, EVP_sha256()),
	                 "spki_sha512", spki_json(x, EVP_sha512()), "not_before",
	                 time_json(X509_get0_notBefore(x)), "not_after", time_json(X509_get0_notAfter(x)),
	                 "key_type", pk ? key_type(EVP_PKEY_get_base_id(pk)) : "other", "key_bits",
	                 pk ? EVP_PKEY_get_bits(pk) : 0, "sig", sig_json(x), "self_signed", is_self_signed(x),
	                 "ca", (X509_get_extension_flags(x) & EXFLAG_CA) != 0);
}

/* The leaf's DNS subjectAltNames, or its CN when it has none. */
static json_t *names_json(X509 *leaf)
{
	json_t *a = json_array();
	GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; a != NULL && i < sk_GENERAL_NAME_num(gens) && json_array_size(a) < NAMES_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS)
			json_array_append_new(a, text_json((const char *)ASN1_STRING_get0_data(g->d.dNSName),
			                                   (size_t)ASN1_STRING_length(g->d.dNSName)));
	}
	if (a != NULL && gens == NULL) {
		char cn[256];
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, cn, sizeof cn) > 0)
			json_array_append_new(a, text_json(cn, strlen(cn)));
	}
	GENERAL_NAMES_free(gens);
	return a;
}

static int is_address(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static json_t *host_match(X509 *leaf, const char *host)
{
	if (host == NULL)
		return json_null();
	if (is_address(host))
		return json_boolean(X509_check_ip_asc(leaf, host, 0) == 1);
	return json_boolean(X509_check_host(leaf, host, 0, 0, NULL) == 1);
}

struct verdict {
	int trusted;  /* a path to a trust anchor, no error on it */
	int err;      /* the first verification error (X509_V_OK: none) */
	int complete; /* the path ends at a root and its other members were served */
};

static int served(STACK_OF(X509) * chain, X509 *x)
{
	for (int i = 0; i < sk_X509_num(chain); i++)
		if (X509_cmp(sk_X509_value(chain, i), x) == 0)
			return 1;
	return 0;
}

/* The built path ends at a self-signed certificate, and every member below it was served. */
static int path_complete(X509_STORE_CTX *ctx, STACK_OF(X509) * chain)
{
	STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
	int n = sk_X509_num(path);
	if (n < 1 || X509_self_signed(sk_X509_value(path, n - 1), 0) != 1)
		return 0;
	for (int i = 0; i < n - 1; i++)
		if (!served(chain, sk_X509_value(path, i)))
			return 0;
	return 1;
}

/*
 * Keeps the first error (OpenSSL keeps only the last) and goes on, so the whole path is
 * built whatever it lacks: chain_complete reads the path.
 */
static int first_error_cb(int ok, X509_STORE_CTX *ctx)
{
	int *first = X509_STORE_CTX_get_app_data(ctx);
	if (!ok && first != NULL && *first == X509_V_OK)
		*first = X509_STORE_CTX_get_error(ctx);
	return 1;
}

static int verify(STACK_OF(X509) * chain, X509_STORE *store, struct verdict *v)
{
	X509_STORE *empty = store ? NULL : X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -ENOMEM, first = X509_V_OK;
	if (ctx == NULL || (store == NULL && empty == NULL))
		goto out;
	if (X509_STORE_CTX_init(ctx, store ? store : empty, sk_X509_value(chain, 0), chain) != 1)
		goto out;
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
	/* Weak keys and digests are observed, not refused; dates are judged apart. */
	X509_VERIFY_PARAM_set_auth_level(vp, 0);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_NO_CHECK_TIME);
	X509_VERIFY_PARAM_clear_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_STORE_CTX_set_app_data(ctx, &first);
	X509_STORE_CTX_set_verify_cb(ctx, first_error_cb);
	int ok = X509_verify_cert(ctx);
	v->err = first;
	v->trusted = ok == 1 && first == X509_V_OK;
	v->complete = path_complete(ctx, chain);
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(empty);
	return rc;
}

/* Each served certificate is issued by the next one. */
static int ordered(STACK_OF(X509) * chain)
{
	for (int i = 0; i + 1 < sk_X509_num(chain); i++)
		if (X509_check_issued(sk_X509_value(chain, i + 1), sk_X509_value(chain, i)) != X509_V_OK)
			return 0;
	return 1;
}

static json_t *days_between(const ASN1_TIME *from, const ASN1_TIME *to)
{
	int days = 0, secs = 0;
	if (from == NULL || to == NULL || ASN1_TIME_diff(&days, &secs, from, to) != 1)
		return json_null();
	return json_integer(days);
}

/* validity_days, days_left, expired, not_yet_valid of the leaf at `now`. */
static int lifetime(json_t *cert, X509 *leaf, time_t now)
{
	const ASN1_TIME *nb = X509_get0_notBefore(leaf), *na = X509_get0_notAfter(leaf);
	ASN1_TIME *t = ASN1_TIME_set(NULL, now);
	if (t == NULL)
		return -ENOMEM;
	time_t when = now;
	json_object_set_new(cert, "validity_days", days_between(nb, na));
	json_object_set_new(cert, "days_left", days_between(t, na));
	json_object_set_new(cert, "expired", json_boolean(X509_cmp_time(na, &when) < 0));
	json_object_set_new(cert, "not_yet_valid", json_boolean(X509_cmp_time(nb, &when) > 0));
	ASN1_TIME_free(t);
	return 0;
}

static json_t *chain_json(STACK_OF(X509) * chain)
{
	json_t *a = json_array();
	for (int i = 0; a != NULL && i < sk_X509_num(chain); i++)
		if (json_array_append_new(a, cert_json(sk_X509_value(chain, i))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int x509_chain_summary_x(STACK_OF(X509) * chain, X509_STORE *store, const char *host, time_t now,
                         json_t **out)
{
	struct verdict v = {0};
	X509 *leaf = sk_X509_value(chain, 0);
	if (leaf == NULL)
		return -EBADMSG;
	if (verify(chain, store, &v) < 0)
		return -ENOMEM;
	json_t *cert = json_pack(
	    "{s:o?, s:o?, s:o, s:b, s:o, s:b, s:b}", "chain", chain_json(chain), "names", names_json(leaf),
	    "hostname_match", host_match(leaf, host), "trusted", v.trusted, "verify_error",
	    v.err == X509_V_OK ? json_null() : json_string(X509_verify_cert_error_string(v.err)),
	    "chain_complete", v.complete, "chain_ordered", ordered(chain));
	if (cert == NULL || lifetime(cert, leaf, now) < 0) {
		json_decref(cert);
		return -ENOMEM;
	}
	*out = cert;
	return 0;
}

int x509_chain_summary(const uint8_t *der, const size_t *len, unsigned n, X509_STORE *store, const char *host,
                       time_t now, json_t **out)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	int rc = chain ? 0 : -ENOMEM;
	for (unsigned i = 0; rc == 0 && i < n && i < X509_CHAIN_MAX; i++) {
		const unsigned char *p = der;
		X509 *x = len[i] <= LONG_MAX ? d2i_X509(NULL, &p, (long)len[i]) : NULL;
		der += len[i];
		/* Trailing bytes after the certificate's DER make it unreadable as served. */
		if (x != NULL && p != der) {
			X509_free(x);
			x = NULL;
		}
		if (x == NULL && i == 0)
			rc = -EBADMSG;
		else if (x != NULL && sk_X509_push(chain, x) <= 0) {
			X509_free(x);
			rc = -ENOMEM;
		}
	}
	if (rc == 0 && sk_X509_num(chain) == 0)
		rc = -EBADMSG;
	if (rc == 0)
		rc = x509_chain_summary_x(chain, store, host, now, out);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}
