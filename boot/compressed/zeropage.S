/*
 * boot/compressed/zeropage.S — a boot_params of the boot stage's own, for
 * the entries whose loader hands over something else: multiboot's and
 * multiboot2's information (multiboot.S), PVH's hvm_start_info (pvh.S).
 * Each entry converts what it got into loader_bp here, then joins
 * startup_32 with ESI = &loader_bp, as if a Linux loader had filled it:
 * from startup_32 on, every way in is the same (DESIGN.md §3).
 *
 * Linux: arch/x86/platform/pvh/enlighten.c init_pvh_bootparams (the one
 *        Linux entry that builds its own boot_params: memory map into
 *        e820_table, cmdline, the first module as the initrd, the setup
 *        header's magic and version); drivers/firmware/efi/libstub/
 *        x86-stub.c setup_e820 (EFI memory types to E820 types, adjacent
 *        entries of one type merged).
 *
 * Why here, in 32-bit assembly, and not in Go later: the boot stage
 * itself reads the memory map, the initrd's range and the command line
 * before it moves the kernel to 16 MiB (kaslr.S choose_kernel_place: is
 * the place RAM, is the initrd in the way; console_init: earlyprintk=),
 * and the loader's structures may lie exactly where the kernel goes. So
 * the conversion runs first thing, copies what it keeps (the command line,
 * the loader's name) into the stage's bss, and checks every pointer it
 * follows against the memory map it has just read. docs/loaders.md.
 *
 * The conversions are functions without side effects outside the stage's
 * bss: they return an error code instead of printing, and loader_error
 * turns the code into the message. Host tests (internal/bootstage
 * loaders_test.go) link these very sources into a 32-bit Linux program,
 * feed them information blobs and compare the boot_params they build.
 *
 * 32-bit protected mode, paging off, flat segments. EBP = the stage's load
 * address (every symbol is reached as sym(%ebp)); a stack. Each function
 * preserves every register but EAX and the flags, unless it says more.
 */

	.include "bootparam.inc"

	/* Error codes: loader_err_code; the message of each, with the values
	 * in loader_err_v1..v6, is in loader_messages below. */
	.set ERR_NONE,			0
	.set ERR_MAGIC_MB1,		1
	.set ERR_MAGIC_MB2,		2
	.set ERR_MAGIC_PVH,		3
	.set ERR_NO_MMAP,		4
	.set ERR_NO_MMAP_MB2,		5
	.set ERR_NO_MMAP_PVH,		6
	.set ERR_MMAP_ENTRY,		7
	.set ERR_E820_FULL,		8
	.set ERR_CMDLINE,		9
	.set ERR_LOADER_NAME,		10
	.set ERR_MODLIST,		11
	.set ERR_MODULE,		12
	.set ERR_MODULE_ORDER,		13
	.set ERR_MODULE_OVERLAP,	14
	.set ERR_TOO_MANY_MODULES,	15
	.set ERR_MB2_INFO,		16
	.set ERR_MB2_TAG,		17
	.set ERR_MEMMAP_HIGH,		18
	.set ERR_MAX,			19

	/* Modules the stage keeps track of, to find overlaps. */
	.set MODULES_MAX,		32

	.globl	ERR_MAGIC_MB1, ERR_MAGIC_MB2, ERR_MAGIC_PVH, ERR_NO_MMAP
	.globl	ERR_NO_MMAP_MB2, ERR_NO_MMAP_PVH, ERR_MMAP_ENTRY, ERR_E820_FULL
	.globl	ERR_CMDLINE, ERR_LOADER_NAME, ERR_MODLIST, ERR_MODULE
	.globl	ERR_MODULE_ORDER, ERR_MODULE_OVERLAP, ERR_TOO_MANY_MODULES
	.globl	ERR_MB2_INFO, ERR_MB2_TAG, ERR_MEMMAP_HIGH, MODULES_MAX

	.text
	.code32

