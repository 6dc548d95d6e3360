package mm

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/lib/rbtree"
	"gokern/paging"
	"gokern/printk"
)

// A process's address space: its own page tables, which share the
// kernel's half, and its virtual memory areas. Linux: kernel/fork.c
// (mm_alloc, mmput), arch/x86/mm/pgtable.c (pgd_alloc, pgd_ctor),
// mm/mmap.c (find_vma, get_unmapped_area, mmap_region, do_mmap,
// do_vmi_munmap, brk, exit_mmap), mm/mprotect.c (mprotect_fixup),
// include/linux/mm_types.h (struct vm_area_struct). Seeds/002 "Memory
// Organization" (the user half changes with the process, the kernel half
// never does), "Process Address Space".
//
// A VMA is a range with one set of permissions and one backing: anonymous
// memory, or a file's bytes read in privately. Nothing is mapped when a
// VMA is made: the first access faults and Handle_mm_fault (memory_user.go)
// brings the page in (demand paging). The VMAs of an mm are kept in a
// red-black tree ordered by address (Linux's mm_rb until 6.1, its maple
// tree since): find_vma is O(log n).

// vm_flags (include/linux/mm.h).
const (
	VM_NONE      = 0
	VM_READ      = 0x1
	VM_WRITE     = 0x2
	VM_EXEC      = 0x4
	VM_SHARED    = 0x8
	VM_MAYREAD   = 0x10
	VM_MAYWRITE  = 0x20
	VM_MAYEXEC   = 0x40
	VM_GROWSDOWN = 0x100
	VM_STACK     = VM_GROWSDOWN
	// VM_ACCESS_FLAGS: the permissions (Linux VM_ACCESS_FLAGS).
	VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC
)

// mmap's prot and flags (include/uapi/asm-generic/mman-common.h, mman.h).
const (
	PROT_NONE           = 0x0
	PROT_READ           = 0x1
	PROT_WRITE          = 0x2
	PROT_EXEC           = 0x4
	MAP_SHARED          = 0x01
	MAP_PRIVATE         = 0x02
	MAP_SHARED_VALIDATE = 0x03
	MAP_TYPE            = 0x0f
	MAP_FIXED           = 0x10
	MAP_ANONYMOUS       = 0x20
	MAP_GROWSDOWN       = 0x0100
	MAP_DENYWRITE       = 0x0800
	MAP_EXECUTABLE      = 0x1000
	MAP_NORESERVE       = 0x4000
	MAP_POPULATE        = 0x8000
	MAP_STACK           = 0x20000
	MAP_FIXED_NOREPLACE = 0x100000
)

const (
	// TASK_SIZE is the end of user space (Linux TASK_SIZE for a 64-bit
	// task: TASK_SIZE_MAX, 128 TiB less a page).
	TASK_SIZE = asm.TASK_SIZE_MAX
	// STACK_TOP: where the stack starts (Linux STACK_TOP, without
	// randomisation).
	STACK_TOP = TASK_SIZE
	// STACK_SIZE is the stack VMA's size, Linux's default RLIMIT_STACK
	// (8 MiB); gokern makes it whole at exec instead of growing it.
	STACK_SIZE = 8 << 20
	// STACK_GUARD_GAP: the gap Linux keeps between the stack and the
	// mmap area (stack_guard_gap, 256 pages) plus the 128 MiB of
	// mmap_base's gap: MMAP_BASE is where top-down mmap starts.
	MMAP_BASE = STACK_TOP - STACK_SIZE - (128 << 20)
	// Mmap_min_addr: nothing is mapped below (Linux mmap_min_addr,
	// 64 KiB on Debian; page 0 stays unmapped for NULL pointers).
	Mmap_min_addr = 0x10000
)

// Vm_file is what a file-backed VMA reads its pages from (Linux: vm_file
// and its address_space's readpage). The file layer implements it; mm
// only reads.
type Vm_file interface {
	// Read_at fills buf from offset off: bytes read, or a negative errno.
	Read_at(buf []byte, off uint64) int
	// Size is the file's size now (Linux i_size_read).
	Size() uint64
}

// FILE_END_EOF as a VMA's Vm_file_end: the mapping's file bytes end
// where the file ends at the time of each fault, and a page wholly past
// that end is SIGBUS (Linux filemap_fault: a mmap(2) of a file). The ELF
// loader's segments give their p_filesz end instead, past which their
// pages are zero (the bss).
const FILE_END_EOF = ^uint64(0)

