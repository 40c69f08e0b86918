/*
 * Fuzz target for the deep-TLS analyzer: any bytes are read as JSON (any shape) and analysed.
 * It must never crash, must give 17 findings per tls_scans entry (17 more on the domain when no
 * web endpoint was scanned) and one mail.starttls, each of which converts back to JSON.
 */
#include "analyze_tls.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How many findings analyze_tls() owes for this document. */
static size_t owed(const json_t *obs)
{
	size_t n = 0, web = 0, i;
	const json_t *e;
	while (analyze_tls_check_id(n) != NULL)
		n++;
	json_array_foreach(json_object_get(obs, "tls_scans"), i, e)
	{
		const char *svc = json_string_value(json_object_get(e, "service"));
		/* web endpoints (analyze_tls.c's is_web) count as the domain's scan; DICOM, TURN or
		 * SMTP ones do not */
		web += svc == NULL || strcmp(svc, "https") == 0 || strcmp(svc, "https-alt") == 0;
	}
	return n * json_array_size(json_object_get(obs, "tls_scans")) + (web ? 0 : n) + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings fs = {0};
	json_t *obs = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	int rc = analyze_tls(obs, &fs);
	if (rc == 0 && fs.n != owed(obs))
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
