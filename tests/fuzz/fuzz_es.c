/*
 * Fuzz target for the Elasticsearch/OpenSearch root answer (wire_es.c): the input is parsed
 * as received so far and as closed; kept strings are NUL-terminated inside their fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_es.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int closed = 0; closed < 2; closed++) {
		struct es_reply r;
		if (es_reply_parse(data, size, closed, &r) != 1)
			continue;
		if (r.status < 100 || r.status > 999 ||
		    strnlen(r.cluster_name, sizeof r.cluster_name) == sizeof r.cluster_name ||
		    strnlen(r.version, sizeof r.version) == sizeof r.version ||
		    strnlen(r.distribution, sizeof r.distribution) == sizeof r.distribution ||
		    strnlen(r.tagline, sizeof r.tagline) == sizeof r.tagline ||
		    strnlen(r.product, sizeof r.product) == sizeof r.product)
			abort();
	}
	return 0;
}
