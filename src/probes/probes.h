/*
 * The probe registry: every probe module vitals runs, in start order, one row each
 * (zmap's probe_modules.c is the model). Each module is a const struct defined in its
 * own probe_*.c file and declared here; adding a probe is that file, one extern line
 * below and one row in probes.c. The command layer passes the registry to the engine,
 * so the engine knows no probe by name.
 */
#ifndef VITALS_PROBES_H
#define VITALS_PROBES_H

#include "engine.h"

extern const struct probe_module
    probe_dns_module; /* UNIT_DOMAIN: records and assets; finds the units below */
extern const struct probe_module probe_deleg_module; /* UNIT_SILENT_DOMAIN: asks the parent */
extern const struct probe_module probe_axfr_module;  /* UNIT_NAME_SERVER: zone transfer */
extern const struct probe_module
    probe_web_module; /* UNIT_HOST, UNIT_ADDRESS: per endpoint, TLS and fetches */

extern const struct probe_module
    probe_tlsscan_module; /* UNIT_HOST, UNIT_ADDRESS, UNIT_MAIL_HOST: deep TLS per endpoint */
extern const struct probe_module
    probe_mailpol_module; /* UNIT_DOMAIN, UNIT_MAIL_HOST: MTA-STS, TLS-RPT, DANE TLSA */

extern const struct probe_module
    probe_ports_module; /* UNIT_HOST, UNIT_ADDRESS, UNIT_MAIL_HOST: TCP port sweep; finds UNIT_SERVICE */
extern const struct probe_module probe_redis_module; /* UNIT_SERVICE 6379: PING and INFO without AUTH */
/* family sshdb: SSH and databases */
extern const struct probe_module probe_ssh_module;        /* UNIT_SERVICE 22: identification, KEXINIT */
extern const struct probe_module probe_postgresql_module; /* UNIT_SERVICE 5432: startup, auth request */
extern const struct probe_module probe_mysql_module;      /* UNIT_SERVICE 3306: the greeting */
extern const struct probe_module
    probe_elasticsearch_module;                        /* UNIT_SERVICE 9200: GET / without credentials */
extern const struct probe_module probe_mongodb_module; /* UNIT_SERVICE 27017: OP_MSG hello */
extern const struct probe_module
    probe_tlsep_module; /* UNIT_DOMAIN of `vitals tls`: a named endpoint to the deep-TLS probe */
/* the clinical family */
extern const struct probe_module probe_dicom_module;    /* UNIT_SERVICE DICOM ports: association, C-FIND */
extern const struct probe_module probe_pacs_web_module; /* UNIT_SERVICE 8042 and web ports: Orthanc REST */
extern const struct probe_module probe_hl7_module;      /* UNIT_SERVICE 2575: one MLLP message to reject */
extern const struct probe_module probe_fhir_module;     /* UNIT_SERVICE web ports: metadata, SMART, count */

/* remote access and file sharing */
extern const struct probe_module probe_rdp_module;    /* UNIT_SERVICE 3389: RDP negotiation, NLA */
extern const struct probe_module probe_vnc_module;    /* UNIT_SERVICE 5900-5901: RFB security types */
extern const struct probe_module probe_smb_module;    /* UNIT_SERVICE 445: SMB2 and SMB1 NEGOTIATE */
extern const struct probe_module probe_telnet_module; /* UNIT_SERVICE 23: what the server sends first */
extern const struct probe_module probe_ftp_module;    /* UNIT_SERVICE 21: greeting, anonymous login */
extern const struct probe_module probe_turn_module; /* UNIT_SERVICE 3478, 5349: Allocate, CreatePermission */

/* Every module, in start order, for engine_opts.modules; *n gets their count. */
const struct probe_module *const *probes_all(size_t *n);
/* The modules of `vitals tls`: named endpoints (each target domain one) and the deep-TLS probe. */
const struct probe_module *const *probes_tls(size_t *n);

#endif