// Vm_area_struct is one VMA (Linux struct vm_area_struct).
type Vm_area_struct struct {
	Vm_rb            rbtree.RbNode // in Vm_mm.Mm_rb, by address
	Vm_start, Vm_end uint64        // [Vm_start, Vm_end), page aligned
	Vm_mm            *MmStruct
	Vm_flags         uint64
	Vm_pgoff         uint64 // the file offset of Vm_start, in pages
	Vm_file          Vm_file
	// Vm_file_end: the file offset where the mapping's file bytes end;
	// the rest of the page and of the VMA reads as zeros. An ELF
	// segment's p_offset+p_filesz: Linux maps the file and clears the
	// tail of the last page (padzero); gokern never reads it in.
	Vm_file_end uint64
	// Vm_special: the VMA shows the kernel's own pages (the vDSO, its
	// vvar page), not anonymous memory or a file (Linux: vm_private_data
	// of a VMA made by _install_special_mapping).
	Vm_special *Vm_special_mapping
	// Vm_mmap: the open file mmap(2) mapped (the same as Vm_file),
	// of which the VMA holds a reference; a MAP_SHARED VMA's pages are
	// its page cache's (filemap.go). nil for anonymous memory and the
	// ELF loader's segments.
	Vm_mmap Vm_mmap_file
	// Vm_shared_next and _prev link a shared VMA into its file's I_mmap
	// (Linux vma->shared.rb).
	Vm_shared_next, Vm_shared_prev *Vm_area_struct
}

// Vm_special_mapping is a mapping of pages the kernel owns into a
// process (Linux struct vm_special_mapping, include/linux/mm_types.h):
// the vDSO's text and its vvar page. Its pages are the kernel's, which
// holds a reference to each for good; each mapping of a page takes one
// more, and unmapping gives it back.
type Vm_special_mapping struct {
	Name  string
	Pages []*Page
}

// MmStruct is an address space (Linux struct mm_struct): the kernel's
// (Init_mm, page tables only) or a process's.
type MmStruct struct {
	// Pgd is the top-level table's physical address (what CR3 holds;
	// Linux keeps its virtual address).
	Pgd paging.PhysAddr
	// Mm_rb holds the VMAs by address; Map_count counts them.
	Mm_rb     rbtree.RbRoot
	Map_count int
	// Total_vm is the pages of all VMAs, Rss the pages faulted in
	// (Linux total_vm and the MM_ANONPAGES + MM_FILEPAGES counters).
	Total_vm, Rss uint64
	// The layout exec sets up (Linux's same names).
	Start_code, End_code, Start_data, End_data uint64
	Start_brk, Brk, Start_stack                uint64
	Arg_start, Arg_end, Env_start, Env_end     uint64
	Mmap_base                                  uint64
	// Faults counts page faults that allocated a page in this mm.
	Faults uint64
	// Mm_users counts the tasks that use this mm (Linux mm_users):
	// Mmput frees it when the last goes.
	Mm_users int32
	// Mmap_lock orders the changes to the VMAs and page tables of an mm
	// whose threads run on several CPUs: page faults, mmap, munmap,
	// mprotect, brk, madvise, fork's copy (Linux mmap_lock, an rwsem;
	// gokern's is a spinlock held with preemption off, kernel/sched's
	// Mmap_write_lock: nothing under it sleeps).
	Mmap_lock asm.Spinlock_t
	// Cpu_bitmap: the CPUs whose CR3 holds this mm now (Linux
	// mm_cpumask), set and cleared by switch_mm; a change to a present
	// user entry is flushed from each of them (Flush_tlb_others).
	Cpu_bitmap uint64
	// Cpus_ran: every CPU that ever ran a task of this mm; Max_cpus: the
	// most CPUs seen running its tasks at the same time (gokern's proof
	// that a process's threads ran in parallel; switch_mm keeps both).
	Cpus_ran uint64
	Max_cpus int32
}

// Flush_tlb_others drops mm's translations of [start, end) from the TLBs
// of the CPUs of mask (the architecture sets it: an IPI to each, waited
// for; Linux flush_tlb_multi → native_flush_tlb_multi). nil with one CPU.
var Flush_tlb_others func(mask uint64, mm *MmStruct, start, end uint64)

// flush_tlb_mm_range drops mm's translations of [start, end) from this
// CPU's TLB if it runs mm, and from every other CPU that does (Linux
// flush_tlb_mm_range): before the caller frees a page that was mapped
// there, no CPU may still reach it.
func flush_tlb_mm_range(mm *MmStruct, start, end uint64) {
	if paging.PhysAddr(asm.Read_cr3()&paging.PTE_PFN_MASK) == mm.Pgd {
		if end-start > TLB_FLUSH_ALL_PAGES*asm.PAGE_SIZE {
			atomic.AddUint64(&Nr_tlb_local_flush_all, 1)
			asm.Write_cr3(asm.Read_cr3())
		} else {
			atomic.AddUint64(&Nr_tlb_local_flush_one, 1)
			for a := start; a < end; a += asm.PAGE_SIZE {
				asm.Invlpg(uintptr(a))
			}
		}
	}
	if f := Flush_tlb_others; f != nil && Smp {
		if others := atomic.LoadUint64(&mm.Cpu_bitmap) &^ (1 << uint(asm.Smp_processor_id())); others != 0 {
			f(others, mm, start, end)
		}
	}
}

