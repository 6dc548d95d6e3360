package amd64

import (
	"unsafe"

	"gokern/bootmem"
	"gokern/cmdline"
	"gokern/e820"
	"gokern/memblock"
	"gokern/printk"
)

// setup_arch: the architecture's part of start_kernel. Linux:
// arch/x86/kernel/setup.c setup_arch. Seeds: 000 "setup_arch()" (load_cr3,
// __flush_tlb_all, bootmem, e820, paging_init), 004 (a gdb session through
// setup_arch: e820, max_pfn, init_memory_mapping, memblock).
func Setup_arch() {
	printk.Info("Command line: %s\n", printk.Bytes(Cmdline()))
	if Cmdline_truncated {
		printk.Warn("Command line truncated to %d bytes: the loader passed more than COMMAND_LINE_SIZE-1 (cmdline_size is %d)\n",
			printk.Int(COMMAND_LINE_SIZE-1), printk.Int(Boot_params.Cmdline_size()))
	}
	// memblock's empty arrays, reaching physical memory through __va.
	memblock.Init(&Direct_map)
	// memblock=debug first, so that the reservations below are logged too
	// (Linux parses it with the other early options and misses them).
	memblock.Memblock_debug = cmdline_has(Cmdline(), "memblock", "debug")
	// Reserve what is in use before anything can be allocated.
	early_reserve_memory()
	// The firmware's memory map, sanitised and printed.
	e820__memory_setup()
	// Early options: mem=, memmap=, earlymem=, ptdump, bootmem_debug
	// (memblock=debug was read above).
	parse_early_param(Cmdline())
	// Apply mem=/memmap= and print the user-defined map.
	e820.Finish_early_params(&E820_table, e820_userdef)
	// Page 0 and the BIOS area are never RAM.
	trim_bios_range()
	// How far RAM goes: max_pfn, max_low_pfn.
	e820__end_of_ram()
	// Only the early direct map (0-4 GiB) can be written until the final
	// tables exist, memblock's own grown arrays included (Linux:
	// memblock_set_current_limit(ISA_END_ADDRESS) before
	// e820__memblock_setup, then get_max_mapped()).
	memblock.Memblock_set_current_limit(EARLY_DIRECT_MAP_END)
	// The usable RAM becomes memblock's "memory".
	e820__memblock_setup()
	// The 2.6 bitmap allocator, if asked for (earlymem=bootmem).
	setup_bootmem_allocator()
	// The direct map of all RAM, the kernel mapped W^X, CR3 switched.
	init_mem_mapping()
	// Everything is mapped now: allocations may go anywhere, and on x86-64
	// all RAM is "low" (Linux init_mem_mapping: max_low_pfn = max_pfn), so
	// that memblock_free_all will hand the buddy allocator RAM above 4 GiB.
	memblock.Memblock_set_current_limit(Max_pfn << PAGE_SHIFT)
	Max_low_pfn = Max_pfn
	memblock.Max_low_pfn = Max_pfn
	// The page tables, as ranges, when asked (ptdump).
	if want_ptdump {
		Ptdump_walk_pgd_level()
	}
}

const (
	PAGE_SHIFT = 12
	PAGE_SIZE  = 1 << PAGE_SHIFT
	// EARLY_DIRECT_MAP_END: startup_64's early direct map covers 0-4 GiB.
	EARLY_DIRECT_MAP_END = 4 << 30
)

// directMap reaches physical memory through the direct map (memblock's
// PhysMem): before init_mem_mapping only below 4 GiB.
type directMap struct{}

func (directMap) Bytes(pa, size uint64) []byte {
	return unsafe.Slice((*byte)(Phys_to_virt(uintptr(pa))), size)
}

// Direct_map is the static PhysMem the early allocators use.
var Direct_map directMap

