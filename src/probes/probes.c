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
    /* family sshdb: SSH and databases */
    &probe_ssh_module,
    &probe_postgresql_module,
    &probe_mysql_module,
    &probe_elasticsearch_module,
    &probe_mongodb_module,
    &probe_turn_module,
};

const struct probe_module *const *probes_all(size_t *n)
{
	*n = sizeof modules / sizeof modules[0];
	return modules;
}
