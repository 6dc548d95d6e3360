package signal

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/drivers/tty"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/traps"
)

// Process groups and sessions, the job control that decides who gets a
// terminal's ^C: Linux kernel/sys.c (setpgid, getpgid, getpgrp, setsid,
// getsid) and the tty's side of it (drivers/tty/tty_jobctrl.c reads
// current->signal: its session, leadership and controlling terminal).
// The process group, the session, its leadership and its terminal are
// the process's signal_struct's (kernel/sched signal.go), shared by its
// threads.

// x86-64 and i386 numbers (syscall_64.tbl, syscall_32.tbl).
const (
	X__NR_setpgid      = 109
	X__NR_getpgrp      = 111
	X__NR_setsid       = 112
	X__NR_getpgid      = 121
	X__NR_getsid       = 124
	X__NR_ia32_setpgid = 57
	X__NR_ia32_getpgrp = 65
	X__NR_ia32_setsid  = 66
	X__NR_ia32_getpgid = 132
	X__NR_ia32_getsid  = 147
)

// jobctrl_init puts the calls into both tables and the job-control hooks
// into the tty.
func jobctrl_init() {
	traps.Sys_call_table[X__NR_setpgid] = sys_setpgid
	traps.Sys_call_table[X__NR_getpgrp] = sys_getpgrp
	traps.Sys_call_table[X__NR_setsid] = sys_setsid
	traps.Sys_call_table[X__NR_getpgid] = sys_getpgid
	traps.Sys_call_table[X__NR_getsid] = sys_getsid
	traps.Ia32_sys_call_table[X__NR_ia32_setpgid] = sys_setpgid_ia32
	traps.Ia32_sys_call_table[X__NR_ia32_getpgrp] = sys_getpgrp
	traps.Ia32_sys_call_table[X__NR_ia32_setsid] = sys_setsid
	traps.Ia32_sys_call_table[X__NR_ia32_getpgid] = sys_getpgid_ia32
	traps.Ia32_sys_call_table[X__NR_ia32_getsid] = sys_getsid_ia32
	tty.Hooks.Kill_pgrp = Kill_pgrp
	tty.Hooks.Is_ignored = Is_ignored
	tty.Hooks.Current_pgrp_session = current_pgrp_session
	tty.Hooks.Current_tty = current_tty
	tty.Hooks.Set_current_tty = set_current_tty
	tty.Hooks.Session_of_pgrp = session_of_pgrp
}

// for_each_process_leader calls fn for every live process (its group
// leader), until fn returns false, under tasklist_lock.
func for_each_process_leader(fn func(t *sched.Task_struct) bool) {
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	sched.For_each_process(func(t *sched.Task_struct) bool {
		if !user_task(t) {
			return true
		}
		Task_init_signal(t)
		if !ownsSignalStruct(t) {
			return true
		}
		return fn(t)
	})
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
}

// pgrp_exists: some process is in group pgrp of session sid (sid < 0: any).
func pgrp_exists(pgrp, sid int32) bool {
	found := false
	for_each_process_leader(func(t *sched.Task_struct) bool {
		if t.Signal.Pgrp == pgrp && (sid < 0 || t.Signal.Session == sid) {
			found = true
			return false
		}
		return true
	})
	return found
}

// Ksys_setpgid puts process pid (0: the caller) into group pgid (0: its
// own id) (Linux ksys_setpgid): the caller or one of its children, in the
// caller's session, not a session leader, into a group that exists in
// that session or is new and named after it.
func Ksys_setpgid(pid, pgid int32) int64 {
	cur := sched.Get_current()
	Task_init_signal(cur)
	if pid == 0 {
		pid = task_tgid(cur)
	}
	if pgid == 0 {
		pgid = pid
	}
	if pgid < 0 {
		return -uapi.EINVAL
	}
	p := find_get_task_by_vpid(pid)
	if p == nil {
		return -uapi.ESRCH
	}
	r := setpgid_task(p, cur, pid, pgid)
	sched.Put_task_struct(p)
	return r
}

