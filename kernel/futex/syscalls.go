package futex

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
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
	to := sched.MAX_SCHEDULE_TIMEOUT
	if timeout != nil {
		if cmd == uapi.FUTEX_WAIT_BITSET {
			// An absolute time on CLOCK_MONOTONIC or CLOCK_REALTIME:
			// gokern has neither clock to compare it with yet.
			report_op_once(cmd | 0x1000)
			return -uapi.ENOSYS
		}
		to = timeoutJiffies(timeout)
	}
	get := func() (uint32, int) { return asm.Get_user[uint32](uaddr) }
	return Futex_wait(&key, val, get, to, bitset)
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
	if cmd&0x1000 != 0 {
		i = 63
	}
	if reported[i] {
		return
	}
	reported[i] = true
	name, pid := "?", 0
	if traps.Current_comm != nil {
		name, pid = traps.Current_comm()
	}
	if cmd&0x1000 != 0 {
		printk.Pr_warn("%s[%d]: futex: FUTEX_WAIT_BITSET with an absolute timeout is not supported: -ENOSYS (reported once)\n",
			printk.Str(name), printk.Int(pid))
		return
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
	sched.Clear_child_tid_hook = futex_clear_child_tid
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
