// Package traps is gokern's exception handling: trap_init and the 256
// gates (traps.go, idt.go), the handlers of every exception, the page
// fault handler (fault.go), the exception table (extable.go), the int
// $0x80 system call (syscall_32.go), the entry point of device interrupts
// (irq.go) and the oops (this file). Linux: arch/x86/kernel/traps.c,
// idt.c, dumpstack.c (die, __die, show_regs, show_trace_log_lvl),
// arch/x86/mm/fault.c, extable.c, arch/x86/entry/common.c.
//
// The early IDT and its stubs stay in arch/amd64 (Linux head_64.S and
// head64.c: do_early_exception), which calls DieEarly here; the final
// IDT's stubs are in arch/amd64/entry, which calls up into this package
// through the hooks trap_init sets.
package traps

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/drivers/debugexit"
	"gokern/drivers/serial8250"
	"gokern/kallsyms"
	"gokern/kernel"
	"gokern/printk"
)

// The oops: what a kernel bug prints before the kernel stops, Linux's
// format line by line (dumpstack.c __die, __show_regs, show_opcodes,
// show_trace_log_lvl), with what gokern adds: the kernel function to
// blame ("in kernel code at"), file:line after each symbol, EFLAGS
// decoded, and a panic line that names the bug.
//
// Two kinds of oops (issue 7 item 8: the oops ends with the first fault).
// A CPU fault in kernel code (a nil pointer, an unmapped address): its
// headline, the #PF decoding, the registers, the call trace. A failure the
// Go compiler checks for (a bounds check, a zero divisor, the stack
// check) calls into the Go runtime, which then faults itself on the g's
// nil m: there the bug is the call, so the report names it and traces it
// from the kernel function that failed, and shows the runtime's fault
// after it as what it is, a secondary fault. Either way the panic line
// names the bug. A fault inside the oops code itself is reported by
// Die_nested, after which the first fault is named again.

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

// Exception_name is the mnemonic and name of exception vector v.
func Exception_name(v uint64) string {
	if v < asm.NUM_EXCEPTION_VECTORS {
		return exceptionNames[v]
	}
	return "interrupt"
}

// DieEarly prints the oops of an exception taken before trap_init, with
// the same lines as the final IDT's, and stops the kernel: before
// trap_init every exception is fatal. Linux's early_fixup_exception
// prints a one-line "PANIC: early exception"; gokern gives the full oops.
// (The exception table works this early too, but nothing before trap_init
// faults on purpose.)
func DieEarly(regs *asm.PtRegs) {
	vec := regs.Vector
	printk.Console_verbose()
	if vec == asm.X86_TRAP_PF {
		page_fault_oops(regs, regs.Orig_ax, asm.Read_cr2())
		return
	}
	die(Exception_name(vec), regs, regs.Orig_ax)
}

// OopsFirst is the fault being reported, written to static memory as the
// report goes, so that if the report itself faults, Die_nested can still
// name the first fault after its own line: the last words of the output
// are then about the bug, not about the oops code.
var OopsFirst OopsFault

// OopsFault is what the oops knows of a fault.
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

// lkdtm_oops_fault reads where nothing is mapped (lkdtm=OOPS_FAULT).
//
//go:noinline
func lkdtm_oops_fault() {
	printk.Pr_emerg("lkdtm: the oops path faults now (lkdtm=OOPS_FAULT)\n")
	printk.Pr_emerg("lkdtm: read %d\n", printk.Int(*(*uint64)(asm.KernelPtr(0xffffffffc0000000))))
}

var in_nested_exception bool

