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

// Find_get_page returns the address of page index of mapping, or 0 (a
// hole: reads as zeros). Linux find_get_page.
func Find_get_page(mapping *AddressSpace, index uint64) uintptr {
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
// The caller holds the inode's lock (Inode_lock): two writers adding the
// same page would each put their own in the slot, and the first one's
// bytes would be lost.
func Find_or_create_page(mapping *AddressSpace, index uint64) uintptr {
	if p := Find_get_page(mapping, index); p != 0 {
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
	if mapping.height == 0 {
		return
	}
	first := uint64(lstart+asm.PAGE_SIZE-1) >> asm.PAGE_SHIFT
	if off := lstart & (asm.PAGE_SIZE - 1); off != 0 {
		if p := Find_get_page(mapping, uint64(lstart)>>asm.PAGE_SHIFT); p != 0 {
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
