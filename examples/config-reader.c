/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config-reader.c - libhazptr's quick start as a program: readers protect a
 * shared configuration while a writer replaces it and retires the old one.
 *
 * Build against an installed library:
 *   cc -std=c11 -O2 config-reader.c $(pkg-config --cflags --libs hazptr)
 * Exits 0 when every reader saw a consistent configuration and every
 * retired one was reclaimed.
 */
#include <hazptr.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct config {
	int timeout;
	int twice;			/* always 2 * timeout */
	struct hazptr_obj hp;		/* retire header */
};

static struct config *_Atomic current;
static atomic_int stop;
static atomic_long freed, torn;

static void config_free(struct hazptr_obj *o)
{
	struct config *c = (struct config *)((char *)o - offsetof(struct config, hp));

	c->twice = -1;			/* poison: a reader must never see it */
	free(c);
	atomic_fetch_add(&freed, 1);
}

static void *reader(void *arg)
{
	struct hazptr_rec *r = hazptr_rec_get(NULL);	/* default domain */
	long reads = 0;

	(void)arg;
	if (!r)
		return NULL;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct config *c = HAZPTR_PROTECT(r, 0, &current);

		if (c->twice != 2 * c->timeout)
			atomic_fetch_add(&torn, 1);
		hazptr_clear(r, 0);
		reads++;
	}
	return (void *)reads;
}

static void set_timeout(int t)
{
	struct config *c = malloc(sizeof(*c)), *old;

	if (!c)
		abort();
	c->timeout = t;
	c->twice = 2 * t;
	/* Release: publishes *c to readers' acquire re-load in protect. */
	old = atomic_exchange_explicit(&current, c, memory_order_acq_rel);
	if (old)
		hazptr_retire(NULL, &old->hp, old, config_free);
}

int main(void)
{
	enum { NREADERS = 2, UPDATES = 20000 };
	pthread_t t[NREADERS];
	long reads = 0;

	set_timeout(0);
	for (int i = 0; i < NREADERS; i++)
		if (pthread_create(&t[i], NULL, reader, NULL))
			return 1;
	for (int i = 1; i <= UPDATES; i++)
		set_timeout(i);
	atomic_store(&stop, 1);
	for (int i = 0; i < NREADERS; i++) {
		void *n;

		pthread_join(t[i], &n);
		reads += (long)n;
	}
	set_timeout(-1);		/* retires the last one readers saw */
	hazptr_cleanup(NULL);
	printf("fence %s: %ld reads, %d updates, %ld reclaimed, %ld torn\n",
	       hazptr_fence_name(hazptr_fence_mode()), reads, UPDATES,
	       atomic_load(&freed), atomic_load(&torn));
	free(atomic_load(&current));
	return atomic_load(&torn) == 0 && atomic_load(&freed) == UPDATES + 1 ? 0 : 1;
}
