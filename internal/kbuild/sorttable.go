package kbuild

// The exception table, sorted at build time. Linux: scripts/sorttable.c
// (run on vmlinux after the link: sorts __ex_table so that the fault
// handler can binary-search it) and the relative entries of
// arch/x86/include/asm/extable.h. gokern's assembler writes the table with
// absolute addresses (Go's assembler cannot write "sym - ."), so this
// step also converts it to Linux's form; arch/amd64/asm/extable.go has
// both layouts.

import (
	"debug/elf"
	"fmt"
	"math"
	"os"
	"sort"

	"gokern/arch/amd64/asm"
)

// ExTableSymbol is the table's symbol in vmlinux.
const ExTableSymbol = "gokern/arch/amd64/asm.X__ex_table"

// SortExTable rewrites table, the bytes of the exception table loaded at
// address base, from the assembler's raw form (a zero header, then
// {insn, fixup, type} as 8-byte words) into the sorted relative form (the
// EX_TABLE_SORTED header, then {insn - &insn, fixup - &fixup, type} as
// int32, by instruction address), and returns the number of entries. A
// table already sorted is checked and left alone.
func SortExTable(table []byte, base uint64) (int, error) {
	if len(table) < 8 || (len(table)-8)%asm.EX_TABLE_RAW_ENTRY_SIZE != 0 {
		return 0, fmt.Errorf("exception table of %d bytes: want 8 + n*%d", len(table), asm.EX_TABLE_RAW_ENTRY_SIZE)
	}
	n := (len(table) - 8) / asm.EX_TABLE_RAW_ENTRY_SIZE
	switch h := le.Uint64(table); h {
	case asm.EX_TABLE_SORTED:
		return n, checkSortedExTable(table, base, n)
	case 0:
	default:
		return 0, fmt.Errorf("exception table header %#x: neither raw (0) nor sorted (%#x)", h, uint64(asm.EX_TABLE_SORTED))
	}
	type entry struct{ insn, fixup, typ uint64 }
	raw := make([]entry, n)
	for i := range raw {
		off := 8 + i*asm.EX_TABLE_RAW_ENTRY_SIZE
		raw[i] = entry{le.Uint64(table[off:]), le.Uint64(table[off+8:]), le.Uint64(table[off+16:])}
		if raw[i].insn == 0 || raw[i].fixup == 0 || raw[i].typ == 0 {
			return 0, fmt.Errorf("exception table entry %d is empty (%#x %#x %d): EX_TABLE_SIZE larger than the entries in uaccess_64.s?", i, raw[i].insn, raw[i].fixup, raw[i].typ)
		}
	}
	sort.Slice(raw, func(i, j int) bool { return raw[i].insn < raw[j].insn })
	for i := 1; i < n; i++ {
		if raw[i].insn == raw[i-1].insn {
			return 0, fmt.Errorf("exception table lists %#x twice", raw[i].insn)
		}
	}
	clear(table)
	le.PutUint64(table, asm.EX_TABLE_SORTED)
	for i, e := range raw {
		off := 8 + i*12
		at := base + uint64(off)
		insn, fixup := int64(e.insn-at), int64(e.fixup-(at+4))
		if insn < math.MinInt32 || insn > math.MaxInt32 || fixup < math.MinInt32 || fixup > math.MaxInt32 || e.typ > math.MaxInt32 {
			return 0, fmt.Errorf("exception table entry %#x -> %#x is out of reach of a 32-bit offset from %#x", e.insn, e.fixup, at)
		}
		le.PutUint32(table[off:], uint32(int32(insn)))
		le.PutUint32(table[off+4:], uint32(int32(fixup)))
		le.PutUint32(table[off+8:], uint32(e.typ))
	}
	return n, nil
}

// checkSortedExTable checks a table in the relative form.
func checkSortedExTable(table []byte, base uint64, n int) error {
	var prev uint64
	for i := 0; i < n; i++ {
		off := 8 + i*12
		insn := base + uint64(off) + uint64(int64(int32(le.Uint32(table[off:]))))
		if i > 0 && insn <= prev {
			return fmt.Errorf("sorted exception table: entry %d (%#x) is not above entry %d (%#x)", i, insn, i-1, prev)
		}
		prev = insn
	}
	return nil
}

// sortExTableFile sorts the exception table of the ELF file at path in
// place and returns its number of entries.
func sortExTableFile(path string) (int, error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, err
	}
	syms, err := f.Symbols()
	if err != nil {
		f.Close()
		return 0, err
	}
	var sym *elf.Symbol
	for i := range syms {
		if syms[i].Name == ExTableSymbol {
			sym = &syms[i]
		}
	}
	var off uint64
	found := false
	if sym != nil {
		for _, s := range f.Sections {
			if s.Type == elf.SHT_PROGBITS && sym.Value >= s.Addr && sym.Value+sym.Size <= s.Addr+s.Size {
				off, found = s.Offset+(sym.Value-s.Addr), true
			}
		}
	}
	f.Close()
	if sym == nil {
		return 0, fmt.Errorf("%s has no symbol %s", path, ExTableSymbol)
	}
	if !found || sym.Size != asm.EX_TABLE_SIZE {
		return 0, fmt.Errorf("%s: %s (%d bytes at %#x) is not in a loaded section, or not EX_TABLE_SIZE (%d) bytes", path, ExTableSymbol, sym.Size, sym.Value, asm.EX_TABLE_SIZE)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := SortExTable(data[off:off+sym.Size], sym.Value)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", path, err)
	}
	return n, os.WriteFile(path, data, 0o755)
}
