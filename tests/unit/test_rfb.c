/* wire_rfb on canned bytes: versions, Xvnc's offers, 3.3's single type, refusals, bad and long input. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "wire_rfb.h"

static const uint8_t *u(const char *s)
{
	return (const uint8_t *)s;
}

static void test_version(void)
{
	unsigned ma = 0, mi = 0;
	uint8_t out[RFB_VERSION_LEN];
	is_int(rfb_parse_version(u("RFB 003.008\n"), 12, &ma, &mi), 1, "TigerVNC's version");
	ok(ma == 3 && mi == 8, "3.8");
	is_int(rfb_parse_version(u("RFB 003.0"), 9, &ma, &mi), 0, "part of it: more needed");
	is_int(rfb_parse_version(u("SSH-2.0"), 7, &ma, &mi), -EBADMSG, "not RFB: known early");
	is_int(rfb_parse_version(u("RFB 003x008\n"), 12, &ma, &mi), -EBADMSG, "no dot");
	is_int(rfb_parse_version(u("RFB 00a.008\n"), 12, &ma, &mi), -EBADMSG, "not digits");
	is_int(rfb_parse_version(u("RFB 003.008\r"), 12, &ma, &mi), -EBADMSG, "no LF");
	is_int(rfb_client_version(3, 8, out), 8, "3.8 answered with 3.8");
	ok(memcmp(out, "RFB 003.008\n", 12) == 0, "its bytes");
	is_int(rfb_client_version(3, 889, out), 8, "Apple's 3.889 with 3.8");
	is_int(rfb_client_version(3, 7, out), 7, "3.7 with 3.7");
	is_int(rfb_client_version(3, 5, out), 3, "3.5 read as 3.3");
	ok(memcmp(out, "RFB 003.003\n", 12) == 0, "its bytes");
	is_int(rfb_client_version(4, 1, out), 8, "a later major with 3.8");
}

static void test_security(void)
{
	struct rfb_security s;
	/* Captured from Xvnc 1.12 -SecurityTypes None, then VncAuth, after "RFB 003.008\n". */
	is_int(rfb_parse_security(u("\001\001"), 2, 8, &s), 2, "one type offered");
	is_int(s.ntypes, 1, "count");
	is_str(rfb_security_name(s.types[0]), "none", "None: no authentication");
	is_int(rfb_parse_security(u("\002\001\002"), 3, 8, &s), 3, "two types");
	ok(s.types[0] == RFB_SEC_NONE && s.types[1] == RFB_SEC_VNCAUTH, "in the server's order");
	is_int(rfb_parse_security(u("\002\001"), 2, 8, &s), 0, "a list cut short: more needed");
	/* Version 3.3: the server's one 32-bit choice (Xvnc VncAuth sends its challenge after it). */
	is_int(rfb_parse_security(u("\000\000\000\002chal"), 8, 3, &s), 4,
	       "3.3's choice, the challenge left");
	ok(s.ntypes == 1 && s.types[0] == RFB_SEC_VNCAUTH, "VNC authentication");
	is_int(rfb_parse_security(u("\000\000\001\000"), 4, 3, &s), -EBADMSG, "3.3 type over 255");
}

static void test_refused(void)
{
	struct rfb_security s;
	const char *r8 = "\000\000\000\000\026Too many auth failures";
	is_int(rfb_parse_security(u(r8), 27, 8, &s), 27, "a refusal with its reason");
	is_int(s.ntypes, 0, "no types");
	is_str(s.reason, "Too many auth failures", "the reason");
	is_int(rfb_parse_security(u(r8), 20, 8, &s), 0, "a reason cut short: more needed");
	const char *r3 = "\000\000\000\000\000\000\000\002no";
	is_int(rfb_parse_security(u(r3), 10, 3, &s), 10, "3.3's refusal");
	is_str(s.reason, "no", "its reason");
	is_int(rfb_parse_security(u("\000\000\000\002\001"), 5, 8, &s), -E2BIG,
	       "a 513-byte reason is over the cap");
	is_int(rfb_parse_security(u("\000\000\000\000\002a\000"), 7, 8, &s), -EBADMSG, "a NUL in the reason");
	is_str(s.reason, "no", "no output on failure");
}

int main(void)
{
	test_version();
	test_security();
	test_refused();
	return done_testing();
}
