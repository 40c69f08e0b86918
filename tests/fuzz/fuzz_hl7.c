/*
 * Fuzz target for MLLP-framed HL7 replies (wire_hl7.c): the input is fed in pieces whose
 * size the first byte chooses, frame after frame; every whole frame is parsed. The buffer
 * must stay inside its cap and every kept field be a terminated string of printable text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_hl7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *f)
{
	size_t n = strnlen(f, HL7_FIELD_MAX);
	if (n >= HL7_FIELD_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (f[i] < 0x20 || f[i] > 0x7e)
			abort();
}

static void check(const struct hl7_reply *r)
{
	struct hl7_ack a;
	if (r->len > HL7_REPLY_MAX || hl7_ack_parse(r, &a) != 0)
		return;
	check_field(a.sending_app);
	check_field(a.sending_facility);
	check_field(a.message_type);
	check_field(a.version);
	check_field(a.ack_code);
	check_field(a.ack_control_id);
	check_field(a.ack_text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t step = size > 0 ? (size_t)data[0] % 64 + 1 : 1, off = size > 0 ? 1 : 0;
	struct hl7_reply *r = malloc(sizeof *r);
	if (r == NULL)
		return 0;
	hl7_reply_init(r);
	while (off < size) {
		size_t n = size - off < step ? size - off : step, used = 0;
		int rc = hl7_reply_feed(r, data + off, n, &used);
		if (used > n)
			abort();
		off += used;
		check(r);
		if (rc < 0)
			break;
		if (rc == 1)
			hl7_reply_init(r);
	}
	free(r);
	return 0;
}
