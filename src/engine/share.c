/* Shared measurements: one table of keys for every worker of a scan. */
#include "share.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A key's state: measured by someone now (waiters queue) or done (text kept). */
struct entry {
	char *key;                /* the key */
	char *text;               /* the published result, or NULL while it is measured */
	struct share_wait *waits; /* waiters, newest first */
	struct entry *next;       /* bucket chain */
};

struct share_wait {
	struct share *sh;        /* the table */
	struct entry *entry;     /* the key waited for, NULL once delivered */
	struct event *ev;        /* fires on the waiter's loop */
	share_cb cb;             /* the waiter's callback */
	void *arg;               /* its argument */
	char *text;              /* the delivered result (NULL: abandoned) */
	struct share_wait *next; /* the entry's wait list */
};

struct share {
	pthread_mutex_t mu;      /* guards everything below */
	struct entry **buckets;  /* hash buckets */
	size_t nbuckets, n;      /* their count, and entries */
	size_t budget, kept;     /* bytes of results that may be kept, and kept */
	size_t measured, reused; /* counters */
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int share_new(size_t budget, struct share **out)
{
	struct share *sh = calloc(1, sizeof *sh);
	if (sh == NULL || (sh->buckets = calloc(1024, sizeof *sh->buckets)) == NULL) {
		free(sh);
		return -ENOMEM;
	}
	sh->nbuckets = 1024;
	sh->budget = budget ? budget : SHARE_BUDGET_BYTES;
	pthread_mutex_init(&sh->mu, NULL);
	*out = sh;
	return 0;
}

struct share *share_free(struct share *sh)
{
	if (sh == NULL)
		return NULL;
	for (size_t i = 0; i < sh->nbuckets; i++)
		for (struct entry *en = sh->buckets[i], *next; en != NULL; en = next) {
			next = en->next;
			free(en->key);
			free(en->text);
			free(en);
		}
	free(sh->buckets);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
	return NULL;
}

static struct entry **slot(struct share *sh, const char *key)
{
	struct entry **p = &sh->buckets[hash(key) % sh->nbuckets];
	while (*p != NULL && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

/* Doubles the buckets when entries outnumber them; keeps the old ones when out of memory. */
static void grow(struct share *sh)
{
	size_t nb = sh->nbuckets * 2;
	struct entry **b = sh->n < sh->nbuckets ? NULL : calloc(nb, sizeof *b);
	if (b == NULL)
		return;
	for (size_t i = 0; i < sh->nbuckets; i++)
		for (struct entry *en = sh->buckets[i], *next; en != NULL; en = next) {
			next = en->next;
			en->next = b[hash(en->key) % nb];
			b[hash(en->key) % nb] = en;
		}
	free(sh->buckets);
	sh->buckets = b;
	sh->nbuckets = nb;
}

static void wait_fire(evutil_socket_t fd, short what, void *arg)
{
	struct share_wait *w = arg;
	(void)fd, (void)what;
	pthread_mutex_lock(&w->sh->mu);
	char *text = w->text;
	pthread_mutex_unlock(&w->sh->mu);
	json_t *result = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	event_free(w->ev);
	share_cb cb = w->cb;
	void *cbarg = w->arg;
	free(w);
	cb(cbarg, result);
}

/* Under the lock: a new entry being measured (SHARE_MEASURE), or -ENOMEM. */
static int entry_add(struct share *sh, struct entry **p, const char *key)
{
	struct entry *en = calloc(1, sizeof *en);
	if (en == NULL || (en->key = strdup(key)) == NULL) {
		free(en);
		return -ENOMEM;
	}
	*p = en;
	sh->n++;
	sh->measured++;
	grow(sh);
	return SHARE_MEASURE;
}

/* Under the lock: a wait on en, or -ENOMEM. */
static int wait_add(struct share *sh, struct entry *en, struct event_base *base, share_cb cb, void *arg,
                    struct share_wait **wait)
{
	struct share_wait *w = calloc(1, sizeof *w);
	if (w == NULL || (w->ev = event_new(base, -1, 0, wait_fire, w)) == NULL) {
		free(w);
		return -ENOMEM;
	}
	w->sh = sh;
	w->entry = en;
	w->cb = cb;
	w->arg = arg;
	w->next = en->waits;
	en->waits = w;
	*wait = w;
	return SHARE_WAIT;
}

int share_claim(struct share *sh, const char *key, struct event_base *base, share_cb cb, void *arg,
                json_t **result, struct share_wait **wait)
{
	char *text = NULL;
	int rc;
	pthread_mutex_lock(&sh->mu);
	struct entry **p = slot(sh, key);
	if (*p == NULL)
		rc = entry_add(sh, p, key);
	else if ((*p)->text == NULL)
		rc = wait_add(sh, *p, base, cb, arg, wait);
	else if ((text = strdup((*p)->text)) == NULL)
		rc = -ENOMEM;
	else {
		rc = SHARE_DONE;
		sh->reused++;
	}
	pthread_mutex_unlock(&sh->mu);
	if (rc != SHARE_DONE)
		return rc;
	*result = json_loads(text, 0, NULL);
	free(text);
	return *result != NULL ? SHARE_DONE : -ENOMEM;
}

void share_publish(struct share *sh, const char *key, const json_t *result)
{
	char *text = result ? json_dumps(result, JSON_COMPACT) : NULL;
	pthread_mutex_lock(&sh->mu);
	struct entry **p = slot(sh, key), *en = *p;
	for (struct share_wait *w = en ? en->waits : NULL; w != NULL; w = w->next) {
		w->entry = NULL;
		w->text = text ? strdup(text) : NULL;
		sh->reused += w->text != NULL;
		event_active(w->ev, 0, 0);
	}
	size_t len = text ? strlen(text) + 1 : 0;
	if (en != NULL && text != NULL && sh->kept + len <= sh->budget) {
		en->waits = NULL;
		en->text = text;
		sh->kept += len;
		text = NULL;
	} else if (en != NULL) {
		/* Abandoned or over the budget: the next asker measures it. */
		*p = en->next;
		sh->n--;
		free(en->key);
		free(en);
	}
	pthread_mutex_unlock(&sh->mu);
	free(text);
}

void share_cancel(struct share *sh, struct share_wait *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&sh->mu);
	if (w->entry != NULL) {
		struct share_wait **p = &w->entry->waits;
		while (*p != NULL && *p != w)
			p = &(*p)->next;
		if (*p != NULL)
			*p = w->next;
	}
	pthread_mutex_unlock(&sh->mu);
	/* Delivered but not yet fired: event_del takes it off the loop's active queue. */
	event_del(w->ev);
	event_free(w->ev);
	free(w->text);
	free(w);
}

void share_stats(struct share *sh, size_t *measured, size_t *reused)
{
	pthread_mutex_lock(&sh->mu);
	*measured = sh->measured;
	*reused = sh->reused;
	pthread_mutex_unlock(&sh->mu);
}