/*
 * zp_init: EAX = the entry (BOOT_ENTRY_*), ESI = its name for messages
 * ("multiboot", a link address), EBX = what the loader handed over. Zero loader_bp, the command line, the
 * modules and the error record; give loader_bp what a Linux loader would
 * have copied from the image's setup header (as init_pvh_bootparams:
 * boot_flag, "HdrS", the version; and the fields the kernel reads:
 * cmdline_size, loadflags, code32_start); type_of_loader undefined until
 * the entry knows better; and the setup_data node that tells the kernel
 * which entry ran.
 */
	.globl	zp_init
zp_init:
	pushl	%ecx
	pushl	%edi
	pushl	%eax
	cld
	xorl	%eax, %eax
	leal	loader_bp(%ebp), %edi
	movl	$(BOOT_PARAMS_SIZE / 4), %ecx
	rep	stosl
	leal	loader_cmdline(%ebp), %edi
	movl	$(COMMAND_LINE_SIZE / 4), %ecx
	rep	stosl
	leal	loader_node(%ebp), %edi
	movl	$((SD_data + GB_SIZE) / 4), %ecx
	rep	stosl
	leal	loader_err_code(%ebp), %edi
	movl	$7, %ecx
	rep	stosl
	movl	$0, loader_nmod(%ebp)
	leal	loader_bp(%ebp), %edi
	movw	$BOOT_FLAG_MAGIC, BP_boot_flag(%edi)
	movl	$SETUP_HDR_MAGIC, BP_header(%edi)
	movw	$BOOT_PROTOCOL_VERSION, BP_version(%edi)
	movb	$LOADED_HIGH, BP_loadflags(%edi)
	movl	$CODE32_START_DEFAULT, BP_code32_start(%edi)
	movl	$(COMMAND_LINE_SIZE - 1), BP_cmdline_size(%edi)
	movb	$LOADER_TYPE_UNDEFINED, BP_type_of_loader(%edi)
	leal	loader_node(%ebp), %eax
	movl	%eax, BP_setup_data(%edi)
	movl	$SETUP_GOKERN_BOOT, (loader_node + SD_type)(%ebp)
	movl	$GB_SIZE, (loader_node + SD_len)(%ebp)
	popl	%eax
	movl	%eax, (loader_node + SD_data + GB_entry)(%ebp)
	movl	%esi, loader_prefix(%ebp)
	movl	%ebx, loader_info(%ebp)
	popl	%edi
	popl	%ecx
	ret

/*
 * zp_fail: EAX = error code, ECX, EDX, ESI, EDI = the message's values
 * v1..v4 (v5, v6: set loader_err_v5/v6 before). Records them; returns EAX
 * = the code, for the caller to return in turn.
 */
	.globl	zp_fail
zp_fail:
	movl	%eax, loader_err_code(%ebp)
	movl	%ecx, loader_err_v1(%ebp)
	movl	%edx, loader_err_v2(%ebp)
	movl	%esi, loader_err_v3(%ebp)
	movl	%edi, loader_err_v4(%ebp)
	ret

/*
 * zp_e820_add: ESI = a 20-byte {u64 addr, u64 size, u32 type} (struct
 * boot_e820_entry's layout; multiboot's memory map entries, multiboot2's
 * and PVH's have it too). Appends it to loader_bp.e820_table, or extends
 * the last entry when it continues it with the same type (EFI maps come in
 * many small pieces). Empty entries are dropped. EAX = 0, or ERR_E820_FULL
 * when the table has no room (the kernel's sanitiser merges the rest, but
 * only what fits here reaches it).
 */
	.globl	zp_e820_add
