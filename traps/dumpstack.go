// Package traps is gokern's exception handling: today the oops that every
// exception before trap_init ends in, tomorrow trap_init, the gates and the
// do_* handlers. Linux: arch/x86/kernel/traps.c and dumpstack.c (die,
// __die, show_regs, show_trace_log_lvl), arch/x86/mm/fault.c
// (page_fault_oops, show_fault_oops).
//
// The early IDT and its stubs stay in arch/amd64 (Linux head_64.S and
// head64.c: do_early_exception), which calls DieEarly here.
package traps

import (
	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/kernel"
	"gokern/printk"
)

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

// OopsFirst is the fault DieEarly is reporting, written to static memory
// as the report goes, so that if the report itself faults, the second
// exception (do_early_exception, which reuses the exception stack) can
// still name the first fault after its own line: the last words of the
// output are then about the bug, not about the oops code.
var OopsFirst OopsFault

// OopsFault is what DieEarly knows of a fault.
type OopsFault struct {
	Active   bool
	Vector   int
	IP, CR2  uint64
	Headline string // "kernel BUG", "BUG: kernel NULL pointer dereference", ...
	Bug      string // the Go runtime's failure kind, or ""
	Func     string // the kernel function to blame, or ""
	File     string
	Line     int
}

// LkdtmOopsFault makes the next report fault once, right after it names
// the culprit: lkdtm=OOPS_FAULT sets it, to prove that a second fault
// inside the oops is reported as secondary, after the first.
var LkdtmOopsFault bool

// DieEarly prints the oops of an exception taken before trap_init and
// stops the kernel (Linux page_fault_oops / die, show_fault_oops,
// __show_regs, show_trace_log_lvl, then panic; Linux's
// early_fixup_exception prints a one-line "PANIC: early exception").
//
// Two kinds of oops. A CPU fault in kernel code (a nil pointer, an
// unmapped address): its headline, the #PF decoding, the vector, the
// function to blame, the registers, the call trace. A failure the Go
// compiler checks for (a bounds check, a zero divisor, the stack check)
// calls into the Go runtime, which then faults itself on the g's nil m:
// there the bug is the call, so the report names it and traces it from the
// kernel function that failed, and shows the runtime's fault after it as
// what it is, a secondary fault. Either way the panic line names the bug.
func DieEarly(regs *asm.PtRegs) {
	// Whatever loglevel= said, an oops is printed (Linux oops_begin).
	printk.Console_verbose()
	vec := int(regs.Vector)
	name := "unknown vector"
	if vec < asm.NUM_EXCEPTION_VECTORS {
		name = exceptionNames[vec]
	}
	cr2 := asm.Read_cr2()
	f := &OopsFirst
	*f = OopsFault{Active: true, Vector: vec, IP: regs.IP, CR2: cr2, Headline: "early exception"}

	var frames [64]uintptr
	n := collectFrames(uintptr(regs.IP), uintptr(regs.BP), frames[:])
	culprit, kind := oopsCulprit(frames[:n])
	f.Bug = kind
	switch {
	case kind != "":
		f.Headline = "kernel BUG"
	case vec == asm.X86_TRAP_PF && cr2 < asm.PAGE_SIZE:
		f.Headline = "BUG: kernel NULL pointer dereference"
	case vec == asm.X86_TRAP_PF:
		f.Headline = "BUG: unable to handle page fault"
	}
	if culprit != 0 {
		if sym, ok := kallsyms.Lookup(culprit); ok {
			f.Func, f.File, f.Line = sym.Name, sym.File, sym.Line
		}
	}

	switch {
	case kind != "":
		printk.Pr_emerg("kernel BUG: %s\n", printk.Str(kind))
	case vec == asm.X86_TRAP_PF && cr2 < asm.PAGE_SIZE:
		printk.Pr_emerg("BUG: kernel NULL pointer dereference, address: %#018x\n", printk.Int(cr2))
	case vec == asm.X86_TRAP_PF:
		printk.Pr_emerg("BUG: unable to handle page fault for address: %#018x\n", printk.Int(cr2))
	}
	if kind == "" {
		if vec == asm.X86_TRAP_PF {
			show_fault_oops(regs.Orig_ax)
		}
		printk.Pr_emerg("early exception: vector %d (%s) error code %#x\n", printk.Int(vec), printk.Str(name), printk.Int(regs.Orig_ax))
	}
	if f.Func != "" {
		printk.Pr_emerg("in kernel code at %s (%s:%d)\n", printk.Str(f.Func), printk.Str(f.File), printk.Int(f.Line))
	}
	if LkdtmOopsFault {
		LkdtmOopsFault = false
		lkdtm_oops_fault()
	}
	if kind == "" {
		show_regs(regs, cr2)
		show_trace_log_lvl(frames[:n])
	} else {
		// The bug's own trace: from the kernel function on.
		first := 1
		for first < n && frames[first] != culprit {
			first++
		}
		show_trace_log_lvl(frames[first-1 : n])
		printk.Pr_emerg("secondary fault: the Go runtime faulted reporting the bug above (kernel Go runs no runtime behind it):\n")
		if vec == asm.X86_TRAP_PF {
			show_fault_oops(regs.Orig_ax)
		}
		printk.Pr_emerg("early exception: vector %d (%s) error code %#x\n", printk.Int(vec), printk.Str(name), printk.Int(regs.Orig_ax))
		show_regs(regs, cr2)
	}
	if kind != "" {
		kernel.Panic("Fatal exception: kernel BUG: %s in %s (%s:%d)", printk.Str(kind), printk.Str(f.Func), printk.Str(f.File), printk.Int(f.Line))
	}
	kernel.Panic("Fatal exception: %s (early exception %d, %s) in %s (%s:%d)", printk.Str(f.Headline), printk.Int(vec), printk.Str(name),
		printk.Str(f.Func), printk.Str(f.File), printk.Int(f.Line))
}