// Nr_tlb_local_flush_all and Nr_tlb_local_flush_one count the user TLB
// flushes of this CPU's own address space, by CR3 reload and page by
// page (Linux's vm events NR_TLB_LOCAL_FLUSH_ALL, NR_TLB_LOCAL_FLUSH_ONE,
// /proc/vmstat's nr_tlb_local_flush_all and _one; gokern counts a
// range once).
var Nr_tlb_local_flush_all, Nr_tlb_local_flush_one uint64

// TLB_FLUSH_ALL_PAGES: above this many pages a flush reloads CR3 instead
// of one INVLPG a page (Linux tlb_single_page_flush_ceiling, 33).
const TLB_FLUSH_ALL_PAGES = 33

// vm_area_cachep and mm_cachep: the slab caches of VMAs and mm_structs
// (Linux: vm_area_cachep, mm_cachep, made by proc_caches_init).
var vm_area_cachep, mm_cachep *KmemCache

// Proc_caches_init makes the caches (Linux kernel/fork.c
// proc_caches_init). It runs once, from the first mm_alloc if nothing
// ran it before.
func Proc_caches_init() {
	if mm_cachep != nil {
		return
	}
	mm_cachep = Kmem_cache_create("mm_struct", uint32(unsafe.Sizeof(MmStruct{})), 8, SLAB_PANIC, nil)
	vm_area_cachep = Kmem_cache_create("vm_area_struct", uint32(unsafe.Sizeof(Vm_area_struct{})), 8, SLAB_PANIC, nil)
}

// Mm_alloc makes an empty address space: a new PGD whose kernel half
// (entries 256-511) is init_mm's, so the kernel stays mapped in every
// process (Linux mm_alloc → mm_init → pgd_alloc → pgd_ctor,
// clone_pgd_range from KERNEL_PGD_BOUNDARY). nil when memory runs out.
func Mm_alloc() *MmStruct {
	Proc_caches_init()
	mm := (*MmStruct)(Kmem_cache_alloc(mm_cachep, GFP_KERNEL))
	if mm == nil {
		return nil
	}
	*mm = MmStruct{}
	mm.Mmap_lock.Owner_cpu, mm.Mmap_lock.Name = -1, "mm->mmap_lock"
	pgd, ok := paging.Pgd_alloc()
	if !ok {
		Kmem_cache_free(mm_cachep, unsafe.Pointer(mm))
		return nil
	}
	user := (*[512]uint64)(unsafe.Pointer(unsafe.SliceData(phys.Bytes(uint64(pgd), asm.PAGE_SIZE))))
	kernel := (*[512]uint64)(unsafe.Pointer(unsafe.SliceData(phys.Bytes(uint64(Init_mm.Pgd), asm.PAGE_SIZE))))
	copy(user[KERNEL_PGD_BOUNDARY:], kernel[KERNEL_PGD_BOUNDARY:])
	mm.Pgd = pgd
	mm.Mmap_base = MMAP_BASE
	mm.Mm_users = 1
	return mm
}

// Dup_mm makes a copy of oldmm for fork (Linux kernel/fork.c dup_mm →
// dup_mmap): a new PGD sharing the kernel half, a copy of every VMA, the
// layout fields, and every present page shared copy-on-write
// (copy_page_range), then a TLB flush of oldmm, whose writable entries
// just became read-only. nil and -ENOMEM when memory runs out; nothing
// of the copy is left then.
func Dup_mm(oldmm *MmStruct) (*MmStruct, int) {
	m := Mm_alloc()
	if m == nil {
		return nil, -asm.ENOMEM
	}
	// The layout, field by field: the new mm keeps its own PGD, VMA
	// tree, counters, lock (oldmm's is held) and CPU mask.
	m.Start_code, m.End_code, m.Start_data, m.End_data = oldmm.Start_code, oldmm.End_code, oldmm.Start_data, oldmm.End_data
	m.Start_brk, m.Brk, m.Start_stack = oldmm.Start_brk, oldmm.Brk, oldmm.Start_stack
	m.Arg_start, m.Arg_end, m.Env_start, m.Env_end = oldmm.Arg_start, oldmm.Arg_end, oldmm.Env_start, oldmm.Env_end
	m.Mmap_base = oldmm.Mmap_base
	m.Mm_users = 1
	r := 0
	// The child's lock too: a truncate of a file both map shared may
	// reach the child's VMAs (Unmap_mapping_range) while they are copied.
	m.Mmap_lock.Spin_lock(0)
	for v := First_vma(oldmm); v != nil; v = Next_vma(v) {
		n := vm_area_alloc()
		if n == nil {
			r = -asm.ENOMEM
			break
		}
		*n = *v
		n.Vm_rb = rbtree.RbNode{}
		n.Vm_shared_next, n.Vm_shared_prev = nil, nil
		vma_link(m, n)
		if r = copy_page_range(m, oldmm, v); r != 0 {
			break
		}
	}
	m.Mmap_lock.Spin_unlock()
	Flush_tlb_mm(oldmm)
	if r != 0 {
		Exit_mmap(m)
		return nil, r
	}
	return m, 0
}

