package mm

import (
	"gokern/arch/amd64/asm"
	"gokern/paging"
)

// msync(2): write a shared file mapping's changes back to the file.
// Linux: mm/msync.c (SYSCALL_DEFINE3(msync)). gokern's shared mappings
// map the page cache itself, which for tmpfs and ramfs is the file's
// only storage, so a store through the mapping is in the file already
// and MS_SYNC's vfs_fsync_range has nothing to write (tmpfs's
// noop_fsync); what remains is Linux's argument checking and its answer
// for a range with holes. gokern has no mlock, so MS_INVALIDATE's
// -EBUSY for a VM_LOCKED VMA never applies.

// msync's flags (include/uapi/asm-generic/mman-common.h).
const (
	MS_ASYNC      = 1
	MS_INVALIDATE = 2
	MS_SYNC       = 4
)

// Do_msync checks and syncs [start, start+len) of mm as Linux's msync
// does: -EINVAL for an unknown flag, an unaligned start, or MS_ASYNC
// with MS_SYNC; -ENOMEM for a range that wraps, or that is not mapped
// throughout (MS_SYNC alone stops at the first hole; the others go on
// over the mapped parts and answer -ENOMEM at the end).
func Do_msync(mm *MmStruct, start, length uint64, flags int) int {
	if flags&^(MS_ASYNC|MS_INVALIDATE|MS_SYNC) != 0 || start&(asm.PAGE_SIZE-1) != 0 ||
		flags&MS_ASYNC != 0 && flags&MS_SYNC != 0 {
		return -asm.EINVAL
	}
	length = paging.PAGE_ALIGN(length)
	end := start + length
	if end < start {
		return -asm.ENOMEM
	}
	if end == start {
		return 0
	}
	unmapped := 0
	v := Find_vma(mm, start)
	for {
		if v == nil {
			return -asm.ENOMEM
		}
		if start < v.Vm_start {
			if flags == MS_SYNC {
				return -asm.ENOMEM
			}
			start = v.Vm_start
			if start >= end {
				return -asm.ENOMEM
			}
			unmapped = -asm.ENOMEM
		}
		// Here the range starts inside v. MS_SYNC of a shared file
		// mapping would write [fstart, fend] of the file back
		// (vfs_fsync_range): the page cache is the file.
		start = v.Vm_end
		if start >= end {
			return unmapped
		}
		v = Find_vma(mm, start)
	}
}
