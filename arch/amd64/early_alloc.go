package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/e820"
	"gokern/memblock"
	"gokern/printk"
)

// The early allocator: memblock (Linux 5.x, the default) or the 2.6
// bitmap allocator bootmem (earlymem=bootmem). Whichever was chosen serves
// every allocation until the buddy allocator takes over; seeds/000
// "Bootmem and Memblock Allocators".

// Early_alloc_page returns one zeroed page below limit, or ok=false.
func Early_alloc_page(limit uint64) (pa uint64, ok bool) {
	if Earlymem_bootmem {
		b, err := bootmem.Alloc_bootmem_low_pages(asm.PAGE_SIZE)
		if err != bootmem.OK {
			printk.Err("alloc_bootmem_low_pages: failed to allocate %d bytes: %s\n", printk.Int(asm.PAGE_SIZE), printk.Str(err.String()))
			return 0, false
		}
		pa = uint64(uintptrOf(&b[0]) - asm.PAGE_OFFSET)
		return pa, pa+asm.PAGE_SIZE <= limit
	}
	pa, err := memblock.Memblock_phys_alloc_range(asm.PAGE_SIZE, asm.PAGE_SIZE, 0, limit)
	if err != memblock.OK {
		return 0, false
	}
	clear(asm.Direct_map.Bytes(pa, asm.PAGE_SIZE))
	return pa, true
}

// setup_bootmem_allocator brings up the 2.6 bitmap allocator when
// earlymem=bootmem asks for it (seeds/004 "setup node map and Boot Memory
// Allocator"): its bitmap covers every page frame up to max_pfn and sits
// in the first free pages after the kernel. The reservations made so far
// live in memblock (early_reserve_memory); they are carried over, so that
// one list of early reservations serves both allocators.
func setup_bootmem_allocator() {
	if !Earlymem_bootmem {
		return
	}
	bootmem.Init(&asm.Direct_map)
	kend := uint64(Kernel_end() - asm.X__START_KERNEL_map)
	if err := bootmem.Setup_bootmem_allocator(&e820.E820_table, asm.LOAD_PHYSICAL_ADDR, kend, memblock.Max_pfn); err != bootmem.OK {
		Panic("setup_bootmem_allocator: %s", printk.Str(err.String()))
	}
	// 2.6 placed the bitmap after the kernel by the e820 map alone; here the
	// early reservations live in memblock, so check it missed them (an
	// initrd right after the kernel, say) and record it there too.
	bitmap := bootmem.Bootmem_node_data[0].Node_bootmem_map
	size := bootmem.Bootmem_bootmap_pages(memblock.Max_pfn) << asm.PAGE_SHIFT
	if memblock.Memblock_is_region_reserved(bitmap, size) {
		Panic("setup_bootmem_allocator: the bootmap [mem %#010x-%#010x] overlaps an early reservation",
			printk.Int(bitmap), printk.Int(bitmap+size-1))
	}
	memblock.Memblock_reserve(bitmap, size)
	memblock.For_each_reserved_mem_region(func(r *memblock.Region) bool {
		if r.Size != 0 {
			bootmem.Reserve_bootmem(r.Base, r.Size, bootmem.BOOTMEM_DEFAULT)
		}
		return true
	})
	printk.Info("bootmem: the early allocator is bootmem (earlymem=bootmem)\n")
}
