// timertest: ITIMER_REAL, alarm(2) and POSIX timers from user mode, the
// way Linux keeps them. It runs as /init on gokern (internal/boottest
// TestTimertest) and as a program on the host's Linux (internal/userprog
// TestTimertestOnLinux); both must print the same "timertest:" lines
// (internal/userprog TimertestLines). Lines starting "timertest: figure"
// carry measured times: printed, never compared. Every system call is
// made raw (syscall(2)), so the C library's wrappers change nothing.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define P(...) (printf("timertest: " __VA_ARGS__), fflush(stdout))

static int failed;
#define CHECK(cond, ...)                                                                                     \
	do {                                                                                                  \
		if (!(cond)) {                                                                                \
			failed = 1;                                                                           \
			printf("timertest: FAIL line %d: ", __LINE__);                                       \
			printf(__VA_ARGS__);                                                                  \
			printf("\n");                                                                         \
			fflush(stdout);                                                                       \
		}                                                                                             \
	} while (0)

// The kernel's struct sigevent (64 bytes).
struct ksigevent {
	union sigval value;
	int signo;
	int notify;
	int tid;
	char pad[44];
};

#define K_SIGEV_SIGNAL 0
#define K_SIGEV_NONE 1
#define K_SIGEV_THREAD_ID 4
#define K_SI_TIMER (-2)
#define K_SI_KERNEL 0x80

static long err(long r) { return r < 0 ? -errno : r; }
static long sys_alarm(unsigned s) { return err(syscall(SYS_alarm, s)); }
static long sys_setitimer(int w, const void *v, void *o) { return err(syscall(SYS_setitimer, w, v, o)); }
static long sys_getitimer(int w, void *v) { return err(syscall(SYS_getitimer, w, v)); }
static long tcreate(int clock, const void *ev, void *id) { return err(syscall(SYS_timer_create, clock, ev, id)); }
static long tset(long id, int flags, const void *nv, void *ov) { return err(syscall(SYS_timer_settime, id, flags, nv, ov)); }
static long tget(long id, void *cur) { return err(syscall(SYS_timer_gettime, id, cur)); }
static long tover(long id) { return err(syscall(SYS_timer_getoverrun, id)); }
static long tdel(long id) { return err(syscall(SYS_timer_delete, id)); }

static const char *ename(long r) {
	switch (r) {
	case 0: return "0";
	case -EINVAL: return "EINVAL";
	case -EFAULT: return "EFAULT";
	case -EAGAIN: return "EAGAIN";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	case -EPERM: return "EPERM";
	case -EBADF: return "EBADF";
	}
	static char b[32];
	snprintf(b, sizeof b, "%ld", r);
	return b;
}

static uint64_t now_ns(int clock) {
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_ms(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

// What the handler saw, per signal: how many came, and the first one's
// siginfo (a periodic timer may send more before main reads them), with
// timer_getoverrun asked in the handler, for that same signal.
struct seen {
	volatile int count;
	volatile int code, timerid, overrun, value, getoverrun;
	volatile uint64_t first_ns;
};
static struct seen seen[65];

static void handler(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	struct seen *s = &seen[sig];
	if (s->count++ != 0)
		return;
	s->first_ns = now_ns(CLOCK_MONOTONIC);
	s->code = si->si_code;
	if (si->si_code == K_SI_TIMER) {
		s->timerid = si->si_timerid;
		s->overrun = si->si_overrun;
		s->value = si->si_value.sival_int;
		s->getoverrun = syscall(SYS_timer_getoverrun, si->si_timerid);
	}
}

static void catch(int sig) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(sig, &sa, 0);
	memset((void *)&seen[sig], 0, sizeof seen[sig]);
}

static void block(int sig, int how) {
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, 0);
}

static int is_pending(int sig) {
	sigset_t s;
	sigpending(&s);
	return sigismember(&s, sig);
}

// wait_for waits (sigsuspend) until sig has come n times, at most ms.
static void wait_for(int sig, int n, long ms) {
	uint64_t end = now_ns(CLOCK_MONOTONIC) + ms * 1000000ull;
	while (seen[sig].count < n && now_ns(CLOCK_MONOTONIC) < end)
		sleep_ms(1);
}

static const char *yes(int c) { return c ? "yes" : "no"; }

// ---- ITIMER_REAL and alarm ----

