/*
 * The TURN and patching checks on canned services entries: an open relay that permits
 * internal peers, one that refuses them, one that needs credentials, a malformed answer, an
 * address without TURN, a sweep that did not finish; versions in and out of the shipped
 * table's ranges, each finding marked banner-inferred.
 */
#include <string.h>

#include "analyze_patching.h"
#include "analyze_svc_turn.h"
#include "tap.h"

static const char sweep_ok[] = "{\"addr\":\"127.40.4.1\",\"status\":\"ok\",\"open\":[3478]}";
static const char sweep_timeout[] = "{\"addr\":\"127.40.4.1\",\"status\":\"timeout\",\"open\":[]}";

#define PEERS_OPEN                                                                                           \
	"[{\"class\":\"loopback\",\"addr\":\"127.0.0.1\",\"permitted\":false,\"error\":403},"                \
	"{\"class\":\"rfc1918\",\"addr\":\"10.0.0.1\",\"permitted\":true,\"error\":null},"                   \
	"{\"class\":\"link_local\",\"addr\":\"169.254.169.254\",\"permitted\":true,\"error\":null},"         \
	"{\"class\":\"cgnat\",\"addr\":\"100.64.0.1\",\"permitted\":true,\"error\":null}]"
#define PEERS_DENIED                                                                                         \
	"[{\"class\":\"loopback\",\"addr\":\"127.0.0.1\",\"permitted\":false,\"error\":403},"                \
	"{\"class\":\"rfc1918\",\"addr\":\"10.0.0.1\",\"permitted\":false,\"error\":403},"                   \
	"{\"class\":\"link_local\",\"addr\":\"169.254.169.254\",\"permitted\":false,\"error\":403},"         \
	"{\"class\":\"cgnat\",\"addr\":\"100.64.0.1\",\"permitted\":false,\"error\":403}]"
#define TURN(port, body) "{\"addr\":\"127.40.4.1\",\"port\":" #port ",\"service\":\"turn\",\"turn\":" body "}"
#define OPEN(peers)                                                                                          \
	"{\"status\":\"ok\",\"software\":\"Coturn-4.6.1 'Gorst'\",\"allocate\":\"granted\",\"peers\":" peers \
	"}"
#define LTCRED "{\"status\":\"ok\",\"software\":\"Coturn-4.5.1.1 'dan Eider'\",\"allocate\":\"unauthorized\"}"

struct expect {
	const char *name, *sweep, *entries;
	enum fstatus relay, filtering;
};

static const struct expect cases[] = {
    {"open relay permitting internal peers", sweep_ok, "[" TURN(3478, OPEN(PEERS_OPEN)) "]", FS_FAIL,
     FS_FAIL},
    {"open relay refusing them", sweep_ok, "[" TURN(3478, OPEN(PEERS_DENIED)) "]", FS_FAIL, FS_PASS},
    {"credentials required", sweep_ok, "[" TURN(3478, LTCRED) "," TURN(5349, LTCRED) "]", FS_PASS, FS_NA},
    {"credentials on 3478, open on 5349", sweep_ok,
     "[" TURN(3478, LTCRED) "," TURN(5349, OPEN(PEERS_OPEN)) "]", FS_FAIL, FS_FAIL},
    {"malformed answer", sweep_ok, "[" TURN(3478, "{\"status\":\"malformed\"}") "]", FS_INDETERMINATE,
     FS_INDETERMINATE},
    {"something else on 3478", sweep_ok, "[" TURN(3478, "{\"status\":\"not_turn\"}") "]", FS_NA, FS_NA},
    {"no TURN at the address", sweep_ok, "[]", FS_NA, FS_NA},
    {"the sweep timed out", sweep_timeout, "[]", FS_INDETERMINATE, FS_INDETERMINATE},
    {"a permission unanswered", sweep_ok,
     "[" TURN(3478, OPEN("[{\"class\":\"rfc1918\",\"addr\":\"10.0.0.1\",\"permitted\":null}]")) "]", FS_FAIL,
     FS_INDETERMINATE},
};

