package paging

import "gokern/arch/amd64/asm"

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

// The page size and the kernel's fixed virtual layout, typed where an
// address is meant. The numbers are defined once, in package asm
// (page_types.go, page_64_types.go): these constants refer to them.
const (
	// PAGE_SHIFT, PAGE_SIZE, PAGE_MASK: Linux PAGE_SHIFT, PAGE_SIZE,
	// PAGE_MASK (asm/page_types.h).
	PAGE_SHIFT = asm.PAGE_SHIFT
	PAGE_SIZE  = asm.PAGE_SIZE
	PAGE_MASK  = asm.PAGE_MASK

	// PHYSICAL_MASK keeps bits 51:0 (MAXPHYADDR is at most 52). Linux:
	// __PHYSICAL_MASK.
	PHYSICAL_MASK = 1<<asm.X__PHYSICAL_MASK_SHIFT - 1
	// PHYSICAL_PAGE_MASK keeps the frame address bits 51:12.
	// Linux: PHYSICAL_PAGE_MASK.
	PHYSICAL_PAGE_MASK = PAGE_MASK & PHYSICAL_MASK

	// PAGE_OFFSET: the direct map of all physical memory (Linux
	// __PAGE_OFFSET).
	PAGE_OFFSET VirtAddr = asm.PAGE_OFFSET
	// X__START_KERNEL_map: the kernel-text mapping, physical 0 (Linux
	// __START_KERNEL_map).
	X__START_KERNEL_map VirtAddr = asm.X__START_KERNEL_map
	// LOAD_PHYSICAL_ADDR: where the kernel runs in physical memory, 16 MiB.
	LOAD_PHYSICAL_ADDR PhysAddr = asm.LOAD_PHYSICAL_ADDR
	// X__START_KERNEL: the kernel's link address, 0xffffffff81000000.
	X__START_KERNEL VirtAddr = asm.X__START_KERNEL
	// MODULES_VADDR..MODULES_END: the module area after the kernel image.
	MODULES_VADDR VirtAddr = asm.MODULES_VADDR
	MODULES_END   VirtAddr = asm.MODULES_END
)

// Pa translates a kernel virtual address to physical, for both kernel
// mappings: the kernel text at X__START_KERNEL_map and the direct map at
// PAGE_OFFSET (asm.X__pa, with asm.Phys_base). Other addresses (vmalloc,
// user) have no fixed translation: use Walk for those. Linux: __pa.
func Pa(va VirtAddr) PhysAddr { return PhysAddr(asm.X__pa(uint64(va))) }

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
