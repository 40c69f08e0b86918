/* The endpoints of a unit: see endpoints.h. */
#include "endpoints.h"

#include <string.h>
#include <sys/socket.h>

/* A failed lookup says more than an empty one. */
static const char *lookup_failure(const json_t *asset)
{
	const char *keys[] = {"a", "aaaa"};
	for (size_t i = 0; i < 2; i++) {
		const char *s = json_string_value(json_object_get(json_object_get(asset, keys[i]), "status"));
		if (s != NULL && strcmp(s, "ok") != 0 && strcmp(s, "nodata") != 0 &&
		    strcmp(s, "nxdomain") != 0)
			return s;
	}
	return NULL;
}

void unit_endpoints(const struct unit *u, const struct scope *scope, struct endpoints *out)
{
	const char *keys[] = {"a", "aaaa"};
	memset(out, 0, sizeof *out);
	if (u->kind == UNIT_ADDRESS) {
		out->addr[out->n++] = u->name;
		return;
	}
	/* A scan whose scope holds no IPv6 block skips AAAA endpoints: the asset still lists them. */
	int v6 = scope_allows_family(scope, AF_INET6);
	for (size_t k = 0; k < (v6 ? 2u : 1u); k++) {
		json_t *recs = json_object_get(json_object_get(u->asset, keys[k]), "records");
		for (size_t i = 0; i < json_array_size(recs) && i < ENDPOINT_ADDRS_PER_FAMILY; i++) {
			const char *a = json_string_value(json_array_get(recs, i));
			if (a != NULL)
				out->addr[out->n++] = a;
		}
	}
	if (out->n > 0)
		return;
	size_t skipped =
	    v6 ? 0 : json_array_size(json_object_get(json_object_get(u->asset, "aaaa"), "records"));
	const char *failed = lookup_failure(u->asset);
	out->unreached = skipped ? "out_of_scope" : failed ? failed : "no_address";
}
