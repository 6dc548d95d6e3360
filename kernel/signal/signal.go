// Package signal is gokern's signals: sending (kill, tgkill, tkill, and
// the kernel's own for faults and the tty), the per-thread and per-group
// pending sets and the blocked mask, the handlers (rt_sigaction), the
// alternate stack (sigaltstack), default actions (terminate, core, stop,
// continue, ignore), and delivery on the way back to user mode with a
// real rt_sigframe that rt_sigreturn unwinds. docs/signals.md walks it.
//
// Linux: kernel/signal.c (this file), arch/x86/kernel/signal.c and
// signal_64.c (signal_64.go: the frame), kernel/entry/common.c
// (entry_common.go: exit_to_user_mode_loop). Seeds: 002 "Userspace
// Kernel API: System Calls" (the return path), "Page Fault Handler" (the
// SIGSEGV a bad access gets).
//
// What gokern leaves out: ptrace, signalfd and rt_sigtimedwait.
package signal

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
	"gokern/mm/slab"
	"gokern/printk"
)

// Hooks are what signals need from the process layer above (DESIGN.md §1).
var Hooks struct {
	// Do_group_exit ends the current thread group with code (Linux
	// do_group_exit): the exit status, or the signal that killed it.
	Do_group_exit func(code int)
}

// sigmask is the set holding only sig (Linux sigmask).
func sigmask(sig int) uapi.Sigset_t { return 1 << uint(sig-1) }

func sigismember(s uapi.Sigset_t, sig int) bool { return s&sigmask(sig) != 0 }

// valid_signal: 1.._NSIG (Linux valid_signal also allows 0, kill's probe).
func valid_signal(sig int) bool { return sig >= 0 && sig <= uapi.NSIG }

// The default actions (Linux's SIG_KERNEL_*_MASK, for the classic signals
// only: a real-time signal's default is to terminate).
const (
	SIG_KERNEL_ONLY_MASK = 1<<(uapi.SIGKILL-1) | 1<<(uapi.SIGSTOP-1)
	SIG_KERNEL_STOP_MASK = 1<<(uapi.SIGSTOP-1) | 1<<(uapi.SIGTSTP-1) | 1<<(uapi.SIGTTIN-1) | 1<<(uapi.SIGTTOU-1)
	// Those whose default also dumps core (Linux: "core" in signal(7)).
	SIG_KERNEL_COREDUMP_MASK = 1<<(uapi.SIGQUIT-1) | 1<<(uapi.SIGILL-1) | 1<<(uapi.SIGTRAP-1) | 1<<(uapi.SIGABRT-1) |
		1<<(uapi.SIGFPE-1) | 1<<(uapi.SIGSEGV-1) | 1<<(uapi.SIGBUS-1) | 1<<(uapi.SIGSYS-1) | 1<<(uapi.SIGXCPU-1) | 1<<(uapi.SIGXFSZ-1)
	SIG_KERNEL_IGNORE_MASK = 1<<(uapi.SIGCONT-1) | 1<<(uapi.SIGCHLD-1) | 1<<(uapi.SIGWINCH-1) | 1<<(uapi.SIGURG-1)
	// SYNCHRONOUS_MASK: signals a fault raises, dequeued first so that
	// the handler sees the fault's before any other (Linux next_signal).
	SYNCHRONOUS_MASK = 1<<(uapi.SIGSEGV-1) | 1<<(uapi.SIGBUS-1) | 1<<(uapi.SIGILL-1) | 1<<(uapi.SIGTRAP-1) |
		1<<(uapi.SIGFPE-1) | 1<<(uapi.SIGSYS-1)
)

func sig_in(sig int, mask uapi.Sigset_t) bool { return sig < uapi.SIGRTMIN && sigismember(mask, sig) }
func sig_kernel_only(sig int) bool            { return sig_in(sig, SIG_KERNEL_ONLY_MASK) }
func sig_kernel_stop(sig int) bool            { return sig_in(sig, SIG_KERNEL_STOP_MASK) }
func sig_kernel_coredump(sig int) bool        { return sig_in(sig, SIG_KERNEL_COREDUMP_MASK) }
func sig_kernel_ignore(sig int) bool          { return sig_in(sig, SIG_KERNEL_IGNORE_MASK) }

// Task_init_signal gives t its signal structures if it has none yet: a
// thread group leader's live in its own task_struct (kernel/sched
// signal.go). Every entry point calls it, so tasks made before signals
// existed need nothing from fork.
func Task_init_signal(t *sched.Task_struct) {
	if t.Sighand == nil {
		t.Signal = &t.Sig_storage.Signal
		t.Sighand = &t.Sig_storage.Sighand
		// The group's CPU time starts with what the tick has charged the
		// task so far (kernel_init's time in the kernel before its first
		// program): a process's clock is its threads' sum (Linux
		// thread_group_cputime), never less than one thread's.
		atomic.StoreUint64(&t.Signal.Cputime_prof, (t.Utime+t.Stime)*ktime.TICK_NSEC)
		atomic.StoreUint64(&t.Signal.Cputime_virt, t.Utime*ktime.TICK_NSEC)
		t.Sighand.Siglock.Owner_cpu = -1
		t.Sighand.Siglock.Name = "sighand->siglock"
	}
}

// lock_task_sighand takes t's siglock with interrupts off (Linux
// lock_task_sighand): the tty's receive interrupt sends signals too.
// A non-leader's execve moves the group's sighand into its own task
// (De_thread_signal), so the lock taken is checked to still be t's, as
// Linux's is against a sighand replaced under it.
func lock_task_sighand(t *sched.Task_struct) (*sched.Sighand_struct, uint64) {
	Task_init_signal(t)
	for {
		sh := t.Sighand
		flags := sh.Siglock.Spin_lock_irqsave(0)
		if sh == t.Sighand {
			return sh, flags
		}
		sh.Siglock.Spin_unlock_irqrestore(flags)
	}
}

func unlock_task_sighand(sh *sched.Sighand_struct, flags uint64) {
	sh.Siglock.Spin_unlock_irqrestore(flags)
}

// task_tgid is t's thread-group id (Linux task_tgid_nr).
func task_tgid(t *sched.Task_struct) int32 { return t.Tgid }

// same_thread_group: u shares t's signal_struct (Linux same_thread_group).
func same_thread_group(t, u *sched.Task_struct) bool {
	Task_init_signal(u)
	return t.Signal == u.Signal
}

// for_each_thread calls fn for every task of t's thread group (Linux
// for_each_thread); false from fn stops it. It walks the group's ring from
// its leader, with the group's siglock held, under which threads join
// (copy_process) and leave it (exit_notify, de_thread), as Linux's
// thread list changes under the siglock in copy_process and
// __exit_signal. It used to walk the whole task list, which tasks of any
// process leave under tasklist_lock alone: standing on one as it was
// unlinked (List_del clears its links) ended the walk early, and a
// thread after it in the list missed exit_group's SIGKILL.
func for_each_thread(t *sched.Task_struct, fn func(u *sched.Task_struct) bool) {
	leader := t.Group_leader
	if leader == nil {
		leader = t
	}
	if leader.Pid == 0 || leader.Flags&sched.PF_KTHREAD != 0 {
		return
	}
	// Live tasks only, as before: a leader that died before its
	// threads stays on the ring as a zombie.
	visit := func(u *sched.Task_struct) bool { return !user_task(u) || fn(u) }
	if visit(leader) {
		sched.For_other_threads(leader, visit)
	}
}

