/*
 * Fuzz target for whole HTTP/1.x responses (wire_http1.c): the input is parsed as it grows
 * (every prefix the first byte's step gives) and once closed; spans must lie inside the
 * input and header values be terminated and printable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size, const struct http1_response *r)
{
	char v[128];
	if (r->body < data || r->body + r->body_len > data + size || r->head < data ||
	    r->head + r->head_len > data + size || r->status < 100 || r->status > 599)
		abort();
	if (http1_header(r, "Content-Type", v, sizeof v) == 0)
		for (size_t i = 0; v[i]; i++)
			if (v[i] < 0x20 || v[i] > 0x7e)
				abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t step = (size_t)data[0] % 64 + 1;
	data++, size--;
	struct http1_response r;
	for (size_t n = 0; n <= size; n += step) {
		if (http1_parse(data, n, 0, &r) == 1)
			check(data, n, &r);
	}
	if (http1_parse(data, size, 1, &r) == 1)
		check(data, size, &r);
	return 0;
}
