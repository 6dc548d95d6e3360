package apic

import (
	"gokern/arch/amd64/asm"
	"gokern/drivers/acpi"
	"gokern/memblock"
	"gokern/printk"
)

// The MP table: the Intel MultiProcessor Specification's tables, which a
// PC BIOS provides besides (or, on old machines, instead of) ACPI's MADT.
// Linux: arch/x86/kernel/mpparse.c (find_smp_config → smp_scan_config,
// get_smp_config → default_get_smp_config → smp_read_mpc). Seeds: 004
// "find smp configure" (the gdb session that finds "_MP_" at 0xf0b20).
// gokern reads the tables through the same mapping layer as ACPI's
// (acpi.Osl: early_memremap in the kernel, a simulated RAM in tests).

const (
	MAX_MP_BUSSES   = 256
	MAX_IRQ_SOURCES = 64 // Linux: 256
	MP_ISA_BUS      = 0  // the bus number ACPI's legacy IRQs are said to be on
	// SMP_MAGIC_IDENT: "_MP_" as a little-endian word.
	SMP_MAGIC_IDENT = '_' | 'M'<<8 | 'P'<<16 | '_'<<24
)

var (
	// Smp_found_config: an MP table or an ACPI MADT describes the
	// machine (Linux smp_found_config).
	Smp_found_config bool
	// Mpf_found and mpf_base: where find_smp_config found "_MP_".
	Mpf_found bool
	mpf_base  uint64
	// Pic_mode: the MP table says the machine starts in PIC mode, with an
	// IMCR to switch to the APIC (Linux pic_mode; QEMU uses virtual wire).
	Pic_mode bool
	// Num_processors, Disabled_cpus: usable and unusable CPUs found.
	Num_processors, Disabled_cpus int
	// Mp_bus_not_pci marks the ISA (and EISA) buses: the buses whose
	// interrupts are ISA IRQs (Linux mp_bus_not_pci).
	Mp_bus_not_pci [MAX_MP_BUSSES]bool
	// Mp_irqs are the interrupt sources: which bus IRQ arrives on which
	// I/O APIC pin, with which polarity and trigger. From the MP table's
	// MP_INTSRC entries, or built from ACPI (mp_override_legacy_irq,
	// mp_config_acpi_legacy_irqs). Linux mp_irqs, mp_irq_entries.
	Mp_irqs        [MAX_IRQ_SOURCES]asm.MpcIntsrc
	Mp_irq_entries int
	// mp_osl maps the tables.
	mp_osl acpi.Osl
)

func mpf_checksum(b []byte) uint8 {
	var sum uint8
	for _, c := range b {
		sum += c
	}
	return sum
}

// smp_scan_config looks for the floating pointer in [base, base+length)
// on 16-byte boundaries (Linux smp_scan_config): "_MP_", one paragraph
// long, checksum zero, specification 1.1 or 1.4.
func smp_scan_config(base, length uint64) bool {
	b, ok := mp_osl.Acpi_os_map_memory(base, length)
	if !ok {
		return false
	}
	found := false
	for off := uint64(0); off+asm.MPF_INTEL_SIZE <= length; off += 16 {
		p := b[off : off+asm.MPF_INTEL_SIZE]
		mpf := (*asm.MpfIntel)(p)
		if string(p[:4]) == "_MP_" && mpf.Length() == 1 && mpf_checksum(p) == 0 &&
			(mpf.Specification() == 1 || mpf.Specification() == 4) {
			Smp_found_config, Mpf_found, mpf_base = true, true, base+off
			found = true
			break
		}
	}
	mp_osl.Acpi_os_unmap_memory(b)
	if found {
		printk.Pr_info("found SMP MP-table at [mem %#010x-%#010x]\n", printk.Int(mpf_base), printk.Int(mpf_base+asm.MPF_INTEL_SIZE-1))
		smp_reserve_memory()
	}
	return found
}

// smp_reserve_memory keeps the allocator off the floating pointer and the
// table (Linux smp_reserve_memory).
func smp_reserve_memory() {
	memblock.Memblock_reserve(mpf_base, asm.MPF_INTEL_SIZE)
	b, ok := mp_osl.Acpi_os_map_memory(mpf_base, asm.MPF_INTEL_SIZE)
	if !ok {
		return
	}
	phys := uint64((*asm.MpfIntel)(b).Physptr())
	mp_osl.Acpi_os_unmap_memory(b)
	if phys == 0 {
		return
	}
	if h, ok := mp_osl.Acpi_os_map_memory(phys, asm.MPC_TABLE_SIZE); ok {
		size := uint64((*asm.MpcTable)(h).Length())
		mp_osl.Acpi_os_unmap_memory(h)
		memblock.Memblock_reserve(phys, max(size, asm.MPC_TABLE_SIZE))
	}
}

