package traps

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// Exception-table look-up and fixups. Linux: lib/extable.c
// (search_extable: a binary search), kernel/extable.c
// (search_exception_tables), arch/x86/mm/extable.c (fixup_exception and
// its handlers by type). Seeds: 002 "Fixup Activation Steps": the fault
// handler looks the faulting RIP up in the table and, if it is there,
// "modifies its own return address to point to the fault handle code and
// returns" — here, regs.IP, which error_return's IRETQ loads.

// Search_extable binary-searches a sorted table for the entry of
// instruction address value (Linux search_extable).
func Search_extable(table []asm.Exception_table_entry, value uintptr) *asm.Exception_table_entry {
	// LAB fault BEGIN
	lo, hi := 0, len(table)
	for lo < hi {
		mid := lo + (hi-lo)/2
		insn := asm.Ex_to_insn(&table[mid])
		switch {
		case value < insn:
			hi = mid
		case value > insn:
			lo = mid + 1
		default:
			return &table[mid]
		}
	}
	return nil
	// LAB fault SKELETON
	// // A binary search of the table, sorted by asm.Ex_to_insn(&table[i]).
	// printk.Pr_warn("LAB fault: Search_extable not implemented yet (looking up %#x)\n", printk.Int(value))
	// return nil
	// LAB fault END
}

// Extable_sorted reports whether the table is sorted by instruction
// address, strictly (each faulting instruction once).
func Extable_sorted(table []asm.Exception_table_entry) bool {
	for i := 1; i < len(table); i++ {
		if asm.Ex_to_insn(&table[i-1]) >= asm.Ex_to_insn(&table[i]) {
			return false
		}
	}
	return true
}

// Search_exception_tables finds the kernel's entry for addr (Linux
// search_exception_tables: the kernel's table, then the modules').
func Search_exception_tables(addr uintptr) *asm.Exception_table_entry {
	table, ok := asm.Ex_table()
	if !ok {
		return nil
	}
	return Search_extable(table, addr)
}

// Fixups counts the faults the exception table recovered.
var Fixups uint64

// fixup_exception moves regs.IP to the fixup of the faulting instruction,
// if it has one, and reports whether it did (Linux fixup_exception,
// ex_handler_default, ex_handler_uaccess).
func fixup_exception(regs *asm.PtRegs, trapnr uint64, error_code uint64) bool {
	e := Search_exception_tables(uintptr(regs.IP))
	if e == nil {
		return false
	}
	if e.Data == asm.EX_TYPE_UACCESS && trapnr == asm.X86_TRAP_GP && !warned_uaccess_gp {
		// Linux ex_handler_uaccess: a user access that raises #GP
		// used a non-canonical pointer.
		warned_uaccess_gp = true
		printk.Pr_warn("General protection fault in user access. Non-canonical address?\n")
	}
	// LAB fault BEGIN
	Fixups++
	regs.IP = uint64(asm.Ex_to_fixup(e))
	return true
	// LAB fault SKELETON
	// // Seeds/002 "Fixup Activation Steps": the handler "modifies its own
	// // return address to point to the fault handle code and returns" —
	// // here regs.IP, which the IRETQ loads; count it in Fixups.
	// printk.Pr_warn("LAB fault: fixup_exception not implemented yet (the fault at %#x has a fixup)\n", printk.Int(regs.IP))
	// return false
	// LAB fault END
}

var warned_uaccess_gp bool
