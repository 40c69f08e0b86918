/* The probe registry: one row per module. */
#include "probes.h"

static const struct probe_module *const modules[] = {
    &probe_dns_module, &probe_deleg_module,   &probe_axfr_module,
    &probe_web_module, &probe_tlsscan_module, &probe_mailpol_module,
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
