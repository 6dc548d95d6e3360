package exec

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kernel/sys"
	"gokern/mm"
	"gokern/traps"
)

// The system calls that make, replace and collect processes, and a
// process's own accounting. Linux: kernel/fork.c (fork, vfork, clone →
// kernel_clone), fs/exec.c (execve → do_execve: getname, copy_strings),
// kernel/exit.c (wait4, waitid; i386 waitpid), kernel/sys.c (getrusage,
// times), arch/x86/kernel/process_64.c (arch_prctl). The work is the
// scheduler's (kernel/sched fork.go, exit.go, process_64.go); these take
// the registers apart.

// sys_fork: a copy of the caller, which gets SIGCHLD at the child's exit.
func sys_fork(r *asm.PtRegs) int64 {
	args := sched.Kernel_clone_args{Exit_signal: sched.SIGCHLD}
	return int64(sched.Kernel_clone(&args))
}

// sys_vfork: the child shares the caller's memory, and the caller sleeps
// until the child has exec'd or exited (Linux: CLONE_VFORK | CLONE_VM).
func sys_vfork(r *asm.PtRegs) int64 {
	args := sched.Kernel_clone_args{Flags: sched.CLONE_VFORK | sched.CLONE_VM, Exit_signal: sched.SIGCHLD}
	return int64(sched.Kernel_clone(&args))
}

// sys_set_tid_address: set_tid_address(tidptr) (Linux kernel/fork.c):
// the caller's CLONE_CHILD_CLEARTID word becomes tidptr — zeroed and
// futex-woken at its exit — and it gets its tid back. glibc's start-up
// calls it for the main thread.
func sys_set_tid_address(r *asm.PtRegs) int64 {
	c := sched.Get_current()
	c.Clear_child_tid = uintptr(a1(r))
	return int64(c.Pid)
}

// sys_clone: clone(flags, newsp, parent_tid, child_tid, tls), x86-64's
// argument order (Linux CONFIG_CLONE_BACKWARDS is not x86-64's). The low
// byte of flags is the exit signal.
func sys_clone(r *asm.PtRegs) int64 {
	flags := a1(r)
	args := sched.Kernel_clone_args{Flags: flags &^ sched.CSIGNAL, Exit_signal: int32(flags & sched.CSIGNAL),
		Stack: a2(r), Parent_tid: uintptr(a3(r)), Child_tid: uintptr(a4(r)), Tls: a5(r)}
	return int64(sched.Kernel_clone(&args))
}

// sys_wait4: wait4(pid, wstatus, options, rusage).
func sys_wait4(r *asm.PtRegs) int64 {
	return int64(sched.Kernel_wait4(int32(a1(r)), uintptr(a2(r)), uint32(a3(r)), uintptr(a4(r))))
}

// sys_waitid: waitid(idtype, id, infop, options, rusage); P_PIDFD's id
// is a pidfd (pid.go).
func sys_waitid(r *asm.PtRegs) int64 {
	if int(int32(a1(r))) == uapi.P_PIDFD {
		return waitid_pidfd(int32(a2(r)), uintptr(a3(r)), uint32(a4(r)), uintptr(a5(r)))
	}
	return int64(sched.Kernel_waitid(int(int32(a1(r))), int32(a2(r)), uintptr(a3(r)), uint32(a4(r)), uintptr(a5(r))))
}

// sys_fork_ia32 and sys_waitpid_ia32: i386's fork and waitpid(pid,
// status, options) (wait4 without the rusage), EBX ECX EDX.
func sys_fork_ia32(r *asm.PtRegs) int64 { return sys_fork(r) }
func sys_waitpid_ia32(r *asm.PtRegs) int64 {
	return int64(sched.Kernel_wait4(int32(r.BX), uintptr(uint32(r.CX)), uint32(r.DX), 0))
}

// sys_arch_prctl: arch_prctl(option, addr).
func sys_arch_prctl(r *asm.PtRegs) int64 { return int64(sched.Do_arch_prctl_64(int(a1(r)), a2(r))) }

// sys_getrusage: getrusage(who, usage); sys_times: times(buf).
func sys_getrusage(r *asm.PtRegs) int64 {
	return int64(sched.Getrusage(int(int32(a1(r))), uintptr(a2(r))))
}
func sys_times(r *asm.PtRegs) int64 { return sched.Do_sys_times(uintptr(a1(r))) }

// execve's limits (Linux fs/exec.c bprm_stack_limits): the strings of
// argv and envp with their NULs, and a pointer each, must fit in a
// quarter of the stack limit (RLIMIT_STACK; 2 MiB by default), at most
// three quarters of _STK_LIM (6 MiB) and at least ARG_MAX (128 KiB,
// include/uapi/linux/limits.h); one string at most MAX_ARG_STRLEN (32
// pages). How many strings is bounded by those bytes alone, as on Linux
// (whose MAX_ARG_STRINGS, 0x7fffffff, is never the bound). Past any:
// -E2BIG.
const (
	ARG_MAX        = 128 << 10
	MAX_ARG_STRLEN = 32 * asm.PAGE_SIZE
	X_STK_LIM      = 8 << 20
)

// bprm_stack_limits is how many bytes argv's and envp's strings and
// pointers may take.
func bprm_stack_limits() int {
	return int(max(min(stack_size()/4, X_STK_LIM/4*3), ARG_MAX))
}

// exec_args holds execve's arguments in kernel memory (Linux keeps them
// in the new stack's pages of struct linux_binprm): Vec, the slices
// over the strings (argv first, then envp), then the strings, in one
// vmalloc sized by what the caller passes.
type exec_args struct {
	Vec  [][]byte
	Strs []byte
	Used int // bytes of Strs used
}

