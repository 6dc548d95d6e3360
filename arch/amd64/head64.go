package amd64

import (
	_ "unsafe" // go:linkname

	"gokern/arch/amd64/asm"
	x86mm "gokern/arch/amd64/mm"
	"gokern/arch/amd64/tsc"
	"gokern/cmdline"
	"gokern/drivers/serial8250"
	"gokern/printk"
	"gokern/traps"
)

// x86_64_start_kernel and what it does before start_kernel. Linux:
// arch/x86/kernel/head64.c. Seeds: 001 "copy_bootdata", "init_level4_pgt"
// (init_top_pgt in 5.x), "reserve_ebda_region" (that one comes with the
// memory stage).

var (
	// cmdlineTruncated: the loader's command line had no NUL within
	// COMMAND_LINE_SIZE-1 bytes; the copy was cut there.
	cmdlineTruncated bool
	// cmdlineSrcLen: the bytes of the loader's command line copy_bootdata
	// read, its NUL (or the first byte left out) included: what
	// early_reserve_memory protects.
	cmdlineSrcLen uint64
	// cmdlineDropped: the word the truncation cut in two, which the kernel
	// left out (cmdline.Kept), in the loader's memory.
	cmdlineDropped []byte

	// Set by startup_64 (head_64.s).
	boot_params_phys   uintptr
	tsc_startup_32     uint64
	early_top_pgt_phys uintptr
	early_pgt_buf      [12 * asm.PAGE_SIZE]byte // 11 pages + room to align
)

// Early_top_pgt returns startup_64's PGD (through the direct map).
func Early_top_pgt() *[512]uint64 {
	return (*[512]uint64)(asm.Phys_to_virt(early_top_pgt_phys))
}

// KernelEnd is the virtual address of _end.
func KernelEnd() uintptr { return asm.KernelEnd() }

// copy_bootdata copies the zeropage and the command line into kernel
// memory, so that later stages can reuse the loader's memory (Linux
// head64.c copy_bootdata). The command line is cut at COMMAND_LINE_SIZE-1
// bytes, without the word the cut falls into (cmdline.Kept), and
// NUL-terminated; cmdlineTruncated and cmdlineDropped record a cut.
func copy_bootdata(real_mode_data uintptr) {
	src := (*asm.BootParams)(asm.Phys_to_virt(real_mode_data))
	Boot_params = *src
	p := Boot_params.Cmd_line_ptr()
	if p == 0 {
		return
	}
	cl := (*[asm.COMMAND_LINE_SIZE]byte)(asm.Phys_to_virt(uintptr(p)))
	n, truncated, dropped := cmdline.Kept(cl[:])
	copy(cmdline.Boot_command_line[:n], cl[:n])
	cmdline.Boot_command_line[n] = 0
	cmdline.BootCommandLineLen = n
	cmdlineTruncated, cmdlineDropped = truncated, dropped
	read := 0
	for read < asm.COMMAND_LINE_SIZE-1 && cl[read] != 0 {
		read++
	}
	cmdlineSrcLen = uint64(read) + 1
}

// startup_64_report brings up the console and prints the startup_64
// line: the first thing the kernel says. The command line is still in the
// loader's memory (copy_bootdata comes next): the options that decide how
// the kernel reports (earlyprintk=, debug, quiet, loglevel=, memblock=,
// bootmem_debug) are taken from there, so that this line already obeys
// them (see early_params in setup.go).
func startup_64_report() {
	bp := (*asm.BootParams)(asm.Phys_to_virt(boot_params_phys))
	var cmd []byte
	if p := bp.Cmd_line_ptr(); p != 0 {
		raw := (*[asm.COMMAND_LINE_SIZE]byte)(asm.Phys_to_virt(uintptr(p)))
		n, _, _ := cmdline.Kept(raw[:])
		cmd = raw[:n]
	}
	parse_early_options(cmd, EARLY_CONSOLE)
	serial8250.InitEarlyConsole()
	parse_early_options(cmd, EARLY_REPORT)
	printk.Pr_debug("startup_64: kernel at %#x-%#x, early_top_pgt at %#x (phys), boot_params at %#x\n",
		printk.Int(uintptr(asm.X__START_KERNEL)), printk.Int(KernelEnd()), printk.Int(early_top_pgt_phys), printk.Int(boot_params_phys))
}

// x86_64_start_kernel is the first C function of Linux's 64-bit kernel
// (startup_64 has already called two Go helpers, startup_64_setup_gdt_idt
// and startup_64_report, on the boot stack). It copies the boot
// data, prepares init_top_pgt and calls start_kernel (Linux:
// x86_64_start_kernel → x86_64_start_reservations → start_kernel).
func x86_64_start_kernel(real_mode_data uintptr, tsc0 uint64) {
	entry := asm.Rdtsc()
	copy_bootdata(real_mode_data)
	tsc.Tsc_early_init(tsc0)
	printk.Pr_debug("x86_64_start_kernel: boot_params copied from %#x, command line %d bytes, TSC %d kHz\n",
		printk.Int(real_mode_data), printk.Int(cmdline.BootCommandLineLen), printk.Int(tsc.Tsc_khz))
	report_boot_times(tsc0, entry)

	// clear_page(init_top_pgt); init_top_pgt[511] = early_top_pgt[511]:
	// the kernel mapping carries over to the final tables (seeds 001).
	// Linux keeps that entry and tightens permissions later
	// (mark_rodata_ro); gokern's init_mem_mapping replaces it with a fresh
	// W^X mapping of the kernel instead.
	top := x86mm.Init_top_pgt()
	*top = [512]uint64{}
	top[511] = Early_top_pgt()[511]

	start_kernel()
}

// report_boot_times says where the time before the kernel went, from the
// TSC, which counts from the CPU's reset (under QEMU's TCG, from the
// machine's start): up to startup_32 the firmware and the loaders ran
// (./qemu.sh bench compares it with a floor image); from startup_32 to
// here the boot stage checked the image, moved it and built the page
// tables (gokern-only: Linux has no such line).
func report_boot_times(tsc0, entry uint64) {
	if tsc.Tsc_unknown || tsc0 == 0 || entry < tsc0 {
		return
	}
	us := tsc0 * 1000 / tsc.Tsc_khz
	printk.Pr_debug("x86_64_start_kernel: startup_32 ran %d.%03d ms after the CPU's reset (TSC %d); the boot stage took %d us\n",
		printk.Int(us/1000), printk.Int(us%1000), printk.Int(tsc0), printk.Int((entry-tsc0)*1000/tsc.Tsc_khz))
}

var in_early_exception bool

// do_early_exception is called by early_idt_handler_common on the
// exception stack with interrupts off: before trap_init every exception is
// fatal, so it prints the oops (traps.DieEarly) and stops. It does not
// return. Linux: head64.c do_early_exception.
//
//go:nosplit
func do_early_exception(regs *asm.PtRegs) {
	if in_early_exception {
		traps.Die_nested(regs)
	}
	in_early_exception = true
	traps.DieEarly(regs)
}

// start_kernel is init/main.c's, in the gokern main package (kmain.go).
//
//go:linkname start_kernel main.start_kernel
func start_kernel()