zp_e820_add:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%edi
	movl	E820_size(%esi), %eax
	orl	(E820_size + 4)(%esi), %eax
	jz	8f				/* empty */
	leal	loader_bp(%ebp), %ebx
	movzbl	BP_e820_entries(%ebx), %ecx
	testl	%ecx, %ecx
	jz	2f
	imull	$E820_ENTRY_SIZE, %ecx, %edi
	leal	(BP_e820_table - E820_ENTRY_SIZE)(%ebx, %edi), %edi	/* EDI = the last entry */
	movl	E820_type(%esi), %eax
	cmpl	E820_type(%edi), %eax
	jne	2f
	movl	E820_addr(%edi), %eax		/* EDX:EAX = its end */
	movl	(E820_addr + 4)(%edi), %edx
	addl	E820_size(%edi), %eax
	adcl	(E820_size + 4)(%edi), %edx
	cmpl	E820_addr(%esi), %eax
	jne	2f
	cmpl	(E820_addr + 4)(%esi), %edx
	jne	2f
	movl	E820_size(%esi), %eax		/* it continues: grow the last entry */
	addl	%eax, E820_size(%edi)
	movl	(E820_size + 4)(%esi), %eax
	adcl	%eax, (E820_size + 4)(%edi)
	jmp	8f
2:	cmpl	$E820_MAX_ENTRIES_ZEROPAGE, %ecx
	jae	9f
	imull	$E820_ENTRY_SIZE, %ecx, %edi
	leal	BP_e820_table(%ebx, %edi), %edi
	movl	E820_addr(%esi), %eax
	movl	%eax, E820_addr(%edi)
	movl	(E820_addr + 4)(%esi), %eax
	movl	%eax, (E820_addr + 4)(%edi)
	movl	E820_size(%esi), %eax
	movl	%eax, E820_size(%edi)
	movl	(E820_size + 4)(%esi), %eax
	movl	%eax, (E820_size + 4)(%edi)
	movl	E820_type(%esi), %eax
	movl	%eax, E820_type(%edi)
	addb	$1, BP_e820_entries(%ebx)
8:	xorl	%eax, %eax
	jmp	10f
9:	movl	$ERR_E820_FULL, %eax
	movl	$E820_MAX_ENTRIES_ZEROPAGE, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	call	zp_fail
10:	popl	%edi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

/*
 * zp_ram_last: EAX = an address below 4 GiB. If usable RAM of loader_bp's
 * map holds it: CF = 0 and EAX = the last byte of the RAM that runs on from
 * it without a gap, through entries in any order that abut or overlap (as
 * kaslr.S e820_ram_end), capped at 4 GiB - 1. Else CF = 1.
 *
 * zp_mem_last: the same for memory of any type the map describes, and the
 * first MiB, which is always there (the firmware keeps what it hands over
 * in its own reserved memory: microvm's firmware puts the command line at
 * 0xefc40, in the BIOS area). What a loader points at must be memory; the
 * modules must be usable RAM.
 */
	.globl	zp_ram_last, zp_mem_last
zp_mem_last:
	movb	$1, zp_any_memory(%ebp)
	call	zp_ram_last
	movb	$0, zp_any_memory(%ebp)		/* MOV leaves CF alone */
	ret
zp_ram_last:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	pushl	%edi
	movl	%eax, %edx			/* EDX = the address */
	xorl	%edi, %edi			/* EDI = 1: an entry holds it */
	cmpb	$0, zp_any_memory(%ebp)
	je	1f
	cmpl	$HIGH_MEMORY, %eax
	jae	1f
	movl	$1, %edi			/* the first MiB */
	movl	$(HIGH_MEMORY - 1), %eax
1:	xorl	%ebx, %ebx			/* EBX = 1: EAX grew this round */
	leal	loader_bp(%ebp), %esi
	movzbl	BP_e820_entries(%esi), %ecx
	leal	BP_e820_table(%esi), %esi
2:	testl	%ecx, %ecx
	jz	5f
	cmpb	$0, zp_any_memory(%ebp)
	jne	20f
	cmpl	$E820_TYPE_RAM, E820_type(%esi)
	jne	4f
