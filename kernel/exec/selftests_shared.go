package exec

import (
	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/mm"
	"gokern/paging"
	"gokern/printk"
)

// Test_user_shared: a MAP_SHARED mapping of shmem_zero_setup's file (what
// mmap(MAP_SHARED|MAP_ANONYMOUS) makes), checked in the page tables, the
// page cache and the struct pages: the first touch maps the page cache's
// own page, writable, counting the cache's reference and the mapping's;
// fork (Dup_mm) gives the child the same frame, still writable in both
// (no copy-on-write for VM_SHARED), one more reference; a store by the
// child is the parent's; the child's exit drops its reference only;
// madvise(MADV_DONTNEED) drops the entry and keeps the page and its
// data; truncating the file to 0 takes the entry out of the mapping
// (unmap_mapping_range) and the page out of the cache, and an access is
// then SIGBUS (a kernel access: -EFAULT). The file lives while the VMA
// holds it. with_test_mm checks that every page came back.
func Test_user_shared(t *kunit.Kunit) {
	if fs.Shmem_zero_setup == nil {
		t.Errorf("no shmem_zero_setup (init_ramfs_fs did not run)")
		return
	}
	// Warm up the caches a shmem file takes its objects from.
	if f, r := fs.Shmem_zero_setup(asm.PAGE_SIZE); r == 0 {
		fs.Fput(f)
	}
	with_test_mm(t, func(m *mm.MmStruct) {
		f, r := fs.Shmem_zero_setup(2 * asm.PAGE_SIZE)
		if r != 0 {
			t.Errorf("shmem_zero_setup = %d", printk.Int(r))
			return
		}
		user_shared_file(t, m, f)
		fs.Fput(f)
	})
}

// user_shared_file is Test_user_shared's checks on the mapped shmem file f,
// which the caller holds (a body, not a defer: a debug build's defers are
// not open-coded and call the runtime, DESIGN.md §4).
func user_shared_file(t *kunit.Kunit, m *mm.MmStruct, f *fs.File) {
	const base = 0x50000000
	c := sched.Get_current()
	mapping := &f.F_inode.I_data
	files := f.F_count
	if a := mm.Do_mmap_file(m, base, 2*asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_WRITE, mm.MAP_SHARED|mm.MAP_FIXED, f, f, 0); a != base {
		t.Errorf("mmap MAP_SHARED = %#x", printk.Int(a))
		return
	}
	v := mm.Find_vma(m, base)
	if v.Vm_flags&(mm.VM_SHARED|mm.VM_MAYSHARE) != mm.VM_SHARED|mm.VM_MAYSHARE || f.F_count != files+1 || mapping.I_mmap.Nr != 1 {
		t.Errorf("VMA flags %#x, file count %d (was %d), %d shared VMAs of the file", printk.Int(v.Vm_flags),
			printk.Int(f.F_count), printk.Int(files), printk.Int(mapping.I_mmap.Nr))
	}
	pte := func(mm_ *mm.MmStruct) paging.PTE { return mm.User_pte_flags(mm_, base) }
	faults := mm.Nr_shared_faults
	asm.Put_user(uint64(0x5ea), base+8)
	p := fs.Find_get_page(mapping, 0)
	if p != 0 {
		mm.Free_page(p) // Find_get_page's reference: the mapping's and the cache's stay
	}
	page := mm.Pfn_to_page(uint64(pte(m).PFN()))
	if p == 0 || mm.Virt_to_page(p) != page || pte(m)&paging.PTE(paging.PAGE_RW) == 0 || mm.Page_count(page) != 2 ||
		mm.Nr_shared_faults != faults+1 || mapping.Nrpages != 1 {
		t.Errorf("after the first store: PTE %#x, the cache's page %#x, count %d, %d shared faults, %d cached pages",
			printk.Int(pte(m)), printk.Int(p), printk.Int(mm.Page_count(page)), printk.Int(mm.Nr_shared_faults-faults),
			printk.Int(mapping.Nrpages))
		return
	}
	if got := *(*uint64)(asm.KernelPtr(p + 8)); got != 0x5ea {
		t.Errorf("the page cache reads %#x, want the store's 0x5ea", printk.Int(got))
	}
	cow := mm.Cow_shared
	child, r := mm.Dup_mm(m)
	if r != 0 {
		t.Errorf("dup_mm = %d", printk.Int(r))
		return
	}
	if pte(child).PFN() != pte(m).PFN() || pte(child)&paging.PTE(paging.PAGE_RW) == 0 || pte(m)&paging.PTE(paging.PAGE_RW) == 0 ||
		mm.Page_count(page) != 3 || mm.Cow_shared != cow || mapping.I_mmap.Nr != 2 {
		t.Errorf("after fork: parent PTE %#x, child PTE %#x, count %d (want 3), %d pages shared for COW (want 0), %d shared VMAs",
			printk.Int(pte(m)), printk.Int(pte(child)), printk.Int(mm.Page_count(page)), printk.Int(mm.Cow_shared-cow),
			printk.Int(mapping.I_mmap.Nr))
	}
	c.Mm, c.Active_mm = child, child
	mm.Activate_mm(child)
	asm.Put_user(uint64(0xc41d), base+16)
	c.Mm, c.Active_mm = m, m
	mm.Activate_mm(m)
	if got, _ := asm.Get_user[uint64](base + 16); got != 0xc41d || pte(child).PFN() != pte(m).PFN() {
		t.Errorf("the parent reads %#x, want the child's 0xc41d (frames %#x, %#x)", printk.Int(got),
			printk.Int(pte(m).PFN()), printk.Int(pte(child).PFN()))
	}
	mm.Mmput(child)
	if mm.Page_count(page) != 2 || mapping.I_mmap.Nr != 1 {
		t.Errorf("after the child's exit: count %d (want 2), %d shared VMAs", printk.Int(mm.Page_count(page)), printk.Int(mapping.I_mmap.Nr))
	}
	mm.Do_madvise(m, base, 2*asm.PAGE_SIZE, mm.MADV_DONTNEED)
	cached := fs.Find_get_page(mapping, 0)
	if cached != 0 {
		mm.Free_page(cached) // Find_get_page's reference
	}
	if pte(m) != 0 || mm.Page_count(page) != 1 || cached != p {
		t.Errorf("after MADV_DONTNEED: PTE %#x, count %d (want 0, 1, the page still cached)", printk.Int(pte(m)), printk.Int(mm.Page_count(page)))
	}
	if got, _ := asm.Get_user[uint64](base + 8); got != 0x5ea {
		t.Errorf("after MADV_DONTNEED the mapping reads %#x, want 0x5ea", printk.Int(got))
	}
	// Truncate to 0: the entry goes (unmap_mapping_range), then the page.
	if r := fs.Do_truncate(f.F_path.Dentry, 0); r != 0 || pte(m) != 0 || mapping.Nrpages != 0 {
		t.Errorf("truncate = %d: PTE %#x, %d cached pages (want 0, 0)", printk.Int(r), printk.Int(pte(m)), printk.Int(mapping.Nrpages))
	}
	sigbus := mm.Pgfault_sigbus
	if _, err := asm.Get_user[uint64](base); err != -asm.EFAULT || mm.Pgfault_sigbus != sigbus+1 {
		t.Errorf("a read past the end after truncate: %d, %d SIGBUS faults (want -EFAULT, 1)", printk.Int(err), printk.Int(mm.Pgfault_sigbus-sigbus))
	}
	shared_fault_cost(t, m)
}

