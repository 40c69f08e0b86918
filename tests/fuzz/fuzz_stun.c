/*
 * Fuzz target for STUN and TURN messages (wire_stun.c): the input is a byte stream as a TCP
 * connection delivers it, cut into messages by stun_frame() and each parsed; what the parser
 * keeps must lie inside the message, and a CreatePermission built toward a parsed address must
 * fit the request buffer.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wire_stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(const uint8_t *p, size_t n, const uint8_t *msg, size_t len)
{
	if (p != NULL && (p < msg || p + n > msg + len || n > STUN_TEXT_MAX))
		abort();
}

static void check(const uint8_t *msg, size_t len)
{
	struct stun_msg m;
	uint8_t req[STUN_REQ_MAX];
	if (stun_parse(msg, len, &m) < 0)
		return;
	check_inside(m.software, m.software_len, msg, len);
	check_inside(m.realm, m.realm_len, msg, len);
	if (m.error_code != 0 && (m.error_code < 300 || m.error_code > 699))
		abort();
	if (m.relayed.family != 0 && turn_build_create_permission(req, sizeof req, m.txid, &m.relayed) < 0)
		abort();
	if (m.mapped.family != 0 && turn_build_create_permission(req, sizeof req, m.txid, &m.mapped) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		int n = stun_frame(data + off, size - off);
		if (n <= 0 || (size_t)n > size - off)
			break;
		if (n < 20 || n > STUN_MSG_MAX)
			abort();
		check(data + off, (size_t)n);
		off += (size_t)n;
	}
	return 0;
}