20:	cmpl	$0, (E820_addr + 4)(%esi)
	jne	4f				/* starts above 4 GiB */
	/* The entry's last byte, capped at 4 GiB - 1, onto the stack. */
	pushl	%eax
	pushl	%edx
	movl	E820_addr(%esi), %eax
	addl	E820_size(%esi), %eax
	movl	(E820_size + 4)(%esi), %edx
	adcl	$0, %edx			/* EDX:EAX = its end */
	testl	%edx, %edx
	jz	21f
	movl	$0, %eax			/* 4 GiB or more: last = 0xffffffff */
21:	subl	$1, %eax
	popl	%edx
	xchgl	%eax, (%esp)			/* EAX = the last so far, (%esp) = the entry's */
	testl	%edi, %edi
	jnz	3f
	/* First round: does it hold the address? */
	cmpl	E820_addr(%esi), %edx
	jb	6f
	cmpl	(%esp), %edx
	ja	6f
	movl	$1, %edi
	movl	(%esp), %eax
	movl	$1, %ebx
	jmp	6f
3:	/* Does it go on from the last so far (start <= last + 1 < its last + 1)? */
	cmpl	$0xffffffff, %eax
	je	6f
	cmpl	(%esp), %eax
	jae	6f
	pushl	%eax
	addl	$1, %eax
	cmpl	E820_addr(%esi), %eax		/* POP leaves the flags alone */
	popl	%eax
	jb	6f				/* a gap */
	movl	(%esp), %eax
	movl	$1, %ebx
6:	addl	$4, %esp
4:	addl	$E820_ENTRY_SIZE, %esi
	subl	$1, %ecx
	jmp	2b
5:	testl	%edi, %edi
	jz	7f				/* not in RAM */
	testl	%ebx, %ebx
	jnz	1b
	clc
	jmp	8f
7:	stc
8:	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

/*
 * zp_ram_range: EAX = start, ECX = bytes (0 counts as 1). CF = 0 if
 * [start, start + bytes) is usable RAM below 4 GiB, else CF = 1.
 * zp_mem_range: the same for memory (zp_mem_last).
 */
	.globl	zp_ram_range, zp_mem_range
zp_mem_range:
	movb	$1, zp_any_memory(%ebp)
	call	zp_ram_range
	movb	$0, zp_any_memory(%ebp)
	ret
zp_ram_range:
	pushl	%ecx
	pushl	%edx
	movl	%eax, %edx
	testl	%ecx, %ecx
	jnz	1f
	movl	$1, %ecx
1:	subl	$1, %ecx
	addl	%edx, %ecx			/* ECX = the last byte */
	jc	8f				/* wraps past 4 GiB */
	call	zp_ram_last
	jc	8f
	cmpl	%ecx, %eax
	jb	8f
	clc
	jmp	9f
8:	stc
9:	movl	%edx, %eax
	popl	%edx
	popl	%ecx
	ret

/*
 * zp_copy_string: ESI = a NUL-terminated string the loader left (physical
 * address), EDI = a buffer, ECX = its size (> 0). Copies up to ECX - 1
 * bytes and a NUL. CF = 1 if a byte it reads before the NUL (or before the
 * buffer is full) is not memory below 4 GiB (zp_mem_last).
 */
	.globl	zp_copy_string
zp_copy_string:
	pushl	%ebx
	pushl	%ecx
	pushl	%esi
	pushl	%edi
	movl	%esi, %eax
	call	zp_mem_last
	jc	8f
	movl	%eax, %ebx			/* EBX = the last byte of memory */
	subl	$1, %ecx
1:	testl	%ecx, %ecx
	jz	3f				/* buffer full: cut here */
	cmpl	%ebx, %esi
	ja	8f				/* ran off the RAM */
	movb	(%esi), %al
	testb	%al, %al
	jz	3f
	movb	%al, (%edi)
	addl	$1, %esi
	addl	$1, %edi
	subl	$1, %ecx
	jmp	1b
3:	movb	$0, (%edi)
	clc
	jmp	9f
8:	stc
9:	popl	%edi
	popl	%esi
	popl	%ecx
	popl	%ebx
	ret

