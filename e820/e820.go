// Package e820 holds the firmware's physical memory map and the kernel's
// edits to it, Linux's arch/x86/kernel/e820.c.
//
// The BIOS describes memory with INT 15h, AX=E820h: a list of (address,
// size, type) ranges that real-mode setup copied into boot_params (seeds:
// 000 "Memblock use case: e820", 002 "e820 dump in dmesg"). The list may be
// unsorted, overlapping, and padded with empty entries (qboot ends it with
// an all-zero one), so the first thing the kernel does is sanitise it
// (E820__update_table) and print it:
//
//	BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
//
// Then command-line options edit it (mem=, memmap=), setup_arch reads the
// highest page frame numbers from it (E820__end_of_ram_pfn), and E820__memblock_setup
// hands its RAM to memblock, after which the map is only a record.
//
// Linux keeps three global tables (e820_table, _kexec, _firmware); gokern
// keeps two, E820_table and E820_table_firmware, and its functions take the
// table to work on, so that the host tests can make their own.
package e820

import (
	"gokern/printk"
)

// The kernel's maps (Linux e820.c e820_table, e820_table_firmware):
// E820_table_firmware is the map as the BIOS gave it, E820_table the
// kernel's sanitised and edited copy. setup_arch fills them; everyone
// else reads them here.
var (
	E820_table_firmware E820Table
	E820_table          E820Table
)

// Error is what a failed e820 operation returns: a small integer, so that
// kernel code can return and print it without the Go heap.
type Error uint8

const (
	OK             Error = iota
	ErrTooMany           // the table is full (E820_MAX_ENTRIES)
	ErrSyntax            // a mem= or memmap= value that is not "nn[KMG]..."
	ErrZeroSize          // mem=0 or memmap=0: would remove all memory
	ErrNoUsableRAM       // no usable RAM above 1 MiB: the kernel cannot run
	ErrBadFirmware       // fewer than two firmware entries and no E801/88 size
)

func (e Error) String() string {
	switch e {
	case OK:
		return "ok"
	case ErrTooMany:
		return "the e820 table is full"
	case ErrSyntax:
		return "invalid memory size or address"
	case ErrZeroSize:
		return "size 0"
	case ErrNoUsableRAM:
		return "no usable RAM above 1 MiB"
	case ErrBadFirmware:
		return "no memory map from the firmware"
	}
	return "unknown e820 error"
}

// capSize clips size so that start+size does not wrap past 2^64 (the last
// byte of the address space cannot be described; Linux does the same in
// e820__range_update and memblock_cap_size).
func capSize(start, size uint64) uint64 {
	if size > ^uint64(0)-start {
		return ^uint64(0) - start
	}
	return size
}

// E820__range_add appends a range to t, Linux __e820__range_add. It does not
// sort or merge: call E820__update_table after a batch of changes. A full table
// is sanitised first (which merges what can be merged); if that frees no
// entry, the range is refused and the table left as it was.
func E820__range_add(t *E820Table, start, size uint64, typ E820Type) Error {
	if !room(t, &change{start: start, end: start + capSize(start, size), add: true}) {
		return ErrTooMany
	}
	t.Entries[t.Nr_entries] = E820Entry{Addr: start, Size: size, Type: typ}
	t.Nr_entries++
	return OK
}

// change describes an edit of [start, end) for room: an added entry, or
// an update (update) or removal of the entries of type typ (or of every
// type, unless checktype).
type change struct {
	start, end             uint64
	typ                    E820Type
	checktype, update, add bool
}

// need counts the entries c adds to t: one for E820__range_add; for an update,
// two per entry that holds the range strictly inside (head stays, range
// and tail are new) and one per partial overlap; for a removal, one per
// entry that holds the range strictly inside (the tail).
func (c *change) need(t *E820Table) uint32 {
	if c.add {
		return 1
	}
	var n uint32
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if c.checktype && e.Type != c.typ {
			continue
		}
		eEnd := e.Addr + e.Size
		switch {
		case e.Addr >= c.start && eEnd <= c.end: // inside the range: changed in place
		case e.Addr < c.start && eEnd > c.end:
			n++
			if c.update {
				n++
			}
		case max(c.start, e.Addr) < min(c.end, eEnd) && c.update:
			n++
		}
	}
	return n
}

// room makes sure t has the free entries c needs. When it has not, it
// sanitises t (E820__update_table: adjacent entries of the same type merge,
// emptied ones go) and counts again. The table keeps its fixed size, as
// Linux's, E820_MAX_ENTRIES; a change that needs more is refused with one
// message, before anything is changed, so that a full table never loses
// the rest of a range it was splitting (Linux's __e820__range_update drops
// the tail then, after one "too many entries" line).
func room(t *E820Table, c *change) bool {
	if t.Nr_entries+c.need(t) <= E820_MAX_ENTRIES {
		return true
	}
	if E820__update_table(t) && t.Nr_entries+c.need(t) <= E820_MAX_ENTRIES {
		return true
	}
	printk.Pr_err("e820: the table is full (%d entries): no room to change [mem %#010llx-%#010llx]\n",
		printk.Int(E820_MAX_ENTRIES), printk.Int(c.start), printk.Int(c.end-1))
	return false
}

