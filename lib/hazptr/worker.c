/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * worker.c - optional asynchronous reclamation: one thread per domain that
 * runs hazptr_cleanup() every period, so memory is reclaimed even when
 * every thread has stopped retiring (liburcu's call_rcu thread, folly's
 * executor).  Start/stop are serialised by w_lock; fork() holds w_lock
 * across the call, and the child, which has no worker thread, forgets the
 * workers (hazptr_worker_start() works again there).
 */
#include "hazptr-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct hazptr_worker {
	pthread_t tid;
	pthread_mutex_t lock;		/* stop, and the timed wait */
	pthread_cond_t cond;
	uint64_t period_ns;
	bool stop;
	struct hazptr_domain *d;
};

static pthread_mutex_t w_lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker_main(void *arg)
{
	struct hazptr_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct timespec ts;
		uint64_t t;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (uint64_t)ts.tv_nsec + w->period_ns;
		ts.tv_sec += (time_t)(t / 1000000000u);
		ts.tv_nsec = (long)(t % 1000000000u);
		/* Bounded: wakes at the deadline or on stop. */
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->lock);
		(void)hazptr_cleanup(w->d);
		atomic_fetch_add_explicit(&w->d->worker_runs, 1, memory_order_relaxed);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int hazptr_worker_start(struct hazptr_domain *d, uint64_t period_ns)
{
	struct hazptr_worker *w;
	pthread_condattr_t ca;
	int rc;

	if (period_ns == 0)
		return -EINVAL;
	d = d ? d : hazptr_default_domain();
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->period_ns = period_ns;
	w->d = d;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);

	pthread_mutex_lock(&w_lock);
	if (d->worker) {
		rc = -EBUSY;
	} else {
		rc = -pthread_create(&w->tid, NULL, worker_main, w);
		if (!rc)
			d->worker = w;
	}
	pthread_mutex_unlock(&w_lock);
	if (rc) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
	}
	return rc;
}

int hazptr_worker_stop(struct hazptr_domain *d)
{
	struct hazptr_worker *w;

	d = d ? d : hazptr_default_domain();
	pthread_mutex_lock(&w_lock);
	w = d->worker;
	if (!w) {
		pthread_mutex_unlock(&w_lock);
		return -ESRCH;
	}
	if (pthread_equal(w->tid, pthread_self())) {	/* from a callback */
		pthread_mutex_unlock(&w_lock);
		return -EDEADLK;
	}
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->tid, NULL);
	d->worker = NULL;
	pthread_mutex_unlock(&w_lock);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return 0;
}

/* fork(): called from domain.c's handlers, before it takes its locks and
 * after it releases them. */
void hazptr_worker_atfork_prepare_(void)
{
	pthread_mutex_lock(&w_lock);
}

void hazptr_worker_atfork_parent_(void)
{
	pthread_mutex_unlock(&w_lock);
}

/* In the child: d's worker thread does not exist.  Its memory is
 * dropped without destroying the mutex, which that thread may have held. */
void hazptr_worker_forget_(struct hazptr_domain *d)
{
	free(d->worker);
	d->worker = NULL;
}

void hazptr_worker_atfork_child_(void)
{
	pthread_mutex_init(&w_lock, NULL);
}
