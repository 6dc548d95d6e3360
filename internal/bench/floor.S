/*
 * The floor image of ./qemu.sh bench: the smallest thing QEMU's -kernel
 * boots as Linux, whose first instruction ends the run. Booting it costs
 * what QEMU and the firmware cost before any kernel runs, so the time
 * gokern takes to its idle line is measured against it.
 *
 * A Linux boot-protocol image (Documentation/arch/x86/boot.rst): a
 * boot sector holding the first part of the setup header, one setup
 * sector whose offset 0x200 is the entry point (_start, where QEMU jumps
 * with CS=0x1020, IP=0), and a 512-byte protected-mode payload nobody
 * runs. _start writes 0x10 to isa-debug-exit (port 0xf4): QEMU exits 33,
 * as gokern's exit_at_idle does.
 *
 * PAYLOAD (as --defsym PAYLOAD=N) makes the payload N bytes of zeros: the
 * same image, which still ends at its first instruction, with as much for
 * the firmware to load as a kernel of that size has. ./qemu.sh bench
 * boots it only to say what loading costs; its ratio stays against the
 * 512-byte floor.
 */
	.ifndef	PAYLOAD
	.set	PAYLOAD, 512
	.endif
	.code16
	.section .text
	.globl	_start

	.org	0x1f1
setup_sects:	.byte	1			/* one setup sector */
root_flags:	.word	0
syssize:	.long	(PAYLOAD + 15) / 16	/* the payload, in paragraphs */
ram_size:	.word	0
vid_mode:	.word	0
root_dev:	.word	0
boot_flag:	.word	0xaa55

	.org	0x200
_start:	jmp	start_of_setup			/* 2 bytes, then "HdrS" */
header:		.ascii	"HdrS"
version:	.word	0x0206
realmode_swtch:	.long	0
start_sys_seg:	.word	0x1000
kernel_version:	.word	0
type_of_loader:	.byte	0
loadflags:	.byte	0x01			/* LOADED_HIGH: payload at 1 MiB */
setup_move_size: .word	0x8000
code32_start:	.long	0x100000
ramdisk_image:	.long	0
ramdisk_size:	.long	0
bootsect_kludge: .long	0
heap_end_ptr:	.word	0
ext_loader_ver:	.byte	0
ext_loader_type: .byte	0
cmd_line_ptr:	.long	0
initrd_addr_max: .long	0x7fffffff

start_of_setup:
	movw	$0xf4, %dx			/* isa-debug-exit */
	movb	$0x10, %al			/* QEMU exits (0x10 << 1) | 1 = 33 */
	outb	%al, %dx
1:	hlt					/* without the device: stop here */
	jmp	1b

	.org	0x400				/* end of the setup sector */
payload:
	.fill	PAYLOAD, 1, 0
