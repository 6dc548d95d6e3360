package bootstage

import (
	"encoding/binary"
	"math/rand"
	"testing"

	"gokern/internal/bzimage"
)

const (
	M      = 1 << 20
	kStart = 16 * M
	kEnd   = 0x11a8000
)

var kernel = Range{kStart, kEnd}

// e820 of QEMU's pc machine with SeaBIOS and -m of ramMiB, as the setup
// prints it.
func seabiosMap(ramMiB uint64) []E820Entry {
	top := ramMiB*M - 0x20000
	return []E820Entry{
		{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xf0000, 0x10000, 2},
		{0x100000, top - 0x100000, 1}, {top, 0x20000, 2}, {0xfffc0000, 0x40000, 2},
	}
}

// avoidFor is the mem_avoid table of a QEMU boot: payload at 1 MiB,
// boot_params in the setup, the command line at 0x20000.
func avoidFor(initrd Range) (a [MEM_AVOID_MAX]Range) {
	a[MEM_AVOID_ZO_RANGE] = Range{M, M + 0x130000}
	a[MEM_AVOID_INITRD] = initrd
	a[MEM_AVOID_CMDLINE] = Range{0x20000, 0x20020}
	a[MEM_AVOID_BOOTPARAMS] = Range{0x11310, 0x12310}
	a[MEM_AVOID_REALMODE] = Range{0, M}
	return a
}

func TestRAMRanges(t *testing.T) {
	got := RAMRanges([]E820Entry{{0x100000, 0, 1}, {0x200000, 0x1000, 2}, {^uint64(0) - 0xfff, 0x2000, 1}, {0x300000, 0x1000, 1}}, 0, 0)
	want := []Range{{^uint64(0) - 0xfff, ^uint64(0)}, {0x300000, 0x301000}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("RAMRanges = %v, want %v (no empty or reserved entries, a wrap cut at 2^64)", got, want)
	}
	// Fewer than two entries: the E801/88h fallback, the larger wins.
	for _, c := range []struct{ alt, ext uint32 }{{15 * 1024, 100}, {100, 15 * 1024}} {
		got := RAMRanges([]E820Entry{{0, 0x1000, 1}}, c.alt, c.ext)
		if len(got) != 2 || got[0] != (Range{0, LOWMEMSIZE}) || got[1] != (Range{M, 16 * M}) {
			t.Errorf("fallback for e801 %d, 88h %d KiB: %v", c.alt, c.ext, got)
		}
	}
}

func TestRAMEnd(t *testing.T) {
	// Unsorted, abutting and overlapping (qboot's map is unsorted).
	ram := []Range{{0x500000, 0x600000}, {M, 0x300000}, {0x300000, 0x400000}, {0x380000, 0x480000}}
	for _, c := range []struct{ addr, want uint64 }{
		{M, 0x480000}, {0x3fffff, 0x480000}, {0x480000, 0x480000}, {0x500000, 0x600000}, {0, 0},
	} {
		if got := RAMEnd(ram, c.addr); got != c.want {
			t.Errorf("RAMEnd(%#x) = %#x, want %#x", c.addr, got, c.want)
		}
	}
	if got := RAMEndsAt(ram, M); got != 0x47ffff {
		t.Errorf("RAMEndsAt(1M) = %#x, want the end of the contiguous run", got)
	}
	if got := RAMEndsAt(ram, 0x490000); got != 0x47ffff {
		t.Errorf("RAMEndsAt in a hole = %#x, want the last RAM byte below", got)
	}
}

func TestPlace(t *testing.T) {
	ram := func(mib uint64) []Range { return RAMRanges(seabiosMap(mib), 0, 0) }
	// -m 16M and 17M: RAM ends before the kernel does.
	for _, c := range []struct{ mib, ends uint64 }{{16, 0xfdffff}, {17, 0x10dffff}} {
		d := Place(ram(c.mib), kernel, avoidFor(Range{}))
		if d.Outcome != NotEnoughRAM || d.RAMEnds != c.ends {
			t.Errorf("-m %dM: %v RAM ends %#x, want NotEnoughRAM at %#x", c.mib, d.Outcome, d.RAMEnds, c.ends)
		}
	}
	if d := Place(ram(18), kernel, avoidFor(Range{})); d.Outcome != Boot {
		t.Errorf("-m 18M: %v, want Boot (the kernel fits: 0x11a8000 <= 0x11e0000)", d.Outcome)
	}
	// An initrd at the top of 20M, on the kernel: moved below 16 MiB.
	initrd := Range{0x10df000, 0x10df000 + 3*M}
	if d := Place(ram(20), kernel, avoidFor(initrd)); d.Outcome != MoveInitrd || d.InitrdTo != 0xd00000 {
		t.Errorf("3M initrd on 20M: %v to %#x", d.Outcome, d.InitrdTo)
	}
	// 50 MiB on 64M: fits neither below 16 MiB nor above the kernel.
	big := Range{0xde0000, 0x3fe0000}
	if d := Place(ram(64), kernel, avoidFor(big)); d.Outcome != InitrdNoRoom {
		t.Errorf("50M initrd on 64M: %v, want InitrdNoRoom", d.Outcome)
	}
	// Anything else of the loader's on the kernel's place: stop, naming it.
	for i := range MEM_AVOID_MAX {
		if i == MEM_AVOID_INITRD {
			continue
		}
		a := avoidFor(Range{})
		a[i] = Range{kStart + 0x1000, kStart + 0x2000}
		if d := Place(ram(64), kernel, a); d.Outcome != PlaceOccupied || d.Avoid != i {
			t.Errorf("%s on the kernel: %v avoid %d", AvoidNames[i], d.Outcome, d.Avoid)
		}
	}
	// An initrd on the kernel that may move up, over where it is now.
	initrd = Range{0x1100000, 0x1300000}
	if d := Place(ram(20), kernel, avoidFor(initrd)); d.Outcome != MoveInitrd || d.InitrdTo != 0x11e0000 {
		t.Errorf("2M initrd at 17M on 20M: %v to %#x, want up to 0x11e0000", d.Outcome, d.InitrdTo)
	}
}