// Die_nested reports a fault taken while an oops was being printed: the
// second fault, marked secondary, then the first again (OopsFirst), so
// that the output ends with the bug and not with the oops code's own
// failure; then it stops. It writes to the UART directly and formats its
// numbers itself: printk may be what faulted. A third fault only halts.
// The early handler (arch/amd64 do_early_exception) calls it for a fault
// inside DieEarly, oops_begin for one inside the final IDT's oops.
//
//go:nosplit
func Die_nested(regs *asm.PtRegs) {
	if in_nested_exception {
		serial8250.EarlyPuts("\na third fault inside the oops path: halting\n")
		stop_machine_now()
	}
	in_nested_exception = true
	f := &OopsFirst
	serial8250.EarlyPuts("\nsecondary fault inside the oops path: vector ")
	putDecUART(regs.Vector)
	serial8250.EarlyPuts(" at RIP ")
	putHexUART(regs.IP)
	serial8250.EarlyPuts(", CR2 ")
	putHexUART(asm.Read_cr2())
	serial8250.EarlyPuts(": the report above is incomplete\nfirst fault: ")
	serial8250.EarlyPuts(f.Headline)
	if f.Bug != "" {
		serial8250.EarlyPuts(": ")
		serial8250.EarlyPuts(f.Bug)
	}
	serial8250.EarlyPuts(", vector ")
	putDecUART(uint64(f.Vector))
	serial8250.EarlyPuts(" at RIP ")
	putHexUART(f.IP)
	serial8250.EarlyPuts(", CR2 ")
	putHexUART(f.CR2)
	if f.Func != "" {
		serial8250.EarlyPuts(", in kernel code at ")
		serial8250.EarlyPuts(f.Func)
		serial8250.EarlyPuts(" (")
		serial8250.EarlyPuts(f.File)
		serial8250.EarlyPuts(":")
		putDecUART(uint64(f.Line))
		serial8250.EarlyPuts(")")
	}
	serial8250.EarlyPuts("\nKernel panic - not syncing: Fatal exception\n")
	stop_machine_now()
}

// nestedBuf: Die_nested's digits (static: no printk, no stack to spare).
var nestedBuf [20]byte

// putHexUART writes v as "0x%016x".
//
//go:nosplit
func putHexUART(v uint64) {
	n := len(nestedBuf)
	for i := 0; i < 16; i++ {
		n--
		nestedBuf[n] = "0123456789abcdef"[v&15]
		v >>= 4
	}
	n -= 2
	nestedBuf[n], nestedBuf[n+1] = '0', 'x'
	serial8250.EarlyPuts(unsafe.String(&nestedBuf[n], len(nestedBuf)-n))
}

