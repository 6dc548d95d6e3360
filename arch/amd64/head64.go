package amd64

import (
	"unsafe"

	"gokern/cmdline"
	"gokern/printk"
)

// x86_64_start_kernel and what it does before start_kernel. Linux:
// arch/x86/kernel/head64.c. Seeds: 001 "copy_bootdata", "init_level4_pgt"
// (init_top_pgt in 5.x), "reserve_ebda_region" (that one comes with the
// memory stage).

var (
	// Boot_params is the kernel's copy of the zeropage (Linux boot_params).
	Boot_params BootParams
	// Boot_command_line is the kernel's copy of the command line, NUL
	// terminated (Linux boot_command_line).
	Boot_command_line [COMMAND_LINE_SIZE]byte
	// Cmdline_truncated: the loader's command line had no NUL within
	// COMMAND_LINE_SIZE-1 bytes; the copy was cut there.
	Cmdline_truncated bool
	// Cmdline_len is the length of Boot_command_line.
	Cmdline_len int

	// Init_top_pgt is the kernel's final top-level page table (Linux
	// init_top_pgt, once init_level4_pgt); setup_arch switches to it when
	// the direct map is built. Page-aligned at run time (init_top_pgt()).
	init_top_pgt_buf [2 * 4096]byte

	// Set by startup_64 (head_64.s).
	boot_params_phys   uintptr
	tsc_startup_32     uint64
	early_top_pgt_phys uintptr
	early_pgt_buf      [12 * 4096]byte // 11 pages + room to align
)

// PAGE_OFFSET is where the direct map of physical memory begins (DESIGN.md
// §3, Linux __PAGE_OFFSET with 4-level paging).
const PAGE_OFFSET = 0xffff888000000000

// Phys_to_virt returns the direct-map pointer for a physical address, Linux
// __va / phys_to_virt. Until init_mem_mapping only 0-4 GiB is mapped there
// (the early direct map of startup_64).
func Phys_to_virt(pa uintptr) unsafe.Pointer { return ptrOf(pa + PAGE_OFFSET) }

// Kernel_ptr turns a kernel virtual address into a pointer.
func Kernel_ptr(va uintptr) unsafe.Pointer { return ptrOf(va) }

// Early_top_pgt returns startup_64's PGD (through the direct map).
func Early_top_pgt() *[512]uint64 {
	return (*[512]uint64)(Phys_to_virt(early_top_pgt_phys))
}

// Init_top_pgt returns the page-aligned init_top_pgt.
func Init_top_pgt() *[512]uint64 {
	a := (uintptrOf(&init_top_pgt_buf[0]) + 4095) &^ 4095
	return (*[512]uint64)(ptrOf(a))
}

// Kernel_end is the virtual address of _end.
func Kernel_end() uintptr { return kernel_end_va }

// Kernel_text is _text: __START_KERNEL_map + LOAD_PHYSICAL_ADDR.
const Kernel_text = START_KERNEL_map + LOAD_PHYSICAL_ADDR

const (
	START_KERNEL_map   = 0xffffffff80000000
	LOAD_PHYSICAL_ADDR = 0x1000000
)

// copy_bootdata copies the zeropage and the command line into kernel
// memory, so that later stages can reuse the loader's memory (Linux
// head64.c copy_bootdata). The command line is cut at COMMAND_LINE_SIZE-1
// bytes and NUL-terminated; Cmdline_truncated records a cut.
func copy_bootdata(real_mode_data uintptr) {
	src := (*BootParams)(Phys_to_virt(real_mode_data))
	Boot_params = *src
	p := Boot_params.Cmd_line_ptr()
	if p == 0 {
		return
	}
	cl := (*[COMMAND_LINE_SIZE]byte)(Phys_to_virt(uintptr(p)))
	n := 0
	for n < COMMAND_LINE_SIZE-1 && cl[n] != 0 {
		Boot_command_line[n] = cl[n]
		n++
	}
	Boot_command_line[n] = 0
	Cmdline_len = n
	Cmdline_truncated = n == COMMAND_LINE_SIZE-1 && cl[n] != 0
}

// Cmdline returns the kernel command line without its NUL.
func Cmdline() []byte { return Boot_command_line[:Cmdline_len] }

// startup_64_report prints the startup_64 line once the early console is
// up: the first thing the kernel says.
func startup_64_report() {
	// The command line is still in the loader's memory: read the console
	// and log-level options from there, so this line obeys "debug".
	bp := (*BootParams)(Phys_to_virt(boot_params_phys))
	var cmd []byte
	if p := bp.Cmd_line_ptr(); p != 0 {
		raw := (*[COMMAND_LINE_SIZE]byte)(Phys_to_virt(uintptr(p)))
		cmd = raw[:cmdline.Len(raw[:COMMAND_LINE_SIZE-1])]
	}
	early_console_init(cmd)
	early_param_loglevel(cmd)
	printk.Debug("startup_64: kernel at %#x-%#x, early_top_pgt at %#x (phys), boot_params at %#x\n",
		printk.Int(uintptr(Kernel_text)), printk.Int(Kernel_end()), printk.Int(early_top_pgt_phys), printk.Int(boot_params_phys))
}

// x86_64_start_kernel is the first C function of Linux's 64-bit kernel
// (startup_64 has already called two Go helpers, startup_64_setup_gdt_idt
// and startup_64_report, on the boot stack). It copies the boot
// data, prepares init_top_pgt and calls start_kernel (Linux:
// x86_64_start_kernel → x86_64_start_reservations → start_kernel).
func x86_64_start_kernel(real_mode_data uintptr, tsc0 uint64) {
	copy_bootdata(real_mode_data)
	// The console honours earlyprintk= and the log level now that the
	// command line is here.
	early_console_init(Cmdline())
	early_param_loglevel(Cmdline())
	tsc_early_init(tsc0)
	printk.Debug("x86_64_start_kernel: boot_params copied from %#x, command line %d bytes, TSC %d kHz\n",
		printk.Int(real_mode_data), printk.Int(Cmdline_len), printk.Int(Tsc_khz))

	// clear_page(init_top_pgt); init_top_pgt[511] = early_top_pgt[511]:
	// the kernel mapping carries over to the final tables (seeds 001).
	// Linux keeps that entry and tightens permissions later
	// (mark_rodata_ro); gokern's init_mem_mapping replaces it with a fresh
	// W^X mapping of the kernel instead.
	top := Init_top_pgt()
	*top = [512]uint64{}
	top[511] = Early_top_pgt()[511]

	start_kernel()
}

// start_kernel is init/main.c's, in the gokern main package (kmain.go).
//
//go:linkname start_kernel main.start_kernel
func start_kernel()
