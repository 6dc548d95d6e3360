package kbuild

// The PVH entry of build/vmlinux: `qemu-system-x86_64 -kernel build/vmlinux`
// (pc, q35, microvm) loads an ELF kernel by its program headers' physical
// addresses and enters it at the address the Xen ELF note
// XEN_ELFNOTE_PHYS32_ENTRY names, in 32-bit protected mode with paging off
// (arch/amd64/asm/start_info.go). The Go kernel cannot hold 32-bit code,
// so build/vmlinux gets, after the Go linker (as Linux's vmlinux has them
// from its linker script):
//   - p_paddr = the physical address of every kernel segment (the Go
//     linker writes p_paddr = p_vaddr, 0xffffffff81000000, which no loader
//     can load at; Linux's vmlinux.lds says AT(ADDR - LOAD_OFFSET));
//   - the boot stage again, linked with a piggy that moves nothing (the
//     loader has put the kernel's segments in place), as one more PT_LOAD
//     at CODE32_START_DEFAULT, where every other loader puts the stage;
//   - a PT_NOTE with the note, naming the stage's pvh_start_xen.
// The stage converts hvm_start_info into its boot_params
// (boot/compressed/pvh.S) and goes on from startup_32 as from any loader.
// Only the program headers, the new segment, the note and e_shoff change:
// the kernel's code and data and everything gdb reads are the Go linker's.
// The program headers are in the first page of the kernel image, and the
// kernel reads them to map itself (arch/amd64/mm parseKernelSegments, which
// skips the stage's segment: it is not in the kernel text mapping); the
// bzImage's piggy is made from this build/vmlinux, so both ways load the
// same bytes.

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"gokern/arch/amd64/asm"
	"gokern/internal/bzimage"
)

// PVHStage describes the boot stage build/vmlinux carries.
type PVHStage struct {
	ELF   string // build/pvh/vmlinux: the stage linked at 0, for its symbols
	Load  uint64 // where it is loaded: CODE32_START_DEFAULT
	Entry uint64 // physical address of pvh_start_xen: the note's value
	Bytes int    // bytes of the segment in the file (with image_check's CRC)
	Memsz uint64 // bytes it occupies with its bss and page tables
}

// PVH note: "Xen" name, XEN_ELFNOTE_PHYS32_ENTRY, a u64 descriptor. QEMU
// reads the descriptor as a 64-bit value for an ELF64 file (hw/i386/x86.c
// read_pvh_start_addr), as Linux's ELFNOTE(..., _ASM_PTR ...) writes it.
const xenNoteName = "Xen\x00"

// pvh builds build/pvh/vmlinux (the stage with an in-place piggy) and
// build/vmlinux (.tmp_vmlinux with the stage, the note, physical
// addresses) and build/System.map.
func (b *builder) pvh(stageObjs []string) error {
	r := b.r
	dir := filepath.Join(b.o.Out, "pvh")
	k, err := bzimage.ReadKernel(r.TmpVmlinux)
	if err != nil {
		return err
	}
	// Nothing to move: the kernel's place and entry only, for the checks of
	// choose_kernel_place and the jump.
	inPlace := &bzimage.Piggy{Entry: k.Entry, Start: k.Start, End: k.End}
	wrote, err := writeIfChanged(filepath.Join(dir, "piggy.bin"), inPlace.Bytes(), 0o644)
	if err != nil {
		return err
	}
	if wrote {
		b.logStep("PIGGY", b.rel(filepath.Join(dir, "piggy.bin")))
		b.ran++
	}
	piggyObj, err := b.assembleFile(filepath.Join(b.o.Root, "boot", "compressed", "piggy.S"), dir, "--64", []string{"boot", b.incDir(), dir})
	if err != nil {
		return err
	}
	stageELF, stageBin := filepath.Join(dir, "vmlinux"), filepath.Join(dir, "vmlinux.bin")
	if err := b.link(stageELF, "elf_x86_64", "boot/compressed/vmlinux.lds", append(append([]string(nil), stageObjs...), piggyObj)); err != nil {
		return err
	}
	if err := b.objcopy(stageELF, stageBin); err != nil {
		return err
	}
	if r.PVH, _, err = pvhStage(stageELF, stageBin); err != nil {
		return err
	}
	return b.do(&step{
		tag: "PVH", show: b.rel(r.Vmlinux),
		inputs: []string{r.TmpVmlinux, stageELF, stageBin},
		// A Go link that wrote the same bytes again leaves .tmp_vmlinux
		// newer than build/vmlinux: do's freshen brings build/vmlinux
		// forward, so that gdb does not warn "Source file is more
		// recent than executable".
		extra:   append([]string{"pvh"}, b.tools...),
		outputs: []string{r.Vmlinux, r.SystemMap},
		run: func() error {
			if _, err := AddPVH(r.TmpVmlinux, stageELF, stageBin, r.Vmlinux); err != nil {
				return fmt.Errorf("kbuild: the PVH entry for %s: %v", r.Vmlinux, err)
			}
			b.logStep("NM", b.rel(r.SystemMap))
			return writeSystemMap(r.Vmlinux, r.SystemMap)
		},
	})
}

