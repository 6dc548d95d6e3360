package mm

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/lib/rbtree"
	"gokern/paging"
	"gokern/printk"
)

// vmalloc: virtually contiguous memory from pages that need not be
// physically contiguous. Linux: mm/vmalloc.c (vmalloc, vzalloc, vfree,
// vmap, vunmap, vmalloc_to_page, is_vmalloc_addr, __vmalloc_node_range,
// __get_vm_area_node, alloc_vmap_area, insert_vmap_area, find_vmap_area,
// remove_vm_area, __vmalloc_area_node, vmap_pages_range, vunmap_range,
// vmalloc_init, s_show for /proc/vmallocinfo), include/linux/vmalloc.h
// (struct vm_struct, struct vmap_area, VM_*). Seeds/002 "Large-size
// Allocations", "kmalloc() VS vmalloc()".
//
// A request takes a range of [VMALLOC_START, VMALLOC_END) — the first gap
// large enough, in an ordered tree of the areas in use keyed by address
// (vmap_area_root, a red-black tree as Linux's) — plus one unmapped guard
// page after it, so that running off the end of one area faults instead
// of reaching the next. Then order-0 pages from the buddy allocator, any
// pages, are mapped one after another into the range in the kernel's page
// tables (init_mm), the page-table pages coming from the quicklists. So a
// vmalloc can succeed where no contiguous block is free, and it costs a
// page-table walk per page and TLB entries per page where kmalloc uses
// the direct map's large pages. vfree unmaps, flushes the range from the
// TLB (flush_tlb_kernel_range) and gives the pages back. Linux flushes
// lazily, in batches of freed areas (purge_vmap_area_lazy); gokern
// flushes every vfree at once.

// VM_* flags of a vm_struct (include/linux/vmalloc.h).
const (
	VM_IOREMAP       = 0x00000001 // ioremap's
	VM_ALLOC         = 0x00000002 // vmalloc's: the area owns its pages
	VM_MAP           = 0x00000004 // vmap's: the caller owns the pages
	VM_USERMAP       = 0x00000008
	VM_DMA_COHERENT  = 0x00000010
	VM_UNINITIALIZED = 0x00000020 // not fully set up yet
	VM_NO_GUARD      = 0x00000040 // no guard page after the area
)

// VmStruct is struct vm_struct: one mapped area.
type VmStruct struct {
	Addr     uintptr
	Size     uint64 // with the guard page
	Flags    uint32
	Nr_pages uint32
	// Pages are the mapped pages of a vmalloc area (kmalloc'd, or
	// vmalloc'd itself when larger than a page, as Linux does).
	Pages     []*Page
	Phys_addr uint64
	Caller    uintptr // who asked, for /proc/vmallocinfo
}

// VmapArea is struct vmap_area: a range of the vmalloc space in use, a
// node of vmap_area_root.
type VmapArea struct {
	Va_start uintptr
	Va_end   uintptr // one past the guard page
	Rb_node  rbtree.RbNode
	Vm       *VmStruct
}

var (
	// vmap_area_root: the areas in use, ordered by address.
	vmap_area_root rbtree.RbRoot
	// vmap_area_cachep: their cache (Linux KMEM_CACHE(vmap_area)), a
	// boot cache with a static struct, as kmalloc's: vmalloc_init, in
	// mm_init, spends no page.
	vmap_area_cachep     *KmemCache
	vmap_area_cache_boot KmemCache
	// Nr_vmalloc_pages: pages mapped by vmalloc areas (Linux
	// nr_vmalloc_pages, /proc/meminfo's VmallocUsed).
	Nr_vmalloc_pages uint64
	// vmap_area_lock protects vmap_area_root (Linux vmap_area_lock).
	vmap_area_lock asm.Spinlock_t
	// init_mm_page_table_lock serialises the changes to the kernel's page
	// tables under the vmalloc space: two CPUs mapping areas in the same
	// 2 MiB would both find a PMD entry empty and both fill it (Linux
	// init_mm.page_table_lock, in __pte_alloc_kernel). It is held from the
	// unmap to the TLB shootdown, so that no CPU reuses a page table the
	// unmap freed while another CPU's paging-structure caches may still
	// point at it. Taken with interrupts on: the shootdown needs the other
	// CPUs to take its IPI, also the ones waiting here.
	init_mm_page_table_lock asm.Spinlock_t
	// FlushTlbKernelRangeHook is flush_tlb_kernel_range (arch/amd64/mm,
	// above mm): the architecture sets it with init_mm's page tables.
	// Nil in host tests.
	FlushTlbKernelRangeHook func(start, end uintptr) bool
)

