package memblock

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// Linux: mm/memblock.c memblock_double_array (the slab branch, for calls
// after kmalloc works, is left out: gokern's memblock is done by then).

// memblock_double_array replaces t's region array by one twice as large,
// taken from memblock itself: find free memory, copy, switch over, free the
// old array (unless it is the static one), reserve the new one.
//
// When t is reserved and this runs on behalf of memblock_add_range(t,
// new_area_start, new_area_size), that range is about to be reserved but
// is not yet in the array: the new array must not land on it, so it is
// searched for above the range first, then below.
func memblock_double_array(t *MemblockType, new_area_start, new_area_size uint64) Error {
	// Resizing before the kernel knows all its early reservations could
	// put the new array on top of one of them (the initrd, say).
	if !memblock_can_resize {
		printk.Pr_err("memblock: %s array is full (%lu entries) and may not grow yet\n",
			printk.Str(t.Name), printk.Int(t.Max))
		return ErrArrayFull
	}
	if memblock.Phys == nil {
		printk.Pr_err("memblock: cannot double %s array: no access to physical memory\n",
			printk.Str(t.Name))
		return ErrNoPhys
	}

	old_size := t.Max * regionSize
	new_size := old_size << 1
	// Whole pages, so that the arrays can be freed to the page allocator
	// later.
	old_alloc_size := page_align(old_size)
	new_alloc_size := page_align(new_size)

	// Only doubling reserved needs to keep off the pending range.
	if t != &memblock.Reserved {
		new_area_start, new_area_size = 0, 0
	}
	addr := memblock_find_in_range(new_area_start+new_area_size, memblock.Current_limit,
		new_alloc_size, asm.PAGE_SIZE)
	if addr == 0 && new_area_size != 0 {
		addr = memblock_find_in_range(0, min(new_area_start, memblock.Current_limit),
			new_alloc_size, asm.PAGE_SIZE)
	}
	if addr == 0 {
		printk.Pr_err("memblock: Failed to double %s array from %ld to %ld entries !\n",
			printk.Str(t.Name), printk.Int(t.Max), printk.Int(t.Max*2))
		return ErrNoMem
	}
	if Memblock_debug {
		printk.Pr_info("memblock: %s is doubled to %ld at [%#018llx-%#018llx]\n",
			printk.Str(t.Name), printk.Int(t.Max*2), printk.Int(addr), printk.Int(addr+new_size-1))
	}

	// Found space: move the array before reserving anything, because the
	// array that is full may be reserved itself.
	b := memblock.Phys.Bytes(addr, new_alloc_size)
	new_array := unsafe.Slice((*MemblockRegion)(unsafe.Pointer(unsafe.SliceData(b))), t.Max*2)
	copy(new_array, t.Regions[:t.Max])
	clear(new_array[t.Max:])

	old_pa := t.arrayPA
	t.Regions = new_array
	t.arrayPA = addr
	t.Max <<= 1

	// Free the old array, unless it is one of the static ones. (Both
	// calls log under memblock=debug, with this function as the caller.)
	if old_pa != 0 {
		Memblock_free(old_pa, old_alloc_size)
	}
	// Reserve the new array. There is room now, so this cannot fail.
	return Memblock_reserve(addr, new_alloc_size)
}

func page_align(x uint64) uint64 { return (x + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1) }