// pvhStage reads the linked stage: its loaded bytes and where it goes.
func pvhStage(stageELF, stageBin string) (*PVHStage, []byte, error) {
	stage, _, err := bzimage.StageImage(stageELF, stageBin)
	if err != nil {
		return nil, nil, err
	}
	entry, err := bzimage.Symbol(stageELF, "pvh_start_xen")
	if err != nil {
		return nil, nil, err
	}
	end, err := bzimage.Symbol(stageELF, "_end")
	if err != nil {
		return nil, nil, err
	}
	st := &PVHStage{ELF: stageELF, Load: asm.CODE32_START_DEFAULT, Entry: asm.CODE32_START_DEFAULT + entry, Bytes: len(stage), Memsz: end}
	if end < uint64(len(stage)) || st.Load+end > asm.LOAD_PHYSICAL_ADDR {
		return nil, nil, fmt.Errorf("%s: the stage [%#x, %#x) does not fit below the kernel at %#x", stageELF, st.Load, st.Load+end, asm.LOAD_PHYSICAL_ADDR)
	}
	return st, stage, nil
}

// AddPVH writes out: the kernel ELF in (the Go linker's, with its Linux
// names) with the boot stage stageBin (linked at 0; stageELF for its
// symbols) as a segment at CODE32_START_DEFAULT, the Xen PVH note naming
// its pvh_start_xen, and every kernel segment's p_paddr its physical
// address.
func AddPVH(in, stageELF, stageBin, out string) (*PVHStage, error) {
	st, stage, err := pvhStage(stageELF, stageBin)
	if err != nil {
		return nil, err
	}
	end := st.Memsz
	im, err := readELFImage(in)
	if err != nil {
		return nil, err
	}
	// The note follows the segment's bytes in the file, 4-byte aligned.
	tail := append([]byte(nil), stage...)
	for len(tail)%4 != 0 {
		tail = append(tail, 0)
	}
	noteAt := uint64(len(tail))
	tail = le.AppendUint32(tail, uint32(len(xenNoteName)))
	tail = le.AppendUint32(tail, 8)
	tail = le.AppendUint32(tail, asm.XEN_ELFNOTE_PHYS32_ENTRY)
	tail = append(tail, xenNoteName...)
	tail = le.AppendUint64(tail, st.Entry)
	noteLen := uint64(len(tail)) - noteAt
	data, off, err := im.layout(tail, asm.PAGE_SIZE)
	if err != nil {
		return nil, err
	}

	// The program headers: PHDR first, then the stage's PT_LOAD (PT_LOADs
	// go in p_vaddr order), the kernel's with physical p_paddr, the rest,
	// and the PT_NOTE last. They must still end before the first section.
	phoff, phnum := le.Uint64(data[0x20:]), int(le.Uint16(data[0x38:]))
	var phs []elf.Prog64
	for i := 0; i < phnum; i++ {
		var p elf.Prog64
		if err := binary.Read(bytes.NewReader(data[phoff+uint64(i*56):]), le, &p); err != nil {
			return nil, err
		}
		if elf.ProgType(p.Type) == elf.PT_NOTE && p.Off == off+noteAt {
			return nil, fmt.Errorf("%s already has the PVH note", in)
		}
		phs = append(phs, p)
	}
	if len(phs) == 0 || elf.ProgType(phs[0].Type) != elf.PT_PHDR {
		return nil, fmt.Errorf("%s: the first program header is not PT_PHDR", in)
	}
	first := ^uint64(0)
	for i, sh := range im.shdrs {
		if i > 0 && sh.Off != 0 && sh.Off < first && elf.SectionType(sh.Type) != elf.SHT_NOBITS {
			first = sh.Off
		}
	}
	n := len(phs) + 2
	if phoff+uint64(n*56) > first {
		return nil, fmt.Errorf("%s: no room for %d program headers before the first section at %#x", in, n, first)
	}
	load := elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_W | elf.PF_X), Off: off,
		Vaddr: st.Load, Paddr: st.Load, Filesz: uint64(len(stage)), Memsz: end, Align: asm.PAGE_SIZE}
	note := elf.Prog64{Type: uint32(elf.PT_NOTE), Flags: uint32(elf.PF_R), Off: off + noteAt, Filesz: noteLen, Align: 4}
	out2 := []elf.Prog64{phs[0], load}
	out2[0].Filesz, out2[0].Memsz = uint64(n*56), uint64(n*56)
	for _, p := range phs[1:] {
		if elf.ProgType(p.Type) == elf.PT_LOAD && p.Vaddr >= asm.X__START_KERNEL_map {
			p.Paddr = p.Vaddr - asm.X__START_KERNEL_map
		}
		out2 = append(out2, p)
	}
	out2 = append(out2, note)
	for i, p := range out2 {
		var buf [56]byte
		b := buf[:0]
		b = le.AppendUint32(b, p.Type)
		b = le.AppendUint32(b, p.Flags)
		for _, v := range []uint64{p.Off, p.Vaddr, p.Paddr, p.Filesz, p.Memsz, p.Align} {
			b = le.AppendUint64(b, v)
		}
		copy(data[phoff+uint64(i*56):], b)
	}
	le.PutUint16(data[0x38:], uint16(n))
	if err := writeFile(out, data); err != nil {
		return nil, err
	}
	return st, os.Chmod(out, 0o755)
}
