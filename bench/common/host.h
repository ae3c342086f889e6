/*
 * host.h - what a benchmark reports about the real machine it ran on, and
 * how it pins a thread.
 */
#ifndef BENCH_COMMON_HOST_H
#define BENCH_COMMON_HOST_H

#include <stddef.h>

struct bc_host {
	char cpu_model[128];       /* /proc/cpuinfo "model name" */
	char kernel[256];          /* uname: sysname release machine */
	char compiler[96];         /* the compiler that built the benchmark */
	char date[40];             /* UTC, ISO 8601 */
	int cores;                 /* CPUs this process may run on */
};

void bc_host_read(struct bc_host *h);
/* "1.23 0.45 0.67" from /proc/loadavg, or "unknown" */
void bc_read_loadavg(char *buf, size_t len);
/* CPUs this process may run on (its affinity mask) */
int bc_host_cores(void);
/* The first CPU this process may run on, or -1. */
int bc_first_cpu(void);
/* Pin the calling thread to cpu (cpu < 0: nothing); 0 or an errno. */
int bc_pin_self(int cpu);

#endif /* BENCH_COMMON_HOST_H */
