/*
 * header.S - the first sector of the bzImage, the setup header and the
 * very first instructions of the kernel: _start, start_of_setup, die.
 *
 * Linux: arch/x86/boot/header.S (bootsect_start, hdr, _start,
 *        start_of_setup, setup_bad, die).
 * Seeds: 000 "First Instruction" (the 2-byte jump written as bytes) and
 *        "start_of_setup()" (stack, bss, jump to main); 003 "Real Mode"
 *        (the start_of_setup listing).
 * Boot protocol: Documentation/x86/boot.rst, "The Real-Mode Kernel Header"
 *        and "Details of Header Fields" (protocol 2.15).
 *
 * All of this runs in real mode (SDM Vol. 3A §20.1 "Real-Address Mode
 * Operation"): addresses are segment*16 + offset, and every offset here is
 * relative to the start of the setup segment, because setup.ld links the
 * image at 0.
 */
	.include "boot.inc"

	.code16

/* ------------------------------------------------------------------------
 * Boot sector stub, offset 0.  A BIOS that boots the image as a floppy
 * (boot_flag 0xAA55 at 0x1fe makes it look bootable) loads this sector at
 * 0000:7C00 and jumps to it.  gokern needs a boot loader: say so with the
 * BIOS teletype (INT 10h AH=0Eh "Teletype Output", AL=char, BH=page,
 * BL=colour) and halt.
 * ------------------------------------------------------------------------ */
	.section ".bstext", "ax"
SYM_FUNC_START bootsect_start
	ljmp	$BOOTSEG, $bs_start2	# normalise CS:IP to 07C0:offset
bs_start2:
	movw	%cs, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%sp, %sp
	cld
	movw	$bs_msg, %si
bs_msg_loop:
	lodsb
	testb	%al, %al
	jz	bs_halt
	movb	$0x0e, %ah		# INT 10h AH=0Eh teletype output
	movw	$0x0007, %bx		# page 0, light grey
	int	$0x10
	jmp	bs_msg_loop
bs_halt:
	cli
	hlt
	jmp	bs_halt
SYM_FUNC_END bootsect_start

	.section ".bsdata", "a"
bs_msg:
	.asciz	"Use a boot loader.\r\n"

/* ------------------------------------------------------------------------
 * The setup header, at 0x1f1 (setup.ld puts .header there).  Field order,
 * sizes and offsets: boot.rst "The Real-Mode Kernel Header".  Every field
 * has a global label named as in Linux/boot.rst so the image builder
 * (cmd/) can find it in setup.elf's symbol table.  Fields marked "patched"
 * are written by the image builder into the bzImage.
 * ------------------------------------------------------------------------ */
	.section ".header", "a"
	.globl	hdr, setup_sects, root_flags, syssize, ram_size, vid_mode
	.globl	root_dev, boot_flag
hdr:
setup_sects:	.byte	0		# 0x1f1 patched: setup sectors - 1 (>= 4)
root_flags:	.word	1		# 0x1f2 ROOT_RDONLY, as Linux
syssize:	.long	0		# 0x1f4 patched: payload size / 16
ram_size:	.word	0		# 0x1f8 obsolete
vid_mode:	.word	0xffff		# 0x1fa NORMAL_VGA: no mode change
root_dev:	.word	0		# 0x1fc
boot_flag:	.word	BOOT_FLAG_MAGIC	# 0x1fe 0xAA55

	# 0x200: the entry point.  A loader jumps here with
	# CS = setup segment + 0x20 (QEMU: CS=0x1020 IP=0).
	.globl	_start
	.type	_start, @function
_start:
	# A 2-byte short jump (EB rel8), written as bytes: left to itself the
	# assembler may pick the 3-byte near jump (E9 rel16) and push "HdrS"
	# off 0x202 (seed 000 "First Instruction").
	.byte	0xeb			# JMP rel8
	.byte	start_of_setup - 1f	# rel8 = target - next instruction
1:
	.size	_start, . - _start

	.globl	header, version, realmode_swtch, start_sys_seg, kernel_version
	.globl	type_of_loader, loadflags, setup_move_size, code32_start
	.globl	ramdisk_image, ramdisk_size, bootsect_kludge, heap_end_ptr
	.globl	ext_loader_ver, ext_loader_type, cmd_line_ptr, initrd_addr_max
	.globl	kernel_alignment, relocatable_kernel, min_alignment, xloadflags
	.globl	cmdline_size, hardware_subarch, hardware_subarch_data
	.globl	payload_offset, payload_length, setup_data, pref_address
	.globl	init_size, handover_offset, kernel_info_offset
