package bzimage

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"

	"gokern/arch/amd64/asm"
)

// Setup header offsets, boot protocol 2.15 ("The Real-Mode Kernel Header").
const (
	OffSetupSects       = 0x1f1
	OffSyssize          = 0x1f4
	OffBootFlag         = 0x1fe
	OffJump             = 0x200
	OffHeader           = 0x202
	OffVersion          = 0x206
	OffKernelVersion    = 0x20e
	OffLoadflags        = 0x211
	OffCode32Start      = 0x214
	OffKernelAlignment  = 0x230
	OffRelocatable      = 0x234
	OffCmdlineSize      = 0x238
	OffPrefAddress      = 0x258
	OffInitSize         = 0x260
	OffKernelInfoOffset = 0x268

	BootFlag        = 0xaa55
	HeaderMagic     = 0x53726448 // "HdrS"
	ProtocolVersion = 0x020f
	LOADED_HIGH     = 0x01
	CAN_USE_HEAP    = 0x80

	SetupSectsMin = 4 // a loader treats 0 as 4 (boot.rst)
)

// Inputs names the files Build packs.
type Inputs struct {
	SetupELF      string // build/setup.elf (symbols: kernel_version_str)
	SetupBin      string // objcopy -O binary of it
	PayloadELF    string // build/compressed/vmlinux (symbols: _end, kernel_info)
	PayloadBin    string // objcopy -O binary of it
	KernelEnd     uint64 // physical end of the Go kernel (Piggy.End)
	VersionString string // "gokern 0.1 (go1.26.8) ..."
}

// Image is the result of Build, with the header values it computed.
type Image struct {
	Bytes                       []byte
	SetupSects                  int
	Syssize, InitSize, InfoOffs uint32
	Check                       ImageCheck // what the boot stage verifies
}

// The image_check record in the payload: two little-endian u32 at the
// image_check symbol. verify_image.S reads it under these names, from the
// generated consts.inc.
const (
	IC_size  = 0 // u32: payload bytes covered
	IC_xxh32 = 4 // u32: their XXH32 (xxh32.go)
	IC_SIZE  = 8
)

// ImageCheck is what the boot stage's verify_image (boot/compressed/
// verify_image.S) checks before it trusts the payload: the payload's
// length without the hash appended to it, and the XXH32 (seed 0) of those
// bytes but the 8 that hold this record.
type ImageCheck struct {
	Offset uint32 // of the record in the payload: the image_check symbol
	Size   uint32 // payload bytes covered; the appended hash follows them
	XXH32  uint32
}

// PayloadXXH32 is the XXH32 of payload[:size] without the 8-byte record at
// off: one stream of size-8 bytes, as verify_image hashes it (off is a
// multiple of 16, so the stripes before the record end at the record).
func PayloadXXH32(payload []byte, off, size uint32) uint32 {
	return Xxh32(append(bytes.Clone(payload[:off]), payload[off+IC_SIZE:size]...), 0)
}

// addImageCheck fills the image_check record of the linked payload and
// appends the hash, so that the file ends with it as Linux's bzImage ends
// with its CRC32 (tools/build.c).
// The linker script leaves the record as a hole (zeros) and 4 bytes at
// _ebin, the end of the loaded bytes, before the bss (_bss) that the stage
// writes.
func addImageCheck(in Inputs, payload []byte) ([]byte, ImageCheck, error) {
	off, err := symbol(in.PayloadELF, "image_check")
	if err != nil {
		return nil, ImageCheck{}, err
	}
	bss, err := symbol(in.PayloadELF, "_bss")
	if err != nil {
		return nil, ImageCheck{}, err
	}
	if uint64(len(payload))+4 > bss {
		return nil, ImageCheck{}, fmt.Errorf("%s: the hash after the %#x payload bytes would lie in the bss at %#x, which the boot stage writes before it reads the hash", in.PayloadELF, len(payload), bss)
	}
	if off%16 != 0 || off < 16 || off+IC_SIZE > uint64(len(payload)) || !bytes.Equal(payload[off:off+IC_SIZE], make([]byte, IC_SIZE)) {
		return nil, ImageCheck{}, fmt.Errorf("%s: image_check at %#x is not an empty 8-byte record inside the payload, 16-byte aligned and after its first 16 bytes", in.PayloadELF, off)
	}
	c := ImageCheck{Offset: uint32(off), Size: uint32(len(payload))}
	c.XXH32 = PayloadXXH32(payload, c.Offset, c.Size)
	le := binary.LittleEndian
	le.PutUint32(payload[off+IC_size:], c.Size)
	le.PutUint32(payload[off+IC_xxh32:], c.XXH32)
	return le.AppendUint32(payload, c.XXH32), c, nil
}

