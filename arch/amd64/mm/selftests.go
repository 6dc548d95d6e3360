package mm

import (
	"gokern/arch/amd64/asm"
	"gokern/e820"
	"gokern/kunit"
	"gokern/memblock"
	"gokern/paging"
	"gokern/printk"
)

// Selftests of the final page tables and the TLB API: they check the live
// state behind the lines init_mem_mapping printed (kmain.go lists them for
// selftest=).

func cr3_pgd() paging.PhysAddr { return paging.PhysAddr(asm.Read_cr3() &^ 0xfff) }

// Test_direct_map: every page of RAM is reachable at PAGE_OFFSET + pa
// (sampled), read-write and not executable; nothing is left of the
// identity map; virtual page 0 is unmapped.
func Test_direct_map(t *kunit.Kunit) {
	pgd := cr3_pgd()
	if pgd != paging.PhysAddr(Init_top_pgt_phys()) {
		t.Errorf("CR3 %#x is not init_top_pgt %#x", printk.Int(pgd), printk.Int(Init_top_pgt_phys()))
	}
	// The usable RAM of the e820 map (memblock's memory, which mm_init
	// has retired).
	for i := uint32(0); i < e820.E820_table.Nr_entries; i++ {
		r := &e820.E820_table.Entries[i]
		if r.Type != e820.E820_TYPE_RAM {
			continue
		}
		base, end := (r.Addr+asm.PAGE_SIZE-1)&^(asm.PAGE_SIZE-1), (r.Addr+r.Size)&^(asm.PAGE_SIZE-1)
		step := max((end-base)/64, asm.PAGE_SIZE) &^ (asm.PAGE_SIZE - 1)
		for a := base; a < end; a += step {
			pa, _, prot, ok := paging.Walk(&asm.DirectMap, pgd, paging.Va(paging.PhysAddr(a)))
			if !ok || uint64(pa) != a || prot&paging.PAGE_RW == 0 || (HasNX && prot&paging.PAGE_NX == 0) {
				t.Errorf("__va(%#x): ok %d pa %#x prot %#x", printk.Int(a), printk.Int(b2i(ok)), printk.Int(pa), printk.Int(prot))
				break
			}
		}
	}
	for _, va := range [...]uint64{0, asm.PAGE_SIZE, asm.LOAD_PHYSICAL_ADDR, 1 << 30} {
		if _, _, _, ok := paging.Walk(&asm.DirectMap, pgd, paging.VirtAddr(va)); ok {
			t.Errorf("virtual %#x is still mapped (identity map not dropped)", printk.Int(va))
		}
	}
	if DirectMapStats.Pages2M+DirectMapStats.Pages1G == 0 {
		t.Errorf("the direct map uses no large pages")
	}
}

// Test_kernel_wx: the kernel image is mapped W^X as its ELF segments say,
// page by page, and translates to 16 MiB + offset. On a CPU without NX
// (-cpu qemu64,-nx) only the text's and rodata's read-only bits are
// checked: nothing can be made non-executable.
func Test_kernel_wx(t *kunit.Kunit) {
	pgd := cr3_pgd()
	var segs [8]KernelSegment
	n := KernelSegments(segs[:])
	if n < 3 {
		t.Errorf("only %d kernel segments", printk.Int(n))
	}
	sawText, sawRO, sawRW := false, false, false
	for _, s := range segs[:n] {
		for va := s.Vaddr &^ (asm.PAGE_SIZE - 1); va < s.Vaddr+s.Memsz; va += asm.PAGE_SIZE {
			pa, lvl, prot, ok := paging.Walk(&asm.DirectMap, pgd, paging.VirtAddr(va))
			if asm.This_cpu().Is_guard_page(uintptr(va)) {
				// trap_init unmapped the stacks' guard pages.
				if ok {
					t.Errorf("guard page %#x is mapped", printk.Int(va))
				}
				continue
			}
			if !ok || uint64(pa) != asm.X__pa(va) || lvl != paging.PG_LEVEL_4K {
				t.Errorf("kernel page %#x: ok %d pa %#x", printk.Int(va), printk.Int(b2i(ok)), printk.Int(pa))
				return
			}
			w, x := prot&paging.PAGE_RW != 0, prot&paging.PAGE_NX == 0
			// Without NX every page is executable, and W^X cannot be had
			// (Linux's W+X check returns at once then:
			// ptdump_walk_pgd_level_checkwx).
			if w && x && HasNX {
				t.Errorf("kernel page %#x is writable and executable", printk.Int(va))
				return
			}
			switch {
			case s.Flags&PF_X != 0:
				sawText = true
				if w || !x {
					t.Errorf("text page %#x: RW %d X %d", printk.Int(va), printk.Int(b2i(w)), printk.Int(b2i(x)))
					return
				}
			case s.Flags&PF_W != 0:
				sawRW = true
				if !w || (HasNX && x) {
					t.Errorf("data page %#x: RW %d X %d", printk.Int(va), printk.Int(b2i(w)), printk.Int(b2i(x)))
					return
				}
			default:
				sawRO = true
				if w || (HasNX && x) {
					t.Errorf("rodata page %#x: RW %d X %d", printk.Int(va), printk.Int(b2i(w)), printk.Int(b2i(x)))
					return
				}
			}
		}
	}
	if !sawText || !sawRO || !sawRW {
		t.Errorf("missing a text, rodata or data segment")
	}
	// The running code itself, this function's own stack and a global.
	for _, va := range [...]uintptr{readCPUTables().handler0, asm.Current_stack_pointer(), uintptrOf(&memblock.Max_pfn)} {
		if _, _, _, ok := paging.Walk(&asm.DirectMap, pgd, paging.VirtAddr(va)); !ok {
			t.Errorf("%#x not mapped", printk.Int(va))
		}
	}
}

