package amd64

import (
	"encoding/binary"

	"gokern/arch/amd64/asm"
	"gokern/drivers/acpi"
	"gokern/printk"
)

// The ACPI tables of a UEFI machine: the firmware keeps no RSDP in the
// BIOS areas the legacy scan reads (OVMF has no EBDA and nothing at
// 0xe0000-0xfffff), and points to it from the EFI system table's
// configuration tables instead. Linux: arch/x86/platform/efi/efi.c
// (efi_init → efi_systab_init, efi_config_init), drivers/firmware/efi/efi.c
// (efi_systab_check_header, efi_config_parse_tables: efi.acpi20,
// efi.acpi), drivers/acpi/osl.c (acpi_os_get_root_pointer takes efi.acpi20,
// else efi.acpi, on an EFI boot); UEFI 2.10 §4.3 "EFI System Table", §4.6
// "EFI Configuration Table & Properties Table". Before, a UEFI boot
// (GRUB's linux or multiboot2 under OVMF) found no ACPI tables, and with
// them no MADT: one CPU of -smp 2, no I/O APIC, no HPET.

// EFI_SYSTEM_TABLE_SIGNATURE: "IBI SYST" (UEFI §4.3.1).
const EFI_SYSTEM_TABLE_SIGNATURE = 0x5453595320494249

// The EFI system table's fields gokern reads, for 64- and 32-bit firmware
// (efi_system_table_64_t, efi_system_table_32_t: the table header's 24
// bytes, then pointers and UINTNs of the firmware's width).
type efi_systab_layout struct {
	size, nr_tables, tables, entry, ptr int // offsets and sizes in bytes
}

var (
	efi_systab_64 = efi_systab_layout{size: 120, nr_tables: 104, tables: 112, entry: 24, ptr: 8}
	efi_systab_32 = efi_systab_layout{size: 72, nr_tables: 64, tables: 68, entry: 20, ptr: 4}
)

// EFI_MAX_CONFIG_TABLES bounds the configuration tables read (OVMF has
// about ten); a count beyond it is not a table the firmware wrote.
const EFI_MAX_CONFIG_TABLES = 256

// The configuration-table GUIDs of the RSDP, as they lie in memory (the
// first three fields little-endian): ACPI_20_TABLE_GUID
// 8868e871-e4f1-11d3-bc22-0080c73c8881, ACPI_TABLE_GUID
// eb9d2d30-2d88-11d3-9a16-0090273fc14d (Linux include/linux/efi.h).
var (
	ACPI_20_TABLE_GUID = [16]byte{0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4, 0xd3, 0x11, 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81}
	ACPI_TABLE_GUID    = [16]byte{0x30, 0x2d, 0x9d, 0xeb, 0x88, 0x2d, 0xd3, 0x11, 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d}
)

// efi_uintn reads a pointer or UINTN of the firmware's width.
func efi_uintn(b []byte, width int) uint64 {
	if width == 8 {
		return binary.LittleEndian.Uint64(b)
	}
	return uint64(binary.LittleEndian.Uint32(b))
}

// Efi_get_rsdp_addr returns the RSDP the EFI system table at systab
// points to (ACPI 2.0's, else ACPI 1.0's), 0 when there is none or the
// table is not usable, each refusal printed with its value. It prints the
// tables found as Linux's efi_config_parse_tables does ("efi: ACPI=0x...
// ACPI 2.0=0x..."). The tables are read through osl, which maps only
// what the firmware's memory map covers.
func Efi_get_rsdp_addr(osl acpi.Osl, systab uint64, efi64 bool) uint64 {
	l := &efi_systab_32
	if efi64 {
		l = &efi_systab_64
	}
	st, ok := osl.Acpi_os_map_memory(systab, uint64(l.size))
	if !ok {
		printk.Pr_err("efi: system table at %#x is not in the memory map: no ACPI tables from it\n", printk.Int(systab))
		return 0
	}
	sig := binary.LittleEndian.Uint64(st)
	n := efi_uintn(st[l.nr_tables:], l.ptr)
	tables := efi_uintn(st[l.tables:], l.ptr)
	osl.Acpi_os_unmap_memory(st)
	// efi_systab_check_header: the signature, else nothing in it counts.
	if sig != EFI_SYSTEM_TABLE_SIGNATURE {
		printk.Pr_err("efi: System table signature incorrect! (%#016x at %#x)\n", printk.Int(sig), printk.Int(systab))
		return 0
	}
	if n == 0 || n > EFI_MAX_CONFIG_TABLES {
		printk.Pr_err("efi: %d configuration tables at %#x (at most %d): none read\n", printk.Int(n), printk.Int(tables), printk.Int(EFI_MAX_CONFIG_TABLES))
		return 0
	}
	ct, ok := osl.Acpi_os_map_memory(tables, n*uint64(l.entry))
	if !ok {
		printk.Pr_err("efi: %d configuration tables at %#x are not in the memory map: none read\n", printk.Int(n), printk.Int(tables))
		return 0
	}
	var acpi10, acpi20 uint64
	for i := 0; i < int(n); i++ {
		e := ct[i*l.entry:]
		switch [16]byte(e[:16]) {
		case ACPI_20_TABLE_GUID:
			acpi20 = efi_uintn(e[16:], l.ptr)
		case ACPI_TABLE_GUID:
			acpi10 = efi_uintn(e[16:], l.ptr)
		}
	}
	osl.Acpi_os_unmap_memory(ct)
	switch {
	case acpi10 != 0 && acpi20 != 0:
		printk.Pr_info("efi: ACPI=%#x  ACPI 2.0=%#x  (%d configuration tables)\n", printk.Int(acpi10), printk.Int(acpi20), printk.Int(n))
	case acpi20 != 0:
		printk.Pr_info("efi: ACPI 2.0=%#x  (%d configuration tables)\n", printk.Int(acpi20), printk.Int(n))
	case acpi10 != 0:
		printk.Pr_info("efi: ACPI=%#x  (%d configuration tables)\n", printk.Int(acpi10), printk.Int(n))
	default:
		printk.Pr_info("efi: no ACPI table among the %d configuration tables\n", printk.Int(n))
	}
	// acpi_os_get_root_pointer: ACPI 2.0's first.
	if acpi20 != 0 {
		return acpi20
	}
	return acpi10
}

// efi_boot: the loader says it came through UEFI (boot_params.efi_info's
// loader signature), and of which width.
func efi_boot() (efi, efi64 bool) {
	switch Boot_params.Efi_loader_signature() {
	case asm.EFI64_LOADER_SIGNATURE:
		return true, true
	case asm.EFI32_LOADER_SIGNATURE:
		return true, false
	}
	return false, false
}
