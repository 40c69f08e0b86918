/* Measurements shared across organizations: see shared.h. */
#include "shared.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "share.h"

/* One organization waiting for another's measurement. */
struct shared_wait {
	struct op op;            /* registration with the organization */
	struct engine *e;        /* the engine */
	struct share_wait *wait; /* the table's wait */
	json_t *out;             /* what to fill (a reference) */
	const struct shared_ops *ops;
	char *key; /* asked again when abandoned */
	unsigned char spec[SHARED_SPEC_MAX];
};

static void unreached(const struct shared_ops *ops, json_t *out, const char *status)
{
	if (ops->unreached != NULL)
		ops->unreached(out, status);
	else
		json_object_set_new(out, "status", json_string(status));
}

static void wait_free(struct shared_wait *w)
{
	op_done(&w->op);
	json_decref(w->out);
	free(w->key);
	free(w);
}

static void on_shared(void *arg, json_t *result)
{
	struct shared_wait *w = arg;
	struct domain_scan *ds = w->op.ds;
	int rc = 0;
	w->wait = NULL;
	if (result != NULL) {
		json_object_update(w->out, result);
		if (w->ops->taken != NULL)
			rc = w->ops->taken(w->e, ds, w->out, w->spec);
	} else if (engine_org_expired(ds)) {
		unreached(w->ops, w->out, "timeout");
	} else {
		/* abandoned by its measurer: ask again (this organization may measure it now) */
		rc = shared_measure(w->e, ds, w->key, w->out, w->ops, w->spec);
		if (rc < 0)
			unreached(w->ops, w->out, "error");
	}
	if (rc < 0 && engine_resource_error(rc))
		engine_starved(ds);
	json_decref(result);
	wait_free(w);
}

static void wait_cancel(struct op *op)
{
	struct shared_wait *w = (struct shared_wait *)op;
	share_cancel(engine_opts(w->e)->share, w->wait);
	unreached(w->ops, w->out, "timeout");
	wait_free(w);
}

int shared_measure(struct engine *e, struct domain_scan *ds, const char *key, json_t *out,
                   const struct shared_ops *ops, const void *spec)
{
	struct share *sh = engine_opts(e)->share;
	json_t *result = NULL;
	struct share_wait *wait = NULL;
	if (ops->spec_size > SHARED_SPEC_MAX)
		return -EINVAL;
	if (sh == NULL)
		return ops->measure(e, ds, out, spec, NULL);
	struct shared_wait *w = calloc(1, sizeof *w);
	if (w == NULL || (w->key = strdup(key)) == NULL) {
		free(w);
		return -ENOMEM;
	}
	int rc = share_claim(sh, key, engine_base(e), on_shared, w, &result, &wait);
	if (rc == SHARE_WAIT) {
		w->e = e;
		w->wait = wait;
		w->out = json_incref(out);
		w->ops = ops;
		memcpy(w->spec, spec, ops->spec_size);
		op_begin(&w->op, ds, wait_cancel);
		return 0;
	}
	free(w->key);
	free(w);
	if (rc == SHARE_DONE) {
		json_object_update(out, result);
		json_decref(result);
		return ops->taken != NULL ? ops->taken(e, ds, out, spec) : 0;
	}
	return rc == SHARE_MEASURE ? ops->measure(e, ds, out, spec, key) : rc;
}
