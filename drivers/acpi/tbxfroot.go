package acpi

import "gokern/printk"

// Finding the RSDP. Linux: drivers/acpi/acpica/tbxfroot.c
// (acpi_find_root_pointer, acpi_tb_scan_memory_for_rsdp,
// acpi_tb_validate_rsdp).

// acpi_tb_checksum is the 8-bit sum of b; a valid table sums to zero
// (ACPI 6.5 §5.2.6: "the entire table, including the checksum field, must
// add to zero"). Linux: acpi_tb_checksum (utcksum.c acpi_ut_checksum).
func acpi_tb_checksum(b []byte) uint8 {
	var sum uint8
	for _, c := range b {
		sum += c
	}
	return sum
}

// acpi_tb_validate_rsdp checks the signature and the checksum of the RSDP
// candidate at the start of b, and the extended checksum of an ACPI 2.0+
// RSDP, when b is long enough to hold one.
func acpi_tb_validate_rsdp(b []byte) bool {
	if len(b) < ACPI_RSDP_REV0_SIZE || string(b[:8]) != ACPI_SIG_RSDP {
		return false
	}
	if acpi_tb_checksum(b[:ACPI_RSDP_REV0_SIZE]) != 0 {
		return false
	}
	if b[15] >= 2 {
		return len(b) >= ACPI_RSDP_XCHECKSUM_LENGTH && acpi_tb_checksum(b[:ACPI_RSDP_XCHECKSUM_LENGTH]) == 0
	}
	return true
}

// acpi_tb_scan_memory_for_rsdp returns the offset of the first valid RSDP
// in b on a 16-byte boundary, or -1.
func acpi_tb_scan_memory_for_rsdp(b []byte) int {
	for off := 0; off+ACPI_RSDP_REV0_SIZE <= len(b); off += ACPI_RSDP_SCAN_STEP {
		if acpi_tb_validate_rsdp(b[off:]) {
			return off
		}
	}
	return -1
}

// scan_window maps [base, base+size), scans it and returns the RSDP's
// physical address, or 0.
func scan_window(base, size uint64) uint64 {
	b, ok := acpi_os.Acpi_os_map_memory(base, size)
	if !ok {
		printk.Pr_warn("ACPI: cannot map [mem %#010x-%#010x] to look for the RSDP\n", printk.Int(base), printk.Int(base+size-1))
		return 0
	}
	off := acpi_tb_scan_memory_for_rsdp(b)
	acpi_os.Acpi_os_unmap_memory(b)
	if off < 0 {
		return 0
	}
	return base + uint64(off)
}

// Acpi_find_root_pointer looks for the RSDP where ACPI 6.5 §5.2.5.1 says
// an IA-PC BIOS puts it: in the first KiB of the EBDA, whose segment the
// BIOS data area holds at 0x40E, then in 0xE0000-0xFFFFF. It returns its
// physical address, or 0. Linux: acpi_find_root_pointer.
func Acpi_find_root_pointer() uint64 {
	b, ok := acpi_os.Acpi_os_map_memory(ACPI_EBDA_PTR_LOCATION, 2)
	if !ok {
		return 0
	}
	ebda := uint64(u16(b, 0)) << 4
	acpi_os.Acpi_os_unmap_memory(b)
	// ACPICA's sanity check: an EBDA must be above the IVT and the BDA
	// and below the 640 KiB of conventional memory (qboot leaves 0).
	if ebda > 0x400 && ebda < 0xa0000 {
		if pa := scan_window(ebda, min(ACPI_EBDA_WINDOW_SIZE, 0xa0000-ebda)); pa != 0 {
			return pa
		}
	}
	return scan_window(ACPI_HI_RSDP_WINDOW_BASE, ACPI_HI_RSDP_WINDOW_SIZE)
}
