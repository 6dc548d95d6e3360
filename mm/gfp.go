package mm

import "gokern/printk"

// Linux: include/linux/gfp_types.h (the __GFP_* bits and the GFP_*
// combinations, 6.1 values), include/linux/gfp.h (gfp_zone), and the
// "%pGg" flag names of mm/debug.c. Seeds/002 "Basic Kernel Internal MM
// API" and "Allocation Contexts": the flags say where the memory may come
// from (zone modifiers) and how hard the allocator may try (GFP_ATOMIC:
// interrupt context, must not sleep, may use the reserves).

// Gfp is Linux gfp_t.
type Gfp uint32

const (
	X__GFP_DMA            Gfp = 0x01    // zone modifier: ZONE_DMA only
	X__GFP_HIGHMEM        Gfp = 0x02    // zone modifier (no highmem on x86-64)
	X__GFP_DMA32          Gfp = 0x04    // zone modifier: ZONE_DMA32 or below
	X__GFP_MOVABLE        Gfp = 0x08    // mobility: may be migrated
	X__GFP_RECLAIMABLE    Gfp = 0x10    // mobility: reclaimable (slab)
	X__GFP_HIGH           Gfp = 0x20    // high priority: may use half of the min reserve
	X__GFP_IO             Gfp = 0x40    // may start I/O
	X__GFP_FS             Gfp = 0x80    // may call into a file system
	X__GFP_ZERO           Gfp = 0x100   // return zeroed memory
	X__GFP_ATOMIC         Gfp = 0x200   // cannot sleep or reclaim: may go deeper into the reserve
	X__GFP_DIRECT_RECLAIM Gfp = 0x400   // may sleep to reclaim
	X__GFP_KSWAPD_RECLAIM Gfp = 0x800   // may wake kswapd at the low watermark
	X__GFP_NOWARN         Gfp = 0x2000  // no "page allocation failure" report
	X__GFP_NOFAIL         Gfp = 0x8000  // must not fail (gokern: reported like any failure)
	X__GFP_MEMALLOC       Gfp = 0x20000 // ignore the watermarks entirely
	X__GFP_COMP           Gfp = 0x40000 // compound page metadata (not yet)
	X__GFP_NOMEMALLOC     Gfp = 0x80000 // never use the reserves

	X__GFP_RECLAIM = X__GFP_DIRECT_RECLAIM | X__GFP_KSWAPD_RECLAIM

	// GFP_KERNEL: ordinary kernel allocations, process context; may
	// sleep and reclaim. Linux mode 0xcc0.
	GFP_KERNEL = X__GFP_RECLAIM | X__GFP_IO | X__GFP_FS
	// GFP_ATOMIC: interrupt context; never sleeps, may dip below the min
	// watermark. Linux mode 0xa20.
	GFP_ATOMIC = X__GFP_HIGH | X__GFP_ATOMIC | X__GFP_KSWAPD_RECLAIM
	// GFP_NOWAIT: does not sleep, no access to the reserves.
	GFP_NOWAIT = X__GFP_KSWAPD_RECLAIM
	GFP_DMA    = X__GFP_DMA
	GFP_DMA32  = X__GFP_DMA32

	GFP_ZONEMASK = X__GFP_DMA | X__GFP_HIGHMEM | X__GFP_DMA32 | X__GFP_MOVABLE
)

// gfp_zone is the highest zone an allocation may use: DMA for __GFP_DMA,
// DMA32 for __GFP_DMA32, NORMAL otherwise (Linux computes it from
// GFP_ZONE_TABLE; with no highmem and no movable zone it comes to this).
func gfp_zone(gfp Gfp) ZoneType {
	switch {
	case gfp&X__GFP_DMA != 0:
		return ZONE_DMA
	case gfp&X__GFP_DMA32 != 0:
		return ZONE_DMA32
	}
	return ZONE_NORMAL
}

// gfpNames: the combinations first, as Linux's __def_gfpflag_names.
var gfpNames = [...]struct {
	mask Gfp
	name string
}{
	{GFP_ATOMIC, "GFP_ATOMIC"},
	{GFP_KERNEL, "GFP_KERNEL"},
	{GFP_NOWAIT, "GFP_NOWAIT"},
	{X__GFP_DMA, "GFP_DMA"},
	{X__GFP_HIGHMEM, "__GFP_HIGHMEM"},
	{X__GFP_DMA32, "GFP_DMA32"},
	{X__GFP_MOVABLE, "__GFP_MOVABLE"},
	{X__GFP_RECLAIMABLE, "__GFP_RECLAIMABLE"},
	{X__GFP_HIGH, "__GFP_HIGH"},
	{X__GFP_IO, "__GFP_IO"},
	{X__GFP_FS, "__GFP_FS"},
	{X__GFP_ZERO, "__GFP_ZERO"},
	{X__GFP_ATOMIC, "__GFP_ATOMIC"},
	{X__GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"},
	{X__GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"},
	{X__GFP_NOWARN, "__GFP_NOWARN"},
	{X__GFP_NOFAIL, "__GFP_NOFAIL"},
	{X__GFP_MEMALLOC, "__GFP_MEMALLOC"},
	{X__GFP_COMP, "__GFP_COMP"},
	{X__GFP_NOMEMALLOC, "__GFP_NOMEMALLOC"},
}

// SprintGfp writes the names of gfp's flags into buf, as printk's "%pGg"
// does ("GFP_KERNEL|__GFP_ZERO"), and returns the length.
func SprintGfp(buf []byte, gfp Gfp) int {
	n := 0
	for _, f := range gfpNames {
		if gfp&f.mask != f.mask || f.mask == 0 {
			continue
		}
		if n > 0 {
			n += copy(buf[n:], "|")
		}
		n += copy(buf[n:], f.name)
		gfp &^= f.mask
	}
	if gfp != 0 {
		if n > 0 {
			n += copy(buf[n:], "|")
		}
		n += printk.Snprintf(buf[n:], "%#x", printk.Int(gfp))
	}
	if n == 0 {
		n = copy(buf, "0")
	}
	return n
}
