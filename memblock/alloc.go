package memblock

import (
	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

// Linux: mm/memblock.c __memblock_find_range_bottom_up/_top_down,
// memblock_find_in_range_node, memblock_find_in_range,
// memblock_alloc_range_nid, memblock_phys_alloc_range,
// memblock_phys_alloc_try_nid, memblock_alloc_internal,
// memblock_alloc_try_nid(_raw), and the inline wrappers of
// include/linux/memblock.h (memblock_phys_alloc, memblock_alloc,
// memblock_alloc_from, memblock_alloc_low, memblock_alloc_node).
//
// Two API families, as on the slides (seed 000, "API"): the phys ones
// return a physical address and leave the memory as it is; the others
// return the memory itself — here a []byte seen through the PhysMem hook,
// the Go counterpart of Linux's virtual address — zeroed.
//
// Linux's memblock_alloc returns NULL and its callers panic with a message;
// gokern's functions print that message themselves (KERN_ERR, naming the
// function, the request and the caller) and return an Error, and the
// kernel stops. Memblock_find_in_range and Memblock_alloc_try_nid_nopanic
// fail silently, for callers with a fallback.

// system_has_some_mirror: once mirrored memory exists, allocations prefer
// it (Linux choose_memblock_flags).
var system_has_some_mirror bool

func choose_memblock_flags() MemblockFlags {
	if system_has_some_mirror {
		return MEMBLOCK_MIRROR
	}
	return MEMBLOCK_NONE
}

func round_up(x, align uint64) uint64   { return (x + align - 1) &^ (align - 1) }
func round_down(x, align uint64) uint64 { return x &^ (align - 1) }

// __memblock_find_range_bottom_up: the lowest fitting address.
func find_range_bottom_up(start, end, size, align uint64, nid int, flags MemblockFlags) uint64 {
	// LAB memblock BEGIN
	for i := uint64(0); ; {
		this_start, this_end, _ := next_mem_range(&i, nid, flags, &memblock.Memory, &memblock.Reserved)
		if i == ULLONG_MAX {
			return 0
		}
		this_start = min(max(this_start, start), end)
		this_end = min(max(this_end, start), end)
		cand := round_up(this_start, align)
		if cand < this_start {
			continue // wrapped past 2^64
		}
		if cand < this_end && this_end-cand >= size {
			return cand
		}
	}
	// LAB memblock SKELETON
	// // Walk the free ranges upwards: next_mem_range(&i, nid, flags, &memblock.Memory, &memblock.Reserved).
	// return 0
	// LAB memblock END
}

// __memblock_find_range_top_down: the highest fitting address.
func find_range_top_down(start, end, size, align uint64, nid int, flags MemblockFlags) uint64 {
	// LAB memblock BEGIN
	for i := ULLONG_MAX; ; {
		this_start, this_end, _ := next_mem_range_rev(&i, nid, flags, &memblock.Memory, &memblock.Reserved)
		if i == ULLONG_MAX {
			return 0
		}
		this_start = min(max(this_start, start), end)
		this_end = min(max(this_end, start), end)
		if this_end < size {
			continue
		}
		cand := round_down(this_end-size, align)
		if cand >= this_start {
			return cand
		}
	}
	// LAB memblock SKELETON
	// // Walk the free ranges downwards: next_mem_range_rev(&i, ...), from i = ULLONG_MAX.
	// return 0
	// LAB memblock END
}

// memblock_find_in_range_node finds size free bytes aligned to align in
// [start, end) on node nid, without reserving them. 0 means not found:
// page 0 is never handed out, so 0 is free to mean failure.
func memblock_find_in_range_node(size, align, start, end uint64, nid int, flags MemblockFlags) uint64 {
	if end == MEMBLOCK_ALLOC_ACCESSIBLE {
		end = memblock.Current_limit
	}
	// Avoid allocating the first page (the BIOS data area, and the
	// address that means "failed").
	start = max(start, asm.PAGE_SIZE)
	end = max(start, end)
	if memblock.Bottom_up {
		return find_range_bottom_up(start, end, size, align, nid, flags)
	}
	return find_range_top_down(start, end, size, align, nid, flags)
}

// memblock_find_in_range is memblock_find_in_range_node for any node,
// preferring mirrored memory when there is some.
func memblock_find_in_range(start, end, size, align uint64) uint64 {
	flags := choose_memblock_flags()
	for {
		ret := memblock_find_in_range_node(size, align, start, end, asm.NUMA_NO_NODE, flags)
		if ret != 0 || flags&MEMBLOCK_MIRROR == 0 {
			return ret
		}
		printk.Pr_warn("Could not allocate %#018llx bytes of mirrored memory\n", printk.Int(size))
		flags &^= MEMBLOCK_MIRROR
	}
}

// Memblock_find_in_range finds, but does not reserve, size free bytes
// aligned to align in [start, end); 0 when there are none. (Linux exported
// it until 5.15; x86 setup code used it to probe before reserving.)
func Memblock_find_in_range(start, end, size, align uint64) uint64 {
	return memblock_find_in_range(start, end, size, align)
}

// memblock_alloc_range_nid finds and reserves size bytes in [start, end),
// on node nid if possible (any node unless exact_nid), on mirrored memory
// if there is some. It returns 0 on failure.
func memblock_alloc_range_nid(size, align, start, end uint64, nid int, exact_nid bool) uint64 {
	flags := choose_memblock_flags()
	if nid == asm.MAX_NUMNODES {
		nid = asm.NUMA_NO_NODE
	}
	for {
		found := memblock_find_in_range_node(size, align, start, end, nid, flags)
		if found != 0 && Memblock_reserve(found, size) == OK {
			return found
		}
		if nid != asm.NUMA_NO_NODE && !exact_nid {
			found = memblock_find_in_range_node(size, align, start, end, asm.NUMA_NO_NODE, flags)
			if found != 0 && Memblock_reserve(found, size) == OK {
				return found
			}
		}
		if flags&MEMBLOCK_MIRROR == 0 {
			return 0
		}
		flags &^= MEMBLOCK_MIRROR
		printk.Pr_warn("Could not allocate %#018llx bytes of mirrored memory\n", printk.Int(size))
	}
}

// checkRequest validates size and align; align 0 means SMP_CACHE_BYTES
// (Linux dumps the stack and does the same).
func checkRequest(size, align uint64) (uint64, Error) {
	if align == 0 {
		align = asm.SMP_CACHE_BYTES
	}
	if size == 0 || align&(align-1) != 0 {
		return align, ErrInvalid
	}
	return align, OK
}

// allocFailed prints the message Linux's callers panic with, plus the
// caller's address.
func allocFailed(fn string, size, align uint64, nid int, from, max uint64, ip uintptr, err Error) {
	if err == ErrInvalid {
		printk.Pr_err("%s: invalid request: %llu bytes align=0x%llx %s\n", printk.Str(fn),
			printk.Int(size), printk.Int(align), sym(ip))
		return
	}
	printk.Pr_err("%s: Failed to allocate %llu bytes align=0x%llx nid=%d from=%#018llx max_addr=%#018llx %s\n",
		printk.Str(fn), printk.Int(size), printk.Int(align), printk.Int(nid),
		printk.Int(from), printk.Int(max), sym(ip))
}

// phys_alloc is memblock_phys_alloc_range and memblock_phys_alloc_try_nid
// with the caller's address passed down.
func phys_alloc(fn string, size, align, start, end uint64, nid int, ip uintptr) (uint64, Error) {
	if memblock_retired_bug(fn, ip) {
		return 0, ErrRetired
	}
	if Memblock_debug {
		printk.Pr_info("%s: %llu bytes align=0x%llx nid=%d from=%#018llx max_addr=%#018llx %s\n",
			printk.Str(fn), printk.Int(size), printk.Int(align), printk.Int(nid),
			printk.Int(start), printk.Int(end), sym(ip))
	}
	align, err := checkRequest(size, align)
	if err == OK {
		if pa := memblock_alloc_range_nid(size, align, start, end, nid, false); pa != 0 {
			return pa, OK
		}
		err = ErrNoMem
	}
	allocFailed(fn, size, align, nid, start, end, ip, err)
	return 0, err
}

// Memblock_phys_alloc_range allocates size bytes aligned to align within
// [start, end) (end MEMBLOCK_ALLOC_ACCESSIBLE: up to Current_limit) and
// returns the physical address. The memory is not zeroed.
//
//go:noinline
func Memblock_phys_alloc_range(size, align, start, end uint64) (uint64, Error) {
	return phys_alloc("memblock_phys_alloc_range", size, align, start, end, asm.NUMA_NO_NODE, kallsyms.X_RET_IP_())
}

// Memblock_phys_alloc allocates size bytes anywhere below Current_limit.
//
//go:noinline
func Memblock_phys_alloc(size, align uint64) (uint64, Error) {
	return phys_alloc("memblock_phys_alloc", size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE, asm.NUMA_NO_NODE, kallsyms.X_RET_IP_())
}

// Memblock_phys_alloc_try_nid allocates on node nid if it can, elsewhere if
// not.
//
//go:noinline
func Memblock_phys_alloc_try_nid(size, align uint64, nid int) (uint64, Error) {
	return phys_alloc("memblock_phys_alloc_try_nid", size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE, nid, kallsyms.X_RET_IP_())
}

// memblock_alloc_internal allocates within [min_addr, max_addr), capped at
// Current_limit, and drops min_addr if that fails.
func memblock_alloc_internal(size, align, min_addr, max_addr uint64, nid int, exact_nid bool) uint64 {
	if max_addr > memblock.Current_limit {
		max_addr = memblock.Current_limit
	}
	alloc := memblock_alloc_range_nid(size, align, min_addr, max_addr, nid, exact_nid)
	if alloc == 0 && min_addr != 0 {
		alloc = memblock_alloc_range_nid(size, align, 0, max_addr, nid, exact_nid)
	}
	return alloc
}

// alloc_try_nid is memblock_alloc_try_nid and its wrappers with the
// caller's address passed down: allocate, then return a view of the memory,
// zeroed unless raw.
func alloc_try_nid(fn string, size, align, min_addr, max_addr uint64, nid int, raw, quiet bool, ip uintptr) ([]byte, Error) {
	if memblock_retired_bug(fn, ip) {
		return nil, ErrRetired
	}
	if Memblock_debug {
		printk.Pr_info("%s: %llu bytes align=0x%llx nid=%d from=%#018llx max_addr=%#018llx %s\n",
			printk.Str(fn), printk.Int(size), printk.Int(align), printk.Int(nid),
			printk.Int(min_addr), printk.Int(max_addr), sym(ip))
	}
	align, err := checkRequest(size, align)
	if err == OK && memblock.Phys == nil {
		err = ErrNoPhys
	}
	if err == OK {
		if pa := memblock_alloc_internal(size, align, min_addr, max_addr, nid, false); pa != 0 {
			b := memblock.Phys.Bytes(pa, size)
			if !raw {
				clear(b)
			}
			return b, OK
		}
		err = ErrNoMem
	}
	if !quiet {
		allocFailed(fn, size, align, nid, min_addr, max_addr, ip, err)
	}
	return nil, err
}

// Memblock_alloc_try_nid allocates size zeroed bytes aligned to align in
// [min_addr, max_addr) (max_addr MEMBLOCK_ALLOC_ACCESSIBLE: up to
// Current_limit), on node nid if possible; min_addr is only a preference.
//
//go:noinline
func Memblock_alloc_try_nid(size, align, min_addr, max_addr uint64, nid int) ([]byte, Error) {
	return alloc_try_nid("memblock_alloc_try_nid", size, align, min_addr, max_addr, nid, false, false, kallsyms.X_RET_IP_())
}

// Memblock_alloc_try_nid_raw is Memblock_alloc_try_nid without zeroing
// (for memory the caller overwrites entirely, such as the memory map).
//
//go:noinline
func Memblock_alloc_try_nid_raw(size, align, min_addr, max_addr uint64, nid int) ([]byte, Error) {
	return alloc_try_nid("memblock_alloc_try_nid_raw", size, align, min_addr, max_addr, nid, true, false, kallsyms.X_RET_IP_())
}

// Memblock_alloc_try_nid_nopanic is Memblock_alloc_try_nid that fails
// silently (Linux 4.x memblock_alloc_try_nid_nopanic), for callers that
// have a fallback.
//
//go:noinline
func Memblock_alloc_try_nid_nopanic(size, align, min_addr, max_addr uint64, nid int) ([]byte, Error) {
	return alloc_try_nid("memblock_alloc_try_nid_nopanic", size, align, min_addr, max_addr, nid, false, true, kallsyms.X_RET_IP_())
}

// Memblock_alloc allocates size zeroed bytes aligned to align anywhere
// below Current_limit: the everyday early allocation.
//
//go:noinline
func Memblock_alloc(size, align uint64) ([]byte, Error) {
	return alloc_try_nid("memblock_alloc", size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, asm.NUMA_NO_NODE, false, false, kallsyms.X_RET_IP_())
}

// Memblock_alloc_raw is Memblock_alloc without zeroing.
//
//go:noinline
func Memblock_alloc_raw(size, align uint64) ([]byte, Error) {
	return alloc_try_nid("memblock_alloc_raw", size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, asm.NUMA_NO_NODE, true, false, kallsyms.X_RET_IP_())
}

// Memblock_alloc_from allocates at or above min_addr if possible.
//
//go:noinline
func Memblock_alloc_from(size, align, min_addr uint64) ([]byte, Error) {
	return alloc_try_nid("memblock_alloc_from", size, align, min_addr, MEMBLOCK_ALLOC_ACCESSIBLE, asm.NUMA_NO_NODE, false, false, kallsyms.X_RET_IP_())
}

// Memblock_alloc_low allocates below 4 GiB.
//
//go:noinline
func Memblock_alloc_low(size, align uint64) ([]byte, Error) {
	return alloc_try_nid("memblock_alloc_low", size, align, MEMBLOCK_LOW_LIMIT, ARCH_LOW_ADDRESS_LIMIT, asm.NUMA_NO_NODE, false, false, kallsyms.X_RET_IP_())
}

// Memblock_alloc_node allocates on node nid if possible.
//
//go:noinline
func Memblock_alloc_node(size, align uint64, nid int) ([]byte, Error) {
	return alloc_try_nid("memblock_alloc_node", size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, nid, false, false, kallsyms.X_RET_IP_())
}
