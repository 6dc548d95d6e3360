// gokern's start_kernel and idle loop: Linux init/main.c (start_kernel,
// rest_init, arch_call_rest_init) and kernel/sched/idle.c
// (cpu_startup_entry, do_idle); in 2.6, cpu_idle.
//
// The kernel starts at startup_64 (arch/amd64/head_64.s), never at main:
// the Go linker is told so with -E (internal/kbuild). Package main exists
// because the kernel is a Go program; its package initialisers never run,
// so every package-level variable in the kernel is initialised statically
// (constants, or composite literals of constants and function names).
package main

import (
	"unsafe" // go:linkname, the code pointer of a func value

	"gokern/arch/amd64"
	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry/vdso"
	"gokern/arch/amd64/i8259"
	x86mm "gokern/arch/amd64/mm"
	"gokern/arch/amd64/tsc"
	"gokern/cmdline"
	"gokern/drivers/char"
	"gokern/drivers/debugexit"
	"gokern/drivers/serial8250"
	"gokern/drivers/tty"
	"gokern/fs"
	"gokern/fs/proc"
	"gokern/fs/ramfs"
	"gokern/init/initramfs"
	"gokern/kallsyms"
	"gokern/kernel"
	"gokern/kernel/exec"
	"gokern/kernel/futex"
	"gokern/kernel/irq"
	"gokern/kernel/sched"
	"gokern/kernel/signal"
	"gokern/kernel/sys"
	ktime "gokern/kernel/time"
	"gokern/kunit"
	"gokern/mm"
	"gokern/mm/slab"
	"gokern/printk"
	"gokern/traps"
)

// Set by the linker (-X), as Linux's UTS_RELEASE and compile.h.
var (
	gokern_version = "0.1"
	go_version     = "go"
	build_info     = "#1"
)

func main() {
	// Never called: see the package comment. `go run .` on a host gets
	// this message instead of a crash.
	println("gokern is a kernel: build it with ./qemu.sh build and boot build/bzImage")
}

// start_kernel reads like Linux's: one step a line.
//
//go:linkname start_kernel
func start_kernel() {
	// The banner (Linux linux_banner).
	printk.Pr_notice("gokern version %s (%s) %s\n", printk.Str(gokern_version), printk.Str(go_version), printk.Str(build_info))
	printk.Pr_debug("start_kernel: boot CPU, console %s, TSC %d kHz (%s)\n", printk.Str(serial8250.Early_serial_console.Name), printk.Int(tsc.Tsc_khz), printk.Str(tsc.TscSource))
	// Architecture setup: command line, memory map, page tables, zones.
	do_one_initcall(amd64.Setup_arch)
	// The command-line options nobody takes go to init, said in one line,
	// and so do the words after "--" (Linux parse_args).
	parse_args(cmdline.BootCommandLine())
	if panic_later != "" {
		kernel.Panic("Too many boot %s vars at `%s'", printk.Str(panic_later), printk.Escaped(panic_param))
	}
	// A per-CPU area for every possible CPU; the boot CPU's GS base
	// moves to its own (Linux setup_per_cpu_areas).
	do_one_initcall(amd64.Setup_per_cpu_areas)
	// The buddy allocator takes over from the early allocator (Linux mm_init).
	do_one_initcall(mm.Mm_init)
	// A crash point for the early IDT's oops test (lkdtm.go).
	lkdtm_cpoint(cmdline.BootCommandLine(), "TRAP_INIT")
	// The final GDT, TSS and IDT: a handler for every exception, int
	// $0x80 and the interrupt vectors (Linux trap_init).
	do_one_initcall(traps.Trap_init)
	// The run queues, and this flow becomes init_task, pid 0, the boot
	// CPU's idle task to be (Linux sched_init).
	do_one_initcall(sched.Sched_init)
	// The ISA lines' interrupt descriptors, from the slab allocator (Linux
	// early_irq_init), then the 8259s (Linux init_IRQ).
	do_one_initcall(irq.Early_irq_init)
	do_one_initcall(amd64.Init_IRQ)
	// The clocks start from the RTC's wall time (Linux timekeeping_init).
	do_one_initcall(timekeepingInit)
	// The interrupt mode, the local APIC timer, the TSC checked (Linux
	// time_init).
	do_one_initcall(amd64.Time_init)
	// The TSC becomes the clocks' counter (Linux init_tsc_clocksource).
	do_one_initcall(amd64.Init_tsc_clocksource)
	// Interrupts on: the tick starts (Linux start_kernel's
	// local_irq_enable, right after time_init).
	asm.Native_irq_enable()
	// Every slab cache gets its full per-CPU array (Linux
	// kmem_cache_init_late).
	do_one_initcall(mm.Kmem_cache_init_late)
	// The VFS: its caches, and rootfs mounted as "/" (Linux
	// vfs_caches_init → mnt_init → init_rootfs, init_mount_tree).
	do_one_initcall(vfsCachesInit)
	// procfs registered, for init to mount (Linux proc_root_init).
	do_one_initcall(procRootInit)
	// The rest: kernel_init's work, then the idle loop.
	arch_call_rest_init()
}

