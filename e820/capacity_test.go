package e820

import (
	"math/rand"
	"strings"
	"testing"
)

// The table's capacity (issue 7 item 7): a change that needs more entries
// than E820_MAX_ENTRIES is refused whole, never half applied.

// pageModel is a map of page -> type over the first pages of memory, the
// obvious model of what a table says.
func pageModel(t *E820Table, pages int) []E820Type {
	m := make([]E820Type, pages)
	for _, e := range t.Entries[:t.Nr_entries] {
		for p := e.Addr / 4096; p < (e.Addr+e.Size)/4096 && p < uint64(pages); p++ {
			if e.Type > m[p] {
				m[p] = e.Type // overlaps: the larger type wins, as E820__update_table
			}
		}
	}
	return m
}

func sameModel(a, b []E820Type) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fullTable alternates RAM and reserved pages: nothing merges.
func fullTable() *E820Table {
	tab := &E820Table{}
	for i := 0; i < E820_MAX_ENTRIES; i++ {
		E820__range_add(tab, uint64(i)*4*K, 4*K, E820Type(1+i%2))
	}
	E820__range_add(tab, E820_MAX_ENTRIES*4*K, 0, RAM) // refused: full
	return tab
}

func TestFullTableRefusesSplits(t *testing.T) {
	c := startCapture(t, 8)
	// Make the last RAM entry big, so that a change can fall inside it.
	tab := fullTable()
	last := &tab.Entries[E820_MAX_ENTRIES-2]
	last.Size = 64 * M
	before := *tab
	if n, err := E820__range_update(tab, last.Addr+M, M, RAM, RES); n != 0 || err != ErrTooMany || *tab != before {
		t.Errorf("update inside an entry of a full table: %d bytes, %v, table kept: %v", n, err, *tab == before)
	}
	if n, err := E820__range_remove(tab, last.Addr+M, M, RAM, true); n != 0 || err != ErrTooMany || *tab != before {
		t.Errorf("remove inside an entry of a full table: %d bytes, %v, table kept: %v", n, err, *tab == before)
	}
	// What needs no new entry still works: retyping a whole entry, or
	// cutting an entry's end.
	if n, err := E820__range_update(tab, 0, 4*K, RAM, RES); n != 4*K || err != OK {
		t.Errorf("retyping a whole entry of a full table: %d bytes, %v", n, err)
	}
	if n, err := E820__range_remove(tab, last.Addr+32*M, 32*M, RAM, true); n != 32*M || err != OK {
		t.Errorf("cutting the end off an entry of a full table: %d bytes, %v", n, err)
	}
	out := strings.Join(c.lines(), "\n")
	if strings.Count(out, "e820: the table is full (320 entries): no room to change") != 3 {
		t.Errorf("want one line per refusal (3):\n%s", out)
	}
}

// TestFullTableCompacts: a table full of pieces that merge is sanitised to
// make room, and the change goes through.
func TestFullTableCompacts(t *testing.T) {
	tab := &E820Table{}
	for i := 0; i < E820_MAX_ENTRIES; i++ {
		E820__range_add(tab, uint64(E820_MAX_ENTRIES-1-i)*4*K, 4*K, RAM) // unsorted, adjacent
	}
	want := pageModel(tab, 400)
	for p := 10; p < 12; p++ {
		want[p] = RES
	}
	if n, err := E820__range_update(tab, 10*4*K, 8*K, RAM, RES); n != 8*K || err != OK {
		t.Fatalf("update after compaction: %d bytes, %v", n, err)
	}
	if got := pageModel(tab, 400); !sameModel(got, want) {
		t.Errorf("the table after compaction and update is not the page model")
	}
}

// TestCapacityModel: random updates, removals and adds on a small address
// range, many more than the table holds pieces for. After each call the
// table must say what the page model says: the change applied if the call
// returned OK, nothing changed if it returned ErrTooMany.
func TestCapacityModel(t *testing.T) {
	startCapture(t, 0)
	const pages = 4096
	rnd := rand.New(rand.NewSource(7))
	tab := &E820Table{}
	E820__range_add(tab, 0, pages*4*K, RAM)
	model := pageModel(tab, pages)
	refused := 0
	for i := 0; i < 3000; i++ {
		p := rnd.Intn(pages - 8)
		n := 1 + rnd.Intn(8)
		start, size := uint64(p)*4*K, uint64(n)*4*K
		want := append([]E820Type(nil), model...)
		var err Error
		switch rnd.Intn(3) {
		case 0:
			_, err = E820__range_update(tab, start, size, RAM, RES)
			for q := p; q < p+n; q++ {
				if want[q] == RAM {
					want[q] = RES
				}
			}
		case 1:
			_, err = E820__range_update(tab, start, size, RES, RAM)
			for q := p; q < p+n; q++ {
				if want[q] == RES {
					want[q] = RAM
				}
			}
		case 2:
			_, err = E820__range_remove(tab, start, size, 0, false)
			for q := p; q < p+n; q++ {
				want[q] = 0
			}
		}
		got := pageModel(tab, pages)
		switch err {
		case OK:
			model = want
		case ErrTooMany:
			refused++
		default:
			t.Fatalf("call %d: %v", i, err)
		}
		if !sameModel(got, model) {
			t.Fatalf("call %d (err %v): the table no longer says what the page model says", i, err)
		}
	}
	if refused == 0 {
		t.Fatalf("the table never filled up: the test does not test capacity")
	}
	t.Logf("%d of 3000 changes refused for lack of room", refused)
}

// TestParseMemmapFull: more memmap= holes than the table has room for
// stop with ErrTooMany; the holes applied until then are in the table, and
// no other RAM went missing.
func TestParseMemmapFull(t *testing.T) {
	startCapture(t, 0)
	tab := mk(E820Entry{0, 0x9fc00, RAM}, E820Entry{0x100000, 512*M - 0x100000, RAM})
	var val []byte
	for i := 0; i < 200; i++ {
		if i > 0 {
			val = append(val, ',')
		}
		val = append(val, []byte("4K$0x"+strings.ToLower(hex(uint64(0x2000000+i*0x2000))))...)
	}
	if err := Parse_memmap_opt(tab, val); err != ErrTooMany {
		t.Fatalf("Parse_memmap with 200 holes: %v, want ErrTooMany", err)
	}
	m := pageModel(tab, 512*M/4096)
	holes, ram := 0, 0
	for p, ty := range m {
		if p >= 0x2000000/4096 && p < 0x2000000/4096+400 && (p-0x2000000/4096)%2 == 0 && ty == RES {
			holes++
		}
		if ty == RAM {
			ram++
		}
	}
	if wantRAM := (0x9f000+512*M-0x100000)/4096 - holes; ram != wantRAM {
		t.Errorf("%d RAM pages after %d holes, want %d", ram, holes, wantRAM)
	}
	if holes < 150 || holes >= 200 {
		t.Errorf("%d holes applied before the table filled up", holes)
	}
}

func hex(v uint64) string {
	const d = "0123456789abcdef"
	s := ""
	for ; v > 0; v >>= 4 {
		s = string(d[v&15]) + s
	}
	return s
}
