package kbuild

// Rewriting build/vmlinux after the Go linker: the Linux-name aliases
// (ksyms.go) go into the ELF symbol table for every function and variable,
// and into DWARF for the variables, and the unwind information of the
// functions at the bottom of the boot stack says so.
//
// Only sections that are not loaded change (.symtab, .strtab,
// .debug_info, .debug_abbrev, .debug_frame): the loadable segments stay
// what the Go linker wrote, except e_shoff in the ELF header, which the
// first segment includes (the kernel never reads it).

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
)

var le = binary.LittleEndian

// elfImage is an ELF64 little-endian file whose non-loaded sections can be
// replaced.
type elfImage struct {
	data  []byte
	shdrs []elf.Section64
	names []string
	repl  map[int][]byte
}

func readELFImage(path string) (*elfImage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 64 || string(b[:4]) != elf.ELFMAG || b[elf.EI_CLASS] != byte(elf.ELFCLASS64) || b[elf.EI_DATA] != byte(elf.ELFDATA2LSB) {
		return nil, fmt.Errorf("%s: not a little-endian ELF64 file", path)
	}
	shoff, shentsize, shnum, shstrndx := le.Uint64(b[0x28:]), int(le.Uint16(b[0x3a:])), int(le.Uint16(b[0x3c:])), int(le.Uint16(b[0x3e:]))
	if shentsize != 64 || shoff+uint64(shnum*64) > uint64(len(b)) || shstrndx >= shnum {
		return nil, fmt.Errorf("%s: bad section header table", path)
	}
	im := &elfImage{data: b, repl: map[int][]byte{}}
	for i := 0; i < shnum; i++ {
		var sh elf.Section64
		if err := binary.Read(bytes.NewReader(b[shoff+uint64(i*64):]), le, &sh); err != nil {
			return nil, err
		}
		im.shdrs = append(im.shdrs, sh)
	}
	strs := im.content(shstrndx)
	for _, sh := range im.shdrs {
		n := ""
		if int(sh.Name) < len(strs) {
			n = cstring(strs[sh.Name:])
		}
		im.names = append(im.names, n)
	}
	return im, nil
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func (im *elfImage) index(name string) int {
	for i, n := range im.names {
		if n == name {
			return i
		}
	}
	return -1
}

func (im *elfImage) content(i int) []byte {
	if r, ok := im.repl[i]; ok {
		return r
	}
	sh := im.shdrs[i]
	if elf.SectionType(sh.Type) == elf.SHT_NOBITS {
		return nil
	}
	return im.data[sh.Off : sh.Off+sh.Size]
}

// write lays the file out again (layout) and writes it.
func (im *elfImage) write(path string) error {
	out, _, err := im.layout(nil, 0)
	if err != nil {
		return err
	}
	return writeFile(path, out)
}

func writeFile(path string, out []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// layout lays the file out again: everything up to the end of the loaded
// data as it was, then tail (bytes a new segment will load, at an offset
// aligned to tailAlign, returned as tailOff), then every non-loaded
// section (with its new contents), then the section header table.
func (im *elfImage) layout(tail []byte, tailAlign uint64) (out []byte, tailOff uint64, err error) {
	keep := uint64(0x40)
	phoff, phnum := le.Uint64(im.data[0x20:]), int(le.Uint16(im.data[0x38:]))
	if e := phoff + uint64(phnum)*56; e > keep {
		keep = e
	}
	for i := 0; i < phnum; i++ {
		p := im.data[phoff+uint64(i*56):]
		if e := le.Uint64(p[8:]) + le.Uint64(p[32:]); e > keep { // p_offset + p_filesz
			keep = e
		}
	}
	var moved []int
	for i, sh := range im.shdrs {
		if i == 0 || elf.SectionType(sh.Type) == elf.SHT_NOBITS {
			continue
		}
		if elf.SectionFlag(sh.Flags)&elf.SHF_ALLOC != 0 {
			if _, ok := im.repl[i]; ok {
				return nil, 0, fmt.Errorf("elf: cannot replace loaded section %s", im.names[i])
			}
			if e := sh.Off + sh.Size; e > keep {
				keep = e
			}
			continue
		}
		moved = append(moved, i)
	}
	sort.Slice(moved, func(a, b int) bool { return im.shdrs[moved[a]].Off < im.shdrs[moved[b]].Off })
	out = append([]byte(nil), im.data[:keep]...)
	if tail != nil {
		for uint64(len(out))%tailAlign != 0 {
			out = append(out, 0)
		}
		tailOff = uint64(len(out))
		out = append(out, tail...)
	}
	shdrs := append([]elf.Section64(nil), im.shdrs...)
	for _, i := range moved {
		c := im.content(i)
		if a := shdrs[i].Addralign; a > 1 {
			for uint64(len(out))%a != 0 {
				out = append(out, 0)
			}
		}
		shdrs[i].Off, shdrs[i].Size = uint64(len(out)), uint64(len(c))
		out = append(out, c...)
	}
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	le.PutUint64(out[0x28:], uint64(len(out))) // e_shoff
	var tab bytes.Buffer
	for _, sh := range shdrs {
		binary.Write(&tab, le, sh)
	}
	return append(out, tab.Bytes()...), tailOff, nil
}

// addSymbols appends the aliases to .symtab/.strtab as global symbols
// (after every local one, so sh_info stays right).
func (im *elfImage) addSymbols(aliases []Alias) error {
	si, ti := im.index(".symtab"), im.index(".strtab")
	if si < 0 || ti < 0 || int(im.shdrs[si].Link) != ti {
		return fmt.Errorf("elf: no .symtab/.strtab (stripped?)")
	}
	symtab := append([]byte(nil), im.content(si)...)
	strtab := append([]byte(nil), im.content(ti)...)
	for _, a := range aliases {
		typ := elf.STT_OBJECT
		if a.Func {
			typ = elf.STT_FUNC
		}
		var s [24]byte
		le.PutUint32(s[0:], uint32(len(strtab)))
		s[4] = byte(elf.ST_INFO(elf.STB_GLOBAL, typ))
		le.PutUint16(s[6:], uint16(a.Shndx))
		le.PutUint64(s[8:], a.Value)
		le.PutUint64(s[16:], a.Size)
		symtab = append(symtab, s[:]...)
		strtab = append(append(strtab, a.Name...), 0)
	}
	im.repl[si], im.repl[ti] = symtab, strtab
	return nil
}

// DWARF constants the Go standard library does not export.
const (
	dwTagCompileUnit = 0x11
	dwTagVariable    = 0x34
	dwAtName         = 0x03
	dwAtLanguage     = 0x13
	dwAtProducer     = 0x25
	dwAtLocation     = 0x02
	dwAtType         = 0x49
	dwAtExternal     = 0x3f
	dwFormString     = 0x08
	dwFormData1      = 0x0b
	dwFormExprloc    = 0x18
	dwFormRefAddr    = 0x10
	dwFormFlagPres   = 0x19
	dwLangGo         = 0x16
	dwOpAddr         = 0x03
	dwCfaUndefined   = 0x07
	dwRegRIP         = 16 // x86-64 DWARF register number of the return address
)

// addDWARFVariables gives each variable alias a DWARF variable of its own
// name with the type of the Go variable, so `print max_pfn` and
// `x/s __log_buf` work as typed: a symbol-table name alone has no type.
// They go into one extra compilation unit (DWARF 4) whose DIEs point at
// the Go types with DW_FORM_ref_addr.
func (im *elfImage) addDWARFVariables(d *dwarf.Data, aliases []Alias) (int, error) {
	types := map[string]dwarf.Offset{} // Go variable name → its type DIE
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return 0, err
		}
		if e == nil {
			break
		}
		if e.Tag == dwarf.TagVariable {
			if n, ok := e.Val(dwarf.AttrName).(string); ok {
				if t, ok := e.Val(dwarf.AttrType).(dwarf.Offset); ok {
					types[n] = t
				}
			}
		}
		if e.Tag != dwarf.TagCompileUnit {
			r.SkipChildren()
		}
	}
	ii, ai := im.index(".debug_info"), im.index(".debug_abbrev")
	if ii < 0 || ai < 0 {
		return 0, fmt.Errorf("elf: no DWARF (.debug_info, .debug_abbrev)")
	}
	abbrev := append([]byte(nil), im.content(ai)...)
	abbrevOff := uint32(len(abbrev))
	abbrev = append(abbrev,
		1, dwTagCompileUnit, 1, dwAtName, dwFormString, dwAtLanguage, dwFormData1, dwAtProducer, dwFormString, 0, 0,
		2, dwTagVariable, 0, dwAtName, dwFormString, dwAtLocation, dwFormExprloc, dwAtType, dwFormRefAddr, dwAtExternal, dwFormFlagPres, 0, 0,
		0)
	var body []byte
	body = append(body, 1)
	body = append(append(body, "gokern-linux-names"...), 0)
	body = append(body, dwLangGo)
	body = append(append(body, "gokern kbuild: Linux names of kernel variables (DESIGN.md §8)"...), 0)
	n := 0
	for _, a := range aliases {
		t, ok := types[a.Target]
		if a.Func || !ok {
			continue
		}
		body = append(body, 2)
		body = append(append(body, a.Name...), 0)
		body = append(body, 9, dwOpAddr)
		body = le.AppendUint64(body, a.Value)
		body = le.AppendUint32(body, uint32(t))
		n++
	}
	body = append(body, 0)
	info := append([]byte(nil), im.content(ii)...)
	info = le.AppendUint32(info, uint32(2+4+1+len(body))) // unit_length
	info = le.AppendUint16(info, 4)                       // version
	info = le.AppendUint32(info, abbrevOff)
	info = append(info, 8) // address_size
	info = append(info, body...)
	im.repl[ii], im.repl[ai] = info, abbrev
	return n, nil
}