// timekeepingInit: the wall clock from the RTC, the monotonic clock
// from the time since the boot began, as Linux's timekeeping_init takes
// read_persistent_clock64 and read_boot_clock64.
func timekeepingInit() { ktime.Timekeeping_init(amd64.Read_persistent_clock64(), tsc.Local_clock()) }

// do_one_initcall runs one step of start_kernel; with "initcall_debug" it
// reports the step and how long it took, as Linux does for each initcall
// (init/main.c do_one_initcall, do_one_initcall_debug,
// trace_initcall_finish_cb), so the cost of every stage is visible:
//
//	calling  mm_init+0x0/0x9b @ 0
//	initcall mm_init+0x0/0x9b returned 0 after 2315 usecs
//
// gokern's steps return nothing (they stop the boot themselves): 0.
func do_one_initcall(fn func()) {
	if !cmdline.Cmdline_find_option_bool(cmdline.BootCommandLine(), "initcall_debug") {
		fn()
		return
	}
	var name [128]byte
	n := kallsyms.Sprint_symbol_linux(name[:], **(**uintptr)(unsafe.Pointer(&fn)))
	printk.Pr_debug("calling  %s @ 0\n", printk.Bytes(name[:n]))
	t0 := tsc.Local_clock()
	fn()
	printk.Pr_debug("initcall %s returned 0 after %d usecs\n", printk.Bytes(name[:n]), printk.Int((tsc.Local_clock()-t0)/1000))
}

// boot_reports prints what the command line asks for at the end of boot:
// "buddyinfo" the free blocks of each order and zone as /proc/buddyinfo
// shows them (gokern has no /proc yet), "slabinfo" /proc/slabinfo,
// "ps" the task list as gk-ps prints it (Linux's SysRq-T),
// "bench=buddy" the cost of an alloc+free pair measured with the TSC,
// "bench=slab" the cost of kmalloc+kfree and of a typed cache's
// Alloc+Free.
func boot_reports(cmd []byte) {
	if cmdline.Cmdline_find_option_bool(cmd, "buddyinfo") {
		mm.Frag_show()
	}
	if cmdline.Cmdline_find_option_bool(cmd, "slabinfo") {
		mm.Slab_show()
	}
	if cmdline.Cmdline_find_option_bool(cmd, "vmallocinfo") {
		mm.Vmallocinfo()
	}
	if cmdline.Cmdline_find_option_bool(cmd, "ps") {
		sched.Show_state()
	}
	if v, ok := cmdline.Cmdline_find_option(cmd, "bench"); ok {
		switch string(v) {
		case "buddy":
			mm.BenchBuddy()
		case "slab":
			mm.BenchSlab()
			slab.BenchTyped()
		case "sched":
			sched.Bench_context_switch()
		default:
			printk.Pr_warn("bench=%s: no such benchmark (bench=buddy, bench=slab, bench=sched): ignored\n", printk.Escaped(v))
		}
	}
}

// arch_call_rest_init → rest_init → cpu_startup_entry: boot CPU becomes
// the idle task (Linux init/main.c). These steps are never inlined, so
// that each is a frame of its own in gdb's bt, as Linux's noinline
// rest_init is.
//
//go:noinline
func arch_call_rest_init() { rest_init() }

// kthreadd_done: kernel_init waits for rest_init to have kthreadd's task
// (Linux init/main.c kthreadd_done).
var kthreadd_done sched.Completion

// rest_init: the first kernel threads, then the boot CPU becomes the idle
// task (Linux init/main.c rest_init). kernel_init is created first so
// that it is pid 1 — it will become the first user process — and kthreadd
// second, pid 2, the parent of every other kernel thread; both inherit
// init_task's name until they set their own, as in Linux (kthreadd is
// named at once here, so it has its name before it first runs). The boot CPU's
// flow, init_task since sched_init, schedules once (the new threads run
// now) and then stays the idle task.
//
//go:noinline
func rest_init() {
	pid := sched.Kernel_thread(kernel_init, 0, "")
	if pid != 1 {
		kernel.Panic("rest_init: kernel_init got pid %d, not 1", printk.Int(pid))
	}
	pid = sched.Kernel_thread(sched.Kthreadd, 0, "kthreadd")
	sched.Kthreadd_task = sched.Find_task_by_pid(pid)
	sched.Complete(&kthreadd_done)
	sched.Schedule_preempt_disabled()
	cpu_startup_entry()
}

// kernel_init is pid 1 (Linux init/main.c kernel_init →
// kernel_init_freeable): the initcalls' and KUnit's place (the in-kernel
// selftests, the lkdtm crash trigger, the boot reports), and then, in
// Linux, the first user program. gokern has no user space yet: pid 1
// sleeps for good once its work is done (an init that returned would be
// Linux's "Attempted to kill init!" panic).
//
//go:noinline
func kernel_init(unused uintptr) int {
	kernel_init_freeable()
	printk.Pr_info("kernel_init: no user space to run yet: pid 1 sleeps\n")
	kernel_init_done = true
	for {
		sched.Set_current_state(sched.TASK_INTERRUPTIBLE)
		sched.Schedule()
	}
}

