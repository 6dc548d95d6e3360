package traps

import (
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/kallsyms"
	"gokern/kunit"
	"gokern/paging"
	"gokern/printk"
)

// In-kernel selftests of trap_init and the handlers (kmain.go lists them
// for selftest=). Each raises its exception on purpose and checks what
// the handler saw (Last_trap) and did (a fixup's result, a counter, the
// registers it returned), not a printed line.

// st_catch is the catch the faulting probes run under: a probe that
// faults is thrown out of quietly, and the test reads Last_trap.
var st_catch kunit.Kunit_try_catch

// expect_trap runs fn(arg) and reports whether a handler threw out of it.
func expect_trap(fn func(uintptr), arg uintptr) bool {
	st_catch.Expect_fault = true
	caught := kunit.Kunit_try_catch_run(&st_catch, fn, arg)
	st_catch.Expect_fault = false
	return caught
}

func run_ud2(uintptr)    { probe_ud2() }
func run_int4(uintptr)   { probe_int4() }
func run_div0(uintptr)   { probe_div(1, 0) }
func run_call(a uintptr) { probe_call(a) }

// symbol_of names the function holding pc ("" if none).
func symbol_of(pc uint64) string {
	if s, ok := kallsyms.Lookup(uintptr(pc)); ok {
		return s.Name
	}
	return ""
}

