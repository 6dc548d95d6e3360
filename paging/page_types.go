package paging

// Addresses, page size and the kernel's fixed virtual layout.
//
// Linux: arch/x86/include/asm/page_types.h (PAGE_SHIFT, PAGE_SIZE,
// PAGE_MASK, PHYSICAL_PAGE_MASK, LOAD_PHYSICAL_ADDR),
// arch/x86/include/asm/page_64_types.h (__PAGE_OFFSET, __START_KERNEL_map,
// KERNEL_IMAGE_SIZE, __PHYSICAL_MASK_SHIFT), include/linux/pfn.h
// (PFN_UP, PFN_DOWN, PFN_PHYS, PHYS_PFN), arch/x86/include/asm/page.h and
// page_64.h (__pa, __va, __phys_addr_nodebug, phys_base).

// PhysAddr is a physical address: what CR3 and page-table entries hold,
// what the memory bus sees. Linux: phys_addr_t.
type PhysAddr uint64

// VirtAddr is a virtual (linear) address: what instructions use and what
// the MMU translates. A distinct type from PhysAddr, so handing one where
// the other is wanted does not compile. (Linux uses unsigned long for both,
// which is how __pa/__va mistakes happen.) See the package doc for why it is
// uint64 rather than uintptr.
type VirtAddr uint64

// PFN is a page frame number: a physical address divided by PAGE_SIZE.
// Linux: unsigned long pfn, as in pfn_pte(pfn, prot).
type PFN uint64

// Page size. x86-64 uses 4 KiB base pages (SDM Vol. 3A §4.5: "4-level
// paging translates 48-bit linear addresses ... using a hierarchy of
// paging structures", each entry mapping or referencing 4 KiB).
const (
	// PAGE_SHIFT is log2 of the base page size. Linux: PAGE_SHIFT.
	PAGE_SHIFT = 12
	// PAGE_SIZE is the base page size, 4 KiB. Linux: PAGE_SIZE.
	PAGE_SIZE = 1 << PAGE_SHIFT
	// PAGE_MASK clears the offset within a page. Linux: PAGE_MASK,
	// (~(PAGE_SIZE-1)). Written as a positive untyped constant so it can be
	// used with PhysAddr, VirtAddr and uint64 alike (Go's ^ on an untyped
	// constant would give a negative number).
	PAGE_MASK = 1<<64 - PAGE_SIZE
)

// Physical address width.
const (
	// PHYSICAL_MASK_SHIFT is the architectural maximum MAXPHYADDR: entries
	// hold physical addresses in bits 51:12 (SDM Vol. 3A §4.5, Tables 4-15
	// to 4-20, "M is an abbreviation for MAXPHYADDR ... at most 52").
	// Linux: __PHYSICAL_MASK_SHIFT.
	PHYSICAL_MASK_SHIFT = 52
	// PHYSICAL_MASK keeps bits 51:0. Linux: __PHYSICAL_MASK.
	PHYSICAL_MASK = 1<<PHYSICAL_MASK_SHIFT - 1
	// PHYSICAL_PAGE_MASK keeps the frame address bits 51:12.
	// Linux: PHYSICAL_PAGE_MASK.
	PHYSICAL_PAGE_MASK = PAGE_MASK & PHYSICAL_MASK
	// MAX_PHYSMEM_BITS: with 4-level paging Linux supports 64 TiB of RAM,
	// the size of the direct map. Linux: MAX_PHYSMEM_BITS (sparsemem.h).
	MAX_PHYSMEM_BITS = 46
)

