package acpi

import "gokern/printk"

// The FADT: where the DSDT, the FACS and the PM timer are. Linux:
// drivers/acpi/acpica/tbfadt.c (acpi_tb_parse_fadt, acpi_tb_create_local_fadt)
// and arch/x86/kernel/acpi/boot.c (acpi_parse_fadt: pmtmr_ioport).

var (
	// Acpi_gbl_FADT_valid: the FADT was found and its checksum is good.
	Acpi_gbl_FADT_valid bool
	// Sci_interrupt: the ISA IRQ of the ACPI SCI (Linux
	// acpi_gbl_FADT.sci_interrupt).
	Sci_interrupt uint16
	// Acpi_gbl_FADT: the FADT's fields for sleeping and resetting
	// (Linux acpi_gbl_FADT's xpm1a_control_block, xpm1b_control_block,
	// reset_register, reset_value), each 0 when absent.
	Acpi_gbl_FADT struct {
		Pm1a_control_block, Pm1b_control_block uint16
		Reset_register                         uint16
		Reset_value                            uint8
		// Revision and Century: the table's revision and its CMOS
		// index of the RTC's century (Linux acpi_gbl_FADT.header.revision,
		// acpi_gbl_FADT.century).
		Revision, Century uint8
	}
)

// acpi_tb_parse_fadt checks the FADT, installs the DSDT and the FACS it
// points to (the 64-bit X_ fields win when the table is long enough to
// have them and they are set) and takes the PM timer's port.
func acpi_tb_parse_fadt(address uint64, length uint32) {
	if length < ACPI_FADT_V1_SIZE {
		printk.Pr_err("ACPI: FADT at %#010x is %d bytes, shorter than ACPI 1.0's %d: ignored\n",
			printk.Int(address), printk.Int(length), printk.Int(ACPI_FADT_V1_SIZE))
		return
	}
	f, ok := acpi_os.Acpi_os_map_memory(address, uint64(length))
	if !ok {
		return
	}
	if !acpi_ut_verify_checksum(f) {
		acpi_os.Acpi_os_unmap_memory(f)
		return
	}
	dsdt, facs := uint64(u32(f, ACPI_FADT_DSDT)), uint64(u32(f, ACPI_FADT_FACS))
	if length >= ACPI_FADT_XDSDT+8 && u64(f, ACPI_FADT_XDSDT) != 0 {
		dsdt = u64(f, ACPI_FADT_XDSDT)
	}
	if length >= ACPI_FADT_XFACS+8 && u64(f, ACPI_FADT_XFACS) != 0 {
		facs = u64(f, ACPI_FADT_XFACS)
	}
	Sci_interrupt = u16(f, ACPI_FADT_SCI_INTERRUPT)
	Acpi_gbl_FADT.Pm1a_control_block, Acpi_gbl_FADT.Pm1b_control_block = 0, 0
	Acpi_gbl_FADT.Reset_register, Acpi_gbl_FADT.Reset_value = 0, 0
	Acpi_gbl_FADT.Revision, Acpi_gbl_FADT.Century = (*AcpiTableHeader)(f).Revision(), f[ACPI_FADT_CENTURY]
	if f[ACPI_FADT_PM_TIMER_LENGTH] == 4 && u32(f, ACPI_FADT_PM_TIMER_BLOCK) != 0 && u32(f, ACPI_FADT_PM_TIMER_BLOCK) <= 0xffff {
		Pmtmr_ioport = uint16(u32(f, ACPI_FADT_PM_TIMER_BLOCK))
		Pmtmr_32bit = u32(f, ACPI_FADT_FLAGS)&ACPI_FADT_32BIT_TIMER != 0
	}
	if f[ACPI_FADT_PM1_CNT_LENGTH] >= 2 {
		Acpi_gbl_FADT.Pm1a_control_block = uint16(min(u32(f, ACPI_FADT_PM1A_CONTROL), 0xffff))
		Acpi_gbl_FADT.Pm1b_control_block = uint16(min(u32(f, ACPI_FADT_PM1B_CONTROL), 0xffff))
	}
	// The reset register, when the FADT is long enough to have one and
	// says it works; gokern writes only one in system I/O space.
	if length > ACPI_FADT_RESET_VALUE && u32(f, ACPI_FADT_FLAGS)&ACPI_FADT_RESET_REGISTER_SUP != 0 &&
		f[ACPI_FADT_RESET_REGISTER+ACPI_GAS_SPACE_ID] == ACPI_ADR_SPACE_SYSTEM_IO {
		if a := u64(f, ACPI_FADT_RESET_REGISTER+ACPI_GAS_ADDRESS); a != 0 && a <= 0xffff {
			Acpi_gbl_FADT.Reset_register = uint16(a)
			Acpi_gbl_FADT.Reset_value = f[ACPI_FADT_RESET_VALUE]
		}
	}
	Acpi_gbl_FADT_valid = true
	acpi_os.Acpi_os_unmap_memory(f)
	if dsdt != 0 {
		acpi_tb_install_fixed_table(dsdt)
	}
	if facs != 0 {
		acpi_tb_install_fixed_table(facs)
	}
}

// acpi_tb_install_fixed_table records a table the FADT points to (Linux
// acpi_tb_install_fixed_table).
func acpi_tb_install_fixed_table(address uint64) {
	sig, length, ok := acpi_tb_get_table_header(address, ACPI_TABLE_HEADER_SIZE, true)
	if !ok || Acpi_gbl_root_table_count == ACPI_MAX_TABLES {
		return
	}
	Acpi_gbl_root_table_list[Acpi_gbl_root_table_count] = AcpiTableDesc{Address: address, Length: length, Signature: sig}
	Acpi_gbl_root_table_count++
}
