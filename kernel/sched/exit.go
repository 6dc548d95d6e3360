package sched

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel"
	ktime "gokern/kernel/time"
	"gokern/mm"
	"gokern/printk"
)

// A task's end and its parent's wait. Linux: kernel/exit.c (do_exit,
// exit_notify, forget_original_parent, find_child_reaper, release_task,
// do_wait, wait_task_zombie, kernel_wait4, kernel_waitid), kernel/signal.c
// (do_notify_parent, __wake_up_parent), kernel/sys.c (getrusage, times).
//
// A task that exits becomes a zombie: its memory, files and stack go, but
// its task_struct stays, with its exit code, until its parent collects it
// with wait4 or waitid (or at once, when the parent said it will not:
// SIGCHLD ignored). Its own children go to init, which reaps what nobody
// else will (seeds/002's process lifecycle).

// Notify_parent_hook sends sig to t's parent for t's exit and reports
// whether t should be reaped at once because the parent ignores SIGCHLD
// (SIG_IGN or SA_NOCLDWAIT) (Linux do_notify_parent's signal part and its
// autoreap result). kernel/exec sets it to kernel/signal's
// Do_notify_parent; without it no signal is sent and every child waits
// for its parent's wait4, as under SIG_DFL.
var Notify_parent_hook func(t *Task_struct, sig int) bool

// Init_exit_hook is called when pid 1 is about to die, with its exit code
// (the process layer's "Attempted to kill init!" and isa-debug-exit
// verdict); it does not return.
var Init_exit_hook func(code int)

// Do_exit ends the current task (Linux do_exit → exit_notify →
// do_task_dead): its waiters are told, its children go to init, it becomes
// a zombie (or is freed at once, autoreaped), and it switches away for
// good; finish_task_switch frees its stack. A user process's memory and
// files are the process layer's: it drops them before it calls Do_exit.
func Do_exit(code int) {
	c := Get_current()
	if c.Flags&PF_IDLE != 0 {
		kernel.Panic("Attempted to kill the idle task!")
	}
	if c.Pid == 1 && !Killed_by_exec(c) {
		if h := Init_exit_hook; h != nil {
			h(code)
		}
		kernel.Panic("Attempted to kill init! exitcode=0x%08x", printk.Int(code))
	}
	c.Flags |= PF_EXITING
	c.Exit_code = int32(code)
	Mm_release(c)
	// Interrupts off from here: no preemption between telling the
	// waiters and leaving, so a waiter never finds a zombie still running
	// on this CPU (Release_task waits for On_cpu anyway).
	asm.Local_irq_disable()
	exit_notify(c)
	c.State = TASK_DEAD
	__schedule(false)
	kernel.Panic("do_exit: %s/%d ran again after it died", printk.Str(c.Name()), printk.Int(c.Pid))
}

// exit_notify (Linux exit_notify): the children to init, the task a
// zombie, its parent told. A child nobody will wait for — a kernel
// thread's exit signal is 0 — stays a zombie for whoever created it
// (Kthread_stop releases it), as before processes existed.
func exit_notify(t *Task_struct) {
	flags := Tasklist_lock.Spin_lock_irqsave(0)
	exit_notify_locked(t)
	// A thread killed by another's execve wakes it: de_thread waits
	// for the group to be down to itself (Linux exit_notify's
	// wake_up_process(tsk->signal->group_exec_task)).
	if s := t.Signal; s != nil {
		if e := s.Group_exec_task; e != nil && e != t {
			Wake_up_process(e)
		}
	}
	Tasklist_lock.Spin_unlock_irqrestore(flags)
}

// Killed_by_exec: t dies because another thread of its group is in
// execve (Linux: signal->group_exec_task set, not t): its exit is a
// thread's, even for init's leader, whose pid the exec'ing thread takes.
func Killed_by_exec(t *Task_struct) bool {
	s := t.Signal
	return s != nil && s.Group_exec_task != nil && s.Group_exec_task != t
}

