/*
 * Fuzz target for the DNS analyzer: any bytes are read as JSON (any shape) and
 * analysed. It must never crash, and must give exactly one finding per DNS check,
 * each of which must convert back to JSON (valid UTF-8 details and reasons).
 */
#include "analyze.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings fs = {0};
	json_t *obs = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	int rc = analyze_dns(obs, 1795000000, &fs);
	if (rc == 0 && fs.n != 17)
		abort();
	for (size_t i = 0; i < fs.n; i++) {
		json_t *j = finding_to_json(&fs.v[i]);
		if (j == NULL)
			abort();
		json_decref(j);
	}
	findings_clear(&fs);
	json_decref(obs);
	return 0;
}
