package main

import (
	"gokern/arch/amd64/asm"
	"gokern/cmdline"
	"gokern/drivers/debugexit"
	"gokern/printk"
	"gokern/traps"
)

// Deliberate crashes, to prove that every kind of kernel bug ends in an
// oops naming the function and line, never in a silent triple fault.
// Linux has the same idea in drivers/misc/lkdtm (crash types ACCESS_NULL,
// ARRAY_BOUNDS, EXHAUST_STACK, ...), triggered through debugfs ("direct
// entry") or when the kernel passes a named crash point (the cpoint_name=
// and cpoint_type= parameters). gokern takes both from the command line:
// lkdtm=TYPE crashes in kernel_init; lkdtm.cpoint_name=TRAP_INIT
// lkdtm.cpoint_type=TYPE crashes in start_kernel just before trap_init,
// while only the early IDT is there.

func lkdtm_trigger(cmd []byte) {
	v, ok := cmdline.Cmdline_find_option(cmd, "lkdtm")
	if !ok {
		return
	}
	printk.Pr_emerg("lkdtm: Performing direct entry %s\n", printk.Escaped(v))
	lkdtm_do_action(v)
}

// lkdtm_cpoint crashes if the command line names this crash point
// (Linux lkdtm_handler at a crash point's kprobe).
func lkdtm_cpoint(cmd []byte, name string) {
	v, ok := cmdline.Cmdline_find_option(cmd, "lkdtm.cpoint_name")
	if !ok || string(v) != name {
		return
	}
	typ, ok := cmdline.Cmdline_find_option(cmd, "lkdtm.cpoint_type")
	if !ok {
		printk.Pr_err("lkdtm: crash point %s without lkdtm.cpoint_type=\n", printk.Escaped(v))
		return
	}
	printk.Pr_emerg("lkdtm: Crash point %s of type %s hit, triggering\n", printk.Escaped(v), printk.Escaped(typ))
	lkdtm_do_action(typ)
}

// lkdtm_do_action performs the crash of type v (Linux lkdtm_do_action).
func lkdtm_do_action(v []byte) {
	switch string(v) {
	case "ACCESS_NULL":
		lkdtm_ACCESS_NULL()
	case "ARRAY_BOUNDS":
		lkdtm_ARRAY_BOUNDS(len(v))
	case "EXHAUST_STACK":
		lkdtm_EXHAUST_STACK(0)
	case "DIVIDE_ZERO":
		lkdtm_DIVIDE_ZERO(len(v) - len(v))
	case "UNMAPPED":
		lkdtm_UNMAPPED()
	case "PANIC":
		lkdtm_PANIC()
	case "OOPS_FAULT": // gokern's: the oops faults itself once (traps.LkdtmOopsFault)
		traps.LkdtmOopsFault = true
		lkdtm_ACCESS_NULL()
	case "DOUBLE_FAULT":
		lkdtm_DOUBLE_FAULT()
	case "EXEC_DATA", "EXEC_NULL", "HANDLER_FAULT", "HANDLER_FAULT_DF": // lkdtm_perms.go
		lkdtm_do_action_more(v)
	default:
		printk.Pr_err("lkdtm: unknown crash type %s (ACCESS_NULL, ARRAY_BOUNDS, EXHAUST_STACK, DIVIDE_ZERO, UNMAPPED, PANIC, OOPS_FAULT, DOUBLE_FAULT, EXEC_DATA, EXEC_NULL, HANDLER_FAULT, HANDLER_FAULT_DF)\n", printk.Escaped(v))
		return
	}
	printk.Pr_emerg("lkdtm: %s did not crash\n", printk.Bytes(v))
	debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
}

type lkdtm_struct struct {
	pad   [64]byte
	field uint64
}

var lkdtm_ptr *lkdtm_struct // nil

//go:noinline
func lkdtm_ACCESS_NULL() {
	printk.Pr_emerg("lkdtm: read %d\n", printk.Int(lkdtm_ptr.field))
}

var lkdtm_array [8]uint64

//go:noinline
func lkdtm_ARRAY_BOUNDS(n int) {
	i := n + 8 // out of range for [8]uint64, not provable at compile time
	lkdtm_array[i] = 1
}

//go:noinline
func lkdtm_EXHAUST_STACK(depth int) uint64 {
	var frame [1024]byte
	frame[depth&1023] = byte(depth)
	return lkdtm_EXHAUST_STACK(depth+1) + uint64(frame[(depth*7)&1023])
}

//go:noinline
func lkdtm_DIVIDE_ZERO(d int) {
	printk.Pr_emerg("lkdtm: %d\n", printk.Int(100/d))
}

// PANIC calls panic with a string, as Linux's lkdtm_PANIC does: the oops
// names the string (traps gopanic_string).
//
//go:noinline
func lkdtm_PANIC() {
	panic("dumptest")
}

// UNMAPPED reads an address in the kernel half that nothing maps.
//
//go:noinline
func lkdtm_UNMAPPED() {
	p := (*uint64)(asm.KernelPtr(0xffffffffc0000000))
	printk.Pr_emerg("lkdtm: read %d\n", printk.Int(*p))
}

// DOUBLE_FAULT: a fault the CPU cannot even begin to handle. Linux's
// lkdtm DOUBLE_FAULT (32-bit only) loads a bad SS; gokern points RSP at
// an unmapped page and pushes: the push faults (#PF), and delivering the
// #PF needs a push on the same stack, which faults again, so the CPU
// raises #DF, which its IST stack lets the kernel report: the "fault
// inside the fault handler" that ends in a double-fault report, never a
// reset.
func lkdtm_DOUBLE_FAULT() { lkdtm_double_fault(0xffffffffc0000000) }

// lkdtm_double_fault sets RSP to sp and pushes (lkdtm_amd64.s).
func lkdtm_double_fault(sp uintptr)
