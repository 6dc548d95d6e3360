package amd64

import (
	"gokern/arch/amd64/entry"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/kernel/sched"
	"gokern/printk"
	"gokern/traps"
)

// The kernel GDT, the TSS and the per-CPU data, Linux
// arch/x86/kernel/cpu/common.c (gdt_page, cpu_init,
// cpu_init_exception_handling, switch_gdt_and_percpu_base, setup_getcpu,
// syscall_init), head64.c (startup_64_setup_gdt_idt) and setup_percpu.c.
// Seeds: 002 "Setting up the Final GDT and IDT", "Final GDT"; 000 "Final
// GDT" (the 32-bit layout; the 64-bit one is in asm/segment.go).

var (
	// Gdt_page is each CPU's GDT (Linux DEFINE_PER_CPU gdt_page).
	Gdt_page [asm.NR_CPUS][asm.GDT_ENTRIES]asm.DescStruct
	// Cpu_tss_rw is each CPU's TSS (Linux DEFINE_PER_CPU cpu_tss_rw).
	Cpu_tss_rw [asm.NR_CPUS]asm.X86HwTss
	gdt_descr  [asm.NR_CPUS]asm.DescPtr
)

func uintptrOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

// Get_cpu_gdt_rw returns cpu's GDT (Linux get_cpu_gdt_rw).
//
//go:nosplit
func Get_cpu_gdt_rw(cpu int) *[asm.GDT_ENTRIES]asm.DescStruct { return &Gdt_page[cpu] }

// startup_64_setup_gdt_idt is the first Go code that runs, called from
// startup_64 (head_64.s) on the boot stack. It points GS at the boot CPU's
// per-CPU data, loads the GDT with a TSS whose IST1 is the #DF stack,
// reloads the segment registers, and loads the early IDT. Linux:
// head64.c startup_64_setup_gdt_idt (GDT and early IDT), head_64.S
// (the GS base, initial_gs) and cpu_init_exception_handling (TSS, IST).
//
//go:nosplit
func startup_64_setup_gdt_idt() {
	gdt := Get_cpu_gdt_rw(0)
	gdt[asm.GDT_ENTRY_KERNEL32_CS] = asm.DESC_KERNEL32_CS
	gdt[asm.GDT_ENTRY_KERNEL_CS] = asm.DESC_KERNEL_CS
	gdt[asm.GDT_ENTRY_KERNEL_DS] = asm.DESC_KERNEL_DS
	set_tss_desc(0)

	asm.Pcpu_first_unit_init()
	// The boot CPU's per-CPU area is the static first unit until
	// setup_per_cpu_areas (asm/percpu_defs.go).
	p := asm.Per_cpu_ptr(asm.Pcpu_hot, 0)
	p.This_cpu_off = asm.X__per_cpu_offset[0]
	p.Cpu_number = 0
	setup_stacks(p)
	kallsyms.Current_g_slot = this_cpu_g_slot
	// The early IDT runs every exception on IST1, the #DF stack.
	tss := &Cpu_tss_rw[0]
	tss.Set_ist(asm.IST_EXCEPTION, p.Stacks[asm.STACK_TYPE_EXCEPTION+asm.ESTACK_DF].End)
	tss.Set_io_bitmap_base(asm.TSS_SIZE)

	Switch_gdt_and_percpu_base(0)
	asm.LoadSegments(asm.X__KERNEL_CS, asm.X__KERNEL_DS)
	asm.Load_tr(asm.X__TSS)

	idt_setup_early_handler()

	// What trap_init needs from this package, which traps cannot import
	// (DESIGN.md §1).
	traps.Arch.Setup_cpu_entry_areas = Setup_cpu_entry_areas
	traps.Arch.Cpu_init_exception_handling = Cpu_init_exception_handling
	traps.Arch.Cpu_init = Cpu_init
	sched.Arch.Load_sp0 = Load_sp0
	sched.Arch.Get_irq_regs = Get_irq_regs
}

