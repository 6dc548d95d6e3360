// Package bootstage is a Go model of what the boot stage (boot/compressed)
// decides at run time, written to be read next to the assembly: where the
// RAM is, whether the kernel's place at LOAD_PHYSICAL_ADDR is usable RAM
// that holds nothing the loader put there, and where the initrd goes when
// it is in the way (boot/compressed/kaslr.S). Host tests check the model
// on maps the boot stage cannot be given under QEMU; boot tests check that
// the boot stage decided what the model says for the maps QEMU gives.
package bootstage

import (
	"encoding/binary"

	"gokern/arch/amd64/asm"
	"gokern/e820"
	"gokern/internal/bzimage"
)

// Range is [Start, End).
type Range struct{ Start, End uint64 }

// Overlaps reports whether r and o share a byte.
func (r Range) Overlaps(o Range) bool { return r.Start < o.End && o.Start < r.End }

// What the kernel's place must not hold, Linux arch/x86/boot/compressed/
// kaslr.c enum mem_avoid_index; MEM_AVOID_REALMODE is gokern's: the first
// MiB, where the real-mode setup ran and the BIOS keeps its data.
const (
	MEM_AVOID_ZO_RANGE   = iota // the boot stage itself: payload, bss, page tables
	MEM_AVOID_INITRD            // the initrd, where the loader put it
	MEM_AVOID_CMDLINE           // the command line
	MEM_AVOID_BOOTPARAMS        // the zeropage
	MEM_AVOID_REALMODE          // [0, 1 MiB): the setup, the BIOS
	MEM_AVOID_MAX
)

// AvoidNames are the words the boot stage's messages use for each range.
var AvoidNames = [MEM_AVOID_MAX]string{"boot stage", "initrd", "command line", "boot_params", "real-mode memory"}

// E820Entry is one entry of boot_params.e820_table.
type E820Entry struct {
	Addr, Size uint64
	Type       uint32
}

// The kernel's own numbers, from their owners (internal/layout).
const (
	E820_TYPE_RAM = uint32(e820.E820_TYPE_RAM)
	LOWMEMSIZE    = e820.LOWMEMSIZE // the fallback map's conventional memory
	HIGH_MEMORY   = e820.HIGH_MEMORY
	PAGE_SIZE     = asm.PAGE_SIZE
	// InitrdLimit: the initrd is moved below 4 GiB, the end of the boot
	// stage's identity map (and of the ramdisk_image field without ext_).
	InitrdLimit = 1 << 32
)

// RAMRanges is the usable RAM of the loader's map, unsorted and possibly
// overlapping, as the boot stage's e820_ram_init collects it: every type-1
// entry of non-zero size (an entry wrapping past 2^64 is cut there), or,
// for a map of fewer than two entries, the fallback the kernel builds
// (e820.Setup_default): [0, LOWMEMSIZE) and 1 MiB up to E801's or 88h's
// size, whichever is larger.
func RAMRanges(e820 []E820Entry, altMemK, extMemK uint32) []Range {
	var ram []Range
	if len(e820) < 2 {
		k := max(altMemK, extMemK)
		return []Range{{0, LOWMEMSIZE}, {HIGH_MEMORY, HIGH_MEMORY + uint64(k)<<10}}
	}
	for _, e := range e820 {
		if e.Type != E820_TYPE_RAM || e.Size == 0 {
			continue
		}
		end := e.Addr + e.Size
		if end < e.Addr {
			end = ^uint64(0)
		}
		ram = append(ram, Range{e.Addr, end})
	}
	return ram
}

// RAMEnd is the end of the usable RAM that runs on without a gap from
// addr, or addr when addr is not in RAM (kaslr.S e820_ram_end): entries may
// come in any order (qboot's do not) and may overlap or abut.
func RAMEnd(ram []Range, addr uint64) uint64 {
	for again := true; again; {
		again = false
		for _, r := range ram {
			if r.Start <= addr && addr < r.End {
				addr, again = r.End, true
			}
		}
	}
	return addr
}

// RAMEndsAt is what "RAM ends at" says in the message for a kernel place
// that is not all RAM: the last byte of the RAM that runs on from the
// place's start, or, when the start itself is not RAM, the last RAM byte
// below it.
func RAMEndsAt(ram []Range, start uint64) uint64 {
	if end := RAMEnd(ram, start); end > start {
		return end - 1
	}
	var below uint64
	for _, r := range ram {
		if r.Start < start {
			below = max(below, min(r.End, start))
		}
	}
	return below - 1
}

// Outcome is what the boot stage does.
type Outcome int

const (
	Boot          Outcome = iota // the place is free: move the kernel there
	MoveInitrd                   // move the initrd to InitrdTo first, then boot
	NotEnoughRAM                 // the place is not all usable RAM: stop
	InitrdNoRoom                 // the initrd is in the way and fits nowhere else: stop
	PlaceOccupied                // the loader put something else there: stop
)

