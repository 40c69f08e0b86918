/*
 * Fuzzes the DNS packet to evidence conversion (wire_dns.c): arbitrary bytes as a
 * response to TXT, A, NS, MX, CAA, SOA and TLSA questions, and as a referral. The
 * lookup must stay valid JSON whatever the packet says.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {16, 1, 2, 15, 257, 6, 52};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		json_t *lk = dns_lookup_new("fuzz.test", types[i], "error");
		assert(lk != NULL);
		dns_lookup_fill(lk, types[i], data, size);
		assert(json_is_string(json_object_get(lk, "status")));
		assert(json_is_array(json_object_get(lk, "records")));
		char *text = json_dumps(lk, 0);
		assert(text != NULL);
		free(text);
		json_decref(lk);
	}
	json_t *ref = NULL;
	if (dns_referral_parse(data, size, &ref) == 0) {
		assert(json_is_object(json_object_get(ref, "ns")));
		json_decref(ref);
	}
	return 0;
}