// The kernel's virtual memory map, as Linux x86-64 with 4-level paging and
// no KASLR (Documentation/x86/x86_64/mm.rst). DESIGN.md §3.
const (
	// PAGE_OFFSET is where the direct map of all physical memory begins:
	// physical address p is visible at PAGE_OFFSET+p. Linux: __PAGE_OFFSET
	// (__PAGE_OFFSET_BASE_L4).
	PAGE_OFFSET VirtAddr = 0xffff888000000000
	// START_KERNEL_map is where the kernel-text mapping begins; it maps
	// physical 0 (+ Phys_base), so the kernel linked at START_KERNEL runs
	// from physical LOAD_PHYSICAL_ADDR. Linux: __START_KERNEL_map.
	START_KERNEL_map VirtAddr = 0xffffffff80000000
	// LOAD_PHYSICAL_ADDR is where startup_64 puts the kernel: 16 MiB.
	// Linux: LOAD_PHYSICAL_ADDR (CONFIG_PHYSICAL_START).
	LOAD_PHYSICAL_ADDR PhysAddr = 0x1000000
	// START_KERNEL is the kernel's link address, 0xffffffff81000000.
	// Linux: __START_KERNEL.
	START_KERNEL = START_KERNEL_map + VirtAddr(LOAD_PHYSICAL_ADDR)
	// KERNEL_IMAGE_SIZE bounds the kernel-text mapping: 512 MiB, Linux's
	// value without KASLR (1 GiB with CONFIG_RANDOMIZE_BASE).
	// Linux: KERNEL_IMAGE_SIZE.
	KERNEL_IMAGE_SIZE = 512 << 20
	// MODULES_VADDR..MODULES_END is the module area, right after the
	// kernel image. Linux: MODULES_VADDR, MODULES_END.
	MODULES_VADDR VirtAddr = START_KERNEL_map + KERNEL_IMAGE_SIZE
	MODULES_END   VirtAddr = 0xffffffffff000000
)

// Phys_base is the difference between where the kernel was linked to run
// and where it really is in physical memory. Linux computes it in
// __startup_64 for a relocated kernel; gokern is always loaded at
// LOAD_PHYSICAL_ADDR, so it stays 0. It is a variable, not a constant, so
// Pa reads it as Linux's __phys_addr does. Linux: phys_base.
var Phys_base PhysAddr

// Pa translates a kernel virtual address to physical, for both kernel
// mappings: the kernel text at START_KERNEL_map and the direct map at
// PAGE_OFFSET. Other addresses (vmalloc, user) have no fixed translation:
// use Walk for those. Linux: __pa, __phys_addr_nodebug.
func Pa(va VirtAddr) PhysAddr {
	if va >= START_KERNEL_map {
		return PhysAddr(va-START_KERNEL_map) + Phys_base
	}
	return PhysAddr(va - PAGE_OFFSET)
}

// Va gives the direct-map address of a physical address. Linux: __va.
func Va(pa PhysAddr) VirtAddr {
	return VirtAddr(pa) + PAGE_OFFSET
}

// PFN_PHYS gives the physical address of a page frame. Linux: PFN_PHYS.
func PFN_PHYS(pfn PFN) PhysAddr { return PhysAddr(pfn) << PAGE_SHIFT }

// PHYS_PFN gives the frame holding a physical address. Linux: PHYS_PFN.
func PHYS_PFN(pa PhysAddr) PFN { return PFN(pa >> PAGE_SHIFT) }

// PFN_DOWN is the first frame at or below pa. Linux: PFN_DOWN.
func PFN_DOWN(pa PhysAddr) PFN { return PFN(pa >> PAGE_SHIFT) }

// PFN_UP is the first frame at or above pa. Linux: PFN_UP.
func PFN_UP(pa PhysAddr) PFN { return PFN((pa + PAGE_SIZE - 1) >> PAGE_SHIFT) }

// PAGE_ALIGN rounds up to the next page boundary. Linux: PAGE_ALIGN.
func PAGE_ALIGN[T ~uint64](x T) T { return (x + PAGE_SIZE - 1) & PAGE_MASK }

// Canonical reports whether va is a canonical 48-bit address: bits 63:47
// all equal (SDM Vol. 1 §3.3.7.1 "Canonical Addressing"). Using a
// non-canonical address raises #GP, so no page table can map one.
func Canonical(va VirtAddr) bool {
	top := va >> 47
	return top == 0 || top == 1<<17-1
}
