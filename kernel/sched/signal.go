package sched

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	ktime "gokern/kernel/time"
)

// A task's signal state: what kernel/signal works on. Linux:
// include/linux/signal_types.h (struct sigpending, struct k_sigaction),
// include/linux/sched/signal.h (struct sighand_struct, struct
// signal_struct, signal_pending), and task_struct's signal fields
// (signal, sighand, blocked, real_blocked, saved_sigmask, pending,
// sas_ss_sp, sas_ss_size, sas_ss_flags).
//
// Linux allocates a sighand_struct and a signal_struct for every thread
// group (copy_sighand, copy_signal) and shares them between its threads
// (CLONE_SIGHAND, CLONE_THREAD). gokern keeps both inside each
// task_struct (Task_signal) so that no allocation can fail in fork; a
// thread points its Signal and Sighand at its group leader's, and a
// leader outlives its threads as a zombie, as in Linux.

// TIF_SIGPENDING: a signal may be pending for the task; the way back to
// user mode looks (Linux arch/x86/include/asm/thread_info.h).
const TIF_SIGPENDING = 2

// TASK_STOPPED: stopped by a stop signal until SIGCONT (Linux
// __TASK_STOPPED).
const TASK_STOPPED = 0x0004

// Kernel_siginfo is the part of siginfo_t the kernel keeps for a queued
// signal (Linux struct kernel_siginfo: signo, errno, code and the union's
// first 32 bytes, which hold every field gokern sends).
type Kernel_siginfo struct {
	Si_signo, Si_errno, Si_code int32
	_                           int32
	Fields                      [4]uint64
}

// Sigpending is a set of pending signals with one siginfo each (Linux
// struct sigpending keeps a list of sigqueue entries; a real-time signal
// sent twice is queued twice there, once here — see the package doc of
// kernel/signal).
type Sigpending struct {
	Signal uapi.Sigset_t
	Info   [uapi.NSIG]Kernel_siginfo
	// Queue: the later instances of real-time signals already pending,
	// oldest first (Linux keeps every instance on pending->list; gokern
	// keeps the first in Info, the others here, from kernel/signal's
	// sigqueue cache).
	Queue *Sigqueue
}

// Sigqueue is one queued instance of a real-time signal (Linux struct
// sigqueue).
type Sigqueue struct {
	Next *Sigqueue
	Info Kernel_siginfo
}

// K_sigaction is one signal's disposition (Linux struct k_sigaction).
type K_sigaction struct {
	Sa uapi.Sigaction
}

// Sighand_struct holds a thread group's handlers (Linux struct
// sighand_struct) and the lock that guards every signal field of its
// tasks (siglock).
type Sighand_struct struct {
	Siglock asm.Spinlock_t
	Action  [uapi.NSIG]K_sigaction
}

// signal_struct flags (Linux SIGNAL_*).
const (
	SIGNAL_STOP_STOPPED   = 0x00000001 // the group is stopped
	SIGNAL_STOP_CONTINUED = 0x00000002 // SIGCONT since the last wait
	SIGNAL_GROUP_EXIT     = 0x00000004 // the group is exiting
	SIGNAL_CLD_STOPPED    = 0x00000010 // the parent is yet to hear of a stop SIGCONT cut short
	SIGNAL_CLD_CONTINUED  = 0x00000020 // the parent is yet to hear of a SIGCONT
	SIGNAL_UNKILLABLE     = 0x00000040 // init: SIG_DFL signals from user space are dropped

	SIGNAL_CLD_MASK  = SIGNAL_CLD_STOPPED | SIGNAL_CLD_CONTINUED
	SIGNAL_STOP_MASK = SIGNAL_CLD_MASK | SIGNAL_STOP_STOPPED | SIGNAL_STOP_CONTINUED
)

// task_struct's jobctl bits (Linux include/linux/sched/jobctl.h): the
// part of a group stop each thread carries. The low 16 bits hold the stop
// signal.
const (
	JOBCTL_STOP_SIGMASK  = 0xffff
	JOBCTL_STOP_DEQUEUED = 1 << 16 // a stop signal was dequeued: a SIGCONT since clears it
	JOBCTL_STOP_PENDING  = 1 << 17 // this thread is to stop for the group stop
	JOBCTL_STOP_CONSUME  = 1 << 18 // and count itself off group_stop_count when it does
	JOBCTL_STOPPED       = 1 << 26 // stopped (TASK_STOPPED) until SIGCONT or SIGKILL clears it

	JOBCTL_PENDING_MASK = JOBCTL_STOP_PENDING
)

