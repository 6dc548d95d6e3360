package amd64

import (
	"gokern/arch/amd64/asm"
	x86mm "gokern/arch/amd64/mm"
	"gokern/bootmem"
	"gokern/cmdline"
	"gokern/drivers/serial8250"
	"gokern/e820"
	"gokern/kernel"
	"gokern/memblock"
	"gokern/mm"
	"gokern/printk"
)

// setup_arch: the architecture's part of start_kernel. Linux:
// arch/x86/kernel/setup.c setup_arch. Seeds: 000 "setup_arch()" (load_cr3,
// __flush_tlb_all, bootmem, e820, paging_init), 004 (a gdb session through
// setup_arch: e820, max_pfn, init_memory_mapping, memblock).
func Setup_arch() {
	// Which entry ran, and who loaded us (gokern's setup_data node).
	parse_setup_data()
	print_boot_protocol()
	// Control bytes shown as \xNN: the line came from outside.
	printk.Pr_info("Command line: %s\n", printk.Escaped(cmdline.BootCommandLine()))
	if cmdlineTruncated {
		printk.Pr_warn("Command line truncated to %d bytes: the loader passed more than COMMAND_LINE_SIZE-1 (cmdline_size is %d)\n",
			printk.Int(asm.COMMAND_LINE_SIZE-1), printk.Int(Boot_params.Cmdline_size()))
	}
	if len(cmdlineDropped) != 0 {
		printk.Pr_warn("Command line: '%s' was cut in two by the truncation: dropped (every stage left it out)\n",
			printk.Escaped(cmdlineDropped))
	}
	// memblock's empty arrays, reaching physical memory through __va.
	// (memblock=debug was taken at startup_64, so that the reservations
	// below are logged too: Linux parses it with the other early options
	// and misses them.)
	memblock.Init(&asm.DirectMap)
	// Once mem_init has retired them, a call into memblock or bootmem is a
	// bug, as is a SLAB_PANIC cache that cannot be made: all stop the boot.
	memblock.PanicHook, bootmem.PanicHook, mm.PanicHook = panicRetired, panicRetired, panicRetired
	// Reserve what is in use before anything can be allocated.
	early_reserve_memory()
	// The firmware's memory map, from boot_params, sanitised and printed.
	e820.E820__memory_setup(&e820.E820_table, &e820.E820_table_firmware, &Boot_params)
	// The early options of the memory stage: mem=, memmap=, earlymem=,
	// ptdump.
	parse_early_param()
	// Apply mem=/memmap= and print the user-defined map.
	if err := e820.E820__finish_early_params(&e820.E820_table, e820_userdef); err != e820.OK {
		kernel.Panic("e820: the map mem=/memmap= made does not fit the table: %s", printk.Str(err.String()))
	}
	// Page 0 and the BIOS area are never RAM.
	trim_bios_range()
	// How far RAM goes: max_pfn, max_low_pfn.
	e820__end_of_ram()
	// Only the early direct map (0-4 GiB) can be written until the final
	// tables exist, memblock's own grown arrays included (Linux:
	// memblock_set_current_limit(ISA_END_ADDRESS) before
	// e820__memblock_setup, then get_max_mapped()).
	memblock.Memblock_set_current_limit(x86mm.EARLY_DIRECT_MAP_END)
	// The usable RAM becomes memblock's "memory".
	if err := e820.E820__memblock_setup(&e820.E820_table); err != memblock.OK {
		kernel.Panic("e820__memblock_setup: %s", printk.Str(err.String()))
	}
	// The 2.6 bitmap allocator, if asked for (earlymem=bootmem).
	initmem_init()
	// The direct map of all RAM, the kernel mapped W^X, CR3 switched.
	x86mm.Init_mem_mapping()
	// Everything is mapped now: allocations may go anywhere, and on x86-64
	// all RAM is "low" (Linux init_mem_mapping: max_low_pfn = max_pfn), so
	// that memblock_free_all will hand the buddy allocator RAM above 4 GiB.
	memblock.Memblock_set_current_limit(memblock.Max_pfn << asm.PAGE_SHIFT)
	memblock.Max_low_pfn = memblock.Max_pfn
	// The page tables, as ranges, when asked (ptdump).
	if wantPtdump {
		x86mm.Ptdump_walk_pgd_level()
	}
	// The interrupt controllers the firmware describes: ACPI's tables,
	// the MP table, the local APIC's mapping (acpi.go).
	acpi_and_mp_setup()
	// How reboot(2) restarts, halts and powers off: \_S5 read (reboot.go).
	machine_reboot_init()
	// The node, its zones and the core map (Linux
	// x86_init.paging.pagetable_init → paging_init → zone_sizes_init).
	x86mm.Paging_init()
}

