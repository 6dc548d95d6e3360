package traps

import (
	"encoding/binary"
	"math/rand"
	"sort"
	"testing"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/internal/kbuild"
)

// buildTable lays out an exception table as the assembler writes it (raw,
// absolute addresses), in a buffer of this test, then sorts and converts
// it the way kbuild does after the link, at the buffer's own address: the
// same bytes the kernel reads. The addresses given are offsets from the
// buffer (a 32-bit offset must reach them), and are made absolute.
func buildTable(t *testing.T, insns, fixups []uint64) []byte {
	t.Helper()
	table := make([]byte, 8+len(insns)*asm.EX_TABLE_RAW_ENTRY_SIZE)
	base := uint64(uintptr(unsafe.Pointer(&table[0])))
	for i := range insns {
		insns[i] += base
		fixups[i] += base
		off := 8 + i*asm.EX_TABLE_RAW_ENTRY_SIZE
		binary.LittleEndian.PutUint64(table[off:], insns[i])
		binary.LittleEndian.PutUint64(table[off+8:], fixups[i])
		binary.LittleEndian.PutUint64(table[off+16:], asm.EX_TYPE_DEFAULT)
	}
	if _, ok := asm.Ex_table_of(table); ok {
		t.Fatal("a raw table reads as sorted")
	}
	if _, err := kbuild.SortExTable(table, base); err != nil {
		t.Fatal(err)
	}
	return table
}

// Sorted at build time, found by binary search: every instruction of a
// shuffled table finds its own fixup, addresses next to them find
// nothing.
func TestSearchExtable(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	base := uint64(1 << 24) // offsets from the table
	var insns, fixups []uint64
	seen := map[uint64]bool{}
	for len(insns) < 200 {
		a := base + uint64(r.Intn(1<<20))*2
		if seen[a] {
			continue
		}
		seen[a] = true
		insns = append(insns, a)
		fixups = append(fixups, a+0x100000)
	}
	table := buildTable(t, insns, fixups)
	tb := uint64(uintptr(unsafe.Pointer(&table[0])))
	base += tb
	for a := range seen {
		delete(seen, a)
		seen[a+tb] = true
	}
	entries, ok := asm.Ex_table_of(table)
	if !ok || len(entries) != len(insns) || !Extable_sorted(entries) {
		t.Fatalf("ok %v, %d entries, sorted %v", ok, len(entries), Extable_sorted(entries))
	}
	for i, a := range insns {
		e := Search_extable(entries, uintptr(a))
		if e == nil || asm.Ex_to_insn(e) != uintptr(a) || asm.Ex_to_fixup(e) != uintptr(fixups[i]) || e.Data != asm.EX_TYPE_DEFAULT {
			t.Fatalf("search %#x: %v", a, e)
		}
		if !seen[a+1] && Search_extable(entries, uintptr(a+1)) != nil {
			t.Fatalf("search %#x found an entry", a+1)
		}
	}
	if Search_extable(entries, uintptr(base-1)) != nil || Search_extable(nil, uintptr(base)) != nil {
		t.Fatal("found something outside the table")
	}
	// The kernel checks the order at trap_init: an unsorted table is
	// refused.
	sorted := append([]uint64(nil), insns...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	entries[0], entries[1] = entries[1], entries[0]
	if Extable_sorted(entries) {
		t.Fatal("a swapped table passes Extable_sorted")
	}
}

// kbuild's sort: relative offsets from each field, the header set, the
// leftover room cleared; a duplicate, an empty entry or a bad header is an
// error; an already sorted table is checked and left alone.
func TestSortExTable(t *testing.T) {
	table := buildTable(t, []uint64{0x3000, 0x1000, 0x2000}, []uint64{0x3100, 0x1100, 0x2100})
	base := uint64(uintptr(unsafe.Pointer(&table[0])))
	if h := binary.LittleEndian.Uint64(table); h != asm.EX_TABLE_SORTED {
		t.Fatalf("header %#x", h)
	}
	for i, want := range []uint64{base + 0x1000, base + 0x2000, base + 0x3000} {
		off := uint64(8 + 12*i)
		insn := base + off + uint64(int64(int32(binary.LittleEndian.Uint32(table[off:]))))
		fixup := base + off + 4 + uint64(int64(int32(binary.LittleEndian.Uint32(table[off+4:]))))
		if insn != want || fixup != want+0x100 {
			t.Errorf("entry %d: %#x -> %#x, want %#x -> %#x", i, insn, fixup, want, want+0x100)
		}
	}
	for _, b := range table[8+3*12:] {
		if b != 0 {
			t.Fatal("the room after the sorted entries is not cleared")
		}
	}
	before := append([]byte(nil), table...)
	if n, err := kbuild.SortExTable(table, base); err != nil || n != 3 || string(before) != string(table) {
		t.Fatalf("sorting a sorted table: %d, %v, changed %v", n, err, string(before) != string(table))
	}
	raw := func(insns ...uint64) []byte {
		b := make([]byte, 8+len(insns)*asm.EX_TABLE_RAW_ENTRY_SIZE)
		for i, a := range insns {
			off := 8 + i*asm.EX_TABLE_RAW_ENTRY_SIZE
			binary.LittleEndian.PutUint64(b[off:], a)
			binary.LittleEndian.PutUint64(b[off+8:], a+1)
			binary.LittleEndian.PutUint64(b[off+16:], asm.EX_TYPE_DEFAULT)
		}
		return b
	}
	for name, b := range map[string][]byte{
		"duplicate": raw(0x10, 0x20, 0x10),
		"empty":     raw(0x10, 0),
		"short":     raw(0x10)[:20],
		"header":    append([]byte{1, 0, 0, 0, 0, 0, 0, 0}, raw(0x10)[8:]...),
	} {
		if _, err := kbuild.SortExTable(b, 0x1000); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Out of a 32-bit offset's reach.
	if _, err := kbuild.SortExTable(raw(0x10), 1<<44); err == nil {
		t.Error("an entry 16 TiB away was accepted")
	}
}
