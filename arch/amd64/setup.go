package amd64

import (
	"gokern/e820"
	"gokern/printk"
)

// setup_arch: the architecture's part of start_kernel. Linux:
// arch/x86/kernel/setup.c setup_arch. Seeds: 004 (a gdb session through
// setup_arch). For now it prints the command line and the firmware's
// memory map; the memory stage (e820 sanitising, memblock, paging_init)
// continues it.
func Setup_arch() {
	printk.Info("Command line: %s\n", printk.Bytes(Cmdline()))
	if Cmdline_truncated {
		printk.Warn("Command line truncated to %d bytes: the loader passed more than COMMAND_LINE_SIZE-1 (cmdline_size is %d)\n",
			printk.Int(COMMAND_LINE_SIZE-1), printk.Int(Boot_params.Cmdline_size()))
	}
	e820__memory_setup()
}

var (
	// E820_table_firmware is the map as the BIOS gave it (Linux
	// e820_table_firmware); E820_table is the kernel's working copy.
	E820_table_firmware e820.Table
	E820_table          e820.Table
)

// e820__memory_setup reads the E820 map the real-mode detect_memory left in
// boot_params and prints it as Linux does. The map is printed as received
// (unsorted, overlapping or empty entries included): sanitising it is the
// memory stage's first step. A BIOS without E820 (fewer than two entries,
// which Linux does not believe either) gets a map built from the E801 or
// INT 15h 88h results (Linux e820__memory_setup_default).
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
	printk.Info("BIOS-provided physical RAM map:\n")
	if n < 2 {
		who := e820.Setup_default(&E820_table, &E820_table_firmware, Boot_params.Alt_mem_k(), Boot_params.Ext_mem_k())
		printk.Warn("e820: the BIOS gave %d E820 entries; falling back to %s (E801 %d KiB, 88h %d KiB above 1 MiB)\n",
			printk.Int(n), printk.Str(who), printk.Int(Boot_params.Alt_mem_k()), printk.Int(Boot_params.Ext_mem_k()))
		e820.Print(&E820_table, who)
		return
	}
	E820_table = E820_table_firmware
	e820.Print(&E820_table, "BIOS-e820")
}