// Decision is the outcome and its figures.
type Decision struct {
	Outcome  Outcome
	RAMEnds  uint64 // NotEnoughRAM: the last RAM byte (RAMEndsAt)
	Avoid    int    // PlaceOccupied: which mem_avoid range
	InitrdTo uint64 // MoveInitrd: the initrd's new address
}

// Place decides for the kernel's place kernel (page aligned) and the
// mem_avoid ranges (kaslr.S choose_kernel_place): first that the place is
// RAM, then that the loader put nothing there but perhaps the initrd, and
// last where the initrd goes if it is in the way.
func Place(ram []Range, kernel Range, avoid [MEM_AVOID_MAX]Range) Decision {
	if RAMEnd(ram, kernel.Start) < kernel.End {
		return Decision{Outcome: NotEnoughRAM, RAMEnds: RAMEndsAt(ram, kernel.Start)}
	}
	if i := Overlap(avoid, kernel, MEM_AVOID_INITRD); i >= 0 {
		return Decision{Outcome: PlaceOccupied, Avoid: i}
	}
	if Overlap(avoid, kernel, -1) < 0 {
		return Decision{Outcome: Boot}
	}
	to, ok := FindInitrdPlace(ram, kernel, avoid)
	if !ok {
		return Decision{Outcome: InitrdNoRoom}
	}
	return Decision{Outcome: MoveInitrd, InitrdTo: to}
}

// Overlap is the first mem_avoid range but skip that r overlaps, or -1
// (Linux mem_avoid_overlap; kaslr.S mem_avoid_overlap). Empty ranges avoid
// nothing.
func Overlap(avoid [MEM_AVOID_MAX]Range, r Range, skip int) int {
	for i, a := range avoid {
		if i != skip && a.Start < a.End && r.Overlaps(a) {
			return i
		}
	}
	return -1
}

// FindInitrdPlace is the highest page-aligned address below InitrdLimit
// where the initrd, of the size avoid[MEM_AVOID_INITRD] gives, lies in
// usable RAM and overlaps neither the kernel's place nor any other
// mem_avoid range; it may overlap where the initrd is now (the copy runs
// in the safe direction). kaslr.S find_initrd_place: the highest such
// address ends at a RAM range's end, at the limit, or right below an
// avoided range, so those are the only candidates to try.
func FindInitrdPlace(ram []Range, kernel Range, avoid [MEM_AVOID_MAX]Range) (uint64, bool) {
	size := avoid[MEM_AVOID_INITRD].End - avoid[MEM_AVOID_INITRD].Start
	var ends []uint64
	for _, r := range ram {
		ends = append(ends, min(r.End, InitrdLimit))
	}
	ends = append(ends, kernel.Start)
	for i, a := range avoid {
		if i != MEM_AVOID_INITRD && a.Start < a.End {
			ends = append(ends, a.Start)
		}
	}
	best, found := uint64(0), false
	for _, e := range ends {
		if e < size {
			continue
		}
		to := (e - size) &^ (PAGE_SIZE - 1)
		if found && to <= best {
			continue
		}
		place := Range{to, to + size}
		if place.End > InitrdLimit || RAMEnd(ram, to) < place.End || place.Overlaps(kernel) ||
			Overlap(avoid, place, MEM_AVOID_INITRD) >= 0 {
			continue
		}
		best, found = to, true
	}
	return best, found
}

// String names the outcome as the tests print it.
func (o Outcome) String() string {
	switch o {
	case Boot:
		return "Boot"
	case MoveInitrd:
		return "MoveInitrd"
	case NotEnoughRAM:
		return "NotEnoughRAM"
	case InitrdNoRoom:
		return "InitrdNoRoom"
	case PlaceOccupied:
		return "PlaceOccupied"
	}
	return "Outcome(?)"
}

// ImageVerdict is what verify_image (boot/compressed/verify_image.S)
// finds in the payload as it lies in memory.
type ImageVerdict struct {
	OK         bool
	Size, Hash uint32 // the image_check record: what the builder wrote (XXH32)
	Got        uint32 // the XXH32 of the bytes in memory (0: the record's size is impossible)
	EndMark    uint32 // the 4 bytes at Size, where the builder put a copy of the hash
}

// VerifyImage checks mem, the payload as loaded (and what follows it in
// memory), with the image_check record at off; bss is the payload's _bss,
// the end the record's size must stay below. It follows verify_image.S
// step by step, so a boot test can predict its message.
func VerifyImage(mem []byte, off, bss uint32) ImageVerdict {
	le := binary.LittleEndian
	v := ImageVerdict{Size: le.Uint32(mem[off:]), Hash: le.Uint32(mem[off+4:])}
	if v.Size < off+8 || v.Size > bss-4 || int(v.Size)+4 > len(mem) {
		return v
	}
	v.Got = bzimage.PayloadXXH32(mem, off, v.Size)
	v.EndMark = le.Uint32(mem[v.Size:])
	v.OK = v.Got == v.Hash && v.EndMark == v.Hash
	return v
}