var (
	// Boot_params is the kernel's copy of the zeropage, made by
	// copy_bootdata (Linux boot_params: defined in setup.c, declared in
	// asm/setup.h).
	Boot_params asm.BootParams

	e820_userdef bool // mem= or memmap= changed the map
	wantPtdump   bool
)

// The early options: Linux's early_param() table (obs_kernel_param entries
// with early set, collected by the linker in .init.setup), written out as
// one table. Linux parses all of them once, in setup_arch; its printk
// keeps what was said before the console existed and replays it. gokern
// prints straight to the UART from the first line, so the options that
// decide how and how much the kernel reports are taken at startup_64
// (from the loader's copy of the command line, before anything else runs)
// and the memory options where Linux takes them. Each option is parsed
// once, by parse_early_options, in command-line order, so that a later
// option wins over an earlier one ("quiet debug" is debug, "debug quiet"
// quiet, loglevel= against both by position), as in Linux, in the setup
// code and in the boot stage.
const (
	EARLY_CONSOLE = iota // startup_64, before the console exists
	EARLY_REPORT         // startup_64, right after the console is up
	EARLY_SETUP          // setup_arch: Linux's parse_early_param
)

type obs_kernel_param struct {
	str        string
	setup_func func(val []byte)
	when       int
}

var early_params = [...]obs_kernel_param{
	{"earlyprintk", serial8250.Setup_early_printk, EARLY_CONSOLE}, // arch/x86/kernel/early_printk.c
	{"debug", debug_kernel, EARLY_REPORT},                         // init/main.c
	{"quiet", quiet_kernel, EARLY_REPORT},                         // init/main.c
	{"loglevel", loglevel, EARLY_REPORT},                          // init/main.c
	{"memblock", memblock.Early_memblock, EARLY_REPORT},           // mm/memblock.c
	{"bootmem_debug", bootmem.Bootmem_debug_setup, EARLY_REPORT},  // mm/bootmem.c (2.6)
	{"mem", setupMem, EARLY_SETUP},                                // arch/x86/kernel/e820.c
	{"memmap", setupMemmap, EARLY_SETUP},                          // arch/x86/kernel/e820.c
	{"earlymem", setupEarlymem, EARLY_SETUP},                      // gokern
	{"ptdump", setupPtdump, EARLY_SETUP},                          // gokern
	{"buddy", setupBuddy, EARLY_SETUP},                            // gokern: the 2.4 buddy allocator
	{"page_poison", early_page_poison_param, EARLY_SETUP},         // mm/page_poison.c
	{"slub_debug", mm.Setup_slub_debug, EARLY_SETUP},              // mm/slub.c (a __setup option in Linux)
	{"acpi", parse_acpi, EARLY_SETUP},                             // arch/x86/kernel/acpi/boot.c
	{"acpi_rsdp", parse_acpi_rsdp, EARLY_SETUP},                   // drivers/acpi/osl.c
	{"noapic", parse_noapic, EARLY_SETUP},                         // arch/x86/kernel/apic/io_apic.c
	{"nolapic", parse_nolapic, EARLY_SETUP},                       // arch/x86/kernel/apic/apic.c
	{"nox2apic", parse_nox2apic, EARLY_SETUP},                     // arch/x86/kernel/apic/apic.c
	{"tsc_early_khz", tsc_early_khz_setup, EARLY_REPORT},          // arch/x86/kernel/tsc.c
	{"tsc_calibrate", tsc_calibrate_setup, EARLY_REPORT},          // gokern
	{"lapic_cal_stall", lapic_cal_stall_setup, EARLY_REPORT},      // gokern
	{"check_timer_fail", check_timer_fail_setup, EARLY_SETUP},     // gokern: fault injection
	{"tsc_check_stall", tsc_check_stall_setup, EARLY_SETUP},       // gokern: fault injection
	{"reboot", reboot_setup, EARLY_SETUP},                         // kernel/reboot.c (a __setup option in Linux)

	// arch/x86/kernel/acpi/boot.c
	{"acpi_skip_timer_override", parse_acpi_skip_timer_override, EARLY_SETUP},
}

