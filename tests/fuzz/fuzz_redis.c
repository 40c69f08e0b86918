/*
 * Fuzz target for Redis replies (wire_redis.c): replies are read one after the other as
 * the probe reads them; a reply taken must lie inside the input, its line must be a string
 * inside its buffer, and the INFO reader must stay inside the bulk it is given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	for (int i = 0; i < 16 && off < size; i++) {
		struct redis_reply r;
		int n = redis_reply_parse(data + off, size - off, &r);
		if (n <= 0)
			break;
		if ((size_t)n > size - off || strlen(r.line) >= REDIS_LINE_MAX)
			abort();
		if (r.bulk != NULL) {
			char v[REDIS_VERSION_MAX + 1];
			if (r.bulk < data + off || r.bulk + r.bulk_len > data + off + (size_t)n)
				abort();
			if (redis_info_version(r.bulk, r.bulk_len, v, sizeof v) == 0 &&
			    strlen(v) > REDIS_VERSION_MAX)
				abort();
		}
		off += (size_t)n;
	}
	return 0;
}
