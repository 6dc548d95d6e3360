package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel"
	"gokern/paging"
	"gokern/printk"
)

// The kernel's stacks and their guard pages. Linux:
// arch/x86/include/asm/cpu_entry_area.h (struct exception_stacks: each
// IST stack with an unmapped guard page below it, and IST_top_guard),
// arch/x86/mm/cpu_entry_area.c (percpu_setup_exception_stacks),
// arch/x86/kernel/irq_64.c (map_irq_stack: the IRQ stack, also guarded),
// kernel/fork.c (CONFIG_VMAP_STACK: task stacks with a guard page).
//
// The boot CPU's stacks are one static block, boot_cpu_stacks (an AP's
// are vmapped from the page allocator's frames: smpboot.go
// map_ap_stacks), laid out from its first page
// boundary:
//
//	guard | #DF | guard | NMI | guard | #DB | guard | #MC | guard (IST top)
//	guard | IRQ stack | guard | boot (task) stack
//
// in the order exceptions nest: the task stack, the highest, is
// interrupted onto the IRQ stack or an exception stack below it (gdb's
// unwinder wants the frames of a backtrace at rising addresses).
//
// A guard page is a hole in the kernel mapping: x86mm.Init_mem_mapping
// leaves these pages out (asm.PcpuHot.Is_guard_page), so from the switch
// to the final page tables a push into one faults; the frame stays in the
// direct map, as a vmapped stack's does in Linux. startup_64's early
// mapping (2 MiB pages) has no holes.
//
// Go's own stack check (stackguard0 in each stack's g) is kept STACK_GUARD
// above the bottom of the stack until trap_init, which moves it onto the
// guard page (Setup_cpu_entry_areas) once the #DF handler can report what
// hitting it means: then an overflow by frames smaller than a page reaches
// the guard page first and ends in a double fault on the #DF stack, as a C
// kernel's does, while a frame big enough to jump over the guard page is
// still caught by Go's check (runtime.morestack, then an oops on the nil
// m).

const (
	// EXCEPTION_STACKS_SIZE: struct exception_stacks, each stack with its
	// guard page below, and the guard page above the last.
	EXCEPTION_STACKS_SIZE = asm.N_EXCEPTION_STACKS*(asm.PAGE_SIZE+asm.EXCEPTION_STKSZ) + asm.PAGE_SIZE
	// IRQ_STACK_OFFSET, BOOT_STACK_OFFSET: where the IRQ stack and the
	// boot stack begin in the block, each after its guard page.
	IRQ_STACK_OFFSET  = EXCEPTION_STACKS_SIZE + asm.PAGE_SIZE
	BOOT_STACK_OFFSET = IRQ_STACK_OFFSET + asm.IRQ_STACK_SIZE + asm.PAGE_SIZE
	// STACKS_SIZE: the block, up to the top of the boot stack.
	STACKS_SIZE = BOOT_STACK_OFFSET + BOOT_STACK_SIZE
)

//go:nosplit
func stacks_base() uintptr {
	return (uintptrOf(&boot_cpu_stacks[0]) + asm.PAGE_SIZE - 1) &^ (asm.PAGE_SIZE - 1)
}

// boot_stack_top: where startup_64_high put SP (head_64.s computes the
// same).
//
//go:nosplit
func boot_stack_top() uintptr { return stacks_base() + STACKS_SIZE }

// estack_bottom is the lowest byte of exception stack i of the block at
// base.
//
//go:nosplit
func estack_bottom(base uintptr, i int) uintptr {
	return base + asm.PAGE_SIZE + uintptr(i)*(asm.PAGE_SIZE+asm.EXCEPTION_STKSZ)
}

// setup_stacks describes the boot CPU's stacks in its per-CPU data, with
// their guard pages, and their g's: the boot stack startup_64 runs on, the
// IRQ stack and the four IST stacks. Called from
// startup_64_setup_gdt_idt, on the boot stack whose g startup_64 filled.
//
//go:nosplit
func setup_stacks(p *asm.PcpuHot) {
	setup_stacks_at(p, stacks_base(), BOOT_STACK_SIZE, &boot_g, &irq_g, &estack_g, true)
}

