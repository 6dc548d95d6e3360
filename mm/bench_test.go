package mm

import (
	"testing"
	"time"
)

// ns per alloc+free pair over a simulated 128 MiB machine. "split" starts
// from the handover's MAX_ORDER blocks, so every pair splits one down to
// the order and merges it back (the worst case); "warm" first leaves a
// free block of the order (by holding its buddy), so the pair is a list
// pop and push, which is what Linux's per-CPU lists give order 0.
func BenchmarkAllocFree(b *testing.B) {
	for _, v := range []struct {
		name   string
		bitmap bool
	}{{"default", false}, {"bitmap", true}} {
		for _, order := range []uint{0, 3} {
			for _, warm := range []bool{false, true} {
				name := v.name + "/order" + string(rune('0'+order)) + "/split"
				if warm {
					name = v.name + "/order" + string(rune('0'+order)) + "/warm"
				}
				b.Run(name, func(b *testing.B) {
					// DMA32 is twelve free MAX_ORDER blocks; the core map
					// goes below 636 KiB.
					bootOpts(b, []span{{0x1000, 0x9f000}, {0x100000, 64 * MiB}}, []span{{0, 0x1000}, {0x100000, 16 * MiB}},
						opts{bitmap: v.bitmap, bottomUp: true})
					noWatermarks()
					if warm {
						// Hold one block of the order: its buddy stays free.
						Alloc_pages(GFP_KERNEL, order)
					}
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						p := Alloc_pages(GFP_KERNEL, order)
						X__free_pages(p, order)
					}
				})
			}
		}
	}
}

// BenchmarkHandover: free_area_init + mem_init over simulated RAM of
// several sizes (the host's share of the boot-time cost).
func BenchmarkHandover(b *testing.B) {
	for _, size := range []uint64{128 * MiB, 1 * GiB, 8 * GiB, 16 * GiB} {
		name := "128M"
		switch size {
		case 1 * GiB:
			name = "1G"
		case 8 * GiB:
			name = "8G"
		case 16 * GiB:
			name = "16G"
		}
		b.Run(name, func(b *testing.B) {
			regions := pcLayout(min(size, 3*GiB), 0)
			if size > 3*GiB {
				regions = pcLayout(3*GiB, size-3*GiB)
			}
			var total time.Duration
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				boot(b, regions, []span{{0, 0x1000}, {16 * MiB, 18 * MiB}}, false)
				total += time.Since(t0)
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N), "us/boot")
		})
	}
}

// TestBenchBuddy runs bench=buddy's code on the host: it must leave the
// allocator as it found it.
func TestBenchBuddy(t *testing.T) {
	variants(t, func(t *testing.T, bitmap bool) {
		m := defaultBoot(t, bitmap)
		before := freeBlocks()
		m.log.Lines()
		BenchBuddy()
		for _, l := range m.log.Lines() {
			t.Log(l)
		}
		allAtMaxOrder(t, before)
		m.check()
	})
}
