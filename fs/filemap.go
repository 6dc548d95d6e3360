package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/mm"
)

// The page cache of a file: its pages, by index, in a radix tree of
// page-sized nodes of 512 entries, as 2.6's radix_tree (lib/radix-tree.c)
// held them before the xarray. Linux: mm/filemap.c (find_get_page,
// find_or_create_page), mm/truncate.c (truncate_inode_pages). For ramfs
// and tmpfs the page cache is the file: there is no disk behind it.

const (
	RADIX_TREE_MAP_SHIFT = 9
	RADIX_TREE_MAP_SIZE  = 1 << RADIX_TREE_MAP_SHIFT
	RADIX_TREE_MAP_MASK  = RADIX_TREE_MAP_SIZE - 1
	// radixMaxHeight: three levels index 2^27 pages, 512 GiB.
	radixMaxHeight = 3
)

// AddressSpace is struct address_space: one file's pages.
type AddressSpace struct {
	// root is a node of the tree (virtual address), 0 when empty;
	// height levels of nodes lead to the data pages.
	root    uintptr
	height  int
	Nrpages uint64
	// seq is odd while root and height change (Linux's readers walk
	// the xarray under RCU): a reader that saw it change walks again.
	// The changes themselves are the writers', under the inode's lock.
	seq uint32
	// tree_lock orders the tree's changes among those who may not sleep
	// for the inode's lock: a page fault of a shared mapping adds a page
	// under its mm's lock (Linux 2.6's mapping->tree_lock, the xarray's
	// xa_lock since). Writers take it inside the inode's lock.
	tree_lock asm.Spinlock_t
	// I_mmap: the VMAs that map this file shared (Linux i_mmap and its
	// i_mmap_rwsem), whose entries a truncate takes away.
	I_mmap mm.I_mmap
}

// Nr_file_pages counts the pages of every page cache (Linux
// NR_FILE_PAGES, "Cached:" in /proc/meminfo).
var Nr_file_pages uint64

// radixNode is a node: 512 entries, each a node or a data page's
// virtual address, or 0.
type radixNode [RADIX_TREE_MAP_SIZE]uintptr

func nodeAt(addr uintptr) *radixNode { return (*radixNode)(unsafe.Add(nil, addr)) }

// vfsZeroedPage is the VFS's page allocation (mm.Get_zeroed_page), with
// fault injection.
func vfsZeroedPage() uintptr {
	if should_failslab() {
		return 0
	}
	return mm.Get_zeroed_page(mm.GFP_KERNEL | mm.X__GFP_NOWARN)
}

// maxIndex is the largest index a tree of height h holds.
func maxIndex(h int) uint64 { return 1<<(uint(h)*RADIX_TREE_MAP_SHIFT) - 1 }

// Find_get_page returns the address of page index of mapping with a
// reference, which the caller drops with mm.Put_page, or 0 (a hole:
// reads as zeros). The lookup and the reference are one step under
// tree_lock, so a truncate cannot free the page in between: read(2)
// does not hold the inode's lock (Linux filemap_read neither), and
// before, a reader could copy from a page the truncate had freed (the
// fs_read_truncate_smp selftest read page_poison's 0xaa). Linux
// find_get_page → filemap_get_entry takes the reference under RCU
// (folio_try_get, then the slot checked again); 2.6 took
// mapping->tree_lock, as here.
func Find_get_page(mapping *AddressSpace, index uint64) uintptr {
	lock_tree(mapping)
	p := radixLookup(mapping.root, mapping.height, index)
	if p != 0 {
		mm.Get_page(mm.Virt_to_page(p))
	}
	unlock_tree(mapping)
	return p
}

// find_get_page_size is Find_get_page with the file's size read in the
// same hold of tree_lock, for Generic_file_read: read after the lookup
// but unlocked, the size could already cover a page a write added and
// filled just after the lookup missed it (the fs_read_truncate_smp
// selftest read zeros once in about 3000 reads at -smp 4).
func find_get_page_size(inode *Inode, index uint64) (uintptr, int64) {
	mapping := &inode.I_data
	lock_tree(mapping)
	p := radixLookup(mapping.root, mapping.height, index)
	if p != 0 {
		mm.Get_page(mm.Virt_to_page(p))
	}
	size := I_size_read(inode)
	unlock_tree(mapping)
	return p, size
}

// put_cache_page drops the reference Find_get_page took, if it found a
// page (Linux put_page: mm.Free_page is free_pages, which in Linux too
// only drops a reference and frees the page when it was the last, as
// when a truncate has taken the page out of the cache meanwhile).
func put_cache_page(p uintptr) {
	if p != 0 {
		mm.Free_page(p)
	}
}

