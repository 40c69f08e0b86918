/*
 * The TURN and patching rows of analyze_services on canned documents: an open relay that
 * permits internal peers, one that refuses them, one that needs credentials, credentials on
 * one port and an open relay on the other, a malformed answer, something else on 3478, an
 * address without TURN, a sweep that timed out; versions in and out of the shipped table's
 * ranges, each verdict marked banner-inferred; the web probe's Server header as a banner; a
 * table handed in.
 */
#include <stdio.h>
#include <string.h>

#include "analyze_patching.h"
#include "analyze_services.h"
#include "tap.h"

#define SWEEP(status)                                                                                        \
	"[{\"addr\":\"127.40.4.1\",\"host\":\"t.test\",\"shared\":false,\"status\":\"" status "\"}]"
#define PEER(cls, addr, permitted) "{\"class\":\"" cls "\",\"addr\":\"" addr "\",\"permitted\":" permitted "}"
#define PEERS_OPEN                                                                                           \
	"[" PEER("loopback", "127.0.0.1", "false") "," PEER("rfc1918", "10.0.0.1", "true") "," PEER(         \
	    "link_local", "169.254.169.254", "true") "," PEER("cgnat", "100.64.0.1", "true") "]"
#define PEERS_DENIED                                                                                         \
	"[" PEER("loopback", "127.0.0.1", "false") "," PEER("rfc1918", "10.0.0.1", "false") "," PEER(        \
	    "link_local", "169.254.169.254", "false") "," PEER("cgnat", "100.64.0.1", "false") "]"
#define TURN(port, body)                                                                                     \
	"{\"addr\":\"127.40.4.1\",\"port\":" #port                                                           \
	",\"host\":\"t.test\",\"service\":\"stun\",\"turn\":" body "}"
#define OPEN(peers)                                                                                          \
	"{\"status\":\"ok\",\"software\":\"Coturn-4.6.1 'Gorst'\",\"allocate\":\"granted\",\"peers\":" peers \
	"}"
#define LTCRED "{\"status\":\"ok\",\"software\":\"Coturn-4.5.1.1 'dan Eider'\",\"allocate\":\"unauthorized\"}"

/* The finding of `check` in a document of one sweep, `services` and `webs` (the web probe's
 * answers, or NULL): status name or "missing". */
static const char *judge_webs(const char *sweeps, const char *services, const char *webs, const char *check,
                              char *detail, size_t dlen, char *endpoint, size_t elen)
{
	static char st[32];
	char text[8192];
	struct findings fs = {0};
	snprintf(text, sizeof text, "{\"domain\":\"t.test\",\"port_sweeps\":%s,\"services\":%s,\"webs\":%s}",
	         sweeps, services, webs ? webs : "[]");
	json_t *d = json_loads(text, 0, NULL);
	snprintf(st, sizeof st, "missing");
	if (d != NULL && analyze_services(d, &fs) == 0) {
		const struct finding *f = findings_get(&fs, check, NULL);
		if (f != NULL) {
			snprintf(st, sizeof st, "%s", fstatus_name(f->status));
			snprintf(detail, dlen, "%s%s%s", f->detail, f->reason ? " | reason " : "",
			         f->reason ? f->reason : "");
			snprintf(endpoint, elen, "%s", f->endpoint ? f->endpoint : "");
		}
	}
	findings_clear(&fs);
	json_decref(d);
	return st;
}

static const char *judge(const char *sweeps, const char *services, const char *check, char *detail,
                         size_t dlen, char *endpoint, size_t elen)
{
	return judge_webs(sweeps, services, NULL, check, detail, dlen, endpoint, elen);
}

struct tcase {
	const char *name, *sweep, *services, *relay, *filtering;
};

static const struct tcase cases[] = {
    {"open relay permitting internal peers", SWEEP("ok"), "[" TURN(3478, OPEN(PEERS_OPEN)) "]", "fail",
     "fail"},
    {"open relay refusing them", SWEEP("ok"), "[" TURN(3478, OPEN(PEERS_DENIED)) "]", "fail", "pass"},
    {"credentials required", SWEEP("ok"), "[" TURN(3478, LTCRED) "," TURN(5349, LTCRED) "]", "pass", "na"},
    {"credentials on 3478, open on 5349", SWEEP("ok"),
     "[" TURN(3478, LTCRED) "," TURN(5349, OPEN(PEERS_OPEN)) "]", "fail", "fail"},
    {"malformed answer", SWEEP("ok"), "[" TURN(3478, "{\"status\":\"malformed\"}") "]", "indeterminate",
     "indeterminate"},
    {"something else on 3478", SWEEP("ok"), "[" TURN(3478, "{\"status\":\"not_turn\"}") "]", "na", "na"},
    {"no TURN at the address", SWEEP("ok"), "[]", "na", "na"},
    {"the sweep timed out", SWEEP("timeout"), "[]", "indeterminate", "indeterminate"},
    {"a permission unanswered", SWEEP("ok"),
     "[" TURN(3478, OPEN("[" PEER("rfc1918", "10.0.0.1", "null") "]")) "]", "fail", "indeterminate"},
    {"the Allocate unanswered", SWEEP("ok"), "[" TURN(3478, "{\"status\":\"ok\",\"allocate\":null}") "]",
     "indeterminate", "na"},
};

