package amd64

import (
	x86mm "gokern/arch/amd64/mm"
	"gokern/drivers/serial8250"
	"gokern/drivers/tty/sysrq"
	"gokern/kernel/irq"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/printk"
	"gokern/traps"
)

// The SysRq keys the architecture and the memory code answer (Linux
// drivers/tty/sysrq.c sysrq_showmem_op → show_mem, sysrq_showregs_op →
// show_regs(get_irq_regs()); the page-table dump is Linux's ptdump, which
// has no key there), and the serial line that brings the keys.

var (
	sysrq_showmem_op  = sysrq.SysrqKeyOp{Handler: sysrq_handle_showmem, Help_msg: "show-memory-usage(m)", Action_msg: "Show Memory"}
	sysrq_ptdump_op   = sysrq.SysrqKeyOp{Handler: sysrq_handle_ptdump, Help_msg: "show-pagetables(p)", Action_msg: "Show the kernel page tables"}
	sysrq_showregs_op = sysrq.SysrqKeyOp{Handler: sysrq_handle_showregs, Help_msg: "show-registers(r)", Action_msg: "Show Regs"}
)

// sysrq_handle_showmem prints the zones' counters and the buddy
// allocator's free lists (Linux show_mem → __show_free_areas, and
// /proc/buddyinfo's lines).
func sysrq_handle_showmem(key byte) {
	printk.Pr_info("Mem-Info:\n")
	pgdat := mm.NODE_DATA(0)
	if pgdat == nil {
		printk.Pr_info("no node: mm_init has not run\n")
		return
	}
	for i := range pgdat.Node_zones {
		z := &pgdat.Node_zones[i]
		if !mm.Populated_zone(z) {
			continue
		}
		printk.Pr_info("Node %d %s free:%lukB min:%lukB low:%lukB high:%lukB present:%lukB managed:%lukB\n",
			printk.Int(pgdat.Node_id), printk.Str(z.Name), printk.Int(mm.K(z.Free_pages)),
			printk.Int(mm.K(mm.Min_wmark_pages(z))), printk.Int(mm.K(mm.Low_wmark_pages(z))),
			printk.Int(mm.K(mm.High_wmark_pages(z))), printk.Int(mm.K(z.Present_pages)), printk.Int(mm.K(z.Managed_pages)))
	}
	mm.Frag_show()
	printk.Pr_info("%d pages free\n", printk.Int(mm.Nr_free_pages()))
}

func sysrq_handle_ptdump(key byte) { x86mm.Ptdump_walk_pgd_level() }

// sysrq_handle_showregs prints the context the key's interrupt
// interrupted: the idle loop's HLT, most of the time.
func sysrq_handle_showregs(key byte) {
	if regs := Get_irq_regs(); regs != nil {
		traps.ShowRegs(regs)
		return
	}
	printk.Pr_info("sysrq: no interrupted context\n")
}

// serial8250_interrupt is the console UART's IRQ handler (Linux
// 8250_core.c serial8250_interrupt), dev_id its index in
// serial8250.Serial8250_ports.
func serial8250_interrupt(irqn int, dev_id uintptr) irq.Irqreturn_t {
	if serial8250.Serial8250_rx_chars(&serial8250.Serial8250_ports[dev_id]) {
		return irq.IRQ_HANDLED
	}
	return irq.IRQ_NONE
}

// Serial8250_irq is the IRQ the console's UART interrupts on, -1 none.
var Serial8250_irq = -1

// univ8250_setup_irq requests the console UART's IRQ and turns its receive
// interrupts on (Linux serial8250_do_startup → univ8250_setup_irq). A port
// that cannot interrupt is reported.
func univ8250_setup_irq() {
	up := serial8250.Serial8250_port()
	name := serial8250.Early_serial_console.Name
	if up.Irq < 0 {
		printk.Pr_info("serial8250: %#x is not a standard port: no receive interrupt\n", printk.Int(up.Iobase))
		return
	}
	if err := irq.Request_irq(up.Irq, serial8250_interrupt, irq.IRQF_SHARED, name, 0); err != 0 {
		printk.Pr_err("serial8250: request_irq(%d) for %s: %d\n", printk.Int(up.Irq), printk.Str(name), printk.Int(err))
		return
	}
	serial8250.Serial8250_startup(up)
	Serial8250_irq = up.Irq
	printk.Pr_info("serial8250: %s at I/O %#x (irq = %d, base_baud = %d) is a %s\n",
		printk.Str(name), printk.Int(up.Iobase), printk.Int(up.Irq), printk.Int(serial8250.Serial8250_baud()), printk.Str(serial8250.Serial8250_type()))
}

var sysrq_showstate_blocked_op = sysrq.SysrqKeyOp{Handler: sysrq_handle_showstate_blocked, Help_msg: "show-blocked-tasks(w)",
	Action_msg: "Show Blocked State"}

// sysrq_handle_showstate_blocked is SysRq 'w': the tasks in D state and
// where each waits (Linux sysrq_handle_showstate_blocked →
// show_state_filter(TASK_UNINTERRUPTIBLE)), for a boot that hangs with
// every CPU idle.
func sysrq_handle_showstate_blocked(key byte) { sched.Show_state_filter(sched.TASK_UNINTERRUPTIBLE) }

// Sysrq_init installs the keys above and gives the serial line's SysRq
// keys (a BREAK, then the key) to the SysRq handler (Linux sysrq_init and
// the 8250's uart_handle_sysrq_char → handle_sysrq); every other byte goes
// to the tty (drivers/tty's Serial8250_init set that hook). Then the
// UART's receive interrupt is turned on.
func Sysrq_init() {
	sysrq.Register_sysrq_key('m', &sysrq_showmem_op)
	sysrq.Register_sysrq_key('p', &sysrq_ptdump_op)
	sysrq.Register_sysrq_key('r', &sysrq_showregs_op)
	sysrq.Register_sysrq_key('l', &sysrq_showallcpus_op)
	sysrq.Register_sysrq_key('w', &sysrq_showstate_blocked_op)
	traps.Nmi_handler = nmi_cpu_backtrace
	sysrq.TickSourceName = tick_source_name()
	serial8250.Handle_sysrq_hook = sysrq.Handle_sysrq
	univ8250_setup_irq()
}
