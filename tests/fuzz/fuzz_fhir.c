/*
 * Fuzz target for FHIR answers (wire_fhir.c): the input is read as a CapabilityStatement, a
 * SMART configuration and a count search answer. Every kept text must be terminated and
 * printable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_fhir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
	size_t n = strnlen(s, FHIR_TEXT_MAX);
	if (n >= FHIR_TEXT_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct fhir_capability c;
	struct fhir_smart s;
	struct fhir_count n;
	if (fhir_capability_parse(body, size, &c) == 0) {
		check_text(c.software);
		check_text(c.version);
		check_text(c.fhir_version);
		check_text(c.security_service);
	}
	(void)fhir_smart_parse(body, size, &s);
	if (fhir_count_parse(body, size, &n) == 0 && n.total < -1)
		abort();
	return 0;
}
