package bootmem

import (
	"unsafe"

	"gokern/kallsyms"
	"gokern/printk"
)

// Linux 2.6.32: mm/bootmem.c free_all_bootmem_core, free_all_bootmem_node,
// free_all_bootmem (seed 002, "Finalizing Memory Initialization").

// free_all_bootmem_core hands every free page of bdata, then the bitmap's
// own pages, to release, and retires the node. Linux frees one page at a
// time, or BITS_PER_LONG pages at once when a whole bitmap word is free;
// gokern walks the bitmap the same way (a word at a time when it can) but
// hands over each maximal run of free pages as one [start, end) range of
// physical addresses, and the buddy allocator splits it.
func free_all_bootmem_core(bdata *BootmemData, release func(start, end uint64)) uint64 {
	if bdata.bitmap == nil {
		return 0
	}
	start, end := bdata.Node_min_pfn, bdata.Node_low_pfn
	bdebug("free_all_bootmem_core", "nid=%d start=%lx end=%lx\n",
		printk.Int(nid(bdata)), printk.Int(start), printk.Int(end))

	var count uint64
	run := uint64(0) // start pfn of the current run of free pages
	inRun := false
	flush := func(pfn uint64) {
		if inRun {
			release(pfnPhys(run), pfnPhys(pfn))
			count += pfn - run
			inRun = false
		}
	}
	for pfn := start; pfn < end; {
		idx := pfn - start
		word := bdata.bitmap[idx/BITS_PER_LONG]
		// A whole word, all free or all reserved: 64 pages at once.
		if idx%BITS_PER_LONG == 0 && pfn+BITS_PER_LONG <= end && (word == 0 || word == ^uint64(0)) {
			if word == 0 && !inRun {
				run, inRun = pfn, true
			} else if word != 0 {
				flush(pfn)
			}
			pfn += BITS_PER_LONG
			continue
		}
		if word&(1<<(idx%BITS_PER_LONG)) == 0 {
			if !inRun {
				run, inRun = pfn, true
			}
		} else {
			flush(pfn)
		}
		pfn++
	}
	flush(end)

	// The bitmap is no longer needed: its pages go too. (Setup code
	// reserved them; a node whose bitmap was left free would hand them
	// over twice, as in Linux.)
	pages := Bootmem_bootmap_pages(end - start)
	release(bdata.Node_bootmem_map, bdata.Node_bootmem_map+pfnPhys(pages))
	count += pages
	bdata.bitmap = nil // bootmem is over for this node

	bdebug("free_all_bootmem_core", "nid=%d released=%lx\n", printk.Int(nid(bdata)), printk.Int(count))
	return count
}

// Free_all_bootmem_node releases one node's free pages; Linux
// free_all_bootmem_node.
func Free_all_bootmem_node(bdata *BootmemData, release func(start, end uint64)) uint64 {
	return free_all_bootmem_core(bdata, release)
}

// Free_all_bootmem releases the free pages of every node to release (the
// buddy allocator), in address order, and returns how many pages it
// released; Linux free_all_bootmem, which mem_init calls. Bootmem cannot
// allocate afterwards.
func Free_all_bootmem(release func(start, end uint64)) uint64 {
	var count uint64
	for b := bdata_list; b != nil; b = b.next {
		count += free_all_bootmem_core(b, release)
	}
	bootmem_retired = true
	return count
}

// bootmem_retired: Free_all_bootmem ran; bootmem is over.
var bootmem_retired bool

// PanicHook stops the boot after a bug report, with the report as its
// message; the arch points it at the kernel's panic (a hook: bootmem sits
// below the package that has it). Nil in host tests, where the call just
// fails.
var PanicHook func(msg string)

// retiredMsg holds the report (one CPU; a static buffer, so that handing
// it to the hook allocates nothing).
var retiredMsg [256]byte

// bootmem_retired_bug reports a call made after mem_init retired bootmem,
// naming the function and its caller, and stops the boot. 2.6
// freed bootmem's code and data with the init sections: a late call
// crashed.
func bootmem_retired_bug(fn string, ip uintptr) bool {
	if !bootmem_retired {
		return false
	}
	n := printk.Snprintf(retiredMsg[:], "%s called after mem_init retired bootmem (the buddy allocator owns memory now), from ", printk.Str(fn))
	n += kallsyms.Sprint_symbol(retiredMsg[n:], ip)
	printk.Pr_emerg("BUG: %s\n", printk.Bytes(retiredMsg[:n]))
	if PanicHook != nil {
		PanicHook(unsafe.String(&retiredMsg[0], n))
	}
	return true
}