// sig_handler_ignored: the handler ignores sig, by SIG_IGN or a default of
// ignoring (Linux sig_handler_ignored).
func sig_handler_ignored(handler uint64, sig int) bool {
	return handler == uapi.SIG_IGN || handler == uapi.SIG_DFL && sig_kernel_ignore(sig)
}

// sig_task_ignored: t would throw sig away (Linux sig_task_ignored). Init
// (SIGNAL_UNKILLABLE) drops signals whose default would kill it, unless
// the kernel forces SIGKILL or SIGSTOP.
func sig_task_ignored(t *sched.Task_struct, sig int, force bool) bool {
	handler := t.Sighand.Action[sig-1].Sa.Sa_handler
	if t.Signal.Flags&sched.SIGNAL_UNKILLABLE != 0 && handler == uapi.SIG_DFL && !(force && sig_kernel_only(sig)) {
		return true
	}
	return sig_handler_ignored(handler, sig)
}

// sig_ignored: a blocked signal is never ignored, it waits (Linux
// sig_ignored).
func sig_ignored(t *sched.Task_struct, sig int, force bool) bool {
	if sigismember(t.Blocked, sig) || sigismember(t.Real_blocked, sig) {
		return false
	}
	return sig_task_ignored(t, sig, force)
}

// recalc_sigpending_tsk sets TIF_SIGPENDING when t has an unblocked
// signal, a group stop to join or its group is exiting (Linux
// recalc_sigpending_tsk), and says whether it did.
func recalc_sigpending_tsk(t *sched.Task_struct) bool {
	if (t.Pending.Signal|t.Signal.Shared_pending.Signal)&^t.Blocked != 0 || t.Jobctl&sched.JOBCTL_PENDING_MASK != 0 ||
		t.Signal.Flags&sched.SIGNAL_GROUP_EXIT != 0 {
		sched.Set_tsk_thread_flag(t, sched.TIF_SIGPENDING)
		return true
	}
	return false
}

// recalc_sigpending: for current, also clears the flag (Linux
// recalc_sigpending; only current may clear its own).
func recalc_sigpending(t *sched.Task_struct) {
	if !recalc_sigpending_tsk(t) {
		sched.Clear_tsk_thread_flag(t, sched.TIF_SIGPENDING)
	}
}

// signal_wake_up sets t's TIF_SIGPENDING and wakes it from an
// interruptible sleep, or any sleep but an uninterruptible one when fatal
// (Linux signal_wake_up and signal_wake_up_state): SIGKILL ends a stop.
// A task running on another CPU sees the flag at its next kernel exit,
// which the reschedule IPI of kick_process brings at once. Called with
// t's siglock held.
func signal_wake_up(t *sched.Task_struct, fatal bool) {
	sched.Set_tsk_thread_flag(t, sched.TIF_SIGPENDING)
	state := uint32(sched.TASK_INTERRUPTIBLE)
	if fatal {
		t.Jobctl &^= sched.JOBCTL_STOPPED
		state |= sched.TASK_STOPPED
	}
	if !sched.Try_to_wake_up(t, state) {
		sched.Kick_process(t)
	}
}

// flush_sigqueue_mask removes the signals of mask from s (Linux
// flush_sigqueue_mask).
func flush_sigqueue_mask(mask uapi.Sigset_t, s *sched.Sigpending) {
	s.Signal &^= mask
	for p := &s.Queue; *p != nil; {
		if q := *p; sigismember(mask, int(q.Info.Si_signo)) {
			*p = q.Next
			sigqueue_free(q)
			continue
		}
		p = &(*p).Next
	}
}

// sigqueue_cachep holds the queued instances of real-time signals (Linux
// sigqueue_cachep); Sigqueue_count counts those queued now.
var (
	sigqueue_cachep slab.Cache[sched.Sigqueue]
	Sigqueue_count  int
)

// sigpending_over_limit: would one more pending real-time signal pass
// t's RLIMIT_SIGPENDING? Linux counts every pending signal that holds a
// siginfo, per user (__sigqueue_alloc: the new count must stay <= the
// limit); gokern counts those pending on the set it goes to: the
// signals marked there and the queued later instances.
func sigpending_over_limit(t *sched.Task_struct, pending *sched.Sigpending) bool {
	n := uint64(0)
	for s := pending.Signal; s != 0; s &= s - 1 {
		n++
	}
	for q := pending.Queue; q != nil; q = q.Next {
		n++
	}
	return n+1 > t.Rlim[uapi.RLIMIT_SIGPENDING].Rlim_cur
}

// sigqueue_alloc takes an entry for one more instance of a real-time
// signal, or nil when memory is short (GFP_ATOMIC: the siglock is held).
func sigqueue_alloc() *sched.Sigqueue {
	if sigqueue_cachep.Cachep == nil {
		return nil
	}
	q := sigqueue_cachep.Alloc(mm.GFP_ATOMIC)
	if q != nil {
		Sigqueue_count++
	}
	return q
}

func sigqueue_free(q *sched.Sigqueue) {
	Sigqueue_count--
	sigqueue_cachep.Free(q)
}

// Exit_sigqueues frees what t has queued at its exit (Linux
// flush_sigqueue in __exit_signal): its own queue, and its group's when
// it is the last of the group.
func Exit_sigqueues(t *sched.Task_struct, last bool) {
	flush_sigqueue_mask(^uapi.Sigset_t(0), &t.Pending)
	if last && t.Signal != nil {
		flush_sigqueue_mask(^uapi.Sigset_t(0), &t.Signal.Shared_pending)
	}
}

// prepare_signal does what a signal does on sending, before it is queued
// (Linux prepare_signal): a stop signal cancels a pending SIGCONT; SIGCONT
// cancels pending stops, ends a group stop in progress and resumes every
// stopped thread of the group; then whether t would ignore it.
func prepare_signal(sig int, t *sched.Task_struct, force bool) bool {
	sig_ := t.Signal
	if sig_.Flags&sched.SIGNAL_GROUP_EXIT != 0 {
		return sig == uapi.SIGKILL
	}
	switch {
	case sig_kernel_stop(sig):
		flush_sigqueue_mask(sigmask(uapi.SIGCONT), &sig_.Shared_pending)
		for_each_thread(t, func(u *sched.Task_struct) bool {
			flush_sigqueue_mask(sigmask(uapi.SIGCONT), &u.Pending)
			return true
		})
	case sig == uapi.SIGCONT:
		flush_sigqueue_mask(SIG_KERNEL_STOP_MASK, &sig_.Shared_pending)
		for_each_thread(t, func(u *sched.Task_struct) bool {
			flush_sigqueue_mask(SIG_KERNEL_STOP_MASK, &u.Pending)
			task_clear_jobctl_pending(u, sched.JOBCTL_STOP_PENDING)
			u.Jobctl &^= sched.JOBCTL_STOPPED
			sched.Try_to_wake_up(u, sched.TASK_STOPPED)
			return true
		})
		// The parent hears of it from the first thread back in
		// get_signal: CLD_CONTINUED if the group had stopped; if it
		// was still stopping, CLD_STOPPED, as if the stop had
		// finished and the CLD_CONTINUED after it were lost (SIGCHLD
		// does not queue).
		why := uint32(0)
		if sig_.Flags&sched.SIGNAL_STOP_STOPPED != 0 {
			why = sched.SIGNAL_CLD_CONTINUED
		} else if sig_.Group_stop_count != 0 {
			why = sched.SIGNAL_CLD_STOPPED
		}
		if why != 0 {
			signal_set_stop_flags(sig_, why|sched.SIGNAL_STOP_CONTINUED)
			sig_.Group_stop_count = 0
			sig_.Stop_unreported = false
			Continued_count++
		}
	}
	return !sig_ignored(t, sig, force)
}

