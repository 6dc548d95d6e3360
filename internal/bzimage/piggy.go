// Package bzimage makes gokern's boot image, the counterparts of Linux's
// host tools arch/x86/boot/compressed/mkpiggy.c (MkPiggy: the kernel
// payload inside the boot stage) and arch/x86/boot/tools/build.c (Build:
// setup sectors + protected-mode payload, with the setup header filled in
// for boot protocol 2.15, Documentation/arch/x86/boot.rst).
package bzimage

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"

	"gokern/arch/amd64/asm"
)

// The piggy's layout, little-endian. boot/compressed/head_64.S reads it
// under these names, from the generated consts.inc (internal/kbuild).
const (
	PIGGY_MAGIC = 0x504b4f47 // "GOKP"
	PIGGY_magic = 0          // u32
	PIGGY_nseg  = 4          // u32: entries in the segment table
	PIGGY_entry = 8          // u64: physical address of the kernel's startup_64
	PIGGY_start = 16         // u64: physical extent of the kernel, bss included
	PIGGY_end   = 24         // u64
	PIGGY_segs  = 32         // the segment table, right after the header
	SEG_offset  = 0          // u64: where the segment's bytes are, from the piggy's start
	SEG_phys    = 8          // u64: where they go
	SEG_filesz  = 16         // u64: bytes to copy
	SEG_memsz   = 24         // u64: bytes it occupies (the rest is zeroed)
	SEG_SIZE    = 32

	piggyHdrLen = PIGGY_segs
	piggySegLen = SEG_SIZE
)

// Segment is one loadable segment of the kernel as the boot stage moves it.
type Segment struct {
	Phys, Filesz, Memsz uint64
	Data                []byte
}

// Piggy describes the kernel payload.
type Piggy struct {
	Entry      uint64 // physical address of the kernel's startup_64
	Start, End uint64 // physical extent, bss included
	Segments   []Segment
}

// ReadKernel takes the loadable segments of the Go kernel ELF. Every
// segment must lie in the kernel text mapping at or above
// LOAD_PHYSICAL_ADDR, because startup_64 of the boot stage copies it to
// vaddr - __START_KERNEL_map.
func ReadKernel(path string) (*Piggy, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%s: not an x86-64 ELF64 file", path)
	}
	p := &Piggy{Start: ^uint64(0)}
	for _, ph := range f.Progs {
		if ph.Type != elf.PT_LOAD || ph.Memsz == 0 {
			continue
		}
		if ph.Vaddr == asm.CODE32_START_DEFAULT && ph.Paddr == asm.CODE32_START_DEFAULT {
			continue // the PVH boot stage kbuild puts into build/vmlinux (internal/kbuild pvh.go)
		}
		if ph.Paddr != ph.Vaddr && ph.Paddr != ph.Vaddr-asm.X__START_KERNEL_map {
			return nil, fmt.Errorf("%s: segment at %#x has p_paddr %#x, not its physical address %#x", path, ph.Vaddr, ph.Paddr, ph.Vaddr-asm.X__START_KERNEL_map)
		}
		if ph.Vaddr < asm.X__START_KERNEL {
			return nil, fmt.Errorf("%s: segment at %#x is below __START_KERNEL_map+LOAD_PHYSICAL_ADDR (%#x): link the kernel with -T in the kernel text mapping",
				path, ph.Vaddr, uint64(asm.X__START_KERNEL))
		}
		if ph.Filesz > ph.Memsz {
			// startup_64 zeroes memsz - filesz bytes: that must not underflow.
			return nil, fmt.Errorf("%s: segment at %#x has filesz %#x > memsz %#x", path, ph.Vaddr, ph.Filesz, ph.Memsz)
		}
		data := make([]byte, ph.Filesz)
		if _, err := ph.ReadAt(data, 0); err != nil {
			return nil, fmt.Errorf("%s: reading segment at %#x: %v", path, ph.Vaddr, err)
		}
		phys := ph.Vaddr - asm.X__START_KERNEL_map
		p.Segments = append(p.Segments, Segment{Phys: phys, Filesz: ph.Filesz, Memsz: ph.Memsz, Data: data})
		p.Start = min(p.Start, phys)
		p.End = max(p.End, phys+ph.Memsz)
	}
	if len(p.Segments) == 0 {
		return nil, fmt.Errorf("%s: no loadable segments", path)
	}
	if f.Entry < asm.X__START_KERNEL_map {
		return nil, fmt.Errorf("%s: entry %#x is not in the kernel text mapping", path, f.Entry)
	}
	p.Entry = f.Entry - asm.X__START_KERNEL_map
	if p.Entry < p.Start || p.Entry >= p.End {
		return nil, fmt.Errorf("%s: entry %#x outside the kernel image", path, f.Entry)
	}
	return p, nil
}

