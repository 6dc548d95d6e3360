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
// The limits are the process's, shared by its threads and inherited on
// fork and kept across execve (copy_process copies them). Enforced where
// Linux enforces them: RLIMIT_NOFILE bounds the descriptors a process
// may open (fs alloc_fd, dup2/dup3, F_DUPFD; never past NR_OPEN, the
// hard limit's ceiling, as Linux's nr_open); RLIMIT_STACK sizes the stack
// a new program gets (kernel/exec, up to STACK_RLIMIT_MAX); RLIMIT_AS
// bounds the address space mmap may grow to. RLIMIT_NPROC is not
// enforced: Linux exempts root (INIT_USER) from it in copy_process, and
// every gokern process is root; fork stops at threads-max. The other
// limits are recorded only.

// MLOCK_LIMIT: RLIMIT_MEMLOCK's default (Linux 8 MiB since 5.16).
const MLOCK_LIMIT = 8 << 20

// init_rlimits gives init_task Linux's INIT_RLIMITS: RLIMIT_NOFILE 1024
// soft, 4096 hard (before, both were 1024, and syscall's TestOpenFileLimit,
// which opens 1200 files after the Go runtime raised its soft limit to
// the hard one, got EMFILE).
func init_rlimits(t *Task_struct) {
	inf := uapi.Rlimit64{Rlim_cur: uapi.RLIM_INFINITY, Rlim_max: uapi.RLIM_INFINITY}
	for i := range t.Rlim {
		t.Rlim[i] = inf
	}
	t.Rlim[uapi.RLIMIT_STACK] = uapi.Rlimit64{Rlim_cur: 8 << 20, Rlim_max: uapi.RLIM_INFINITY}
	t.Rlim[uapi.RLIMIT_CORE] = uapi.Rlimit64{Rlim_cur: 0, Rlim_max: uapi.RLIM_INFINITY}
	t.Rlim[uapi.RLIMIT_NOFILE] = uapi.Rlimit64{Rlim_cur: uapi.INR_OPEN_CUR, Rlim_max: uapi.INR_OPEN_MAX}
	t.Rlim[uapi.RLIMIT_MEMLOCK] = uapi.Rlimit64{Rlim_cur: MLOCK_LIMIT, Rlim_max: MLOCK_LIMIT}
	t.Rlim[uapi.RLIMIT_MSGQUEUE] = uapi.Rlimit64{Rlim_cur: 819200, Rlim_max: 819200}
	t.Rlim[uapi.RLIMIT_NICE] = uapi.Rlimit64{}
	t.Rlim[uapi.RLIMIT_RTPRIO] = uapi.Rlimit64{}
	// RLIMIT_NPROC and RLIMIT_SIGPENDING: Set_max_threads.
}

// rlim_owner is the task whose Rlim are t's process's limits: Linux
// keeps them in the signal_struct the threads share, gokern in the
// group leader's task (which outlives the other threads), so a
// setrlimit from any thread holds for all of them.
func rlim_owner(t *Task_struct) *Task_struct {
	if l := t.Group_leader; l != nil {
		return l
	}
	return t
}

// Task_rlimit is t's soft limit for resource (Linux task_rlimit).
func Task_rlimit(t *Task_struct, resource int) uint64 {
	return rlim_owner(t).Rlim[resource].Rlim_cur
}

// Rlimit is the current process's soft limit (Linux rlimit).
func Rlimit(resource int) uint64 { return Task_rlimit(Get_current(), resource) }

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
	o := rlim_owner(t)
	if old != nil {
		*old = o.Rlim[resource]
	}
	if new != nil {
		o.Rlim[resource] = *new
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
	pid := int32(r.DI)
	if pid == 0 {
		return rlimit_user(Get_current(), int(int32(r.SI)), uintptr(r.DX), uintptr(r.R10))
	}
	t := Find_get_task_by_pid(pid)
	if t == nil {
		return -uapi.ESRCH
	}
	ret := rlimit_user(t, int(int32(r.SI)), uintptr(r.DX), uintptr(r.R10))
	Put_task_struct(t)
	return ret
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
