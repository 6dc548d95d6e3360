package traps

import (
	"gokern/arch/amd64/asm"
	"gokern/paging"
	"gokern/printk"
)

// The page-fault handler. Linux: arch/x86/mm/fault.c (do_page_fault in
// the seeds and up to 5.7, exc_page_fault → handle_page_fault →
// do_kern_addr_fault / do_user_addr_fault since; bad_area_nosemaphore,
// kernelmode_fixup_or_oops, page_fault_oops, show_fault_oops,
// dump_pagetable). Seeds: 002 "Page Fault Handler" (the error code's
// three low bits: present, write, user), "Kernel Exception Handling".
//
// The CPU gives the faulting linear address in CR2 and pushes an error
// code (asm/trap_pf.go, SDM Vol. 3A §4.7, Figure 4-12):
//
//	bit 0 P     0: the page was not present; 1: a protection violation
//	bit 1 W/R   0: a read; 1: a write
//	bit 2 U/S   0: in supervisor mode; 1: in user mode (CPL 3)
//	bit 3 RSVD  a reserved bit was set in a paging entry
//	bit 4 I/D   an instruction fetch (with NX enabled)
//	bit 5 PK    a protection-key violation
//	bit 15 SGX / bit 6 SS  (SGX, shadow stack; gokern uses neither)
//
// User memory is paged in on demand (User_addr_fault_hook); nothing in
// the kernel's half is (no vmalloc faults: the kernel's tables are
// complete), so a kernel page fault is either expected, by an instruction
// in the exception table, or a bug: an oops.

// Pf_count counts page faults.
var Pf_count uint64

// User_addr_fault_hook handles a fault at a user address or in user mode
// (the memory and process layers set it): true when the access may be
// retried or the process was dealt with, false to go on as for a kernel
// fault (fixup or oops).
var User_addr_fault_hook func(regs *asm.PtRegs, error_code, address uint64) bool

// do_page_fault handles #PF.
func do_page_fault(regs *asm.PtRegs, error_code uint64) {
	// CR2 first: a fault inside this handler would overwrite it (Linux
	// reads it in the entry code for that reason).
	address := asm.Read_cr2()
	Pf_count++
	if LkdtmHandlerFault {
		lkdtm_handler_fault()
	}
	// A user address, or any fault in user mode: the process's (Linux
	// handle_page_fault → do_user_addr_fault). Demand paging resolves
	// it, or the process gets SIGSEGV; a kernel access that no VMA
	// allows falls through to the exception table (-EFAULT).
	if (address < asm.TASK_SIZE_MAX || regs.CS&3 != 0) && User_addr_fault_hook != nil && User_addr_fault_hook(regs, error_code, address) {
		return
	}
	// A kernel access that may fault on purpose (Linux
	// kernelmode_fixup_or_oops → fixup_exception): to a user address
	// (get_user, copy_from_user) or to kernel memory (the nofault
	// accessors).
	if fixup_exception(regs, asm.X86_TRAP_PF, error_code) {
		return
	}
	page_fault_oops(regs, error_code, address)
}

// LkdtmHandlerFault plants a bug in do_page_fault: a read of an unmapped
// page at its entry, every time (lkdtm=HANDLER_FAULT, gokern's). Each
// fault enters the handler again, which faults again, one trap frame
// deeper each time, until the CPU's push of a frame lands in the stack's
// guard page: it cannot deliver that #PF and raises #DF, on its IST
// stack, which reports the overflow. A fault inside the fault handler
// ends in a double-fault report, never a reset.
var LkdtmHandlerFault bool

// lkdtm_handler_fault is the planted bug (lkdtm=HANDLER_FAULT).
//
//go:noinline
func lkdtm_handler_fault() {
	_ = *(*uint64)(asm.KernelPtr(0xffffffffc0000000))
}

// page_fault_oops reports a page fault nothing can fix (Linux
// page_fault_oops): the reason, the error code decoded, the page-table
// entries of the address, then the oops. When the fault is the Go
// runtime's, faulting as it reports a kernel bug, the bug comes first and
// the page fault after it, as secondary (dumpstack.go).
func page_fault_oops(regs *asm.PtRegs, error_code, address uint64) {
	if catch_expected(regs) {
		return
	}
	headline := "BUG: unable to handle page fault"
	guard, s := false, (*asm.Stack_info)(nil)
	if info, ok := asm.This_cpu().Get_stack_info(uintptr(address)); ok && info.Guard != 0 && uintptr(address) >= info.Guard && uintptr(address) < info.Begin {
		guard, s, headline = true, info, "BUG: stack guard page was hit"
	} else if address < asm.PAGE_SIZE {
		headline = "BUG: kernel NULL pointer dereference"
	}
	oops_begin(regs, headline)
	oops.pf_error, oops.pf_address = error_code, address
	if oops_headline() {
		__die("Oops", regs, error_code, show_page_fault)
		oops_end(regs)
		return
	}
	switch {
	case guard:
		// Linux handle_stack_overflow, from page_fault_oops.
		printk.Pr_emerg("BUG: %s stack guard page was hit at %016x (stack is %016x..%016x)\n",
			printk.Str(asm.Stack_type_name(s.Type)), printk.Int(address), printk.Int(s.Begin), printk.Int(s.End-1))
	case address < asm.PAGE_SIZE:
		printk.Pr_emerg("BUG: kernel NULL pointer dereference, address: %016x\n", printk.Int(address))
	default:
		printk.Pr_emerg("BUG: unable to handle page fault for address: %016x\n", printk.Int(address))
	}
	show_page_fault(regs)
	printk.Pr_emerg("%s: vector %d (%s) error code %#x\n", printk.Str(exception_or_early()),
		printk.Int(regs.Vector), printk.Str(Exception_name(regs.Vector)), printk.Int(regs.Orig_ax))
	__die("Oops", regs, error_code, nil)
	oops_end(regs)
}

