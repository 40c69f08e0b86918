/*
 * The MongoDB wire protocol as far as the connection handshake (MongoDB manual, "Wire
 * Protocol" OP_MSG, and the BSON specification): the OP_MSG `hello` command a driver sends
 * first, which every server answers before any authentication, and the reply's top-level
 * fields that are evidence: ok, isWritablePrimary (ismaster), the wire versions (which
 * say the server's release), setName, msg ("isdbgrid" for a mongos), errmsg and code.
 *
 * The parser walks the reply's BSON body without allocating (every element type is
 * skipped by its declared size, nested documents by their length) and copies what it
 * keeps into capped fields; it never runs another command and judges nothing.
 */
#ifndef VITALS_WIRE_MONGO_H
#define VITALS_WIRE_MONGO_H

#include <stddef.h>
#include <stdint.h>

#define MONGO_REPLY_MAX  16384 /* bytes of the hello reply accepted (real ones: ~300 to ~1,500) */
#define MONGO_OP_MSG     2013
#define MONGO_REQUEST_ID 0x76697461 /* "vita": the reply's responseTo must carry it */

struct mongo_hello {
	int has_ok;         /* the reply had "ok" */
	double ok;          /* its value (1 answered, 0 refused) */
	int writable;       /* isWritablePrimary or ismaster: -1 absent, 0, 1 */
	int has_wire;       /* maxWireVersion present */
	int32_t min_wire;   /* minWireVersion */
	int32_t max_wire;   /* maxWireVersion */
	char set_name[128]; /* replica set name ("" when absent), cut to fit */
	char msg[32];       /* "isdbgrid" from a mongos */
	char errmsg[256];   /* the refusal's text */
	int32_t code;       /* the refusal's code (0 when absent) */
};

/* The OP_MSG hello ({hello: 1, $db: "admin"}) into buf: its length, or -ENOSPC. */
int mongo_hello_build(uint8_t *buf, size_t cap);

/*
 * The reply in buf[0..len): 1 when whole (*used its bytes), 0 when more are needed, -E2BIG
 * for a message length over MONGO_REPLY_MAX, -EBADMSG for a header that is not an OP_MSG
 * answering MONGO_REQUEST_ID, no body section, or BSON that does not hold together.
 */
int mongo_hello_parse(const uint8_t *buf, size_t len, struct mongo_hello *out, size_t *used);

#endif
