package exec

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/mm"
	"gokern/paging"
	"gokern/printk"
)

// In-kernel tests of address spaces (selftest=user_mm,...): they build a
// process's mm, make it current, and touch its memory from the kernel
// with get_user/put_user, which fault exactly as the program would (the
// same do_user_addr_fault, with the U/S bit clear), then check the
// page-table bits, the VMA list and the counters behind each step.

// with_test_mm runs fn with a fresh mm loaded as the current task's (the
// selftests run in kernel_init, pid 1, before it execs init), then frees
// it and checks that every page it took came back.
func with_test_mm(t *kunit.Kunit, fn func(m *mm.MmStruct)) {
	c := sched.Get_current()
	saved := c.Mm
	// Warm up: the first mm and VMAs give the slab caches their first
	// slabs, which they keep; those are not leaks.
	if w := mm.Mm_alloc(); w != nil {
		for i := uint64(0); i < 8; i++ {
			mm.Do_mmap(w, 0, asm.PAGE_SIZE, mm.PROT_READ, mm.MAP_PRIVATE|mm.MAP_ANONYMOUS, nil, 0, 0)
		}
		mm.Exit_mmap(w)
	}
	free0 := mm.Nr_free_pages() + mm.Quicklist_total_size()
	m := mm.Mm_alloc()
	if m == nil {
		t.Errorf("mm_alloc failed")
		return
	}
	c.Mm, c.Active_mm = m, m
	mm.Activate_mm(m)
	fn(m)
	c.Mm, c.Active_mm = saved, &mm.Init_mm
	mm.Activate_mm(&mm.Init_mm)
	rss := m.Rss
	mm.Exit_mmap(m)
	if rss != 0 {
		// Exit_mmap zaps everything: count what it found.
		t.Logf("exit_mmap freed %d pages", printk.Int(rss))
	}
	if free1 := mm.Nr_free_pages() + mm.Quicklist_total_size(); free1 != free0 {
		t.Errorf("free pages (buddy + quicklist) %d before, %d after exit_mmap: %d leaked", printk.Int(free0),
			printk.Int(free1), printk.Int(int64(free0)-int64(free1)))
	}
}

// want_vmas compares the VMA list with [start, end, flags] triples.
func want_vmas(t *kunit.Kunit, m *mm.MmStruct, want [][3]uint64) {
	i := 0
	for v := mm.First_vma(m); v != nil; v = mm.Next_vma(v) {
		if i >= len(want) || v.Vm_start != want[i][0] || v.Vm_end != want[i][1] || v.Vm_flags&mm.VM_ACCESS_FLAGS != want[i][2] {
			t.Errorf("VMA %d: %x-%x flags %x", printk.Int(i), printk.Int(v.Vm_start), printk.Int(v.Vm_end), printk.Int(v.Vm_flags))
		}
		i++
	}
	if i != len(want) || m.Map_count != len(want) {
		t.Errorf("%d VMAs (map_count %d), want %d", printk.Int(i), printk.Int(m.Map_count), printk.Int(len(want)))
	}
}

const (
	pte_user_rw_nx = paging.PTE(paging.PAGE_PRESENT | paging.PAGE_RW | paging.PAGE_USER | paging.PAGE_NX)
	pte_flag_mask  = paging.PTE(paging.PAGE_PRESENT | paging.PAGE_RW | paging.PAGE_USER | paging.PAGE_NX)
)