/*
 * zp_cmdline: ESI = the loader's command line. Copies it to loader_cmdline
 * and points cmd_line_ptr there. EAX = 0 or ERR_CMDLINE.
 *
 * A line longer than the buffer (multiboot, multiboot2 and PVH set no
 * limit) fills its first COMMAND_LINE_SIZE-1 bytes, and the loader's next
 * byte goes into the last one in place of the NUL: the stages after see
 * the cut as they do in a loader's own memory under -kernel (cmdline.Kept:
 * no NUL within COMMAND_LINE_SIZE-1 bytes, and whether the cut falls
 * inside a word, which is then dropped, and said so). Before, the copy
 * ended with a NUL there, and the cut was silent and the cut word kept
 * half.
 */
	.globl	zp_cmdline
zp_cmdline:
	pushl	%ecx
	pushl	%edi
	leal	loader_cmdline(%ebp), %edi
	movl	$COMMAND_LINE_SIZE, %ecx
	call	zp_copy_string
	jc	8f
	movl	%edi, (loader_bp + BP_cmd_line_ptr)(%ebp)
	cmpb	$0, (COMMAND_LINE_SIZE - 2)(%edi)
	je	7f				/* shorter: its NUL is in the buffer */
	pushl	%ebx
	movl	%esi, %eax
	call	zp_mem_last			/* EAX = the last byte of its memory */
	leal	(COMMAND_LINE_SIZE - 1)(%esi), %ebx
	jc	6f
	cmpl	%eax, %ebx
	ja	6f				/* the next byte is not memory: a cut */
	movb	(%ebx), %al
	movb	%al, (COMMAND_LINE_SIZE - 1)(%edi)
6:	popl	%ebx
7:	xorl	%eax, %eax
	jmp	9f
8:	pushl	%edx
	pushl	%esi
	movl	%esi, %edx			/* v1:v2 = the address (64-bit) */
	xorl	%ecx, %ecx
	movl	$ERR_CMDLINE, %eax
	xorl	%esi, %esi
	xorl	%edi, %edi
	call	zp_fail
	popl	%esi
	popl	%edx
9:	popl	%edi
	popl	%ecx
	ret

/*
 * zp_loader_name: ESI = the loader's name. Copies it into the setup_data
 * node and sets type_of_loader from its first word (boot.rst's ids:
 * "GRUB" → 0x72, GRUB 2's own value for `linux`; "qemu" → 0xb0, QEMU's).
 * EAX = 0 or ERR_LOADER_NAME.
 */
	.globl	zp_loader_name
zp_loader_name:
	pushl	%ecx
	pushl	%edi
	leal	(loader_node + SD_data + GB_loader_name)(%ebp), %edi
	movl	$GB_LOADER_NAME_SIZE, %ecx
	call	zp_copy_string
	jc	8f
	movl	(%edi), %eax
	orl	$0x20202020, %eax		/* lower case, to compare */
	movb	$(LOADER_TYPE_GRUB << 4 | 2), %cl
	cmpl	$0x62757267, %eax		/* "grub" */
	je	1f
	movb	$(LOADER_TYPE_QEMU << 4), %cl
	cmpl	$0x756d6571, %eax		/* "qemu" */
	jne	2f
1:	movb	%cl, (loader_bp + BP_type_of_loader)(%ebp)
2:	xorl	%eax, %eax
	jmp	9f
8:	pushl	%edx
	pushl	%esi
	movl	%esi, %edx
	xorl	%ecx, %ecx
	movl	$ERR_LOADER_NAME, %eax
	xorl	%esi, %esi
	xorl	%edi, %edi
	call	zp_fail
	popl	%esi
	popl	%edx
9:	popl	%edi
	popl	%ecx
	ret

/*
 * zp_module: ECX = start, EDX = end (exclusive) of the next module. Checks
 * that end >= start, that it is usable RAM, and that it overlaps none of
 * the modules before it; the first becomes the initrd (ramdisk_image,
 * ramdisk_size: Linux's initrd is one file, and so is gokern's). EAX = 0 or
 * the error.
 */
	.globl	zp_module