// Vmalloc_init readies the vmalloc space (Linux vmalloc_init, in
// mm_init): no area, and the vmap_area cache.
func Vmalloc_init() {
	vmap_area_root = rbtree.RbRoot{}
	Nr_vmalloc_pages = 0
	vmap_area_cache_boot = KmemCache{}
	vmap_area_cachep = nil
	if !create_boot_cache(&vmap_area_cache_boot, "vmap_area", uint32(unsafe.Sizeof(VmapArea{})), SLAB_PANIC, 8) {
		printk.Pr_emerg("vmalloc_init: no vmap_area cache\n")
		return
	}
	List_add(&vmap_area_cache_boot.List, &Slab_caches)
	vmap_area_cachep = &vmap_area_cache_boot
}

// vaOf is container_of(n, struct vmap_area, rb_node).
func vaOf(n *rbtree.RbNode) *VmapArea {
	return (*VmapArea)(unsafe.Add(unsafe.Pointer(n), -int(unsafe.Offsetof(VmapArea{}.Rb_node))))
}

// Is_vmalloc_addr reports whether x lies in the vmalloc space (Linux
// is_vmalloc_addr).
func Is_vmalloc_addr(x unsafe.Pointer) bool {
	a := uintptr(x)
	return a >= asm.VMALLOC_START && a < asm.VMALLOC_END
}

// find_vmap_area returns the area holding addr, or nil (Linux
// __find_vmap_area).
func find_vmap_area(addr uintptr) *VmapArea {
	flags := lockIrqsave(&vmap_area_lock, 0)
	va := __find_vmap_area(addr)
	unlockIrqrestore(&vmap_area_lock, flags)
	return va
}

// __find_vmap_area is find_vmap_area under vmap_area_lock.
func __find_vmap_area(addr uintptr) *VmapArea {
	n := vmap_area_root.Rb_node
	for n != nil {
		va := vaOf(n)
		switch {
		case addr < va.Va_start:
			n = n.Rb_left
		case addr >= va.Va_end:
			n = n.Rb_right
		default:
			return va
		}
	}
	return nil
}

// insert_vmap_area links va into the tree by address (Linux
// insert_vmap_area); false if it overlaps an area (a bug).
func insert_vmap_area(va *VmapArea) bool {
	link, parent := &vmap_area_root.Rb_node, (*rbtree.RbNode)(nil)
	for *link != nil {
		parent = *link
		tmp := vaOf(parent)
		switch {
		case va.Va_end <= tmp.Va_start:
			link = &parent.Rb_left
		case va.Va_start >= tmp.Va_end:
			link = &parent.Rb_right
		default:
			return false
		}
	}
	rbtree.Rb_link_node(&va.Rb_node, parent, link)
	rbtree.Rb_insert_color(&va.Rb_node, &vmap_area_root)
	return true
}

// alloc_vmap_area finds the lowest gap of size bytes, aligned to align,
// in [vstart, vend), and records it (Linux alloc_vmap_area). First fit
// over the areas in address order: Linux (5.2+) keeps a second tree of
// the free gaps, augmented with each subtree's largest gap, to find one
// in O(log n); with gokern's few areas the walk is as good.
func alloc_vmap_area(size, align uint64, vstart, vend uintptr, gfp Gfp, ip uintptr) *VmapArea {
	if vmap_area_cachep == nil {
		return nil
	}
	va := (*VmapArea)(slab_alloc(vmap_area_cachep, gfp&^X__GFP_ZERO, ip))
	if va == nil {
		return nil
	}
	alignUp := func(a uintptr) uintptr { return (a + uintptr(align) - 1) &^ (uintptr(align) - 1) }
	flags := lockIrqsave(&vmap_area_lock, ip)
	addr := alignUp(vstart)
	for n := rbtree.Rb_first(&vmap_area_root); n != nil; n = rbtree.Rb_next(n) {
		tmp := vaOf(n)
		if tmp.Va_end <= addr {
			continue
		}
		if addr+uintptr(size) <= tmp.Va_start && addr+uintptr(size) > addr {
			break
		}
		addr = alignUp(tmp.Va_end)
	}
	if addr < vstart || addr+uintptr(size) > vend || addr+uintptr(size) <= addr {
		unlockIrqrestore(&vmap_area_lock, flags)
		printk.Pr_warn("vmap allocation for size %lu failed: use vmalloc=<size> to increase size\n", printk.Int(size))
		slab_free(vmap_area_cachep, uintptr(unsafe.Pointer(va)), ip)
		return nil
	}
	*va = VmapArea{Va_start: addr, Va_end: addr + uintptr(size)}
	ok := insert_vmap_area(va)
	unlockIrqrestore(&vmap_area_lock, flags)
	if !ok {
		printk.Pr_err("BUG: vmalloc: area %p-%p overlaps one in use\n", printk.Int(va.Va_start), printk.Int(va.Va_end))
		slab_free(vmap_area_cachep, uintptr(unsafe.Pointer(va)), ip)
		return nil
	}
	return va
}

