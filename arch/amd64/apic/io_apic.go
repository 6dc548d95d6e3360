// Package apic is gokern's x86 interrupt-controller setup: the local APIC
// of the CPU (apic.go, apic_timer.go), the I/O APIC that carries the
// devices' interrupts to it (io_apic.go), and the two ways the firmware
// describes them, ACPI's MADT (acpi_boot.go) and the MP table
// (mpparse.go). Linux: arch/x86/kernel/apic/ (apic.c, io_apic.c,
// vector.c), arch/x86/kernel/acpi/boot.c, arch/x86/kernel/mpparse.c; the
// SDM Vol. 3A chapter 11 "Advanced Programmable Interrupt Controller
// (APIC)" and the Intel 82093AA I/O APIC datasheet. Seeds: 002 "IPIs",
// "Hardware Support on x86", "IDT Entries"; 004 "parse the ACPI tables",
// "find smp configure".
//
// Registers are reached through the fixmap, mapped uncached
// (arch/amd64/mm/fixmap.go explains why), with 32-bit accesses only
// (asm.Readl, asm.Writel).
package apic

import (
	"gokern/arch/amd64/asm"
	x86mm "gokern/arch/amd64/mm"
	"gokern/kernel/irq"
	"gokern/printk"
)

// The I/O APIC. Linux: arch/x86/kernel/apic/io_apic.c (mp_register_ioapic,
// io_apic_read/write, ioapic_read/write_entry, clear_IO_APIC,
// setup_IO_APIC, mp_override_legacy_irq's and pin_2_irq's tables,
// ioapic_chip).

// Ioapic is one I/O APIC, Linux struct ioapic.
type Ioapic struct {
	Apicid       uint8  // its APIC ID, as the firmware's table gives it
	Apicver      uint8  // the version register's low byte
	Apicaddr     uint32 // physical address of its registers
	Gsi_base     uint32 // the global system interrupt of pin 0
	Gsi_end      uint32
	Nr_registers int     // redirection entries (pins)
	va           uintptr // its registers' fixmap address
}

var (
	Ioapics    [asm.MAX_IO_APICS]Ioapic
	Nr_ioapics int
	// Gsi_top is one past the highest GSI of any I/O APIC (Linux gsi_top).
	Gsi_top uint32
	// Skip_ioapic_setup: "noapic" (Linux skip_ioapic_setup /
	// ioapic_is_disabled): the I/O APIC stays unused, devices go through
	// the 8259s.
	Skip_ioapic_setup bool
)

// ioapic_probe maps I/O APIC idx's registers and returns its ID, version
// and arbitration registers. A variable, so that the host tests can stand
// in for the hardware; io_apic_probe_hw in the kernel.
var ioapic_probe = io_apic_probe_hw

func io_apic_probe_hw(idx int) (reg_00, reg_01, reg_02 uint32) {
	x86mm.Set_fixmap_nocache(asm.FIX_IO_APIC_BASE_0+idx, uint64(Ioapics[idx].Apicaddr)&^(asm.PAGE_SIZE-1))
	Ioapics[idx].va = x86mm.Fix_to_virt(asm.FIX_IO_APIC_BASE_0+idx) + uintptr(Ioapics[idx].Apicaddr&(asm.PAGE_SIZE-1))
	return io_apic_read(idx, asm.IO_APIC_ID), io_apic_read(idx, asm.IO_APIC_VERSION), io_apic_read(idx, asm.IO_APIC_ARB)
}

// bad_ioapic_register: nothing answers at the address the firmware gave
// (Linux bad_ioapic_register): the three registers read as all ones, as
// an empty bus returns, or — gokern — as all zeros, as QEMU's unassigned
// memory returns: -machine isapc has no I/O APIC, but SeaBIOS's MP table
// lists one at 0xfec00000, which read as version 0 with one pin, and the
// kernel routed IRQs to pins that did not exist and masked pins that
// ignored it (the ioapic selftest found pin 0 "live"). No I/O APIC reads
// all zeros: the version register holds 0x11 (82093AA) or 0x20 (ICH) and
// the number of pins.
func bad_ioapic_register(address, reg_00, reg_01, reg_02 uint32) bool {
	switch {
	case reg_00 == 0xffffffff && reg_01 == 0xffffffff && reg_02 == 0xffffffff:
		printk.Pr_warn("I/O APIC 0x%x registers return all ones, skipping!\n", printk.Int(address))
		return true
	case reg_00 == 0 && reg_01 == 0 && reg_02 == 0:
		printk.Pr_warn("I/O APIC 0x%x registers return all zeros (no I/O APIC has version 0), skipping!\n", printk.Int(address))
		return true
	}
	return false
}