// multibootFields fills the address fields of the multiboot and multiboot2
// headers (boot/multiboot_header.S) in the setup part of img: load the
// payload, which starts payloadOff bytes into the file and is payloadLen
// bytes long, at CODE32_START_DEFAULT with its bss after it, and enter at
// multiboot_entry / multiboot2_entry. A loader reads from file offset
// header_offset - (header_addr - load_addr), so header_addr is the
// address the header would have if the file's bytes before the payload
// were loaded right below 1 MiB.
func multibootFields(in Inputs, img []byte, payloadOff, payloadLen int) error {
	le := binary.LittleEndian
	if _, err := symbol(in.SetupELF, "multiboot_header"); err != nil {
		return nil // a setup without multiboot headers (a test's): nothing to fill
	}
	syms := map[string]uint64{}
	for _, s := range []struct{ elf, name string }{
		{in.SetupELF, "multiboot_header"}, {in.SetupELF, "multiboot2_header"},
		{in.SetupELF, "multiboot2_address_tag"}, {in.SetupELF, "multiboot2_entry_tag"},
		{in.PayloadELF, "multiboot_entry"}, {in.PayloadELF, "multiboot2_entry"}, {in.PayloadELF, "_end"},
	} {
		v, err := symbol(s.elf, s.name)
		if err != nil {
			return err
		}
		syms[s.name] = v
	}
	const load = asm.CODE32_START_DEFAULT
	loadEnd, bssEnd := uint64(load+payloadLen), load+syms["_end"]
	h1 := syms["multiboot_header"]
	if h1+asm.MBH_SIZE > uint64(len(img)) || le.Uint32(img[h1:]) != asm.MULTIBOOT_HEADER_MAGIC {
		return fmt.Errorf("%s: no multiboot header at multiboot_header (%#x)", in.SetupELF, h1)
	}
	for off, v := range map[uint64]uint64{
		asm.MBH_header_addr: load - uint64(payloadOff) + h1, asm.MBH_load_addr: load,
		asm.MBH_load_end_addr: loadEnd, asm.MBH_bss_end_addr: bssEnd, asm.MBH_entry_addr: load + syms["multiboot_entry"],
	} {
		le.PutUint32(img[h1+off:], uint32(v))
	}
	h2, at, et := syms["multiboot2_header"], syms["multiboot2_address_tag"], syms["multiboot2_entry_tag"]
	if le.Uint32(img[h2:]) != asm.MULTIBOOT2_HEADER_MAGIC || le.Uint16(img[at:]) != asm.MULTIBOOT_HEADER_TAG_ADDRESS ||
		le.Uint16(img[et:]) != asm.MULTIBOOT_HEADER_TAG_ENTRY_ADDRESS {
		return fmt.Errorf("%s: the multiboot2 header or its address/entry tags are not where the symbols say", in.SetupELF)
	}
	for i, v := range []uint64{load - uint64(payloadOff) + h2, load, loadEnd, bssEnd} {
		le.PutUint32(img[at+8+uint64(4*i):], uint32(v))
	}
	le.PutUint32(img[et+8:], uint32(load+syms["multiboot2_entry"]))
	return nil
}

// StageImage is a linked boot stage (ELF and objcopy'd binary) with its
// image_check filled and the hash appended: what a loader loads. The PVH
// stage that build/vmlinux carries (internal/kbuild pvh.go) is made so, as
// the bzImage's payload is inside Build.
func StageImage(elfPath, binPath string) ([]byte, ImageCheck, error) {
	payload, err := os.ReadFile(binPath)
	if err != nil {
		return nil, ImageCheck{}, err
	}
	return addImageCheck(Inputs{PayloadELF: elfPath}, payload)
}

// Symbol is the value of a symbol of an ELF file.
func Symbol(path, name string) (uint64, error) { return symbol(path, name) }

func symbol(path, name string) (uint64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return 0, fmt.Errorf("%s: %v", path, err)
	}
	for _, s := range syms {
		if s.Name == name {
			return s.Value, nil
		}
	}
	return 0, fmt.Errorf("%s: no symbol %s", path, name)
}