// Bytes serialises the piggy: header, segment table, then each segment's
// file bytes, 16-byte aligned.
func (p *Piggy) Bytes() []byte {
	le := binary.LittleEndian
	// Lay out first, so the table can be written in one place.
	offs := make([]uint64, len(p.Segments))
	off := uint64(piggyHdrLen + piggySegLen*len(p.Segments))
	for i, s := range p.Segments {
		off = (off + 15) &^ 15
		offs[i] = off
		off += s.Filesz
	}
	out := make([]byte, off)
	le.PutUint32(out[PIGGY_magic:], PIGGY_MAGIC)
	le.PutUint32(out[PIGGY_nseg:], uint32(len(p.Segments)))
	le.PutUint64(out[PIGGY_entry:], p.Entry)
	le.PutUint64(out[PIGGY_start:], p.Start)
	le.PutUint64(out[PIGGY_end:], p.End)
	for i, s := range p.Segments {
		e := out[piggyHdrLen+piggySegLen*i:]
		le.PutUint64(e[SEG_offset:], offs[i])
		le.PutUint64(e[SEG_phys:], s.Phys)
		le.PutUint64(e[SEG_filesz:], s.Filesz)
		le.PutUint64(e[SEG_memsz:], s.Memsz)
		copy(out[offs[i]:], s.Data)
	}
	return out
}

// ParsePiggy reads back a serialised piggy (used by tests and by the image
// checks, the way a student would check what the builder wrote).
func ParsePiggy(b []byte) (*Piggy, error) {
	le := binary.LittleEndian
	if len(b) < piggyHdrLen || le.Uint32(b[PIGGY_magic:]) != PIGGY_MAGIC {
		return nil, fmt.Errorf("not a piggy: bad magic")
	}
	n := int(le.Uint32(b[PIGGY_nseg:]))
	if uint64(n) > uint64(len(b)-piggyHdrLen)/piggySegLen {
		return nil, fmt.Errorf("piggy truncated in segment table")
	}
	p := &Piggy{Entry: le.Uint64(b[PIGGY_entry:]), Start: le.Uint64(b[PIGGY_start:]), End: le.Uint64(b[PIGGY_end:])}
	for i := 0; i < n; i++ {
		e := b[piggyHdrLen+piggySegLen*i:]
		off, fs := le.Uint64(e[SEG_offset:]), le.Uint64(e[SEG_filesz:])
		if off > uint64(len(b)) || fs > uint64(len(b))-off { // no wrap-around
			return nil, fmt.Errorf("piggy segment %d beyond the end", i)
		}
		p.Segments = append(p.Segments, Segment{Phys: le.Uint64(e[SEG_phys:]), Filesz: fs, Memsz: le.Uint64(e[SEG_memsz:]), Data: b[off : off+fs]})
	}
	return p, nil
}

// MkPiggy writes the payload for boot/compressed/piggy.S.
func MkPiggy(vmlinux, out string) (*Piggy, error) {
	p, err := ReadKernel(vmlinux)
	if err != nil {
		return nil, err
	}
	return p, os.WriteFile(out, p.Bytes(), 0o644)
}
