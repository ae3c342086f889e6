// SPDX-License-Identifier: GPL-2.0
/*
 * lazytest: the /init of the lazymm kernel-check guest.
 *
 * Runs for a fixed time (lazytest.secs=N on the kernel command line,
 * default 10), in two phases of equal length:
 *
 *   evict    normal kernel behaviour: the exit_mmap() flush evicts lazy CPUs
 *   noevict  /proc/lazy_tlb "noevict 1" (6.1) or "1" in debugfs
 *            lazy_tlb/noevict (6.12): page-table-freeing flushes skip
 *            lazy CPUs, so __mmdrop() still finds them (what paravirt or
 *            broadcast flushes do); the teardown shootdown must handle them.
 *            The ping-pong pairs pause, so that CPUs go idle after a child's
 *            threads exit and stay lazy on the child's mm until it is freed.
 *
 * In both phases, at the same time:
 *   - PAIRS pairs of threads of this process ping-pong one byte over pipes
 *     (will-it-scale context_switch1: user -> idle -> user, same mm);
 *   - a membarrier(PRIVATE_EXPEDITED) thread;
 *   - the main thread forks children that start one thread pinned to each
 *     CPU and then exit_group() while those threads are blocked: all of them
 *     exit at once, each leaving its CPU lazy on the child's mm (half of them with an LDT installed, so
 *     that leaving their mm reads mm->context.ldt); some children madvise(MADV_HUGEPAGE) so that
 *     khugepaged holds their mm and may drop the last reference under its
 *     spinlock; some children exec; some crash, which makes the kernel run
 *     the core_pattern helper (this program again) by exec from a kernel
 *     thread;
 *   - a thread takes one CPU offline and online again every 0.5 s;
 *   - with the 6.12 test module (kernel/test/0002), each lazy-leaving child
 *     hands its mm to the module's kernel threads (debugfs
 *     lazy_tlb_kthread/grab) just before it exits, so that they run
 *     kthread_use_mm() on it while it is torn down and often do the last
 *     mmput() or the final mmdrop() themselves; after the two phases, a
 *     short phase in which the module's threads are held back (SCHED_IDLE,
 *     CPU 0 kept busy) until the children have exited, so that their
 *     mmdrop() is the final one.
 *
 * Then, if the initramfs has a /selftests folder (kcheck.sh puts the 6.12
 * tree's membarrier selftests there), runs each program in it once, echoes
 * its KTAP output and prints one "KTEST: SELFTEST" line per program with its
 * exit status and its counts of ok / not ok / SKIP results and of the plan;
 * the harness judges those lines.
 *
 * In a KCSAN kernel it also prints KCSAN's debugfs counters ("KTEST: KCSAN").
 *
 * Prints "KTEST: RESULT ... OK", the lazy TLB counters of each phase
 * (/proc/lazy_tlb on 6.1, debugfs lazy_tlb/stats on 6.12) and, with the
 * module, a "KTEST: KTHREAD" line of its outcomes, then reboots (qemu
 * -no-reboot turns that into an exit).
 * Hotplug, core_pattern and reboot happen only when running as PID 1.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <asm/ldt.h>

#define PAIRS 2
#define MAXSTAT 32
#define UMH_FILE "/umh.count"
#define DBG "/sys/kernel/debug"
#define STATS_612 DBG "/lazy_tlb/stats"
#define NOEVICT_612 DBG "/lazy_tlb/noevict"
#define KT_GRAB DBG "/lazy_tlb_kthread/grab"
#define KT_STATS DBG "/lazy_tlb_kthread/stats"

#ifndef MEMBARRIER_CMD_PRIVATE_EXPEDITED
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#endif

static volatile int stop, paused;
static int ncpus = 1;
struct pair { int ab[2], ba[2]; unsigned long iters; };
static struct pair pairs[PAIRS];
static unsigned long membarriers;

struct stats { int n; char name[MAXSTAT][64]; unsigned long val[MAXSTAT]; char scheme[16]; };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return 0;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

/* The noevict knob: /proc/lazy_tlb on 6.1, debugfs on 6.12. */
static void set_noevict(int on)
{
	if (!write_file("/proc/lazy_tlb", on ? "noevict 1" : "noevict 0"))
		write_file(NOEVICT_612, on ? "1" : "0");
}