// Mmget and Mmput take and drop a user of mm (Linux mmget, mmput): tasks
// that share it (CLONE_VM) each hold one; the last mmput frees it with
// exit_mmap. The caller of the last mmput must not be running on mm's
// page tables.
func Mmget(mm *MmStruct) { atomic.AddInt32(&mm.Mm_users, 1) }

func Mmput(mm *MmStruct) {
	if atomic.AddInt32(&mm.Mm_users, -1) == 0 {
		Exit_mmap(mm)
	}
}

// KERNEL_PGD_BOUNDARY is the first PGD entry of the kernel half (Linux
// KERNEL_PGD_BOUNDARY = pgd_index(PAGE_OFFSET), but the whole upper
// canonical half is the kernel's: from entry 256).
const KERNEL_PGD_BOUNDARY = 256

// vmaOf is container_of(node, struct vm_area_struct, vm_rb).
func vmaOf(n *rbtree.RbNode) *Vm_area_struct {
	if n == nil {
		return nil
	}
	return (*Vm_area_struct)(unsafe.Add(unsafe.Pointer(n), -int(unsafe.Offsetof(Vm_area_struct{}.Vm_rb))))
}

// Find_vma returns the first VMA that ends above addr (it may start above
// it too), or nil (Linux find_vma).
func Find_vma(mm *MmStruct, addr uint64) *Vm_area_struct {
	var found *Vm_area_struct
	for n := mm.Mm_rb.Rb_node; n != nil; {
		v := vmaOf(n)
		if v.Vm_end > addr {
			found = v
			if v.Vm_start <= addr {
				break
			}
			n = n.Rb_left
		} else {
			n = n.Rb_right
		}
	}
	return found
}

// First_vma and Next_vma walk the VMAs in address order.
func First_vma(mm *MmStruct) *Vm_area_struct     { return vmaOf(rbtree.Rb_first(&mm.Mm_rb)) }
func Next_vma(v *Vm_area_struct) *Vm_area_struct { return vmaOf(rbtree.Rb_next(&v.Vm_rb)) }

// vma_link puts a VMA, which overlaps none, into the tree.
func vma_link(mm *MmStruct, v *Vm_area_struct) {
	link, parent := &mm.Mm_rb.Rb_node, (*rbtree.RbNode)(nil)
	for *link != nil {
		parent = *link
		if v.Vm_start < vmaOf(parent).Vm_start {
			link = &parent.Rb_left
		} else {
			link = &parent.Rb_right
		}
	}
	rbtree.Rb_link_node(&v.Vm_rb, parent, link)
	rbtree.Rb_insert_color(&v.Vm_rb, &mm.Mm_rb)
	v.Vm_mm = mm
	mm.Map_count++
	mm.Total_vm += (v.Vm_end - v.Vm_start) >> asm.PAGE_SHIFT
	if v.Vm_mmap != nil {
		v.Vm_mmap.Get_vm_file()
		vma_link_file(v)
	}
}

// vma_unlink takes a VMA out of the tree and frees it, dropping its
// reference to its file (Linux remove_vma's fput).
func vma_unlink(mm *MmStruct, v *Vm_area_struct) {
	rbtree.Rb_erase(&v.Vm_rb, &mm.Mm_rb)
	mm.Map_count--
	mm.Total_vm -= (v.Vm_end - v.Vm_start) >> asm.PAGE_SHIFT
	if f := v.Vm_mmap; f != nil {
		vma_unlink_file(v)
		v.Vm_mmap = nil
		f.Put_vm_file()
	}
	v.Vm_file = nil
	v.Vm_special = nil
	Kmem_cache_free(vm_area_cachep, unsafe.Pointer(v))
}

// vm_area_alloc gives a zeroed VMA (Linux vm_area_alloc).
func vm_area_alloc() *Vm_area_struct {
	v := (*Vm_area_struct)(Kmem_cache_alloc(vm_area_cachep, GFP_KERNEL))
	if v != nil {
		*v = Vm_area_struct{}
	}
	return v
}