//go:noinline
func kernel_init_freeable() {
	// kthreadd must exist before anyone asks it for a thread (Linux).
	sched.Wait_for_completion(&kthreadd_done)
	// Wake the other CPUs (Linux smp_init).
	do_one_initcall(amd64.Smp_init)
	// The drivers and file systems (Linux do_basic_setup →
	// do_initcalls): ramfs and tmpfs, the memory devices, the ttys.
	do_basic_setup()
	// The built-in archive and the initrd, unpacked into rootfs, the
	// initrd's pages freed (Linux populate_rootfs, a rootfs_initcall).
	initramfs.Populate_rootfs(amd64.Phys_initrd_start, amd64.Phys_initrd_size)
	// /dev/console as descriptors 0, 1 and 2 of the boot task, which
	// init inherits (Linux console_on_rootfs).
	initramfs.Console_on_rootfs()
	// The process and memory system calls into the tables, the user
	// fault paths into traps (Linux's tables are static; gokern's
	// layers fill theirs at boot).
	exec.Register_syscalls()
	// Signals: their system calls, delivery on the way back to user
	// mode, fatal ones ending the process through exit; process groups
	// and sessions, and ^C and ^\ from the tty to its foreground group.
	signal.Signals_init()
	signal.Hooks.Do_group_exit = exec.Do_group_exit
	syscalls_below_init()
	// The file, time and system calls (kernel/sys).
	sys.RegisterSyscalls()
	// The serial line's receive interrupt and the SysRq keys (Linux's
	// device initcalls serial8250_init and sysrq_init).
	do_one_initcall(amd64.Sysrq_init)
	// In-kernel selftests, if the command line asks (selftest=all|a,b;
	// Linux runs KUnit here, kunit_run_all_tests), on the boot CPU:
	// several check that CPU's own state (its local APIC is the BSP's,
	// its stacks' guard pages); the SMP ones start threads of their own
	// on the other CPUs. Pid 1 may use every CPU again afterwards.
	sched.Set_cpus_allowed_ptr(sched.Get_current(), 1<<0)
	if asm.Smp_processor_id() != 0 {
		sched.Yield() // the switch moves it (push_task_away)
	}
	kunit_run_all_tests(cmdline.BootCommandLine())
	sched.Set_cpus_allowed_ptr(sched.Get_current(), sched.CPU_MASK_ALL)
	// Deliberate crashes for the oops tests (lkdtm=...; Linux's lkdtm
	// module crashes from its initcall, in do_basic_setup).
	lkdtm_trigger(cmdline.BootCommandLine())
	// Reports asked for on the command line (buddyinfo, bench=buddy).
	boot_reports(cmdline.BootCommandLine())
	// The first user program: /init of the initramfs, or rdinit=
	// (Linux kernel_init → run_init_process(ramdisk_execute_command)).
	run_init(cmdline.BootCommandLine())
}

// MAX_INIT_ARGS and MAX_INIT_ENVS bound init's arguments and environment
// from the command line (Linux's).
const (
	MAX_INIT_ARGS = 32
	MAX_INIT_ENVS = 32
)

var (
	// argv_init and envp_init: what init starts with (Linux argv_init,
	// envp_init: "HOME=/", "TERM=linux"), filled from the command line
	// by unknown_bootoption and set_init_arg. argv[0] is the program.
	argv_init [MAX_INIT_ARGS + 2][]byte
	argc_init = 1
	envp_init = [MAX_INIT_ENVS + 2][]byte{[]byte("HOME=/"), []byte("TERM=linux")}
	envc_init = 2
	// init_env_buf holds the environment words without their quotes
	// (Linux's repair_env_string edits the command line in place; gokern's
	// stays as the loader gave it, /proc/cmdline reads it).
	init_env_buf [asm.COMMAND_LINE_SIZE]byte
	init_env_len int
	// panic_later and panic_param: more than MAX_INIT_ARGS or
	// MAX_INIT_ENVS words for init; start_kernel stops on it once the
	// console has said what was unknown (Linux's).
	panic_later string
	panic_param []byte
	// default_init is the program unless rdinit= names another (Linux
	// ramdisk_execute_command, "/init").
	default_init = [...]byte{'/', 'i', 'n', 'i', 't'}
)

// kernel_words is the part of the command line the kernel reads: up to
// "--", after which the words are init's arguments (Linux parse_args
// stops at "--").
func kernel_words(cmd []byte) (kernel, init []byte) {
	for i := 0; i+2 <= len(cmd); i++ {
		if cmd[i] == '-' && cmd[i+1] == '-' && (i == 0 || cmd[i-1] == ' ') && (i+2 == len(cmd) || cmd[i+2] == ' ') {
			return cmd[:i], cmd[i+2:]
		}
	}
	return cmd, nil
}

