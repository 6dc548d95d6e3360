package mm

import (
	"gokern/arch/amd64/asm"
	"gokern/paging"
)

// madvise(2): advice about a range of the address space. Linux:
// mm/madvise.c (do_madvise, madvise_dontneed_free). What counts here is
// the advice that changes memory: MADV_DONTNEED and MADV_FREE drop the
// range's pages at once — the next touch of an anonymous page gets a
// zeroed page, of a private file page the file's bytes again — which is
// how the Go runtime's scavenger gives memory back to the kernel. The
// access-pattern hints are accepted and have no effect, as Linux's
// mostly have none for anonymous memory; transparent huge pages do not
// exist in gokern, so their advice gets -EINVAL, as from a Linux built
// without CONFIG_TRANSPARENT_HUGEPAGE.

// madvise's behaviours (include/uapi/asm-generic/mman-common.h).
const (
	MADV_NORMAL     = 0
	MADV_RANDOM     = 1
	MADV_SEQUENTIAL = 2
	MADV_WILLNEED   = 3
	MADV_DONTNEED   = 4
	MADV_FREE       = 8
	MADV_HUGEPAGE   = 14
	MADV_NOHUGEPAGE = 15
	MADV_COLD       = 20
	MADV_PAGEOUT    = 21
	MADV_COLLAPSE   = 25
)

// Nr_madvise_dropped counts the pages MADV_DONTNEED and MADV_FREE gave
// back (for the selftest and the figures).
var Nr_madvise_dropped uint64

// Do_madvise applies behavior to [start, start+len_in) of mm (Linux
// do_madvise): 0; -EINVAL for an unaligned start, a range that wraps, an
// unknown or unsupported behaviour, MADV_FREE on a file mapping; -ENOMEM
// when part of the range is not mapped (the mapped parts still get the
// advice, as in Linux).
func Do_madvise(mm *MmStruct, start, len_in uint64, behavior int) int {
	switch behavior {
	case MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT,
		MADV_DONTNEED, MADV_FREE:
	default:
		return -asm.EINVAL
	}
	if start&(asm.PAGE_SIZE-1) != 0 {
		return -asm.EINVAL
	}
	length := paging.PAGE_ALIGN(len_in)
	if len_in != 0 && length == 0 || start > TASK_SIZE || length > TASK_SIZE-start {
		return -asm.EINVAL
	}
	end := start + length
	if end == start {
		return 0
	}
	unmapped := false
	for a := start; a < end; {
		v := Find_vma(mm, a)
		if v == nil || v.Vm_start >= end {
			unmapped = true
			break
		}
		if v.Vm_start > a {
			unmapped = true
			a = v.Vm_start
		}
		e := min(end, v.Vm_end)
		if behavior == MADV_DONTNEED || behavior == MADV_FREE {
			if behavior == MADV_FREE && v.Vm_file != nil {
				return -asm.EINVAL
			}
			rss := mm.Rss
			zap_page_range(mm, v, a, e)
			Nr_madvise_dropped += rss - mm.Rss
		}
		a = e
	}
	if unmapped {
		return -asm.ENOMEM
	}
	return 0
}
