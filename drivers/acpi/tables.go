package acpi

import "gokern/printk"

// Looking tables up and walking the MADT. Linux: drivers/acpi/tables.c
// (acpi_table_init, acpi_table_parse, acpi_table_parse_madt,
// acpi_parse_entries_array, acpi_table_print_madt_entry).

// Acpi_tbl_table_handler is called with a whole table, checksum checked
// (Linux acpi_tbl_table_handler).
type Acpi_tbl_table_handler func(table []byte) int

// Acpi_tbl_entry_handler is called with one MADT subtable; its length is
// at least what the type needs (Linux acpi_tbl_entry_handler).
type Acpi_tbl_entry_handler func(entry []byte) int

// Acpi_disabled: no usable ACPI tables, or "acpi=off" (Linux
// acpi_disabled).
var Acpi_disabled bool

// Acpi_table_init finds the RSDP (at rsdp_hint when the boot loader passed
// one in boot_params, else by scanning the BIOS areas) and installs the
// tables of the root table, printing each, through osl. It returns 0, or
// a negative errno and leaves Acpi_disabled set when there are no usable
// tables. Linux: acpi_table_init → acpi_initialize_tables →
// acpi_os_get_root_pointer, acpi_tb_parse_root_table.
func Acpi_table_init(osl Osl, rsdp_hint uint64) int {
	acpi_os = osl
	Acpi_disabled = false
	Acpi_gbl_root_table_count = 0
	Acpi_rsdp = 0
	Acpi_gbl_FADT_valid, Pmtmr_ioport, Pmtmr_32bit, Sci_interrupt = false, 0, false, 0
	rsdp := rsdp_hint
	if rsdp == 0 {
		rsdp = Acpi_find_root_pointer()
	}
	if rsdp == 0 {
		printk.Pr_info("ACPI: no RSDP in the EBDA or in [mem 0x000e0000-0x000fffff]: no ACPI tables\n")
		Acpi_disabled = true
		return -ENODEV
	}
	if err := acpi_tb_parse_root_table(rsdp); err != 0 {
		Acpi_disabled = true
		return err
	}
	return 0
}

// acpi_get_table_desc finds the first installed table with signature sig.
func acpi_get_table_desc(sig string) (*AcpiTableDesc, bool) {
	for i := 0; i < Acpi_gbl_root_table_count; i++ {
		if string(Acpi_gbl_root_table_list[i].Signature[:]) == sig {
			return &Acpi_gbl_root_table_list[i], true
		}
	}
	return nil, false
}

// Acpi_table_parse maps the table with signature sig, checks its checksum
// and calls handler with it (Linux acpi_table_parse). It returns
// handler's result, -ENODEV when there is no such table, -EINVAL when it
// is unusable.
func Acpi_table_parse(sig string, handler Acpi_tbl_table_handler) int {
	if Acpi_disabled {
		return -ENODEV
	}
	d, ok := acpi_get_table_desc(sig)
	if !ok {
		return -ENODEV
	}
	t, ok := acpi_os.Acpi_os_map_memory(d.Address, uint64(d.Length))
	if !ok {
		printk.Pr_err("ACPI: cannot map [%-4.4s] at %#010x\n", printk.Str(sig), printk.Int(d.Address))
		return -EINVAL
	}
	err := -EINVAL
	if acpi_ut_verify_checksum(t) {
		err = handler(t)
	}
	acpi_os.Acpi_os_unmap_memory(t)
	return err
}

// madt_entry_min_size is the length a subtable of type t must have at
// least, 0 for types gokern does not read.
func madt_entry_min_size(t uint8) int {
	switch t {
	case ACPI_MADT_TYPE_LOCAL_APIC:
		return ACPI_MADT_LOCAL_APIC_SIZE
	case ACPI_MADT_TYPE_IO_APIC:
		return ACPI_MADT_IO_APIC_SIZE
	case ACPI_MADT_TYPE_INTERRUPT_OVERRIDE:
		return ACPI_MADT_INTERRUPT_OVERRIDE_SIZE
	case ACPI_MADT_TYPE_NMI_SOURCE:
		return ACPI_MADT_NMI_SOURCE_SIZE
	case ACPI_MADT_TYPE_LOCAL_APIC_NMI:
		return ACPI_MADT_LOCAL_APIC_NMI_SIZE
	case ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE:
		return ACPI_MADT_LOCAL_APIC_OVERRIDE_SIZE
	case ACPI_MADT_TYPE_LOCAL_X2APIC:
		return ACPI_MADT_LOCAL_X2APIC_SIZE
	}
	return ACPI_MADT_ENTRY_HDR_SIZE
}

