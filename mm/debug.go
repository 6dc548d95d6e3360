package mm

import (
	"unsafe"

	"gokern/kallsyms"
	"gokern/printk"
)

// Reporting misuse. Linux: mm/page_alloc.c bad_page, mm/debug.c dump_page
// and the "%pGp" page-flag names.

// BadPages counts bad_page reports (Linux taints the kernel with
// TAINT_BAD_PAGE); the selftests check it.
var BadPages uint64

// pageflagNames: "%pGp" names, Linux's __def_pageflag_names.
var pageflagNames = [...]struct {
	bit  uint
	name string
}{
	{PG_locked, "locked"},
	{PG_dirty, "dirty"},
	{PG_lru, "lru"},
	{PG_slab, "slab"},
	{PG_reserved, "reserved"},
	{PG_head, "head"},
	{PG_buddy, "buddy"},
}

// bad_page reports a page in a state it must not be in, as Linux does,
// and the caller; the page itself is left alone (Linux: bad_page, which
// then leaks the page).
//
//	BUG: Bad page state in process swapper  pfn:01234
//	page:ffffea0000048d00 refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x1234
//	flags: 0x4000000000001000(reserved|zone=1)
//	page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set
func bad_page(p *Page, reason string, ip uintptr) {
	BadPages++
	pfn := Page_to_pfn(p)
	printk.Pr_alert("BUG: Bad page state in process swapper  pfn:%05lx\n", printk.Int(pfn))
	Dump_page(p, reason)
	printk.Pr_alert("Call Trace: %s\n", sym(ip))
}

// badPfn is bad_page for a frame without an initialised struct page.
func badPfn(pfn uint64, reason string, ip uintptr) {
	BadPages++
	printk.Pr_alert("BUG: Bad page state in process swapper  pfn:%05lx\n", printk.Int(pfn))
	printk.Pr_alert("page dumped because: %s\n", printk.Str(reason))
	printk.Pr_alert("Call Trace: %s\n", sym(ip))
}

// Dump_page prints a struct page, Linux dump_page.
func Dump_page(p *Page, reason string) {
	var b [128]byte
	n := SprintPageflags(b[:], p.Flags)
	printk.Pr_alert("page:%016lx refcount:%d mapcount:0 mapping:0000000000000000 index:0x0 pfn:%#lx\n",
		printk.Int(uintptrOf(p)), printk.Int(p.Refcount), printk.Int(Page_to_pfn(p)))
	if o, ok := allocOrder(p); ok {
		printk.Pr_alert("flags: %#lx(%s) allocated order:%d\n", printk.Int(p.Flags), printk.Bytes(b[:n]), printk.Int(o))
	} else if PageBuddy(p) {
		printk.Pr_alert("flags: %#lx(%s) buddy order:%d\n", printk.Int(p.Flags), printk.Bytes(b[:n]), printk.Int(p.Private))
	} else {
		printk.Pr_alert("flags: %#lx(%s)\n", printk.Int(p.Flags), printk.Bytes(b[:n]))
	}
	printk.Pr_alert("page dumped because: %s\n", printk.Str(reason))
}

// SprintPageflags writes the flag names and zone as "%pGp" does
// ("reserved|buddy|zone=1") and returns the length.
func SprintPageflags(buf []byte, flags uint64) int {
	n := 0
	for _, f := range pageflagNames {
		if flags&(1<<f.bit) == 0 {
			continue
		}
		n += copy(buf[n:], f.name)
		n += copy(buf[n:], "|")
	}
	n += printk.Snprintf(buf[n:], "zone=%d", printk.Int(flags>>ZONES_PGSHIFT&ZONES_MASK))
	return n
}

// symbuf holds one caller's name at a time (one CPU).
var symbuf [160]byte

// sym is printk's "%pS" for ip.
func sym(ip uintptr) printk.Arg {
	n := kallsyms.Sprint_symbol(symbuf[:], ip)
	return printk.Bytes(symbuf[:n])
}

// stringOf sees b as a string without copying (for a reason built on the
// stack, used before b goes away).
func stringOf(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// unsafeWords sees page-aligned early memory as words.
func unsafeWords(b []byte) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)
}