// Signal_struct is what a thread group shares about signals (Linux struct
// signal_struct): the group's pending set (kill sends there, tgkill to a
// thread), its exit code once it dies of a signal, and its process group
// and session for the tty's job control.
type Signal_struct struct {
	Shared_pending  Sigpending
	Flags           uint32
	Group_exit_code int32
	// Group_stop_sig: the signal that stopped the group (for wait4's
	// WSTOPSIG and SIGCHLD's CLD_STOPPED).
	Group_stop_sig int32
	// Group_stop_count: the threads still to stop before the group
	// stop is complete (Linux signal->group_stop_count); the last sets
	// SIGNAL_STOP_STOPPED and tells the parent.
	Group_stop_count int32
	// Stop_unreported: the group stopped and no wait4(WUNTRACED) or
	// waitid(WSTOPPED) has collected that yet (Linux keeps the stop
	// signal in group_exit_code until wait_task_stopped zeroes it).
	Stop_unreported bool
	Pgrp, Session   int32
	// Leader: this process made its session with setsid (Linux
	// signal->leader); Tty: the session's controlling terminal, a
	// *tty.Tty_struct this package cannot name (Linux signal->tty).
	Leader bool
	Tty    unsafe.Pointer
	// Group_exec_task: the thread whose execve is ending the group's
	// other threads (Linux signal->group_exec_task, set by de_thread);
	// the threads it kills exit without ending the process.
	Group_exec_task *Task_struct
	// Is_child_subreaper: prctl(PR_SET_CHILD_SUBREAPER) made this
	// process the reaper of its orphaned descendants; Has_child_subreaper:
	// an ancestor is one, so an orphan's new parent is looked for among
	// the ancestors first (Linux signal->is_child_subreaper,
	// has_child_subreaper).
	Is_child_subreaper, Has_child_subreaper bool
	// Cputime_prof and Cputime_virt: the group's CPU time in
	// nanoseconds, all of it and its user-mode part, each tick's
	// TICK_NSEC charged by account_process_tick to the thread it
	// interrupted, so exited threads' time stays counted (Linux
	// thread_group_cputimer's cputime_atomic, which Linux starts only
	// when a CPU timer is armed; gokern counts always). Atomic.
	Cputime_prof, Cputime_virt uint64
	// It: the ITIMER_PROF and ITIMER_VIRTUAL timers (Linux signal->it[],
	// indexed CPUCLOCK_PROF and CPUCLOCK_VIRT), written under the siglock;
	// Expires is read without it by the tick's fast path (atomic).
	It [2]Cpu_itimer
	// Real_timer and It_real_incr: ITIMER_REAL, which sends SIGALRM on
	// CLOCK_MONOTONIC, and its period in ns (Linux signal->real_timer,
	// it_real_incr); started and cancelled under the siglock
	// (kernel/signal itimer.go). It survives execve and is not
	// inherited by fork.
	Real_timer   ktime.Hrtimer
	It_real_incr uint64
	// Posix_timers: the process's timer_create timers, a list of
	// kernel/signal's k_itimer this package cannot name (Linux
	// signal->posix_timers), under the siglock; Next_posix_timer_id
	// the id the next one tries first (Linux next_posix_timer_id).
	Posix_timers        unsafe.Pointer
	Next_posix_timer_id int32
	// Posix_cputimers_armed: some of those timers run on a CPU clock
	// and are armed, so the tick must look (Linux
	// posix_cputimers.timers_active); atomic, read by the tick's fast
	// path without the siglock.
	Posix_cputimers_armed uint32
	// Cutime and Cstime: the ticks of the process's waited-for children
	// and of theirs (Linux signal->cutime, cstime), for times(),
	// getrusage(RUSAGE_CHILDREN) and wait4's rusage, whichever thread
	// asks or waited. Atomic.
	Cutime, Cstime uint64
}