// Mp_register_ioapic records an I/O APIC the firmware described, maps it
// and reads how many pins it has (Linux mp_register_ioapic):
//
//	IOAPIC[0]: apic_id 0, version 17, address 0xfec00000, GSI 0-23
func Mp_register_ioapic(id int, address uint32, gsi_base uint32) {
	if address == 0 {
		printk.Pr_warn("Bogus (zero) I/O APIC address found in table, skipping!\n")
		return
	}
	for i := 0; i < Nr_ioapics; i++ {
		if Ioapics[i].Apicaddr == address {
			printk.Pr_warn("ioapic: duplicate I/O APIC at 0x%08x, skipping!\n", printk.Int(address))
			return
		}
	}
	if Nr_ioapics == asm.MAX_IO_APICS {
		printk.Pr_warn("WARNING: Max # of I/O APICs (%d) exceeded (found %d), skipping\n",
			printk.Int(asm.MAX_IO_APICS), printk.Int(Nr_ioapics+1))
		return
	}
	idx := Nr_ioapics
	Ioapics[idx] = Ioapic{Apicid: uint8(id), Apicaddr: address, Gsi_base: gsi_base}
	reg_00, reg_01, reg_02 := ioapic_probe(idx)
	if bad_ioapic_register(address, reg_00, reg_01, reg_02) {
		Ioapics[idx] = Ioapic{}
		return
	}
	ver, entries := uint8(reg_01), int((reg_01>>16)&0xff)+1
	Ioapics[idx].Apicver, Ioapics[idx].Nr_registers = ver, entries
	Ioapics[idx].Gsi_end = gsi_base + uint32(entries) - 1
	Gsi_top = max(Gsi_top, Ioapics[idx].Gsi_end+1)
	Nr_ioapics++
	printk.Pr_info("IOAPIC[%d]: apic_id %d, version %d, address 0x%x, GSI %d-%d\n", printk.Int(idx), printk.Int(id),
		printk.Int(ver), printk.Int(address), printk.Int(gsi_base), printk.Int(Ioapics[idx].Gsi_end))
}

// mp_find_ioapic returns the I/O APIC that carries gsi, or -1 (Linux
// mp_find_ioapic).
func mp_find_ioapic(gsi uint32) int {
	for i := 0; i < Nr_ioapics; i++ {
		if gsi >= Ioapics[i].Gsi_base && gsi <= Ioapics[i].Gsi_end {
			return i
		}
	}
	return -1
}

// ioapic_by_apicid returns the I/O APIC with that APIC ID (MP_APIC_ALL:
// the first), or -1.
func ioapic_by_apicid(id uint8) int {
	for i := 0; i < Nr_ioapics; i++ {
		if Ioapics[i].Apicid == id || id == asm.MP_APIC_ALL {
			return i
		}
	}
	return -1
}

// IsaRoute is where an ISA IRQ arrives: I/O APIC Apic's pin Pin, with the
// entry to program there (gokern; Linux spreads it over find_irq_entry,
// pin_2_irq, irq_polarity, irq_trigger and ioapic_setup_entry).
type IsaRoute struct {
	Apic, Pin int
	Entry     asm.IOAPICRouteEntry
}

// Ioapic_isa_route finds ISA IRQ irq's interrupt source in Mp_irqs and
// builds its redirection entry: its ISA vector, fixed delivery to the
// boot CPU in physical mode, the source's polarity and trigger (ISA's
// "conforming" default is active high, edge), masked until a driver
// requests the IRQ. ok=false if no source names it.
func Ioapic_isa_route(isa int) (r IsaRoute, ok bool) {
	for i := 0; i < Mp_irq_entries; i++ {
		m := &Mp_irqs[i]
		if m.Irqtype != asm.MP_INT || !Mp_bus_not_pci[m.Srcbus] || int(m.Srcbusirq) != isa {
			continue
		}
		apic := ioapic_by_apicid(m.Dstapic)
		if apic < 0 || (Ioapics[apic].Nr_registers != 0 && int(m.Dstirq) >= Ioapics[apic].Nr_registers) {
			printk.Pr_warn("ioapic: IRQ %d routed to I/O APIC %d pin %d, which does not exist\n",
				printk.Int(isa), printk.Int(m.Dstapic), printk.Int(m.Dstirq))
			return r, false
		}
		e := asm.IOAPICRouteEntry(asm.ISA_IRQ_VECTOR(isa)) | asm.IO_APIC_DM_FIXED | asm.IO_APIC_MASKED
		e |= asm.IOAPICRouteEntry(uint64(max(Boot_cpu_physical_apicid, 0)) << asm.IO_APIC_DEST_SHIFT)
		if m.Irqflag&asm.MP_IRQPOL_MASK == asm.MP_IRQPOL_ACTIVE_LOW {
			e |= asm.IO_APIC_ACTIVE_LOW
		}
		if m.Irqflag&asm.MP_IRQTRIG_MASK == asm.MP_IRQTRIG_LEVEL {
			e |= asm.IO_APIC_LEVEL
		}
		return IsaRoute{Apic: apic, Pin: int(m.Dstirq), Entry: e}, true
	}
	return r, false
}