// Continued_count counts stopped groups SIGCONT resumed.
var Continued_count uint64

// sig_fatal: sig's action, on arrival, is to kill the group (Linux
// sig_fatal).
func sig_fatal(t *sched.Task_struct, sig int) bool {
	handler := t.Sighand.Action[sig-1].Sa.Sa_handler
	return !sig_kernel_ignore(sig) && !sig_kernel_stop(sig) && handler == uapi.SIG_DFL
}

// wants_signal: t may take sig now (Linux wants_signal).
func wants_signal(sig int, t *sched.Task_struct) bool {
	if sigismember(t.Blocked, sig) || t.Flags&sched.PF_EXITING != 0 {
		return false
	}
	return sig == uapi.SIGKILL || t == sched.Get_current() || !sched.Task_signal_pending(t)
}

// complete_signal picks the thread that will take a queued signal and
// wakes it; a fatal one starts the group's death at once, every thread
// getting SIGKILL (Linux complete_signal).
func complete_signal(sig int, p *sched.Task_struct, shared bool) {
	t := p
	if shared && !wants_signal(sig, p) {
		t = nil
		for_each_thread(p, func(u *sched.Task_struct) bool {
			if wants_signal(sig, u) {
				t = u
				return false
			}
			return true
		})
		if t == nil {
			return // every thread blocks it: it waits in the shared set
		}
	}
	sig_ := p.Signal
	if sig_fatal(p, sig) && sig_.Flags&sched.SIGNAL_GROUP_EXIT == 0 && !sigismember(t.Real_blocked, sig) &&
		(sig == uapi.SIGKILL || !sigismember(t.Blocked, sig)) && sig_.Flags&sched.SIGNAL_UNKILLABLE == 0 {
		sig_.Flags = sched.SIGNAL_GROUP_EXIT
		sig_.Group_exit_code = int32(sig)
		sig_.Group_stop_count = 0
		for_each_thread(p, func(u *sched.Task_struct) bool {
			task_clear_jobctl_pending(u, sched.JOBCTL_PENDING_MASK)
			u.Pending.Signal |= sigmask(uapi.SIGKILL)
			signal_wake_up(u, true)
			return true
		})
		return
	}
	signal_wake_up(t, sig == uapi.SIGKILL)
}

// Sent_count counts signals queued, Delivered_count handlers set up.
var Sent_count, Delivered_count uint64

// send_signal_locked queues sig with info for t, or for its whole group
// when shared (Linux __send_signal_locked); a classic signal already
// pending is not queued twice. Called with t's siglock held.
func send_signal_locked(sig int, info *sched.Kernel_siginfo, t *sched.Task_struct, shared bool, force bool) int {
	if !prepare_signal(sig, t, force) {
		return 0
	}
	pending := &t.Pending
	if shared {
		pending = &t.Signal.Shared_pending
	}
	if sig >= uapi.SIGRTMIN && sigpending_over_limit(t, pending) {
		// Past RLIMIT_SIGPENDING Linux refuses a real-time signal sent
		// with the sender's own siginfo (rt_sigqueueinfo: -EAGAIN);
		// one from kill() still pends, without its siginfo, unless an
		// instance already does.
		if info.Si_code != uapi.SI_USER && info.Si_code != uapi.SI_KERNEL {
			return -uapi.EAGAIN
		}
		if sigismember(pending.Signal, sig) {
			return 0
		}
	} else if sigismember(pending.Signal, sig) {
		if sig < uapi.SIGRTMIN {
			return 0 // legacy_queue: one instance of a standard signal
		}
		// A real-time signal queues every instance, in order, with
		// its siginfo (sigqueue's si_value); out of memory, as past
		// the limit.
		q := sigqueue_alloc()
		if q == nil {
			if info.Si_code != uapi.SI_USER && info.Si_code != uapi.SI_KERNEL {
				return -uapi.EAGAIN
			}
			return 0
		}
		q.Next, q.Info = nil, *info
		p := &pending.Queue
		for *p != nil {
			p = &(*p).Next
		}
		*p = q
		Sent_count++
		complete_signal(sig, t, shared)
		return 0
	}
	pending.Info[sig-1] = *info
	pending.Signal |= sigmask(sig)
	Sent_count++
	complete_signal(sig, t, shared)
	return 0
}

// do_send_sig_info sends sig to t (a thread, or its group when shared)
// under its siglock (Linux do_send_sig_info).
func do_send_sig_info(sig int, info *sched.Kernel_siginfo, t *sched.Task_struct, shared bool) int {
	sh, flags := lock_task_sighand(t)
	r := send_signal_locked(sig, info, t, shared, false)
	unlock_task_sighand(sh, flags)
	return r
}

// Group_send_sig_info sends sig to t's thread group (Linux
// group_send_sig_info; no permission check: every task is root's).
func Group_send_sig_info(sig int, info *sched.Kernel_siginfo, t *sched.Task_struct) int {
	if r := check_kill_permission(sig, info, t); r != 0 {
		return r
	}
	if sig == 0 {
		return 0
	}
	return do_send_sig_info(sig, info, t, true)
}

// si_fromuser: the signal comes from a process's kill, tkill, sigqueue
// (si_code <= 0: SI_USER, SI_QUEUE, SI_TKILL...), not from the kernel
// (Linux si_fromuser).
func si_fromuser(info *sched.Kernel_siginfo) bool { return info == nil || info.Si_code <= 0 }

// CAP_KILL (include/uapi/linux/capability.h).
const CAP_KILL = 5

// kill_ok_by_cred: the sender's real or effective uid is the target's
// real or saved one, or it has CAP_KILL (Linux kill_ok_by_cred).
func kill_ok_by_cred(t *sched.Task_struct) bool {
	c, tc := &sched.Get_current().Cred, &t.Cred
	return c.Euid == tc.Suid || c.Euid == tc.Uid || c.Uid == tc.Suid || c.Uid == tc.Uid || sched.Capable(CAP_KILL)
}

// check_kill_permission: may the current task send sig to t (Linux
// check_kill_permission)? Kernel signals always; a process's only to a
// process its creds allow, or SIGCONT within its session. -EPERM
// otherwise.
func check_kill_permission(sig int, info *sched.Kernel_siginfo, t *sched.Task_struct) int {
	if !si_fromuser(info) {
		return 0
	}
	if kill_ok_by_cred(t) {
		return 0
	}
	if sig == uapi.SIGCONT {
		cur := sched.Get_current()
		Task_init_signal(cur)
		Task_init_signal(t)
		if cur.Signal.Session == t.Signal.Session {
			return 0
		}
	}
	return -uapi.EPERM
}

