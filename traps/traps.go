package traps

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/arch/amd64/tsc"
	"gokern/cmdline"
	"gokern/kallsyms"
	"gokern/kernel"
	"gokern/kunit"
	"gokern/printk"
)

// trap_init and the exception handlers. Linux: arch/x86/kernel/traps.c
// (trap_init, do_error_trap, do_int3, do_general_protection,
// do_double_fault, ...) in the 4.x form the seeds show (one do_* C
// handler per entry_64.S idtentry; Linux 5.8 renamed them exc_*), and
// idt.c (def_idts, idt_setup_traps). Seeds: 002 "Setting up the Final GDT
// and IDT", "trap_init()", "Traps vs. Interrupts".
//
// Kernel mode only, for now: an exception in kernel code is either
// expected (a fixup in the exception table moves RIP, an int3 resumes) or
// a bug (an oops: die). The user-mode halves of the handlers (signals)
// come with user mode.

// Arch is what trap_init needs from arch/amd64, which traps may not
// import (DESIGN.md §1): arch/amd64 sets it in setup_arch. Each is the
// Linux function of the same name (arch/x86/kernel/cpu/common.c).
var Arch struct {
	Setup_cpu_entry_areas       func() // this CPU's stacks get their guard pages
	Cpu_init_exception_handling func() // the TSS's IST slots and RSP0
	Cpu_init                    func() // the user segments, MSR_STAR
}

// idt_data is one gate trap_init installs (Linux struct idt_data, from
// its INTG/SYSG/ISTG macros).
type idt_data struct {
	vector int
	// stub is the name of the entry stub the gate points at
	// (arch/amd64/entry, generated with Linux 4.x's names); the selftest
	// checks the gate's target has it.
	stub    string
	kind    int // INTG: interrupt gate, DPL 0; SYSG: DPL 3; ISTG: on an IST stack
	ist     int // TSS slot (1-7), for ISTG
	handler func(regs *asm.PtRegs, error_code uint64)
}

const (
	INTG = iota
	SYSG
	ISTG
)

// def_idts is the IDT of trap_init: every architectural exception by its
// Linux name, as Linux's def_idts (idt.c) lays them out. #DF, NMI, #DB and
// #MC run on their own IST stacks (seeds/002 has set_intr_gate_ist for
// NMI and the double fault's task gate); #OF and #BP are DPL 3, so that
// user code may execute INTO and INT3.
var def_idts = [...]idt_data{
	{asm.X86_TRAP_DE, "divide_error", INTG, 0, do_divide_error},
	{asm.X86_TRAP_DB, "debug", ISTG, asm.IST_INDEX_DB + 1, do_debug},
	{asm.X86_TRAP_NMI, "nmi", ISTG, asm.IST_INDEX_NMI + 1, do_nmi},
	{asm.X86_TRAP_BP, "int3", SYSG, 0, do_int3},
	{asm.X86_TRAP_OF, "overflow", SYSG, 0, do_overflow},
	{asm.X86_TRAP_BR, "bounds", INTG, 0, do_bounds},
	{asm.X86_TRAP_UD, "invalid_op", INTG, 0, do_invalid_op},
	{asm.X86_TRAP_NM, "device_not_available", INTG, 0, do_device_not_available},
	{asm.X86_TRAP_DF, "double_fault", ISTG, asm.IST_INDEX_DF + 1, do_double_fault},
	{asm.X86_TRAP_OLD_MF, "coprocessor_segment_overrun", INTG, 0, do_coprocessor_segment_overrun},
	{asm.X86_TRAP_TS, "invalid_TSS", INTG, 0, do_invalid_TSS},
	{asm.X86_TRAP_NP, "segment_not_present", INTG, 0, do_segment_not_present},
	{asm.X86_TRAP_SS, "stack_segment", INTG, 0, do_stack_segment},
	{asm.X86_TRAP_GP, "general_protection", INTG, 0, do_general_protection},
	{asm.X86_TRAP_PF, "page_fault", INTG, 0, do_page_fault},
	{asm.X86_TRAP_SPURIOUS, "spurious_interrupt_bug", INTG, 0, do_spurious_interrupt_bug},
	{asm.X86_TRAP_MF, "coprocessor_error", INTG, 0, do_coprocessor_error},
	{asm.X86_TRAP_AC, "alignment_check", INTG, 0, do_alignment_check},
	{asm.X86_TRAP_MC, "machine_check", ISTG, asm.IST_INDEX_MCE + 1, do_machine_check},
	{asm.X86_TRAP_XF, "simd_coprocessor_error", INTG, 0, do_simd_coprocessor_error},
	{asm.X86_TRAP_VE, "virtualization_exception", INTG, 0, do_virtualization_exception},
	{asm.X86_TRAP_CP, "control_protection", INTG, 0, do_control_protection},
}

