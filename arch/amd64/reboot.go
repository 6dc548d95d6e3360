package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/cmdline"
	"gokern/drivers/acpi"
	"gokern/kernel"
	"gokern/kernel/sys"
	"gokern/printk"
)

// How an x86 PC restarts, halts and powers off: Linux
// arch/x86/kernel/reboot.c (native_machine_restart,
// native_machine_emergency_restart, native_machine_halt,
// native_machine_power_off, reboot_setup's reboot= types) and
// drivers/acpi/sleep.c (acpi_power_off). reboot(2) reaches them through
// kernel/sys/reboot.go's Machine_ops.
//
// A restart tries, in Linux's order, each way a PC has to reset itself
// until one works: the ACPI reset register the FADT names (q35's 0xcf9);
// the keyboard controller's reset line, pulsed by command 0xfe (every
// PC; 8042 datasheet, "Pulse output port"); the PCI reset control
// register 0xcf9 (Intel ICH/PIIX datasheets, "Reset Control Register");
// and a triple fault: INT3 with an empty IDT (SDM Vol. 3A §6.15,
// "Interrupt 8—Double Fault Exception": a fault while delivering a
// double fault shuts the processor down, and the chipset resets it).
// Under QEMU's -no-reboot, any of them ends QEMU.

// The reboot= types (Linux enum reboot_type), by their letters.
const (
	BOOT_TRIPLE    = 't'
	BOOT_KBD       = 'k'
	BOOT_ACPI      = 'a'
	BOOT_CF9_FORCE = 'p'

	// The 8042's status port, its input-buffer-full bit, and the command
	// that pulses the CPU's reset line (Linux kb_wait, 0xfe to 0x64).
	KBD_STATUS_PORT   = 0x64
	KBD_STAT_IBF      = 0x02
	KBD_CMD_RESET_CPU = 0xfe
	// The reset control register (Linux reboot.c: port 0xcf9): bit 1
	// SYS_RST chooses a hard reset, bit 2 RST_CPU starts it, bit 3
	// FULL_RST a cold one.
	PCI_RESET_CONTROL = 0xcf9
	CF9_SYS_RST       = 0x02
	CF9_COLD_RESET    = 0x0e
)

// reboot_type is the first method machine_restart tries (reboot=a|k|p|t;
// Linux's default on x86-64 is ACPI, falling through to the others).
var reboot_type byte = BOOT_ACPI

// reboot_setup parses reboot= (Linux kernel/reboot.c reboot_setup,
// a __setup option): comma-separated words whose first letter picks the
// method. Linux's modes (warm, cold, gpio, a CPU number) and EFI have
// nothing to do on gokern and are ignored with a word.
func reboot_setup(val []byte) {
	for len(val) > 0 {
		switch word := cmdline.Strsep(&val, ','); {
		case len(word) == 0:
		case word[0] == BOOT_TRIPLE, word[0] == BOOT_KBD, word[0] == BOOT_ACPI, word[0] == BOOT_CF9_FORCE:
			reboot_type = word[0]
		default:
			printk.Pr_warn("reboot=%s: gokern restarts through a(cpi), k(bd), p(ci 0xcf9) or t(riple fault); ignored\n",
				printk.Escaped(word))
		}
	}
}

// machine_reboot_init plugs this machine's ways into reboot(2), and ACPI's
// S5 as the power-off when the DSDT names it (Linux acpi_sleep_init:
// pm_power_off = acpi_power_off).
func machine_reboot_init() {
	sys.Machine_ops.Restart = native_machine_restart
	sys.Machine_ops.Halt = native_machine_halt
	sys.Machine_ops.Power_off = native_machine_power_off
	acpi.Acpi_sleep_init()
	if acpi.Acpi_s5_valid {
		sys.Pm_power_off = acpi_power_off
	}
}

// machine_shutdown stops everything but this CPU, with interrupts off
// (Linux native_machine_shutdown: stop_other_cpus first).
func machine_shutdown() {
	asm.Local_irq_disable()
	if kernel.Smp_send_stop != nil {
		kernel.Smp_send_stop()
	}
}

func native_machine_restart(cmd []byte) {
	machine_shutdown()
	native_machine_emergency_restart()
}

// native_machine_emergency_restart tries each method in turn, for ever
// (Linux native_machine_emergency_restart: ACPI, then the keyboard
// controller, then ACPI once more, then 0xcf9, then a triple fault,
// then the keyboard controller again...).
func native_machine_emergency_restart() {
	orig, attempt := reboot_type, 0
	for {
		switch reboot_type {
		case BOOT_ACPI:
			if r := &acpi.Acpi_gbl_FADT; r.Reset_register != 0 {
				printk.Pr_debug("reboot: writing %#x into the ACPI reset register %#x\n", printk.Int(r.Reset_value),
					printk.Int(r.Reset_register))
			}
			if acpi.Acpi_reboot() {
				udelay(50)
			}
			reboot_type = BOOT_KBD
		case BOOT_KBD:
			printk.Pr_debug("reboot: pulsing the reset line through the keyboard controller\n")
			for i := 0; i < 10; i++ {
				kb_wait()
				udelay(50)
				asm.Outb(KBD_STATUS_PORT, KBD_CMD_RESET_CPU)
				udelay(50)
			}
			if attempt == 0 && orig == BOOT_ACPI {
				attempt, reboot_type = 1, BOOT_ACPI
			} else {
				reboot_type = BOOT_CF9_FORCE
			}
		case BOOT_CF9_FORCE:
			printk.Pr_debug("reboot: reset through the reset control register %#x\n", printk.Int(PCI_RESET_CONTROL))
			cf9 := asm.Inb(PCI_RESET_CONTROL) &^ CF9_COLD_RESET
			asm.Outb(PCI_RESET_CONTROL, cf9|CF9_SYS_RST)
			udelay(50)
			asm.Outb(PCI_RESET_CONTROL, cf9|CF9_COLD_RESET)
			udelay(50)
			reboot_type = BOOT_TRIPLE
		default: // BOOT_TRIPLE
			printk.Pr_debug("reboot: triple fault: INT3 with an empty IDT\n")
			var empty asm.DescPtr
			asm.Load_idt(&empty)
			asm.Int3()
			reboot_type = BOOT_KBD
		}
	}
}

// kb_wait waits up to about 130 ms for the 8042 to take a command (Linux
// kb_wait).
func kb_wait() {
	for i := 0; i < 0x10000; i++ {
		if asm.Inb(KBD_STATUS_PORT)&KBD_STAT_IBF == 0 {
			return
		}
		udelay(2)
	}
}

// native_machine_halt stops every CPU for good, this one last (Linux
// native_machine_halt → stop_this_cpu).
func native_machine_halt() {
	machine_shutdown()
	stop_this_cpu()
}

// native_machine_power_off powers off through pm_power_off, and halts
// when there is none or it did not work (Linux falls back to returning
// to sys_reboot, which ends the caller; gokern says so and halts, so
// that the console tells what happened).
func native_machine_power_off() {
	if sys.Pm_power_off != nil {
		machine_shutdown()
		sys.Pm_power_off()
		udelay(100000)
		printk.Pr_emerg("reboot: the machine did not power off (ACPI S5 had no effect): halting\n")
	}
	native_machine_halt()
}

// acpi_power_off enters S5 (Linux drivers/acpi/sleep.c acpi_power_off).
func acpi_power_off() {
	printk.Pr_debug("acpi_power_off called\n")
	asm.Local_irq_disable()
	acpi.Acpi_enter_sleep_state_s5()
}
