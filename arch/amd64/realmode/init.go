// Package realmode is gokern's arch/x86/realmode: the page below 1 MiB
// where application processors start, in real mode, when the boot CPU
// wakes them (trampoline_64.S; the kernel carries it as rmpiggy).
//
// Linux: arch/x86/realmode/init.c (reserve_real_mode, setup_real_mode,
// trampoline_pgd). Seeds: 002 "Multi-core kernels". Manual: Intel SDM
// Vol. 3A §11.4.4 (a STARTUP IPI's vector is the page number of the code
// the AP runs: it must be 4 KiB aligned and below 1 MiB).
package realmode

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/memblock"
	"gokern/paging"
	"gokern/printk"
)

// The trampoline's own page tables: trampoline_pgd with the kernel's half
// (PGD entries 256-511, the kernel's own tables) and, at entry 0, an
// identity map of the first 2 MiB, executable, for the instructions
// between turning paging on and jumping to the kernel (Linux maps the
// direct map's first PGD entry there; gokern's direct map is not
// executable, so the trampoline gets its own 2 MiB page). Three pages,
// page-aligned at run time (the Go linker aligns data to 32 bytes at
// most); the kernel image is below 4 GiB, as the 32-bit MOV to CR3 needs.
var pgt_buf [4 * asm.PAGE_SIZE]byte

var (
	// Real_mode_header is the trampoline page's physical address (Linux
	// real_mode_header; 0: none reserved).
	Real_mode_header uint64
	// trampoline_pgd is the physical address of the trampoline's PGD.
	trampoline_pgd uint64
)

// Reserve_real_mode sets a page below 1 MiB aside for the trampoline
// (Linux reserve_real_mode, from setup_arch while only memblock
// allocates). Without one the APs cannot be started: say so and go on
// with the boot CPU.
func Reserve_real_mode() {
	pa, err := memblock.Memblock_phys_alloc_range(asm.PAGE_SIZE, asm.PAGE_SIZE, 0, 1<<20)
	if err != memblock.OK {
		printk.Pr_info("Unable to find a location for real mode trampoline: only the boot CPU will run\n")
		return
	}
	Real_mode_header = pa
	printk.Pr_debug("realmode: trampoline page at [mem %#010x-%#010x]\n", printk.Int(pa), printk.Int(pa+asm.PAGE_SIZE-1))
}

// kpa is the physical address of a kernel-image variable.
func kpa(va uintptr) uint64 { return asm.X__pa(uint64(va)) }

// Setup_real_mode copies the trampoline into its page and fills its
// header: where to jump in the kernel (secondary_startup_64's virtual
// address), the boot CPU's EFER and CR4 (Linux: trampoline_header->efer,
// ->cr4), and the trampoline PGD built from the kernel's page tables in
// CR3 now (Linux setup_real_mode). Called once the final page tables are
// in CR3; it returns the page's physical address, 0 if there is none.
func Setup_real_mode(start uintptr) uint64 {
	pa := Real_mode_header
	if pa == 0 {
		return 0
	}
	page := (*[asm.PAGE_SIZE]byte)(asm.Phys_to_virt(uintptr(pa)))
	clear(page[:])
	copy(page[:], rmpiggy[:])

	// The trampoline PGD: pages 0-2 of pgt_buf (aligned).
	base := (uintptr(unsafe.Pointer(&pgt_buf[0])) + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
	pgd := (*[paging.PTRS_PER_PGD]uint64)(asm.KernelPtr(base))
	pud := (*[paging.PTRS_PER_PUD]uint64)(asm.KernelPtr(base + asm.PAGE_SIZE))
	pmd := (*[paging.PTRS_PER_PMD]uint64)(asm.KernelPtr(base + 2*asm.PAGE_SIZE))
	clear(pgd[:])
	clear(pud[:])
	clear(pmd[:])
	pmd[0] = uint64(paging.PAGE_KERNEL_LARGE_EXEC &^ paging.PAGE_GLOBAL) // 0-2 MiB, identity
	pud[0] = kpa(uintptr(unsafe.Pointer(pmd))) | uint64(paging.KERNPG_TABLE)
	pgd[0] = kpa(uintptr(unsafe.Pointer(pud))) | uint64(paging.KERNPG_TABLE)
	kernel := (*[paging.PTRS_PER_PGD]uint64)(asm.Phys_to_virt(uintptr(asm.Read_cr3() &^ (asm.PAGE_SIZE - 1))))
	copy(pgd[paging.PTRS_PER_PGD/2:], kernel[paging.PTRS_PER_PGD/2:])
	trampoline_pgd = kpa(base)

	put64(page, Tr_start, uint64(start))
	put64(page, Tr_efer, asm.Rdmsrl(asm.MSR_EFER)&^asm.EFER_LMA)
	put32(page, Tr_cr4, uint32(asm.Read_cr4()&^asm.X86_CR4_PCIDE))
	put32(page, Tr_cr3, uint32(trampoline_pgd))
	return pa
}

// Tr_status_read reads how far the last AP came in the trampoline (1
// real mode, 2 protected mode, 3 long mode; 0 not started), and
// Tr_status_reset clears it before the next wake-up.
func Tr_status_read() uint32 {
	if Real_mode_header == 0 {
		return 0
	}
	return *(*uint32)(asm.Phys_to_virt(uintptr(Real_mode_header + Tr_status)))
}

func Tr_status_reset() {
	if Real_mode_header != 0 {
		*(*uint32)(asm.Phys_to_virt(uintptr(Real_mode_header + Tr_status))) = 0
	}
}

func put64(p *[asm.PAGE_SIZE]byte, off int, v uint64) {
	*(*uint64)(unsafe.Pointer(&p[off])) = v
}

func put32(p *[asm.PAGE_SIZE]byte, off int, v uint32) {
	*(*uint32)(unsafe.Pointer(&p[off])) = v
}
