/*
 * Fuzz target for the MTA-STS and TLS-RPT parsers (wire_mtasts.c): the same bytes are
 * read as a policy body, an MTA-STS TXT record and a TLS-RPT record, without a
 * terminating NUL, so any read past the end is caught. What they keep must be within
 * their bounds, and a valid result must carry no error text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_policy(const struct mtasts_policy *p, int rc)
{
	if ((rc == 0) != (p->error == NULL) || p->nmx > MTASTS_MX_MAX || p->max_age > MTASTS_MAX_AGE)
		abort();
	for (size_t i = 0; i < p->nmx; i++) {
		char host[MTASTS_NAME_MAX + 2];
		size_t len = strlen(p->mx[i]);
		if (len == 0 || len > MTASTS_NAME_MAX)
			abort();
		/* A kept pattern matches a host it describes: itself, or "a" for the wildcard's label. */
		memcpy(host, p->mx[i], len + 1);
		if (host[0] == '*')
			host[0] = 'a';
		if (!mtasts_mx_match(p->mx[i], host))
			abort();
	}
	if (rc == 0 && (p->mode == MTASTS_MODE_UNKNOWN || p->max_age < 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mtasts_policy p;
	struct mtasts_record r;
	struct tlsrpt_record t;
	int rc = mtasts_policy_parse(s, size, &p);
	if (size > MTASTS_POLICY_MAX ? rc != -EFBIG : (rc != 0 && rc != -EINVAL))
		abort();
	check_policy(&p, rc);
	rc = mtasts_record_parse(s, size, &r);
	if ((rc == 0) != (r.error == NULL) || strlen(r.id) > 32 || (rc == 0 && r.id[0] == '\0'))
		abort();
	rc = tlsrpt_record_parse(s, size, &t);
	if ((rc == 0) != (t.error == NULL) || t.nrua > TLSRPT_RUA_MAX || (rc == 0 && t.nrua == 0))
		abort();
	for (size_t i = 0; i < t.nrua; i++)
		if (strlen(t.rua[i]) == 0 || strlen(t.rua[i]) > MTASTS_NAME_MAX)
			abort();
	return 0;
}
