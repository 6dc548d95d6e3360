package irq

import "gokern/printk"

// The table of /proc/interrupts, printed (gokern has no /proc yet: the
// SysRq key 't' prints it). Linux: kernel/irq/proc.c show_interrupts and
// arch/x86/kernel/irq.c arch_show_interrupts.

// Arch_show_interrupts prints the architecture's rows (the local APIC
// timer, spurious and error interrupts, every vector taken): a hook the
// architecture sets, nil until then (Linux arch_show_interrupts).
var Arch_show_interrupts func()

// Show_interrupts prints one row per line that has a handler or has had
// interrupts:
//
//	         CPU0
//	0:         25   IO-APIC    2-edge      timer
//	4:          3   IO-APIC    4-edge      ttyS0
func Show_interrupts() {
	printk.Pr_info("           CPU0\n")
	for i, d := range irq_desc {
		if d == nil || d.Action == nil && d.Kstat_irqs == 0 {
			continue
		}
		chip := "None"
		if d.Irq_data.Chip != nil {
			chip = d.Irq_data.Chip.Name
		}
		name := "-"
		if d.Action != nil {
			name = d.Action.Name
		}
		printk.Pr_info("%3d: %10d   %-8s %3d-%-8s %s", printk.Int(i), printk.Int(d.Kstat_irqs), printk.Str(chip),
			printk.Int(d.Irq_data.Hwirq), printk.Str(d.Name), printk.Str(name))
		for a := d.Action; a != nil && a.Next != nil; a = a.Next {
			printk.Pr_cont(", %s", printk.Str(a.Next.Name))
		}
		if d.Unhandled != 0 {
			printk.Pr_cont("  (%d unhandled)", printk.Int(d.Unhandled))
		}
		printk.Pr_cont("\n")
	}
	if Arch_show_interrupts != nil {
		Arch_show_interrupts()
	}
}
