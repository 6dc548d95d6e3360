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
)

// The syscall lab's numbers and the table's size (labs/syscall/README.md:
// past Linux's last, 470 listns in 6.19, with room for the ones Linux
// adds next, below x86-64's x32 range 512-547, and the same in both
// tables, as Linux numbers its calls since 424). Without the lab the size
// is Linux 6.12's __NR_syscalls, 463: the seeds' "the syscall table has a
// maximum number of entries", grown by hand.
// LAB syscall BEGIN
const (
	X__NR_my_first_sys_call  = 500
	X__NR_my_second_sys_call = 501
	X__NR_syscalls_64        = 502
)

// LAB syscall SKELETON
// const X__NR_syscalls_64 = 463 // Linux 6.12's __NR_syscalls
// LAB syscall END

// Sys_call_table maps x86-64 system call numbers to their functions
// (Linux sys_call_table). Empty slots are sys_ni_syscall. The process,
// memory and file layers put their system calls in at boot.
var Sys_call_table [X__NR_syscalls_64]Sys_call_ptr_t

// Syscall64_count counts SYSCALL system calls.
var Syscall64_count uint64

// do_syscall_64 dispatches a SYSCALL (Linux do_syscall_64 →
// do_syscall_x64): the number is in orig_ax (the entry code saved RAX
// there), the result goes into regs.AX.
//
// The call runs with interrupts on, as Linux's does
// (syscall_enter_from_user_mode's local_irq_enable); SYSCALL cleared IF
// only for the entry code, which sets it off again on the way out. A
// system call that spins with interrupts off on a lock whose holder waits
// for this CPU's answer to a TLB shootdown IPI stops both CPUs for good:
// clone's vmalloc of the new stack, spinning on init_mm_page_table_lock
// while another CPU's vfree held it across flush_tlb_kernel_range, hung
// a Go program's os/exec at -smp 4.
func do_syscall_64(regs *asm.PtRegs) {
	asm.Native_irq_enable()
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

// The file system calls (kernel/sys registers them; syscall_64.tbl).
const (
	X__NR_stat       = 4
	X__NR_fstat      = 5
	X__NR_lstat      = 6
	X__NR_poll       = 7
	X__NR_lseek      = 8
	X__NR_ioctl      = 16
	X__NR_pread64    = 17
	X__NR_pwrite64   = 18
	X__NR_readv      = 19
	X__NR_writev     = 20
	X__NR_access     = 21
	X__NR_sendfile   = 40
	X__NR_splice     = 275
	X__NR_pipe       = 22
	X__NR_select     = 23
	X__NR_dup        = 32
	X__NR_dup2       = 33
	X__NR_fcntl      = 72
	X__NR_fsync      = 74
	X__NR_fdatasync  = 75
	X__NR_truncate   = 76
	X__NR_ftruncate  = 77
	X__NR_getcwd     = 79
	X__NR_chdir      = 80
	X__NR_fchdir     = 81
	X__NR_rename     = 82
	X__NR_mkdir      = 83
	X__NR_rmdir      = 84
	X__NR_creat      = 85
	X__NR_link       = 86
	X__NR_unlink     = 87
	X__NR_symlink    = 88
	X__NR_readlink   = 89
	X__NR_umask_64   = 95
	X__NR_statfs     = 137
	X__NR_fstatfs    = 138
	X__NR_chroot     = 161
	X__NR_getresuid  = 118
	X__NR_getresgid  = 120
	X__NR_sync       = 162
	X__NR_mount      = 165
	X__NR_umount2    = 166
	X__NR_getdents64 = 217
	X__NR_mkdirat    = 258
	X__NR_newfstatat = 262
	X__NR_unlinkat   = 263
	X__NR_renameat   = 264
	X__NR_linkat     = 265
	X__NR_symlinkat  = 266
	X__NR_readlinkat = 267
	X__NR_faccessat  = 269
	X__NR_pselect6   = 270
	X__NR_ppoll      = 271
	X__NR_dup3       = 292
	X__NR_pipe2      = 293
	X__NR_syncfs     = 306
	X__NR_renameat2  = 316
	X__NR_statx      = 332
	X__NR_faccessat2 = 439
)

// File attributes and nodes (kernel/sys registers them; syscall_64.tbl).
const (
	X__NR_chmod     = 90
	X__NR_fchmod    = 91
	X__NR_chown     = 92
	X__NR_fchown    = 93
	X__NR_lchown    = 94
	X__NR_mknod     = 133
	X__NR_mknodat   = 259
	X__NR_fchownat  = 260
	X__NR_fchmodat  = 268
	X__NR_utimensat = 280
	X__NR_fchmodat2 = 452
)

// Sleeping and the system's own calls (kernel/sys registers them).
const (
	X__NR_nanosleep       = 35
	X__NR_sysinfo         = 99
	X__NR_syslog          = 103
	X__NR_clock_nanosleep = 230
	X__NR_getrandom       = 318
)