header:		.ascii	"HdrS"		# 0x202 signature
version:	.word	BOOT_PROTOCOL_VERSION	# 0x206 protocol 2.15
realmode_swtch:	.word	0, 0		# 0x208 loader hook, off:seg (none)
start_sys_seg:	.word	SYSSEG		# 0x20c obsolete
kernel_version:	.word	kernel_version_str - 0x200	# 0x20e
type_of_loader:	.byte	0		# 0x210 set by the loader
loadflags:	.byte	LOADED_HIGH	# 0x211 payload at 0x100000
setup_move_size: .word	0x8000		# 0x212
code32_start:	.long	CODE32_START_DEFAULT	# 0x214 protected-mode entry
ramdisk_image:	.long	0		# 0x218
ramdisk_size:	.long	0		# 0x21c
bootsect_kludge: .long	0		# 0x220 obsolete
heap_end_ptr:	.word	_end + STACK_SIZE - 512	# 0x224 as Linux
ext_loader_ver:	.byte	0		# 0x226
ext_loader_type: .byte	0		# 0x227
cmd_line_ptr:	.long	0		# 0x228 set by the loader
initrd_addr_max: .long	0x7fffffff	# 0x22c
kernel_alignment: .long	0x200000	# 0x230
relocatable_kernel: .byte 0		# 0x234
min_alignment:	.byte	21		# 0x235 log2(2 MiB)
xloadflags:	.word	0		# 0x236
cmdline_size:	.long	COMMAND_LINE_SIZE - 1	# 0x238
hardware_subarch: .long	0		# 0x23c X86_SUBARCH_PC
hardware_subarch_data: .quad 0		# 0x240
payload_offset:	.long	0		# 0x248
payload_length:	.long	0		# 0x24c
setup_data:	.quad	0		# 0x250
pref_address:	.quad	LOAD_PHYSICAL_ADDR	# 0x258
init_size:	.long	0		# 0x260 patched
handover_offset: .long	0		# 0x264 no EFI handover
kernel_info_offset: .long 0		# 0x268 patched
	# 0x26c: end of the setup header (SETUP_HDR_END)

/* ------------------------------------------------------------------------
 * start_of_setup: from the loader's registers to a state the rest of the
 * setup code can rely on, then main.
 * In:  DS = setup segment, CS = DS + 0x20, SS:SP from the loader
 *      (QEMU: DS=ES=SS=0x1000, SP=0xfff0, interrupts off).
 * Out: DS=ES=SS=CS, DF=0, ESP = a 16-bit stack pointer, bss zeroed.
 * ------------------------------------------------------------------------ */
	.section ".entrytext", "ax"
SYM_FUNC_START start_of_setup
	# Force ES = DS; string instructions count upwards.
	movw	%ds, %ax
	movw	%ax, %es
	cld

	# Stack.  A loader that set SS = DS chose SP too: keep it (LOADLIN
	# puts its stack behind its own code).  Some ancient LILOs entered
	# with SS != DS: make up a stack of STACK_SIZE bytes above the heap
	# (heap_end_ptr, when the loader set CAN_USE_HEAP) or above _end.
	movb	$0, setup_stack_made_up
	movw	%ss, %dx
	cmpw	%ax, %dx		# SS == DS?
	movw	%sp, %dx
	je	2f			# yes: keep the loader's SP
	movb	$1, setup_stack_made_up
	movw	$_end, %dx
	testb	$CAN_USE_HEAP, loadflags
	jz	1f
	movw	heap_end_ptr, %dx
1:	addw	$STACK_SIZE, %dx
	jnc	2f
	xorw	%dx, %dx		# wrapped past 64 KiB: top of the segment
2:	andw	$~3, %dx		# dword aligned
	jnz	3f
	movw	$0xfffc, %dx		# never SP = 0
3:	movw	%ax, %ss		# (a MOV to SS holds off interrupts
	movzwl	%dx, %esp		#  for one instruction: SDM Vol. 3A §6.8.3)
	movw	%dx, setup_stack_sp
	sti				# a working stack: BIOS interrupts may run

	# CS = DS + 0x20 on entry.  Make CS equal to the other segments with
	# a far return to the next instruction (SDM Vol. 2A "RET": a far
	# return pops IP, then CS).
	pushw	%ds
	pushw	$6f
	lretw