// unquote takes a word's enclosing double quotes off, as Linux's
// next_arg does ("a b" is the word a b).
func unquote(w []byte) []byte {
	if len(w) >= 1 && w[0] == '"' {
		w = w[1:]
		if len(w) >= 1 && w[len(w)-1] == '"' {
			w = w[:len(w)-1]
		}
	}
	return w
}

// add_init_arg appends w to init's arguments, or notes that there are too
// many (Linux set_init_arg and unknown_bootoption's "Command line
// option" branch).
func add_init_arg(w []byte) {
	if argc_init == MAX_INIT_ARGS {
		if panic_later == "" {
			panic_later, panic_param = "init", w
		}
		return
	}
	argv_init[argc_init] = w
	argc_init++
}

// unknown_bootoption hands a command-line word no part of the kernel takes
// to init (Linux init/main.c unknown_bootoption): name=value to its
// environment, replacing a variable of the same name (TERM=vt100 replaces
// TERM=linux), a bare word to its arguments; a word with a dot in its name
// is a parameter of a module gokern does not have, and is dropped.
func unknown_bootoption(name, val []byte, hasVal bool) {
	for _, c := range name {
		if c == '.' {
			return
		}
	}
	if !hasVal {
		add_init_arg(unquote(name))
		return
	}
	n := len(name) + 1 + len(val)
	if init_env_len+n > len(init_env_buf) {
		return // cannot happen: the words come from a command line of this size
	}
	e := init_env_buf[init_env_len : init_env_len+n]
	copy(e, name)
	e[len(name)] = '='
	copy(e[len(name)+1:], val)
	init_env_len += n
	i := 0
	for ; i < envc_init; i++ {
		if len(envp_init[i]) > len(name) && string(envp_init[i][:len(name)+1]) == string(e[:len(name)+1]) {
			break
		}
	}
	if i == MAX_INIT_ENVS {
		if panic_later == "" {
			panic_later, panic_param = "env", e
		}
		return
	}
	envp_init[i] = e
	if i == envc_init {
		envc_init++
	}
}

// set_init_args gives init the words after "--" as arguments (Linux
// start_kernel's parse_args("Setting init args", after_dashes, ...,
// set_init_arg)); a word may hold spaces inside double quotes (init=/bin/sh
// -- -c "exit 7").
func set_init_args(args []byte) {
	for i := 0; i < len(args); {
		for i < len(args) && args[i] == ' ' {
			i++
		}
		// Linux lib/cmdline.c next_arg: a word that starts with a double
		// quote loses it and its closing one.
		j, quote := i, false
		for j < len(args) && (args[j] != ' ' || quote) {
			if args[j] == '"' {
				quote = !quote
			}
			j++
		}
		if j > i {
			add_init_arg(unquote(args[i:j]))
		}
		i = j
	}
}

// run_init execs init as pid 1 and leaves for user mode; it returns only
// when there is no init to run (no /init in the initramfs, no rdinit= and
// no init=: the boot CPU goes idle, as gokern did before it had user
// mode). As Linux's kernel_init: the initramfs's program first (rdinit=,
// else /init); when it is not there, init= (Linux runs it from the root
// file system, gokern's is the initramfs), and init= that cannot run
// stops the kernel ("Requested init ... failed"); a program that exists
// but cannot run stops it too ("Failed to execute", then "No working init
// found").
func run_init(cmd []byte) {
	kcmd, _ := kernel_words(cmd)
	path, explicit := cmdline.Cmdline_find_option(kcmd, "rdinit")
	if !explicit {
		path = default_init[:]
	}
	argv_init[0] = path
	r := exec.Run_init_process(path, argv_init[:argc_init], envp_init[:envc_init])
	if r == -asm.ENOENT {
		if init, ok := cmdline.Cmdline_find_option(kcmd, "init"); ok {
			argv_init[0] = init
			r = exec.Run_init_process(init, argv_init[:argc_init], envp_init[:envc_init])
			kernel.Panic("Requested init %s failed (error %d).", printk.Bytes(init), printk.Int(r))
		}
		if !explicit {
			printk.Pr_info("run_init: no %s in the initramfs: no user space to run\n", printk.Bytes(path))
			return
		}
	}
	printk.Pr_err("Failed to execute %s (error %d)\n", printk.Bytes(path), printk.Int(r))
	kernel.Panic("No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.")
}

// kernel_params are the options taken outside the early-option table
// (Linux: the __setup table), with the ones only the real-mode setup reads
// (boot/a20.S, boot/memory.S).
var kernel_params = [...]string{"selftest", "rdinit", "init", "console", "lkdtm", "lkdtm.cpoint_name", "lkdtm.cpoint_type", "oops", "exit_at_idle",
	"initcall_debug", "buddyinfo", "slabinfo", "vmallocinfo", "bench", "a20_test", "detect_memory", "retain_initrd", "nosmp", "maxcpus", "ps", "syscall_trace"}

