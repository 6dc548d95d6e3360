package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/cmdline"
	"gokern/e820"
	"gokern/init/initramfs"
	"gokern/kallsyms"
	"gokern/kunit"
	"gokern/memblock"
	"gokern/mm"
	"gokern/paging"
	"gokern/printk"
	"gokern/traps"
)

// In-kernel selftests of the boot path: each checks the machine state that
// a printed boot line claims (kmain.go lists them for selftest=).

// Test_early_idt: the early stubs exist, each named after its vector,
// and trap_init replaced every gate that pointed at one (selftests run
// after trap_init; the early IDT's own boot test is TestEarlyException).
func Test_early_idt(t *kunit.Kunit) {
	var name [64]byte
	for i := 0; i < asm.NUM_EXCEPTION_VECTORS; i++ {
		sym, ok := kallsyms.Lookup(early_idt_handler_array[i])
		n := printk.Snprintf(name[:], "gokern/arch/amd64.early_idt_handler_%d", printk.Int(i))
		if !ok || sym.Name != string(name[:n]) || sym.Entry != early_idt_handler_array[i] {
			t.Errorf("early stub %d at %#x is %s, want %s", printk.Int(i), printk.Int(early_idt_handler_array[i]),
				printk.Str(sym.Name), printk.Bytes(name[:n]))
		}
		for v := range traps.Idt_table {
			if g := traps.Idt_table[v]; g.Present() && g.Offset() == uint64(early_idt_handler_array[i]) {
				t.Errorf("gate %d still points at the early stub %d after trap_init", printk.Int(v), printk.Int(i))
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Test_gdt_tss: GDTR, the segment registers, TR, the descriptors of the
// final GDT in the order SYSRET needs, MSR_STAR, the TSS's IST slots and
// RSP0, and the GS base: what startup_64_setup_gdt_idt and trap_init
// (cpu_init, cpu_init_exception_handling) set.
func Test_gdt_tss(t *kunit.Kunit) {
	cpu := asm.Smp_processor_id()
	gdt := Get_cpu_gdt_rw(cpu)
	var d asm.DescPtr
	asm.Store_gdt(&d)
	if d.Base() != uint64(uintptrOf(gdt)) || d.Limit() != asm.GDT_ENTRIES*8-1 {
		t.Errorf("GDTR base %#x limit %#x, want %#x", printk.Int(d.Base()), printk.Int(d.Limit()), printk.Int(uintptrOf(gdt)))
	}
	if cs, ds := asm.ReadCS(), asm.ReadDS(); cs != asm.X__KERNEL_CS || ds != asm.X__KERNEL_DS {
		t.Errorf("CS = %#x DS = %#x, want %#x %#x", printk.Int(cs), printk.Int(ds), printk.Int(asm.X__KERNEL_CS), printk.Int(asm.X__KERNEL_DS))
	}
	for _, c := range [...]struct {
		sel       int
		long, db  bool
		dpl, code int
	}{
		{asm.X__KERNEL_CS, true, false, 0, 1}, {asm.X__KERNEL_DS, false, true, 0, 0},
		{asm.X__USER32_CS, false, true, 3, 1}, {asm.X__USER_DS, false, true, 3, 0}, {asm.X__USER_CS, true, false, 3, 1},
	} {
		e := gdt[c.sel>>3]
		if !e.Present() || e.Long() != c.long || (e&asm.SEG_DB != 0) != c.db || e.DPL() != c.dpl || b2i(e&asm.SEG_CODE != 0) != c.code {
			t.Errorf("GDT selector %#x: descriptor %#x", printk.Int(c.sel), printk.Int(uint64(e)))
		}
	}
	// SYSRET: CS = STAR[63:48]+16, SS = STAR[63:48]+8; SYSCALL: CS =
	// STAR[47:32], SS = +8.
	star := asm.Rdmsrl(asm.MSR_STAR)
	if b := star >> 48; b+16 != asm.X__USER_CS || b+8 != asm.X__USER_DS || star>>32&0xffff != asm.X__KERNEL_CS ||
		star>>32&0xffff+8 != asm.X__KERNEL_DS {
		t.Errorf("MSR_STAR %#x does not give __USER_CS/__USER_DS to SYSRET and __KERNEL_CS/DS to SYSCALL", printk.Int(star))
	}
	if lim := gdt[asm.GDT_ENTRY_CPUNODE].Limit(); lim&0xfff != uint32(cpu) {
		t.Errorf("CPUNODE segment limit %#x, want cpu %d", printk.Int(lim), printk.Int(cpu))
	}
	if tr := asm.Store_tr(); tr != asm.X__TSS {
		t.Errorf("TR = %#x, want %#x", printk.Int(tr), printk.Int(asm.X__TSS))
	}
	tss := asm.LdttssDesc{uint64(gdt[asm.GDT_ENTRY_TSS]), uint64(gdt[asm.GDT_ENTRY_TSS+1])}
	if tss.Base() != uint64(uintptrOf(&Cpu_tss_rw[cpu])) || asm.DescStruct(tss[0]).Limit() != asm.TSS_SIZE-1 {
		t.Errorf("TSS descriptor base %#x, want %#x", printk.Int(tss.Base()), printk.Int(uintptrOf(&Cpu_tss_rw[cpu])))
	}
	p := asm.This_cpu()
	for e := 0; e < asm.N_EXCEPTION_STACKS; e++ {
		if top := p.Stacks[asm.STACK_TYPE_EXCEPTION+e].End; Cpu_tss_rw[cpu].Ist(e+1) != uint64(top) || top == 0 {
			t.Errorf("IST%d = %#x, want the top of exception stack %d, %#x", printk.Int(e+1),
				printk.Int(Cpu_tss_rw[cpu].Ist(e+1)), printk.Int(e), printk.Int(top))
		}
	}
	// RSP0 is the top of the running task's stack: the boot stack's until
	// rest_init, then the scheduler's (kernel/sched __switch_to).
	if sp0 := Cpu_tss_rw[cpu].Sp0(); sp0 != uint64(p.Top_of_stack) || sp0 != uint64(p.Task_stack.End) {
		t.Errorf("TSS RSP0 = %#x, want the top of the running task's stack %#x", printk.Int(sp0), printk.Int(p.Task_stack.End))
	}
	// GS base = this CPU's per-CPU area, pcpu_hot at its offset 0, and no
	// longer the static first unit once setup_per_cpu_areas ran.
	first, _ := asm.Pcpu_first_unit_base()
	if gs := asm.Rdmsrl(asm.MSR_GS_BASE); gs != uint64(asm.X__per_cpu_offset[cpu]) || p != asm.Per_cpu_ptr(asm.Pcpu_hot, cpu) ||
		p.This_cpu_off != uintptrOf(p) || uintptr(gs) == first {
		t.Errorf("GS base %#x, want per_cpu_offset(%d) %#x (the static first unit is %#x)", printk.Int(gs), printk.Int(cpu),
			printk.Int(asm.X__per_cpu_offset[cpu]), printk.Int(first))
	}
}

// Test_early_pgt: startup_64's early_top_pgt (no longer in CR3 once
// init_mem_mapping ran, but still in memory) mapped the kernel image, and
// only it, at __START_KERNEL_map + 16 MiB in 2 MiB pages, identity-mapped
// 0-4 GiB without page 0, and aliased 0-4 GiB at PAGE_OFFSET.
func Test_early_pgt(t *kunit.Kunit) {
	pgd := Early_top_pgt()
	if pgd[511] == 0 {
		t.Errorf("early_top_pgt[511] is empty")
	}
	pud := (*[512]uint64)(asm.Phys_to_virt(uintptr(pgd[511] &^ 0xfff)))
	pmd := (*[512]uint64)(asm.Phys_to_virt(uintptr(pud[510] &^ 0xfff)))
	first := uintptr(asm.LOAD_PHYSICAL_ADDR >> 21)
	end := (KernelEnd() - asm.X__START_KERNEL_map + (1 << 21) - 1) >> 21
	for i := uintptr(0); i < 512; i++ {
		want := uint64(0)
		if i >= first && i < end {
			want = uint64(i<<21) | 0x1e3
		}
		if pmd[i] != want {
			t.Errorf("kernel PMD[%d] = %#x, want %#x", printk.Int(i), printk.Int(pmd[i]), printk.Int(want))
		}
	}
	ident := (*[512]uint64)(asm.Phys_to_virt(uintptr(pgd[0] &^ 0xfff)))
	for g := 0; g < 4; g++ {
		pd := (*[512]uint64)(asm.Phys_to_virt(uintptr(ident[g] &^ 0xfff)))
		for i := 0; i < 512; i += 73 {
			if g == 0 && i == 0 {
				continue // a page table, checked below
			}
			if want := uint64(g)<<30 | uint64(i)<<21 | 0xe3; pd[i] != want {
				t.Errorf("identity PMD %d/%d = %#x, want %#x", printk.Int(g), printk.Int(i), printk.Int(pd[i]), printk.Int(want))
			}
		}
	}
	// The first 2 MiB: 4 KiB pages, page 0 not present.
	pd0 := (*[512]uint64)(asm.Phys_to_virt(uintptr(ident[0] &^ 0xfff)))
	pte := (*[512]uint64)(asm.Phys_to_virt(uintptr(pd0[0] &^ 0xfff)))
	if pd0[0]&0x80 != 0 || pte[0] != 0 || pte[1] != 0x1000|0x63 || pte[511] != 511<<12|0x63 {
		t.Errorf("first 2 MiB: PMD %#x PTE[0] %#x PTE[1] %#x: page 0 must be unmapped", printk.Int(pd0[0]), printk.Int(pte[0]), printk.Int(pte[1]))
	}
	// _text through the kernel mapping reads the same bytes as __va(16 MiB).
	hi := (*[64]byte)(asm.KernelPtr(asm.X__START_KERNEL))
	dm := (*[64]byte)(asm.Phys_to_virt(asm.LOAD_PHYSICAL_ADDR))
	if *hi != *dm {
		t.Errorf("_text and __va(16 MiB) differ")
	}
	// The early direct map reached page 0, which the identity map left
	// out (reserve_ebda_region read the BIOS data area through it).
	if pgd[PGD_PAGE_OFFSET] == 0 {
		t.Errorf("no early direct map at PAGE_OFFSET")
	}
}

// Test_boot_params: the kernel's copies equal what the loader left.
func Test_boot_params(t *kunit.Kunit) {
	src := (*asm.BootParams)(asm.Phys_to_virt(boot_params_phys))
	if *src != Boot_params {
		t.Errorf("boot_params copy differs from the zeropage at %#x", printk.Int(boot_params_phys))
	}
	if !Boot_params.HdrS() || Boot_params.Version() < 0x0202 {
		t.Errorf("setup header: HdrS %d version %#x", printk.Int(b2i(Boot_params.HdrS())), printk.Int(Boot_params.Version()))
	}
	if n := Boot_params.E820_entries(); n > asm.E820_MAX_ENTRIES_ZEROPAGE {
		t.Errorf("e820_entries = %d", printk.Int(n))
	}
	raw := (*[asm.COMMAND_LINE_SIZE]byte)(asm.Phys_to_virt(uintptr(Boot_params.Cmd_line_ptr())))
	for i := 0; i < cmdline.BootCommandLineLen; i++ {
		if raw[i] != cmdline.Boot_command_line[i] {
			t.Errorf("command line differs at byte %d", printk.Int(i))
			break
		}
	}
	if cmdline.Boot_command_line[cmdline.BootCommandLineLen] != 0 {
		t.Errorf("boot_command_line is not NUL-terminated")
	}
}

// Test_static_g: the boot g describes the stack we run on, the TLS slot
// and the FS base point at it, and SSE is on.
func Test_static_g(t *kunit.Kunit) {
	// The selftests run in kernel_init, a kernel thread with a g of its
	// own (kernel/sched); boot_g still describes the boot stack, where the
	// idle task runs.
	sp := asm.Current_stack_pointer()
	g := (*gStatic)(asm.KernelPtr(tls_block[0]))
	if sp < g.stack_lo || sp >= g.stack_hi {
		t.Errorf("SP %#x outside the current g's stack [%#x, %#x)", printk.Int(sp), printk.Int(g.stack_lo), printk.Int(g.stack_hi))
	}
	// trap_init moved the stack check onto the guard page (stacks.go);
	// kernel/sched puts a task's there from the start.
	for _, g := range [...]*gStatic{g, &boot_g} {
		if want := g.stack_lo - asm.PAGE_SIZE + STACK_SMALL; g.stackguard0 != want {
			t.Errorf("stackguard0 %#x, want guard page + %d = %#x", printk.Int(g.stackguard0), printk.Int(STACK_SMALL), printk.Int(want))
		}
		if g.m != 0 {
			t.Errorf("g.m = %#x, want nil (panics must fault at once)", printk.Int(g.m))
		}
	}
	if tls_block[0] != asm.This_cpu().Task_stack.G {
		t.Errorf("TLS slot holds %#x, the per-CPU task stack's g is %#x", printk.Int(tls_block[0]), printk.Int(asm.This_cpu().Task_stack.G))
	}
	if fs := asm.Rdmsrl(0xc0000100); fs != uint64(uintptrOf(&tls_block[1])) {
		t.Errorf("FS base %#x, want %#x", printk.Int(fs), printk.Int(uintptrOf(&tls_block[1])))
	}
	if asm.Read_cr0()&(1<<2) != 0 || asm.Read_cr4()&(1<<9) == 0 {
		t.Errorf("SSE not enabled: CR0 %#x CR4 %#x", printk.Int(asm.Read_cr0()), printk.Int(asm.Read_cr4()))
	}
}

// Selftests of the memory stage: they check the live state behind the
// lines setup_arch printed.

// Test_e820_sanitised: the kernel's map is sorted, without overlaps,
// empty entries or mergeable neighbours.
func Test_e820_sanitised(t *kunit.Kunit) {
	tb := &e820.E820_table
	if tb.Nr_entries == 0 {
		t.Errorf("empty e820 table")
	}
	for i := uint32(0); i < tb.Nr_entries; i++ {
		e := tb.Entries[i]
		if e.Size == 0 {
			t.Errorf("entry %d is empty", printk.Int(i))
		}
		if i > 0 {
			p := tb.Entries[i-1]
			if p.Addr+p.Size > e.Addr {
				t.Errorf("entries %d and %d overlap or are unsorted", printk.Int(i-1), printk.Int(i))
			}
			if p.Addr+p.Size == e.Addr && p.Type == e.Type {
				t.Errorf("entries %d and %d should have been merged", printk.Int(i-1), printk.Int(i))
			}
		}
	}
	// On x86-64 all RAM is low once the direct map exists (Linux
	// init_mem_mapping: max_low_pfn = max_pfn). memblock owns both.
	if memblock.Max_pfn == 0 || memblock.Max_low_pfn != memblock.Max_pfn {
		t.Errorf("max_pfn %#x max_low_pfn %#x", printk.Int(memblock.Max_pfn), printk.Int(memblock.Max_low_pfn))
	}
	if e820.E820_end_pfn(tb, ^uint64(0)>>asm.PAGE_SHIFT, e820.E820_TYPE_RAM) != memblock.Max_pfn {
		t.Errorf("max_pfn does not match the table")
	}
}

// Test_early_reservations: what must not be allocated was reserved early
// and is still reserved in the core map after the handover: no page of it
// went to the buddy allocator — but for the initrd's whole pages once
// free_initrd_mem has given them back.
func Test_early_reservations(t *kunit.Kunit) {
	kend := uint64(KernelEnd() - asm.X__START_KERNEL_map)
	checks := [...]struct {
		name       string
		base, size uint64
	}{
		{"kernel image", asm.LOAD_PHYSICAL_ADDR, kend - asm.LOAD_PHYSICAL_ADDR},
		{"page 0", 0, asm.PAGE_SIZE},
		{"boot_params", uint64(boot_params_phys), asm.BOOT_PARAMS_SIZE},
		{"command line", Boot_params.Cmd_line_ptr(), cmdlineSrcLen},
		{"EBDA/BIOS", uint64(LowmemStart), e820.ISA_END_ADDRESS - uint64(LowmemStart)},
		{"initrd", Phys_initrd_start, Phys_initrd_size},
	}
	for _, c := range checks {
		if c.size == 0 || c.base == 0 && c.name == "command line" {
			continue
		}
		if c.name == "initrd" && initramfs.Unpacked.FreedPages != 0 {
			// populate_rootfs has unpacked it and free_initrd_mem gave
			// its whole pages back: only a partial first or last page
			// stays reserved.
			lo, hi := (c.base+asm.PAGE_SIZE-1)&^(asm.PAGE_SIZE-1), (c.base+c.size)&^(asm.PAGE_SIZE-1)
			if c.base != lo && !mm.PfnIsReserved(c.base>>asm.PAGE_SHIFT) || c.base+c.size != hi && !mm.PfnIsReserved(hi>>asm.PAGE_SHIFT) {
				t.Errorf("initrd [%#x, %#x): a partial page at its ends is not reserved after free_initrd_mem", printk.Int(c.base), printk.Int(c.base+c.size))
			}
			if (hi-lo)>>asm.PAGE_SHIFT != initramfs.Unpacked.FreedPages {
				t.Errorf("free_initrd_mem freed %d pages of the initrd's %d whole ones", printk.Int(initramfs.Unpacked.FreedPages), printk.Int((hi-lo)>>asm.PAGE_SHIFT))
			}
			continue
		}
		// Its first byte, its last, and the start of every page between:
		// each page the range touches. After mm_init memblock is gone (its
		// grown arrays freed): the core map says whether the handover kept
		// the frame reserved.
		last := c.base + c.size - 1
		bad, missing := last, !mm.PfnIsReserved(last>>asm.PAGE_SHIFT)
		for a := c.base; a <= last && !missing; a = (a &^ (asm.PAGE_SIZE - 1)) + asm.PAGE_SIZE {
			bad, missing = a, !mm.PfnIsReserved(a>>asm.PAGE_SHIFT)
		}
		if missing {
			t.Errorf("%s [%#x, %#x): %#x is not reserved in the core map", printk.Str(c.name), printk.Int(c.base), printk.Int(last+1), printk.Int(bad))
		}
	}
	if LowmemStart < INSANE_CUTOFF || LowmemStart > LOWMEM_CAP {
		t.Errorf("EBDA reservation starts at %#x", printk.Int(LowmemStart))
	}
}

// Test_stack_guards: each of this CPU's stacks is mapped, the page below
// it is not (nor the page above the last exception stack), its g
// describes it with Go's check on the guard page, and the entry code finds
// that g for any address on the stack.
func Test_stack_guards(t *kunit.Kunit) {
	p := asm.This_cpu()
	pgd := paging.PhysAddr(asm.Read_cr3() &^ (asm.PAGE_SIZE - 1))
	mapped := func(va uintptr) bool {
		_, _, _, ok := paging.Walk(&asm.DirectMap, pgd, paging.VirtAddr(va))
		return ok
	}
	for i := asm.STACK_TYPE_TASK; i < asm.NR_STACK_TYPES; i++ {
		s := &p.Stacks[i]
		if s.End == 0 {
			t.Errorf("stack type %d is not set up", printk.Int(i))
			continue
		}
		name := asm.Stack_type_name(s.Type)
		if s.Guard != s.Begin-asm.PAGE_SIZE || mapped(s.Guard) || mapped(s.Begin-1) || !mapped(s.Begin) || !mapped(s.End-1) {
			t.Errorf("%s stack %#x-%#x: guard %#x mapped %d, bottom mapped %d, top mapped %d", printk.Str(name),
				printk.Int(s.Begin), printk.Int(s.End), printk.Int(s.Guard), printk.Int(b2i(mapped(s.Guard))),
				printk.Int(b2i(mapped(s.Begin))), printk.Int(b2i(mapped(s.End-1))))
		}
		if !p.Is_guard_page(s.Guard) || p.Is_guard_page(s.Begin) {
			t.Errorf("%s stack: Is_guard_page wrong", printk.Str(name))
		}
		g := g_of(s)
		if g.stack_lo != s.Begin || g.stack_hi != s.End || g.stackguard0 != s.Guard+STACK_SMALL {
			t.Errorf("%s stack: g [%#x, %#x) guard %#x", printk.Str(name), printk.Int(g.stack_lo), printk.Int(g.stack_hi), printk.Int(g.stackguard0))
		}
		if f, ok := p.Get_stack_info(s.End - 8); !ok || f != s {
			t.Errorf("%s stack: Get_stack_info(top) finds another stack", printk.Str(name))
		}
	}
	if top := p.Stacks[asm.STACK_TYPE_EXCEPTION_LAST].End; mapped(top) {
		t.Errorf("the page above the last exception stack (%#x) is mapped", printk.Int(top))
	}
	if p.Hardirq_stack_ptr != p.Stacks[asm.STACK_TYPE_IRQ].End-8 || p.Hardirq_stack_inuse != 0 {
		t.Errorf("hardirq_stack_ptr %#x inuse %d", printk.Int(p.Hardirq_stack_ptr), printk.Int(p.Hardirq_stack_inuse))
	}
}