// exception_handlers[v] is the handler of exception vector v (nil: a
// reserved vector, reported as such).
var exception_handlers [asm.NUM_EXCEPTION_VECTORS]func(regs *asm.PtRegs, error_code uint64)

// Trap_init_ns: how long trap_init took (for the boot log and the note).
var Trap_init_ns uint64

// oops_continue: "oops=continue" on the command line: an oops inside a
// selftest ends that selftest, not the kernel (Linux has the opposite
// switch, oops=panic; its oopses kill only the faulting task).
var oops_continue bool

// Trap_init replaces the early IDT with the final one (Linux trap_init,
// seeds/002): the stacks and the TSS first, so that the IST gates have
// stacks to switch to, then every gate, then IDTR, then the rest of the
// CPU's descriptor setup.
func Trap_init() {
	t0 := tsc.Local_clock()
	if Arch.Setup_cpu_entry_areas == nil || Arch.Cpu_init_exception_handling == nil || Arch.Cpu_init == nil {
		printk.Pr_emerg("trap_init: arch/amd64 did not set traps.Arch: keeping the early IDT\n")
		return
	}
	if v, ok := cmdline.Cmdline_find_option(cmdline.BootCommandLine(), "oops"); ok {
		oops_continue = string(v) == "continue"
	}
	Syscall_trace = cmdline.Cmdline_find_option_bool(cmdline.BootCommandLine(), "syscall_trace")
	// The exception table must be in the form kbuild's SORTTAB step
	// leaves it: the fault handlers binary-search it.
	if table, ok := asm.Ex_table(); !ok || !Extable_sorted(table) {
		kernel.Panic("trap_init: the exception table (__ex_table) is not sorted: was build/vmlinux post-processed by kbuild (SORTTAB)?")
	}
	Arch.Setup_cpu_entry_areas()
	Arch.Cpu_init_exception_handling()
	idt_setup_traps()
	Load_current_idt()
	Arch.Cpu_init()
	Trap_init_ns = tsc.Local_clock() - t0
	printk.Pr_info("trap_init: %d gates (%d exceptions, int $0x80, %d interrupt vectors) at %#x, IST stacks #DF %d NMI %d #DB %d #MC %d; %d us\n",
		printk.Int(asm.IDT_ENTRIES), printk.Int(len(def_idts)), printk.Int(asm.IDT_ENTRIES-asm.FIRST_EXTERNAL_VECTOR-1),
		printk.Int(uintptrOf(&Idt_table[0])), printk.Int(asm.IST_INDEX_DF+1), printk.Int(asm.IST_INDEX_NMI+1),
		printk.Int(asm.IST_INDEX_DB+1), printk.Int(asm.IST_INDEX_MCE+1), printk.Int(Trap_init_ns/1000))
}

// idt_setup_traps writes all 256 gates (Linux idt_setup_traps for the
// exceptions, idt_setup_apic_and_irq_gates for the rest): the
// exceptions from def_idts, the reserved exception vectors to their stubs
// (an oops names them), int $0x80 as a DPL 3 gate, and every other vector
// to its irq_entries_start stub, all of which lead to Do_IRQ. The hooks of
// the entry code are set first: the gates lead there.
func idt_setup_traps() {
	entry.Exception_hook = do_exception
	entry.Interrupt_hook = Do_IRQ
	entry.Syscall_hook = do_syscall_64
	for v := 0; v < asm.NUM_EXCEPTION_VECTORS; v++ {
		Set_intr_gate(v, entry.Idt_entries[v])
	}
	for i := range def_idts {
		d := &def_idts[i]
		addr := entry.Idt_entries[d.vector]
		switch d.kind {
		case INTG:
			Set_intr_gate(d.vector, addr)
		case SYSG:
			Set_system_intr_gate(d.vector, addr)
		case ISTG:
			Set_intr_gate_ist(d.vector, addr, d.ist)
		}
		exception_handlers[d.vector] = d.handler
	}
	// The i386 system call (Linux: SYSG(IA32_SYSCALL_VECTOR,
	// entry_INT80_compat); the seeds' set_system_trap_gate(SYSCALL_VECTOR,
	// &system_call) was a trap gate).
	Set_system_intr_gate(asm.IA32_SYSCALL_VECTOR, entry.Idt_entries[asm.IA32_SYSCALL_VECTOR])
	for v := asm.FIRST_EXTERNAL_VECTOR; v < asm.IDT_ENTRIES; v++ {
		if v != asm.IA32_SYSCALL_VECTOR {
			Set_intr_gate(v, entry.Idt_entries[v])
		}
	}
}

