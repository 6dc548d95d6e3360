package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/paging"
)

// Demand paging of user memory. Linux: mm/memory.c (handle_mm_fault,
// __handle_mm_fault, handle_pte_fault, do_anonymous_page, do_read_fault,
// zap_pte_range), arch/x86/mm/fault.c (access_error). Seeds/002 "Page
// Fault Handler": the fault is not an error when the address lies in a
// VMA that allows the access — the kernel brings the page in and the
// faulting instruction runs again.

// Handle_mm_fault's results (Linux vm_fault_t's VM_FAULT_* bits).
const (
	VM_FAULT_OK      = 0
	VM_FAULT_OOM     = 0x1
	VM_FAULT_SIGSEGV = 0x40
)

// Fault statistics, for the selftests and the figures: faults that
// allocated a page, of them those that read a file, and protection
// faults found spurious (the entry was already right: another path
// mapped it first).
var Pgfault_alloc, Pgfault_file, Pgfault_spurious uint64

// Access_error: may the VMA be accessed so? (Linux arch/x86/mm/fault.c
// access_error): a write needs VM_WRITE, an instruction fetch VM_EXEC,
// and a read any permission at all (PROT_NONE refuses everything).
func Access_error(error_code uint64, v *Vm_area_struct) bool {
	switch {
	case error_code&asm.X86_PF_WRITE != 0:
		return v.Vm_flags&VM_WRITE == 0
	case error_code&asm.X86_PF_INSTR != 0:
		return v.Vm_flags&VM_EXEC == 0
	}
	return v.Vm_flags&VM_ACCESS_FLAGS == 0
}

// Handle_mm_fault resolves a fault at address in mm (the first half of
// Linux's do_user_addr_fault — find_vma, access_error — and then
// handle_mm_fault): VM_FAULT_OK when the access can be retried,
// VM_FAULT_SIGSEGV when no VMA allows it, VM_FAULT_OOM when no page could
// be had.
func Handle_mm_fault(mm *MmStruct, address, error_code uint64) int {
	v := Find_vma(mm, address)
	if v == nil || v.Vm_start > address || Access_error(error_code, v) {
		return VM_FAULT_SIGSEGV
	}
	va := address &^ (asm.PAGE_SIZE - 1)
	if pte := user_pte(mm, va); pte != nil && pte.Present() {
		// The entry is there and the VMA allows the access: a stale TLB
		// entry (Linux spurious_kernel_fault's user twin: flush and
		// retry).
		Pgfault_spurious++
		flush_tlb_page(mm, va)
		return VM_FAULT_OK
	}
	if v.Vm_special != nil {
		return special_mapping_fault(mm, v, va)
	}
	p := Alloc_pages(GFP_KERNEL|X__GFP_ZERO, 0)
	if p == nil {
		return VM_FAULT_OOM
	}
	if v.Vm_file != nil {
		// do_read_fault: the page's bytes from the file, up to the
		// mapping's file end; the rest stays zero.
		off := v.Vm_pgoff<<asm.PAGE_SHIFT + (va - v.Vm_start)
		if off < v.Vm_file_end {
			n := v.Vm_file_end - off
			if n > asm.PAGE_SIZE {
				n = asm.PAGE_SIZE
			}
			buf := unsafe.Slice((*byte)(asm.KernelPtr(Page_address(p))), n)
			if r := v.Vm_file.Read_at(buf, off); r < 0 {
				X__free_pages(p, 0)
				return VM_FAULT_SIGSEGV // Linux: VM_FAULT_SIGBUS
			}
		}
		Pgfault_file++
	}
	prot := Vm_get_page_prot(v.Vm_flags)
	if _, err := paging.Map(phys, mm.Pgd, paging.VirtAddr(va), paging.PhysAddr(Page_to_pfn(p)<<asm.PAGE_SHIFT),
		asm.PAGE_SIZE, prot, paging.Only4K, nil); err != paging.OK {
		X__free_pages(p, 0)
		return VM_FAULT_OOM
	}
	mm.Rss++
	mm.Faults++
	Pgfault_alloc++
	return VM_FAULT_OK
}

