package traps

import (
	"gokern/arch/amd64/asm"
)

// The x86-64 system call: the SYSCALL instruction. Linux:
// arch/x86/entry/common.c (do_syscall_64, do_syscall_x64),
// entry/syscall_64.c (sys_call_table, generated from syscall_64.tbl).
// Seeds: 002 "Fast syscall Path", "Model-Specific Registers for
// syscalls".
//
// The x86-64 convention: RAX the number, RDI, RSI, RDX, R10, R8, R9 the
// arguments (R10, not RCX: SYSCALL keeps the return address in RCX and
// RFLAGS in R11), the result in RAX. entry_SYSCALL_64
// (arch/amd64/entry) builds the pt_regs and calls do_syscall_64 through
// entry.Syscall_hook; on return, SYSRET or IRETQ restores the registers.

// System call numbers of x86-64 (Linux arch/x86/entry/syscalls/syscall_64.tbl).
const (
	X__NR_read          = 0
	X__NR_write         = 1
	X__NR_open          = 2
	X__NR_close         = 3
	X__NR_mmap          = 9
	X__NR_mprotect      = 10
	X__NR_munmap        = 11
	X__NR_brk           = 12
	X__NR_getpid_64     = 39
	X__NR_clone         = 56
	X__NR_fork          = 57
	X__NR_vfork         = 58
	X__NR_execve        = 59
	X__NR_exit          = 60
	X__NR_wait4         = 61
	X__NR_uname         = 63
	X__NR_gettimeofday  = 96
	X__NR_getrusage     = 98
	X__NR_times         = 100
	X__NR_getuid        = 102
	X__NR_getgid        = 104
	X__NR_geteuid       = 107
	X__NR_getegid       = 108
	X__NR_getppid       = 110
	X__NR_arch_prctl    = 158
	X__NR_gettid        = 186
	X__NR_time          = 201
	X__NR_clock_gettime = 228
	X__NR_clock_getres  = 229
	X__NR_exit_group    = 231
	X__NR_waitid        = 247
	X__NR_openat        = 257
	X__NR_getcpu        = 309
	X__NR_syscalls_64   = 463 // Linux 6.12's __NR_syscalls
)

// Sys_call_table maps x86-64 system call numbers to their functions
// (Linux sys_call_table). Empty slots are sys_ni_syscall. The process,
// memory and file layers put their system calls in at boot.
var Sys_call_table [X__NR_syscalls_64]Sys_call_ptr_t

// Syscall64_count counts SYSCALL system calls.
var Syscall64_count uint64

// do_syscall_64 dispatches a SYSCALL (Linux do_syscall_64 →
// do_syscall_x64): the number is in orig_ax (the entry code saved RAX
// there), the result goes into regs.AX.
func do_syscall_64(regs *asm.PtRegs) {
	Syscall64_count++
	nr := regs.Orig_ax
	if nr < X__NR_syscalls_64 && Sys_call_table[nr] != nil {
		regs.AX = uint64(Sys_call_table[nr](regs))
	} else {
		regs.AX = uint64(sys_ni_syscall(regs))
	}
	if Syscall_trace {
		trace_syscall(regs)
	}
}