// Trap_record is what the last exception was, as its handler saw it: the
// selftests check it (gokern).
type Trap_record struct {
	Vector, Error_code, Ip, Sp, Flags, Cr2 uint64
	// Stack: the stack type the handler ran on (asm.STACK_TYPE_*).
	Stack uint64
	// Handler_flags: RFLAGS inside the handler (IF tells an interrupt
	// gate from a trap gate).
	Handler_flags uint64
	// Count: exceptions handled since boot.
	Count uint64
	// For a fault a selftest expected: the kernel function to blame and,
	// for a failed bounds check, what failed (as the oops would print).
	Culprit_name string
	Bounds       kallsyms.Bounds_failure
}

// Last_trap is the record of the last exception.
var Last_trap Trap_record

// do_exception is the entry code's Exception_hook: every exception vector
// and int $0x80 arrive here, and go to their handler by vector (Linux has
// one entry stub per handler instead; gokern's stubs are generated alike,
// so the dispatch is a table).
func do_exception(regs *asm.PtRegs) {
	v := regs.Vector
	r := &Last_trap
	r.Vector, r.Error_code, r.Ip, r.Sp, r.Flags = v, regs.Orig_ax, regs.IP, regs.SP, regs.Flags
	r.Cr2 = asm.Read_cr2()
	r.Handler_flags = asm.Native_save_fl()
	r.Stack = asm.STACK_TYPE_UNKNOWN
	if s, ok := asm.This_cpu().Get_stack_info(asm.Current_stack_pointer()); ok {
		r.Stack = s.Type
	}
	r.Count++
	switch {
	case v < asm.NUM_EXCEPTION_VECTORS && regs.CS&3 != 0 && v != asm.X86_TRAP_PF && v != asm.X86_TRAP_NMI &&
		v != asm.X86_TRAP_MC && v != asm.X86_TRAP_DF && User_trap_hook != nil:
		// An exception in user mode is the program's, not the kernel's:
		// a signal (Linux do_trap → force_sig), never an oops. Page
		// faults go to do_page_fault, which knows demand paging.
		User_trap_hook(regs, v, regs.Orig_ax)
	case v < asm.NUM_EXCEPTION_VECTORS && exception_handlers[v] != nil:
		exception_handlers[v](regs, regs.Orig_ax)
	case v < asm.NUM_EXCEPTION_VECTORS:
		do_reserved_exception(regs, regs.Orig_ax)
	case v == asm.IA32_SYSCALL_VECTOR:
		do_int80_syscall_32(regs)
	default:
		// error_entry takes only these vectors (cmd/vectors).
		die("BUG: exception entry for an interrupt vector", regs, 0)
	}
}

// User_trap_hook handles an exception raised in user mode (the process
// layer sets it: Linux's do_trap and exc_general_protection send the
// signal of the trap: SIGFPE, SIGILL, SIGSEGV, SIGTRAP, SIGBUS).
var User_trap_hook func(regs *asm.PtRegs, trapnr, error_code uint64)

// do_error_trap: the common path of the exceptions that are always a bug
// in kernel code unless the exception table has a fixup for the
// instruction (Linux do_error_trap → do_trap: fixup_exception, else die).
func do_error_trap(regs *asm.PtRegs, error_code uint64, str string, trapnr uint64) {
	if fixup_exception(regs, trapnr, error_code) {
		return
	}
	die(str, regs, error_code)
}