static void read_stats(struct stats *st)
{
	FILE *f = fopen("/proc/lazy_tlb", "r");

	if (!f)
		f = fopen(STATS_612, "r");
	char name[64];
	unsigned long v;

	st->n = 0;
	strcpy(st->scheme, "none");
	if (!f)
		return;
	while (st->n < MAXSTAT && fscanf(f, "%63s", name) == 1) {
		if (!strcmp(name, "scheme")) {
			if (fscanf(f, "%15s", st->scheme) != 1)
				break;
			continue;
		}
		if (!strcmp(name, "noevict")) {	/* the knob, not a counter */
			if (fscanf(f, "%lu", &v) != 1)
				break;
			continue;
		}
		if (fscanf(f, "%lu", &v) != 1)
			break;
		snprintf(st->name[st->n], sizeof(st->name[0]), "%s", name);
		st->val[st->n++] = v;
	}
	fclose(f);
}

static unsigned long read_ctxt(void)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[256];
	unsigned long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctxt %lu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void print_delta(const char *phase, struct stats *a, struct stats *b,
			unsigned long ctxt)
{
	int i;

	printf("KTEST: COUNTERS phase=%s scheme=%s ctxt=%lu", phase, b->scheme, ctxt);
	for (i = 0; i < b->n && i < a->n; i++) {
		size_t l = strlen(b->name[i]);

		/* a maximum is not a sum: the later value, not a delta */
		if (l > 7 && !strcmp(b->name[i] + l - 7, "_max_ns"))
			printf(" %s=%lu", b->name[i], b->val[i]);
		else
			printf(" %s=%lu", b->name[i], b->val[i] - a->val[i]);
	}
	printf("\n");
	fflush(stdout);
}

static int cpu_set_online(int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	return write_file(path, on ? "1" : "0");
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* may fail while offline */
}

static void *ping(void *arg)
{
	struct pair *p = arg;
	char c = 'x';

	while (!stop) {
		if (paused) {		/* let the CPUs idle: see the noevict phase */
			usleep(1000);
			continue;
		}
		if (write(p->ab[1], &c, 1) != 1 || read(p->ba[0], &c, 1) != 1)
			break;
		p->iters++;
	}
	c = 'q';
	if (write(p->ab[1], &c, 1) != 1)
		perror("write");
	return NULL;
}

static void *pong(void *arg)
{
	struct pair *p = arg;
	char c;

	for (;;) {
		if (read(p->ab[0], &c, 1) != 1 || c == 'q')
			break;
		if (write(p->ba[1], &c, 1) != 1)
			break;
	}
	return NULL;
}

static unsigned long hotplugs;

/* Every 0.5 s take one CPU offline and bring it back (only inside the VM). */
static void *hotplug_thread(void *arg)
{
	int cpu = 1;

	(void)arg;
	while (!stop) {
		if (cpu_set_online(cpu, 0) && cpu_set_online(cpu, 1))
			hotplugs++;
		cpu = cpu % (ncpus - 1) + 1;
		usleep(500000);
	}
	return NULL;
}

static void *membarrier_thread(void *arg)
{
	(void)arg;
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		return NULL;
	while (!stop) {
		if (!syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
			membarriers++;
		usleep(2000);
	}
	return NULL;
}

static int child_ready[2], child_block[2];
static volatile char kt_byte = 1;	/* what the module's get_user() reads */

/*
 * Hand this process's mm to the kthread_use_mm() test module, if the kernel
 * has it: its kernel threads use the mm while this process exits.
 */
static void kthread_grab(void)
{
	char s[32];

	snprintf(s, sizeof(s), "%#lx", (unsigned long)&kt_byte);
	write_file(KT_GRAB, s);	/* fails harmlessly without the module */
}

#define KT_FINAL 32	/* children of the final-mmdrop phase */
static volatile int spin_stop;

static void *spin_cpu0(void *arg)
{
	(void)arg;
	pin(0);
	while (!spin_stop)
		;
	return NULL;
}

/* The module's worker threads, by name ("lazy_tlb_kt/N"). */
static int find_workers(pid_t *pids, int max)
{
	char path[300], comm[32];
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc");
	FILE *f;

	if (!dir)
		return 0;
	while (n < max && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "lazy_tlb_kt/", 12))
			pids[n++] = atoi(d->d_name);
		fclose(f);
	}
	closedir(dir);
	return n;
}

