package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// How the kernel came in. Every way in fills one boot_params (DESIGN.md
// §3); what differs is who filled it and which entry ran, and the kernel
// says so before it prints the map, the command line and the initrd that
// every way shares (docs/loaders.md).

var (
	// bootEntry is the entry that ran (asm.BOOT_ENTRY_*; 0: none recorded,
	// which is the 32-bit entry at code32_start), from the
	// SETUP_GOKERN_BOOT node.
	bootEntry uint32
	// bootLoaderName is the loader's own name when the entry had one
	// (multiboot's boot_loader_name); bootLoaderNameLen its length.
	bootLoaderName    [asm.GB_LOADER_NAME_SIZE]byte
	bootLoaderNameLen int
	// setupDataNodes counts the setup_data nodes parse_setup_data walked.
	setupDataNodes int
)

// setupDataMax bounds the walk: a list that loops (a loader's bug) must
// not hang the boot.
const setupDataMax = 64

// parse_setup_data walks hdr.setup_data and takes what gokern's entries
// left there (Linux arch/x86/kernel/setup.c parse_setup_data, which
// dispatches on the node's type the same way). Nodes above 4 GiB are out
// of the early direct map: the walk stops there, as at a loop.
func parse_setup_data() {
	pa := Boot_params.Setup_data()
	for n := 0; pa != 0; n++ {
		if n == setupDataMax || pa+asm.SD_data+asm.GB_SIZE > 1<<32 {
			printk.Pr_warn("setup_data: stopped at node %d (%#x): a loop, or above the early direct map\n", printk.Int(n), printk.Int(pa))
			return
		}
		sd := (*[asm.SD_data + asm.GB_SIZE]byte)(asm.Phys_to_virt(uintptr(pa)))
		typ, length := le32(sd[asm.SD_type:]), le32(sd[asm.SD_len:])
		if typ == asm.SETUP_GOKERN_BOOT && length >= asm.GB_SIZE {
			d := sd[asm.SD_data:]
			bootEntry = le32(d[asm.GB_entry:])
			name := d[asm.GB_loader_name : asm.GB_loader_name+asm.GB_LOADER_NAME_SIZE]
			bootLoaderNameLen = 0
			for bootLoaderNameLen < len(name)-1 && name[bootLoaderNameLen] != 0 {
				bootLoaderName[bootLoaderNameLen] = name[bootLoaderNameLen]
				bootLoaderNameLen++
			}
		}
		setupDataNodes++
		pa = uint64(le32(sd[asm.SD_next:])) | uint64(le32(sd[asm.SD_next+4:]))<<32
	}
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// loaderName names the loader from type_of_loader (boot.rst's table) when
// it left no name of its own.
func loaderName() string {
	switch Boot_params.Type_of_loader() >> 4 {
	case asm.LOADER_TYPE_GRUB:
		return "GRUB"
	case asm.LOADER_TYPE_QEMU:
		return "QEMU"
	case asm.LOADER_TYPE_XEN:
		return "PVH"
	}
	return "unknown loader"
}

// print_boot_protocol: "Boot protocol: <entry> (<loader>[, UEFI])". The
// entry is what ran first in this image: the real-mode setup (QEMU
// -kernel, GRUB linux16), code32_start directly (GRUB linux, which writes
// no node), or one of the conversions of boot/compressed.
func print_boot_protocol() {
	efi := ""
	if uefi, _ := efi_boot(); uefi {
		efi = ", UEFI"
	}
	name := printk.Str(loaderName())
	if bootLoaderNameLen > 0 {
		name = printk.Bytes(bootLoaderName[:bootLoaderNameLen])
	}
	grub := Boot_params.Type_of_loader()>>4 == asm.LOADER_TYPE_GRUB
	switch bootEntry {
	case asm.BOOT_ENTRY_16BIT:
		cmd := ""
		if grub {
			cmd = ": linux16"
		}
		printk.Pr_info("Boot protocol: 16-bit, real-mode setup (%s%s%s)\n", name, printk.Str(cmd), printk.Str(efi))
	case asm.BOOT_ENTRY_MULTIBOOT:
		printk.Pr_info("Boot protocol: multiboot (%s%s)\n", name, printk.Str(efi))
	case asm.BOOT_ENTRY_MULTIBOOT2:
		printk.Pr_info("Boot protocol: multiboot2 (%s%s)\n", name, printk.Str(efi))
	case asm.BOOT_ENTRY_PVH:
		printk.Pr_info("Boot protocol: PVH (hvm_start_info, RSDP at %#x)\n", printk.Int(Boot_params.Acpi_rsdp_addr()))
	default:
		cmd := ""
		if grub {
			cmd = ": linux"
		}
		printk.Pr_info("Boot protocol: 32-bit, code32_start (%s%s%s)\n", name, printk.Str(cmd), printk.Str(efi))
	}
	if efi != "" {
		mm, size, desc := Boot_params.Efi_memmap()
		printk.Pr_info("efi: system table at %#x, memory map at %#x: %d bytes, %d-byte descriptors\n",
			printk.Int(Boot_params.Efi_systab()), printk.Int(mm), printk.Int(size), printk.Int(desc))
	}
}

// initrdHead: how many bytes of the initrd the boot prints, so that every
// way in can be compared on the console (the boot tests do).
const initrdHead = 16

// print_initrd: "initrd: N bytes at 0x..., starts 47 4f ..." — the bytes
// the kernel reads (through mem: &asm.DirectMap) at the address
// boot_params gives, after the boot stage may have moved it. Beyond the
// early direct map (4 GiB) it prints no bytes.
func print_initrd(mem asm.PhysMem, addr, size uint64) {
	var hexbuf [initrdHead * 3]byte
	n := 0
	if head := min(size, initrdHead); addr+head <= 1<<32 {
		const digits = "0123456789abcdef"
		for i, c := range mem.Bytes(addr, head) {
			if i > 0 {
				hexbuf[n] = ' '
				n++
			}
			hexbuf[n], hexbuf[n+1] = digits[c>>4], digits[c&15]
			n += 2
		}
	}
	printk.Pr_info("initrd: %d bytes at %#x, starts %s\n", printk.Int(size), printk.Int(addr), printk.Bytes(hexbuf[:n]))
}
