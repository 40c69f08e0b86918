/*
 * outfile_write: a regular destination is replaced whole or not at all, with no temporary
 * file left; a named pipe (as /dev/null or a terminal would be) is written in place and stays
 * what it was, never replaced by a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "outfile.h"
#include "tap.h"

static int write_text(FILE *f, void *arg)
{
	fputs(arg, f);
	return 0;
}

static int fail_midway(FILE *f, void *arg)
{
	fputs(arg, f);
	return -ENODATA;
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
}

static int entries(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	char dir[] = "/tmp/vitals-outfile-XXXXXX", path[256], fifo[256], buf[256];
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/report.html", dir);
	snprintf(fifo, sizeof fifo, "%s/pipe", dir);

	is_int(outfile_write(path, write_text, "first\n"), 0, "a new file is written");
	slurp(path, buf, sizeof buf);
	is_str(buf, "first\n", "with its content");
	struct stat st;
	mode_t mask = umask(0);
	umask(mask);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~mask), "readable as the umask says");
	is_int(outfile_write(path, fail_midway, "second, half\n"), -ENODATA, "a failed writer's error");
	slurp(path, buf, sizeof buf);
	is_str(buf, "first\n", "the old file is untouched");
	is_int(entries(dir), 1, "no temporary file is left");
	is_int(outfile_write(path, write_text, "third\n"), 0, "replaced whole");
	slurp(path, buf, sizeof buf);
	is_str(buf, "third\n", "with the new content");

	/* A named pipe stands for /dev/null and terminals: written in place, never replaced. */
	ok(mkfifo(fifo, 0600) == 0, "a named pipe");
	int rd = open(fifo, O_RDONLY | O_NONBLOCK);
	is_int(outfile_write(fifo, write_text, "to the pipe\n"), 0, "written into the pipe");
	ok(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "which is still a pipe, not a file");
	ssize_t n = read(rd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "to the pipe\n", "and the reader got the content");
	close(rd);
	is_int(entries(dir), 2, "no temporary file beside it");

	snprintf(path, sizeof path, "%s/no/such/dir/x", dir);
	is_int(outfile_write(path, write_text, "x"), -ENOENT, "a missing directory: ENOENT");

	unlink(fifo);
	snprintf(path, sizeof path, "%s/report.html", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