// unknown_options collects them (Linux allocates it from memblock).
var unknown_options [asm.COMMAND_LINE_SIZE]byte

// parse_args hands every command-line word before "--" that no part of
// gokern takes to unknown_bootoption, then the words after "--" to init
// (Linux start_kernel's two parse_args calls). console= is checked here
// too (Linux console_setup).
func parse_args(cmd []byte) {
	kcmd, args := kernel_words(cmd)
	cmdline.Each(kcmd, func(name, val []byte, hasVal bool) {
		if amd64.Is_early_param(name) {
			return
		}
		for _, k := range kernel_params {
			if string(name) == k {
				if k == "console" {
					console_setup(val)
				}
				return
			}
		}
		unknown_bootoption(name, val, hasVal)
	})
	print_unknown_bootoptions()
	set_init_args(args)
}

// console_setup: "console=ttyS0[,options]" names the console gokern has
// (the 8250 UART at 0x3f8, at earlyprintk='s speed); any other console
// (tty0, ttyS1, null...) is named as not there, and the console stays
// (Linux kernel/printk/printk.c console_setup, which would move it).
func console_setup(val []byte) {
	name := val
	for i, c := range val {
		if c == ',' {
			name = val[:i]
			break
		}
	}
	if string(name) != "ttyS0" {
		printk.Pr_warn("console=%s: not a console gokern has (ttyS0): the console stays on ttyS0\n", printk.Escaped(val))
	}
}

// print_unknown_bootoptions names, in one line, the command-line options
// no part of gokern takes, which init gets as arguments and environment
// (Linux init/main.c print_unknown_bootoptions: the arguments, then the
// environment after HOME and TERM).
func print_unknown_bootoptions() {
	if panic_later != "" || (argc_init == 1 && envc_init == 2) {
		return
	}
	unknown := &unknown_options
	n := 0
	add := func(w []byte) {
		if n > 0 && n < len(unknown) {
			unknown[n] = ' '
			n++
		}
		n += copy(unknown[n:], w)
	}
	for _, w := range argv_init[1:argc_init] {
		add(w)
	}
	for _, w := range envp_init[2:envc_init] {
		add(w)
	}
	printk.Pr_notice("Unknown kernel command line parameters \"%s\", will be passed to user space.\n", printk.Escaped(unknown[:n]))
}

// kernel_init_done: pid 1 has done its work; "exit_at_idle" waits for it
// (the idle task may run earlier, whenever kernel_init sleeps).
var kernel_init_done bool

// exit_at_idle: "exit_at_idle" on the command line: the boot ends, under
// test, when the CPU first idles with kernel_init done.
var exit_at_idle bool

// cpu_startup_entry: Linux kernel/sched/idle.c; 2.6's cpu_idle.
func cpu_startup_entry() {
	printk.Pr_info("cpu_idle: CPU 0 enters the idle loop (do_idle: sti; hlt until the next interrupt)\n")
	exit_at_idle = cmdline.Cmdline_find_option_bool(cmdline.BootCommandLine(), "exit_at_idle")
	do_idle()
}

// do_idle is the idle task's loop (Linux kernel/sched/idle.c do_idle):
// while nothing needs the CPU, STI;HLT as one pair with the check made
// with interrupts off, so that a wake-up between the check and the HLT
// still ends the HLT (its interrupt arrives after the STI); then
// schedule_idle gives the CPU to whoever was woken.
func do_idle() {
	for {
		for !sched.Need_resched() {
			asm.Local_irq_disable()
			if sched.Need_resched() {
				asm.Native_irq_enable()
				break
			}
			if exit_at_idle && kernel_init_done && sched.Nr_running() == 0 {
				debugexit.Exit(debugexit.DEBUG_EXIT_SUCCESS)
			}
			asm.Native_safe_halt()
		}
		sched.Schedule_idle()
	}
}

