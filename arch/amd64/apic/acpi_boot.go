package apic

import (
	"encoding/binary"

	"gokern/arch/amd64/asm"
	"gokern/drivers/acpi"
	"gokern/memblock"
	"gokern/printk"
)

// From ACPI's tables to the APIC configuration. Linux:
// arch/x86/kernel/acpi/boot.c (acpi_boot_table_init, early_acpi_boot_init,
// acpi_boot_init, acpi_parse_madt, acpi_parse_lapic, acpi_parse_ioapic,
// acpi_parse_int_src_ovr, acpi_parse_lapic_nmi, acpi_parse_fadt,
// acpi_parse_hpet) and drivers/acpi/tables.c (acpi_reserve_initial_tables).

var (
	// Acpi_lapic and Acpi_ioapic: the MADT described the local APICs and
	// the I/O APICs (Linux acpi_lapic, acpi_ioapic).
	Acpi_lapic, Acpi_ioapic bool
	// Hpet_address: the HPET's registers, from the HPET table (Linux
	// hpet_address); 0 if none.
	Hpet_address uint64
)

// Acpi_boot_table_init finds the ACPI tables (Linux acpi_boot_table_init
// → acpi_table_init), unless "acpi=off" said not to, and keeps the
// allocator off them (Linux acpi_reserve_initial_tables).
func Acpi_boot_table_init(osl acpi.Osl, rsdp_hint uint64, acpi_off bool) {
	Acpi_lapic, Acpi_ioapic, Hpet_address = false, false, 0
	if acpi_off {
		acpi.Acpi_disabled = true
		printk.Pr_info("ACPI: disabled by acpi=off\n")
		return
	}
	if acpi.Acpi_table_init(osl, rsdp_hint) != 0 {
		return
	}
	for i := 0; i < acpi.Acpi_gbl_root_table_count; i++ {
		d := &acpi.Acpi_gbl_root_table_list[i]
		printk.Pr_info("ACPI: Reserving %s table memory at [mem %#x-%#x]\n", printk.Bytes(d.Signature[:]),
			printk.Int(d.Address), printk.Int(d.Address+uint64(d.Length)-1))
		memblock.Memblock_reserve(d.Address, uint64(d.Length))
	}
}

// acpi_parse_madt takes the local APIC's address from the MADT's header.
func acpi_parse_madt(t []byte) int {
	Mp_lapic_addr = uint64(binary.LittleEndian.Uint32(t[acpi.ACPI_MADT_ADDRESS:]))
	return 0
}

func acpi_parse_lapic_addr_ovr(e []byte) int {
	acpi.Acpi_table_print_madt_entry(e)
	Mp_lapic_addr = (*acpi.AcpiMadtLocalApicOverride)(e).Address()
	return 0
}

// acpi_parse_lapic: a processor (Linux acpi_parse_lapic →
// acpi_register_lapic). The boot CPU is not known from the MADT: the
// first enabled entry is taken until its APIC ID register says.
func acpi_parse_lapic(e []byte) int {
	p := (*acpi.AcpiMadtLocalApic)(e)
	acpi.Acpi_table_print_madt_entry(e)
	if p.Lapic_flags()&acpi.ACPI_MADT_ENABLED == 0 {
		Disabled_cpus++
		return 0
	}
	if Num_processors == 0 {
		Boot_cpu_physical_apicid = int(p.Id())
	}
	Generic_processor_info(uint32(p.Id()))
	return 0
}

// has_lapic_cpus: the MADT had Local APIC entries, parsed before the
// x2APIC ones (Linux has_lapic_cpus).
var has_lapic_cpus bool

