/*
 * Fuzz target for PostgreSQL backend messages (wire_pg.c): the input is what a server
 * sends after the StartupMessage; messages are parsed one after the other as long as
 * they are whole, and every kept string must be NUL-terminated inside its field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_pg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	for (int i = 0; i < 16 && off < size; i++) {
		struct pg_reply r;
		size_t used = 0;
		if (pg_reply_parse(data + off, size - off, &r, &used) != 1)
			break;
		if (used == 0 || used > size - off || strnlen(r.mechs, sizeof r.mechs) == sizeof r.mechs ||
		    strnlen(r.message, sizeof r.message) == sizeof r.message ||
		    strnlen(r.sqlstate, sizeof r.sqlstate) == sizeof r.sqlstate ||
		    strnlen(r.severity, sizeof r.severity) == sizeof r.severity)
			abort();
		(void)pg_auth_name(r.auth);
		off += used;
	}
	return 0;
}