/*
 * The final-mmdrop phase: make the module's kernel threads, not the exiting
 * process, drop the last reference to an mm.  Its workers are moved to CPU 0
 * with SCHED_IDLE while a thread spins there, so that they barely run; KT_FINAL
 * children hand their mm over and exit meanwhile; then the spinner stops and
 * the workers find mms whose users are gone, and their mmdrop() is the final
 * one: __mmdrop() runs in a kernel thread that may be lazy on that very mm.
 * Returns the number of children, 0 without the module or with one CPU.
 */
static int kthread_final_phase(void)
{
	struct sched_param sp = { 0 };
	pid_t w[4];
	pthread_t spin;
	cpu_set_t set;
	int n, i, kids = 0;

	n = find_workers(w, 4);
	if (!n || ncpus < 2)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	for (i = 0; i < n; i++) {
		sched_setaffinity(w[i], sizeof(set), &set);
		sched_setscheduler(w[i], SCHED_IDLE, &sp);
	}
	spin_stop = 0;
	pthread_create(&spin, NULL, spin_cpu0, NULL);
	usleep(10000);
	for (i = 0; i < KT_FINAL; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			pin(1);
			kthread_grab();
			_exit(0);
		}
		if (pid > 0 && waitpid(pid, &st, 0) == pid)
			kids++;
	}
	spin_stop = 1;
	pthread_join(spin, NULL);
	for (i = 0; i < n; i++)
		sched_setscheduler(w[i], SCHED_OTHER, &sp);
	sleep(1);	/* let the workers drain the queue */
	return kids;
}

/* Print the module's outcome counters on one line. */
static void print_kthread_stats(void)
{
	FILE *f = fopen(KT_STATS, "r");
	char name[64];
	unsigned long v;

	if (!f)
		return;
	printf("KTEST: KTHREAD");
	while (fscanf(f, "%63s %lu", name, &v) == 2)
		printf(" %s=%lu", name, v);
	printf("\n");
	fclose(f);
}

/*
 * A thread of a child: move to its CPU, touch some memory, report, and block.
 * The child's exit_group() then kills all of them at once: each runs
 * exit_mm() on its own CPU and leaves that CPU lazy on the dying mm while
 * the last one tears the address space down.
 */
static void *child_thread(void *arg)
{
	long cpu = (long)arg;
	volatile char buf[16384];
	char c = 'r';
	int i;

	pin((int)cpu);
	for (i = 0; i < (int)sizeof(buf); i += 512)
		buf[i] = (char)i;
	if (write(child_ready[1], &c, 1) != 1)
		return NULL;
	if (read(child_block[0], &c, 1) < 0)	/* never written */
		return NULL;
	return NULL;
}

/* Give this mm an LDT, so that switching away from it reads mm->context.ldt. */
static void install_ldt(void)
{
	struct user_desc d;

	memset(&d, 0, sizeof(d));
	d.entry_number = 0;
	d.limit = 0xfff;
	d.seg_32bit = 1;
	d.useable = 1;
	syscall(SYS_modify_ldt, 1, &d, sizeof(d));	/* ENOSYS without MODIFY_LDT_SYSCALL */
}

/* Child kinds. */
enum { K_LAZY, K_THP, K_EXEC, K_CRASH, NR_KINDS };