// parse_early_options runs, word by word in command-line order, the
// handler of each early option of class when that cmd carries (Linux
// parse_early_options / do_early_param, through parse_args).
func parse_early_options(cmd []byte, when int) {
	cmdline.Each(cmd, func(name, val []byte, hasVal bool) {
		for i := range early_params {
			if p := &early_params[i]; p.when == when && string(name) == p.str {
				p.setup_func(val)
			}
		}
	})
}

// Is_early_param reports whether name is an early option of the table
// (for start_kernel's list of the options nobody took).
func Is_early_param(name []byte) bool {
	for i := range early_params {
		if string(name) == early_params[i].str {
			return true
		}
	}
	return false
}

// parse_early_param takes the memory stage's early options from
// boot_command_line (Linux init/main.c parse_early_param, called from
// setup_arch).
func parse_early_param() {
	parse_early_options(cmdline.BootCommandLine(), EARLY_SETUP)
}

// setupMem: "mem=nn[KMG]", e820.Parse_memopt on the kernel's table (Linux
// e820.c parse_memopt, which returns -EINVAL where gokern stops).
func setupMem(val []byte) {
	if err := e820.Parse_memopt(&e820.E820_table, val); err != e820.OK {
		kernel.Panic("parse_early_param: bad mem=%s (%s)", printk.Escaped(val), printk.Str(err.String()))
	}
	e820_userdef = true
}

// setupMemmap: "memmap=...", e820.Parse_memmap_opt on the kernel's table
// (Linux e820.c parse_memmap_opt).
func setupMemmap(val []byte) {
	if err := e820.Parse_memmap_opt(&e820.E820_table, val); err != e820.OK {
		kernel.Panic("parse_early_param: bad memmap=%s (%s)", printk.Escaped(val), printk.Str(err.String()))
	}
	e820_userdef = true
}

// setupEarlymem: "earlymem=memblock|bootmem" chooses the early allocator.
func setupEarlymem(val []byte) {
	switch string(val) {
	case "bootmem":
		x86mm.EarlymemBootmem = true
	case "memblock":
	default:
		kernel.Panic("parse_early_param: earlymem=%s: choose memblock or bootmem", printk.Escaped(val))
	}
}

// panicRetired stops the boot after memblock or bootmem reported a call
// made after mem_init retired it.
func panicRetired(msg string) { kernel.Panic("%s", printk.Str(msg)) }

// setupBuddy: "buddy=bitmap" runs the buddy allocator of Linux 2.4, with
// a fragmentation bit per pair of buddies (seeds/002 "Bitmap *map
// semantic"); "buddy=default" the 6.1 one. Before paging_init, which
// allocates the bitmaps.
func setupBuddy(val []byte) {
	switch string(val) {
	case "bitmap":
		mm.BuddyBitmap = true
	case "default":
		mm.BuddyBitmap = false
	default:
		kernel.Panic("parse_early_param: buddy=%s: choose default or bitmap", printk.Bytes(val))
	}
}

