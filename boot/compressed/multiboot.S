/*
 * boot/compressed/multiboot.S — the multiboot and multiboot2 entries: what
 * GRUB's `multiboot` and `multiboot2` commands jump to, and the conversion
 * of what they hand over into the boot stage's own boot_params
 * (zeropage.S), after which the boot goes on at startup_32 as from any
 * other loader.
 *
 * Linux has no multiboot entry. The contracts: Multiboot Specification
 * 0.6.96 §3.2 "Machine state" and §3.3 "Boot information format";
 * Multiboot2 Specification 2.0 §3.3 (I386 machine state) and §3.6 (boot
 * information); layouts in arch/amd64/asm/multiboot.go. The headers that
 * make a loader come here are boot/multiboot_header.S, in the setup part
 * of the bzImage.
 *
 * Machine state at both entries (the specifications' §3.2/§3.3): 32-bit
 * protected mode, paging off, interrupts off, CS a flat 4 GiB code
 * segment, DS/ES/FS/GS/SS flat data, A20 on; EAX = the magic, EBX = the
 * physical address of the information; ESP, the GDTR and the IDTR
 * undefined. The payload is where the header's load_addr says:
 * CODE32_START_DEFAULT (1 MiB), so EBP (the load address every symbol is
 * reached through) is that constant, and a stack is the stage's own.
 *
 * What is kept of the information (zeropage.S has the helpers):
 *   memory map (v1 mmap; v2 EFI memory-map tag, else memory-map tag)
 *                           → e820_table / e820_entries
 *   mem_upper (v1 flag 0; v2 basic-meminfo tag) → alt_mem_k
 *   command line            → copied, cmd_line_ptr
 *   modules                 → the first is the initrd (ramdisk_image/size);
 *                             every one checked: RAM, no overlaps
 *   boot loader name        → the setup_data node, type_of_loader
 *   (v2) EFI system table and memory map → efi_info ("EL64")
 * Anything missing or pointing outside RAM: loader_error prints why and
 * stops (exit 35 under QEMU), before any of it is used.
 */

	.include "bootparam.inc"

	.set MB2_TAGS, 20		/* tag types below this are remembered */

	.text
	.code32

/*
 * multiboot_entry: from GRUB's `multiboot` (EAX = MULTIBOOT_BOOTLOADER_MAGIC).
 */
	.globl	multiboot_entry
multiboot_entry:
	cld
	cli
	movl	$CODE32_START_DEFAULT, %ebp	/* the header's load_addr */
	leal	boot_stack_end(%ebp), %esp
	movl	$mb_convert, %edx
	jmp	zp_enter			/* mb_convert, then startup_32 */

/*
 * multiboot2_entry: from GRUB's `multiboot2` (EAX =
 * MULTIBOOT2_BOOTLOADER_MAGIC), under BIOS or UEFI (where GRUB has left
 * the boot services: the header asks for no EFI entry).
 */
	.globl	multiboot2_entry
multiboot2_entry:
	cld
	cli
	movl	$CODE32_START_DEFAULT, %ebp
	leal	boot_stack_end(%ebp), %esp
	movl	$mb2_convert, %edx
	jmp	zp_enter			/* mb2_convert, then startup_32 */

/*
 * mb_convert: EAX = the magic, EBX = the multiboot information. Builds
 * loader_bp. EAX = 0, or an error code (zeropage.S) with its values.
 */
	.globl	mb_convert
mb_convert:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	pushl	%edi
	movl	%eax, %ecx			/* the magic */
	movl	$BOOT_ENTRY_MULTIBOOT, %eax		/* first: loader_error needs the name */
	leal	name_multiboot, %esi
	call	zp_init
	cmpl	$MULTIBOOT_BOOTLOADER_MAGIC, %ecx
	je	1f
	movl	$ERR_MAGIC_MB1, %eax
	call	zp_fail
	jmp	9f