// force_sig_info_to_task sends a signal the task cannot refuse: a fault's.
// If it is blocked or ignored, the handler becomes SIG_DFL and the signal
// is unblocked, so that a fault inside its own handler kills (Linux
// force_sig_info_to_task).
func force_sig_info_to_task(info *sched.Kernel_siginfo, t *sched.Task_struct) int {
	sig := int(info.Si_signo)
	sh, flags := lock_task_sighand(t)
	action := &sh.Action[sig-1]
	ignored := action.Sa.Sa_handler == uapi.SIG_IGN
	blocked := sigismember(t.Blocked, sig)
	if blocked || ignored {
		action.Sa.Sa_handler = uapi.SIG_DFL
		if blocked {
			t.Blocked &^= sigmask(sig)
			recalc_sigpending_tsk(t)
		}
	}
	if action.Sa.Sa_handler == uapi.SIG_DFL {
		t.Signal.Flags &^= sched.SIGNAL_UNKILLABLE
	}
	r := send_signal_locked(sig, info, t, false, true)
	unlock_task_sighand(sh, flags)
	return r
}

// Force_sig sends sig from the kernel to the current task (Linux
// force_sig: SI_KERNEL).
func Force_sig(sig int) {
	info := sched.Kernel_siginfo{Si_signo: int32(sig), Si_code: uapi.SI_KERNEL}
	force_sig_info_to_task(&info, sched.Get_current())
}

// Force_sig_fault sends a fault's signal to the current task with the
// faulting address in si_addr (Linux force_sig_fault); trapnr, error_code
// and cr2 go to the sigcontext (Linux thread.trap_nr, error_code, cr2).
func Force_sig_fault(sig, code int, addr, trapnr, error_code, cr2 uint64) {
	t := sched.Get_current()
	t.Trap_nr, t.Error_code, t.Cr2 = trapnr, error_code, cr2
	info := sched.Kernel_siginfo{Si_signo: int32(sig), Si_code: int32(code)}
	info.Fields[0] = addr
	force_sig_info_to_task(&info, t)
}

// Unhandled_signal: the current task has no handler for sig, so a fault's
// signal will kill it (Linux unhandled_signal, which the fault paths ask
// before printing their line).
func Unhandled_signal(sig int) bool {
	t := sched.Get_current()
	if t == nil {
		return true
	}
	Task_init_signal(t)
	h := t.Sighand.Action[sig-1].Sa.Sa_handler
	return h == uapi.SIG_DFL || h == uapi.SIG_IGN
}

// signal_pending_current is sched.Hooks.Signal_pending: Linux
// signal_pending(current).
func signal_pending_current() bool {
	t := sched.Get_current()
	return t != nil && sched.Task_signal_pending(t)
}

// Fatal_signal_pending: SIGKILL is pending for current (Linux
// fatal_signal_pending).
func Fatal_signal_pending(t *sched.Task_struct) bool {
	return sched.Task_signal_pending(t) && sigismember(t.Pending.Signal, uapi.SIGKILL)
}

// next_signal: the lowest pending unblocked signal, the synchronous ones
// first (Linux next_signal); 0 for none.
func next_signal(pending *sched.Sigpending, mask uapi.Sigset_t) int {
	x := pending.Signal &^ mask
	if x == 0 {
		return 0
	}
	if y := x & SYNCHRONOUS_MASK; y != 0 {
		x = y
	}
	for sig := 1; sig <= uapi.NSIG; sig++ {
		if sigismember(x, sig) {
			return sig
		}
	}
	return 0
}

// dequeue_signal takes the next signal not in mask off t's own pending
// set, then off its group's (Linux dequeue_signal), with its siginfo.
func dequeue_signal(t *sched.Task_struct, mask uapi.Sigset_t, info *sched.Kernel_siginfo) int {
	pending := &t.Pending
	sig := next_signal(pending, mask)
	if sig == 0 {
		pending = &t.Signal.Shared_pending
		sig = next_signal(pending, mask)
		if sig == uapi.SIGALRM {
			itimer_real_rearm(t.Signal)
		}
	}
	if sig != 0 {
		*info = pending.Info[sig-1]
		pending.Signal &^= sigmask(sig)
		// The next queued instance of a real-time signal takes the
		// first's place, and the signal stays pending (Linux
		// collect_signal: still_pending).
		for p := &pending.Queue; *p != nil; p = &(*p).Next {
			if q := *p; int(q.Info.Si_signo) == sig {
				pending.Info[sig-1] = q.Info
				pending.Signal |= sigmask(sig)
				*p = q.Next
				sigqueue_free(q)
				break
			}
		}
	}
	if sig != 0 && info.Si_code == SI_TIMER {
		posixtimer_rearm(t, info)
	}
	recalc_sigpending(t)
	if sig != 0 && sig_kernel_stop(sig) {
		// A stop signal was taken: its stop is still to be made,
		// and a SIGCONT from now on cancels it by clearing this
		// (Linux dequeue_signal's JOBCTL_STOP_DEQUEUED).
		t.Jobctl |= sched.JOBCTL_STOP_DEQUEUED
	}
	return sig
}

// Ksignal is a signal about to be handled (Linux struct ksignal).
type Ksignal struct {
	Ka   sched.K_sigaction
	Info sched.Kernel_siginfo
	Sig  int
}

// Fatal_count counts groups killed by a signal's default action,
// Stopped_count groups stopped by one.
var Fatal_count, Stopped_count uint64