// setpgid_task: Ksys_setpgid's checks and change on p, which the caller
// holds a reference to.
func setpgid_task(p, cur *sched.Task_struct, pid, pgid int32) int64 {
	Task_init_signal(p)
	if !same_thread_group(p, cur) {
		if p.Real_parent == nil || !same_thread_group(p.Real_parent, cur) {
			return -uapi.ESRCH
		}
		if p.Signal.Session != cur.Signal.Session {
			return -uapi.EPERM
		}
	}
	if p.Signal.Leader {
		return -uapi.EPERM
	}
	if pgid != pid && !pgrp_exists(pgid, cur.Signal.Session) {
		return -uapi.EPERM
	}
	p.Signal.Pgrp = pgid
	return 0
}

func sys_setpgid(r *asm.PtRegs) int64      { return Ksys_setpgid(int32(a1(r)), int32(a2(r))) }
func sys_setpgid_ia32(r *asm.PtRegs) int64 { return Ksys_setpgid(int32(r.BX), int32(r.CX)) }

// do_getpgid: process pid's group (0: the caller's), -ESRCH.
func do_getpgid(pid int32) int64 {
	if pid == 0 {
		c := sched.Get_current()
		Task_init_signal(c)
		return int64(c.Signal.Pgrp)
	}
	pgrp, _, ok := pgrp_session_of(pid)
	if !ok {
		return -uapi.ESRCH
	}
	return int64(pgrp)
}

// pgrp_session_of: process pid's group and session, read under
// tasklist_lock (the task cannot be freed meanwhile); false for no such
// process.
func pgrp_session_of(pid int32) (pgrp, sid int32, ok bool) {
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	if p := find_task_by_vpid(pid); p != nil {
		Task_init_signal(p)
		pgrp, sid, ok = p.Signal.Pgrp, p.Signal.Session, true
	}
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return pgrp, sid, ok
}

func sys_getpgid(r *asm.PtRegs) int64      { return do_getpgid(int32(a1(r))) }
func sys_getpgid_ia32(r *asm.PtRegs) int64 { return do_getpgid(int32(r.BX)) }
func sys_getpgrp(r *asm.PtRegs) int64      { return do_getpgid(0) }

// do_getsid: process pid's session (0: the caller's), -ESRCH.
func do_getsid(pid int32) int64 {
	if pid == 0 {
		p := sched.Get_current()
		Task_init_signal(p)
		return int64(p.Signal.Session)
	}
	_, sid, ok := pgrp_session_of(pid)
	if !ok {
		return -uapi.ESRCH
	}
	return int64(sid)
}

func sys_getsid(r *asm.PtRegs) int64      { return do_getsid(int32(a1(r))) }
func sys_getsid_ia32(r *asm.PtRegs) int64 { return do_getsid(int32(r.BX)) }

// Ksys_setsid makes the caller the leader of a new session and process
// group named after it, with no controlling terminal (Linux ksys_setsid):
// -EPERM if a process group of that id exists already (the caller leads
// one).
func Ksys_setsid() int64 {
	cur := sched.Get_current()
	Task_init_signal(cur)
	sid := task_tgid(cur)
	if pgrp_exists(sid, -1) {
		return -uapi.EPERM
	}
	cur.Signal.Leader = true
	cur.Signal.Session = sid
	cur.Signal.Tty = nil
	cur.Signal.Pgrp = sid
	return int64(sid)
}

func sys_setsid(r *asm.PtRegs) int64 { return Ksys_setsid() }

// The tty's hooks (tty_jobctrl.c's view of current->signal).

func current_pgrp_session() (pgrp, sid int, leader bool) {
	c := sched.Get_current()
	Task_init_signal(c)
	return int(c.Signal.Pgrp), int(c.Signal.Session), c.Signal.Leader
}

func current_tty() *tty.Tty_struct {
	c := sched.Get_current()
	Task_init_signal(c)
	return (*tty.Tty_struct)(c.Signal.Tty)
}

func set_current_tty(t *tty.Tty_struct) {
	c := sched.Get_current()
	Task_init_signal(c)
	c.Signal.Tty = unsafe.Pointer(t)
}

// session_of_pgrp: the session of group pgrp, -1 when it is empty (Linux
// session_of_pgrp).
func session_of_pgrp(pgrp int) int {
	sid := -1
	for_each_process_leader(func(t *sched.Task_struct) bool {
		if t.Signal.Pgrp == int32(pgrp) {
			sid = int(t.Signal.Session)
			return false
		}
		return true
	})
	return sid
}
