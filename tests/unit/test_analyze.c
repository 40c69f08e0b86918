/*
 * analyze_domain(): the rules that span analyzers. A domain that does not exist
 * gives indeterminate DNS findings (reason nxdomain); a domain whose every name
 * server is outside scope gives out_of_scope, not servfail; an in-scope but dead
 * delegation stays servfail.
 */
#include "analyze.h"
#include "method.h"
#include "tap.h"

#include <string.h>

#define SERVFAIL_DOC                                                                                         \
	"{\"domain\": \"x.test\", \"dns\": {"                                                                \
	"\"soa\": {\"name\": \"x.test\", \"type\": \"SOA\", \"status\": \"servfail\","                       \
	" \"rcode\": \"SERVFAIL\", \"sec\": null, \"records\": []},"                                         \
	" \"txt\": {\"status\": \"servfail\", \"records\": []},"                                             \
	" \"delegation\": {\"status\": \"ok\", \"ns\": {\"ns.trap.test.\": [\"192.0.2.53\"]},"               \
	" \"addrs_in_scope\": %d, \"addrs_out_of_scope\": %d}},"                                             \
	" \"web\": {\"status\": \"servfail\"}}"

static json_t *doc(int in, int out)
{
	char buf[1024];
	snprintf(buf, sizeof buf, SERVFAIL_DOC, in, out);
	return json_loads(buf, 0, NULL);
}

static int count(const struct findings *fs, enum fstatus st, const char *reason)
{
	int n = 0;
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].status == st && fs->v[i].reason && strcmp(fs->v[i].reason, reason) == 0)
			n++;
	return n;
}

static void test_out_of_scope(void)
{
	struct findings fs = {0};
	json_t *d = doc(0, 1);
	is_int(analyze_dns_out_of_scope(d), 1, "delegation entirely outside scope");
	is_int(analyze_domain(d, 0, &fs), 0, "analyze_domain succeeds");
	is_int((long long)fs.n, (long long)method_current()->nchecks, "one finding per check");
	is_int(count(&fs, FS_INDETERMINATE, "out_of_scope"), (long long)fs.n,
	       "every finding is out_of_scope");
	const struct finding *f = findings_get(&fs, "dns.spf.present", NULL);
	ok(f && strstr(f->detail, "outside the scan scope") != NULL, "detail says why");
	findings_clear(&fs);
	json_decref(d);
}

static void test_in_scope_dead(void)
{
	struct findings fs = {0};
	json_t *d = doc(1, 0);
	is_int(analyze_dns_out_of_scope(d), 0, "delegation in scope");
	analyze_domain(d, 0, &fs);
	is_int(count(&fs, FS_INDETERMINATE, "out_of_scope"), 0, "nothing blamed on scope");
	const struct finding *f = findings_get(&fs, "dns.dnssec.signed", NULL);
	ok(f && f->status == FS_INDETERMINATE && strcmp(f->reason, "servfail") == 0,
	   "servfail stays servfail");
	findings_clear(&fs);
	json_decref(d);
	d = doc(1, 1);
	is_int(analyze_dns_out_of_scope(d), 0, "one in-scope server is enough to not blame scope");
	json_decref(d);
}

static void test_nxdomain(void)
{
	struct findings fs = {0};
	json_t *d = json_loads("{\"domain\": \"nosuch.test\", \"dns\": {\"soa\": {\"name\": \"nosuch.test\","
	                       " \"type\": \"SOA\", \"status\": \"nxdomain\", \"rcode\": \"NXDOMAIN\","
	                       " \"sec\": \"secure\", \"records\": []},"
	                       " \"txt\": {\"status\": \"nxdomain\", \"records\": []}},"
	                       " \"web\": {\"status\": \"no_address\"}}",
	                       0, NULL);
	analyze_domain(d, 0, &fs);
	is_int(count(&fs, FS_INDETERMINATE, "nxdomain"), 17, "every DNS check indeterminate: nxdomain");
	const struct finding *f = findings_get(&fs, "dns.spf.present", NULL);
	ok(f && strstr(f->detail, "does not exist") != NULL, "detail says the domain does not exist");
	f = findings_get(&fs, "web.hsts", NULL);
	ok(f && f->status == FS_NA, "web checks not applicable without an address");
	findings_clear(&fs);
	json_decref(d);
}

int main(void)
{
	test_out_of_scope();
	test_in_scope_dead();
	test_nxdomain();
	return done_testing();
}
