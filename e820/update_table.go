package e820

import "gokern/printk"

// Linux: arch/x86/kernel/e820.c e820__update_table (formerly
// sanitize_e820_map).
//
// The idea, for a student: every entry contributes two "change points", its
// start and its end. Walk all change points in address order, keeping the
// set of entries that cover the current address (the overlap list). At each
// point the address's type is the largest type number among the covering
// entries — a larger number always wins, so 2 (reserved) beats 1 (usable):
// when the firmware contradicts itself, the kernel must not use the memory.
// Whenever that type changes, the current new entry ends and another
// begins. Adjacent entries of the same type thereby merge, holes stay
// holes, and the output is sorted and free of overlaps.
//
//	input:   11111111________      output:  1111____________
//	         ____22222222____               ____222222______   (2 beats 1)
//	         __________333333               __________333333   (3 beats 2)
//
// All scratch space is static (Linux keeps it in __initdata): the kernel
// has no heap when it runs this.

// change_member is one change point: an address and the entry it belongs
// to (an index into the table, where Linux keeps a pointer).
type change_member struct {
	addr  uint64
	entry uint16
}

var (
	change_point_list [2 * E820_MAX_ENTRIES]change_member
	change_point      [2 * E820_MAX_ENTRIES]uint16 // indices into change_point_list, sorted
	overlap_list      [E820_MAX_ENTRIES]uint16     // entries covering the current address
	// new_entries has room for the worst case, 2n-1 pieces of n
	// overlapping entries, so that the walk never stops early.
	new_entries [2 * E820_MAX_ENTRIES]E820Entry
)

// isStart reports whether change point c is the start of its entry. A
// change point is an end when its address differs from the entry's start
// (entries have non-zero size, so start and end never coincide).
func isStart(t *E820Table, c *change_member) bool {
	return c.addr == t.Entries[c.entry].Addr
}

// cpless orders change points by address; at the same address, starts
// come before ends (Linux cpcompare). Processing a start first at an
// address where another entry ends means, for a moment, both are in the
// overlap list; the zero-length piece this might create is dropped below.
func cpless(t *E820Table, a, b uint16) bool {
	ap, bp := &change_point_list[a], &change_point_list[b]
	if ap.addr != bp.addr {
		return ap.addr < bp.addr
	}
	return isStart(t, ap) && !isStart(t, bp)
}

// e820_nomerge: persistent-memory and soft-reserved ranges may mark device
// or NUMA boundaries; Linux keeps them as the firmware split them.
func e820_nomerge(typ E820Type) bool {
	return typ == E820_TYPE_PRAM || typ == E820_TYPE_SOFT_RESERVED
}

// E820__update_table sanitises t in place: sorted by address, no overlaps (the
// larger type number wins), adjacent entries of the same type merged,
// empty entries (the all-zero terminator qboot leaves) dropped, and an
// entry whose end would pass 2^64 clipped to end at 2^64-1. It reports
// whether the table changed.
//
// Two deliberate differences from Linux: Linux returns early, leaving the
// table alone, when it has fewer than two entries or when an entry wraps
// past 2^64; gokern always sanitises and clips instead, so that a single
// bad entry cannot leave an empty or unsorted map behind.
//
// Overlapping entries can sanitise into more pieces than the table holds
// (Linux then keeps the first E820_MAX_ENTRIES and loses the rest of the
// map); gokern leaves the table as it was, says so, and Sanitize reports
// ErrTooMany.
func E820__update_table(t *E820Table) (changed bool) {
	changed, _ = Sanitize(t)
	return changed
}

// Sanitize is E820__update_table with its error: ErrTooMany, the table
// unchanged, when the sanitised map would not fit.
func Sanitize(t *E820Table) (changed bool, err Error) {
	n := t.Nr_entries
	if n > E820_MAX_ENTRIES {
		n = E820_MAX_ENTRIES // a corrupt count must not index out of range
		t.Nr_entries = n
		changed = true
	}

	// Record all change points (starts and ends), skipping empty entries.
	chg_nr := 0
	for i := uint32(0); i < n; i++ {
		e := &t.Entries[i]
		size := capSize(e.Addr, e.Size) // an end past 2^64 is clipped
		if size == 0 {
			continue
		}
		change_point_list[chg_nr] = change_member{addr: e.Addr, entry: uint16(i)}
		change_point_list[chg_nr+1] = change_member{addr: e.Addr + size, entry: uint16(i)}
		change_point[chg_nr] = uint16(chg_nr)
		change_point[chg_nr+1] = uint16(chg_nr + 1)
		chg_nr += 2
	}

	// Sort the change points by address. Linux uses the heapsort of
	// lib/sort.c; at most 640 points, insertion sort is plenty and easier
	// to follow in gdb.
	for i := 1; i < chg_nr; i++ {
		c := change_point[i]
		j := i
		for j > 0 && cpless(t, c, change_point[j-1]) {
			change_point[j] = change_point[j-1]
			j--
		}
		change_point[j] = c
	}

	// Walk the change points, building the new map.
	overlap_entries := 0
	new_nr := uint32(0)
	var last_type E820Type // 0: no memory at the current address
	var last_addr uint64
	for ci := 0; ci < chg_nr; ci++ {
		cp := &change_point_list[change_point[ci]]
		if isStart(t, cp) {
			// An entry begins: it joins the overlap list.
			overlap_list[overlap_entries] = cp.entry
			overlap_entries++
		} else {
			// An entry ends: take it out (order does not matter, so
			// the last element fills the hole).
			for i := 0; i < overlap_entries; i++ {
				if overlap_list[i] == cp.entry {
					overlap_list[i] = overlap_list[overlap_entries-1]
					break
				}
			}
			overlap_entries--
		}
		// The type here is the largest among the covering entries.
		var current_type E820Type
		for i := 0; i < overlap_entries; i++ {
			if ty := t.Entries[overlap_list[i]].Type; ty > current_type {
				current_type = ty
			}
		}
		if current_type == last_type && !e820_nomerge(current_type) {
			continue // same type continues: nothing to do
		}
		// The type changes here: close the open entry, if any ...
		if last_type != 0 {
			new_entries[new_nr].Size = cp.addr - last_addr
			// ... keeping it only if it is not empty.
			if new_entries[new_nr].Size != 0 {
				new_nr++
			}
		}
		// ... and open a new one unless this is a hole.
		if current_type != 0 {
			new_entries[new_nr].Addr = cp.addr
			new_entries[new_nr].Type = current_type
			last_addr = cp.addr
		}
		last_type = current_type
	}

	if new_nr > E820_MAX_ENTRIES {
		printk.Pr_err("e820: the sanitised map needs %d entries, the table holds %d: left unsanitised\n",
			printk.Int(new_nr), printk.Int(E820_MAX_ENTRIES))
		return changed, ErrTooMany
	}
	if new_nr != n {
		changed = true
	}
	for i := uint32(0); i < new_nr && !changed; i++ {
		if new_entries[i] != t.Entries[i] {
			changed = true
		}
	}
	copy(t.Entries[:new_nr], new_entries[:new_nr])
	// Clear the rest (the output can be shorter than the input) so that
	// stale entries never reappear.
	if new_nr < n {
		clear(t.Entries[new_nr:n])
	}
	t.Nr_entries = new_nr
	return changed, OK
}