// Load_sp0 sets this CPU's TSS.RSP0, the stack an interrupt from user
// mode switches to: the top of the running task's kernel stack (Linux
// load_sp0, from __switch_to's update_task_stack).
//
//go:nosplit
func Load_sp0(sp0 uintptr) { Cpu_tss_rw[asm.Smp_processor_id()].Set_sp0(sp0) }

// set_tss_desc puts cpu's TSS into its GDT: a 16-byte system descriptor
// (Linux set_tss_desc, __KERNEL_TSS_LIMIT).
//
//go:nosplit
func set_tss_desc(cpu int) {
	var d asm.LdttssDesc
	asm.Set_tssldt_descriptor(&d, uintptrOf(&Cpu_tss_rw[cpu]), asm.DESC_TSS, asm.TSS_SIZE-1)
	gdt := Get_cpu_gdt_rw(cpu)
	gdt[asm.GDT_ENTRY_TSS] = asm.DescStruct(d[0])
	gdt[asm.GDT_ENTRY_TSS+1] = asm.DescStruct(d[1])
}

// Switch_gdt_and_percpu_base loads cpu's GDT and points GS at cpu's
// per-CPU area (Linux switch_gdt_and_percpu_base: load_direct_gdt, then
// wrmsrl(MSR_GS_BASE, per_cpu_offset(cpu))).
//
//go:nosplit
func Switch_gdt_and_percpu_base(cpu int) {
	gdt_descr[cpu].Set(uintptrOf(Get_cpu_gdt_rw(cpu)), uint16(asm.GDT_ENTRIES*8-1))
	asm.Load_gdt(&gdt_descr[cpu])
	asm.Load_gs_base(asm.X__per_cpu_offset[cpu])
}

// Cpu_init_exception_handling fills the TSS for the final IDT: each IST
// slot with the top of its exception stack (Linux tss_setup_ist), RSP0
// with the top of the kernel stack (for interrupts from user mode, when it
// comes), and no I/O bitmap. TR already holds this TSS (startup_64): the
// CPU reads RSP0 and the IST from memory at every interrupt, so nothing is
// reloaded. Linux: cpu_init_exception_handling (which also loads the IDT;
// trap_init does that here once the gates are written).
func Cpu_init_exception_handling() {
	p := asm.This_cpu()
	tss := &Cpu_tss_rw[p.Cpu_number]
	for _, e := range [...]int{asm.ESTACK_DF, asm.ESTACK_NMI, asm.ESTACK_DB, asm.ESTACK_MCE} {
		tss.Set_ist(e+1, p.Stacks[asm.STACK_TYPE_EXCEPTION+e].End)
	}
	entry.Nmi_stack_init(p.Stacks[asm.STACK_TYPE_EXCEPTION+asm.ESTACK_NMI].End)
	tss.Set_sp0(p.Top_of_stack)
	tss.Set_io_bitmap_base(asm.TSS_SIZE)
}

// Cpu_init finishes this CPU's descriptor tables (Linux cpu_init): the
// user segments, in the order SYSRET needs (asm/segment.go), and the
// CPU-number segment in the GDT, then the SYSCALL MSRs (syscall_init).
func Cpu_init() {
	cpu := asm.Smp_processor_id()
	gdt := Get_cpu_gdt_rw(cpu)
	gdt[asm.GDT_ENTRY_DEFAULT_USER32_CS] = asm.DESC_USER32_CS
	gdt[asm.GDT_ENTRY_DEFAULT_USER_DS] = asm.DESC_USER_DS
	gdt[asm.GDT_ENTRY_DEFAULT_USER_CS] = asm.DESC_USER_CS
	gdt[asm.GDT_ENTRY_CPUNODE] = asm.Desc_cpunode(cpu, 0)
	Switch_gdt_and_percpu_base(cpu)
	// The FS base the entry code loads on every entry from user mode:
	// this CPU's TLS block, which startup_64 (or the AP's
	// secondary_startup_64) loaded (asm.PcpuHot.Kernel_fs_base).
	asm.This_cpu().Kernel_fs_base = asm.Rdmsrl(asm.MSR_FS_BASE)
	Syscall_init()
	printk.Pr_debug("cpu_init: CPU %d: GDT at %#x (__KERNEL_CS %#x, __KERNEL_DS %#x, __USER32_CS %#x, __USER_DS %#x, __USER_CS %#x), TSS at %#x, per-CPU data at %#x\n",
		printk.Int(cpu), printk.Int(uintptrOf(gdt)), printk.Int(asm.X__KERNEL_CS), printk.Int(asm.X__KERNEL_DS),
		printk.Int(asm.X__USER32_CS), printk.Int(asm.X__USER_DS), printk.Int(asm.X__USER_CS),
		printk.Int(uintptrOf(&Cpu_tss_rw[cpu])), printk.Int(uintptrOf(asm.This_cpu())))
}