// Find_smp_config scans where the MP specification (§4) says the floating
// pointer may be: the first KiB of memory, the last KiB of base memory,
// the BIOS ROM at 0xF0000-0xFFFFF, then the first KiB of the EBDA (Linux
// default_find_smp_config). ebda is the EBDA's address from the BIOS data
// area (0 if none).
func Find_smp_config(osl acpi.Osl, ebda uint64) {
	mp_osl = osl
	Smp_found_config, Mpf_found, mpf_base = false, false, 0
	if smp_scan_config(0x0, 0x400) || smp_scan_config(639*0x400, 0x400) || smp_scan_config(0xf0000, 0x10000) {
		return
	}
	if ebda != 0 {
		smp_scan_config(ebda, 0x400)
	}
}

// smp_check_mpc checks the configuration table's header: signature,
// checksum over the base table, version, local APIC address (Linux
// smp_check_mpc). It prints the OEM and product IDs as Linux does.
func smp_check_mpc(mpc []byte) bool {
	m := (*asm.MpcTable)(mpc[:asm.MPC_TABLE_SIZE])
	if string(mpc[:4]) != "PCMP" {
		printk.Pr_err("MPTABLE: bad signature [%c%c%c%c]!\n", printk.Int(mpc[0]), printk.Int(mpc[1]), printk.Int(mpc[2]), printk.Int(mpc[3]))
		return false
	}
	if mpf_checksum(mpc) != 0 {
		printk.Pr_err("MPTABLE: checksum error!\n")
		return false
	}
	if m.Spec() != 1 && m.Spec() != 4 {
		printk.Pr_err("MPTABLE: bad table version (%d)!!\n", printk.Int(m.Spec()))
		return false
	}
	if m.Lapic() == 0 {
		printk.Pr_err("MPTABLE: null local APIC address!\n")
		return false
	}
	var oem, prod [12]byte
	printk.Pr_info("MPTABLE: OEM ID: %s\n", printk.Bytes(fix_string(oem[:8], m.Oem())))
	printk.Pr_info("MPTABLE: Product ID: %s\n", printk.Bytes(fix_string(prod[:12], m.Productid())))
	printk.Pr_info("MPTABLE: APIC at: 0x%X\n", printk.Int(m.Lapic()))
	return true
}

// fix_string copies a fixed-width name with anything unprintable as '?'.
func fix_string(out, in []byte) []byte {
	n := copy(out, in)
	for i := range out[:n] {
		if out[i] < ' ' || out[i] > '~' {
			out[i] = '?'
		}
	}
	return out[:n]
}

// MP_processor_info records a processor entry (Linux MP_processor_info).
func MP_processor_info(m *asm.MpcCpu) {
	if m.Cpuflag()&asm.CPU_ENABLED == 0 {
		Disabled_cpus++
		return
	}
	bootup := ""
	if m.Cpuflag()&asm.CPU_BOOTPROCESSOR != 0 {
		bootup = " (Bootup-CPU)"
		Boot_cpu_physical_apicid = int(m.Apicid())
	}
	printk.Pr_info("Processor #%d%s\n", printk.Int(m.Apicid()), printk.Str(bootup))
	Generic_processor_info(uint32(m.Apicid()))
}

// MP_bus_info records which buses are ISA (Linux MP_bus_info).
func MP_bus_info(m *asm.MpcBus) {
	t := m.Bustype()
	switch {
	case string(t[:3]) == "ISA", string(t[:4]) == "EISA":
		Mp_bus_not_pci[m.Busid()] = true
	case string(t[:3]) == "PCI":
		Mp_bus_not_pci[m.Busid()] = false
	default:
		var s [8]byte
		printk.Pr_warn("Unknown bustype %s - ignoring\n", printk.Bytes(fix_string(s[:6], t)))
	}
}

// mp_save_irq records an interrupt source, once (Linux mp_save_irq).
func mp_save_irq(m asm.MpcIntsrc) {
	for i := 0; i < Mp_irq_entries; i++ {
		if Mp_irqs[i] == m {
			return
		}
	}
	if Mp_irq_entries == MAX_IRQ_SOURCES {
		printk.Pr_err("Max # of irq sources exceeded!!\n")
		return
	}
	Mp_irqs[Mp_irq_entries] = m
	Mp_irq_entries++
}