// mp_override_legacy_irq records an ACPI interrupt source override: ISA
// IRQ bus_irq arrives on GSI gsi (Linux mp_override_legacy_irq).
func mp_override_legacy_irq(bus_irq uint8, polarity, trigger uint16, gsi uint32) {
	apic := mp_find_ioapic(gsi)
	if apic < 0 {
		printk.Pr_warn("ACPI: INT_SRC_OVR to GSI %d, which no I/O APIC has: ignored\n", printk.Int(gsi))
		return
	}
	mp_save_irq(asm.MpcIntsrc{Type: asm.MP_INTSRC, Irqtype: asm.MP_INT, Irqflag: polarity | trigger,
		Srcbus: MP_ISA_BUS, Srcbusirq: bus_irq, Dstapic: Ioapics[apic].Apicid, Dstirq: uint8(gsi - Ioapics[apic].Gsi_base)})
}

// mp_config_acpi_legacy_irqs identity-maps every ISA IRQ that no override
// moved: IRQ n on GSI n, conforming (Linux mp_config_acpi_legacy_irqs).
func mp_config_acpi_legacy_irqs() {
	Mp_bus_not_pci[MP_ISA_BUS] = true
	apic := mp_find_ioapic(0)
	if apic < 0 {
		return
	}
	for i := 0; i < asm.NR_IRQS_LEGACY; i++ {
		taken := false
		for j := 0; j < Mp_irq_entries; j++ {
			m := &Mp_irqs[j]
			// An override already names this IRQ, or its pin.
			if m.Srcbus == MP_ISA_BUS && (int(m.Srcbusirq) == i || (m.Dstapic == Ioapics[apic].Apicid && int(m.Dstirq) == i)) {
				taken = true
			}
		}
		if !taken {
			mp_save_irq(asm.MpcIntsrc{Type: asm.MP_INTSRC, Irqtype: asm.MP_INT, Srcbus: MP_ISA_BUS,
				Srcbusirq: uint8(i), Dstapic: Ioapics[apic].Apicid, Dstirq: uint8(i)})
		}
	}
}

// io_apic_read and io_apic_write: select a register through IOREGSEL,
// move it through IOWIN (82093AA §3.1).
func io_apic_read(apic int, reg uint32) uint32 {
	asm.Writel(reg, Ioapics[apic].va+asm.IO_APIC_INDEX)
	return asm.Readl(Ioapics[apic].va + asm.IO_APIC_DATA)
}

func io_apic_write(apic int, reg, value uint32) {
	asm.Writel(reg, Ioapics[apic].va+asm.IO_APIC_INDEX)
	asm.Writel(value, Ioapics[apic].va+asm.IO_APIC_DATA)
}

// Ioapic_read_entry reads pin's redirection entry (Linux
// ioapic_read_entry).
func Ioapic_read_entry(apic, pin int) asm.IOAPICRouteEntry {
	lo := io_apic_read(apic, asm.IO_APIC_REDTBL+2*uint32(pin))
	hi := io_apic_read(apic, asm.IO_APIC_REDTBL+2*uint32(pin)+1)
	return asm.IOAPICRouteEntry(uint64(hi)<<32 | uint64(lo))
}

// ioapic_write_entry writes the high half first, so that the entry is
// never live with half of the new destination (Linux
// __ioapic_write_entry).
func ioapic_write_entry(apic, pin int, e asm.IOAPICRouteEntry) {
	io_apic_write(apic, asm.IO_APIC_REDTBL+2*uint32(pin)+1, uint32(e>>32))
	io_apic_write(apic, asm.IO_APIC_REDTBL+2*uint32(pin), uint32(e))
}

// clear_IO_APIC masks every pin of every I/O APIC (Linux clear_IO_APIC):
// the firmware may have left some live.
func clear_IO_APIC() {
	for a := 0; a < Nr_ioapics; a++ {
		for pin := 0; pin < Ioapics[a].Nr_registers; pin++ {
			ioapic_write_entry(a, pin, asm.IO_APIC_MASKED)
		}
	}
}