// CPUCLOCK_PROF and CPUCLOCK_VIRT index Signal_struct.It (Linux
// include/linux/posix-timers_types.h).
const (
	CPUCLOCK_PROF = 0
	CPUCLOCK_VIRT = 1
)

// Cpu_itimer is one process-wide CPU-time interval timer (Linux struct
// cpu_itimer): Expires the group CPU time (Cputime_prof or Cputime_virt,
// in ns) at which it fires, 0 when disarmed; Incr its period, 0 for once.
type Cpu_itimer struct {
	Expires, Incr uint64
}

// Task_signal is the storage for a group leader's Signal_struct and
// Sighand_struct (see the top of this file).
type Task_signal struct {
	Signal  Signal_struct
	Sighand Sighand_struct
}

// Task_sigstate is the signal part of task_struct.
type Task_sigstate struct {
	// Signal and Sighand: the group's (the task's own Sig_storage for a
	// leader); nil until kernel/signal first touches the task.
	Signal  *Signal_struct
	Sighand *Sighand_struct
	// Blocked: the mask; Real_blocked: the mask before rt_sigsuspend or
	// a handler changed it; Saved_sigmask: what to restore after
	// rt_sigsuspend's handler (Linux TIF_RESTORE_SIGMASK's mask).
	Blocked, Real_blocked, Saved_sigmask uapi.Sigset_t
	Restore_sigmask                      bool
	// Jobctl: this thread's part in a group stop, JOBCTL_* (Linux
	// task_struct.jobctl), under the siglock.
	Jobctl uint64
	// Pending: signals sent to this thread (tgkill, faults).
	Pending Sigpending
	// The alternate signal stack (sigaltstack).
	Sas_ss_sp, Sas_ss_size uint64
	Sas_ss_flags           uint32
	// The last trap, for the sigcontext of a fault's signal (Linux
	// thread_struct's trap_nr, error_code and cr2).
	Trap_nr, Error_code, Cr2 uint64
	Sig_storage              Task_signal
}

// Set_tsk_thread_flag and friends on the TIF_* bits (Linux
// set_tsk_thread_flag, clear_tsk_thread_flag, test_tsk_thread_flag).
//
//go:nosplit
func Set_tsk_thread_flag(t *Task_struct, flag uint) { atomic.OrUint64(&t.Thread_info.Flags, 1<<flag) }

//go:nosplit
func Clear_tsk_thread_flag(t *Task_struct, flag uint) {
	atomic.AndUint64(&t.Thread_info.Flags, ^(uint64(1) << flag))
}

//go:nosplit
func Test_tsk_thread_flag(t *Task_struct, flag uint) bool {
	return atomic.LoadUint64(&t.Thread_info.Flags)&(1<<flag) != 0
}

// Task_signal_pending is Linux's signal_pending(t).
//
//go:nosplit
func Task_signal_pending(t *Task_struct) bool { return Test_tsk_thread_flag(t, TIF_SIGPENDING) }

// task_join_group_stop makes a new thread t of cur's group take part in
// the group stop in progress, or in the stop the group is in (Linux
// kernel/signal.c task_join_group_stop, from copy_process). It is here,
// not in kernel/signal, because copy_process runs it under the siglock
// where t joins the group. Without it a thread cloned while its group
// was stopping was not counted in group_stop_count and ran on in a
// stopped group.
func task_join_group_stop(t, cur *Task_struct) {
	sig := cur.Signal
	if sig == nil {
		return
	}
	mask := cur.Jobctl & JOBCTL_STOP_SIGMASK
	if sig.Group_stop_count != 0 {
		sig.Group_stop_count++
		mask |= JOBCTL_STOP_CONSUME
	} else if sig.Flags&SIGNAL_STOP_STOPPED == 0 {
		return
	}
	// task_set_jobctl_pending: t is neither dying nor exiting yet. Its
	// TIF_SIGPENDING takes it to get_signal on its first way out to
	// user mode (Linux's child inherits the flag from its creator).
	t.Jobctl = t.Jobctl&^JOBCTL_STOP_SIGMASK | mask | JOBCTL_STOP_PENDING
	Set_tsk_thread_flag(t, TIF_SIGPENDING)
}