// early_page_poison_param: "page_poison=1" fills freed pages with 0xaa and
// checks them when they are allocated again (Linux
// early_page_poison_param, which takes kstrtobool's spellings).
func early_page_poison_param(val []byte) {
	switch string(val) {
	case "1", "y", "Y", "on":
		mm.Want_page_poisoning = true
	case "0", "n", "N", "off":
		mm.Want_page_poisoning = false
	default:
		kernel.Panic("parse_early_param: page_poison=%s: choose 1 or 0", printk.Bytes(val))
	}
}

// debug_kernel, quiet_kernel and loglevel are the "debug", "quiet" and
// "loglevel=N" early options (Linux init/main.c). A loglevel= that is not a
// number from 0 to 15 is reported, with the reason, and ignored (Linux
// reports garbage and takes any number).
func debug_kernel(val []byte) { printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_DEBUG }
func quiet_kernel(val []byte) { printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_QUIET }

func loglevel(val []byte) {
	n, err := cmdline.Kstrtoll(val)
	why := err.String()
	if err == cmdline.OK && (n < 0 || n > printk.CONSOLE_LOGLEVEL_MOTORMOUTH) {
		why = "out of range 0-15"
	}
	if why != cmdline.OK.String() {
		printk.Pr_warn("Malformed early option 'loglevel=%s' (%s): keeping %d\n",
			printk.Escaped(val), printk.Str(why), printk.Int(printk.Console_loglevel))
		return
	}
	printk.Console_loglevel = int(n)
}

// setupPtdump: "ptdump" prints the kernel page tables after
// init_mem_mapping.
func setupPtdump(val []byte) { wantPtdump = true }

// trim_bios_range takes the BIOS's own memory out of the usable map (Linux
// setup.c trim_bios_range): page 0 (the IVT and BIOS data area, often not
// listed as reserved) becomes reserved, and 640 KiB-1 MiB (video memory,
// ROMs), which some BIOSes report as RAM, is removed. Every Linux boot log
// shows its two lines:
//
//	e820: update [mem 0x00000000-0x00000fff] usable ==> reserved
//	e820: remove [mem 0x000a0000-0x000fffff] usable
func trim_bios_range() {
	e820.E820__range_update(&e820.E820_table, 0, asm.PAGE_SIZE, e820.E820_TYPE_RAM, e820.E820_TYPE_RESERVED)
	e820.E820__range_remove(&e820.E820_table, e820.BIOS_BEGIN, e820.BIOS_END-e820.BIOS_BEGIN, e820.E820_TYPE_RAM, true)
	e820.E820__update_table(&e820.E820_table)
}

// e820__end_of_ram finds max_pfn and max_low_pfn (memblock's, where Linux
// defines them) and checks that the kernel can live in what is left (after
// mem= too): usable RAM above 1 MiB, and RAM under the whole kernel image.
func e820__end_of_ram() {
	trimUnreachableRAM(&e820.E820_table)
	if e820.CheckUsable(&e820.E820_table) != e820.OK {
		kernel.Panic("e820__end_of_ram: no usable RAM above 1 MiB in the memory map")
	}
	memblock.Max_pfn = e820.E820__end_of_ram_pfn(&e820.E820_table)
	memblock.Max_low_pfn = memblock.Max_pfn
	if memblock.Max_pfn > 1<<(32-asm.PAGE_SHIFT) {
		memblock.Max_low_pfn = e820.E820__end_of_low_ram_pfn(&e820.E820_table)
	}
	kstart, kend := uint64(asm.LOAD_PHYSICAL_ADDR), asm.X__pa(uint64(KernelEnd()))
	if !e820.E820__mapped_all(&e820.E820_table, kstart, kend, e820.E820_TYPE_RAM) {
		kernel.Panic("e820__end_of_ram: the kernel [mem %#010x-%#010x] is not in usable RAM (max_pfn %#x: mem= too small?)",
			printk.Int(kstart), printk.Int(kend-1), printk.Int(memblock.Max_pfn))
	}
}

