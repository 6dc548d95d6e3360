package main

import (
	"gokern/printk"
	"unsafe"
)

// Crashes of Linux's drivers/misc/lkdtm/perms.c: code run where the page
// tables forbid it. Each ends in a #PF on the instruction fetch (error
// code bit 4, X86_PF_INSTR), and in an oops that blames the CALL.

// lkdtm_perms performs the crash types of perms.c (lkdtm_do_action).
func lkdtm_perms(v []byte) {
	switch string(v) {
	case "EXEC_DATA":
		lkdtm_EXEC_DATA()
	case "EXEC_NULL":
		lkdtm_EXEC_NULL()
	}
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
