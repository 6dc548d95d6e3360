/*
 * main.S - the real-mode kernel's main: fill the zeropage, check the CPU,
 * ask the BIOS for the memory map, then leave real mode.
 *
 * Linux: arch/x86/boot/main.c (main, copy_boot_params, init_heap,
 *        set_bios_mode, boot_params).
 * Seeds: 000 "main()" (the list of what main does); 003 "Real Mode"
 *        (the main listing: copy_boot_params, console_init,
 *        "early console in setup code", init_heap, validate_cpu,
 *        set_bios_mode, detect_memory, ..., go_to_protected_mode).
 *
 * Not here, on purpose: keyboard_init, query_ist, query_apm_bios,
 * query_edd and set_video.  gokern has no VGA console and no keyboard
 * driver (it talks over the serial port), so there is no video mode to
 * set and nothing to hand the kernel about them.
 */
	.include "boot.inc"

	.code16
	.text

/*
 * main: entered from start_of_setup with `calll`; never returns.
 */
SYM_FUNC_START main
	# First, copy the boot header into the "zeropage"
	call	copy_boot_params

	# The serial console (always: gokern has no other console)
	call	console_init

	# "debug" on the cmdline: say what we do, step by step; unless a
	# "quiet" comes after it (the later option wins, as in the kernel)
	movw	$opt_debug, %si
	call	cmdline_find_option_bool
	cmpl	$0, %eax
	jle	1f			# 0: absent, -1: no cmdline
	pushl	%eax
	movw	$opt_quiet, %si
	call	cmdline_find_option_bool
	cmpl	%eax, (%esp)		# debug's position after quiet's?
	popl	%eax
	jbe	1f
	movb	$1, boot_debug
	PUTS	"early console in setup code\n"
	call	print_start_of_setup
1:
	# End of heap check
	call	init_heap

	# Make sure we have all the proper CPU support
	call	validate_cpu
	jnc	2f
	PUTS	"Unable to boot - please use a kernel appropriate for your CPU.\n"
	call	die
2:
	# Tell the BIOS what CPU mode we intend to run in
	call	set_bios_mode

	# Detect memory layout
	call	detect_memory

	# Tell the kernel which entry ran (docs/loaders.md)
	call	note_boot_entry

	# Do the last things and invoke protected mode
	call	go_to_protected_mode
	call	die			# not reached
SYM_FUNC_END main

/*
 * print_start_of_setup: with "debug", what start_of_setup did:
 *   start_of_setup: CS normalised to 0x%04x, stack %04x:%04x
 *   (made up|from loader), bss %u bytes zeroed, setup signature ok
 */
SYM_FUNC_START print_start_of_setup
	pushl	%eax
	PUTS	"start_of_setup: CS normalised to 0x"
	movw	%cs, %ax
	call	puthex16
	PUTS	", stack "
	movw	%ss, %ax
	call	puthex16
	PUTS	":"
	movw	setup_stack_sp, %ax
	call	puthex16
	cmpb	$0, setup_stack_made_up
	je	1f
	PUTS	" (made up)"
	jmp	2f
1:	PUTS	" (from loader)"
2:	PUTS	", bss "
	movzwl	setup_bss_bytes, %eax
	call	putdec
	PUTS	" bytes zeroed, setup signature ok\n"
	popl	%eax
	ret
SYM_FUNC_END print_start_of_setup

/*
 * copy_boot_params: copy the setup header (0x1f1..0x26b of the setup
 * segment, as the loader filled it in) into boot_params.hdr.
 * Old command line protocol (boot.rst, protocol < 2.02): a loader that
 * does not set cmd_line_ptr may leave cl_magic 0xA33F at offset 0x20 and
 * the cmdline's offset at 0x22.  If the offset is below setup_move_size
 * the cmdline was inside the setup segment; otherwise an old kernel would
 * have found it in segment 0x9000.  Turn either into cmd_line_ptr.
 */
SYM_FUNC_START copy_boot_params
	pushal
	movw	$hdr, %si
	movw	$boot_params + BP_hdr, %di
	movw	$SETUP_HDR_SIZE, %cx
	rep movsb

	cmpl	$0, boot_params + BP_cmd_line_ptr
	jne	2f
	cmpw	$OLD_CL_MAGIC, OLD_CL_MAGIC_ADDR
	jne	2f
	movzwl	OLD_CL_OFFSET_ADDR, %ebx	# cl_offset
	movw	%ds, %ax			# cmdline segment
	cmpw	boot_params + BP_setup_move_size, %bx
	jb	1f
	movw	$0x9000, %ax
