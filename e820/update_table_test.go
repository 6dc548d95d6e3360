package e820

import (
	"math/rand"
	"reflect"
	"testing"
)

func TestUpdateTableCases(t *testing.T) {
	cases := []struct {
		name    string
		in      []E820Entry
		want    []E820Entry
		changed bool
	}{
		{"empty", nil, nil, false},
		{"sane", []E820Entry{{0, 640 * K, RAM}, {M, 127 * M, RAM}}, []E820Entry{{0, 640 * K, RAM}, {M, 127 * M, RAM}}, false},
		{"unsorted",
			[]E820Entry{{M, 127 * M, RAM}, {0xf0000, 0x10000, RES}, {0, 640 * K, RAM}},
			[]E820Entry{{0, 640 * K, RAM}, {0xf0000, 0x10000, RES}, {M, 127 * M, RAM}}, true},
		{"overlap: reserved beats usable",
			[]E820Entry{{0, 2 * M, RAM}, {M, 2 * M, RES}},
			[]E820Entry{{0, M, RAM}, {M, 2 * M, RES}}, true},
		{"overlap: the larger type wins whatever the order",
			[]E820Entry{{M, 2 * M, NVS}, {0, 2 * M, ACPI}},
			[]E820Entry{{0, M, ACPI}, {M, 2 * M, NVS}}, true},
		{"nested higher type splits",
			[]E820Entry{{0, 16 * M, RAM}, {4 * M, M, RES}},
			[]E820Entry{{0, 4 * M, RAM}, {4 * M, M, RES}, {5 * M, 11 * M, RAM}}, true},
		{"nested lower type vanishes",
			[]E820Entry{{0, 16 * M, RES}, {4 * M, M, RAM}},
			[]E820Entry{{0, 16 * M, RES}}, true},
		{"identical duplicates",
			[]E820Entry{{M, M, RAM}, {M, M, RAM}, {M, M, RAM}},
			[]E820Entry{{M, M, RAM}}, true},
		{"same range, different types",
			[]E820Entry{{M, M, RAM}, {M, M, E820_TYPE_UNUSABLE}, {M, M, RES}},
			[]E820Entry{{M, M, E820_TYPE_UNUSABLE}}, true},
		{"adjacent same type merge",
			[]E820Entry{{0, M, RAM}, {M, M, RAM}, {2 * M, M, RAM}},
			[]E820Entry{{0, 3 * M, RAM}}, true},
		{"adjacent different types stay",
			[]E820Entry{{0, M, RAM}, {M, M, RES}},
			[]E820Entry{{0, M, RAM}, {M, M, RES}}, false},
		{"adjacent persistent memory is not merged",
			[]E820Entry{{4 * G, G, PRAM}, {5 * G, G, PRAM}},
			[]E820Entry{{4 * G, G, PRAM}, {5 * G, G, PRAM}}, false},
		{"zero-size entries dropped",
			[]E820Entry{{0, 0, RAM}, {M, M, RAM}, {5 * M, 0, RES}},
			[]E820Entry{{M, M, RAM}}, true},
		{"type 0 is a hole",
			[]E820Entry{{0, 4 * M, 0}, {M, M, RAM}},
			[]E820Entry{{M, M, RAM}}, true},
		{"qboot: unsorted, all-zero terminator",
			[]E820Entry{
				{0x100000, 0x7f00000, RAM}, {0, 0x9fc00, RAM}, {0x9fc00, 0x400, RES},
				{0xf0000, 0x10000, RES}, {0xfffc0000, 0x40000, RES}, {0, 0, 0}},
			[]E820Entry{
				{0, 0x9fc00, RAM}, {0x9fc00, 0x400, RES}, {0xf0000, 0x10000, RES},
				{0x100000, 0x7f00000, RAM}, {0xfffc0000, 0x40000, RES}}, true},
		{"end past 2^64 is clipped",
			[]E820Entry{{0, M, RAM}, {0xfffffffffffff000, 0x2000, RES}},
			[]E820Entry{{0, M, RAM}, {0xfffffffffffff000, 0xfff, RES}}, true},
		{"size 2^64-1 from 0",
			[]E820Entry{{0, ^uint64(0), RES}, {M, M, RAM}},
			[]E820Entry{{0, ^uint64(0), RES}}, true},
		{"unknown types keep their number",
			[]E820Entry{{0, M, 13}, {M / 2, M, 20}},
			[]E820Entry{{0, M / 2, 13}, {M / 2, M, 20}}, true},
	}
	for _, c := range cases {
		tab := mk(c.in...)
		changed := E820__update_table(tab)
		if got := entries(tab); !reflect.DeepEqual(got, append([]E820Entry(nil), c.want...)) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s:\n got %x\nwant %x", c.name, got, c.want)
		}
		if changed != c.changed {
			t.Errorf("%s: changed = %v, want %v", c.name, changed, c.changed)
		}
		for i := tab.Nr_entries; i < E820_MAX_ENTRIES; i++ {
			if tab.Entries[i] != (E820Entry{}) {
				t.Fatalf("%s: stale entry %d left behind: %x", c.name, i, tab.Entries[i])
			}
		}
	}
}

