package paging_test

import (
	"testing"

	"gokern/internal/ktest"
	. "gokern/paging"
)

// BenchmarkMapDirect8G builds the direct map of 8 GiB of RAM, as
// init_mem_mapping does on a machine with 8 GiB, with each page-size
// choice, and reports the page-table pages it takes (pt-pages) and their
// memory (pt-KiB). ns/op is the time to build the map from an empty PGD:
// taking and clearing the PGD page, then Map (which clears every table it
// takes, as Linux's alloc_low_page does).
func BenchmarkMapDirect8G(b *testing.B) {
	const size = 8 << 30
	for _, c := range []struct {
		name  string
		sizes Sizes
	}{
		{"4K", Only4K},
		{"2M", Size2M},
		{"1G", Size2M | Size1G},
	} {
		b.Run(c.name, func(b *testing.B) {
			ram := ktest.NewRAMAt(b, 1<<20, 20<<20)
			alloc := pageAlloc(ram)
			var st MapStats
			for b.Loop() {
				ram.Rewind()
				pgd := PhysAddr(ram.NewPGD())
				var err Error
				st, err = Map(ram, pgd, PAGE_OFFSET, 0, size, PAGE_KERNEL, c.sizes, alloc)
				if err != OK {
					b.Fatal(err)
				}
			}
			pages := float64(st.Tables + 1) // + the PGD
			b.ReportMetric(pages, "pt-pages")
			b.ReportMetric(pages*PAGE_SIZE/1024, "pt-KiB")
			b.ReportMetric(float64(st.Pages4K+st.Pages2M+st.Pages1G), "leaf-entries")
		})
	}
}

// BenchmarkWalk is one software page walk through a 4 KiB mapping.
func BenchmarkWalk(b *testing.B) {
	ram := ktest.NewRAMAt(b, 1<<20, 1<<20)
	pgd := PhysAddr(ram.NewPGD())
	if _, err := Map(ram, pgd, PAGE_OFFSET, 0, 4<<20, PAGE_KERNEL, Only4K, pageAlloc(ram)); err != OK {
		b.Fatal(err)
	}
	var va VirtAddr
	for b.Loop() {
		if _, _, _, ok := Walk(ram, pgd, PAGE_OFFSET+va); !ok {
			b.Fatal("not mapped")
		}
		va = (va + PAGE_SIZE) & (4<<20 - 1)
	}
}
