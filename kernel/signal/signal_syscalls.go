package signal

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm/slab"
	"gokern/traps"
)

// The signal system calls: Linux kernel/signal.c's SYSCALL_DEFINEs (kill,
// tgkill, tkill, rt_sigaction, rt_sigprocmask, rt_sigpending,
// sigaltstack, pause, rt_sigsuspend), numbered as syscall_64.tbl and
// syscall_32.tbl. rt_sigreturn is the architecture's (signal_64.go).

// x86-64 numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	X__NR_rt_sigaction      = 13
	X__NR_rt_sigprocmask    = 14
	X__NR_rt_sigreturn      = 15
	X__NR_pause             = 34
	X__NR_kill              = 62
	X__NR_rt_sigpending     = 127
	X__NR_rt_sigsuspend     = 130
	X__NR_sigaltstack       = 131
	X__NR_tkill             = 200
	X__NR_tgkill            = 234
	X__NR_restart_syscall   = 219
	X__NR_rt_sigqueueinfo   = 129
	X__NR_rt_tgsigqueueinfo = 297
)

// i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl): kill takes two
// plain integers, the same in both conventions; restart_syscall none.
const (
	X__NR_ia32_kill            = 37
	X__NR_ia32_restart_syscall = 0
)

// sys_restart_syscall goes on with the call a signal interrupted (Linux
// kernel/signal.c): the signal code sent the task back here instead of
// to user mode when the call returned -ERESTART_RESTARTBLOCK and no
// handler ran. Without a restart function (do_no_restart_syscall) it is
// -EINTR; the function is used once.
func sys_restart_syscall(r *asm.PtRegs) int64 {
	rb := &sched.Get_current().Restart_block
	fn := rb.Fn
	rb.Fn = nil
	if fn == nil {
		return -uapi.EINTR
	}
	return fn(rb)
}

// Signals_init puts the signal system calls into the tables, the
// hooks into the entry code, the fault paths and the tty, and marks init
// unkillable (called once at boot, before any user program runs).
func Signals_init() {
	for _, s := range [...]struct {
		nr uint64
		fn traps.Sys_call_ptr_t
	}{
		{X__NR_rt_sigaction, sys_rt_sigaction},
		{X__NR_rt_sigprocmask, sys_rt_sigprocmask},
		{X__NR_rt_sigreturn, sys_rt_sigreturn},
		{X__NR_pause, sys_pause},
		{X__NR_kill, sys_kill},
		{X__NR_rt_sigpending, sys_rt_sigpending},
		{X__NR_rt_sigsuspend, sys_rt_sigsuspend},
		{X__NR_sigaltstack, sys_sigaltstack},
		{X__NR_tkill, sys_tkill},
		{X__NR_tgkill, sys_tgkill},
		{X__NR_restart_syscall, sys_restart_syscall},
		{X__NR_rt_sigqueueinfo, sys_rt_sigqueueinfo},
		{X__NR_rt_tgsigqueueinfo, sys_rt_tgsigqueueinfo},
		{X__NR_getitimer, sys_getitimer},
		{X__NR_setitimer, sys_setitimer},
		{X__NR_alarm, sys_alarm},
		{X__NR_timer_create, sys_timer_create},
		{X__NR_timer_settime, sys_timer_settime},
		{X__NR_timer_gettime, sys_timer_gettime},
		{X__NR_timer_getoverrun, sys_timer_getoverrun},
		{X__NR_timer_delete, sys_timer_delete},
	} {
		traps.Sys_call_table[s.nr] = s.fn
	}
	traps.Ia32_sys_call_table[X__NR_ia32_kill] = sys_kill_ia32
	traps.Ia32_sys_call_table[X__NR_ia32_restart_syscall] = sys_restart_syscall
	sigqueue_cachep = slab.NewCache[sched.Sigqueue]("sigqueue", 0)
	posix_timers_init()
	sched.Hooks.Signal_pending = signal_pending_current
	ktime.Run_posix_cpu_timers_hook = run_posix_cpu_timers
	entry_hooks_init()
	jobctrl_init()
	// The caller is kernel_init, pid 1, about to become /init: Linux's
	// child reaper, which signals from user space cannot kill.
	if c := sched.Get_current(); c != nil && c.Pid == 1 {
		Set_init_unkillable(c)
	}
}

