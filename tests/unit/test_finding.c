/* Findings tests: the list, status names, and the JSON round trip. */
#include "finding.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_list(void)
{
	struct findings fs = {0};
	is_int(findings_add(&fs, "dns.spf.all", "a.test", FS_FAIL, NULL, json_pack("{s:s}", "record", "?all"),
	                    "SPF ends in %s", "?all"),
	       0, "add: first finding");
	is_int(findings_add(&fs, "dns.caa.present", "a.test", FS_PASS, NULL, NULL, "CAA present"), 0,
	       "add: second finding");
	is_int(findings_add(&fs, "dns.spf.all", "b.test", FS_INDETERMINATE, "timeout", NULL, "no answer"), 0,
	       "add: third finding");
	is_int(fs.n, 3, "add: 3 findings");

	const struct finding *f = findings_get(&fs, "dns.spf.all", NULL);
	ok(f == &fs.v[0], "get: domain NULL matches the first of the check");
	is_str(f ? f->detail : NULL, "SPF ends in ?all", "get: detail formatted");
	is_int(f ? (int)f->status : -1, FS_FAIL, "get: status kept");
	ok(f && f->reason == NULL, "get: no reason when none was given");
	is_str(f ? json_string_value(json_object_get(f->evidence, "record")) : NULL, "?all",
	       "get: evidence kept");

	f = findings_get(&fs, "dns.spf.all", "b.test");
	ok(f == &fs.v[2], "get: by check and domain");
	is_str(f ? f->reason : NULL, "timeout", "get: reason copied");
	ok(f && json_is_null(f->evidence), "add: NULL evidence becomes JSON null");
	ok(findings_get(&fs, "dns.spf.all", "c.test") == NULL, "get: unknown domain");
	ok(findings_get(&fs, "dns.dmarc.policy", NULL) == NULL, "get: unknown check");

	/* More than the first allocation of 16. */
	for (int i = 0; i < 20; i++)
		findings_add(&fs, "web.https", "a.test", FS_NA, "no-web", NULL, "finding %d", i);
	is_int(fs.n, 23, "add: the list grows past 16");
	is_str(fs.v[22].detail, "finding 19", "add: order kept while growing");
	is_str(fs.v[0].check, "dns.spf.all", "add: earlier findings survive the growth");

	findings_clear(&fs);
	ok(fs.n == 0 && fs.cap == 0 && fs.v == NULL, "clear: list empty");
	findings_clear(&fs);
	is_int(fs.n, 0, "clear: an empty list is accepted");

	is_int(findings_add(&fs, "x", NULL, FS_PASS, NULL, NULL, "d"), 0, "add: NULL domain");
	is_str(fs.v[0].domain, "", "add: NULL domain becomes empty");
	findings_clear(&fs);
}

static void test_status(void)
{
	static const char *const names[] = {"pass", "fail", "indeterminate", "na"};
	for (int i = FS_PASS; i <= FS_NA; i++) {
		enum fstatus st = (enum fstatus)99;
		is_str(fstatus_name((enum fstatus)i), names[i], "fstatus_name");
		is_int(fstatus_parse(names[i], &st), 0, "fstatus_parse of a name");
		is_int(st, i, "fstatus_parse round trip");
	}
	enum fstatus st = FS_FAIL;
	is_str(fstatus_name((enum fstatus)7), "unknown", "fstatus_name out of range");
	is_int(fstatus_parse("PASS", &st), -EINVAL, "fstatus_parse is case-sensitive");
	is_int(fstatus_parse("", &st), -EINVAL, "fstatus_parse of empty");
	is_int(fstatus_parse("passed", &st), -EINVAL, "fstatus_parse of a longer word");
	is_int(st, FS_FAIL, "fstatus_parse leaves the output alone on error");
}

