/*
 * Fuzz target for SMB negotiate replies (wire_smb.c): the input is parsed whole and cut at
 * every message boundary a reader could see; a whole message must fit in what was given.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wire_smb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t cuts[] = {0, 1, 3, 4, 5, 36, 68, 100, 132};
	struct smb_reply r;
	int rc = smb_parse_reply(data, size, &r);
	if (rc > (int)size || rc > SMB_REPLY_MAX + 4)
		abort();
	if (rc > 0 && r.version != 1 && r.version != 2)
		abort();
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0] && cuts[i] < size; i++)
		if (smb_parse_reply(data, cuts[i], &r) > (int)cuts[i])
			abort();
	if (rc > 0)
		(void)smb2_dialect_name(r.dialect);
	return 0;
}