// TestUpdateTableMaxEntries fills the table: 320 disjoint entries survive,
// and a map whose sanitised form needs more than 320 entries is cut at
// 320, as in Linux, without running off the arrays.
func TestUpdateTableMaxEntries(t *testing.T) {
	tab := &E820Table{}
	for i := 0; i < E820_MAX_ENTRIES; i++ {
		E820__range_add(tab, uint64(E820_MAX_ENTRIES-1-i)*2*M, M, E820Type(1+i%2))
	}
	if E820__range_add(tab, 1<<40, M, RAM) != ErrTooMany {
		t.Fatal("E820__range_add into a full table succeeded")
	}
	E820__update_table(tab)
	if tab.Nr_entries != E820_MAX_ENTRIES {
		t.Fatalf("%d entries, want %d", tab.Nr_entries, E820_MAX_ENTRIES)
	}
	checkSane(t, tab)

	// One big RAM range with 319 reserved islands: 639 pieces needed.
	// Keeping the first 320 (Linux) would lose most of the RAM; the table
	// is left as it was and the error reported.
	tab = &E820Table{}
	E820__range_add(tab, 0, 1<<40, RAM)
	for i := 1; i < E820_MAX_ENTRIES; i++ {
		E820__range_add(tab, uint64(i)*4*M, M, RES)
	}
	before := *tab
	if changed, err := Sanitize(tab); changed || err != ErrTooMany || *tab != before {
		t.Fatalf("sanitising into 639 pieces: changed %v, %v, table kept: %v", changed, err, *tab == before)
	}

	// A corrupt count is clamped, not trusted.
	tab = &E820Table{}
	for i := 0; i < 10; i++ {
		E820__range_add(tab, uint64(9-i)*2*M, M, RAM)
	}
	tab.Nr_entries = 1000
	E820__update_table(tab)
	checkSane(t, tab)
}

// checkSane verifies the output invariants: sorted, non-empty, no
// overlaps, and touching neighbours differ in type (or are never merged).
func checkSane(t *testing.T, tab *E820Table) {
	t.Helper()
	if tab.Nr_entries > E820_MAX_ENTRIES {
		t.Fatalf("Nr_entries %d", tab.Nr_entries)
	}
	for i := uint32(0); i < tab.Nr_entries; i++ {
		e := tab.Entries[i]
		if e.Size == 0 || e.Type == 0 || e.Addr+e.Size < e.Addr {
			t.Fatalf("bad entry %d: %x", i, e)
		}
		if i == 0 {
			continue
		}
		p := tab.Entries[i-1]
		if p.Addr+p.Size > e.Addr {
			t.Fatalf("entries %d and %d overlap or are unsorted: %x %x", i-1, i, p, e)
		}
		if p.Addr+p.Size == e.Addr && p.Type == e.Type && !e820_nomerge(e.Type) {
			t.Fatalf("entries %d and %d should have merged: %x %x", i-1, i, p, e)
		}
	}
}

var propTypes = []E820Type{0, RAM, RES, ACPI, NVS, E820_TYPE_UNUSABLE, E820_TYPE_PMEM, PRAM, 13,
	E820_TYPE_RESERVED_KERN, E820_TYPE_SOFT_RESERVED}

// modelCheck compares a sanitised table with the reference model: over a
// small address space, each address's type is the largest type of the
// input entries covering it.
func modelCheck(t *testing.T, in []E820Entry, tab *E820Table, space uint64) {
	t.Helper()
	checkSane(t, tab)
	for a := uint64(0); a < space; a++ {
		var want E820Type
		for _, e := range in {
			if a >= e.Addr && a-e.Addr < e.Size && e.Type > want {
				want = e.Type
			}
		}
		var got E820Type
		for i := uint32(0); i < tab.Nr_entries; i++ {
			e := tab.Entries[i]
			if a >= e.Addr && a-e.Addr < e.Size {
				got = e.Type
			}
		}
		if got != want {
			t.Fatalf("address %d: type %d, model says %d\n in: %v\nout: %v", a, got, want, in, entries(tab))
		}
	}
}

// TestUpdateTableModel: random small tables against the model.
func TestUpdateTableModel(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const space = 64
	for iter := 0; iter < 20000; iter++ {
		n := rng.Intn(12)
		var in []E820Entry
		for i := 0; i < n; i++ {
			a := uint64(rng.Intn(space))
			s := uint64(rng.Intn(space - int(a) + 1))
			in = append(in, E820Entry{a, s, propTypes[rng.Intn(len(propTypes))]})
		}
		tab := mk(in...)
		E820__update_table(tab)
		modelCheck(t, in, tab, space)
		// Sanitising a sane table changes nothing.
		before := entries(tab)
		if E820__update_table(tab) {
			t.Fatalf("second E820__update_table changed %v to %v", before, entries(tab))
		}
	}
}

// FuzzUpdateTable decodes entries from bytes (small coordinates, so the
// model can check every address) and checks the invariants and the model.
func FuzzUpdateTable(f *testing.F) {
	f.Add([]byte{0, 10, 1, 5, 10, 2, 0, 0, 0})
	f.Add([]byte{3, 4, 7, 3, 4, 7, 7, 1, 12, 8, 1, 12})
	f.Fuzz(func(t *testing.T, data []byte) {
		var in []E820Entry
		for i := 0; i+3 <= len(data) && len(in) < E820_MAX_ENTRIES; i += 3 {
			in = append(in, E820Entry{uint64(data[i] % 64), uint64(data[i+1] % 65), propTypes[int(data[i+2])%len(propTypes)]})
		}
		tab := mk(in...)
		E820__update_table(tab)
		modelCheck(t, in, tab, 130)
		if E820__update_table(tab) {
			t.Fatal("not idempotent")
		}
	})
}

// FuzzUpdateTableWide uses full 64-bit addresses: only the invariants.
func FuzzUpdateTableWide(f *testing.F) {
	f.Add(uint64(0xfffffffffffff000), uint64(0x2000), uint64(0), uint64(1<<20), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, a1, s1, a2, s2 uint64, t1, t2 uint8) {
		tab := mk(E820Entry{a1, s1, E820Type(t1)}, E820Entry{a2, s2, E820Type(t2)}, E820Entry{a1 / 2, s2, RAM})
		E820__update_table(tab)
		checkSane(t, tab)
	})
}
