/*
 * Fuzz target for FTP replies (wire_ftp.c): the input is fed in pieces whose size the first
 * byte chooses, as replies one after the other; what the parser keeps must stay inside its
 * caps and its text must be a string of its recorded length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_ftp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t step = size > 0 ? (size_t)data[0] % 32 + 1 : 1, off = size > 0 ? 1 : 0;
	struct ftp_reply *r = malloc(sizeof *r);
	if (r == NULL)
		return 0;
	ftp_reply_init(r);
	while (off < size) {
		size_t n = size - off < step ? size - off : step, used = 0;
		int rc = ftp_reply_feed(r, data + off, n, &used);
		if (used > n || r->nlines > FTP_LINES_MAX || r->bytes > FTP_REPLY_MAX)
			abort();
		if (r->nlines > 0 && (r->textlen > r->bytes || strlen(r->text) != r->textlen))
			abort();
		off += used;
		if (rc < 0)
			break;
		if (rc == 1)
			ftp_reply_init(r);
	}
	free(r);
	return 0;
}
