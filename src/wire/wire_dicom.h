/*
 * DICOM upper-layer PDUs (PS3.8 s9.3) and the two DIMSE commands the clinical probe sends
 * (PS3.7 s9.3.5 C-ECHO, s9.1.2 C-FIND), built and read as bytes.
 *
 * Built: one A-ASSOCIATE-RQ with exactly two presentation contexts (Verification, id 1;
 * Study Root Query/Retrieve FIND, id 3; each with Implicit VR Little Endian), a C-ECHO-RQ,
 * a C-FIND-RQ whose only keys are QueryRetrieveLevel=STUDY and StudyDate=19000101 (a date
 * no study carries: the query cannot match a record), and A-RELEASE-RQ. Nothing here can
 * build a C-STORE, C-MOVE or C-GET, or a query key that matches.
 *
 * Read: a PDU's framing (type and length, capped at DICOM_PDU_MAX), the association's
 * answer (A-ASSOCIATE-AC with each context's result and the peer's implementation UID and
 * version name, A-ASSOCIATE-RJ and A-ABORT with result, source and reason), and in a
 * P-DATA-TF the command set's CommandField, MessageIDBeingRespondedTo and Status. Data
 * set fragments (what a C-FIND match would carry) are counted, never kept or decoded.
 * Opens no socket and judges nothing.
 */
#ifndef VITALS_WIRE_DICOM_H
#define VITALS_WIRE_DICOM_H

#include <stddef.h>
#include <stdint.h>

#define DICOM_PDU_MAX   65536 /* the largest PDU accepted; more is the peer's -E2BIG */
#define DICOM_MAX_PDV   16384 /* the maximum length we announce (user information item 0x51) */
#define DICOM_CTX_MAX   8     /* presentation contexts kept from an A-ASSOCIATE-AC */
#define DICOM_CMD_MAX   1024  /* bytes of one command set kept across its fragments */
#define DICOM_CTX_ECHO  1     /* our Verification context id */
#define DICOM_CTX_FIND  3     /* our Study Root FIND context id */
#define DICOM_AET_LEN   16    /* an AE title's length on the wire */
#define DICOM_FIND_DATE "19000101"

enum dicom_pdu_type {
	DICOM_ASSOC_RQ = 0x01,
	DICOM_ASSOC_AC = 0x02,
	DICOM_ASSOC_RJ = 0x03,
	DICOM_P_DATA = 0x04,
	DICOM_RELEASE_RQ = 0x05,
	DICOM_RELEASE_RP = 0x06,
	DICOM_ABORT = 0x07,
};

/* DIMSE command fields (PS3.7 E.1). */
#define DICOM_C_ECHO_RQ  0x0030
#define DICOM_C_ECHO_RSP 0x8030
#define DICOM_C_FIND_RQ  0x0020
#define DICOM_C_FIND_RSP 0x8020

/* The answer to an A-ASSOCIATE-RQ. */
struct dicom_assoc {
	uint8_t type;   /* DICOM_ASSOC_AC, DICOM_ASSOC_RJ or DICOM_ABORT */
	uint8_t result; /* RJ: 1 permanent, 2 transient */
	uint8_t source; /* RJ, ABORT: who refused (PS3.8 9.3.4, 9.3.8) */
	uint8_t reason; /* RJ, ABORT: why */
	unsigned nctx;  /* AC: presentation contexts read (at most DICOM_CTX_MAX) */
	uint8_t ctx_id[DICOM_CTX_MAX];
	uint8_t ctx_result[DICOM_CTX_MAX]; /* 0 accepted, 1 user, 2 no reason, 3 abstract, 4 transfer */
	uint32_t max_pdu;                  /* AC: the peer's maximum length (0: unlimited or not given) */
	char impl_uid[65];                 /* AC: implementation class UID, "" when absent */
	char impl_version[17];             /* AC: implementation version name, "" when absent */
};

/* What one P-DATA-TF carried, accumulated over the PDUs of one exchange. */
struct dicom_dimse {
	uint8_t cmd[DICOM_CMD_MAX]; /* the command set being assembled */
	size_t cmd_len;
	int cmd_done;              /* the last command fragment arrived and was read */
	int has_field, has_status; /* which of the three were in the command set */
	uint16_t field;            /* CommandField (0000,0100) */
	uint16_t responding_to;    /* MessageIDBeingRespondedTo (0000,0120) */
	uint16_t status;           /* Status (0000,0900) */
	uint16_t dataset_type;     /* CommandDataSetType (0000,0800), 0x0101: none follows */
	size_t data_bytes;         /* data set bytes seen (counted, never kept) */
};

/*
 * Framing: with `len` bytes at `buf`, 1 and *pdu_len (header included) when a whole PDU is
 * there, 0 when more is needed, -EBADMSG for an unknown PDU type, -E2BIG past DICOM_PDU_MAX.
 */
int dicom_pdu_frame(const uint8_t *buf, size_t len, size_t *pdu_len);

/*
 * The A-ASSOCIATE-RQ from `calling` to `called` (AE titles, 1 to 16 printable characters,
 * no backslash). Writes at most `cap` bytes; *len gets the size. -EINVAL for a bad title,
 * -ENOSPC when cap is too small.
 */
int dicom_assoc_rq(uint8_t *out, size_t cap, const char *called, const char *calling, size_t *len);

/* Reads an A-ASSOCIATE-AC, -RJ or A-ABORT (one whole PDU). 0, or -EBADMSG (or -EPROTO:
 * another PDU type). */
int dicom_assoc_parse(const uint8_t *pdu, size_t len, struct dicom_assoc *out);

/* The result of context `id` in an AC, or -1 when the peer did not answer it. */
int dicom_ctx_result(const struct dicom_assoc *a, uint8_t id);

/* A C-ECHO-RQ in a P-DATA-TF on the Verification context. 0, or -ENOSPC. */
int dicom_echo_rq(uint8_t *out, size_t cap, uint16_t msg_id, size_t *len);

/* The C-FIND-RQ (command and its non-matching identifier) on the FIND context. 0, or -ENOSPC. */
int dicom_find_rq(uint8_t *out, size_t cap, uint16_t msg_id, size_t *len);

/* A-RELEASE-RQ (10 bytes). 0, or -ENOSPC. */
int dicom_release_rq(uint8_t *out, size_t cap, size_t *len);

void dicom_dimse_init(struct dicom_dimse *d);

/*
 * Takes one whole P-DATA-TF PDU: command fragments are appended (more than DICOM_CMD_MAX
 * is -E2BIG), data set fragments counted. Returns 1 once the command set is whole and
 * read (the fields above are set), 0 when more PDUs are needed, -EBADMSG when malformed.
 */
int dicom_dimse_feed(struct dicom_dimse *d, const uint8_t *pdu, size_t len);

#endif
