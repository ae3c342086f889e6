/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * common.h - helpers shared by the hazptr tests (header-only, static).
 */
#ifndef HAZPTR_TEST_COMMON_H
#define HAZPTR_TEST_COMMON_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hazptr.h"

static int t_failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			t_failures++;					\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ != b_) {						\
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s "	\
				"(%lld != %lld)\n", __FILE__, __LINE__,	\
				#a, #b, a_, b_);			\
			t_failures++;					\
		}							\
	} while (0)

#define DIE(...)							\
	do {								\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		exit(1);						\
	} while (0)

static inline uint64_t t_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void t_sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static inline void t_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* xorshift64*: deterministic per seed. */
static inline uint64_t t_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ull;
}

static inline int t_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int rc = pthread_create(t, NULL, fn, arg);

	if (rc)
		DIE("pthread_create: %s", strerror(rc));
	return 0;
}

static inline void t_join(pthread_t t)
{
	int rc = pthread_join(t, NULL);

	if (rc)
		DIE("pthread_join: %s", strerror(rc));
}

/*
 * Run fn(arg) in a forked child with stderr captured.  Returns 1 if the
 * child died of SIGABRT and its stderr contains `needle`, else 0 (and says
 * what happened).
 */
static inline int t_expect_abort(const char *what, void (*fn)(void *), void *arg,
				 const char *needle)
{
	char buf[4096];
	size_t len = 0;
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	fflush(NULL);
	if (pipe(fds) != 0)
		DIE("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		DIE("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		fn(arg);
		_exit(0);	/* did not abort */
	}
	close(fds[1]);
	while (len < sizeof(buf) - 1 && (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		DIE("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(buf, needle)) {
		printf("ok   %-40s aborted: %.*s", what, (int)strcspn(buf, "\n") + 1, buf);
		return 1;
	}
	fprintf(stderr, "FAIL %s: wanted SIGABRT with \"%s\"; got %s %d, stderr:\n%s\n",
		what, needle, WIFSIGNALED(status) ? "signal" : "exit status",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), buf);
	t_failures++;
	return 0;
}

/* Under a sanitizer ($SAN set by tests/run.sh) tests shorten themselves. */
static inline int t_sanitized(void)
{
	const char *s = getenv("SAN");

	return s && *s;
}

static inline int t_report(const char *name)
{
	if (t_failures) {
		printf("%s: %d check(s) failed\nEnd of test: FAILURE\n", name, t_failures);
		return 1;
	}
	printf("End of test: SUCCESS\n");
	return 0;
}

#endif /* HAZPTR_TEST_COMMON_H */
