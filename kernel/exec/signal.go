package exec

import (
	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kernel/signal"
	"gokern/mm"
	"gokern/printk"
)

// A program's faults: demand paging when its VMAs allow the access, a
// signal when they do not. Linux: arch/x86/mm/fault.c
// (do_user_addr_fault, bad_area, __bad_area_nosemaphore, show_signal_msg,
// print_vma_addr), arch/x86/kernel/traps.c (do_trap, show_signal,
// exc_general_protection's user branch). The signal is forced on the
// task (kernel/signal Force_sig_fault) and delivered on the way back to
// user mode: to the program's handler if it has one, else its default
// action kills the process. The kernel's line about the fault is printed
// only when no handler will see it, as Linux's show_unhandled_signals.

// Signal numbers (include/uapi/asm-generic/signal.h, x86).
const (
	SIGILL  = uapi.SIGILL
	SIGTRAP = uapi.SIGTRAP
	SIGBUS  = uapi.SIGBUS
	SIGFPE  = uapi.SIGFPE
	SIGKILL = uapi.SIGKILL
	SIGSEGV = uapi.SIGSEGV
)

// do_user_addr_fault is traps.User_addr_fault_hook: a fault at a user
// address (in user or kernel mode), or any fault in user mode. With
// interrupts on again if the faulting code had them (Linux
// do_user_addr_fault's local_irq_enable): the fault may wait for its
// mm's lock while the holder's TLB shootdown waits for this CPU.
func do_user_addr_fault(regs *asm.PtRegs, error_code, address uint64) bool {
	if regs.Flags&asm.X86_EFLAGS_IF == 0 {
		// The kernel touched user memory with interrupts off (user
		// mode always has them on). The fault may spin on the mmap
		// lock while its holder waits in a TLB shootdown for this CPU:
		// Linux's might_sleep in do_user_addr_fault reports it.
		might_fault_irqs_off(regs, address)
		return __do_user_addr_fault(regs, error_code, address)
	}
	asm.Native_irq_enable()
	ok := __do_user_addr_fault(regs, error_code, address)
	asm.Local_irq_disable()
	return ok
}

// Fault_irqs_off counts faults at user addresses taken with interrupts
// off; the first is reported.
var Fault_irqs_off uint64

// might_fault_irqs_off is Linux __might_sleep's report for a fault at a
// user address taken with interrupts off (irqs_disabled()), once.
func might_fault_irqs_off(regs *asm.PtRegs, address uint64) {
	p := sched.Get_current()
	if Fault_irqs_off++; Fault_irqs_off > 1 || p == nil {
		return
	}
	printk.Pr_err("BUG: sleeping function called from invalid context at do_user_addr_fault\n")
	printk.Pr_err("irqs_disabled(): 1, pid: %d, name: %s, address: %x, ip: %x\n", printk.Int(p.Pid),
		printk.Str(p.Name()), printk.Int(address), printk.Int(regs.IP))
}

func __do_user_addr_fault(regs *asm.PtRegs, error_code, address uint64) bool {
	p := sched.Get_current()
	user := regs.CS&3 != 0
	if p == nil || p.Mm == nil {
		return false // no process: the kernel's own fault
	}
	if address < asm.TASK_SIZE_MAX {
		sched.Mmap_write_lock(p.Mm)
		fault := mm.Handle_mm_fault(p.Mm, address, error_code)
		sched.Mmap_write_unlock(p.Mm)
		switch fault {
		case mm.VM_FAULT_OK:
			p.Min_flt++
			return true
		case mm.VM_FAULT_SIGBUS:
			// Linux do_sigbus: a file mapping's page past the end
			// of its file; a kernel access (copy_to_user) takes the
			// exception table's -EFAULT instead.
			if !user {
				return false
			}
			signal.Force_sig_fault(SIGBUS, uapi.BUS_ADRERR, address, asm.X86_TRAP_PF, error_code, address)
			return true
		case mm.VM_FAULT_OOM:
			// Linux pagefault_out_of_memory → the OOM killer; gokern
			// kills the faulting process, which is what the killer
			// would choose with one process.
			printk.Pr_err("Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB\n", printk.Int(p.Tgid),
				printk.Str(p.Name()), printk.Int(p.Mm.Total_vm*4), printk.Int(p.Mm.Rss*4))
			if user {
				Do_group_exit(SIGKILL)
			}
			return false
		}
	}
	if !user {
		// A kernel access to user memory that no VMA allows: the
		// exception table makes it -EFAULT (copy_from_user & co.).
		return false
	}
	// bad_area: the program touched memory it has no right to: no VMA
	// there (SEGV_MAPERR), or one that forbids the access (SEGV_ACCERR).
	code := uapi.SEGV_MAPERR
	sched.Mmap_write_lock(p.Mm)
	if v := mm.Find_vma(p.Mm, address); address < asm.TASK_SIZE_MAX && v != nil && v.Vm_start <= address {
		code = uapi.SEGV_ACCERR
	}
	sched.Mmap_write_unlock(p.Mm)
	if address >= asm.TASK_SIZE_MAX {
		// Linux set_signal_archinfo: a kernel address is reported as a
		// protection fault, whatever the page tables say.
		error_code |= asm.X86_PF_PROT
	}
	if signal.Unhandled_signal(SIGSEGV) {
		show_signal_msg(regs, error_code, address)
	}
	signal.Force_sig_fault(SIGSEGV, code, address, asm.X86_TRAP_PF, error_code, address)
	return true
}

