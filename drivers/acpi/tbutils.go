package acpi

import "gokern/printk"

// The root table and the list of tables. Linux: drivers/acpi/acpica/
// tbutils.c (acpi_tb_parse_root_table), tbinstal.c
// (acpi_tb_install_standard_table), tbprint.c (acpi_tb_print_table_header,
// acpi_tb_fix_string), utcksum.c (acpi_ut_verify_checksum), tbfadt.c
// (acpi_tb_parse_fadt).

// ACPI_MAX_TABLES: tables gokern keeps track of (Linux's initial table
// array holds 128; a QEMU machine has six or seven).
const ACPI_MAX_TABLES = 32

// AcpiTableDesc is one table found through the root table, Linux struct
// acpi_table_desc: where it is, how long, its signature.
type AcpiTableDesc struct {
	Address   uint64
	Length    uint32
	Signature [4]byte
}

var (
	// Acpi_gbl_root_table_list holds the tables in the order they were
	// installed (Linux acpi_gbl_root_table_list).
	Acpi_gbl_root_table_list  [ACPI_MAX_TABLES]AcpiTableDesc
	Acpi_gbl_root_table_count int
	// Acpi_rsdp is where the RSDP was found (0: no ACPI).
	Acpi_rsdp uint64
)

// acpi_tb_fix_string copies a fixed-length name field into out, with
// anything unprintable (firmware leaves NULs) as '?', so that a table
// header prints as one line (Linux acpi_tb_fix_string).
func acpi_tb_fix_string(out []byte, in []byte) []byte {
	n := copy(out, in)
	for i := 0; i < n; i++ {
		if out[i] < ' ' || out[i] > '~' {
			out[i] = '?'
		}
	}
	return out[:n]
}

// acpi_tb_print_table_header prints a table's line of the boot log, as
// Linux does (the RSDP, the FACS, which has no common header, and the
// others):
//
//	ACPI: RSDP 0x00000000000F59D0 000014 (v00 BOCHS )
//	ACPI: RSDT 0x0000000007FE1AD8 000034 (v01 BOCHS  BXPC     00000001 BXPC 00000001)
//	ACPI: FACS 0x0000000007FE0000 000040
func acpi_tb_print_table_header(address uint64, h []byte) {
	var sig, oem, tid, asl [8]byte
	if len(h) >= ACPI_RSDP_REV0_SIZE && string(h[:8]) == ACPI_SIG_RSDP {
		length := uint32(ACPI_RSDP_REV0_SIZE)
		if h[15] > 0 && len(h) >= ACPI_RSDP_XCHECKSUM_LENGTH {
			length = u32(h, 20)
		}
		printk.Pr_info("ACPI: RSDP 0x%016X %06X (v%02d %-6.6s)\n", printk.Int(address), printk.Int(length),
			printk.Int(h[15]), printk.Bytes(acpi_tb_fix_string(oem[:6], h[9:15])))
		return
	}
	if string(h[:4]) == ACPI_SIG_FACS {
		printk.Pr_info("ACPI: FACS 0x%016X %06X\n", printk.Int(address), printk.Int(u32(h, 4)))
		return
	}
	t := (*AcpiTableHeader)(h)
	printk.Pr_info("ACPI: %-4.4s 0x%016X %06X (v%02d %-6.6s %-8.8s %08X %-4.4s %08X)\n",
		printk.Bytes(acpi_tb_fix_string(sig[:4], t.Signature())), printk.Int(address), printk.Int(t.Length()),
		printk.Int(t.Revision()), printk.Bytes(acpi_tb_fix_string(oem[:6], t.Oem_id())),
		printk.Bytes(acpi_tb_fix_string(tid[:8], t.Oem_table_id())), printk.Int(t.Oem_revision()),
		printk.Bytes(acpi_tb_fix_string(asl[:4], t.Asl_compiler_id())), printk.Int(t.Asl_compiler_revision()))
}

// acpi_ut_verify_checksum checks a whole table's checksum and reports a
// bad one as Linux does ("ACPI BIOS Warning (bug): Incorrect checksum in
// table [APIC] - 0x12, should be 0x34").
func acpi_ut_verify_checksum(t []byte) bool {
	sum := acpi_tb_checksum(t)
	if sum == 0 {
		return true
	}
	var sig [8]byte
	printk.Pr_warn("ACPI BIOS Warning (bug): Incorrect checksum in table [%-4.4s] - 0x%02X, should be 0x%02X\n",
		printk.Bytes(acpi_tb_fix_string(sig[:4], t[:4])), printk.Int(t[9]), printk.Int(t[9]-sum))
	return false
}

// acpi_tb_get_table_header maps a table's header, checks that its length
// is sane (at least min, at most ACPI_MAX_TABLE_LENGTH) and returns the
// signature and length. It reports what is wrong and returns false for a
// table that cannot be mapped or has a bad length.
func acpi_tb_get_table_header(address uint64, min uint32, print bool) (sig [4]byte, length uint32, ok bool) {
	h, mapped := acpi_os.Acpi_os_map_memory(address, ACPI_TABLE_HEADER_SIZE)
	if !mapped {
		printk.Pr_err("ACPI: table at %#010x is outside the memory map: ignored\n", printk.Int(address))
		return sig, 0, false
	}
	copy(sig[:], h[:4])
	length = u32(h, 4)
	isFacs := string(h[:4]) == ACPI_SIG_FACS
	if print {
		if isFacs {
			acpi_tb_print_table_header(address, h[:8])
		} else {
			acpi_tb_print_table_header(address, h)
		}
	}
	acpi_os.Acpi_os_unmap_memory(h)
	if isFacs {
		min = ACPI_FACS_MIN_SIZE
	}
	if length < min || length > ACPI_MAX_TABLE_LENGTH {
		var s [8]byte
		printk.Pr_err("ACPI: table [%-4.4s] at %#010x has an invalid length %#x: ignored\n",
			printk.Bytes(acpi_tb_fix_string(s[:4], sig[:])), printk.Int(address), printk.Int(length))
		return sig, length, false
	}
	return sig, length, true
}