// trimUnreachableRAM takes out of the map the RAM the direct map cannot
// reach: at and above 2^MAX_PHYSMEM_BITS (64 TiB, the size of the 4-level
// direct map) or above the CPU's physical address width (CPUID
// 0x80000008 EAX[7:0]; a page-table entry cannot point higher), whichever
// is lower. Only memmap= can declare such RAM here. Linux caps max_pfn at
// max_arch_pfn (e820: last_pfn = ... max_arch_pfn = ...) and never frees
// what lies above it; gokern also removes it from the map, with one line
// per range, so that memblock never has it and init_mem_mapping never
// maps it (before, memmap=1G@100T was mapped at PAGE_OFFSET + 100 TiB,
// inside the vmalloc area) and max_pfn and the map agree.
func trimUnreachableRAM(t *e820.E820Table) {
	limit, bits, why := uint64(e820.MAX_ARCH_PFN)<<asm.PAGE_SHIFT, uint32(asm.MAX_PHYSMEM_BITS), "MAX_PHYSMEM_BITS, the direct map's reach"
	if max, _, _, _ := asm.Cpuid(0x80000000); max >= 0x80000008 {
		if eax, _, _, _ := asm.Cpuid(0x80000008); eax&0xff != 0 && eax&0xff < bits {
			bits = eax & 0xff
			limit, why = 1<<bits, "the CPU's physical address width"
		}
	}
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if e.Type != e820.E820_TYPE_RAM || e.Addr+e.Size <= limit {
			continue
		}
		start := max(e.Addr, limit)
		printk.Pr_warn("e820: [mem %#018x-%#018x] usable is beyond %s (%d bits): not used\n",
			printk.Int(start), printk.Int(e.Addr+e.Size-1), printk.Str(why), printk.Int(bits))
	}
	if _, err := e820.E820__range_remove(t, limit, ^uint64(0)-limit, e820.E820_TYPE_RAM, true); err != e820.OK {
		kernel.Panic("e820: cannot trim the RAM above %#x: %s", printk.Int(limit), printk.Str(err.String()))
	}
	e820.E820__update_table(t)
}

// early_reserve_memory protects what is already in use from the early
// allocator (Linux setup.c early_reserve_memory; seeds/001 "memblock_reserve").
// Each reservation is computed from where the thing starts and how big it
// is, never rounded to a page first: memblock keeps byte ranges and hands
// out no page that touches one, and bootmem (reserveBootmemFromMemblock)
// reserves every page a range touches. QEMU's zeropage lies at 0x11310 and
// spans two pages; reserving "its page" left the second free, and bootmem
// handed it out (earlymem=bootmem from 11 GiB up).
func early_reserve_memory() {
	// The kernel image, _text to _end; the early page tables, stacks and
	// everything static live inside it.
	reserveKernel(asm.LOAD_PHYSICAL_ADDR, asm.X__pa(uint64(KernelEnd())))
	// Page 0: the real-mode IVT and BIOS data area; never hand it out
	// (Linux reserves the first page, or more with reservelow=).
	memblock.Memblock_reserve(0, asm.PAGE_SIZE)
	// The loader's zeropage and command line (copied already, but a
	// selftest compares against them, and Linux keeps setup_data there).
	reserveZeropage(uint64(boot_params_phys))
	if p := Boot_params.Cmd_line_ptr(); p != 0 {
		reserveCmdline(p, cmdlineSrcLen)
	}
	// The initrd, where the loader (or the boot stage) put it.
	if addr, size := Boot_params.Ramdisk(); size != 0 {
		early_reserve_initrd(addr, size)
		print_initrd(&asm.DirectMap, addr, size)
	}
	// The EBDA and the BIOS area up to 1 MiB.
	reserve_ebda_region(&asm.DirectMap)
}

// reserveKernel reserves the kernel image, [start, end) physical (Linux:
// memblock_reserve(__pa_symbol(_text), _end - _text)).
func reserveKernel(start, end uint64) { memblock.Memblock_reserve(start, end-start) }