1:

	/* The memory map: entries of {u32 size, u64 addr, u64 len, u32 type},
	 * each size + 4 bytes after the one before. */
	movl	MBI_flags(%ebx), %ecx
	movl	MBI_mmap_length(%ebx), %edx
	testl	$MULTIBOOT_INFO_MEM_MAP, %ecx
	jz	10f
	testl	%edx, %edx
	jz	10f
	movl	MBI_mmap_addr(%ebx), %esi
	addl	%esi, %edx			/* EDX = the map's end */
	xorl	%edi, %edi			/* EDI = entry index */
2:	leal	MBMMAP_addr(%esi), %eax
	cmpl	%edx, %eax
	ja	3f				/* no room for a size field: done */
	movl	MBMMAP_size(%esi), %ecx
	cmpl	$MBMMAP_ENTRY_MIN, %ecx
	jb	11f
	pushl	%esi
	addl	$MBMMAP_addr, %esi
	call	zp_e820_add
	popl	%esi
	testl	%eax, %eax
	jnz	9f
	leal	MBMMAP_addr(%esi, %ecx), %esi
	addl	$1, %edi
	cmpl	%edx, %esi
	jb	2b
3:	cmpb	$0, (loader_bp + BP_e820_entries)(%ebp)
	je	10f

	/* mem_upper: KiB of RAM from 1 MiB (the E801 answer's meaning). */
	testl	$MULTIBOOT_INFO_MEMORY, MBI_flags(%ebx)
	jz	4f
	movl	MBI_mem_upper(%ebx), %eax
	movl	%eax, (loader_bp + BP_alt_mem_k)(%ebp)
4:
	testl	$MULTIBOOT_INFO_CMDLINE, MBI_flags(%ebx)
	jz	5f
	movl	MBI_cmdline(%ebx), %esi
	call	zp_cmdline
	testl	%eax, %eax
	jnz	9f
5:
	testl	$MULTIBOOT_INFO_BOOT_LOADER_NAME, MBI_flags(%ebx)
	jz	6f
	movl	MBI_boot_loader_name(%ebx), %esi
	call	zp_loader_name
	testl	%eax, %eax
	jnz	9f
6:
	/* Modules: the list must be RAM, then each module. */
	testl	$MULTIBOOT_INFO_MODS, MBI_flags(%ebx)
	jz	8f
	movl	MBI_mods_count(%ebx), %edi
	testl	%edi, %edi
	jz	8f
	movl	MBI_mods_addr(%ebx), %eax
	cmpl	$0x10000000, %edi		/* count * 16 would wrap */
	jae	12f
	movl	%edi, %ecx
	shll	$4, %ecx
	call	zp_mem_range
	jc	12f
	movl	%eax, %esi			/* ESI = the list */
7:	movl	MBMOD_mod_start(%esi), %ecx
	movl	MBMOD_mod_end(%esi), %edx
	call	zp_module
	testl	%eax, %eax
	jnz	9f
	addl	$MBMOD_SIZE, %esi
	subl	$1, %edi
	jnz	7b
8:	xorl	%eax, %eax
9:	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret
10:	movl	MBI_flags(%ebx), %ecx		/* no memory map */
	movl	MBI_mmap_length(%ebx), %edx
	movl	$ERR_NO_MMAP, %eax
	call	zp_fail
	jmp	9b
11:	movl	%edi, %eax			/* an entry too small: v1 = i, v2 = size, v3 = min */
	movl	%ecx, %edx
	movl	%eax, %ecx
	movl	$MBMMAP_ENTRY_MIN, %esi
	movl	$ERR_MMAP_ENTRY, %eax
	call	zp_fail
	jmp	9b
12:	movl	MBI_mods_addr(%ebx), %edx	/* v1:v2 = the list, v3 = count */
	movl	%edi, %esi
	xorl	%ecx, %ecx
	movl	$ERR_MODLIST, %eax
	call	zp_fail
	jmp	9b

/*
 * mb2_convert: EAX = the magic, EBX = the multiboot2 information (u32
 * total_size, u32 reserved, then 8-byte aligned tags up to an end tag).
 * EAX = 0, or an error code. Two passes: the first checks every tag's
 * size against total_size and notes where the tags of interest are; the
 * second reads the memory map before anything it must check against it.
 */
	.globl	mb2_convert
