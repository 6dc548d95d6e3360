package mm

import (
	"sync/atomic"

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
	VM_FAULT_SIGBUS  = 0x2
)

// Fault statistics, for the selftests and the figures: faults that
// allocated a page, of them those that read a file, and protection
// faults found spurious (the entry was already right: another path
// mapped it first).
var Pgfault_alloc, Pgfault_file, Pgfault_spurious, Pgfault_sigbus uint64

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
// VM_FAULT_SIGSEGV when no VMA allows it, VM_FAULT_SIGBUS when a file
// mapping has no file behind the page, VM_FAULT_OOM when no page could
// be had.
func Handle_mm_fault(mm *MmStruct, address, error_code uint64) int {
	v := Find_vma(mm, address)
	if v == nil || v.Vm_start > address || Access_error(error_code, v) {
		return VM_FAULT_SIGSEGV
	}
	va := address &^ (asm.PAGE_SIZE - 1)
	if pte := user_pte(mm, va); pte != nil && pte.Present() && error_code&asm.X86_PF_WRITE != 0 &&
		*pte&paging.PTE(paging.PAGE_RW) == 0 {
		// A write to a present read-only page of a writable VMA: a
		// copy-on-write page that fork shared (Linux handle_pte_fault →
		// do_wp_page), or in a shared mapping the page itself, made
		// writable where it is (wp_page_shared).
		if v.Vm_flags&VM_SHARED != 0 {
			paging.Set_pte(pte, *pte|paging.PTE(paging.PAGE_RW))
			flush_tlb_page(mm, va)
			return VM_FAULT_OK
		}
		return do_wp_page(mm, v, va, pte)
	}
	if pte := user_pte(mm, va); pte != nil && pte.Present() {
		// The entry is there and the VMA allows the access: a stale TLB
		// entry of this CPU (Linux spurious_kernel_fault's user twin:
		// flush here and retry; no other CPU needs telling).
		Pgfault_spurious++
		asm.Invlpg(uintptr(va))
		return VM_FAULT_OK
	}
	if v.Vm_special != nil {
		return special_mapping_fault(mm, v, va)
	}
	if v.Vm_flags&VM_MAYSHARE != 0 && v.Vm_mmap != nil {
		return filemap_fault(mm, v, va)
	}
	file_end := v.Vm_file_end
	if v.Vm_file != nil && file_end == FILE_END_EOF {
		// A mmap(2) of a file: a page that starts at or past the end
		// of the file has nothing behind it (Linux filemap_fault:
		// VM_FAULT_SIGBUS when the page index is past i_size).
		file_end = v.Vm_file.Size()
		if v.Vm_pgoff<<asm.PAGE_SHIFT+(va-v.Vm_start) >= (file_end+asm.PAGE_SIZE-1)&^(asm.PAGE_SIZE-1) {
			Pgfault_sigbus++
			return VM_FAULT_SIGBUS
		}
	}
	p := Alloc_pages(GFP_KERNEL|X__GFP_ZERO, 0)
	if p == nil {
		return VM_FAULT_OOM
	}
	if v.Vm_file != nil {
		// do_read_fault: the page's bytes from the file, up to the
		// mapping's file end; the rest stays zero.
		off := v.Vm_pgoff<<asm.PAGE_SHIFT + (va - v.Vm_start)
		if off < file_end {
			n := file_end - off
			if n > asm.PAGE_SIZE {
				n = asm.PAGE_SIZE
			}
			buf := unsafe.Slice((*byte)(asm.KernelPtr(Page_address(p))), n)
			if r := v.Vm_file.Read_at(buf, off); r < 0 {
				X__free_pages(p, 0)
				return VM_FAULT_SIGBUS // an I/O error (Linux filemap_fault)
			}
		}
		Pgfault_file++
	}
	if r := finish_fault(mm, v, va, p); r != VM_FAULT_OK {
		return r
	}
	mm.Faults++
	Pgfault_alloc++
	User_pages++
	return VM_FAULT_OK
}

