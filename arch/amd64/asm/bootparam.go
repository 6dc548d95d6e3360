package asm

import "encoding/binary"

// The zeropage: struct boot_params with the setup header inside it, as the
// boot loader and the real-mode setup fill it in. Linux:
// arch/x86/include/uapi/asm/bootparam.h (struct boot_params, struct
// setup_header, struct boot_e820_entry), Documentation/arch/x86/zero-page.rst
// and boot.rst. The BP_* offsets are Linux's asm-offsets names (BP_field is
// the byte offset of field in struct boot_params); the real-mode setup
// (boot/*.S) and the boot stage (boot/compressed/) use the same names.

// BootParams is the zeropage, Linux struct boot_params. The C struct is
// packed; BootParams is its 4096 bytes with accessors at the documented
// offsets.
type BootParams [BOOT_PARAMS_SIZE]byte

const BOOT_PARAMS_SIZE = 0x1000

// Offsets in struct boot_params (zero-page.rst).
const (
	BP_screen_info             = 0x000 // struct screen_info, 0x40 bytes
	BP_ext_mem_k               = 0x002 // screen_info.ext_mem_k: u16, KiB above 1 MiB (INT 15h AH=88h)
	BP_apm_bios_info           = 0x040
	BP_tboot_addr              = 0x058 // u64
	BP_ist_info                = 0x060
	BP_acpi_rsdp_addr          = 0x070 // u64
	BP_hd0_info                = 0x080
	BP_hd1_info                = 0x090
	BP_sys_desc_table          = 0x0a0
	BP_olpc_ofw_header         = 0x0b0
	BP_ext_ramdisk_image       = 0x0c0 // u32: bits 63..32 of ramdisk_image
	BP_ext_ramdisk_size        = 0x0c4 // u32
	BP_ext_cmd_line_ptr        = 0x0c8 // u32: bits 63..32 of cmd_line_ptr
	BP_cc_blob_address         = 0x13c // u32
	BP_edid_info               = 0x140
	BP_efi_info                = 0x1c0 // struct efi_info, 0x20 bytes:
	BP_efi_loader_signature    = 0x1c0 // u32: "EL64" (EFI64_LOADER_SIGNATURE) from a 64-bit EFI loader
	BP_efi_systab              = 0x1c4 // u32: the EFI system table, low half
	BP_efi_memdesc_size        = 0x1c8 // u32
	BP_efi_memdesc_version     = 0x1cc // u32
	BP_efi_memmap              = 0x1d0 // u32: the EFI memory map, low half
	BP_efi_memmap_size         = 0x1d4 // u32: its bytes
	BP_efi_systab_hi           = 0x1d8 // u32
	BP_efi_memmap_hi           = 0x1dc // u32
	BP_alt_mem_k               = 0x1e0 // u32: KiB above 1 MiB (INT 15h AX=E801h)
	BP_scratch                 = 0x1e4 // u32
	BP_e820_entries            = 0x1e8 // u8: number of entries in e820_table
	BP_eddbuf_entries          = 0x1e9 // u8
	BP_edd_mbr_sig_buf_entries = 0x1ea // u8
	BP_kbd_status              = 0x1eb // u8
	BP_secure_boot             = 0x1ec // u8
	BP_sentinel                = 0x1ef // u8
	BP_hdr                     = 0x1f1 // struct setup_header
	BP_edd_mbr_sig_buffer      = 0x290 // u32[16]
	BP_e820_table              = 0x2d0 // struct boot_e820_entry[E820_MAX_ENTRIES_ZEROPAGE]
	BP_eddbuf                  = 0xd00
)