// selftests lists the in-kernel tests, by name, for selftest=.
var selftests = []kunit.KunitCase{
	{Name: "static_g", Run: amd64.Test_static_g},
	{Name: "smp_cpus", Run: amd64.Test_smp_cpus},
	{Name: "percpu", Run: amd64.Test_percpu},
	{Name: "smp_tick", Run: amd64.Test_smp_tick},
	{Name: "smp_alloc_stress", Run: amd64.Test_smp_alloc_stress, Explicit: true},
	{Name: "smp_alloc_bench", Run: amd64.Test_smp_alloc_bench, Explicit: true},
	// Ends the boot in a panic.
	{Name: "smp_panic", Run: amd64.Test_smp_panic, Explicit: true},
	{Name: "smp_stack_overflow", Run: amd64.Test_smp_stack_overflow, Explicit: true},
	{Name: "smp_irq_free_sync", Run: amd64.Test_smp_irq_free_sync, Explicit: true},
	{Name: "smp_call_function", Run: amd64.Test_smp_call_function},
	// Every CPU calling at once (the ipi lab's grader, TestLabIPIStress).
	{Name: "smp_call_function_stress", Run: amd64.Test_smp_call_function_stress, Explicit: true},
	{Name: "smp_spinlock", Run: amd64.Test_smp_spinlock},
	{Name: "smp_spinlock_million", Run: amd64.Test_smp_spinlock_million, Explicit: true},
	{Name: "smp_synchronize_all", Run: amd64.Test_smp_synchronize_all},
	{Name: "smp_nmi_backtrace", Run: amd64.Test_smp_nmi_backtrace},
	{Name: "tlb_shootdown", Run: x86mm.Test_tlb_shootdown},
	{Name: "gdt_tss", Run: amd64.Test_gdt_tss},
	{Name: "early_idt", Run: amd64.Test_early_idt},
	{Name: "early_pgt", Run: amd64.Test_early_pgt},
	{Name: "boot_params", Run: amd64.Test_boot_params},
	{Name: "tsc_clock", Run: tsc.Test_tsc_clock},
	{Name: "e820_sanitised", Run: amd64.Test_e820_sanitised},
	{Name: "early_reservations", Run: amd64.Test_early_reservations},
	{Name: "direct_map", Run: x86mm.Test_direct_map},
	{Name: "kernel_wx", Run: x86mm.Test_kernel_wx},
	{Name: "tlb", Run: x86mm.Test_tlb},
	{Name: "buddy_invariant", Run: mm.Test_buddy_invariant},
	{Name: "buddy_alloc_all", Run: mm.Test_buddy_alloc_all},
	{Name: "buddy_zones", Run: mm.Test_buddy_zones},
	{Name: "get_zeroed_page", Run: mm.Test_get_zeroed_page},
	{Name: "quicklist", Run: mm.Test_quicklist},
	{Name: "quicklist_pgtables", Run: mm.Test_quicklist_pgtables},
	{Name: "bad_page", Run: mm.Test_bad_page},
	// The walk-through of docs/buddy.md.
	{Name: "buddy_demo", Run: mm.Test_buddy_demo, Explicit: true},
	// Needs page_poison=1.
	{Name: "page_poison", Run: mm.Test_page_poison, Explicit: true},
	{Name: "slab_cache", Run: mm.Test_slab_cache},
	{Name: "slab_colour", Run: mm.Test_slab_colour},
	{Name: "slab_ctor", Run: mm.Test_slab_ctor},
	{Name: "slab_lifo", Run: mm.Test_slab_lifo},
	{Name: "slab_typed", Run: slab.Test_slab_typed},
	{Name: "slab_destroy_busy", Run: mm.Test_slab_destroy_busy},
	{Name: "slab_debug_right_redzone", Run: mm.Test_slab_debug_right_redzone},
	{Name: "slab_debug_left_redzone", Run: mm.Test_slab_debug_left_redzone},
	{Name: "slab_debug_use_after_free", Run: mm.Test_slab_debug_use_after_free},
	{Name: "slab_debug_double_free", Run: mm.Test_slab_debug_double_free},
	{Name: "slab_bad_pointer", Run: mm.Test_slab_bad_pointer},
	{Name: "kmalloc_sizes", Run: mm.Test_kmalloc_sizes},
	{Name: "kmalloc_large", Run: mm.Test_kmalloc_large},
	{Name: "kmalloc_dma", Run: mm.Test_kmalloc_dma},
	{Name: "kmalloc_bad_input", Run: mm.Test_kmalloc_bad_input},
	{Name: "slab_bad_input", Run: mm.Test_slab_bad_input},
	{Name: "slab_invariants", Run: mm.Test_slab_invariants},
	{Name: "vmalloc_basic", Run: mm.Test_vmalloc_basic},
	{Name: "vmalloc_guard", Run: mm.Test_vmalloc_guard},
	{Name: "vmalloc_vmap", Run: mm.Test_vmalloc_vmap},
	{Name: "vmalloc_fragmented", Run: mm.Test_vmalloc_fragmented},
	{Name: "vmalloc_bad_input", Run: mm.Test_vmalloc_bad_input},
	{Name: "vmalloc_stack", Run: mm.Test_vmalloc_stack},
	{Name: "lapic", Run: apic.Test_lapic},
	{Name: "ioapic", Run: apic.Test_ioapic},
	{Name: "i8259", Run: i8259.Test_i8259},
	{Name: "tick", Run: amd64.Test_tick},
	{Name: "tick_catch_up", Run: amd64.Test_tick_catch_up},
	{Name: "msleep_late_tick", Run: amd64.Test_msleep_late_tick},
	{Name: "apic_timer_calibration", Run: amd64.Test_apic_timer_calibration},
	{Name: "timer_irq0", Run: amd64.Test_timer_irq0},
	{Name: "unexpected_ipi", Run: amd64.Test_unexpected_ipi},
	// Waits 0.4 s: ./qemu.sh bench's tick jitter figure.
	{Name: "tick_jitter", Run: amd64.Test_tick_jitter, Explicit: true},
	{Name: "fs_vfs", Run: fs.Test_fs_vfs},
	{Name: "fs_pipe", Run: fs.Test_fs_pipe},
	{Name: "fs_nomem", Run: fs.Test_fs_nomem},
	{Name: "fs_initramfs", Run: initramfs.Test_fs_initramfs},
	// Needs an initrd (-initrd).
	{Name: "fs_initrd_freed", Run: initramfs.Test_fs_initrd_freed, Explicit: true},
	{Name: "fs_proc", Run: proc.Test_fs_proc},
	{Name: "fs_tty", Run: tty.Test_fs_tty},
	// Waits for lines typed on the serial line (TestTtyInput types them).
	{Name: "tty_read", Run: tty.Test_tty_read, Explicit: true},
	{Name: "fs_uaccess", Run: fs.Test_fs_uaccess},
	{Name: "printk_log_buf", Run: test_printk_log_buf},
	{Name: "kallsyms", Run: test_kallsyms},
	// trap_init and the exception handlers (traps/selftests.go).
	{Name: "stack_guards", Run: amd64.Test_stack_guards},
	{Name: "idt", Run: traps.Test_idt},
	{Name: "extable", Run: traps.Test_extable},
	{Name: "divide_error", Run: traps.Test_divide_error},
	{Name: "invalid_op", Run: traps.Test_invalid_op},
	{Name: "int3", Run: traps.Test_int3},
	{Name: "overflow", Run: traps.Test_overflow},
	{Name: "trap_gate", Run: traps.Test_trap_gate},
	{Name: "ist_stacks", Run: traps.Test_ist_stacks},
	{Name: "nmi_nested", Run: amd64.Test_nmi_nested},
	{Name: "page_fault", Run: traps.Test_page_fault},
	{Name: "general_protection", Run: traps.Test_general_protection},
	{Name: "syscall_irqs_on", Run: traps.Test_syscall_irqs_on},
	{Name: "copy_nofault", Run: traps.Test_copy_nofault},
	{Name: "double_fault", Run: traps.Test_double_fault},
	{Name: "bounds_check", Run: traps.Test_bounds_check},
	{Name: "int80", Run: traps.Test_int80},
	{Name: "unexpected_vector", Run: traps.Test_unexpected_vector},
	{Name: "trap_cost", Run: traps.Test_trap_cost},
	// Address spaces (kernel/exec/selftests.go).
	{Name: "user_mm", Run: exec.Test_user_mm},
	{Name: "user_fault_cost", Run: exec.Test_user_fault_cost},
	{Name: "user_cow", Run: exec.Test_user_cow},
	{Name: "user_shared", Run: exec.Test_user_shared},
	// The scheduler (kernel/sched/selftests.go).
	{Name: "sched_pids", Run: sched.Test_sched_pids},
	{Name: "sched_waitqueue", Run: sched.Test_sched_waitqueue},
	{Name: "sched_switch_cost", Run: sched.Test_sched_switch_cost},
	{Name: "sched_fpu", Run: sched.Test_sched_fpu},
	{Name: "sched_preempt", Run: sched.Test_sched_preempt},
	{Name: "sched_spinlock_preempt", Run: sched.Test_sched_spinlock_preempt},
	{Name: "sched_munmap_tables_after_flush", Run: sched.Test_sched_munmap_tables_after_flush},
	{Name: "sched_mprotect_flush", Run: sched.Test_sched_mprotect_flush},
	{Name: "sched_msleep", Run: sched.Test_sched_msleep},
	{Name: "sched_signal_pending_state", Run: sched.Test_sched_signal_pending_state},
	// The scheduler on every CPU (kernel/sched/selftests_smp.go).
	{Name: "sched_smp_spread", Run: sched.Test_sched_smp_spread},
	{Name: "sched_smp_pingpong", Run: sched.Test_sched_smp_pingpong},
	{Name: "sched_smp_stress", Run: sched.Test_sched_smp_stress},
	{Name: "sched_task_ref_smp", Run: sched.Test_sched_task_ref_smp},
	{Name: "proc_task_ref_smp", Run: proc.Test_proc_task_ref_smp},
	{Name: "sched_smp_affinity", Run: sched.Test_sched_smp_affinity},
	// futex(2) between kernel threads (kernel/futex/selftests.go).
	{Name: "futex", Run: futex.Test_futex},
	// Twelve kernel threads pass tokens round a futex ring.
	{Name: "futex_smp_stress", Run: futex.Test_futex_smp_stress},
	{Name: "fs_eventfd_smp", Run: fs.Test_fs_eventfd_smp},
	// Four kernel threads take and drop mount and dentry references.
	{Name: "fs_refcount_smp", Run: fs.Test_fs_refcount_smp},
	// Four kernel threads look up, make and put one directory's children.
	{Name: "fs_dcache_smp", Run: fs.Test_fs_dcache_smp},
	// Four kernel threads make and remove names in one directory.
	{Name: "fs_namei_smp", Run: fs.Test_fs_namei_smp},
	// Four kernel threads mount, walk and unmount at once.
	{Name: "fs_mount_smp", Run: fs.Test_fs_mount_smp},
	// Four kernel threads open, dup and close in one descriptor table.
	{Name: "fs_files_smp", Run: fs.Test_fs_files_smp},
	// One kernel thread truncates and rewrites a file while three read it.
	{Name: "fs_read_truncate_smp", Run: fs.Test_fs_read_truncate_smp},
	// Four kernel threads share one fs_struct: users, chdir and getcwd.
	{Name: "fs_struct_smp", Run: fs.Test_fs_struct_smp},
	// Stops the boot on purpose: a kernel thread's stack overflow.
	{Name: "sched_stack_overflow", Run: sched.Test_sched_stack_overflow, Explicit: true},
	// Stops the boot on purpose: memblock after mem_init is a bug.
	{Name: "memblock_after_mem_init", Run: test_memblock_after_mem_init, Explicit: true},
	// Fails on purpose, to prove that a failure is reported and exits 35.
	{Name: "ktap_must_fail", Run: test_ktap_must_fail, Explicit: true},
	// Oopses on purpose, to prove oops=continue ends only the selftest.
	{Name: "oops_continue", Run: traps.Test_oops_continue, Explicit: true},
}

