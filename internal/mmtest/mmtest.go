// Package mmtest boots the memory manager over simulated RAM for the host
// tests of packages above mm (mm/slab, kernel/irq, ...): memblock, the
// buddy allocator's handover, the slab allocator and vmalloc, as
// start_kernel runs them. It is test support, never linked into the
// kernel. (mm's own tests have their own, finer helpers.)
package mmtest

import (
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/internal/ktest"
	"gokern/memblock"
	"gokern/mm"
	"gokern/paging"
)

// Machine is a booted simulated machine.
type Machine struct {
	RAM *ktest.RAM
	Log *ktest.Capture
}

// Boot boots a machine of size bytes (at least 32 MiB): RAM from 4 KiB to
// 636 KiB and from 1 MiB up, page 0 and 16-18 MiB (a kernel) reserved,
// then free_area_init, mm_init and kmem_cache_init_late; the kernel's
// page tables are a fresh PGD in the RAM (init_mm.pgd). slubDebug is
// slub_debug's value (nil: off).
func Boot(t testing.TB, size uint64, slubDebug []byte) *Machine {
	t.Helper()
	m := &Machine{RAM: ktest.NewRAM(t, size), Log: ktest.StartCapture(t)}
	bootmem.Init(nil)
	memblock.Init(m.RAM)
	memblock.Memblock_allow_resize()
	for _, r := range [][2]uint64{{0x1000, 0x9f000}, {0x100000, size}} {
		memblock.Memblock_add(r[0], r[1]-r[0])
	}
	memblock.Memblock_reserve(0, 0x1000)
	memblock.Memblock_reserve(16<<20, 2<<20)
	mm.Slub_debug = 0
	if slubDebug != nil {
		mm.Setup_slub_debug(slubDebug)
	}
	t.Cleanup(func() {
		mm.Slub_debug, mm.Slab_bugs, mm.Slab_state, mm.Mem_map, mm.After_bootmem = 0, 0, mm.DOWN, nil, false
		mm.Init_mm.Pgd = 0
		paging.PgtableAlloc, paging.PgtableFree = nil, nil
	})
	max := size >> asm.PAGE_SHIFT
	maxz := [mm.MAX_NR_ZONES]uint64{min(mm.MAX_DMA_PFN, max), min(mm.MAX_DMA32_PFN, max), max}
	if !mm.Free_area_init(&maxz, m.RAM) {
		t.Fatalf("free_area_init failed\n%s", strings.Join(m.Log.Lines(), "\n"))
	}
	mm.Mm_init()
	pgd := mm.Alloc_page(mm.GFP_KERNEL | mm.X__GFP_ZERO)
	mm.Init_mm.Pgd = paging.PhysAddr(mm.Page_to_pfn(pgd) << asm.PAGE_SHIFT)
	mm.Kmem_cache_init_late()
	m.Check(t)
	return m
}

// Check fails the test if an invariant of the buddy or slab allocator is
// broken.
func (m *Machine) Check(t testing.TB) {
	t.Helper()
	if msg := mm.CheckInvariants(); msg != "" {
		t.Fatalf("buddy: %s", msg)
	}
	if msg := mm.Validate_all_slab_caches(); msg != "" {
		t.Fatalf("slab: %s", msg)
	}
}
