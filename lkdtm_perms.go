package main

import (
	"gokern/printk"
	"gokern/traps"
	"unsafe"
)

// Crashes of Linux's drivers/misc/lkdtm/perms.c: code run where the page
// tables forbid it. Each ends in a #PF on the instruction fetch (error
// code bit 4, X86_PF_INSTR), and in an oops that blames the CALL. And
// gokern's HANDLER_FAULT: a fault inside the fault handler; with _DF, in
// the double fault's handler too.

// lkdtm_do_action_more performs the crash types of this file
// (lkdtm_do_action's).
func lkdtm_do_action_more(v []byte) {
	switch string(v) {
	case "EXEC_DATA":
		lkdtm_EXEC_DATA()
	case "EXEC_NULL":
		lkdtm_EXEC_NULL()
	case "HANDLER_FAULT":
		lkdtm_HANDLER_FAULT()
	case "HANDLER_FAULT_DF":
		// The double fault's report faults too (OOPS_FAULT's planted
		// read), on the #DF stack: the faults nest there until that stack
		// overflows, and the CPU raises #DF inside the #DF handler.
		traps.LkdtmOopsFault = true
		lkdtm_HANDLER_FAULT()
	}
}

// HANDLER_FAULT (gokern's): do_page_fault faults at its entry, every
// time (traps.LkdtmHandlerFault), and one read of an unmapped page
// starts it: the faults nest until the stack overflows into its guard
// page, and the double fault that follows is reported on its IST stack.
//
//go:noinline
func lkdtm_HANDLER_FAULT() {
	traps.LkdtmHandlerFault = true
	lkdtm_UNMAPPED()
}

// lkdtm_data_area: a RET in a data page, which NX keeps from running
// (Linux lkdtm's data_area, filled with a copy of do_nothing).
var lkdtm_data_area = [64]byte{0xc3}

// EXEC_DATA: a call into data (Linux lkdtm EXEC_DATA, execute_location):
// the instruction fetch faults on a present NX page, error code 0x11.
func lkdtm_EXEC_DATA() { lkdtm_execute_location(uintptr(unsafe.Pointer(&lkdtm_data_area[0]))) }

// EXEC_NULL: a call through a nil function pointer (Linux lkdtm
// EXEC_NULL): the fetch faults on the unmapped page 0, error code 0x10,
// and the oops cannot show the Code: bytes.
func lkdtm_EXEC_NULL() { lkdtm_execute_location(0) }

// lkdtm_execute_location calls fn (Linux execute_location).
func lkdtm_execute_location(fn uintptr) {
	printk.Pr_info("lkdtm: attempting bad execution at %p\n", printk.Int(fn))
	lkdtm_call(fn)
	printk.Pr_err("lkdtm: FAIL: func returned\n")
}

// lkdtm_call calls the code at fn (lkdtm_amd64.s).
func lkdtm_call(fn uintptr)
