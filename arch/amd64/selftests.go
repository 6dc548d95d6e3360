package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/cmdline"
	"gokern/e820"
	"gokern/kallsyms"
	"gokern/kunit"
	"gokern/memblock"
	"gokern/mm"
	"gokern/printk"
)

// In-kernel selftests of the boot path: each checks the machine state that
// a printed boot line claims (kmain.go lists them for selftest=).

// Test_early_idt: IDTR points at Idt_table, and every exception gate is a
// present interrupt gate to its stub, in __KERNEL_CS, on IST1.
func Test_early_idt(t *kunit.Kunit) {
	var d asm.DescPtr
	asm.Store_idt(&d)
	if d.Base() != uint64(uintptrOf(&Idt_table[0])) || d.Limit() != asm.IDT_ENTRIES*16-1 {
		t.Errorf("IDTR base %#x limit %#x, want %#x %#x", printk.Int(d.Base()), printk.Int(d.Limit()),
			printk.Int(uintptrOf(&Idt_table[0])), printk.Int(asm.IDT_ENTRIES*16-1))
	}
	var name [64]byte
	for i := 0; i < asm.NUM_EXCEPTION_VECTORS; i++ {
		g := Idt_table[i]
		if !g.Present() || g.Offset() != uint64(early_idt_handler_array[i]) || g.Selector() != asm.X__KERNEL_CS ||
			g.IST() != asm.IST_EXCEPTION || g.Type() != asm.GATE_INTERRUPT || g.DPL() != 0 {
			t.Errorf("gate %d: present %d offset %#x sel %#x ist %d type %#x", printk.Int(i), printk.Int(b2i(g.Present())),
				printk.Int(g.Offset()), printk.Int(g.Selector()), printk.Int(g.IST()), printk.Int(g.Type()))
		}
		sym, ok := kallsyms.Lookup(early_idt_handler_array[i])
		n := printk.Snprintf(name[:], "gokern/arch/amd64.early_idt_handler_%d", printk.Int(i))
		if !ok || sym.Name != string(name[:n]) || sym.Entry != early_idt_handler_array[i] {
			t.Errorf("gate %d handler %#x is %s, want %s", printk.Int(i), printk.Int(early_idt_handler_array[i]),
				printk.Str(sym.Name), printk.Bytes(name[:n]))
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Test_gdt_tss: GDTR, CS, TR and the TSS's IST1 are what
// startup_64_setup_gdt_idt set.
func Test_gdt_tss(t *kunit.Kunit) {
	var d asm.DescPtr
	asm.Store_gdt(&d)
	if d.Base() != uint64(uintptrOf(&Gdt_page[0])) {
		t.Errorf("GDTR base %#x, want %#x", printk.Int(d.Base()), printk.Int(uintptrOf(&Gdt_page[0])))
	}
	if cs := asm.ReadCS(); cs != asm.X__KERNEL_CS {
		t.Errorf("CS = %#x, want %#x", printk.Int(cs), printk.Int(asm.X__KERNEL_CS))
	}
	if !Gdt_page[asm.GDT_ENTRY_KERNEL_CS].Long() || Gdt_page[asm.GDT_ENTRY_KERNEL_CS].DPL() != 0 {
		t.Errorf("__KERNEL_CS descriptor %#x is not a ring-0 64-bit code segment", printk.Int(uint64(Gdt_page[asm.GDT_ENTRY_KERNEL_CS])))
	}
	if tr := asm.Store_tr(); tr != asm.X__TSS {
		t.Errorf("TR = %#x, want %#x", printk.Int(tr), printk.Int(asm.X__TSS))
	}
	tss := asm.LdttssDesc{uint64(Gdt_page[asm.GDT_ENTRY_TSS]), uint64(Gdt_page[asm.GDT_ENTRY_TSS+1])}
	if tss.Base() != uint64(uintptrOf(&Cpu_tss_rw)) {
		t.Errorf("TSS descriptor base %#x, want %#x", printk.Int(tss.Base()), printk.Int(uintptrOf(&Cpu_tss_rw)))
	}
	if top := uint64(uintptrOf(&exception_stack[0]) + EXCEPTION_STACK_SIZE); Cpu_tss_rw.Ist(asm.IST_EXCEPTION) != top {
		t.Errorf("IST1 = %#x, want %#x", printk.Int(Cpu_tss_rw.Ist(asm.IST_EXCEPTION)), printk.Int(top))
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
	sp := asm.Current_stack_pointer()
	if sp < boot_g.stack_lo || sp >= boot_g.stack_hi {
		t.Errorf("SP %#x outside boot_g's stack [%#x, %#x)", printk.Int(sp), printk.Int(boot_g.stack_lo), printk.Int(boot_g.stack_hi))
	}
	if boot_g.stackguard0 != boot_g.stack_lo+STACK_GUARD {
		t.Errorf("stackguard0 %#x, want lo+%d", printk.Int(boot_g.stackguard0), printk.Int(STACK_GUARD))
	}
	if tls_block[0] != uintptrOf(&boot_g) {
		t.Errorf("TLS slot holds %#x, want &boot_g %#x", printk.Int(tls_block[0]), printk.Int(uintptrOf(&boot_g)))
	}
	if fs := asm.Rdmsrl(0xc0000100); fs != uint64(uintptrOf(&tls_block[1])) {
		t.Errorf("FS base %#x, want %#x", printk.Int(fs), printk.Int(uintptrOf(&tls_block[1])))
	}
	if boot_g.m != 0 {
		t.Errorf("boot_g.m = %#x, want nil (panics must fault at once)", printk.Int(boot_g.m))
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
// went to the buddy allocator.
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