// Test_user_mm: a process's page tables share the kernel half; an
// anonymous mapping is demand-paged (a zeroed page on first touch, with
// USER, RW and NX bits), mprotect and munmap split VMAs and change or
// clear the entries, brk grows and shrinks the heap, and exit_mmap gives
// every page back.
func Test_user_mm(t *kunit.Kunit) {
	with_test_mm(t, func(m *mm.MmStruct) {
		pgd := (*[512]uint64)(asm.KernelPtr(uintptr(asm.PAGE_OFFSET + uint64(m.Pgd))))
		kpgd := (*[512]uint64)(asm.KernelPtr(uintptr(asm.PAGE_OFFSET + uint64(mm.Init_mm.Pgd))))
		for i := 0; i < 512; i++ {
			if i < mm.KERNEL_PGD_BOUNDARY && pgd[i] != 0 || i >= mm.KERNEL_PGD_BOUNDARY && pgd[i] != kpgd[i] {
				t.Errorf("PGD entry %d = %#x (init_mm's %#x)", printk.Int(i), printk.Int(pgd[i]), printk.Int(kpgd[i]))
			}
		}
		const base = 0x10000000
		r := mm.Do_mmap(m, base, 4*asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_WRITE, mm.MAP_PRIVATE|mm.MAP_ANONYMOUS|mm.MAP_FIXED, nil, 0, 0)
		if r != base {
			t.Errorf("mmap = %#x", printk.Int(r))
			return
		}
		want_vmas(t, m, [][3]uint64{{base, base + 4*asm.PAGE_SIZE, mm.VM_READ | mm.VM_WRITE}})
		if pte := mm.User_pte_flags(m, base); pte != 0 {
			t.Errorf("a PTE %#x before the first touch", printk.Int(pte))
		}
		faults, allocs := m.Faults, mm.Pgfault_alloc
		if v, err := asm.Get_user[uint64](base + 8); err != 0 || v != 0 {
			t.Errorf("first read = %#x, %d (want a zeroed page)", printk.Int(v), printk.Int(err))
		}
		if err := asm.Put_user(uint64(0x1234), base+asm.PAGE_SIZE+16); err != 0 {
			t.Errorf("put_user = %d", printk.Int(err))
		}
		if v, _ := asm.Get_user[uint64](base + asm.PAGE_SIZE + 16); v != 0x1234 {
			t.Errorf("read back %#x", printk.Int(v))
		}
		if m.Faults != faults+2 || mm.Pgfault_alloc != allocs+2 || m.Rss != 2 {
			t.Errorf("faults %d, allocations %d, rss %d; want 2, 2, 2", printk.Int(m.Faults-faults),
				printk.Int(mm.Pgfault_alloc-allocs), printk.Int(m.Rss))
		}
		if pte := mm.User_pte_flags(m, base+asm.PAGE_SIZE); pte&pte_flag_mask != pte_user_rw_nx&(pte_flag_mask&paging.PTE(paging.Supported_pte_mask)) {
			t.Errorf("PTE of a touched RW page: %#x (want P RW US NX)", printk.Int(pte))
		}
		// mprotect the second page read-only: three VMAs, the entry
		// loses RW, a write is refused (-EFAULT through the fixup).
		if r := mm.Do_mprotect(m, base+asm.PAGE_SIZE, asm.PAGE_SIZE, mm.PROT_READ); r != 0 {
			t.Errorf("mprotect = %d", printk.Int(r))
		}
		want_vmas(t, m, [][3]uint64{{base, base + asm.PAGE_SIZE, mm.VM_READ | mm.VM_WRITE},
			{base + asm.PAGE_SIZE, base + 2*asm.PAGE_SIZE, mm.VM_READ}, {base + 2*asm.PAGE_SIZE, base + 4*asm.PAGE_SIZE, mm.VM_READ | mm.VM_WRITE}})
		if pte := mm.User_pte_flags(m, base+asm.PAGE_SIZE); pte&paging.PTE(paging.PAGE_RW) != 0 || !pte.Present() {
			t.Errorf("PTE after mprotect(PROT_READ): %#x", printk.Int(pte))
		}
		if err := asm.Put_user(uint64(1), base+asm.PAGE_SIZE); err != -asm.EFAULT {
			t.Errorf("write to a read-only page: %d, want -EFAULT", printk.Int(err))
		}
		if v, _ := asm.Get_user[uint64](base + asm.PAGE_SIZE + 16); v != 0x1234 {
			t.Errorf("the read-only page lost its data: %#x", printk.Int(v))
		}
		// munmap the first page: its entry and page go.
		if r := mm.Do_munmap(m, base, asm.PAGE_SIZE); r != 0 {
			t.Errorf("munmap = %d", printk.Int(r))
		}
		if pte := mm.User_pte_flags(m, base); pte != 0 || m.Rss != 1 {
			t.Errorf("after munmap: PTE %#x, rss %d", printk.Int(pte), printk.Int(m.Rss))
		}
		if _, err := asm.Get_user[uint64](base); err != -asm.EFAULT {
			t.Errorf("read of an unmapped page: %d, want -EFAULT", printk.Int(err))
		}
		// An executable mapping: no NX in its entry.
		x := mm.Do_mmap(m, 0, asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_EXEC, mm.MAP_PRIVATE|mm.MAP_ANONYMOUS, nil, 0, 0)
		if x <= 0 || uint64(x) >= mm.MMAP_BASE {
			t.Errorf("mmap(NULL) = %#x, want below mmap_base %#x", printk.Int(x), printk.Int(uint64(mm.MMAP_BASE)))
		} else {
			asm.Get_user[uint8](uintptr(x))
			if pte := mm.User_pte_flags(m, uint64(x)); pte&pte_flag_mask != paging.PTE(paging.PAGE_PRESENT|paging.PAGE_USER) {
				t.Errorf("PTE of a r-x page: %#x (want P US, no RW, no NX)", printk.Int(pte))
			}
		}
		// MAP_FIXED_NOREPLACE over a mapping: -EEXIST.
		if r := mm.Do_mmap(m, base+2*asm.PAGE_SIZE, asm.PAGE_SIZE, mm.PROT_READ, mm.MAP_PRIVATE|mm.MAP_ANONYMOUS|mm.MAP_FIXED_NOREPLACE, nil, 0, 0); r != -asm.EEXIST {
			t.Errorf("MAP_FIXED_NOREPLACE over a mapping = %d", printk.Int(r))
		}
		// brk: grow by three pages and a bit, touch, shrink back.
		m.Start_brk, m.Brk = 0x20000000, 0x20000000
		if got := mm.Brk(m, 0x20003010); got != 0x20003010 {
			t.Errorf("brk grow = %#x", printk.Int(got))
		}
		if err := asm.Put_user(uint8(7), 0x2000300f); err != 0 {
			t.Errorf("write into the heap: %d", printk.Int(err))
		}
		if v := mm.Find_vma(m, 0x20000000); v == nil || v.Vm_start != 0x20000000 || v.Vm_end != 0x20004000 {
			t.Errorf("heap VMA wrong")
		}
		if got := mm.Brk(m, 0x20001000); got != 0x20001000 || mm.User_pte_flags(m, 0x20003000) != 0 {
			t.Errorf("brk shrink = %#x", printk.Int(got))
		}
		if got := mm.Brk(m, 0x1000); got != 0x20001000 {
			t.Errorf("brk below start_brk = %#x, want the old break", printk.Int(got))
		}
	})
}

