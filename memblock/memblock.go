// Package memblock is gokern's early memory allocator, Linux's
// mm/memblock.c and include/linux/memblock.h.
//
// Memblock describes physical memory as two sorted arrays of regions
// (seed 000, "Bootmem and Memblock Allocators"; seed 001, "memblock_reserve
// internals"):
//
//   - memory: the RAM the kernel may use (from the e820 map, minus mem=);
//   - reserved: what is taken (kernel image, initrd, boot data, every
//     allocation made so far).
//
// Free memory is "memory minus reserved", computed on the fly by
// For_each_free_mem_range; an allocation finds a free range of the right
// size and alignment (from the top of memory down unless Bottom_up is set)
// and reserves it. When the buddy allocator is ready, Memblock_free_all
// hands it every free page and memblock's job is done.
//
// Both arrays start as static arrays of INIT_MEMBLOCK_REGIONS regions. When
// one fills, memblock_double_array allocates a twice-as-large array from
// memblock itself, the classic bootstrapping trick.
//
// As in Linux there is one global memblock and the functions work on it.
// Kernel-Go notes: no Go heap anywhere; physical memory (zeroing an
// allocation, the doubled arrays) is reached through a PhysMem hook, which
// the kernel points at its direct map and host tests at a simulated RAM.
package memblock

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/printk"
)

const (
	// INIT_MEMBLOCK_REGIONS is the size of the static region arrays.
	INIT_MEMBLOCK_REGIONS = 128

	// PHYS_ADDR_MAX is the largest physical address (phys_addr_t is 64
	// bits on x86-64).
	PHYS_ADDR_MAX = ^uint64(0)

	// End-of-range values for the allocation functions.
	MEMBLOCK_ALLOC_ANYWHERE   = ^uint64(0) // no limit at all
	MEMBLOCK_ALLOC_ACCESSIBLE = 0          // up to Current_limit
	MEMBLOCK_LOW_LIMIT        = 0          // no lower limit

	// ARCH_LOW_ADDRESS_LIMIT bounds Memblock_alloc_low: 4 GiB, for
	// devices that can only address 32 bits.
	ARCH_LOW_ADDRESS_LIMIT = 0xffffffff

	// (asm.MAX_NUMNODES: memblock_add gives regions nid MAX_NUMNODES, "no
	// node yet"; asm.NUMA_NO_NODE asks for "any node" in queries and
	// allocations.)
)

// MemblockFlags are a region's attributes, Linux enum memblock_flags.
type MemblockFlags uint32

const (
	MEMBLOCK_NONE    MemblockFlags = 0x0 // no special request
	MEMBLOCK_HOTPLUG MemblockFlags = 0x1 // hot(un)pluggable: avoid for kernel data
	MEMBLOCK_MIRROR  MemblockFlags = 0x2 // mirrored (reliable) memory
	MEMBLOCK_NOMAP   MemblockFlags = 0x4 // not in the direct map: never allocate
)

// MemblockRegion is one range, Linux struct memblock_region.
type MemblockRegion struct {
	Base  uint64
	Size  uint64
	Flags MemblockFlags
	Nid   int32 // NUMA node; MAX_NUMNODES when unknown
}

// regionSize is sizeof(struct memblock_region) here.
const regionSize = uint64(unsafe.Sizeof(MemblockRegion{}))

// MemblockType is one array of regions, Linux struct memblock_type. Regions has
// Max elements, of which the first Cnt are in use, sorted by Base and never
// overlapping. An empty type has Cnt == 1 and a zero-size dummy region,
// as in Linux: it saves a special case in every loop.
type MemblockType struct {
	Cnt        uint64
	Max        uint64
	Total_size uint64
	Regions    []MemblockRegion
	Name       string

	// arrayPA is the physical address of Regions once
	// memblock_double_array has moved it out of the static array (Linux
	// finds it with __pa(); 0 means the static array).
	arrayPA uint64
}

// Memblock is Linux struct memblock: the allocation direction, the highest
// address allocations may use, and the two region arrays.
type Memblock struct {
	Bottom_up     bool   // allocate from low addresses up
	Current_limit uint64 // MEMBLOCK_ALLOC_ACCESSIBLE means up to here
	Memory        MemblockType
	Reserved      MemblockType
	Phys          asm.PhysMem // gokern: how to reach physical memory
}

// Error is a small integer so that kernel code can return and print it
// without the Go heap.
type Error uint8

const (
	OK           Error = iota
	ErrNoMem           // no free range satisfies the request
	ErrArrayFull       // a region array is full and may not grow (yet)
	ErrInvalid         // size 0, or alignment not a power of two
	ErrNoPhys          // no PhysMem hook to reach the memory
	ErrRetired         // called after mem_init retired memblock
)

func (e Error) String() string {
	switch e {
	case OK:
		return "ok"
	case ErrNoMem:
		return "out of memory"
	case ErrArrayFull:
		return "region array full"
	case ErrInvalid:
		return "invalid size or alignment"
	case ErrNoPhys:
		return "no access to physical memory"
	case ErrRetired:
		return "memblock retired by mem_init"
	}
	return "unknown memblock error"
}