// free_vmap_area unlinks an area and frees it.
func free_vmap_area(va *VmapArea, ip uintptr) {
	flags := lockIrqsave(&vmap_area_lock, ip)
	rbtree.Rb_erase(&va.Rb_node, &vmap_area_root)
	unlockIrqrestore(&vmap_area_lock, flags)
	slab_free(vmap_area_cachep, uintptr(unsafe.Pointer(va)), ip)
}

// get_vm_area_size is the area's mapped size: without the guard page
// (Linux get_vm_area_size).
func get_vm_area_size(vm *VmStruct) uint64 {
	if vm.Flags&VM_NO_GUARD == 0 {
		return vm.Size - asm.PAGE_SIZE
	}
	return vm.Size
}

// __get_vm_area_node reserves a range of size bytes plus a guard page and
// describes it with a vm_struct (Linux __get_vm_area_node).
func __get_vm_area_node(size, align uint64, flags uint32, start, end uintptr, gfp Gfp, caller uintptr) *VmStruct {
	size = (size + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
	if size == 0 {
		return nil
	}
	area := (*VmStruct)(kmallocNode(uint64(unsafe.Sizeof(VmStruct{})), gfp&^X__GFP_ZERO|X__GFP_ZERO, caller))
	if area == nil {
		return nil
	}
	if flags&VM_NO_GUARD == 0 {
		size += asm.PAGE_SIZE
	}
	va := alloc_vmap_area(size, max(align, asm.PAGE_SIZE), start, end, gfp, caller)
	if va == nil {
		kfreeNode(unsafe.Pointer(area), caller)
		return nil
	}
	*area = VmStruct{Addr: va.Va_start, Size: size, Flags: flags, Caller: caller}
	va.Vm = area
	return area
}

// pgd_kernel is init_mm's top-level table.
func pgd_kernel() paging.PhysAddr { return Init_mm.Pgd }

// vmap_pages_range maps pages, in order, at addr (Linux
// vmap_pages_range): runs of physically consecutive pages in one call,
// 4 KiB entries, tables from the quicklist (paging's PgtableAlloc hook,
// which a nil allocator means). On failure nothing stays mapped.
func vmap_pages_range(addr uintptr, pages []*Page, prot paging.PgProt) bool {
	lockSpin(&init_mm_page_table_lock, 0)
	ok := vmap_pages_range_locked(addr, pages, prot)
	unlockSpin(&init_mm_page_table_lock)
	return ok
}

// vmap_pages_range_locked is vmap_pages_range under init_mm's page-table
// lock.
func vmap_pages_range_locked(addr uintptr, pages []*Page, prot paging.PgProt) bool {
	for i := 0; i < len(pages); {
		if pages[i] == nil { // a hole (Vmap)
			i++
			continue
		}
		j := i + 1
		for j < len(pages) && pages[j] != nil && Page_to_pfn(pages[j]) == Page_to_pfn(pages[j-1])+1 {
			j++
		}
		va := paging.VirtAddr(addr + uintptr(i)*asm.PAGE_SIZE)
		_, err := paging.Map(phys, pgd_kernel(), va, paging.PhysAddr(Page_to_pfn(pages[i])<<asm.PAGE_SHIFT),
			uint64(j-i)*asm.PAGE_SIZE, prot, paging.Only4K, nil)
		if err != paging.OK {
			printk.Pr_err("vmap_pages_range: %p: %s\n", printk.Int(uintptr(va)), printk.Str(err.String()))
			g := vunmap_gather{start: addr, end: addr + uintptr(j)*asm.PAGE_SIZE}
			vunmap_range(&g)
			g.flush()
			return false
		}
		i = j
	}
	return true
}

// vunmap_range clears the entries of [addr, end) (Linux vunmap_range,
// vunmap_p4d_range ... vunmap_pte_range), level by level, and frees each
// page table it leaves empty — the PTE tables, then the PMD and PUD tables
// above them, as paging.Unmap does; the top-level table stays — back to
// the quicklist. (Linux keeps the kernel's page tables; gokern gives them
// back so that a vfree returns every page a vmalloc took.) The caller
// flushes every CPU's TLB, then frees the tables g gathered (g.flush):
// freed before the shootdown, a table could be reused while another
// CPU's paging-structure caches still point at it (SDM Vol. 3A
// §4.10.4.1; Linux's tlb_remove_table).
func vunmap_range(g *vunmap_gather) {
	start, e := paging.VirtAddr(g.start), paging.VirtAddr(g.end)
	for a := start; a < e; {
		next := paging.Pgd_addr_end(a, e)
		p4d := paging.P4d_offset(paging.Pgd_offset(phys, pgd_kernel(), a), a)
		if p4d.Present() {
			vunmap_pud_range(g, p4d, a, next)
			if pu := p4d.Phys(); pgtable_empty(pu) {
				paging.Set_p4d(p4d, 0)
				g.remove_table(pu)
			}
		}
		a = next
	}
}

func vunmap_pud_range(g *vunmap_gather, p4d *paging.P4D, addr, end paging.VirtAddr) {
	for a := addr; a < end; {
		next := paging.Pud_addr_end(a, end)
		pud := paging.Pud_offset(phys, p4d, a)
		if pud.Present() && !pud.Large() {
			vunmap_pmd_range(g, pud, a, next)
			if pm := pud.Phys(); pgtable_empty(pm) {
				paging.Set_pud(pud, 0)
				g.remove_table(pm)
			}
		}
		a = next
	}
}

func vunmap_pmd_range(g *vunmap_gather, pud *paging.PUD, addr, end paging.VirtAddr) {
	for a := addr; a < end; {
		next := paging.Pmd_addr_end(a, end)
		pmd := paging.Pmd_offset(phys, pud, a)
		if pmd.Present() && !pmd.Large() {
			for v := a; v < next; v += asm.PAGE_SIZE {
				paging.Set_pte(paging.Pte_offset_kernel(phys, pmd, v), 0)
			}
			if pt := pmd.Phys(); pgtable_empty(pt) {
				paging.Set_pmd(pmd, 0)
				g.remove_table(pt)
			}
		}
		a = next
	}
}

// vunmap_gather is a kernel range being unmapped and the page tables
// its unmap unlinked, which wait for the range's TLB shootdown (Linux's
// mmu_gather for init_mm).
type vunmap_gather struct {
	tlb        paging.Mmu_gather
	start, end uintptr
}

// remove_table keeps the unlinked table at pa for after the flush; a
// full gather is flushed and emptied first.
func (g *vunmap_gather) remove_table(pa paging.PhysAddr) {
	if g.tlb.Room() == 0 {
		g.flush()
	}
	g.tlb.Remove_table(pa)
}

// flush drops the range's translations on every CPU, then frees the
// gathered tables (Linux tlb_finish_mmu: tlb_flush_mmu, then the
// tables).
func (g *vunmap_gather) flush() {
	flushTlbKernelRange(g.start, g.end)
	g.tlb.Tlb_remove_table_free()
}

// pgtable_empty reports whether every entry of the table at pa is 0.
func pgtable_empty(pa paging.PhysAddr) bool {
	for _, e := range unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(phys.Bytes(uint64(pa), asm.PAGE_SIZE)))), 512) {
		if e != 0 {
			return false
		}
	}
	return true
}

