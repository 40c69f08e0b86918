/* The probe registry: one row per module. */
#include "probes.h"

static const struct probe_module *const modules[] = {
    &probe_dns_module,
    &probe_deleg_module,
    &probe_axfr_module,
    &probe_web_module,
    &probe_tlsscan_module,
    &probe_mailpol_module,
    /* exposed services: the sweep, then one probe per protocol */
    &probe_ports_module,
    &probe_redis_module,
    &probe_rdp_module,
    &probe_vnc_module,
    &probe_smb_module,
    &probe_telnet_module,
    &probe_ftp_module,
    /* family sshdb: SSH and databases */
    &probe_ssh_module,
    &probe_postgresql_module,
    &probe_mysql_module,
    &probe_elasticsearch_module,
    &probe_mongodb_module,
    &probe_dicom_module,
    &probe_pacs_web_module,
    &probe_hl7_module,
    &probe_fhir_module,
    &probe_turn_module,
};

const struct probe_module *const *probes_all(size_t *n)
{
	*n = sizeof modules / sizeof modules[0];
	return modules;
}

static const struct probe_module *const tls_modules[] = {&probe_tlsep_module, &probe_tlsscan_module};

const struct probe_module *const *probes_tls(size_t *n)
{
	*n = sizeof tls_modules / sizeof tls_modules[0];
	return tls_modules;
}
