/*
 * What a researcher may send, checked in one place: the fields of a report (asset,
 * title, description, steps, impact, CVSS v4.0 vector, contact), a message, an
 * attachment's name and type, and the caps on each. Pure and fuzzed
 * (tests/fuzz/fuzz_serve.c): it reads NUL-terminated strings and never allocates.
 *
 * It does not read request bodies (libmicrohttpd's post processor and jansson do) and
 * does not judge a CVSS vector's meaning (cvss4.h will, called from vdp_report_check).
 */
#ifndef VITALS_VDP_FORM_H
#define VITALS_VDP_FORM_H

#include <stddef.h>

#define VDP_ASSET_MAX    253                 /* bytes of an asset (a host name or address) */
#define VDP_TITLE_MAX    200                 /* bytes of a title */
#define VDP_TEXT_MAX     20000               /* bytes of a description, steps, impact or message */
#define VDP_CONTACT_MAX  320                 /* bytes of a contact */
#define VDP_CVSS_MAX     200                 /* characters of a CVSS vector */
#define VDP_FILES_MAX    5                   /* attachments per report */
#define VDP_FILE_MAX     (5u * 1024 * 1024)  /* bytes per attachment */
#define VDP_FILES_TOTAL  (10u * 1024 * 1024) /* bytes of all attachments of a report */
#define VDP_FILENAME_MAX 255                 /* bytes of an attachment's name */
#define VDP_CTYPE_MAX    100                 /* bytes of an attachment's content type */
/* Request bodies: the attachments plus room for the text fields and multipart framing,
 * base64 (4/3) for JSON, and a message. */
#define VDP_BODY_FORM_MAX (VDP_FILES_TOTAL + 1024u * 1024)
#define VDP_BODY_JSON_MAX (VDP_FILES_TOTAL / 3 * 4 + 2u * 1024 * 1024)
#define VDP_BODY_MSG_MAX  (64u * 1024)

/* A report as submitted; NULL or "" for a field not given. */
struct vdp_submission {
	const char *asset;       /* chosen from the scope */
	const char *asset_typed; /* typed, when none was chosen */
	const char *title;
	const char *description;
	const char *steps;
	const char *impact;
	const char *cvss;    /* optional CVSS v4.0 vector */
	const char *contact; /* optional: how to reach the reporter */
};

/*
 * Checks a submission. On success returns 0 and sets *asset to the asset to store
 * (the chosen or the typed one). Otherwise -EINVAL with a sentence for the reporter
 * in `why`, naming the field.
 */
int vdp_report_check(const struct vdp_submission *s, const char **asset, char *why, size_t whylen);

/* A message body: 1..VDP_TEXT_MAX bytes of text. 0 or -EINVAL with `why`. */
int vdp_message_check(const char *body, char *why, size_t whylen);

/* An attachment's name (1..VDP_FILENAME_MAX bytes of text, no '/' or '\\'). 0 or -EINVAL. */
int vdp_filename_check(const char *name);

/* The content type to store: `ctype` when it is a plain type/subtype, else application/octet-stream. */
const char *vdp_ctype(const char *ctype);

/*
 * 1 when s[0..n) is valid UTF-8 without control characters (tab, and with `multiline`
 * also CR and LF, are allowed). Overlong forms and surrogates are invalid.
 */
int vdp_text_ok(const char *s, size_t n, int multiline);

#endif