static void test_json(void)
{
	struct findings fs = {0}, back = {0};
	findings_add(&fs, "dns.axfr.refused", "a.test", FS_INDETERMINATE, "timeout",
	             json_pack("{s:s}", "ns", "ns1.a.test."), "AXFR timed out");
	findings_add(&fs, "dns.caa.present", "a.test", FS_FAIL, NULL, NULL, "no CAA record");

	json_t *j0 = finding_to_json(&fs.v[0]);
	json_t *want = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:n}", "check", "dns.axfr.refused",
	                         "domain", "a.test", "status", "indeterminate", "reason", "timeout", "detail",
	                         "AXFR timed out", "evidence", "ns", "ns1.a.test.", "endpoint");
	ok(json_equal(j0, want), "to_json: every member, reason present");
	json_decref(want);

	json_t *j1 = finding_to_json(&fs.v[1]);
	ok(json_object_get(j1, "reason") == NULL, "to_json: no reason member when reason is NULL");
	ok(json_is_null(json_object_get(j1, "evidence")), "to_json: NULL evidence is JSON null");
	is_int(json_object_size(j1), 6, "to_json: 6 members without a reason");
	fs.v[1].endpoint = strdup("2001:db8::1");
	json_t *j2 = finding_to_json(&fs.v[1]);
	is_str(json_string_value(json_object_get(j2, "endpoint")), "2001:db8::1", "to_json: the endpoint");
	struct findings back2 = {0};
	is_int(finding_from_json(j2, &back2), 0, "from_json: with an endpoint");
	is_str(back2.n ? back2.v[0].endpoint : NULL, "2001:db8::1", "from_json: the endpoint comes back");
	json_object_set_new(j2, "endpoint", json_integer(5));
	is_int(finding_from_json(j2, &back2), -EINVAL, "from_json: an endpoint that is not text is refused");
	findings_clear(&back2);
	json_decref(j2);

	is_int(finding_from_json(j0, &back), 0, "from_json: with reason");
	is_int(finding_from_json(j1, &back), 0, "from_json: without reason");
	is_int(back.n, 2, "from_json: 2 findings");
	is_str(back.v[0].check, "dns.axfr.refused", "round trip: check");
	is_str(back.v[0].domain, "a.test", "round trip: domain");
	is_int(back.v[0].status, FS_INDETERMINATE, "round trip: status");
	is_str(back.v[0].reason, "timeout", "round trip: reason");
	is_str(back.v[0].detail, "AXFR timed out", "round trip: detail");
	ok(json_equal(back.v[0].evidence, fs.v[0].evidence), "round trip: evidence");
	ok(back.v[1].reason == NULL, "round trip: absent reason stays NULL");
	ok(json_is_null(back.v[1].evidence), "round trip: null evidence");

	json_t *again = finding_to_json(&back.v[0]);
	ok(json_equal(again, j0), "round trip: to_json of the parsed finding is equal");
	json_decref(again);

	/* Evidence left out of the JSON becomes null, as NULL does in findings_add. */
	json_t *noev =
	    json_pack("{s:s, s:s, s:s, s:s}", "check", "c", "domain", "d", "status", "pass", "detail", "x");
	is_int(finding_from_json(noev, &back), 0, "from_json: evidence may be absent");
	ok(back.n == 3 && json_is_null(back.v[2].evidence), "from_json: absent evidence becomes null");
	json_decref(noev);

	json_t *bad =
	    json_pack("{s:s, s:s, s:s, s:s}", "check", "c", "domain", "d", "status", "good", "detail", "x");
	is_int(finding_from_json(bad, &back), -EINVAL, "from_json: unknown status");
	json_decref(bad);
	bad = json_pack("{s:s, s:s, s:s}", "check", "c", "domain", "d", "status", "pass");
	is_int(finding_from_json(bad, &back), -EINVAL, "from_json: detail missing");
	json_decref(bad);
	bad = json_pack("{s:s, s:s, s:s, s:s, s:i}", "check", "c", "domain", "d", "status", "pass", "detail",
	                "x", "reason", 3);
	is_int(finding_from_json(bad, &back), -EINVAL, "from_json: reason of the wrong type");
	json_decref(bad);
	is_int(back.n, 3, "from_json: nothing added on error");

	json_decref(j0);
	json_decref(j1);
	findings_clear(&fs);
	findings_clear(&back);
}

int main(void)
{
	test_list();
	test_status();
	test_json();
	return done_testing();
}
