package e820

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// Linux: arch/x86/include/asm/e820/types.h.

// E820Type is the kind of memory an E820 entry describes. The numbers are the
// ones the BIOS returns from INT 15h, AX=E820h (ACPI spec, "Address Range
// Types"), plus two that only Linux uses (RESERVED_KERN, SOFT_RESERVED).
type E820Type uint32

const (
	E820_TYPE_RAM      E820Type = 1 // usable RAM
	E820_TYPE_RESERVED E820Type = 2 // in use or reserved by the firmware
	E820_TYPE_ACPI     E820Type = 3 // ACPI tables: usable once they are read
	E820_TYPE_NVS      E820Type = 4 // ACPI NVS: must be saved across S3
	E820_TYPE_UNUSABLE E820Type = 5 // memory with detected errors
	E820_TYPE_PMEM     E820Type = 7 // persistent memory (ACPI 6.0 NVDIMM)
	// E820_TYPE_PRAM is the legacy persistent-memory type 12, which came
	// into use before ACPI 6.0 standardised type 7 (and memmap=nn!ss).
	E820_TYPE_PRAM E820Type = 12
	// E820_TYPE_SOFT_RESERVED is EFI "specific purpose" memory: RAM that
	// the kernel leaves to a driver unless told otherwise.
	E820_TYPE_SOFT_RESERVED E820Type = 0xefffffff
	// E820_TYPE_RESERVED_KERN is RAM the kernel itself took out of the map
	// (setup_data); it counts as RAM and prints as "usable".
	E820_TYPE_RESERVED_KERN E820Type = 128
)

// E820_MAX_ENTRIES is Linux's formula: the zeropage's 128 entries
// (asm.E820_MAX_ENTRIES_ZEROPAGE) plus three per NUMA node for EFI systems
// that pass more through setup_data. With MAX_NUMNODES = 64 that is 320.
const E820_MAX_ENTRIES = asm.E820_MAX_ENTRIES_ZEROPAGE + 3*asm.MAX_NUMNODES

// The legacy ISA/BIOS hole below 1 MiB and where extended memory starts.
// Linux: arch/x86/include/asm/e820/types.h.
const (
	ISA_START_ADDRESS = 0x000a0000
	ISA_END_ADDRESS   = 0x00100000
	BIOS_BEGIN        = 0x000a0000
	BIOS_END          = 0x00100000
	// HIGH_MEMORY is where extended memory starts: 1 MiB.
	HIGH_MEMORY = 0x00100000
)

// E820Entry is one range of the map, Linux struct e820_entry (in boot_params
// it is packed to 20 bytes; here it is a plain Go struct).
type E820Entry struct {
	Addr uint64 // start of the range
	Size uint64 // length in bytes
	Type E820Type
}

// E820Table is a whole map, Linux struct e820_table. It is a plain array so
// that the kernel can keep its tables in static variables.
type E820Table struct {
	Nr_entries uint32
	Entries    [E820_MAX_ENTRIES]E820Entry
}

// String returns the name Linux's e820_print_type prints for t, or
// "unknown" for a type it prints as "type N" (use e820_print_type for that).
func (t E820Type) String() string {
	switch t {
	case E820_TYPE_RAM, E820_TYPE_RESERVED_KERN:
		return "usable"
	case E820_TYPE_RESERVED:
		return "reserved"
	case E820_TYPE_SOFT_RESERVED:
		return "soft reserved"
	case E820_TYPE_ACPI:
		return "ACPI data"
	case E820_TYPE_NVS:
		return "ACPI NVS"
	case E820_TYPE_UNUSABLE:
		return "unusable"
	case E820_TYPE_PMEM:
		return "persistent (type 7)"
	case E820_TYPE_PRAM:
		return "persistent (type 12)"
	}
	return "unknown"
}

// e820_print_type continues the current log line with t's name, Linux
// e820_print_type. A type Linux does not know prints as "type N", so that
// a strange firmware map is still visible in full.
func e820_print_type(t E820Type) {
	if t.String() == "unknown" {
		printk.Pr_cont("type %u", printk.Int(uint32(t)))
		return
	}
	printk.Pr_cont("%s", printk.Str(t.String()))
}
