package irq

import "gokern/printk"

// The table of /proc/interrupts (fs/proc's show_interrupts), and printed
// on the console for the SysRq key 't' (PrintInterrupts). Linux:
// kernel/irq/proc.c show_interrupts and arch/x86/kernel/irq.c
// arch_show_interrupts.

// ArchShowInterrupts prints the architecture's rows (the local APIC
// timer, spurious and error interrupts, every vector taken): a hook the
// architecture sets, nil until then (Linux arch_show_interrupts).
var ArchShowInterrupts func()

// PrintInterrupts prints on the console one row per line that has a
// handler or has had interrupts, then the architecture's rows:
//
//	         CPU0
//	0:         25   IO-APIC    2-edge      timer
//	4:          3   IO-APIC    4-edge      ttyS0
func PrintInterrupts() {
	Show_interrupts_lines(func(line []byte) { printk.Pr_info("%s\n", printk.Bytes(line)) })
	if ArchShowInterrupts != nil {
		ArchShowInterrupts()
	}
}

// interrupts_line is Show_interrupts_lines' line: static, since emit is
// a function value and the compiler would move a local buffer given to it
// to the Go heap.
var interrupts_line [160]byte

// Show_interrupts_lines gives the table's lines (the header and one per
// line with a handler or interrupts) to emit: the console or
// /proc/interrupts (Linux show_interrupts writes to a seq_file).
func Show_interrupts_lines(emit func(line []byte)) {
	line := &interrupts_line
	emit(line[:printk.Snprintf(line[:], "           CPU0")])
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
		n := printk.Snprintf(line[:], "%3d: %10d   %-8s %3d-%-8s %s", printk.Int(i), printk.Int(d.Kstat_irqs), printk.Str(chip),
			printk.Int(d.Irq_data.Hwirq), printk.Str(d.Name), printk.Str(name))
		for a := d.Action; a != nil && a.Next != nil; a = a.Next {
			n += printk.Snprintf(line[n:], ", %s", printk.Str(a.Next.Name))
		}
		if d.Unhandled != 0 {
			n += printk.Snprintf(line[n:], "  (%d unhandled)", printk.Int(d.Unhandled))
		}
		emit(line[:n])
	}
}
