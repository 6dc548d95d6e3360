package bzimage_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/u-root/u-root/pkg/boot/multiboot"

	"gokern/arch/amd64/asm"
)

// TestMultibootHeaders: the bzImage's multiboot header is one a real
// parser accepts (u-root's, github.com/u-root/u-root/pkg/boot/multiboot
// Probe: the magic and checksum in the first 8 KiB, no unsupported flag),
// and both headers' addresses make a loader copy exactly the payload to 1
// MiB, zero the boot stage's bss after it and enter at multiboot_entry /
// multiboot2_entry (boot/multiboot_header.S, multibootFields).
func TestMultibootHeaders(t *testing.T) {
	m := image(t)
	if err := multiboot.Probe(bytes.NewReader(m.bz)); err != nil {
		t.Fatalf("u-root's multiboot parser: %v", err)
	}
	le := binary.LittleEndian
	load := func(name string, h uint64, headerAddr, loadAddr, loadEnd, bssEnd uint64) {
		t.Helper()
		off := h - (headerAddr - loadAddr) // the loader's file offset, as GRUB computes it
		if loadAddr != asm.CODE32_START_DEFAULT || off != uint64(m.setupLen) || loadEnd-loadAddr != uint64(len(m.payload)) {
			t.Errorf("%s: loads file offset %#x (+%#x bytes) at %#x; the payload is at %#x (+%#x bytes) and goes to %#x",
				name, off, loadEnd-loadAddr, loadAddr, m.setupLen, len(m.payload), asm.CODE32_START_DEFAULT)
		}
		if want := asm.CODE32_START_DEFAULT + sym(t, m.paySyms, "_end"); bssEnd != want {
			t.Errorf("%s: bss_end_addr %#x, want the boot stage's _end %#x", name, bssEnd, want)
		}
	}

	// v1: 4-byte aligned in the first 8 KiB, flags page-align, memory info,
	// a.out kludge; the checksum sums to 0.
	h := sym(t, m.setupSyms, "multiboot_header")
	f := func(o uint64) uint64 { return uint64(le.Uint32(m.bz[h+o:])) }
	if h%4 != 0 || h+asm.MBH_SIZE > asm.MULTIBOOT_SEARCH || f(asm.MBH_magic) != asm.MULTIBOOT_HEADER_MAGIC ||
		uint32(f(asm.MBH_magic)+f(asm.MBH_flags)+f(asm.MBH_checksum)) != 0 ||
		f(asm.MBH_flags) != asm.MULTIBOOT_PAGE_ALIGN|asm.MULTIBOOT_MEMORY_INFO|asm.MULTIBOOT_AOUT_KLUDGE {
		t.Fatalf("multiboot header at %#x: % x", h, m.bz[h:h+asm.MBH_SIZE])
	}
	load("multiboot", h, f(asm.MBH_header_addr), f(asm.MBH_load_addr), f(asm.MBH_load_end_addr), f(asm.MBH_bss_end_addr))
	if want := asm.CODE32_START_DEFAULT + sym(t, m.paySyms, "multiboot_entry"); f(asm.MBH_entry_addr) != want {
		t.Errorf("entry_addr %#x, want multiboot_entry %#x", f(asm.MBH_entry_addr), want)
	}

	// v2: 8-byte aligned in the first 32 KiB; checksum; the tags up to the
	// end tag, each 8-byte aligned, inside header_length.
	h2 := sym(t, m.setupSyms, "multiboot2_header")
	g := func(o uint64) uint64 { return uint64(le.Uint32(m.bz[h2+o:])) }
	n := g(asm.MB2H_header_length)
	if h2%8 != 0 || h2+n > asm.MULTIBOOT2_SEARCH || g(asm.MB2H_magic) != asm.MULTIBOOT2_HEADER_MAGIC ||
		uint32(g(0)+g(4)+g(8)+g(12)) != 0 || g(asm.MB2H_architecture) != asm.MULTIBOOT_ARCHITECTURE_I386 {
		t.Fatalf("multiboot2 header at %#x: % x", h2, m.bz[h2:h2+16])
	}
	seen := map[uint16]uint64{}
	for o := uint64(asm.MB2H_tags); ; {
		typ, size := le.Uint16(m.bz[h2+o:]), uint64(le.Uint32(m.bz[h2+o+4:]))
		if o%8 != 0 || size < 8 || o+size > n {
			t.Fatalf("multiboot2 tag at +%#x: type %d size %d, header_length %d", o, typ, size, n)
		}
		seen[typ] = h2 + o
		if typ == asm.MULTIBOOT_HEADER_TAG_END {
			break
		}
		o = (o + size + 7) &^ 7
	}
	at, ok1 := seen[asm.MULTIBOOT_HEADER_TAG_ADDRESS]
	et, ok2 := seen[asm.MULTIBOOT_HEADER_TAG_ENTRY_ADDRESS]
	if !ok1 || !ok2 {
		t.Fatalf("multiboot2 header without address or entry tag: %v", seen)
	}
	a := func(o uint64) uint64 { return uint64(le.Uint32(m.bz[at+o:])) }
	load("multiboot2", h2, a(8), a(12), a(16), a(20))
	if want := asm.CODE32_START_DEFAULT + sym(t, m.paySyms, "multiboot2_entry"); uint64(le.Uint32(m.bz[et+8:])) != want {
		t.Errorf("multiboot2 entry %#x, want multiboot2_entry %#x", le.Uint32(m.bz[et+8:]), want)
	}
}