// Offsets of the setup header's fields (boot protocol 2.15, boot.rst "The
// Real-Mode Kernel Header"), in the zeropage; they are also their offsets
// in the bzImage file and in the real-mode segment.
const (
	BP_setup_sects           = 0x1f1 // u8
	BP_root_flags            = 0x1f2 // u16
	BP_syssize               = 0x1f4 // u32: protected-mode payload size / 16
	BP_ram_size              = 0x1f8 // u16, obsolete
	BP_vid_mode              = 0x1fa // u16
	BP_root_dev              = 0x1fc // u16
	BP_boot_flag             = 0x1fe // u16: 0xAA55
	BP_jump                  = 0x200 // u16: the 2-byte jump, _start
	BP_header                = 0x202 // u32: "HdrS"
	BP_version               = 0x206 // u16
	BP_realmode_swtch        = 0x208 // u32: far pointer seg:off
	BP_start_sys_seg         = 0x20c // u16, obsolete
	BP_kernel_version        = 0x20e // u16: pointer to the version string - 0x200
	BP_type_of_loader        = 0x210 // u8
	BP_loadflags             = 0x211 // u8
	BP_setup_move_size       = 0x212 // u16
	BP_code32_start          = 0x214 // u32
	BP_ramdisk_image         = 0x218 // u32
	BP_ramdisk_size          = 0x21c // u32
	BP_bootsect_kludge       = 0x220 // u32, obsolete
	BP_heap_end_ptr          = 0x224 // u16
	BP_ext_loader_ver        = 0x226 // u8
	BP_ext_loader_type       = 0x227 // u8
	BP_cmd_line_ptr          = 0x228 // u32: linear address of the command line
	BP_initrd_addr_max       = 0x22c // u32
	BP_kernel_alignment      = 0x230 // u32
	BP_relocatable_kernel    = 0x234 // u8
	BP_min_alignment         = 0x235 // u8
	BP_xloadflags            = 0x236 // u16
	BP_cmdline_size          = 0x238 // u32
	BP_hardware_subarch      = 0x23c // u32
	BP_hardware_subarch_data = 0x240 // u64
	BP_payload_offset        = 0x248 // u32
	BP_payload_length        = 0x24c // u32
	BP_setup_data            = 0x250 // u64
	BP_pref_address          = 0x258 // u64
	BP_init_size             = 0x260 // u32
	BP_handover_offset       = 0x264 // u32
	BP_kernel_info_offset    = 0x268 // u32
	SETUP_HDR_END            = 0x26c // first byte after the setup header
	SETUP_HDR_SIZE           = SETUP_HDR_END - BP_hdr

	// CODE32_START_DEFAULT: where loaders put the protected-mode payload,
	// 1 MiB (the setup header's code32_start as the image ships it).
	CODE32_START_DEFAULT = 0x100000

	SETUP_HDR_MAGIC       = 0x53726448 // "HdrS" read as a little-endian u32
	BOOT_PROTOCOL_VERSION = 0x020f     // boot protocol 2.15
	BOOT_FLAG_MAGIC       = 0xaa55
)

// type_of_loader (boot.rst "type_of_loader"): the loader's id in the high
// nibble, its version in the low one (0xff: undefined).
const (
	LOADER_TYPE_GRUB      = 0x7
	LOADER_TYPE_XEN       = 0x9 // Linux's PVH entry claims it (init_pvh_bootparams)
	LOADER_TYPE_QEMU      = 0xb
	LOADER_TYPE_UNDEFINED = 0xff
)

// struct setup_data (bootparam.h; boot.rst "setup_data"): a linked list of
// extra boot data, its head at hdr.setup_data, each node a physical
// address. A loader may pass its own (QEMU: SETUP_RNG_SEED); gokern's
// entries prepend SETUP_GOKERN_BOOT.
const (
	SD_next = 0  // u64: the next node, 0 at the end
	SD_type = 8  // u32: SETUP_*
	SD_len  = 12 // u32: bytes of data
	SD_data = 16

	SETUP_NONE     = 0
	SETUP_E820_EXT = 1
	// SETUP_GOKERN_BOOT is gokern's own type, far from Linux's enum (which
	// ends below 16, with SETUP_INDIRECT at bit 31): how the kernel was
	// entered, written by the entry that ran (the real-mode setup,
	// multiboot, multiboot2, PVH). GRUB's `linux` enters at code32_start
	// and writes none: its absence means the 32-bit entry.
	SETUP_GOKERN_BOOT = 0x4b4f47 // "GOK"

	// Its data: u32 entry, then the loader's name, NUL-terminated.
	GB_entry            = 0
	GB_loader_name      = 4
	GB_LOADER_NAME_SIZE = 60
	GB_SIZE             = 64

	BOOT_ENTRY_16BIT      = 1 // _start, through the real-mode setup
	BOOT_ENTRY_MULTIBOOT  = 2 // multiboot_entry
	BOOT_ENTRY_MULTIBOOT2 = 3 // multiboot2_entry
	BOOT_ENTRY_PVH        = 4 // pvh_start_xen
)

// loadflags bits (boot.rst "loadflags").
const (
	LOADED_HIGH   = 0x01 // the protected-mode code is loaded at 0x100000
	KASLR_FLAG    = 0x02
	QUIET_FLAG    = 0x20
	KEEP_SEGMENTS = 0x40 // obsolete
	CAN_USE_HEAP  = 0x80 // heap_end_ptr is valid
)

