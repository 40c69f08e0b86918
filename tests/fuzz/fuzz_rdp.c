/*
 * Fuzz target for RDP Connection Confirms (wire_rdp.c): every prefix of the input is parsed
 * as the bytes received so far; a whole reply must fit in what was given, and the names of
 * what it carries must be NULL or strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_rdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t n = 0; n <= size && n <= RDP_REPLY_MAX + 1; n++) {
		struct rdp_reply r;
		int rc = rdp_parse_reply(data, n, &r);
		if (rc > (int)n || rc > RDP_REPLY_MAX)
			abort();
		if (rc > 0) {
			const char *s = r.type == RDP_NEG_FAILURE ? rdp_failure_name(r.value)
			                                          : rdp_protocol_name(r.value);
			if (s != NULL && strlen(s) == 0)
				abort();
			break;
		}
		if (rc < 0)
			break;
	}
	return 0;
}
