/*
 * The NDJSON result stream of `vitals scan -o FILE`: one line per organization,
 * each written whole with one write(2), then a final metadata line.
 *
 * The database is the source of truth: an organization's line is written only
 * after its transaction commits, and it is made from what was stored. On resume
 * the stream is reconciled with the database before anything is appended: a torn
 * last line (a kill inside a write) and a metadata line of an earlier run are
 * dropped, a line written twice or for an organization the database does not hold
 * is dropped, and the organizations the database holds but the stream lacks (a
 * kill between commit and write) are appended. A stream holding another scan's
 * lines is refused untouched. A file that must lose lines in its middle is rewritten
 * beside itself (mkstemp, same mode and owner) and renamed into place.
 *
 * Library code: negative errno-style returns, messages into the caller's buffer.
 * It does not build the records (the command does, from the store).
 */
#ifndef VITALS_STREAM_H
#define VITALS_STREAM_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct stream;

/* What reconciliation did, for the log. */
struct stream_fix {
	size_t kept;       /* organization lines kept */
	size_t torn_bytes; /* bytes of a torn last line dropped (0: none) */
	size_t metadata;   /* metadata lines of earlier runs dropped */
	size_t dropped;    /* duplicate, unknown or unreadable lines dropped */
	size_t appended;   /* stored organizations appended */
};

/* Produces the stream line of a stored organization (malloc'd, ending in '\n'). */
typedef int (*stream_load_fn)(void *arg, const char *org_id, char **line);

/*
 * Opens the stream at `path` ("-": standard output) for appending, truncating nothing.
 * A regular file is locked for this process (-EBUSY when another vitals writes it) and
 * may then be truncated or reconciled; a pipe or FIFO is only ever written.
 */
int stream_open(const char *path, struct stream **out, char *err, size_t errlen);
/* 1 when the stream is a regular file (locked, truncatable, reconcilable). */
int stream_is_file(const struct stream *s);
/* Empties a regular file for a new scan; does nothing to a pipe. */
int stream_truncate(struct stream *s, char *err, size_t errlen);
/*
 * Brings a resumed stream in line with the organizations `stored_ids` (a JSON array of
 * org ids, in stored order) of scan `scan_id`; see above. Lines are read in bounded
 * chunks; one longer than 64 MiB is dropped unread. -EEXIST when the file holds another
 * scan's lines (then it is left as it was); -EINTR when *stop became set.
 */
int stream_reconcile(struct stream *s, int64_t scan_id, const json_t *stored_ids, stream_load_fn load,
                     void *arg, const volatile sig_atomic_t *stop, struct stream_fix *fix, char *err,
                     size_t errlen);
/* Writes one line (which ends in '\n') whole. */
int stream_write(struct stream *s, const char *line, size_t len, char *err, size_t errlen);
struct stream *stream_close(struct stream *s);

#endif
