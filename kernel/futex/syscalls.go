package futex

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/printk"
	"gokern/traps"
)

// The system call. Linux: kernel/futex/syscalls.c (sys_futex, do_futex,
// futex_init_timeout).

// X__NR_futex is futex's number (syscall_64.tbl: 202; syscall_32.tbl: 240).
const X__NR_futex = 202

// Do_futex runs one futex operation (Linux do_futex). gokern has
// FUTEX_WAIT, FUTEX_WAKE and their bitset forms; the requeue, wake-op,
// priority-inheritance and lock operations give -ENOSYS, as Linux does
// for an operation it does not know, and are reported once each.
func Do_futex(uaddr uintptr, op int, val uint32, timeout *uapi.X__kernel_timespec, val3 uint32) int {
	cmd := op & uapi.FUTEX_CMD_MASK
	var key Futex_key
	switch cmd {
	case uapi.FUTEX_WAIT, uapi.FUTEX_WAIT_BITSET, uapi.FUTEX_WAKE, uapi.FUTEX_WAKE_BITSET:
	default:
		report_op_once(cmd)
		return -uapi.ENOSYS
	}
	if op&uapi.FUTEX_CLOCK_REALTIME != 0 && cmd != uapi.FUTEX_WAIT_BITSET {
		return -uapi.ENOSYS // Linux: FUTEX_CLOCK_REALTIME is only for the absolute waits
	}
	if r := Get_futex_key(uaddr, &key); r != 0 {
		return r
	}
	bitset := uint32(uapi.FUTEX_BITSET_MATCH_ANY)
	if cmd == uapi.FUTEX_WAIT_BITSET || cmd == uapi.FUTEX_WAKE_BITSET {
		bitset = val3
	}
	if cmd == uapi.FUTEX_WAKE || cmd == uapi.FUTEX_WAKE_BITSET {
		return Futex_wake(&key, int(int32(val)), bitset)
	}
	to, deadline := sched.MAX_SCHEDULE_TIMEOUT, uint64(0)
	if timeout != nil {
		ns := uint64(timeout.Tv_sec)*uapi.NSEC_PER_SEC + uint64(timeout.Tv_nsec)
		now := ktime.Ktime_get_ns()
		if cmd == uapi.FUTEX_WAIT_BITSET {
			// An absolute time (Linux futex_init_timeout): on
			// CLOCK_MONOTONIC, or CLOCK_REALTIME with
			// FUTEX_CLOCK_REALTIME, taken to CLOCK_MONOTONIC by the
			// clocks' present offset (a later settimeofday does not
			// move it, where Linux's realtime hrtimer would follow).
			if op&uapi.FUTEX_CLOCK_REALTIME != 0 {
				ns = ns - ktime.Ktime_get_real_ns() + now
			}
			deadline = max(ns, 1)
			to = deadlineJiffies(deadline, now)
		} else {
			deadline = now + ns
			to = timeoutJiffies(timeout)
		}
	}
	get := func() (uint32, int) { return asm.Get_user[uint32](uaddr) }
	return futexWaitDeadline(&key, val, get, to, deadline, bitset)
}

// sys_futex: futex(uaddr, op, val, timeout, uaddr2, val3) (Linux
// SYSCALL_DEFINE6(futex)). The timeout is read here, validated as
// futex_init_timeout does: -EFAULT, or -EINVAL for a negative time or
// nanoseconds outside [0, 1e9).
func sys_futex(r *asm.PtRegs) int64 {
	op := int(int32(r.SI))
	var ts uapi.X__kernel_timespec
	var tp *uapi.X__kernel_timespec
	if r.R10 != 0 && op&uapi.FUTEX_CMD_MASK != uapi.FUTEX_WAKE && op&uapi.FUTEX_CMD_MASK != uapi.FUTEX_WAKE_BITSET {
		if asm.Copy_from_user(uintptr(unsafe.Pointer(&ts)), uintptr(r.R10), unsafe.Sizeof(ts)) != 0 {
			return -uapi.EFAULT
		}
		if ts.Tv_sec < 0 || ts.Tv_nsec < 0 || ts.Tv_nsec >= uapi.NSEC_PER_SEC {
			return -uapi.EINVAL
		}
		tp = &ts
	}
	return int64(Do_futex(uintptr(r.DI), op, uint32(r.DX), tp, uint32(r.R9)))
}

// reported: the operations already logged as unsupported.
var reported [64]bool

func report_op_once(cmd int) {
	i := cmd & 63
	if reported[i] {
		return
	}
	reported[i] = true
	name, pid := "?", 0
	if traps.Current_comm != nil {
		name, pid = traps.Current_comm()
	}
	printk.Pr_warn("%s[%d]: futex: operation %d is not supported: -ENOSYS (reported once)\n", printk.Str(name), printk.Int(pid), printk.Int(cmd))
}

// Futex_init puts futex in the system call table (Linux futex_init, a
// core_initcall, sizes the hash; the table is static here).
func Futex_init() {
	for i := range futex_queues {
		futex_queues[i].lock.Owner_cpu = -1
	}
	traps.Sys_call_table[X__NR_futex] = sys_futex
	traps.Sys_call_table[X__NR_set_robust_list] = sys_set_robust_list
	traps.Sys_call_table[X__NR_get_robust_list] = sys_get_robust_list
	sched.Clear_child_tid_hook = futex_clear_child_tid
	sched.Exit_robust_list_hook = exit_robust_list
}