// find_page returns the address of page index of mapping, or 0, without
// a reference: for callers that hold the inode's lock, which keeps
// truncate out. A page fault of a shared mapping may still grow the
// tree meanwhile (under tree_lock only): a walk that saw root and height
// change walks again.
func find_page(mapping *AddressSpace, index uint64) uintptr {
	for {
		s := atomic.LoadUint32(&mapping.seq)
		if s&1 != 0 {
			continue
		}
		p := radixLookup(mapping.root, mapping.height, index)
		if atomic.LoadUint32(&mapping.seq) == s {
			return p
		}
	}
}

// radixLookup walks the tree of the given root and height.
func radixLookup(root uintptr, height int, index uint64) uintptr {
	if height == 0 || index > maxIndex(height) {
		return 0
	}
	n := root
	for h := height; h > 0 && n != 0; h-- {
		n = nodeAt(n)[index>>(uint(h-1)*RADIX_TREE_MAP_SHIFT)&RADIX_TREE_MAP_MASK]
	}
	return n
}

// Find_or_create_page returns page index of mapping, adding a zeroed page
// if there is none; 0 when memory is short (Linux find_or_create_page).
// The tree changes under tree_lock: two writers, or a writer and a page
// fault of a shared mapping, adding the same page would each put their
// own in the slot, and the first one's bytes would be lost.
func Find_or_create_page(mapping *AddressSpace, index uint64) uintptr {
	if p := find_page(mapping, index); p != 0 {
		return p
	}
	lock_tree(mapping)
	p := add_to_page_cache(mapping, index)
	unlock_tree(mapping)
	return p
}

// lock_tree and unlock_tree take and release mapping's tree_lock; not in
// the host tests (mm.Smp false), which have no per-CPU data for the
// preemption count and drive the page cache from one goroutine.
func lock_tree(mapping *AddressSpace) {
	if mm.Smp {
		mapping.tree_lock.Spin_lock(0)
	}
}

func unlock_tree(mapping *AddressSpace) {
	if mm.Smp {
		mapping.tree_lock.Spin_unlock()
	}
}

// add_to_page_cache is Find_or_create_page's slow path, under tree_lock:
// the page again (another may have added it meanwhile), or a new one
// (Linux add_to_page_cache_lru).
func add_to_page_cache(mapping *AddressSpace, index uint64) uintptr {
	if p := radixLookup(mapping.root, mapping.height, index); p != 0 {
		return p
	}
	// Grow the tree until it reaches index.
	for mapping.height == 0 || index > maxIndex(mapping.height) {
		if mapping.height == radixMaxHeight {
			return 0
		}
		n := vfsZeroedPage()
		if n == 0 {
			return 0
		}
		nodeAt(n)[0] = mapping.root
		atomic.AddUint32(&mapping.seq, 1)
		mapping.root = n
		mapping.height++
		atomic.AddUint32(&mapping.seq, 1)
	}
	slot := &mapping.root
	for h := mapping.height; h > 0; h-- {
		if *slot == 0 {
			// An interior node (the data page is allocated below).
			n := vfsZeroedPage()
			if n == 0 {
				return 0
			}
			*slot = n
		}
		slot = &nodeAt(*slot)[index>>(uint(h-1)*RADIX_TREE_MAP_SHIFT)&RADIX_TREE_MAP_MASK]
	}
	p := vfsZeroedPage()
	if p == 0 {
		return 0
	}
	*slot = p
	mapping.Nrpages++
	atomic.AddUint64(&Nr_file_pages, 1)
	return p
}

// Truncate_inode_pages drops the pages wholly beyond byte lstart and
// zeroes the rest of the page lstart falls in (Linux
// truncate_inode_pages), freeing nodes that become empty.
func Truncate_inode_pages(mapping *AddressSpace, lstart int64) {
	lock_tree(mapping)
	truncate_inode_pages_locked(mapping, lstart)
	unlock_tree(mapping)
}

func truncate_inode_pages_locked(mapping *AddressSpace, lstart int64) {
	if mapping.height == 0 {
		return
	}
	first := uint64(lstart+asm.PAGE_SIZE-1) >> asm.PAGE_SHIFT
	if off := lstart & (asm.PAGE_SIZE - 1); off != 0 {
		if p := radixLookup(mapping.root, mapping.height, uint64(lstart)>>asm.PAGE_SHIFT); p != 0 {
			clear(unsafe.Slice((*byte)(unsafe.Add(nil, p+uintptr(off))), asm.PAGE_SIZE-off))
		}
	}
	if truncateNode(mapping, mapping.root, mapping.height, 0, first) {
		mm.Free_page(mapping.root)
		atomic.AddUint32(&mapping.seq, 1)
		mapping.root, mapping.height = 0, 0
		atomic.AddUint32(&mapping.seq, 1)
	}
}

