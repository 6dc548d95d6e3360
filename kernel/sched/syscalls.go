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
	X__NR_sched_setaffinity = 203
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
// SYSCALL_DEFINE3(sched_getaffinity)): the online CPUs the task may run
// on (its Cpus_mask, Linux cpumask_and(mask, &p->cpus_mask,
// cpu_active_mask)) as a bitmap of longs, and the bitmap's size in bytes (cpumask_size(): the
// longs that hold nr_cpu_ids bits). -EINVAL if len is not a multiple of
// 8 or too short for nr_cpu_ids bits, -ESRCH for no such pid, -EFAULT.
// runtime.NumCPU is the number of bits set.
func Sys_sched_getaffinity(r *asm.PtRegs) int64 {
	pid, n, user := int32(r.DI), r.SI, uintptr(r.DX)
	if n*8 < uint64(cpumask.Nr_cpu_ids) || n&7 != 0 {
		return -uapi.EINVAL
	}
	p := Get_current()
	if pid != 0 {
		if p = Find_get_task_by_pid(pid); p == nil {
			return -uapi.ESRCH
		}
	}
	size := uint64((cpumask.Nr_cpu_ids + 63) / 64 * 8)
	mask := cpumask.Cpu_online_mask.Bits() & p.Cpus_mask
	if pid != 0 {
		Put_task_struct(p)
	}
	ret := min(n, size)
	if asm.Copy_to_user(user, uintptr(unsafe.Pointer(&mask)), uintptr(ret)) != 0 {
		return -uapi.EFAULT
	}
	return int64(ret)
}

// Sys_sched_setaffinity: sched_setaffinity(pid, len, mask) (Linux
// SYSCALL_DEFINE3(sched_setaffinity) → sched_setaffinity →
// __set_cpus_allowed_ptr): the task (0: the caller) may run only on the
// CPUs of mask from then on, and leaves a CPU that is no longer in it at
// once. Bits beyond the kernel's NR_CPUS are ignored, as Linux ignores
// those beyond nr_cpu_ids. -EINVAL when no CPU of mask is online, -ESRCH
// for no such pid, -EFAULT for a bad mask.
func Sys_sched_setaffinity(r *asm.PtRegs) int64 {
	pid, n, user := int32(r.DI), r.SI, uintptr(r.DX)
	var mask uint64
	if asm.Copy_from_user(uintptr(unsafe.Pointer(&mask)), user, uintptr(min(n, 8))) != 0 {
		return -uapi.EFAULT
	}
	if asm.NR_CPUS < 64 {
		mask &= 1<<asm.NR_CPUS - 1
	}
	if pid == 0 {
		return int64(Set_cpus_allowed_ptr(Get_current(), mask))
	}
	p := Find_get_task_by_pid(pid)
	if p == nil {
		return -uapi.ESRCH
	}
	ret := Set_cpus_allowed_ptr(p, mask)
	Put_task_struct(p)
	return int64(ret)
}