// set_robust_list and get_robust_list (syscall_64.tbl).
const (
	X__NR_set_robust_list = 273
	X__NR_get_robust_list = 274
)

// Robust_list_head is struct robust_list_head (include/uapi/linux/
// futex.h): the list's first link, the offset from a link to its futex
// word, and the link of a lock being taken or released right now.
type Robust_list_head struct {
	Next            uint64
	Futex_offset    int64
	List_op_pending uint64
}

// sys_set_robust_list: set_robust_list(head, len) (Linux
// kernel/futex/syscalls.c): only records head, after checking len is
// the structure's size (-EINVAL). glibc calls it for every thread it
// starts, the main one included.
func sys_set_robust_list(r *asm.PtRegs) int64 {
	if r.SI != uint64(unsafe.Sizeof(Robust_list_head{})) {
		return -uapi.EINVAL
	}
	sched.Get_current().Robust_list = uintptr(r.DI)
	return 0
}

// sys_get_robust_list: get_robust_list(pid, head_ptr, len_ptr): the head
// of pid's (0: the caller's) list and its size; -ESRCH for no such task.
// Linux also asks for ptrace access to another process's; every process
// is allowed here only if the caller is root or the same real uid.
func sys_get_robust_list(r *asm.PtRegs) int64 {
	head := sched.Get_current().Robust_list
	if pid := int32(r.DI); pid != 0 {
		t := sched.Find_get_task_by_pid(pid)
		if t == nil {
			return -uapi.ESRCH
		}
		c := &sched.Get_current().Cred
		denied := c.Euid != 0 && c.Uid != t.Cred.Uid
		head = t.Robust_list
		sched.Put_task_struct(t)
		if denied {
			return -uapi.EPERM
		}
	}
	if e := asm.Put_user(uint64(unsafe.Sizeof(Robust_list_head{})), uintptr(r.DX)); e != 0 {
		return int64(e)
	}
	return int64(asm.Put_user(uint64(head), uintptr(r.SI)))
}

// ROBUST_LIST_LIMIT: at most this many links are followed, so a circular
// list cannot hold an exiting task (Linux's value).
const ROBUST_LIST_LIMIT = 2048

// exit_robust_list releases every futex on the exiting task's robust
// list (Linux exit_robust_list): each word that still holds its tid gets
// FUTEX_OWNER_DIED, keeping FUTEX_WAITERS, and one waiter is woken to
// find the lock's owner gone (pthread_mutex_lock returns EOWNERDEAD). The
// pending link is handled last. A fault ends the walk, as in Linux.
// Linux updates each word with a cmpxchg against other threads; gokern
// reads and writes it, which holds as long as no other thread of the
// process runs at the same time on another CPU.
func exit_robust_list(head uintptr) {
	var h Robust_list_head
	if asm.Copy_from_user(uintptr(unsafe.Pointer(&h)), head, unsafe.Sizeof(h)) != 0 {
		return
	}
	entry, pending := uintptr(h.Next), uintptr(h.List_op_pending)
	for limit := ROBUST_LIST_LIMIT; entry != head && limit > 0; limit-- {
		next, e := asm.Get_user[uint64](entry &^ 1)
		if e != 0 {
			return
		}
		if entry != pending {
			handle_futex_death(uintptr(int64(entry&^1)+h.Futex_offset), entry&1 != 0)
		}
		entry = uintptr(next)
	}
	if pending != 0 {
		handle_futex_death(uintptr(int64(pending&^1)+h.Futex_offset), pending&1 != 0)
	}
}

// handle_futex_death marks one futex word whose owner is the exiting
// task (Linux handle_futex_death); pi: a priority-inheritance futex,
// whose waiters the PI code would wake (gokern has none).
func handle_futex_death(uaddr uintptr, pi bool) {
	uval, e := asm.Get_user[uint32](uaddr)
	if e != 0 || uval&uapi.FUTEX_TID_MASK != uint32(sched.Get_current().Pid) {
		return
	}
	if asm.Put_user(uval&uapi.FUTEX_WAITERS|uapi.FUTEX_OWNER_DIED, uaddr) != 0 {
		return
	}
	if !pi && uval&uapi.FUTEX_WAITERS != 0 {
		var key Futex_key
		if Get_futex_key(uaddr, &key) == 0 {
			Futex_wake(&key, 1, uapi.FUTEX_BITSET_MATCH_ANY)
		}
	}
}

// futex_clear_child_tid is an exiting thread's CLONE_CHILD_CLEARTID (Linux
// mm_release): the word set to 0 and one waiter woken, so that
// pthread_join's futex wait on it returns. A fault is ignored, as Linux
// ignores it.
func futex_clear_child_tid(uaddr uintptr) {
	if asm.Put_user(uint32(0), uaddr) != 0 {
		return
	}
	var key Futex_key
	if Get_futex_key(uaddr, &key) == 0 {
		Futex_wake(&key, 1, uapi.FUTEX_BITSET_MATCH_ANY)
	}
}