mb2_convert:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	pushl	%edi
	movl	%eax, %ecx			/* the magic */
	movl	$BOOT_ENTRY_MULTIBOOT2, %eax		/* first: loader_error needs the name */
	leal	name_multiboot2, %esi
	call	zp_init
	cmpl	$MULTIBOOT2_BOOTLOADER_MAGIC, %ecx
	je	1f
	movl	$ERR_MAGIC_MB2, %eax
	call	zp_fail
	jmp	90f
1:
	leal	mb2_tags(%ebp), %edi		/* forget the tags of a previous call */
	xorl	%eax, %eax
	movl	$MB2_TAGS, %ecx
	rep	stosl

	movl	MB2I_total_size(%ebx), %edx
	cmpl	$(MB2I_tags + MB2T_SIZE), %edx
	jb	91f
	cmpl	$0x100000, %edx			/* more than 1 MiB of tags: garbage */
	ja	91f
	addl	%ebx, %edx			/* EDX = the information's end */
	jc	91f
	leal	MB2I_tags(%ebx), %esi		/* ESI = the tag */
2:	leal	MB2T_SIZE(%esi), %eax
	cmpl	%edx, %eax
	ja	92f
	movl	MB2T_size(%esi), %ecx
	cmpl	$MB2T_SIZE, %ecx
	jb	92f
	movl	%edx, %eax
	subl	%esi, %eax
	cmpl	%eax, %ecx			/* size <= end - tag */
	ja	92f
	movl	MB2T_type(%esi), %eax
	cmpl	$MULTIBOOT_TAG_TYPE_END, %eax
	je	4f
	cmpl	$MB2_TAGS, %eax			/* remember the first tag of each type */
	jae	3f
	cmpl	$0, mb2_tags(%ebp, %eax, 4)
	jne	3f
	movl	%esi, mb2_tags(%ebp, %eax, 4)
3:	leal	7(%esi, %ecx), %esi		/* the next tag: 8-byte aligned */
	andl	$~7, %esi
	jmp	2b
4:
	/* The memory map: the EFI one when the loader left the boot services
	 * (GRUB under UEFI), else the loader's E820-style one. */
	movl	(mb2_tags + 4 * MULTIBOOT_TAG_TYPE_EFI_MMAP)(%ebp), %esi
	testl	%esi, %esi
	jz	5f
	call	mb2_efi_mmap
	testl	%eax, %eax
	jnz	90f
	jmp	6f
5:	movl	(mb2_tags + 4 * MULTIBOOT_TAG_TYPE_MMAP)(%ebp), %esi
	testl	%esi, %esi
	jz	93f
	movl	MB2T_entry_size(%esi), %ecx
	cmpl	$MB2MMAP_ENTRY_MIN, %ecx
	jb	94f
	movl	MB2T_size(%esi), %edx
	addl	%esi, %edx			/* EDX = the tag's end */
	addl	$MB2T_entries, %esi
51:	leal	(%esi, %ecx), %eax
	cmpl	%edx, %eax
	ja	6f
	call	zp_e820_add
	testl	%eax, %eax
	jnz	90f
	addl	%ecx, %esi
	jmp	51b
6:	cmpb	$0, (loader_bp + BP_e820_entries)(%ebp)
	je	93f

	movl	(mb2_tags + 4 * MULTIBOOT_TAG_TYPE_BASIC_MEMINFO)(%ebp), %esi
	testl	%esi, %esi
	jz	7f
	movl	MB2T_mem_upper(%esi), %eax
	movl	%eax, (loader_bp + BP_alt_mem_k)(%ebp)
7:	movl	(mb2_tags + 4 * MULTIBOOT_TAG_TYPE_CMDLINE)(%ebp), %esi
	testl	%esi, %esi
	jz	8f
	addl	$MB2T_string, %esi
	call	zp_cmdline
	testl	%eax, %eax
	jnz	90f
