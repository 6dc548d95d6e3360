package amd64

import (
	"sync/atomic"

	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/realmode"
	"gokern/arch/amd64/tsc"
	"gokern/cmdline"
	"gokern/kernel/cpumask"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/paging"
	"gokern/printk"
	"gokern/traps"
)

// Waking the other CPUs. Linux: arch/x86/kernel/smpboot.c
// (prefill_possible_map, native_smp_prepare_cpus, do_boot_cpu,
// wakeup_secondary_cpu_via_init, start_secondary, native_cpu_up),
// kernel/smp.c (setup_max_cpus, nosmp, maxcpus=, smp_init), kernel/cpu.c.
// Seeds: 002 "Multi-core kernels": start_kernel runs on the boot CPU while
// "all the other cores (slaves) keep waiting" — here, for the INIT and
// STARTUP IPIs of do_boot_cpu. The path of one AP is in docs/smp.md.

// Setup_max_cpus: how many CPUs smp_init brings up at most (Linux
// setup_max_cpus: NR_CPUS, "maxcpus=N", 0 for "nosmp").
var Setup_max_cpus = asm.NR_CPUS

// parse_smp_options reads "nosmp" (only the boot CPU runs) and
// "maxcpus=N" (bring up at most N CPUs; 0 is nosmp), Linux kernel/smp.c
// nosmp and maxcpus (__setup options, as here: not early ones). A
// maxcpus= that is not a number is reported and ignored, as Linux's
// get_option leaves setup_max_cpus alone.
func parse_smp_options(cmd []byte) {
	if v, ok := cmdline.Cmdline_find_option(cmd, "maxcpus"); ok {
		n, err := cmdline.Kstrtoll(v)
		if err != cmdline.OK || n < 0 {
			printk.Pr_warn("maxcpus=%s: not a number of CPUs: ignored (maxcpus=N, N >= 0)\n", printk.Escaped(v))
		} else {
			Setup_max_cpus = int(min(n, int64(asm.NR_CPUS)))
		}
	}
	if cmdline.Cmdline_find_option_bool(cmd, "nosmp") {
		Setup_max_cpus = 0
	}
}

// Prefill_possible_map decides which CPU numbers can ever be used: the
// processors the tables listed (and the unusable ones, for hotplug), never
// more than NR_CPUS, and only the boot CPU with nosmp or maxcpus=0 (Linux
// smpboot.c prefill_possible_map). Called by setup_arch once the MADT or
// MP table has been read.
func Prefill_possible_map() {
	parse_smp_options(cmdline.BootCommandLine())
	// No processor in the tables: the boot CPU is still there.
	if apic.Num_processors == 0 {
		if apic.Smp_found_config {
			printk.Pr_warn("Boot CPU (id %d) not listed by BIOS\n", printk.Int(apic.Read_apic_id()))
		}
		apic.Generic_processor_info(apic.Read_apic_id())
	}
	possible := min(apic.Num_processors+apic.Disabled_cpus, asm.NR_CPUS)
	if Setup_max_cpus == 0 {
		possible = 1
	}
	if apic.Num_processors+apic.Disabled_cpus > asm.NR_CPUS {
		printk.Pr_warn("smpboot: %d Processors exceeds NR_CPUS limit of %d\n",
			printk.Int(apic.Num_processors+apic.Disabled_cpus), printk.Int(asm.NR_CPUS))
	}
	cpumask.Nr_cpu_ids = possible
	printk.Pr_info("smpboot: Allowing %d CPUs, %d hotplug CPUs\n", printk.Int(possible), printk.Int(max(possible-apic.Num_processors, 0)))
	cpumask.Cpu_possible_mask.Store(0)
	for i := 0; i < possible; i++ {
		cpumask.Set_cpu_possible(i, true)
	}
	// A present CPU that is not possible is not there for the kernel.
	cpumask.Cpu_present_mask.Store(cpumask.Cpu_present_mask.Bits() & cpumask.Cpu_possible_mask.Bits())
	// The boot CPU runs this.
	cpumask.Set_cpu_online(0, true)
}

// AP_TASK_STACK_SIZE: an AP's idle stack (the boot CPU's is
// BOOT_STACK_SIZE, for all of start_kernel).
const AP_TASK_STACK_SIZE = 32 << 10

