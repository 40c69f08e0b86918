/* NDJSON stream tests: opening, whole-line writes, and reconciliation with the store on resume. */
#include "stream.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/vitals-test-stream-XXXXXX";
static char path[300];
static char err[512];

#define ORG(id)  "{\"type\":\"organization\",\"scan_id\":1,\"org_id\":\"" id "\"}\n"
#define META     "{\"type\":\"metadata\",\"scan_id\":1,\"finished\":1795000042}\n"
#define TORN     "{\"type\":\"organization\",\"scan_id\":1,\"org"
#define FOREIGN2 "{\"type\":\"organization\",\"scan_id\":2,\"org_id\":\"B\"}\n"

/* The load callback: the stored line of an organization, as the command would build it. */
struct loader {
	int calls; /* how many lines were asked for */
};

static int load(void *arg, const char *org_id, char **line)
{
	struct loader *l = arg;
	l->calls++;
	size_t len = strlen(org_id) + 64;
	if ((*line = malloc(len)) == NULL)
		return -ENOMEM;
	snprintf(*line, len, "{\"type\":\"organization\",\"scan_id\":1,\"org_id\":\"%s\"}\n", org_id);
	return 0;
}

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* The whole file as a string; "(unreadable)" when it cannot be read. */
static char *slurp(const char *p)
{
	static char buf[4096];
	FILE *f = fopen(p, "r");
	if (f == NULL) {
		snprintf(buf, sizeof buf, "(unreadable)");
		return buf;
	}
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* How many entries the directory holds besides . and .. */
static int dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d != NULL && (e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d != NULL)
		closedir(d);
	return n;
}

/* Writes `before`, resumes the stream and reconciles it with `stored` (org ids, comma-separated). */
static int reconcile(const char *before, const char *stored, struct stream_fix *fix, struct loader *l)
{
	struct stream *s = NULL;
	json_t *ids = json_array();
	for (const char *t = stored; *t != '\0';) {
		size_t n = strcspn(t, ",");
		json_array_append_new(ids, json_stringn(t, n));
		t += n + (t[n] == ',');
	}
	write_file(path, before);
	*l = (struct loader){0};
	memset(fix, 0xff, sizeof *fix);
	int rc = stream_open(path, &s, err, sizeof err);
	if (rc == 0)
		rc = stream_reconcile(s, 1, ids, load, l, NULL, fix, err, sizeof err);
	stream_close(s);
	json_decref(ids);
	return rc;
}

static void is_fix(const struct stream_fix *fix, size_t kept, size_t torn, size_t meta, size_t dropped,
                   size_t appended, const char *name)
{
	int good = fix->kept == kept && fix->torn_bytes == torn && fix->metadata == meta &&
	           fix->dropped == dropped && fix->appended == appended;
	if (!ok(good, name))
		printf("#   got kept %zu torn %zu metadata %zu dropped %zu appended %zu\n", fix->kept,
		       fix->torn_bytes, fix->metadata, fix->dropped, fix->appended);
}

static void test_open_write(void)
{
	struct stream *s = NULL;
	write_file(path, "old contents\n");
	is_int(stream_open(path, &s, err, sizeof err), 0, "new stream opens");
	is_int(stream_is_file(s), 1, "a path is a file stream");
	is_str(slurp(path), "old contents\n", "opening truncates nothing");
	struct stream *other = NULL;
	is_int(stream_open(path, &other, err, sizeof err), -EBUSY,
	       "a second writer of the same file is refused");
	ok(strstr(err, "is being written by another vitals process") != NULL, "the busy message");
	is_int(stream_truncate(s, err, sizeof err), 0, "truncated for a new scan");
	is_str(slurp(path), "", "the file is empty");
	is_int(stream_write(s, ORG("A"), strlen(ORG("A")), err, sizeof err), 0, "write line 1");
	is_int(stream_write(s, ORG("B"), strlen(ORG("B")), err, sizeof err), 0, "write line 2");
	is_str(slurp(path), ORG("A") ORG("B"), "both lines written whole, in order");
	s = stream_close(s);
	ok(s == NULL, "stream_close returns NULL");
	ok(stream_close(NULL) == NULL, "stream_close accepts NULL");

	is_int(stream_open(path, &s, err, sizeof err), 0, "resumed stream opens");
	is_str(slurp(path), ORG("A") ORG("B"), "a resumed stream keeps the file");
	stream_write(s, ORG("C"), strlen(ORG("C")), err, sizeof err);
	is_str(slurp(path), ORG("A") ORG("B") ORG("C"), "a resumed stream appends");
	stream_close(s);

	char bad[340];
	snprintf(bad, sizeof bad, "%s/no-such-dir/out.ndjson", dir);
	s = NULL;
	is_int(stream_open(bad, &s, err, sizeof err), -ENOENT, "a path in a missing directory fails");
	ok(s == NULL, "no stream on failure");
	char want[400];
	snprintf(want, sizeof want, "cannot write %s: No such file or directory", bad);
	is_str(err, want, "the message names the path and the error");
}