8:	movl	(mb2_tags + 4 * MULTIBOOT_TAG_TYPE_BOOT_LOADER_NAME)(%ebp), %esi
	testl	%esi, %esi
	jz	9f
	addl	$MB2T_string, %esi
	call	zp_loader_name
	testl	%eax, %eax
	jnz	90f
9:	/* The EFI system table: efi_info, as Linux's EFI stub fills it. */
	movl	(mb2_tags + 4 * MULTIBOOT_TAG_TYPE_EFI64)(%ebp), %esi
	testl	%esi, %esi
	jz	10f
	movl	$EFI64_LOADER_SIGNATURE, (loader_bp + BP_efi_loader_signature)(%ebp)
	movl	MB2T_efi_pointer(%esi), %eax
	movl	%eax, (loader_bp + BP_efi_systab)(%ebp)
	movl	(MB2T_efi_pointer + 4)(%esi), %eax
	movl	%eax, (loader_bp + BP_efi_systab_hi)(%ebp)
10:
	/* The modules, every tag of that type, in order. */
	movl	MB2I_total_size(%ebx), %edx
	addl	%ebx, %edx			/* EDX = the end, for 92 */
	leal	MB2I_tags(%ebx), %esi
11:	movl	MB2T_type(%esi), %eax
	cmpl	$MULTIBOOT_TAG_TYPE_END, %eax
	je	13f
	cmpl	$MULTIBOOT_TAG_TYPE_MODULE, %eax
	jne	12f
	cmpl	$(MB2T_mod_string), MB2T_size(%esi)
	jb	92f
	movl	MB2T_mod_start(%esi), %ecx
	movl	MB2T_mod_end(%esi), %edx
	call	zp_module
	testl	%eax, %eax
	jnz	90f
12:	movl	MB2T_size(%esi), %ecx
	leal	7(%esi, %ecx), %esi
	andl	$~7, %esi
	jmp	11b
13:	xorl	%eax, %eax
90:	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret
91:	movl	%ebx, %ecx			/* bad total_size: v1 = info, v2 = size */
	movl	MB2I_total_size(%ebx), %edx
	movl	$ERR_MB2_INFO, %eax
	call	zp_fail
	jmp	90b
92:	movl	%esi, %ecx			/* v1 = tag, v2 = type, v3 = size, v4 = end */
	movl	%edx, %edi
	movl	MB2T_size(%esi), %eax
	movl	MB2T_type(%esi), %edx
	movl	%eax, %esi
	movl	$ERR_MB2_TAG, %eax
	call	zp_fail
	jmp	90b
93:	movl	$ERR_NO_MMAP_MB2, %eax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	call	zp_fail
	jmp	90b
94:	movl	%ecx, %edx			/* v1 = 0, v2 = entry size, v3 = min */
	xorl	%ecx, %ecx
	movl	$MB2MMAP_ENTRY_MIN, %esi
	movl	$ERR_MMAP_ENTRY, %eax
	call	zp_fail
	jmp	90b

/*
 * mb2_efi_mmap: ESI = the EFI memory-map tag. Each EFI memory descriptor
 * becomes an E820 entry (efi_e820_type), and efi_info points at the map.
 * EAX = 0 or an error code.
 */
mb2_efi_mmap:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	pushl	%edi
	movl	MB2T_descr_size(%esi), %ecx	/* ECX = the descriptor size */
	cmpl	$EFI_MD_SIZE, %ecx
	jb	8f
	leal	MB2T_efi_mmap(%esi), %ebx	/* EBX = the first descriptor */
	movl	MB2T_size(%esi), %edx
	subl	$MB2T_efi_mmap, %edx		/* EDX = bytes of descriptors */
	movl	%ebx, (loader_bp + BP_efi_memmap)(%ebp)
	movl	%edx, (loader_bp + BP_efi_memmap_size)(%ebp)
	movl	%ecx, (loader_bp + BP_efi_memdesc_size)(%ebp)
	movl	MB2T_descr_vers(%esi), %eax
	movl	%eax, (loader_bp + BP_efi_memdesc_version)(%ebp)
	addl	%ebx, %edx			/* EDX = their end */
	leal	mb2_e820_entry(%ebp), %esi