// The static region arrays and the global memblock. Linux initialises
// memblock statically (.memory.regions = memblock_memory_init_regions,
// .cnt = 1, ...). In Go a slice of a global array in a variable's
// initialiser is set by a generated init function, which the kernel never
// runs (DESIGN.md §4), so the initialiser below holds constants only and
// Init sets the slices.
var (
	memblock_memory_init_regions   [INIT_MEMBLOCK_REGIONS]MemblockRegion
	memblock_reserved_init_regions [INIT_MEMBLOCK_REGIONS]MemblockRegion

	memblock = Memblock{
		Bottom_up:     false,
		Current_limit: MEMBLOCK_ALLOC_ANYWHERE,
		Memory:        MemblockType{Cnt: 1, Max: INIT_MEMBLOCK_REGIONS, Name: "memory"},
		Reserved:      MemblockType{Cnt: 1, Max: INIT_MEMBLOCK_REGIONS, Name: "reserved"},
	}

	// memblock_can_resize is set by Memblock_allow_resize.
	memblock_can_resize bool

	// Memblock_debug is "memblock=debug": every call logs its range and
	// caller, and Memblock_dump_all prints the arrays.
	Memblock_debug bool

	// The page frame limits setup_arch computes (Linux defines them in
	// memblock.c). Memblock_free_all frees nothing at or above
	// Max_low_pfn; 0 means no limit (gokern: x86-64 sets max_low_pfn =
	// max_pfn before mem_init anyway).
	Max_low_pfn uint64
	Min_low_pfn uint64
	Max_pfn     uint64
)

// Init puts memblock in its boot state — empty arrays on the static
// storage, top-down, no limit, resizing not allowed — and attaches the
// physical-memory hook. The kernel calls it first thing in setup_arch,
// before any other memblock function; host tests call it to start afresh.
// (gokern only: Linux's state is a static initialiser.)
func Init(phys asm.PhysMem) {
	clear(memblock_memory_init_regions[:])
	clear(memblock_reserved_init_regions[:])
	memblock = Memblock{
		Current_limit: MEMBLOCK_ALLOC_ANYWHERE,
		Memory: MemblockType{Cnt: 1, Max: INIT_MEMBLOCK_REGIONS, Name: "memory",
			Regions: memblock_memory_init_regions[:]},
		Reserved: MemblockType{Cnt: 1, Max: INIT_MEMBLOCK_REGIONS, Name: "reserved",
			Regions: memblock_reserved_init_regions[:]},
		Phys: phys,
	}
	// The dummy regions of the empty arrays belong to no node.
	memblock_memory_init_regions[0].Nid = asm.MAX_NUMNODES
	memblock_reserved_init_regions[0].Nid = asm.MAX_NUMNODES
	memblock_can_resize = false
	memblock_retired = false
	system_has_some_mirror = false
	Max_low_pfn, Min_low_pfn, Max_pfn = 0, 0, 0
}

// Memory returns the "memory" array (Linux: memblock.memory).
func Memory() *MemblockType { return &memblock.Memory }

// Reserved returns the "reserved" array (Linux: memblock.reserved).
func Reserved() *MemblockType { return &memblock.Reserved }

// Memblock_allow_resize lets the region arrays grow, Linux
// memblock_allow_resize. Until then a full array is an error: the grown
// array must not land on memory whose reservation is not yet recorded.
func Memblock_allow_resize() { memblock_can_resize = true }

// Memblock_set_bottom_up chooses the allocation direction.
func Memblock_set_bottom_up(enable bool) { memblock.Bottom_up = enable }

// Memblock_bottom_up reports the allocation direction.
func Memblock_bottom_up() bool { return memblock.Bottom_up }

// Memblock_set_current_limit bounds MEMBLOCK_ALLOC_ACCESSIBLE allocations:
// early in boot only the memory the page tables map yet may be used.
func Memblock_set_current_limit(limit uint64) { memblock.Current_limit = limit }

// Memblock_get_current_limit returns the current limit.
func Memblock_get_current_limit() uint64 { return memblock.Current_limit }

// Early_memblock handles "memblock=" (Linux early_memblock): a value
// containing "debug" turns on Memblock_debug.
func Early_memblock(val []byte) {
	for i := 0; i+5 <= len(val); i++ {
		if string(val[i:i+5]) == "debug" {
			Memblock_debug = true
			return
		}
	}
}

// memblock_cap_size clips size so that base+size does not wrap.
func memblock_cap_size(base, size uint64) uint64 {
	return min(size, PHYS_ADDR_MAX-base)
}

func memblock_addrs_overlap(base1, size1, base2, size2 uint64) bool {
	return base1 < base2+size2 && base2 < base1+size1
}

// memblock_overlaps_region reports whether [base, base+size) intersects a
// region of t.
func memblock_overlaps_region(t *MemblockType, base, size uint64) bool {
	size = memblock_cap_size(base, size)
	for i := uint64(0); i < t.Cnt; i++ {
		if memblock_addrs_overlap(base, size, t.Regions[i].Base, t.Regions[i].Size) {
			return true
		}
	}
	return false
}

// dbgRange logs "name: [base-end] caller" when memblock=debug, the line
// every Linux memblock call prints:
//
//	memblock_reserve: [0x0000000001000000-0x0000000001cfffff] gokern/arch/amd64.early_reserve_memory+0x3c
//
// The caller is symbolised by kallsyms, as Linux's %pS does.
func dbgRange(name string, base, size uint64, ip uintptr) {
	printk.Pr_info("%s: [%#018llx-%#018llx] %s\n", printk.Str(name),
		printk.Int(base), printk.Int(base+size-1), sym(ip))
}

// symbuf holds the caller's name for one message at a time (the boot CPU
// alone runs memblock).
var symbuf [160]byte

// sym is printk's %pS: the caller's function and offset.
func sym(ip uintptr) printk.Arg {
	n := kallsyms.Sprint_symbol(symbuf[:], ip)
	return printk.Bytes(symbuf[:n])
}