// exit_notify_locked is exit_notify under Tasklist_lock: the parent,
// its children list and the zombie state change together, so a wait4 on
// another CPU sees them all or none.
func exit_notify_locked(t *Task_struct) {
	forget_original_parent(t)
	leader := Thread_group_leader(t)
	if leader && Get_nr_threads(t) > 1 {
		// Linux delay_group_leader: a leader that dies before its
		// threads stays on the group's ring as a zombie that wait4 does
		// not collect (its task holds the group's signal_struct); the
		// last thread to go tells the parent.
		t.Exit_state = EXIT_ZOMBIE
		Complete_all(&t.Exited)
		return
	}
	leave_thread_group(t)
	t.Exit_state = EXIT_ZOMBIE
	Complete_all(&t.Exited)
	if !leader {
		// A thread: nobody waits for it (Linux's exit_signal -1,
		// autoreap); finish_task_switch frees it. The last one of a
		// group whose leader already died tells the leader's parent
		// (Linux release_task → do_notify_parent for the leader).
		t.Exit_state = EXIT_DEAD
		t.autoreap = true
		if l := t.Group_leader; l != nil && l != t && l.Exit_state == EXIT_ZOMBIE && Get_nr_threads(l) == 1 {
			leave_thread_group(l)
			do_notify_pidfd(l)
			if l.Exit_signal == 0 && l.Parent != nil {
				Wake_up_interruptible(wait_chldexit(l.Parent))
			}
			if l.Exit_signal != 0 && l.Parent != nil && notify_parent(l, int(l.Exit_signal)) {
				// Autoreaped: freed here once it is off its CPU, or
				// by its own finish_task_switch if still on one; both
				// decide under tasklist_lock, so exactly one does.
				l.Exit_state = EXIT_DEAD
				l.autoreap = true
				if l.State == TASK_DEAD && atomic.LoadInt32(&l.On_cpu) == 0 {
					unlink_task(l)
					Put_task_struct(l)
				}
			}
		}
		return
	}
	do_notify_pidfd(t)
	if t.Exit_signal == 0 && t.Parent != nil {
		// No signal, but the parent's wait (__WCLONE, __WALL, a
		// pidfd's waitid) is woken all the same (Linux do_notify_parent
		// with sig 0: __wake_up_parent).
		Wake_up_interruptible(wait_chldexit(t.Parent))
	}
	if t.Exit_signal != 0 && t.Parent != nil && notify_parent(t, int(t.Exit_signal)) {
		t.Exit_state = EXIT_DEAD // finish_task_switch frees it
		t.autoreap = true
	}
}

// do_notify_pidfd wakes the pollers of t's pidfds: the process has
// exited, threads and all (Linux do_notify_pidfd, from do_notify_parent),
// or is being reaped (unlink_task; Linux's pidfd poll then adds
// EPOLLHUP).
func do_notify_pidfd(t *Task_struct) { Wake_up_all(&t.Wait_pidfd) }

// delay_group_leader: p is a zombie leader whose threads still run
// (Linux delay_group_leader): not yet for wait4.
func delay_group_leader(p *Task_struct) bool {
	return p.Exit_state == EXIT_ZOMBIE && Get_nr_threads(p) > 1
}

// notify_parent tells t's parent that t died: the signal through
// Notify_parent_hook (kernel/signal's Do_notify_parent), then a wake-up of
// the parent's wait4 (Linux __wake_up_parent). It reports whether t is to
// be reaped at once.
func notify_parent(t *Task_struct, sig int) bool {
	autoreap := false
	if h := Notify_parent_hook; h != nil {
		autoreap = h(t, sig)
	}
	Wake_up_interruptible(wait_chldexit(t.Parent))
	return autoreap
}

// Child_reaper is the task that adopts orphans nobody nearer takes:
// init, pid 1 (Linux pid_ns->child_reaper).
func Child_reaper() *Task_struct { return Find_task_by_pid(1) }