// Test_user_fault_cost: the figure of a page fault that allocates a page
// (zeroes it and maps it), in TSC cycles: 256 first touches of
// anonymous pages from the kernel, through the whole #PF path.
func Test_user_fault_cost(t *kunit.Kunit) {
	with_test_mm(t, func(m *mm.MmStruct) {
		const n, base = 256, 0x30000000
		mm.Do_mmap(m, base, n*asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_WRITE, mm.MAP_PRIVATE|mm.MAP_ANONYMOUS|mm.MAP_FIXED, nil, 0, 0)
		f0 := m.Faults
		t0 := asm.Rdtsc()
		for i := uintptr(0); i < n; i++ {
			asm.Put_user(uint8(1), base+i*asm.PAGE_SIZE)
		}
		fault := (asm.Rdtsc() - t0) / n
		t0 = asm.Rdtsc()
		for i := uintptr(0); i < n; i++ {
			asm.Put_user(uint8(2), base+i*asm.PAGE_SIZE)
		}
		touch := (asm.Rdtsc() - t0) / n
		t.Logf("page fault that allocates a page: %d TSC cycles (a write to a present page: %d); %d faults",
			printk.Int(fault), printk.Int(touch), printk.Int(m.Faults-f0))
		if m.Faults-f0 != n || m.Rss != n {
			t.Errorf("%d faults, rss %d, want %d", printk.Int(m.Faults-f0), printk.Int(m.Rss), printk.Int(n))
		}
	})
}