// Build packs setup and payload into a bzImage: the setup padded to whole
// 512-byte sectors, then the payload, which the loader puts at
// code32_start. It fills setup_sects, syssize, init_size,
// kernel_info_offset, the version string and the two copies of the
// payload's length and XXH32 (image_check in the payload, payload_check in
// the setup), appends the hash, and checks the fields the assembler
// already set.
func Build(in Inputs) (*Image, error) {
	setup, err := os.ReadFile(in.SetupBin)
	if err != nil {
		return nil, err
	}
	payload, err := os.ReadFile(in.PayloadBin)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	if len(setup) < 0x270 {
		return nil, fmt.Errorf("%s: %d bytes, too small to hold the setup header", in.SetupBin, len(setup))
	}
	payload, check, err := addImageCheck(in, payload)
	if err != nil {
		return nil, err
	}
	if le.Uint16(setup[OffBootFlag:]) != BootFlag || le.Uint32(setup[OffHeader:]) != HeaderMagic {
		return nil, fmt.Errorf("%s: no boot_flag/HdrS at 0x1fe/0x202", in.SetupBin)
	}
	if v := le.Uint16(setup[OffVersion:]); v != ProtocolVersion {
		return nil, fmt.Errorf("%s: header version %#x, want %#x", in.SetupBin, v, ProtocolVersion)
	}
	if setup[OffLoadflags]&LOADED_HIGH == 0 {
		return nil, fmt.Errorf("%s: loadflags lacks LOADED_HIGH: the payload must go to 1 MiB", in.SetupBin)
	}

	// Pad setup to whole sectors; setup_sects counts them without the
	// boot sector.
	sects := (len(setup) + 511) / 512
	if sects-1 < SetupSectsMin {
		sects = SetupSectsMin + 1
	}
	img := make([]byte, sects*512, sects*512+len(payload)+16)
	copy(img, setup)
	img[OffSetupSects] = byte(sects - 1)
	if sects-1 > 255 {
		return nil, fmt.Errorf("setup is %d sectors: setup_sects is one byte", sects-1)
	}

	// syssize: the payload in 16-byte paragraphs.
	syssize := uint32((len(payload) + 15) / 16)
	le.PutUint32(img[OffSyssize:], syssize)

	// init_size: memory from code32_start the boot stage needs before it can
	// look at the memory map: its own image and bss (_end), and the Go kernel
	// it moves to 16 MiB, which the loader must not have put anything on.
	end, err := symbol(in.PayloadELF, "_end")
	if err != nil {
		return nil, err
	}
	initSize := end
	if in.KernelEnd > asm.CODE32_START_DEFAULT {
		initSize = max(initSize, in.KernelEnd-asm.CODE32_START_DEFAULT)
	}
	initSize = (initSize + 4095) &^ 4095
	le.PutUint32(img[OffInitSize:], uint32(initSize))

	info, err := symbol(in.PayloadELF, "kernel_info")
	if err != nil {
		return nil, err
	}
	le.PutUint32(img[OffKernelInfoOffset:], uint32(info))

	// The version string the kernel_version field points at.
	vs, err := symbol(in.SetupELF, "kernel_version_str")
	if err != nil {
		return nil, err
	}
	if kv := uint64(le.Uint16(img[OffKernelVersion:])) + 0x200; kv != vs {
		return nil, fmt.Errorf("kernel_version points at %#x, kernel_version_str is at %#x", kv, vs)
	}
	const versionMax = 63
	if vs+versionMax+1 > uint64(len(setup)) {
		return nil, fmt.Errorf("kernel_version_str at %#x is not inside the %d-byte %s", vs, len(setup), in.SetupBin)
	}
	if len(in.VersionString) > versionMax {
		return nil, fmt.Errorf("version string longer than %d bytes", versionMax)
	}
	if !bytes.Equal(img[vs:vs+versionMax+1], make([]byte, versionMax+1)) {
		return nil, fmt.Errorf("kernel_version_str at %#x is not an empty 64-byte buffer", vs)
	}
	copy(img[vs:], in.VersionString)

	// The setup's copy of the payload's length and hash (boot/pm.S
	// check_payload): it checks that the payload's end arrived.
	pc, err := symbol(in.SetupELF, "payload_check")
	if err != nil {
		return nil, err
	}
	if pc%4 != 0 || pc+IC_SIZE > uint64(len(setup)) || !bytes.Equal(img[pc:pc+IC_SIZE], make([]byte, IC_SIZE)) {
		return nil, fmt.Errorf("payload_check at %#x is not an empty 8-byte record inside the %d-byte %s", pc, len(setup), in.SetupBin)
	}
	le.PutUint32(img[pc+IC_size:], check.Size)
	le.PutUint32(img[pc+IC_xxh32:], check.XXH32)
	if err := multibootFields(in, img, sects*512, len(payload)); err != nil {
		return nil, err
	}

	img = append(img, payload...)
	return &Image{Bytes: img, SetupSects: sects - 1, Syssize: syssize, InitSize: uint32(initSize), InfoOffs: uint32(info), Check: check}, nil
}