1:	movzwl	%ax, %eax
	shll	$4, %eax
	addl	%ebx, %eax
	movl	%eax, boot_params + BP_cmd_line_ptr
2:	popal
	ret
SYM_FUNC_END copy_boot_params

/*
 * note_boot_entry: a SETUP_GOKERN_BOOT setup_data node saying that the
 * kernel came in through the real-mode setup (BOOT_ENTRY_16BIT), put at
 * the head of the loader's list in hdr.setup_data. setup_data holds linear
 * addresses: the node's is its offset plus DS << 4. The kernel reads it in
 * parse_setup_data (arch/amd64/setup_data.go); the multiboot and PVH
 * entries of the boot stage write the same node (boot/compressed/
 * zeropage.S).
 */
SYM_FUNC_START note_boot_entry
	pushal
	movl	boot_params + BP_setup_data, %eax
	movl	%eax, boot_entry_node + SD_next
	movl	boot_params + BP_setup_data + 4, %eax
	movl	%eax, boot_entry_node + SD_next + 4
	movl	$SETUP_GOKERN_BOOT, boot_entry_node + SD_type
	movl	$GB_SIZE, boot_entry_node + SD_len
	movl	$BOOT_ENTRY_16BIT, boot_entry_node + SD_data + GB_entry
	movw	%ds, %ax
	movzwl	%ax, %eax
	shll	$4, %eax
	addl	$boot_entry_node, %eax
	movl	%eax, boot_params + BP_setup_data
	movl	$0, boot_params + BP_setup_data + 4
	popal
	ret
SYM_FUNC_END note_boot_entry

/*
 * init_heap: heap_end = the end of the heap the loader gave us
 * (heap_end_ptr + 0x200, boot.rst "heap_end_ptr"), but never into the
 * stack's STACK_SIZE bytes.  Without CAN_USE_HEAP (protocol 2.00 loaders)
 * there is no heap: heap_end stays at _end.  The setup code does not
 * allocate (Linux's heap serves the video code, which gokern lacks), but
 * heap_end is kept for gdb and for parity with Linux.
 */
SYM_FUNC_START init_heap
	pushl	%eax
	pushl	%ebx
	movl	$_end, heap_end
	testb	$CAN_USE_HEAP, boot_params + BP_loadflags
	jz	2f
	leal	-STACK_SIZE(%esp), %ebx	# stack_end (our caller's SP, near enough)
	movzwl	boot_params + BP_heap_end_ptr, %eax
	addl	$0x200, %eax		# 32-bit: 0xfe00 + 0x200 = 0x10000 (QEMU)
	cmpl	%ebx, %eax
	jbe	1f
	movl	%ebx, %eax		# never into the stack
1:	movl	%eax, heap_end
	jmp	3f
2:	PUTS	"WARNING: Ancient bootloader, some functionality may be limited!\n"
3:	popl	%ebx
	popl	%eax
	ret
SYM_FUNC_END init_heap

/*
 * set_bios_mode: INT 15h AX=EC00h BL=02h, "Detect Target Operating Mode"
 * (AMD BIOS interface; Ralf Brown's list: INT 15/AX=EC00h): tell the
 * BIOS the OS will run in long mode only, so it can tune the CPU for it.
 * Most BIOSes (SeaBIOS included) ignore it; the result is not checked.
 */
SYM_FUNC_START set_bios_mode
	pushal
	movw	$0xec00, %ax
	movw	$2, %bx			# 2 = long mode target
	int	$0x15
	popal
	ret
SYM_FUNC_END set_bios_mode

	.section .rodata
opt_debug:	.asciz	"debug"
opt_quiet:	.asciz	"quiet"

	.bss
/*
 * boot_params: the zeropage, 4 KiB, built here and handed to the
 * protected-mode code (ESI = its linear address).  16-byte aligned, as
 * Linux.
 */
	.balign	16
SYM_DATA_START boot_params
	.skip	BOOT_PARAMS_SIZE
SYM_DATA_END boot_params

/* The setup_data node note_boot_entry fills (struct setup_data + GB_*). */
	.balign	8
SYM_DATA_START boot_entry_node
	.skip	SD_data + GB_SIZE
SYM_DATA_END boot_entry_node

/* 1 when the cmdline has "debug"; tested by every step that reports. */
SYM_DATA_START boot_debug
	.skip	1
SYM_DATA_END boot_debug
/* End of the heap, an offset in the setup segment that may be 0x10000
   (Linux main.c heap_end, a 32-bit pointer there too). */
	.balign	4
SYM_DATA_START heap_end
	.skip	4
SYM_DATA_END heap_end