// Send_sig sends sig to t's process from the kernel on the current
// task's behalf (Linux send_sig(sig, p, 0): SEND_SIG_NOINFO, so SI_USER
// with the current pid; to the thread group, PIDTYPE_TGID; no
// permission check). A pipe's writer with no reader gets SIGPIPE so
// (kernel/exec points fs.Send_sig_current here): its default action
// ends the writer before it sees -EPIPE, as `yes | head -1` expects.
func Send_sig(sig int, t *sched.Task_struct) int {
	info := prepare_kill_siginfo(sig, uapi.SI_USER)
	return do_send_sig_info(sig, &info, t, true)
}

// The x86-64 arguments: RDI, RSI, RDX, R10.
func a1(r *asm.PtRegs) uint64 { return r.DI }
func a2(r *asm.PtRegs) uint64 { return r.SI }
func a3(r *asm.PtRegs) uint64 { return r.DX }
func a4(r *asm.PtRegs) uint64 { return r.R10 }

// copy_from_user and copy_to_user of a typed value: false if it faulted.
func copy_in[T any](v *T, from uint64) bool {
	return asm.Copy_from_user(addr_of(v), uintptr(from), unsafe.Sizeof(*v)) == 0
}

func copy_out[T any](to uint64, v *T) bool {
	return asm.Copy_to_user(uintptr(to), addr_of(v), unsafe.Sizeof(*v)) == 0
}

// prepare_kill_siginfo: a signal from kill(2), SI_USER with the sender
// (Linux prepare_kill_siginfo; si_uid is 0: everyone is root).
func prepare_kill_siginfo(sig int, code int) sched.Kernel_siginfo {
	info := sched.Kernel_siginfo{Si_signo: int32(sig), Si_code: int32(code)}
	if c := sched.Get_current(); c != nil {
		info.Fields[0] = uint64(uint32(task_tgid(c)))
	}
	return info
}

// kill_something_info is kill(pid, sig) (Linux kill_something_info): pid >
// 0 that process; 0 the caller's process group; -1 every process but init
// and the caller; < -1 the process group -pid.
func kill_something_info(sig int, info *sched.Kernel_siginfo, pid int32) int {
	cur := sched.Get_current()
	Task_init_signal(cur)
	switch {
	case pid > 0:
		// A zombie not reaped yet answers too (send_if_alive).
		ret := -uapi.ESRCH
		flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
		if t := sched.Find_task_by_pid(pid); t != nil && t.Pid != 0 && t.Flags&sched.PF_KTHREAD == 0 {
			ret = Group_send_sig_info(sig, info, t)
		}
		sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
		return ret
	case pid == 0:
		return __kill_pgrp_info(sig, info, cur.Signal.Pgrp)
	case pid == -1:
		// Under tasklist_lock, as Linux's: a fork either linked its
		// child before this walk (which then kills it) or finds its
		// caller's SIGKILL when it takes the lock (copy_process).
		ret, count := 0, 0
		flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
		sched.For_each_process(func(t *sched.Task_struct) bool {
			if user_task(t) && t.Tgid > 1 && !same_thread_group(t, cur) && ownsSignalStruct(t) {
				// Linux: a process the caller may not signal
				// counts but leaves the result alone.
				count++
				if r := Group_send_sig_info(sig, info, t); r != -uapi.EPERM {
					ret = r
				}
			}
			return true
		})
		sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
		if count == 0 {
			return -uapi.ESRCH
		}
		return ret
	}
	return __kill_pgrp_info(sig, info, -pid)
}

// sys_kill: kill(pid, sig).
func sys_kill(r *asm.PtRegs) int64 {
	return do_kill(int32(a1(r)), int(int32(a2(r))))
}

// sys_kill_ia32: i386 kill(pid, sig) in EBX, ECX.
func sys_kill_ia32(r *asm.PtRegs) int64 {
	return do_kill(int32(r.BX), int(int32(r.CX)))
}

