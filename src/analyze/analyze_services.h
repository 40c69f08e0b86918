/*
 * The exposed-services analyzer: the version 5 svc.* checks from the "port_sweeps" and
 * "services" parts of a domain's observations (docs/OBSERVATIONS.md).
 *
 * One finding per check and swept address: the domain is the document's domain (the
 * evidence names the host the address was found under), the endpoint the address, ":PORT"
 * added when the finding is about one service. Checks are rows of per-family tables (one file
 * each: analyze_svc_redis.c, ...); a row names the probe whose evidence it judges, what
 * an address without that service gets (pass for "is it exposed", not applicable for
 * "how is it configured") and a function judging one measured service. On an address
 * with several such services the worst stands (fail, indeterminate, pass, na).
 *
 * Rules common to every row: a service whose probe found another protocol there
 * ("not_<probe>") does not count as that service; a probe that could not read its
 * answer (timeout, refused, malformed...) is indeterminate with that reason; an address
 * whose sweep did not finish cannot show that a service is absent (indeterminate); a
 * document without port_sweeps (--services off, no address found, or older scans) gives
 * one indeterminate finding per check on the domain, reason not_observed (which the
 * scope rule of analyze.c turns into out_of_scope when the domain's name servers are). Pure: no I/O, no
 * clock.
 */
#ifndef VITALS_ANALYZE_SERVICES_H
#define VITALS_ANALYZE_SERVICES_H

#include <jansson.h>
#include <stddef.h>

#include "finding.h"

/* A row's verdict on one measured service. */
struct svc_verdict {
	enum fstatus status;
	const char *reason; /* for indeterminate and na, a short word; NULL otherwise */
	char detail[256];   /* one line for a human */
};

/*
 * Judges one service at an address: `probe` is the probe's object (its "status" is "ok":
 * other statuses are handled before), `entry` the services entry (addr, port, service...).
 */
typedef void (*svc_judge)(const json_t *probe, const json_t *entry, struct svc_verdict *v);

struct svc_check {
	const char *id;      /* "svc.redis.noauth" */
	const char *probe;   /* the probe whose object it reads ("redis"); "*": the judge gets the whole
	                        entry as `probe` and every entry, na meaning "not about this entry" */
	enum fstatus absent; /* an address swept without that service: FS_PASS or FS_NA */
	const char *what;    /* what is absent, for the detail ("Redis") */
	svc_judge judge;     /* the verdict on one service */
};

/* The family tables, each ended by a row with id NULL. */
extern const struct svc_check svc_checks_redis[];
extern const struct svc_check svc_checks_remote[];   /* RDP, VNC, SMB, Telnet, FTP */
extern const struct svc_check svc_checks_sshdb[];    /* analyze_svc_sshdb.c: SSH and databases */
extern const struct svc_check svc_checks_clinical[]; /* DICOM, PACS web, HL7, FHIR */
extern const struct svc_check svc_checks_turn[];     /* STUN/TURN relays */
extern const struct svc_check svc_checks_patching[]; /* probe "*": every probe object of an entry */

/* Appends the findings for one domain's observation document. 0 or a negative errno. */
int analyze_services(const json_t *obs, struct findings *out);

/* The id of the i-th svc.* check (the tables' order), NULL past the last. */
const char *analyze_services_check_id(size_t i);

#endif
