package mm

import (
	"gokern/arch/amd64/asm"
	"gokern/paging"
	"gokern/printk"
)

// ptdump: the kernel page tables as ranges with size and attributes, like
// Linux's /sys/kernel/debug/page_tables/kernel (arch/x86/mm/dump_pagetables.c
// ptdump_walk_pgd_level), printed at boot with the "ptdump" command line
// option. Holes are left out; each address-space area gets a marker line.

type ptdumpMarker struct {
	start paging.VirtAddr
	name  string
}

// address_markers: the areas of the x86-64 memory map (Linux
// address_markers[]; Documentation/arch/x86/x86_64/mm.rst).
var address_markers = [...]ptdumpMarker{
	{0, "User Space"},
	{0xffff800000000000, "Kernel Space"},
	{paging.PAGE_OFFSET, "Low Kernel Mapping"},
	{paging.VMALLOC_START, "vmalloc() Area"},
	{asm.X__START_KERNEL_map, "High Kernel Mapping"},
}

var ptdump_next_marker int

func ptdump_note(r paging.Range) {
	for ptdump_next_marker < len(address_markers) &&
		(r.Start >= address_markers[ptdump_next_marker].start || r.End == 0) {
		printk.Pr_info("---[ %s ]---\n", printk.Str(address_markers[ptdump_next_marker].name))
		ptdump_next_marker++
	}
	if !r.Prot.Present() {
		return
	}
	var buf [paging.RangeLen + 8]byte
	n := paging.FormatRange(buf[:], r)
	printk.Pr_info("%s\n", printk.Bytes(buf[:n]))
}

// Ptdump_walk_pgd_level prints the live page tables (CR3).
func Ptdump_walk_pgd_level() {
	ptdump_next_marker = 0
	paging.Dump(&asm.DirectMap, paging.PhysAddr(asm.Read_cr3()&^0xfff), ptdump_note)
}