// struct boot_e820_entry: 20 bytes, packed.
const (
	E820_addr       = 0  // u64
	E820_size       = 8  // u64
	E820_type       = 16 // u32
	E820_ENTRY_SIZE = 20
	// E820_MAX_ENTRIES_ZEROPAGE: the entries boot_params has room for.
	E820_MAX_ENTRIES_ZEROPAGE = 128
)

var le = binary.LittleEndian

func (bp *BootParams) u8(off int) uint8   { return bp[off] }
func (bp *BootParams) u16(off int) uint16 { return le.Uint16(bp[off:]) }
func (bp *BootParams) u32(off int) uint32 { return le.Uint32(bp[off:]) }

// Version is the boot protocol version of the header.
func (bp *BootParams) Version() uint16 { return bp.u16(BP_version) }

// HdrS reports whether the setup header carries the "HdrS" magic.
func (bp *BootParams) HdrS() bool { return bp.u32(BP_header) == SETUP_HDR_MAGIC }

// Type_of_loader: the boot loader's id (0x00 LILO ... 0x7 GRUB, 0xb qemu).
func (bp *BootParams) Type_of_loader() uint8 { return bp.u8(BP_type_of_loader) }

// Cmd_line_ptr is the physical address of the command line, with the ext_
// high half (Linux get_cmd_line_ptr).
func (bp *BootParams) Cmd_line_ptr() uint64 {
	return uint64(bp.u32(BP_cmd_line_ptr)) | uint64(bp.u32(BP_ext_cmd_line_ptr))<<32
}

// Cmdline_size is the maximum command-line length the kernel accepts.
func (bp *BootParams) Cmdline_size() uint32 { return bp.u32(BP_cmdline_size) }

// Ramdisk returns the initrd's physical address and size (Linux
// get_ramdisk_image, get_ramdisk_size).
func (bp *BootParams) Ramdisk() (addr, size uint64) {
	addr = uint64(bp.u32(BP_ramdisk_image)) | uint64(bp.u32(BP_ext_ramdisk_image))<<32
	size = uint64(bp.u32(BP_ramdisk_size)) | uint64(bp.u32(BP_ext_ramdisk_size))<<32
	return
}

// Setup_data is the physical address of the first setup_data node.
func (bp *BootParams) Setup_data() uint64 { return le.Uint64(bp[BP_setup_data:]) }

// Efi_loader_signature, Efi_systab and Efi_memmap read struct efi_info
// (Linux efi_info; the _hi halves above 4 GiB).
func (bp *BootParams) Efi_loader_signature() uint32 { return bp.u32(BP_efi_loader_signature) }
func (bp *BootParams) Efi_systab() uint64 {
	return uint64(bp.u32(BP_efi_systab)) | uint64(bp.u32(BP_efi_systab_hi))<<32
}
func (bp *BootParams) Efi_memmap() (addr uint64, size, descSize uint32) {
	return uint64(bp.u32(BP_efi_memmap)) | uint64(bp.u32(BP_efi_memmap_hi))<<32, bp.u32(BP_efi_memmap_size), bp.u32(BP_efi_memdesc_size)
}

// E820_entries is the number of entries the setup code stored.
func (bp *BootParams) E820_entries() int { return int(bp.u8(BP_e820_entries)) }

// E820_entry returns entry i of the firmware's map, as received.
func (bp *BootParams) E820_entry(i int) (addr, size uint64, typ uint32) {
	off := BP_e820_table + i*E820_ENTRY_SIZE
	return le.Uint64(bp[off+E820_addr:]), le.Uint64(bp[off+E820_size:]), le.Uint32(bp[off+E820_type:])
}

// Alt_mem_k and Ext_mem_k: the E801 and 88h results, KiB above 1 MiB.
func (bp *BootParams) Alt_mem_k() uint32 { return bp.u32(BP_alt_mem_k) }

// Acpi_rsdp_addr is where the loader says the RSDP is (boot protocol
// 2.14+; 0: the kernel looks for it).
func (bp *BootParams) Acpi_rsdp_addr() uint64 { return le.Uint64(bp[BP_acpi_rsdp_addr:]) }
func (bp *BootParams) Ext_mem_k() uint32      { return uint32(bp.u16(BP_ext_mem_k)) }