static void test_turn(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *sweep = json_loads(cases[i].sweep, 0, NULL),
		       *entries = json_loads(cases[i].entries, 0, NULL);
		struct svc_verdict v;
		char name[160];
		ok(sweep && entries, "canned evidence parses");
		is_int(turn_open_relay(sweep, entries, &v), 0, "judged");
		snprintf(name, sizeof name, "%s: svc.turn.open_relay %s", cases[i].name,
		         fstatus_name(cases[i].relay));
		is_int(v.status, cases[i].relay, name);
		json_decref(v.evidence);
		is_int(turn_peer_filtering(sweep, entries, &v), 0, "judged");
		snprintf(name, sizeof name, "%s: svc.turn.peer_filtering %s", cases[i].name,
		         fstatus_name(cases[i].filtering));
		is_int(v.status, cases[i].filtering, name);
		if (i == 0) {
			ok(strstr(v.detail, "10.0.0.1 (rfc1918) on 3478") != NULL,
			   "the detail names the first peer");
			ok(strstr(v.detail, "3 internal") != NULL, "and counts them");
			is_int(json_array_size(v.evidence), 1, "evidence: the TURN object");
		}
		json_decref(v.evidence);
		json_decref(sweep);
		json_decref(entries);
	}
}

static void patch(const char *entries_text, int eol, enum fstatus want, const char *detail_has,
                  const char *name)
{
	json_t *sweep = json_loads(sweep_ok, 0, NULL), *entries = json_loads(entries_text, 0, NULL);
	struct svc_verdict v;
	is_int(patching_judge(sweep, entries, patching_default_db(), eol, &v), 0, "judged");
	is_int(v.status, want, name);
	if (detail_has != NULL && !ok(strstr(v.detail, detail_has) != NULL, "the detail says which")) {
		printf("#   detail: %s\n", v.detail);
	}
	if (want == FS_PASS || want == FS_FAIL)
		is_str(v.reason, "banner_inferred", "marked banner-inferred");
	if (want == FS_FAIL)
		ok(strstr(v.detail, "banner-inferred, lower confidence") != NULL,
		   "and says so in the detail");
	json_decref(v.evidence);
	json_decref(sweep);
	json_decref(entries);
}

static void test_patching(void)
{
	ok(patching_default_db() != NULL, "the shipped table parses");
	patch("[" TURN(3478, LTCRED) "]", 0, FS_FAIL, "coturn 4.5.1.1 on port 3478: CVE-2020-26262",
	      "coturn 4.5.1.1: known vulnerable");
	patch("[" TURN(3478, LTCRED) "]", 1, FS_PASS, NULL, "coturn 4.5.1.1: no end-of-life range");
	patch("[" TURN(3478, OPEN(PEERS_OPEN)) "]", 0, FS_PASS, NULL, "coturn 4.6.1: none known");
	patch("[{\"port\":22,\"ssh\":{\"status\":\"ok\",\"banner\":\"SSH-2.0-OpenSSH_9.2p1 "
	      "Debian-2+deb12u3\"}}]",
	      0, FS_FAIL, "openssh 9.2p1 on port 22: CVE-2024-6387", "OpenSSH 9.2p1: regreSSHion's range");
	patch("[{\"port\":6379,\"redis\":{\"status\":\"ok\",\"version\":\"7.0.15\"}},"
	      "{\"port\":5432,\"postgresql\":{\"status\":\"ok\",\"version\":\"13.9\"}}]",
	      1, FS_FAIL, "postgresql 13.9 on port 5432",
	      "PostgreSQL 13: end of life, Redis 7.0 is not in an eol range");
	patch("[{\"port\":6379,\"redis\":{\"status\":\"timeout\",\"version\":\"2.0.0\"}}]", 0, FS_NA, NULL,
	      "a probe that did not answer: its fields do not count");
	patch("[{\"port\":22,\"ssh\":{\"status\":\"ok\",\"banner\":\"SSH-2.0-dropbear_2022.83\"}}]", 0, FS_NA,
	      NULL, "a product the table does not know: na");
	json_t *sweep = json_loads(sweep_timeout, 0, NULL), *none = json_array();
	struct svc_verdict v;
	patching_judge(sweep, none, patching_default_db(), 1, &v);
	is_int(v.status, FS_INDETERMINATE, "nothing seen and the sweep timed out: indeterminate");
	is_str(v.reason, "timeout", "its reason");
	json_decref(v.evidence);
	json_decref(sweep);
	json_decref(none);
}

int main(void)
{
	test_turn();
	test_patching();
	return done_testing();
}
