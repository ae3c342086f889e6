/*
 * bench_host.c - what the benchmark learns about the real machine:
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
#include <sys/utsname.h>
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

static void pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The first CPU this process may run on. */
static int first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	return -1;
}

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

	pin_self(pp->cpu);
	while (xfer(pp->to_partner[0], -1, &c) && xfer(-1, pp->to_main[1], &c))
		;
	return NULL;
}

static void *main_thread(void *arg)
{
	struct pingpong *pp = arg;
	char c = 'x';

	pin_self(pp->cpu);
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
	pp.cpu = first_cpu();
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

static void read_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = 0;
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

void bench_read_loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;

	if (f && fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
	else
		snprintf(buf, len, "unknown");
	if (f)
		fclose(f);
}

void bench_fill_meta(struct bench_meta *m)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	read_cpu_model(m->cpu_model, sizeof(m->cpu_model));
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.sysname, u.release, u.machine);
	else
		snprintf(m->kernel, sizeof(m->kernel), "unknown");
#if defined(__clang__)
	snprintf(m->compiler, sizeof(m->compiler), "clang %s", __clang_version__);
#elif defined(__GNUC__)
	snprintf(m->compiler, sizeof(m->compiler), "gcc %s", __VERSION__);
#else
	snprintf(m->compiler, sizeof(m->compiler), "unknown");
#endif
	gmtime_r(&now, &tm);
	strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	m->host_cores = lm_host_cpus();
}

bool bench_have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}