static void test_reconcile(void)
{
	struct stream_fix fix;
	struct loader l;

	/* (a) */
	is_int(reconcile(ORG("A") ORG("B") ORG("C"), "A,B,C", &fix, &l), 0, "clean: reconciled");
	is_str(slurp(path), ORG("A") ORG("B") ORG("C"), "clean: file untouched");
	is_fix(&fix, 3, 0, 0, 0, 0, "clean: 3 kept, nothing else");
	is_int(l.calls, 0, "clean: nothing loaded");

	/* (b) */
	is_int(reconcile(ORG("A") ORG("B") TORN, "A,B,C", &fix, &l), 0, "torn: reconciled");
	is_str(slurp(path), ORG("A") ORG("B") ORG("C"), "torn: truncated, then C appended");
	is_fix(&fix, 2, strlen(TORN), 0, 0, 1, "torn: 2 kept, torn bytes exact, 1 appended");
	is_int(l.calls, 1, "torn: one line loaded");

	/* (c) */
	is_int(reconcile(ORG("A") ORG("B") ORG("C") META, "A,B,C", &fix, &l), 0, "metadata: reconciled");
	is_str(slurp(path), ORG("A") ORG("B") ORG("C"), "metadata: the metadata line is dropped");
	is_fix(&fix, 3, 0, 1, 0, 0, "metadata: 3 kept, 1 metadata line");

	/* (d) */
	is_int(reconcile(ORG("A") ORG("C"), "A,B,C,D", &fix, &l), 0, "missing: reconciled");
	is_str(slurp(path), ORG("A") ORG("C") ORG("B") ORG("D"),
	       "missing: B then D appended, in stored order");
	is_fix(&fix, 2, 0, 0, 0, 2, "missing: 2 kept, 2 appended");
	is_int(l.calls, 2, "missing: two lines loaded");

	/* (e) Kept lines follow dropped ones: the file is rewritten, then appended to. */
	write_file(path, "");
	chmod(path, 0600);
	is_int(reconcile(ORG("A") ORG("B") ORG("A") ORG("Z") "not json\n" ORG("C"), "A,B,C,D", &fix, &l), 0,
	       "duplicate and unknown: reconciled");
	is_str(slurp(path), ORG("A") ORG("B") ORG("C") ORG("D"),
	       "duplicate and unknown: dropped, kept lines in order, D appended");
	is_fix(&fix, 3, 0, 0, 3, 1, "duplicate and unknown: 3 kept, 3 dropped, 1 appended");
	is_int(dir_entries(), 1, "duplicate and unknown: no temporary file left");
	struct stat sb;
	lstat(path, &sb);
	ok(S_ISREG(sb.st_mode) && (sb.st_mode & 0777) == 0600,
	   "rewritten: still a regular file, mode 0600 kept");

	/* (f) */
	const char *foreign = ORG("A") META FOREIGN2 ORG("C") TORN;
	is_int(reconcile(foreign, "A,B,C", &fix, &l), -EEXIST, "another scan: -EEXIST");
	char want[400];
	snprintf(want, sizeof want, "%s:3: a record of scan 2, not of scan 1: left untouched", path);
	is_str(err, want, "another scan: message names file:line and both scans");
	is_str(slurp(path), foreign, "another scan: file bytes unchanged");
	is_int(l.calls, 0, "another scan: nothing loaded");
	is_int(dir_entries(), 1, "another scan: no temporary file");

	/* A new file on resume: everything stored is appended. */
	unlink(path);
	struct stream *s = NULL;
	json_t *ids = json_pack("[s,s]", "A", "B");
	l = (struct loader){0};
	is_int(stream_open(path, &s, err, sizeof err), 0, "resume creates a missing file");
	is_int(stream_reconcile(s, 1, ids, load, &l, NULL, &fix, err, sizeof err), 0, "new file: reconciled");
	is_str(slurp(path), ORG("A") ORG("B"), "new file: both stored orgs appended");
	is_fix(&fix, 0, 0, 0, 0, 2, "new file: 2 appended");
	stream_close(s);
	json_decref(ids);
}

