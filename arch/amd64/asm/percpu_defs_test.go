package asm

import (
	"testing"
	"unsafe"
)

// Alloc_percpu hands out cache-line-aligned offsets past the static part,
// zeroed in every area that exists, and Per_cpu_ptr reaches each CPU's
// own copy (areas in Go memory here; the GS side is proven by booting:
// selftest percpu).
func TestAllocPercpu(t *testing.T) {
	saved, savedNext := X__per_cpu_offset, pcpu_dyn_next
	defer func() { X__per_cpu_offset, pcpu_dyn_next = saved, savedNext }()
	var units [3][PERCPU_UNIT_SIZE / 8]uint64
	for i := range units {
		for j := range units[i] {
			units[i][j] = 0xdeadbeef
		}
		X__per_cpu_offset[i] = uintptr(unsafe.Pointer(&units[i]))
	}
	for i := 3; i < NR_CPUS; i++ {
		X__per_cpu_offset[i] = 0
	}
	type pair struct{ a, b uint32 }
	a := Alloc_percpu[uint64]()
	b := Alloc_percpu[pair]()
	if a.off < PERCPU_STATIC_SIZE || a.off%SMP_CACHE_BYTES != 0 || b.off%SMP_CACHE_BYTES != 0 || b.off < a.off+8 {
		t.Fatalf("offsets %#x, %#x: want cache-aligned, after the static part %#x and each other", a.off, b.off, PERCPU_STATIC_SIZE)
	}
	for cpu := 0; cpu < 3; cpu++ {
		if *Per_cpu_ptr(a, cpu) != 0 || *Per_cpu_ptr(b, cpu) != (pair{}) {
			t.Errorf("CPU %d: a fresh per-CPU variable is not zero", cpu)
		}
		*Per_cpu_ptr(a, cpu) = uint64(cpu) + 10
		Per_cpu_ptr(b, cpu).b = uint32(cpu)
		if uintptr(unsafe.Pointer(Per_cpu_ptr(a, cpu))) != X__per_cpu_offset[cpu]+a.off {
			t.Errorf("CPU %d: per_cpu_ptr off its area", cpu)
		}
	}
	for cpu := 0; cpu < 3; cpu++ {
		if Per_cpu_read(a, cpu) != uint64(cpu)+10 || Per_cpu_ptr(b, cpu).b != uint32(cpu) {
			t.Errorf("CPU %d: copies are not distinct", cpu)
		}
	}
	// The static variables sit inside the static part.
	if Irq_stat_tlb.off+8 > PERCPU_STATIC_SIZE || Irq_stat.off < unsafe.Sizeof(PcpuHot{}) {
		t.Errorf("static layout: irq_stat at %#x, static size %#x", Irq_stat.off, PERCPU_STATIC_SIZE)
	}
}
