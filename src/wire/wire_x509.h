/*
 * A served certificate chain summarized as the "cert" object of a tls_scans entry
 * (docs/OBSERVATIONS.md): per certificate its names, fingerprints (the certificate's and
 * its SubjectPublicKeyInfo's, as DANE matches them), validity, key and signature; for the
 * chain the leaf's names, whether it matches the host, whether it verifies against a trust
 * store, whether the served certificates (plus the store's roots) reach a root and are in
 * order, and the leaf's lifetime against `now`.
 *
 * Certificates are read at any weakness: no security level applies (a 1024-bit RSA key or
 * a SHA-1 chain still verifies to its root), and trust is judged apart from dates (as the
 * web probe does: expired and not_yet_valid say that). It does no I/O beyond what the
 * store holds, and judges nothing: analyzers do.
 */
#ifndef VITALS_WIRE_X509_H
#define VITALS_WIRE_X509_H

#include <jansson.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define X509_CHAIN_MAX 16 /* certificates of a chain read */

/*
 * Summarizes the chain of `n` DER certificates, concatenated in `der` with their lengths
 * in `len` (as served, leaf first). `store` holds the trust anchors (NULL: nothing is
 * trusted), `host` the name to match (an address literal is matched as an IP address;
 * NULL: hostname_match is null). Certificates that do not parse are skipped; returns 0
 * with the object in *out, -EBADMSG when the leaf does not parse (or n is 0), -ENOMEM.
 */
int x509_chain_summary(const uint8_t *der, const size_t *len, unsigned n, X509_STORE *store, const char *host,
                       time_t now, json_t **out);

/* The same from parsed certificates (leaf first; not consumed). */
int x509_chain_summary_x(STACK_OF(X509) * chain, X509_STORE *store, const char *host, time_t now,
                         json_t **out);

#endif
