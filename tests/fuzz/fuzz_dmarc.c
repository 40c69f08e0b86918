/* Fuzz target for the DMARC record parser: any bytes, with invariants checked. */
#include "wire_dmarc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(const struct dmarc_span *s, size_t size)
{
	if (s->len > 0 && (s->off > size || s->len > size - s->off))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record d;
	const char *txt = (const char *)data;
	(void)dmarc_is_dmarc_record(txt, size);
	if (dmarc_parse(txt, size, &d) != 0)
		abort();
	if (d.valid && (d.p == DMARC_POLICY_UNSET || d.sp == DMARC_POLICY_UNSET))
		abort();
	if (!d.valid && d.p != DMARC_POLICY_UNSET)
		abort();
	/* An implied p=none (s6.6.3 step 6) says why and carries no sp= of its own. */
	if (d.p_implied && (d.p != DMARC_POLICY_NONE || d.has_sp || d.implied[0] == '\0'))
		abort();
	if (d.pct < 0 || d.pct > 100 || d.ntags > DMARC_MAX_TAGS || (d.adkim != 'r' && d.adkim != 's'))
		abort();
	if (memchr(d.reason, '\0', sizeof d.reason) == NULL ||
	    memchr(d.unknown, '\0', sizeof d.unknown) == NULL ||
	    memchr(d.ignored, '\0', sizeof d.ignored) == NULL ||
	    memchr(d.implied, '\0', sizeof d.implied) == NULL)
		abort();
	check_span(&d.rua, size);
	check_span(&d.ruf, size);
	check_span(&d.fo, size);
	check_span(&d.rf, size);
	(void)dmarc_policy_name(d.p);
	return 0;
}