// goClobbered are the DWARF numbers of the registers a Go call does not
// preserve (Go's internal ABI: every general register but RSP, RBP and
// R14, the g): RAX RDX RCX RBX RSI RDI R8-R13 R15.
var goClobbered = []byte{0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 15}

// patchFrames rewrites .debug_frame in two ways.
//
// The return address is made undefined (DW_CFA_undefined rip) at the start
// of the FDE of each function starting at one of pcs: the DWARF way of
// saying "outermost frame" (what Linux's UNWIND_HINT_END_OF_STACK gives
// its ORC unwinder). gdb's backtrace then ends there instead of reading
// whatever lies above the boot stack as return addresses.
//
// Every CIE says that the registers a Go call clobbers are undefined in
// the caller's frame. The Go linker's CIE leaves them unspecified, which
// gdb takes as "same value as in the callee": an argument that lived in a
// register would then show the callee's value in `bt`; now it is
// <not saved>, which is the truth.
func (im *elfImage) patchFrames(pcs map[uint64]bool) (int, error) {
	fi := im.index(".debug_frame")
	if fi < 0 {
		return 0, fmt.Errorf("elf: no .debug_frame")
	}
	old := im.content(fi)
	type entry struct {
		off  uint32
		body []byte // everything after the length field
	}
	var ents []entry
	for off := 0; off < len(old); {
		if off+4 > len(old) {
			return 0, fmt.Errorf(".debug_frame: truncated at %#x", off)
		}
		n := int(le.Uint32(old[off:]))
		if n == 0xffffffff || off+4+n > len(old) {
			return 0, fmt.Errorf(".debug_frame: unsupported entry at %#x", off)
		}
		ents = append(ents, entry{uint32(off), old[off+4 : off+4+n]})
		off += 4 + n
	}
	marked := 0
	newOff := map[uint32]uint32{}
	var out []byte
	for i := range ents {
		e := &ents[i]
		newOff[e.off] = uint32(len(out))
		isFDE := len(e.body) >= 20 && le.Uint32(e.body) != 0xffffffff
		if !isFDE {
			// A CIE: its initial instructions run first for every FDE.
			// Trailing DW_CFA_nop padding may stay before what is added.
			var ins []byte
			for _, r := range goClobbered {
				ins = append(ins, dwCfaUndefined, r)
			}
			for (len(e.body)+len(ins))%8 != 0 {
				ins = append(ins, 0) // DW_CFA_nop, keeping the CIE's alignment
			}
			e.body = append(append([]byte(nil), e.body...), ins...)
		}
		if isFDE && pcs[le.Uint64(e.body[4:])] {
			// id/CIE pointer (4), initial_location (8), address_range (8),
			// then the instructions; pad with DW_CFA_nop to keep the size.
			ins := []byte{dwCfaUndefined, dwRegRIP, 0, 0, 0, 0, 0, 0}
			b := append(append(append([]byte(nil), e.body[:20]...), ins...), e.body[20:]...)
			e.body = b
			marked++
		}
		out = le.AppendUint32(out, uint32(len(e.body)))
		out = append(out, e.body...)
	}
	// FDEs point at their CIE by offset: follow the moves.
	for i, e := range ents {
		if len(e.body) >= 20 && le.Uint32(e.body) != 0xffffffff {
			at := newOff[e.off] + 4
			cie, ok := newOff[le.Uint32(e.body)]
			if !ok {
				return 0, fmt.Errorf(".debug_frame: FDE %d points at no CIE", i)
			}
			le.PutUint32(out[at:], cie)
		}
	}
	im.repl[fi] = out
	return marked, nil
}
