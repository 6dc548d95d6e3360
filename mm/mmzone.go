// Package mm is gokern's memory manager after boot, Linux's mm/: the node
// and its zones, the core map (one struct page per frame), the buddy
// allocator that serves pages from then on, the handover from the early
// allocator (memblock, or bootmem with earlymem=bootmem), and the
// quicklists of page-table pages. Seeds: 002 "Nodes Organization",
// "Zones", "Core Map", "Buddy System: Frame Allocator", "Finalizing Memory
// Initialization", "Quicklist"; 000 "bootmem → buddy".
//
// Kernel-Go rules (DESIGN.md §4): no Go heap. The core map and the 2.4
// bitmaps come from the early allocator and are seen as Go slices over the
// direct map; the node, its zones and their list heads are static
// variables, set up at run time (no package initialiser runs in the
// kernel). Host tests run the same code over a simulated RAM.
package mm

import (
	"unsafe"

	"gokern/arch/amd64/asm"
)

// Linux: include/linux/mmzone.h (pg_data_t, struct zone, struct
// free_area, zone_type, MAX_ORDER, zonelists), include/linux/numa.h.

const (
	// MAX_ORDER: free blocks have orders 0 to MAX_ORDER-1, 1 to 1024
	// pages (4 MiB). Linux 6.1's value (6.4 redefined MAX_ORDER as the
	// largest order, 10, with the same blocks).
	MAX_ORDER = 11
	// MAX_ORDER_NR_PAGES is the largest block, in pages.
	MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1)
)

// ZoneType names a zone, Linux enum zone_type (x86-64: no HIGHMEM; gokern
// has no MOVABLE or DEVICE zone either).
type ZoneType int

const (
	// ZONE_DMA: the first 16 MiB, which ISA DMA can reach (24 address
	// bits). Seeds/002 "Zones": "ZONE_DMA: < 16 MB".
	ZONE_DMA ZoneType = iota
	// ZONE_DMA32: below 4 GiB, for devices with 32-bit DMA.
	ZONE_DMA32
	// ZONE_NORMAL: everything else. On x86-64 the direct map covers all
	// RAM, so there is no ZONE_HIGHMEM (seeds/000 "Zones": the 896 MiB
	// limit is 32-bit only).
	ZONE_NORMAL
	MAX_NR_ZONES
)

// Zone limits in page frames, Linux MAX_DMA_PFN and MAX_DMA32_PFN.
const (
	MAX_DMA_PFN   = (16 << 20) >> asm.PAGE_SHIFT
	MAX_DMA32_PFN = (4 << 30) >> asm.PAGE_SHIFT
)

// zone_names as /proc/zoneinfo and /proc/buddyinfo print them.
var zone_names = [MAX_NR_ZONES]string{"DMA", "DMA32", "Normal"}

// Zone_watermarks index Zone.Watermark, Linux enum zone_watermarks.
const (
	WMARK_MIN = iota
	WMARK_LOW
	WMARK_HIGH
	NR_WMARK
)

// FreeArea is the free blocks of one order in one zone, Linux struct
// free_area: a list of the head pages of the blocks, and their number.
// Linux keeps one list per migrate type; gokern has one list.
type FreeArea struct {
	Free_list ListHead
	Nr_free   uint64
	// Map is the 2.4 "fragmentation bitmap" (buddy=bitmap): one bit per
	// pair of buddies of this order, toggled whenever either buddy is
	// allocated or freed at this order, so that a bit is 1 exactly when
	// one of the two is free (seeds/002 "Bitmap *map semantic",
	// MARK_USED). Empty with the default allocator, and for the last
	// order, whose blocks never merge.
	Map []uint64
}

// Zone is Linux struct zone (seeds/002 "zone_t").
type Zone struct {
	// Lock protects the free lists and the free and allocated counts
	// (Linux zone->lock), taken with interrupts off.
	Lock asm.Spinlock_t
	// Watermark holds the min, low and high watermarks in pages
	// (Linux _watermark): an allocation may not take a zone's free pages
	// below low (the fast path) or min (the slow path); GFP_ATOMIC may go
	// further below min.
	Watermark [NR_WMARK]uint64
	// Lowmem_reserve[j]: pages this zone keeps back from allocations
	// that could have used zone j above it, so that DMA memory is not
	// eaten by allocations that did not need it.
	Lowmem_reserve [MAX_NR_ZONES]uint64
	Node           int
	Zone_pgdat     *PglistData
	// Zone_start_pfn is the first frame; Spanned_pages counts the frames
	// from there to the end, holes included; Present_pages the frames of
	// RAM; Managed_pages the frames the buddy allocator was given
	// (present minus what stayed reserved: the kernel, the core map, page
	// tables, ...).
	Zone_start_pfn uint64
	Spanned_pages  uint64
	Present_pages  uint64
	Managed_pages  uint64
	Name           string
	Free_area      [MAX_ORDER]FreeArea
	// Free_pages is vm_stat[NR_FREE_PAGES]: the pages in Free_area.
	Free_pages uint64
	// Allocated_pages counts the pages alloc_pages handed out and
	// __free_pages has not taken back (gokern: Linux derives it, as
	// managed - free; the counter lets the invariant check prove it).
	Allocated_pages uint64
	// Nr_deferred counts the free MAX_ORDER blocks whose struct pages are
	// not initialised (gokern's deferred struct page init): they are in
	// Free_pages and Free_area[MAX_ORDER-1].Nr_free but not on its list.
	// deferred_cursor is where deferred_grow_zone looks for the next.
	Nr_deferred     uint64
	deferred_cursor uint64
	// map_base is the frame the 2.4 bitmaps count from: the zone start
	// rounded down to MAX_ORDER_NR_PAGES (2.4 indexed from
	// zone_mem_map).
	map_base uint64
}

