package amd64

import (
	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	x86mm "gokern/arch/amd64/mm"
	"gokern/arch/amd64/realmode"
	"gokern/cmdline"
	"gokern/e820"
	"gokern/printk"
)

// The firmware's interrupt-controller tables in setup_arch, in the order
// of seeds/004: ACPI (acpi_boot_table_init, early_acpi_boot_init), the MP
// table scan (find_smp_config), the MADT read (acpi_boot_init), the MP
// table read if ACPI did not describe the APICs (get_smp_config), then
// the local APIC's mapping (init_apic_mappings). Linux: setup_arch in
// arch/x86/kernel/setup.c calls the same functions (find_smp_config
// before init_mem_mapping there: gokern reads every table through the
// fixmap, which needs the final page tables).

// acpiOsl is the kernel's ACPI OS layer (Linux drivers/acpi/osl.c
// acpi_os_map_memory): an early_memremap of the range, read-only, refused
// when the range is not in the firmware's memory map — the first MiB
// (the BIOS's own area, which ACPI 6.5 §5.2.5.1 says to search) or an
// E820 entry of RAM, reserved, ACPI or NVS type. A table the firmware
// claims is elsewhere (over a hole, past the end of memory) is reported
// by the table code and ignored, never read.
type acpiOsl struct{}

var acpi_osl acpiOsl

func acpi_range_mapped(pa, size uint64) bool {
	end := pa + size
	if size == 0 || end < pa || end > 1<<asm.X__PHYSICAL_MASK_SHIFT {
		return false
	}
	if end <= e820.ISA_END_ADDRESS {
		return true
	}
	for _, t := range [...]e820.E820Type{e820.E820_TYPE_ACPI, e820.E820_TYPE_NVS, e820.E820_TYPE_RESERVED, e820.E820_TYPE_RAM} {
		if e820.E820__mapped_all(&e820.E820_table, pa, end, t) {
			return true
		}
	}
	return false
}

func (*acpiOsl) Acpi_os_map_memory(pa, size uint64) ([]byte, bool) {
	if !acpi_range_mapped(pa, size) {
		return nil, false
	}
	return x86mm.Early_memremap_ro(pa, size)
}

func (*acpiOsl) Acpi_os_unmap_memory(b []byte) { x86mm.Early_memunmap(b) }

// The command-line options of this stage (Linux early_param):
// "acpi=off" (arch/x86/kernel/acpi/boot.c parse_acpi), "noapic"
// (apic/io_apic.c), "nolapic" (apic/apic.c).
var acpi_off bool

func parse_acpi(val []byte) {
	switch string(val) {
	case "off":
		acpi_off = true
	default:
		printk.Pr_warn("acpi=%s: gokern knows acpi=off only; ignored\n", printk.Bytes(val))
	}
}

// rsdpParam is "acpi_rsdp=ADDR", the RSDP's physical address given on the
// command line, which wins over the boot loader's (Linux setup_acpi_rsdp,
// drivers/acpi/osl.c; for kexec, and here for the boot tests' bad
// input).
var rsdpParam uint64

func parse_acpi_rsdp(val []byte) {
	v, rest, err := cmdline.Simple_strtoull(val)
	if err != cmdline.OK || len(rest) != 0 || v == 0 {
		printk.Pr_warn("acpi_rsdp=%s: not an address; ignored\n", printk.Escaped(val))
		return
	}
	rsdpParam = v
}

func parse_noapic(val []byte)  { apic.Skip_ioapic_setup = true }
func parse_nolapic(val []byte) { apic.Disable_apic = true }

// parse_nox2apic: "nox2apic" (Linux setup_nox2apic), acted on by
// apic.Check_x2apic.
func parse_nox2apic(val []byte) { apic.Nox2apic = true }

// parse_acpi_skip_timer_override: "acpi_skip_timer_override" (Linux
// arch/x86/kernel/acpi/boot.c).
func parse_acpi_skip_timer_override(val []byte) { apic.Acpi_skip_timer_override = true }

// acpi_and_mp_setup reads the tables and maps the local APIC.
func acpi_and_mp_setup() {
	// Where the RSDP is (Linux acpi_os_get_root_pointer): acpi_rsdp=,
	// then the loader's boot_params, then on a UEFI boot the system
	// table's configuration tables (efi.go), else the BIOS areas' scan.
	rsdp := Boot_params.Acpi_rsdp_addr()
	if rsdpParam != 0 {
		rsdp = rsdpParam
	}
	if efi, efi64 := efi_boot(); rsdp == 0 && efi && !acpi_off {
		rsdp = Efi_get_rsdp_addr(&acpi_osl, Boot_params.Efi_systab(), efi64)
	}
	// The APIC's mode first: the MADT's x2APIC entries are valid or not
	// by it (Linux check_x2apic, early in setup_arch).
	apic.Check_x2apic()
	apic.Acpi_boot_table_init(&acpi_osl, rsdp, acpi_off)
	apic.Find_smp_config(&acpi_osl, uint64(EbdaStart))
	apic.Acpi_boot_init()
	// The PM timer's and the HPET's starting points for time_init's
	// check of the TSC.
	tsc_pm_start()
	hpet_enable()
	tsc_check_stall()
	apic.Get_smp_config()
	if !apic.Smp_found_config {
		printk.Pr_info("No ACPI MADT and no MP table: the 8259s will carry the interrupts\n")
	}
	apic.Init_apic_mappings()
	// Which CPU numbers can ever run (Linux setup_arch calls
	// prefill_possible_map right after init_apic_mappings), and a page
	// below 1 MiB for the APs' trampoline while memblock still allocates
	// (Linux reserve_real_mode, earlier in setup_arch).
	Prefill_possible_map()
	realmode.Reserve_real_mode()
}
