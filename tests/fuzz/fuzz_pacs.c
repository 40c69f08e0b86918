/* Fuzz target for a PACS web API's /system answer (wire_pacs.c): kept text terminated and printable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_pacs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
	size_t n = strnlen(s, PACS_TEXT_MAX);
	if (n >= PACS_TEXT_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacs_system p;
	if (pacs_system_parse((const char *)data, size, &p) == 0) {
		check_text(p.name);
		check_text(p.version);
		check_text(p.aet);
	}
	return 0;
}