// lkdtm_oops_fault reads where nothing is mapped (lkdtm=OOPS_FAULT).
//
//go:noinline
func lkdtm_oops_fault() {
	printk.Pr_emerg("lkdtm: the oops path faults now (lkdtm=OOPS_FAULT)\n")
	printk.Pr_emerg("lkdtm: read %d\n", printk.Int(*(*uint64)(asm.KernelPtr(0xffffffffc0000000))))
}

// show_fault_oops decodes a page-fault error code as Linux's
// arch/x86/mm/fault.c show_fault_oops does.
func show_fault_oops(e uint64) {
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
	printk.Pr_emerg("#PF: supervisor %s access in kernel mode\n", printk.Str(access))
	printk.Pr_emerg("#PF: error_code(%#06x) - %s\n", printk.Int(e), printk.Str(cause))
}

// oopsCulprit looks through the frames (frames[0] the faulting RIP, then
// return addresses) for the Go runtime's failure paths. Kernel Go has no
// runtime behind it (DESIGN.md §4): a bounds check calls
// runtime.panicBounds, a failed stack check runtime.morestack, and both
// then fault on the g's nil m. It returns the first kernel frame, to be
// named instead of the runtime's code, and what the runtime was doing.
func oopsCulprit(frames []uintptr) (pc uintptr, kind string) {
	for i, f := range frames {
		sym, ok := kallsyms.Lookup(frameLookupPC(f, i))
		if !ok {
			continue
		}
		if !kallsyms.IsRuntime(sym.Name) {
			return f, kind
		}
		switch {
		case hasPrefix(sym.Name, "runtime.panicBounds"), hasPrefix(sym.Name, "runtime.goPanicIndex"),
			hasPrefix(sym.Name, "runtime.goPanicSlice"), hasPrefix(sym.Name, "runtime.panicIndex"):
			kind = "index out of range (Go bounds check)"
		case hasPrefix(sym.Name, "runtime.panicdivide"):
			kind = "integer divide by zero"
		case hasPrefix(sym.Name, "runtime.panicmem"), hasPrefix(sym.Name, "runtime.sigpanic"):
			kind = "nil pointer dereference"
		case hasPrefix(sym.Name, "runtime.morestack"):
			kind = "kernel stack overflow (Go stack check failed)"
		case hasPrefix(sym.Name, "runtime.gopanic"):
			if kind == "" {
				kind = "Go panic in kernel code"
			}
		case hasPrefix(sym.Name, "runtime.mallocgc"), hasPrefix(sym.Name, "runtime.newobject"),
			hasPrefix(sym.Name, "runtime.growslice"), hasPrefix(sym.Name, "runtime.makeslice"):
			if kind == "" {
				kind = "Go heap allocation in kernel code"
			}
		}
	}
	return 0, kind
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// frameLookupPC: a return address points after the CALL; look up the call
// itself (as Go's traceback does), except for the faulting RIP.
func frameLookupPC(pc uintptr, i int) uintptr {
	if i > 0 {
		return pc - 1
	}
	return pc
}

// The kernel's stacks, registered during boot by the code that sets them
// up (arch/amd64: the boot stack and the exception stack), so that the
// frame walk never reads wild memory. Linux: struct stack_info,
// get_stack_info (dumpstack_64.c).
var (
	known_stacks    [8]struct{ lo, hi uintptr }
	nr_known_stacks int
)

// AddStack registers the stack [lo, hi). The static table has room for
// eight; more are ignored (their frames are then not walked).
func AddStack(lo, hi uintptr) {
	if nr_known_stacks < len(known_stacks) {
		known_stacks[nr_known_stacks].lo, known_stacks[nr_known_stacks].hi = lo, hi
		nr_known_stacks++
	}
}

// OnKnownStack reports whether a frame at p (saved BP and return address,
// 16 bytes, 8-byte aligned) lies inside one of the registered stacks.
func OnKnownStack(p uintptr) bool {
	if p&7 != 0 {
		return false
	}
	for i := 0; i < nr_known_stacks; i++ {
		if p >= known_stacks[i].lo && p+16 <= known_stacks[i].hi {
			return true
		}
	}
	return false
}

// collectFrames fills out with ip, then the return addresses of the
// frame-pointer chain from bp, and returns how many it found. If the fault
// hit before the function saved BP (its prologue), the chain starts at its
// caller.
func collectFrames(ip, bp uintptr, out []uintptr) int {
	n := 0
	out[n] = ip
	n++
	for ; n < len(out) && bp != 0 && OnKnownStack(bp); n++ {
		out[n] = kallsyms.Caller(bp, 0, OnKnownStack)
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
	printk.Pr_emerg("RIP: %04x:%s (%s:%d)\n", printk.Int(regs.CS), printk.Bytes(sym[:n]), printk.Str(file), printk.Int(line))
	printk.Pr_emerg("RSP: %04x:%016x EFLAGS: %08x\n", printk.Int(regs.SS), printk.Int(regs.SP), printk.Int(regs.Flags))
	printk.Pr_emerg("RAX: %016x RBX: %016x RCX: %016x\n", printk.Int(regs.AX), printk.Int(regs.BX), printk.Int(regs.CX))
	printk.Pr_emerg("RDX: %016x RSI: %016x RDI: %016x\n", printk.Int(regs.DX), printk.Int(regs.SI), printk.Int(regs.DI))
	printk.Pr_emerg("RBP: %016x R08: %016x R09: %016x\n", printk.Int(regs.BP), printk.Int(regs.R8), printk.Int(regs.R9))
	printk.Pr_emerg("R10: %016x R11: %016x R12: %016x\n", printk.Int(regs.R10), printk.Int(regs.R11), printk.Int(regs.R12))
	printk.Pr_emerg("R13: %016x R14: %016x R15: %016x\n", printk.Int(regs.R13), printk.Int(regs.R14), printk.Int(regs.R15))
	printk.Pr_emerg("CR0: %016x CR2: %016x CR3: %016x\n", printk.Int(asm.Read_cr0()), printk.Int(cr2), printk.Int(asm.Read_cr3()))
	printk.Pr_emerg("CR4: %016x\n", printk.Int(asm.Read_cr4()))
}

// show_trace_log_lvl prints the call chain, Linux's "Call Trace:"; frames
// is collectFrames' result (frames[0], the faulting RIP, is in show_regs).
func show_trace_log_lvl(frames []uintptr) {
	printk.Pr_emerg("Call Trace:\n")
	var sym [160]byte
	for i := 1; i < len(frames); i++ {
		k := kallsyms.Sprint_symbol(sym[:], frames[i])
		file, line := "?", 0
		if s, ok := kallsyms.Lookup(frames[i] - 1); ok {
			file, line = s.File, s.Line
		}
		printk.Pr_emerg(" [<%016x>] %s (%s:%d)\n", printk.Int(frames[i]), printk.Bytes(sym[:k]), printk.Str(file), printk.Int(line))
		// A recursion (EXHAUST_STACK) repeats one frame: print it once.
		if rep := repeats(frames, i); rep > 1 {
			printk.Pr_emerg(" ... the frame above %d more times\n", printk.Int(rep-1))
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