// smp_read_mpc parses the configuration table's entries (Linux
// smp_read_mpc). The local APIC's address comes from it when ACPI did not
// give one; processors too.
func smp_read_mpc(mpc []byte) bool {
	if !smp_check_mpc(mpc) {
		return false
	}
	m := (*asm.MpcTable)(mpc[:asm.MPC_TABLE_SIZE])
	if !Acpi_lapic {
		Mp_lapic_addr = uint64(m.Lapic())
	}
	for off := asm.MPC_TABLE_SIZE; off < len(mpc); {
		size := asm.MPC_ENTRY
		if mpc[off] == asm.MP_PROCESSOR {
			size = asm.MPC_CPU_SIZE
		}
		if off+size > len(mpc) {
			printk.Pr_err("MPTABLE: entry type %d at offset %#x runs past the table (%d bytes)\n",
				printk.Int(mpc[off]), printk.Int(off), printk.Int(len(mpc)))
			return false
		}
		e := mpc[off : off+size]
		switch e[0] {
		case asm.MP_PROCESSOR:
			if !Acpi_lapic {
				MP_processor_info((*asm.MpcCpu)(e))
			}
		case asm.MP_BUS:
			MP_bus_info((*asm.MpcBus)(e))
		case asm.MP_IOAPIC:
			if m := (*asm.MpcIoapic)(e); m.Flags()&asm.MPC_APIC_USABLE != 0 {
				Mp_register_ioapic(int(m.Apicid()), m.Apicaddr(), Gsi_top)
			}
		case asm.MP_INTSRC:
			mp_save_irq(asm.Mpc_intsrc(e))
		case asm.MP_LINTSRC:
		default:
			// Linux: "wrong mptable" and smp_dump_mptable.
			printk.Pr_err("MPTABLE: unknown entry type %d at offset %#x: ignoring the rest of the table\n", printk.Int(e[0]), printk.Int(off))
			off = len(mpc)
			continue
		}
		off += size
	}
	if Num_processors == 0 {
		printk.Pr_err("MPTABLE: no processors registered!\n")
	}
	return Num_processors != 0
}

// Get_smp_config reads the MP table find_smp_config found, unless ACPI
// described the local and I/O APICs already (Linux default_get_smp_config:
// "MPS doesn't support hyperthreading", so ACPI wins). A table that fails
// its checks is reported and leaves Smp_found_config false: the kernel
// then runs on the 8259s alone.
func Get_smp_config() {
	if !Mpf_found || (Acpi_lapic && Acpi_ioapic) {
		return
	}
	b, ok := mp_osl.Acpi_os_map_memory(mpf_base, asm.MPF_INTEL_SIZE)
	if !ok {
		return
	}
	mpf := *(*asm.MpfIntel)(b)
	mp_osl.Acpi_os_unmap_memory(b)
	printk.Pr_info("Intel MultiProcessor Specification v1.%d\n", printk.Int(mpf.Specification()))
	if mpf.Feature2()&(1<<7) != 0 {
		printk.Pr_info("    IMCR and PIC compatibility mode.\n")
		Pic_mode = true
	} else {
		printk.Pr_info("    Virtual Wire compatibility mode.\n")
	}
	if mpf.Feature1() != 0 {
		// A "default configuration" (MP spec chapter 5) has no table.
		printk.Pr_err("MPTABLE: default configuration %d is not supported: no MP table\n", printk.Int(mpf.Feature1()))
		Smp_found_config = false
		return
	}
	phys := uint64(mpf.Physptr())
	h, ok := mp_osl.Acpi_os_map_memory(phys, asm.MPC_TABLE_SIZE)
	if phys == 0 || !ok {
		printk.Pr_err("MPTABLE: the configuration table at %#010x cannot be mapped\n", printk.Int(phys))
		Smp_found_config = false
		return
	}
	size := uint64((*asm.MpcTable)(h).Length())
	mp_osl.Acpi_os_unmap_memory(h)
	mpc, ok := mp_osl.Acpi_os_map_memory(phys, max(size, asm.MPC_TABLE_SIZE))
	if size < asm.MPC_TABLE_SIZE || !ok {
		if ok {
			mp_osl.Acpi_os_unmap_memory(mpc)
		}
		printk.Pr_err("MPTABLE: configuration table at %#010x has a bad length %d\n", printk.Int(phys), printk.Int(size))
		Smp_found_config = false
		return
	}
	ok = smp_read_mpc(mpc)
	mp_osl.Acpi_os_unmap_memory(mpc)
	if !ok {
		printk.Pr_err("BIOS bug, MP table errors detected!...\n")
		printk.Pr_err("... disabling SMP support. (tell your hw vendor)\n")
		Smp_found_config = false
		Nr_ioapics, Mp_irq_entries = 0, 0
		return
	}
	printk.Pr_info("Processors: %d\n", printk.Int(Num_processors))
}