// Vm_get_page_prot turns VMA permissions into page-table bits (Linux
// vm_get_page_prot over protection_map, x86's __P000..__S111): always
// USER; RW only for a writable mapping, NX unless executable. W^X is the
// program's choice: a segment that asks for both gets both, as on Linux.
func Vm_get_page_prot(flags uint64) paging.PgProt {
	p := paging.PAGE_PRESENT | paging.PAGE_USER | paging.PAGE_ACCESSED
	if flags&VM_WRITE != 0 {
		p |= paging.PAGE_RW
	}
	if flags&VM_EXEC == 0 {
		p |= paging.PAGE_NX
	}
	return p
}

// Calc_vm_prot_bits turns mmap's PROT_* into VM_* (Linux
// calc_vm_prot_bits).
func Calc_vm_prot_bits(prot uint64) uint64 {
	return prot & (PROT_READ | PROT_WRITE | PROT_EXEC) // the same bits
}

// Get_unmapped_area finds len bytes of free address space, top-down from
// mm.Mmap_base (Linux arch_get_unmapped_area_topdown, without
// randomisation): the highest gap below the base that fits, above
// Mmap_min_addr. 0 if none.
func Get_unmapped_area(mm *MmStruct, length uint64) uint64 {
	high := mm.Mmap_base
	for n := rbtree.Rb_last(&mm.Mm_rb); n != nil; n = rbtree.Rb_prev(n) {
		v := vmaOf(n)
		if v.Vm_start >= high {
			continue
		}
		if v.Vm_end < high && high-v.Vm_end >= length {
			return high - length
		}
		high = v.Vm_start
	}
	if high > Mmap_min_addr && high-Mmap_min_addr >= length {
		return high - length
	}
	return 0
}

// Mmap_region makes [addr, addr+length) one VMA with flags and the given
// backing, replacing whatever was mapped there (Linux mmap_region with
// MAP_FIXED's munmap first). addr and length are page aligned. 0 or
// -ENOMEM.
func Mmap_region(mm *MmStruct, addr, length, flags uint64, file Vm_file, pgoff, file_end uint64) int {
	return mmapRegion(mm, addr, length, flags|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC, file, nil, pgoff, file_end)
}

// mmapRegion is Mmap_region with the VM_MAY* bits given in flags, and
// the file mmap(2) maps, of which the VMA takes a reference.
func mmapRegion(mm *MmStruct, addr, length, flags uint64, file Vm_file, mf Vm_mmap_file, pgoff, file_end uint64) int {
	// RLIMIT_AS, counting what a MAP_FIXED mapping replaces as freed
	// (Linux mmap_region's may_expand_vm with count_vma_pages_range).
	if !may_expand_vm(mm, length>>asm.PAGE_SHIFT-count_vma_pages_range(mm, addr, addr+length)) {
		return -asm.ENOMEM
	}
	if r := Do_munmap(mm, addr, length); r != 0 {
		return r
	}
	v := vm_area_alloc()
	if v == nil {
		return -asm.ENOMEM
	}
	v.Vm_start, v.Vm_end, v.Vm_flags = addr, addr+length, flags
	v.Vm_file, v.Vm_pgoff, v.Vm_file_end = file, pgoff, file_end
	v.Vm_mmap = mf
	vma_link(mm, v)
	return 0
}

// Rlimit_as is the current process's RLIMIT_AS in bytes (the process
// layer above sets it: the limits live in the task, Linux
// rlimit(RLIMIT_AS)); nil means no limit.
var Rlimit_as func() uint64

// may_expand_vm: the address space may grow by npages (Linux
// may_expand_vm, for RLIMIT_AS).
func may_expand_vm(mm *MmStruct, npages uint64) bool {
	if Rlimit_as == nil {
		return true
	}
	return (mm.Total_vm+npages)<<asm.PAGE_SHIFT <= Rlimit_as()
}

// count_vma_pages_range counts the mapped pages of [start, end) (Linux
// count_vma_pages_range).
func count_vma_pages_range(mm *MmStruct, start, end uint64) uint64 {
	n := uint64(0)
	for v := Find_vma(mm, start); v != nil && v.Vm_start < end; v = Next_vma(v) {
		n += (min(v.Vm_end, end) - max(v.Vm_start, start)) >> asm.PAGE_SHIFT
	}
	return n
}

// X_install_special_mapping maps sm's pages at [addr, addr+length) with
// vm_flags (Linux mm/mmap.c _install_special_mapping): one VMA, its
// pages faulted in from sm.Pages (special_mapping_fault), Vm_pgoff the
// index of its first page there. Without
// VM_MAYWRITE, mprotect cannot make the kernel's pages writable.
// 0 or -ENOMEM.
func X_install_special_mapping(mm *MmStruct, addr, length, vm_flags uint64, sm *Vm_special_mapping) int {
	if r := Do_munmap(mm, addr, length); r != 0 {
		return r
	}
	v := vm_area_alloc()
	if v == nil {
		return -asm.ENOMEM
	}
	v.Vm_start, v.Vm_end, v.Vm_flags = addr, addr+length, vm_flags&^VM_MAYWRITE
	v.Vm_special = sm
	vma_link(mm, v)
	return 0
}

