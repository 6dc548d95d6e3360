package traps

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

// syscall_trace: a teaching aid, not a Linux option. With
// "syscall_trace" on the kernel command line, every system call a user
// program makes is printed when it returns, with the kernel function that
// served it, the six argument registers of its convention and the result:
//
//	busybox[1]: x86-64 158 sys_arch_prctl(0x1002, 0x4c9b80, ...) = 0
//
// Linux has no such thing in the kernel (strace does it from outside with
// ptrace, and ftrace's syscall events from inside); here it shows what a
// program asks of the kernel while there is no strace to run, and names
// the calls gokern lacks (sys_ni_syscall). A call that does not return
// (exit, a successful execve) prints nothing.

// Syscall_trace is set by the "syscall_trace" option (Trap_init).
var Syscall_trace bool

// trace_syscall prints one call that returned, its result in regs.AX.
func trace_syscall(regs *asm.PtRegs) {
	if regs.CS&3 == 0 {
		return
	}
	var fn Sys_call_ptr_t
	if nr := regs.Orig_ax; regs.Vector == asm.IA32_SYSCALL_VECTOR && nr < NR_syscalls {
		fn = Ia32_sys_call_table[nr]
		if fn == nil {
			fn = Ia32_sys_x64_table[nr] // the x86-64 function, zero-extended arguments
		}
	} else if regs.Vector != asm.IA32_SYSCALL_VECTOR && nr < X__NR_syscalls_64 {
		fn = Sys_call_table[nr]
	}
	comm, pid := "?", 0
	if Current_comm != nil {
		comm, pid = Current_comm()
	}
	name := "sys_ni_syscall"
	if fn != nil {
		// A func value points at a closure record whose first word is
		// the code's address.
		pc := **(**uintptr)(unsafe.Pointer(&fn))
		if sym, ok := kallsyms.Lookup(pc); ok {
			name = sym.Name
			for i := len(name) - 1; i >= 0; i-- {
				if name[i] == '.' || name[i] == '/' {
					name = name[i+1:]
					break
				}
			}
		}
	}
	abi := "x86-64"
	a := [6]uint64{regs.DI, regs.SI, regs.DX, regs.R10, regs.R8, regs.R9}
	if regs.Vector == asm.IA32_SYSCALL_VECTOR {
		abi = "i386"
		a = [6]uint64{regs.BX & 0xffffffff, regs.CX & 0xffffffff, regs.DX & 0xffffffff,
			regs.SI & 0xffffffff, regs.DI & 0xffffffff, regs.BP & 0xffffffff}
	}
	printk.Pr_info("%s[%d]: %s %d %s(%#x, %#x, %#x, %#x, %#x, %#x) = %d\n", printk.Str(comm), printk.Int(pid),
		printk.Str(abi), printk.Int(regs.Orig_ax), printk.Str(name),
		printk.Int(a[0]), printk.Int(a[1]), printk.Int(a[2]), printk.Int(a[3]), printk.Int(a[4]), printk.Int(a[5]), printk.Int(int64(regs.AX)))
}