// reserveZeropage reserves the loader's struct boot_params at pa, all
// BOOT_PARAMS_SIZE bytes of it, whatever pages they touch.
func reserveZeropage(pa uint64) { memblock.Memblock_reserve(pa, asm.BOOT_PARAMS_SIZE) }

// reserveCmdline reserves the n bytes of the loader's command line at pa
// that copy_bootdata read (cmdlineSrcLen).
func reserveCmdline(pa, n uint64) { memblock.Memblock_reserve(pa, n) }

// early_reserve_initrd reserves the initrd, [addr, addr+size), and
// records it (Linux setup.c early_reserve_initrd).
func early_reserve_initrd(addr, size uint64) {
	printk.Pr_info("RAMDISK: [mem %#010x-%#010x]\n", printk.Int(addr), printk.Int(addr+size-1))
	memblock.Memblock_reserve(addr, size)
	Phys_initrd_start, Phys_initrd_size = addr, size
}

// reserveBootmemFromMemblock gives bootmem memblock's early reservations:
// Reserve_bootmem marks every page a range touches, so a range that
// straddles a page boundary keeps both pages.
func reserveBootmemFromMemblock() {
	memblock.For_each_reserved_mem_region(func(r *memblock.MemblockRegion) bool {
		if r.Size != 0 {
			bootmem.Reserve_bootmem(r.Base, r.Size, bootmem.BOOTMEM_DEFAULT)
		}
		return true
	})
}

// Phys_initrd_start, Phys_initrd_size: the initrd's physical range, from
// boot_params (Linux phys_initrd_start, phys_initrd_size; Linux defines
// them in init/do_mounts_initrd.c, for the initramfs code that will read
// them, and so will gokern's fs/ when it comes).
var Phys_initrd_start, Phys_initrd_size uint64

// initmem_init brings up the 2.6 bitmap allocator when earlymem=bootmem
// asks for it: Linux 2.6's x86-32 initmem_init (arch/x86/mm/init_32.c),
// the step seeds/004 calls "setup node map and Boot Memory Allocator",
// which ends in setup_bootmem_allocator (bootmem.Setup_bootmem_allocator
// here: its bitmap covers every page frame up to max_pfn and sits in the
// first free pages after the kernel). The reservations made so far live
// in memblock (early_reserve_memory); the bitmap is added to them, as 2.6
// did with reserve_early(..., "BOOTMAP"), and they are carried over, as
// its early_res_to_bootmem did, so that one list of early reservations
// serves both allocators. (Linux 6.1's initmem_init sets up the NUMA
// nodes instead; gokern has one node.)
func initmem_init() {
	if !x86mm.EarlymemBootmem {
		return
	}
	bootmem.Init(&asm.DirectMap)
	kend := asm.X__pa(uint64(KernelEnd()))
	if err := bootmem.Setup_bootmem_allocator(&e820.E820_table, asm.LOAD_PHYSICAL_ADDR, kend, memblock.Max_pfn); err != bootmem.OK {
		kernel.Panic("setup_bootmem_allocator: %s", printk.Str(err.String()))
	}
	// 2.6 placed the bitmap after the kernel by the e820 map alone; here the
	// early reservations live in memblock, so check it missed them (an
	// initrd right after the kernel, say) and record it there too.
	bitmap := bootmem.Bootmem_node_data[0].Node_bootmem_map
	size := bootmem.Bootmem_bootmap_pages(memblock.Max_pfn) << asm.PAGE_SHIFT
	if memblock.Memblock_is_region_reserved(bitmap, size) {
		kernel.Panic("setup_bootmem_allocator: the bootmap [mem %#010x-%#010x] overlaps an early reservation",
			printk.Int(bitmap), printk.Int(bitmap+size-1))
	}
	memblock.Memblock_reserve(bitmap, size)
	reserveBootmemFromMemblock()
	printk.Pr_info("bootmem: the early allocator is bootmem (earlymem=bootmem)\n")
}