// flushTlbKernelRange calls flush_tlb_kernel_range through the hook, to
// drop the range's translations (the host tests have no TLB).
func flushTlbKernelRange(start, end uintptr) {
	if FlushTlbKernelRangeHook != nil {
		FlushTlbKernelRangeHook(start, end)
	}
}

// vm_area_alloc_pages fills the area's page array with order-0 pages,
// one at a time (Linux vm_area_alloc_pages, without the bulk allocator)
// and returns how many it got.
func vm_area_alloc_pages(gfp Gfp, pages []*Page, ip uintptr) int {
	for i := range pages {
		p := allocPages(gfp, 0, ip)
		if p == nil {
			return i
		}
		pages[i] = p
	}
	return len(pages)
}

// vmallocWarn is Linux's warn_alloc for vmalloc: "vmalloc error: ...".
func vmallocWarn(gfp Gfp, what string, size uint64, ip uintptr) {
	if gfp&X__GFP_NOWARN != 0 {
		return
	}
	var b [80]byte
	n := SprintGfp(b[:], gfp)
	printk.Pr_warn("swapper: vmalloc error: size %lu, %s, mode:%#x(%s), nodemask=(null) from %s\n",
		printk.Int(size), printk.Str(what), printk.Int(gfp), printk.Bytes(b[:n]), sym(ip))
}

