/*
 * The disclosure program's store: programs, reports, messages, attachments and the
 * audit log (and the users and sessions tables the staff side will use), in the same
 * SQLite file as the scans, in tables of their own with their own version row
 * (vdp_schema_version); docs/SCHEMA.md describes them.
 *
 * Report text arrives here already sealed (src/serve/vdp_seal.c): this module stores
 * and returns opaque blobs and never sees a key. Writes run in transactions with
 * synchronous=FULL, so when vdp_report_add returns 0 the report and its attachments
 * are on disk together, or, on failure, none of them is.
 *
 * Library code: negative errno-style codes, a message in vdp_error(); never prints.
 * One connection, used by one thread at a time.
 */
#ifndef VITALS_VDP_H
#define VITALS_VDP_H

#include <stddef.h>
#include <stdint.h>

#define VDP_SCHEMA_VERSION 1

struct vdp;

/* A stored byte string (sealed text); n 0 means none. */
struct vdp_blob {
	const unsigned char *p; /* bytes */
	size_t n;               /* length */
};

/* A program's commitments (defaults until staff change them). */
struct vdp_program {
	int ack_days;     /* acknowledge within this many business days */
	int triage_days;  /* triage within this many business days */
	int resolve_days; /* resolution target in calendar days */
	int64_t created;  /* when the row was made; 0 when the program has no row yet */
};

/* One report as stored. Strings and blobs are valid during the callback that receives it. */
struct vdp_report {
	const char *id;                          /* public report id */
	const char *org_id;                      /* the organization it concerns */
	const char *asset;                       /* the asset named by the reporter */
	const char *state;                       /* new, triaged, ... */
	const char *severity;                    /* NULL until triaged */
	const char *cvss;                        /* the reporter's CVSS v4.0 vector, or NULL */
	int64_t created;                         /* when it was received */
	int64_t acknowledged, triaged, resolved; /* 0: not yet */
	struct vdp_blob title, description, steps, impact, contact; /* sealed */
	const unsigned char *token_hash; /* 32 bytes: the keyed hash of the reporter's token */
};

/* One attachment. */
struct vdp_attachment {
	const char *id;           /* attachment id */
	struct vdp_blob name;     /* sealed file name */
	struct vdp_blob data;     /* sealed bytes (empty when listed without data) */
	int64_t size;             /* plaintext size in bytes */
	const char *content_type; /* as sent */
};

/* One message of a report's thread. */
struct vdp_message {
	const char *id;       /* message id */
	const char *author;   /* "reporter" or "staff" */
	struct vdp_blob body; /* sealed */
	int64_t created;      /* when it was stored */
};

/* Opens the database of an existing vitals file at `path` and creates the program tables;
 * the reason for a failure goes to `err`. */
int vdp_open(const char *path, struct vdp **out, char *err, size_t errlen);
struct vdp *vdp_close(struct vdp *v);
/* The last error message, never NULL. */
const char *vdp_error(const struct vdp *v);

/* The program of `org_id`: its row, or the defaults (3, 10, 90; created 0). */
int vdp_program_get(struct vdp *v, const char *org_id, struct vdp_program *out);

/*
 * Stores a report and its `na` attachments in one transaction (making the program row
 * when there is none) and audits it; returns after COMMIT. 0, -EEXIST (id or token
 * taken), -EIO.
 */
int vdp_report_add(struct vdp *v, const struct vdp_report *r, const struct vdp_attachment *a, size_t na);

/* Calls cb with the report whose token hash is `hash`. 0, -ENOENT, or cb's negative code. */
int vdp_report_by_token(struct vdp *v, const unsigned char hash[32],
                        int (*cb)(const struct vdp_report *r, void *arg), void *arg);

/* Calls cb for each message of a report, oldest first (then for attachments, without data). */
int vdp_messages(struct vdp *v, const char *report_id, int (*cb)(const struct vdp_message *m, void *arg),
                 void *arg);
int vdp_attachments(struct vdp *v, const char *report_id,
                    int (*cb)(const struct vdp_attachment *a, void *arg), void *arg);

/* Adds a message (and its audit row) in one transaction. 0 or a negative code. */
int vdp_message_add(struct vdp *v, const char *report_id, const struct vdp_message *m);

/* A staff account (`vitals user`). The password is kept only as its argon2id hash. */
struct vdp_user {
	const char *login;  /* unique */
	const char *org_id; /* the organization whose reports it sees; NULL for a sector administrator */
	const char *role;   /* "admin" (the sector) or "staff" (one organization) */
	const char *pwhash; /* the crypto_pwhash_str string (never read back by vdp_users) */
	int disabled;       /* may not log in */
};

/* Each change is one transaction with its audit row (actor "cli"). 0; -EEXIST (login taken),
 * -ENOENT (no such login), -EIO. A changed password or a disabled account ends its sessions. */
int vdp_user_add(struct vdp *v, const struct vdp_user *u, int64_t now);
int vdp_user_passwd(struct vdp *v, const char *login, const char *pwhash, int64_t now);
int vdp_user_disable(struct vdp *v, const char *login, int64_t now);
/* Calls cb for each account by login (pwhash NULL). 0 or the first negative code. */
int vdp_users(struct vdp *v, int (*cb)(const struct vdp_user *u, void *arg), void *arg);

#endif
