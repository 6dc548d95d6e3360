package bootmem

import (
	"gokern/arch/amd64/asm"
	"gokern/e820"
	"gokern/printk"
)

// Linux 2.6: arch/x86/kernel/setup.c and mm/init_32.c setup_memory /
// setup_bootmem_allocator, register_bootmem_low_pages (seed 004, "setup
// node map and Boot Memory Allocator": bootmap = 0x35000, bootmap_size =
// 0x1000, reserved as "BOOTMAP").

// find_bootmap returns the first page-aligned address in [low, high) where
// size bytes of usable RAM lie, or 0 (2.6's find_e820_area). t must be
// sanitised.
func find_bootmap(t *e820.E820Table, low, high, size uint64) uint64 {
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if e.Type != e820.E820_TYPE_RAM {
			continue
		}
		s := max(align(e.Addr, asm.PAGE_SIZE), low)
		end := min((e.Addr+e.Size)&^(asm.PAGE_SIZE-1), high)
		if s < end && end-s >= size {
			return s
		}
	}
	return 0
}

// Setup_bootmem_allocator brings bootmem up on a UMA machine, as 2.6 did
// in setup_arch: the node covers page frames [0, max_low_pfn); its bitmap
// goes to the first free pages of RAM after the kernel image
// [kernel_start, kernel_end); every RAM page of the e820 map t is freed,
// then page 0 (BIOS data), the kernel image and the bitmap are reserved.
// Firmware areas stay reserved because they were never freed.
func Setup_bootmem_allocator(t *e820.E820Table, kernel_start, kernel_end, max_low_pfn uint64) Error {
	bootmap_size := Bootmem_bootmap_pages(max_low_pfn) << asm.PAGE_SHIFT
	bootmap := find_bootmap(t, pfnPhys(pfnUp(kernel_end)), pfnPhys(max_low_pfn), bootmap_size)
	if bootmap == 0 {
		printk.Pr_err("bootmem: no room for a %#lx-byte bootmap after the kernel\n", printk.Int(bootmap_size))
		return ErrNoMem
	}
	printk.Pr_info("  low ram: 0 - %08lx\n", printk.Int(pfnPhys(max_low_pfn)))
	if _, err := Init_bootmem(pfnDown(bootmap), max_low_pfn); err != OK {
		return err
	}

	// register_bootmem_low_pages: free the RAM the firmware reported.
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if e.Type != e820.E820_TYPE_RAM {
			continue
		}
		start := pfnUp(e.Addr)
		end := min(pfnDown(e.Addr+e.Size), max_low_pfn)
		if start >= end {
			continue
		}
		if err := Free_bootmem(pfnPhys(start), pfnPhys(end-start)); err != OK {
			return err
		}
	}

	// Reserve physical page 0: a special BIOS page on many boxes.
	if err := Reserve_bootmem(0, asm.PAGE_SIZE, BOOTMEM_DEFAULT); err != OK {
		return err
	}
	if err := Reserve_bootmem(kernel_start, kernel_end-kernel_start, BOOTMEM_DEFAULT); err != OK {
		return err
	}
	if err := Reserve_bootmem(bootmap, bootmap_size, BOOTMEM_DEFAULT); err != OK {
		return err
	}
	printk.Pr_info("  bootmap %08lx - %08lx\n", printk.Int(bootmap), printk.Int(bootmap+bootmap_size))
	return OK
}
