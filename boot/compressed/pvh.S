/*
 * boot/compressed/pvh.S — the PVH entry: how QEMU (`-kernel build/vmlinux`
 * on pc, q35 and microvm) and Xen start a kernel ELF that carries a
 * XEN_ELFNOTE_PHYS32_ENTRY note. The note names pvh_start_xen's physical
 * address; kbuild puts this boot stage into build/vmlinux at 1 MiB, as a
 * segment of its own, with the note (internal/kbuild pvh.go).
 *
 * Linux: arch/x86/platform/pvh/head.S (pvh_start_xen), enlighten.c
 *        (xen_prepare_pvh, init_pvh_bootparams); the ABI:
 *        include/xen/interface/hvm/start_info.h and Xen's
 *        docs/misc/pvh.pandoc. Linux's pvh_start_xen builds its own page
 *        tables and jumps into the kernel's startup_64; gokern's converts
 *        hvm_start_info into the stage's boot_params (zeropage.S) and
 *        joins startup_32, so that the rest of the boot is the same as
 *        from every other loader.
 *
 * Machine state (pvh.pandoc): 32-bit protected mode, paging off,
 * interrupts off; CS a flat 32-bit code segment, DS/ES/SS flat data, TR a
 * 32-bit TSS; EBX = the physical address of struct hvm_start_info; no
 * stack. EBP = CODE32_START_DEFAULT, where kbuild put this stage.
 *
 * What is kept of hvm_start_info (layouts in arch/amd64/asm/start_info.go):
 *   memmap (version >= 1)  → e820_table (its entries are E820 entries)
 *   cmdline_paddr          → copied, cmd_line_ptr
 *   modlist, nr_modules    → the first module is the initrd; all checked
 *   rsdp_paddr             → acpi_rsdp_addr
 *   type_of_loader = 0x90, Xen's id, as Linux's init_pvh_bootparams.
 */

	.include "bootparam.inc"

	.text
	.code32

	.globl	pvh_start_xen
pvh_start_xen:
	cld
	cli
	movl	$CODE32_START_DEFAULT, %ebp
	leal	boot_stack_end(%ebp), %esp
	movl	$pvh_convert, %edx
	jmp	zp_enter			/* pvh_convert, then startup_32 */

/*
 * pvh_convert: EBX = hvm_start_info. Builds loader_bp; EAX = 0 or an
 * error code (zeropage.S).
 */
	.globl	pvh_convert
pvh_convert:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	pushl	%edi
	movl	$BOOT_ENTRY_PVH, %eax		/* first: loader_error needs the name */
	leal	name_pvh, %esi
	call	zp_init
	movl	HVM_magic(%ebx), %edx
	cmpl	$XEN_HVM_START_MAGIC_VALUE, %edx
	je	1f
	movl	%ebx, %ecx			/* v1 = the structure, v2 = its magic */
	movl	$ERR_MAGIC_PVH, %eax
	call	zp_fail
	jmp	9f
1:
	movb	$(LOADER_TYPE_XEN << 4), (loader_bp + BP_type_of_loader)(%ebp)

	/* The memory map: version 1 and at least one entry. */
	movl	HVM_version(%ebx), %ecx
	movl	HVM_memmap_entries(%ebx), %edx
	cmpl	$1, %ecx
	jb	10f
	testl	%edx, %edx
	jz	10f
	cmpl	$0, (HVM_memmap_paddr + 4)(%ebx)
	jne	11f
	movl	HVM_memmap_paddr(%ebx), %esi
2:	call	zp_e820_add			/* hvm_memmap_table_entry: E820's layout */
	testl	%eax, %eax
	jnz	9f
	addl	$HVM_MMAP_SIZE, %esi
	subl	$1, %edx
	jnz	2b
	cmpb	$0, (loader_bp + BP_e820_entries)(%ebp)
	je	10f

	movl	HVM_rsdp_paddr(%ebx), %eax
	movl	%eax, (loader_bp + BP_acpi_rsdp_addr)(%ebp)
	movl	(HVM_rsdp_paddr + 4)(%ebx), %eax
	movl	%eax, (loader_bp + BP_acpi_rsdp_addr + 4)(%ebp)

	/* The command line (0: none). */
	movl	HVM_cmdline_paddr(%ebx), %esi
	movl	(HVM_cmdline_paddr + 4)(%ebx), %ecx
	movl	%esi, %eax
	orl	%ecx, %eax
	jz	4f
	testl	%ecx, %ecx
	jnz	12f
	call	zp_cmdline
	testl	%eax, %eax
	jnz	9f
4:
	/* The modules: the list, then each [paddr, paddr + size). */
	movl	HVM_nr_modules(%ebx), %edi
	testl	%edi, %edi
	jz	8f
	cmpl	$0, (HVM_modlist_paddr + 4)(%ebx)
	jne	13f
	cmpl	$0x08000000, %edi		/* count * 32 would wrap */
	jae	13f
	movl	HVM_modlist_paddr(%ebx), %eax
	movl	%edi, %ecx
	shll	$5, %ecx
	call	zp_mem_range
	jc	13f
	movl	%eax, %esi
5:	movl	HVM_MOD_paddr(%esi), %ecx
	movl	HVM_MOD_size(%esi), %edx
	addl	%ecx, %edx			/* EDX = the end */
	jc	14f
	movl	(HVM_MOD_paddr + 4)(%esi), %eax
	orl	(HVM_MOD_size + 4)(%esi), %eax
	jnz	14f
	call	zp_module
	testl	%eax, %eax
	jnz	9f
	addl	$HVM_MOD_SIZE, %esi
	subl	$1, %edi
	jnz	5b
8:	xorl	%eax, %eax
9:	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret
10:	movl	HVM_version(%ebx), %ecx		/* no memory map: v1 = version, v2 = entries */
	movl	HVM_memmap_entries(%ebx), %edx
	movl	$ERR_NO_MMAP_PVH, %eax
	call	zp_fail
	jmp	9b
11:	movl	(HVM_memmap_paddr + 4)(%ebx), %ecx	/* v1:v2 = the map */
	movl	HVM_memmap_paddr(%ebx), %edx
	movl	$ERR_MEMMAP_HIGH, %eax
	call	zp_fail
	jmp	9b
12:	movl	%esi, %edx			/* v1:v2 = the command line */
	movl	$ERR_CMDLINE, %eax
	call	zp_fail
	jmp	9b
13:	movl	(HVM_modlist_paddr + 4)(%ebx), %ecx	/* v1:v2 = the list, v3 = count */
	movl	HVM_modlist_paddr(%ebx), %edx
	movl	%edi, %esi
	movl	$ERR_MODLIST, %eax
	call	zp_fail
	jmp	9b
14:	/* a module above 4 GiB or wrapping: v1 = index, v2 = start, v3 = last */
	movl	HVM_nr_modules(%ebx), %ecx
	subl	%edi, %ecx
	movl	HVM_MOD_size(%esi), %eax
	movl	HVM_MOD_paddr(%esi), %edx
	leal	-1(%edx, %eax), %esi
	movl	$ERR_MODULE, %eax
	call	zp_fail
	jmp	9b

	.section .rodata
name_pvh:	.asciz	"PVH"
