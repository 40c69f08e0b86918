/*
 * wire_hl7 on canned bytes: the probe message (one MSH segment, processing ID D, a type no
 * interface has), a HAPI-style reject read whole and a byte at a time, an enhanced-mode
 * commit reject with LF segment ends, and what is not MLLP (no VT, NUL, over the cap).
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "wire_hl7.h"

/* What the testbed's HL7 listener (HAPI's answer to a message no application handles) sends. */
static const char hapi_ar[] =
    "\x0bMSH|^~\\&|VITALS-NOSUCH|VITALS-NOSUCH|VITALS|VITALS-SCANNER|20261203120000.123"
    "+0000||ACK^Z99^ACK|3701|D|2.5\rMSA|AR|VITALS1\rERR|^^^200&Unsupported message "
    "type&HL70357\r\x1c\x0d";

static int feed_str(struct hl7_reply *r, const char *s, size_t n, size_t *used)
{
	return hl7_reply_feed(r, (const uint8_t *)s, n, used);
}

static void test_message(void)
{
	uint8_t b[256];
	size_t len = 0;
	is_int(hl7_probe_message(b, sizeof b, "20261203120000", "VITALS1", &len), 0, "message built");
	const char want[] = "\x0bMSH|^~\\&|VITALS|VITALS-SCANNER|VITALS-NOSUCH|VITALS-NOSUCH|20261203120000||"
	                    "ZZZ^Z99^ZZZ|VITALS1|D|2.5\r\x1c\r";
	is_int(len, sizeof want - 1, "its length");
	ok(memcmp(b, want, len) == 0, "MSH only, MSH-9 ZZZ^Z99^ZZZ, MSH-11 D, framed VT .. FS CR");
	ok(memmem(b, len, "\rPID", 4) == NULL && memchr(b + 1, HL7_VT, len - 1) == NULL,
	   "one segment, one frame");
	is_int(hl7_probe_message(b, sizeof b, "2026", "VITALS1", &len), -EINVAL, "short timestamp refused");
	is_int(hl7_probe_message(b, sizeof b, "20261203120000", "A|B", &len), -EINVAL,
	       "separator in the ID refused");
	is_int(hl7_probe_message(b, 40, "20261203120000", "VITALS1", &len), -ENOSPC, "short buffer");
}

static void test_reply(void)
{
	struct hl7_reply r;
	struct hl7_ack a;
	size_t used = 0;
	hl7_reply_init(&r);
	is_int(feed_str(&r, hapi_ar, sizeof hapi_ar - 1, &used), 1, "reject read whole");
	is_int(used, sizeof hapi_ar - 1, "every byte taken");
	is_int(hl7_ack_parse(&r, &a), 0, "parsed");
	ok(a.has_msh && a.has_msa, "MSH and MSA");
	is_str(a.ack_code, "AR", "MSA-1 AR");
	is_str(a.ack_control_id, "VITALS1", "MSA-2 echoes our control ID");
	is_str(a.ack_text, "", "no MSA-3");
	is_str(a.message_type, "ACK^Z99^ACK", "MSH-9");
	is_str(a.version, "2.5", "MSH-12");
	is_str(a.sending_app, "VITALS-NOSUCH", "MSH-3");
	hl7_reply_init(&r);
	int rc = 0;
	for (size_t i = 0; i < sizeof hapi_ar - 1 && rc == 0; i++)
		rc = feed_str(&r, hapi_ar + i, 1, &used);
	is_int(rc, 1, "a byte at a time");
	is_int(r.len, sizeof hapi_ar - 1, "same length");
	const char enh[] =
	    "\x0bMSH|^~\\&|Mirth|HOSP|||2026||ACK|1|P|2.3\nMSA|CR|X|Unknown type\n\x1c\x0d tail";
	hl7_reply_init(&r);
	is_int(feed_str(&r, enh, sizeof enh - 1, &used), 1, "LF segment ends");
	is_int(used, sizeof enh - 1 - 5, "bytes after FS CR are left");
	is_int(hl7_ack_parse(&r, &a), 0, "parsed");
	is_str(a.ack_code, "CR", "commit reject");
	is_str(a.ack_text, "Unknown type", "MSA-3");
	is_str(a.sending_app, "Mirth", "MSH-3");
}

static void test_bad(void)
{
	struct hl7_reply r;
	struct hl7_ack a;
	size_t used;
	hl7_reply_init(&r);
	is_int(feed_str(&r, "HTTP/1.1 400", 12, &used), -EBADMSG, "no VT: not MLLP");
	is_int(feed_str(&r, "\x0b", 1, &used), -EBADMSG, "the error sticks");
	hl7_reply_init(&r);
	is_int(feed_str(&r, "\x0bMSH|\0", 6, &used), -EBADMSG, "NUL in a message");
	hl7_reply_init(&r);
	is_int(feed_str(&r, "\x0bPID|1\r\x1c\r", 10, &used), 1, "framed");
	is_int(hl7_ack_parse(&r, &a), -EBADMSG, "no MSH first: -EBADMSG");
	hl7_reply_init(&r);
	static char big[HL7_REPLY_MAX + 10];
	memset(big, 'A', sizeof big);
	big[0] = HL7_VT;
	is_int(feed_str(&r, big, sizeof big, &used), -E2BIG, "over the cap: -E2BIG");
	is_int(used, HL7_REPLY_MAX + 1, "stopped at the cap");
	hl7_reply_init(&r);
	is_int(feed_str(&r, "\x0bMSH|^~", 7, &used), 0, "unfinished frame: more needed");
	is_int(hl7_ack_parse(&r, &a), -EBADMSG, "an unfinished frame is not parsed");
}

int main(void)
{
	test_message();
	test_reply();
	test_bad();
	return done_testing();
}