// acpi_parse_x2apic: a processor with a 32-bit x2APIC ID (Linux
// acpi_parse_x2apic). An invalid ID (0xffffffff) is skipped; so is an ID
// below 0xff when the MADT also lists Local APIC entries (ACPI 6.5
// §5.2.12.12: those processors are described by their Local APIC entries
// then); an ID this APIC mode cannot address (above 0xfe in xAPIC mode)
// is reported and left out.
func acpi_parse_x2apic(e []byte) int {
	p := (*acpi.AcpiMadtLocalX2apic)(e)
	acpi.Acpi_table_print_madt_entry(e)
	id := p.Local_apic_id()
	if id == 0xffffffff {
		return 0
	}
	if p.Lapic_flags()&acpi.ACPI_MADT_ENABLED == 0 {
		Disabled_cpus++
		return 0
	}
	if has_lapic_cpus && id < 0xff {
		return 0
	}
	if !apic_id_valid(id) {
		printk.Pr_warn("x2apic entry ignored\n")
		return 0
	}
	if Num_processors == 0 {
		Boot_cpu_physical_apicid = int(id)
	}
	Generic_processor_info(id)
	return 0
}

// acpi_parse_madt_lapic_entries registers the processors: the Local APIC
// entries, then the x2APIC ones (Linux acpi_parse_madt_lapic_entries). It
// returns how many of each there were (negative: a bad MADT). parse walks
// one type of the MADT's entries (acpi.Acpi_table_parse_madt; a host
// test's table in tests).
func acpi_parse_madt_lapic_entries(parse func(id uint8, h acpi.Acpi_tbl_entry_handler, max int) int) (cpus, x2cpus int) {
	cpus = parse(acpi.ACPI_MADT_TYPE_LOCAL_APIC, acpi_parse_lapic, 0)
	has_lapic_cpus = cpus > 0
	if cpus >= 0 {
		x2cpus = parse(acpi.ACPI_MADT_TYPE_LOCAL_X2APIC, acpi_parse_x2apic, 0)
	}
	return cpus, x2cpus
}

func acpi_parse_lapic_nmi(e []byte) int {
	acpi.Acpi_table_print_madt_entry(e)
	return 0
}

func acpi_parse_ioapic(e []byte) int {
	p := (*acpi.AcpiMadtIoApic)(e)
	acpi.Acpi_table_print_madt_entry(e)
	Mp_register_ioapic(int(p.Id()), p.Address(), p.Global_irq_base())
	return 0
}

// Acpi_skip_timer_override: acpi_skip_timer_override, the IRQ 0 override
// is ignored and IRQ 0 taken to be on pin 0 (Linux's option for BIOSes
// whose override is wrong; on QEMU, where the PIT is on pin 2, it breaks
// the route and check_timer falls back).
var Acpi_skip_timer_override bool

// acpi_parse_int_src_ovr: an ISA IRQ moved to another GSI (Linux
// acpi_parse_int_src_ovr → mp_override_legacy_irq).
func acpi_parse_int_src_ovr(e []byte) int {
	p := (*acpi.AcpiMadtInterruptOverride)(e)
	acpi.Acpi_table_print_madt_entry(e)
	if p.Bus() != 0 || p.Source_irq() >= asm.NR_IRQS_LEGACY {
		printk.Pr_warn("ACPI: INT_SRC_OVR for bus %d IRQ %d: not an ISA IRQ, ignored\n", printk.Int(p.Bus()), printk.Int(p.Source_irq()))
		return 0
	}
	if p.Source_irq() == 0 && Acpi_skip_timer_override {
		printk.Pr_info("ACPI: BIOS IRQ0 override ignored.\n")
		return 0
	}
	f := p.Inti_flags()
	mp_override_legacy_irq(p.Source_irq(), f&acpi.ACPI_MADT_POLARITY_MASK, f&acpi.ACPI_MADT_TRIGGER_MASK, p.Global_irq())
	return 0
}

func acpi_parse_nmi_src(e []byte) int {
	acpi.Acpi_table_print_madt_entry(e)
	return 0
}

// acpi_parse_fadt: the PM timer's port (Linux acpi_parse_fadt).
func acpi_parse_fadt() {
	if acpi.Pmtmr_ioport != 0 {
		printk.Pr_info("ACPI: PM-Timer IO Port: %#x\n", printk.Int(acpi.Pmtmr_ioport))
	}
}

