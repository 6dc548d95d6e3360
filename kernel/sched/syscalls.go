package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/cpumask"
)

// The scheduler's system calls. Linux: kernel/sched/syscalls.c
// (sched_yield, sched_getaffinity). Their numbers (syscall_64.tbl); the
// system-call layer puts them in the table, since traps sits above the
// scheduler.
const (
	X__NR_sched_yield       = 24
	X__NR_sched_getaffinity = 204
)

// Sys_sched_yield: the caller goes to the tail of its run queue (Linux
// do_sched_yield; with one round-robin class, yield_task_rt's requeue).
// The Go runtime's osyield, which spins on a lock another thread holds,
// gets that thread to run.
func Sys_sched_yield(r *asm.PtRegs) int64 {
	Yield()
	return 0
}

// Sys_sched_getaffinity: sched_getaffinity(pid, len, mask) (Linux
// SYSCALL_DEFINE3(sched_getaffinity)): the CPUs the task may run on —
// every online CPU, since gokern has no per-task affinity yet — as a
// bitmap of longs, and the bitmap's size in bytes (cpumask_size(): the
// longs that hold nr_cpu_ids bits). -EINVAL if len is not a multiple of
// 8 or too short for nr_cpu_ids bits, -ESRCH for no such pid, -EFAULT.
// runtime.NumCPU is the number of bits set.
func Sys_sched_getaffinity(r *asm.PtRegs) int64 {
	pid, n, user := int32(r.DI), r.SI, uintptr(r.DX)
	if n*8 < uint64(cpumask.Nr_cpu_ids) || n&7 != 0 {
		return -uapi.EINVAL
	}
	if pid != 0 && Find_task_by_pid(pid) == nil {
		return -uapi.ESRCH
	}
	size := uint64((cpumask.Nr_cpu_ids + 63) / 64 * 8)
	mask := cpumask.Cpu_online_mask.Bits()
	ret := min(n, size)
	if asm.Copy_to_user(user, uintptr(unsafe.Pointer(&mask)), uintptr(ret)) != 0 {
		return -uapi.EFAULT
	}
	return int64(ret)
}