1:	leal	(%ebx, %ecx), %eax
	cmpl	%edx, %eax
	ja	7f
	movl	EFI_MD_phys_addr(%ebx), %eax
	movl	%eax, E820_addr(%esi)
	movl	(EFI_MD_phys_addr + 4)(%ebx), %eax
	movl	%eax, (E820_addr + 4)(%esi)
	movl	EFI_MD_num_pages(%ebx), %eax	/* size = pages << 12 */
	movl	(EFI_MD_num_pages + 4)(%ebx), %edi
	shldl	$EFI_PAGE_SHIFT, %eax, %edi
	shll	$EFI_PAGE_SHIFT, %eax
	movl	%eax, E820_size(%esi)
	movl	%edi, (E820_size + 4)(%esi)
	movl	EFI_MD_type(%ebx), %eax
	cmpl	$EFI_MAX_MEMORY_TYPE, %eax
	jb	2f
	movl	$EFI_RESERVED_TYPE, %eax
2:	movzbl	efi_e820_type(%ebp, %eax), %eax
	movl	%eax, E820_type(%esi)
	call	zp_e820_add
	testl	%eax, %eax
	jnz	9f
	addl	%ecx, %ebx
	jmp	1b
7:	xorl	%eax, %eax
	jmp	9f
8:	movl	%ecx, %edx			/* v1 = 0, v2 = descriptor size, v3 = min */
	xorl	%ecx, %ecx
	movl	$EFI_MD_SIZE, %esi
	xorl	%edi, %edi
	movl	$ERR_MMAP_ENTRY, %eax
	call	zp_fail
9:	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

	.section .rodata
name_multiboot:	.asciz	"multiboot"
name_multiboot2: .asciz	"multiboot2"
/*
 * efi_e820_type: the E820 type of each EFI memory type after
 * ExitBootServices (Linux libstub/x86-stub.c setup_e820): the loader's and
 * the boot services' memory and conventional memory are RAM, the runtime
 * services', MMIO and PAL code stay reserved, ACPI and NVS keep their
 * meaning, persistent memory is E820_TYPE_PMEM.
 */
efi_e820_type:
	.byte	E820_TYPE_RESERVED	/* EFI_RESERVED_TYPE */
	.byte	E820_TYPE_RAM		/* EFI_LOADER_CODE */
	.byte	E820_TYPE_RAM		/* EFI_LOADER_DATA */
	.byte	E820_TYPE_RAM		/* EFI_BOOT_SERVICES_CODE */
	.byte	E820_TYPE_RAM		/* EFI_BOOT_SERVICES_DATA */
	.byte	E820_TYPE_RESERVED	/* EFI_RUNTIME_SERVICES_CODE */
	.byte	E820_TYPE_RESERVED	/* EFI_RUNTIME_SERVICES_DATA */
	.byte	E820_TYPE_RAM		/* EFI_CONVENTIONAL_MEMORY */
	.byte	E820_TYPE_UNUSABLE	/* EFI_UNUSABLE_MEMORY */
	.byte	E820_TYPE_ACPI		/* EFI_ACPI_RECLAIM_MEMORY */
	.byte	E820_TYPE_NVS		/* EFI_ACPI_MEMORY_NVS */
	.byte	E820_TYPE_RESERVED	/* EFI_MEMORY_MAPPED_IO */
	.byte	E820_TYPE_RESERVED	/* EFI_MEMORY_MAPPED_IO_PORT */
	.byte	E820_TYPE_RESERVED	/* EFI_PAL_CODE */
	.byte	E820_TYPE_PMEM		/* EFI_PERSISTENT_MEMORY */

	.bss
	.balign	4
mb2_tags:	.skip	4 * MB2_TAGS	/* the first tag of each type, or 0 */
mb2_e820_entry:	.skip	E820_ENTRY_SIZE	/* an EFI descriptor, as E820 */