// The I/O APIC as an irq_chip: its lines mask and unmask in their
// redirection entry; the end of an interrupt is the local APIC's EOI,
// which for a level line also clears the entry's Remote IRR (Linux
// ioapic_chip: mask_ioapic_irq, unmask_ioapic_irq, ioapic_ack_level,
// apic_ack_irq).

func ioapic_set_mask(d *irq.IrqData, masked bool) {
	apic, pin := int(d.Chip_data), int(d.Hwirq)
	e := Ioapic_read_entry(apic, pin)
	if masked {
		e |= asm.IO_APIC_MASKED
	} else {
		e &^= asm.IO_APIC_MASKED
	}
	io_apic_write(apic, asm.IO_APIC_REDTBL+2*uint32(pin), uint32(e))
}

func mask_ioapic_irq(d *irq.IrqData)   { ioapic_set_mask(d, true) }
func unmask_ioapic_irq(d *irq.IrqData) { ioapic_set_mask(d, false) }
func apic_ack_irq(d *irq.IrqData)      { Apic_eoi() }

// Ioapic_chip is the I/O APIC's irq_chip (Linux ioapic_chip, "IO-APIC").
var Ioapic_chip = irq.IrqChip{
	Name:       "IO-APIC",
	Irq_mask:   mask_ioapic_irq,
	Irq_unmask: unmask_ioapic_irq,
	Irq_ack:    apic_ack_irq,
	Irq_eoi:    apic_ack_irq,
}

// Setup_IO_APIC masks every pin, then programs the ISA IRQs' pins from
// the interrupt sources (masked: request_irq unmasks them) and makes the
// I/O APIC their controller in the IRQ layer: edge lines with
// handle_edge_irq, level lines with handle_fasteoi_irq (Linux
// setup_IO_APIC → setup_IO_APIC_irqs, io_apic_setup_irq_pin). It returns
// how many ISA IRQs it routed.
func Setup_IO_APIC() int {
	find_ioapic_i8259()
	clear_IO_APIC()
	n := 0
	for isa := 0; isa < asm.NR_IRQS_LEGACY; isa++ {
		r, ok := Ioapic_isa_route(isa)
		if !ok {
			continue
		}
		ioapic_write_entry(r.Apic, r.Pin, r.Entry)
		flow, name := irq.Handle_edge_irq, "edge"
		if r.Entry.Is_level() {
			flow, name = irq.Handle_fasteoi_irq, "fasteoi"
		}
		irq.Irq_set_chip_and_handler_name(isa, &Ioapic_chip, uint32(r.Pin), uintptr(r.Apic), flow, name)
		irq.Irq_to_desc(isa).Vector = r.Entry.Vector()
		n++
	}
	return n
}

// IoapicPin is one I/O APIC input; -1 for none.
type IoapicPin struct{ Apic, Pin int }

// Ioapic_i8259 is the pin where the 8259's INTR output comes into an I/O
// APIC as ExtINT, if the firmware set one up or the MP table names one
// (Linux ioapic_i8259): check_timer's second try for IRQ 0.
var Ioapic_i8259 = IoapicPin{-1, -1}

// find_ioapic_i8259 looks for the 8259's pin before clear_IO_APIC wipes
// the firmware's entries: an unmasked ExtINT entry, or an ExtINT interrupt
// source for ISA IRQ 0 in the MP table (Linux enable_IO_APIC, with its two
// warnings when they disagree).
func find_ioapic_i8259() {
	for a := 0; a < Nr_ioapics && Ioapic_i8259.Pin < 0; a++ {
		for pin := 0; pin < Ioapics[a].Nr_registers; pin++ {
			if e := Ioapic_read_entry(a, pin); !e.Masked() && e&asm.IO_APIC_DM_MASK == asm.IO_APIC_DM_EXTINT {
				Ioapic_i8259 = IoapicPin{a, pin}
				break
			}
		}
	}
	mp := IoapicPin{-1, -1}
	for i := 0; i < Mp_irq_entries; i++ {
		if m := &Mp_irqs[i]; m.Irqtype == asm.MP_ExtINT && Mp_bus_not_pci[m.Srcbus] && m.Srcbusirq == 0 {
			if a := ioapic_by_apicid(m.Dstapic); a >= 0 {
				mp = IoapicPin{a, int(m.Dstirq)}
			}
			break
		}
	}
	switch {
	case Ioapic_i8259.Pin < 0 && mp.Pin >= 0:
		printk.Pr_warn("ExtINT not setup in hardware but reported by MP table\n")
		Ioapic_i8259 = mp
	case mp.Pin >= 0 && mp != Ioapic_i8259:
		printk.Pr_warn("ExtINT in hardware and MP table differ\n")
	}
}