static void itimer_real(void) {
	struct itimerval v, o;
	P("alarm(0) with none armed: %ld\n", sys_alarm(0));
	P("alarm(10): %ld\n", sys_alarm(10));
	P("alarm(3) after alarm(10): %ld\n", sys_alarm(3));
	P("alarm(0) after alarm(3): %ld\n", sys_alarm(0));
	memset(&v, 0, sizeof v);
	v.it_value.tv_usec = 300000;
	sys_setitimer(ITIMER_REAL, &v, 0);
	P("alarm(0) with 0.3 s left: %ld\n", sys_alarm(0));
	v.it_value.tv_sec = 1, v.it_value.tv_usec = 700000;
	sys_setitimer(ITIMER_REAL, &v, 0);
	P("alarm(0) with 1.7 s left: %ld\n", sys_alarm(0));
	v.it_value.tv_sec = 1, v.it_value.tv_usec = 300000;
	sys_setitimer(ITIMER_REAL, &v, 0);
	P("alarm(0) with 1.3 s left: %ld\n", sys_alarm(0));

	memset(&v, 0, sizeof v);
	v.it_value.tv_sec = 5, v.it_interval.tv_sec = 1;
	sys_setitimer(ITIMER_REAL, &v, 0);
	sys_getitimer(ITIMER_REAL, &o);
	P("getitimer(ITIMER_REAL) after 5 s every 1 s: value %ld s, interval %ld.%06ld s\n", (long)o.it_value.tv_sec,
	  (long)o.it_interval.tv_sec, (long)o.it_interval.tv_usec);
	memset(&v, 0, sizeof v);
	memset(&o, 0xff, sizeof o);
	sys_setitimer(ITIMER_REAL, &v, &o);
	P("setitimer(ITIMER_REAL, 0) old value %ld s, interval %ld.%06ld s\n", (long)o.it_value.tv_sec,
	  (long)o.it_interval.tv_sec, (long)o.it_interval.tv_usec);
	sys_getitimer(ITIMER_REAL, &o);
	P("getitimer(ITIMER_REAL) disarmed: %ld.%06ld %ld.%06ld\n", (long)o.it_value.tv_sec, (long)o.it_value.tv_usec,
	  (long)o.it_interval.tv_sec, (long)o.it_interval.tv_usec);
	// An interval without a value arms nothing (Linux keeps it_real_incr 0).
	v.it_interval.tv_sec = 1;
	sys_setitimer(ITIMER_REAL, &v, 0);
	sys_getitimer(ITIMER_REAL, &o);
	P("interval without value: getitimer interval %ld s\n", (long)o.it_interval.tv_sec);

	memset(&v, 0, sizeof v);
	v.it_value.tv_usec = 1000000;
	P("setitimer(ITIMER_REAL, tv_usec 1000000): %s\n", ename(sys_setitimer(ITIMER_REAL, &v, 0)));
	v.it_value.tv_usec = 0, v.it_value.tv_sec = -1;
	P("setitimer(ITIMER_REAL, tv_sec -1): %s\n", ename(sys_setitimer(ITIMER_REAL, &v, 0)));
	P("setitimer(ITIMER_REAL, bad pointer): %s\n", ename(sys_setitimer(ITIMER_REAL, (void *)8, 0)));
	P("getitimer(ITIMER_REAL, bad pointer): %s\n", ename(sys_getitimer(ITIMER_REAL, (void *)8)));
	memset(&v, 0, sizeof v);
	v.it_value.tv_sec = 1;
	P("setitimer(ITIMER_REAL, ok, bad old pointer): %s\n", ename(sys_setitimer(ITIMER_REAL, &v, (void *)8)));
	memset(&v, 0, sizeof v);
	sys_setitimer(ITIMER_REAL, &v, 0);

	// One shot: SIGALRM from the kernel, not before its time.
	catch(SIGALRM);
	v.it_value.tv_usec = 50000;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	sys_setitimer(ITIMER_REAL, &v, 0);
	wait_for(SIGALRM, 1, 5000);
	uint64_t dt = seen[SIGALRM].first_ns - t0;
	P("ITIMER_REAL 50 ms: SIGALRM %d time(s), si_code %d, not early: %s\n", seen[SIGALRM].count, seen[SIGALRM].code,
	  yes(dt >= 50000000));
	P("figure ITIMER_REAL 50 ms fired after %.3f ms\n", dt / 1e6);
	sys_getitimer(ITIMER_REAL, &o);
	P("after it fired: value %ld.%06ld\n", (long)o.it_value.tv_sec, (long)o.it_value.tv_usec);

	// alarm(1): SIGALRM after a second.
	catch(SIGALRM);
	t0 = now_ns(CLOCK_MONOTONIC);
	sys_alarm(1);
	wait_for(SIGALRM, 1, 5000);
	dt = seen[SIGALRM].first_ns - t0;
	P("alarm(1): SIGALRM %d time(s), not early: %s\n", seen[SIGALRM].count, yes(dt >= 1000000000));
	P("figure alarm(1) fired after %.3f ms\n", dt / 1e6);

	// Periodic: 5 SIGALRMs at 20 ms, at least 100 ms in all.
	catch(SIGALRM);
	v.it_value.tv_usec = v.it_interval.tv_usec = 20000;
	t0 = now_ns(CLOCK_MONOTONIC);
	sys_setitimer(ITIMER_REAL, &v, 0);
	wait_for(SIGALRM, 5, 5000);
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	memset(&v, 0, sizeof v);
	sys_setitimer(ITIMER_REAL, &v, 0);
	P("ITIMER_REAL every 20 ms: 5 SIGALRMs: %s, not early: %s\n", yes(seen[SIGALRM].count >= 5), yes(dt >= 100000000));
	P("figure 5 periods of 20 ms took %.3f ms\n", dt / 1e6);

	// Blocked: the periodic timer is started again only when its
	// SIGALRM is taken (Linux dequeue_signal), so meanwhile it is off.
	catch(SIGALRM);
	block(SIGALRM, SIG_BLOCK);
	v.it_value.tv_usec = 10000;
	v.it_interval.tv_usec = 500000; // long: the check below must not race its next expiry
	sys_setitimer(ITIMER_REAL, &v, 0);
	sleep_ms(60);
	sys_getitimer(ITIMER_REAL, &o);
	P("blocked SIGALRM pending: %s; getitimer value %ld.%06ld, interval %ld.%06ld\n", yes(is_pending(SIGALRM)),
	  (long)o.it_value.tv_sec, (long)o.it_value.tv_usec, (long)o.it_interval.tv_sec, (long)o.it_interval.tv_usec);
	block(SIGALRM, SIG_UNBLOCK);
	int n = seen[SIGALRM].count;
	sys_getitimer(ITIMER_REAL, &o);
	P("unblocked: SIGALRM taken %d time(s), timer running again: %s\n", n, yes(o.it_value.tv_usec > 0));
	memset(&v, 0, sizeof v);
	sys_setitimer(ITIMER_REAL, &v, 0);

	// fork: the child has no timer of its parent's.
	v.it_value.tv_sec = 5;
	sys_setitimer(ITIMER_REAL, &v, 0);
	pid_t c = fork();
	if (c == 0) {
		sys_getitimer(ITIMER_REAL, &o);
		P("fork child: ITIMER_REAL value %ld.%06ld\n", (long)o.it_value.tv_sec, (long)o.it_value.tv_usec);
		// A child that exits with its own timer armed.
		v.it_value.tv_sec = 0, v.it_value.tv_usec = 10000;
		sys_setitimer(ITIMER_REAL, &v, 0);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	sys_getitimer(ITIMER_REAL, &o);
	P("fork parent: ITIMER_REAL still armed: %s\n", yes(o.it_value.tv_sec >= 1 && o.it_value.tv_sec <= 4));
	memset(&v, 0, sizeof v);
	sys_setitimer(ITIMER_REAL, &v, 0);
	sleep_ms(30); // the child's timer would have fired by now
}

// ---- POSIX timers ----

static void posix_timers(void) {
	int id0 = -1, id1 = -1, id = -1;
	struct itimerspec its, cur;
	struct ksigevent ev;

	long r = tcreate(CLOCK_MONOTONIC, 0, &id0);
	P("timer_create(CLOCK_MONOTONIC, NULL): %s, id %d\n", ename(r), id0);
	r = tcreate(CLOCK_REALTIME, 0, &id1);
	P("timer_create(CLOCK_REALTIME, NULL): %s, id %d\n", ename(r), id1);

	// The default sigevent: SIGALRM, si_value the id.
	catch(SIGALRM);
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 20000000;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	P("timer_settime(%d, 20 ms): %s\n", id1, ename(tset(id1, 0, &its, 0)));
	wait_for(SIGALRM, 1, 5000);
	struct seen *s = &seen[SIGALRM];
	P("default sigevent: SIGALRM %d time(s), si_code %d, si_timerid %d, si_overrun %d, si_value %d, not early: %s\n",
	  s->count, s->code, s->timerid, s->overrun, s->value, yes(s->first_ns - t0 >= 20000000));
	P("figure timer 20 ms fired after %.3f ms\n", (s->first_ns - t0) / 1e6);
	tget(id1, &cur);
	P("one-shot after firing: timer_gettime %ld.%09ld %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
	  (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);

	// timer_gettime and the old value.
	its.it_value.tv_sec = 5, its.it_value.tv_nsec = 0;
	its.it_interval.tv_sec = 1;
	tset(id0, 0, &its, 0);
	tget(id0, &cur);
	P("timer_gettime after 5 s every 1 s: value %ld s, interval %ld.%09ld\n", (long)cur.it_value.tv_sec,
	  (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	memset(&its, 0, sizeof its);
	memset(&cur, 0xff, sizeof cur);
	tset(id0, 0, &its, &cur);
	P("disarm: old value %ld s, interval %ld s\n", (long)cur.it_value.tv_sec, (long)cur.it_interval.tv_sec);
	tget(id0, &cur);
	P("disarmed: %ld.%09ld %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec, (long)cur.it_interval.tv_sec,
	  cur.it_interval.tv_nsec);
	r = tdel(id0);
	P("timer_delete(%d): %s\n", id0, ename(r));
	P("timer_delete(%d) again: %s\n", id0, ename(tdel(id0)));
	P("timer_delete(%d): %s\n", id1, ename(tdel(id1)));

	// A real-time signal with its value; overruns while it is blocked.
	int rt = 40;
	catch(rt);
	block(rt, SIG_BLOCK);
	memset(&ev, 0, sizeof ev);
	ev.notify = K_SIGEV_SIGNAL, ev.signo = rt, ev.value.sival_int = 0x1234;
	r = tcreate(CLOCK_MONOTONIC, &ev, &id);
	P("timer_create(CLOCK_MONOTONIC, signal %d): %s, id %d\n", rt, ename(r), id);
	its.it_value.tv_sec = 0, its.it_value.tv_nsec = 10000000;
	its.it_interval = its.it_value;
	t0 = now_ns(CLOCK_MONOTONIC);
	tset(id, 0, &its, 0);
	sleep_ms(105);
	tget(id, &cur);
	P("periodic with its signal blocked: pending %s, next expiry within a period: %s\n", yes(is_pending(rt)),
	  yes(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 10000000));
	block(rt, SIG_UNBLOCK);
	uint64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
	s = &seen[rt];
	int orun = s->overrun;
	P("unblocked: signal taken: %s, si_code %d, si_timerid %d, si_value 0x%x, si_overrun >= 5: %s, timer_getoverrun = si_overrun: %s\n",
	  yes(s->count >= 1), s->code, s->timerid, s->value, yes(orun >= 5), yes(s->getoverrun == orun));
	P("figure %d overruns in %.3f ms at 10 ms a period\n", orun, dt / 1e6);
	memset(&its, 0, sizeof its);
	tset(id, 0, &its, 0);
	tdel(id);

	// TIMER_ABSTIME on CLOCK_REALTIME, and one in the past.
	catch(SIGUSR1);
	memset(&ev, 0, sizeof ev);
	ev.notify = K_SIGEV_SIGNAL, ev.signo = SIGUSR1;
	tcreate(CLOCK_REALTIME, &ev, &id);
	uint64_t r0 = now_ns(CLOCK_REALTIME), at = r0 + 30000000;
	its.it_value.tv_sec = at / 1000000000, its.it_value.tv_nsec = at % 1000000000;
	P("timer_settime(CLOCK_REALTIME, TIMER_ABSTIME, now + 30 ms): %s\n", ename(tset(id, TIMER_ABSTIME, &its, 0)));
	wait_for(SIGUSR1, 1, 5000);
	uint64_t r1 = now_ns(CLOCK_REALTIME);
	P("absolute CLOCK_REALTIME: SIGUSR1 %d time(s), not early: %s\n", seen[SIGUSR1].count, yes(r1 >= at));
	tdel(id);
	catch(SIGUSR1);
	tcreate(CLOCK_MONOTONIC, &ev, &id);
	its.it_value.tv_sec = 1, its.it_value.tv_nsec = 0; // long past
	tset(id, TIMER_ABSTIME, &its, 0);
	wait_for(SIGUSR1, 1, 5000);
	P("absolute time in the past: SIGUSR1 %d time(s)\n", seen[SIGUSR1].count);
	tdel(id);

	// SIGEV_NONE: counts down, never signals.
	memset(&ev, 0, sizeof ev);
	ev.notify = K_SIGEV_NONE;
	P("timer_create(SIGEV_NONE): %s\n", ename(tcreate(CLOCK_MONOTONIC, &ev, &id)));
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 50000000;
	tset(id, 0, &its, 0);
	tget(id, &cur);
	P("SIGEV_NONE armed: value between 0 and 50 ms: %s\n",
	  yes(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 50000000));
	sleep_ms(70);
	tget(id, &cur);
	P("SIGEV_NONE expired: %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	its.it_value.tv_nsec = its.it_interval.tv_nsec = 10000000;
	tset(id, 0, &its, 0);
	sleep_ms(55);
	tget(id, &cur);
	P("SIGEV_NONE periodic: value within a period: %s\n",
	  yes(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 10000000));
	tdel(id);

	// SIGEV_THREAD_ID: this thread, yes; another process's, no.
	catch(41);
	memset(&ev, 0, sizeof ev);
	ev.notify = K_SIGEV_SIGNAL | K_SIGEV_THREAD_ID, ev.signo = 41, ev.tid = syscall(SYS_gettid);
	ev.value.sival_int = 77;
	P("timer_create(SIGEV_THREAD_ID, own tid): %s\n", ename(tcreate(CLOCK_MONOTONIC, &ev, &id)));
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 10000000;
	tset(id, 0, &its, 0);
	wait_for(41, 1, 5000);
	P("SIGEV_THREAD_ID: signal %d time(s), si_code %d, si_value %d\n", seen[41].count, seen[41].code, seen[41].value);
	tdel(id);
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	ev.tid = c;
	P("timer_create(SIGEV_THREAD_ID, a child's pid): %s\n", ename(tcreate(CLOCK_MONOTONIC, &ev, &id)));
	kill(c, SIGKILL);
	waitpid(c, 0, 0);
	ev.tid = 999999;
	P("timer_create(SIGEV_THREAD_ID, no such thread): %s\n", ename(tcreate(CLOCK_MONOTONIC, &ev, &id)));
	ev.tid = syscall(SYS_gettid);
	ev.notify = K_SIGEV_NONE | K_SIGEV_THREAD_ID;
	P("timer_create(SIGEV_NONE | SIGEV_THREAD_ID): %s\n", ename(tcreate(CLOCK_MONOTONIC, &ev, &id)));
	ev.notify = 7;
	P("timer_create(sigev_notify 7): %s\n", ename(tcreate(CLOCK_MONOTONIC, &ev, &id)));
	ev.notify = K_SIGEV_SIGNAL, ev.signo = 0;
	P("timer_create(signal 0): %s\n", ename(tcreate(CLOCK_MONOTONIC, &ev, &id)));
	ev.signo = 65;
	P("timer_create(signal 65): %s\n", ename(tcreate(CLOCK_MONOTONIC, &ev, &id)));

	// Bad clocks and pointers.
	P("timer_create(clock 99): %s\n", ename(tcreate(99, 0, &id)));
	P("timer_create(CLOCK_MONOTONIC_RAW): %s\n", ename(tcreate(CLOCK_MONOTONIC_RAW, 0, &id)));
	P("timer_create(CLOCK_MONOTONIC_COARSE): %s\n", ename(tcreate(CLOCK_MONOTONIC_COARSE, 0, &id)));
	P("timer_create(bad sigevent pointer): %s\n", ename(tcreate(CLOCK_MONOTONIC, (void *)8, &id)));
	P("timer_create(bad id pointer): %s\n", ename(tcreate(CLOCK_MONOTONIC, 0, (void *)8)));
	tcreate(CLOCK_BOOTTIME, 0, &id);
	P("timer_create(CLOCK_BOOTTIME) id %d\n", id);
	P("timer_settime(NULL): %s\n", ename(tset(id, 0, 0, 0)));
	P("timer_settime(bad pointer): %s\n", ename(tset(id, 0, (void *)8, 0)));
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 1000000000;
	P("timer_settime(tv_nsec 1000000000): %s\n", ename(tset(id, 0, &its, 0)));
	its.it_value.tv_nsec = 0, its.it_interval.tv_nsec = -1;
	P("timer_settime(interval tv_nsec -1): %s\n", ename(tset(id, 0, &its, 0)));
	its.it_interval.tv_nsec = 0, its.it_value.tv_sec = -1;
	P("timer_settime(tv_sec -1): %s\n", ename(tset(id, 0, &its, 0)));
	P("timer_gettime(bad pointer): %s\n", ename(tget(id, (void *)8)));
	P("timer_gettime(no such timer): %s\n", ename(tget(12345, &cur)));
	P("timer_getoverrun(no such timer): %s\n", ename(tover(12345)));
	P("timer_settime(no such timer): %s\n", ename(tset(12345, 0, &its, 0)));
	P("timer_delete(no such timer): %s\n", ename(tdel(12345)));
	tdel(id);

	// RLIMIT_SIGPENDING 0: no timer.
	struct rlimit rl, rl0;
	getrlimit(RLIMIT_SIGPENDING, &rl);
	rl0 = rl;
	rl0.rlim_cur = 0;
	setrlimit(RLIMIT_SIGPENDING, &rl0);
	P("timer_create under RLIMIT_SIGPENDING 0: %s\n", ename(tcreate(CLOCK_MONOTONIC, 0, &id)));
	setrlimit(RLIMIT_SIGPENDING, &rl);

	// timer_delete withdraws the signal it had pending.
	catch(42);
	block(42, SIG_BLOCK);
	memset(&ev, 0, sizeof ev);
	ev.notify = K_SIGEV_SIGNAL, ev.signo = 42;
	tcreate(CLOCK_MONOTONIC, &ev, &id);
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 10000000;
	tset(id, 0, &its, 0);
	sleep_ms(40);
	P("signal 42 pending before timer_delete: %s\n", yes(is_pending(42)));
	tdel(id);
	block(42, SIG_UNBLOCK);
	P("after timer_delete and unblocking: signal 42 taken %d time(s)\n", seen[42].count);

	// fork: the child has none of its parent's timers.
	tcreate(CLOCK_MONOTONIC, 0, &id);
	c = fork();
	if (c == 0) {
		P("fork child: timer_gettime(%d): %s\n", id, ename(tget(id, &cur)));
		int cid = -1;
		tcreate(CLOCK_MONOTONIC, 0, &cid);
		P("fork child: its first timer id %d\n", cid);
		_exit(0);
	}
	waitpid(c, 0, 0);
	P("fork parent: timer_gettime(%d): %s\n", id, ename(tget(id, &cur)));
}


// ---- POSIX timers on the CPU clocks ----

static uint64_t thread_cpu_ns(void) {
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static volatile uint64_t spin_sink;

// spin_until burns CPU until sig has come n times, at most 10 s of wall time.
static void spin_until(int sig, int n) {
	uint64_t end = now_ns(CLOCK_MONOTONIC) + 10000000000ull;
	while (seen[sig].count < n && now_ns(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 100000; i++)
			spin_sink += i * 2654435761u;
}

static void cpu_timers(void) {
	struct ksigevent ev;
	struct itimerspec its, cur;
	int id = -1;
	// The thread's CPU clock, to the thread: what the Go runtime's
	// profiler arms (with SIGPROF).
	catch(43);
	memset(&ev, 0, sizeof ev);
	ev.notify = K_SIGEV_SIGNAL | K_SIGEV_THREAD_ID, ev.signo = 43, ev.tid = syscall(SYS_gettid);
	long r = tcreate(CLOCK_THREAD_CPUTIME_ID, &ev, &id);
	P("timer_create(CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID): %s\n", ename(r));
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 50000000;
	uint64_t c0 = thread_cpu_ns(), w0 = now_ns(CLOCK_MONOTONIC);
	tset(id, 0, &its, 0);
	tget(id, &cur);
	P("thread CPU timer armed: value between 0 and 50 ms: %s\n",
	  yes(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 50000000));
	spin_until(43, 1);
	uint64_t c1 = thread_cpu_ns(), w1 = now_ns(CLOCK_MONOTONIC);
	P("thread CPU timer 50 ms: signal %d time(s), si_code %d, si_timerid = id: %s, CPU time used >= 49 ms: %s\n",
	  seen[43].count, seen[43].code, yes(seen[43].timerid == id), yes(c1 - c0 >= 49000000));
	P("figure thread CPU timer 50 ms: fired after %.3f ms of CPU time, %.3f ms of wall time\n", (c1 - c0) / 1e6,
	  (w1 - w0) / 1e6);
	tget(id, &cur);
	P("thread CPU timer after firing: %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	tdel(id);

	// The process's CPU clock, periodic.
	catch(44);
	memset(&ev, 0, sizeof ev);
	ev.notify = K_SIGEV_SIGNAL, ev.signo = 44;
	r = tcreate(CLOCK_PROCESS_CPUTIME_ID, &ev, &id);
	P("timer_create(CLOCK_PROCESS_CPUTIME_ID): %s\n", ename(r));
	its.it_value.tv_nsec = its.it_interval.tv_nsec = 10000000;
	tset(id, 0, &its, 0);
	spin_until(44, 3);
	memset(&its, 0, sizeof its);
	tset(id, 0, &its, 0);
	P("process CPU timer every 10 ms: 3 signals: %s, si_code %d\n", yes(seen[44].count >= 3), seen[44].code);
	tdel(id);
}

// ---- the CPU-time clocks ----

static long cget(clockid_t c, struct timespec *ts) { return err(syscall(SYS_clock_gettime, c, ts)); }
static long cres(clockid_t c, struct timespec *ts) { return err(syscall(SYS_clock_getres, c, ts)); }
static uint64_t ts_ns(const struct timespec *t) { return (uint64_t)t->tv_sec * 1000000000ull + t->tv_nsec; }

// clock_gettime and clock_getres on the CPU-time clocks (Linux
// posix_cpu_clock_get): the caller's process and thread, by the fixed ids
// and by the ids clock_getcpuclockid and pthread_getcpuclockid make
// (~pid << 3, bit 2 for a thread, the low bits which clock).
static void cpu_clocks(void) {
	struct timespec p0, t0, p1, t1, x;
	long rp = cget(CLOCK_PROCESS_CPUTIME_ID, &p0), rt = cget(CLOCK_THREAD_CPUTIME_ID, &t0);
	P("clock_gettime(CLOCK_PROCESS_CPUTIME_ID): %s, clock_gettime(CLOCK_THREAD_CPUTIME_ID): %s\n", ename(rp), ename(rt));
	uint64_t end = now_ns(CLOCK_MONOTONIC) + 60000000;
	while (now_ns(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 100000; i++)
			spin_sink += i * 2654435761u;
	cget(CLOCK_THREAD_CPUTIME_ID, &t1); // the thread's first: the process's includes it
	cget(CLOCK_PROCESS_CPUTIME_ID, &p1);
	P("after 60 ms of spinning: the process's CPU clock moved: %s, the thread's: %s, the thread's at most the process's: %s\n",
	  yes(ts_ns(&p1) > ts_ns(&p0)), yes(ts_ns(&t1) > ts_ns(&t0)), yes(ts_ns(&t1) <= ts_ns(&p1)));
	P("figure CPU clocks: %.3f ms of process and %.3f ms of thread CPU time in 60 ms of spinning\n",
	  (ts_ns(&p1) - ts_ns(&p0)) / 1e6, (ts_ns(&t1) - ts_ns(&t0)) / 1e6);
	clockid_t pc = 0, tc = 0;
	int r1 = clock_getcpuclockid(getpid(), &pc);
	long r2 = cget(pc, &x);
	P("clock_getcpuclockid(getpid()): %d, clock_gettime on it: %s, at least the process's clock before: %s\n", r1,
	  ename(r2), yes(ts_ns(&x) >= ts_ns(&p1)));
	r1 = pthread_getcpuclockid(pthread_self(), &tc);
	r2 = cget(tc, &x);
	P("pthread_getcpuclockid(pthread_self()): %d, clock_gettime on it: %s, at least the thread's clock before: %s\n", r1,
	  ename(r2), yes(ts_ns(&x) >= ts_ns(&t1)));
	P("clock_gettime on the CPU clock of a process that does not exist: %s\n",
	  ename(cget((clockid_t)((~(pid_t)4194305) << 3) | 2, &x))); // past PID_MAX_LIMIT
	P("clock_gettime on CPU clock type 3 (none): %s\n", ename(cget((clockid_t)((~(pid_t)0) << 3) | 3, &x)));
	rp = cres(CLOCK_PROCESS_CPUTIME_ID, &x);
	P("clock_getres(CLOCK_PROCESS_CPUTIME_ID): %s, above 0 and at most 10 ms: %s\n", ename(rp),
	  yes(ts_ns(&x) > 0 && ts_ns(&x) <= 10000000));
	rt = cres(CLOCK_THREAD_CPUTIME_ID, 0);
	P("clock_getres(CLOCK_THREAD_CPUTIME_ID, NULL): %s\n", ename(rt));
}

// ---- timerfd ----

static long tfd_create(int clock, int flags) { return err(syscall(SYS_timerfd_create, clock, flags)); }
static long tfd_set(int fd, int flags, const void *nv, void *ov) { return err(syscall(SYS_timerfd_settime, fd, flags, nv, ov)); }
static long tfd_get(int fd, void *cur) { return err(syscall(SYS_timerfd_gettime, fd, cur)); }

static void timerfd(void) {
	struct itimerspec its, cur;
	uint64_t ticks = 0;
	P("timerfd_create(clock 99): %s\n", ename(tfd_create(99, 0)));
	P("timerfd_create(CLOCK_PROCESS_CPUTIME_ID): %s\n", ename(tfd_create(CLOCK_PROCESS_CPUTIME_ID, 0)));
	P("timerfd_create(flags 1): %s\n", ename(tfd_create(CLOCK_MONOTONIC, 1)));
	int nfd = tfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	P("timerfd_create(TFD_NONBLOCK|TFD_CLOEXEC): fd ok %s, O_NONBLOCK %s, FD_CLOEXEC %s\n", yes(nfd >= 0),
	  yes(fcntl(nfd, F_GETFL) & O_NONBLOCK), yes(fcntl(nfd, F_GETFD) & FD_CLOEXEC));
	P("read unarmed, nonblocking: %s\n", ename(err(read(nfd, &ticks, 8))));
	P("read of 4 bytes: %s\n", ename(err(read(nfd, &ticks, 4))));
	tfd_get(nfd, &cur);
	P("timerfd_gettime unarmed: %ld.%09ld %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
	  (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);

	int fd = tfd_create(CLOCK_MONOTONIC, 0);
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 20000000;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	tfd_set(fd, 0, &its, 0);
	long n = read(fd, &ticks, 8);
	uint64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
	P("one-shot 20 ms, blocking read: %ld bytes, %llu expiration(s), not early: %s\n", n, (unsigned long long)ticks,
	  yes(dt >= 20000000));
	P("figure timerfd 20 ms read after %.3f ms\n", dt / 1e6);
	tfd_get(fd, &cur);
	P("one-shot after it fired: %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

	its.it_value.tv_nsec = its.it_interval.tv_nsec = 10000000;
	t0 = now_ns(CLOCK_MONOTONIC);
	tfd_set(fd, 0, &its, 0);
	sleep_ms(55);
	read(fd, &ticks, 8);
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	P("every 10 ms, read after 55 ms: at least 5 expirations: %s\n", yes(ticks >= 5));
	P("figure %llu expirations in %.3f ms at 10 ms\n", (unsigned long long)ticks, dt / 1e6);
	n = read(fd, &ticks, 8);
	P("periodic, next blocking read: %ld bytes, expirations >= 1: %s\n", n, yes(ticks >= 1));

	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = 5, its.it_interval.tv_sec = 1;
	tfd_set(fd, 0, &its, 0);
	tfd_get(fd, &cur);
	P("timerfd_gettime after 5 s every 1 s: value %ld s, interval %ld.%09ld\n", (long)cur.it_value.tv_sec,
	  (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	memset(&its, 0, sizeof its);
	memset(&cur, 0xff, sizeof cur);
	tfd_set(fd, 0, &its, &cur);
	P("disarm: old value %ld s, interval %ld s\n", (long)cur.it_value.tv_sec, (long)cur.it_interval.tv_sec);
	tfd_get(fd, &cur);
	P("disarmed: %ld.%09ld %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec, (long)cur.it_interval.tv_sec,
	  cur.it_interval.tv_nsec);

	// epoll and poll see it readable once it has expired.
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0xfeed};
	epoll_ctl(ep, EPOLL_CTL_ADD, nfd, &ev);
	struct pollfd pfd = {.fd = nfd, .events = POLLIN};
	its.it_value.tv_nsec = 30000000;
	tfd_set(nfd, 0, &its, 0);
	P("before expiry: epoll_wait(0) %d, poll(0) %d\n", epoll_wait(ep, &ev, 1, 0), poll(&pfd, 1, 0));
	memset(&ev, 0, sizeof ev);
	n = epoll_wait(ep, &ev, 1, 5000);
	P("epoll_wait: %ld event(s), EPOLLIN %s, data 0x%llx\n", n, yes(ev.events & EPOLLIN), (unsigned long long)ev.data.u64);
	pfd.revents = 0;
	n = poll(&pfd, 1, 0);
	P("poll: %ld, POLLIN %s\n", n, yes(pfd.revents & POLLIN));
	read(nfd, &ticks, 8);
	P("after the read: epoll_wait(0) %d, poll(0) %d\n", epoll_wait(ep, &ev, 1, 0), poll(&pfd, 1, 0));
	close(ep);

	// TFD_TIMER_ABSTIME on CLOCK_REALTIME.
	int rfd = tfd_create(CLOCK_REALTIME, 0);
	uint64_t at = now_ns(CLOCK_REALTIME) + 30000000;
	its.it_value.tv_sec = at / 1000000000, its.it_value.tv_nsec = at % 1000000000;
	P("timerfd_settime(CLOCK_REALTIME, TFD_TIMER_ABSTIME, now + 30 ms): %s\n", ename(tfd_set(rfd, TFD_TIMER_ABSTIME, &its, 0)));
	read(rfd, &ticks, 8);
	P("absolute: %llu expiration(s), not early: %s\n", (unsigned long long)ticks, yes(now_ns(CLOCK_REALTIME) >= at));
	close(rfd);

	// Errors.
	memset(&its, 0, sizeof its);
	P("timerfd_settime(flags 4): %s\n", ename(tfd_set(fd, 4, &its, 0)));
	its.it_value.tv_nsec = 1000000000;
	P("timerfd_settime(tv_nsec 1000000000): %s\n", ename(tfd_set(fd, 0, &its, 0)));
	its.it_value.tv_nsec = 0, its.it_interval.tv_sec = -1;
	P("timerfd_settime(interval tv_sec -1): %s\n", ename(tfd_set(fd, 0, &its, 0)));
	its.it_interval.tv_sec = 0;
	P("timerfd_settime(bad pointer): %s\n", ename(tfd_set(fd, 0, (void *)8, 0)));
	P("timerfd_settime(bad fd): %s\n", ename(tfd_set(999, 0, &its, 0)));
	int pfds[2];
	pipe(pfds);
	P("timerfd_settime(a pipe): %s\n", ename(tfd_set(pfds[0], 0, &its, 0)));
	P("timerfd_gettime(a pipe): %s\n", ename(tfd_get(pfds[0], &cur)));
	P("timerfd_gettime(bad fd): %s\n", ename(tfd_get(999, &cur)));
	P("timerfd_gettime(bad pointer): %s\n", ename(tfd_get(fd, (void *)8)));
	close(pfds[0]), close(pfds[1]);
	// Closing an armed timerfd stops its timer.
	its.it_value.tv_nsec = 5000000, its.it_interval.tv_nsec = 1000000;
	tfd_set(fd, 0, &its, 0);
	close(fd);
	close(nfd);
	sleep_ms(20);
	P("closed armed timerfds: ok\n");
}

// ---- stress: arming and disarming on every CPU while timers fire ----

static volatile int stress_signals;
static void stress_handler(int sig) {
	(void)sig;
	__atomic_fetch_add(&stress_signals, 1, __ATOMIC_RELAXED);
}

// stress_thread arms, re-arms and deletes its own 0.5 ms periodic POSIX
// timers and a timerfd, 200 times, while they fire on other CPUs' ticks:
// timer_settime and close must wait for an expiry running there.
static void *stress_thread(void *arg) {
	(void)arg;
	struct ksigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.notify = K_SIGEV_SIGNAL | K_SIGEV_THREAD_ID, ev.signo = 45, ev.tid = syscall(SYS_gettid);
	struct itimerspec its = {{0, 500000}, {0, 500000}}, zero = {{0, 0}, {0, 0}};
	for (int i = 0; i < 200; i++) {
		int id;
		if (tcreate(CLOCK_MONOTONIC, &ev, &id) != 0)
			return (void *)1;
		tset(id, 0, &its, 0);
		int fd = tfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
		tfd_set(fd, 0, &its, 0);
		sleep_ms(i % 3);
		tset(id, 0, &its, 0);
		tfd_set(fd, 0, &its, 0);
		uint64_t n;
		read(fd, &n, 8);
		if (i % 2)
			tset(id, 0, &zero, 0);
		tdel(id);
		close(fd);
	}
	return 0;
}

static void stress(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = stress_handler;
	sa.sa_flags = SA_RESTART;
	sigaction(45, &sa, 0);
	sigaction(SIGALRM, &sa, 0);
	struct itimerval v = {{0, 300}, {0, 300}};
	sys_setitimer(ITIMER_REAL, &v, 0); // SIGALRM every 0.3 ms meanwhile
	pthread_t th[4];
	int ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= pthread_create(&th[i], 0, stress_thread, 0) == 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		ok &= r == 0;
	}
	memset(&v, 0, sizeof v);
	sys_setitimer(ITIMER_REAL, &v, 0);
	P("stress: 4 threads x 200 POSIX timers and timerfds armed, re-armed and deleted while firing: %s, signals taken: %s\n",
	  yes(ok), yes(stress_signals > 0));
	P("figure stress: %d signals taken\n", stress_signals);
}

// ---- exec ----

static int exec_check(int id) {
	struct itimerval o;
	struct itimerspec cur;
	sys_getitimer(ITIMER_REAL, &o);
	P("after execve: ITIMER_REAL value %ld s, interval %ld s\n", (long)o.it_value.tv_sec, (long)o.it_interval.tv_sec);
	P("after execve: timer_gettime(%d): %s\n", id, ename(tget(id, &cur)));
	int nid = -1;
	tcreate(CLOCK_MONOTONIC, 0, &nid);
	P("after execve: next timer id %d\n", nid);
	struct itimerval v;
	memset(&v, 0, sizeof v);
	sys_setitimer(ITIMER_REAL, &v, 0);
	return 0;
}

// exec from a thread other than the leader: the process's signal state
// moves into the exec'ing thread (gokern End_group_exec), ITIMER_REAL
// with it, and still fires.
static int exec2_check(pid_t pid) {
	struct itimerval o;
	catch(SIGALRM);
	sys_getitimer(ITIMER_REAL, &o);
	P("after execve from a thread: pid kept %s, ITIMER_REAL armed %s, interval %ld s\n", yes(getpid() == pid),
	  yes(o.it_value.tv_sec == 0 && o.it_value.tv_usec > 0), (long)o.it_interval.tv_sec);
	wait_for(SIGALRM, 1, 5000);
	P("after execve from a thread: SIGALRM %d time(s), si_code %d\n", seen[SIGALRM].count, seen[SIGALRM].code);
	return failed;
}

static void *exec_thread(void *arg) {
	(void)arg;
	char pid[16];
	snprintf(pid, sizeof pid, "%d", getpid());
	char *args[] = {"/proc/self/exe", "exec2", pid, 0};
	execv("/proc/self/exe", args);
	P("execve from a thread: %s\n", strerror(errno));
	_exit(1);
}

static void exec_from_thread(void) {
	pid_t c = fork();
	if (c == 0) {
		struct itimerval v;
		memset(&v, 0, sizeof v);
		v.it_value.tv_usec = 900000;
		sys_setitimer(ITIMER_REAL, &v, 0);
		pthread_t th;
		if (pthread_create(&th, 0, exec_thread, 0) != 0) {
			P("pthread_create failed\n");
			_exit(1);
		}
		for (;;)
			pause();
	}
	int st;
	waitpid(c, &st, 0);
	P("execve from a thread: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv) {
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc > 2 && strcmp(argv[1], "exec") == 0)
		return exec_check(atoi(argv[2])) || failed;
	if (argc > 2 && strcmp(argv[1], "exec2") == 0)
		return exec2_check(atoi(argv[2]));
	if (getpid() == 1)
		mount("proc", "/proc", "proc", 0, 0);
	itimer_real();
	posix_timers();
	cpu_timers();
	cpu_clocks();
	timerfd();

	// execve: ITIMER_REAL stays, POSIX timers go.
	struct itimerval v;
	memset(&v, 0, sizeof v);
	v.it_value.tv_sec = 5, v.it_interval.tv_sec = 2;
	sys_setitimer(ITIMER_REAL, &v, 0);
	int id = -1;
	tcreate(CLOCK_MONOTONIC, 0, &id);
	P("before execve: timer id %d\n", id);
	// gk-timers' moment (internal/boottest TestGDBTimers stops in
	// getppid): ITIMER_REAL and timer id armed.
	struct itimerspec its = {{1, 0}, {10, 0}};
	tset(id, 0, &its, 0);
	syscall(SYS_getppid);
	pid_t c = fork();
	if (c == 0) {
		sys_setitimer(ITIMER_REAL, &v, 0);
		int cid;
		for (int i = 0; i <= id; i++)
			tcreate(CLOCK_MONOTONIC, 0, &cid);
		char ids[16];
		snprintf(ids, sizeof ids, "%d", cid);
		char *args[] = {"/proc/self/exe", "exec", ids, 0};
		execv("/proc/self/exe", args);
		P("execve: %s\n", strerror(errno));
		_exit(1);
	}
	int st;
	waitpid(c, &st, 0);
	P("execve child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	exec_from_thread();
	stress();
	memset(&v, 0, sizeof v);
	sys_setitimer(ITIMER_REAL, &v, 0);
	P("done%s\n", failed ? ", FAILED" : "");
	return failed;
}