// Get_signal dequeues the current task's next signal and carries out its
// default action, until one has a handler: then it returns true with it
// in ksig (Linux get_signal). A fatal default never returns.
func Get_signal(ksig *Ksignal) bool {
	t := sched.Get_current()
relock:
	sh, flags := lock_task_sighand(t)
	if t.Signal.Flags&sched.SIGNAL_CLD_MASK != 0 {
		// A SIGCONT resumed the group (or cut its stop short): the
		// first thread back here tells the parent, SIGCHLD
		// CLD_CONTINUED (or CLD_STOPPED) unless SA_NOCLDSTOP.
		why := uapi.CLD_STOPPED
		if t.Signal.Flags&sched.SIGNAL_CLD_CONTINUED != 0 {
			why = uapi.CLD_CONTINUED
		}
		t.Signal.Flags &^= sched.SIGNAL_CLD_MASK
		unlock_task_sighand(sh, flags)
		notify_parent_cldstop(t, why)
		goto relock
	}
	for {
		if t.Signal.Flags&sched.SIGNAL_GROUP_EXIT != 0 {
			// The group is dying (a fatal signal, or another thread's
			// exit_group): go with it.
			code := int(t.Signal.Group_exit_code)
			unlock_task_sighand(sh, flags)
			group_exit(code)
			return false
		}
		if t.Jobctl&sched.JOBCTL_STOP_PENDING != 0 && do_signal_stop(t, 0, sh, flags) {
			// Another thread's stop signal stopped the group,
			// this thread with it, until SIGCONT or SIGKILL.
			goto relock
		}
		sig := dequeue_signal(t, t.Blocked, &ksig.Info)
		if sig == 0 {
			break
		}
		ka := &sh.Action[sig-1]
		if ka.Sa.Sa_handler == uapi.SIG_IGN {
			continue
		}
		if ka.Sa.Sa_handler != uapi.SIG_DFL {
			ksig.Ka, ksig.Sig = *ka, sig
			if ka.Sa.Sa_flags&uapi.SA_RESETHAND != 0 {
				ka.Sa.Sa_handler = uapi.SIG_DFL
			}
			unlock_task_sighand(sh, flags)
			return true
		}
		// The default action.
		if sig_kernel_ignore(sig) {
			continue
		}
		if t.Signal.Flags&sched.SIGNAL_UNKILLABLE != 0 && !sig_kernel_only(sig) {
			continue // init ignores what it does not handle
		}
		if sig_kernel_stop(sig) {
			// With the siglock still held since the dequeue: a
			// SIGCONT then comes either before it (and flushed the
			// stop) or after the task is TASK_STOPPED (and wakes
			// it). (Linux drops the lock here to ask
			// is_current_pgrp_orphaned for the tty's stop
			// signals; gokern does not drop job control signals
			// to orphaned process groups.)
			if do_signal_stop(t, sig, sh, flags) {
				goto relock
			}
			continue // the group is exiting
		}
		// Death: terminate, or core (Linux do_coredump; gokern writes
		// no core file, and neither does Linux with RLIMIT_CORE 0, the
		// default, so the exit code has no 0x80).
		// A thread killed by another's execve dies alone (Linux
		// do_group_exit's group_exec_task case): the group lives on.
		if s := t.Signal; s.Group_exec_task == nil || s.Group_exec_task == t {
			s.Flags = sched.SIGNAL_GROUP_EXIT
			s.Group_exit_code = int32(sig)
		}
		Fatal_count++
		unlock_task_sighand(sh, flags)
		group_exit(sig)
		return false
	}
	unlock_task_sighand(sh, flags)
	return false
}

// Zap_other_threads is exit_group's part in the signal layer (Linux
// do_group_exit's SIGNAL_GROUP_EXIT and zap_other_threads): the first
// exit of a group marks it dying with code and sends every other live
// thread SIGKILL, waking it from any interruptible sleep (a futex or
// epoll wait: the Go runtime's idle Ms), so each leaves through
// Get_signal's group-exit branch and the descriptors, memory and
// fs_struct they share are dropped by the last of them. A thread of a
// group already dying takes the group's code instead of its own, which
// it returns.
func Zap_other_threads(p *sched.Task_struct, code int) int {
	Task_init_signal(p)
	sh, flags := lock_task_sighand(p)
	switch {
	case p.Signal.Flags&sched.SIGNAL_GROUP_EXIT != 0:
		code = int(p.Signal.Group_exit_code)
	case p.Signal.Group_exec_task != nil && p.Signal.Group_exec_task != p:
		// Killed by another thread's execve (Linux do_group_exit:
		// exit code 0, and the exec'ing thread lives on).
		code = 0
	default:
		p.Signal.Flags = sched.SIGNAL_GROUP_EXIT
		p.Signal.Group_exit_code = int32(code)
		sigkill_other_threads(p)
	}
	unlock_task_sighand(sh, flags)
	return code
}

// Zapped_threads counts the threads an exit_group or execve killed.
var Zapped_threads uint64

// sigkill_other_threads gives every other live thread of p's group
// SIGKILL and wakes it from any interruptible sleep or a stop (the loop
// of Linux zap_other_threads), with p's siglock held; none of them takes
// part in a group stop any more.
func sigkill_other_threads(p *sched.Task_struct) {
	p.Signal.Group_stop_count = 0
	for_each_thread(p, func(u *sched.Task_struct) bool {
		if u != p {
			task_clear_jobctl_pending(u, sched.JOBCTL_PENDING_MASK)
		}
		if u != p && u.Exit_state == 0 {
			u.Pending.Signal |= sigmask(uapi.SIGKILL)
			signal_wake_up(u, true)
			Zapped_threads++
		}
		return true
	})
}

// group_exit ends the group through the process layer's do_group_exit.
func group_exit(code int) {
	if h := Hooks.Do_group_exit; h != nil {
		h(code)
	}
	printk.Pr_emerg("signal: no Do_group_exit hook to end pid %d with %#x\n", printk.Int(sched.Get_current().Pid), printk.Int(code))
	for {
		asm.Local_irq_disable()
		asm.Native_halt()
	}
}

// do_signal_stop stops the current task t, and with it its whole thread
// group, until SIGCONT or SIGKILL (Linux do_signal_stop). signr is the
// stop signal t dequeued, or 0 when t only takes part in a group stop
// another thread began. The first thread to stop begins the group stop:
// every other live thread not stopped yet gets JOBCTL_STOP_PENDING and a
// wake-up (signal_wake_up: an interruptible sleep ends with -ERESTARTSYS,
// a thread in user mode on another CPU is kicked), and
// group_stop_count counts them; each comes here from get_signal, counts
// itself off and stops; the last sets SIGNAL_STOP_STOPPED and tells the
// parent, once, SIGCHLD CLD_STOPPED (task_participate_group_stop). Before,
// only the thread that dequeued the signal stopped: the others ran on,
// and the parent heard of a stop the group had not made.
//
// It is called with t's siglock held (sh, flags), since get_signal's
// dequeue, and returns true with it dropped once t was stopped and has
// been woken, false with it held when there is no stop to make (the
// group is exiting or execing, or a SIGCONT came since the dequeue). The
// stop flag and TASK_STOPPED are set under that lock, which SIGCONT's
// prepare_signal also holds: SIGCONT either comes before (and cancels
// the stop) or finds the thread TASK_STOPPED (and wakes it). When the
// lock was dropped from the dequeue on, a SIGCONT sent at once after
// SIGSTOP could wake nobody and clear the flag after the stopper had
// checked it: the thread slept in TASK_STOPPED for good (os/exec's
// TestWaitid hung at -smp 4).
func do_signal_stop(t *sched.Task_struct, signr int, sh *sched.Sighand_struct, flags uint64) bool {
	sig := t.Signal
	if t.Jobctl&sched.JOBCTL_STOP_PENDING == 0 {
		const gstop = sched.JOBCTL_STOP_PENDING | sched.JOBCTL_STOP_CONSUME
		if t.Jobctl&sched.JOBCTL_STOP_DEQUEUED == 0 || sig.Flags&sched.SIGNAL_GROUP_EXIT != 0 || sig.Group_exec_task != nil {
			return false
		}
		// No group stop in progress: begin one. A group already
		// stopped keeps the signal it stopped with.
		if sig.Flags&sched.SIGNAL_STOP_STOPPED == 0 {
			sig.Group_stop_sig = int32(signr)
			sig.Stop_unreported = true
		}
		sig.Group_stop_count = 0
		if task_set_jobctl_pending(t, uint64(signr)|gstop) {
			sig.Group_stop_count++
		}
		for_each_thread(t, func(u *sched.Task_struct) bool {
			// A thread is made TASK_STOPPED only under the
			// siglock, so this look cannot race.
			if u != t && !task_is_stopped(u) && task_set_jobctl_pending(u, uint64(signr)|gstop) {
				sig.Group_stop_count++
				signal_wake_up(u, false)
			}
			return true
		})
	}
	notify := task_participate_group_stop(t)
	t.Jobctl |= sched.JOBCTL_STOPPED
	sched.Set_current_state(sched.TASK_STOPPED)
	unlock_task_sighand(sh, flags)
	if notify {
		// TASK_STOPPED already: a SIGCONT the parent sends on this
		// SIGCHLD wakes t even before it reaches schedule (Linux
		// notifies after set_special_state too).
		notify_parent_cldstop(t, uapi.CLD_STOPPED)
	}
	// Until SIGCONT or SIGKILL clears JOBCTL_STOPPED and wakes t: Linux
	// schedules once and trusts that nothing else wakes a TASK_STOPPED
	// task; gokern looks again, so that a stray wake-up cannot run a
	// stopped thread.
	for {
		sched.Schedule()
		sh, flags = lock_task_sighand(t)
		if t.Jobctl&sched.JOBCTL_STOPPED == 0 || Fatal_signal_pending(t) {
			t.Jobctl &^= sched.JOBCTL_STOPPED
			unlock_task_sighand(sh, flags)
			return true
		}
		sched.Set_current_state(sched.TASK_STOPPED)
		unlock_task_sighand(sh, flags)
	}
}

