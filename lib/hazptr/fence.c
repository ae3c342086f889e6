/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fence.c - choosing and issuing the scanner's heavy fence; diagnostics.
 *
 * The mode is decided once per process.  HAZPTR_FENCE_MEMBARRIER needs
 * MEMBARRIER_CMD_PRIVATE_EXPEDITED (Linux 4.14+), which works only after
 * MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED; seccomp sandboxes and record/
 * replay tools often forbid membarrier, hence the probe and the fallback.
 */
#include "hazptr-internal.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t fence_once = PTHREAD_ONCE_INIT;
static enum hazptr_fence fence_mode = HAZPTR_FENCE_SEQ_CST;

static int sys_membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

static bool env_forces_fence(void)
{
	const char *e = getenv("HAZPTR_FORCE_FENCE");

	return e && *e && strcmp(e, "0") != 0;
}

static void fence_probe(void)
{
	int cmds;

	if (env_forces_fence())
		return;
	cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return;
	if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
		return;
	fence_mode = HAZPTR_FENCE_MEMBARRIER;
}

enum hazptr_fence hazptr_fence_mode(void)
{
	pthread_once(&fence_once, fence_probe);
	return fence_mode;
}

const char *hazptr_fence_name(enum hazptr_fence mode)
{
	switch (mode) {
	case HAZPTR_FENCE_MEMBARRIER:
		return "membarrier";
	case HAZPTR_FENCE_SEQ_CST:
		return "seq_cst";
	}
	return "?";
}

/*
 * The scanner's heavy fence.
 *
 * Orders: the unlink of every object to be reclaimed (done by the retiring
 *   thread before hazptr_retire(), and made visible to this thread by the
 *   acquire exchange of the retired list)  before  the reads of the slots.
 *   [pair:hp-publish]
 * Pairs with: hazptr_publish_() in include/hazptr.h, between a
 *   reader's slot store and its re-load of the source.
 * Without it: the store-buffering outcome drawn there: the reader re-loads
 *   the old pointer while this thread reads its slot as empty.
 * Who relies on it: scan_pass(), hazptr_synchronize(), hazptr_scan().
 * x86 cost: membarrier mode: one syscall that IPIs every CPU running a
 *   thread of this process (about 1-2 us on 2 CPUs), amortised over a
 *   batch of at least HAZPTR_SCAN_BASE objects; seq_cst mode: one `lock or`.
 * The seq_cst fence is kept in membarrier mode as well: the syscall already
 *   is a full barrier for this thread, but the C11 fence states it in the
 *   language's model and costs nothing next to the syscall.
 */
void hazptr_heavy_fence_(enum hazptr_fence mode)
{
	if (mode == HAZPTR_FENCE_MEMBARRIER &&
	    sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
		hazptr_die("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed: %s",
			   strerror(errno));
	hazptr_full_fence_();
}

/* The child of fork() keeps the parent's registration in current kernels;
 * registering again is harmless and keeps older ones honest. */
void hazptr_fence_atfork_child_(void)
{
	if (fence_mode == HAZPTR_FENCE_MEMBARRIER)
		(void)sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
}

/* CLOCK_MONOTONIC in ns (vDSO: no system call), for the time trigger. */
uint64_t hazptr_now_ns_(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t hazptr_coarse_ns_(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts))
		return hazptr_now_ns_();
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hazptr_die_(const char *file, const char *func, int line, const char *fmt, ...)
{
	va_list ap;

	fputs("hazptr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s:%s@%d)\n", file, func, line);
	fflush(stderr);
	abort();
}

void hazptr_die_slot_(const char *call, unsigned int i)
{
	hazptr_die("%s: slot index %u out of range (HAZPTR_NR_SLOTS is %u)",
		   call, i, (unsigned int)HAZPTR_NR_SLOTS);
}
