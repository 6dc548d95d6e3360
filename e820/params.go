package e820

import (
	"gokern/cmdline"
	"gokern/printk"
)

// Linux: arch/x86/kernel/e820.c parse_memopt ("mem="), parse_memmap_opt
// and parse_memmap_one ("memmap="), e820__finish_early_params.
//
// Linux applies what it could parse and reports -EINVAL for the rest;
// gokern checks a whole value before changing the table, and rejects
// trailing garbage ("mem=512Mfoo") that Linux silently ignores, so that a
// typo on the command line is reported instead of half applied.

// Parse_memopt handles "mem=nn[KMG]": forget all RAM at and above nn, Linux
// parse_memopt. mem=0 and garbage are refused (the kernel stops, naming the
// value and the Error) rather than removing all memory; they print nothing
// here, so that the refusal is said once. mem=nopentium is ignored with
// Linux's line and returns OK: the boot goes on, as Linux's.
func Parse_memopt(t *E820Table, val []byte) Error {
	if string(val) == "nopentium" {
		printk.Pr_warn("mem=nopentium ignored! (only supported on x86_32)\n")
		return OK
	}
	memSize, rest, err := cmdline.Memparse(val)
	if err != cmdline.OK || len(rest) != 0 {
		return ErrSyntax
	}
	if memSize == 0 {
		return ErrZeroSize
	}
	_, e := E820__range_remove(t, memSize, ^uint64(0)-memSize, E820_TYPE_RAM, true)
	return e
}

// Parse_memmap_opt handles "memmap=" with one or more comma-separated forms,
// Linux parse_memmap_opt:
//
//	memmap=exactmap      forget the firmware map (more memmap= follow)
//	memmap=nn[KMG]       like mem=nn
//	memmap=nn[KMG]@ss    add [ss, ss+nn) as usable RAM
//	memmap=nn[KMG]#ss    add it as ACPI data
//	memmap=nn[KMG]$ss    add it as reserved
//	memmap=nn[KMG]!ss    add it as persistent memory (type 12)
//	memmap=nn[KMG]%ss-from+to   change type from to to (either optional)
//
// The changes are not sorted in: the kernel calls E820__finish_early_params
// once all early options are parsed. A refused value prints nothing here:
// the kernel stops naming it and the Error. A size of 0 is refused in
// every form, as memmap=0 is.
func Parse_memmap_opt(t *E820Table, val []byte) Error {
	if len(val) == 0 {
		return ErrSyntax
	}
	// First check every piece, then apply them.
	for pass := 0; pass < 2; pass++ {
		apply := pass == 1
		for p := val; ; {
			piece, next, more := cutComma(p)
			if err := parse_memmap_one(t, piece, apply); err != OK {
				return err
			}
			if !more {
				break
			}
			p = next
		}
	}
	return OK
}

func cutComma(s []byte) (piece, rest []byte, more bool) {
	for i, c := range s {
		if c == ',' {
			return s[:i], s[i+1:], true
		}
	}
	return s, nil, false
}

// parse_memmap_one checks one memmap= form and, when apply, applies it.
func parse_memmap_one(t *E820Table, p []byte, apply bool) Error {
	if len(p) >= 8 && string(p[:8]) == "exactmap" {
		if len(p) != 8 {
			return ErrSyntax
		}
		if apply {
			t.Nr_entries = 0
		}
		return OK
	}
	memSize, rest, err := cmdline.Memparse(p)
	if err != cmdline.OK {
		return ErrSyntax
	}
	if len(rest) == 0 {
		// Plain "memmap=nn" is "mem=nn".
		if memSize == 0 {
			return ErrZeroSize
		}
		if apply {
			_, e := E820__range_remove(t, memSize, ^uint64(0)-memSize, E820_TYPE_RAM, true)
			return e
		}
		return OK
	}
	if memSize == 0 {
		return ErrZeroSize // memmap=0@0 adds nothing: refused, as memmap=0
	}
	var typ E820Type
	switch rest[0] {
	case '@':
		typ = E820_TYPE_RAM
	case '#':
		typ = E820_TYPE_ACPI
	case '$':
		typ = E820_TYPE_RESERVED
	case '!':
		typ = E820_TYPE_PRAM
	case '%':
		return parse_memmap_retype(t, memSize, rest[1:], apply)
	default:
		return ErrSyntax
	}
	startAt, rest, err := cmdline.Memparse(rest[1:])
	if err != cmdline.OK || len(rest) != 0 {
		return ErrSyntax
	}
	if apply {
		// The RAM inside the range changes type: print it as an update
		// (gokern prints every memmap= change; Linux only adds the entry
		// and lets the sanitiser settle the overlap).
		if typ != E820_TYPE_RAM {
			updated, e := E820__range_update(t, startAt, memSize, E820_TYPE_RAM, typ)
			if e != OK || updated == memSize {
				return e // it was all RAM: the update is the whole change
			}
		} else {
			printk.Pr_debug("e820: add [mem %#010Lx-%#010Lx] usable\n", printk.Int(startAt), printk.Int(startAt+memSize-1))
		}
		return E820__range_add(t, startAt, memSize, typ)
	}
	return OK
}

// parse_memmap_retype handles "nn%ss-from+to" (the part after '%').
func parse_memmap_retype(t *E820Table, memSize uint64, p []byte, apply bool) Error {
	startAt, rest, err := cmdline.Memparse(p)
	if err != cmdline.OK {
		return ErrSyntax
	}
	var from, to uint64
	if len(rest) > 0 && rest[0] == '-' {
		if from, rest, err = cmdline.Simple_strtoull(rest[1:]); err != cmdline.OK {
			return ErrSyntax
		}
	}
	if len(rest) > 0 && rest[0] == '+' {
		if to, rest, err = cmdline.Simple_strtoull(rest[1:]); err != cmdline.OK {
			return ErrSyntax
		}
	}
	if len(rest) != 0 || from > 0xffffffff || to > 0xffffffff {
		return ErrSyntax
	}
	if !apply {
		return OK
	}
	var e Error
	switch {
	case from != 0 && to != 0:
		_, e = E820__range_update(t, startAt, memSize, E820Type(from), E820Type(to))
	case to != 0:
		e = E820__range_add(t, startAt, memSize, E820Type(to))
	case from != 0:
		_, e = E820__range_remove(t, startAt, memSize, E820Type(from), true)
	default:
		_, e = E820__range_remove(t, startAt, memSize, 0, false)
	}
	return e
}

// E820__finish_early_params sanitises and prints t when mem= or memmap= changed
// it (userdef), Linux e820__finish_early_params:
//
//	e820: user-defined physical RAM map:
//	user: [mem 0x0000000000000000-0x000000000009fbff] usable
//
// It returns ErrTooMany, printing nothing more, when the options left a
// map that does not fit the table once sanitised (the caller stops).
func E820__finish_early_params(t *E820Table, userdef bool) Error {
	if !userdef {
		return OK
	}
	if _, err := Sanitize(t); err != OK {
		return err
	}
	printk.Pr_info("e820: user-defined physical RAM map:\n")
	E820__print_table(t, "user")
	return OK
}