// task_is_stopped: t is stopped in a group stop (Linux task_is_stopped).
func task_is_stopped(t *sched.Task_struct) bool { return t.Jobctl&sched.JOBCTL_STOPPED != 0 }

// task_set_jobctl_pending sets mask in t's jobctl, unless t is dying or
// exiting (Linux task_set_jobctl_pending): false then. A stop signal in
// mask replaces the one there. Called with t's siglock held.
func task_set_jobctl_pending(t *sched.Task_struct, mask uint64) bool {
	if Fatal_signal_pending(t) || t.Flags&sched.PF_EXITING != 0 {
		return false
	}
	if mask&sched.JOBCTL_STOP_SIGMASK != 0 {
		t.Jobctl &^= sched.JOBCTL_STOP_SIGMASK
	}
	t.Jobctl |= mask
	return true
}

// task_clear_jobctl_pending clears mask from t's jobctl; clearing
// JOBCTL_STOP_PENDING clears its CONSUME and DEQUEUED too (Linux
// task_clear_jobctl_pending). Called with t's siglock held.
func task_clear_jobctl_pending(t *sched.Task_struct, mask uint64) {
	if mask&sched.JOBCTL_STOP_PENDING != 0 {
		mask |= sched.JOBCTL_STOP_CONSUME | sched.JOBCTL_STOP_DEQUEUED
	}
	t.Jobctl &^= mask
}

// task_participate_group_stop: t stops (or exits) for the group stop it
// has pending and counts itself off; true when it was the last, the
// group is now stopped and the parent is to be told (Linux
// task_participate_group_stop). Called with t's siglock held.
func task_participate_group_stop(t *sched.Task_struct) bool {
	sig := t.Signal
	consume := t.Jobctl&sched.JOBCTL_STOP_CONSUME != 0
	task_clear_jobctl_pending(t, sched.JOBCTL_STOP_PENDING)
	if !consume {
		return false
	}
	if sig.Group_stop_count > 0 {
		sig.Group_stop_count--
	}
	if sig.Group_stop_count == 0 && sig.Flags&sched.SIGNAL_STOP_STOPPED == 0 {
		signal_set_stop_flags(sig, sched.SIGNAL_STOP_STOPPED)
		Stopped_count++
		return true
	}
	return false
}

// signal_set_stop_flags replaces the group's stop state (Linux
// signal_set_stop_flags).
func signal_set_stop_flags(sig *sched.Signal_struct, flags uint32) {
	sig.Flags = sig.Flags&^sched.SIGNAL_STOP_MASK | flags
}

// Exit_signals marks the exiting t PF_EXITING under the siglock, so that
// from now on no group signal is given to it and no group stop waits for
// it; passes the group's pending signals t was chosen for, and will not
// take now, to threads that can (retarget_shared_pending); and, if a
// group stop was waiting for t, counts t off it: when t was the last,
// the group is stopped and the parent told (Linux exit_signals, at the
// top of do_exit). Without the count a thread that exited during a group
// stop was never counted, and the group never stopped.
func Exit_signals(t *sched.Task_struct) {
	Task_init_signal(t)
	sh, flags := lock_task_sighand(t)
	t.Flags |= sched.PF_EXITING
	notify := false
	if t.Signal.Flags&sched.SIGNAL_GROUP_EXIT == 0 && sched.Task_signal_pending(t) && !thread_group_empty(t) {
		retarget_shared_pending(t, ^t.Blocked)
		if t.Jobctl&sched.JOBCTL_STOP_PENDING != 0 {
			notify = task_participate_group_stop(t)
		}
	}
	unlock_task_sighand(sh, flags)
	if notify {
		notify_parent_cldstop(t, uapi.CLD_STOPPED)
	}
}

// Kernel_siginfo_chld fills a SIGCHLD siginfo (si_pid, si_uid, si_status
// at their siginfo_t offsets 16, 20 and 24).
func kernel_siginfo_chld(info *sched.Kernel_siginfo, pid int32, code int, status int32) {
	*info = sched.Kernel_siginfo{Si_signo: uapi.SIGCHLD, Si_code: int32(code)}
	info.Fields[0] = uint64(uint32(pid))
	info.Fields[1] = uint64(uint32(status))
}

// Do_notify_parent tells tsk's parent that it died (Linux
// do_notify_parent): SIGCHLD (or the exit signal sig) with CLD_EXITED and
// the status, or CLD_KILLED / CLD_DUMPED and the signal, from tsk's
// Linux exit code (status << 8, or the signal | 0x80 for a core). It
// returns true when the parent does not want zombies (SIGCHLD ignored or
// SA_NOCLDWAIT): then the caller reaps tsk itself (Linux autoreap).
func Do_notify_parent(tsk *sched.Task_struct, sig int) bool {
	parent := tsk.Parent
	if parent == nil || sig == 0 {
		return false
	}
	code := int(tsk.Exit_code)
	var info sched.Kernel_siginfo
	switch {
	case code&0x7f == 0:
		kernel_siginfo_chld(&info, task_tgid(tsk), uapi.CLD_EXITED, int32(code>>8))
	case code&0x80 != 0:
		kernel_siginfo_chld(&info, task_tgid(tsk), uapi.CLD_DUMPED, int32(code&0x7f))
	default:
		kernel_siginfo_chld(&info, task_tgid(tsk), uapi.CLD_KILLED, int32(code&0x7f))
	}
	info.Si_signo = int32(sig)
	sh, flags := lock_task_sighand(parent)
	autoreap := false
	psig := &sh.Action[uapi.SIGCHLD-1].Sa
	if sig == uapi.SIGCHLD && (psig.Sa_handler == uapi.SIG_IGN || psig.Sa_flags&uapi.SA_NOCLDWAIT != 0) {
		autoreap = true
		if psig.Sa_handler == uapi.SIG_IGN {
			sig = 0
		}
	}
	if sig != 0 && valid_signal(sig) {
		send_signal_locked(sig, &info, parent, true, false)
	}
	unlock_task_sighand(sh, flags)
	return autoreap
}

