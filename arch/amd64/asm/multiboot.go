package asm

// The multiboot contracts, versions 1 and 2: the header a kernel image
// carries so that a multiboot loader (GRUB's `multiboot` and `multiboot2`
// commands, QEMU's -kernel for images without "HdrS") can place it, and the
// information structure the loader hands over in EBX. Linux has no
// multiboot entry; the names are those of the specifications' own headers,
// multiboot.h (Multiboot Specification 0.6.96, §3.1 "OS image format",
// §3.3 "Boot information format") and multiboot2.h (Multiboot2
// Specification 2.0, §3.1 and §3.6). The boot stage (boot/compressed/
// multiboot.S) reads them under these names from consts.inc; the host
// tests build information structures with them.

// Multiboot v1: header (§3.1.1) and boot handover (§3.2).
const (
	MULTIBOOT_HEADER_MAGIC     = 0x1badb002 // in the image, 4-byte aligned, in its first 8 KiB
	MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002 // in EAX at the entry
	MULTIBOOT_SEARCH           = 8192       // where a loader looks for the header

	// Header flags (§3.1.2). Bits 0-15 are requirements a loader must
	// meet or refuse the image; bit 16 says the address fields are valid.
	MULTIBOOT_PAGE_ALIGN  = 1 << 0  // modules page-aligned
	MULTIBOOT_MEMORY_INFO = 1 << 1  // mem_* and the memory map, please
	MULTIBOOT_VIDEO_MODE  = 1 << 2  // video mode fields valid
	MULTIBOOT_AOUT_KLUDGE = 1 << 16 // load by the address fields, not as ELF

	// Header layout (§3.1.1): magic, flags, checksum, then with
	// MULTIBOOT_AOUT_KLUDGE the five address fields.
	MBH_magic         = 0
	MBH_flags         = 4
	MBH_checksum      = 8  // magic + flags + checksum = 0 (mod 2^32)
	MBH_header_addr   = 12 // where the header itself is loaded
	MBH_load_addr     = 16 // where the bytes from (header_offset - (header_addr - load_addr)) go
	MBH_load_end_addr = 20 // end of the bytes loaded
	MBH_bss_end_addr  = 24 // end of the zeroed bss the loader reserves
	MBH_entry_addr    = 28 // 32-bit entry point
	MBH_SIZE          = 32

	// struct multiboot_info (§3.3): the MBI_* fields the boot stage reads.
	MBI_flags            = 0
	MBI_mem_lower        = 4  // KiB from 0 (with MULTIBOOT_INFO_MEMORY)
	MBI_mem_upper        = 8  // KiB from 1 MiB, up to the first hole
	MBI_cmdline          = 16 // physical address of a NUL-terminated string
	MBI_mods_count       = 20
	MBI_mods_addr        = 24 // physical address of mods_count multiboot_mod_list
	MBI_mmap_length      = 44 // bytes of memory map
	MBI_mmap_addr        = 48
	MBI_boot_loader_name = 64
	MBI_SIZE             = 88 // through the VBE fields; the framebuffer ones follow

	// multiboot_info.flags (§3.3): which fields are valid.
	MULTIBOOT_INFO_MEMORY           = 1 << 0
	MULTIBOOT_INFO_BOOTDEV          = 1 << 1
	MULTIBOOT_INFO_CMDLINE          = 1 << 2
	MULTIBOOT_INFO_MODS             = 1 << 3
	MULTIBOOT_INFO_MEM_MAP          = 1 << 6
	MULTIBOOT_INFO_BOOT_LOADER_NAME = 1 << 9

	// struct multiboot_mmap_entry: size (u32, of the rest), then addr,
	// len (u64) and type (u32), packed; the next entry is size + 4 bytes on.
	MBMMAP_size      = 0
	MBMMAP_addr      = 4
	MBMMAP_len       = 12
	MBMMAP_type      = 20
	MBMMAP_ENTRY_MIN = 20 // the smallest size that holds addr, len, type

	// Memory map types (§3.3; the same numbers as E820's 1-5).
	MULTIBOOT_MEMORY_AVAILABLE        = 1
	MULTIBOOT_MEMORY_RESERVED         = 2
	MULTIBOOT_MEMORY_ACPI_RECLAIMABLE = 3
	MULTIBOOT_MEMORY_NVS              = 4
	MULTIBOOT_MEMORY_BADRAM           = 5

	// struct multiboot_mod_list: [mod_start, mod_end), cmdline, pad.
	MBMOD_mod_start = 0
	MBMOD_mod_end   = 4
	MBMOD_cmdline   = 8
	MBMOD_SIZE      = 16
)

