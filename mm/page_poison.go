package mm

import "gokern/printk"

// page_poison=1: freed pages are filled with PAGE_POISON and the pattern
// is checked when they are handed out again, so a write to a page after
// it was freed is caught at its next allocation. Linux: mm/page_poison.c
// (kernel_poison_pages, check_poison_mem, __kernel_unpoison_pages),
// include/linux/poison.h.

// PAGE_POISON is the byte freed pages are filled with.
const PAGE_POISON = 0xaa

// Want_page_poisoning is "page_poison=1".
var Want_page_poisoning bool

// PoisonErrors counts corrupted pages found at allocation.
var PoisonErrors uint64

// kernel_poison_pages fills a block being freed with PAGE_POISON.
func kernel_poison_pages(p *Page, order uint) {
	b := pageBytes(p, order)
	for i := range b {
		b[i] = PAGE_POISON
	}
}

// kernel_unpoison_pages reports the first byte of each page of a block that
// is no longer PAGE_POISON (Linux check_poison_mem: "pagealloc: memory
// corruption", a hex dump from the first bad byte, dump_page).
func kernel_unpoison_pages(p *Page, order uint) {
	pfn := Page_to_pfn(p)
	for i := uint64(0); i < 1<<order; i++ {
		q := Pfn_to_page(pfn + i)
		b := pageBytes(q, 0)
		start := -1
		for j := range b {
			if b[j] != PAGE_POISON {
				start = j
				break
			}
		}
		if start < 0 {
			continue
		}
		PoisonErrors++
		end := start
		for j := len(b) - 1; j > start; j-- {
			if b[j] != PAGE_POISON {
				end = j
				break
			}
		}
		if start == end && single_bit_flip(b[start], PAGE_POISON) {
			printk.Pr_err("pagealloc: single bit error\n")
		} else {
			printk.Pr_err("pagealloc: memory corruption\n")
		}
		printk.Pr_err("pagealloc: first corrupted byte at %#lx (pfn %#lx offset %#x): %#02x, expected %#02x; %d bytes to the last\n",
			printk.Int(Page_address(q)+uintptr(start)), printk.Int(pfn+i), printk.Int(start),
			printk.Int(b[start]), printk.Int(PAGE_POISON), printk.Int(end-start+1))
		var line [16 * 3]byte
		n := min(16, end-start+1)
		for k := 0; k < n; k++ {
			const hexd = "0123456789abcdef"
			line[3*k] = hexd[b[start+k]>>4]
			line[3*k+1] = hexd[b[start+k]&15]
			line[3*k+2] = ' '
		}
		printk.Pr_err("%016lx: %s\n", printk.Int(Page_address(q)+uintptr(start)), printk.Bytes(line[:3*n-1]))
		Dump_page(q, "pagealloc: corrupted page details")
	}
}

// single_bit_flip: a and b differ in exactly one bit.
func single_bit_flip(a, b byte) bool {
	e := a ^ b
	return e != 0 && e&(e-1) == 0
}