// find_alive_thread: a thread of p's group that is not exiting, or nil
// (Linux find_alive_thread).
func find_alive_thread(p *Task_struct) *Task_struct {
	if p.Flags&PF_EXITING == 0 {
		return p
	}
	var alive *Task_struct
	For_other_threads(p, func(t *Task_struct) bool {
		if t.Flags&PF_EXITING == 0 {
			alive = t
			return false
		}
		return true
	})
	return alive
}

// find_new_reaper chooses the new parent of father's children (Linux
// kernel/exit.c find_new_reaper): a live thread of father's own group
// first (the children stay in the process: a Go program forks on one
// thread, which may end, and waits on another), else the nearest
// ancestor that made itself a child subreaper with
// prctl(PR_SET_CHILD_SUBREAPER), else init.
func find_new_reaper(father *Task_struct) *Task_struct {
	if t := find_alive_thread(father); t != nil {
		return t
	}
	reaper := Child_reaper()
	if s := father.Signal; s != nil && s.Has_child_subreaper {
		for r := father.Real_parent; r != nil && r != reaper && r != &Init_task; r = r.Real_parent {
			if r.Signal == nil || !r.Signal.Is_child_subreaper {
				continue
			}
			if t := find_alive_thread(r); t != nil {
				return t
			}
		}
	}
	return reaper
}

// forget_original_parent gives father's children their new parent
// (Linux forget_original_parent → find_new_reaper, reparent_leader). A
// child that goes to another process gets SIGCHLD as its exit signal
// again, and if it is already a zombie its new parent is told (and, if
// that parent ignores SIGCHLD, it is released at once), so that init's
// wait4 reaps it; within the group, the group has already been told.
func forget_original_parent(father *Task_struct) {
	if father.Children.Next == nil || mm.List_empty(&father.Children) {
		return
	}
	reaper := find_new_reaper(father)
	if reaper == nil || reaper == father {
		return
	}
	for !mm.List_empty(&father.Children) {
		l := father.Children.Next
		ch := tasklist_entry(l, siblingOffset)
		mm.List_del(l)
		ch.Real_parent, ch.Parent = reaper, reaper
		mm.List_add_tail(&ch.Sibling, &reaper.Children)
		// The child's threads name the same parent (getppid in any
		// of them): father's task is about to be freed.
		For_other_threads(ch, func(u *Task_struct) bool {
			u.Real_parent, u.Parent = reaper, reaper
			return true
		})
		if reaper.Tgid == father.Tgid { // Linux same_thread_group
			Nr_reparented_thread++
			continue
		}
		Nr_reparented++
		if ch.Exit_signal != 0 {
			ch.Exit_signal = SIGCHLD
		}
		if ch.Exit_state == EXIT_ZOMBIE && Get_nr_threads(ch) == 1 && notify_parent(ch, int(ch.Exit_signal)) {
			// The new parent ignores SIGCHLD: nobody will reap it
			// (Linux release_task on the dead list). Freed here if
			// off its CPU, else by its own last switch.
			ch.Exit_state = EXIT_DEAD
			ch.autoreap = true
			if ch.State == TASK_DEAD && atomic.LoadInt32(&ch.On_cpu) == 0 {
				unlink_task(ch)
				Put_task_struct(ch)
			}
		}
	}
}

// Nr_reparented counts orphans given to another process (init or a
// subreaper), Nr_reparented_thread those kept by another thread of
// their parent's process.
var Nr_reparented, Nr_reparented_thread uint64

var siblingOffset = unsafe.Offsetof(Task_struct{}.Sibling)

// free_task is the end of an autoreaped task, on the next task's stack
// in finish_task_switch (Linux release_task → delayed_put_task_struct).
func free_task(t *Task_struct) {
	flags := Tasklist_lock.Spin_lock_irqsave(0)
	unlink_task(t)
	Tasklist_lock.Spin_unlock_irqrestore(flags)
	Put_task_struct(t)
}

