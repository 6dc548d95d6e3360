package kbuild

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/bzimage"
)

// TestPVHNote: build/vmlinux is what QEMU's PVH loader needs (hw/i386/x86.c
// load_elfboot): a PT_NOTE with the Xen note XEN_ELFNOTE_PHYS32_ENTRY whose
// 64-bit descriptor is pvh_start_xen's physical address, the boot stage's
// bytes (with image_check and the CRC) as a PT_LOAD at 1 MiB, the kernel's
// PT_LOADs at their physical addresses; and the kernel's bytes are the Go
// linker's (.tmp_vmlinux), but the program headers in the first page.
func TestPVHNote(t *testing.T) {
	r := kernel(t)
	f, err := elf.Open(r.Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := os.ReadFile(r.Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	stageELF := filepath.Join(r.Out, "pvh", "vmlinux")
	stage, _, err := bzimage.StageImage(stageELF, filepath.Join(r.Out, "pvh", "vmlinux.bin"))
	if err != nil {
		t.Fatal(err)
	}
	entry, err := bzimage.Symbol(stageELF, "pvh_start_xen")
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	var notes, stages, kernelLoads int
	lastVaddr := uint64(0)
	for _, p := range f.Progs {
		switch {
		case p.Type == elf.PT_NOTE:
			n := raw[p.Off : p.Off+p.Filesz]
			if le.Uint32(n[0:]) == 4 && le.Uint32(n[8:]) == asm.XEN_ELFNOTE_PHYS32_ENTRY && string(n[12:16]) == "Xen\x00" {
				notes++
				if le.Uint32(n[4:]) != 8 || le.Uint64(n[16:]) != asm.CODE32_START_DEFAULT+entry {
					t.Errorf("PVH note descriptor % x, want the u64 %#x", n[16:], asm.CODE32_START_DEFAULT+entry)
				}
			}
		case p.Type == elf.PT_LOAD && p.Vaddr == asm.CODE32_START_DEFAULT:
			stages++
			if p.Paddr != p.Vaddr || !bytes.Equal(raw[p.Off:p.Off+p.Filesz], stage) || p.Memsz < p.Filesz || p.Off%asm.PAGE_SIZE != 0 {
				t.Errorf("stage segment %+v: not the stage's %d bytes at 1 MiB", p.ProgHeader, len(stage))
			}
		case p.Type == elf.PT_LOAD:
			kernelLoads++
			if p.Paddr != p.Vaddr-asm.X__START_KERNEL_map {
				t.Errorf("kernel segment at %#x has p_paddr %#x, want %#x", p.Vaddr, p.Paddr, p.Vaddr-asm.X__START_KERNEL_map)
			}
		}
		if p.Type == elf.PT_LOAD {
			if p.Vaddr < lastVaddr {
				t.Errorf("PT_LOAD at %#x after one at %#x: not in p_vaddr order", p.Vaddr, lastVaddr)
			}
			lastVaddr = p.Vaddr
		}
	}
	if notes != 1 || stages != 1 || kernelLoads < 3 {
		t.Fatalf("%d PVH notes, %d stage segments, %d kernel segments", notes, stages, kernelLoads)
	}
	// The kernel's loaded bytes, the Go linker's but for the headers.
	tmp, err := elf.Open(r.TmpVmlinux)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	i := 0
	for _, p := range tmp.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		for _, q := range f.Progs {
			if q.Type == elf.PT_LOAD && q.Vaddr == p.Vaddr {
				a, b := make([]byte, p.Filesz), make([]byte, q.Filesz)
				p.ReadAt(a, 0)
				q.ReadAt(b, 0)
				if i == 0 { // the ELF header and program headers
					a, b = a[asm.PAGE_SIZE:], b[asm.PAGE_SIZE:]
				}
				if !bytes.Equal(a, b) {
					t.Errorf("kernel segment at %#x differs from the Go linker's", p.Vaddr)
				}
				i++
			}
		}
	}
	if i != kernelLoads {
		t.Errorf("%d of %d kernel segments found in .tmp_vmlinux", i, kernelLoads)
	}
}
