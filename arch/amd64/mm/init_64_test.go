package mm

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/ktest"
	"gokern/paging"
)

// parseKernelSegments, on a real ELF image (this test binary, with its
// segments but the first moved into the kernel text mapping): the PT_LOAD
// segments it finds in the first page are the ones debug/elf reads from
// the whole file, but the first, which is outside the kernel text mapping
// as build/vmlinux's PVH boot stage is.
func TestParseKernelSegments(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	page := append([]byte(nil), raw[:4096]...)
	le := binary.LittleEndian
	phoff, phnum := le.Uint64(page[elfEhdrPhoff:]), int(le.Uint16(page[elfEhdrPhnum:]))
	var want []KernelSegment
	loads := 0
	for i, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if loads++; loads == 1 {
			continue // left where it is: skipped
		}
		if i >= phnum {
			t.Fatal("debug/elf and the header disagree")
		}
		v := p.Vaddr + asm.X__START_KERNEL_map
		le.PutUint64(page[phoff+uint64(i)*elfPhdrSize+16:], v)
		want = append(want, KernelSegment{Vaddr: v, Memsz: p.Memsz, Flags: uint32(p.Flags)})
	}
	var segs [8]KernelSegment
	n := parseKernelSegments(page, segs[:])
	if n != len(want) || n < 2 {
		t.Fatalf("found %d segments, want %d", n, len(want))
	}
	for i := range want {
		if segs[i] != want[i] {
			t.Errorf("segment %d = %+v, want %+v", i, segs[i], want[i])
		}
	}
	// Room for one: one. Not an ELF file, or headers cut off: none.
	if parseKernelSegments(page, segs[:1]) != 1 {
		t.Error("out of room: want 1")
	}
	junk := append([]byte(nil), page...)
	junk[0] = 0
	if parseKernelSegments(junk, segs[:]) != 0 || parseKernelSegments(page[:64], segs[:]) != 0 {
		t.Error("a non-ELF or truncated image gave segments")
	}
}

// W^X: text is read-execute, data read-write, rodata read-only, and none
// of them writable and executable.
func TestKernelProt(t *testing.T) {
	for _, c := range []struct {
		flags uint32
		want  paging.PgProt
	}{
		{PF_R | PF_X, paging.PAGE_KERNEL_ROX},
		{PF_R | PF_W, paging.PAGE_KERNEL},
		{PF_R, paging.PAGE_KERNEL_RO},
		{PF_R | PF_W | PF_X, paging.PAGE_KERNEL_ROX},
	} {
		p := KernelProt(c.flags)
		if p != c.want || (p&paging.PAGE_RW != 0 && p&paging.PAGE_NX == 0) {
			t.Errorf("Kernel_prot(%#x) = %#x, want %#x", c.flags, uint64(p), uint64(c.want))
		}
	}
}

// The check before the CR3 switch, over simulated RAM: with the kernel and
// the low direct map mapped, everything translates; an address outside
// the kernel mapping, or a kernel page pointing at the wrong frame, is
// named.
func TestFirstUnmapped(t *testing.T) {
	ram := ktest.NewRAMAt(t, 1<<20, 64<<10)
	alloc := func() (paging.PhysAddr, bool) { pa, ok := ram.AllocPage(); return paging.PhysAddr(pa), ok }
	pgd := paging.PhysAddr(ram.NewPGD())
	if _, err := paging.Map(ram, pgd, paging.PAGE_OFFSET, 0, 2<<20, paging.PAGE_KERNEL, paging.Size2M, alloc); err != paging.OK {
		t.Fatal(err)
	}
	if _, err := paging.Map(ram, pgd, paging.X__START_KERNEL, paging.LOAD_PHYSICAL_ADDR, 2<<20, paging.PAGE_KERNEL, paging.Only4K, alloc); err != paging.OK {
		t.Fatal(err)
	}
	k := func(off uintptr) uintptr { return uintptr(asm.X__START_KERNEL) + off }
	c := cpuTables{idt: k(0x1000), handler0: k(0x2000), gdt: k(0x3000), tss: k(0x4000), exceptionStackTop: k(0x100000)}
	list := mustMapAfterSwitch(c, k(0x8000), k(0x9000), k(0x1ff000))
	if m, _, _, bad := firstUnmapped(ram, pgd, list[:]); bad {
		t.Fatalf("%s at %#x is reported unmapped", m.what, m.va)
	}
	// The exception stack beyond the kernel's 2 MiB.
	c.exceptionStackTop = k(0x300000)
	list = mustMapAfterSwitch(c, k(0x8000), k(0x9000), k(0x1ff000))
	if m, _, ok, bad := firstUnmapped(ram, pgd, list[:]); !bad || ok || m.what != "the exception stack" {
		t.Fatalf("first unmapped: %q ok %v bad %v, want the exception stack", m.what, ok, bad)
	}
	// The stack's page mapped to another frame.
	pte := paging.Pte_offset_kernel(ram, paging.Pmd_offset(ram, paging.Pud_offset(ram,
		paging.P4d_offset(paging.Pgd_offset(ram, pgd, paging.VirtAddr(k(0x8000))), 0), paging.VirtAddr(k(0x8000))),
		paging.VirtAddr(k(0x8000))), paging.VirtAddr(k(0x8000)))
	paging.Set_pte(pte, paging.Pfn_pte(0x5000, paging.PAGE_KERNEL))
	if m, got, ok, bad := firstUnmapped(ram, pgd, list[:]); !bad || !ok || m.what != "the boot stack" || got != 0x5000000 {
		t.Fatalf("first wrong: %q got %#x ok %v bad %v, want the boot stack at 0x5000000", m.what, uint64(got), ok, bad)
	}
}