// shared_fault_cost: the figure of a first store into a MAP_SHARED page
// that the page cache has yet to get (a zeroed page added to the cache,
// then mapped), and of one whose page is cached already (another mapping
// of the same file touched it first), in TSC cycles over 64 pages each.
func shared_fault_cost(t *kunit.Kunit, m *mm.MmStruct) {
	const n = 64
	f, r := fs.Shmem_zero_setup(n * asm.PAGE_SIZE)
	if r != 0 {
		t.Errorf("shmem_zero_setup = %d", printk.Int(r))
		return
	}
	shared_fault_cost_file(t, m, f)
	fs.Fput(f)
}

// shared_fault_cost_file measures on the shmem file f, which
// shared_fault_cost holds.
func shared_fault_cost_file(t *kunit.Kunit, m *mm.MmStruct, f *fs.File) {
	const n, a, b = 64, 0x60000000, 0x68000000 // n as shared_fault_cost's
	mm.Do_mmap_file(m, a, n*asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_WRITE, mm.MAP_SHARED|mm.MAP_FIXED, f, f, 0)
	mm.Do_mmap_file(m, b, n*asm.PAGE_SIZE, mm.PROT_READ|mm.PROT_WRITE, mm.MAP_SHARED|mm.MAP_FIXED, f, f, 0)
	faults := mm.Nr_shared_faults
	t0 := asm.Rdtsc()
	for i := uintptr(0); i < n; i++ {
		asm.Put_user(uint64(i), a+i*asm.PAGE_SIZE)
	}
	t1 := asm.Rdtsc()
	for i := uintptr(0); i < n; i++ {
		asm.Put_user(uint64(i), b+i*asm.PAGE_SIZE)
	}
	t2 := asm.Rdtsc()
	if mm.Nr_shared_faults-faults != 2*n || f.F_inode.I_data.Nrpages != n {
		t.Errorf("%d shared faults, %d cached pages; want %d, %d", printk.Int(mm.Nr_shared_faults-faults),
			printk.Int(f.F_inode.I_data.Nrpages), printk.Int(2*n), printk.Int(n))
	}
	t.Logf("MAP_SHARED fault that adds a page to the page cache: %d TSC cycles; that finds it cached: %d",
		printk.Int((t1-t0)/n), printk.Int((t2-t1)/n))
}
