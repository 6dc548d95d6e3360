package apic

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel/irq"
	"gokern/kernel/time"
	"gokern/kunit"
	"gokern/paging"
	"gokern/printk"
)

// In-kernel selftests of the interrupt controllers: each reads back the
// hardware state a boot line claims (kmain.go lists them for selftest=).

// fixmap_uncached checks that fixed address idx maps phys uncached (PCD
// and PWT: PAT entry 3, UC), writable, not executable, kernel-only.
func fixmap_uncached(t *kunit.Kunit, what string, idx int, phys uint64) {
	va := asm.X__fix_to_virt(idx)
	pa, lvl, prot, ok := paging.Walk(&asm.DirectMap, paging.PhysAddr(asm.Read_cr3()&^0xfff), paging.VirtAddr(va))
	want := paging.PAGE_PCD | paging.PAGE_PWT | paging.PAGE_RW
	if !ok || uint64(pa) != phys || lvl != paging.PG_LEVEL_4K || prot&want != want || prot&paging.PAGE_USER != 0 ||
		(paging.Supported_pte_mask&paging.PAGE_NX != 0 && prot&paging.PAGE_NX == 0) {
		t.Errorf("%s at %#x: mapped %d to %#x, level %d, prot %#x; want %#x uncached (PCD|PWT), RW, NX, kernel",
			printk.Str(what), printk.Int(va), printk.Int(b2i(ok)), printk.Int(pa), printk.Int(lvl), printk.Int(prot), printk.Int(phys))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Test_lapic: the local APIC is mapped uncached at its MSR's address,
// globally and software enabled, with the spurious vector 0xff, TPR 0,
// LINT0 as the mode wants, the error vector set, and its timer periodic
// at HZ on LOCAL_TIMER_VECTOR with the calibrated count.
func Test_lapic(t *kunit.Kunit) {
	if Apic_intr_mode == APIC_PIC {
		if Lapic_mapped() && !Disable_apic {
			t.Errorf("PIC mode, but the local APIC is mapped")
		}
		return
	}
	msr := asm.Rdmsrl(asm.MSR_IA32_APICBASE)
	if msr&asm.MSR_IA32_APICBASE_ENABLE == 0 || msr&asm.MSR_IA32_APICBASE_BSP == 0 || msr&asm.MSR_IA32_APICBASE_BASE != Mp_lapic_addr {
		t.Errorf("IA32_APIC_BASE %#x: want enabled, BSP, base %#x", printk.Int(msr), printk.Int(Mp_lapic_addr))
	}
	// The mode Check_x2apic chose is the CPU's: EXTD set exactly when the
	// driver uses MSRs (SDM Vol. 3A §11.12.1).
	if (msr&asm.X2APIC_ENABLE != 0) != X2apic_mode {
		t.Errorf("IA32_APIC_BASE %#x: EXTD (x2APIC mode) disagrees with the driver's x2apic_mode %d", printk.Int(msr), printk.Int(b2i(X2apic_mode)))
	}
	if !X2apic_mode {
		fixmap_uncached(t, "local APIC", asm.FIX_APIC_BASE, Mp_lapic_addr)
	}
	if id := int(Read_lapic_id()); id != Boot_cpu_physical_apicid {
		t.Errorf("APIC ID %d, boot_cpu_physical_apicid %d", printk.Int(id), printk.Int(Boot_cpu_physical_apicid))
	}
	if v := Apic_read(asm.APIC_SPIV); v&asm.APIC_SPIV_APIC_ENABLED == 0 || v&asm.APIC_VECTOR_MASK != asm.SPURIOUS_APIC_VECTOR {
		t.Errorf("SVR %#x: want enabled (bit 8) with vector 0xff", printk.Int(v))
	}
	if v := Apic_read(asm.APIC_TASKPRI) & asm.APIC_TPRI_MASK; v != 0 {
		t.Errorf("TPR %#x, want 0", printk.Int(v))
	}
	// LINT0: ExtINT, masked only in symmetric I/O mode, unless
	// check_timer moved IRQ 0 onto it.
	lint0 := Apic_read(asm.APIC_LVT0)
	switch Timer_route {
	case TIMER_ROUTE_VIRTUAL_WIRE:
		if lint0&(asm.APIC_MODE_MASK|asm.APIC_LVT_MASKED|asm.APIC_VECTOR_MASK) != asm.APIC_DM_FIXED|uint32(asm.ISA_IRQ_VECTOR(0)) {
			t.Errorf("LVT0 %#x: IRQ 0 is on the virtual wire, want Fixed, vector 0x30, unmasked", printk.Int(lint0))
		}
	case TIMER_ROUTE_EXTINT:
		if lint0&(asm.APIC_MODE_MASK|asm.APIC_LVT_MASKED) != asm.APIC_DM_EXTINT {
			t.Errorf("LVT0 %#x: IRQ 0 comes in as ExtINT, want ExtINT unmasked", printk.Int(lint0))
		}
	default:
		if lint0&asm.APIC_MODE_MASK != asm.APIC_DM_EXTINT || (lint0&asm.APIC_LVT_MASKED != 0) != (Apic_intr_mode == APIC_SYMMETRIC_IO) {
			t.Errorf("LVT0 %#x in mode %d: want ExtINT, masked only in symmetric I/O mode", printk.Int(lint0), printk.Int(Apic_intr_mode))
		}
	}
	if v := Apic_read(asm.APIC_LVTERR); v&0xff != asm.ERROR_APIC_VECTOR || v&asm.APIC_LVT_MASKED != 0 {
		t.Errorf("LVTERR %#x", printk.Int(v))
	}
	if Lapic_timer_period == 0 {
		t.Errorf("the local APIC timer was not calibrated")
		return
	}
	// The calibration: the bus clock is what QEMU emulates (1 GHz) or a
	// real one (100-200 MHz on hardware): between 10 MHz and 10 GHz.
	if bus := Lapic_timer_period * time.HZ; bus < 10000000 || bus > 10000000000 {
		t.Errorf("APIC bus clock %d Hz", printk.Int(bus))
	}
	if !Lapic_timer_running {
		return
	}
	lvtt := Apic_read(asm.APIC_LVTT)
	if lvtt != asm.APIC_LVT_TIMER_PERIODIC|asm.LOCAL_TIMER_VECTOR || Apic_read(asm.APIC_TMICT) != uint32(Lapic_timer_period/APIC_DIVISOR) ||
		Apic_read(asm.APIC_TDCR)&0xb != asm.APIC_TDR_DIV_16 {
		t.Errorf("timer: LVTT %#x TMICT %d TDCR %#x; want periodic vector 0xec, %d, divide by 16", printk.Int(lvtt),
			printk.Int(Apic_read(asm.APIC_TMICT)), printk.Int(Apic_read(asm.APIC_TDCR)), printk.Int(Lapic_timer_period/APIC_DIVISOR))
	}
	if c1, c2 := Apic_read(asm.APIC_TMCCT), Apic_read(asm.APIC_TMCCT); c1 == c2 {
		t.Errorf("the timer's current count does not move (%d)", printk.Int(c1))
	}
}

// Test_ioapic: in symmetric I/O mode the I/O APIC is mapped uncached, and
// every ISA IRQ's pin holds the entry the tables asked for — vector,
// polarity, trigger, destination — masked unless a driver requested the
// IRQ; every other pin is masked; the IRQ layer knows each line as the
// I/O APIC's.
func Test_ioapic(t *kunit.Kunit) {
	if Apic_intr_mode != APIC_SYMMETRIC_IO {
		return
	}
	if Nr_ioapics == 0 {
		t.Errorf("symmetric I/O mode without an I/O APIC")
		return
	}
	for a := 0; a < Nr_ioapics; a++ {
		fixmap_uncached(t, "I/O APIC", asm.FIX_IO_APIC_BASE_0+a, uint64(Ioapics[a].Apicaddr)&^(asm.PAGE_SIZE-1))
		if v := io_apic_read(a, asm.IO_APIC_VERSION); int((v>>16)&0xff)+1 != Ioapics[a].Nr_registers {
			t.Errorf("I/O APIC %d: version register %#x, %d pins recorded", printk.Int(a), printk.Int(v), printk.Int(Ioapics[a].Nr_registers))
		}
	}
	var used [asm.MAX_IO_APICS][256]bool
	for isa := 0; isa < asm.NR_IRQS_LEGACY; isa++ {
		r, ok := Ioapic_isa_route(isa)
		if isa == 0 && Timer_route != TIMER_ROUTE_UNCHECKED && Timer_route != TIMER_ROUTE_IOAPIC {
			// check_timer moved IRQ 0 off the tables' pin: to pin2, or
			// off the I/O APIC (LINT0, or nowhere).
			if Timer_pin.Pin < 0 {
				if d := irq.Irq_to_desc(0); d.Irq_data.Chip == &Ioapic_chip {
					t.Errorf("IRQ 0 left the I/O APIC (route %d), but its descriptor is still the I/O APIC's", printk.Int(Timer_route))
				}
				continue
			}
			r, ok = IsaRoute{Apic: Timer_pin.Apic, Pin: Timer_pin.Pin, Entry: Isa_irq_entry(0)}, true
		}
		if !ok {
			continue
		}
		used[r.Apic][r.Pin] = true
		d := irq.Irq_to_desc(isa)
		want := r.Entry
		if d.Action != nil && d.Depth == 0 {
			want &^= asm.IO_APIC_MASKED
		}
		got := Ioapic_read_entry(r.Apic, r.Pin) &^ (asm.IO_APIC_DELIVERY_PENDING | asm.IO_APIC_REMOTE_IRR)
		if got != want {
			t.Errorf("IRQ %d on pin %d: entry %#018x, want %#018x", printk.Int(isa), printk.Int(r.Pin), printk.Int(got), printk.Int(want))
		}
		if d.Irq_data.Chip != &Ioapic_chip || int(d.Irq_data.Hwirq) != r.Pin || d.Vector != r.Entry.Vector() {
			t.Errorf("IRQ %d: descriptor not on the I/O APIC's pin %d vector %#x", printk.Int(isa), printk.Int(r.Pin), printk.Int(r.Entry.Vector()))
		}
	}
	for a := 0; a < Nr_ioapics; a++ {
		for pin := 0; pin < Ioapics[a].Nr_registers; pin++ {
			if !used[a][pin] && !Ioapic_read_entry(a, pin).Masked() {
				t.Errorf("I/O APIC %d pin %d is live but no IRQ is routed there", printk.Int(a), printk.Int(pin))
			}
		}
	}
}