// Test_user_cow: fork's copy of an address space (dup_mm) and the
// copy-on-write faults, checked in the page tables and the struct pages:
// after Dup_mm both mms map the same frames read-only and each frame
// counts two references; an untouched page stays unmapped in both; the
// parent's write gets it a copy of its own (a new frame, writable) and
// leaves the child's mapping alone, with the old frame's count back to
// 1 (mprotect back to writable before that leaves the shared frame
// read-only); the child's write to that frame then reuses it (no copy, writable in
// place); each sees its own value. And the figure of a COW fault that
// copies and of one that reuses, in TSC cycles. with_test_mm checks that
// every page came back when both mms are gone.
func Test_user_cow(t *kunit.Kunit) {
	with_test_mm(t, func(m *mm.MmStruct) {
		const n, base = 64, 0x40000000
		c := sched.Get_current()
		mm.Do_mmap(m, base, (n+1)*asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_WRITE, mm.MAP_PRIVATE|mm.MAP_ANONYMOUS|mm.MAP_FIXED, nil, 0, 0)
		for i := uintptr(0); i < n; i++ {
			asm.Put_user(uint64(i), base+i*asm.PAGE_SIZE)
		}
		pfn := func(mm_ *mm.MmStruct, i uintptr) uint64 {
			return uint64(mm.User_pte_flags(mm_, uint64(base+i*asm.PAGE_SIZE)).PFN())
		}
		rw := func(mm_ *mm.MmStruct, i uintptr) bool {
			return mm.User_pte_flags(mm_, uint64(base+i*asm.PAGE_SIZE))&paging.PTE(paging.PAGE_RW) != 0
		}
		child, r := mm.Dup_mm(m)
		if r != 0 {
			t.Errorf("dup_mm = %d", printk.Int(r))
			return
		}
		if child.Rss != n || child.Map_count != m.Map_count || child.Pgd == m.Pgd {
			t.Errorf("child: rss %d, %d VMAs (parent %d), PGD %#x", printk.Int(child.Rss), printk.Int(child.Map_count),
				printk.Int(m.Map_count), printk.Int(child.Pgd))
		}
		for i := uintptr(0); i < n; i++ {
			p := pfn(m, i)
			if pfn(child, i) != p || rw(m, i) || rw(child, i) || mm.Page_count(mm.Pfn_to_page(p)) != 2 {
				t.Errorf("page %d after fork: parent pfn %#x rw %d, child pfn %#x rw %d, count %d (want the same frame, read-only in both, count 2)",
					printk.Int(i), printk.Int(p), printk.Int(b2i(rw(m, i))), printk.Int(pfn(child, i)), printk.Int(b2i(rw(child, i))),
					printk.Int(mm.Page_count(mm.Pfn_to_page(p))))
				return
			}
		}
		if mm.User_pte_flags(child, base+n*asm.PAGE_SIZE) != 0 || mm.User_pte_flags(m, base+n*asm.PAGE_SIZE) != 0 {
			t.Errorf("the untouched page is mapped after fork")
		}
		// mprotect read-only and back in the parent: a shared frame must
		// stay read-only, or the parent would write the child's page.
		mm.Do_mprotect(m, base, asm.PAGE_SIZE, mm.PROT_READ)
		mm.Do_mprotect(m, base, asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_WRITE)
		if rw(m, 0) || pfn(m, 0) != pfn(child, 0) {
			t.Errorf("mprotect(PROT_READ|PROT_WRITE) made a shared frame writable")
		}
		// The parent writes every page: each a copy (the figure).
		old := pfn(m, 0)
		copied, reused := mm.Cow_copied, mm.Cow_reused
		t0 := asm.Rdtsc()
		for i := uintptr(0); i < n; i++ {
			asm.Put_user(uint64(1000+i), base+i*asm.PAGE_SIZE)
		}
		copy_cost := (asm.Rdtsc() - t0) / n
		if mm.Cow_copied-copied != n || mm.Cow_reused != reused {
			t.Errorf("the parent's writes: %d copies, %d reuses; want %d, 0", printk.Int(mm.Cow_copied-copied),
				printk.Int(mm.Cow_reused-reused), printk.Int(n))
		}
		if pfn(m, 0) == old || !rw(m, 0) || pfn(child, 0) != old || rw(child, 0) || mm.Page_count(mm.Pfn_to_page(old)) != 1 {
			t.Errorf("after the parent's write: parent pfn %#x rw %d, child pfn %#x (old %#x) rw %d, old count %d",
				printk.Int(pfn(m, 0)), printk.Int(b2i(rw(m, 0))), printk.Int(pfn(child, 0)), printk.Int(old),
				printk.Int(b2i(rw(child, 0))), printk.Int(mm.Page_count(mm.Pfn_to_page(old))))
		}
		// The child, the last user of the old frames: it reads its own
		// values, and its writes reuse the frames in place.
		c.Mm, c.Active_mm = child, child
		mm.Activate_mm(child)
		if v, _ := asm.Get_user[uint64](base + 5*asm.PAGE_SIZE); v != 5 {
			t.Errorf("the child reads %d, want its own 5", printk.Int(v))
		}
		t0 = asm.Rdtsc()
		for i := uintptr(0); i < n; i++ {
			asm.Put_user(uint64(2000+i), base+i*asm.PAGE_SIZE)
		}
		reuse_cost := (asm.Rdtsc() - t0) / n
		if mm.Cow_reused-reused != n || pfn(child, 0) != old || !rw(child, 0) {
			t.Errorf("the child's writes: %d reuses (want %d), pfn %#x (want %#x) rw %d", printk.Int(mm.Cow_reused-reused),
				printk.Int(n), printk.Int(pfn(child, 0)), printk.Int(old), printk.Int(b2i(rw(child, 0))))
		}
		c.Mm, c.Active_mm = m, m
		mm.Activate_mm(m)
		if v, _ := asm.Get_user[uint64](base + 5*asm.PAGE_SIZE); v != 1005 {
			t.Errorf("the parent reads %d, want its own 1005", printk.Int(v))
		}
		mm.Mmput(child)
		t.Logf("copy-on-write fault that copies a page: %d TSC cycles; that reuses it: %d", printk.Int(copy_cost), printk.Int(reuse_cost))
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