// tlb_scratch is an unused kernel virtual page for the TLB test: in the
// vmalloc area, two PGD entries (1 TiB) in, where vmalloc's first-fit
// allocations (kernel threads' stacks from rest_init on) do not reach.
const tlb_scratch = paging.VMALLOC_START + 2<<39

func scratch_pte() *paging.PTE {
	pgd := paging.Pgd_offset(&asm.DirectMap, cr3_pgd(), tlb_scratch)
	pud := paging.Pud_offset(&asm.DirectMap, paging.P4d_offset(pgd, tlb_scratch), tlb_scratch)
	pmd := paging.Pmd_offset(&asm.DirectMap, pud, tlb_scratch)
	return paging.Pte_offset_kernel(&asm.DirectMap, pmd, tlb_scratch)
}

func read_scratch() byte { return *(*byte)(asm.KernelPtr(uintptr(tlb_scratch))) }

// map_tlb_scratch takes two frames for the TLB tests, fills frame i with
// the byte fill+i, and maps tlb_scratch at frame 0.
func map_tlb_scratch(t *kunit.Kunit, fill byte) (frame [2]uint64, ok bool) {
	for i := range frame {
		pa, ok := Alloc_low_pages(1)
		if !ok {
			t.Errorf("no page for the TLB test")
			return frame, false
		}
		frame[i] = pa
		b := asm.DirectMap.Bytes(pa, asm.PAGE_SIZE)
		for j := range b {
			b[j] = fill + byte(i)
		}
	}
	if _, err := paging.Map(&asm.DirectMap, cr3_pgd(), tlb_scratch, paging.PhysAddr(frame[0]), asm.PAGE_SIZE,
		paging.PAGE_KERNEL, paging.Only4K, alloc_low_page); err != paging.OK {
		t.Errorf("mapping the scratch page: %s", printk.Str(err.String()))
		return frame, false
	}
	return frame, true
}

// Test_tlb: map a page, read it, point the same virtual address at another
// frame, flush with each API, read again: the new frame must show. Without
// a flush the CPU (QEMU's software TLB too) may still read the old frame;
// the test reports when it did.
func Test_tlb(t *kunit.Kunit) {
	frame, ok := map_tlb_scratch(t, 0xa0)
	if !ok {
		return
	}
	if v := read_scratch(); v != 0xa0 {
		t.Errorf("scratch page reads %#x, want 0xa0", printk.Int(v))
	}
	pte := scratch_pte()
	methods := [...]string{"flush_tlb_one_kernel", "flush_tlb_kernel_range(1 page)", "flush_tlb_kernel_range(64 pages)", "__flush_tlb_all"}
	cur := 0
	stale := 0
	for m, name := range methods {
		next := 1 - cur
		paging.Set_pte(pte, paging.Pfn_pte(paging.PFN(frame[next]>>asm.PAGE_SHIFT), paging.PAGE_KERNEL))
		if read_scratch() == byte(0xa0+cur) {
			stale++ // the old translation is still cached
		}
		switch m {
		case 0:
			Flush_tlb_one_kernel(uintptr(tlb_scratch))
		case 1:
			if Flush_tlb_kernel_range(uintptr(tlb_scratch), uintptr(tlb_scratch)+asm.PAGE_SIZE) {
				t.Errorf("a one-page range flushed everything")
			}
		case 2:
			if !Flush_tlb_kernel_range(uintptr(tlb_scratch), uintptr(tlb_scratch)+64*asm.PAGE_SIZE) {
				t.Errorf("a 64-page range did not take the full flush")
			}
		case 3:
			asm.X__flush_tlb_all()
		}
		if v := read_scratch(); v != byte(0xa0+next) {
			t.Errorf("after %s the scratch page reads %#x, want %#x", printk.Str(name), printk.Int(v), printk.Int(0xa0+next))
		}
		cur = next
	}
	paging.Unmap(&asm.DirectMap, cr3_pgd(), tlb_scratch)
	Flush_tlb_one_kernel(uintptr(tlb_scratch))
	t.Logf("stale reads before a flush: %d of %d (the TLB keeps translations until flushed)", printk.Int(stale), printk.Int(len(methods)))
}
