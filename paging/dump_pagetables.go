package paging

import "gokern/arch/amd64/asm"

// Dumping a page-table tree as ranges, for ptdump.
//
// Linux: arch/x86/mm/dump_pagetables.c (struct pg_state, note_page,
// printk_prot) over mm/ptdump.c (ptdump_walk_pgd). Like Linux, Dump walks
// the whole tree and merges neighbouring entries at the same level with
// the same flags into one range, reporting holes too, so
// /sys/kernel/debug/page_tables/kernel-style output can be printed line by
// line:
//
//	0xffff888000000000-0xffff888000200000           2M     RW         PSE     GLB NX pmd

// Range is a run of neighbouring entries at one level with equal flags.
type Range struct {
	// Start and End bound the range: [Start, End). End is 0 when the range
	// runs to the top of the address space (2^64 wraps to 0), as in Linux.
	Start, End VirtAddr
	// Size is the size one entry maps: the page size (4K, 2M or 1G) for
	// mapped ranges; for holes, the span of a non-present entry at Level
	// (512G for an empty PGD entry).
	Size uint64
	// Level is the level of the entries (its Name is what ptdump prints).
	Level PgLevel
	// Prot is the entries' flags as stored (large form for 2M/1G: PSE set,
	// PAT in bit 12). Not present for holes.
	Prot PgProt
}

// dumpState is Linux's struct pg_state: the range being grown.
type dumpState struct {
	cur  Range
	have bool
}

// note_page adds one entry. A "break" (another level, other flags, or a
// jump in addresses, such as the non-canonical hole) ends the current
// range and hands it to fn. Linux: note_page.
func (st *dumpState) note_page(fn func(Range), start VirtAddr, level PgLevel, prot PgProt) {
	size := level.Size()
	if st.have && st.cur.End == start && st.cur.Level == level && st.cur.Prot == prot {
		st.cur.End += VirtAddr(size)
		return
	}
	if st.have {
		fn(st.cur)
	}
	st.cur = Range{Start: start, End: start + VirtAddr(size), Size: size, Level: level, Prot: prot}
	st.have = true
}

// pgdStart is the first address of PGD entry i: the upper half (i >= 256)
// is sign-extended to be canonical.
func pgdStart(i int) VirtAddr {
	va := VirtAddr(i) << PGDIR_SHIFT
	if i >= PTRS_PER_PGD/2 {
		va |= 0xffff000000000000
	}
	return va
}

// Dump calls fn, in address order, for every range of the tree whose PGD
// page is at pgdPhys, holes included (use r.Prot.Present() to skip them).
// fn must not keep the Range past the call. Linux: ptdump_walk_pgd_level.
func Dump(mem asm.PhysMem, pgdPhys PhysAddr, fn func(r Range)) {
	var st dumpState
	pgdT := table(mem, pgdPhys)
	for i := range pgdT {
		va := pgdStart(i)
		pgd := PGD(pgdT[i])
		if !pgd.Present() {
			st.note_page(fn, va, PG_LEVEL_512G, pgd.Flags())
			continue
		}
		pudT := table(mem, pgd.Phys())
		for j := range pudT {
			vpud := va + VirtAddr(j)<<PUD_SHIFT
			pud := PUD(pudT[j])
			if !pud.Present() || pud.Large() {
				st.note_page(fn, vpud, PG_LEVEL_1G, pud.Flags())
				continue
			}
			pmdT := table(mem, pud.Phys())
			for k := range pmdT {
				vpmd := vpud + VirtAddr(k)<<PMD_SHIFT
				pmd := PMD(pmdT[k])
				if !pmd.Present() || pmd.Large() {
					st.note_page(fn, vpmd, PG_LEVEL_2M, pmd.Flags())
					continue
				}
				pteT := table(mem, pmd.Phys())
				for l := range pteT {
					st.note_page(fn, vpmd+VirtAddr(l)<<PAGE_SHIFT, PG_LEVEL_4K, PTE(pteT[l]).Flags())
				}
			}
		}
	}
	if st.have {
		fn(st.cur)
	}
}

