package slab

import (
	"gokern/arch/amd64/asm"
	"gokern/mm"
	"gokern/printk"
)

// bench=slab's typed half: a Cache[T]'s Alloc+Free, with the per-CPU
// array and without it, measured with the TSC (the host benchmark
// BenchmarkTypedCache measures the same code natively).

// benchObject is a 64-byte structure, the size of kmalloc-64's objects.
type benchObject struct {
	next *benchObject
	data [7]uint64
}

const benchLoops = 20000

// BenchTyped prints one line per case.
func BenchTyped() {
	c := NewCache[benchObject]("bench_object", 0)
	if c.Cachep == nil {
		return
	}
	for _, limit := range [2]uint32{c.Cachep.Limit, 0} {
		mm.Do_tune_cpucache(c.Cachep, limit, limit/2)
		c.Free(c.Alloc(mm.GFP_KERNEL))
		t0, c0 := clock(), asm.Rdtsc()
		for i := 0; i < benchLoops; i++ {
			c.Free(c.Alloc(mm.GFP_KERNEL))
		}
		ns, cycles := (clock()-t0)/benchLoops, (asm.Rdtsc()-c0)/benchLoops
		printk.Pr_info("bench slab: typed Cache[%d-byte struct] Alloc+Free, array limit %d: %d ns (%d cycles) a pair\n",
			printk.Int(c.Cachep.Object_size), printk.Int(limit), printk.Int(ns), printk.Int(cycles))
	}
	c.Destroy()
}

func clock() uint64 {
	if printk.Clock == nil {
		return 0
	}
	return printk.Clock()
}