// kunit_run_all_tests runs the selftests selftest= names, reports them in
// KTAP and ends the run: exit 33 if all passed, 35 otherwise (Linux
// lib/kunit/executor.c kunit_run_all_tests, with kunit.filter_glob=). A
// "selftest" that names no test ends the run as a failure too, with the
// reason: a test run that ran nothing must not look like one that passed.
func kunit_run_all_tests(cmd []byte) {
	sel, ok := cmdline.Cmdline_find_option(cmd, "selftest")
	if !ok && !cmdline.Cmdline_find_option_bool(cmd, "selftest") {
		return
	}
	if len(sel) == 0 {
		printk.Pr_emerg("selftest: no test named: give selftest=all or selftest=name,name,...\n")
		printk.Pr_emerg("selftest: FAILED\n")
		debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
	}
	if len(selftests) == 0 || selftests[0].Run == nil {
		printk.Pr_emerg("selftest: the test table is empty: static initialisation failed\n")
		debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
	}
	if kunit.Run(selftests, sel) {
		printk.Pr_emerg("selftest: all passed\n")
		debugexit.Exit(debugexit.DEBUG_EXIT_SUCCESS)
	}
	printk.Pr_emerg("selftest: FAILED\n")
	debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
}

// vfsCachesInit is start_kernel's call of fs.Vfs_caches_init (Linux
// vfs_caches_init): the VFS panics if it cannot make its caches or mount
// rootfs, as Linux's.
func vfsCachesInit() {
	if err := fs.Vfs_caches_init(&ramfs.Rootfs_fs_type); err != 0 {
		kernel.Panic("VFS: cannot mount rootfs: %d", printk.Int(err))
	}
	// User buffers are copied with the architecture's copy_to_user and
	// copy_from_user (the system call layer's uaccess).
	fs.Uaccess_init()
}