// Multiboot2: header (§3.1) and boot information tags (§3.6).
const (
	MULTIBOOT2_HEADER_MAGIC     = 0xe85250d6 // in the image, 8-byte aligned, in its first 32 KiB
	MULTIBOOT2_BOOTLOADER_MAGIC = 0x36d76289 // in EAX at the entry
	MULTIBOOT2_SEARCH           = 32768
	MULTIBOOT_ARCHITECTURE_I386 = 0 // 32-bit protected mode

	// Header: magic, architecture, header_length, checksum
	// (magic + architecture + header_length + checksum = 0), then tags,
	// each 8-byte aligned: u16 type, u16 flags, u32 size.
	MB2H_magic         = 0
	MB2H_architecture  = 4
	MB2H_header_length = 8
	MB2H_checksum      = 12
	MB2H_tags          = 16

	MULTIBOOT_HEADER_TAG_END                 = 0
	MULTIBOOT_HEADER_TAG_INFORMATION_REQUEST = 1
	MULTIBOOT_HEADER_TAG_ADDRESS             = 2 // header_addr, load_addr, load_end_addr, bss_end_addr
	MULTIBOOT_HEADER_TAG_ENTRY_ADDRESS       = 3 // 32-bit entry
	MULTIBOOT_HEADER_TAG_MODULE_ALIGN        = 6 // modules page-aligned
	MULTIBOOT_HEADER_TAG_OPTIONAL            = 1 // tag flags bit 0: a loader may ignore the tag

	// The information: u32 total_size, u32 reserved, then tags, each
	// 8-byte aligned: u32 type, u32 size (of the tag, without padding).
	MB2I_total_size = 0
	MB2I_tags       = 8
	MB2T_type       = 0
	MB2T_size       = 4
	MB2T_SIZE       = 8 // the tag header

	MULTIBOOT_TAG_TYPE_END              = 0
	MULTIBOOT_TAG_TYPE_CMDLINE          = 1  // string at +8
	MULTIBOOT_TAG_TYPE_BOOT_LOADER_NAME = 2  // string at +8
	MULTIBOOT_TAG_TYPE_MODULE           = 3  // mod_start, mod_end (u32), string at +16
	MULTIBOOT_TAG_TYPE_BASIC_MEMINFO    = 4  // mem_lower, mem_upper (u32)
	MULTIBOOT_TAG_TYPE_MMAP             = 6  // entry_size, entry_version (u32), entries at +16
	MULTIBOOT_TAG_TYPE_EFI32            = 11 // EFI system table, u32 pointer
	MULTIBOOT_TAG_TYPE_EFI64            = 12 // EFI system table, u64 pointer
	MULTIBOOT_TAG_TYPE_EFI_MMAP         = 17 // descr_size, descr_vers (u32), EFI memory descriptors at +16
	MULTIBOOT_TAG_TYPE_EFI_BS           = 18 // boot services not terminated

	MB2T_string        = 8  // cmdline and boot loader name tags
	MB2T_mod_start     = 8  // module tag
	MB2T_mod_end       = 12 //
	MB2T_mod_string    = 16 //
	MB2T_mem_lower     = 8  // basic meminfo tag
	MB2T_mem_upper     = 12 //
	MB2T_entry_size    = 8  // mmap tag
	MB2T_entry_version = 12 //
	MB2T_entries       = 16 //
	MB2T_efi_pointer   = 8  // EFI32 (u32) and EFI64 (u64) system table tags
	MB2T_descr_size    = 8  // EFI mmap tag
	MB2T_descr_vers    = 12 //
	MB2T_efi_mmap      = 16 //

	// struct multiboot_mmap_entry of multiboot2: u64 addr, u64 len, u32
	// type, u32 zero.
	MB2MMAP_addr      = 0
	MB2MMAP_len       = 8
	MB2MMAP_type      = 16
	MB2MMAP_ENTRY_MIN = 24
)

// The UEFI memory descriptor, as multiboot2's EFI mmap tag and
// boot_params.efi_info carry it (UEFI 2.10 §7.2 EFI_BOOT_SERVICES.GetMemoryMap,
// EFI_MEMORY_DESCRIPTOR; Linux include/linux/efi.h efi_memory_desc_t).
const (
	EFI_MD_type        = 0  // u32
	EFI_MD_phys_addr   = 8  // u64
	EFI_MD_num_pages   = 24 // u64, 4 KiB pages
	EFI_MD_SIZE        = 40 // descriptor_size may be larger: step by it
	EFI_PAGE_SHIFT     = 12
	EFI_MEMORY_DESC_V1 = 1

	// EFI memory types (UEFI 2.10 Table 7-6 "Memory Type Usage after
	// ExitBootServices()"; Linux efi.h EFI_*). After ExitBootServices the
	// loader's and the boot services' memory is free RAM (Linux
	// drivers/firmware/efi/libstub/x86-stub.c setup_e820).
	EFI_RESERVED_TYPE           = 0
	EFI_LOADER_CODE             = 1
	EFI_LOADER_DATA             = 2
	EFI_BOOT_SERVICES_CODE      = 3
	EFI_BOOT_SERVICES_DATA      = 4
	EFI_RUNTIME_SERVICES_CODE   = 5
	EFI_RUNTIME_SERVICES_DATA   = 6
	EFI_CONVENTIONAL_MEMORY     = 7
	EFI_UNUSABLE_MEMORY         = 8
	EFI_ACPI_RECLAIM_MEMORY     = 9
	EFI_ACPI_MEMORY_NVS         = 10
	EFI_MEMORY_MAPPED_IO        = 11
	EFI_MEMORY_MAPPED_IO_PORT   = 12
	EFI_PAL_CODE                = 13
	EFI_PERSISTENT_MEMORY       = 14
	EFI_MAX_MEMORY_TYPE         = 15
	EFI64_LOADER_SIGNATURE      = 0x34364c45 // "EL64" (Linux asm/efi.h)
	EFI32_LOADER_SIGNATURE      = 0x32334c45 // "EL32"
	EFI_MEMDESC_VERSION_CURRENT = 1
)