// E820__range_update changes the type of [start, start+size) from old to new
// wherever it is old, splitting entries as needed, and returns how many
// bytes changed; Linux __e820__range_update. setup_arch uses it to turn the
// kernel's own data in RAM into E820_TYPE_RESERVED_KERN, and trims such as
// "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved" (the BIOS
// data page) are logged with it. With no room for the pieces it would
// split off (room), it changes nothing and returns ErrTooMany.
func E820__range_update(t *E820Table, start, size uint64, old, new E820Type) (uint64, Error) {
	if old == new {
		return 0, OK // Linux: BUG_ON(old_type == new_type)
	}
	size = capSize(start, size)
	end := start + size
	if !room(t, &change{start: start, end: end, typ: old, checktype: true, update: true}) {
		return 0, ErrTooMany
	}
	printk.Pr_debug("e820: update [mem %#010Lx-%#010Lx] ", printk.Int(start), printk.Int(end-1))
	e820_print_type(old)
	printk.Pr_cont(" ==> ")
	e820_print_type(new)
	printk.Pr_cont("\n")

	var updated uint64
	// Only the entries present now are examined: the pieces appended
	// below are already of the new type.
	n := t.Nr_entries
	for i := uint32(0); i < n; i++ {
		e := &t.Entries[i]
		if e.Type != old {
			continue
		}
		eEnd := e.Addr + e.Size
		// Entry completely inside the range: retype it in place.
		if e.Addr >= start && eEnd <= end {
			e.Type = new
			updated += e.Size
			continue
		}
		// Range completely inside the entry: the entry becomes the head,
		// the range and the tail are appended.
		if e.Addr < start && eEnd > end {
			E820__range_add(t, start, size, new)
			E820__range_add(t, end, eEnd-end, e.Type)
			e.Size = start - e.Addr
			updated += size
			continue
		}
		// Partial overlap at one end.
		fs, fe := max(start, e.Addr), min(end, eEnd)
		if fs >= fe {
			continue
		}
		E820__range_add(t, fs, fe-fs, new)
		updated += fe - fs
		e.Size -= fe - fs
		if e.Addr < fs {
			continue // the range cut the tail off: the head stays
		}
		e.Addr = fe // the range cut the head off
	}
	return updated, OK
}

// E820__range_remove takes [start, start+size) out of t (only from entries of
// type old when checktype) and returns how many bytes went; Linux
// e820__range_remove. Fully covered entries are zeroed in place, as Linux
// does, and disappear at the next E820__update_table. With no room for the
// tails it would split off (room), it changes nothing and returns
// ErrTooMany.
func E820__range_remove(t *E820Table, start, size uint64, old E820Type, checktype bool) (uint64, Error) {
	size = capSize(start, size)
	end := start + size
	if !room(t, &change{start: start, end: end, typ: old, checktype: checktype}) {
		return 0, ErrTooMany
	}
	printk.Pr_debug("e820: remove [mem %#010Lx-%#010Lx] ", printk.Int(start), printk.Int(end-1))
	if checktype {
		e820_print_type(old)
	}
	printk.Pr_cont("\n")

	var removed uint64
	n := t.Nr_entries
	for i := uint32(0); i < n; i++ {
		e := &t.Entries[i]
		if checktype && e.Type != old {
			continue
		}
		eEnd := e.Addr + e.Size
		if e.Addr >= start && eEnd <= end {
			removed += e.Size
			*e = E820Entry{}
			continue
		}
		if e.Addr < start && eEnd > end {
			E820__range_add(t, end, eEnd-end, e.Type)
			e.Size = start - e.Addr
			removed += size
			continue
		}
		fs, fe := max(start, e.Addr), min(end, eEnd)
		if fs >= fe {
			continue
		}
		removed += fe - fs
		e.Size -= fe - fs
		if e.Addr < fs {
			continue
		}
		e.Addr = fe
	}
	return removed, OK
}

// E820__mapped_any reports whether any part of [start, end) is covered by an
// entry of type typ (any type when typ is 0); Linux e820__mapped_any.
func E820__mapped_any(t *E820Table, start, end uint64, typ E820Type) bool {
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if typ != 0 && e.Type != typ {
			continue
		}
		if e.Addr >= end || e.Addr+e.Size <= start {
			continue
		}
		return true
	}
	return false
}

// E820__mapped_all reports whether all of [start, end) is covered by entries of
// type typ (any type when 0); Linux __e820__mapped_all. Like Linux it needs
// a sanitised (sorted, non-overlapping) table.
func E820__mapped_all(t *E820Table, start, end uint64, typ E820Type) bool {
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if typ != 0 && e.Type != typ {
			continue
		}
		if e.Addr >= end || e.Addr+e.Size <= start {
			continue
		}
		// An entry covering start moves start to its end: everything
		// below is known to be covered.
		if e.Addr <= start {
			start = e.Addr + e.Size
		}
		if start >= end {
			return true
		}
	}
	return false
}

// E820__print_table logs every entry of t, one line each, prefixed by who ("BIOS-e820",
// "BIOS-e801", "modified", "user"); Linux e820__print_table:
//
//	BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
func E820__print_table(t *E820Table, who string) {
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		printk.Pr_info("%s: [mem %#018Lx-%#018Lx] ", printk.Str(who),
			printk.Int(e.Addr), printk.Int(e.Addr+e.Size-1))
		e820_print_type(e.Type)
		printk.Pr_cont("\n")
	}
}