// Do_mmap is mmap's work for anonymous memory and for a file the caller
// reads pages from privately (the kernel's own callers; mmap(2) of an
// open file is Do_mmap_file). It returns the address, or a negative errno
// as Linux's mmap does.
func Do_mmap(mm *MmStruct, addr, length, prot, flags uint64, file Vm_file, off, file_size uint64) int64 {
	if flags&MAP_ANONYMOUS == 0 && file == nil {
		return -asm.EBADF
	}
	if flags&MAP_TYPE != MAP_PRIVATE {
		// Shared memory needs a page cache: Do_mmap_file's.
		return -asm.EINVAL
	}
	if flags&MAP_ANONYMOUS != 0 {
		file = nil
	}
	return mmapChecked(mm, addr, length, prot, flags, VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC, file, nil, off)
}

// Do_mmap_file is mmap(2) of an open file (Linux do_mmap's file case):
// MAP_SHARED maps the file's page cache (a read-only file's only with
// VM_MAYSHARE: it can never be written through), MAP_PRIVATE reads the
// file's bytes into pages of the process's own. -EACCES for a file not
// open for reading, or MAP_SHARED with PROT_WRITE of one not open for
// writing; -EPERM for PROT_EXEC on a noexec mount (path_noexec), whose
// mappings also lose VM_MAYEXEC, so that mprotect cannot add it;
// -ENODEV for a file that cannot be mapped. MAP_SHARED|MAP_ANONYMOUS
// comes here too, with the file shmem_zero_setup made for it.
//
// file and mf are the same file, given twice so that neither needs a
// conversion between interfaces (runtime.getitab) in the kernel.
func Do_mmap_file(mm *MmStruct, addr, length, prot, flags uint64, file Vm_file, mf Vm_mmap_file, off uint64) int64 {
	readable, writable, noexec, ok := mf.Vm_may()
	vm_flags := uint64(VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
	switch flags & MAP_TYPE {
	case MAP_SHARED, MAP_SHARED_VALIDATE:
		if prot&PROT_WRITE != 0 && !writable {
			return -asm.EACCES
		}
		vm_flags |= VM_SHARED | VM_MAYSHARE
		if !writable {
			vm_flags &^= VM_MAYWRITE | VM_SHARED
		}
		fallthrough
	case MAP_PRIVATE:
		if !readable {
			return -asm.EACCES
		}
		if noexec {
			if prot&PROT_EXEC != 0 {
				return -asm.EPERM
			}
			vm_flags &^= VM_MAYEXEC
		}
		if !ok {
			return -asm.ENODEV
		}
	default:
		return -asm.EINVAL
	}
	return mmapChecked(mm, addr, length, prot, flags, vm_flags, file, mf, off)
}

// mmapChecked checks the arguments, finds the address and makes the VMA
// (the rest of Linux do_mmap, and mmap_region). vm_flags: the VM_MAY*
// and sharing bits.
func mmapChecked(mm *MmStruct, addr, length, prot, flags, vm_flags uint64, file Vm_file, mf Vm_mmap_file, off uint64) int64 {
	if length == 0 {
		return -asm.EINVAL
	}
	length = paging.PAGE_ALIGN(length)
	if length == 0 || length > TASK_SIZE {
		return -asm.ENOMEM
	}
	if off&(asm.PAGE_SIZE-1) != 0 || off+length < off {
		return -asm.EINVAL
	}
	if flags&(MAP_FIXED|MAP_FIXED_NOREPLACE) != 0 {
		if addr&(asm.PAGE_SIZE-1) != 0 || addr < Mmap_min_addr || addr > TASK_SIZE-length {
			return -asm.EINVAL
		}
		if flags&MAP_FIXED_NOREPLACE != 0 {
			if v := Find_vma(mm, addr); v != nil && v.Vm_start < addr+length {
				return -asm.EEXIST
			}
		}
	} else {
		// A hint is taken when the range is free (Linux
		// get_unmapped_area's first check; the Go runtime relies on it).
		addr = addr &^ (asm.PAGE_SIZE - 1)
		if addr < Mmap_min_addr || addr > TASK_SIZE-length {
			addr = 0
		} else if v := Find_vma(mm, addr); v != nil && v.Vm_start < addr+length {
			addr = 0
		}
		if addr == 0 {
			if addr = Get_unmapped_area(mm, length); addr == 0 {
				return -asm.ENOMEM
			}
		}
	}
	vm_flags |= Calc_vm_prot_bits(prot)
	var file_end uint64
	if file == nil {
		off = 0
	} else {
		file_end = FILE_END_EOF
	}
	if r := mmapRegion(mm, addr, length, vm_flags, file, mf, off>>asm.PAGE_SHIFT, file_end); r != 0 {
		return int64(r)
	}
	return int64(addr)
}

// split_vma cuts v in two at addr, which lies strictly inside it (Linux
// __split_vma): v keeps the low part, the new VMA takes the high part
// with the file offset moved along.
func split_vma(mm *MmStruct, v *Vm_area_struct, addr uint64) int {
	n := vm_area_alloc()
	if n == nil {
		return -asm.ENOMEM
	}
	*n = Vm_area_struct{Vm_start: addr, Vm_end: v.Vm_end, Vm_flags: v.Vm_flags, Vm_file: v.Vm_file,
		Vm_pgoff: v.Vm_pgoff + (addr-v.Vm_start)>>asm.PAGE_SHIFT, Vm_file_end: v.Vm_file_end,
		Vm_special: v.Vm_special, Vm_mmap: v.Vm_mmap}
	mm.Total_vm -= (v.Vm_end - addr) >> asm.PAGE_SHIFT
	v.Vm_end = addr
	vma_link(mm, n)
	return 0
}

// Do_munmap removes [start, start+length) from the address space: VMAs
// are cut at the edges, the pages inside freed, their entries cleared
// and the TLB flushed (Linux do_vmi_munmap → unmap_region: zap the pages,
// free the page tables, tlb_finish_mmu). 0, or -EINVAL for a bad range.
func Do_munmap(mm *MmStruct, start, length uint64) int {
	if start&(asm.PAGE_SIZE-1) != 0 || start > TASK_SIZE || length > TASK_SIZE-start {
		return -asm.EINVAL
	}
	length = paging.PAGE_ALIGN(length)
	if length == 0 {
		return -asm.EINVAL
	}
	end := start + length
	for {
		v := Find_vma(mm, start)
		if v == nil || v.Vm_start >= end {
			return 0
		}
		if v.Vm_start < start {
			if r := split_vma(mm, v, start); r != 0 {
				return r
			}
			continue
		}
		if v.Vm_end > end {
			if r := split_vma(mm, v, end); r != 0 {
				return r
			}
		}
		zap_page_range(mm, v, v.Vm_start, v.Vm_end)
		vma_unlink(mm, v)
	}
}

// Do_mprotect sets the permissions of [start, start+length) (Linux
// do_mprotect_pkey → mprotect_fixup → change_protection): VMAs are cut
// at the edges and present pages get the new bits at once. The range
// must be mapped throughout (-ENOMEM otherwise, as Linux), and no VMA
// may gain a permission its VM_MAY* bits refuse (-EACCES: a read-only
// file's shared mapping made writable, PROT_EXEC on a noexec mount's
// file, the vDSO made writable). Linux changes the VMAs before the one
// that refuses; gokern checks them all first and changes none.
func Do_mprotect(mm *MmStruct, start, length, prot uint64) int {
	if start&(asm.PAGE_SIZE-1) != 0 || prot&^(PROT_READ|PROT_WRITE|PROT_EXEC) != 0 {
		return -asm.EINVAL
	}
	length = paging.PAGE_ALIGN(length)
	end := start + length
	if end < start || end > TASK_SIZE {
		return -asm.ENOMEM
	}
	// Check first: no hole in the range.
	for a := start; a < end; {
		v := Find_vma(mm, a)
		if v == nil || v.Vm_start > a {
			return -asm.ENOMEM
		}
		// Linux mprotect_fixup's caller: (newflags & ~(newflags >> 4))
		// & VM_ACCESS_FLAGS, with the VMA's VM_MAY* bits.
		if Calc_vm_prot_bits(prot)&^(v.Vm_flags>>4)&VM_ACCESS_FLAGS != 0 {
			return -asm.EACCES
		}
		a = v.Vm_end
	}
	newflags := Calc_vm_prot_bits(prot)
	for a := start; a < end; {
		v := Find_vma(mm, a)
		if v.Vm_start < a {
			if r := split_vma(mm, v, a); r != 0 {
				return r
			}
			continue
		}
		if v.Vm_end > end {
			if r := split_vma(mm, v, end); r != 0 {
				return r
			}
		}
		v.Vm_flags = v.Vm_flags&^VM_ACCESS_FLAGS | newflags
		change_protection(mm, v)
		a = v.Vm_end
	}
	return 0
}

// change_protection rewrites the entries of v's present pages with its
// flags, then flushes the range they span once, from every CPU that runs
// mm (Linux change_protection → change_protection_range, which ends with
// one flush_tlb_range for the pages it changed): a flush per page sent
// each other CPU one IPI per page. Until the flush another CPU may still
// use an old translation; the caller (mprotect) returns only after it, as
// Linux's does.
func change_protection(mm *MmStruct, v *Vm_area_struct) {
	if v.Vm_flags&VM_ACCESS_FLAGS == 0 {
		// PROT_NONE: Linux keeps the pages with _PAGE_PROTNONE; gokern
		// has no such bit yet and lets them go (one flush per 2 MiB).
		zap_page_range(mm, v, v.Vm_start, v.Vm_end)
		return
	}
	prot := Vm_get_page_prot(v.Vm_flags)
	first, last := uint64(0), uint64(0)
	for a := v.Vm_start; a < v.Vm_end; a += asm.PAGE_SIZE {
		pte := user_pte(mm, a)
		if pte == nil || !pte.Present() {
			continue
		}
		p := prot
		if is_cow_mapping(v.Vm_flags) && Page_count(Pfn_to_page(uint64(pte.PFN()))) > 1 {
			// A frame fork shares stays read-only: the first write must
			// still copy it (Linux can_change_pte_writable). A shared
			// mapping's pages are never copied: the page cache holds
			// one reference of its own, the other mappings theirs.
			p &^= paging.PAGE_RW
		}
		paging.Set_pte(pte, paging.Pfn_pte(pte.PFN(), p&paging.Supported_pte_mask))
		if last == 0 {
			first = a
		}
		last = a + asm.PAGE_SIZE
	}
	if last != 0 {
		flush_tlb_mm_range(mm, first, last)
	}
}

// Brk moves the program break (Linux's brk system call, mm/mmap.c): the
// heap is the anonymous VMA [Start_brk, PAGE_ALIGN(Brk)). It returns the
// new break, or the old one when the request cannot be met, as Linux
// does.
func Brk(mm *MmStruct, brk uint64) uint64 {
	if brk < mm.Start_brk || brk > TASK_SIZE {
		return mm.Brk
	}
	newbrk, oldbrk := paging.PAGE_ALIGN(brk), paging.PAGE_ALIGN(mm.Brk)
	switch {
	case newbrk == oldbrk:
	case newbrk < oldbrk:
		if Do_munmap(mm, newbrk, oldbrk-newbrk) != 0 {
			return mm.Brk
		}
	default:
		// Never into another mapping (Linux: "Check against existing
		// mmap mappings").
		if v := Find_vma(mm, oldbrk); v != nil && v.Vm_start < newbrk {
			return mm.Brk
		}
		if r := do_brk_flags(mm, oldbrk, newbrk-oldbrk); r != 0 {
			return mm.Brk
		}
	}
	mm.Brk = brk
	return brk
}

// do_brk_flags extends the heap's VMA, or makes it (Linux do_brk_flags).
func do_brk_flags(mm *MmStruct, addr, length uint64) int {
	if addr > mm.Start_brk {
		if v := Find_vma(mm, addr-1); v != nil && v.Vm_end == addr && v.Vm_file == nil && v.Vm_flags&VM_ACCESS_FLAGS == VM_READ|VM_WRITE {
			if !may_expand_vm(mm, length>>asm.PAGE_SHIFT) {
				return -asm.ENOMEM
			}
			v.Vm_end += length
			mm.Total_vm += length >> asm.PAGE_SHIFT
			return 0
		}
	}
	return Mmap_region(mm, addr, length, VM_READ|VM_WRITE, nil, 0, 0)
}

// Exit_mmap frees everything an address space holds: its pages, its
// VMAs, its page tables and the mm itself (Linux mmput → exit_mmap,
// free_pgtables, pgd_free, free_mm). The caller must not be running on
// its page tables (switch to init_mm first).
func Exit_mmap(mm *MmStruct) {
	// Under mm's lock: a truncate of a file mm maps shared may zap the
	// same page tables meanwhile (Unmap_mapping_range), until the VMA
	// leaves the file's list.
	mm.Mmap_lock.Spin_lock(0)
	for v := First_vma(mm); v != nil; v = First_vma(mm) {
		zap_page_range(mm, v, v.Vm_start, v.Vm_end)
		vma_unlink(mm, v)
	}
	mm.Mmap_lock.Spin_unlock()
	// zap_page_range's Unmap freed the lower tables as they emptied, so
	// the PGD's user half is empty now; a table left is a leak, said.
	pgd := (*[512]uint64)(unsafe.Pointer(unsafe.SliceData(phys.Bytes(uint64(mm.Pgd), asm.PAGE_SIZE))))
	for i := 0; i < KERNEL_PGD_BOUNDARY; i++ {
		if pgd[i] != 0 {
			printk.Pr_err("exit_mmap: PGD entry %d still %#x after every VMA went: page tables leaked\n", printk.Int(i), printk.Int(pgd[i]))
			pgd[i] = 0
		}
	}
	clear(pgd[KERNEL_PGD_BOUNDARY:])
	paging.Pgd_free(mm.Pgd)
	Kmem_cache_free(mm_cachep, unsafe.Pointer(mm))
}