// Formatting, into buffers the caller owns (no heap, no fmt).

// ProtLen is the width of the protection column Format writes.
const ProtLen = 30

// RangeLen is the length of the line FormatRange writes:
// "0x%016lx-0x%016lx   %9lu%c " (51), the protection column (30) and the
// level name (3).
const RangeLen = 51 + ProtLen + 3

// writer appends to a fixed buffer, silently dropping what does not fit.
type writer struct {
	buf []byte
	n   int
}

func (w *writer) str(s string) {
	w.n += copy(w.buf[w.n:], s)
}

// flag writes on or off.
func (w *writer) flag(set bool, on, off string) {
	if set {
		w.str(on)
	} else {
		w.str(off)
	}
}

func (w *writer) char(c byte) {
	if w.n < len(w.buf) {
		w.buf[w.n] = c
		w.n++
	}
}

// hex16 writes v as 16 lower-case hex digits (%016lx).
func (w *writer) hex16(v uint64) {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		w.char(digits[v>>uint(shift)&0xf])
	}
}

// dec writes v in decimal, right-aligned in width (%*lu).
func (w *writer) dec(v uint64, width int) {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for pad := width - (len(tmp) - i); pad > 0; pad-- {
		w.char(' ')
	}
	for ; i < len(tmp); i++ {
		w.char(tmp[i])
	}
}

// Format writes the protection as Linux's ptdump prints it, into buf, and
// returns the number of bytes written (ProtLen if buf is big enough):
// "USR " or blank, "RW " or "ro ", "PWT ", "PCD ", "PSE " (2M/1G levels
// only: bit 7 is PAT in a PTE), "PAT " (bit 7 at the PTE level, bit 12
// above), "GLB ", and "NX " or "x  "; 30 blanks if not present.
// Linux: printk_prot.
func (p PgProt) Format(buf []byte, level PgLevel) int {
	w := writer{buf: buf}
	p.format(&w, level)
	return w.n
}

func (p PgProt) format(w *writer, level PgLevel) {
	if !p.Present() {
		w.str("                              ")
		return
	}
	w.flag(p&PAGE_USER != 0, "USR ", "    ")
	w.flag(p&PAGE_RW != 0, "RW ", "ro ")
	w.flag(p&PAGE_PWT != 0, "PWT ", "    ")
	w.flag(p&PAGE_PCD != 0, "PCD ", "    ")
	// Bit 7 has a different meaning at the PTE level than above it.
	if level >= PG_LEVEL_2M {
		w.flag(p&PAGE_PSE != 0, "PSE ", "    ")
		w.flag(p&PAGE_PAT_LARGE != 0, "PAT ", "    ")
	} else {
		w.str("    ")
		w.flag(p&PAGE_PAT != 0, "PAT ", "    ")
	}
	w.flag(p&PAGE_GLOBAL != 0, "GLB ", "    ")
	w.flag(p&PAGE_NX != 0, "NX ", "x  ")
}

// FormatRange writes r as one line of Linux's ptdump (without the
// newline) and returns the number of bytes written (RangeLen if buf is big
// enough), e.g.
//
//	0xffff888000000000-0xffff888000200000           2M     RW         PSE     GLB NX pmd
//
// The size column is the range's length in the largest unit that divides
// it (B, K, M, G, T, P, E). Linux: note_page and printk_prot.
func FormatRange(buf []byte, r Range) int {
	w := writer{buf: buf}
	w.str("0x")
	w.hex16(uint64(r.Start))
	w.str("-0x")
	w.hex16(uint64(r.End))
	w.str("   ")
	const units = "BKMGTPE"
	delta, u := uint64(r.End-r.Start), 0
	for delta&1023 == 0 && u < len(units)-1 {
		delta >>= 10
		u++
	}
	w.dec(delta, 9)
	w.char(units[u])
	w.char(' ')
	r.Prot.format(&w, r.Level)
	w.str(r.Level.Name())
	return w.n
}
