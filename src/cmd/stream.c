/* The NDJSON result stream: whole-line writes and reconciliation with the store on resume. */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"
#include "fault.h"

/* A line of an old stream longer than this is not one vitals wrote: it is skipped unread. */
#define LINE_CAP (64u << 20)
/* Bytes read from the old stream at a time. */
#define CHUNK (64u << 10)

struct stream {
	int fd;      /* O_APPEND descriptor, or standard output */
	char *path;  /* for messages and the rewrite; NULL for standard output */
	int regular; /* a regular file: locked, truncated and reconciled; else only written */
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

/* Reads an old stream line by line in bounded chunks, however long its lines are. */
struct reader {
	int fd;          /* read with pread: the write offset is left alone */
	off_t at;        /* file offset of buf[0] */
	char buf[CHUNK]; /* what was read */
	size_t len, pos; /* bytes in buf, next unread */
	char *line;      /* the current line (up to LINE_CAP bytes kept) */
	size_t line_len; /* bytes of it kept */
	size_t line_cap; /* allocated */
	size_t full_len; /* its whole length, kept or not */
	int ended;       /* a newline ended it */
};

enum verdict { KEEP, TORN, META, DROP, FOREIGN };

/* Another process holding a write lock on the whole file is writing this stream. */
static int lock_stream(struct stream *s, char *err, size_t errlen)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	if (fcntl(s->fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return errf(err, errlen, -EBUSY, "%s is being written by another vitals process", s->path);
	return errf(err, errlen, -errno, "cannot lock %s: %s", s->path, strerror(errno));
}

/* Regular files (and names not there yet) are opened for reading too: reconciliation reads them. */
static int open_path(const char *path)
{
	struct stat sb;
	int rdwr = stat(path, &sb) < 0 || S_ISREG(sb.st_mode);
	return open(path, (rdwr ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
}

int stream_open(const char *path, struct stream **out, char *err, size_t errlen)
{
	struct stream *s = calloc(1, sizeof *s);
	struct stat sb;
	if (s == NULL)
		return errf(err, errlen, -ENOMEM, "out of memory");
	if (strcmp(path, "-") == 0) {
		s->fd = STDOUT_FILENO;
		*out = s;
		return 0;
	}
	s->fd = open_path(path);
	s->path = strdup(path);
	int rc = 0;
	if (s->fd < 0 || s->path == NULL || fstat(s->fd, &sb) < 0)
		rc = errf(err, errlen, s->fd < 0 ? -errno : -ENOMEM, "cannot write %s: %s", path,
		          s->fd < 0 ? strerror(errno) : "out of memory");
	else if ((s->regular = S_ISREG(sb.st_mode) && (fcntl(s->fd, F_GETFL) & O_ACCMODE) == O_RDWR))
		rc = lock_stream(s, err, errlen);
	if (rc < 0) {
		stream_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int stream_is_file(const struct stream *s)
{
	return s->regular;
}

int stream_truncate(struct stream *s, char *err, size_t errlen)
{
	if (s->regular && ftruncate(s->fd, 0) < 0)
		return errf(err, errlen, -errno, "cannot truncate %s: %s", s->path, strerror(errno));
	return 0;
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
		return errf(err, errlen, rc, "cannot write %s: %s", s->path ? s->path : "standard output",
		            strerror(-rc));
	return 0;
}

/* ---- reading an old stream ---- */

static int keep_byte(struct reader *r, char c)
{
	r->full_len++;
	if (r->line_len >= LINE_CAP)
		return 0;
	if (r->line_len + 1 >= r->line_cap) {
		size_t cap = r->line_cap ? r->line_cap * 2 : 4096;
		char *p = realloc(r->line, cap);
		if (p == NULL)
			return -ENOMEM;
		r->line = p, r->line_cap = cap;
	}
	r->line[r->line_len++] = c;
	return 0;
}

/* The next line: 1, with r->line (r->line_len bytes kept of r->full_len); 0 at the end; <0 error. */
static int next_line(struct reader *r)
{
	r->line_len = r->full_len = 0;
	r->ended = 0;
	for (;;) {
		if (r->pos == r->len) {
			r->at += (off_t)r->len;
			ssize_t n = pread(r->fd, r->buf, sizeof r->buf, r->at);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			r->len = (size_t)n, r->pos = 0;
			if (n == 0)
				return r->full_len > 0;
		}
		char c = r->buf[r->pos++];
		if (keep_byte(r, c) < 0)
			return -ENOMEM;
		if (c == '\n') {
			r->ended = 1;
			return 1;
		}
	}
}

static enum verdict judge(struct survey *sv, const struct reader *r)
{
	if (!r->ended)
		return TORN;
	if (r->full_len > r->line_len)
		return DROP;
	json_t *rec = json_loadb(r->line, r->line_len - 1, 0, NULL);
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

/* Pass one: which lines stay. Stops early (-EINTR) when *stop is set. */
static int survey_file(struct stream *s, struct survey *sv, struct stream_fix *fix,
                       const volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct reader *r = calloc(1, sizeof *r);
	if (r == NULL)
		return errf(err, errlen, -ENOMEM, "out of memory");
	r->fd = s->fd;
	size_t ln = 0;
	off_t off = 0;
	int rc;
	while ((rc = next_line(r)) > 0) {
		ln++;
		enum verdict v = judge(sv, r);
		if (v == FOREIGN) {
			sv->foreign_ln = ln;
			break;
		}
		if (v == KEEP)
			rc = note_kept(sv, off, r->full_len);
		else if (sv->first_drop < 0)
			sv->first_drop = off;
		count(fix, v, r->full_len);
		off += (off_t)r->full_len;
		if (rc == 0 && stop != NULL && *stop)
			rc = -EINTR;
		if (rc < 0)
			break;
	}
	if (rc == -EINTR)
		errf(err, errlen, rc, "%s: interrupted while reading it", s->path);
	else if (rc < 0)
		errf(err, errlen, rc, "cannot read %s: %s", s->path, strerror(-rc));
	free(r->line);
	free(r);
	return rc < 0 ? rc : 0;
}

/* ---- rewriting it ---- */

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

/* The new file gets the old one's mode and, where we may, its owner. */
static int same_attrs(int from, int to)
{
	struct stat sb;
	if (fstat(from, &sb) < 0 || fchmod(to, sb.st_mode & 07777) < 0)
		return -errno;
	if (fchown(to, sb.st_uid, sb.st_gid) < 0 && errno != EPERM)
		return -errno;
	return 0;
}

/* A rename is durable once the directory that holds the name is synced. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/*
 * Copies the kept lines into a new file made beside the old one with mkstemp (a name
 * nobody can plant a link at), then renames it into place and appends to it from then on.
 */
static int rewrite(struct stream *s, const struct survey *sv, char *err, size_t errlen)
{
	size_t tlen = strlen(s->path) + 16;
	char *tmp = malloc(tlen);
	if (tmp == NULL)
		return errf(err, errlen, -ENOMEM, "out of memory");
	snprintf(tmp, tlen, "%s.XXXXXX", s->path);
	int rc = 0, out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0)
		rc = -errno;
	if (rc == 0)
		rc = same_attrs(s->fd, out);
	if (rc == 0)
		rc = copy_kept(s->fd, out, sv);
	if (rc == 0 && fsync(out) < 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, s->path) < 0)
		rc = -errno;
	if (rc < 0 && out >= 0)
		unlink(tmp);
	if (out >= 0)
		close(out);
	free(tmp);
	if (rc < 0)
		return errf(err, errlen, rc, "cannot rewrite %s: %s", s->path, strerror(-rc));
	sync_dir(s->path);
	int fd = open(s->path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errf(err, errlen, -errno, "cannot write %s: %s", s->path, strerror(errno));
	close(s->fd);
	s->fd = fd;
	return lock_stream(s, err, errlen);
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
			return errf(err, errlen, rc, "cannot rebuild the record of %s from the database",
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
		return errf(err, errlen, -errno, "cannot truncate %s: %s", s->path, strerror(errno));
	return 0;
}

int stream_reconcile(struct stream *s, int64_t scan_id, const json_t *stored_ids, stream_load_fn load,
                     void *arg, const volatile sig_atomic_t *stop, struct stream_fix *fix, char *err,
                     size_t errlen)
{
	struct survey sv = {.first_drop = -1, .scan_id = scan_id};
	*fix = (struct stream_fix){0};
	if (!s->regular)
		return 0;
	sv.want = id_set(stored_ids);
	sv.seen = json_object();
	int rc = sv.want && sv.seen ? survey_file(s, &sv, fix, stop, err, errlen)
	                            : errf(err, errlen, -ENOMEM, "out of memory");
	if (rc == 0 && sv.foreign)
		rc = errf(err, errlen, -EEXIST,
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