static void test_stdout(void)
{
	struct stream *s = NULL;
	struct stream_fix fix;
	struct loader l = {0};
	json_t *ids = json_pack("[s]", "A");
	memset(&fix, 0xff, sizeof fix);
	is_int(stream_open("-", &s, err, sizeof err), 0, "stdout stream opens");
	is_int(stream_is_file(s), 0, "stdout is not a file stream");
	is_int(stream_reconcile(s, 1, ids, load, &l, NULL, &fix, err, sizeof err), 0,
	       "stdout: reconcile succeeds");
	is_fix(&fix, 0, 0, 0, 0, 0, "stdout: reconcile does nothing");
	is_int(l.calls, 0, "stdout: nothing loaded");
	stream_close(s);
	json_decref(ids);
}

/* A pipe or FIFO is only written: never read back (that would wait on ourselves), never truncated. */
static void test_fifo(void)
{
	char fifo[340];
	struct stream *s = NULL;
	struct stream_fix fix;
	struct loader l = {0};
	json_t *ids = json_pack("[s]", "A");
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	mkfifo(fifo, 0600);
	int reader = open(fifo, O_RDONLY | O_NONBLOCK);
	is_int(stream_open(fifo, &s, err, sizeof err), 0, "a FIFO with a reader opens");
	is_int(stream_is_file(s), 0, "a FIFO is not a file stream");
	is_int(stream_truncate(s, err, sizeof err), 0, "truncating a FIFO does nothing");
	is_int(stream_reconcile(s, 1, ids, load, &l, NULL, &fix, err, sizeof err), 0,
	       "a FIFO: reconcile returns");
	is_int(l.calls, 0, "a FIFO: nothing loaded");
	stream_write(s, ORG("A"), strlen(ORG("A")), err, sizeof err);
	char buf[128] = "";
	ssize_t n = read(reader, buf, sizeof buf - 1);
	is_int(n, (long long)strlen(ORG("A")), "the reader gets the whole line");
	stream_close(s);
	close(reader);
	unlink(fifo);
	json_decref(ids);
}

/* A signal during reconciliation stops it before anything is changed. */
static void test_stop(void)
{
	static volatile sig_atomic_t stop = 1;
	struct stream *s = NULL;
	struct stream_fix fix;
	struct loader l = {0};
	json_t *ids = json_pack("[s,s]", "A", "B");
	write_file(path, ORG("A") TORN);
	is_int(stream_open(path, &s, err, sizeof err), 0, "opened");
	is_int(stream_reconcile(s, 1, ids, load, &l, &stop, &fix, err, sizeof err), -EINTR,
	       "stopped: -EINTR");
	is_str(slurp(path), ORG("A") TORN, "stopped: the file is as it was");
	stream_close(s);
	json_decref(ids);
}

int main(void)
{
	/* stream_write consults the fault hook; a stray setting must not kill the test. */
	unsetenv("VITALS_FAULT");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/out.ndjson", dir);
	test_open_write();
	test_reconcile();
	test_stdout();
	test_fifo();
	test_stop();
	unlink(path);
	ok(rmdir(dir) == 0, "temporary directory empty and removed");
	return done_testing();
}
