/*
 * Fuzz target for DICOM PDUs (wire_dicom.c): the input is a stream of PDUs as a peer would
 * send them; each whole one is read as an association answer and as a P-DATA-TF into one
 * running DIMSE exchange. What is kept must stay inside its caps and its strings terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_dicom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_assoc(const uint8_t *p, size_t n)
{
	struct dicom_assoc a;
	if (dicom_assoc_parse(p, n, &a) != 0)
		return;
	if (a.nctx > DICOM_CTX_MAX || strlen(a.impl_uid) >= sizeof a.impl_uid ||
	    strlen(a.impl_version) >= sizeof a.impl_version)
		abort();
	(void)dicom_ctx_result(&a, DICOM_CTX_FIND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dicom_dimse *d = malloc(sizeof *d);
	if (d == NULL)
		return 0;
	dicom_dimse_init(d);
	size_t off = 0, pl = 0;
	while (off < size && dicom_pdu_frame(data + off, size - off, &pl) == 1) {
		if (pl > DICOM_PDU_MAX || pl > size - off)
			abort();
		check_assoc(data + off, pl);
		int rc = dicom_dimse_feed(d, data + off, pl);
		if (d->cmd_len > DICOM_CMD_MAX)
			abort();
		if (rc != 0)
			dicom_dimse_init(d);
		off += pl;
	}
	free(d);
	return 0;
}
