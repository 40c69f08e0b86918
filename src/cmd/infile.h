/*
 * Input files of `vitals scan`: targets, root hints, trust anchor, CA bundle.
 * Each is read whole, under a size cap, before anything is created, and checked
 * for its kind (a directory, a FIFO, a device are refused where a file is meant)
 * and its format, so that a wrong file is an input error naming the file and the
 * fault, never a spin, a hang or a half-made scan.
 *
 * Library code: returns negative errno-style codes and writes a message into the
 * caller's buffer; never prints, never exits. It does not interpret the contents
 * beyond the format check (the resolver and TLS layers load them themselves).
 */
#ifndef VITALS_INFILE_H
#define VITALS_INFILE_H

#include <stddef.h>

#include "scope.h"

#define INFILE_TARGETS_CAP (256u << 20) /* targets: 256 MiB, millions of organizations */
#define INFILE_DNS_CAP     (1u << 20)   /* root hints and trust anchors: 1 MiB */
#define INFILE_CA_CAP      (16u << 20)  /* CA bundles: 16 MiB */

struct infile {
	char *data; /* the contents, NUL-terminated (may hold NULs before the end) */
	size_t len; /* bytes read */
};

/*
 * Reads `path` whole, at most `cap` bytes. With `stream` set, "-" is standard input
 * and pipes are accepted (targets may come from a pipe); otherwise only a regular,
 * non-empty file is. Errors: -EISDIR, -EINVAL (not a regular file), -EFBIG (over the
 * cap), -ENODATA (empty), or the errno of open/read; `err` says which and where.
 */
int infile_read(const char *path, size_t cap, int stream, struct infile *out, char *err, size_t errlen);
void infile_free(struct infile *f);

/*
 * Format checks of a file already read. Each returns 0 or -EINVAL with `err` naming
 * the line at fault. Root hints: zone-file lines with at least one NS and one A or
 * AAAA record; `inside` receives how many of those addresses the scope allows.
 * Trust anchor: zone-file lines with at least one DS or DNSKEY record. CA file: PEM
 * with at least one certificate.
 */
int infile_check_root_hints(const char *path, const struct infile *f, const struct scope *s, int *servers,
                            int *inside, char *err, size_t errlen);
int infile_check_trust_anchor(const char *path, const struct infile *f, char *err, size_t errlen);
int infile_check_ca(const char *path, const struct infile *f, char *err, size_t errlen);

/* The SHA-256 of the contents as 64 lower-case hex digits and a NUL. */
int infile_sha256(const struct infile *f, char hex[65]);

#endif
