package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/printk"
)

// umask, sysinfo, prctl. Linux: kernel/sys.c. The credential calls are
// cred.go's.

// sys_umask sets the file-creation mask of the task's fs_struct and
// returns the old one (Linux: mask & S_IRWXUGO).
func sys_umask(r *asm.PtRegs) int64 { return int64(fs.Ksys_umask(uint32(a1(r)))) }

// Sysinfo is struct sysinfo of x86-64 (include/uapi/linux/sysinfo.h),
// 112 bytes.
type Sysinfo struct {
	Uptime    int64
	Loads     [3]uint64
	Totalram  uint64
	Freeram   uint64
	Sharedram uint64
	Bufferram uint64
	Totalswap uint64
	Freeswap  uint64
	Procs     uint16
	Pad       uint16
	_         uint32
	Totalhigh uint64
	Freehigh  uint64
	Mem_unit  uint32
	_         uint32
}

// SI_LOAD_SHIFT: sysinfo's loads are 16-bit fixed point.
const SI_LOAD_SHIFT = 16

// sys_sysinfo: sysinfo(info) (Linux do_sysinfo): the seconds since boot
// (rounded up, as Linux's), the load averages, RAM from the buddy
// allocator's counts (mem_unit 1: bytes, as Linux on 64-bit), the number
// of tasks; no swap, no high memory.
func sys_sysinfo(r *asm.PtRegs) int64 {
	ns := clock_ns(CLOCK_BOOTTIME)
	info := Sysinfo{
		Uptime:   int64((ns + NSEC_PER_SEC - 1) / NSEC_PER_SEC),
		Totalram: mm.Totalram_pages * asm.PAGE_SIZE,
		Freeram:  mm.Nr_free_pages() * asm.PAGE_SIZE,
		Procs:    uint16(sched.Nr_threads),
		Mem_unit: 1,
	}
	for i, l := range sched.Avenrun {
		info.Loads[i] = l << (SI_LOAD_SHIFT - FSHIFT)
	}
	return int64(copy_to_user_obj(uintptr(a1(r)), unsafe.Pointer(&info), unsafe.Sizeof(info)))
}

// prctl's options gokern serves (include/uapi/linux/prctl.h).
const (
	PR_GET_KEEPCAPS = 7
	PR_SET_KEEPCAPS = 8

	PR_SET_NAME = 15
	PR_GET_NAME = 16

	PR_SET_CHILD_SUBREAPER = 36
	PR_GET_CHILD_SUBREAPER = 37

	X__NR_prctl      = 157
	X__NR_ia32_prctl = 172
)

// getpriority and setpriority (Linux kernel/sys.c): which is a process
// (a task, by pid; 0 the caller), a process group or a user; the
// priority is the nice value, which getpriority returns as 20-nice, the
// highest of the tasks it finds (the C library turns it back).
const (
	PRIO_PROCESS = 0
	PRIO_PGRP    = 1
	PRIO_USER    = 2

	X__NR_getpriority = 140
	X__NR_setpriority = 141
)

// prio_match: t is one of which/who's tasks (Linux's loops over
// find_task_by_vpid, the group's tasks, the user's).
func prio_match(t, cur *sched.Task_struct, which int, who int32) bool {
	if t.Flags&sched.PF_IDLE != 0 || t.Exit_state != 0 {
		return false
	}
	switch which {
	case PRIO_PROCESS:
		return t.Pid == who || who == 0 && t == cur
	case PRIO_PGRP:
		if who == 0 && cur.Signal != nil {
			who = cur.Signal.Pgrp
		}
		return t.Signal != nil && t.Signal.Pgrp == who && t.Flags&sched.PF_KTHREAD == 0
	case PRIO_USER:
		if who == 0 {
			who = int32(cur.Cred.Uid)
		}
		return t.Cred.Uid == uint32(who) && t.Flags&sched.PF_KTHREAD == 0
	}
	return false
}

// sys_setpriority: setpriority(which, who, nice): every task found gets
// nice (clamped to [-20, 19]) if the caller's euid is its uid or euid
// or the caller has CAP_SYS_NICE (else -EPERM, Linux set_one_prio_perm)
// and, to lower it, RLIMIT_NICE or CAP_SYS_NICE allows (else -EACCES,
// can_nice); -ESRCH when none is found, -EINVAL for a bad which.
func sys_setpriority(r *asm.PtRegs) int64 {
	which, who, nice := int1(r), int32(a2(r)), int(int32(a3(r)))
	if which < PRIO_PROCESS || which > PRIO_USER {
		return -asm.EINVAL
	}
	nice = min(max(nice, sched.MIN_NICE), sched.MAX_NICE)
	cur := sched.Get_current()
	err := int64(-asm.ESRCH)
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	sched.For_each_process(func(t *sched.Task_struct) bool {
		if !prio_match(t, cur, which, who) {
			return true
		}
		switch {
		case t.Cred.Uid != cur.Cred.Euid && t.Cred.Euid != cur.Cred.Euid && !sched.Capable(sched.CAP_SYS_NICE):
			err = -asm.EPERM
		case nice < sched.Task_nice(t) && !sched.Can_nice(t, nice):
			err = -asm.EACCES
		default:
			sched.Set_user_nice(t, nice)
			if err == -asm.ESRCH {
				err = 0
			}
		}
		return true
	})
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return err
}

