// Package bootmem is the boot-time allocator of Linux 2.6, mm/bootmem.c and
// include/linux/bootmem.h, kept in gokern so that students can compare the
// two early allocators the slides describe (seed 000 "Bootmem allocator",
// seed 002 "Bootmem", "Finalizing Memory Initialization").
//
// Bootmem keeps one bit per page frame of a node: 1 = reserved, 0 = free.
// The bitmap itself lives in physical memory, in the first free pages
// after the kernel image (init_bootmem), so it is reached through a
// PhysMem hook like memblock's arrays. Allocation is first fit from a goal
// address; requests smaller than a page are packed into the partial page
// the previous allocation left (last_end_off). When the buddy allocator is
// ready, Free_all_bootmem hands it every page whose bit is 0, and the
// bitmap pages too.
//
// Linux replaced bootmem with memblock in 4.20 ("mm: remove bootmem
// allocator", seed 000): memblock's region arrays describe 64 GiB in a few
// hundred bytes where the bitmap needs 2 MiB, and need no memory before
// memory is known. gokern boots with memblock by default; the command line
// earlymem=bootmem makes bootmem serve the early allocations instead, and
// host tests replay the same allocations through both.
package bootmem

import (
	"math/bits"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/printk"
)

const (
	BITS_PER_LONG = 64

	// MAX_DMA_ADDRESS is the physical end of ZONE_DMA (16 MiB):
	// alloc_bootmem starts looking above it, to leave ISA DMA memory to
	// the drivers that need it.
	MAX_DMA_ADDRESS = 16 << 20
)

// Reservation flags, Linux include/linux/bootmem.h.
const (
	BOOTMEM_DEFAULT   = 0
	BOOTMEM_EXCLUSIVE = 1 << 0 // fail (-EBUSY) if any page is already reserved
)

// BootmemData is one node's allocator, Linux bootmem_data_t.
type BootmemData struct {
	Node_min_pfn     uint64 // first page frame of the node
	Node_low_pfn     uint64 // one past its last page frame
	Node_bootmem_map uint64 // physical address of the bitmap (Linux: its virtual address)
	// Last_end_off is where the previous allocation ended, as a byte
	// offset from the node start; if it ends inside a page, the next
	// small allocation can share that page.
	Last_end_off uint64
	// Hint_idx is the page index just after the previous allocation: the
	// next search starts there (next fit), since everything below was
	// probably taken.
	Hint_idx uint64

	bitmap []uint64     // the bitmap, through PhysMem
	next   *BootmemData // bdata_list, sorted by Node_min_pfn
}

// Error is a small integer so that kernel code can return and print it
// without the Go heap.
type Error uint8

const (
	OK             Error = iota
	ErrBusy              // BOOTMEM_EXCLUSIVE and a page was already reserved (-EBUSY)
	ErrRange             // the range is not inside a registered node (Linux: BUG)
	ErrNotReserved       // freeing a page that is free (Linux: BUG)
	ErrNoMem             // no free range satisfies the request
	ErrInvalid           // size 0, alignment not a power of two, goal beyond limit
	ErrNoBootmem         // no bitmap: not initialised, or already retired
	ErrNoPhys            // no PhysMem hook
	ErrRetired           // called after free_all_bootmem retired bootmem
)

func (e Error) String() string {
	switch e {
	case OK:
		return "ok"
	case ErrBusy:
		return "already reserved"
	case ErrRange:
		return "range outside boot memory"
	case ErrNotReserved:
		return "freeing a free page"
	case ErrNoMem:
		return "out of memory"
	case ErrInvalid:
		return "invalid size or alignment"
	case ErrNoBootmem:
		return "bootmem not available"
	case ErrNoPhys:
		return "no access to physical memory"
	case ErrRetired:
		return "bootmem retired by mem_init"
	}
	return "unknown bootmem error"
}

var (
	// Bootmem_node_data is one allocator per node; UMA uses node 0.
	Bootmem_node_data [asm.MAX_NUMNODES]BootmemData

	// bdata_list links the registered nodes in address order.
	bdata_list *BootmemData

	phys asm.PhysMem

	// Bootmem_debug is "bootmem_debug" on the command line.
	Bootmem_debug bool
)

// Init forgets all nodes and attaches the physical-memory hook. The kernel
// calls it before init_bootmem; host tests call it to start afresh.
// (gokern only: Linux's state is zero-initialised static data.)
func Init(p asm.PhysMem) {
	Bootmem_node_data = [asm.MAX_NUMNODES]BootmemData{}
	bdata_list = nil
	bootmem_retired = false
	phys = p
}

// Bootmem_debug_setup is the "bootmem_debug" early option (Linux 2.6
// mm/bootmem.c bootmem_debug_setup).
func Bootmem_debug_setup(val []byte) { Bootmem_debug = true }

// bdebug prints "bootmem::fn ..." when bootmem_debug is on.
func bdebug(fn string, format string, args ...printk.Arg) {
	if !Bootmem_debug {
		return
	}
	printk.Pr_info("bootmem::%s ", printk.Str(fn))
	printk.Pr_cont(format, args...)
}

// nid is the node number of b, its index in Bootmem_node_data (-1 for a
// node kept elsewhere); Linux prints bdata - bootmem_node_data.
func nid(b *BootmemData) int {
	off := uintptr(unsafe.Pointer(b)) - uintptr(unsafe.Pointer(&Bootmem_node_data[0]))
	if n := off / unsafe.Sizeof(BootmemData{}); n < asm.MAX_NUMNODES {
		return int(n)
	}
	return -1
}

// pfnUp, pfnDown and pfnPhys are Linux's PFN_UP, PFN_DOWN and PFN_PHYS
// (include/linux/pfn.h) on plain uint64, pfnUp without wrapping at the top
// of the address space. Go-style names: paging owns the typed PFN_UP, and
// memblock has pfn_up of its own; a second function of one Linux name
// would give gdb two.
func pfnUp(x uint64) uint64 {
	if x&(asm.PAGE_SIZE-1) != 0 {
		return x>>asm.PAGE_SHIFT + 1
	}
	return x >> asm.PAGE_SHIFT
}
func pfnDown(x uint64) uint64            { return x >> asm.PAGE_SHIFT }
func pfnPhys(pfn uint64) uint64          { return pfn << asm.PAGE_SHIFT }
func align(x, a uint64) uint64           { return (x + a - 1) &^ (a - 1) }
func test_bit(m []uint64, i uint64) bool { return m[i/BITS_PER_LONG]&(1<<(i%BITS_PER_LONG)) != 0 }
func set_bit(m []uint64, i uint64)       { m[i/BITS_PER_LONG] |= 1 << (i % BITS_PER_LONG) }
func clear_bit(m []uint64, i uint64)     { m[i/BITS_PER_LONG] &^= 1 << (i % BITS_PER_LONG) }

// find_next_zero_bit returns the first index >= off and < size whose bit is
// 0, or size: a word at a time, so fully reserved stretches go fast.
func find_next_zero_bit(m []uint64, size, off uint64) uint64 {
	for off < size {
		w := ^m[off/BITS_PER_LONG] >> (off % BITS_PER_LONG)
		if w != 0 {
			return min(off+uint64(bits.TrailingZeros64(w)), size)
		}
		off = (off/BITS_PER_LONG + 1) * BITS_PER_LONG
	}
	return size
}