static void run_child(int kind, int ldt, const char *self)
{
	pthread_t t[8];
	long i, n = ncpus > 8 ? 8 : ncpus;

	if (ldt)
		install_ldt();
	switch (kind) {
	case K_THP: {
		size_t len = 4 << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			madvise(p, len, MADV_HUGEPAGE);
			for (i = 0; i < (long)len; i += 4096)
				p[i] = 1;
		}
	}
		/* also leave lazy CPUs behind */
		__attribute__((fallthrough));
	case K_LAZY: {
		char c;
		long started = 0;

		if (pipe(child_ready) || pipe(child_block))
			_exit(5);
		for (i = 0; i < n; i++)
			if (!pthread_create(&t[i], NULL, child_thread, (void *)i))
				started++;
		for (i = 0; i < started; i++)
			if (read(child_ready[0], &c, 1) != 1)
				break;
		kthread_grab();
		_exit(0);	/* exit_group: kills the blocked threads */
	}
	case K_EXEC:
		execl(self, self, "exec-child", (char *)NULL);
		_exit(2);
	case K_CRASH: {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_CORE, &rl);
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		_exit(3);
	}
	}
	_exit(4);
}

#ifndef SELFTESTS
#define SELFTESTS "/selftests"
#endif
#define SELFTEST_SECS 120	/* a hung selftest is killed (SIGALRM) and fails */

/*
 * Run one kselftest program with its output on a pipe: echo each line with
 * the program's name in front, count the KTAP results, print the outcome.
 */