zp_module:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	pushl	%edi
	movl	loader_nmod(%ebp), %ebx		/* EBX = its index */
	cmpl	$MODULES_MAX, %ebx
	jae	5f
	cmpl	%ecx, %edx
	jb	6f
	movl	%edx, %eax			/* RAM? */
	subl	%ecx, %eax
	pushl	%ecx
	xchgl	%eax, %ecx			/* EAX = start, ECX = size */
	call	zp_ram_range
	popl	%ecx
	jc	7f
	/* Overlaps: [s, e) and [s', e') share a byte when s < e' and s' < e,
	 * both non-empty. */
	cmpl	%ecx, %edx
	je	3f
	xorl	%edi, %edi			/* EDI = j */
1:	cmpl	%ebx, %edi
	jae	3f
	movl	loader_mods(%ebp, %edi, 8), %esi	/* s' */
	movl	(loader_mods + 4)(%ebp, %edi, 8), %eax	/* e' */
	cmpl	%esi, %eax
	je	2f
	cmpl	%eax, %ecx			/* s < e' */
	jae	2f
	cmpl	%edx, %esi			/* s' < e */
	jb	4f
2:	addl	$1, %edi
	jmp	1b
3:	movl	%ecx, loader_mods(%ebp, %ebx, 8)
	movl	%edx, (loader_mods + 4)(%ebp, %ebx, 8)
	addl	$1, loader_nmod(%ebp)
	testl	%ebx, %ebx
	jnz	31f
	movl	%ecx, (loader_bp + BP_ramdisk_image)(%ebp)
	subl	%ecx, %edx
	movl	%edx, (loader_bp + BP_ramdisk_size)(%ebp)
31:	xorl	%eax, %eax
	jmp	9f
4:	/* module EBX [ECX, EDX) overlaps module EDI [ESI, EAX) */
	subl	$1, %eax
	movl	%eax, loader_err_v6(%ebp)
	movl	%esi, loader_err_v5(%ebp)
	subl	$1, %edx
	movl	%ecx, %esi
	movl	%edx, %eax
	movl	%ebx, %ecx
	movl	%esi, %edx
	movl	%eax, %esi
	movl	$ERR_MODULE_OVERLAP, %eax	/* v1 = i, v2 = s, v3 = e-1, v4 = j */
	call	zp_fail
	jmp	9f
5:	movl	$ERR_TOO_MANY_MODULES, %eax
	movl	$MODULES_MAX, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	call	zp_fail
	jmp	9f
6:	movl	%edx, %esi			/* v1 = i, v2 = start, v3 = end */
	movl	%ecx, %edx
	movl	%ebx, %ecx
	movl	$ERR_MODULE_ORDER, %eax
	xorl	%edi, %edi
	call	zp_fail
	jmp	9f
7:	movl	%edx, %esi			/* v1 = i, v2 = start, v3 = last */
	subl	$1, %esi
	cmpl	%ecx, %edx
	jne	71f
	movl	%ecx, %esi			/* empty: the address itself */
71:	movl	%ecx, %edx
	movl	%ebx, %ecx
	movl	$ERR_MODULE, %eax
	xorl	%edi, %edi
	call	zp_fail
9:	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

/*
 * debug_loader_converted: with "debug", from startup_32: when loader_bp is
 * the boot_params (a conversion ran), say which and from what:
 *   startup_32: boot_params converted by multiboot from 0x00009500: 6 e820 entries, initrd 0x0023d000+123457
 */
	.globl	debug_loader_converted
debug_loader_converted:
	pushal
	leal	loader_bp(%ebp), %eax
	cmpl	%eax, boot_params_ptr(%ebp)
	jne	9f
	movl	loader_info(%ebp), %eax
	movl	%eax, loader_err_v1(%ebp)
	movzbl	(loader_bp + BP_e820_entries)(%ebp), %eax
	movl	%eax, loader_err_v2(%ebp)
	movl	(loader_bp + BP_ramdisk_image)(%ebp), %eax
	movl	%eax, loader_err_v3(%ebp)
	movl	(loader_bp + BP_ramdisk_size)(%ebp), %eax
	movl	%eax, loader_err_v4(%ebp)
	leal	msg_converted_1(%ebp), %esi
	call	zp_puts
	movl	loader_prefix(%ebp), %esi
	addl	%ebp, %esi
	call	zp_puts
	leal	msg_converted_2(%ebp), %esi
	call	zp_puts