// __vmalloc_node_range allocates size bytes of virtually contiguous
// memory in [start, end) (Linux __vmalloc_node_range): the range, the
// page array (kmalloc'd; vmalloc'd itself above a page, as Linux), the
// pages, the mappings. Any failure undoes what was done, with Linux's
// "vmalloc error" warning.
func __vmalloc_node_range(size, align uint64, start, end uintptr, gfp Gfp, prot paging.PgProt, vm_flags uint32, caller uintptr) unsafe.Pointer {
	real_size := size
	if size == 0 {
		printk.Pr_warn("WARNING: __vmalloc_node_range: size 0, from %s\n", sym(caller))
		return nil
	}
	if size > ^uint64(0)-asm.PAGE_SIZE || (size+asm.PAGE_SIZE-1)>>asm.PAGE_SHIFT > Totalram_pages {
		vmallocWarn(gfp, "exceeds total pages", real_size, caller)
		return nil
	}
	area := __get_vm_area_node(real_size, align, VM_ALLOC|VM_UNINITIALIZED|vm_flags, start, end, gfp, caller)
	if area == nil {
		vmallocWarn(gfp, "vm_struct allocation failed", real_size, caller)
		return nil
	}
	nr := get_vm_area_size(area) >> asm.PAGE_SHIFT
	array_size := nr * 8
	nested_gfp := gfp&^X__GFP_ZERO | X__GFP_ZERO
	var arr unsafe.Pointer
	if array_size > asm.PAGE_SIZE {
		arr = __vmalloc_node_range(array_size, 1, start, end, nested_gfp, paging.PAGE_KERNEL, 0, caller)
	} else {
		arr = kmallocNode(array_size, nested_gfp, caller)
	}
	if arr == nil {
		vmallocWarn(gfp, "failed to allocate page array", real_size, caller)
		remove_vm_area_free(area, caller)
		return nil
	}
	area.Pages = unsafe.Slice((**Page)(arr), nr)
	got := vm_area_alloc_pages(gfp|X__GFP_NOWARN, area.Pages, caller)
	area.Nr_pages = uint32(got)
	atomic.AddUint64(&Nr_vmalloc_pages, uint64(got))
	if uint64(got) != nr {
		vmallocWarn(gfp, "failed to allocate pages", nr*asm.PAGE_SIZE, caller)
		__vunmap(area, false, caller)
		return nil
	}
	if !vmap_pages_range(area.Addr, area.Pages, prot) {
		vmallocWarn(gfp, "failed to map pages", nr*asm.PAGE_SIZE, caller)
		__vunmap(area, false, caller)
		return nil
	}
	area.Flags &^= VM_UNINITIALIZED
	return kptr(area.Addr)
}

// Vmalloc allocates size bytes of virtually contiguous kernel memory, or
// returns nil (Linux vmalloc). vmalloc(0) and sizes beyond RAM fail with
// a warning.
//
//go:noinline
func Vmalloc(size uint64) unsafe.Pointer {
	return __vmalloc_node_range(size, 1, asm.VMALLOC_START, asm.VMALLOC_END, GFP_KERNEL, paging.PAGE_KERNEL, 0, kallsyms.X_RET_IP_())
}

