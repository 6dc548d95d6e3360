package mm

import (
	"debug/elf"
	"os"
	"testing"

	"gokern/paging"
)

// parseKernelSegments, on a real ELF image (this test binary): the
// PT_LOAD segments it finds in the first page are the ones debug/elf
// reads from the whole file.
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
	var want []KernelSegment
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			want = append(want, KernelSegment{Vaddr: p.Vaddr, Memsz: p.Memsz, Flags: uint32(p.Flags)})
		}
	}
	raw, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	var segs [8]KernelSegment
	n := parseKernelSegments(raw[:4096], segs[:])
	if n != len(want) || n < 2 {
		t.Fatalf("found %d segments, debug/elf %d", n, len(want))
	}
	for i := range want {
		if segs[i] != want[i] {
			t.Errorf("segment %d = %+v, want %+v", i, segs[i], want[i])
		}
	}
	// Room for one: one. Not an ELF file, or headers cut off: none.
	if parseKernelSegments(raw[:4096], segs[:1]) != 1 {
		t.Error("out of room: want 1")
	}
	junk := append([]byte(nil), raw[:4096]...)
	junk[0] = 0
	if parseKernelSegments(junk, segs[:]) != 0 || parseKernelSegments(raw[:64], segs[:]) != 0 {
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