// unlink_task takes t off the task list and its parent's children, with
// Tasklist_lock held (Linux __unhash_process).
func unlink_task(t *Task_struct) {
	t.Unhashed = true
	do_notify_pidfd(t)
	mm.List_del(&t.Tasks)
	if t.Sibling.Next != nil {
		mm.List_del(&t.Sibling)
	}
	Nr_threads--
}

// Wait_opts is what do_wait looks for (Linux struct wait_opts).
type Wait_opts struct {
	// Type and Pid: P_ALL (any child), P_PID (the child Pid), P_PGID
	// (a child of process group Pid), P_PIDFD (the child Task, a
	// pidfd's: the task itself, not a pid that may have been reused).
	Type  int
	Pid   int32
	Task  *Task_struct
	Flags uint32 // W*, __W*
	// Results: the child's pid, wait4's status word, its CLD_* code and
	// the status waitid reports, and its resource use.
	Ret_pid         int32
	Status          int32
	Code, Si_status int32
	Rusage          uapi.Rusage
}

// eligible_child: does p match what wo asks for (Linux eligible_pid and
// eligible_child): the pid or the group, and the kind of child — one that
// sends SIGCHLD, unless __WCLONE asks for the others or __WALL for all.
func eligible_child(wo *Wait_opts, p *Task_struct) bool {
	switch wo.Type {
	case uapi.P_PID:
		if p.Tgid != wo.Pid {
			return false
		}
	case uapi.P_PGID:
		if task_pgrp(p) != wo.Pid {
			return false
		}
	case uapi.P_PIDFD:
		// The pidfd's process, whose leader may have changed in an
		// exec since the wait began (Pid_successor; Linux waits on the
		// struct pid, which moved to the new leader).
		t := wo.Task
		for t.Pid_successor != nil {
			t = t.Pid_successor
		}
		if p != t {
			return false
		}
	}
	if wo.Flags&uapi.X__WALL == 0 && (p.Exit_signal != SIGCHLD) != (wo.Flags&uapi.X__WCLONE != 0) {
		return false
	}
	return true
}

// task_pgrp is t's process group (Linux task_pgrp; the signal layer
// keeps it in the group's signal_struct), 0 before it has one.
func task_pgrp(t *Task_struct) int32 {
	if t.Signal != nil {
		return t.Signal.Pgrp
	}
	return 0
}

// wait_task_zombie collects a zombie child (Linux wait_task_zombie): its
// status and resource use into wo, its times added to the parent's
// children's times, and, unless WNOWAIT, the task freed.
func wait_task_zombie(wo *Wait_opts, parent, p *Task_struct) {
	wo.Ret_pid = p.Tgid
	wo.Status = p.Exit_code
	if p.Exit_code&0x7f != 0 {
		wo.Code, wo.Si_status = uapi.CLD_KILLED, p.Exit_code&0x7f
		if p.Exit_code&0x80 != 0 {
			wo.Code = uapi.CLD_DUMPED
		}
	} else {
		wo.Code, wo.Si_status = uapi.CLD_EXITED, p.Exit_code>>8&0xff
	}
	// The whole process's times and its children's (Linux
	// wait_task_zombie: thread_group_cputime_adjusted + sig->cutime, and
	// getrusage(p, RUSAGE_BOTH) for the rusage), not the leader's alone.
	utime, stime := thread_group_cputime(p)
	cutime, cstime := group_children_cputime(p)
	fill_rusage(&wo.Rusage, utime+cutime, stime+cstime, p)
	if wo.Flags&uapi.WNOWAIT != 0 {
		return
	}
	if ps := parent.Signal; ps != nil {
		atomic.AddUint64(&ps.Cutime, utime+cutime)
		atomic.AddUint64(&ps.Cstime, stime+cstime)
	}
	release_zombie(p)
}

