/*
 * Fuzz target for the chain summary (wire_x509.c): the input is a chain as a TLS
 * Certificate message carries it, each certificate a 3-byte length then its DER (at most
 * X509_CHAIN_MAX); the first byte picks the name checked (a host, an address or none).
 * Each certificate is also read alone with d2i_X509. The summary must succeed or fail
 * cleanly, and what it writes must have every member of the contract.
 */
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hosts[] = {"www.example.test", "127.0.0.1", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len[X509_CHAIN_MAX], off = 1;
	unsigned n = 0;
	if (size < 1)
		return 0;
	const char *host = hosts[data[0] % 3];
	uint8_t *der = malloc(size);
	size_t total = 0;
	if (der == NULL)
		return 0;
	while (n < X509_CHAIN_MAX && off + 3 <= size) {
		size_t l = (size_t)data[off] << 16 | (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (l > size - off)
			break;
		memcpy(der + total, data + off, l);
		const unsigned char *p = data + off;
		X509_free(d2i_X509(NULL, &p, (long)l));
		len[n++] = l;
		total += l;
		off += l;
	}
	json_t *out = NULL;
	X509_STORE *store = X509_STORE_new();
	if (x509_chain_summary(der, len, n, store, host, 1800000000, &out) == 0) {
		const char *keys[] = {"chain",        "names",          "hostname_match", "trusted",
		                      "verify_error", "chain_complete", "chain_ordered",  "validity_days",
		                      "days_left",    "expired",        "not_yet_valid"};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (json_object_get(out, keys[i]) == NULL)
				abort();
		if (json_array_size(json_object_get(out, "chain")) == 0)
			abort();
	}
	json_decref(out);
	X509_STORE_free(store);
	free(der);
	return 0;
}
