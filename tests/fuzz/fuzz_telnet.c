/*
 * Fuzz target for a Telnet server's opening (wire_telnet.c): the input is fed in pieces whose
 * size the first byte chooses; the kept negotiations and text must stay inside their caps
 * and the text must be a string of its recorded length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_telnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t step = size > 0 ? (size_t)data[0] % 16 + 1 : 1, off = size > 0 ? 1 : 0;
	struct telnet_scan t;
	telnet_init(&t);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		telnet_feed(&t, data + off, n);
		off += n;
		if (t.nnegs > TELNET_OPTS_MAX || t.textlen > TELNET_TEXT_MAX || strlen(t.text) != t.textlen)
			abort();
	}
	for (unsigned i = 0; i < t.nnegs; i++)
		if (telnet_cmd_name(t.negs[i].cmd) == NULL)
			abort(); /* only DO, DONT, WILL, WONT and SB carry an option */
	return 0;
}