9:	popal
	ret

/*
 * zp_enter: the rest of every converting entry (multiboot_entry,
 * multiboot2_entry, pvh_start_xen), which jump here with EBP = the load
 * address, a stack, and EDX = the link address of their conversion: run
 * it with the loader's EAX and EBX, then go on at startup_32 with ESI =
 * loader_bp, or stop at loader_error.
 */
	.globl	zp_enter
zp_enter:
	addl	%ebp, %edx
	call	*%edx
	testl	%eax, %eax
	jnz	loader_error
	leal	loader_bp(%ebp), %esi
	jmp	startup_32

/* ---------------------------------------------------------------------
 * loader_error: the fatal end of an entry whose conversion said no.
 * "<entry>: <message>", then die (exit 35 under QEMU). The console is
 * COM1 as the loader left it: earlyprintk= lives on the command line the
 * conversion could not trust.
 * --------------------------------------------------------------------- */
	.globl	loader_error
loader_error:
	movl	loader_prefix(%ebp), %esi
	addl	%ebp, %esi
	call	zp_puts
	leal	msg_colon(%ebp), %esi
	call	zp_puts
	movl	loader_err_code(%ebp), %eax
	cmpl	$ERR_MAX, %eax
	jb	1f
	xorl	%eax, %eax
1:	movl	loader_messages(%ebp, %eax, 4), %esi
	addl	%ebp, %esi
	call	zp_puts
	movb	$'\r', %al
	call	serial_putchar
	movb	$'\n', %al
	call	serial_putchar
	jmp	die

/*
 * zp_puts: ESI = a message, through serial_putchar, __puthex and __putdec
 * (early_serial_console.S). Bytes 0x01-0x06 print loader_err_v1..v6 as
 * 0x%08x, 0x11-0x16 in decimal, 0x19-0x1e as 8 hex digits without 0x
 * (after another value: the low half of a 64-bit number). '\n' and '\r'
 * (0x0a, 0x0d) are in none of the ranges.
 */
zp_puts:
	pushl	%eax
	pushl	%ecx
	pushl	%esi
1:	movzbl	(%esi), %eax
	addl	$1, %esi
	testl	%eax, %eax
	jz	9f
	movl	%eax, %ecx
	cmpl	$0x07, %eax			/* 0x01-0x06: 0x%08x */
	jb	2f
	subl	$0x10, %ecx
	cmpl	$0x11, %eax			/* 0x11-0x16: decimal */
	jb	5f
	cmpl	$0x17, %eax
	jb	3f
	subl	$0x08, %ecx
	cmpl	$0x19, %eax			/* 0x19-0x1e: 8 hex digits */
	jb	5f
	cmpl	$0x1f, %eax
	jae	5f
	movl	(loader_err_v1 - 4)(%ebp, %ecx, 4), %eax
	call	__puthex
	jmp	1b
2:	movb	$'0', %al
	call	serial_putchar
	movb	$'x', %al
	call	serial_putchar
	movl	(loader_err_v1 - 4)(%ebp, %ecx, 4), %eax
	call	__puthex
	jmp	1b
3:	movl	(loader_err_v1 - 4)(%ebp, %ecx, 4), %eax
	call	__putdec
	jmp	1b
5:	call	serial_putchar
	jmp	1b
9:	popl	%esi
	popl	%ecx
	popl	%eax
	ret

	.section .rodata
msg_colon:	.asciz	": "
msg_converted_1: .asciz	"startup_32: boot_params converted by "
msg_converted_2: .asciz	" from \x01: \x12 e820 entries, initrd \x03+\x14\r\n"
/* The messages, by error code (link addresses, made run-time by adding EBP). */
	.balign	4