// acpi_parse_hpet: the HPET's address (Linux acpi_parse_hpet).
func acpi_parse_hpet(t []byte) int {
	if len(t) < acpi.ACPI_HPET_SIZE {
		printk.Pr_err("ACPI: HPET table is %d bytes, too short\n", printk.Int(len(t)))
		return -acpi.EINVAL
	}
	id := binary.LittleEndian.Uint32(t[acpi.ACPI_HPET_ID:])
	a := binary.LittleEndian.Uint64(t[acpi.ACPI_HPET_ADDRESS:])
	Hpet_address = a
	printk.Pr_info("ACPI: HPET id: %#x base: %#x\n", printk.Int(id), printk.Int(a))
	return 0
}

// Acpi_boot_init reads the MADT into the APIC configuration: the local
// APIC's address and the processors, then the I/O APICs and the ISA IRQ
// overrides, the legacy IRQs the overrides leave alone, the NMI sources
// (Linux acpi_boot_init → acpi_process_madt → acpi_parse_madt_lapic_entries,
// acpi_parse_madt_ioapic_entries). A MADT that fails — bad checksum,
// truncated entries, no processor or no I/O APIC — is reported and
// dropped whole, and the MP table is used instead.
func Acpi_boot_init() {
	if acpi.Acpi_disabled {
		return
	}
	acpi_parse_fadt()
	if acpi.Acpi_table_parse(acpi.ACPI_SIG_MADT, acpi_parse_madt) != 0 {
		printk.Pr_info("ACPI: no usable MADT: falling back to the MP table\n")
		Mp_lapic_addr = 0
		acpi.Acpi_table_parse(acpi.ACPI_SIG_HPET, acpi_parse_hpet)
		return
	}
	acpi.Acpi_table_parse_madt(acpi.ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE, acpi_parse_lapic_addr_ovr, 0)
	cpus, x2cpus := acpi_parse_madt_lapic_entries(acpi.Acpi_table_parse_madt)
	if cpus <= 0 && x2cpus <= 0 {
		printk.Pr_err("ACPI: no LAPIC entries present in the MADT (%d): falling back to the MP table\n", printk.Int(cpus))
		acpi_madt_reset()
		acpi.Acpi_table_parse(acpi.ACPI_SIG_HPET, acpi_parse_hpet)
		return
	}
	acpi.Acpi_table_parse_madt(acpi.ACPI_MADT_TYPE_LOCAL_APIC_NMI, acpi_parse_lapic_nmi, 0)
	Acpi_lapic = true
	Smp_found_config = true
	n := acpi.Acpi_table_parse_madt(acpi.ACPI_MADT_TYPE_IO_APIC, acpi_parse_ioapic, asm.MAX_IO_APICS)
	switch {
	case n == 0 || Nr_ioapics == 0:
		printk.Pr_info("ACPI: the MADT lists no usable I/O APIC\n")
	case n < 0:
		printk.Pr_err("ACPI: error parsing IO-APIC entries\n")
	default:
		if acpi.Acpi_table_parse_madt(acpi.ACPI_MADT_TYPE_INTERRUPT_OVERRIDE, acpi_parse_int_src_ovr, 0) >= 0 {
			mp_config_acpi_legacy_irqs()
			acpi.Acpi_table_parse_madt(acpi.ACPI_MADT_TYPE_NMI_SOURCE, acpi_parse_nmi_src, 0)
			Acpi_ioapic = true
		}
	}
	if Acpi_lapic && Acpi_ioapic {
		printk.Pr_info("ACPI: Using ACPI (MADT) for SMP configuration information\n")
	} else if Acpi_lapic {
		printk.Pr_info("ACPI: Using ACPI for processor (LAPIC) configuration information\n")
	}
	acpi.Acpi_table_parse(acpi.ACPI_SIG_HPET, acpi_parse_hpet)
}

// acpi_madt_reset forgets what a bad MADT said.
func acpi_madt_reset() {
	Acpi_lapic, Acpi_ioapic = false, false
	Mp_lapic_addr, Num_processors, Disabled_cpus = 0, 0, 0
	reset_cpu_map()
	Boot_cpu_physical_apicid = -1
}