// release_zombie frees a reaped child once it is off its CPU (Linux
// release_task). It marks it EXIT_DEAD only then: finish_task_switch
// reads EXIT_DEAD on a task still on its CPU as "autoreaped, free it".
func release_zombie(p *Task_struct) {
	for p.State != TASK_DEAD || p.On_cpu != 0 {
		Yield()
	}
	p.Exit_state = EXIT_DEAD
	free_task(p)
}

// Do_wait waits for a child of the current process to exit, as wo says
// (Linux do_wait → do_wait_thread): the child's pid when one was
// collected; 0 with WNOHANG when children exist but none has exited;
// -ECHILD when no child matches; -ERESTARTSYS when a signal came first.
// With WUNTRACED (waitid's WSTOPPED) a child that stopped since it was
// last reported counts, with WCONTINUED one that SIGCONT resumed (Linux
// wait_task_stopped, wait_task_continued): the job control of a shell.
func Do_wait(wo *Wait_opts) int {
	c := Get_current()
	wq := wait_chldexit(c)
	var wait Wait_queue_entry
	ret := 0
	for {
		Prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE)
		// The children of every thread of the group, unless
		// __WNOTHREAD (Linux do_wait → do_wait_thread for each
		// thread): a Go program forks on one M and waits on another.
		found, zombie := false, (*Task_struct)(nil)
		flags := Tasklist_lock.Spin_lock_irqsave(0)
		found, zombie = wait_scan_children(wo, c)
		if zombie == nil && wo.Flags&uapi.X__WNOTHREAD == 0 {
			For_other_threads(c, func(u *Task_struct) bool {
				f, z := wait_scan_children(wo, u)
				found = found || f
				zombie = z
				return z == nil
			})
		}
		if zombie != nil && zombie.Exit_state == EXIT_ZOMBIE && wo.Flags&uapi.WNOWAIT == 0 {
			// Claimed under the lock: another thread of this process
			// waiting too does not reap it a second time.
			zombie.Exit_state = EXIT_DEAD
		}
		Tasklist_lock.Spin_unlock_irqrestore(flags)
		switch {
		case zombie != nil && zombie.Exit_state == 0:
			// A stopped or continued child, which
			// wait_task_stopped has reported into wo.
			Finish_wait(wq, &wait)
			return int(wo.Ret_pid)
		case zombie != nil:
			Finish_wait(wq, &wait)
			wait_task_zombie(wo, zombie.Parent, zombie)
			return int(wo.Ret_pid)
		case !found:
			ret = -uapi.ECHILD
		case wo.Flags&uapi.WNOHANG != 0:
			ret = 0
		case Signal_pending():
			ret = -uapi.ERESTARTSYS
		default:
			Schedule()
			continue
		}
		break
	}
	Finish_wait(wq, &wait)
	return ret
}

// wait_scan_children looks through t's children for what wo asks
// (Linux do_wait_thread): whether any matches, and a zombie to collect
// or a stopped or continued child already reported into wo
// (wait_task_stopped). Interrupts are off.
func wait_scan_children(wo *Wait_opts, t *Task_struct) (bool, *Task_struct) {
	found := false
	for l := t.Children.Next; l != nil && l != &t.Children; l = l.Next {
		p := tasklist_entry(l, siblingOffset)
		if !eligible_child(wo, p) {
			continue
		}
		found = true
		if p.Exit_state == EXIT_ZOMBIE && wo.Flags&uapi.WEXITED != 0 && !delay_group_leader(p) {
			return true, p
		}
		if p.Exit_state == 0 && wait_task_stopped(wo, p) {
			return true, p
		}
	}
	return found, nil
}

// wait_chldexit is the queue a process's wait4 and waitid sleep on and
// its children's exits wake, whichever thread forked them: Linux keeps
// it in the signal_struct the threads share, gokern in the group
// leader's task, which outlives the other threads.
func wait_chldexit(t *Task_struct) *Wait_queue_head {
	if l := t.Group_leader; l != nil {
		return &l.Wait_chldexit
	}
	return &t.Wait_chldexit
}