// putDecUART writes v in decimal.
//
//go:nosplit
func putDecUART(v uint64) {
	n := len(nestedBuf)
	for {
		n--
		nestedBuf[n] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	serial8250.EarlyPuts(unsafe.String(&nestedBuf[n], len(nestedBuf)-n))
}

// The state of the oops being printed (one at a time: die is not
// reentered but to report a fault inside itself).
var (
	die_counter int
	die_nest    int
	oops        struct {
		frames  [64]uintptr
		n       int
		culprit uintptr // the kernel frame to blame (see oopsCulprit)
		kind    string  // what the Go runtime was doing, if it was
		bounds  kallsyms.Bounds_failure
		bug     [192]byte // OopsFirst.Bug's bytes for a bounds failure or a Go panic's value
		// The page fault, for show_page_fault.
		pf_error, pf_address uint64
	}
)

// catch_expected: a selftest armed a catch for this fault
// (kunit.Kunit_try_catch, Expect_fault): throw to it, quietly, instead of
// printing an oops.
func catch_expected(regs *asm.PtRegs) bool {
	tc, ok := expected_fault(regs)
	if !ok || !tc.Expect_fault {
		return false
	}
	n := collectFrames(uintptr(regs.IP), uintptr(regs.BP), uintptr(regs.SP), oops.frames[:])
	culprit, kind := oopsCulprit(oops.frames[:n])
	Last_trap.Culprit_name, Last_trap.Bounds = "", kallsyms.Bounds_failure{}
	if sym, ok := kallsyms.Lookup(culpritPC(oops.frames[:n], culprit)); ok && culprit != 0 {
		Last_trap.Culprit_name = sym.Name
	}
	if kind == kind_bounds {
		Last_trap.Bounds = bounds_failure(uintptr(regs.IP), uintptr(regs.BP))
	}
	tc.Throw(regs)
	return true
}

// oops_begin starts an oops (Linux oops_begin): every line reaches the
// console; the faulting context is recorded (OopsFirst) before anything
// is printed, and a fault while printing it goes to Die_nested (Linux:
// "Fixing recursive fault but reboot is needed!").
func oops_begin(regs *asm.PtRegs, headline string) {
	printk.Console_verbose()
	die_nest++
	if die_nest > 1 {
		Die_nested(regs)
	}
	oops.n = collectFrames(uintptr(regs.IP), uintptr(regs.BP), uintptr(regs.SP), oops.frames[:])
	oops.culprit, oops.kind = oopsCulprit(oops.frames[:oops.n])
	oops.bounds = kallsyms.Bounds_failure{}
	if oops.kind == kind_bounds {
		oops.bounds = bounds_failure(uintptr(regs.IP), uintptr(regs.BP))
	}
	f := &OopsFirst
	*f = OopsFault{Active: true, Vector: int(regs.Vector), IP: regs.IP, CR2: asm.Read_cr2(), Headline: headline, Bug: oops.kind}
	if oops.kind != "" {
		f.Headline = "kernel BUG"
		if oops.bounds.Ok {
			n := oops.bounds.Format(oops.bug[:])
			n += copy(oops.bug[n:], " (Go bounds check)")
			f.Bug = unsafe.String(&oops.bug[0], n)
		}
		if oops.kind == kind_gopanic {
			if msg, ok := gopanic_string(uintptr(regs.IP), uintptr(regs.BP)); ok {
				n := copy(oops.bug[:], "Go panic: ")
				n += copy(oops.bug[n:], msg)
				f.Bug = unsafe.String(&oops.bug[0], n)
			}
		}
	}
	if oops.culprit != 0 {
		if sym, ok := kallsyms.Lookup(culpritPC(oops.frames[:oops.n], oops.culprit)); ok {
			f.Func, f.File, f.Line = sym.Name, sym.File, sym.Line
		}
	}
}

// oops_headline prints "kernel BUG: ..." when the fault is the Go
// runtime's way of failing (a bounds check, a zero divisor, a failed
// stack check), and reports whether it did.
func oops_headline() bool {
	if OopsFirst.Bug == "" {
		return false
	}
	printk.Pr_emerg("kernel BUG: %s\n", printk.Str(OopsFirst.Bug))
	return true
}

// die reports a kernel bug found by an exception handler (Linux die: an
// oops, then the end of the faulting task; gokern has no tasks, so the
// end of the kernel, or of the selftest with oops=continue).
func die(str string, regs *asm.PtRegs, err uint64) {
	if catch_expected(regs) {
		return
	}
	oops_begin(regs, str)
	if !oops_headline() {
		printk.Pr_emerg("%s: vector %d (%s) error code %#x\n", printk.Str(exception_or_early()),
			printk.Int(regs.Vector), printk.Str(Exception_name(regs.Vector)), printk.Int(regs.Orig_ax))
	}
	__die(str, regs, err, nil)
	oops_end(regs)
}

// exception_or_early names the path an exception took: before trap_init
// the early IDT's.
func exception_or_early() string {
	if Trap_init_ns == 0 {
		return "early exception"
	}
	return "exception"
}

// __die prints the oops's header, the registers and the call trace (Linux
// __die: "Oops: 0002 [#1]", then show_regs). For a failure of the Go
// runtime the trace comes first, from the kernel function that failed,
// then the runtime's own fault, marked secondary: pf (for a page fault)
// prints its decoding there.
func __die(str string, regs *asm.PtRegs, err uint64, pf func(regs *asm.PtRegs)) {
	die_counter++
	f := &OopsFirst
	printk.Pr_emerg("%s: %04x [#%d] CPU: %d\n", printk.Str(str), printk.Int(err&0xffff), printk.Int(die_counter), printk.Int(asm.Smp_processor_id()))
	if f.Func != "" {
		printk.Pr_emerg("in kernel code at %s (%s:%d)\n", printk.Str(f.Func), printk.Str(f.File), printk.Int(f.Line))
	}
	if LkdtmOopsFault {
		LkdtmOopsFault = false
		lkdtm_oops_fault()
	}
	if f.Bug == "" {
		if pf != nil {
			pf(regs)
		}
		show_regs(regs)
		show_trace_log_lvl(oops.frames[:oops.n])
		return
	}
	// The bug's own trace: from the kernel function on.
	first := 1
	for first < oops.n && oops.frames[first] != oops.culprit {
		first++
	}
	show_trace_log_lvl(oops.frames[first-1 : oops.n])
	printk.Pr_emerg("secondary fault: the Go runtime faulted reporting the bug above (kernel Go runs no runtime behind it):\n")
	if pf != nil {
		pf(regs)
	}
	printk.Pr_emerg("%s: vector %d (%s) error code %#x\n", printk.Str(exception_or_early()),
		printk.Int(regs.Vector), printk.Str(Exception_name(regs.Vector)), printk.Int(regs.Orig_ax))
	show_regs(regs)
}

// oops_end ends an oops: with oops=continue, inside a selftest run under a
// try-catch on the faulting stack, the selftest ends and the kernel goes
// on (kunit reports it failed); otherwise the kernel stops, as Linux's
// does with panic_on_oops, or when the task that died was init. The panic
// line names the bug.
func oops_end(regs *asm.PtRegs) {
	printk.Pr_emerg("---[ end trace %016x ]---\n", printk.Int(0))
	die_nest--
	if tc, ok := expected_fault(regs); ok && oops_continue {
		OopsFirst.Active = false
		tc.Throw(regs)
		return
	}
	f := &OopsFirst
	if f.Bug != "" {
		kernel.Panic("Fatal exception: kernel BUG: %s in %s (%s:%d)", printk.Str(f.Bug), printk.Str(f.Func), printk.Str(f.File), printk.Int(f.Line))
	}
	kernel.Panic("Fatal exception: %s (%s %d, %s) in %s (%s:%d)", printk.Str(f.Headline), printk.Str(exception_or_early()),
		printk.Int(f.Vector), printk.Str(Exception_name(uint64(f.Vector))), printk.Str(f.Func), printk.Str(f.File), printk.Int(f.Line))
}

// stop_machine_now stops without printing more: the report is as
// complete as it can be (exit 35 under test).
func stop_machine_now() {
	debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
	for {
		asm.Local_irq_disable()
		asm.Native_halt()
	}
}

// What the Go runtime was doing when a kernel function failed a check.
const (
	kind_bounds  = "index out of range (Go bounds check)"
	kind_gopanic = "Go panic in kernel code"
)

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
			kind = kind_bounds
		case hasPrefix(sym.Name, "runtime.panicdivide"):
			kind = "integer divide by zero"
		case hasPrefix(sym.Name, "runtime.panicmem"), hasPrefix(sym.Name, "runtime.sigpanic"):
			kind = "nil pointer dereference"
		case hasPrefix(sym.Name, "runtime.morestack"):
			kind = "kernel stack overflow (Go stack check failed)"
		case hasPrefix(sym.Name, "runtime.gopanic"):
			if kind == "" {
				kind = kind_gopanic
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

// culpritPC is the address to look the culprit up by: a return address
// names the line of its call (frameLookupPC), the faulting RIP its own.
func culpritPC(frames []uintptr, culprit uintptr) uintptr {
	if len(frames) > 0 && culprit == frames[0] {
		return culprit
	}
	return culprit - 1
}

// bounds_failure finds the frame of runtime.panicBounds in the chain that
// starts with the faulting function (ip, bp) and decodes the index and
// length it was called with (kallsyms.Decode_bounds_failure).
func bounds_failure(ip, bp uintptr) kallsyms.Bounds_failure {
	callee := ip // an address in the function whose frame bp is
	for i := 0; i < len(oops.frames) && bp != 0 && OnKnownStack(bp); i++ {
		ret := kallsyms.Caller(bp, 0, OnKnownStack)
		if s, ok := kallsyms.Lookup(callee); ok && s.Name == "runtime.panicBounds" {
			return kallsyms.Decode_bounds_failure(ret, bp)
		}
		callee = ret - 1
		bp = *(*uintptr)(asm.KernelPtr(bp))
	}
	return kallsyms.Bounds_failure{}
}

// gopanic_string finds runtime.gopanic's frame in the chain that starts
// with the faulting function (ip, bp) and reads the value panic was
// called with, when it is a string (a panic("...") in kernel code, or a
// runtime error of a string type): the kernel's panic line then says what
// Go's would ("panic: ..."), as Linux's names the reason of a BUG. Under
// ABIInternal gopanic(e any) gets e in AX and BX and spills them, at its
// entry, into the spill slots its caller reserves just above the return
// address: at gopanic's BP+16 (the type) and BP+24 (the data). The type's
// kind (abi.Type.Kind_, byte 23) must say String; every word is read only
// where kernel_readable allows.
func gopanic_string(ip, bp uintptr) (string, bool) {
	callee := ip
	for i := 0; i < len(oops.frames) && bp != 0 && OnKnownStack(bp); i++ {
		if s, ok := kallsyms.Lookup(callee); ok && s.Name == "runtime.gopanic" {
			if !OnKnownStack(bp + 16) {
				return "", false
			}
			typ, data := *(*uintptr)(asm.KernelPtr(bp + 16)), *(*uintptr)(asm.KernelPtr(bp + 24))
			if !kernel_readable(typ, 24) || *(*uint8)(asm.KernelPtr(typ + 23))&abi_KindMask != abi_String || !kernel_readable(data, 16) {
				return "", false
			}
			p, n := *(*uintptr)(asm.KernelPtr(data)), *(*int)(asm.KernelPtr(data + 8))
			n = min(n, 160) // the oops's line has room for so much
			if n < 0 || !kernel_readable(p, uintptr(n)) {
				return "", false
			}
			return unsafe.String((*byte)(asm.KernelPtr(p)), n), true
		}
		callee = kallsyms.Caller(bp, 0, OnKnownStack) - 1
		bp = *(*uintptr)(asm.KernelPtr(bp))
	}
	return "", false
}

// Go's internal/abi: a type's Kind_ and the kind of string types.
const (
	abi_KindMask = 1<<5 - 1
	abi_String   = 24
)

// kernel_readable reports whether [p, p+n) lies in the kernel image (its
// read-only data, data or bss: a panic's string is a constant, or in a
// static buffer) or on one of this CPU's stacks. Host tests replace it.
var kernel_readable = image_or_stack

func image_or_stack(p, n uintptr) bool {
	if p+n < p {
		return false
	}
	if p >= asm.X__start_rodata() && p+n <= asm.KernelEnd() {
		return true
	}
	begin, end, ok := stack_lookup(p)
	return ok && p >= begin && p+n <= end
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

// stack_lookup finds the stack that holds an address (this CPU's stacks,
// asm.PcpuHot; host tests replace it). Linux: get_stack_info.
var stack_lookup = this_cpu_stack

func this_cpu_stack(p uintptr) (begin, end uintptr, ok bool) {
	s, ok := asm.This_cpu().Get_stack_info(p)
	if !ok {
		return 0, 0, false
	}
	return s.Begin, s.End, true
}

// OnKnownStack reports whether a frame at p (saved BP and return address,
// 16 bytes, 8-byte aligned) lies inside one of the kernel's stacks, so
// that the frame walk never reads wild memory.
func OnKnownStack(p uintptr) bool {
	if p&7 != 0 {
		return false
	}
	begin, end, ok := stack_lookup(p)
	return ok && p >= begin && p+16 <= end
}

// collectFrames fills out with ip, then the return addresses of the
// frame-pointer chain from bp, and returns how many it found. If ip is in
// a function that has pushed nothing yet (its first instruction, or all
// of a leaf without a frame: Go gives leaves none), its return address is
// at 0(SP), and BP is still its caller's: that return address comes
// first. sp 0: unknown.
func collectFrames(ip, bp, sp uintptr, out []uintptr) int {
	n := 0
	out[n] = ip
	n++
	// A leaf has its return address at 0(SP); so has a call to an address
	// in no function (a call into data or through nil: Linux's unwinder
	// makes the same guess for an IP outside the kernel's text).
	d := kallsyms.Funcspdelta(ip)
	if d < 0 {
		if _, ok := kallsyms.Lookup(ip); !ok {
			d = 0
		}
	}
	if sp != 0 && sp&7 == 0 && OnKnownStack(sp) && d == 0 {
		out[n] = *(*uintptr)(asm.KernelPtr(sp))
		n++
	}
	for ; n < len(out) && bp != 0 && OnKnownStack(bp); n++ {
		out[n] = kallsyms.Caller(bp, 0, OnKnownStack)
		if out[n] == 0 {
			break
		}
		bp = *(*uintptr)(asm.KernelPtr(bp))
	}
	return n
}

// sprint_symbol_size writes "name+0xoff/0xsize" (Linux %pS) with the Go
// name of the function.
func sprint_symbol_size(buf []byte, pc uintptr) int {
	n := kallsyms.Sprint_symbol(buf, pc)
	if size := kallsyms.Symbol_size(pc); size != 0 && n+20 < len(buf) {
		n += copy(buf[n:], "/0x")
		n += hexu(buf[n:], uint64(size))
	}
	return n
}

func hexu(buf []byte, v uint64) int {
	var t [16]byte
	i := len(t)
	for {
		i--
		t[i] = "0123456789abcdef"[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return copy(buf, t[i:])
}

// show_regs prints the registers as Linux's __show_regs (and show_ip,
// show_opcodes), with file:line after RIP and EFLAGS decoded.
func show_regs(regs *asm.PtRegs) {
	var sym [192]byte
	n := sprint_symbol_size(sym[:], uintptr(regs.IP))
	if s, ok := kallsyms.Lookup(uintptr(regs.IP)); ok {
		printk.Pr_emerg("RIP: %04x:%s (%s:%d)\n", printk.Int(regs.CS), printk.Bytes(sym[:n]), printk.Str(s.File), printk.Int(s.Line))
	} else {
		// Not in the kernel's text (a call into data or through nil):
		// the bare address, as Linux's RIP: 0010:0x0.
		printk.Pr_emerg("RIP: %04x:%s\n", printk.Int(regs.CS), printk.Bytes(sym[:n]))
	}
	show_opcodes(uintptr(regs.IP))
	var fl [64]byte
	k := Format_eflags(fl[:], regs.Flags)
	printk.Pr_emerg("RSP: %04x:%016x EFLAGS: %08x %s\n", printk.Int(regs.SS), printk.Int(regs.SP), printk.Int(regs.Flags), printk.Bytes(fl[:k]))
	printk.Pr_emerg("RAX: %016x RBX: %016x RCX: %016x\n", printk.Int(regs.AX), printk.Int(regs.BX), printk.Int(regs.CX))
	printk.Pr_emerg("RDX: %016x RSI: %016x RDI: %016x\n", printk.Int(regs.DX), printk.Int(regs.SI), printk.Int(regs.DI))
	printk.Pr_emerg("RBP: %016x R08: %016x R09: %016x\n", printk.Int(regs.BP), printk.Int(regs.R8), printk.Int(regs.R9))
	printk.Pr_emerg("R10: %016x R11: %016x R12: %016x\n", printk.Int(regs.R10), printk.Int(regs.R11), printk.Int(regs.R12))
	printk.Pr_emerg("R13: %016x R14: %016x R15: %016x\n", printk.Int(regs.R13), printk.Int(regs.R14), printk.Int(regs.R15))
	printk.Pr_emerg("FS:  %016x(%04x) GS:%016x(%04x) knlGS:%016x\n",
		printk.Int(asm.Rdmsrl(asm.MSR_FS_BASE)), printk.Int(asm.ReadFS()), printk.Int(asm.Rdmsrl(asm.MSR_GS_BASE)),
		printk.Int(asm.ReadGS()), printk.Int(asm.Rdmsrl(asm.MSR_KERNEL_GS_BASE)))
	printk.Pr_emerg("CS:  %04x DS: %04x ES: %04x CR0: %016x\n", printk.Int(regs.CS), printk.Int(asm.ReadDS()), printk.Int(asm.ReadES()), printk.Int(asm.Read_cr0()))
	printk.Pr_emerg("CR2: %016x CR3: %016x CR4: %016x\n", printk.Int(asm.Read_cr2()), printk.Int(asm.Read_cr3()), printk.Int(asm.Read_cr4()))
}

// The Code: line (Linux show_opcodes): OPCODE_BUFSIZE bytes around RIP,
// PROLOGUE_SIZE of them before it, the byte at RIP in <>. Read with
// copy_from_kernel_nofault: RIP may be anywhere (a jump to an unmapped or
// non-executable page).
const (
	OPCODE_BUFSIZE = 64
	PROLOGUE_SIZE  = 42
)

func show_opcodes(ip uintptr) {
	var code [OPCODE_BUFSIZE]byte
	start := ip - PROLOGUE_SIZE
	if asm.Copy_from_kernel_nofault(uintptrOf(&code[0]), start, OPCODE_BUFSIZE) != 0 {
		// The bytes before RIP may be on an unmapped page while RIP's are
		// not (code at the start of a page): try from RIP.
		if asm.Copy_from_kernel_nofault(uintptrOf(&code[PROLOGUE_SIZE]), ip, OPCODE_BUFSIZE-PROLOGUE_SIZE) != 0 {
			printk.Pr_emerg("Code: Unable to access opcode bytes at %#x.\n", printk.Int(ip-PROLOGUE_SIZE))
			return
		}
		start = ip
	}
	var line [OPCODE_BUFSIZE*3 + 8]byte
	n := Format_code(line[:], code[start-(ip-PROLOGUE_SIZE):], int(ip-start))
	printk.Pr_emerg("Code: %s\n", printk.Bytes(line[:n]))
}

// Format_code writes bytes as Linux's Code: line does: hex pairs separated
// by spaces, the one at index at in <>.
func Format_code(buf []byte, code []byte, at int) int {
	n := 0
	for i, c := range code {
		if i > 0 {
			n += copy(buf[n:], " ")
		}
		if i == at {
			n += copy(buf[n:], "<")
		}
		buf[n], buf[n+1] = "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15]
		n += 2
		if i == at {
			n += copy(buf[n:], ">")
		}
	}
	return n
}

// eflagsNames: the RFLAGS bits, lowest first, as gdb prints them.
var eflagsNames = [...]struct {
	bit  uint64
	name string
}{
	{asm.X86_EFLAGS_CF, "CF"}, {asm.X86_EFLAGS_PF, "PF"}, {asm.X86_EFLAGS_AF, "AF"}, {asm.X86_EFLAGS_ZF, "ZF"},
	{asm.X86_EFLAGS_SF, "SF"}, {asm.X86_EFLAGS_TF, "TF"}, {asm.X86_EFLAGS_IF, "IF"}, {asm.X86_EFLAGS_DF, "DF"},
	{asm.X86_EFLAGS_OF, "OF"}, {asm.X86_EFLAGS_NT, "NT"}, {asm.X86_EFLAGS_RF, "RF"}, {asm.X86_EFLAGS_VM, "VM"},
	{asm.X86_EFLAGS_AC, "AC"}, {asm.X86_EFLAGS_VIF, "VIF"}, {asm.X86_EFLAGS_VIP, "VIP"}, {asm.X86_EFLAGS_ID, "ID"},
}

// Format_eflags writes RFLAGS decoded, "[ PF ZF IF ]" as gdb does, with
// IOPL when it is not 0.
func Format_eflags(buf []byte, fl uint64) int {
	n := copy(buf, "[")
	for _, f := range eflagsNames {
		if fl&f.bit != 0 {
			n += copy(buf[n:], " ")
			n += copy(buf[n:], f.name)
		}
	}
	if iopl := fl & asm.X86_EFLAGS_IOPL >> 12; iopl != 0 {
		n += copy(buf[n:], " IOPL=")
		buf[n] = byte('0' + iopl)
		n++
	}
	n += copy(buf[n:], " ]")
	return n
}

// show_trace_log_lvl prints the call chain, Linux's "Call Trace:"; frames
// is collectFrames' result (frames[0], the faulting RIP, is in show_regs).
func show_trace_log_lvl(frames []uintptr) {
	printk.Pr_emerg("Call Trace:\n")
	var sym [192]byte
	for i := 1; i < len(frames); {
		// A recursion repeats its frames: print them once. EXHAUST_STACK
		// repeats one frame; faults nested in a handler (HANDLER_FAULT)
		// repeat the trap's frames, the handler's and the entry code's.
		p, rep := cycle(frames, i)
		for _, pc := range frames[i : i+p] {
			k := sprint_symbol_size(sym[:], pc)
			file, line := "?", 0
			if s, ok := kallsyms.Lookup(pc - 1); ok {
				file, line = s.File, s.Line
			}
			printk.Pr_emerg(" [<%016x>] %s (%s:%d)\n", printk.Int(pc), printk.Bytes(sym[:k]), printk.Str(file), printk.Int(line))
		}
		switch {
		case rep > 1 && p == 1:
			printk.Pr_emerg(" ... the frame above %d more times\n", printk.Int(rep-1))
		case rep > 1:
			printk.Pr_emerg(" ... the %d frames above %d more times\n", printk.Int(p), printk.Int(rep-1))
		}
		i += p * rep
	}
}

// max_cycle is the longest run of frames cycle looks for: a nested trap
// repeats about five (the handler, do_exception, the entry code's).
const max_cycle = 8

// cycle finds the shortest run of frames from i, p long, that repeats
// back to back, and how often it occurs in a row (rep >= 2; for a run of
// several frames, at least 3 times, so that a chance pair of calls is not
// folded); p = 1, rep = 1 when none does.
func cycle(frames []uintptr, i int) (p, rep int) {
	for p = 1; p <= max_cycle; p++ {
		rep = 1
		for i+(rep+1)*p <= len(frames) && equalFrames(frames[i:i+p], frames[i+rep*p:i+(rep+1)*p]) {
			rep++
		}
		if rep >= 3 || p == 1 && rep == 2 {
			return p, rep
		}
	}
	return 1, 1
}

func equalFrames(a, b []uintptr) bool {
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
