/* Unit tests for the exposed-services analyzer (analyze_services.c, the Redis rows) on canned documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_services.h"
#include "tap.h"

static json_t *doc(const char *sweeps, const char *services)
{
	char text[8192];
	if (sweeps == NULL)
		snprintf(text, sizeof text, "{\"domain\": \"s.test\"}");
	else
		snprintf(text, sizeof text, "{\"domain\": \"s.test\", \"port_sweeps\": %s, \"services\": %s}",
		         sweeps, services);
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	if (j == NULL)
		printf("# bad canned document: %s\n", err.text);
	return j;
}

#define SWEEP(addr, status, open)                                                                            \
	"{\"addr\": \"" addr "\", \"host\": \"s.test\", \"shared\": false, \"status\": \"" status            \
	"\", \"open\": " open "}"
#define REDIS(addr, port, obj)                                                                               \
	"{\"addr\": \"" addr "\", \"port\": " #port                                                          \
	", \"host\": \"s.test\", \"service\": \"redis\", \"redis\": " obj "}"

/* The svc.redis.noauth finding on `endpoint`: its status name (or "missing") and reason. */
static const char *judge(const char *sweeps, const char *services, const char *endpoint, const char **reason)
{
	static char st[32], rs[64];
	struct findings fs = {0};
	json_t *d = doc(sweeps, services);
	snprintf(st, sizeof st, "missing");
	rs[0] = '\0';
	if (d != NULL && analyze_services(d, &fs) == 0)
		for (size_t i = 0; i < fs.n; i++)
			if (strcmp(fs.v[i].check, "svc.redis.noauth") == 0 &&
			    strcmp(fs.v[i].endpoint ? fs.v[i].endpoint : "", endpoint) == 0) {
				snprintf(st, sizeof st, "%s", fstatus_name(fs.v[i].status));
				snprintf(rs, sizeof rs, "%s", fs.v[i].reason ? fs.v[i].reason : "");
			}
	findings_clear(&fs);
	json_decref(d);
	*reason = rs;
	return st;
}

static void test_redis(void)
{
	const char *r;
	const char *open = "{\"status\": \"ok\", \"auth_required\": false, \"version\": \"7.0.15\"}";
	const char *locked = "{\"status\": \"ok\", \"auth_required\": true, \"protected_mode\": false}";
	const char *odd = "{\"status\": \"ok\", \"auth_required\": null}";
	char s[1024];
	snprintf(s, sizeof s, "[" REDIS("127.1.0.1", 6379, "%s") "]", open);
	is_str(judge("[" SWEEP("127.1.0.1", "ok", "[6379]") "]", s, "127.1.0.1:6379", &r), "fail",
	       "PING answered PONG: fail, on the port");
	snprintf(s, sizeof s, "[" REDIS("127.1.0.1", 6379, "%s") "]", locked);
	is_str(judge("[" SWEEP("127.1.0.1", "ok", "[6379]") "]", s, "127.1.0.1:6379", &r), "pass",
	       "NOAUTH: pass");
	snprintf(s, sizeof s, "[" REDIS("127.1.0.1", 6379, "%s") "]", odd);
	is_str(judge("[" SWEEP("127.1.0.1", "ok", "[6379]") "]", s, "127.1.0.1:6379", &r), "indeterminate",
	       "another reply: indeterminate");
	snprintf(s, sizeof s, "[" REDIS("127.1.0.1", 6379, "{\"status\": \"timeout\"}") "]");
	is_str(judge("[" SWEEP("127.1.0.1", "ok", "[6379]") "]", s, "127.1.0.1:6379", &r), "indeterminate",
	       "a probe timeout: indeterminate");
	is_str(r, "timeout", "with the probe's status as reason");
	snprintf(s, sizeof s, "[" REDIS("127.1.0.1", 6379, "{\"status\": \"not_redis\"}") "]");
	is_str(judge("[" SWEEP("127.1.0.1", "ok", "[6379]") "]", s, "127.1.0.1", &r), "pass",
	       "another protocol on 6379 is no Redis: the address passes");
	is_str(judge("[" SWEEP("127.1.0.1", "ok", "[80, 443]") "]", "[]", "127.1.0.1", &r), "pass",
	       "a swept address without Redis passes");
	is_str(judge("[" SWEEP("127.1.0.1", "timeout", "[]") "]", "[]", "127.1.0.1", &r), "indeterminate",
	       "an unfinished sweep cannot show Redis absent");
	is_str(r, "timeout", "reason: the sweep's status");
	is_str(judge("[" SWEEP("127.1.0.1", "out_of_scope", "[]") "]", "[]", "127.1.0.1", &r),
	       "indeterminate", "an address out of scope");
	is_str(r, "out_of_scope", "says so");
	/* two addresses: each judged on its own services */
	snprintf(s, sizeof s, "[" REDIS("127.1.0.2", 6379, "%s") "]", open);
	const char *two = "[" SWEEP("127.1.0.1", "ok", "[]") ", " SWEEP("127.1.0.2", "ok", "[6379]") "]";
	is_str(judge(two, s, "127.1.0.1", &r), "pass", "the first address has no Redis");
	is_str(judge(two, s, "127.1.0.2:6379", &r), "fail", "the second's is open");
	is_str(judge(NULL, NULL, "", &r), "indeterminate", "no sweep at all: indeterminate on the domain");
	is_str(r, "not_observed", "reason not_observed");
	is_str(judge("[]", "[]", "", &r), "indeterminate", "an empty sweep list is no sweep");
	is_str(r, "not_observed", "reason not_observed");
}

static void test_ids(void)
{
	int found = 0;
	for (size_t i = 0; analyze_services_check_id(i) != NULL; i++)
		found += strcmp(analyze_services_check_id(i), "svc.redis.noauth") == 0;
	is_int(found, 1, "the check ids list svc.redis.noauth once");
}

int main(void)
{
	test_redis();
	test_ids();
	return done_testing();
}
