package e820

import (
	"gokern/arch/amd64/asm"
	"gokern/memblock"
	"gokern/printk"
)

// Linux: arch/x86/kernel/e820.c e820__memory_setup_default,
// e820__memory_setup, e820__memblock_setup; the low-memory constants are
// from arch/x86/include/asm/setup.h.

const (
	// LOWMEMSIZE is the conventional memory the fallback map claims:
	// 0x9f000 (636 KiB), one page short of 640 KiB, because the last KiB
	// below 640 KiB is usually the EBDA and Linux "does NOT EVER look at
	// the BIOS memory size location".
	LOWMEMSIZE = 0x9f000
)

// append_e820_table copies a firmware table into t, Linux append_e820_table:
// a map of fewer than two entries is not believed.
func append_e820_table(t, firmware *E820Table) bool {
	n := firmware.Nr_entries
	if n < 2 {
		return false
	}
	if n > E820_MAX_ENTRIES {
		n = E820_MAX_ENTRIES
	}
	for i := uint32(0); i < n; i++ {
		e := &firmware.Entries[i]
		// Linux gives up on the whole table when one entry wraps past
		// 2^64; E820__update_table clips such an entry instead.
		E820__range_add(t, e.Addr, e.Size, e.Type)
	}
	return true
}

// E820__memory_setup_default builds the kernel's map t from the E820 table
// the real-mode detect_memory left in boot_params, and sanitises it; Linux
// e820__memory_setup_default (x86_init.resources.memory_setup). The table
// is first copied into firmware as received (Linux keeps the sanitised
// copy there; gokern keeps the BIOS's own list, for gk-e820 firmware and
// the boot_params selftest). When the firmware gave fewer than two
// entries, which Linux does not believe, it fakes a map from the older
// BIOS calls that detect_memory also ran: E801 (alt_mem_k, KiB above
// 1 MiB) and INT 15h AH=88h (ext_mem_k), taking whichever reports more, as
//
//	[0, 0x9f000) usable, [1 MiB, 1 MiB + size) usable
//
// It returns the name to print the map under: "BIOS-e820", "BIOS-e801" or
// "BIOS-88".
func E820__memory_setup_default(t, firmware *E820Table, bp *asm.BootParams) (who string) {
	n := bp.E820_entries()
	if n > asm.E820_MAX_ENTRIES_ZEROPAGE {
		printk.Pr_warn("e820: boot_params holds %d entries, more than the %d it has room for: using %d\n",
			printk.Int(n), printk.Int(asm.E820_MAX_ENTRIES_ZEROPAGE), printk.Int(asm.E820_MAX_ENTRIES_ZEROPAGE))
		n = asm.E820_MAX_ENTRIES_ZEROPAGE
	}
	firmware.Nr_entries = uint32(n)
	for i := 0; i < n; i++ {
		addr, size, typ := bp.E820_entry(i)
		firmware.Entries[i] = E820Entry{Addr: addr, Size: size, Type: E820Type(typ)}
	}
	who = "BIOS-e820"
	t.Nr_entries = 0
	if !append_e820_table(t, firmware) {
		altMemK, extMemK := bp.Alt_mem_k(), bp.Ext_mem_k()
		printk.Pr_warn("e820: the BIOS gave %d E820 entries; falling back to E801 (%d KiB) or 88h (%d KiB above 1 MiB)\n",
			printk.Int(n), printk.Int(altMemK), printk.Int(extMemK))
		memSize := uint64(altMemK)
		who = "BIOS-e801"
		if altMemK < extMemK {
			memSize = uint64(extMemK)
			who = "BIOS-88"
		}
		t.Nr_entries = 0
		E820__range_add(t, 0, LOWMEMSIZE, E820_TYPE_RAM)
		E820__range_add(t, HIGH_MEMORY, memSize<<10, E820_TYPE_RAM)
	}
	// We just appended a lot of ranges: sanitise them.
	E820__update_table(t)
	return who
}

// E820__memory_setup is Linux's e820__memory_setup, the first step of
// setup_arch's memory work: the map from boot_params, sanitised by
// E820__memory_setup_default into t (the raw list kept in firmware), and
// printed, the first lines of every boot log:
//
//	e820: BIOS-provided physical RAM map:
//	BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
//
// (gokern prints the "e820: " prefix of the 4.x kernels the seeds show.)
// setup_arch passes E820_table, E820_table_firmware and its boot_params;
// host tests their own.
func E820__memory_setup(t, firmware *E820Table, bp *asm.BootParams) (who string) {
	who = E820__memory_setup_default(t, firmware, bp)
	printk.Pr_info("e820: BIOS-provided physical RAM map:\n")
	E820__print_table(t, who)
	if who != "BIOS-e820" {
		printk.Pr_warn("e820: falling back to %s\n", printk.Str(who))
	}
	return who
}

// E820__update_table_print sanitises t and, if that changed it, prints it as the
// "modified" map; Linux e820__update_table_print (which prints whenever it
// sanitised; gokern only when something changed).
func E820__update_table_print(t *E820Table) {
	if !E820__update_table(t) {
		return
	}
	printk.Pr_info("e820: modified physical RAM map:\n")
	E820__print_table(t, "modified")
}

// CheckUsable reports ErrNoUsableRAM when t has no usable RAM above
// 1 MiB: the kernel is loaded at 16 MiB and cannot run in 640 KiB. Linux
// has no such check (it would crash later); gokern stops cleanly with a
// message instead.
func CheckUsable(t *E820Table) Error {
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if (e.Type == E820_TYPE_RAM || e.Type == E820_TYPE_RESERVED_KERN) &&
			e.Size != 0 && e.Addr+e.Size > HIGH_MEMORY {
			return OK
		}
	}
	return ErrNoUsableRAM
}

// E820__memblock_setup hands t's RAM to memblock, Linux e820__memblock_setup:
// every usable range becomes a memblock "memory" region, soft-reserved
// ranges are reserved, and partial pages at the edges are trimmed. From
// here on memblock, not the e820 table, is the allocator's view of memory.
func E820__memblock_setup(t *E820Table) memblock.Error {
	// EFI may pass more than 128 entries, the size of memblock's static
	// arrays: let memblock grow them. This runs late enough that the
	// reservations (kernel, initrd, boot data) are already known, so the
	// grown arrays cannot land on them.
	memblock.Memblock_allow_resize()
	ret := memblock.OK
	for i := uint32(0); i < t.Nr_entries; i++ {
		e := &t.Entries[i]
		if e.Addr+e.Size < e.Addr {
			continue // wraps past 2^64: cannot be described
		}
		var err memblock.Error
		if e.Type == E820_TYPE_SOFT_RESERVED {
			err = memblock.Memblock_reserve(e.Addr, e.Size)
		}
		if e.Type == E820_TYPE_RAM || e.Type == E820_TYPE_RESERVED_KERN {
			err = memblock.Memblock_add(e.Addr, e.Size)
		}
		if err != memblock.OK && ret == memblock.OK {
			ret = err
		}
	}
	// Throw away partial pages: the page allocator only deals in pages.
	memblock.Memblock_trim_memory(asm.PAGE_SIZE)
	memblock.Memblock_dump_all()
	return ret
}