// Vzalloc is vmalloc of zeroed memory (Linux vzalloc).
//
//go:noinline
func Vzalloc(size uint64) unsafe.Pointer {
	return __vmalloc_node_range(size, 1, asm.VMALLOC_START, asm.VMALLOC_END, GFP_KERNEL|X__GFP_ZERO, paging.PAGE_KERNEL, 0, kallsyms.X_RET_IP_())
}

// X__vmalloc_node allocates size bytes of virtually contiguous kernel
// memory starting at a multiple of align (a power of two), or returns nil
// (Linux __vmalloc_node; caller is the address vmallocinfo names). It is
// what Linux's kernel/fork.c alloc_thread_stack_node takes a task's
// kernel stack from under CONFIG_VMAP_STACK — THREAD_SIZE aligned to
// THREAD_ALIGN — so that a stack needs no contiguous block and an
// overflow runs into an unmapped page instead of the memory below: areas
// never touch (each is followed by its guard page), so the page under an
// area's start is another area's guard page or unused space. gokern has
// one node: node is taken, as Linux's, and not used.
//
//go:noinline
func X__vmalloc_node(size, align uint64, gfp Gfp, node int, caller uintptr) unsafe.Pointer {
	if align == 0 || align&(align-1) != 0 {
		// Linux: BUG_ON(!is_power_of_2(align)) in alloc_vmap_area.
		printk.Pr_err("BUG: __vmalloc_node: align %#x is not a power of two, from %s\n", printk.Int(align), sym(caller))
		Vmalloc_bugs++
		return nil
	}
	return __vmalloc_node_range(size, align, asm.VMALLOC_START, asm.VMALLOC_END, gfp, paging.PAGE_KERNEL, 0, caller)
}

// remove_vm_area_free drops a range that maps nothing yet.
func remove_vm_area_free(area *VmStruct, ip uintptr) {
	if va := find_vmap_area(area.Addr); va != nil {
		free_vmap_area(va, ip)
	}
	kfreeNode(unsafe.Pointer(area), ip)
}

// __vunmap takes an area down (Linux __vunmap, remove_vm_area): the range
// leaves the tree, its entries are cleared and flushed from the TLB, and,
// for a vmalloc area, its pages and page array are freed.
func __vunmap(area *VmStruct, mapped bool, ip uintptr) {
	va := find_vmap_area(area.Addr)
	end := area.Addr + uintptr(get_vm_area_size(area))
	lockSpin(&init_mm_page_table_lock, ip)
	g := vunmap_gather{start: area.Addr, end: end}
	if mapped {
		vunmap_range(&g)
	}
	g.flush() // the shootdown, then the tables
	unlockSpin(&init_mm_page_table_lock)
	if va != nil {
		free_vmap_area(va, ip)
	}
	if area.Flags&VM_ALLOC != 0 && area.Pages != nil {
		for _, p := range area.Pages[:area.Nr_pages] {
			freePages(p, 0, ip)
		}
		atomic.AddUint64(&Nr_vmalloc_pages, -uint64(area.Nr_pages))
		arr := unsafe.Pointer(unsafe.SliceData(area.Pages))
		if Is_vmalloc_addr(arr) {
			vfreeCaller(arr, ip)
		} else {
			kfreeNode(arr, ip)
		}
	}
	kfreeNode(unsafe.Pointer(area), ip)
}

// findAreaToFree returns the area starting at addr, or nil after Linux's
// warning (misaligned, no such area), naming the area that holds addr if
// one does.
func findAreaToFree(fn string, addr uintptr, ip uintptr) *VmStruct {
	if addr&(asm.PAGE_SIZE-1) != 0 {
		printk.Pr_warn("WARNING: Trying to %s() bad address (%p), from %s\n", printk.Str(fn), printk.Int(addr), sym(ip))
		Vmalloc_bugs++
		return nil
	}
	va := find_vmap_area(addr)
	if va == nil || va.Va_start != addr || va.Vm == nil {
		printk.Pr_warn("WARNING: Trying to %s() nonexistent vm area (%p), from %s\n", printk.Str(fn), printk.Int(addr), sym(ip))
		if va != nil && va.Vm != nil {
			// Linux 6.1 would take down the area holding addr; a
			// pointer into an area is a caller's bug, reported here.
			printk.Pr_warn("%s: %p is inside the area %p-%p of %s: only its start can be freed\n", printk.Str(fn),
				printk.Int(addr), printk.Int(va.Va_start), printk.Int(va.Va_end), sym(va.Vm.Caller))
		}
		Vmalloc_bugs++
		return nil
	}
	return va.Vm
}