// AP_STACKS_SIZE: an AP's block of stacks, laid out as the boot CPU's
// (stacks.go), from the page allocator.
const AP_STACKS_SIZE = BOOT_STACK_OFFSET + AP_TASK_STACK_SIZE

// ap_stack_pages: map_ap_stacks' page list (Vmap keeps no reference to
// it), one AP at a time under smp_init.
var ap_stack_pages [AP_STACKS_SIZE / asm.PAGE_SIZE]*mm.Page

// map_ap_stacks gives an AP its block of stacks with real guard pages:
// frames from the page allocator, mapped again in the vmalloc space
// with a hole at each guard page (Linux maps each CPU's exception stacks
// page by page into its cpu_entry_area with holes between them, and its
// IRQ stack and idle task stack through vmap: map_irq_stack,
// CONFIG_VMAP_STACK). A push into a hole faults, and the #DF handler
// reports the overflow with the stack it hit; the block's frames also
// stay in the direct map, as a vmapped stack's do. Returns the block's
// address, 0 without memory.
func map_ap_stacks() uintptr {
	frames := mm.X__get_free_pages(mm.GFP_KERNEL, stacks_order(AP_STACKS_SIZE))
	if frames == 0 {
		return 0
	}
	for i := range ap_stack_pages {
		off := uintptr(i) * asm.PAGE_SIZE
		ap_stack_pages[i] = nil
		if !block_guard_page(off) {
			ap_stack_pages[i] = mm.Virt_to_page(frames + off)
		}
	}
	// The block starts with a guard page: Vmap refuses a leading hole,
	// so the area starts one page in, and the page below it (the guard
	// page below the #DF stack) is the hole before any vmalloc area.
	v := uintptr(mm.Vmap(ap_stack_pages[1:], 0, paging.PAGE_KERNEL))
	if v == 0 {
		mm.Free_pages(frames, stacks_order(AP_STACKS_SIZE))
		return 0
	}
	return v - asm.PAGE_SIZE
}

// smpboot_ctl is what do_boot_cpu hands the one AP it is waking to
// secondary_startup_64 (head_64.s; Linux initial_stack, initial_gs and,
// since 6.5, smpboot_control).
type smpboot_ctl struct {
	cr3   uintptr // the kernel's PGD
	stack uintptr // the top of the AP's task stack
	g     uintptr // its g
	tls   uintptr // its TLS block: the g's slot, FS base just past it
	cpu   int
}

// cpu_gs are an AP's static g's: one per stack, as the boot CPU's boot_g,
// irq_g and estack_g.
type cpu_gs struct {
	task, irq gStatic
	estack    [asm.N_EXCEPTION_STACKS]gStatic
}

var (
	smpboot_control smpboot_ctl
	ap_g            [asm.NR_CPUS]cpu_gs
	// cpu_tls[cpu] is an AP's TLS block (the boot CPU's is tls_block).
	cpu_tls [asm.NR_CPUS][2]uintptr

	// Cpu_callin_apicid: the APIC ID each AP read from its own local APIC
	// when it checked in; Cpu_boot_ns: how long do_boot_cpu took, INIT to
	// check-in (the bring-up figure); Cpu_stacks: each AP's stack block.
	Cpu_callin_apicid [asm.NR_CPUS]uint32
	// Cpu_callin_gs_base and Cpu_callin_id: the GS base each AP found in
	// its MSR, and the CPU number it read through it
	// (smp_processor_id), at check-in.
	Cpu_callin_gs_base [asm.NR_CPUS]uintptr
	Cpu_callin_id      [asm.NR_CPUS]int
	Cpu_boot_ns        [asm.NR_CPUS]uint64
	Cpu_stacks         [asm.NR_CPUS]uintptr
)

// secondary_startup_64_va is secondary_startup_64's link-time address
// (head_64.s), which the trampoline jumps to.
var secondary_startup_64_va uintptr

// secondary_startup_64 is the APs' kernel entry (head_64.s).
func secondary_startup_64()

// udelay waits us microseconds on the TSC (Linux udelay, arch/x86/lib/delay.c
// delay_tsc).
func udelay(us uint64) {
	t0 := asm.Rdtsc()
	for asm.Rdtsc()-t0 < us*tsc.Tsc_khz/1000 {
		asm.Cpu_relax()
	}
}