// special_mapping_fault maps the special mapping's page for va (Linux
// special_mapping_fault → vm_insert_page): the kernel's page itself,
// shared by every process, not a copy, with a reference per mapping
// (get_page) that unmapping drops (zap_page_range's __free_pages is
// put_page): the kernel's own reference keeps the page.
func special_mapping_fault(mm *MmStruct, v *Vm_area_struct, va uint64) int {
	i := v.Vm_pgoff + (va-v.Vm_start)>>asm.PAGE_SHIFT
	if i >= uint64(len(v.Vm_special.Pages)) {
		return VM_FAULT_SIGSEGV // Linux: VM_FAULT_SIGBUS
	}
	p := v.Vm_special.Pages[i]
	pa := paging.PhysAddr(Page_to_pfn(p) << asm.PAGE_SHIFT)
	if _, err := paging.Map(phys, mm.Pgd, paging.VirtAddr(va), pa, asm.PAGE_SIZE, Vm_get_page_prot(v.Vm_flags), paging.Only4K, nil); err != paging.OK {
		return VM_FAULT_OOM
	}
	Get_page(p)
	mm.Rss++
	return VM_FAULT_OK
}

// user_pte returns the PTE that maps va in mm, nil when a table on the
// way is missing (Linux: a walk without allocation, as follow_pte).
func user_pte(mm *MmStruct, va uint64) *paging.PTE {
	v := paging.VirtAddr(va)
	p4d := paging.P4d_offset(paging.Pgd_offset(phys, mm.Pgd, v), v)
	if !p4d.Present() {
		return nil
	}
	pud := paging.Pud_offset(phys, p4d, v)
	if !pud.Present() || pud.Large() {
		return nil
	}
	pmd := paging.Pmd_offset(phys, pud, v)
	if !pmd.Present() || pmd.Large() {
		return nil
	}
	return paging.Pte_offset_kernel(phys, pmd, v)
}

// User_pte_flags returns the entry mapping va in mm, 0 if none (for the
// selftests and /proc: the page-table bits of a user mapping).
func User_pte_flags(mm *MmStruct, va uint64) paging.PTE {
	if pte := user_pte(mm, va&^(asm.PAGE_SIZE-1)); pte != nil {
		return *pte
	}
	return 0
}

// zap_page_range frees the pages of [start, end) and clears their
// entries, freeing page tables as they empty (Linux zap_page_range →
// zap_pte_range, then free_pgtables). Whole missing PMD ranges are
// skipped, so that a large reservation never touched costs little.
func zap_page_range(mm *MmStruct, start, end uint64) {
	for a := start; a < end; {
		v := paging.VirtAddr(a)
		next := uint64(paging.Pmd_addr_end(v, paging.VirtAddr(end)))
		if pte := user_pte(mm, a); pte == nil {
			a = next
			continue
		}
		for ; a < next; a += asm.PAGE_SIZE {
			old, err := paging.Unmap(phys, mm.Pgd, paging.VirtAddr(a))
			if err != paging.OK {
				continue
			}
			flush_tlb_page(mm, a)
			X__free_pages(Pfn_to_page(uint64(old.PFN())), 0)
			mm.Rss--
		}
	}
}

// flush_tlb_page drops a's translation if mm is the address space
// loaded (Linux flush_tlb_page; the other CPUs' TLBs come with SMP's
// shootdown).
func flush_tlb_page(mm *MmStruct, a uint64) {
	if paging.PhysAddr(asm.Read_cr3()&paging.PTE_PFN_MASK) == mm.Pgd {
		asm.Invlpg(uintptr(a))
	}
}

// Activate_mm loads mm's page tables (Linux activate_mm, as exec_mmap
// and exit_mm use it: switch_mm_irqs_off, a CR3 write, which flushes
// the non-global TLB entries — the user half).
func Activate_mm(mm *MmStruct) {
	asm.Write_cr3(uint64(mm.Pgd))
}