// Clear_IO_APIC_pin masks pin and clears its entry (Linux
// clear_IO_APIC_pin).
func Clear_IO_APIC_pin(apic, pin int) { ioapic_write_entry(apic, pin, asm.IO_APIC_MASKED) }

// Ioapic_move_isa_irq routes ISA IRQ isa through apic's pin instead: the
// entry its table route would have (vector, polarity, trigger;
// conforming edge where the tables name none), unmasked if a driver holds
// the line, and the IRQ layer's descriptor moved to that pin (Linux
// replace_pin_at_irq_node, then irq_domain_activate_irq).
func Ioapic_move_isa_irq(isa, apic, pin int) {
	e := Isa_irq_entry(isa)
	d := irq.Irq_to_desc(isa)
	flow, name := irq.Handle_edge_irq, "edge"
	if e.Is_level() {
		flow, name = irq.Handle_fasteoi_irq, "fasteoi"
	}
	irq.Irq_set_chip_and_handler_name(isa, &Ioapic_chip, uint32(pin), uintptr(apic), flow, name)
	d.Vector = e.Vector()
	if d.Action != nil && d.Depth == 0 {
		e &^= asm.IO_APIC_MASKED
	}
	ioapic_write_entry(apic, pin, e)
}

// Isa_irq_entry is ISA IRQ isa's redirection entry, masked: its tables'
// route's, or ISA's conforming default (active high, edge) where they
// name none.
func Isa_irq_entry(isa int) asm.IOAPICRouteEntry {
	if r, ok := Ioapic_isa_route(isa); ok {
		return r.Entry
	}
	return asm.IOAPICRouteEntry(asm.ISA_IRQ_VECTOR(isa)) | asm.IO_APIC_DM_FIXED | asm.IO_APIC_MASKED |
		asm.IOAPICRouteEntry(uint64(max(Boot_cpu_physical_apicid, 0))<<asm.IO_APIC_DEST_SHIFT)
}

// The local APIC's LINT0 as IRQ 0's controller, for the virtual wire in
// Fixed mode: masked and unmasked in LVT0, acknowledged by the local
// APIC's EOI (Linux lapic_chip: mask_lapic_irq, unmask_lapic_irq,
// ack_lapic_irq; lapic_register_intr).
func mask_lapic_irq(d *irq.IrqData) {
	Apic_write(asm.APIC_LVT0, Apic_read(asm.APIC_LVT0)|asm.APIC_LVT_MASKED)
}
func unmask_lapic_irq(d *irq.IrqData) {
	Apic_write(asm.APIC_LVT0, Apic_read(asm.APIC_LVT0)&^asm.APIC_LVT_MASKED)
}

// Lapic_chip is LINT0 as an irq_chip (Linux lapic_chip, "local-APIC").
var Lapic_chip = irq.IrqChip{
	Name:       "local-APIC",
	Irq_mask:   mask_lapic_irq,
	Irq_unmask: unmask_lapic_irq,
	Irq_ack:    apic_ack_irq,
}

// Lapic_register_intr makes LINT0 irq n's controller, edge (Linux
// lapic_register_intr).
func Lapic_register_intr(n int) {
	irq.Irq_set_chip_and_handler_name(n, &Lapic_chip, 0, 0, irq.Handle_edge_irq, "edge")
}

// How IRQ 0 reaches the CPU, as check_timer found it (Linux keeps it in
// IRQ 0's chip and in LVT0; gokern also names it, for the selftests).
const (
	TIMER_ROUTE_UNCHECKED    = iota // check_timer did not run
	TIMER_ROUTE_IOAPIC              // the tables' pin (pin1)
	TIMER_ROUTE_8259_IOAPIC         // through the 8259 into the I/O APIC (pin2)
	TIMER_ROUTE_VIRTUAL_WIRE        // through the 8259 into LINT0, Fixed mode
	TIMER_ROUTE_EXTINT              // through the 8259 into LINT0, ExtINT mode
	TIMER_ROUTE_NONE                // nothing worked
)

var (
	// Timer_route is one of TIMER_ROUTE_*.
	Timer_route = TIMER_ROUTE_UNCHECKED
	// Timer_pin is the I/O APIC pin IRQ 0 arrives on, {-1, -1} when it
	// comes through LINT0 or not at all.
	Timer_pin = IoapicPin{-1, -1}
)