// Vmalloc_bugs counts bad vfree and vunmap calls, for the selftests.
var Vmalloc_bugs uint64

// Vfree frees what vmalloc returned (Linux vfree). nil is ignored; an
// address that is not the start of an area is reported and ignored.
//
//go:noinline
func Vfree(addr unsafe.Pointer) { vfreeCaller(addr, kallsyms.X_RET_IP_()) }

func vfreeCaller(addr unsafe.Pointer, ip uintptr) {
	if addr == nil {
		return
	}
	area := findAreaToFree("vfree", uintptr(addr), ip)
	if area == nil {
		return
	}
	__vunmap(area, true, ip)
}

// Vmap maps pages, in order, into a new virtually contiguous range and
// returns its address, or nil (Linux vmap(pages, count, flags, prot)).
// The pages stay the caller's: vunmap only unmaps them. A nil entry
// leaves a hole, an unmapped page inside the range: a guard page between
// stacks (gokern's; Linux maps its cpu_entry_area page by page with
// cea_set_pte and leaves the holes between the exception stacks so).
//
//go:noinline
func Vmap(pages []*Page, flags uint32, prot paging.PgProt) unsafe.Pointer {
	ip := kallsyms.X_RET_IP_()
	if len(pages) == 0 || uint64(len(pages)) > Totalram_pages || pages[0] == nil {
		printk.Pr_warn("WARNING: vmap: %d pages, from %s\n", printk.Int(len(pages)), sym(ip))
		return nil
	}
	for _, p := range pages {
		if p != nil && !pageInMemMap(p) {
			printk.Pr_warn("WARNING: vmap: %p is not a struct page, from %s\n", printk.Int(uintptrOf(p)), sym(ip))
			return nil
		}
	}
	area := __get_vm_area_node(uint64(len(pages))*asm.PAGE_SIZE, 1, flags|VM_MAP, asm.VMALLOC_START, asm.VMALLOC_END, GFP_KERNEL, ip)
	if area == nil {
		return nil
	}
	if !vmap_pages_range(area.Addr, pages, prot) {
		remove_vm_area_free(area, ip)
		return nil
	}
	return kptr(area.Addr)
}

// Vunmap takes down a range vmap made, leaving its pages (Linux vunmap).
// A vmalloc area is refused: its pages would leak (vfree it).
//
//go:noinline
func Vunmap(addr unsafe.Pointer) {
	ip := kallsyms.X_RET_IP_()
	if addr == nil {
		return
	}
	area := findAreaToFree("vunmap", uintptr(addr), ip)
	if area == nil {
		return
	}
	if area.Flags&VM_ALLOC != 0 {
		printk.Pr_warn("WARNING: vunmap: %p is a vmalloc area: its pages would leak (vfree it), from %s\n", printk.Int(uintptr(addr)), sym(ip))
		Vmalloc_bugs++
		return
	}
	__vunmap(area, true, ip)
}

// Vmalloc_to_page returns the page mapped at a vmalloc address, or nil
// (Linux vmalloc_to_page): a walk of init_mm's tables.
func Vmalloc_to_page(addr unsafe.Pointer) *Page {
	if !Is_vmalloc_addr(addr) {
		return nil
	}
	pa, _, _, ok := paging.Walk(phys, pgd_kernel(), paging.VirtAddr(uintptr(addr)))
	if !ok || uint64(pa)>>asm.PAGE_SHIFT >= Max_mapnr {
		return nil
	}
	return Pfn_to_page(uint64(pa) >> asm.PAGE_SHIFT)
}

// Find_vm_area returns the vm_struct of the area starting at addr, or nil
// (Linux find_vm_area).
func Find_vm_area(addr unsafe.Pointer) *VmStruct {
	va := find_vmap_area(uintptr(addr))
	if va == nil {
		return nil
	}
	return va.Vm
}

// Vmallocinfo prints /proc/vmallocinfo: one line per area in address
// order — range (with the guard page), size, caller, pages, kind (Linux
// s_show).
//
//	0xffffc90000000000-0xffffc90000005000   20480 kernel_init_freeable+0x5a/0x140 pages=4 vmalloc
func Vmallocinfo() { Vmallocinfo_lines(pr_info_line) }