// The MP specification's delays (Intel MultiProcessor Specification
// v1.4, Appendix B.4 "Application Processor Startup"): 10 ms after INIT,
// 200 us after each STARTUP. Linux (wakeup_secondary_cpu_via_init) keeps
// the 10 ms for old CPUs only (init_udelay); gokern keeps the spec's.
const (
	INIT_UDELAY    = 10000
	STARTUP_UDELAY = 200
	// CALLIN_TIMEOUT_MS: how long do_boot_cpu waits for the AP to check in
	// (Linux waits 10 s; TCG with many vCPUs on few host cores is slow).
	CALLIN_TIMEOUT_MS = 5000
)

// wakeup_secondary_cpu_via_init sends INIT (assert, de-assert) and two
// STARTUP IPIs whose vector is the trampoline's page number (Linux
// smpboot.c wakeup_secondary_cpu_via_init; SDM Vol. 3A §9.4.4.1 "Typical
// BSP Initialization Sequence": INIT-SIPI-SIPI). It returns the send and
// accept status left in the ICR and ESR (0: delivered).
func wakeup_secondary_cpu_via_init(apicid uint32, start_eip uint64) uint32 {
	apic.Apic_write(asm.APIC_ESR, 0)
	apic.Apic_icr_write(asm.APIC_INT_LEVELTRIG|asm.APIC_INT_ASSERT|asm.APIC_DM_INIT, apicid)
	send := apic.Safe_apic_wait_icr_idle()
	udelay(INIT_UDELAY)
	apic.Apic_icr_write(asm.APIC_INT_LEVELTRIG|asm.APIC_DM_INIT, apicid)
	send |= apic.Safe_apic_wait_icr_idle()
	var accept uint32
	for j := 0; j < 2; j++ {
		apic.Apic_write(asm.APIC_ESR, 0)
		apic.Apic_icr_write(asm.APIC_DM_STARTUP|uint32(start_eip>>asm.PAGE_SHIFT), apicid)
		udelay(STARTUP_UDELAY / 2)
		send |= apic.Safe_apic_wait_icr_idle()
		udelay(STARTUP_UDELAY)
		apic.Apic_write(asm.APIC_ESR, 0)
		accept |= apic.Apic_read(asm.APIC_ESR) & 0xef
		if send != 0 || accept != 0 {
			break
		}
	}
	return send | accept
}

// stacks_order: the smallest order of pages that holds size bytes (Linux
// get_order, which mm owns).
func stacks_order(size uintptr) uint {
	order := uint(0)
	for asm.PAGE_SIZE<<order < size {
		order++
	}
	return order
}

// do_boot_cpu wakes one AP and waits for it to check in (Linux
// smpboot.c do_boot_cpu): its stacks and per-CPU data first, then
// smpboot_control for secondary_startup_64, then INIT-SIPI-SIPI. It
// returns 0, or -1 for a CPU that never came online (reported with how
// far it got in the trampoline); the boot goes on without it.
func do_boot_cpu(cpu int, start_eip uint64) int {
	apicid := apic.X86_cpu_to_apicid[cpu]
	if Cpu_stacks[cpu] == 0 {
		Cpu_stacks[cpu] = map_ap_stacks()
	}
	base := Cpu_stacks[cpu]
	if base == 0 {
		printk.Pr_err("smpboot: no memory for CPU#%d's stacks (%d bytes)\n", printk.Int(cpu), printk.Int(AP_STACKS_SIZE))
		return -1
	}
	p := asm.Per_cpu_ptr(asm.Pcpu_hot, cpu)
	p.This_cpu_off = asm.X__per_cpu_offset[cpu]
	p.Cpu_number = cpu
	g := &ap_g[cpu]
	setup_stacks_at(p, base, AP_TASK_STACK_SIZE, &g.task, &g.irq, &g.estack, true)
	// Its idle task, on its task stack (Linux idle_threads_init →
	// fork_idle, before do_boot_cpu); once only, for a CPU woken again.
	if sched.Cpu_rq(cpu).Idle == nil && sched.Fork_idle(cpu, &p.Stacks[asm.STACK_TYPE_TASK]) == nil {
		printk.Pr_err("smpboot: no memory for CPU#%d's idle task\n", printk.Int(cpu))
		return -1
	}
	smpboot_control = smpboot_ctl{
		cr3:   uintptr(asm.Read_cr3()),
		stack: p.Top_of_stack,
		g:     uintptrOf(&g.task),
		tls:   uintptrOf(&cpu_tls[cpu][0]),
		cpu:   cpu,
	}
	realmode.Tr_status_reset()

	t0 := tsc.Local_clock()
	status := wakeup_secondary_cpu_via_init(apicid, start_eip)
	deadline := asm.Rdtsc() + CALLIN_TIMEOUT_MS*tsc.Tsc_khz
	for !cpumask.Cpu_online(cpu) && asm.Rdtsc() < deadline {
		asm.Cpu_relax()
	}
	if !cpumask.Cpu_online(cpu) {
		tr := realmode.Tr_status_read()
		why := "Not responding (it never ran the trampoline)"
		switch tr {
		case 1, 2:
			why = "Stuck in the trampoline (before long mode)"
		case 3:
			why = "Stuck after the trampoline (in the kernel)"
		}
		printk.Pr_err("smpboot: CPU%d (APIC %#x): %s; trampoline status %d, IPI status %#x\n",
			printk.Int(cpu), printk.Int(apicid), printk.Str(why), printk.Int(tr), printk.Int(status))
		printk.Pr_err("smpboot: do_boot_cpu failed(-1) to wakeup CPU#%d\n", printk.Int(cpu))
		return -1
	}
	Cpu_boot_ns[cpu] = tsc.Local_clock() - t0
	return 0
}

