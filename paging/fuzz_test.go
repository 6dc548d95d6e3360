package paging_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	. "gokern/paging"
)

// canonicalize turns any 64-bit value into a page-aligned canonical
// address by sign-extending bit 47.
func canonicalize(x uint64) VirtAddr {
	x &= 1<<48 - 1
	if x&(1<<47) != 0 {
		x |= 0xffff << 48
	}
	return VirtAddr(x) &^ (PAGE_SIZE - 1)
}

// FuzzMap maps a fuzzed range, optionally over a fuzzed pre-existing 4 KiB
// mapping, and checks the result with Walk and Dump: translation and flags
// of sampled pages (edges, every large-page boundary nearby, random
// pages), the page-size choice, the counts, and that a conflicting
// pre-existing page makes Map fail without changing anything.
func FuzzMap(f *testing.F) {
	f.Add(uint64(PAGE_OFFSET), uint64(0), uint64(64<<20), uint8(Size2M|Size1G), false, uint64(0), uint64(0))
	f.Add(uint64(PAGE_OFFSET+4096), uint64(4096), uint64(gib+4*mib), uint8(Size2M|Size1G), false, uint64(0), uint64(0))
	f.Add(uint64(X__START_KERNEL), uint64(LOAD_PHYSICAL_ADDR), uint64(16*mib), uint8(Size2M), true, uint64(X__START_KERNEL+8*kib), uint64(LOAD_PHYSICAL_ADDR+8*kib))
	f.Add(uint64(X__START_KERNEL), uint64(LOAD_PHYSICAL_ADDR), uint64(16*mib), uint8(Size2M), true, uint64(X__START_KERNEL+8*kib), uint64(0))
	f.Add(uint64(0x7fffffe00000), uint64(0x200000), uint64(2*mib), uint8(Size2M), true, uint64(0x7fffffc00000), uint64(0))
	f.Add(uint64(0xffffffffffe00000), uint64(gib), uint64(2*mib), uint8(Size2M), false, uint64(0), uint64(0))
	f.Add(uint64(0x40000000), uint64(0x1000), uint64(3*mib), uint8(0), true, uint64(0x40200000), uint64(0x201000))
	// One env for every input (Reset is cheap; making RAM is not), living
	// as long as the fuzz target.
	const maxSize = 2*gib + 8*mib
	fuzzEnv := newEnv(f, maxSize/PMD_SIZE*PAGE_SIZE+64*kib)
	f.Fuzz(func(t *testing.T, rawVA, rawPA, rawSize uint64, rawSizes uint8, pre bool, rawPreVA, rawPrePA uint64) {
		va := canonicalize(rawVA)
		size := (rawSize%maxSize + 1) &^ (PAGE_SIZE - 1)
		if size == 0 {
			size = PAGE_SIZE
		}
		// Stay inside the half of the address space va is in.
		halfEnd := uint64(0x0000800000000000) // exclusive, lower half
		if va >= 0xffff800000000000 {
			halfEnd = 0 // the top: 2^64
		}
		if room := halfEnd - uint64(va); size > room {
			size = room
		}
		pa := PhysAddr(rawPA&PHYSICAL_MASK) &^ (PAGE_SIZE - 1)
		if uint64(pa) > PHYSICAL_MASK+1-size {
			pa = PhysAddr(PHYSICAL_MASK+1-size) &^ (PAGE_SIZE - 1)
		}
		sizes := Sizes(rawSizes) & (Size2M | Size1G)
		prot := PAGE_KERNEL

		e := fuzzEnv
		e.reset()

		preVA := canonicalize(rawPreVA)
		prePA := PhysAddr(rawPrePA&PHYSICAL_MASK) &^ (PAGE_SIZE - 1)
		inside := pre && uint64(preVA-va) < size
		if pre {
			e.mapRange(t, preVA, prePA, PAGE_SIZE, PAGE_KERNEL_RO, Only4K)
			if inside && rawPreVA&1 != 0 { // sometimes make it agree
				prePA = pa + PhysAddr(preVA-va)
				e.reset()
				e.mapRange(t, preVA, prePA, PAGE_SIZE, prot, Only4K)
			}
		}
		conflict := inside && (prePA != pa+PhysAddr(preVA-va) || rawPreVA&1 == 0)

		before := e.snapshot()
		st, err := Map(e.ram, e.pgd, va, pa, size, prot, sizes, e.alloc)
		if conflict {
			if err != ErrConflict || !bytes.Equal(before, e.snapshot()) {
				t.Fatalf("Map over conflicting page %#x: %v (tables changed: %v)", uint64(preVA), err, !bytes.Equal(before, e.snapshot()))
			}
			return
		}
		if err != OK {
			t.Fatalf("Map(%#x, %#x, %#x, %d) = %v", uint64(va), uint64(pa), size, sizes, err)
		}
		written := st.Pages4K*PAGE_SIZE + st.Pages2M*PMD_SIZE + st.Pages1G*PUD_SIZE
		if inside {
			written += PAGE_SIZE // the identical page was kept
		}
		if written != size {
			t.Fatalf("pages add up to %#x, want %#x (%+v)", written, size, st)
		}
		if !pre {
			n4k, n2m, n1g := expectCounts(va, pa, size, sizes)
			if st.Pages4K != n4k || st.Pages2M != n2m || st.Pages1G != n1g {
				t.Fatalf("counts %+v, want %d/%d/%d", st, n4k, n2m, n1g)
			}
		}

		check := func(off uint64) {
			if off >= size {
				return
			}
			v := va + VirtAddr(off)
			if !pre {
				e.checkPage(t, v, va, pa, size, prot, sizes)
				return
			}
			gotPA, _, gotProt, ok := Walk(e.ram, e.pgd, v)
			if !ok || gotPA != pa+PhysAddr(off) || gotProt != prot {
				t.Fatalf("Walk(%#x) = %#x %#x %v", uint64(v), uint64(gotPA), uint64(gotProt), ok)
			}
		}
		check(0)
		check(size - PAGE_SIZE)
		// Around every large-page boundary near the edges.
		for _, s := range []uint64{PMD_SIZE, PUD_SIZE} {
			first := (uint64(va) + s - 1) &^ (s - 1)
			for i := uint64(0); i < 4; i++ {
				for _, b := range []uint64{first + i*s - uint64(va), size - (size+uint64(va))%s - i*s} {
					check(b - PAGE_SIZE)
					check(b)
				}
			}
		}
		rng := rand.New(rand.NewPCG(rawVA^rawSize, rawPA))
		for i := 0; i < 64; i++ {
			check(rng.Uint64N(size/PAGE_SIZE) * PAGE_SIZE)
		}
		if pre && !inside {
			if got, _, gotProt, ok := Walk(e.ram, e.pgd, preVA); !ok || got != prePA || gotProt != PAGE_KERNEL_RO {
				t.Fatalf("pre-existing page %#x disturbed: %#x %v", uint64(preVA), uint64(got), ok)
			}
		}
		// Dump sees exactly the mapped bytes.
		var mapped uint64
		Dump(e.ram, e.pgd, func(r Range) {
			if r.Prot.Present() {
				mapped += uint64(r.End - r.Start)
			}
		})
		want := size
		if pre && !inside {
			want += PAGE_SIZE
		}
		if mapped != want {
			t.Fatalf("Dump shows %#x mapped bytes, want %#x", mapped, want)
		}
	})
}
