// Package layout holds gokern's layering rules and the tests that keep the
// tree to them (docs/layout.md explains both):
//
//   - Layers: which kernel package may import which (TestLayering, over
//     go list -deps);
//   - Owners: which package defines each layout fact, so that no number is
//     written twice (TestSingleDefinition, over the Go, Go assembly, GNU as
//     and linker-script sources);
//   - the docs' citations of code and their gdb transcripts still match the
//     tree and build/vmlinux (TestDocsCitations, TestDocsGDB); the
//     citations are found and placed in today's source once
//     (ParseCitations, Tree.Place), for the test and for cmd/docsync,
//     which rewrites their numbers when the code moves.
//
// It is a host package: nothing in the kernel imports it.
package layout

// Layer is one kernel package and the gokern packages it may import.
type Layer struct {
	Pkg   string   // import path
	Linux string   // what it is in Linux
	May   []string // the gokern packages it may import directly
}

// Layers lists every kernel package (the packages build/vmlinux is made
// of, and those written for it that it does not link yet), bottom up. A package imports only packages listed before it, so
// there can be no cycle, and a new subsystem always finds the layer it
// belongs to. The rules, in words (DESIGN.md §1):
//
//   - arch/amd64/asm imports no gokern package; printk, kallsyms, cmdline
//     and paging import nothing above asm;
//   - drivers, kernel and the subsystems import the low level and each
//     other, never gokern/arch/amd64 (the orchestration);
//   - only gokern/arch/amd64 and package main orchestrate.
//
// A lower layer that must call up does it through a hook: a package-level
// function variable, set in code during boot (package initialisers never
// run in the kernel), and checked for nil at every call (printk.Clock,
// set by arch/amd64/tsc, is one).
//
// Adding a package: add a row here (and to docs/layout.md) at the layer it
// belongs to, with what it may import.
var Layers = []Layer{
	// Bottom: the hardware's own facts and instructions.
	{"gokern/arch/amd64/asm", "arch/x86/include/asm", nil},
	// Low-level services.
	{"gokern/printk", "kernel/printk, lib/vsprintf.c", nil},
	{"gokern/kallsyms", "kernel/kallsyms.c", nil},
	{"gokern/cmdline", "lib/cmdline.c, boot_command_line", []string{asm}},
	{"gokern/paging", "arch/x86/include/asm/pgtable*.h, arch/x86/mm/init_64.c", []string{asm}},
	{"gokern/kunit", "lib/kunit (try-catch: pt_regs)", []string{asm, printk, cmdline}},
	{"gokern/lib/rbtree", "lib/rbtree.c, include/linux/rbtree.h", nil},
	{"gokern/include/compiler", "include/linux/compiler.h (OPTIMIZER_HIDE_VAR: Noescape)", nil},
	{"gokern/include/uapi", "include/uapi (errno, fcntl, stat, dirent, termbits, ioctls, poll)", nil},
	{"gokern/lib/crc32", "lib/crc32.c", nil},
	{"gokern/lib/zlib_inflate", "lib/zlib_inflate, lib/decompress_inflate.c", []string{"gokern/lib/crc32"}},
	// Devices.
	{"gokern/drivers/debugexit", "QEMU hw/misc/debugexit.c", []string{asm}},
	{"gokern/drivers/i8253", "drivers/clocksource/i8253.c", []string{asm}},
	{"gokern/drivers/rtc", "include/linux/mc146818rtc.h, arch/x86/kernel/rtc.c", []string{asm}},
	{"gokern/kernel/time", "kernel/time: jiffies, the periodic tick, timers, timekeeping, the vvar page's data", []string{asm}},
	{"gokern/drivers/serial8250", "drivers/tty/serial/8250, arch/x86/kernel/early_printk.c", []string{asm, cmdline, printk, "gokern/kernel/time"}},
	{"gokern/drivers/acpi", "drivers/acpi (tables.c, acpica/tb*.c), include/acpi/actbl*.h", []string{asm, printk}},
	// The core: panic, the clock.
	{"gokern/kernel", "kernel/", []string{printk, "gokern/drivers/debugexit"}},
	{"gokern/kernel/cpumask", "include/linux/cpumask.h, kernel/cpu.c's masks", []string{asm}},
	{"gokern/kernel/smp", "kernel/smp.c: smp_call_function", []string{asm, printk, "gokern/kernel/cpumask"}},
	{"gokern/arch/amd64/tsc", "arch/x86/kernel/tsc.c", []string{asm, printk, kunit, "gokern/drivers/i8253", "gokern/drivers/rtc"}},
	// Early memory.
	{"gokern/memblock", "mm/memblock.c", []string{asm, printk, kallsyms}},
	{"gokern/e820", "arch/x86/kernel/e820.c", []string{asm, printk, cmdline, memblock}},
	{"gokern/bootmem", "mm/bootmem.c (2.6)", []string{asm, printk, kallsyms, memblock, e820}},
	// Subsystems.
	{"gokern/mm", "mm/ (page_alloc.c, mm_init.c, quicklists, slab.c, slab_common.c, slub.c's debugging, vmalloc.c)", []string{asm, printk, kallsyms, kunit, cmdline,
		"gokern/paging", memblock, "gokern/bootmem", "gokern/lib/rbtree", "gokern/kernel/time", "gokern/arch/amd64/tsc"}},
	{"gokern/arch/amd64/entry/vdso", "arch/x86/entry/vdso (vma.c, the vDSO image)", []string{asm, printk, "gokern/mm", "gokern/kernel/time"}},
	{"gokern/fs/binfmt_elf", "fs/binfmt_elf.c: the ELF loader, create_elf_tables", []string{asm, printk, "gokern/paging", "gokern/mm"}},
	{"gokern/mm/slab", "include/linux/slab.h: typed caches (KMEM_CACHE)", []string{printk, kunit, asm, "gokern/mm"}},
	{"gokern/kernel/irq", "kernel/irq: irq_desc, irq_chip, request_irq", []string{asm, printk, "gokern/mm", "gokern/mm/slab"}},
	{"gokern/drivers/tty/sysrq", "drivers/tty/sysrq.c", []string{printk, "gokern/drivers/serial8250", "gokern/kernel/irq", "gokern/kernel/time"}},
	{"gokern/arch/amd64/entry", "arch/x86/entry (entry_64.S, idtentry)", []string{asm, printk}},
	{"gokern/kernel/sched", "kernel/sched, kernel/fork.c, kernel/kthread.c, schedule_timeout (kernel/time/timer.c), __switch_to (arch/x86/kernel/process_64.c)",
		[]string{asm, printk, kallsyms, kunit, uapi, "gokern/paging", "gokern/kernel", "gokern/kernel/time", "gokern/mm", "gokern/mm/slab",
			"gokern/arch/amd64/entry", "gokern/arch/amd64/tsc", "gokern/kernel/cpumask"}},
	{"gokern/traps", "arch/x86/kernel/traps.c, idt.c, dumpstack.c, arch/x86/mm/fault.c, extable.c", []string{asm, printk, kallsyms,
		cmdline, kunit, "gokern/paging", "gokern/kernel", "gokern/drivers/debugexit", "gokern/drivers/serial8250",
		"gokern/arch/amd64/tsc", "gokern/arch/amd64/entry"}},
	{"gokern/arch/amd64/mm", "arch/x86/mm", []string{asm, printk, kunit, memblock, e820, "gokern/bootmem", "gokern/paging", "gokern/mm", "gokern/kernel", "gokern/arch/amd64/tsc",
		"gokern/kernel/cpumask", "gokern/kernel/smp"}},
	{"gokern/arch/amd64/i8259", "arch/x86/kernel/i8259.c", []string{asm, printk, kunit, "gokern/kernel/irq"}},
	{"gokern/arch/amd64/realmode", "arch/x86/realmode (init.c, rm/trampoline_64.S)", []string{asm, printk, memblock, "gokern/paging"}},
	{"gokern/arch/amd64/apic", "arch/x86/kernel/apic, acpi/boot.c, mpparse.c", []string{asm, printk, kunit, memblock, "gokern/paging",
		"gokern/drivers/acpi", "gokern/kernel/irq", "gokern/kernel/time", "gokern/arch/amd64/mm", "gokern/kernel/cpumask"}},
	{"gokern/kernel/futex", "kernel/futex: futex(2)'s FUTEX_WAIT and FUTEX_WAKE", []string{asm, printk, kunit, uapi,
		"gokern/kernel/sched", "gokern/kernel/time", "gokern/traps"}},
	// Files: the VFS, file systems, devices, the initramfs.
	{"gokern/fs", "fs/: the VFS (dcache, inodes, files, namei, mounts, pipes, char devices, seq_file)",
		[]string{asm, printk, kunit, compiler, uapi, "gokern/mm", "gokern/mm/slab", "gokern/kernel/sched", "gokern/kernel/time"}},
	{"gokern/fs/ramfs", "fs/ramfs (and tmpfs without CONFIG_SHMEM)", []string{printk, cmdline, uapi, "gokern/fs"}},
	{"gokern/fs/proc", "fs/proc", []string{asm, printk, kunit, compiler, uapi, cmdline, "gokern/fs", "gokern/mm", "gokern/kernel/irq", "gokern/arch/amd64/tsc",
		"gokern/kernel/sched", "gokern/kernel/time"}},
	{"gokern/drivers/char", "drivers/char/mem.c: /dev/null, /dev/zero, /dev/full", []string{uapi, "gokern/fs"}},
	{"gokern/drivers/tty", "drivers/tty: tty_io, n_tty, tty_ioctl, tty_jobctrl, serial_core", []string{asm, printk, kunit, compiler, uapi, "gokern/fs",
		"gokern/mm", "gokern/kernel/sched", "gokern/drivers/serial8250"}},
	{"gokern/init/initramfs", "init/initramfs.c, usr/default_cpio_list", []string{asm, printk, kunit, cmdline, uapi, "gokern/fs", "gokern/mm",
		"gokern/lib/zlib_inflate", "gokern/lib/crc32", "gokern/arch/amd64/tsc"}},
	{"gokern/net", "net/socket.c, net/core (sock.c, skbuff.c, scm.c, dev.c, dev_ioctl.c), drivers/net/loopback.c: the socket calls, the socket file, struct sock, control messages, the devices",
		[]string{asm, uapi, compiler, "gokern/fs", "gokern/mm", "gokern/mm/slab", "gokern/kernel/sched", "gokern/kernel/time"}},
	{"gokern/net/unix", "net/unix/af_unix.c: AF_UNIX", []string{uapi, "gokern/fs", "gokern/mm", "gokern/mm/slab", "gokern/kernel/sched", "gokern/net"}},
	{"gokern/net/netlink", "net/netlink/af_netlink.c, net/core/rtnetlink.c, lib/nlattr.c: AF_NETLINK, NETLINK_ROUTE",
		[]string{uapi, "gokern/fs", "gokern/mm", "gokern/mm/slab", "gokern/kernel/sched", "gokern/kernel/time", "gokern/net"}},
	{"gokern/net/ipv4", "net/ipv4 (af_inet.c, tcp*.c, udp.c, inet_hashtables.c, ip_sockglue.c, devinet.c): AF_INET on the loopback",
		[]string{uapi, "gokern/fs", "gokern/mm", "gokern/mm/slab", "gokern/kernel/sched", "gokern/kernel/time", "gokern/net", "gokern/net/netlink"}},
	{"gokern/kernel/signal", "kernel/signal.c, arch/x86/kernel/signal.c and signal_64.c, kernel/entry/common.c's exit_to_user_mode_loop, kernel/time/itimer.c and posix-cpu-timers.c",
		[]string{asm, printk, kunit, uapi, "gokern/mm", "gokern/mm/slab", "gokern/kernel/sched", "gokern/kernel/time", "gokern/traps", "gokern/arch/amd64/entry", "gokern/drivers/tty"}},
	{"gokern/kernel/sys", "the SYSCALL_DEFINEs of fs/*.c, kernel/sys.c, kernel/time, drivers/char/random.c, kernel/printk: the system calls that are neither processes nor signals",
		[]string{asm, printk, uapi, "gokern/fs", "gokern/mm", "gokern/traps", "gokern/kernel/sched", "gokern/kernel/time",
			"gokern/kernel/signal"}},
	// Orchestration: the architecture's entry and setup_arch, then
	// start_kernel.
	{"gokern/kernel/exec", "fs/exec.c, kernel/exit.c, kernel/sys.c, arch/x86/mm/fault.c's user half: exec, exit, signals, the process and memory system calls", []string{asm, printk,
		"gokern/mm", "gokern/fs/binfmt_elf", "gokern/traps", "gokern/arch/amd64/entry", "gokern/arch/amd64/entry/vdso", "gokern/kernel/time", "gokern/drivers/debugexit", kunit, "gokern/paging", "gokern/fs", uapi,
		"gokern/kernel/sched", "gokern/kernel/signal", "gokern/kernel/sys"}},
	{"gokern/arch/amd64", "arch/x86/kernel (head_64.S, head64.c, setup.c)", anything},
	{"gokern", "init/main.c (start_kernel)", anything},
}

const (
	asm      = "gokern/arch/amd64/asm"
	printk   = "gokern/printk"
	kallsyms = "gokern/kallsyms"
	cmdline  = "gokern/cmdline"
	kunit    = "gokern/kunit"
	memblock = "gokern/memblock"
	e820     = "gokern/e820"
	uapi     = "gokern/include/uapi"
	compiler = "gokern/include/compiler"
)

// anything marks the orchestrators, which may import every kernel package
// listed before them.
var anything = []string{"*"}
