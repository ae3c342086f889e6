/*
 * host.c - what the benchmark learns about the real machine:
 * the cost of a real context switch (for --switch-work auto) and the
 * metadata printed with every result.
 *
 * Calibration: two real threads pinned to one host CPU ping-pong one byte
 * over two pipes (the shape of `perf bench sched pipe` with both tasks on
 * one CPU).  Each round trip is two context switches plus two pipe writes
 * and reads: the kernel's whole cost of one switch in context_switch1, as
 * seen by the model's step boundary.  Batches are timed separately and
 * the fastest batch is used, since a busy machine only ever adds time.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CAL_ROUND_TRIPS 2000
#define CAL_MAX_BATCHES 16

struct pingpong {
	int to_partner[2], to_main[2];
	int cpu;
	int batches;
	uint64_t batch_ns[CAL_MAX_BATCHES];
};

static bool xfer(int rfd, int wfd, char *c)
{
	for (;;) {
		ssize_t r = rfd >= 0 ? read(rfd, c, 1) : write(wfd, c, 1);

		if (r == 1)
			return true;
		if (r < 0 && errno == EINTR)
			continue;
		return false;
	}
}

static void *partner_thread(void *arg)
{
	struct pingpong *pp = arg;
	char c;

	bc_pin_self(pp->cpu);
	while (xfer(pp->to_partner[0], -1, &c) && xfer(-1, pp->to_main[1], &c))
		;
	return NULL;
}

static void *main_thread(void *arg)
{
	struct pingpong *pp = arg;
	char c = 'x';

	bc_pin_self(pp->cpu);
	for (int b = 0; b < pp->batches; b++) {
		uint64_t t0 = lm_now_ns();

		for (int i = 0; i < CAL_ROUND_TRIPS; i++)
			if (!xfer(-1, pp->to_partner[1], &c) || !xfer(pp->to_main[0], -1, &c))
				return NULL;
		pp->batch_ns[b] = lm_now_ns() - t0;
		if (pp->batch_ns[b] > 1000000000ull) {      /* bounded on a starved host */
			pp->batches = b + 1;
			break;
		}
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Returns the cost of one real context switch in ns (0 if it could not be
 * measured); *spread gets (median - min) / min over the batches. */
uint64_t bench_calibrate_switch(int batches, double *spread)
{
	struct pingpong pp;
	pthread_t tm, tp;
	uint64_t best;

	memset(&pp, 0, sizeof(pp));
	pp.cpu = bc_first_cpu();
	pp.batches = batches < 1 ? 1 : batches > CAL_MAX_BATCHES ? CAL_MAX_BATCHES : batches;
	if (pipe(pp.to_partner) || pipe(pp.to_main))
		return 0;
	if (pthread_create(&tp, NULL, partner_thread, &pp))
		return 0;
	if (pthread_create(&tm, NULL, main_thread, &pp) == 0)
		pthread_join(tm, NULL);
	close(pp.to_partner[1]);           /* EOF: the partner leaves */
	pthread_join(tp, NULL);
	close(pp.to_partner[0]);
	close(pp.to_main[0]);
	close(pp.to_main[1]);
	qsort(pp.batch_ns, (size_t)pp.batches, sizeof(uint64_t), cmp_u64);
	best = pp.batch_ns[0];
	if (!best)
		return 0;
	*spread = (double)(pp.batch_ns[pp.batches / 2] - best) / (double)best;
	return best / (2 * CAL_ROUND_TRIPS);
}

void bench_fill_meta(struct bench_meta *m)
{
	struct bc_host h;

	bc_host_read(&h);
	snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", h.cpu_model);
	snprintf(m->kernel, sizeof(m->kernel), "%s", h.kernel);
	snprintf(m->compiler, sizeof(m->compiler), "%s", h.compiler);
	snprintf(m->date, sizeof(m->date), "%s", h.date);
	m->host_cores = h.cores;
}

bool bench_have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}