// finish_fault maps page p at va with v's bits and counts it in mm's RSS
// (Linux finish_fault → set_pte_range); when no page table can be had,
// the caller's reference to p is dropped and the fault is VM_FAULT_OOM.
func finish_fault(mm *MmStruct, v *Vm_area_struct, va uint64, p *Page) int {
	if _, err := paging.Map(phys, mm.Pgd, paging.VirtAddr(va), paging.PhysAddr(Page_to_pfn(p)<<asm.PAGE_SHIFT),
		asm.PAGE_SIZE, Vm_get_page_prot(v.Vm_flags), paging.Only4K, nil); err != paging.OK {
		X__free_pages(p, 0)
		return VM_FAULT_OOM
	}
	mm.Rss++
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

// User_pages counts the frames user mappings hold, each once however
// many address spaces share it (gokern's own count; Linux's nearest is
// NR_ANON_MAPPED, /proc/meminfo's AnonPages). It is 0 again when every
// process is gone: the boot tests check that fork and COW leak nothing.
var User_pages uint64

// put_user_page drops one mapping's reference to a user frame (Linux
// put_page), freeing it with the last.
func put_user_page(p *Page) {
	if page_ref_count(p) == 1 {
		User_pages--
	}
	X__free_pages(p, 0)
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

// zap_page_range frees the pages of [start, end) of v and clears their
// entries, freeing page tables as they empty (Linux zap_page_range →
// zap_pte_range, then free_pgtables). Whole missing PMD ranges are
// skipped, so that a large reservation never touched costs little. A
// shared mapping's page, or a special mapping's, loses the mapping's
// reference only: the page cache (the kernel) keeps its own, and the
// data stays.
//
// The pages of one PMD range (up to 512) are unmapped first, then flushed
// from every CPU that runs mm with one flush, then freed (Linux's
// mmu_gather: free only after the TLB flush, so that no CPU can still
// write to a page that is already someone else's).
func zap_page_range(mm *MmStruct, v *Vm_area_struct, start, end uint64) {
	anon := v.Vm_flags&VM_MAYSHARE == 0 && v.Vm_special == nil
	var freed [512]paging.PFN
	// The tables the range's unmaps unlink (one PTE table per PMD
	// range, and the PMD and PUD tables above it when they empty too):
	// freed after the flush as well, as Linux's tlb_remove_table.
	var tlb paging.Mmu_gather
	for a := start; a < end; {
		next := uint64(paging.Pmd_addr_end(paging.VirtAddr(a), paging.VirtAddr(end)))
		if pte := user_pte(mm, a); pte == nil {
			a = next
			continue
		}
		first, n := a, 0
		for ; a < next; a += asm.PAGE_SIZE {
			old, err := paging.Unmap_gather(phys, mm.Pgd, paging.VirtAddr(a), &tlb)
			if err != paging.OK {
				continue
			}
			freed[n] = old.PFN()
			n++
		}
		if n == 0 {
			continue
		}
		flush_tlb_mm_range(mm, first, next)
		tlb.Tlb_remove_table_free()
		for _, pfn := range freed[:n] {
			if anon {
				put_user_page(Pfn_to_page(uint64(pfn)))
			} else {
				X__free_pages(Pfn_to_page(uint64(pfn)), 0)
			}
			mm.Rss--
		}
	}
}

// flush_tlb_page drops a's translation from every CPU that runs mm
// (Linux flush_tlb_page → flush_tlb_mm_range).
func flush_tlb_page(mm *MmStruct, a uint64) { flush_tlb_mm_range(mm, a, a+asm.PAGE_SIZE) }

// Activate_mm loads mm's page tables (Linux activate_mm, as exec_mmap
// and exit_mm use it: switch_mm_irqs_off, a CR3 write, which flushes
// the non-global TLB entries — the user half).
//
// This CPU joins mm's Cpu_bitmap first (see kernel/sched's Switch_mm).
func Activate_mm(mm *MmStruct) {
	if Smp && mm != &Init_mm {
		atomic.OrUint64(&mm.Cpu_bitmap, 1<<uint(asm.Smp_processor_id()))
	}
	asm.Write_cr3(uint64(mm.Pgd))
}

// Copy-on-write. Linux: mm/memory.c (copy_page_range → copy_pte_range →
// copy_present_pte, do_wp_page, wp_page_reuse, wp_page_copy), kernel/fork.c
// (dup_mmap's flush_tlb_mm). Seeds/002 "fork" and "Copy On Write": fork
// copies no page; parent and child map the same frames read-only, each
// frame counts both references (struct page's _refcount), and the first
// write by either faults: the writer gets a copy of its own, or the page
// itself when it is the last one to hold it.

// Cow statistics: pages fork shared, COW faults that copied, COW faults
// that found the page theirs alone and made it writable again.
var Cow_shared, Cow_copied, Cow_reused uint64

// Fork_shared_pages counts the pages of MAP_SHARED mappings fork gave the
// child as they are, writable where the parent's were (Linux: copy_page_range
// skips such VMAs, whose pages the child's faults find in the page cache;
// gokern copies the entries, so that parent and child map the same frame
// at once).
var Fork_shared_pages uint64

// is_cow_mapping: a private mapping that may be written (Linux
// is_cow_mapping: (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE).
// Every private VMA of gokern's is VM_MAYWRITE (Mmap_region, Do_mmap),
// so it is every private VMA but the vDSO's; a VMA that is not writable
// now may become so through mprotect, and its shared pages must not be
// written then either. A MAP_SHARED VMA never is: its pages are the page
// cache's.
func is_cow_mapping(flags uint64) bool { return flags&(VM_SHARED|VM_MAYWRITE) == VM_MAYWRITE }

// copy_page_range gives dst the pages of src's VMA v: every present page
// is mapped in dst too, read-only in both when the mapping is COW, and
// its count takes dst's reference (Linux copy_page_range → copy_pte_range
// → copy_present_pte: ptep_set_wrprotect on the parent's entry, pte_wrprotect
// on the child's, get_page). 0, or -ENOMEM when a page table could not be
// had (dst then holds what was copied so far, which exit_mmap frees).
func copy_page_range(dst, src *MmStruct, v *Vm_area_struct) int {
	cow := is_cow_mapping(v.Vm_flags)
	prot := Vm_get_page_prot(v.Vm_flags)
	if cow {
		prot &^= paging.PAGE_RW
	}
	for a := v.Vm_start; a < v.Vm_end; {
		next := uint64(paging.Pmd_addr_end(paging.VirtAddr(a), paging.VirtAddr(v.Vm_end)))
		if user_pte(src, a) == nil {
			a = next // no page table there: nothing was ever touched
			continue
		}
		for ; a < next; a += asm.PAGE_SIZE {
			pte := user_pte(src, a)
			if pte == nil || !pte.Present() {
				continue
			}
			if cow && *pte&paging.PTE(paging.PAGE_RW) != 0 {
				paging.Set_pte(pte, *pte&^paging.PTE(paging.PAGE_RW))
			}
			pfn := pte.PFN()
			if _, err := paging.Map(phys, dst.Pgd, paging.VirtAddr(a), paging.PhysAddr(uint64(pfn)<<asm.PAGE_SHIFT),
				asm.PAGE_SIZE, prot&paging.PgProt(paging.Supported_pte_mask), paging.Only4K, nil); err != paging.OK {
				return -asm.ENOMEM
			}
			Get_page(Pfn_to_page(uint64(pfn)))
			dst.Rss++
			if cow {
				Cow_shared++
			} else if v.Vm_flags&VM_SHARED != 0 {
				Fork_shared_pages++
			}
		}
	}
	return 0
}

// do_wp_page resolves a write fault on a present, read-only page of a
// writable VMA (Linux do_wp_page): when this mm holds the only reference,
// the page is made writable where it is (wp_page_reuse); otherwise the
// page is copied into a new one, which replaces it in this mm only, and
// the old page loses this mm's reference (wp_page_copy). The entry is
// flushed from the TLB either way: the old read-only translation must
// not outlive the change.
func do_wp_page(mm *MmStruct, v *Vm_area_struct, va uint64, pte *paging.PTE) int {
	old := Pfn_to_page(uint64(pte.PFN()))
	prot := Vm_get_page_prot(v.Vm_flags) & paging.PgProt(paging.Supported_pte_mask)
	if page_ref_count(old) == 1 {
		paging.Set_pte(pte, paging.Pfn_pte(pte.PFN(), prot))
		flush_tlb_page(mm, va)
		Cow_reused++
		return VM_FAULT_OK
	}
	p := Alloc_pages(GFP_KERNEL, 0)
	if p == nil {
		return VM_FAULT_OOM
	}
	copy(unsafe.Slice((*byte)(asm.KernelPtr(Page_address(p))), asm.PAGE_SIZE),
		unsafe.Slice((*byte)(asm.KernelPtr(Page_address(old))), asm.PAGE_SIZE))
	paging.Set_pte(pte, paging.Pfn_pte(paging.PFN(Page_to_pfn(p)), prot))
	flush_tlb_page(mm, va)
	put_user_page(old) // this mm's reference
	User_pages++
	mm.Faults++
	Cow_copied++
	return VM_FAULT_OK
}

// Flush_tlb_mm drops every translation of mm from the TLB of every CPU that
// runs mm (Linux flush_tlb_mm → flush_tlb_mm_range over the whole range:
// a CR3 reload, which keeps only global entries; the kernel's are global,
// the user's never are). dup_mm calls it after write-protecting the
// parent's pages: until then the parent could write through a stale
// writable translation and change a page the child now shares.
func Flush_tlb_mm(mm *MmStruct) { flush_tlb_mm_range(mm, 0, TASK_SIZE) }