// Vmallocinfo_lines gives Vmallocinfo's lines to emit: the console or
// /proc/vmallocinfo (Linux vmalloc_info_show with its seq_file).
func Vmallocinfo_lines(emit func(line []byte)) {
	for n := rbtree.Rb_first(&vmap_area_root); n != nil; n = rbtree.Rb_next(n) {
		va := vaOf(n)
		v := va.Vm
		line := &show_line
		k := 0
		if v == nil {
			k = printk.Snprintf(line[:], "%p-%p %7ld unpurged vm_area", printk.Int(va.Va_start), printk.Int(va.Va_end),
				printk.Int(va.Va_end-va.Va_start))
		} else {
			k = printk.Snprintf(line[:], "%p-%p %7ld", printk.Int(v.Addr), printk.Int(v.Addr+uintptr(v.Size)), printk.Int(v.Size))
			if v.Caller != 0 {
				k += copy(line[k:], " ")
				k += kallsyms.Sprint_symbol_linux(line[k:], v.Caller)
			}
			if v.Nr_pages != 0 {
				k += printk.Snprintf(line[k:], " pages=%d", printk.Int(v.Nr_pages))
			}
			if v.Phys_addr != 0 {
				k += printk.Snprintf(line[k:], " phys=%#llx", printk.Int(v.Phys_addr))
			}
			if v.Flags&VM_IOREMAP != 0 {
				k += copy(line[k:], " ioremap")
			}
			if v.Flags&VM_ALLOC != 0 {
				k += copy(line[k:], " vmalloc")
			}
			if v.Flags&VM_MAP != 0 {
				k += copy(line[k:], " vmap")
			}
			if v.Pages != nil && Is_vmalloc_addr(unsafe.Pointer(unsafe.SliceData(v.Pages))) {
				k += copy(line[k:], " vpages")
			}
		}
		emit(line[:k])
	}
}

// Vmalloc_check verifies the vmalloc space: the tree's rules, areas in
// address order, disjoint, inside [VMALLOC_START, VMALLOC_END), each
// area's pages mapped where they belong and its guard page unmapped.
// Returns "" or the first violation (gokern, for the tests).
func Vmalloc_check() string {
	if _, p := rbtree.Check(&vmap_area_root); p != "" {
		return violation("vmap_area_root: %s", printk.Str(p))
	}
	var prev uintptr
	var pages uint64
	for n := rbtree.Rb_first(&vmap_area_root); n != nil; n = rbtree.Rb_next(n) {
		va := vaOf(n)
		if va.Va_start < prev || va.Va_start >= va.Va_end || va.Va_start < asm.VMALLOC_START || va.Va_end > asm.VMALLOC_END {
			return violation("area %p-%p out of order or out of the vmalloc space", printk.Int(va.Va_start), printk.Int(va.Va_end))
		}
		prev = va.Va_end
		v := va.Vm
		if v == nil || v.Addr != va.Va_start || v.Addr+uintptr(v.Size) != va.Va_end || v.Flags&VM_UNINITIALIZED != 0 {
			continue
		}
		if v.Flags&VM_ALLOC != 0 {
			pages += uint64(v.Nr_pages)
			for i, p := range v.Pages[:v.Nr_pages] {
				a := paging.VirtAddr(v.Addr + uintptr(i)*asm.PAGE_SIZE)
				pa, _, _, ok := paging.Walk(phys, pgd_kernel(), a)
				if !ok || uint64(pa)>>asm.PAGE_SHIFT != Page_to_pfn(p) {
					return violation("area %p: page %d is not mapped at %p", printk.Int(v.Addr), printk.Int(i), printk.Int(uintptr(a)))
				}
			}
		}
		if v.Flags&VM_NO_GUARD == 0 {
			guard := paging.VirtAddr(va.Va_end - asm.PAGE_SIZE)
			if _, _, _, ok := paging.Walk(phys, pgd_kernel(), guard); ok {
				return violation("area %p: its guard page %p is mapped", printk.Int(v.Addr), printk.Int(uintptr(guard)))
			}
		}
	}
	if pages != Nr_vmalloc_pages {
		return violation("vmalloc areas hold %d pages, %d counted", printk.Int(pages), printk.Int(Nr_vmalloc_pages))
	}
	return ""
}
