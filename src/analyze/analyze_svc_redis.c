/*
 * Redis checks (probe "redis", services[].redis): an exposed store that runs commands
 * without a password. PING answered +PONG means any caller can read and write every key;
 * NOAUTH (requirepass or ACL) or DENIED (protected mode) means it cannot.
 */
#include <stdio.h>

#include "analyze_services.h"

static void noauth(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const json_t *auth = json_object_get(probe, "auth_required");
	const char *ver = json_string_value(json_object_get(probe, "version"));
	long long port = json_integer_value(json_object_get(entry, "port"));
	if (json_is_false(auth)) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail,
		         "Redis%s%s on port %lld runs commands without a password (PING answered PONG)",
		         ver ? " " : "", ver ? ver : "", port);
	} else if (json_is_true(auth)) {
		v->status = FS_PASS;
		snprintf(v->detail, sizeof v->detail,
		         "Redis on port %lld refuses commands without a password (%s)", port,
		         json_is_true(json_object_get(probe, "protected_mode")) ? "protected mode"
		                                                                : "NOAUTH");
	} else {
		v->status = FS_INDETERMINATE;
		v->reason = "unanswered";
		snprintf(v->detail, sizeof v->detail,
		         "Redis on port %lld answered PING with neither PONG nor NOAUTH", port);
	}
}

const struct svc_check svc_checks_redis[] = {
    {"svc.redis.noauth", "redis", FS_PASS, "Redis", noauth},
    {NULL, NULL, FS_NA, NULL, NULL},
};
