/*
 * pmjump.S - the switch itself: set CR0.PE, far-jump into 32-bit code,
 * load flat segments and jump to the protected-mode payload.
 *
 * Linux: arch/x86/boot/pmjump.S (protected_mode_jump, .Lin_pm32).
 * Seeds: 000 "protected_mode_jump()" (sets PE in CR0, ljmp to load CS,
 *        flat data segments, temporary stack; the `.byte 0x66, 0xea`
 *        listing); 003 "Real Mode" (the pmjump.S listing).
 * Manual: Intel SDM Vol. 3A §9.9.1 "Switching to Protected Mode": with
 *        a GDT loaded, set CR0.PE with MOV CR0, then immediately a far JMP
 *        (or CALL) to serialise and load CS from the GDT (steps 1-4), LLDT
 *        and LTR (steps 5-6), then reload DS, SS, ES, FS, GS (step 7).
 *        Interrupts stay off: the kernel loads its own IDT (steps 8-9).
 *
 * Contract with the next stage (boot/compressed/head_64.S startup_32):
 *   32-bit protected mode, paging off, interrupts off (IF = 0, NMI masked,
 *   PICs masked, null IDT), CS = __BOOT_CS (0x10, flat 4 GiB code),
 *   DS = ES = FS = GS = SS = __BOOT_DS (0x18, flat 4 GiB data),
 *   TR = __BOOT_TSS, LDTR = 0, ESI = linear address of boot_params (the
 *   zeropage, in setup's bss), ESP = the setup stack made linear (valid
 *   but small: startup_32 sets its own), EBX = EBP = EDI = ECX = EDX = 0,
 *   EIP = EAX = hdr.code32_start (0x100000 unless a loader changed it),
 *   A20 on.
 */
	.include "boot.inc"

	.code16
	.text

/*
 * protected_mode_jump: In: %eax = 32-bit entry point (linear),
 * %edx = linear address of boot_params.  Entered with a 16-bit call
 * from go_to_protected_mode; never returns.  CS = DS = SS here.
 */
SYM_FUNC_START protected_mode_jump
	movl	%edx, %esi		# ESI = boot_params, for startup_32

	# The far jump below needs the LINEAR address of in_pm32 (CS will be
	# a flat segment based at 0), but the linker only knows its offset in
	# the setup segment, and the segment is the loader's choice (0x1000
	# under QEMU, 0x9000 under GRUB linux16).  So, as Linux, patch the
	# jump's offset field: add CS << 4 to it.  %ebx keeps CS << 4 to make
	# the stack pointer linear on the other side.
	xorl	%ebx, %ebx
	movw	%cs, %bx
	shll	$4, %ebx
	addl	%ebx, 2f		# self-modifying code (DS = CS)
	jmp	1f			# a taken jump flushes the prefetch queue
1:					# of a 386/486, which may hold the old bytes

	movw	$__BOOT_DS, %cx
	movw	$__BOOT_TSS, %di

	# Enter protected mode: CR0.PE (bit 0).  SDM Vol. 3A §9.9.1.
	movl	%cr0, %edx
	orb	$0x01, %dl		# X86_CR0_PE
	movl	%edx, %cr0

	# Still executing 16-bit code (the CS descriptor cache is unchanged)
	# until this far jump loads CS from the GDT: JMP ptr16:32, written as
	# bytes so the patched offset has a label.  0x66 = 32-bit operand size
	# in 16-bit code, 0xEA = JMP far absolute.
	.byte	0x66, 0xea
2:	.long	in_pm32			# offset, made linear above
	.word	__BOOT_CS		# selector
SYM_FUNC_END protected_mode_jump

	.code32
	.section ".text32", "ax"
/*
 * in_pm32: first 32-bit instructions.  %ecx = __BOOT_DS, %di = __BOOT_TSS,
 * %ebx = CS << 4 of the real-mode segment, %eax = entry, %esi = boot_params.
 */
SYM_FUNC_START in_pm32
	# Flat data segments (SDM Vol. 3A §9.9.1 step 7: reload DS, SS, ES,
	# FS, GS after the far jump)
	movl	%ecx, %ds
	movl	%ecx, %es
	movl	%ecx, %fs
	movl	%ecx, %gs
	movl	%ecx, %ss
	# The 16-bit SP was relative to SS = CS: make it linear.  startup_32
	# sets up its own stack, but a debugger hack may want one.
	addl	%ebx, %esp

	# TR = __BOOT_TSS, just so Intel VT is happy (SDM Vol. 3A §9.9.1
	# step 6; LTR marks the TSS descriptor busy)
	ltr	%di

	# Clear registers to allow for future extensions of the 32-bit boot
	# protocol
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%edi, %edi

	# LDTR = null (SDM Vol. 3A §9.9.1 step 5)
	lldt	%cx

	jmpl	*%eax			# to code32_start
SYM_FUNC_END in_pm32