static void run_selftest(const char *name)
{
	char path[300], line[512];
	int fd[2], st = 0, plan = -1, ok = 0, notok = 0, skip = 0, n;
	pid_t pid;
	FILE *f;

	snprintf(path, sizeof(path), SELFTESTS "/%s", name);
	if (pipe(fd)) {
		printf("KTEST: SELFTEST name=%s exit=-1 error=pipe\n", name);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		alarm(SELFTEST_SECS);	/* survives exec: bounds the test */
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		printf("  selftest %s: %s", name, line);
		if (sscanf(line, "1..%d", &n) == 1)
			plan = n;
		else if (!strncmp(line, "not ok ", 7))
			notok++;
		else if (!strncmp(line, "ok ", 3)) {
			if (strstr(line, "# SKIP"))
				skip++;
			else
				ok++;
		}
	}
	if (f)
		fclose(f);
	else
		close(fd[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		st = -1;
	printf("KTEST: SELFTEST name=%s exit=%d signal=%d plan=%d ok=%d notok=%d skip=%d\n",
	       name, st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       st >= 0 && WIFSIGNALED(st) ? WTERMSIG(st) : 0, plan, ok, notok, skip);
	fflush(stdout);
}

/* Every program in /selftests, in name order. */
static void run_selftests(void)
{
	struct dirent **ents;
	int i, n = scandir(SELFTESTS, &ents, NULL, alphasort);

	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.')
			run_selftest(ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/*
 * KCSAN's own counters (debugfs "kcsan", only in KCSAN kernels) on one line:
 * they show whether the detector set up watchpoints at all in this run.
 */
static void print_kcsan_stats(void)
{
	FILE *f = fopen(DBG "/kcsan", "r");
	char name[64];
	long v;

	if (!f)
		return;
	printf("KTEST: KCSAN");
	while (fscanf(f, " %63[a-z_]: %ld", name, &v) == 2)
		printf(" %s=%ld", name, v);
	printf("\n");
	fclose(f);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (long)st.st_size;
}

int main(int argc, char **argv)
{
	pthread_t t[2 * PAIRS], mb, hp;
	unsigned long total = 0, forks[NR_KINDS] = { 0 }, failed = 0;
	unsigned long ctxt0, ctxt1, ctxt2;
	struct stats s0, s1, s2;
	int pid1 = getpid() == 1, phase = 0, kind = 0, i;
	double secs = 10, t0, t1;
	char cmdline[1024] = "";
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return 0;
	if (argc > 1 && !strcmp(argv[1], "coredump")) {
		/* core_pattern helper, exec'd by a kernel thread */
		int fd = open(UMH_FILE, O_WRONLY | O_APPEND | O_CREAT, 0644);

		if (fd >= 0) {
			if (write(fd, "x", 1) != 1)
				perror("write");
			close(fd);
		}
		return 0;
	}

	if (pid1) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
		mkdir("/sys", 0555);
		mount("sysfs", "/sys", "sysfs", 0, NULL);
		mount("debugfs", DBG, "debugfs", 0, NULL);	/* 6.12 test patches */
		write_file("/proc/sys/kernel/core_pattern", "|/init coredump");
		write_file("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
		write_file("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs", "10");
		write_file("/sys/kernel/mm/transparent_hugepage/khugepaged/alloc_sleep_millisecs", "10");
	}
	f = fopen("/proc/cmdline", "r");
	if (f) {
		char *p;

		if (fgets(cmdline, sizeof(cmdline), f) && (p = strstr(cmdline, "lazytest.secs=")))
			secs = atof(p + strlen("lazytest.secs="));
		fclose(f);
	}
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	printf("KTEST: start ncpus=%d secs=%.0f\n", ncpus, secs);
	fflush(stdout);

	for (i = 0; i < PAIRS; i++) {
		if (pipe(pairs[i].ab) || pipe(pairs[i].ba)) {
			perror("pipe");
			return 1;
		}
		pthread_create(&t[2 * i], NULL, ping, &pairs[i]);
		pthread_create(&t[2 * i + 1], NULL, pong, &pairs[i]);
	}
	pthread_create(&mb, NULL, membarrier_thread, NULL);
	if (pid1 && ncpus > 1)
		pthread_create(&hp, NULL, hotplug_thread, NULL);

	set_noevict(0);
	read_stats(&s0);
	ctxt0 = read_ctxt();
	t0 = now();
	while ((t1 = now()) - t0 < secs) {
		pid_t pid;
		int st;

		if (!phase && t1 - t0 >= secs / 2) {
			read_stats(&s1);
			ctxt1 = read_ctxt();
			set_noevict(1);
			paused = 1;
			phase = 1;
		}
		/* mostly lazy-leaving children, the rest in turn */
		kind = (kind + 1) % 8;
		i = kind < 5 ? K_LAZY : kind - 4;
		if (i == K_CRASH && !pid1)
			i = K_LAZY;
		pid = fork();
		if (pid == 0)
			run_child(i, kind & 1, argv[0][0] == '/' ? argv[0] : "/init");
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			failed++;
			continue;
		}
		if (i == K_CRASH ? WIFSIGNALED(st) : (WIFEXITED(st) && !WEXITSTATUS(st)))
			forks[i]++;
		else
			failed++;
	}
	if (!phase) {
		read_stats(&s1);
		ctxt1 = read_ctxt();
	}
	stop = 1;
	for (i = 0; i < 2 * PAIRS; i++)
		pthread_join(t[i], NULL);
	pthread_join(mb, NULL);
	if (pid1 && ncpus > 1)
		pthread_join(hp, NULL);
	t1 = now();
	/* let khugepaged and the workers drop what they still hold */
	sleep(1);
	read_stats(&s2);
	ctxt2 = read_ctxt();
	set_noevict(0);
	for (i = 0; i < PAIRS; i++)
		total += pairs[i].iters;
	print_delta("evict", &s0, &s1, ctxt1 - ctxt0);
	print_delta("noevict", &s1, &s2, ctxt2 - ctxt1);
	i = kthread_final_phase();
	if (i)
		printf("KTEST: kthread final-mmdrop phase: %d children\n", i);
	print_kthread_stats();
	run_selftests();
	print_kcsan_stats();
	printf("KTEST: RESULT ncpus=%d scheme=%s pairs=%d roundtrips=%lu membarriers=%lu "
	       "forks=%lu thp=%lu execs=%lu crashes=%lu umh_execs=%ld hotplugs=%lu "
	       "failed=%lu secs=%.1f %s\n",
	       ncpus, s2.scheme, PAIRS, total, membarriers, forks[K_LAZY], forks[K_THP],
	       forks[K_EXEC], forks[K_CRASH], file_size(UMH_FILE), hotplugs, failed,
	       t1 - t0, failed || !total ? "FAILED" : "OK");
	fflush(stdout);
	if (pid1) {
		sync();
		reboot(RB_AUTOBOOT);
	}
	return 0;
}