// Acpi_parse_madt_entries walks the subtables of the MADT madt and calls
// handler for each of type id, up to max_entries of them (0: no limit).
// It returns how many there were, or -EINVAL for a truncated table or
// subtable (every entry is checked before any handler runs, so that a
// corrupt MADT is rejected whole). Linux: acpi_parse_entries_array.
func Acpi_parse_madt_entries(madt []byte, id uint8, handler Acpi_tbl_entry_handler, max_entries int) int {
	if len(madt) < ACPI_MADT_HEADER_SIZE {
		printk.Pr_err("ACPI: [APIC] is %d bytes, shorter than its %d-byte header\n", printk.Int(len(madt)), printk.Int(ACPI_MADT_HEADER_SIZE))
		return -EINVAL
	}
	for off := ACPI_MADT_HEADER_SIZE; off < len(madt); {
		if off+ACPI_MADT_ENTRY_HDR_SIZE > len(madt) {
			printk.Pr_err("ACPI: [APIC] truncated: %d stray bytes at offset %#x\n", printk.Int(len(madt)-off), printk.Int(off))
			return -EINVAL
		}
		t, l := madt[off], int(madt[off+1])
		if l == 0 {
			printk.Pr_err("ACPI: [APIC:0x%02x] Invalid zero length at offset %#x\n", printk.Int(t), printk.Int(off))
			return -EINVAL
		}
		if l < madt_entry_min_size(t) || off+l > len(madt) {
			printk.Pr_err("ACPI: [APIC:0x%02x] subtable at offset %#x is %d bytes: it needs %d and the table has %d left\n",
				printk.Int(t), printk.Int(off), printk.Int(l), printk.Int(madt_entry_min_size(t)), printk.Int(len(madt)-off))
			return -EINVAL
		}
		off += l
	}
	count, ignored := 0, 0
	for off := ACPI_MADT_HEADER_SIZE; off < len(madt); off += int(madt[off+1]) {
		if madt[off] != id {
			continue
		}
		if max_entries > 0 && count >= max_entries {
			ignored++
			continue
		}
		if err := handler(madt[off : off+int(madt[off+1])]); err != 0 {
			return err
		}
		count++
	}
	if ignored > 0 {
		printk.Pr_warn("ACPI: [APIC:0x%02x] ignored %d entries of %d found\n", printk.Int(id), printk.Int(ignored), printk.Int(count+ignored))
	}
	return count
}

// madt_parse is the state of one Acpi_table_parse_madt call, for the
// table handler (a top-level function: no closure).
var madt_parse struct {
	id      uint8
	handler Acpi_tbl_entry_handler
	max     int
}

func madt_parse_handler(t []byte) int {
	return Acpi_parse_madt_entries(t, madt_parse.id, madt_parse.handler, madt_parse.max)
}

// Acpi_table_parse_madt calls handler for every MADT subtable of type id
// (Linux acpi_table_parse_madt). It returns their number or a negative
// errno (-ENODEV: no MADT).
func Acpi_table_parse_madt(id uint8, handler Acpi_tbl_entry_handler, max_entries int) int {
	madt_parse.id, madt_parse.handler, madt_parse.max = id, handler, max_entries
	return Acpi_table_parse(ACPI_SIG_MADT, madt_parse_handler)
}

var (
	mps_inti_flags_polarity = [4]string{"dfl", "high", "res", "low"}
	mps_inti_flags_trigger  = [4]string{"dfl", "edge", "res", "level"}
)

// madt_enabled: the word Linux's acpi_table_print_madt_entry prints for
// a processor entry's flags.
func madt_enabled(flags uint32) string {
	if flags&ACPI_MADT_ENABLED != 0 {
		return "enabled"
	}
	return "disabled"
}