// notify_parent_cldstop is do_notify_parent_cldstop under
// tasklist_lock, as Linux's callers take it (read_lock(&tasklist_lock)):
// the parent is read, signalled and woken while no exit can reparent
// tsk's group or release the parent. Called without tsk's siglock
// (tasklist_lock comes first).
func notify_parent_cldstop(tsk *sched.Task_struct, why int) {
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	do_notify_parent_cldstop(tsk, why)
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
}

// do_notify_parent_cldstop sends the parent of tsk's group SIGCHLD for a
// stop or a continue, unless it asked not to (SA_NOCLDSTOP), and wakes
// its wait (Linux do_notify_parent_cldstop, for_ptracer false: the
// group leader's real parent). Called with Tasklist_lock held.
func do_notify_parent_cldstop(tsk *sched.Task_struct, why int) {
	if l := tsk.Group_leader; l != nil {
		tsk = l
	}
	parent := tsk.Real_parent
	if parent == nil || parent.Pid == 0 || parent.Flags&sched.PF_KTHREAD != 0 {
		return
	}
	Task_init_signal(parent)
	var info sched.Kernel_siginfo
	kernel_siginfo_chld(&info, task_tgid(tsk), why, tsk.Signal.Group_stop_sig)
	if why == uapi.CLD_CONTINUED {
		info.Fields[1] = uapi.SIGCONT
	}
	sh, flags := lock_task_sighand(parent)
	if a := &sh.Action[uapi.SIGCHLD-1].Sa; a.Sa_handler != uapi.SIG_IGN && a.Sa_flags&uapi.SA_NOCLDSTOP == 0 {
		send_signal_locked(uapi.SIGCHLD, &info, parent, true, false)
	}
	unlock_task_sighand(sh, flags)
	// A wait4(WUNTRACED) sleeps whether or not SIGCHLD is delivered
	// (Linux __wake_up_parent), on the queue of the parent's group
	// leader, which every thread's wait uses.
	q := &parent.Wait_chldexit
	if l := parent.Group_leader; l != nil {
		q = &l.Wait_chldexit
	}
	sched.Wake_up_interruptible(q)
}

// Flush_signal_handlers resets every handled signal to SIG_DFL, keeping
// SIG_IGN, as execve does (Linux flush_signal_handlers with
// force_default false), and drops the alternate stack.
func Flush_signal_handlers(t *sched.Task_struct) {
	Task_init_signal(t)
	for i := range t.Sighand.Action {
		ka := &t.Sighand.Action[i].Sa
		if ka.Sa_handler != uapi.SIG_IGN {
			ka.Sa_handler = uapi.SIG_DFL
		}
		ka.Sa_flags, ka.Sa_restorer, ka.Sa_mask = 0, 0, 0
	}
	t.Sas_ss_sp, t.Sas_ss_size, t.Sas_ss_flags = 0, 0, uapi.SS_DISABLE
}

// Copy_sighand gives a new process (fork) a copy of its parent's
// handlers and mask, and nothing pending (Linux copy_sighand, and
// copy_process's sigemptyset(&p->pending)); a new thread (CLONE_SIGHAND |
// CLONE_THREAD) shares its leader's instead.
func Copy_sighand(parent, child *sched.Task_struct, thread bool) {
	Task_init_signal(parent)
	child.Pending = sched.Sigpending{}
	child.Jobctl = 0 // copy_process joins a thread to its group's stop
	child.Blocked = parent.Blocked
	child.Real_blocked, child.Saved_sigmask, child.Restore_sigmask = 0, 0, false
	child.Sas_ss_sp, child.Sas_ss_size, child.Sas_ss_flags = parent.Sas_ss_sp, parent.Sas_ss_size, parent.Sas_ss_flags
	sched.Clear_tsk_thread_flag(child, sched.TIF_SIGPENDING)
	if thread {
		child.Signal, child.Sighand = parent.Signal, parent.Sighand
		// Linux: a new thread has no alternate stack (CLONE_VM).
		child.Sas_ss_sp, child.Sas_ss_size, child.Sas_ss_flags = 0, 0, uapi.SS_DISABLE
		return
	}
	child.Sighand, child.Signal = nil, nil
	Task_init_signal(child)
	child.Sighand.Action = parent.Sighand.Action
	child.Signal.Shared_pending = sched.Sigpending{}
	child.Signal.Flags = 0
	// The process group, the session and its terminal are inherited
	// (Linux copy_signal, init_task_pid); leading the session is not.
	child.Signal.Pgrp, child.Signal.Session = parent.Signal.Pgrp, parent.Signal.Session
	child.Signal.Tty, child.Signal.Leader = parent.Signal.Tty, false
	// A new process is nobody's exec in progress and no subreaper, but
	// knows whether an ancestor is one (Linux copy_signal).
	child.Signal.Group_exec_task, child.Signal.Is_child_subreaper = nil, false
	child.Signal.Has_child_subreaper = parent.Signal.Has_child_subreaper || parent.Signal.Is_child_subreaper
	// Its CPU clocks start at 0 and no interval timer is inherited
	// (Linux's new signal_struct is zeroed; setitimer(2): "A child
	// created via fork(2) does not inherit its parent's interval timers").
	child.Signal.Cputime_prof, child.Signal.Cputime_virt = 0, 0
	child.Signal.Cutime, child.Signal.Cstime = 0, 0
	child.Signal.It = [2]sched.Cpu_itimer{}
}

// Begin_group_exec is de_thread's start in the signal layer (Linux
// de_thread's group_exec_task and zap_other_threads): unless the group
// is already exiting or another thread is in execve, tsk becomes the
// group's exec task and every other live thread gets SIGKILL, which
// each takes as a thread's death (Zap_other_threads' exec case). False:
// the group is dying and the exec must fail (-EAGAIN).
func Begin_group_exec(tsk *sched.Task_struct) bool {
	sh, flags := lock_task_sighand(tsk)
	s := tsk.Signal
	if s.Flags&sched.SIGNAL_GROUP_EXIT != 0 || s.Group_exec_task != nil {
		unlock_task_sighand(sh, flags)
		return false
	}
	s.Group_exec_task = tsk
	sigkill_other_threads(tsk)
	unlock_task_sighand(sh, flags)
	return true
}