// acpi_tb_install_standard_table records the table at address (its header
// printed) in the list, and for the FADT also the DSDT and the FACS it
// points to (Linux: acpi_tb_install_standard_table, and acpi_tb_parse_fadt
// right after the FADT, which is why Linux's log lists DSDT and FACS
// after FACP).
func acpi_tb_install_standard_table(address uint64) {
	sig, length, ok := acpi_tb_get_table_header(address, ACPI_TABLE_HEADER_SIZE, true)
	if !ok {
		return
	}
	if Acpi_gbl_root_table_count == ACPI_MAX_TABLES {
		printk.Pr_warn("ACPI: more than %d tables: [%-4.4s] at %#010x ignored\n",
			printk.Int(ACPI_MAX_TABLES), printk.Bytes(sig[:]), printk.Int(address))
		return
	}
	Acpi_gbl_root_table_list[Acpi_gbl_root_table_count] = AcpiTableDesc{Address: address, Length: length, Signature: sig}
	Acpi_gbl_root_table_count++
	if string(sig[:]) == ACPI_SIG_FADT {
		acpi_tb_parse_fadt(address, length)
	}
}

// acpi_tb_parse_root_table reads the RSDP at rsdp_address, then the root
// table it points to — the XSDT (64-bit entries) for an ACPI 2.0+ RSDP
// that has one, else the RSDT (32-bit entries) — checks the root table's
// checksum, and installs every table it lists. A root table that cannot
// be read is an error: the caller falls back to the MP table.
func acpi_tb_parse_root_table(rsdp_address uint64) int {
	b, ok := acpi_os.Acpi_os_map_memory(rsdp_address, ACPI_RSDP_XCHECKSUM_LENGTH)
	if !ok {
		b, ok = acpi_os.Acpi_os_map_memory(rsdp_address, ACPI_RSDP_REV0_SIZE)
	}
	if !ok {
		printk.Pr_err("ACPI: RSDP at %#010x is outside the memory map\n", printk.Int(rsdp_address))
		return -EINVAL
	}
	if !acpi_tb_validate_rsdp(b) {
		acpi_os.Acpi_os_unmap_memory(b)
		printk.Pr_err("ACPI: no valid RSDP at %#010x (signature or checksum)\n", printk.Int(rsdp_address))
		return -EINVAL
	}
	acpi_tb_print_table_header(rsdp_address, b)
	address, entry_size, name := uint64(u32(b, 16)), uint32(ACPI_RSDT_ENTRY_SIZE), ACPI_SIG_RSDT
	if b[15] >= 2 && len(b) >= ACPI_RSDP_XCHECKSUM_LENGTH && u64(b, 24) != 0 {
		address, entry_size, name = u64(b, 24), ACPI_XSDT_ENTRY_SIZE, ACPI_SIG_XSDT
	}
	acpi_os.Acpi_os_unmap_memory(b)
	Acpi_rsdp = rsdp_address

	sig, length, ok := acpi_tb_get_table_header(address, ACPI_TABLE_HEADER_SIZE, true)
	if !ok {
		printk.Pr_err("ACPI: the RSDP points to an unusable %s at %#010x\n", printk.Str(name), printk.Int(address))
		return -EINVAL
	}
	if string(sig[:]) != name {
		printk.Pr_err("ACPI: the RSDP points to [%-4.4s] at %#010x, not to an %s\n", printk.Bytes(sig[:]), printk.Int(address), printk.Str(name))
		return -EINVAL
	}
	root, ok := acpi_os.Acpi_os_map_memory(address, uint64(length))
	if !ok {
		printk.Pr_err("ACPI: %s at %#010x (%d bytes) is outside the memory map\n", printk.Str(name), printk.Int(address), printk.Int(length))
		return -EINVAL
	}
	if !acpi_ut_verify_checksum(root) {
		acpi_os.Acpi_os_unmap_memory(root)
		return -EINVAL
	}
	// Copy the entries out: installing a table maps it, and the root
	// table's mapping must be gone by then (one mapping at a time).
	var entries [ACPI_MAX_TABLES]uint64
	n := int((length - ACPI_TABLE_HEADER_SIZE) / entry_size)
	if n > ACPI_MAX_TABLES {
		printk.Pr_warn("ACPI: %s lists %d tables; using the first %d\n", printk.Str(name), printk.Int(n), printk.Int(ACPI_MAX_TABLES))
		n = ACPI_MAX_TABLES
	}
	for i := 0; i < n; i++ {
		off := ACPI_TABLE_HEADER_SIZE + i*int(entry_size)
		if entry_size == ACPI_XSDT_ENTRY_SIZE {
			entries[i] = u64(root, off)
		} else {
			entries[i] = uint64(u32(root, off))
		}
	}
	acpi_os.Acpi_os_unmap_memory(root)
	for _, a := range entries[:n] {
		if a != 0 { // ACPICA skips null entries
			acpi_tb_install_standard_table(a)
		}
	}
	return 0
}