// Kernel_wait4 is wait4(upid, stat_addr, options, ru) (Linux
// kernel_wait4): upid -1 any child, > 0 that child, 0 a child of the
// caller's process group, < -1 one of group -upid. The status word
// (exit status << 8, or the killing signal) and the rusage go to user
// memory when the pointers are not NULL.
func Kernel_wait4(upid int32, stat_addr uintptr, options uint32, ru uintptr) int {
	if options&^(uapi.WNOHANG|uapi.WUNTRACED|uapi.WCONTINUED|uapi.X__WNOTHREAD|uapi.X__WCLONE|uapi.X__WALL) != 0 {
		return -uapi.EINVAL
	}
	// INT_MIN: -INT_MIN is no process group (Linux).
	if upid == -1<<31 {
		return -uapi.ESRCH
	}
	wo := Wait_opts{Flags: options | uapi.WEXITED}
	switch {
	case upid == -1:
		wo.Type = uapi.P_ALL
	case upid < 0:
		wo.Type, wo.Pid = uapi.P_PGID, -upid
	case upid == 0:
		wo.Type, wo.Pid = uapi.P_PGID, task_pgrp(Get_current())
	default:
		wo.Type, wo.Pid = uapi.P_PID, upid
	}
	r := Do_wait(&wo)
	if r <= 0 {
		return r
	}
	if stat_addr != 0 && asm.Put_user(uint32(wo.Status), stat_addr) != 0 {
		return -uapi.EFAULT
	}
	if ru != 0 && copy_out(ru, unsafe.Pointer(&wo.Rusage), unsafe.Sizeof(wo.Rusage)) != 0 {
		return -uapi.EFAULT
	}
	return r
}

// Kernel_waitid is waitid(which, upid, infop, options, ru) (Linux
// kernel_waitid and the waitid system call): P_ALL, P_PID or P_PGID;
// options must ask for WEXITED (or the stop states gokern has not); the
// siginfo says SIGCHLD, the CLD_* code, the pid and the status, and is
// zeroed when WNOHANG found nothing. 0 or a negative errno.
func Kernel_waitid(which int, upid int32, infop uintptr, options uint32, ru uintptr) int {
	if options&^(uapi.WNOHANG|uapi.WNOWAIT|uapi.WEXITED|uapi.WSTOPPED|uapi.WCONTINUED|uapi.X__WNOTHREAD|uapi.X__WCLONE|uapi.X__WALL) != 0 ||
		options&(uapi.WEXITED|uapi.WSTOPPED|uapi.WCONTINUED) == 0 {
		return -uapi.EINVAL
	}
	wo := Wait_opts{Flags: options}
	switch which {
	case uapi.P_ALL:
		wo.Type = uapi.P_ALL
	case uapi.P_PID, uapi.P_PGID:
		if upid <= 0 {
			return -uapi.EINVAL
		}
		wo.Type, wo.Pid = which, upid
	default:
		return -uapi.EINVAL
	}
	return waitid_and_copy(&wo, infop, ru)
}

// Kernel_waitid_pidfd is waitid(P_PIDFD, fd, ...) once the system call
// has the pidfd's task, t (Linux kernel_waitid's P_PIDFD case,
// pidfd_get_pid): t, if it is the caller's child; with the pidfd
// O_NONBLOCK, WNOHANG, and -EAGAIN rather than 0 when it has not exited.
func Kernel_waitid_pidfd(t *Task_struct, nonblock bool, infop uintptr, options uint32, ru uintptr) int {
	if options&^(uapi.WNOHANG|uapi.WNOWAIT|uapi.WEXITED|uapi.WSTOPPED|uapi.WCONTINUED|uapi.X__WNOTHREAD|uapi.X__WCLONE|uapi.X__WALL) != 0 ||
		options&(uapi.WEXITED|uapi.WSTOPPED|uapi.WCONTINUED) == 0 {
		return -uapi.EINVAL
	}
	wo := Wait_opts{Type: uapi.P_PIDFD, Task: t, Flags: options}
	if nonblock {
		wo.Flags |= uapi.WNOHANG
	}
	r := waitid_and_copy(&wo, infop, ru)
	if r == 0 && wo.Ret_pid == 0 && nonblock && options&uapi.WNOHANG == 0 {
		return -uapi.EAGAIN
	}
	return r
}