func do_kill(pid int32, sig int) int64 {
	if !valid_signal(sig) {
		return -uapi.EINVAL
	}
	info := prepare_kill_siginfo(sig, uapi.SI_USER)
	return int64(kill_something_info(sig, &info, pid))
}

// do_tkill sends sig to the thread pid, which must belong to tgid when
// tgid > 0 (Linux do_tkill → do_send_specific), under Tasklist_lock: the
// Go runtime's preemption tgkills threads that may be exiting on another
// CPU, and the thread must not be freed between the lookup and the send.
func do_tkill(tgid, pid int32, sig int) int64 {
	if pid <= 0 || !valid_signal(sig) {
		return -uapi.EINVAL
	}
	info := prepare_kill_siginfo(sig, uapi.SI_TKILL)
	ret := int64(-uapi.ESRCH)
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	if t := find_task_by_vpid(pid); t != nil && (tgid <= 0 || task_tgid(t) == tgid) {
		ret = 0
		if sig != 0 {
			ret = int64(do_send_sig_info(sig, &info, t, false))
		}
	}
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return ret
}

// sys_tgkill: tgkill(tgid, tid, sig), the Go runtime's preemption signal
// (SIGURG) comes this way.
func sys_tgkill(r *asm.PtRegs) int64 {
	tgid := int32(a1(r))
	if tgid <= 0 {
		return -uapi.EINVAL
	}
	return do_tkill(tgid, int32(a2(r)), int(int32(a3(r))))
}

// sys_tkill: tkill(tid, sig).
func sys_tkill(r *asm.PtRegs) int64 {
	return do_tkill(0, int32(a1(r)), int(int32(a2(r))))
}

// UAPI_SA_FLAGS: the flags rt_sigaction keeps; any other bit is cleared,
// so that a program can probe for a flag by reading it back (Linux 5.11+).
const UAPI_SA_FLAGS = uapi.SA_NOCLDSTOP | uapi.SA_NOCLDWAIT | uapi.SA_SIGINFO | uapi.SA_ONSTACK | uapi.SA_RESTART |
	uapi.SA_NODEFER | uapi.SA_RESETHAND | uapi.SA_EXPOSE_TAGBITS | uapi.SA_RESTORER

// Do_sigaction sets and/or reads sig's disposition (Linux do_sigaction):
// -EINVAL for a bad signal or a handler for SIGKILL or SIGSTOP. Setting a
// disposition that ignores sig drops it from every pending set of the
// group.
func Do_sigaction(sig int, act, oact *uapi.Sigaction) int {
	t := sched.Get_current()
	if sig < 1 || sig > uapi.NSIG || act != nil && sig_kernel_only(sig) {
		return -uapi.EINVAL
	}
	sh, flags := lock_task_sighand(t)
	k := &sh.Action[sig-1]
	if oact != nil {
		*oact = k.Sa
	}
	if act != nil {
		k.Sa = *act
		k.Sa.Sa_flags &= UAPI_SA_FLAGS
		k.Sa.Sa_mask &^= SIG_KERNEL_ONLY_MASK
		if sig_handler_ignored(k.Sa.Sa_handler, sig) {
			flush_sigqueue_mask(sigmask(sig), &t.Signal.Shared_pending)
			for_each_thread(t, func(u *sched.Task_struct) bool {
				flush_sigqueue_mask(sigmask(sig), &u.Pending)
				return true
			})
			recalc_sigpending(t)
		}
	}
	unlock_task_sighand(sh, flags)
	return 0
}

// sys_rt_sigaction: rt_sigaction(sig, act, oact, sigsetsize).
func sys_rt_sigaction(r *asm.PtRegs) int64 {
	if a4(r) != 8 {
		return -uapi.EINVAL
	}
	var act, oact uapi.Sigaction
	pact, poact := (*uapi.Sigaction)(nil), (*uapi.Sigaction)(nil)
	if a2(r) != 0 {
		if !copy_in(&act, a2(r)) {
			return -uapi.EFAULT
		}
		pact = &act
	}
	if a3(r) != 0 {
		poact = &oact
	}
	if ret := Do_sigaction(int(int32(a1(r))), pact, poact); ret != 0 {
		return int64(ret)
	}
	if poact != nil && !copy_out(a3(r), poact) {
		return -uapi.EFAULT
	}
	return 0
}