// show_page_fault prints what the page fault of the oops was: the error
// code decoded, a word about NX, the page-table walk.
func show_page_fault(regs *asm.PtRegs) {
	e, address := oops.pf_error, oops.pf_address
	if e&asm.X86_PF_INSTR != 0 {
		if pte, ok := lookup_pte(address); ok && pte&uint64(paging.PAGE_PRESENT) != 0 && pte&uint64(paging.PAGE_NX) != 0 {
			printk.Pr_crit("kernel tried to execute NX-protected page - exploit attempt? (uid: 0)\n")
		}
	}
	show_fault_oops(e, regs.CS&3 != 0)
	dump_pagetable(address)
}

// show_fault_oops decodes the error code as Linux's does: who accessed
// (the U/S bit), how, in which mode the CPU was, and why it faulted.
func show_fault_oops(e uint64, user_mode bool) {
	who, mode := "supervisor", "kernel"
	if e&asm.X86_PF_USER != 0 {
		who = "user"
	}
	if user_mode {
		mode = "user"
	}
	printk.Pr_emerg("#PF: %s %s in %s mode\n", printk.Str(who), printk.Str(Pf_access(e)), printk.Str(mode))
	printk.Pr_emerg("#PF: error_code(%#06x) - %s\n", printk.Int(e), printk.Str(Pf_cause(e)))
}

// Pf_access names the access of a page-fault error code.
func Pf_access(e uint64) string {
	// LAB fault BEGIN
	switch {
	case e&asm.X86_PF_INSTR != 0:
		return "instruction fetch"
	case e&asm.X86_PF_WRITE != 0:
		return "write access"
	}
	return "read access"
	// LAB fault SKELETON
	// // The error code's bits (asm.X86_PF_*, SDM Vol. 3A Figure 4-12):
	// // "instruction fetch", "write access" or "read access".
	// return "LAB fault: Pf_access not implemented yet"
	// LAB fault END
}

// Pf_cause names why a page fault happened.
func Pf_cause(e uint64) string {
	// LAB fault BEGIN
	switch {
	case e&asm.X86_PF_PROT == 0:
		return "not-present page"
	case e&asm.X86_PF_RSVD != 0:
		return "reserved bit violation"
	case e&asm.X86_PF_PK != 0:
		return "protection keys violation"
	}
	return "permissions violation"
	// LAB fault SKELETON
	// // "not-present page", "reserved bit violation", "protection keys
	// // violation" or "permissions violation".
	// return "LAB fault: Pf_cause not implemented yet"
	// LAB fault END
}

// walk_pagetable reads, through the direct map and without faulting, the
// entries that translate address, from the top level down to the leaf or
// the first entry that is not present, into out; n is how many it read,
// bad whether a table could not be read.
func walk_pagetable(address uint64, out *[5]uint64) (n int, bad bool) {
	table := asm.Read_cr3() &^ (asm.PAGE_SIZE - 1)
	va := paging.VirtAddr(address)
	index := [5]int{paging.Pgd_index(va), -1, paging.Pud_index(va), paging.Pmd_index(va), paging.Pte_index(va)}
	for lvl := 0; lvl < 5; lvl++ {
		var e uint64
		if index[lvl] < 0 {
			// No P4D level with 4-level paging: Linux prints the PGD
			// entry again as the P4D (p4d_offset folds to the PGD).
			e = out[lvl-1]
		} else {
			var err int
			e, err = asm.Get_kernel_nofault[uint64](uintptr(asm.PAGE_OFFSET + table + uint64(index[lvl])*8))
			if err != 0 {
				return n, true
			}
		}
		out[lvl] = e
		n++
		// With 4-level paging the PGD is always "present" to Linux's
		// walk (the P4D is folded into it), so it prints "PGD 0 P4D 0".
		if lvl > 0 && e&uint64(paging.PAGE_PRESENT) == 0 || (lvl >= 2 && lvl < 4 && e&uint64(paging.PAGE_PSE) != 0) {
			return n, false
		}
		table = e & paging.PTE_PFN_MASK
	}
	return n, false
}

// lookup_pte returns the leaf entry for address, if the walk reaches one.
func lookup_pte(address uint64) (uint64, bool) {
	var e [5]uint64
	n, bad := walk_pagetable(address, &e)
	if bad || n == 0 {
		return 0, false
	}
	return e[n-1], true
}

// dump_pagetable prints the entries that translate address (Linux
// dump_pagetable, one pr_cont per level): "PGD 1a0c067 P4D 1a0c067 PUD
// 1a0d067 PMD 0".
func dump_pagetable(address uint64) {
	var e [5]uint64
	n, bad := walk_pagetable(address, &e)
	for i := 0; i < n; i++ {
		switch i {
		case 0:
			printk.Pr_emerg("PGD %x ", printk.Int(e[0]))
		case 1:
			printk.Pr_cont("P4D %x ", printk.Int(e[1]))
		case 2:
			printk.Pr_cont("PUD %x ", printk.Int(e[2]))
		case 3:
			printk.Pr_cont("PMD %x ", printk.Int(e[3]))
		case 4:
			printk.Pr_cont("PTE %x", printk.Int(e[4]))
		}
	}
	if bad {
		printk.Pr_cont("BAD")
	}
	printk.Pr_cont("\n")
}
