package e820

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// Linux: arch/x86/kernel/e820.c e820_end_pfn, e820__end_of_ram_pfn,
// e820__end_of_low_ram_pfn (4.x); seed 004 "low/high pfn": setup_arch
// takes max_pfn and max_low_pfn from here.

const (
	// MAX_ARCH_PFN is the first page frame number the architecture cannot
	// address: MAXMEM >> asm.PAGE_SHIFT = 0x400000000 (4-level paging
	// addresses 2^MAX_PHYSMEM_BITS bytes of physical memory).
	MAX_ARCH_PFN = 1 << (asm.MAX_PHYSMEM_BITS - asm.PAGE_SHIFT)
	// LOW_RAM_PFN_LIMIT: "low" memory on x86-64 is below 4 GiB.
	LOW_RAM_PFN_LIMIT = 1 << (32 - asm.PAGE_SHIFT)
)

// E820_end_pfn returns the page frame number just past the highest entry of type
// typ that starts below limitPfn, capped at limitPfn and MAX_ARCH_PFN;
// Linux e820_end_pfn. A range ending in a partial page does not count that
// page. It logs the result as Linux does:
//
//	e820: last_pfn = 0x7ffdc max_arch_pfn = 0x400000000
func E820_end_pfn(t *E820Table, limitPfn uint64, typ E820Type) uint64 {
	var lastPfn uint64
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if e.Type != typ {
			continue
		}
		startPfn := e.Addr >> asm.PAGE_SHIFT
		endPfn := (e.Addr + capSize(e.Addr, e.Size)) >> asm.PAGE_SHIFT
		if startPfn >= limitPfn {
			continue
		}
		if endPfn > limitPfn {
			// The table is sorted: nothing later can end lower.
			lastPfn = limitPfn
			break
		}
		if endPfn > lastPfn {
			lastPfn = endPfn
		}
	}
	if lastPfn > MAX_ARCH_PFN {
		lastPfn = MAX_ARCH_PFN
	}
	printk.Pr_info("e820: last_pfn = %#lx max_arch_pfn = %#lx\n",
		printk.Int(lastPfn), printk.Int(uint64(MAX_ARCH_PFN)))
	return lastPfn
}

// E820__end_of_ram_pfn is max_pfn: one past the last page of usable RAM; Linux
// e820__end_of_ram_pfn.
func E820__end_of_ram_pfn(t *E820Table) uint64 {
	return E820_end_pfn(t, MAX_ARCH_PFN, E820_TYPE_RAM)
}

// E820__end_of_low_ram_pfn is max_low_pfn on a machine with RAM above 4 GiB: one
// past the last page of usable RAM below 4 GiB; Linux
// e820__end_of_low_ram_pfn.
func E820__end_of_low_ram_pfn(t *E820Table) uint64 {
	return E820_end_pfn(t, LOW_RAM_PFN_LIMIT, E820_TYPE_RAM)
}