// procRootInit registers procfs (Linux proc_root_init) and gives
// /proc/version its text.
func procRootInit() {
	proc.Linux_proc_banner = procBanner()
	proc.Proc_root_init()
}

// proc_banner_buf holds /proc/version's text.
var proc_banner_buf [128]byte

// procBanner is the banner as /proc/version shows it (Linux
// linux_proc_banner).
func procBanner() string {
	n := printk.Snprintf(proc_banner_buf[:], "gokern version %s (%s) %s", printk.Str(gokern_version), printk.Str(go_version), printk.Str(build_info))
	return unsafe.String(&proc_banner_buf[0], n)
}

// do_basic_setup runs the initcalls of the file side (Linux
// do_basic_setup → do_initcalls: init_ramfs_fs, chr_dev_init, tty_init,
// serial8250_init) and the vDSO's (init_vdso), each reported like a start_kernel step.
func do_basic_setup() {
	do_one_initcall(initRamfsFs)
	do_one_initcall(chrDevInit)
	do_one_initcall(ttyInit)
	do_one_initcall(initVdso)
	do_one_initcall(afUnixInit)
}

func initVdso()    { check_initcall("init_vdso", vdso.Init_vdso_image()) }
func initRamfsFs() { check_initcall("init_ramfs_fs", ramfs.Init_ramfs_fs()) }
func chrDevInit()  { check_initcall("chr_dev_init", char.Chr_dev_init()) }
func ttyInit() {
	check_initcall("tty_init", tty.Tty_init())
	check_initcall("serial8250_init", tty.Serial8250_init())
}

// check_initcall reports an initcall that failed, as Linux's
// "initcall ... returned with error code" does.
func check_initcall(name string, err int) {
	if err != 0 {
		printk.Pr_warn("initcall %s returned with error code %d\n", printk.Str(name), printk.Int(err))
	}
}