// Sigprocmask changes the current task's mask (Linux sigprocmask).
func Sigprocmask(how int, set uapi.Sigset_t, oldset *uapi.Sigset_t) int {
	t := sched.Get_current()
	Task_init_signal(t)
	if oldset != nil {
		*oldset = t.Blocked
	}
	var newset uapi.Sigset_t
	switch how {
	case uapi.SIG_BLOCK:
		newset = t.Blocked | set
	case uapi.SIG_UNBLOCK:
		newset = t.Blocked &^ set
	case uapi.SIG_SETMASK:
		newset = set
	default:
		return -uapi.EINVAL
	}
	set_current_blocked(t, newset)
	return 0
}

// sys_rt_sigprocmask: rt_sigprocmask(how, set, oset, sigsetsize).
func sys_rt_sigprocmask(r *asm.PtRegs) int64 {
	if a4(r) != 8 {
		return -uapi.EINVAL
	}
	t := sched.Get_current()
	Task_init_signal(t)
	old := t.Blocked
	if a2(r) != 0 {
		var set uapi.Sigset_t
		if !copy_in(&set, a2(r)) {
			return -uapi.EFAULT
		}
		if ret := Sigprocmask(int(int32(a1(r))), set, nil); ret != 0 {
			return int64(ret)
		}
	}
	if a3(r) != 0 && !copy_out(a3(r), &old) {
		return -uapi.EFAULT
	}
	return 0
}

