package memblock

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

// Linux: mm/memblock.c memblock_discard, memblock_free_late.

// Memblock_discard gives the pages of the region arrays that
// memblock_double_array allocated to release (the page allocator), once
// memblock_free_all has run, and returns how many pages that was. The
// static arrays are part of the kernel image and stay. An array freed
// this way is gone: memblock's lists are empty afterwards, as Linux's
// memblock_memory = NULL says, and memblock is retired: any later call is
// reported as a bug and stops the boot (memblock_retired_bug).
func Memblock_discard(release func(start, end uint64)) (pages uint64) {
	memblock_retired = true
	for _, t := range [2]*MemblockType{&memblock.Reserved, &memblock.Memory} {
		if t.arrayPA == 0 {
			continue
		}
		size := page_align(t.Max * regionSize)
		release(t.arrayPA, t.arrayPA+size)
		pages += size >> asm.PAGE_SHIFT
		t.arrayPA = 0
		t.Regions = nil
		t.Cnt, t.Max, t.Total_size = 0, 0, 0
	}
	return pages
}

// memblock_retired: Memblock_discard ran; memblock is over.
var memblock_retired bool

// PanicHook stops the boot after a bug report, with the report as its
// message; the arch points it at the kernel's panic (a hook: memblock sits
// below the package that has it). Nil in host tests, where the call just
// fails.
var PanicHook func(msg string)

// retiredMsg holds the report (one CPU; a static buffer, so that handing
// it to the hook allocates nothing).
var retiredMsg [256]byte

// memblock_retired_bug reports a call made after mem_init retired memblock,
// naming the function and its caller, and stops the boot. In
// Linux memblock is __init code and data, freed after boot; a late
// memblock_alloc warns ("... after slab is available") and falls back to
// kmalloc. Here the buddy allocator owns every free page, so there is
// nothing memblock could safely hand out.
func memblock_retired_bug(fn string, ip uintptr) bool {
	if !memblock_retired {
		return false
	}
	n := printk.Snprintf(retiredMsg[:], "%s called after mem_init retired memblock (the buddy allocator owns memory now), from ", printk.Str(fn))
	n += kallsyms.Sprint_symbol(retiredMsg[n:], ip)
	printk.Pr_emerg("BUG: %s\n", printk.Bytes(retiredMsg[:n]))
	if PanicHook != nil {
		PanicHook(unsafe.String(&retiredMsg[0], n))
	}
	return true
}