var (
	// E820_table_firmware is the map as the BIOS gave it (Linux
	// e820_table_firmware); E820_table is the kernel's sanitised copy.
	E820_table_firmware e820.Table
	E820_table          e820.Table

	// Max_pfn and Max_low_pfn: one past the last page of RAM, and of RAM
	// below 4 GiB (Linux max_pfn, max_low_pfn).
	Max_pfn, Max_low_pfn uint64

	e820_userdef bool // mem= or memmap= changed the map
	want_ptdump  bool
	// Earlymem_bootmem: "earlymem=bootmem" chose the 2.6 bitmap allocator.
	Earlymem_bootmem bool
)

// e820__memory_setup reads the E820 map the real-mode detect_memory left in
// boot_params, sanitises it (sort, resolve overlaps, merge, drop empty and
// all-zero entries) and prints it as Linux does. A BIOS without E820 (fewer
// than two entries, which Linux does not believe either) gets a map built
// from the E801 or INT 15h 88h results (Linux e820__memory_setup_default).
func e820__memory_setup() {
	n := Boot_params.E820_entries()
	if n > E820_MAX_ENTRIES_ZEROPAGE {
		printk.Warn("e820: boot_params holds %d entries, more than the %d it has room for: using %d\n",
			printk.Int(n), printk.Int(E820_MAX_ENTRIES_ZEROPAGE), printk.Int(E820_MAX_ENTRIES_ZEROPAGE))
		n = E820_MAX_ENTRIES_ZEROPAGE
	}
	E820_table_firmware.Nr_entries = uint32(n)
	for i := 0; i < n; i++ {
		addr, size, typ := Boot_params.E820_entry(i)
		E820_table_firmware.Entries[i] = e820.Entry{Addr: addr, Size: size, Type: e820.Type(typ)}
	}
	if n < 2 {
		printk.Warn("e820: the BIOS gave %d E820 entries; falling back to E801 (%d KiB) or 88h (%d KiB above 1 MiB)\n",
			printk.Int(n), printk.Int(Boot_params.Alt_mem_k()), printk.Int(Boot_params.Ext_mem_k()))
	}
	who := e820.Memory_setup(&E820_table, &E820_table_firmware, Boot_params.Alt_mem_k(), Boot_params.Ext_mem_k())
	if n < 2 {
		printk.Warn("e820: falling back to %s\n", printk.Str(who))
	}
}

// parse_early_param handles the options the memory stage needs before any
// allocation (Linux parse_early_param over the early_param() table).
func parse_early_param(cmd []byte) {
	cmdline.Each(cmd, func(name, val []byte, hasVal bool) {
		switch string(name) {
		case "mem":
			if err := e820.Parse_mem(&E820_table, val); err != e820.OK {
				Panic("parse_early_param: bad mem=%s (%s)", printk.Bytes(val), printk.Str(err.String()))
			}
			e820_userdef = true
		case "memmap":
			if err := e820.Parse_memmap(&E820_table, val); err != e820.OK {
				Panic("parse_early_param: bad memmap=%s (%s)", printk.Bytes(val), printk.Str(err.String()))
			}
			e820_userdef = true
		case "earlymem":
			switch string(val) {
			case "bootmem":
				Earlymem_bootmem = true
			case "memblock":
			default:
				Panic("parse_early_param: earlymem=%s: choose memblock or bootmem", printk.Bytes(val))
			}
		case "ptdump":
			want_ptdump = true
		case "bootmem_debug":
			bootmem.Bootmem_debug = true
		}
	})
}

func cmdline_has(cmd []byte, opt, val string) bool {
	v, ok := cmdline.Find_option(cmd, opt)
	return ok && string(v) == val
}

