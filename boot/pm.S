/*
 * pm.S - the last things in real mode, then the jump to protected mode.
 *
 * Linux: arch/x86/boot/pm.c (go_to_protected_mode, realmode_switch_hook,
 *        reset_coprocessor, mask_all_interrupts, setup_idt, setup_gdt).
 * Seeds: 000 "go_to_protected_mode()", "Interrupt Descriptor Table"
 *        (setup_idt), "Global Descriptor Table (GDT)" (setup_gdt);
 *        003 "Real Mode" (the go_to_protected_mode listing).
 */
	.include "boot.inc"

	.code16
	.text

/*
 * go_to_protected_mode: never returns.  With "debug", just before the jump:
 *   go_to_protected_mode: A20 on (<how>), GDT at 0x%08x,
 *   boot_params at 0x%08x, jumping to code32_start 0x%08x
 * (one line; printing is port I/O, so it works with interrupts off).
 */
SYM_FUNC_START go_to_protected_mode
	# Hook before leaving real mode, also disables interrupts
	call	realmode_switch_hook

	# Enable the A20 gate
	call	enable_a20
	jnc	1f
	PUTS	"A20 gate not responding, unable to boot...\n"
	call	die
1:
	# Reset coprocessor (IGNNE#)
	call	reset_coprocessor

	# Mask all interrupts in the PIC
	call	mask_all_interrupts

	# Actual transition to protected mode...
	call	setup_idt
	call	setup_gdt

	# Is the payload all there? (gokern; needs the GDT and A20)
	call	check_payload

	# protected_mode_jump(boot_params.hdr.code32_start,
	#                     (u32)&boot_params + (ds() << 4))
	movw	%ds, %dx
	movzwl	%dx, %edx
	shll	$4, %edx
	addl	$boot_params, %edx	# %edx = linear address of boot_params
	movl	boot_params + BP_code32_start, %eax

	SKIP_UNLESS_DEBUG 2f
	PUTS	"go_to_protected_mode: A20 on ("
	pushw	%si
	movw	a20_method, %si
	call	puts
	popw	%si
	PUTS	"), GDT at 0x"
	pushl	%eax
	movl	gdt_ptr + 2, %eax
	call	puthex32
	PUTS	", boot_params at 0x"
	movl	%edx, %eax
	call	puthex32
	PUTS	", jumping to code32_start 0x"
	popl	%eax
	call	puthex32
	PUTS	"\n"
2:
	call	protected_mode_jump	# %eax = entry, %edx = boot_params
SYM_FUNC_END go_to_protected_mode

/*
 * check_payload (gokern): did the loader load the whole protected-mode
 * payload? The image builder (internal/bzimage) wrote the payload's length
 * and XXH32 into payload_check below, and appended the hash to the payload,
 * so its last 4 bytes, at code32_start + length, must read the hash. A
 * bzImage cut short leaves something else there (QEMU's memory reads 0).
 * The boot stage checks the whole hash, but only if enough of it arrived to
 * run; a payload cut to its first few KiB would be jumped into and hang.
 *
 * Real mode reaches only the first MiB, so FS takes the flat 4 GiB
 * descriptor __BOOT_DS for a moment ("unreal mode"): with CR0.PE set, FS is
 * loaded from the GDT; back in real mode it keeps the base 0 and the 4 GiB
 * limit cached in its hidden part (SDM Vol. 3A §3.4.3 "Segment Registers",
 * the descriptor cache; §9.9.2 "Switching Back to Real-Address Mode").
 * Interrupts and NMI are off (realmode_switch_hook), A20 is on.
 * A payload_check of 0 (a setup the builder did not fill) is not checked.
 * On a mismatch: one line, then die.
 */
SYM_FUNC_START check_payload
	pushal
	pushw	%fs
	movl	payload_check, %esi	# %esi = the payload's length
	testl	%esi, %esi
	jz	9f
	movl	%cr0, %eax
	orb	$0x01, %al		# X86_CR0_PE
	movl	%eax, %cr0
	jmp	1f			# (a 386/486 prefetch flush)