// start_secondary is an AP's first Go function, on its own task stack
// and g (Linux smpboot.c start_secondary): its GDT, TSS, per-CPU data
// (GS) and the kernel's IDT (cpu_init), its local APIC, then it checks in
// by going online, and idles.
func start_secondary() {
	cpu := smpboot_control.cpu
	cpu_init_secondary(cpu)
	// From here current is this CPU's idle task, swapper/cpu.
	sched.Idle_task_start()
	apic.Setup_local_APIC_secondary()
	// Its own tick (Linux setup_secondary_APIC_clock), counted in its own
	// irq_stat (the LOC row).
	apic.Setup_secondary_APIC_clock()
	Cpu_callin_apicid[cpu] = apic.Read_lapic_id()
	Cpu_callin_gs_base[cpu] = uintptr(asm.Rdmsrl(asm.MSR_GS_BASE))
	Cpu_callin_id[cpu] = asm.Smp_processor_id()
	// smp_callin: the boot CPU waits for this bit.
	cpumask.Set_cpu_online(cpu, true)
	cpu_startup_entry_secondary()
}

// cpu_init_secondary loads an AP's descriptor tables, as
// startup_64_setup_gdt_idt and trap_init did the boot CPU's (Linux
// cpu_init on an AP: switch_gdt_and_percpu_base, load_current_idt,
// cpu_init_exception_handling).
func cpu_init_secondary(cpu int) {
	gdt := Get_cpu_gdt_rw(cpu)
	gdt[asm.GDT_ENTRY_KERNEL32_CS] = asm.DESC_KERNEL32_CS
	gdt[asm.GDT_ENTRY_KERNEL_CS] = asm.DESC_KERNEL_CS
	gdt[asm.GDT_ENTRY_KERNEL_DS] = asm.DESC_KERNEL_DS
	set_tss_desc(cpu)
	Switch_gdt_and_percpu_base(cpu)
	asm.LoadSegments(asm.X__KERNEL_CS, asm.X__KERNEL_DS)
	asm.Load_tr(asm.X__TSS)
	traps.Load_current_idt()
	// Its stacks' guard pages checked unmapped, and Go's stack checks
	// moved onto them, as trap_init does for the boot CPU.
	Setup_cpu_entry_areas()
	Cpu_init_exception_handling()
	Cpu_init()
}

// cpu_startup_entry_secondary is an AP's idle loop (Linux
// cpu_startup_entry → do_idle): interrupts on, HLT until the next one
// (an IPI), forever.
func cpu_startup_entry_secondary() {
	cpu := asm.Smp_processor_id()
	Cpu_idle[cpu] = true
	for {
		asm.Local_irq_disable()
		if idle_work_pending[cpu].Load() {
			asm.Native_irq_enable()
			idle_work_fn[cpu](idle_work_arg[cpu])
			idle_work_pending[cpu].Store(false)
			continue
		}
		if sched.Need_resched() {
			asm.Native_irq_enable()
			sched.Schedule_idle()
			continue
		}
		// STI;HLT: an interrupt between the check and the HLT still
		// wakes it (the STI shadow).
		asm.Native_safe_halt()
	}
}