// Test_idt: IDTR holds Idt_table; every exception of def_idts has its gate
// kind, DPL and IST, and points at the entry stub of its Linux name;
// int $0x80 is a DPL 3 gate; every other vector is a DPL 0 interrupt gate
// to its irq_entries_start stub, in __KERNEL_CS.
func Test_idt(t *kunit.Kunit) {
	var d asm.DescPtr
	asm.Store_idt(&d)
	if d.Base() != uint64(uintptrOf(&Idt_table[0])) || d.Limit() != asm.IDT_ENTRIES*16-1 {
		t.Errorf("IDTR base %#x limit %#x, want %#x %#x", printk.Int(d.Base()), printk.Int(d.Limit()),
			printk.Int(uintptrOf(&Idt_table[0])), printk.Int(asm.IDT_ENTRIES*16-1))
	}
	var name [96]byte
	var stub [32]byte
	want := func(v int, stub []byte, typ, dpl, ist int) {
		g := Idt_table[v]
		n := printk.Snprintf(name[:], "gokern/arch/amd64/entry.%s", printk.Bytes(stub))
		if !g.Present() || g.Selector() != asm.X__KERNEL_CS || g.Type() != typ || g.DPL() != dpl || g.IST() != ist ||
			g.Offset() != uint64(entry.Idt_entries[v]) {
			t.Errorf("gate %d: present %d sel %#x type %#x DPL %d IST %d offset %#x; want type %#x DPL %d IST %d",
				printk.Int(v), printk.Int(b2i(g.Present())), printk.Int(g.Selector()), printk.Int(g.Type()), printk.Int(g.DPL()),
				printk.Int(g.IST()), printk.Int(g.Offset()), printk.Int(typ), printk.Int(dpl), printk.Int(ist))
		}
		if s, ok := kallsyms.Lookup(uintptr(g.Offset())); !ok || s.Name != string(name[:n]) || s.Entry != uintptr(g.Offset()) {
			t.Errorf("gate %d points at %s, want %s", printk.Int(v), printk.Str(s.Name), printk.Bytes(name[:n]))
		}
	}
	for i := range def_idts {
		dd := &def_idts[i]
		dpl, ist := 0, 0
		switch dd.kind {
		case SYSG:
			dpl = 3
		case ISTG:
			ist = dd.ist
		}
		n := copy(stub[:], dd.stub)
		want(dd.vector, stub[:n], asm.GATE_INTERRUPT, dpl, ist)
		if exception_handlers[dd.vector] == nil {
			t.Errorf("exception %d has no handler", printk.Int(dd.vector))
		}
	}
	n := copy(stub[:], "entry_INT80_compat")
	want(asm.IA32_SYSCALL_VECTOR, stub[:n], asm.GATE_INTERRUPT, 3, 0)
	for v := asm.FIRST_EXTERNAL_VECTOR; v < asm.IDT_ENTRIES; v++ {
		if v != asm.IA32_SYSCALL_VECTOR {
			n := printk.Snprintf(stub[:], "irq_entries_start_%d", printk.Int(v))
			want(v, stub[:n], asm.GATE_INTERRUPT, 0, 0)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Test_extable: kbuild sorted the exception table into the relative form;
// every entry names an instruction of the accessors and a fixup.
func Test_extable(t *kunit.Kunit) {
	table, ok := asm.Ex_table()
	if !ok || len(table) != asm.NR_EX_TABLE_ENTRIES {
		t.Errorf("the exception table is not sorted (header %#x) or has %d entries, want %d",
			printk.Int(*(*uint64)(asm.KernelPtr(uintptrOf(&asm.X__ex_table[0])))), printk.Int(len(table)), printk.Int(asm.NR_EX_TABLE_ENTRIES))
		return
	}
	if !Extable_sorted(table) {
		t.Errorf("the exception table is not sorted by instruction address")
	}
	for i := range table {
		e := &table[i]
		insn, fixup := symbol_of(uint64(asm.Ex_to_insn(e))), symbol_of(uint64(asm.Ex_to_fixup(e)))
		if !hasPrefix(insn, "gokern/arch/amd64/asm.") || !hasPrefix(fixup, "gokern/arch/amd64/asm.") ||
			Search_exception_tables(asm.Ex_to_insn(e)) != e || Search_exception_tables(asm.Ex_to_insn(e)+1) != nil {
			t.Errorf("entry %d: %s -> %s, or the search does not find it", printk.Int(i), printk.Str(insn), printk.Str(fixup))
		}
	}
}

// Test_divide_error: DIV by zero raises #DE at the DIV, in probe_div; a
// division by 3 does not.
func Test_divide_error(t *kunit.Kunit) {
	if q := probe_div(10, 3); q != 3 {
		t.Errorf("10/3 = %d", printk.Int(q))
	}
	if !expect_trap(run_div0, 0) || Last_trap.Vector != asm.X86_TRAP_DE || symbol_of(Last_trap.Ip) != "gokern/traps.probe_div" {
		t.Errorf("1/0: caught %d, vector %d at %s", printk.Int(b2i(st_catch.Caught)), printk.Int(Last_trap.Vector), printk.Str(symbol_of(Last_trap.Ip)))
	}
}

// Test_invalid_op: UD2 raises #UD with RIP at the UD2 itself (a fault:
// RIP is not advanced).
func Test_invalid_op(t *kunit.Kunit) {
	if !expect_trap(run_ud2, 0) || Last_trap.Vector != asm.X86_TRAP_UD || Last_trap.Ip != uint64(funcPC_probe_ud2()) {
		t.Errorf("ud2: caught %d, vector %d at %#x, want %#x", printk.Int(b2i(st_catch.Caught)), printk.Int(Last_trap.Vector),
			printk.Int(Last_trap.Ip), printk.Int(funcPC_probe_ud2()))
	}
}

// Test_int3: INT3 is a trap: the handler counts it and the probe goes on
// after it; RIP in the frame is past the INT3.
func Test_int3(t *kunit.Kunit) {
	n := Int3_count
	probe_int3()
	if Int3_count != n+1 || Last_trap.Vector != asm.X86_TRAP_BP || symbol_of(Last_trap.Ip) != "gokern/traps.probe_int3" ||
		Last_trap.Ip == uint64(funcPC_probe_int3()) {
		t.Errorf("int3: count %d -> %d, vector %d, RIP %#x (probe at %#x)", printk.Int(n), printk.Int(Int3_count),
			printk.Int(Last_trap.Vector), printk.Int(Last_trap.Ip), printk.Int(funcPC_probe_int3()))
	}
}

// Test_overflow: INT 4 (INTO is invalid in 64-bit mode) reaches the #OF
// handler, which has no fixup for it: caught.
func Test_overflow(t *kunit.Kunit) {
	if !expect_trap(run_int4, 0) || Last_trap.Vector != asm.X86_TRAP_OF {
		t.Errorf("int $4: caught %d vector %d", printk.Int(b2i(st_catch.Caught)), printk.Int(Last_trap.Vector))
	}
}

// Test_trap_gate: the seeds' "Traps vs. Interrupts": through a trap gate
// the handler runs with IF as the interrupted code had it, through an
// interrupt gate with IF clear. int3's gate, briefly a trap gate.
func Test_trap_gate(t *kunit.Kunit) {
	stub := entry.Idt_entries[asm.X86_TRAP_BP]
	Set_trap_gate(asm.X86_TRAP_BP, stub)
	probe_int3_sti()
	trap := Last_trap.Handler_flags
	Set_system_intr_gate(asm.X86_TRAP_BP, stub)
	probe_int3_sti()
	intr := Last_trap.Handler_flags
	if trap&asm.X86_EFLAGS_IF == 0 || intr&asm.X86_EFLAGS_IF != 0 || Last_trap.Flags&asm.X86_EFLAGS_IF == 0 {
		t.Errorf("IF in the handler: trap gate %#x, interrupt gate %#x (interrupted RFLAGS %#x)",
			printk.Int(trap), printk.Int(intr), printk.Int(Last_trap.Flags))
	}
	if g := Idt_table[asm.X86_TRAP_BP]; g.Type() != asm.GATE_INTERRUPT || g.DPL() != 3 {
		t.Errorf("int3's gate not restored")
	}
}

// Test_ist_stacks: #DB and NMI run on their own IST stacks, whatever the
// stack of the interrupted code (INT 1 and INT 2 go through the same
// gates as the real events).
func Test_ist_stacks(t *kunit.Kunit) {
	n := Debug_count
	probe_int1()
	if Debug_count != n+1 || Last_trap.Stack != asm.STACK_TYPE_EXCEPTION+asm.ESTACK_DB {
		t.Errorf("int $1: count %d -> %d, ran on stack %s", printk.Int(n), printk.Int(Debug_count), printk.Str(asm.Stack_type_name(Last_trap.Stack)))
	}
	n = Nmi_count
	probe_int2()
	if Nmi_count != n+1 || Last_trap.Stack != asm.STACK_TYPE_EXCEPTION+asm.ESTACK_NMI {
		t.Errorf("int $2: count %d -> %d, ran on stack %s", printk.Int(n), printk.Int(Nmi_count), printk.Str(asm.Stack_type_name(Last_trap.Stack)))
	}
	probe_int3()
	if Last_trap.Stack != asm.STACK_TYPE_TASK {
		t.Errorf("int3 ran on stack %s, want the interrupted one (TASK)", printk.Str(asm.Stack_type_name(Last_trap.Stack)))
	}
}

// unmapped_kernel_addr: nothing maps the top 1 GiB below the module area
// end... the same hole lkdtm=UNMAPPED reads.
const unmapped_kernel_addr = 0xffffffffc0000000

// nx_code holds a RET, in data: executable by its bytes, not by its
// mapping (NX, W^X).
var nx_code = [16]byte{0xc3}

// Test_page_fault: the error code the CPU pushes for a read and a write
// of an unmapped page, a write to kernel text (present but read-only:
// W^X), and an instruction fetch from a data page (NX); CR2 is the
// address each time. The reads and writes go through the nofault
// accessors, whose fixups return -EFAULT; the fetch has no fixup and is
// caught.
func Test_page_fault(t *kunit.Kunit) {
	check := func(what string, err int, vector, code uint64, addr uintptr) {
		if err != -asm.EFAULT || Last_trap.Vector != vector || Last_trap.Error_code != code || Last_trap.Cr2 != uint64(addr) {
			t.Errorf("%s: err %d, vector %d error code %#x CR2 %#x; want -EFAULT, %d, %#x, %#x", printk.Str(what), printk.Int(err),
				printk.Int(Last_trap.Vector), printk.Int(Last_trap.Error_code), printk.Int(Last_trap.Cr2),
				printk.Int(vector), printk.Int(code), printk.Int(addr))
		}
	}
	fix := Fixups
	_, err := asm.Get_kernel_nofault[uint64](unmapped_kernel_addr)
	check("read of an unmapped page", err, asm.X86_TRAP_PF, 0, unmapped_kernel_addr)
	v := uint64(0x1122334455667788)
	err = asm.Copy_to_kernel_nofault(unmapped_kernel_addr, uintptrOf(&v), 8)
	check("write to an unmapped page", err, asm.X86_TRAP_PF, asm.X86_PF_WRITE, unmapped_kernel_addr)
	text := funcPC_probe_ud2()
	before, _ := asm.Get_kernel_nofault[uint64](text)
	err = asm.Copy_to_kernel_nofault(text, uintptrOf(&v), 8)
	check("write to kernel text", err, asm.X86_TRAP_PF, asm.X86_PF_PROT|asm.X86_PF_WRITE, text)
	if after, _ := asm.Get_kernel_nofault[uint64](text); after != before {
		t.Errorf("kernel text changed: %#x -> %#x", printk.Int(before), printk.Int(after))
	}
	if Fixups != fix+3 {
		t.Errorf("%d fixups, want 3", printk.Int(Fixups-fix))
	}
	if paging.Supported_pte_mask&paging.PAGE_NX == 0 {
		// -cpu qemu64,-nx: no page can be made non-executable, and a call
		// into nx_code would run its RET (Linux then has no NX either:
		// "NX (Execute Disable) protection: disabled by hardware").
		t.Logf("no NX: the fetch from a data page is not checked")
		return
	}
	addr := uintptrOf(&nx_code[0])
	if !expect_trap(run_call, addr) {
		t.Errorf("a call into a data page was not caught")
	}
	code := uint64(asm.X86_PF_PROT | asm.X86_PF_INSTR)
	if Last_trap.Vector != asm.X86_TRAP_PF || Last_trap.Error_code != code || Last_trap.Cr2 != uint64(addr) || Last_trap.Ip != uint64(addr) {
		t.Errorf("NX fetch: vector %d error code %#x CR2 %#x RIP %#x; want 14, %#x, %#x", printk.Int(Last_trap.Vector),
			printk.Int(Last_trap.Error_code), printk.Int(Last_trap.Cr2), printk.Int(Last_trap.Ip), printk.Int(code), printk.Int(addr))
	}
	if pte, ok := lookup_pte(uint64(addr)); !ok || pte&uint64(paging.PAGE_NX) == 0 {
		t.Errorf("nx_code's page is not NX: PTE %#x", printk.Int(pte))
	}
}

// Test_general_protection: a non-canonical address raises #GP, not #PF;
// the user accessor's fixup recovers it. The kernel nofault accessors
// refuse such an address before touching it.
func Test_general_protection(t *kunit.Kunit) {
	const noncanonical = 0x8000000000000000
	fix, pf := Fixups, Pf_count
	v, err := asm.X__get_user[uint64](noncanonical)
	if err != -asm.EFAULT || v != 0 || Last_trap.Vector != asm.X86_TRAP_GP || Fixups != fix+1 {
		t.Errorf("__get_user(%#x): %#x, err %d, vector %d, fixups %d", printk.Int(uint64(noncanonical)), printk.Int(v),
			printk.Int(err), printk.Int(Last_trap.Vector), printk.Int(Fixups-fix))
	}
	if _, err := asm.Get_kernel_nofault[uint64](noncanonical); err != -asm.EFAULT || Fixups != fix+1 || Pf_count != pf {
		t.Errorf("get_kernel_nofault(non-canonical): err %d, and it faulted", printk.Int(err))
	}
}

// Test_copy_nofault: copy_from_kernel_nofault of a range that runs from
// mapped memory into an unmapped page fails whole with -EFAULT, after
// copying what it could; a user address is refused without an access.
func Test_copy_nofault(t *kunit.Kunit) {
	var buf [16]byte
	if err := asm.Copy_from_kernel_nofault(uintptrOf(&buf[0]), unmapped_kernel_addr, 16); err != -asm.EFAULT {
		t.Errorf("copy_from_kernel_nofault(unmapped) = %d, want -EFAULT", printk.Int(err))
	}
	if err := asm.Copy_from_kernel_nofault(uintptrOf(&buf[0]), uintptrOf(&nx_code[0]), 16); err != 0 || buf[0] != 0xc3 {
		t.Errorf("copy_from_kernel_nofault(mapped) = %d, %#x", printk.Int(err), printk.Int(buf[0]))
	}
	pf := Pf_count
	if err := asm.Copy_from_kernel_nofault(uintptrOf(&buf[0]), 0x1000, 8); err != -asm.EFAULT || Pf_count != pf {
		t.Errorf("copy_from_kernel_nofault(user address) = %d, %d faults", printk.Int(err), printk.Int(Pf_count-pf))
	}
	if left := asm.Copy_from_user(uintptrOf(&buf[0]), 0x1000, 16); left != 16 || buf[0] != 0 || buf[15] != 0 {
		t.Errorf("copy_from_user(unmapped) left %d, buffer not zeroed", printk.Int(left))
	}
	if left := asm.Copy_from_user(uintptrOf(&buf[0]), uintptrOf(&nx_code[0]), 16); left != 16 {
		t.Errorf("copy_from_user from a kernel address left %d, want all 16 refused", printk.Int(left))
	}
}

// recurse fills the stack until it hits the guard page.
//
//go:noinline
func recurse(depth uintptr) uintptr {
	var frame [512]byte
	frame[depth&511] = byte(depth)
	return recurse(depth+1) + uintptr(frame[(depth*7)&511])
}

func run_recurse(uintptr) { recurse(0) }

// Test_double_fault: a recursion runs the task stack into its guard page;
// the CPU cannot push the page fault's frame there and raises #DF, which
// runs on the #DF IST stack, with CR2 in the guard page. The catch then
// resumes here, on the task stack, which was abandoned.
func Test_double_fault(t *kunit.Kunit) {
	// The running task's stack (kernel_init's, since rest_init).
	s, _ := asm.This_cpu().Get_stack_info(asm.Current_stack_pointer())
	if s == nil || !expect_trap(run_recurse, 0) || Last_trap.Vector != asm.X86_TRAP_DF ||
		Last_trap.Stack != asm.STACK_TYPE_EXCEPTION+asm.ESTACK_DF || Last_trap.Cr2 < uint64(s.Guard) || Last_trap.Cr2 >= uint64(s.Begin) {
		t.Errorf("stack overflow: caught %d, vector %d on stack %s, CR2 %#x (guard page %#x)", printk.Int(b2i(st_catch.Caught)),
			printk.Int(Last_trap.Vector), printk.Str(asm.Stack_type_name(Last_trap.Stack)), printk.Int(Last_trap.Cr2), printk.Int(s.Guard))
	}
}

var st_array [8]int

//go:noinline
func index_out_of_range(i uintptr) { st_array[i+8] = 1 }

// Test_bounds_check: a failed Go bounds check in kernel code ends in a
// fault inside the runtime's panic path (nil m), which the handler
// attributes to the kernel function and decodes: index and length.
func Test_bounds_check(t *kunit.Kunit) {
	if !expect_trap(index_out_of_range, 5) || Last_trap.Culprit_name != "gokern/traps.index_out_of_range" ||
		!Last_trap.Bounds.Ok || Last_trap.Bounds.X != 13 || Last_trap.Bounds.Y != 8 || Last_trap.Bounds.Code != kallsyms.BoundsIndex {
		t.Errorf("st_array[13]: caught %d, culprit %s, decoded %d: index %d length %d", printk.Int(b2i(st_catch.Caught)),
			printk.Str(Last_trap.Culprit_name), printk.Int(b2i(Last_trap.Bounds.Ok)), printk.Int(Last_trap.Bounds.X), printk.Int(Last_trap.Bounds.Y))
	}
}

// Test_int80: int $0x80 reaches sys_call_table with the i386 registers:
// getpid returns the caller's pid, umask returns the old mask (so the argument arrived in
// EBX, through the x86-64 function's table), an unknown number returns -ENOSYS, and getresuid32 with a bad
// pointer returns -EFAULT through put_user's fixup.
func Test_int80(t *kunit.Kunit) {
	n := Syscall_count
	// The selftests run in kernel_init, pid 1 (0 before the process layer
	// registered its calls: the swapper).
	pid := 0
	if Current_comm != nil {
		_, pid = Current_comm()
	}
	if r := probe_int80(X__NR_getpid, 0, 0, 0); r != uint64(pid) {
		t.Errorf("getpid = %d, want %d", printk.Int(int64(r)), printk.Int(pid))
	}
	// umask is the VFS's (kernel/sys, through Ia32_sys_x64_table): set
	// 027, then the old mask back, which must return the 027.
	old := probe_int80(X__NR_umask, 0o27, 0, 0)
	if r := probe_int80(X__NR_umask, old, 0, 0); r != 0o27 || old > 0o777 {
		t.Errorf("umask(027) = %#o, then umask(%#o) = %#o, want 027", printk.Int(old), printk.Int(old), printk.Int(r))
	}
	// Numbers Linux itself leaves to sys_ni_syscall (break, stty, and
	// 251, unused), and past the table.
	for _, nr := range [...]uint64{17, 31, 251, NR_syscalls, 999} {
		if r := probe_int80(nr, 0, 0, 0); int64(r) != -asm.ENOSYS {
			t.Errorf("system call %d = %d, want -ENOSYS", printk.Int(nr), printk.Int(int64(r)))
		}
	}
	fix := Fixups
	if r := probe_int80(X__NR_getresuid32, 0x1000, 0x1004, 0x1008); int64(r) != -asm.EFAULT || Fixups != fix+1 ||
		Last_trap.Vector != asm.X86_TRAP_PF || Last_trap.Cr2 != 0x1000 || Last_trap.Error_code != asm.X86_PF_WRITE {
		t.Errorf("getresuid32(0x1000, ...) = %d, fixups %d, last trap %d error %#x CR2 %#x", printk.Int(int64(r)),
			printk.Int(Fixups-fix), printk.Int(Last_trap.Vector), printk.Int(Last_trap.Error_code), printk.Int(Last_trap.Cr2))
	}
	if Syscall_count != n+9 {
		t.Errorf("%d system calls counted, want 9", printk.Int(Syscall_count-n))
	}
}

// Test_unexpected_vector: an interrupt vector nobody handles is counted
// and reported (INT 0xf0; irq's handler must pass vectors it does not
// know to Unexpected_irq, so this holds after init_IRQ too).
func Test_unexpected_vector(t *kunit.Kunit) {
	n := Irq_unexpected[0xf0]
	probe_int_0xf0()
	if Irq_unexpected[0xf0] != n+1 {
		t.Errorf("vector 0xf0 counted %d -> %d", printk.Int(n), printk.Int(Irq_unexpected[0xf0]))
	}
}

// Test_trap_cost measures, in TSC cycles, an int3 round trip, an int
// $0x80 round trip (getpid) and a page fault fixed up by the exception
// table (for the docs; it fails only if a figure is zero). Each is timed
// in cost_batches batches of cost_rounds, after one batch to warm up (TCG
// translates code the first time it runs); it prints the median batch and
// the fastest, per round: under TCG the TSC follows the host's clock, so a
// busy host slows a batch, never speeds one up.
func Test_trap_cost(t *kunit.Kunit) {
	var int3, int80, pf [cost_batches]uint64
	for b := -1; b < cost_batches; b++ {
		t0 := asm.Rdtsc()
		probe_int3_loop(cost_rounds)
		t1 := asm.Rdtsc()
		for i := 0; i < cost_rounds; i++ {
			probe_int80(X__NR_getpid, 0, 0, 0)
		}
		t2 := asm.Rdtsc()
		for i := 0; i < cost_rounds; i++ {
			asm.Get_kernel_nofault[uint64](unmapped_kernel_addr)
		}
		t3 := asm.Rdtsc()
		if b >= 0 {
			int3[b], int80[b], pf[b] = (t1-t0)/cost_rounds, (t2-t1)/cost_rounds, (t3-t2)/cost_rounds
		}
	}
	sortCycles(int3[:])
	sortCycles(int80[:])
	sortCycles(pf[:])
	const m = cost_batches / 2
	t.Logf("trap cost (TSC cycles, median and fastest of %d batches of %d): int3 %d %d, int $0x80 getpid %d %d, page fault + fixup %d %d; trap_init %d us",
		printk.Int(cost_batches), printk.Int(cost_rounds), printk.Int(int3[m]), printk.Int(int3[0]), printk.Int(int80[m]), printk.Int(int80[0]),
		printk.Int(pf[m]), printk.Int(pf[0]), printk.Int(Trap_init_ns/1000))
	if int3[0] == 0 || int80[0] == 0 || pf[0] == 0 {
		t.Errorf("a zero figure")
	}
}

const (
	cost_batches = 9
	cost_rounds  = 500
)

// sortCycles sorts a few figures (insertion sort: no allocation).
func sortCycles(a []uint64) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// Test_oops_continue faults on purpose and is not caught: with
// oops=continue the oops ends this test (not ok) and the run goes on;
// without, the kernel stops. Explicit: it must fail.
func Test_oops_continue(t *kunit.Kunit) {
	var p *[2]uint64
	t.Logf("reading through a nil pointer: %d", printk.Int(p[1]))
}

// syscall_irqs_probe is the probe Test_syscall_irqs_on puts in a free
// slot of the system call table: it returns the interrupt flag its
// system call runs with.
func syscall_irqs_probe(regs *asm.PtRegs) int64 {
	return int64(asm.Native_save_fl() & asm.X86_EFLAGS_IF)
}

var syscall_irqs_regs asm.PtRegs

// Test_syscall_irqs_on: a system call runs with interrupts on, although
// SYSCALL turned them off for the entry code (MSR_SYSCALL_MASK), as
// Linux's do_syscall_64 does (syscall_enter_from_user_mode): a call that
// spins with interrupts off on a lock whose holder waits for this CPU's
// TLB shootdown answer stops both CPUs. do_syscall_64 is entered here
// with interrupts off, as from entry_SYSCALL_64, on a free slot holding
// a probe.
func Test_syscall_irqs_on(t *kunit.Kunit) {
	nr := -1
	for i := len(Sys_call_table) - 1; i >= 0 && nr < 0; i-- {
		if Sys_call_table[i] == nil {
			nr = i
		}
	}
	if nr < 0 {
		t.Errorf("no free slot in the system call table for the probe")
		return
	}
	flags := asm.Arch_local_irq_save()
	Sys_call_table[nr] = syscall_irqs_probe
	regs := &syscall_irqs_regs // static: the table's functions make their regs escape
	*regs = asm.PtRegs{Orig_ax: uint64(nr)}
	do_syscall_64(regs)
	Sys_call_table[nr] = nil
	asm.Arch_local_irq_restore(flags)
	if regs.AX&asm.X86_EFLAGS_IF == 0 {
		t.Errorf("system call %d ran with interrupts off (RFLAGS.IF 0)", printk.Int(nr))
	}
	t.Logf("system call %d (a free slot) ran with RFLAGS.IF %d", printk.Int(nr), printk.Int(regs.AX>>9&1))
}