6:
	# setup_sig is the last dword of the loaded setup image: anything
	# else there means the loader loaded fewer sectors than setup_sects.
	cmpl	$0x5a5aaa55, setup_sig
	jne	setup_bad
	# And setup_sects must be the setup's own size (setup.ld): a loader
	# that read a larger value took payload sectors for setup ones, and
	# the payload at code32_start would begin in its middle.
	cmpb	$setup_sects_linked, setup_sects
	jne	setup_sects_bad

	# Zero the bss (boot_params lives there), a dword at a time.
	movw	$__bss_start, %di
	movw	$_end + 3, %cx
	xorl	%eax, %eax
	subw	%di, %cx
	shrw	$2, %cx
	movw	%cx, setup_bss_bytes
	shlw	$2, setup_bss_bytes
	rep stosl

	# main never returns.  calll pushes a 32-bit return address, as
	# Linux's C main expects.
	calll	main
	jmp	die
SYM_FUNC_END start_of_setup

/*
 * setup_bad: the signature check failed.  The console is not set up yet
 * (nothing has parsed the cmdline, the bss is not zeroed), so bring up
 * COM1 at 115200 8N1 first, then complain and die.  Everything used here
 * (.entrytext, .inittext, .initdata) sits in the first sectors.
 */
SYM_FUNC_START setup_bad
	movw	$COM1, %dx
	movl	$UART_BASE_BAUD, %eax
	call	early_serial_init
	movw	$setup_corrupt, %si
	call	puts
	jmp	die
SYM_FUNC_END setup_bad

/*
 * setup_sects_bad: setup_sects does not match the setup; the console is
 * not up yet, as for setup_bad.
 *   "setup_sects is %u, the setup has %u sectors: damaged image"
 */
SYM_FUNC_START setup_sects_bad
	movw	$COM1, %dx
	movl	$UART_BASE_BAUD, %eax
	call	early_serial_init
	movw	$setup_sects_msg1, %si
	call	puts
	movzbl	setup_sects, %eax
	call	putdec
	movw	$setup_sects_msg2, %si
	call	puts
	movl	$setup_sects_linked, %eax
	call	putdec
	movw	$setup_sects_msg3, %si
	call	puts
	jmp	die
SYM_FUNC_END setup_sects_bad

/*
 * die: the end of every fatal error in real mode.  Prints nothing more.
 * Under QEMU with -device isa-debug-exit,iobase=0xf4 a read of port 0xf4
 * returns 0 (the device's read handler returns 0) while an unassigned
 * port reads as 0xff; measured on QEMU 7.2: 0x00 with the device, 0xff
 * without.  So: if port 0xf4 reads 0, write DEBUG_EXIT_FAILURE (0x11) to
 * it and QEMU exits with status (0x11 << 1) | 1 = 35.  Otherwise (real
 * hardware, or QEMU without the device) stop the CPU: interrupts off,
 * hlt forever (NMIs may wake hlt up, hence the loop).
 */
SYM_FUNC_START die
	inb	$DEBUG_EXIT_PORT, %al
	testb	%al, %al
	jnz	1f
	movb	$DEBUG_EXIT_FAILURE, %al
	outb	%al, $DEBUG_EXIT_PORT
1:	cli
	hlt
	jmp	1b
SYM_FUNC_END die

	.section ".initdata", "a"
setup_corrupt:
	.asciz	"Setup signature not found...\n"
setup_sects_msg1:
	.asciz	"setup_sects is "
setup_sects_msg2:
	.asciz	", the setup has "
setup_sects_msg3:
	.asciz	" sectors: damaged image\n"

/* ------------------------------------------------------------------------
 * Data.  These live in .data, not .bss: start_of_setup writes them
 * before it zeroes the bss.  main prints them with "debug".
 * ------------------------------------------------------------------------ */
	.data
	.balign	2
SYM_DATA_START setup_stack_sp		# SP chosen by start_of_setup
	.word	0
SYM_DATA_END setup_stack_sp
SYM_DATA_START setup_bss_bytes		# bytes of bss zeroed
	.word	0
SYM_DATA_END setup_bss_bytes
SYM_DATA_START setup_stack_made_up	# 1: SS != DS on entry, stack made up
	.byte	0
SYM_DATA_END setup_stack_made_up

/*
 * kernel_version_str: the version string the header's kernel_version
 * field points to (minus 0x200).  64 zero bytes here; the image builder
 * writes "gokern ..." into them (NUL-terminated, at most 63 characters).
 */
	.balign	16
SYM_DATA_START kernel_version_str
	.fill	64, 1, 0
SYM_DATA_END kernel_version_str