// End_group_exec ends de_thread in the signal layer: the group has no
// exec task any more (Linux sig->group_exec_task = NULL), and, when
// leader is not nil, tsk has taken the dead leader's place, so the
// group's signal_struct and sighand, which gokern keeps inside the
// leader's task_struct, move into tsk's (Linux shares one allocation
// and needs no move); the leader's point there too until it is freed.
func End_group_exec(tsk, leader *sched.Task_struct) {
	if leader != nil {
		// The POSIX timers go with the exec (Exit_itimers_exec);
		// those of the whole process point at the leader that goes.
		exit_posix_timers(tsk)
	}
	var sh *sched.Sighand_struct
	var flags, real_expires uint64
	real_queued := false
	for {
		sh, flags = lock_task_sighand(tsk)
		if leader == nil || ownsSignalStruct(tsk) {
			break
		}
		// ITIMER_REAL survives the exec: its timer, queued in the
		// signal_struct that moves, is taken off its list here and
		// started again from the new place, at the same time.
		h := &tsk.Signal.Real_timer
		r := ktime.Hrtimer_try_to_cancel(h)
		if r >= 0 {
			real_queued, real_expires = r == 1, h.Expires
			break
		}
		unlock_task_sighand(sh, flags)
		ktime.Hrtimer_cancel_wait_running(h)
	}
	tsk.Signal.Group_exec_task = nil
	if leader != nil && !ownsSignalStruct(tsk) {
		tsk.Sig_storage.Signal = *tsk.Signal
		if tsk.Sig_storage.Signal.Real_timer.Function != nil {
			ktime.Hrtimer_init(&tsk.Sig_storage.Signal.Real_timer, it_real_fn)
			if real_queued {
				ktime.Hrtimer_start(&tsk.Sig_storage.Signal.Real_timer, real_expires)
			}
		}
		tsk.Sig_storage.Sighand.Action = tsk.Sighand.Action
		tsk.Sig_storage.Sighand.Siglock.Owner_cpu = -1
		tsk.Sig_storage.Sighand.Siglock.Name = "sighand->siglock"
		tsk.Signal, tsk.Sighand = &tsk.Sig_storage.Signal, &tsk.Sig_storage.Sighand
		leader.Signal, leader.Sighand = tsk.Signal, tsk.Sighand
	}
	unlock_task_sighand(sh, flags)
}

// Set_init_unkillable marks t's group as init's (Linux's
// SIGNAL_UNKILLABLE, set for the child reaper).
func Set_init_unkillable(t *sched.Task_struct) {
	Task_init_signal(t)
	t.Signal.Flags |= sched.SIGNAL_UNKILLABLE
}

// set_current_blocked sets the mask, never blocking SIGKILL or SIGSTOP
// (Linux set_current_blocked → __set_task_blocked). A group signal this
// thread was chosen for (complete_signal woke it) and now blocks goes to
// a thread that can take it (retarget_shared_pending).
func set_current_blocked(t *sched.Task_struct, newset uapi.Sigset_t) {
	sh, flags := lock_task_sighand(t)
	newset &^= SIG_KERNEL_ONLY_MASK
	if sched.Task_signal_pending(t) && !thread_group_empty(t) {
		retarget_shared_pending(t, newset&^t.Blocked)
	}
	t.Blocked = newset
	recalc_sigpending(t)
	unlock_task_sighand(sh, flags)
}

// thread_group_empty: t is its group's only live thread (Linux
// thread_group_empty), with the siglock held.
func thread_group_empty(t *sched.Task_struct) bool {
	n := 0
	for_each_thread(t, func(u *sched.Task_struct) bool {
		n++
		return n < 2
	})
	return n < 2
}

// retarget_shared_pending: t, with the siglock held, will not take the
// group's pending signals of which (it is exiting, or now blocks them);
// each goes to another thread that can take it, woken unless it already
// has a signal to look at (Linux retarget_shared_pending). complete_signal
// chose and woke only t for them: without this they waited in the shared
// set while threads that could take them slept on, until one of those
// looked again by itself (its own sigprocmask), maybe never. user/retarget
// shows both: a SIGUSR1 the leader was chosen for in a vfork wait, before
// another thread's execve killed it, was still pending, never delivered,
// in the exec'd program; a SIGUSR2 blocked by the leader's SIGUSR1 handler
// waited for the handler's end instead of going to the other thread.
func retarget_shared_pending(t *sched.Task_struct, which uapi.Sigset_t) {
	retarget := t.Signal.Shared_pending.Signal & which
	if retarget == 0 {
		return
	}
	for_each_thread(t, func(u *sched.Task_struct) bool {
		if u == t || u.Flags&sched.PF_EXITING != 0 || retarget&^u.Blocked == 0 {
			return true
		}
		// The signals u can take are u's now.
		retarget &= u.Blocked
		if !sched.Task_signal_pending(u) {
			signal_wake_up(u, false)
		}
		Retargeted_count++
		return retarget != 0
	})
}

// Retargeted_count counts the threads retarget_shared_pending gave signals.
var Retargeted_count uint64

// Kill_pgrp sends sig to every process of process group pgrp (Linux
// kill_pgrp; the tty's ^C and ^\ come here from the receive interrupt).
// It returns -ESRCH when the group is empty.
func Kill_pgrp(pgrp int, sig int) {
	info := sched.Kernel_siginfo{Si_signo: int32(sig), Si_code: uapi.SI_KERNEL}
	__kill_pgrp_info(sig, &info, int32(pgrp))
}

// __kill_pgrp_info sends sig to every process of group pgrp (Linux
// __kill_pgrp_info): 0 when one member got it, else the last member's
// error (-ESRCH for an empty group).
func __kill_pgrp_info(sig int, info *sched.Kernel_siginfo, pgrp int32) int {
	ret, success := -uapi.ESRCH, false
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	sched.For_each_process(func(t *sched.Task_struct) bool {
		if !user_task(t) {
			return true
		}
		Task_init_signal(t)
		if t.Signal.Pgrp == pgrp && ownsSignalStruct(t) {
			ret = Group_send_sig_info(sig, info, t)
			success = success || ret == 0
		}
		return true
	})
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	if success {
		return 0
	}
	return ret
}

// ownsSignalStruct: t keeps its group's signal_struct in its own
// task_struct, which only the group's leader does (what Linux asks of
// thread_group_leader here; sched.Thread_group_leader answers from
// Group_leader, set for threads only by clone).
func ownsSignalStruct(t *sched.Task_struct) bool { return t.Signal == &t.Sig_storage.Signal }

// Is_ignored is the tty's hook: the current task ignores or blocks sig
// (Linux is_ignored in drivers/tty/tty_jobctrl.c).
func Is_ignored(sig int) bool {
	t := sched.Get_current()
	Task_init_signal(t)
	return sigismember(t.Blocked, sig) || t.Sighand.Action[sig-1].Sa.Sa_handler == uapi.SIG_IGN
}

// user_task: t is a process, not a kernel thread or the idle task.
// Kernel threads take no signals (Linux's kthreads ignore them all);
// kernel_init is one until its execve of /init.
func user_task(t *sched.Task_struct) bool {
	return t != nil && t.Pid != 0 && t.Flags&sched.PF_KTHREAD == 0 && t.Exit_state == 0
}

// find_task_by_vpid finds a live process's task by pid (Linux
// find_task_by_vpid), with Tasklist_lock held across the caller's use of
// it (Linux's callers hold rcu_read_lock): the task cannot be released
// and freed meanwhile, nor can its group's leader, whose task_struct
// holds the group's signal state.
func find_task_by_vpid(pid int32) *sched.Task_struct {
	if t := sched.Find_task_by_pid(pid); user_task(t) {
		return t
	}
	return nil
}

// find_get_task_by_vpid is find_task_by_vpid with a reference taken, for
// a caller that cannot hold Tasklist_lock (it copies from user memory, or
// walks the task list itself); Put_task_struct when done.
func find_get_task_by_vpid(pid int32) *sched.Task_struct {
	t := sched.Find_get_task_by_pid(pid)
	if t != nil && !user_task(t) {
		sched.Put_task_struct(t)
		t = nil
	}
	return t
}

// addr_of is a pointer's address, for copying to and from user space.
func addr_of[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }
