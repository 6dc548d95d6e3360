package amd64

import (
	"encoding/binary"

	"gokern/arch/amd64/asm"
	"gokern/e820"
	"gokern/memblock"
	"gokern/printk"
)

// reserve_ebda_region keeps the allocator away from the Extended BIOS Data
// Area and everything up to 1 MiB (video memory, option and BIOS ROMs).
// The seeds' version (seeds/001 "reserve_ebda_region", Linux 3.x
// arch/x86/kernel/head.c); Linux 5.x renamed it reserve_bios_regions and
// uses BIOS_START_MIN/MAX for the same two limits.
const (
	BIOS_LOWMEM_KILOBYTES = 0x413   // BDA: KiB of conventional memory
	BIOS_EBDA_SEGMENT     = 0x40e   // BDA: real-mode segment of the EBDA
	INSANE_CUTOFF         = 0x20000 // below 128 KiB a value is nonsense
	LOWMEM_CAP            = 0x9f000 // never trust more than 636 KiB
)

// bdaU16 reads a 16-bit word of the BIOS data area.
func bdaU16(mem asm.PhysMem, pa uint64) uint16 {
	return binary.LittleEndian.Uint16(mem.Bytes(pa, 2))
}

// get_bios_ebda reads the EBDA's segment from the BIOS data area and turns
// it into an address (Linux get_bios_ebda).
func get_bios_ebda(mem asm.PhysMem) uint32 {
	return uint32(bdaU16(mem, BIOS_EBDA_SEGMENT)) << 4
}

// EbdaStart and LowmemStart record what reserve_ebda_region found, for
// the selftest and the debug line.
var EbdaStart, LowmemStart uint32

// reserve_ebda_region reads the BIOS data area through mem (the direct map
// in the kernel, a simulated RAM in the host test) and reserves from the
// lower of the EBDA and the BIOS's low-memory size up to 1 MiB.
func reserve_ebda_region(mem asm.PhysMem) {
	bios_lowmem := uint32(bdaU16(mem, BIOS_LOWMEM_KILOBYTES)) << 10
	lowmem := bios_lowmem
	ebda_addr := get_bios_ebda(mem)
	EbdaStart = ebda_addr
	// Fix up values the BIOS may have got wrong (qboot leaves 0 in both).
	if ebda_addr < INSANE_CUTOFF {
		ebda_addr = LOWMEM_CAP
	}
	if lowmem < INSANE_CUTOFF {
		lowmem = LOWMEM_CAP
	}
	// Reserve from the lower of the two up to 1 MiB.
	lowmem = min(lowmem, ebda_addr, LOWMEM_CAP)
	LowmemStart = lowmem
	printk.Pr_debug("reserve_ebda_region: EBDA at %#x, BIOS low memory %#x: reserving [mem %#010x-%#010x]\n",
		printk.Int(EbdaStart), printk.Int(bios_lowmem), printk.Int(lowmem), printk.Int(e820.ISA_END_ADDRESS-1))
	memblock.Memblock_reserve(uint64(lowmem), uint64(e820.ISA_END_ADDRESS-lowmem))
}