// bruteInitrdPlace is FindInitrdPlace's definition, tried page by page
// from top (above all of the RAM of the maps tried, below InitrdLimit).
func bruteInitrdPlace(ram []Range, kernel Range, avoid [MEM_AVOID_MAX]Range, top uint64) (uint64, bool) {
	size := avoid[MEM_AVOID_INITRD].End - avoid[MEM_AVOID_INITRD].Start
	for to := (top - size) &^ (PAGE_SIZE - 1); ; to -= PAGE_SIZE {
		p := Range{to, to + size}
		if RAMEnd(ram, to) >= p.End && !p.Overlaps(kernel) && Overlap(avoid, p, MEM_AVOID_INITRD) < 0 {
			return to, true
		}
		if to == 0 {
			return 0, false
		}
	}
}

// TestFindInitrdPlace: on random small maps (RAM below 64 MiB, in pieces,
// unsorted), the candidates FindInitrdPlace tries find the same place as
// trying every page.
func TestFindInitrdPlace(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	page := func(n int) uint64 { return uint64(rnd.Intn(n)) * PAGE_SIZE }
	for i := 0; i < 300; i++ {
		var e820 []E820Entry
		for j := 0; j < 2+rnd.Intn(5); j++ {
			e820 = append(e820, E820Entry{page(64 * 256), page(32 * 256), uint32(1 + rnd.Intn(2))})
		}
		ram := RAMRanges(e820, 0, 0)
		k := Range{page(40 * 256), 0}
		k.End = k.Start + PAGE_SIZE + page(512)
		a := avoidFor(Range{})
		a[MEM_AVOID_ZO_RANGE] = Range{M, M + page(1024) + PAGE_SIZE}
		a[MEM_AVOID_CMDLINE] = Range{page(64*256) + 0x123, 0}
		a[MEM_AVOID_CMDLINE].End = a[MEM_AVOID_CMDLINE].Start + 300
		start := page(64 * 256)
		a[MEM_AVOID_INITRD] = Range{start, start + 1 + page(24*256)}
		got, ok := FindInitrdPlace(ram, k, a)
		want, wok := bruteInitrdPlace(ram, k, a, 128*M) // the maps end below 96 MiB
		if ok != wok || got != want {
			t.Fatalf("map %v kernel %v avoid %v: FindInitrdPlace %#x %v, every page %#x %v", e820, k, a, got, ok, want, wok)
		}
	}
}

func TestVerifyImage(t *testing.T) {
	const off, bss = 0x100, 0x2000
	p := make([]byte, 0x1800)
	for i := range p {
		p[i] = byte(i * 13)
	}
	size := uint32(0x17fc)
	copy(p[off:off+8], make([]byte, 8))
	c := bzimage.Xxh32(append(append([]byte{}, p[:off]...), p[off+8:size]...), 0)
	le := binary.LittleEndian
	le.PutUint32(p[off:], size)
	le.PutUint32(p[off+4:], c)
	le.PutUint32(p[size:], c)
	mem := append(append([]byte{}, p...), make([]byte, 64)...)
	if v := VerifyImage(mem, off, bss); !v.OK || v.Got != c || v.EndMark != c || v.Size != size {
		t.Fatalf("whole image: %+v", v)
	}
	cut := append(append([]byte{}, p[:size-0x100]...), make([]byte, 0x200)...)
	if v := VerifyImage(cut, off, bss); v.OK || v.EndMark != 0 {
		t.Errorf("cut image: %+v", v)
	}
	// The bytes cut were zeros anyway: only the missing end mark tells.
	z := append([]byte{}, mem...)
	copy(z[size-16:size], make([]byte, 16))
	c2 := bzimage.Xxh32(append(append([]byte{}, z[:off]...), z[off+8:size]...), 0)
	le.PutUint32(z[off+4:], c2)
	copy(z[size:], make([]byte, 4))
	if v := VerifyImage(z, off, bss); v.OK || v.Got != c2 {
		t.Errorf("cut on zeros: %+v must fail on the end mark", v)
	}
	flip := append([]byte{}, mem...)
	flip[0x50] ^= 1
	if v := VerifyImage(flip, off, bss); v.OK || v.EndMark != c {
		t.Errorf("flipped byte: %+v", v)
	}
	bad := append([]byte{}, mem...)
	le.PutUint32(bad[off:], bss) // a size into the bss: not followed
	if v := VerifyImage(bad, off, bss); v.OK || v.Got != 0 {
		t.Errorf("impossible size: %+v", v)
	}
}
