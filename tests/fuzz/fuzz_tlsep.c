/*
 * Fuzz target for the endpoints of `vitals tls` (tls_endpoint.c): any line either is
 * refused with a reason, or gives an endpoint whose canonical text reads back to the
 * same endpoint; names stay inside their buffers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_endpoint a, b;
	char why[256] = "", text[TLS_ENDPOINT_TEXT_MAX];
	int rc = tls_endpoint_line((const char *)data, size, &a, why, sizeof why);
	if (rc < 0 && why[0] == '\0')
		abort(); /* a refusal always says why */
	if (rc <= 0)
		return 0;
	if (strlen(a.name) == 0 || strlen(a.name) >= sizeof a.name || strlen(a.sni) >= sizeof a.sni)
		abort();
	if (tls_endpoint_text(&a, text, sizeof text) < 0)
		abort(); /* the text of any endpoint fits */
	if (tls_endpoint_line(text, strlen(text), &b, why, sizeof why) != 1 || strcmp(a.name, b.name) != 0 ||
	    strcmp(a.sni, b.sni) != 0 || a.smtp != b.smtp || a.literal != b.literal ||
	    tls_endpoint_port(&a) != tls_endpoint_port(&b))
		abort();
	return 0;
}
