/*
 * HL7 version 2 over MLLP (HL7 v2.5.1 Appendix C, the Minimal Lower Layer Protocol): the
 * one message the HL7 probe sends, and the framed reply it reads.
 *
 * The message is a lone MSH segment: no PID or any other segment, so it names no patient
 * and carries nothing to store. Its processing ID (MSH-11) is "D" (debugging) and its type
 * "ZZZ^Z99^ZZZ", which no interface accepts: a receiver answers with a reject (MSA-1 "AR"
 * or "AE"), and an exposed listener is seen by that answer alone.
 *
 * A reply is VT (0x0B), the message, FS (0x1C) CR (0x0D). It is read incrementally into a
 * buffer of HL7_REPLY_MAX bytes (more is the peer's -E2BIG); bytes before VT, or a NUL,
 * are -EBADMSG. Of the message only MSH-3/-4 (sending application and facility), MSH-9
 * (type), MSH-12 (version) and MSA-1/-2/-3 (acknowledgment code, control ID, text) are
 * kept, as printable text cut to fixed sizes. Opens no socket and judges nothing.
 */
#ifndef VITALS_WIRE_HL7_H
#define VITALS_WIRE_HL7_H

#include <stddef.h>
#include <stdint.h>

#define HL7_REPLY_MAX 8192 /* bytes of one framed reply, frame included */
#define HL7_FIELD_MAX 64   /* bytes kept of each field (NUL included) */
#define HL7_VT        0x0b
#define HL7_FS        0x1c
#define HL7_CR        0x0d

/* A framed reply being read. */
struct hl7_reply {
	uint8_t buf[HL7_REPLY_MAX]; /* the bytes so far, VT first */
	size_t len;
	int done;  /* FS CR arrived */
	int error; /* 0, -EBADMSG or -E2BIG (sticky) */
};

/* What the reply said. Every member is "" when its field was absent. */
struct hl7_ack {
	int has_msh, has_msa;                 /* the segments were there */
	char sending_app[HL7_FIELD_MAX];      /* MSH-3 */
	char sending_facility[HL7_FIELD_MAX]; /* MSH-4 */
	char message_type[HL7_FIELD_MAX];     /* MSH-9 */
	char version[HL7_FIELD_MAX];          /* MSH-12 */
	char ack_code[HL7_FIELD_MAX];         /* MSA-1: AA, AE, AR (CA, CE, CR in enhanced mode) */
	char ack_control_id[HL7_FIELD_MAX];   /* MSA-2: should be our MSH-10 */
	char ack_text[HL7_FIELD_MAX];         /* MSA-3 */
};

/*
 * The framed probe message with MSH-7 = `timestamp` (14 digits, YYYYMMDDHHMMSS) and MSH-10
 * = `control_id` (1 to 20 letters or digits). 0 and *len, -EINVAL for a bad argument,
 * -ENOSPC when cap is too small.
 */
int hl7_probe_message(uint8_t *out, size_t cap, const char *timestamp, const char *control_id, size_t *len);

void hl7_reply_init(struct hl7_reply *r);

/*
 * Takes bytes as they arrive: *used gets how many were taken (none after FS CR). 1 when the
 * frame is whole, 0 when more are needed, or the sticky error.
 */
int hl7_reply_feed(struct hl7_reply *r, const uint8_t *data, size_t len, size_t *used);

/*
 * Reads a whole reply's message (segments split by CR, LF also accepted; the field
 * separator is MSH's fourth byte). 0 when it starts with an MSH segment, else -EBADMSG.
 */
int hl7_ack_parse(const struct hl7_reply *r, struct hl7_ack *out);

#endif
