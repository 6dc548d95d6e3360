package amd64

import (
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/e820"
	"gokern/internal/ktest"
	"gokern/memblock"
)

// The early reservation helpers (early_reserve_memory) on ranges that
// straddle page boundaries, as the zeropage at 0x11310 does: neither
// memblock nor bootmem (which takes memblock's reservations,
// reserveBootmemFromMemblock) may hand out any page the range touches.

const reserveRAM = 8 << 20 // the simulated machine: 8 MiB from 0

// reserveCases: each helper, with a range that crosses page boundaries.
var reserveCases = []struct {
	name       string
	base, size uint64
	reserve    func()
}{
	{"zeropage", 0x11310, asm.BOOT_PARAMS_SIZE, func() { reserveZeropage(0x11310) }},
	{"cmdline", 0x20ff0, 0x30, func() { reserveCmdline(0x20ff0, 0x30) }},
	{"cmdline-2048", 0x2f800, asm.COMMAND_LINE_SIZE, func() { reserveCmdline(0x2f800, asm.COMMAND_LINE_SIZE) }},
	{"initrd", 0x3ff800, 0x1810, func() { early_reserve_initrd(0x3ff800, 0x1810) }},
	{"kernel", 0x400800, 0x1800, func() { reserveKernel(0x400800, 0x402000) }},
}

// touches reports whether the page at pa shares a byte with [base, base+size).
func touches(pa, base, size uint64) bool { return pa < base+size && base < pa+asm.PAGE_SIZE }

func TestReservationsMemblock(t *testing.T) {
	ktest.StartCapture(t)
	for _, c := range reserveCases {
		t.Run(c.name, func(t *testing.T) {
			ram := ktest.NewRAM(t, reserveRAM)
			memblock.Init(ram)
			t.Cleanup(func() { memblock.Init(nil) })
			memblock.Memblock_add(0, reserveRAM)
			c.reserve()
			// Every page the range touches holds a reserved byte...
			for pa := c.base &^ (asm.PAGE_SIZE - 1); pa < c.base+c.size; pa += asm.PAGE_SIZE {
				if !memblock.Memblock_is_region_reserved(pa, asm.PAGE_SIZE) {
					t.Errorf("page %#x of [%#x, %#x) is not reserved at all", pa, c.base, c.base+c.size)
				}
			}
			// ... and no page-sized allocation, bottom-up or top-down, returns one.
			for _, up := range []bool{true, false} {
				memblock.Memblock_set_bottom_up(up)
				for n := 0; ; n++ {
					pa, err := memblock.Memblock_phys_alloc(asm.PAGE_SIZE, asm.PAGE_SIZE)
					if err != memblock.OK {
						break
					}
					if touches(pa, c.base, c.size) {
						t.Fatalf("memblock (bottom-up %v) handed out page %#x of [%#x, %#x)", up, pa, c.base, c.base+c.size)
					}
				}
			}
		})
	}
}

func TestReservationsBootmem(t *testing.T) {
	ktest.StartCapture(t)
	var tab e820.E820Table
	e820.E820__range_add(&tab, 0, reserveRAM, e820.E820_TYPE_RAM)
	for _, c := range reserveCases {
		t.Run(c.name, func(t *testing.T) {
			ram := ktest.NewRAM(t, reserveRAM)
			memblock.Init(ram)
			bootmem.Init(ram)
			t.Cleanup(func() { memblock.Init(nil); bootmem.Init(nil) })
			memblock.Memblock_add(0, reserveRAM)
			c.reserve()
			// The kernel of this machine: 5-6 MiB, well clear of the cases.
			if err := bootmem.Setup_bootmem_allocator(&tab, 5<<20, 6<<20, reserveRAM>>asm.PAGE_SHIFT); err != bootmem.OK {
				t.Fatal(err)
			}
			reserveBootmemFromMemblock()
			for {
				b, err := bootmem.Alloc_bootmem_pages(asm.PAGE_SIZE)
				if err != bootmem.OK {
					break
				}
				if pa := ram.PA(b); touches(pa, c.base, c.size) {
					t.Fatalf("bootmem handed out page %#x of [%#x, %#x)", pa, c.base, c.base+c.size)
				}
			}
		})
	}
}
