package userprog

import (
	"os"
	"path/filepath"
	"strings"
)

// BuildC compiles the one-file C program user/<name>/<name>.c with the
// host's gcc into a static executable at out/<name> (glibc, as Debian's
// static busybox is built) and returns its path.
func BuildC(name, out string) (string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	exe := filepath.Join(out, name)
	return exe, run("gcc", "-static", "-O2", "-Wall", "-Werror", "-o", exe, filepath.Join(Root(), "user", name, name+".c"))
}

// TimertestLines is what user/timertest prints when every timer behaves
// as Linux's do, on Linux as on gokern (its "figure" lines, measured
// times, left out): internal/userprog TestTimertestOnLinux holds the
// host's Linux to it, internal/boottest TestTimertest gokern.
var TimertestLines = []string{
	"timertest: alarm(0) with none armed: 0",
	"timertest: alarm(10): 0",
	"timertest: alarm(3) after alarm(10): 10",
	"timertest: alarm(0) after alarm(3): 3",
	"timertest: alarm(0) with 0.3 s left: 1",
	"timertest: alarm(0) with 1.7 s left: 2",
	"timertest: alarm(0) with 1.3 s left: 1",
	"timertest: getitimer(ITIMER_REAL) after 5 s every 1 s: value 4 s, interval 1.000000 s",
	"timertest: setitimer(ITIMER_REAL, 0) old value 4 s, interval 1.000000 s",
	"timertest: getitimer(ITIMER_REAL) disarmed: 0.000000 0.000000",
	"timertest: interval without value: getitimer interval 0 s",
	"timertest: setitimer(ITIMER_REAL, tv_usec 1000000): EINVAL",
	"timertest: setitimer(ITIMER_REAL, tv_sec -1): EINVAL",
	"timertest: setitimer(ITIMER_REAL, bad pointer): EFAULT",
	"timertest: getitimer(ITIMER_REAL, bad pointer): EFAULT",
	"timertest: setitimer(ITIMER_REAL, ok, bad old pointer): EFAULT",
	"timertest: ITIMER_REAL 50 ms: SIGALRM 1 time(s), si_code 128, not early: yes",
	"timertest: after it fired: value 0.000000",
	"timertest: alarm(1): SIGALRM 1 time(s), not early: yes",
	"timertest: ITIMER_REAL every 20 ms: 5 SIGALRMs: yes, not early: yes",
	"timertest: blocked SIGALRM pending: yes; getitimer value 0.000000, interval 0.500000",
	"timertest: unblocked: SIGALRM taken 1 time(s), timer running again: yes",
	"timertest: fork child: ITIMER_REAL value 0.000000",
	"timertest: fork parent: ITIMER_REAL still armed: yes",
	"timertest: timer_create(CLOCK_MONOTONIC, NULL): 0, id 0",
	"timertest: timer_create(CLOCK_REALTIME, NULL): 0, id 1",
	"timertest: timer_settime(1, 20 ms): 0",
	"timertest: default sigevent: SIGALRM 1 time(s), si_code -2, si_timerid 1, si_overrun 0, si_value 1, not early: yes",
	"timertest: one-shot after firing: timer_gettime 0.000000000 0.000000000",
	"timertest: timer_gettime after 5 s every 1 s: value 4 s, interval 1.000000000",
	"timertest: disarm: old value 4 s, interval 1 s",
	"timertest: disarmed: 0.000000000 0.000000000",
	"timertest: timer_delete(0): 0",
	"timertest: timer_delete(0) again: EINVAL",
	"timertest: timer_delete(1): 0",
	"timertest: timer_create(CLOCK_MONOTONIC, signal 40): 0, id 2",
	"timertest: periodic with its signal blocked: pending yes, next expiry within a period: yes",
	"timertest: unblocked: signal taken: yes, si_code -2, si_timerid 2, si_value 0x1234, si_overrun >= 5: yes, timer_getoverrun = si_overrun: yes",
	"timertest: timer_settime(CLOCK_REALTIME, TIMER_ABSTIME, now + 30 ms): 0",
	"timertest: absolute CLOCK_REALTIME: SIGUSR1 1 time(s), not early: yes",
	"timertest: absolute time in the past: SIGUSR1 1 time(s)",
	"timertest: timer_create(SIGEV_NONE): 0",
	"timertest: SIGEV_NONE armed: value between 0 and 50 ms: yes",
	"timertest: SIGEV_NONE expired: 0.000000000",
	"timertest: SIGEV_NONE periodic: value within a period: yes",
	"timertest: timer_create(SIGEV_THREAD_ID, own tid): 0",
	"timertest: SIGEV_THREAD_ID: signal 1 time(s), si_code -2, si_value 77",
	"timertest: timer_create(SIGEV_THREAD_ID, a child's pid): EINVAL",
	"timertest: timer_create(SIGEV_THREAD_ID, no such thread): EINVAL",
	"timertest: timer_create(SIGEV_NONE | SIGEV_THREAD_ID): EINVAL",
	"timertest: timer_create(sigev_notify 7): EINVAL",
	"timertest: timer_create(signal 0): EINVAL",
	"timertest: timer_create(signal 65): EINVAL",
	"timertest: timer_create(clock 99): EINVAL",
	"timertest: timer_create(CLOCK_MONOTONIC_RAW): EOPNOTSUPP",
	"timertest: timer_create(CLOCK_MONOTONIC_COARSE): EOPNOTSUPP",
	"timertest: timer_create(bad sigevent pointer): EFAULT",
	"timertest: timer_create(bad id pointer): EFAULT",
	"timertest: timer_create(CLOCK_BOOTTIME) id 14",
	"timertest: timer_settime(NULL): EINVAL",
	"timertest: timer_settime(bad pointer): EFAULT",
	"timertest: timer_settime(tv_nsec 1000000000): EINVAL",
	"timertest: timer_settime(interval tv_nsec -1): EINVAL",
	"timertest: timer_settime(tv_sec -1): EINVAL",
	"timertest: timer_gettime(bad pointer): EFAULT",
	"timertest: timer_gettime(no such timer): EINVAL",
	"timertest: timer_getoverrun(no such timer): EINVAL",
	"timertest: timer_settime(no such timer): EINVAL",
	"timertest: timer_delete(no such timer): EINVAL",
	"timertest: timer_create under RLIMIT_SIGPENDING 0: EAGAIN",
	"timertest: signal 42 pending before timer_delete: yes",
	"timertest: after timer_delete and unblocking: signal 42 taken 0 time(s)",
	"timertest: fork child: timer_gettime(16): EINVAL",
	"timertest: fork child: its first timer id 0",
	"timertest: fork parent: timer_gettime(16): 0",
	"timertest: timer_create(CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID): 0",
	"timertest: thread CPU timer armed: value between 0 and 50 ms: yes",
	"timertest: thread CPU timer 50 ms: signal 1 time(s), si_code -2, si_timerid = id: yes, CPU time used >= 49 ms: yes",
	"timertest: thread CPU timer after firing: 0.000000000",
	"timertest: timer_create(CLOCK_PROCESS_CPUTIME_ID): 0",
	"timertest: process CPU timer every 10 ms: 3 signals: yes, si_code -2",
	"timertest: clock_gettime(CLOCK_PROCESS_CPUTIME_ID): 0, clock_gettime(CLOCK_THREAD_CPUTIME_ID): 0",
	"timertest: after 60 ms of spinning: the process's CPU clock moved: yes, the thread's: yes, the thread's at most the process's: yes",
	"timertest: clock_getcpuclockid(getpid()): 0, clock_gettime on it: 0, at least the process's clock before: yes",
	"timertest: pthread_getcpuclockid(pthread_self()): 0, clock_gettime on it: 0, at least the thread's clock before: yes",
	"timertest: clock_gettime on the CPU clock of a process that does not exist: EINVAL",
	"timertest: clock_gettime on CPU clock type 3 (none): EINVAL",
	"timertest: clock_getres(CLOCK_PROCESS_CPUTIME_ID): 0, above 0 and at most 10 ms: yes",
	"timertest: clock_getres(CLOCK_THREAD_CPUTIME_ID, NULL): 0",
	"timertest: timerfd_create(clock 99): EINVAL",
	"timertest: timerfd_create(CLOCK_PROCESS_CPUTIME_ID): EINVAL",
	"timertest: timerfd_create(flags 1): EINVAL",
	"timertest: timerfd_create(TFD_NONBLOCK|TFD_CLOEXEC): fd ok yes, O_NONBLOCK yes, FD_CLOEXEC yes",
	"timertest: read unarmed, nonblocking: EAGAIN",
	"timertest: read of 4 bytes: EINVAL",
	"timertest: timerfd_gettime unarmed: 0.000000000 0.000000000",
	"timertest: one-shot 20 ms, blocking read: 8 bytes, 1 expiration(s), not early: yes",
	"timertest: one-shot after it fired: 0.000000000",
	"timertest: every 10 ms, read after 55 ms: at least 5 expirations: yes",
	"timertest: periodic, next blocking read: 8 bytes, expirations >= 1: yes",
	"timertest: timerfd_gettime after 5 s every 1 s: value 4 s, interval 1.000000000",
	"timertest: disarm: old value 4 s, interval 1 s",
	"timertest: disarmed: 0.000000000 0.000000000",
	"timertest: before expiry: epoll_wait(0) 0, poll(0) 0",
	"timertest: epoll_wait: 1 event(s), EPOLLIN yes, data 0xfeed",
	"timertest: poll: 1, POLLIN yes",
	"timertest: after the read: epoll_wait(0) 0, poll(0) 0",
	"timertest: timerfd_settime(CLOCK_REALTIME, TFD_TIMER_ABSTIME, now + 30 ms): 0",
	"timertest: absolute: 1 expiration(s), not early: yes",
	"timertest: timerfd_settime(flags 4): EINVAL",
	"timertest: timerfd_settime(tv_nsec 1000000000): EINVAL",
	"timertest: timerfd_settime(interval tv_sec -1): EINVAL",
	"timertest: timerfd_settime(bad pointer): EFAULT",
	"timertest: timerfd_settime(bad fd): EBADF",
	"timertest: timerfd_settime(a pipe): EINVAL",
	"timertest: timerfd_gettime(a pipe): EINVAL",
	"timertest: timerfd_gettime(bad fd): EBADF",
	"timertest: timerfd_gettime(bad pointer): EFAULT",
	"timertest: closed armed timerfds: ok",
	"timertest: before execve: timer id 19",
	"timertest: after execve: ITIMER_REAL value 4 s, interval 2 s",
	"timertest: after execve: timer_gettime(19): EINVAL",
	"timertest: after execve: next timer id 20",
	"timertest: execve child: exit 0",
	"timertest: after execve from a thread: pid kept yes, ITIMER_REAL armed yes, interval 0 s",
	"timertest: after execve from a thread: SIGALRM 1 time(s), si_code 128",
	"timertest: execve from a thread: exit 0",
	"timertest: stress: 4 threads x 200 POSIX timers and timerfds armed, re-armed and deleted while firing: yes, signals taken: yes",
	"timertest: done",
}

// TimertestOutput keeps the "timertest:" lines of out but the figures.
func TimertestOutput(out string) []string {
	var l []string
	for _, s := range strings.Split(out, "\n") {
		s = strings.TrimRight(s, "\r")
		if i := strings.Index(s, "timertest: "); i >= 0 && !strings.HasPrefix(s[i:], "timertest: figure") {
			l = append(l, s[i:])
		}
	}
	return l
}
