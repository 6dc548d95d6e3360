package mm

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// bench=buddy: the cost of an alloc+free pair measured in the kernel with
// the TSC (gokern; the host benchmark BenchmarkAllocFree measures the
// same code natively). Two cases per order:
//
//   - split: the zone has only MAX_ORDER blocks free (the smaller ones are
//     held for the run), so each allocation splits one all the way down
//     and each free merges it all the way back up, the worst case;
//   - warm: a block of the order is held so that its buddy stays free at
//     that order, and each pair is one list pop and one push: the case
//     Linux's per-CPU page lists make the common one.

const benchLoops = 20000

// BenchBuddy runs the benchmark and prints one line per case.
func BenchBuddy() {
	variant := "default"
	if BuddyBitmap {
		variant = "bitmap"
	}
	for _, order := range [2]uint{0, 3} {
		z := &NODE_DATA(0).Node_zones[gfpKernelZone()]
		hold_small_blocks(z)
		split := benchPairs(order)
		warm_block := Alloc_pages(GFP_KERNEL, order)
		warm := benchPairs(order)
		if warm_block != nil {
			X__free_pages(warm_block, order)
		}
		free_selftest_pages()
		printk.Pr_info("bench buddy (%s): order %d: split %d ns (%d cycles), warm %d ns (%d cycles) per alloc+free\n",
			printk.Str(variant), printk.Int(order), printk.Int(split.ns), printk.Int(split.cycles),
			printk.Int(warm.ns), printk.Int(warm.cycles))
	}
}

type benchResult struct{ ns, cycles uint64 }

func benchPairs(order uint) benchResult {
	t0, c0 := now(), asm.Rdtsc()
	for i := 0; i < benchLoops; i++ {
		p := Alloc_pages(GFP_KERNEL, order)
		X__free_pages(p, order)
	}
	return benchResult{ns: (now() - t0) / benchLoops, cycles: (asm.Rdtsc() - c0) / benchLoops}
}

// gfpKernelZone is the zone GFP_KERNEL allocations come from:
// the highest populated one.
func gfpKernelZone() ZoneType {
	return NODE_DATA(0).Node_zonelists[0].Zonerefs[0].Zone_idx
}

// hold_small_blocks takes every free block below MAX_ORDER out of zone z,
// so that the zone has only MAX_ORDER blocks left: the next allocation
// splits one all the way down. The blocks go on selftest_pages, through
// their lru, each with its order in Private (both are the owner's while a
// block is allocated); free_selftest_pages gives them back.
func hold_small_blocks(z *Zone) {
	INIT_LIST_HEAD(&selftest_pages)
	for o := uint(0); o < MAX_ORDER-1; o++ {
		for z.Free_area[o].Nr_free != 0 {
			p := allocPages(GFP_KERNEL|X__GFP_MEMALLOC|X__GFP_NOWARN, o, 0)
			if p == nil || page_zonenum(p) != zone_idx(z) {
				if p != nil {
					freePages(p, o, 0)
				}
				break
			}
			set_page_private(p, o)
			List_add(&p.Lru, &selftest_pages)
		}
	}
}