// Zoneref is one zone of a zonelist, Linux struct zoneref.
type Zoneref struct {
	Zone     *Zone
	Zone_idx ZoneType
}

// MAX_ZONES_PER_ZONELIST: every zone of every node.
const MAX_ZONES_PER_ZONELIST = asm.MAX_NUMNODES * MAX_NR_ZONES

// Zonelist is the fallback order of zones for an allocation, Linux struct
// zonelist: highest zone first, ended by a nil Zone. An allocation that
// may use zone z walks the entries whose Zone_idx is at most z: NORMAL,
// then DMA32, then DMA.
type Zonelist struct {
	Zonerefs [MAX_NR_ZONES + 1]Zoneref // Linux _zonerefs; gokern has one node
}

// PglistData is a node, Linux pg_data_t (seeds/002 "pg_data_t").
type PglistData struct {
	Node_zones     [MAX_NR_ZONES]Zone
	Node_zonelists [1]Zonelist // ZONELIST_FALLBACK; no __GFP_THISNODE list
	Nr_zones       int         // highest populated zone + 1
	// Node_mem_map is this node's part of the core map, starting at
	// frame Node_start_pfn rounded down to MAX_ORDER_NR_PAGES (FLATMEM).
	Node_mem_map       []Page
	Node_start_pfn     uint64
	Node_present_pages uint64
	Node_spanned_pages uint64
	Node_id            int
}

// Node_data holds every node, Linux node_data[] (NODE_DATA(nid)). gokern
// boots UMA: node 0 is contig_page_data, the only one; a second node would
// be a second PglistData here, not a redesign.
var (
	contig_page_data PglistData
	Node_data        = [asm.MAX_NUMNODES]*PglistData{&contig_page_data}
)

// NODE_DATA returns node nid.
func NODE_DATA(nid int) *PglistData { return Node_data[nid] }

// zone_idx is the zone's type, its index in its node.
func zone_idx(z *Zone) ZoneType {
	return ZoneType((uintptr(unsafe.Pointer(z)) - uintptr(unsafe.Pointer(&z.Zone_pgdat.Node_zones[0]))) / unsafe.Sizeof(Zone{}))
}

// Zone_end_pfn is one past the zone's last frame.
func Zone_end_pfn(z *Zone) uint64 { return z.Zone_start_pfn + z.Spanned_pages }

// Populated_zone: the zone has RAM (Linux: present pages).
func Populated_zone(z *Zone) bool { return z.Present_pages != 0 }

// Managed_zone: the buddy allocator has pages of this zone.
func Managed_zone(z *Zone) bool { return z.Managed_pages != 0 }

// zone_spans_pfn: pfn lies in the zone's span.
func zone_spans_pfn(z *Zone, pfn uint64) bool {
	return pfn >= z.Zone_start_pfn && pfn < Zone_end_pfn(z)
}

// Min_wmark_pages, Low_wmark_pages, High_wmark_pages: Linux's accessors.
func Min_wmark_pages(z *Zone) uint64  { return z.Watermark[WMARK_MIN] }
func Low_wmark_pages(z *Zone) uint64  { return z.Watermark[WMARK_LOW] }
func High_wmark_pages(z *Zone) uint64 { return z.Watermark[WMARK_HIGH] }

// Smp: the allocators run on several CPUs, so their locks are taken and
// interrupts turned off around their lists (Linux always does; the
// architecture sets it once per-CPU data is reachable through GS,
// setup_per_cpu_areas). The host tests leave it false: one goroutine
// drives the allocators, and CLI is not for user space.
var Smp bool

// lockIrqsave and unlockIrqrestore are asm.Spinlock_t's Spin_lock_irqsave
// and Spin_unlock_irqrestore when Smp, nothing otherwise (gokern-only
// names: Linux's spin_lock_irqsave belongs to asm).
//
//go:nosplit
func lockIrqsave(l *asm.Spinlock_t, ip uintptr) uint64 {
	if !Smp {
		return 0
	}
	return l.Spin_lock_irqsave(ip)
}

//go:nosplit
func unlockIrqrestore(l *asm.Spinlock_t, flags uint64) {
	if Smp {
		l.Spin_unlock_irqrestore(flags)
	}
}

// lockSpin and unlockSpin take and release l with interrupts as they are
// (Linux spin_lock, spin_unlock); nothing in host tests.
func lockSpin(l *asm.Spinlock_t, ip uintptr) {
	if Smp {
		l.Spin_lock(ip)
	}
}

func unlockSpin(l *asm.Spinlock_t) {
	if Smp {
		l.Spin_unlock()
	}
}

// irqSave and irqRestore keep this CPU's per-CPU lists
// (slab's array_cache, the quicklists) to itself: no interrupt handler on
// this CPU, and no other task, touches them meanwhile (Linux
// local_irq_save in slab_alloc, get_cpu_var in quicklist_alloc).
//
//go:nosplit
func irqSave() uint64 {
	if !Smp {
		return 0
	}
	return asm.Arch_local_irq_save()
}

//go:nosplit
func irqRestore(flags uint64) {
	if Smp {
		asm.Arch_local_irq_restore(flags)
	}
}

// thisCPU is this CPU's number (smp_processor_id); 0 in host tests.
//
//go:nosplit
func thisCPU() int {
	if !Smp {
		return 0
	}
	return asm.Smp_processor_id()
}

// Setup_smp switches the locks on for nr_cpus possible CPUs (slab keeps
// an array_cache for each).
func Setup_smp(nr_cpus int) {
	Smp = true
	slabNrCPUs = max(min(nr_cpus, asm.NR_CPUS), 1)
}