1:	movw	$__BOOT_DS, %bx
	movw	%bx, %fs		# base 0, limit 4 GiB, cached
	andb	$~0x01, %al
	movl	%eax, %cr0
	jmp	2f
2:	addl	boot_params + BP_code32_start, %esi
	movl	%fs:(%esi), %eax	# the payload's last 4 bytes
	cmpl	payload_check + 4, %eax
	je	9f
	PUTS	"Kernel image corrupt or truncated: expected "
	pushl	%eax
	movl	payload_check, %eax
	call	putdec
	PUTS	" bytes xxh32 0x"
	movl	payload_check + 4, %eax
	call	puthex32
	PUTS	", got 0x"
	popl	%eax
	call	puthex32
	PUTS	" at the end of the payload: the loader loaded fewer bytes (truncated image)\n"
	call	die
9:	popw	%fs
	popal
	ret
SYM_FUNC_END check_payload

/*
 * realmode_switch_hook: a loader may ask (hdr.realmode_swtch = off:seg)
 * to be called right before the switch; it then takes care of
 * interrupts and NMI.  Otherwise: interrupts off (cli) and NMI off:
 * bit 7 of the CMOS/RTC index port 0x70 is the NMI mask on PC/AT
 * compatibles (Intel ICH/PCH datasheets, "NMI Enable and Real Time Clock
 * Index Register", I/O 70h bit 7).
 */
SYM_FUNC_START realmode_switch_hook
	cmpl	$0, boot_params + BP_realmode_swtch
	je	1f
	pushal
	lcallw	*boot_params + BP_realmode_swtch
	popal
	cli				# (Linux trusts the hook; be sure)
	ret
1:	cli
	pushw	%ax
	movb	$0x80, %al		# NMI disable
	outb	%al, $0x70
	IO_DELAY
	popw	%ax
	ret
SYM_FUNC_END realmode_switch_hook

/*
 * reset_coprocessor: PC/AT I/O ports 0xF0 (clear the math coprocessor's
 * busy latch) and 0xF1 (reset the coprocessor).  A leftover of the
 * 80287/80387 days; harmless on anything newer.
 */
SYM_FUNC_START reset_coprocessor
	pushw	%ax
	xorb	%al, %al
	outb	%al, $0xf0
	IO_DELAY
	outb	%al, $0xf1
	IO_DELAY
	popw	%ax
	ret
SYM_FUNC_END reset_coprocessor

/*
 * mask_all_interrupts: write the Interrupt Mask Registers of both 8259A
 * PICs (Intel 8259A datasheet, OCW1: a write to the odd port after
 * initialisation sets the IMR; bit n masks IRQ n).  Secondary (0xA1):
 * all masked.  Primary (0x21): all but IRQ2, the cascade from the
 * secondary, as Linux.
 */
SYM_FUNC_START mask_all_interrupts
	pushw	%ax
	movb	$0xff, %al		# secondary PIC: mask IRQ8..15
	outb	%al, $0xa1
	IO_DELAY
	movb	$0xfb, %al		# primary PIC: mask all but IRQ2
	outb	%al, $0x21
	IO_DELAY
	popw	%ax
	ret
SYM_FUNC_END mask_all_interrupts

/*
 * setup_idt: load a null IDT (limit 0, base 0).  In real mode the CPU
 * uses the IVT at 0 through IDTR too (SDM Vol. 3A §20.1.4 "Interrupt and
 * Exception Handling"); with limit 0, any interrupt or exception in
 * protected mode before the kernel loads its own IDT is a triple fault
 * (shutdown) instead of a jump into real-mode vectors.  LIDT with a
 * 32-bit operand size loads all 32 base bits (SDM Vol. 2A "LGDT/LIDT").
 */
SYM_FUNC_START setup_idt
	lidtl	null_idt
	ret
