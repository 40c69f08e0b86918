/*
 * Fuzz target for the MongoDB hello reply (wire_mongo.c): the BSON walk must stay inside
 * the input whatever lengths the elements claim; kept strings are NUL-terminated inside
 * their fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_mongo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mongo_hello h;
	size_t used = 0;
	if (mongo_hello_parse(data, size, &h, &used) != 1)
		return 0;
	if (used > size || used > MONGO_REPLY_MAX ||
	    strnlen(h.set_name, sizeof h.set_name) == sizeof h.set_name ||
	    strnlen(h.msg, sizeof h.msg) == sizeof h.msg ||
	    strnlen(h.errmsg, sizeof h.errmsg) == sizeof h.errmsg || h.writable < -1 || h.writable > 1)
		abort();
	return 0;
}
