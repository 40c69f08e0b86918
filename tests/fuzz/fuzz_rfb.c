/*
 * Fuzz target for the opening of RFB (wire_rfb.c): the input is a ProtocolVersion then the
 * security message of the version a client would answer with; every prefix is parsed as
 * the bytes received so far. A whole message must fit in what was given and keep its caps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_rfb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void security(const uint8_t *b, size_t size, unsigned minor)
{
	struct rfb_security *s = malloc(sizeof *s);
	if (s == NULL)
		return;
	for (size_t n = 0; n <= size; n++) {
		int rc = rfb_parse_security(b, n, minor, s);
		if (rc > (int)n)
			abort();
		if (rc > 0 && (s->ntypes > RFB_TYPES_MAX || strlen(s->reason) > RFB_REASON_MAX))
			abort();
		if (rc != 0)
			break;
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned major = 0, minor = 0;
	uint8_t out[RFB_VERSION_LEN];
	if (rfb_parse_version(data, size < RFB_VERSION_LEN ? size : RFB_VERSION_LEN, &major, &minor) != 1)
		return 0;
	unsigned mi = rfb_client_version(major, minor, out);
	if (mi != 3 && mi != 7 && mi != 8)
		abort();
	security(data + RFB_VERSION_LEN, size - RFB_VERSION_LEN, mi);
	return 0;
}