func do_divide_error(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "divide error", asm.X86_TRAP_DE)
}
func do_overflow(regs *asm.PtRegs, e uint64) { do_error_trap(regs, e, "overflow", asm.X86_TRAP_OF) }
func do_bounds(regs *asm.PtRegs, e uint64)   { do_error_trap(regs, e, "bounds", asm.X86_TRAP_BR) }
func do_invalid_op(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "invalid opcode", asm.X86_TRAP_UD)
}
func do_device_not_available(regs *asm.PtRegs, e uint64) {
	// gokern never sets CR0.TS (no lazy FPU switching): a #NM is a bug.
	do_error_trap(regs, e, "device not available", asm.X86_TRAP_NM)
}
func do_coprocessor_segment_overrun(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "coprocessor segment overrun", asm.X86_TRAP_OLD_MF)
}
func do_invalid_TSS(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "invalid TSS", asm.X86_TRAP_TS)
}
func do_segment_not_present(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "segment not present", asm.X86_TRAP_NP)
}
func do_stack_segment(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "stack segment", asm.X86_TRAP_SS)
}
func do_alignment_check(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "alignment check", asm.X86_TRAP_AC)
}
func do_coprocessor_error(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "fpu exception", asm.X86_TRAP_MF)
}
func do_simd_coprocessor_error(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "simd exception", asm.X86_TRAP_XF)
}
func do_virtualization_exception(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "virtualization exception", asm.X86_TRAP_VE)
}
func do_control_protection(regs *asm.PtRegs, e uint64) {
	do_error_trap(regs, e, "control protection fault", asm.X86_TRAP_CP)
}
func do_machine_check(regs *asm.PtRegs, e uint64) {
	// No machine-check architecture support: a #MC is fatal (Linux's
	// do_mce panics for an uncorrected error in kernel code).
	die("machine check", regs, e)
}

// do_reserved_exception: a vector the SDM reserves fired (only INT n can
// do that). Linux installs no gate for these; gokern's stubs cover all
// 256 vectors, so it is reported instead of becoming a #GP.
func do_reserved_exception(regs *asm.PtRegs, e uint64) {
	printk.Pr_emerg("traps: reserved exception vector %d\n", printk.Int(regs.Vector))
	do_error_trap(regs, e, "reserved exception", regs.Vector)
}

// Spurious_interrupt_bugs counts vector 15, which only an old APIC erratum
// raises (Linux exc_spurious_interrupt_bug: "hardware garbage, ignore").
var Spurious_interrupt_bugs uint64

func do_spurious_interrupt_bug(regs *asm.PtRegs, e uint64) {
	Spurious_interrupt_bugs++
	printk.Pr_warn("traps: spurious interrupt bug (vector 15) at %#x, #%d\n", printk.Int(regs.IP), printk.Int(Spurious_interrupt_bugs))
}

// Int3_count counts breakpoints taken in kernel code.
var Int3_count uint64

// do_int3: a breakpoint. INT3 is a trap: RIP already points past it, so
// returning resumes the code after the breakpoint. Linux hands kernel
// breakpoints to kprobes, kgdb and text_poke, and dies when none claims
// one; gokern has none of them (gdb's breakpoints go through QEMU's gdb
// stub, not INT3), so a kernel int3 is counted and resumed.
func do_int3(regs *asm.PtRegs, e uint64) {
	Int3_count++
}

// Debug_count counts #DB exceptions.
var Debug_count uint64

// do_debug: a debug exception (single step, a hardware breakpoint, or
// INT1). gokern programs no debug registers; DR6 says why it came, and is
// cleared as the SDM asks (Vol. 3B §18.2.3). A single step that nobody
// asked for (TF set in kernel code) is switched off, as Linux's
// exc_debug_kernel does.
func do_debug(regs *asm.PtRegs, e uint64) {
	Debug_count++
	dr6 := asm.Get_debugreg6()
	asm.Set_debugreg6(0)
	if dr6&asm.DR_STEP != 0 {
		regs.Flags &^= asm.X86_EFLAGS_TF
	}
}

// Nmi_count counts NMIs; the handler cannot nest (handled on one IST stack).
var Nmi_count uint64

