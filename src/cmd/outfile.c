/* Output files written whole or not at all: see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A device, pipe or terminal: written as it is. */
static int write_direct(const char *path, outfile_fn fn, void *arg)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	int rc = fn(f, arg);
	if (ferror(f) && rc == 0)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

int outfile_write(const char *path, outfile_fn fn, void *arg)
{
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_direct(path, fn, arg);
	size_t n = strlen(path) + sizeof ".XXXXXX";
	char *tmp = malloc(n);
	if (tmp == NULL)
		return -ENOMEM;
	snprintf(tmp, n, "%s.XXXXXX", path);
	int rc = 0, fd = mkostemp(tmp, O_CLOEXEC);
	FILE *f = NULL;
	if (fd < 0) {
		free(tmp);
		return -errno;
	}
	/* mkstemp makes the file 0600; an output file is as readable as any other (umask). */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		close(fd);
	}
	if (rc == 0)
		rc = fn(f, arg);
	if (f != NULL && ferror(f) && rc == 0)
		rc = -EIO;
	if (f != NULL && fflush(f) != 0 && rc == 0)
		rc = -EIO;
	if (f != NULL && rc == 0 && fsync(fileno(f)) < 0)
		rc = -errno;
	if (f != NULL && fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
