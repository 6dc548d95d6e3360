package mm

import (
	"gokern/arch/amd64/asm"
)

// Shared mappings of a file's page cache. Linux: mm/filemap.c
// (filemap_fault, generic_file_mmap), mm/shmem.c (shmem_fault,
// shmem_zero_setup), mm/memory.c (unmap_mapping_range, and
// copy_page_range's VM_SHARED case), mm/mmap.c (__vma_link_file,
// __remove_shared_vm_struct), include/linux/fs.h (address_space's i_mmap
// and i_mmap_rwsem). Seeds/002 "Process Address Space" (a VMA backed by
// a file).
//
// A MAP_SHARED VMA maps the page-cache pages themselves: a store through
// the mapping is in the file at once, and read(2) sees it; a write(2) is
// in the page the mapping shows. For tmpfs and ramfs the page cache is the
// file's only storage, so nothing is written back. Fork gives the child
// the same pages, never copies (is_cow_mapping is false for VM_SHARED).
// MAP_SHARED|MAP_ANONYMOUS is the same thing over a file of its own on
// an internal tmpfs (shmem_zero_setup): its pages live as long as some
// VMA holds the file.

// VM_MAYSHARE: the mapping was asked for with MAP_SHARED (Linux
// VM_MAYSHARE). VM_SHARED is set with it only when the file may be
// written: a read-only file's MAP_SHARED mapping keeps VM_MAYSHARE
// alone, and can never be made writable (VM_MAYWRITE is clear).
const VM_MAYSHARE = 0x80

// Vm_mmap_file is what mmap(2) maps: an open file (fs.File), which a
// VMA holds a reference to (Linux vma->vm_file with get_file/fput; the
// page cache is file->f_mapping, the fault vm_ops->fault).
type Vm_mmap_file interface {
	Vm_file
	// Vm_may tells what do_mmap asks of the open file: open for
	// reading (FMODE_READ), for writing (FMODE_WRITE), on a noexec
	// mount (path_noexec), and whether it can be mapped at all (Linux:
	// f_op->mmap; -ENODEV if not).
	Vm_may() (readable, writable, noexec, ok bool)
	// Shared_page returns page index of the file's page cache, added if
	// missing, with a reference taken for the mapping; nil when memory
	// is short (Linux filemap_fault/shmem_fault: the folio, locked and
	// referenced).
	Shared_page(index uint64) *Page
	// Incore_page tells whether page index is in the file's page
	// cache, adding nothing (Linux filemap_get_incore_folio, for
	// mincore).
	Incore_page(index uint64) bool
	// Mapping_mmap is the file's list of shared VMAs (Linux
	// file->f_mapping->i_mmap).
	Mapping_mmap() *I_mmap
	// Get_vm_file and Put_vm_file take and drop the VMA's reference
	// (Linux get_file, fput).
	Get_vm_file()
	Put_vm_file()
}

// I_mmap lists the VMAs that map one file shared, through their
// Vm_shared_next (Linux address_space.i_mmap, an interval tree, and
// i_mmap_rwsem; gokern's list is walked whole). Lock order: an mm's
// Mmap_lock, then I_mmap.Lock; a truncate, which holds I_mmap.Lock first,
// only tries the mm's lock and starts again when it is taken.
type I_mmap struct {
	Lock  asm.Spinlock_t
	First *Vm_area_struct
	Nr    int
}

// vma_link_file puts a shared VMA on its file's list (Linux
// __vma_link_file).
func vma_link_file(v *Vm_area_struct) {
	if v.Vm_flags&VM_MAYSHARE == 0 || v.Vm_mmap == nil {
		return
	}
	im := v.Vm_mmap.Mapping_mmap()
	im.Lock.Spin_lock(0)
	v.Vm_shared_next = im.First
	v.Vm_shared_prev = nil
	if im.First != nil {
		im.First.Vm_shared_prev = v
	}
	im.First = v
	im.Nr++
	im.Lock.Spin_unlock()
}

// vma_unlink_file takes it off (Linux __remove_shared_vm_struct). After
// it a truncate no longer reaches the VMA, whose pages the caller then
// zaps itself.
func vma_unlink_file(v *Vm_area_struct) {
	if v.Vm_flags&VM_MAYSHARE == 0 || v.Vm_mmap == nil {
		return
	}
	im := v.Vm_mmap.Mapping_mmap()
	im.Lock.Spin_lock(0)
	if v.Vm_shared_prev != nil {
		v.Vm_shared_prev.Vm_shared_next = v.Vm_shared_next
	} else {
		im.First = v.Vm_shared_next
	}
	if v.Vm_shared_next != nil {
		v.Vm_shared_next.Vm_shared_prev = v.Vm_shared_prev
	}
	v.Vm_shared_next, v.Vm_shared_prev = nil, nil
	im.Nr--
	im.Lock.Spin_unlock()
}

// Nr_shared_faults counts the faults that mapped a page-cache page into a
// shared mapping (for the selftests and the figures).
var Nr_shared_faults uint64

// filemap_fault maps page-cache page of va into a MAP_SHARED VMA (Linux
// filemap_fault, shmem_fault, then finish_fault → set_pte_at): the page
// itself, writable if the VMA is. A page at or past the end of the file
// has nothing behind it: SIGBUS. Called with mm's lock held.
func filemap_fault(mm *MmStruct, v *Vm_area_struct, va uint64) int {
	index := v.Vm_pgoff + (va-v.Vm_start)>>asm.PAGE_SHIFT
	if index >= (v.Vm_mmap.Size()+asm.PAGE_SIZE-1)>>asm.PAGE_SHIFT {
		Pgfault_sigbus++
		return VM_FAULT_SIGBUS
	}
	p := v.Vm_mmap.Shared_page(index)
	if p == nil {
		return VM_FAULT_OOM
	}
	if r := finish_fault(mm, v, va, p); r != VM_FAULT_OK {
		return r
	}
	Nr_shared_faults++
	return VM_FAULT_OK
}

// Unmap_mapping_range takes every shared mapping's entries for the file's
// pages from first on out of the page tables (Linux unmap_mapping_range
// → unmap_mapping_range_tree → zap_page_range_single), as a truncate
// must before it frees those pages: an access there afterwards faults,
// and past the new end that is SIGBUS. The data of pages kept is not
// touched. Each mm's lock is only tried, under the list's lock, which
// mmap and munmap take inside the mm's: when it is held the walk lets
// go of both and starts again.
//
// A file no VMA maps shared is done at once (a VMA linked meanwhile has
// no entries yet, and its faults see the new size).
func Unmap_mapping_range(im *I_mmap, first uint64) {
	if im.First == nil {
		return
	}
again:
	im.Lock.Spin_lock(0)
	for v := im.First; v != nil; v = v.Vm_shared_next {
		end := v.Vm_pgoff + (v.Vm_end-v.Vm_start)>>asm.PAGE_SHIFT
		if end <= first {
			continue
		}
		m := v.Vm_mm
		if !m.Mmap_lock.Raw_lock.Arch_spin_trylock() {
			im.Lock.Spin_unlock()
			asm.Cpu_relax()
			goto again
		}
		m.Mmap_lock.Owner_cpu, m.Mmap_lock.Owner = int32(asm.Smp_processor_id()), 0
		start := v.Vm_start
		if first > v.Vm_pgoff {
			start += (first - v.Vm_pgoff) << asm.PAGE_SHIFT
		}
		zap_page_range(m, v, start, v.Vm_end)
		m.Mmap_lock.Do_raw_spin_unlock()
	}
	im.Lock.Spin_unlock()
}
