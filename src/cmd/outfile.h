/*
 * Writing a command's output file (`report -o`, `compare -o`, `trend --html/--csv`) so that a
 * failure never leaves half a file: the content goes to a new file beside the destination
 * (made with mkstemp, a name nobody can plant a link at), which is renamed over it once the
 * whole content is written. A destination that exists and is not a regular file (/dev/null,
 * a terminal, a named pipe) is written directly instead: renaming over it would replace the
 * device or pipe with a file (as root, /dev/null itself).
 */
#ifndef VITALS_OUTFILE_H
#define VITALS_OUTFILE_H

#include <stdio.h>

/* Writes the content into f; 0 or a negative errno (any failure: the file is not kept). */
typedef int (*outfile_fn)(FILE *f, void *arg);

/*
 * Writes `path` with fn(f, arg). 0; fn's negative errno; -EIO when the writes failed
 * (ferror, fclose); or the errno of creating, syncing or renaming the file. On failure
 * the destination is as it was (a regular file) and no temporary file is left.
 */
int outfile_write(const char *path, outfile_fn fn, void *arg);

#endif
