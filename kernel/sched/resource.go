package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
)

// Resource limits. Linux: include/asm-generic/resource.h (INIT_RLIMITS,
// the limits init starts with and every task inherits), kernel/sys.c
// (do_prlimit, prlimit64, getrlimit, setrlimit). The Go runtime's os
// package reads RLIMIT_NOFILE at start-up and raises the soft limit to
// the hard one (docs/go-on-gokern.md).
//
// gokern stores and reports the limits with Linux's checks; what enforces
// them is what gokern already has: the descriptor table stops at NR_OPEN
// (RLIMIT_NOFILE's hard limit, which cannot be raised past it, as Linux's
// nr_open), the stack VMA is RLIMIT_STACK's 8 MiB, and fork stops at
// threads-max. The other limits are recorded only.

// MLOCK_LIMIT: RLIMIT_MEMLOCK's default (Linux 8 MiB since 5.16).
const MLOCK_LIMIT = 8 << 20

// init_rlimits gives init_task Linux's INIT_RLIMITS, with gokern's
// descriptor cap for RLIMIT_NOFILE (Linux: 1024 soft, 4096 hard).
func init_rlimits(t *Task_struct) {
	inf := uapi.Rlimit64{Rlim_cur: uapi.RLIM_INFINITY, Rlim_max: uapi.RLIM_INFINITY}
	for i := range t.Rlim {
		t.Rlim[i] = inf
	}
	t.Rlim[uapi.RLIMIT_STACK] = uapi.Rlimit64{Rlim_cur: 8 << 20, Rlim_max: uapi.RLIM_INFINITY}
	t.Rlim[uapi.RLIMIT_CORE] = uapi.Rlimit64{Rlim_cur: 0, Rlim_max: uapi.RLIM_INFINITY}
	t.Rlim[uapi.RLIMIT_NOFILE] = uapi.Rlimit64{Rlim_cur: uapi.NR_OPEN, Rlim_max: uapi.NR_OPEN}
	t.Rlim[uapi.RLIMIT_MEMLOCK] = uapi.Rlimit64{Rlim_cur: MLOCK_LIMIT, Rlim_max: MLOCK_LIMIT}
	t.Rlim[uapi.RLIMIT_MSGQUEUE] = uapi.Rlimit64{Rlim_cur: 819200, Rlim_max: 819200}
	t.Rlim[uapi.RLIMIT_NICE] = uapi.Rlimit64{}
	t.Rlim[uapi.RLIMIT_RTPRIO] = uapi.Rlimit64{}
	// RLIMIT_NPROC and RLIMIT_SIGPENDING: Set_max_threads.
}

// Do_prlimit reads and/or sets t's limit resource (Linux do_prlimit):
// -EINVAL for an unknown resource or cur above max, -EPERM for
// RLIMIT_NOFILE past NR_OPEN (everyone is root in gokern, so raising a
// hard limit is otherwise allowed: CAP_SYS_RESOURCE).
func Do_prlimit(t *Task_struct, resource int, new, old *uapi.Rlimit64) int {
	if resource < 0 || resource >= uapi.RLIM_NLIMITS {
		return -asm.EINVAL
	}
	if new != nil {
		if new.Rlim_cur > new.Rlim_max {
			return -asm.EINVAL
		}
		if resource == uapi.RLIMIT_NOFILE && new.Rlim_max > uapi.NR_OPEN {
			return -uapi.EPERM
		}
	}
	if old != nil {
		*old = t.Rlim[resource]
	}
	if new != nil {
		t.Rlim[resource] = *new
	}
	return 0
}

// The system calls (syscall_64.tbl).
const (
	X__NR_getrlimit = 97
	X__NR_setrlimit = 160
	X__NR_prlimit64 = 302
)

// Sys_prlimit64: prlimit64(pid, resource, new, old); pid 0 is the caller.
func Sys_prlimit64(r *asm.PtRegs) int64 {
	t := Get_current()
	if pid := int32(r.DI); pid != 0 {
		if t = Find_task_by_pid(pid); t == nil {
			return -uapi.ESRCH
		}
	}
	return rlimit_user(t, int(int32(r.SI)), uintptr(r.DX), uintptr(r.R10))
}

// Sys_getrlimit and Sys_setrlimit: the caller's limit (Linux getrlimit,
// setrlimit: struct rlimit is struct rlimit64 on x86-64).
func Sys_getrlimit(r *asm.PtRegs) int64 {
	return rlimit_user(Get_current(), int(int32(r.DI)), 0, uintptr(r.SI))
}

func Sys_setrlimit(r *asm.PtRegs) int64 {
	return rlimit_user(Get_current(), int(int32(r.DI)), uintptr(r.SI), 0)
}

// rlimit_user copies the new limit in and the old one out around
// Do_prlimit.
func rlimit_user(t *Task_struct, resource int, unew, uold uintptr) int64 {
	var nl, ol uapi.Rlimit64
	np, op := (*uapi.Rlimit64)(nil), (*uapi.Rlimit64)(nil)
	if unew != 0 {
		if asm.Copy_from_user(uintptr(unsafe.Pointer(&nl)), unew, unsafe.Sizeof(nl)) != 0 {
			return -asm.EFAULT
		}
		np = &nl
	}
	if uold != 0 {
		op = &ol
	}
	if r := Do_prlimit(t, resource, np, op); r != 0 {
		return int64(r)
	}
	if uold != 0 && asm.Copy_to_user(uold, uintptr(unsafe.Pointer(&ol)), unsafe.Sizeof(ol)) != 0 {
		return -asm.EFAULT
	}
	return 0
}
