package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// bench=slab: the cost of kmalloc+kfree of 64 bytes measured in the kernel
// with the TSC, with kmalloc-64's per-CPU array (the fast path) and
// without it (limit 0: every call goes to the node lists), for a single
// pair and for a hundred allocations then a hundred frees (which makes
// the array refill and flush in batches). The host benchmarks
// (BenchmarkKmallocKfree64) measure the same code natively; the typed
// cache's half is mm/slab's BenchTyped.

const slabBenchLoops = 20000

// BenchSlab runs the benchmark and prints one line per case.
func BenchSlab() {
	c := Kmalloc_caches[KMALLOC_NORMAL][6]
	limit, batch := c.Limit, c.Batchcount
	for _, l := range [2]uint32{limit, 0} {
		if !Do_tune_cpucache(c, l, l/2) {
			printk.Pr_err("bench slab: cannot resize kmalloc-64's array\n")
			return
		}
		Kfree(Kmalloc(64, GFP_KERNEL)) // the first slab
		t0, c0 := now(), asm.Rdtsc()
		for i := 0; i < slabBenchLoops; i++ {
			Kfree(Kmalloc(64, GFP_KERNEL))
		}
		pair := benchResult{ns: (now() - t0) / slabBenchLoops, cycles: (asm.Rdtsc() - c0) / slabBenchLoops}
		var p [100]unsafe.Pointer
		t0, c0 = now(), asm.Rdtsc()
		for i := 0; i < slabBenchLoops/100; i++ {
			for j := range p {
				p[j] = Kmalloc(64, GFP_KERNEL)
			}
			for j := range p {
				Kfree(p[j])
			}
		}
		burst := benchResult{ns: (now() - t0) / slabBenchLoops, cycles: (asm.Rdtsc() - c0) / slabBenchLoops}
		what := "per-CPU array"
		if l == 0 {
			what = "no array"
		}
		printk.Pr_info("bench slab: kmalloc+kfree 64 B, %s (limit %d): %d ns (%d cycles) a pair, %d ns (%d cycles) in bursts of 100\n",
			printk.Str(what), printk.Int(l), printk.Int(pair.ns), printk.Int(pair.cycles), printk.Int(burst.ns), printk.Int(burst.cycles))
	}
	Do_tune_cpucache(c, limit, batch)
	BenchVmalloc()
}

// BenchVmalloc prints what a 1 MiB buffer costs from vmalloc (256 pages
// mapped one by one, unmapped and flushed on free) and from kmalloc
// (kmalloc_large: one order-8 block of the direct map), allocation and
// free together: the seeds' "kmalloc() VS vmalloc()" in numbers.
func BenchVmalloc() {
	const loops = 200
	var r [2]benchResult
	for i, large := range [2]bool{false, true} {
		t0, c0 := now(), asm.Rdtsc()
		for j := 0; j < loops; j++ {
			if large {
				Kfree(Kmalloc(1<<20, GFP_KERNEL))
			} else {
				Vfree(Vmalloc(1 << 20))
			}
		}
		r[i] = benchResult{ns: (now() - t0) / loops, cycles: (asm.Rdtsc() - c0) / loops}
	}
	printk.Pr_info("bench slab: 1 MiB: vmalloc+vfree %d ns (%d cycles), kmalloc+kfree (kmalloc_large, order 8) %d ns (%d cycles)\n",
		printk.Int(r[0].ns), printk.Int(r[0].cycles), printk.Int(r[1].ns), printk.Int(r[1].cycles))
}
