package paging_test

import (
	"strings"
	"testing"

	. "gokern/paging"
)

// dumpLines formats every range Dump reports, holes included.
func dumpLines(e *env, presentOnly bool) []string {
	var lines []string
	Dump(e.ram, e.pgd, func(r Range) {
		if presentOnly && !r.Prot.Present() {
			return
		}
		var buf [RangeLen]byte
		n := FormatRange(buf[:], r)
		lines = append(lines, string(buf[:n]))
	})
	return lines
}

// knownLayout builds a small kernel address space: the direct map of
// 6 MiB + 12 KiB, the kernel text (RX) and data (RW) at X__START_KERNEL, and
// a user page.
func knownLayout(t *testing.T) *env {
	e := newEnv(t, 64*kib)
	e.mapRange(t, PAGE_OFFSET, 0, 6*mib+12*kib, PAGE_KERNEL, Size2M)
	e.mapRange(t, X__START_KERNEL, LOAD_PHYSICAL_ADDR, 4*mib, PAGE_KERNEL_RX, Size2M)
	e.mapRange(t, X__START_KERNEL+4*mib, LOAD_PHYSICAL_ADDR+4*mib, 2*mib, PAGE_KERNEL, Size2M)
	e.mapRange(t, 0x400000, 0x7000000, 8*kib, PAGE_READONLY_EXEC, Size2M)
	return e
}

func TestDumpKnownLayout(t *testing.T) {
	e := knownLayout(t)
	got := strings.Join(dumpLines(e, false), "\n")
	// As Linux's /sys/kernel/debug/page_tables/kernel prints it (without
	// the "---[ ... ]---" markers).
	want := strings.Join([]string{
		"0x0000000000000000-0x0000000000400000           4M                               pmd",
		"0x0000000000400000-0x0000000000402000           8K USR ro                     x  pte",
		"0x0000000000402000-0x0000000000600000        2040K                               pte",
		"0x0000000000600000-0x0000000040000000        1018M                               pmd",
		"0x0000000040000000-0x0000008000000000         511G                               pud",
		"0x0000008000000000-0x0000800000000000      130560G                               pgd",
		"0xffff800000000000-0xffff888000000000        8704G                               pgd",
		"0xffff888000000000-0xffff888000600000           6M     RW         PSE     GLB NX pmd",
		"0xffff888000600000-0xffff888000603000          12K     RW                 GLB NX pte",
		"0xffff888000603000-0xffff888000800000        2036K                               pte",
		"0xffff888000800000-0xffff888040000000        1016M                               pmd",
		"0xffff888040000000-0xffff890000000000         511G                               pud",
		"0xffff890000000000-0xffffff8000000000      121344G                               pgd",
		"0xffffff8000000000-0xffffffff80000000         510G                               pud",
		"0xffffffff80000000-0xffffffff81000000          16M                               pmd",
		"0xffffffff81000000-0xffffffff81400000           4M     ro         PSE     GLB x  pmd",
		"0xffffffff81400000-0xffffffff81600000           2M     RW         PSE     GLB NX pmd",
		"0xffffffff81600000-0xffffffffc0000000        1002M                               pmd",
		"0xffffffffc0000000-0x0000000000000000           1G                               pud",
	}, "\n")
	if got != want {
		t.Errorf("Dump:\n%s\nwant:\n%s", got, want)
	}
}

// Dump's ranges cover the canonical address space exactly, in order.
func TestDumpCoversAddressSpace(t *testing.T) {
	e := knownLayout(t)
	var next VirtAddr
	var mapped uint64
	first := true
	Dump(e.ram, e.pgd, func(r Range) {
		if first && r.Start != 0 || !first && r.Start != next && !(next == 0x0000800000000000 && r.Start == 0xffff800000000000) {
			t.Errorf("range %#x-%#x does not follow %#x", uint64(r.Start), uint64(r.End), uint64(next))
		}
		first = false
		if uint64(r.End-r.Start)%r.Size != 0 || r.Size != r.Level.Size() {
			t.Errorf("range %#x-%#x: size %#x level %d", uint64(r.Start), uint64(r.End), r.Size, r.Level)
		}
		if r.Prot.Present() {
			mapped += uint64(r.End - r.Start)
		}
		next = r.End
	})
	if next != 0 {
		t.Errorf("last range ends at %#x, want the top (0)", uint64(next))
	}
	if mapped != 6*mib+12*kib+6*mib+8*kib {
		t.Errorf("mapped %#x bytes", mapped)
	}
}

func TestProtFormat(t *testing.T) {
	for _, c := range []struct {
		prot  PgProt
		level PgLevel
		want  string
	}{
		{0, PG_LEVEL_4K, "                              "},
		{PAGE_KERNEL, PG_LEVEL_4K, "    RW                 GLB NX "},
		{PAGE_KERNEL_LARGE_EXEC, PG_LEVEL_2M, "    RW         PSE     GLB x  "},
		{PAGE_KERNEL_NOCACHE, PG_LEVEL_4K, "    RW PWT PCD         GLB NX "},
		{PAGE_SHARED | PAGE_PAT, PG_LEVEL_4K, "USR RW             PAT     NX "},
		{PAGE_KERNEL_LARGE | PAGE_PAT_LARGE, PG_LEVEL_1G, "    RW         PSE PAT GLB NX "},
		{PAGE_READONLY_EXEC, PG_LEVEL_4K, "USR ro                     x  "},
	} {
		var buf [ProtLen]byte
		n := c.prot.Format(buf[:], c.level)
		if got := string(buf[:n]); got != c.want {
			t.Errorf("Format(%#x, %s) = %q, want %q", uint64(c.prot), c.level.Name(), got, c.want)
		}
	}
	// A short buffer truncates instead of growing.
	var small [7]byte
	if n := PAGE_KERNEL.Format(small[:], PG_LEVEL_4K); n != 7 || string(small[:]) != "    RW " {
		t.Errorf("truncated: %d %q", n, small[:n])
	}
	var line [20]byte
	if n := FormatRange(line[:], Range{Start: PAGE_OFFSET, End: PAGE_OFFSET + 4096, Size: 4096, Level: PG_LEVEL_4K, Prot: PAGE_KERNEL}); n != 20 ||
		string(line[:]) != "0xffff888000000000-0" {
		t.Errorf("truncated line: %q", line[:n])
	}
}
