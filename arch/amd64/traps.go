package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

// Early exception handling, Linux arch/x86/kernel/head64.c
// (do_early_exception), arch/x86/mm/extable.c (early_fixup_exception) and
// arch/x86/kernel/dumpstack.c (__die, show_regs, show_trace_log_lvl).
// Before trap_init every exception is fatal: print everything a student
// needs to find the bug, then stop. Never a silent triple fault.

var exceptionNames = [asm.NUM_EXCEPTION_VECTORS]string{
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range exceeded", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack-segment fault", "#GP general protection",
	"#PF page fault", "reserved (15)", "#MF x87 floating-point error",
	"#AC alignment check", "#MC machine check", "#XM SIMD floating-point",
	"#VE virtualization", "#CP control protection", "reserved (22)", "reserved (23)",
	"reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved (31)",
}

var in_early_exception bool

// do_early_exception is called by early_idt_handler_common on the
// exception stack with interrupts off. It does not return.
//
//go:nosplit
func do_early_exception(regs *asm.PtRegs) {
	if in_early_exception {
		// A fault while reporting a fault: say so without printk and stop.
		Early_puts("\nearly exception inside the early exception handler: halting\n")
		Debug_exit(DEBUG_EXIT_FAILURE)
	}
	in_early_exception = true
	die_early(regs)
}

func die_early(regs *asm.PtRegs) {
	vec := int(regs.Vector)
	name := "unknown vector"
	if vec < asm.NUM_EXCEPTION_VECTORS {
		name = exceptionNames[vec]
	}
	cr2 := asm.Read_cr2()

	// Headline, as Linux's page_fault_oops / die: what went wrong.
	culprit, kind := oops_culprit(regs)
	switch {
	case kind != "":
		printk.Emerg("kernel BUG: %s\n", printk.Str(kind))
	case vec == asm.X86_TRAP_PF && cr2 < 4096:
		printk.Emerg("BUG: kernel NULL pointer dereference, address: %#018x\n", printk.Int(cr2))
	case vec == asm.X86_TRAP_PF:
		printk.Emerg("BUG: unable to handle page fault for address: %#018x\n", printk.Int(cr2))
	}
	if vec == asm.X86_TRAP_PF {
		e := regs.Orig_ax
		access, cause := "read", "not-present page"
		if e&asm.X86_PF_WRITE != 0 {
			access = "write"
		}
		if e&asm.X86_PF_INSTR != 0 {
			access = "instruction fetch"
		}
		if e&asm.X86_PF_PROT != 0 {
			cause = "permissions violation"
		}
		if e&asm.X86_PF_RSVD != 0 {
			cause = "reserved bit violation"
		}
		printk.Emerg("#PF: supervisor %s access in kernel mode\n", printk.Str(access))
		printk.Emerg("#PF: error_code(%#06x) - %s\n", printk.Int(e), printk.Str(cause))
	}
	printk.Emerg("early exception: vector %d (%s) error code %#x\n", printk.Int(vec), printk.Str(name), printk.Int(regs.Orig_ax))
	if culprit != 0 {
		if sym, ok := kallsyms.Lookup(culprit); ok {
			printk.Emerg("in kernel code at %s (%s:%d)\n", printk.Str(sym.Name), printk.Str(sym.File), printk.Int(sym.Line))
		}
	}
	show_regs(regs, cr2)
	show_trace(regs)
	printk.Emerg("Kernel panic - not syncing: early exception %d (%s)\n", printk.Int(vec), printk.Str(name))
	Debug_exit(DEBUG_EXIT_FAILURE)
}

// oops_culprit looks through the frames for the Go runtime's failure
// paths. Kernel Go has no runtime behind it (DESIGN.md §4): a bounds check
// calls runtime.panicBounds, a failed stack check runtime.morestack, and
// both then fault on the g's nil m. The oops names the kernel function that
// called into them instead of the runtime's code.
func oops_culprit(regs *asm.PtRegs) (pc uintptr, kind string) {
	var frames [64]uintptr
	n := collect_frames(regs, frames[:])
	for i := 0; i < n; i++ {
		sym, ok := kallsyms.Lookup(frame_lookup_pc(frames[i], i))
		if !ok {
			continue
		}
		if !kallsyms.IsRuntime(sym.Name) {
			return frames[i], kind
		}
		switch {
		case has_prefix(sym.Name, "runtime.panicBounds"), has_prefix(sym.Name, "runtime.goPanicIndex"),
			has_prefix(sym.Name, "runtime.goPanicSlice"), has_prefix(sym.Name, "runtime.panicIndex"):
			kind = "index out of range (Go bounds check)"
		case has_prefix(sym.Name, "runtime.panicdivide"):
			kind = "integer divide by zero"
		case has_prefix(sym.Name, "runtime.panicmem"), has_prefix(sym.Name, "runtime.sigpanic"):
			kind = "nil pointer dereference"
		case has_prefix(sym.Name, "runtime.morestack"):
			kind = "kernel stack overflow (Go stack check failed)"
		case has_prefix(sym.Name, "runtime.gopanic"):
			if kind == "" {
				kind = "Go panic in kernel code"
			}
		case has_prefix(sym.Name, "runtime.mallocgc"), has_prefix(sym.Name, "runtime.newobject"),
			has_prefix(sym.Name, "runtime.growslice"), has_prefix(sym.Name, "runtime.makeslice"):
			if kind == "" {
				kind = "Go heap allocation in kernel code"
			}
		}
	}
	return 0, kind
}