static void test_turn(void)
{
	char detail[512], ep[128], name[160];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tcase *c = &cases[i];
		snprintf(name, sizeof name, "%s: svc.turn.open_relay %s", c->name, c->relay);
		is_str(
		    judge(c->sweep, c->services, "svc.turn.open_relay", detail, sizeof detail, ep, sizeof ep),
		    c->relay, name);
		snprintf(name, sizeof name, "%s: svc.turn.peer_filtering %s", c->name, c->filtering);
		is_str(judge(c->sweep, c->services, "svc.turn.peer_filtering", detail, sizeof detail, ep,
		             sizeof ep),
		       c->filtering, name);
	}
	judge(SWEEP("ok"), cases[0].services, "svc.turn.peer_filtering", detail, sizeof detail, ep,
	      sizeof ep);
	ok(strstr(detail, "10.0.0.1 (rfc1918) and 2 more") != NULL,
	   "the detail names the first internal peer");
	is_str(ep, "127.40.4.1:3478", "the endpoint is the TURN port");
	judge(SWEEP("ok"), cases[3].services, "svc.turn.open_relay", detail, sizeof detail, ep, sizeof ep);
	is_str(ep, "127.40.4.1:5349", "the worst port stands for the address");
}

static void patch(const char *services, const char *check, const char *want, const char *has,
                  const char *name)
{
	char detail[512], ep[128];
	is_str(judge(SWEEP("ok"), services, check, detail, sizeof detail, ep, sizeof ep), want, name);
	if (has != NULL && !ok(strstr(detail, has) != NULL, "the detail says which"))
		printf("#   detail: %s\n", detail);
	if (strcmp(want, "fail") == 0 || strcmp(want, "pass") == 0)
		ok(strstr(detail, "banner-inferred, lower confidence") &&
		       strstr(detail, "reason banner_inferred"),
		   "banner-inferred, lower confidence, in the detail and the reason");
}

#define SSH(banner)                                                                                          \
	"{\"addr\":\"127.40.4.1\",\"port\":22,\"ssh\":{\"status\":\"ok\",\"banner\":\"" banner "\"}}"

static void test_patching(void)
{
	ok(patching_default_db() != NULL, "the shipped table parses");
	patch("[" TURN(3478, LTCRED) "]", "svc.patching.known_vuln", "fail",
	      "coturn 4.5.1.1 (CVE-2020-26262)", "coturn 4.5.1.1: known vulnerable");
	patch("[" TURN(3478, LTCRED) "]", "svc.patching.eol", "pass", NULL,
	      "coturn 4.5.1.1: no end-of-life range");
	patch("[" TURN(3478, OPEN(PEERS_OPEN)) "]", "svc.patching.known_vuln", "pass",
	      "among the 1 announced", "coturn 4.6.1: none known");
	patch("[" SSH("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3") "]", "svc.patching.known_vuln", "fail",
	      "openssh 9.2p1 (CVE-2024-6387)", "OpenSSH 9.2p1: regreSSHion's range");
	patch("[{\"addr\":\"127.40.4.1\",\"port\":6379,\"redis\":{\"status\":\"ok\",\"version\":\"7.0.15\"}},"
	      "{\"addr\":\"127.40.4.1\",\"port\":5432,\"postgresql\":{\"status\":\"ok\",\"version\":\"13.9\"}"
	      "}]",
	      "svc.patching.eol", "fail", "postgresql 13.9",
	      "PostgreSQL 13 end of life; Redis 7.0 in no eol range");
	patch("[{\"addr\":\"127.40.4.1\",\"port\":6379,\"redis\":{\"status\":\"timeout\",\"version\":\"2.0."
	      "0\"}}]",
	      "svc.patching.known_vuln", "na", NULL, "a probe that did not answer: its fields do not count");
	patch("[" SSH("SSH-2.0-dropbear_2022.83") "]", "svc.patching.known_vuln", "na", NULL,
	      "a product the table does not know: na");
	patch("[]", "svc.patching.eol", "na", NULL, "no service: na");
	char detail[512], ep[128];
	is_str(judge(SWEEP("timeout"), "[]", "svc.patching.eol", detail, sizeof detail, ep, sizeof ep),
	       "indeterminate", "nothing seen and the sweep timed out: indeterminate");
}