loader_messages:
	.long	m_none, m_magic_mb1, m_magic_mb2, m_magic_pvh, m_no_mmap
	.long	m_no_mmap_mb2, m_no_mmap_pvh, m_mmap_entry, m_e820_full
	.long	m_cmdline, m_loader_name, m_modlist, m_module, m_module_order
	.long	m_module_overlap, m_too_many_modules, m_mb2_info, m_mb2_tag
	.long	m_memmap_high
m_none:		.asciz	"no error recorded"
m_magic_mb1:	.asciz	"EAX is \x01, not the multiboot magic 0x2badb002: not started by a multiboot loader"
m_magic_mb2:	.asciz	"EAX is \x01, not the multiboot2 magic 0x36d76289: not started by a multiboot2 loader"
m_magic_pvh:	.asciz	"hvm_start_info at \x01 has magic \x02, not 0x336ec578: not a PVH start"
m_no_mmap:	.asciz	"no memory map in the multiboot information (flags \x01, mmap_length \x12)"
m_no_mmap_mb2:	.asciz	"no memory map (neither a memory-map nor an EFI memory-map tag) in the multiboot2 information"
m_no_mmap_pvh:	.asciz	"no memory map in hvm_start_info (version \x11, \x12 memory-map entries)"
m_mmap_entry:	.asciz	"memory map entry \x11 is \x12 bytes, fewer than \x13"
m_e820_full:	.asciz	"the memory map has more than \x11 distinct entries"
m_cmdline:	.asciz	"the command line at 0x\x19\x1a is not in memory below 4 GiB"
m_loader_name:	.asciz	"the boot loader name at 0x\x19\x1a is not in memory below 4 GiB"
m_modlist:	.asciz	"the module list at 0x\x19\x1a (\x13 modules) is not in memory below 4 GiB"
m_module:	.asciz	"module \x11 [mem \x02-\x03] is not in RAM below 4 GiB"
m_module_order:	.asciz	"module \x11 ends at \x03, before it starts at \x02"
m_module_overlap: .asciz "module \x11 [mem \x02-\x03] overlaps module \x14 [mem \x05-\x06]"
m_too_many_modules: .asciz "more than \x11 modules"
m_mb2_info:	.asciz	"the multiboot2 information at \x01 has total_size \x12"
m_mb2_tag:	.asciz	"the tag at \x01 (type \x12, size \x13) does not fit in the information, which ends at \x04"
m_memmap_high:	.asciz	"the memory map at 0x\x19\x1a is above 4 GiB, out of reach of the 32-bit entry"

/* The boot_params the conversions build: page-aligned, as the kernel
 * reserves the page it is in; in .pgtable, the page-aligned part of the
 * stage's bss (vmlinux.lds). */
	.section .pgtable, "aw", @nobits
	.balign	4096
	.globl	loader_bp
loader_bp:	.skip	BOOT_PARAMS_SIZE

	.bss
	.globl	loader_cmdline, loader_node, loader_err_code
	.globl	loader_err_v1, loader_mods, loader_nmod
loader_cmdline:	.skip	COMMAND_LINE_SIZE
	.balign	8
loader_node:	.skip	SD_data + GB_SIZE	/* setup_data: SETUP_GOKERN_BOOT */
	.balign	4
loader_err_code: .skip	4
loader_err_v1:	.skip	4
loader_err_v2:	.skip	4
loader_err_v3:	.skip	4
loader_err_v4:	.skip	4
loader_err_v5:	.skip	4
loader_err_v6:	.skip	4
loader_prefix:	.skip	4		/* the entry's name, a link address */
loader_info:	.skip	4		/* EBX at the entry: the loader's information */
loader_nmod:	.skip	4
zp_any_memory:	.skip	1		/* 1: zp_ram_last accepts any memory */
loader_mods:	.skip	8 * MODULES_MAX	/* [start, end) of each module */