// waitid_and_copy: Kernel_waitid's wait and copy-out, once wo says what to
// wait for.
func waitid_and_copy(wo *Wait_opts, infop uintptr, ru uintptr) int {
	r := Do_wait(wo)
	if r < 0 {
		return r
	}
	if infop != 0 {
		var si uapi.Siginfo_chld
		if r > 0 {
			si = uapi.Siginfo_chld{Signo: SIGCHLD, Code: wo.Code, Pid: wo.Ret_pid, Status: wo.Si_status,
				Utime: int64(wo.Rusage.Utime.Sec*uapi.USER_HZ + wo.Rusage.Utime.Usec/(1000000/uapi.USER_HZ)),
				Stime: int64(wo.Rusage.Stime.Sec*uapi.USER_HZ + wo.Rusage.Stime.Usec/(1000000/uapi.USER_HZ))}
		}
		if copy_out(infop, unsafe.Pointer(&si), unsafe.Sizeof(si)) != 0 {
			return -uapi.EFAULT
		}
	}
	if r > 0 && ru != 0 && copy_out(ru, unsafe.Pointer(&wo.Rusage), unsafe.Sizeof(wo.Rusage)) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// fill_rusage fills r with utime and stime ticks and t's switch counts
// (Linux getrusage's fields gokern keeps; the others stay 0, as Linux's
// ixrss, idrss, isrss, nswap, msgsnd, msgrcv always are).
func fill_rusage(r *uapi.Rusage, utime, stime uint64, t *Task_struct) {
	*r = uapi.Rusage{Utime: ticks_to_timeval(utime), Stime: ticks_to_timeval(stime)}
	if t != nil {
		r.Nvcsw, r.Nivcsw = int64(t.Nvcsw), int64(t.Nivcsw)
		r.Minflt = int64(t.Min_flt)
	}
}

// ticks_to_timeval converts scheduler ticks to a struct timeval.
func ticks_to_timeval(ticks uint64) uapi.Timeval {
	us := ticks * 1000000 / uint64(ktime.HZ)
	return uapi.Timeval{Sec: int64(us / 1000000), Usec: int64(us % 1000000)}
}

// thread_group_cputime is a process's user and system ticks, of its
// live and exited threads alike (Linux thread_group_cputime:
// signal->utime of the dead plus each live thread's), from the group's
// clocks, which every tick of every thread advances
// (account_process_tick). Before, getrusage(RUSAGE_SELF), times() and
// wait4 gave one thread's: a Go program's times went down when the next
// call came from another thread (runtime/pprof's
// TestCPUProfileMultithreadMagnitude read "-620ms user + -812ms system").
func thread_group_cputime(t *Task_struct) (utime, stime uint64) {
	s := t.Signal
	if s == nil {
		return t.Utime, t.Stime
	}
	// virt first: the tick adds to prof, then to virt, so prof >= virt.
	virt := atomic.LoadUint64(&s.Cputime_virt)
	prof := atomic.LoadUint64(&s.Cputime_prof)
	return virt / ktime.TICK_NSEC, (prof - virt) / ktime.TICK_NSEC
}

// group_children_cputime is the ticks of t's process's waited-for
// children (Linux signal->cutime, cstime).
func group_children_cputime(t *Task_struct) (cutime, cstime uint64) {
	if s := t.Signal; s != nil {
		return atomic.LoadUint64(&s.Cutime), atomic.LoadUint64(&s.Cstime)
	}
	return 0, 0
}

// Getrusage is getrusage(who, ru) (Linux kernel/sys.c getrusage):
// RUSAGE_SELF the process's times (all its threads', as Linux's), with
// the caller's switches and faults; RUSAGE_THREAD the caller's own;
// RUSAGE_CHILDREN the sums over its process's waited-for children.
func Getrusage(who int, ru uintptr) int {
	c := Get_current()
	var r uapi.Rusage
	switch who {
	case uapi.RUSAGE_SELF:
		utime, stime := thread_group_cputime(c)
		fill_rusage(&r, utime, stime, c)
	case uapi.RUSAGE_THREAD:
		fill_rusage(&r, c.Utime, c.Stime, c)
	case uapi.RUSAGE_CHILDREN:
		cutime, cstime := group_children_cputime(c)
		fill_rusage(&r, cutime, cstime, nil)
	default:
		return -uapi.EINVAL
	}
	if copy_out(ru, unsafe.Pointer(&r), unsafe.Sizeof(r)) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// Do_sys_times is times(tbuf) (Linux kernel/sys.c do_sys_times and the
// system call): the caller's and its children's times in USER_HZ clock
// ticks at tbuf (may be NULL), and the clock ticks since boot as the
// result (jiffies_64_to_clock_t). -EFAULT for a bad tbuf.
func Do_sys_times(tbuf uintptr) int64 {
	c := Get_current()
	if tbuf != 0 {
		utime, stime := thread_group_cputime(c)
		cutime, cstime := group_children_cputime(c)
		t := uapi.Tms{Utime: ticks_to_clock_t(utime), Stime: ticks_to_clock_t(stime),
			Cutime: ticks_to_clock_t(cutime), Cstime: ticks_to_clock_t(cstime)}
		if copy_out(tbuf, unsafe.Pointer(&t), unsafe.Sizeof(t)) != 0 {
			return -uapi.EFAULT
		}
	}
	return ticks_to_clock_t(ktime.Get_jiffies_64())
}

// ticks_to_clock_t converts ticks to USER_HZ clock ticks (Linux
// jiffies_to_clock_t).
func ticks_to_clock_t(ticks uint64) int64 { return int64(ticks * uapi.USER_HZ / uint64(ktime.HZ)) }

// copy_out copies n bytes at p to the user address to: 0 or -EFAULT.
func copy_out(to uintptr, p unsafe.Pointer, n uintptr) int {
	if asm.Copy_to_user(to, uintptr(p), n) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// wait_task_stopped reports p if it stopped and wo takes stopped
// children (WUNTRACED: status sig << 8 | 0x7f, CLD_STOPPED), or if it was
// continued and wo takes those (WCONTINUED: status 0xffff, CLD_CONTINUED),
// each once unless WNOWAIT (Linux wait_task_stopped and
// wait_task_continued, for a group of one). Interrupts are off.
func wait_task_stopped(wo *Wait_opts, p *Task_struct) bool {
	s := p.Signal
	if s == nil {
		return false
	}
	switch {
	case wo.Flags&uapi.WUNTRACED != 0 && s.Flags&SIGNAL_STOP_STOPPED != 0 && s.Stop_unreported:
		wo.Status = s.Group_stop_sig<<8 | 0x7f
		wo.Code, wo.Si_status = uapi.CLD_STOPPED, s.Group_stop_sig
		if wo.Flags&uapi.WNOWAIT == 0 {
			s.Stop_unreported = false
		}
	case wo.Flags&uapi.WCONTINUED != 0 && s.Flags&SIGNAL_STOP_CONTINUED != 0:
		wo.Status = 0xffff
		wo.Code, wo.Si_status = uapi.CLD_CONTINUED, uapi.SIGCONT
		if wo.Flags&uapi.WNOWAIT == 0 {
			s.Flags &^= SIGNAL_STOP_CONTINUED
		}
	default:
		return false
	}
	wo.Ret_pid = p.Tgid
	// Linux getrusage(p, RUSAGE_BOTH): the process's and its children's.
	utime, stime := thread_group_cputime(p)
	cutime, cstime := group_children_cputime(p)
	fill_rusage(&wo.Rusage, utime+cutime, stime+cstime, p)
	return true
}
