package paging_test

import (
	"gokern/arch/amd64/asm"
	"testing"

	. "gokern/paging"
)

// TestNoAllocations checks the kernel-Go rule "no Go heap" for the code
// paths the kernel runs: Map, Walk, Protect (with a split), Unmap, Dump
// and the formatters must not allocate. The simulated RAM is a *RAM in a
// PhysMem interface (a pointer: no boxing) and the allocator a closure
// made once, as the kernel's is a static function.
func TestNoAllocations(t *testing.T) {
	e := newEnv(t, 1*mib)
	var mem asm.PhysMem = e.ram
	alloc := e.alloc
	var sink uint64
	allocs := testing.AllocsPerRun(20, func() {
		e.ram.Reset()
		pgd := PhysAddr(e.ram.NewPGD())
		st, err := Map(mem, pgd, PAGE_OFFSET+4*kib, 4*kib, 2*gib+8*mib, PAGE_KERNEL, Size2M|Size1G, alloc)
		if err != OK {
			panic(err.String())
		}
		st2, err := Map(mem, pgd, X__START_KERNEL, LOAD_PHYSICAL_ADDR, 6*mib, PAGE_KERNEL_RX, Size2M, alloc)
		if err != OK {
			panic(err.String())
		}
		pa, _, prot, ok := Walk(mem, pgd, PAGE_OFFSET+gib+5*mib+123)
		if !ok {
			panic("walk")
		}
		st3, err := Protect(mem, pgd, PAGE_OFFSET+gib+PAGE_SIZE, PAGE_SIZE, PAGE_KERNEL_RO, alloc)
		if err != OK {
			panic(err.String())
		}
		if _, err := Unmap(mem, pgd, PAGE_OFFSET+gib+2*PAGE_SIZE); err != OK {
			panic(err.String())
		}
		var line [RangeLen]byte
		n := 0
		Dump(mem, pgd, func(r Range) {
			n += FormatRange(line[:], r)
			n += r.Prot.Format(line[:], r.Level)
		})
		sink += uint64(pa) + uint64(prot) + st.Tables + st2.Tables + st3.Tables + uint64(n) + uint64(len(Error(3).String()))
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
	if sink == 0 {
		t.Error("nothing ran")
	}
}
