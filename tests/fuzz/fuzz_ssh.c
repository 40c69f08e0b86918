/*
 * Fuzz target for SSH (wire_ssh.c): the input is a server's bytes after the client's
 * identification; the identification, then the KEXINIT after it, are parsed as the probe
 * does, and every name of every list must lie inside the input and be printable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lists(const struct ssh_kexinit *k, const uint8_t *data, size_t size)
{
	for (int i = 0; i < SSH_NLISTS; i++) {
		size_t pos = 0, n;
		const char *name;
		while (ssh_namelist_next(&k->lists[i], &pos, &name, &n)) {
			if (n == 0 || (const uint8_t *)name < data || (const uint8_t *)name + n > data + size)
				abort();
			for (size_t j = 0; j < n; j++)
				if (name[j] == ',' || name[j] < 0x21 || name[j] > 0x7e)
					abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssh_ident id;
	struct ssh_kexinit k;
	size_t used = 0, used2 = 0;
	if (ssh_ident_parse(data, size, &id, &used) != 1)
		return 0;
	if (used > size || strlen(id.line) > SSH_IDENT_MAX || strlen(id.software) == 0)
		abort();
	if (ssh_kexinit_parse(data + used, size - used, &k, &used2) == 1) {
		if (used2 > size - used)
			abort();
		check_lists(&k, data, size);
	}
	return 0;
}