// Acpi_table_print_madt_entry prints a MADT subtable as Linux does:
//
//	ACPI: LAPIC (acpi_id[0x00] lapic_id[0x00] enabled)
//	ACPI: IOAPIC (id[0x00] address[0xfec00000] gsi_base[0])
//	ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)
//	ACPI: LAPIC_NMI (acpi_id[0xff] dfl dfl lint[0x1])
func Acpi_table_print_madt_entry(e []byte) {
	switch e[0] {
	case ACPI_MADT_TYPE_LOCAL_APIC:
		p := (*AcpiMadtLocalApic)(e[:ACPI_MADT_LOCAL_APIC_SIZE])
		printk.Pr_info("ACPI: LAPIC (acpi_id[0x%02x] lapic_id[0x%02x] %s)\n", printk.Int(p.Processor_id()), printk.Int(p.Id()), printk.Str(madt_enabled(p.Lapic_flags())))
	case ACPI_MADT_TYPE_LOCAL_X2APIC:
		p := (*AcpiMadtLocalX2apic)(e[:ACPI_MADT_LOCAL_X2APIC_SIZE])
		printk.Pr_info("ACPI: X2APIC (apic_id[0x%02x] uid[0x%02x] %s)\n", printk.Int(p.Local_apic_id()), printk.Int(p.Uid()), printk.Str(madt_enabled(p.Lapic_flags())))
	case ACPI_MADT_TYPE_IO_APIC:
		p := (*AcpiMadtIoApic)(e[:ACPI_MADT_IO_APIC_SIZE])
		printk.Pr_info("ACPI: IOAPIC (id[0x%02x] address[0x%08x] gsi_base[%d])\n", printk.Int(p.Id()), printk.Int(p.Address()), printk.Int(p.Global_irq_base()))
	case ACPI_MADT_TYPE_INTERRUPT_OVERRIDE:
		p := (*AcpiMadtInterruptOverride)(e[:ACPI_MADT_INTERRUPT_OVERRIDE_SIZE])
		f := p.Inti_flags()
		printk.Pr_info("ACPI: INT_SRC_OVR (bus %d bus_irq %d global_irq %d %s %s)\n", printk.Int(p.Bus()), printk.Int(p.Source_irq()),
			printk.Int(p.Global_irq()), printk.Str(mps_inti_flags_polarity[f&ACPI_MADT_POLARITY_MASK]), printk.Str(mps_inti_flags_trigger[(f&ACPI_MADT_TRIGGER_MASK)>>2]))
	case ACPI_MADT_TYPE_NMI_SOURCE:
		p := (*AcpiMadtNmiSource)(e[:ACPI_MADT_NMI_SOURCE_SIZE])
		f := p.Inti_flags()
		printk.Pr_info("ACPI: NMI_SRC (%s %s global_irq %d)\n", printk.Str(mps_inti_flags_polarity[f&ACPI_MADT_POLARITY_MASK]),
			printk.Str(mps_inti_flags_trigger[(f&ACPI_MADT_TRIGGER_MASK)>>2]), printk.Int(p.Global_irq()))
	case ACPI_MADT_TYPE_LOCAL_APIC_NMI:
		p := (*AcpiMadtLocalApicNmi)(e[:ACPI_MADT_LOCAL_APIC_NMI_SIZE])
		f := p.Inti_flags()
		printk.Pr_info("ACPI: LAPIC_NMI (acpi_id[0x%02x] %s %s lint[0x%x])\n", printk.Int(p.Processor_id()),
			printk.Str(mps_inti_flags_polarity[f&ACPI_MADT_POLARITY_MASK]), printk.Str(mps_inti_flags_trigger[(f&ACPI_MADT_TRIGGER_MASK)>>2]), printk.Int(p.Lint()))
	case ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE:
		p := (*AcpiMadtLocalApicOverride)(e[:ACPI_MADT_LOCAL_APIC_OVERRIDE_SIZE])
		printk.Pr_info("ACPI: LAPIC_ADDR_OVR (address[0x%016x])\n", printk.Int(p.Address()))
	default:
		printk.Pr_warn("ACPI: Found unsupported MADT entry (type = 0x%x)\n", printk.Int(e[0]))
	}
}
