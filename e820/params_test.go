package e820

import (
	"reflect"
	"testing"
)

func TestParseMem(t *testing.T) {
	startCapture(t, 0) // silence
	for _, c := range []struct {
		val  string
		err  Error
		want []E820Entry
	}{
		{"64M", OK, []E820Entry{{0, 0x9fc00, RAM}, {0x9fc00, 0x400, RES}, {0xf0000, 0x10000, RES},
			{M, 63 * M, RAM}, {0x7fe0000, 0x20000, RES}, {0xfeffc000, 0x4000, RES}, {0xfffc0000, 0x40000, RES}}},
		{"0x100000", OK, []E820Entry{{0, 0x9fc00, RAM}, {0x9fc00, 0x400, RES}, {0xf0000, 0x10000, RES},
			{0x7fe0000, 0x20000, RES}, {0xfeffc000, 0x4000, RES}, {0xfffc0000, 0x40000, RES}}},
		{"4G", OK, entries(qemuMap())},
		{"0", ErrZeroSize, nil},
		{"", ErrSyntax, nil},
		{"abc", ErrSyntax, nil},
		{"64Mx", ErrSyntax, nil},
		{"64 M", ErrSyntax, nil},
		{"0x", ErrSyntax, nil},
		{"99999999999999999999", ErrSyntax, nil},
		{"17E", ErrSyntax, nil},
		{"nopentium", OK, entries(qemuMap())}, // ignored, with Linux's line
	} {
		tab := qemuMap()
		err := Parse_memopt(tab, []byte(c.val))
		if err != c.err {
			t.Errorf("mem=%s: %v, want %v", c.val, err, c.err)
		}
		E820__update_table(tab)
		want := c.want
		if err != OK {
			want = entries(qemuMap()) // untouched
		}
		if got := entries(tab); !reflect.DeepEqual(got, want) {
			t.Errorf("mem=%s: got %x\nwant %x", c.val, got, want)
		}
	}
}

func TestParseMemmap(t *testing.T) {
	c := startCapture(t, 7)
	for _, c := range []struct {
		val  string
		err  Error
		want []E820Entry
	}{
		{"exactmap,640K@0,127M@1M", OK, []E820Entry{{0, 640 * K, RAM}, {M, 127 * M, RAM}}},
		{"exactmap,0x9fc00@0,0x7f00000@0x100000,4K$0x9f000", OK,
			[]E820Entry{{0, 0x9f000, RAM}, {0x9f000, 0x1000, RES}, {M, 127 * M, RAM}}},
		{"exactmap,64M@0,1M#16M,2M!32M", OK,
			[]E820Entry{{0, 16 * M, RAM}, {16 * M, M, ACPI}, {17 * M, 15 * M, RAM}, {32 * M, 2 * M, PRAM}, {34 * M, 30 * M, RAM}}},
		{"exactmap,64M@0,1M%4M-1+2", OK, []E820Entry{{0, 4 * M, RAM}, {4 * M, M, RES}, {5 * M, 59 * M, RAM}}},
		{"exactmap,64M@0,1M%4M-1", OK, []E820Entry{{0, 4 * M, RAM}, {5 * M, 59 * M, RAM}}},
		{"exactmap,64M@0,1M%4M", OK, []E820Entry{{0, 4 * M, RAM}, {5 * M, 59 * M, RAM}}},
		{"exactmap,1M%4M+3", OK, []E820Entry{{4 * M, M, ACPI}}},
		{"exactmap,64M@0,16M", OK, []E820Entry{{0, 16 * M, RAM}}},
		// Garbage: the table is left alone.
		{"", ErrSyntax, nil},
		{"abc", ErrSyntax, nil},
		{"exactmapx", ErrSyntax, nil},
		{"64M@", ErrSyntax, nil},
		{"64M@abc", ErrSyntax, nil},
		{"64M@1Mx", ErrSyntax, nil},
		{"64M&1M", ErrSyntax, nil},
		{"64M%1M-x", ErrSyntax, nil},
		{"64M%1M+0x100000000", ErrSyntax, nil},
		{"64M%1M-1+2junk", ErrSyntax, nil},
		{",", ErrSyntax, nil},
		{"exactmap,", ErrSyntax, nil},
		{"exactmap,64M@0,bad", ErrSyntax, nil},
		{"0", ErrZeroSize, nil},
		{"0@0", ErrZeroSize, nil},
		{"0$0x1000000", ErrZeroSize, nil},
		{"0%4M-1", ErrZeroSize, nil},
		{"exactmap,0#16M", ErrZeroSize, nil},
	} {
		tab := qemuMap()
		err := Parse_memmap_opt(tab, []byte(c.val))
		if err != c.err {
			t.Errorf("memmap=%s: %v, want %v", c.val, err, c.err)
		}
		E820__update_table(tab)
		want := c.want
		if err != OK {
			want = entries(qemuMap())
		}
		if got := entries(tab); !reflect.DeepEqual(got, want) {
			t.Errorf("memmap=%s: got %x\nwant %x", c.val, got, want)
		}
	}
	c.lines()

	tab := qemuMap()
	Parse_memmap_opt(tab, []byte("exactmap,640K@0,127M@1M"))
	E820__finish_early_params(tab, true)
	want := []string{
		"e820: user-defined physical RAM map:",
		"user: [mem 0x0000000000000000-0x000000000009ffff] usable",
		"user: [mem 0x0000000000100000-0x0000000007ffffff] usable",
	}
	if got := c.lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

// FuzzParse: no input panics, and a refused value leaves the table as it
// was.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"64M", "exactmap,640K@0,127M@1M", "1M%4M-1+2", "4K$0x9f000", "2M!4G", "nopentium", "0x", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(*E820Table, []byte) Error{Parse_memopt, Parse_memmap_opt} {
			tab := qemuMap()
			if parse(tab, []byte(s)) != OK && !reflect.DeepEqual(entries(tab), entries(qemuMap())) {
				t.Fatalf("%q refused but the table changed: %x", s, entries(tab))
			}
			E820__update_table(tab)
			checkSane(t, tab)
		}
	})
}
