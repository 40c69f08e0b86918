/*
 * Fuzz target for software versions (versions.c): the first byte picks the probe hint, the
 * rest is a banner as a probe recorded it; a version read from it must be a whole token and
 * compare equal to itself and consistently with a fixed one. Inputs that start with '{' are
 * parsed as a table of ranges too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "versions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hints[] = {NULL, "redis", "mysql", "orthanc", "ssh", "turn", "postgresql", "ftp"};

static void check_version(const struct sw_version *v)
{
	size_t n = strnlen(v->version, SWV_VERSION_MAX);
	if (n == 0 || n >= SWV_VERSION_MAX || strnlen(v->product, SWV_PRODUCT_MAX) >= SWV_PRODUCT_MAX)
		abort();
	if (version_cmp(v->version, v->version) != 0)
		abort();
	if (version_cmp(v->version, "9.8p1") != -version_cmp("9.8p1", v->version))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct sw_version v;
	const char *text = (const char *)data + 1;
	if (version_extract(hints[data[0] % 8], text, size - 1, &v) == 1)
		check_version(&v);
	if (data[0] == '{') {
		char err[128];
		struct version_db *db = NULL;
		if (version_db_parse((const char *)data, size, &db, err, sizeof err) == 0) {
			for (size_t i = 0; i < db->n; i++)
				(void)vrange_match(&db->v[i], &v);
			version_db_free(db);
		}
	}
	return 0;
}