// Work for an AP's idle loop: the AP runs idle_work_fn[cpu] there, with
// interrupts on, in the context a kernel thread would have (gokern: the
// APs have no scheduler of their own yet, and an IPI handler, with
// interrupts off, may not call what waits for other CPUs, such as vfree's
// TLB shootdown). Run_on_idle_cpu posts it and wakes the AP.
var (
	idle_work_fn      [asm.NR_CPUS]func(uintptr)
	idle_work_arg     [asm.NR_CPUS]uintptr
	idle_work_pending [asm.NR_CPUS]atomic.Bool
)

// Run_on_idle_cpu has cpu's idle loop run fn(arg); false if cpu is not an
// online AP in its idle loop or still busy with earlier work.
func Run_on_idle_cpu(cpu int, fn func(uintptr), arg uintptr) bool {
	if cpu <= 0 || cpu >= asm.NR_CPUS || !cpumask.Cpu_online(cpu) || !Cpu_idle[cpu] || idle_work_pending[cpu].Load() {
		return false
	}
	idle_work_fn[cpu], idle_work_arg[cpu] = fn, arg
	idle_work_pending[cpu].Store(true)
	apic.Send_IPI_mask(1<<uint(cpu), asm.RESCHEDULE_VECTOR)
	return true
}

// Cpu_idle[cpu]: the CPU has reached its idle loop.
var Cpu_idle [asm.NR_CPUS]bool

// Smp_init brings up the other CPUs, one at a time, up to maxcpus (Linux
// kernel/smp.c smp_init → bringup_nonboot_cpus → cpu_up → native_cpu_up →
// do_boot_cpu; smpboot.c native_smp_prepare_cpus), and prints what came
// up as Linux does:
//
//	x86: Booting SMP configuration:
//	.... node  #0, CPUs:      #1 #2 #3
//	smp: Brought up 1 node, 4 CPUs
func Smp_init() {
	if cpumask.Num_present_cpus() < 2 || Setup_max_cpus < 2 {
		printk.Pr_info("smp: Brought up 1 node, 1 CPU\n")
		return
	}
	if !apic.Lapic_mapped() || apic.Apic_intr_mode == apic.APIC_PIC {
		printk.Pr_info("smpboot: SMP disabled: no local APIC to send the STARTUP IPIs\n")
		return
	}
	start := realmode.Setup_real_mode(secondary_startup_64_va)
	if start == 0 {
		return
	}
	// The IPIs' handlers and senders, before any AP can be sent one.
	if !smp_ipis_ready {
		smp_prepare_ipis()
		smp_ipis_ready = true
	}
	printk.Pr_info("x86: Booting SMP configuration:\n")
	var line [80]byte
	n := printk.Snprintf(line[:], ".... node  #0, CPUs:    ")
	for cpu := 1; cpu < cpumask.Nr_cpu_ids; cpu++ {
		if cpumask.Num_online_cpus() >= Setup_max_cpus {
			break
		}
		if !cpumask.Cpu_present(cpu) || cpumask.Cpu_online(cpu) {
			continue
		}
		if do_boot_cpu(cpu, start) == 0 && n < len(line) {
			n += printk.Snprintf(line[n:], " #%d", printk.Int(cpu))
		}
	}
	printk.Pr_info("%s\n", printk.Bytes(line[:n]))
	c := cpumask.Num_online_cpus()
	printk.Pr_info("smp: Brought up 1 node, %d CPUs\n", printk.Int(c))
	for cpu := 1; cpu < cpumask.Nr_cpu_ids; cpu++ {
		if cpumask.Cpu_online(cpu) {
			printk.Pr_debug("smpboot: CPU %d: APIC ID %#x, online %d us after INIT, GS base (per-CPU data) %#x, stacks %#x-%#x\n",
				printk.Int(cpu), printk.Int(Cpu_callin_apicid[cpu]), printk.Int(Cpu_boot_ns[cpu]/1000),
				printk.Int(asm.X__per_cpu_offset[cpu]), printk.Int(Cpu_stacks[cpu]), printk.Int(Cpu_stacks[cpu]+AP_STACKS_SIZE-1))
		}
	}
}