// do_nmi: a non-maskable interrupt. No watchdog or profiler uses NMIs, so
// every one is "unknown" (Linux default_do_nmi → unknown_nmi_error), and
// the NMI reason port says whether the chipset raised it for a memory
// parity (SERR) or an I/O check error (IOCHK).
func do_nmi(regs *asm.PtRegs, e uint64) {
	Nmi_count++
	if h := Nmi_handler; h != nil && h(regs) {
		return
	}
	reason := asm.Inb(asm.NMI_REASON_PORT)
	printk.Pr_emerg("Uhhuh. NMI received for unknown reason %02x on CPU %d.\n", printk.Int(reason), printk.Int(asm.Smp_processor_id()))
	if reason&(asm.NMI_REASON_SERR|asm.NMI_REASON_IOCHK) != 0 {
		printk.Pr_emerg("NMI: %s error reported by the chipset\n", printk.Str(nmi_reason_name(reason)))
	}
	printk.Pr_emerg("Dazed and confused, but trying to continue\n")
}

func nmi_reason_name(reason uint8) string {
	if reason&asm.NMI_REASON_SERR != 0 {
		return "PCI SERR (memory parity)"
	}
	return "IOCHK (I/O channel check)"
}

// do_general_protection: #GP. In kernel code: a non-canonical address, a
// bad selector, a privileged instruction in the wrong place... Only the
// exception table can make it harmless (Linux exc_general_protection:
// fixup_exception, else die with "general protection fault").
func do_general_protection(regs *asm.PtRegs, e uint64) {
	if fixup_exception(regs, asm.X86_TRAP_GP, e) {
		return
	}
	die("general protection fault", regs, e)
}

// in_double_fault: the #DF handler is running (its IST stack has room for
// one).
var in_double_fault bool

// do_double_fault: the CPU could not deliver an exception, most often
// because the stack it had to push on is unmapped: a kernel stack overflow
// into the guard page (seeds' 32-bit kernels: a task gate to a double
// fault TSS; x86-64: an IST stack, so the handler always has a stack).
// Linux: exc_double_fault and handle_stack_overflow (4.x: "kernel stack
// overflow (double-fault)"; 6.x names the stack type). A #DF is an abort:
// the interrupted code cannot be resumed.
func do_double_fault(regs *asm.PtRegs, e uint64) {
	if in_double_fault {
		printk.Pr_emerg("PANIC: double fault inside the double fault handler (RIP %#x, RSP %#x): halting\n",
			printk.Int(regs.IP), printk.Int(regs.SP))
		stop_machine_now()
	}
	in_double_fault = true
	if catch_expected(regs) {
		in_double_fault = false
		return
	}
	cr2 := asm.Read_cr2()
	if s, ok := asm.This_cpu().Get_stack_info(uintptr(cr2)); ok && s.Guard != 0 && uintptr(cr2) >= s.Guard && uintptr(cr2) < s.Begin {
		oops_begin(regs, "BUG: stack guard page was hit")
		printk.Pr_emerg("BUG: %s stack guard page was hit at %016x (stack is %016x..%016x)\n",
			printk.Str(asm.Stack_type_name(s.Type)), printk.Int(cr2), printk.Int(s.Begin), printk.Int(s.End-1))
		__die("kernel stack overflow (double-fault)", regs, 0, nil)
		in_double_fault = false
		oops_end(regs)
		return
	}
	oops_begin(regs, "PANIC: double fault")
	printk.Pr_emerg("PANIC: double fault, error_code: %#x\n", printk.Int(e))
	if _, ok := asm.This_cpu().Get_stack_info(uintptr(regs.SP)); !ok {
		printk.Pr_emerg("double fault: RSP %016x is on no kernel stack: the CPU could not push the frame of the first exception\n", printk.Int(regs.SP))
	}
	__die("double fault", regs, e, nil)
	in_double_fault = false
	oops_end(regs)
}

// expected_fault reports whether a selftest armed a catch for this very
// fault (kunit.Kunit_try_catch with Expect_fault) on the stack the fault
// interrupted: then the handler records it and throws instead of
// reporting.
func expected_fault(regs *asm.PtRegs) (*kunit.Kunit_try_catch, bool) {
	tc := kunit.Kunit_try_catch_current()
	if tc == nil || !same_stack(tc.Resume_sp(), uintptr(regs.SP)) {
		return nil, false
	}
	return tc, true
}

// same_stack reports whether a and b lie on the same stack of this CPU
// (its guard page counts as part of it).
func same_stack(a, b uintptr) bool {
	p := asm.This_cpu()
	sa, ok1 := p.Get_stack_info(a)
	sb, ok2 := p.Get_stack_info(b)
	return ok1 && ok2 && sa == sb
}

func uintptrOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }
