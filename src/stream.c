/* The NDJSON result stream: whole-line writes and reconciliation with the store on resume. */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"

/* A line of an old stream longer than this is not one vitals wrote: it is dropped unread. */
#define LINE_CAP (64u << 20)

struct stream {
	int fd;     /* O_APPEND file or standard output */
	char *path; /* for messages and the rewrite; NULL for standard output */
};

struct kept {
	off_t off;  /* where the line starts */
	size_t len; /* its length with the newline */
};

/* What pass one learned of an old stream. */
struct survey {
	struct kept *v;    /* lines to keep, in file order */
	size_t n, cap;     /* count and allocation */
	off_t first_drop;  /* offset of the first line not kept, or -1 */
	int keep_after;    /* a kept line follows a dropped one: truncating is not enough */
	json_t *want;      /* set of stored org ids */
	json_t *seen;      /* set of org ids kept so far */
	int64_t scan_id;   /* the scan being resumed */
	int64_t foreign;   /* another scan's id found in the file, or 0 */
	size_t foreign_ln; /* its line */
};

enum verdict { KEEP, TORN, META, DROP, FOREIGN };

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

int stream_open(const char *path, int resume, struct stream **out, char *err, size_t errlen)
{
	struct stream *s = calloc(1, sizeof *s);
	if (s == NULL)
		return fail(err, errlen, -ENOMEM, "out of memory");
	if (strcmp(path, "-") == 0) {
		s->fd = STDOUT_FILENO;
		*out = s;
		return 0;
	}
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | (resume ? 0 : O_TRUNC);
	s->fd = open(path, flags, 0644);
	s->path = strdup(path);
	if (s->fd < 0 || s->path == NULL) {
		int e = s->fd < 0 ? errno : ENOMEM;
		stream_close(s);
		return fail(err, errlen, -e, "cannot write %s: %s", path, strerror(e));
	}
	*out = s;
	return 0;
}

int stream_is_file(const struct stream *s)
{
	return s->path != NULL;
}

struct stream *stream_close(struct stream *s)
{
	if (s == NULL)
		return NULL;
	if (s->fd > STDERR_FILENO)
		close(s->fd);
	free(s->path);
	free(s);
	return NULL;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n, len -= (size_t)n;
	}
	return 0;
}

int stream_write(struct stream *s, const char *line, size_t len, char *err, size_t errlen)
{
	/* Test hook: die half-way through a record, as a kill inside write(2) could leave it. */
	if (fault_hit("record")) {
		write_all(s->fd, line, len / 2);
		raise(SIGKILL);
	}
	int rc = write_all(s->fd, line, len);
	if (rc < 0)
		return fail(err, errlen, rc, "cannot write %s: %s", s->path ? s->path : "standard output",
		            strerror(-rc));
	return 0;
}

/* ---- reconciliation ---- */

static enum verdict judge(struct survey *sv, const char *line, size_t len)
{
	if (len == 0 || line[len - 1] != '\n')
		return TORN;
	json_t *rec = json_loadb(line, len - 1, 0, NULL);
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *org = json_string_value(json_object_get(rec, "org_id"));
	json_t *sid = json_object_get(rec, "scan_id");
	enum verdict v = DROP;
	if (type != NULL && strcmp(type, "metadata") == 0)
		v = META;
	else if (type == NULL || strcmp(type, "organization") != 0 || org == NULL)
		v = DROP;
	else if (json_is_integer(sid) && json_integer_value(sid) != sv->scan_id)
		v = FOREIGN, sv->foreign = json_integer_value(sid);
	else if (json_object_get(sv->want, org) != NULL && json_object_get(sv->seen, org) == NULL)
		v = json_object_set_new(sv->seen, org, json_true()) == 0 ? KEEP : DROP;
	json_decref(rec);
	return v;
}

static int note_kept(struct survey *sv, off_t off, size_t len)
{
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 256;
		struct kept *v = realloc(sv->v, cap * sizeof *v);
		if (v == NULL)
			return -ENOMEM;
		sv->v = v, sv->cap = cap;
	}
	sv->v[sv->n++] = (struct kept){off, len};
	if (sv->first_drop >= 0)
		sv->keep_after = 1;
	return 0;
}

static void count(struct stream_fix *fix, enum verdict v, size_t len)
{
	if (v == TORN)
		fix->torn_bytes += len;
	else if (v == META)
		fix->metadata++;
	else if (v == DROP)
		fix->dropped++;
}

/* Pass one: which lines stay. Lines are read with getline from a duplicate descriptor. */
static int survey_file(struct stream *s, struct survey *sv, struct stream_fix *fix, char *err, size_t errlen)
{
	int fd = open(s->path, O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (f == NULL) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return fail(err, errlen, -e, "cannot read %s: %s", s->path, strerror(e));
	}
	char *line = NULL;
	size_t cap = 0, ln = 0;
	ssize_t len;
	off_t off = 0;
	int rc = 0;
	while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
		ln++;
		enum verdict v = (size_t)len > LINE_CAP ? DROP : judge(sv, line, (size_t)len);
		if (v == FOREIGN) {
			sv->foreign_ln = ln;
			break;
		}
		if (v == KEEP)
			rc = note_kept(sv, off, (size_t)len);
		else if (sv->first_drop < 0)
			sv->first_drop = off;
		count(fix, v, (size_t)len);
		off += len;
	}
	if (rc == 0 && ferror(f))
		rc = fail(err, errlen, -EIO, "cannot read %s: %s", s->path, strerror(errno));
	else if (rc < 0)
		rc = fail(err, errlen, rc, "out of memory reading %s", s->path);
	free(line);
	fclose(f);
	return rc;
}

static int copy_kept(int in, int out, const struct survey *sv)
{
	char *buf = NULL;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sv->n; i++) {
		char *p = realloc(buf, sv->v[i].len);
		if (p == NULL) {
			rc = -ENOMEM;
			break;
		}
		buf = p;
		ssize_t n = pread(in, buf, sv->v[i].len, sv->v[i].off);
		rc = n == (ssize_t)sv->v[i].len ? write_all(out, buf, sv->v[i].len) : -EIO;
	}
	free(buf);
	return rc;
}

/* Copies the kept lines into a new file beside the old one, then puts it in its place. */
static int rewrite(struct stream *s, const struct survey *sv, char *err, size_t errlen)
{
	size_t tlen = strlen(s->path) + 32;
	char *tmp = malloc(tlen);
	if (tmp == NULL)
		return fail(err, errlen, -ENOMEM, "out of memory");
	snprintf(tmp, tlen, "%s.tmp%ld", s->path, (long)getpid());
	int rc = 0, in = open(s->path, O_RDONLY | O_CLOEXEC);
	int out = in < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || out < 0)
		rc = -errno;
	if (rc == 0)
		rc = copy_kept(in, out, sv);
	if (rc == 0 && fsync(out) < 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, s->path) < 0)
		rc = -errno;
	if (rc < 0 && out >= 0)
		unlink(tmp);
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	free(tmp);
	if (rc < 0)
		return fail(err, errlen, rc, "cannot rewrite %s: %s", s->path, strerror(-rc));
	/* Append from now on to the new file. */
	int fd = open(s->path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot write %s: %s", s->path, strerror(errno));
	close(s->fd);
	s->fd = fd;
	return 0;
}

static int append_missing(struct stream *s, const struct survey *sv, const json_t *ids, stream_load_fn load,
                          void *arg, struct stream_fix *fix, char *err, size_t errlen)
{
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id)
	{
		const char *org = json_string_value(id);
		char *line = NULL;
		if (org == NULL || json_object_get(sv->seen, org) != NULL)
			continue;
		int rc = load(arg, org, &line);
		if (rc < 0)
			return fail(err, errlen, rc, "cannot rebuild the record of %s from the database",
			            org);
		rc = stream_write(s, line, strlen(line), err, errlen);
		free(line);
		if (rc < 0)
			return rc;
		fix->appended++;
	}
	return 0;
}

static json_t *id_set(const json_t *ids)
{
	json_t *set = json_object(), *id;
	size_t i;
	json_array_foreach(ids, i, id)
	{
		if (set != NULL && json_is_string(id) &&
		    json_object_set_new(set, json_string_value(id), json_true()) < 0)
			set = (json_decref(set), NULL);
	}
	return set;
}

static int settle(struct stream *s, const struct survey *sv, char *err, size_t errlen)
{
	if (sv->keep_after)
		return rewrite(s, sv, err, errlen);
	if (sv->first_drop >= 0 && ftruncate(s->fd, sv->first_drop) < 0)
		return fail(err, errlen, -errno, "cannot truncate %s: %s", s->path, strerror(errno));
	return 0;
}

int stream_reconcile(struct stream *s, int64_t scan_id, const json_t *stored_ids, stream_load_fn load,
                     void *arg, struct stream_fix *fix, char *err, size_t errlen)
{
	struct survey sv = {.first_drop = -1, .scan_id = scan_id};
	*fix = (struct stream_fix){0};
	if (!stream_is_file(s))
		return 0;
	sv.want = id_set(stored_ids);
	sv.seen = json_object();
	int rc = sv.want && sv.seen ? survey_file(s, &sv, fix, err, errlen)
	                            : fail(err, errlen, -ENOMEM, "out of memory");
	if (rc == 0 && sv.foreign)
		rc = fail(err, errlen, -EEXIST,
		          "%s:%zu: a record of scan %lld, not of scan %lld: left untouched", s->path,
		          sv.foreign_ln, (long long)sv.foreign, (long long)scan_id);
	if (rc == 0)
		rc = settle(s, &sv, err, errlen);
	if (rc == 0) {
		fix->kept = sv.n;
		rc = append_missing(s, &sv, stored_ids, load, arg, fix, err, errlen);
	}
	json_decref(sv.want);
	json_decref(sv.seen);
	free(sv.v);
	return rc;
}