// setup_stacks_at describes a CPU's stacks laid out as above from base,
// with a task stack of task_size bytes: the boot CPU's static block, or
// an AP's block (smpboot.go map_ap_stacks: frames from the page
// allocator, vmapped with holes at the guard pages). guarded: the guard
// pages are holes in the kernel's mapping; unguarded stacks rely on Go's
// stack check alone (Guard 0).
//
//go:nosplit
func setup_stacks_at(p *asm.PcpuHot, base, task_size uintptr, task, irq *gStatic, estack *[asm.N_EXCEPTION_STACKS]gStatic, guarded bool) {
	set := func(typ int, lo, size uintptr, g *gStatic) {
		if g != &boot_g {
			init_g(g, lo, size)
		}
		guard := lo - asm.PAGE_SIZE
		if !guarded {
			guard = 0
		}
		p.Stacks[typ] = asm.Stack_info{Type: uint64(typ), Begin: lo, End: lo + size, Guard: guard, G: uintptrOf(g)}
	}
	set(asm.STACK_TYPE_TASK, base+BOOT_STACK_OFFSET, task_size, task)
	p.Top_of_stack = base + BOOT_STACK_OFFSET + task_size
	set(asm.STACK_TYPE_IRQ, base+IRQ_STACK_OFFSET, asm.IRQ_STACK_SIZE, irq)
	// The top word of the IRQ stack holds the interrupted SP
	// (arch/amd64/entry common_interrupt), as in Linux.
	p.Hardirq_stack_ptr = base + IRQ_STACK_OFFSET + asm.IRQ_STACK_SIZE - 8
	for i := 0; i < asm.N_EXCEPTION_STACKS; i++ {
		set(asm.STACK_TYPE_EXCEPTION+i, estack_bottom(base, i), asm.EXCEPTION_STKSZ, &estack[i])
	}
}

// block_guard_page reports whether the page at offset off of a block laid
// out as above is a guard page: below each exception stack and above the
// last (the top guard), below the IRQ stack, below the task stack. The
// same pages as Is_guard_page finds from the stacks' descriptions, known
// before the block has an address (map_ap_stacks).
func block_guard_page(off uintptr) bool {
	if off < EXCEPTION_STACKS_SIZE {
		return off%(asm.PAGE_SIZE+asm.EXCEPTION_STKSZ) == 0
	}
	return off == IRQ_STACK_OFFSET-asm.PAGE_SIZE || off == BOOT_STACK_OFFSET-asm.PAGE_SIZE
}

// g_of returns the static g of a stack.
func g_of(s *asm.Stack_info) *gStatic { return (*gStatic)(asm.KernelPtr(s.G)) }

// Setup_cpu_entry_areas is trap_init's first step for this CPU's stacks
// (Linux setup_cpu_entry_areas maps them, with their guard holes, before
// the IST entries are set up): it checks that each guard page is a hole in
// the page tables in use, and moves each stack's Go check onto its guard
// page (see the top of this file).
func Setup_cpu_entry_areas() {
	p := asm.This_cpu()
	pgd := paging.PhysAddr(asm.Read_cr3() &^ (asm.PAGE_SIZE - 1))
	for i := asm.STACK_TYPE_TASK; i < asm.NR_STACK_TYPES; i++ {
		s := &p.Stacks[i]
		if _, _, _, ok := paging.Walk(&asm.DirectMap, pgd, paging.VirtAddr(s.Guard)); ok {
			kernel.Panic("trap_init: the guard page %#x of the %s stack is mapped (init_mem_mapping leaves it out)",
				printk.Int(s.Guard), printk.Str(asm.Stack_type_name(s.Type)))
		}
		g := g_of(s)
		g.stackguard0 = s.Guard + STACK_SMALL
		g.stackguard1 = s.Guard + STACK_SMALL
	}
	printk.Pr_debug("stacks: %s %#x-%#x, IRQ %#x-%#x, exceptions %#x-%#x, each above an unmapped guard page; Go's stack checks moved onto them\n",
		printk.Str(asm.Stack_type_name(asm.STACK_TYPE_TASK)),
		printk.Int(p.Stacks[asm.STACK_TYPE_TASK].Begin), printk.Int(p.Stacks[asm.STACK_TYPE_TASK].End-1),
		printk.Int(p.Stacks[asm.STACK_TYPE_IRQ].Begin), printk.Int(p.Stacks[asm.STACK_TYPE_IRQ].End-1),
		printk.Int(p.Stacks[asm.STACK_TYPE_EXCEPTION].Begin), printk.Int(p.Stacks[asm.STACK_TYPE_EXCEPTION_LAST].End-1))
}