SYM_FUNC_END setup_idt

/*
 * setup_gdt: load the boot GDT.  GDTR.base is a LINEAR address: the
 * table's offset plus DS << 4.  16-byte aligned (Intel recommends it;
 * some machines do not boot with a GDT that is not 8-byte aligned).
 * gdt_ptr stays in memory (Xen HVM once kept a pointer to it).
 * LGDT with a 32-bit operand size: all 32 base bits (SDM Vol. 2A).
 */
SYM_FUNC_START setup_gdt
	pushl	%eax
	movw	$boot_gdt_end - boot_gdt - 1, gdt_ptr	# limit
	movw	%ds, %ax
	movzwl	%ax, %eax
	shll	$4, %eax
	addl	$boot_gdt, %eax
	movl	%eax, gdt_ptr + 2	# base (linear)
	lgdtl	gdt_ptr
	popl	%eax
	ret
SYM_FUNC_END setup_gdt

	.section .rodata
/*
 * The boot GDT.  Descriptor layout (SDM Vol. 3A §3.4.5 "Segment
 * Descriptors", Figure 3-8), as a little-endian u64:
 *   bits 15:0   limit 15:0         bits 39:16  base 23:0
 *   bits 43:40  type               bit 44      S (1 = code/data, 0 = system)
 *   bits 46:45  DPL                bit 47      P (present)
 *   bits 51:48  limit 19:16        bit 52      AVL
 *   bit 53      L (64-bit code)    bit 54      D/B (32-bit default)
 *   bit 55      G (limit in 4 KiB units)       bits 63:56  base 31:24
 * Code/data types: SDM Vol. 3A §3.4.5.1, Table 3-1 "Code- and Data-Segment
 * Types".  The accessed bit (type bit 0) is preset so the CPU never has
 * to write the descriptor when a selector is loaded.
 */
	.balign	16
SYM_DATA_START boot_gdt
	.quad	0			# 0x00: the null descriptor (never used)
	.quad	0			# 0x08: unused, as Linux
	# 0x10 __BOOT_CS: base 0, limit 0xfffff * 4 KiB = 4 GiB;
	# access 0x9b = P=1, DPL=0, S=1, type 1011 (code, execute/read,
	# accessed); flags 0xc = G=1, D=1 (32-bit), L=0, AVL=0.
	.quad	0x00cf9b000000ffff
	# 0x18 __BOOT_DS: base 0, 4 GiB; access 0x93 = P=1, DPL=0, S=1,
	# type 0011 (data, read/write, accessed, expand-up); flags 0xc =
	# G=1, B=1 (32-bit stack pointer for SS).
	.quad	0x00cf93000000ffff
	# 0x20 __BOOT_TSS: base 4096, limit 103 (the 104-byte 32-bit TSS),
	# access 0x89 = P=1, DPL=0, S=0, type 1001 "32-bit TSS (available)"
	# (SDM Vol. 3A §3.5, Table 3-2 "System-Segment and Gate-Descriptor
	# Types"; §7.2.2 "TSS Descriptor"); flags 0 = G=0, byte granular.
	# Nothing uses it: Linux loads TR only to keep Intel VT happy
	# (VM entry checks want a usable TR), and so does gokern.
	.quad	0x0000890010000067
boot_gdt_end:
SYM_DATA_END boot_gdt

	.balign	8
SYM_DATA_START null_idt			# limit 0, base 0
	.word	0
	.long	0
SYM_DATA_END null_idt

	.bss
	.balign	16
SYM_DATA_START gdt_ptr			# GDTR image: limit (u16), base (u32)
	.skip	6
SYM_DATA_END gdt_ptr

	.data
	.balign	4
/*
 * payload_check: the protected-mode payload's length (without the hash
 * appended to it) and XXH32, written by the image builder, as the
 * payload's own image_check (boot/compressed/verify_image.S).
 */
SYM_DATA_START payload_check
	.long	0, 0
SYM_DATA_END payload_check