#define FETCH(url, server)                                                                                   \
	"{\"url\":\"" url                                                                                    \
	"\",\"status\":\"ok\",\"code\":200,\"headers\":[[\"Date\",\"x\"],[\"server\",\"" server "\"]]}"
#define WEB(addr, http, https)                                                                               \
	"[{\"host\":\"t.test\",\"addr\":\"" addr "\",\"http\":" http ",\"https\":" https "}]"

/* The web probe's Server header is a banner too: its version is judged on the address's port 80 or 443. */
static void test_web_server(void)
{
	char detail[512], ep[128];
	const char *web = WEB("127.40.4.1", FETCH("http://t.test/", "nginx"),
	                      FETCH("https://t.test/", "Apache/2.4.49 (Unix)"));
	is_str(judge_webs(SWEEP("ok"), "[]", web, "svc.patching.known_vuln", detail, sizeof detail, ep,
	                  sizeof ep),
	       "fail", "Apache 2.4.49 in the Server header: known vulnerable");
	ok(strstr(detail, "apache 2.4.49 (CVE-2021-41773)") && strstr(detail, "port 443"),
	   "the detail names the range and the port");
	is_str(ep, "127.40.4.1:443", "the finding is the HTTPS endpoint's");
	web = WEB("127.40.4.1", FETCH("http://t.test/", "nginx/1.22.1"), "{\"status\":\"refused\"}");
	is_str(judge_webs(SWEEP("ok"), "[]", web, "svc.patching.eol", detail, sizeof detail, ep, sizeof ep),
	       "fail", "nginx 1.22.1 over http: an end-of-life branch");
	is_str(ep, "127.40.4.1:80", "on port 80");
	is_str(judge_webs(SWEEP("ok"), "[]", web, "svc.patching.known_vuln", detail, sizeof detail, ep,
	                  sizeof ep),
	       "pass", "nginx 1.22.1: in no vulnerable range");
	ok(strstr(detail, "banner-inferred") != NULL, "banner-inferred");
	web = WEB("127.40.4.1", FETCH("http://t.test/", "nginx"), FETCH("https://t.test/", "nginx"));
	is_str(judge_webs(SWEEP("ok"), "[]", web, "svc.patching.eol", detail, sizeof detail, ep, sizeof ep),
	       "na", "a Server header without a version: nothing to judge");
	web = WEB("127.40.4.2", FETCH("http://t.test/", "nginx/1.10.0"), "null");
	is_str(judge_webs(SWEEP("ok"), "[]", web, "svc.patching.eol", detail, sizeof detail, ep, sizeof ep),
	       "na", "another address's web does not count for this one");
	is_str(judge_webs(SWEEP("ok"), "[" TURN(3478, OPEN(PEERS_OPEN)) "]",
	                  WEB("127.40.4.1", FETCH("http://t.test/", "nginx/1.10.0"), "null"),
	                  "svc.turn.open_relay", detail, sizeof detail, ep, sizeof ep),
	       "fail", "other rows ignore the web's entries");
	is_str(ep, "127.40.4.1:3478", "... and keep their own port");
}

static void test_table_handed_in(void)
{
	const char *t =
	    "{\"format\":1,\"updated\":\"x\",\"ranges\":[{\"product\":\"coturn\",\"kind\":\"eol\","
	    "\"below\":\"4.7\",\"id\":\"TEST-1\",\"summary\":\"s\",\"source\":\"https://example.test/\"}]}";
	char err[128];
	struct version_db *db = NULL;
	struct svc_verdict v;
	json_t *entry = json_loads(TURN(3478, OPEN(PEERS_OPEN)), 0, NULL);
	is_int(version_db_parse(t, strlen(t), &db, err, sizeof err), 0, "a test table");
	patching_judge_entry(entry, db, 1, &v);
	is_int(v.status, FS_FAIL, "coturn 4.6.1 is end of life under the test table");
	ok(strstr(v.detail, "TEST-1") != NULL, "named by its range");
	patching_judge_entry(entry, db, 0, &v);
	is_int(v.status, FS_PASS, "and in no vulnerable range of it");
	version_db_free(db);
	json_decref(entry);
}

int main(void)
{
	test_turn();
	test_patching();
	test_web_server();
	test_table_handed_in();
	return done_testing();
}
