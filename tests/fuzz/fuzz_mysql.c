/*
 * Fuzz target for the MySQL/MariaDB greeting (wire_mysql.c): every kept string must be
 * NUL-terminated inside its field and the bytes used inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_mysql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mysql_greeting g;
	size_t used = 0;
	if (mysql_greeting_parse(data, size, &g, &used) != 1)
		return 0;
	if (used < 5 || used > size || strnlen(g.version, sizeof g.version) == sizeof g.version ||
	    strnlen(g.auth_plugin, sizeof g.auth_plugin) == sizeof g.auth_plugin ||
	    strnlen(g.err_msg, sizeof g.err_msg) == sizeof g.err_msg)
		abort();
	return 0;
}