// sys_getpriority: getpriority(which, who): 20 minus the lowest nice
// value of the tasks found, or -ESRCH, -EINVAL.
func sys_getpriority(r *asm.PtRegs) int64 {
	which, who := int1(r), int32(a2(r))
	if which < PRIO_PROCESS || which > PRIO_USER {
		return -asm.EINVAL
	}
	cur := sched.Get_current()
	ret := int64(-asm.ESRCH)
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	sched.For_each_process(func(t *sched.Task_struct) bool {
		if prio_match(t, cur, which, who) {
			ret = max(ret, int64(20-sched.Task_nice(t)))
		}
		return true
	})
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
	return ret
}

// prctl_reported: the options already logged as unsupported (bit per
// option below 64).
var prctl_reported uint64

// propagate_has_child_subreaper tells every descendant of me's process
// that an ancestor is a child subreaper, so that its orphans look for
// one (Linux kernel/sys.c propagate_has_child_subreaper through
// walk_process_tree; a process forked later inherits it in
// Copy_sighand).
func propagate_has_child_subreaper(me *sched.Task_struct) {
	flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
	sched.For_each_process(func(t *sched.Task_struct) bool {
		if t.Signal == nil || t.Tgid == me.Tgid {
			return true
		}
		for p := t.Real_parent; p != nil && p != &sched.Init_task; p = p.Real_parent {
			if p.Tgid == me.Tgid {
				t.Signal.Has_child_subreaper = true
				break
			}
		}
		return true
	})
	sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
}

// sys_prctl: prctl(option, arg2, ...) (Linux kernel/sys.c). PR_SET_NAME
// sets the caller's comm from a user string (truncated to 15 bytes, as
// Linux), PR_GET_NAME copies it out with its NUL (16 bytes).
// PR_SET_CHILD_SUBREAPER makes the process the reaper of its orphaned
// descendants (find_new_reaper), PR_GET_CHILD_SUBREAPER reads it back
// as an int. PR_GET_KEEPCAPS and PR_SET_KEEPCAPS read and set the
// calling thread's SECBIT_KEEP_CAPS (Linux security/commoncap.c
// cap_task_prctl: 0 or 1, -EINVAL for anything else, -EPERM when
// locked). Any other
// option is -EINVAL, as Linux answers an option it does not know, and is
// logged once naming the option, so a program that needs one says so.
// (busybox's ash asks PR_GET_NAME at start-up.)
func sys_prctl(r *asm.PtRegs) int64 {
	c := sched.Get_current()
	switch opt := a1(r); opt {
	case PR_GET_KEEPCAPS:
		if c.Cred.Securebits&sched.SECBIT_KEEP_CAPS != 0 {
			return 1
		}
		return 0
	case PR_SET_KEEPCAPS:
		if a2(r) > 1 {
			return -uapi.EINVAL
		}
		if c.Cred.Securebits&sched.SECBIT_KEEP_CAPS_LOCKED != 0 {
			return -uapi.EPERM
		}
		if a2(r) == 1 {
			c.Cred.Securebits |= sched.SECBIT_KEEP_CAPS
		} else {
			c.Cred.Securebits &^= sched.SECBIT_KEEP_CAPS
		}
		return 0
	case PR_SET_NAME:
		var name [sched.TASK_COMM_LEN]byte
		if n := asm.Strncpy_from_user(name[:sched.TASK_COMM_LEN-1], uintptr(a2(r))); n < 0 {
			return int64(n)
		}
		c.Comm = name
		return 0
	case PR_GET_NAME:
		name := c.Comm
		return int64(fs.CopyObjToUser(uintptr(a2(r)), unsafe.Pointer(&name[0]), sched.TASK_COMM_LEN))
	case PR_SET_CHILD_SUBREAPER:
		if c.Signal == nil {
			return -uapi.EINVAL
		}
		c.Signal.Is_child_subreaper = a2(r) != 0
		if a2(r) != 0 {
			propagate_has_child_subreaper(c)
		}
		return 0
	case PR_GET_CHILD_SUBREAPER:
		v := uint32(0)
		if c.Signal != nil && c.Signal.Is_child_subreaper {
			v = 1
		}
		return int64(copy_to_user_obj(uintptr(a2(r)), unsafe.Pointer(&v), unsafe.Sizeof(v)))
	default:
		if opt < 64 && prctl_reported&(1<<opt) == 0 {
			prctl_reported |= 1 << opt
			printk.Pr_warn("%s[%d]: prctl option %d not supported: -EINVAL (reported once)\n",
				printk.Str(c.Name()), printk.Int(c.Tgid), printk.Int(opt))
		}
		return -uapi.EINVAL
	}
}