func has_prefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// frame_lookup_pc: a return address points after the CALL; look up the
// call itself (as Go's traceback does), except for the faulting RIP.
func frame_lookup_pc(pc uintptr, i int) uintptr {
	if i > 0 {
		return pc - 1
	}
	return pc
}

// on_known_stack reports whether p lies inside one of the kernel's stacks,
// so the frame walk never reads wild memory.
func on_known_stack(p uintptr) bool {
	in := func(lo, hi uintptr) bool { return p >= lo && p+16 <= hi && p&7 == 0 }
	return in(uintptrOf(&boot_stack[0]), uintptrOf(&boot_stack[0])+BOOT_STACK_SIZE) ||
		in(uintptrOf(&exception_stack[0]), uintptrOf(&exception_stack[0])+EXCEPTION_STACK_SIZE)
}

// collect_frames: RIP, then the return addresses of the BP chain.
func collect_frames(regs *asm.PtRegs, out []uintptr) int {
	n := 0
	out[n] = uintptr(regs.IP)
	n++
	// If the fault hit before the function saved BP (prologue), the
	// return address is at SP; Go's frame-pointer chain starts at BP.
	for bp := uintptr(regs.BP); n < len(out) && bp != 0 && on_known_stack(bp); n++ {
		out[n] = kallsyms.Caller(bp, 0, on_known_stack)
		if out[n] == 0 {
			break
		}
		bp = *(*uintptr)(asm.KernelPtr(bp))
	}
	return n
}

// show_regs prints the registers as Linux's __show_regs.
func show_regs(regs *asm.PtRegs, cr2 uint64) {
	var sym [160]byte
	n := kallsyms.Sprint_symbol(sym[:], uintptr(regs.IP))
	file, line := "?", 0
	if s, ok := kallsyms.Lookup(uintptr(regs.IP)); ok {
		file, line = s.File, s.Line
	}
	printk.Emerg("RIP: %04x:%s (%s:%d)\n", printk.Int(regs.CS), printk.Bytes(sym[:n]), printk.Str(file), printk.Int(line))
	printk.Emerg("RSP: %04x:%016x EFLAGS: %08x\n", printk.Int(regs.SS), printk.Int(regs.SP), printk.Int(regs.Flags))
	printk.Emerg("RAX: %016x RBX: %016x RCX: %016x\n", printk.Int(regs.AX), printk.Int(regs.BX), printk.Int(regs.CX))
	printk.Emerg("RDX: %016x RSI: %016x RDI: %016x\n", printk.Int(regs.DX), printk.Int(regs.SI), printk.Int(regs.DI))
	printk.Emerg("RBP: %016x R08: %016x R09: %016x\n", printk.Int(regs.BP), printk.Int(regs.R8), printk.Int(regs.R9))
	printk.Emerg("R10: %016x R11: %016x R12: %016x\n", printk.Int(regs.R10), printk.Int(regs.R11), printk.Int(regs.R12))
	printk.Emerg("R13: %016x R14: %016x R15: %016x\n", printk.Int(regs.R13), printk.Int(regs.R14), printk.Int(regs.R15))
	printk.Emerg("CR0: %016x CR2: %016x CR3: %016x\n", printk.Int(asm.Read_cr0()), printk.Int(cr2), printk.Int(asm.Read_cr3()))
	printk.Emerg("CR4: %016x\n", printk.Int(asm.Read_cr4()))
}

// show_trace prints the call chain, Linux's "Call Trace:".
func show_trace(regs *asm.PtRegs) {
	var frames [64]uintptr
	n := collect_frames(regs, frames[:])
	printk.Emerg("Call Trace:\n")
	var sym [160]byte
	for i := 1; i < n; i++ {
		k := kallsyms.Sprint_symbol(sym[:], frames[i])
		file, line := "?", 0
		if s, ok := kallsyms.Lookup(frames[i] - 1); ok {
			file, line = s.File, s.Line
		}
		printk.Emerg(" [<%016x>] %s (%s:%d)\n", printk.Int(frames[i]), printk.Bytes(sym[:k]), printk.Str(file), printk.Int(line))
		// A recursion (EXHAUST_STACK) repeats one frame: print it once.
		if rep := repeats(frames[:n], i); rep > 1 {
			printk.Emerg(" ... the frame above %d more times\n", printk.Int(rep-1))
			i += rep - 1
		}
	}
}

// repeats counts how often frames[i] occurs in a row from i.
func repeats(frames []uintptr, i int) int {
	n := 1
	for i+n < len(frames) && frames[i+n] == frames[i] {
		n++
	}
	return n
}
