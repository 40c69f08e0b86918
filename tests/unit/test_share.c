/* Shared measurements: measured once, reused, waited for across threads, abandoned, budgeted. */
#include "share.h"
#include "tap.h"

#include <errno.h>
#include <event2/thread.h>
#include <pthread.h>
#include <string.h>

/* What a waiter's callback saw. */
struct seen {
	int calls;      /* times called */
	json_t *result; /* the last result (owned) */
	struct event_base *base;
};

static void on_result(void *arg, json_t *result)
{
	struct seen *s = arg;
	s->calls++;
	json_decref(s->result);
	s->result = result;
	event_base_loopbreak(s->base);
}

static void test_one_thread(void)
{
	struct share *sh = NULL;
	struct event_base *base = event_base_new();
	struct seen w1 = {.base = base}, w2 = {.base = base};
	struct share_wait *wt1 = NULL, *wt2 = NULL;
	json_t *res = NULL, *obs = json_pack("{s:s, s:i}", "status", "ok", "code", 200);
	is_int(share_new(0, &sh), 0, "a table");
	is_int(share_claim(sh, "web a 127.0.0.1", base, on_result, &w1, &res, &wt1), SHARE_MEASURE,
	       "the first asker measures");
	is_int(share_claim(sh, "web a 127.0.0.1", base, on_result, &w1, &res, &wt1), SHARE_WAIT,
	       "the second waits while it is measured");
	is_int(share_claim(sh, "web a 127.0.0.1", base, on_result, &w2, &res, &wt2), SHARE_WAIT,
	       "so does a third");
	share_cancel(sh, wt2);
	share_publish(sh, "web a 127.0.0.1", obs);
	is_int(w1.calls, 0, "callbacks come from the loop, not inside publish");
	event_base_dispatch(base);
	is_int(w1.calls, 1, "the waiter is called once");
	ok(json_equal(w1.result, obs), "with the published observation");
	is_int(w2.calls, 0, "a cancelled wait is never called");
	is_int(share_claim(sh, "web a 127.0.0.1", base, on_result, &w1, &res, &wt1), SHARE_DONE,
	       "a later asker gets the result at once");
	ok(json_equal(res, obs), "the same observation");
	json_decref(res);
	size_t measured, reused;
	share_stats(sh, &measured, &reused);
	is_int((int)measured, 1, "measured once");
	is_int((int)reused, 2, "reused twice (one waiter, one later asker)");

	/* An abandoned measurement: the waiter is told to ask again and then measures itself. */
	is_int(share_claim(sh, "web b 127.0.0.2", base, on_result, &w1, &res, &wt1), SHARE_MEASURE,
	       "b: measured by the first");
	is_int(share_claim(sh, "web b 127.0.0.2", base, on_result, &w2, &res, &wt2), SHARE_WAIT,
	       "b: waited for");
	share_publish(sh, "web b 127.0.0.2", NULL);
	event_base_dispatch(base);
	is_int(w2.calls, 1, "b: the waiter hears of the abandon");
	ok(w2.result == NULL, "b: without a result");
	is_int(share_claim(sh, "web b 127.0.0.2", base, on_result, &w2, &res, &wt2), SHARE_MEASURE,
	       "b: asking again, it measures");
	share_publish(sh, "web b 127.0.0.2", obs);
	json_decref(w1.result);
	json_decref(w2.result);
	json_decref(obs);
	share_free(sh);
	event_base_free(base);
}

static void test_budget(void)
{
	struct share *sh = NULL;
	struct event_base *base = event_base_new();
	json_t *res = NULL, *big = json_pack("{s:s}", "body", "0123456789012345678901234567890123456789");
	struct share_wait *wt = NULL;
	share_new(32, &sh);
	share_claim(sh, "k", base, on_result, NULL, &res, &wt);
	share_publish(sh, "k", big);
	is_int(share_claim(sh, "k", base, on_result, NULL, &res, &wt), SHARE_MEASURE,
	       "budget: a result over the budget is not kept: the next asker measures");
	share_publish(sh, "k", NULL);
	json_decref(big);
	share_free(sh);
	event_base_free(base);
}

/* A waiter on one thread, the measurer on another: the result arrives on the waiter's loop. */
struct other {
	struct share *sh;
	json_t *obs;
};

static void *publisher(void *arg)
{
	struct other *o = arg;
	share_publish(o->sh, "web c 127.0.0.3", o->obs);
	return NULL;
}

static void test_two_threads(void)
{
	struct share *sh = NULL;
	struct event_base *base = event_base_new();
	struct seen w = {.base = base};
	struct share_wait *wt = NULL;
	json_t *res = NULL;
	struct other o = {NULL, json_pack("{s:s}", "status", "ok")};
	pthread_t th;
	share_new(0, &sh);
	o.sh = sh;
	is_int(share_claim(sh, "web c 127.0.0.3", base, on_result, NULL, &res, &wt), SHARE_MEASURE,
	       "threads: claimed for the other thread");
	is_int(share_claim(sh, "web c 127.0.0.3", base, on_result, &w, &res, &wt), SHARE_WAIT,
	       "threads: this one waits");
	pthread_create(&th, NULL, publisher, &o);
	pthread_join(th, NULL);
	event_base_dispatch(base);
	is_int(w.calls, 1, "threads: the waiter's loop runs the callback");
	ok(json_equal(w.result, o.obs), "threads: with the other thread's result");
	json_decref(w.result);
	json_decref(o.obs);
	share_free(sh);
	event_base_free(base);
}

int main(void)
{
	evthread_use_pthreads();
	test_one_thread();
	test_budget();
	test_two_threads();
	return done_testing();
}
