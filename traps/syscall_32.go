package traps

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// The i386 system call: int $0x80. Linux: arch/x86/entry/common.c
// (do_int80_syscall_32, do_syscall_32_irqs_on), entry/syscall_32.c
// (ia32_sys_call_table, generated from syscall_32.tbl), kernel/sys_ni.c
// (sys_ni_syscall). Seeds: 002 "Userspace Kernel API: System Calls",
// "System Call Dispatching", "Predefined Syscall Interface (2.4)".
//
// The i386 convention: EAX holds the system call number, EBX, ECX, EDX,
// ESI, EDI and EBP the arguments (32 bits each), and the result comes back
// in EAX, negative errno values meaning failure. The number indexes
// sys_call_table; an unused number reaches sys_ni_syscall, -ENOSYS.
//
// The gate is DPL 3 (Set_system_intr_gate), so user code may INT $0x80;
// the selftest issues it from the kernel, which changes nothing on the
// way: the CPU pushes the same frame, and the table is the same. The
// system calls of the layers above traps (write, exit, brk: files,
// processes, memory) are put into the table at boot by their owners
// (kernel/exec's Register_syscalls), as hooks are (DESIGN.md §1).

// System call numbers of i386 (Linux arch/x86/entry/syscalls/syscall_32.tbl).
const (
	X__NR_ia32_exit       = 1
	X__NR_ia32_fork       = 2
	X__NR_ia32_read       = 3
	X__NR_ia32_write      = 4
	X__NR_ia32_waitpid    = 7
	X__NR_getpid          = 20
	X__NR_ia32_brk        = 45
	X__NR_umask           = 60
	X__NR_ia32_newuname   = 122
	X__NR_ia32_getuid32   = 199
	X__NR_ia32_getgid32   = 200
	X__NR_ia32_geteuid32  = 201
	X__NR_ia32_getegid32  = 202
	X__NR_getresuid32     = 209
	X__NR_ia32_exit_group = 252
)

// The syscall lab's i386 numbers and the table's size: the x86-64
// numbers (syscall_64.go says why); without the lab, Linux 6.12's 463.
// LAB syscall BEGIN
const (
	X__NR_ia32_my_first_sys_call  = 500
	X__NR_ia32_my_second_sys_call = 501
	NR_syscalls                   = 502
)

// LAB syscall SKELETON
// const NR_syscalls = 463 // Linux 6.12's __NR_syscalls
// LAB syscall END

// Sys_call_ptr_t is a system call: it takes the caller's registers and
// returns what goes into EAX (Linux sys_call_ptr_t, since 4.17).
type Sys_call_ptr_t func(regs *asm.PtRegs) int64

// Ia32_sys_call_table maps i386 system call numbers to their functions
// (Linux ia32_sys_call_table; in a 32-bit kernel, sys_call_table). An
// empty slot is sys_ni_syscall: Linux fills every slot it has no system
// call for with it ([0 ... __NR_ia32_syscall_max] = &sys_ni_syscall);
// Go's composite literals cannot repeat a value over a range, so the
// dispatcher substitutes it.
var Ia32_sys_call_table = [NR_syscalls]Sys_call_ptr_t{
	X__NR_getresuid32: sys_getresuid,
}

// Ia32_sys_x64_table holds the i386 system calls that are the x86-64
// function: their arguments are integers, or pointers to what both ABIs
// lay out alike. The dispatcher zero-extends EBX, ECX, EDX, ESI, EDI and
// EBP into RDI, RSI, RDX, R10, R8 and R9 for the call, as
// the __ia32_sys_ wrapper Linux's SYSCALL_DEFINE generates does; the
// function cuts an int argument back to 32 bits and sign-extends it.
var Ia32_sys_x64_table [NR_syscalls]Sys_call_ptr_t

// Syscall_count counts int $0x80 system calls.
var Syscall_count uint64

// do_int80_syscall_32 dispatches an int $0x80 (Linux
// do_int80_syscall_32): orig_ax keeps the number, as Linux's pt_regs
// does, for tracers and restarts. The gate cleared IF; the call runs with
// interrupts on, as do_syscall_64's does (Linux's local_irq_enable after
// syscall_32_enter): a copy from user memory that faults takes the mmap
// lock, whose holder may wait for this CPU's answer to a TLB shootdown.
// error_return turns them off again.
func do_int80_syscall_32(regs *asm.PtRegs) {
	asm.Native_irq_enable()
	Syscall_count++
	nr := uint32(regs.AX)
	regs.Orig_ax = uint64(nr)
	enosys := int64(-asm.ENOSYS)
	regs.AX = uint64(enosys)
	switch {
	case nr < NR_syscalls && Ia32_sys_call_table[nr] != nil:
		regs.AX = uint64(Ia32_sys_call_table[nr](regs))
	case nr < NR_syscalls && Ia32_sys_x64_table[nr] != nil:
		// In place, and back afterwards: a 64-bit program's int $0x80
		// keeps its registers (Linux preserves R8-R11 there too).
		di, si, dx, r10, r8, r9 := regs.DI, regs.SI, regs.DX, regs.R10, regs.R8, regs.R9
		regs.DI, regs.SI, regs.DX = uint64(uint32(regs.BX)), uint64(uint32(regs.CX)), uint64(uint32(dx))
		regs.R10, regs.R8, regs.R9 = uint64(uint32(si)), uint64(uint32(di)), uint64(uint32(regs.BP))
		ret := Ia32_sys_x64_table[nr](regs)
		regs.DI, regs.SI, regs.DX, regs.R10, regs.R8, regs.R9 = di, si, dx, r10, r8, r9
		regs.AX = uint64(ret)
	default:
		regs.AX = uint64(sys_ni_syscall(regs))
	}
	if Syscall_trace {
		trace_syscall(regs)
	}
}