// trim_bios_range takes the BIOS's own memory out of the usable map (Linux
// setup.c trim_bios_range): page 0 (the IVT and BIOS data area, often not
// listed as reserved) becomes reserved, and 640 KiB-1 MiB (video memory,
// ROMs), which some BIOSes report as RAM, is removed. Every Linux boot log
// shows its two lines:
//
//	e820: update [mem 0x00000000-0x00000fff] usable ==> reserved
//	e820: remove [mem 0x000a0000-0x000fffff] usable
func trim_bios_range() {
	e820.Range_update(&E820_table, 0, PAGE_SIZE, e820.E820_TYPE_RAM, e820.E820_TYPE_RESERVED)
	e820.Range_remove(&E820_table, BIOS_BEGIN, BIOS_END-BIOS_BEGIN, e820.E820_TYPE_RAM, true)
	e820.Update_table(&E820_table)
}

// The legacy BIOS area, Linux BIOS_BEGIN/BIOS_END.
const (
	BIOS_BEGIN = 0x000a0000
	BIOS_END   = 0x00100000
)

// e820__end_of_ram finds max_pfn and max_low_pfn and checks that the
// kernel can live in what is left (after mem= too): usable RAM above
// 1 MiB, and RAM under the whole kernel image.
func e820__end_of_ram() {
	if e820.Check_usable(&E820_table) != e820.OK {
		Panic("e820__end_of_ram: no usable RAM above 1 MiB in the memory map")
	}
	Max_pfn = e820.End_of_ram_pfn(&E820_table)
	Max_low_pfn = Max_pfn
	if Max_pfn > 1<<(32-PAGE_SHIFT) {
		Max_low_pfn = e820.End_of_low_ram_pfn(&E820_table)
	}
	memblock.Max_pfn, memblock.Max_low_pfn = Max_pfn, Max_low_pfn
	kstart, kend := uint64(LOAD_PHYSICAL_ADDR), uint64(Kernel_end()-START_KERNEL_map)
	if !e820.Mapped_all(&E820_table, kstart, kend, e820.E820_TYPE_RAM) {
		Panic("e820__end_of_ram: the kernel [mem %#010x-%#010x] is not in usable RAM (max_pfn %#x: mem= too small?)",
			printk.Int(kstart), printk.Int(kend-1), printk.Int(Max_pfn))
	}
}

// e820__memblock_setup hands the usable RAM to memblock.
func e820__memblock_setup() {
	if err := e820.Memblock_setup(&E820_table); err != memblock.OK {
		Panic("e820__memblock_setup: %s", printk.Str(err.String()))
	}
}

// early_reserve_memory protects what is already in use from the early
// allocator (Linux setup.c early_reserve_memory; seeds/001 "memblock_reserve").
func early_reserve_memory() {
	// The kernel image, _text to _end; the early page tables, stacks and
	// everything static live inside it.
	memblock.Memblock_reserve(LOAD_PHYSICAL_ADDR, uint64(Kernel_end()-Kernel_text))
	// Page 0: the real-mode IVT and BIOS data area; never hand it out
	// (Linux reserves the first page, or more with reservelow=).
	memblock.Memblock_reserve(0, PAGE_SIZE)
	// The loader's zeropage and command line (copied already, but a
	// selftest compares against them, and Linux keeps setup_data there).
	memblock.Memblock_reserve(uint64(boot_params_phys)&^(PAGE_SIZE-1), PAGE_SIZE)
	if p := Boot_params.Cmd_line_ptr(); p != 0 {
		memblock.Memblock_reserve(p, uint64(Cmdline_len)+1)
	}
	// The initrd, where the loader put it.
	if addr, size := Boot_params.Ramdisk(); size != 0 {
		printk.Info("RAMDISK: [mem %#010x-%#010x]\n", printk.Int(addr), printk.Int(addr+size-1))
		memblock.Memblock_reserve(addr, size)
		Initrd_start, Initrd_end = addr, addr+size
	}
	// The EBDA and the BIOS area up to 1 MiB.
	reserve_ebda_region()
}

// Initrd_start, Initrd_end: the initrd's physical range (Linux
// initrd_start/initrd_end hold virtual addresses; these are physical).
var Initrd_start, Initrd_end uint64