// Syscall_init makes SYSCALL work (Linux arch/x86/kernel/cpu/common.c
// syscall_init; seeds/002 "Model-Specific Registers for syscalls"):
// MSR_STAR the selectors, MSR_LSTAR the 64-bit entry point
// (entry_SYSCALL_64), MSR_CSTAR the 32-bit one (ignore_sysret: gokern runs
// no 32-bit programs), MSR_SYSCALL_MASK the RFLAGS bits SYSCALL clears —
// IF so that the entry code runs with interrupts off until it is on the
// kernel stack, TF so that no single-step trap fires there, DF, AC and NT
// as the kernel's C-less Go code expects them — and EFER.SCE, which
// turns SYSCALL and SYSRET on (SDM Vol. 3A §5.8.8, Vol. 2B SYSCALL).
// MSR_KERNEL_GS_BASE starts at 0: the user GS base that the first SWAPGS
// on the way to user mode loads.
func Syscall_init() {
	asm.Wrmsrl(asm.MSR_STAR, Msr_star())
	asm.Wrmsrl(asm.MSR_LSTAR, uint64(entry.Entry_SYSCALL_64_addr))
	asm.Wrmsrl(asm.MSR_CSTAR, uint64(entry.Ignore_sysret_addr))
	asm.Wrmsrl(asm.MSR_SYSCALL_MASK, asm.X86_EFLAGS_CF|asm.X86_EFLAGS_PF|asm.X86_EFLAGS_AF|asm.X86_EFLAGS_ZF|
		asm.X86_EFLAGS_SF|asm.X86_EFLAGS_TF|asm.X86_EFLAGS_IF|asm.X86_EFLAGS_DF|asm.X86_EFLAGS_OF|
		asm.X86_EFLAGS_IOPL|asm.X86_EFLAGS_NT|asm.X86_EFLAGS_RF|asm.X86_EFLAGS_AC|asm.X86_EFLAGS_ID)
	asm.Wrmsrl(asm.MSR_KERNEL_GS_BASE, 0)
	asm.Wrmsrl(asm.MSR_EFER, asm.Rdmsrl(asm.MSR_EFER)|asm.EFER_SCE)
}

// Msr_star is MSR_STAR as Linux's syscall_init writes it: SYSCALL loads
// CS = __KERNEL_CS (bits 47:32) and SS = __KERNEL_CS+8 = __KERNEL_DS;
// SYSRET takes its selectors from __USER32_CS (bits 63:48): CS =
// __USER32_CS+16 = __USER_CS and SS = __USER32_CS+8 = __USER_DS.
func Msr_star() uint64 {
	return uint64(asm.X__USER32_CS)<<48 | uint64(asm.X__KERNEL_CS)<<32
}

// this_cpu_g_slot is this CPU's TLS slot, FS:-8 of its kernel FS base,
// where the running code's g is (the boot CPU's tls_block, an AP's
// cpu_tls), and its number: kallsyms lends that g an m for the runtime's
// look-ups.
//
//go:nosplit
func this_cpu_g_slot() (*uintptr, int) {
	p := asm.This_cpu()
	if p.Kernel_fs_base == 0 {
		// The boot CPU before cpu_init: startup_64's TLS block.
		return &tls_block[0], 0
	}
	return (*uintptr)(asm.KernelPtr(uintptr(p.Kernel_fs_base) - 8)), p.Cpu_number
}

// Every possible CPU has an m to lend for symbol look-ups.
var _ [kallsyms.LOOKUP_M_CPUS - asm.NR_CPUS]struct{}