// The arguments, i386 style: 32-bit registers, zero-extended (Linux
// SC_IA32_REGS_TO_ARGS).
func arg1(regs *asm.PtRegs) uint32 { return uint32(regs.BX) }
func arg2(regs *asm.PtRegs) uint32 { return uint32(regs.CX) }
func arg3(regs *asm.PtRegs) uint32 { return uint32(regs.DX) }

// sys_ni_syscall: the system call that is not implemented
// (kernel/sys_ni.c): -ENOSYS. A user program's first call of each
// unknown number is logged with the program's name (gokern: Linux is
// silent, which leaves a student guessing why a program fails).
func sys_ni_syscall(regs *asm.PtRegs) int64 {
	if regs.CS&3 != 0 {
		abi, bit := "x86-64", regs.Orig_ax
		if regs.Vector == asm.IA32_SYSCALL_VECTOR {
			abi, bit = "i386", regs.Orig_ax+NI_REPORTED
		}
		if regs.Orig_ax < NI_REPORTED && ni_reported[bit/64]&(1<<(bit%64)) == 0 {
			ni_reported[bit/64] |= 1 << (bit % 64)
			comm, pid := "?", 0
			if Current_comm != nil {
				comm, pid = Current_comm()
			}
			printk.Pr_warn("%s[%d]: unknown %s system call %d: -ENOSYS (reported once)\n",
				printk.Str(comm), printk.Int(pid), printk.Str(abi), printk.Int(regs.Orig_ax))
		}
	}
	return -asm.ENOSYS
}

// ni_reported: one bit per system call number already reported, the
// first NI_REPORTED numbers of x86-64 then of i386 (larger numbers are
// not reported: no program has them by mistake).
var ni_reported [2 * NI_REPORTED / 64]uint64

const NI_REPORTED = 1024

// Current_comm names the current process and its pid for the log lines
// of the system call and fault paths; the process layer sets it.
var Current_comm func() (string, int)

// sys_getresuid stores the real, effective and saved user ids at three
// user pointers (Linux kernel/sys.c getresuid, i386 getresuid32): all 0,
// root's, for now. A bad pointer faults inside put_user, whose fixup
// makes the call return -EFAULT: the seeds' exception-table example,
// end to end.
func sys_getresuid(regs *asm.PtRegs) int64 {
	for _, p := range [3]uint32{arg1(regs), arg2(regs), arg3(regs)} {
		if err := asm.Put_user(uint32(0), uintptr(p)); err != 0 {
			return int64(err)
		}
	}
	return 0
}

// The file system calls of i386 (kernel/sys registers them; syscall_32.tbl).
const (
	X__NR_ia32_link       = 9
	X__NR_ia32_unlink     = 10
	X__NR_ia32_chdir      = 12
	X__NR_ia32_lseek      = 19
	X__NR_ia32_mount      = 21
	X__NR_ia32_access     = 33
	X__NR_ia32_sync       = 36
	X__NR_ia32_rename     = 38
	X__NR_ia32_mkdir      = 39
	X__NR_ia32_rmdir      = 40
	X__NR_ia32_dup        = 41
	X__NR_ia32_pipe       = 42
	X__NR_ia32_umount2    = 52
	X__NR_ia32_ioctl      = 54
	X__NR_ia32_chroot     = 61
	X__NR_ia32_dup2       = 63
	X__NR_ia32_symlink    = 83
	X__NR_ia32_readlink   = 85
	X__NR_ia32_truncate   = 92
	X__NR_ia32_ftruncate  = 93
	X__NR_ia32_fsync      = 118
	X__NR_ia32_fchdir     = 133
	X__NR_ia32_fdatasync  = 148
	X__NR_ia32_poll       = 168
	X__NR_ia32_getcwd     = 183
	X__NR_ia32_getdents64 = 220
	X__NR_ia32_fcntl64    = 221
	X__NR_ia32_mkdirat    = 296
	X__NR_ia32_unlinkat   = 301
	X__NR_ia32_renameat   = 302
	X__NR_ia32_linkat     = 303
	X__NR_ia32_symlinkat  = 304
	X__NR_ia32_readlinkat = 305
	X__NR_ia32_faccessat  = 307
	X__NR_ia32_dup3       = 330
	X__NR_ia32_pipe2      = 331
	X__NR_ia32_renameat2  = 353
	X__NR_ia32_statx      = 383
	X__NR_ia32_faccessat2 = 439
	X__NR_ia32_open       = 5
	X__NR_ia32_close      = 6
)

// Sleeping and the system's own calls of i386 (kernel/sys registers
// them).
const (
	X__NR_ia32_syslog                 = 103
	X__NR_ia32_getrandom              = 355
	X__NR_ia32_clock_nanosleep_time64 = 407
)