// truncateNode frees the pages of node n (height h, first index base) at
// index first and beyond; it reports whether n is now empty.
func truncateNode(mapping *AddressSpace, n uintptr, h int, base, first uint64) bool {
	node := nodeAt(n)
	span := uint64(1) << (uint(h-1) * RADIX_TREE_MAP_SHIFT)
	empty := true
	for i := range node {
		e := node[i]
		if e == 0 {
			continue
		}
		lo := base + uint64(i)*span
		if lo+span <= first {
			empty = false
			continue
		}
		if h == 1 {
			mm.Free_page(e)
			mapping.Nrpages--
			atomic.AddUint64(&Nr_file_pages, ^uint64(0))
			node[i] = 0
			continue
		}
		if truncateNode(mapping, e, h-1, lo, first) {
			mm.Free_page(e)
			node[i] = 0
		} else {
			empty = false
		}
	}
	return empty
}

// The open file as mmap(2) maps it (mm.Vm_mmap_file). Linux: mm/mmap.c
// do_mmap's questions to the file, mm/filemap.c generic_file_mmap and
// filemap_fault.

// Vm_may: is f open for reading, for writing, on a noexec mount, and can
// it be mapped (its f_op has Mmap, which agrees)?
func (f *File) Vm_may() (readable, writable, noexec, ok bool) {
	ok = f.F_op != nil && f.F_op.Mmap != nil && f.F_op.Mmap(f) == 0
	return f.F_mode&FMODE_READ != 0, f.F_mode&FMODE_WRITE != 0, Path_noexec(&f.F_path), ok
}

// Shared_page returns page index of f's page cache, added (zeroed) if
// the file has none there yet, with a reference for the mapping that
// will map it (Linux filemap_fault → __filemap_get_folio with
// FGP_CREAT, as shmem_fault's shmem_get_folio). Under tree_lock, so that
// a truncate cannot free the page between the lookup and the reference.
// nil when memory is short.
func (f *File) Shared_page(index uint64) *mm.Page {
	mapping := &f.F_inode.I_data
	lock_tree(mapping)
	var pg *mm.Page
	if p := add_to_page_cache(mapping, index); p != 0 {
		pg = mm.Virt_to_page(p)
		mm.Get_page(pg)
	}
	unlock_tree(mapping)
	return pg
}

// Incore_page tells whether page index of f is in its page cache, adding
// nothing (mm.Vm_mmap_file, for mincore; Linux filemap_get_incore_folio).
// Under tree_lock, as a fault of a shared mapping may grow the tree.
func (f *File) Incore_page(index uint64) bool {
	mapping := &f.F_inode.I_data
	lock_tree(mapping)
	p := radixLookup(mapping.root, mapping.height, index)
	unlock_tree(mapping)
	return p != 0
}

// Mapping_mmap is the list of the VMAs that map f's file shared.
func (f *File) Mapping_mmap() *mm.I_mmap { return &f.F_inode.I_data.I_mmap }

// Get_vm_file and Put_vm_file: a VMA's reference to f.
func (f *File) Get_vm_file() { Get_file(f) }
func (f *File) Put_vm_file() { Fput(f) }

// Shm_mnt and Shmem_zero_setup: tmpfs's internal mount and the maker of
// the file behind a shared anonymous mapping (Linux shm_mnt,
// shmem_zero_setup); ramfs sets them (Init_ramfs_fs), since fs cannot
// import it.
var (
	Shm_mnt          *Vfsmount
	Shmem_zero_setup func(size uint64) (*File, int)
)

// Is_shmem_zero_file: f is a file Shmem_zero_setup made, which
// /proc/<pid>/maps names "/dev/zero (deleted)" as Linux does.
func Is_shmem_zero_file(f *File) bool { return Shm_mnt != nil && f.F_path.Mnt == Shm_mnt }

// MMAP_ANONYMOUS: what a file's Mmap answers when mapping it means
// anonymous memory (Linux mmap_zero: /dev/zero, private or shared).
const MMAP_ANONYMOUS = 1

// Generic_file_mmap: a page-cache file can be mapped (Linux
// generic_file_mmap; the faults are filemap_fault, mm's).
func Generic_file_mmap(f *File) int { return 0 }

// Truncate_pagecache takes the pages past newsize out of every shared
// mapping of inode, then out of its page cache (Linux truncate_pagecache:
// unmap_mapping_range, truncate_inode_pages, and unmap_mapping_range
// once more for a fault that raced with the first). i_size is newsize
// already, so a fault past it now is SIGBUS.
func Truncate_pagecache(inode *Inode, newsize int64) {
	first := uint64(newsize+asm.PAGE_SIZE-1) >> asm.PAGE_SHIFT
	mm.Unmap_mapping_range(&inode.I_data.I_mmap, first)
	Truncate_inode_pages(&inode.I_data, newsize)
	mm.Unmap_mapping_range(&inode.I_data.I_mmap, first)
}