// count is how many strings the NULL-terminated array at uvec holds, and
// their bytes with NULs (Linux fs/exec.c count, and the strnlen_user
// copy_strings starts with): -EFAULT for a bad pointer, -E2BIG past
// limit, pointers included, or for a string past MAX_ARG_STRLEN.
func count(uvec uintptr, limit int) (n, bytes int) {
	for uvec != 0 {
		up, err := asm.Get_user[uint64](uvec + uintptr(n)*8)
		if err != 0 {
			return -asm.EFAULT, 0
		}
		if up == 0 {
			break
		}
		l := strnlen_user(uintptr(up), MAX_ARG_STRLEN)
		switch {
		case l == 0:
			return -asm.EFAULT, 0
		case l > MAX_ARG_STRLEN:
			return -asm.E2BIG, 0
		}
		n++
		bytes += l
		if bytes+8*n > limit {
			return -asm.E2BIG, 0
		}
	}
	return n, bytes
}

// strnlen_user is the length of the user string at s with its NUL, 0 if
// it faults, more than n if no NUL comes within n bytes (Linux
// strnlen_user).
func strnlen_user(s uintptr, n int) int {
	for i := 0; i < n; i++ {
		c, err := asm.Get_user[uint8](s + uintptr(i))
		if err != 0 {
			return 0
		}
		if c == 0 {
			return i + 1
		}
	}
	return n + 1
}

// copy_user_strings copies the first n strings of the array at uvec
// into a (Linux copy_strings, whose name binfmt_elf's
// Stack_image.Copy_strings has): how many, or -EFAULT, or -E2BIG when
// another thread lengthened them since count measured them.
func copy_user_strings(a *exec_args, vec [][]byte, uvec uintptr) int {
	for i := range vec {
		up, err := asm.Get_user[uint64](uvec + uintptr(i)*8)
		if err != 0 {
			return -asm.EFAULT
		}
		if up == 0 {
			return i
		}
		room := min(len(a.Strs)-a.Used, MAX_ARG_STRLEN)
		dst := a.Strs[a.Used : a.Used+room]
		l := asm.Strncpy_from_user(dst, uintptr(up))
		switch {
		case l < 0:
			return -asm.EFAULT
		case l == room:
			return -asm.E2BIG // no NUL within the room left
		}
		vec[i] = dst[:l]
		a.Used += l + 1
	}
	return len(vec)
}

// sys_execve: execve(filename, argv, envp) from user mode (Linux
// do_execve → do_execveat_common): the name and the strings are copied
// into the kernel first, since the old address space goes (counted and
// measured first, as Linux's count and bprm_stack_limits do, to size
// the copy); then Kernel_execve. On success the registers Start_thread
// wrote return to the new program (RAX 0); on failure the old program
// gets the error: -ENOENT, -ENOEXEC, -EFAULT (a bad pointer anywhere),
// -E2BIG, -ENOMEM.
func sys_execve(r *asm.PtRegs) int64 {
	limit := bprm_stack_limits()
	argc, argb := count(uintptr(a2(r)), limit)
	if argc < 0 {
		return int64(argc)
	}
	envc, envb := count(uintptr(a3(r)), limit-argb-8*argc)
	if envc < 0 {
		return int64(envc)
	}
	name, p, err := sys.Getname(uintptr(a1(r)))
	if err != 0 {
		return int64(err)
	}
	vsize := uintptr(argc+envc) * unsafe.Sizeof([]byte(nil))
	size := unsafe.Sizeof(exec_args{}) + vsize + uintptr(argb+envb)
	a := (*exec_args)(mm.Vmalloc(uint64(size)))
	if a == nil {
		mm.Kfree(p)
		return -asm.ENOMEM
	}
	base := unsafe.Add(unsafe.Pointer(a), unsafe.Sizeof(exec_args{}))
	a.Vec = unsafe.Slice((*[]byte)(base), argc+envc)
	a.Strs = unsafe.Slice((*byte)(unsafe.Add(base, vsize)), argb+envb)
	a.Used = 0
	ret := int64(0)
	argc = copy_user_strings(a, a.Vec[:argc], uintptr(a2(r)))
	if argc >= 0 {
		envc = copy_user_strings(a, a.Vec[argc:argc+envc], uintptr(a3(r)))
	}
	switch {
	case argc < 0:
		ret = int64(argc)
	case envc < 0:
		ret = int64(envc)
	default:
		ret = int64(Kernel_execve(name, a.Vec[:argc], a.Vec[argc:argc+envc]))
	}
	mm.Vfree(unsafe.Pointer(a))
	mm.Kfree(p)
	return ret
}

// proc_syscalls_init puts these system calls in the tables (from
// Register_syscalls).
func proc_syscalls_init() {
	t := &traps.Sys_call_table
	t[traps.X__NR_fork] = sys_fork
	t[traps.X__NR_vfork] = sys_vfork
	t[traps.X__NR_clone] = sys_clone
	t[traps.X__NR_execve] = sys_execve
	t[traps.X__NR_wait4] = sys_wait4
	t[traps.X__NR_waitid] = sys_waitid
	t[traps.X__NR_arch_prctl] = sys_arch_prctl
	t[traps.X__NR_getrusage] = sys_getrusage
	t[traps.X__NR_times] = sys_times
	pidfd_init()
	traps.Ia32_sys_call_table[traps.X__NR_ia32_fork] = sys_fork_ia32
	traps.Ia32_sys_call_table[traps.X__NR_ia32_waitpid] = sys_waitpid_ia32
}