// sys_rt_sigpending: rt_sigpending(set, sigsetsize): the blocked signals
// waiting, the thread's and the group's.
func sys_rt_sigpending(r *asm.PtRegs) int64 {
	if a2(r) > 8 {
		return -uapi.EINVAL
	}
	t := sched.Get_current()
	sh, flags := lock_task_sighand(t)
	pending := (t.Pending.Signal | t.Signal.Shared_pending.Signal) & t.Blocked
	unlock_task_sighand(sh, flags)
	if asm.Copy_to_user(uintptr(a1(r)), addr_of(&pending), uintptr(a2(r))) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// on_sig_stack: sp is on t's alternate stack (Linux on_sig_stack; with
// SS_AUTODISARM the stack is never considered in use).
func on_sig_stack(t *sched.Task_struct, sp uint64) bool {
	if t.Sas_ss_flags&uapi.SS_AUTODISARM != 0 {
		return false
	}
	return sp > t.Sas_ss_sp && sp-t.Sas_ss_sp <= t.Sas_ss_size
}

// sas_ss_flags: ss_flags as sigaltstack reports it for sp (Linux
// sas_ss_flags).
func sas_ss_flags(t *sched.Task_struct, sp uint64) int32 {
	if t.Sas_ss_size == 0 {
		return uapi.SS_DISABLE
	}
	if on_sig_stack(t, sp) {
		return uapi.SS_ONSTACK
	}
	return 0
}

// Do_sigaltstack sets and/or reads the alternate stack of the current
// task, whose user stack pointer is sp (Linux do_sigaltstack): -EPERM
// while running on it, -EINVAL for bad flags, -ENOMEM for a stack smaller
// than MINSIGSTKSZ.
func Do_sigaltstack(ss, oss *uapi.Stack_t, sp uint64) int {
	t := sched.Get_current()
	if oss != nil {
		*oss = uapi.Stack_t{Ss_sp: t.Sas_ss_sp, Ss_size: t.Sas_ss_size,
			Ss_flags: sas_ss_flags(t, sp) | int32(t.Sas_ss_flags&uapi.SS_AUTODISARM)}
	}
	if ss == nil {
		return 0
	}
	if on_sig_stack(t, sp) {
		return -uapi.EPERM
	}
	mode := uint32(ss.Ss_flags) &^ uapi.SS_AUTODISARM
	if mode != uapi.SS_DISABLE && mode != uapi.SS_ONSTACK && mode != 0 {
		return -uapi.EINVAL
	}
	if mode == uapi.SS_DISABLE {
		t.Sas_ss_sp, t.Sas_ss_size, t.Sas_ss_flags = 0, 0, uapi.SS_DISABLE
		return 0
	}
	if ss.Ss_size < uapi.MINSIGSTKSZ {
		return -uapi.ENOMEM
	}
	t.Sas_ss_sp, t.Sas_ss_size, t.Sas_ss_flags = ss.Ss_sp, ss.Ss_size, uint32(ss.Ss_flags)
	return 0
}

// sys_sigaltstack: sigaltstack(uss, uoss).
func sys_sigaltstack(r *asm.PtRegs) int64 {
	var ss, oss uapi.Stack_t
	pss, poss := (*uapi.Stack_t)(nil), (*uapi.Stack_t)(nil)
	if a1(r) != 0 {
		if !copy_in(&ss, a1(r)) {
			return -uapi.EFAULT
		}
		pss = &ss
	}
	if a2(r) != 0 {
		poss = &oss
	}
	if ret := Do_sigaltstack(pss, poss, r.SP); ret != 0 {
		return int64(ret)
	}
	if poss != nil && !copy_out(a2(r), poss) {
		return -uapi.EFAULT
	}
	return 0
}

// sleep_until_signal sleeps interruptibly until a signal is pending.
func sleep_until_signal() {
	for !signal_pending_current() {
		sched.Set_current_state(sched.TASK_INTERRUPTIBLE)
		if signal_pending_current() {
			sched.Set_current_state(sched.TASK_RUNNING)
			break
		}
		sched.Schedule()
	}
}

// sys_pause: sleep until a signal (Linux pause): -ERESTARTNOHAND, which
// the return path turns into -EINTR after a handler, or a restart if
// none ran.
func sys_pause(r *asm.PtRegs) int64 {
	sleep_until_signal()
	return -uapi.ERESTARTNOHAND
}

// sys_rt_sigsuspend: rt_sigsuspend(mask, sigsetsize): sleep with mask as
// the mask until a signal; the old mask comes back after the handler
// (Linux sigsuspend with set_restore_sigmask).
func sys_rt_sigsuspend(r *asm.PtRegs) int64 {
	if a2(r) != 8 {
		return -uapi.EINVAL
	}
	var set uapi.Sigset_t
	if !copy_in(&set, a1(r)) {
		return -uapi.EFAULT
	}
	t := sched.Get_current()
	Task_init_signal(t)
	t.Saved_sigmask = t.Blocked
	set_current_blocked(t, set)
	sleep_until_signal()
	t.Restore_sigmask = true
	return -uapi.ERESTARTNOHAND
}

// copy_siginfo_for_queue reads a sender's siginfo for rt_sigqueueinfo
// (Linux do_rt_sigqueueinfo's checks): its signal number becomes sig,
// and a sender may not pretend to be the kernel or kill() when the
// target is another process (si_code >= 0, or SI_TKILL): -EPERM.
func copy_siginfo_for_queue(sig int, uinfo uintptr, target *sched.Task_struct) (sched.Kernel_siginfo, int) {
	var info sched.Kernel_siginfo
	if asm.Copy_from_user(uintptr(unsafe.Pointer(&info)), uinfo, unsafe.Sizeof(info)) != 0 {
		return info, -uapi.EFAULT
	}
	if (info.Si_code >= 0 || info.Si_code == uapi.SI_TKILL) && !same_thread_group(target, sched.Get_current()) {
		return info, -uapi.EPERM
	}
	info.Si_signo = int32(sig)
	return info, 0
}

// sys_rt_sigqueueinfo: rt_sigqueueinfo(tgid, sig, uinfo) (Linux
// kernel/signal.c): sig to the process with the caller's siginfo —
// sigqueue(3)'s, SI_QUEUE with an si_value the handler reads. Real-time
// signals queue one instance per call, delivered lowest number first and
// in sending order within a number; past RLIMIT_SIGPENDING -EAGAIN.
func sys_rt_sigqueueinfo(r *asm.PtRegs) int64 {
	pid, sig := int32(a1(r)), int(int32(a2(r)))
	if sig < 0 || sig > uapi.NSIG {
		return -uapi.EINVAL
	}
	t := find_get_task_by_vpid(pid)
	if t == nil {
		return -uapi.ESRCH
	}
	info, e := copy_siginfo_for_queue(sig, uintptr(a3(r)), t)
	if e == 0 {
		e = send_if_alive(t, func(t *sched.Task_struct) int { return Group_send_sig_info(sig, &info, t) })
	}
	sched.Put_task_struct(t)
	return int64(e)
}

// Pidfd_send_signal is pidfd_send_signal's send to t, the process a
// pidfd names (Linux kernel/signal.c pidfd_send_signal): the caller's
// siginfo from uinfo if not 0 (its signo must be sig; a process may
// claim a kernel si_code or SI_TKILL only to itself), else kill's
// SI_USER; then sent to the group as kill sends it, -ESRCH if the
// process has exited.
func Pidfd_send_signal(t *sched.Task_struct, sig int, uinfo uintptr) int {
	if !valid_signal(sig) {
		return -uapi.EINVAL
	}
	info := prepare_kill_siginfo(sig, uapi.SI_USER)
	if uinfo != 0 {
		if asm.Copy_from_user(uintptr(unsafe.Pointer(&info)), uinfo, unsafe.Sizeof(info)) != 0 {
			return -uapi.EFAULT
		}
		if int(info.Si_signo) != sig {
			return -uapi.EINVAL
		}
		Task_init_signal(t)
		if (info.Si_code >= 0 || info.Si_code == uapi.SI_TKILL) && !same_thread_group(t, sched.Get_current()) {
			return -uapi.EPERM
		}
	}
	return send_if_alive(t, func(t *sched.Task_struct) int { return Group_send_sig_info(sig, &info, t) })
}

// send_if_alive runs send(t) under Tasklist_lock if t, which the caller
// holds a reference to, is still a process's task; -ESRCH once it has
// been reaped. A zombie not reaped yet still counts, as in Linux, where
// its pid stays attached until release_task: the send answers 0 (or
// -EPERM) and the signal does nothing to a dead group (prepare_signal
// drops it), and a dead leader whose threads live on passes it to them.
// It used to ask for a live task: a zombie answered -ESRCH, where Linux
// answers 0 (on the host, pidfd_send_signal and kill to an unreaped
// child give 0, and -ESRCH only after the wait).
func send_if_alive(t *sched.Task_struct, send func(t *sched.Task_struct) int) int {
	ret := -uapi.ESRCH
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	if sched.Pid_alive(t) && t.Pid != 0 && t.Flags&sched.PF_KTHREAD == 0 {
		ret = send(t)
	}
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return ret
}

// sys_rt_tgsigqueueinfo: rt_tgsigqueueinfo(tgid, tid, sig, uinfo): the
// same to one thread of group tgid (Linux do_rt_tgsigqueueinfo).
func sys_rt_tgsigqueueinfo(r *asm.PtRegs) int64 {
	tgid, tid, sig := int32(a1(r)), int32(a2(r)), int(int32(a3(r)))
	if tgid <= 0 || tid <= 0 || sig < 0 || sig > uapi.NSIG {
		return -uapi.EINVAL
	}
	t := find_get_task_by_vpid(tid)
	if t == nil {
		return -uapi.ESRCH
	}
	e := -uapi.ESRCH
	var info sched.Kernel_siginfo
	if task_tgid(t) == tgid {
		info, e = copy_siginfo_for_queue(sig, uintptr(a4(r)), t)
	}
	if e == 0 {
		e = send_if_alive(t, func(t *sched.Task_struct) int {
			if r := check_kill_permission(sig, &info, t); r != 0 || sig == 0 {
				return r
			}
			return do_send_sig_info(sig, &info, t, false)
		})
	}
	sched.Put_task_struct(t)
	return int64(e)
}