// show_signal_msg prints Linux's line for a user page fault that kills
// (arch/x86/mm/fault.c show_signal_msg, print_vma_addr):
//
//	init[1]: segfault at 0 ip 0000000000401082 sp 00007ffffffffe40 error 4 in init[401000+1000]
//
// error is the page-fault error code (4: a user read of a page not
// present; 6: a user write; 15: a user instruction fetch of an NX page).
func show_signal_msg(regs *asm.PtRegs, error_code, address uint64) {
	p := sched.Get_current()
	printk.Pr_info("%s[%d]: segfault at %x ip %016x sp %016x error %x", printk.Str(p.Name()), printk.Int(p.Tgid),
		printk.Int(address), printk.Int(regs.IP), printk.Int(regs.SP), printk.Int(error_code))
	print_vma_addr(regs.IP)
	printk.Pr_cont("\n")
}

// print_vma_addr names the file mapping that holds ip, Linux's " in
// prog[start+size]" (mm/memory.c print_vma_addr).
func print_vma_addr(ip uint64) {
	p := sched.Get_current()
	if v := mm.Find_vma(p.Mm, ip); v != nil && v.Vm_start <= ip && v.Vm_file != nil {
		printk.Pr_cont(" in %s[%x+%x]", printk.Str(p.Name()), printk.Int(v.Vm_start), printk.Int(v.Vm_end-v.Vm_start))
	}
}

// do_user_trap is traps.User_trap_hook: an exception in user mode sends
// the trap's signal (Linux do_error_trap → do_trap → force_sig, with
// show_signal's line; #GP: exc_general_protection's "general protection
// fault" line).
func do_user_trap(regs *asm.PtRegs, trapnr, error_code uint64) {
	// The signal, its si_code and si_addr (Linux's do_trap arguments;
	// si_code 0 means force_sig: SI_KERNEL and no address).
	sig, code, str := SIGSEGV, 0, "general protection fault"
	addr := regs.IP
	switch trapnr {
	case asm.X86_TRAP_DE:
		sig, code, str = SIGFPE, uapi.FPE_INTDIV, "divide error"
	case asm.X86_TRAP_UD:
		sig, code, str = SIGILL, uapi.ILL_ILLOPN, "invalid opcode"
	case asm.X86_TRAP_BP, asm.X86_TRAP_DB:
		sig, str = SIGTRAP, "int3"
	case asm.X86_TRAP_OF:
		sig, str = SIGSEGV, "overflow"
	case asm.X86_TRAP_BR:
		sig, str = SIGSEGV, "bounds"
	case asm.X86_TRAP_AC:
		sig, code, str, addr = SIGBUS, uapi.BUS_ADRALN, "alignment check", 0
	case asm.X86_TRAP_MF, asm.X86_TRAP_XF:
		sig, str = SIGFPE, "floating point exception"
	case asm.X86_TRAP_NP:
		sig, str = SIGBUS, "segment not present"
	case asm.X86_TRAP_SS:
		sig, str = SIGBUS, "stack segment"
	}
	p := sched.Get_current()
	if p == nil || p.Mm == nil {
		return
	}
	if signal.Unhandled_signal(sig) {
		if trapnr == asm.X86_TRAP_GP {
			printk.Pr_info("traps: %s[%d] %s ip:%x sp:%x error:%x", printk.Str(p.Name()), printk.Int(p.Tgid),
				printk.Str(str), printk.Int(regs.IP), printk.Int(regs.SP), printk.Int(error_code))
		} else {
			printk.Pr_info("traps: %s[%d] trap %s ip:%x sp:%x error:%x", printk.Str(p.Name()), printk.Int(p.Tgid),
				printk.Str(str), printk.Int(regs.IP), printk.Int(regs.SP), printk.Int(error_code))
		}
		print_vma_addr(regs.IP)
		printk.Pr_cont("\n")
	}
	if code == 0 {
		signal.Force_sig_fault(sig, uapi.SI_KERNEL, 0, trapnr, error_code, 0)
		return
	}
	signal.Force_sig_fault(sig, code, addr, trapnr, error_code, 0)
}
