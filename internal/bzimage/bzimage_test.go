// Host tests of the boot image (DESIGN.md §5 "image header layout").
//
// The tests build a real image once (kbuild.Build into a temporary
// directory, TestMain) and check the bytes of build/bzImage against the
// boot protocol, Linux Documentation/arch/x86/boot.rst "The Real-Mode
// Kernel Header" and "Details of Header Fields" (protocol 2.15). The
// expected values are written from the protocol text (and, where the
// protocol leaves a choice, from Linux's arch/x86/boot/header.S), not
// from gokern's own constants, so a wrong constant here and in the
// builder does not cancel out.
//
// Then they decode the real-mode entry with x86asm, check the piggy
// (the Go kernel inside the payload) against the kernel ELF, and check
// that the builder's own checks reject bad inputs.
//
// This is an external test package: kbuild imports bzimage, so the
// package itself cannot import kbuild.
package bzimage_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/arch/x86/x86asm"

	"gokern/arch/amd64/asm"
	"gokern/internal/bzimage"
	"gokern/internal/kbuild"
)

// Values from the boot protocol and from the x86-64 memory map, written
// out here rather than taken from package bzimage.
const (
	sector = 512

	// boot.rst, "The Real-Mode Kernel Header".
	hdrSetupSects       = 0x1f1
	hdrRootFlags        = 0x1f2
	hdrSyssize          = 0x1f4
	hdrRamSize          = 0x1f8
	hdrVidMode          = 0x1fa
	hdrRootDev          = 0x1fc
	hdrBootFlag         = 0x1fe
	hdrJump             = 0x200
	hdrHeader           = 0x202
	hdrVersion          = 0x206
	hdrRealmodeSwtch    = 0x208
	hdrStartSysSeg      = 0x20c
	hdrKernelVersion    = 0x20e
	hdrTypeOfLoader     = 0x210
	hdrLoadflags        = 0x211
	hdrSetupMoveSize    = 0x212
	hdrCode32Start      = 0x214
	hdrRamdiskImage     = 0x218
	hdrRamdiskSize      = 0x21c
	hdrBootsectKludge   = 0x220
	hdrHeapEndPtr       = 0x224
	hdrExtLoaderVer     = 0x226
	hdrExtLoaderType    = 0x227
	hdrCmdLinePtr       = 0x228
	hdrInitrdAddrMax    = 0x22c
	hdrKernelAlignment  = 0x230
	hdrRelocatable      = 0x234
	hdrMinAlignment     = 0x235
	hdrXloadflags       = 0x236
	hdrCmdlineSize      = 0x238
	hdrHardwareSubarch  = 0x23c
	hdrHardwareSubData  = 0x240
	hdrPayloadOffset    = 0x248
	hdrPayloadLength    = 0x24c
	hdrSetupData        = 0x250
	hdrPrefAddress      = 0x258
	hdrInitSize         = 0x260
	hdrHandoverOffset   = 0x264
	hdrKernelInfoOffset = 0x268
	hdrEnd215           = 0x26c // end of the 2.15 header

	// loadflags bits (boot.rst "loadflags").
	flagLoadedHigh  = 1 << 0 // read: protected-mode code at 0x100000
	flagKASLR       = 1 << 1 // kernel internal
	flagQuiet       = 1 << 5 // written by the loader
	flagKeepSegs    = 1 << 6 // obsolete
	flagCanUseHeap  = 1 << 7 // written by the loader
	xlfKernel64     = 1 << 0 // legacy 64-bit entry at payload + 0x200
	xlfAbove4G      = 1 << 1
	xlfEFIHandover  = 1<<2 | 1<<3
	xlfEFIKexec     = 1 << 4
	setupSig        = 0x5a5aaa55 // Linux arch/x86/boot/setup.ld
	kernelInfoMagic = "LToP"

	startKernelMap   = 0xffffffff80000000 // __START_KERNEL_map
	loadPhysicalAddr = 0x1000000          // 16 MiB, CONFIG_PHYSICAL_START
	code32Start      = 0x100000           // 1 MiB, bzImage payload (LOADED_HIGH)
	pageSize         = 4096

	// The piggy layout, from boot/compressed/head_64.S's comment.
	piggyMagic  = "GOKP"
	piggyHdrLen = 32
	piggySegLen = 32
)

var (
	buildDir  string
	buildOnce sync.Once
	built     *kbuild.Result
	buildErr  error
)

// TestMain removes the build directory, which image creates on first use
// (so that fuzz workers, which never build, leave nothing behind).
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// img is everything the image tests look at, read once.
type img struct {
	*kbuild.Result
	bz         []byte // build/bzImage
	setupBin   []byte // build/setup.bin
	setupLen   int    // (setup_sects+1)*512
	payload    []byte // bz[setupLen:]
	setupSyms  map[string]elf.Symbol
	payELF     string // build/compressed/vmlinux
	payBin     string // build/compressed/vmlinux.bin
	setupBinFn string
	paySyms    map[string]elf.Symbol
}

var (
	imgOnce sync.Once
	theImg  *img
	imgErr  error
)

// image builds gokern once for the whole test binary.
func image(t testing.TB) *img {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gokern-bzimage-test-")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		wd, err := os.Getwd()
		if err != nil {
			buildErr = err
			return
		}
		root, err := kbuild.FindRoot(wd)
		if err != nil {
			buildErr = err
			return
		}
		built, buildErr = kbuild.Build(kbuild.Options{Root: root, Out: buildDir})
	})
	if buildErr != nil {
		t.Fatalf("kbuild.Build: %v", buildErr)
	}
	imgOnce.Do(func() { theImg, imgErr = readImage(built) })
	if imgErr != nil {
		t.Fatal(imgErr)
	}
	return theImg
}

func readImage(r *kbuild.Result) (*img, error) {
	m := &img{
		Result:     r,
		payELF:     filepath.Join(r.Out, "compressed", "vmlinux"),
		payBin:     filepath.Join(r.Out, "compressed", "vmlinux.bin"),
		setupBinFn: filepath.Join(r.Out, "setup.bin"),
	}
	var err error
	if m.bz, err = os.ReadFile(r.BzImage); err != nil {
		return nil, err
	}
	if m.setupBin, err = os.ReadFile(m.setupBinFn); err != nil {
		return nil, err
	}
	if len(m.bz) < 0x1000 {
		return nil, fmt.Errorf("%s: only %d bytes", r.BzImage, len(m.bz))
	}
	m.setupLen = (int(m.bz[hdrSetupSects]) + 1) * sector
	if m.setupLen > len(m.bz) {
		return nil, fmt.Errorf("setup_sects %d: beyond the end of the %d-byte image", m.bz[hdrSetupSects], len(m.bz))
	}
	m.payload = m.bz[m.setupLen:]
	if m.setupSyms, err = symbols(r.SetupELF); err != nil {
		return nil, err
	}
	if m.paySyms, err = symbols(m.payELF); err != nil {
		return nil, err
	}
	return m, nil
}

func symbols(path string) (map[string]elf.Symbol, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	m := map[string]elf.Symbol{}
	for _, s := range syms {
		if _, dup := m[s.Name]; !dup {
			m[s.Name] = s
		}
	}
	return m, nil
}

func sym(t testing.TB, syms map[string]elf.Symbol, name string) uint64 {
	t.Helper()
	s, ok := syms[name]
	if !ok {
		t.Fatalf("no symbol %s", name)
	}
	return s.Value
}

var le = binary.LittleEndian

func u8(b []byte, off int) uint64  { return uint64(b[off]) }
func u16(b []byte, off int) uint64 { return uint64(le.Uint16(b[off:])) }
func u32(b []byte, off int) uint64 { return uint64(le.Uint32(b[off:])) }
func u64(b []byte, off int) uint64 { return le.Uint64(b[off:]) }

// TestHeaderLabels: every field label of boot/header.S sits at the offset
// boot.rst gives it (the builder and loaders go by offsets, gdb and
// students by names).
func TestHeaderLabels(t *testing.T) {
	m := image(t)
	want := map[string]uint64{
		"hdr": 0x1f1, "setup_sects": hdrSetupSects, "root_flags": hdrRootFlags,
		"syssize": hdrSyssize, "ram_size": hdrRamSize, "vid_mode": hdrVidMode,
		"root_dev": hdrRootDev, "boot_flag": hdrBootFlag, "_start": hdrJump,
		"header": hdrHeader, "version": hdrVersion, "realmode_swtch": hdrRealmodeSwtch,
		"start_sys_seg": hdrStartSysSeg, "kernel_version": hdrKernelVersion,
		"type_of_loader": hdrTypeOfLoader, "loadflags": hdrLoadflags,
		"setup_move_size": hdrSetupMoveSize, "code32_start": hdrCode32Start,
		"ramdisk_image": hdrRamdiskImage, "ramdisk_size": hdrRamdiskSize,
		"bootsect_kludge": hdrBootsectKludge, "heap_end_ptr": hdrHeapEndPtr,
		"ext_loader_ver": hdrExtLoaderVer, "ext_loader_type": hdrExtLoaderType,
		"cmd_line_ptr": hdrCmdLinePtr, "initrd_addr_max": hdrInitrdAddrMax,
		"kernel_alignment": hdrKernelAlignment, "relocatable_kernel": hdrRelocatable,
		"min_alignment": hdrMinAlignment, "xloadflags": hdrXloadflags,
		"cmdline_size": hdrCmdlineSize, "hardware_subarch": hdrHardwareSubarch,
		"hardware_subarch_data": hdrHardwareSubData, "payload_offset": hdrPayloadOffset,
		"payload_length": hdrPayloadLength, "setup_data": hdrSetupData,
		"pref_address": hdrPrefAddress, "init_size": hdrInitSize,
		"handover_offset": hdrHandoverOffset, "kernel_info_offset": hdrKernelInfoOffset,
	}
	for name, off := range want {
		if got := sym(t, m.setupSyms, name); got != off {
			t.Errorf("setup.elf: %s at %#x, boot.rst puts it at %#x", name, got, off)
		}
	}
}

// TestSetupHeader checks every field of the setup header in the bzImage.
func TestSetupHeader(t *testing.T) {
	m := image(t)
	b := m.bz

	// setup_sects: sectors of setup after the boot sector; 0 would mean 4
	// to a loader, so the builder writes at least 4. The whole setup.bin
	// must be loaded, in no more sectors than it needs.
	ss := int(u8(b, hdrSetupSects))
	if ss < 4 {
		t.Errorf("setup_sects = %d, want >= 4 (0 means 4 to a loader)", ss)
	}
	if m.setupLen < len(m.setupBin) {
		t.Errorf("setup_sects = %d loads %d bytes, setup.bin has %d", ss, m.setupLen, len(m.setupBin))
	}
	if need := (len(m.setupBin) + sector - 1) / sector; ss+1 > max(need, 5) {
		t.Errorf("setup_sects = %d: setup.bin (%d bytes) needs only %d sectors", ss, len(m.setupBin), need)
	}
	// The setup sectors are setup.bin, zero padded, and the payload begins
	// exactly at (setup_sects+1)*512: it is vmlinux.bin byte for byte, but
	// for the image_check record and the hash the builder adds (check_test.go).
	if !bytes.Equal(b[len(m.setupBin):m.setupLen], make([]byte, m.setupLen-len(m.setupBin))) {
		t.Errorf("padding after setup.bin (%#x..%#x) is not zero", len(m.setupBin), m.setupLen)
	}
	payBin, err := os.ReadFile(m.payBin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(withoutCheck(m.payload, m.Image.Check), payBin) {
		t.Errorf("bytes from (setup_sects+1)*512 = %#x (%d) are not compressed/vmlinux.bin (%d bytes)",
			m.setupLen, len(m.payload), len(payBin))
	}

	// syssize: the protected-mode code in 16-byte paragraphs.
	if got, want := u32(b, hdrSyssize), uint64(len(m.payload)+15)/16; got != want {
		t.Errorf("syssize = %#x, want %#x (payload %d bytes)", got, want, len(m.payload))
	}

	// Fields the image sets, with the value boot.rst or Linux's header.S
	// gives them; fields a loader writes must be 0 in the image.
	fields := []struct {
		name      string
		off, size int
		want      uint64
		why       string
	}{
		{"root_flags", hdrRootFlags, 2, 1, "nonzero: root read-only by default (Linux ROOT_RDONLY)"},
		{"ram_size", hdrRamSize, 2, 0, "obsolete"},
		{"vid_mode", hdrVidMode, 2, 0xffff, "NORMAL_VGA (vga=normal)"},
		{"root_dev", hdrRootDev, 2, 0, "deprecated, root= on the cmdline"},
		{"boot_flag", hdrBootFlag, 2, 0xaa55, "0xAA55 magic number"},
		{"header", hdrHeader, 4, 0x53726448, `"HdrS"`},
		{"version", hdrVersion, 2, 0x020f, "protocol 2.15"},
		{"realmode_swtch", hdrRealmodeSwtch, 4, 0, "no loader hook"},
		{"start_sys_seg", hdrStartSysSeg, 2, 0x1000, "the load-low segment (obsolete)"},
		{"type_of_loader", hdrTypeOfLoader, 1, 0, "written by the loader"},
		{"loadflags", hdrLoadflags, 1, flagLoadedHigh, "LOADED_HIGH only: bit 1 is kernel internal, bits 5-7 the loader's"},
		{"code32_start", hdrCode32Start, 4, code32Start, "payload at 1 MiB"},
		{"ramdisk_image", hdrRamdiskImage, 4, 0, "written by the loader"},
		{"ramdisk_size", hdrRamdiskSize, 4, 0, "written by the loader"},
		{"bootsect_kludge", hdrBootsectKludge, 4, 0, "obsolete"},
		{"ext_loader_ver", hdrExtLoaderVer, 1, 0, "written by the loader"},
		{"ext_loader_type", hdrExtLoaderType, 1, 0, "written by the loader"},
		{"cmd_line_ptr", hdrCmdLinePtr, 4, 0, "written by the loader"},
		{"initrd_addr_max", hdrInitrdAddrMax, 4, 0x7fffffff, "Linux x86's value"},
		{"kernel_alignment", hdrKernelAlignment, 4, 0x200000, "2 MiB"},
		{"relocatable_kernel", hdrRelocatable, 1, 0, "not relocatable: runs at pref_address"},
		{"xloadflags", hdrXloadflags, 2, 0, "no 64-bit entry at 0x200, not above 4G, no EFI"},
		{"cmdline_size", hdrCmdlineSize, 4, 2047, "COMMAND_LINE_SIZE 2048 without the NUL"},
		{"hardware_subarch", hdrHardwareSubarch, 4, 0, "X86_SUBARCH_PC"},
		{"hardware_subarch_data", hdrHardwareSubData, 8, 0, "unused on PC"},
		{"payload_offset", hdrPayloadOffset, 4, 0, "no separate payload given"},
		{"payload_length", hdrPayloadLength, 4, 0, "no separate payload given"},
		{"setup_data", hdrSetupData, 8, 0, "written by the loader"},
		{"pref_address", hdrPrefAddress, 8, loadPhysicalAddr, "16 MiB, where the kernel runs"},
		{"handover_offset", hdrHandoverOffset, 4, 0, "no EFI handover"},
	}
	for _, f := range fields {
		var got uint64
		switch f.size {
		case 1:
			got = u8(b, f.off)
		case 2:
			got = u16(b, f.off)
		case 4:
			got = u32(b, f.off)
		case 8:
			got = u64(b, f.off)
		}
		if got != f.want {
			t.Errorf("%s (%#x/%d) = %#x, want %#x (%s)", f.name, f.off, f.size, got, f.want, f.why)
		}
	}

	// jump: 0xEB and a signed offset relative to 0x202, which gives the
	// size of the header: it must cover the whole 2.15 header.
	if b[hdrJump] != 0xeb {
		t.Errorf("jump at 0x200 is %#02x, want 0xEB", b[hdrJump])
	}
	if end := hdrHeader + int(int8(b[hdrJump+1])); end < hdrEnd215 {
		t.Errorf("jump ends the header at %#x, before the end of the 2.15 header %#x", end, hdrEnd215)
	}

	// loadflags: no bit that the kernel must not set in its image.
	for _, bit := range []uint64{flagKASLR, flagQuiet, flagKeepSegs, flagCanUseHeap} {
		if u8(b, hdrLoadflags)&bit != 0 {
			t.Errorf("loadflags %#x has bit %#x set, which the image must leave clear", b[hdrLoadflags], bit)
		}
	}
	// xloadflags XLF_KERNEL_64 would send 64-bit loaders to payload+0x200.
	if sym(t, m.paySyms, "startup_64") != 0x200 && u16(b, hdrXloadflags)&xlfKernel64 != 0 {
		t.Errorf("XLF_KERNEL_64 set but startup_64 is not at 0x200")
	}

	// min_alignment: a power of two no larger than kernel_alignment.
	if ma := u8(b, hdrMinAlignment); ma >= 32 || 1<<ma > u32(b, hdrKernelAlignment) {
		t.Errorf("min_alignment = %d: 1<<%d > kernel_alignment %#x", ma, ma, u32(b, hdrKernelAlignment))
	}
	if ka := u32(b, hdrKernelAlignment); ka&(ka-1) != 0 {
		t.Errorf("kernel_alignment %#x is not a power of two", ka)
	}
	// initrd_addr_max: at least the pre-2.03 default 0x37FFFFFF, and
	// inside the 4 GiB the boot stage identity-maps.
	if ima := u32(b, hdrInitrdAddrMax); ima < 0x37ffffff {
		t.Errorf("initrd_addr_max %#x below the old default 0x37ffffff", ima)
	}

	// kernel_version: a pointer less 0x200 to a NUL-terminated string in
	// the setup sectors ("less than 0x200*setup_sects").
	kv := int(u16(b, hdrKernelVersion))
	if kv == 0 || kv >= sector*ss {
		t.Fatalf("kernel_version = %#x, want nonzero and < 0x200*setup_sects = %#x", kv, sector*ss)
	}
	s := b[kv+0x200 : m.setupLen]
	nul := bytes.IndexByte(s, 0)
	if nul < 0 {
		t.Fatalf("kernel_version string at %#x is not NUL-terminated in the setup sectors", kv+0x200)
	}
	vs := string(s[:nul])
	if !strings.HasPrefix(vs, "gokern ") {
		t.Errorf("kernel_version string %q does not begin with \"gokern \"", vs)
	}
	if want := kbuild.VersionString(false); vs != want {
		t.Errorf("kernel_version string %q, want %q", vs, want)
	}
	if addr := sym(t, m.setupSyms, "kernel_version_str"); uint64(kv+0x200) != addr {
		t.Errorf("kernel_version+0x200 = %#x, kernel_version_str is at %#x", kv+0x200, addr)
	}

	// The image differs from setup.bin only where the builder patches it.
	patched := func(off int) bool {
		in := func(start, n int) bool { return off >= start && off < start+n }
		mb, mb2a, mb2e := int(sym(t, m.setupSyms, "multiboot_header")), int(sym(t, m.setupSyms, "multiboot2_address_tag")), int(sym(t, m.setupSyms, "multiboot2_entry_tag"))
		return in(hdrSetupSects, 1) || in(hdrSyssize, 4) || in(hdrInitSize, 4) ||
			in(hdrKernelInfoOffset, 4) || in(kv+0x200, 64) || in(int(sym(t, m.setupSyms, "payload_check")), 8) ||
			in(mb+asm.MBH_header_addr, 20) || in(mb2a+8, 16) || in(mb2e+8, 4) // the multiboot addresses
	}
	for i := range m.setupBin {
		if b[i] != m.setupBin[i] && !patched(i) {
			t.Errorf("bzImage[%#x] = %#02x, setup.bin has %#02x, and the builder does not patch it", i, b[i], m.setupBin[i])
			break
		}
	}
}

// TestInitSize: init_size is page aligned and covers what the boot stage
// needs before it looks at the memory map.
func TestInitSize(t *testing.T) {
	m := image(t)
	initSize := u32(m.bz, hdrInitSize)
	if initSize == 0 || initSize%pageSize != 0 {
		t.Errorf("init_size %#x: want nonzero and page aligned", initSize)
	}
	// From code32_start (where GRUB reserves it for a non-relocatable
	// kernel): the payload and its bss and page tables (_end), ...
	end := sym(t, m.paySyms, "_end")
	if initSize < end {
		t.Errorf("init_size %#x < payload _end %#x (image + bss + page tables)", initSize, end)
	}
	if end < uint64(len(m.payload)) {
		t.Errorf("payload _end %#x is below the payload's file size %#x", end, len(m.payload))
	}
	// ... and the Go kernel that startup_64 moves to 16 MiB.
	if initSize < m.Piggy.End-code32Start {
		t.Errorf("init_size %#x < kernel end %#x - 0x100000", initSize, m.Piggy.End)
	}
	// boot.rst measures init_size from the runtime start address, which
	// for a non-relocatable kernel is pref_address.
	if pa := u64(m.bz, hdrPrefAddress); pa+initSize < m.Piggy.End {
		t.Errorf("pref_address %#x + init_size %#x < kernel end %#x", pa, initSize, m.Piggy.End)
	}
	if initSize != uint64(m.Image.InitSize) {
		t.Errorf("init_size in the file %#x, Image.InitSize %#x", initSize, m.Image.InitSize)
	}
	// startup_64 refuses to run when the kernel would overwrite the
	// payload: a payload loaded at 1 MiB must end below 16 MiB.
	if code32Start+end > m.Piggy.Start {
		t.Errorf("payload at 1 MiB ends at %#x, above the kernel start %#x: startup_64 would die", code32Start+end, m.Piggy.Start)
	}
	t.Logf("init_size %#x, payload _end %#x, kernel [%#x, %#x)", initSize, end, m.Piggy.Start, m.Piggy.End)
}

// TestKernelInfo: kernel_info_offset points at "LToP" in the payload, with
// consistent sizes (boot.rst "Details of the kernel_info Fields").
func TestKernelInfo(t *testing.T) {
	m := image(t)
	off := u32(m.bz, hdrKernelInfoOffset)
	if off == 0 || off+16 > uint64(len(m.payload)) {
		t.Fatalf("kernel_info_offset %#x: want inside the %d-byte payload", off, len(m.payload))
	}
	if want := sym(t, m.paySyms, "kernel_info"); off != want {
		t.Errorf("kernel_info_offset %#x, kernel_info symbol at %#x", off, want)
	}
	ki := m.payload[off:]
	if string(ki[:4]) != kernelInfoMagic {
		t.Errorf("kernel_info header %q, want %q", ki[:4], kernelInfoMagic)
	}
	size, total := u32(ki, 4), u32(ki, 8)
	// size covers the fixed fields: header, size, size_total, setup_type_max.
	if size < 16 {
		t.Errorf("kernel_info size %d < 16 (header, size, size_total, setup_type_max)", size)
	}
	if total < size {
		t.Errorf("kernel_info size_total %d < size %d", total, size)
	}
	if off+total > uint64(len(m.payload)) {
		t.Errorf("kernel_info [%#x, %#x) runs past the payload (%#x bytes)", off, off+total, len(m.payload))
	}
	if size > 0 && size < total {
		// Variable-length chunks: each a 4-character magic and a size.
		for p := size; p < total; {
			if p+8 > total {
				t.Fatalf("kernel_info var_len chunk at %#x: no room for magic and size", p)
			}
			n := u32(ki, int(p)+4)
			if n < 8 || p+n > total {
				t.Fatalf("kernel_info var_len chunk at %#x has size %d", p, n)
			}
			p += n
		}
	}
}

// TestStartJump decodes _start in 16-bit mode: the 2-byte short jump of
// boot.rst, to start_of_setup.
func TestStartJump(t *testing.T) {
	m := image(t)
	inst, err := x86asm.Decode(m.bz[hdrJump:hdrJump+16], 16)
	if err != nil {
		t.Fatalf("decoding _start: %v", err)
	}
	if inst.Op != x86asm.JMP || inst.Len != 2 || m.bz[hdrJump] != 0xeb || inst.Opcode>>24 != 0xeb {
		t.Fatalf("_start is %v (% x, %d bytes), want a 2-byte JMP rel8 (EB)", inst, m.bz[hdrJump:hdrJump+inst.Len], inst.Len)
	}
	rel, ok := inst.Args[0].(x86asm.Rel)
	if !ok {
		t.Fatalf("_start: %v has no relative target", inst)
	}
	target := uint64(hdrJump + 2 + int(rel))
	if sos := sym(t, m.setupSyms, "start_of_setup"); target != sos {
		t.Errorf("_start jumps to %#x, start_of_setup is at %#x", target, sos)
	}
}

// decodeFunc decodes a setup function in 16-bit mode, from its symbol to
// its size; every byte must decode, ending exactly at the end.
func decodeFunc(t *testing.T, m *img, name string) (addrs []uint64, insts []x86asm.Inst) {
	t.Helper()
	s, ok := m.setupSyms[name]
	if !ok || s.Size == 0 {
		t.Fatalf("setup.elf: no sized symbol %s", name)
	}
	for pc := s.Value; pc < s.Value+s.Size; {
		inst, err := x86asm.Decode(m.bz[pc:s.Value+s.Size], 16)
		if err != nil {
			t.Fatalf("%s+%#x: %v (% x)", name, pc-s.Value, err, m.bz[pc:min(pc+8, s.Value+s.Size)])
		}
		addrs = append(addrs, pc)
		insts = append(insts, inst)
		pc += uint64(inst.Len)
	}
	return addrs, insts
}

// relTarget is the 16-bit target of a relative jump or call.
func relTarget(pc uint64, inst x86asm.Inst) (uint64, bool) {
	rel, ok := inst.Args[0].(x86asm.Rel)
	if !ok {
		return 0, false
	}
	return (pc + uint64(inst.Len) + uint64(int64(rel))) & 0xffff, true
}

// TestStartOfSetup: the first instructions of start_of_setup do what
// Linux's do (arch/x86/boot/header.S): ES = DS and CLD first, a far return
// that normalises CS, the setup signature check branching to setup_bad,
// the bss cleared with REP STOSD, and a 32-bit call of main.
func TestStartOfSetup(t *testing.T) {
	m := image(t)
	addrs, insts := decodeFunc(t, m, "start_of_setup")
	for i := range insts {
		t.Logf("%#05x  %v", addrs[i], insts[i])
	}
	if len(insts) < 4 {
		t.Fatalf("start_of_setup is only %d instructions", len(insts))
	}

	// ES from DS through a general register (segment to segment MOV does
	// not exist), then CLD, all in the first four instructions.
	esFromDS, cld := -1, -1
	for i := 0; i < 4; i++ {
		in := insts[i]
		if in.Op == x86asm.MOV && in.Args[0] == x86asm.ES && i > 0 {
			prev := insts[i-1]
			if prev.Op == x86asm.MOV && prev.Args[1] == x86asm.DS && prev.Args[0] == in.Args[1] {
				esFromDS = i
			}
		}
		if in.Op == x86asm.CLD {
			cld = i
		}
	}
	if esFromDS < 0 {
		t.Errorf("start_of_setup does not begin by copying DS into ES (mov %%ds,%%ax; mov %%ax,%%es)")
	}
	if cld < 0 {
		t.Errorf("start_of_setup does not clear DF (cld) in its first instructions")
	}

	sigAddr := sym(t, m.setupSyms, "setup_sig")
	setupBad := sym(t, m.setupSyms, "setup_bad")
	mainAddr := sym(t, m.setupSyms, "main")
	var farRet, sigCheck, badBranch, repStos, callMain int = -1, -1, -1, -1, -1
	for i, in := range insts {
		switch {
		case in.Op == x86asm.LRET && i >= 2 && insts[i-2].Op == x86asm.PUSH && insts[i-2].Args[0] == x86asm.DS:
			farRet = i
		case in.Op == x86asm.CMP:
			mem, ok1 := in.Args[0].(x86asm.Mem)
			imm, ok2 := in.Args[1].(x86asm.Imm)
			if ok1 && ok2 && uint64(mem.Disp) == sigAddr && mem.Base == 0 && uint32(imm) == setupSig && in.MemBytes == 4 {
				sigCheck = i
				if i+1 < len(insts) && insts[i+1].Op == x86asm.JNE {
					if tg, ok := relTarget(addrs[i+1], insts[i+1]); ok && tg == setupBad {
						badBranch = i + 1
					}
				}
			}
		case in.Op == x86asm.STOSD && hasPrefix(in, x86asm.PrefixREP):
			repStos = i
		case in.Op == x86asm.CALL && in.DataSize == 32:
			if tg, ok := relTarget(addrs[i], in); ok && tg == mainAddr {
				callMain = i
			}
		}
	}
	if farRet < 0 {
		t.Errorf("no push %%ds; push $label; lretw: CS is not normalised to DS")
	}
	if sigCheck < 0 {
		t.Errorf("no cmpl $%#x, setup_sig (%#x)", setupSig, sigAddr)
	} else if badBranch < 0 {
		t.Errorf("the signature check is not followed by jne setup_bad (%#x)", setupBad)
	}
	if repStos < 0 {
		t.Errorf("no rep stosl clearing the bss")
	}
	if callMain < 0 {
		t.Errorf("no calll main (%#x) with a 32-bit return address", mainAddr)
	}
	if !(cld < sigCheck && farRet < sigCheck && sigCheck < repStos && repStos < callMain) {
		t.Errorf("order: cld %d, lret %d, signature %d, rep stosl %d, calll main %d: want increasing", cld, farRet, sigCheck, repStos, callMain)
	}
}

func hasPrefix(in x86asm.Inst, p x86asm.Prefix) bool {
	for _, q := range in.Prefix {
		if q == 0 {
			break
		}
		if q&^(x86asm.PrefixImplicit|x86asm.PrefixIgnored|x86asm.PrefixInvalid) == p {
			return true
		}
	}
	return false
}

// TestSetupSignature: 0x5a5aaa55 is in the setup sectors a loader loads,
// in the last of them, so a loader that loads fewer is caught.
func TestSetupSignature(t *testing.T) {
	m := image(t)
	sig := sym(t, m.setupSyms, "setup_sig")
	if sig+4 > uint64(m.setupLen) {
		t.Fatalf("setup_sig at %#x is beyond the loaded setup (%#x bytes)", sig, m.setupLen)
	}
	if got := u32(m.bz, int(sig)); got != setupSig {
		t.Errorf("bzImage[setup_sig %#x] = %#x, want %#x", sig, got, setupSig)
	}
	if last := uint64(m.setupLen - sector); int(m.bz[hdrSetupSects]) > 4 && sig < last {
		t.Errorf("setup_sig at %#x is not in the last setup sector (%#x..): a short load would pass the check", sig, last)
	}
	if end := sym(t, m.setupSyms, "__end_init"); end > 5*sector {
		t.Errorf("__end_init %#x: the signature check and its message are not in the first 5 sectors", end)
	}
}

// TestPayloadLayout: the payload is compressed/vmlinux linked at 0, so
// symbol values are payload offsets; code32_start enters startup_32.
func TestPayloadLayout(t *testing.T) {
	m := image(t)
	f, err := elf.Open(m.payELF)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Entry != 0 || sym(t, m.paySyms, "startup_32") != 0 {
		t.Errorf("payload entry %#x, startup_32 %#x: code32_start must enter startup_32 at offset 0",
			f.Entry, sym(t, m.paySyms, "startup_32"))
	}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type != elf.SHT_PROGBITS || s.Size == 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		if s.Addr+s.Size > uint64(len(m.payload)) || !bytes.Equal(m.payload[s.Addr:s.Addr+s.Size], data) {
			t.Errorf("section %s [%#x, %#x) is not at its address in the payload", s.Name, s.Addr, s.Addr+s.Size)
		}
	}
}

// kernelSegs reads the PT_LOAD segments of the kernel ELF straight from
// the file, independently of ReadKernel: those in the kernel text mapping,
// not the PVH boot stage kbuild adds at 1 MiB (internal/kbuild pvh.go).
func kernelSegs(t *testing.T, path string) (entry uint64, segs []bzimage.Segment) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 || p.Vaddr < startKernelMap {
			continue
		}
		segs = append(segs, bzimage.Segment{
			Phys: p.Vaddr - startKernelMap, Filesz: p.Filesz, Memsz: p.Memsz,
			Data: raw[p.Off : p.Off+p.Filesz],
		})
	}
	return f.Entry, segs
}

// TestPiggy: the payload holds the piggy at input_data, and it describes
// the Go kernel ELF exactly.
func TestPiggy(t *testing.T) {
	m := image(t)
	start, end := sym(t, m.paySyms, "input_data"), sym(t, m.paySyms, "input_data_end")
	if start%16 != 0 || end < start || end > uint64(len(m.payload)) {
		t.Fatalf("input_data [%#x, %#x) not 16-aligned inside the %#x-byte payload", start, end, len(m.payload))
	}
	raw := m.payload[start:end]
	if string(raw[:4]) != piggyMagic {
		t.Fatalf("piggy magic %q, want %q", raw[:4], piggyMagic)
	}
	p, err := bzimage.ParsePiggy(raw)
	if err != nil {
		t.Fatal(err)
	}
	k, err := bzimage.ReadKernel(m.Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, k.Bytes()) {
		t.Errorf("piggy in the payload (%d bytes) differs from ReadKernel(vmlinux).Bytes() (%d bytes)", len(raw), len(k.Bytes()))
	}
	checkSamePiggy(t, "payload piggy vs ReadKernel(vmlinux)", p, k)

	// Against the ELF, read without ReadKernel.
	entry, segs := kernelSegs(t, m.Vmlinux)
	if want := entry - startKernelMap; p.Entry != want {
		t.Errorf("piggy entry %#x, ELF entry %#x - __START_KERNEL_map = %#x", p.Entry, entry, want)
	}
	vsyms, err := symbols(m.Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	// The entry is the assembly body, startup_64.abi0, not the Go ABI
	// wrapper of the same name, which would execute XORPS X15,X15 and
	// MOVQ FS:-8,R14 before the CPU is ready for them (DESIGN.md §6).
	if s := sym(t, vsyms, kbuild.Entry+".abi0"); p.Entry != s-startKernelMap {
		t.Errorf("piggy entry %#x is not %s.abi0 (%#x)", p.Entry, kbuild.Entry, s)
	}
	if p.Start != loadPhysicalAddr {
		t.Errorf("piggy start %#x, want LOAD_PHYSICAL_ADDR %#x", p.Start, loadPhysicalAddr)
	}
	if len(p.Segments) != len(segs) {
		t.Fatalf("piggy has %d segments, the ELF %d PT_LOADs", len(p.Segments), len(segs))
	}
	var hi uint64
	for i, s := range p.Segments {
		e := segs[i]
		if s.Phys != e.Phys || s.Filesz != e.Filesz || s.Memsz != e.Memsz || !bytes.Equal(s.Data, e.Data) {
			t.Errorf("segment %d: phys %#x filesz %#x memsz %#x, ELF: phys %#x filesz %#x memsz %#x (data equal: %v)",
				i, s.Phys, s.Filesz, s.Memsz, e.Phys, e.Filesz, e.Memsz, bytes.Equal(s.Data, e.Data))
		}
		if s.Filesz > s.Memsz {
			t.Errorf("segment %d: filesz %#x > memsz %#x", i, s.Filesz, s.Memsz)
		}
		if s.Phys < p.Start || s.Phys+s.Memsz > p.End {
			t.Errorf("segment %d [%#x, %#x) outside [Start %#x, End %#x)", i, s.Phys, s.Phys+s.Memsz, p.Start, p.End)
		}
		for j := range i {
			o := p.Segments[j]
			if s.Phys < o.Phys+o.Memsz && o.Phys < s.Phys+s.Memsz {
				t.Errorf("segments %d [%#x, %#x) and %d [%#x, %#x) overlap", j, o.Phys, o.Phys+o.Memsz, i, s.Phys, s.Phys+s.Memsz)
			}
		}
		hi = max(hi, s.Phys+s.Memsz)
	}
	if hi != p.End {
		t.Errorf("piggy end %#x, highest segment end %#x", p.End, hi)
	}
	if p.Entry < p.Start || p.Entry >= p.End {
		t.Errorf("entry %#x outside [%#x, %#x)", p.Entry, p.Start, p.End)
	}
	// The piggy's own table: data offsets 16-byte aligned, inside it.
	for i := range p.Segments {
		off := u64(raw, piggyHdrLen+piggySegLen*i)
		if off%16 != 0 || off < uint64(piggyHdrLen+piggySegLen*len(p.Segments)) {
			t.Errorf("segment %d data at piggy offset %#x: want 16-aligned, after the table", i, off)
		}
	}
	if m.Piggy == nil || m.Piggy.End != p.End {
		t.Errorf("kbuild.Result.Piggy does not describe the piggy in the image")
	}
}

// piggyEqual compares two piggies; nil and empty Data are the same.
func piggyEqual(a, b *bzimage.Piggy) string {
	if a.Entry != b.Entry || a.Start != b.Start || a.End != b.End {
		return fmt.Sprintf("entry/start/end %#x/%#x/%#x vs %#x/%#x/%#x", a.Entry, a.Start, a.End, b.Entry, b.Start, b.End)
	}
	if len(a.Segments) != len(b.Segments) {
		return fmt.Sprintf("%d segments vs %d", len(a.Segments), len(b.Segments))
	}
	for i := range a.Segments {
		s, o := a.Segments[i], b.Segments[i]
		if s.Phys != o.Phys || s.Filesz != o.Filesz || s.Memsz != o.Memsz || !bytes.Equal(s.Data, o.Data) {
			return fmt.Sprintf("segment %d: {%#x %#x %#x %d bytes} vs {%#x %#x %#x %d bytes}",
				i, s.Phys, s.Filesz, s.Memsz, len(s.Data), o.Phys, o.Filesz, o.Memsz, len(o.Data))
		}
	}
	return ""
}

func checkSamePiggy(t *testing.T, what string, a, b *bzimage.Piggy) {
	t.Helper()
	if d := piggyEqual(a, b); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

// buildInputs are the inputs kbuild gave bzimage.Build.
func buildInputs(m *img) bzimage.Inputs {
	return bzimage.Inputs{
		SetupELF: m.SetupELF, SetupBin: m.setupBinFn,
		PayloadELF: m.payELF, PayloadBin: m.payBin,
		KernelEnd:     m.Piggy.End,
		VersionString: kbuild.VersionString(false),
	}
}

// TestBuildChecks: the builder's own checks reject a broken setup.bin or
// version string. Each case starts from the real inputs, which build the
// very same image (so the error comes from the one thing changed).
func TestBuildChecks(t *testing.T) {
	m := image(t)
	in := buildInputs(m)
	good, err := bzimage.Build(in)
	if err != nil {
		t.Fatalf("Build of the real inputs: %v", err)
	}
	if !bytes.Equal(good.Bytes, m.bz) {
		t.Fatalf("Build of the real inputs differs from build/bzImage")
	}
	if good.SetupSects != int(m.bz[hdrSetupSects]) || uint64(good.Syssize) != u32(m.bz, hdrSyssize) ||
		uint64(good.InfoOffs) != u32(m.bz, hdrKernelInfoOffset) {
		t.Errorf("Image fields %+v disagree with the header", *good)
	}

	kvs := int(sym(t, m.setupSyms, "kernel_version_str"))
	cases := []struct {
		name    string
		mutate  func(setup []byte) []byte
		version string
		errHas  string
	}{
		{"HdrS corrupted", func(s []byte) []byte { s[hdrHeader+3] = 'Z'; return s }, "", "HdrS"},
		{"boot_flag corrupted", func(s []byte) []byte { s[hdrBootFlag] = 0; return s }, "", "boot_flag"},
		{"version 0x020e", func(s []byte) []byte { le.PutUint16(s[hdrVersion:], 0x020e); return s }, "", "version"},
		{"version 0x0210", func(s []byte) []byte { le.PutUint16(s[hdrVersion:], 0x0210); return s }, "", "version"},
		{"no LOADED_HIGH", func(s []byte) []byte { s[hdrLoadflags] &^= flagLoadedHigh; return s }, "", "LOADED_HIGH"},
		{"version string 64 bytes", nil, "gokern " + strings.Repeat("x", 64-7), "version string"},
		{"version string 200 bytes", nil, "gokern " + strings.Repeat("y", 200), "version string"},
		{"kernel_version moved", func(s []byte) []byte { le.PutUint16(s[hdrKernelVersion:], uint16(kvs-0x200+16)); return s }, "", "kernel_version"},
		{"version buffer not empty", func(s []byte) []byte { s[kvs+10] = 'x'; return s }, "", "kernel_version_str"},
		{"setup too small", func(s []byte) []byte { return s[:0x200] }, "", "too small"},
		{"setup over 255 sectors", func(s []byte) []byte { return append(s, make([]byte, 256*sector)...) }, "", "setup_sects"},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			in := buildInputs(m)
			if c.mutate != nil {
				s := c.mutate(bytes.Clone(m.setupBin))
				in.SetupBin = filepath.Join(t.TempDir(), "setup.bin")
				if err := os.WriteFile(in.SetupBin, s, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c.version != "" {
				in.VersionString = c.version
			}
			im, err := bzimage.Build(in)
			if err == nil {
				t.Fatalf("Build succeeded (%d bytes), want an error mentioning %q", len(im.Bytes), c.errHas)
			}
			if !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("error %q does not mention %q", err, c.errHas)
			}
		})
	}

	// The longest version string that fits: 63 bytes and its NUL.
	t.Run("version_string_63_bytes", func(t *testing.T) {
		in := buildInputs(m)
		in.VersionString = "gokern " + strings.Repeat("z", 63-7)
		im, err := bzimage.Build(in)
		if err != nil {
			t.Fatalf("63-byte version string: %v", err)
		}
		if got := im.Bytes[kvs : kvs+64]; string(got[:63]) != in.VersionString || got[63] != 0 {
			t.Errorf("version buffer %q, want %q and a NUL", got, in.VersionString)
		}
	})

	// A setup.bin cut short after the header passes the header checks;
	// Build must then report the missing kernel_version_str buffer.
	t.Run("setup_truncated_before_version_buffer", func(t *testing.T) {
		in := buildInputs(m)
		in.SetupBin = filepath.Join(t.TempDir(), "setup.bin")
		if err := os.WriteFile(in.SetupBin, m.setupBin[:hdrEnd215+4], 0o644); err != nil {
			t.Fatal(err)
		}
		if im, err := bzimage.Build(in); err == nil {
			t.Errorf("Build of a truncated setup.bin succeeded (%d bytes)", len(im.Bytes))
		}
	})
}

// smallSetup is a setup image of under two sectors: just the fields
// Build checks and a version buffer.
const smallSetup = `
	.code16
	.text
	.org	0x1f1
	.byte	0			# setup_sects
	.word	1			# root_flags
	.long	0			# syssize
	.org	0x1fe
	.word	0xaa55			# boot_flag
	.byte	0xeb, 0x6a		# jump
	.ascii	"HdrS"
	.word	0x020f			# version
	.long	0			# realmode_swtch
	.word	0x1000			# start_sys_seg
	.word	kernel_version_str - 0x200
	.byte	0			# type_of_loader
	.byte	1			# loadflags: LOADED_HIGH
	.org	0x300
	.globl	kernel_version_str
kernel_version_str:
	.fill	64, 1, 0
	.globl	payload_check
payload_check:
	.long	0, 0
`

// TestBuildSmallSetup: a setup shorter than 5 sectors still gets
// setup_sects = 4 (0 would also mean 4, but only to loaders that know),
// and syssize rounds an odd-sized payload up to whole paragraphs.
func TestBuildSmallSetup(t *testing.T) {
	m := image(t) // the tools exist, and the payload ELF to use
	dir := t.TempDir()
	src, obj := filepath.Join(dir, "setup.S"), filepath.Join(dir, "setup.o")
	setupELF, setupBin := filepath.Join(dir, "setup.elf"), filepath.Join(dir, "setup.bin")
	if err := os.WriteFile(src, []byte(smallSetup), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"as", "--32", "-o", obj, src},
		{"ld", "-m", "elf_i386", "-Ttext=0", "-e", "0", "-o", setupELF, obj},
		{"objcopy", "-O", "binary", setupELF, setupBin},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	payload, err := os.ReadFile(m.payBin)
	if err != nil {
		t.Fatal(err)
	}
	payload = append(payload, 1, 2, 3, 4, 5) // not a multiple of 16
	payBin := filepath.Join(dir, "payload.bin")
	if err := os.WriteFile(payBin, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	in := buildInputs(m)
	in.SetupELF, in.SetupBin, in.PayloadBin = setupELF, setupBin, payBin
	in.VersionString = "gokern small"
	im, err := bzimage.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	b := im.Bytes
	if b[hdrSetupSects] != 4 || im.SetupSects != 4 {
		t.Errorf("setup_sects = %d (Image %d), want 4 for a %d-byte setup", b[hdrSetupSects], im.SetupSects, fileSize(t, setupBin))
	}
	if len(b) != 5*sector+len(payload)+4 || !bytes.Equal(withoutCheck(b[5*sector:], im.Check), payload) {
		t.Errorf("image of %d bytes: want 5 sectors then the %d-byte payload and its hash", len(b), len(payload))
	}
	if got, want := u32(b, hdrSyssize), uint64(len(payload)+4+15)/16; got != want {
		t.Errorf("syssize = %d for a %d-byte payload, want %d", got, len(payload), want)
	}
	if got := string(b[0x300 : 0x300+len(in.VersionString)+1]); got != in.VersionString+"\x00" {
		t.Errorf("version string %q", got)
	}
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// elfProg is one program header of a synthetic ELF file.
type elfProg struct {
	typ                  elf.ProgType
	vaddr, filesz, memsz uint64
}

// writeELF writes a minimal ELF64 x86-64 executable: header, program
// headers, and each segment's bytes (a recognisable pattern).
func writeELF(t *testing.T, entry uint64, progs []elfProg) string {
	t.Helper()
	const ehsize, phsize = 64, 56
	b := make([]byte, ehsize+phsize*len(progs))
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	le.PutUint16(b[16:], uint16(elf.ET_EXEC))
	le.PutUint16(b[18:], uint16(elf.EM_X86_64))
	le.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(b[24:], entry)
	le.PutUint64(b[32:], ehsize) // e_phoff
	le.PutUint16(b[52:], ehsize)
	le.PutUint16(b[54:], phsize)
	le.PutUint16(b[56:], uint16(len(progs)))
	for i, p := range progs {
		off := uint64(len(b)+15) &^ 15
		b = append(b, make([]byte, off-uint64(len(b)))...)
		for j := range p.filesz {
			b = append(b, byte(i*16+int(j)))
		}
		ph := b[ehsize+phsize*i:]
		le.PutUint32(ph[0:], uint32(p.typ))
		le.PutUint32(ph[4:], uint32(elf.PF_R|elf.PF_X))
		le.PutUint64(ph[8:], off)
		le.PutUint64(ph[16:], p.vaddr)
		le.PutUint64(ph[24:], p.vaddr)
		le.PutUint64(ph[32:], p.filesz)
		le.PutUint64(ph[40:], p.memsz)
		le.PutUint64(ph[48:], 16)
	}
	path := filepath.Join(t.TempDir(), "kernel.elf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadKernel: ReadKernel takes a kernel linked in the kernel text
// mapping at or above 16 MiB, and nothing else.
func TestReadKernel(t *testing.T) {
	const text = startKernelMap + loadPhysicalAddr // 0xffffffff81000000
	t.Run("good", func(t *testing.T) {
		path := writeELF(t, text+0x20, []elfProg{
			{elf.PT_LOAD, text, 0x35, 0x35},
			{elf.PT_NOTE, 0x1000, 4, 4}, // not loadable: ignored
			{elf.PT_LOAD, text + 0x1000, 0x11, 0x2000},
			{elf.PT_LOAD, text + 0x4000, 0, 0}, // empty: ignored
		})
		p, err := bzimage.ReadKernel(path)
		if err != nil {
			t.Fatal(err)
		}
		entry, segs := kernelSegs(t, path)
		want := &bzimage.Piggy{Entry: entry - startKernelMap, Start: loadPhysicalAddr, End: loadPhysicalAddr + 0x3000, Segments: segs}
		checkSamePiggy(t, "ReadKernel of a synthetic kernel", p, want)
	})

	bad := []struct {
		name  string
		entry uint64
		progs []elfProg
	}{
		{"segment just below 16 MiB", text, []elfProg{{elf.PT_LOAD, text - 0x1000, 0x10, 0x2000}}},
		{"segment at __START_KERNEL_map", startKernelMap + 0x10, []elfProg{{elf.PT_LOAD, startKernelMap, 0x10, 0x10}}},
		{"ordinary low executable", 0x401000, []elfProg{{elf.PT_LOAD, 0x400000, 0x100, 0x100}}},
		{"second segment low", text, []elfProg{{elf.PT_LOAD, text, 0x10, 0x10}, {elf.PT_LOAD, 0x600000, 0x10, 0x10}}},
		{"no PT_LOAD", text, []elfProg{{elf.PT_NOTE, text, 0x10, 0x10}}},
		{"only empty PT_LOAD", text, []elfProg{{elf.PT_LOAD, text, 0, 0}}},
		{"entry low", 0x401000, []elfProg{{elf.PT_LOAD, text, 0x10, 0x10}}},
		{"entry past the end", text + 0x10, []elfProg{{elf.PT_LOAD, text, 0x10, 0x10}}},
		// startup_64 computes memsz - filesz: rep stosb would wipe memory.
		{"filesz > memsz", text, []elfProg{{elf.PT_LOAD, text, 0x20, 0x10}}},
	}
	for _, c := range bad {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			p, err := bzimage.ReadKernel(writeELF(t, c.entry, c.progs))
			if err == nil {
				t.Errorf("ReadKernel succeeded (%d segments, [%#x, %#x)), want an error", len(p.Segments), p.Start, p.End)
			}
		})
	}

	t.Run("not_x86-64", func(t *testing.T) {
		// A kernel-shaped ELF64 for another machine.
		path := writeELF(t, text, []elfProg{{elf.PT_LOAD, text, 0x10, 0x10}})
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		le.PutUint16(b[18:], uint16(elf.EM_AARCH64))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := bzimage.ReadKernel(path); err == nil {
			t.Error("ReadKernel of an arm64 ELF succeeded")
		}
	})
	t.Run("not_ELF", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "not-elf")
		if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 0\n"+strings.Repeat("\x00", 128)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := bzimage.ReadKernel(path); err == nil {
			t.Error("ReadKernel of a shell script succeeded")
		}
		if _, err := bzimage.ReadKernel(filepath.Join(t.TempDir(), "missing")); err == nil {
			t.Error("ReadKernel of a missing file succeeded")
		}
	})
	t.Run("host_binary", func(t *testing.T) {
		if _, err := os.Stat("/bin/true"); err != nil {
			t.Skip("no /bin/true")
		}
		if p, err := bzimage.ReadKernel("/bin/true"); err == nil {
			t.Errorf("ReadKernel(/bin/true) succeeded: [%#x, %#x)", p.Start, p.End)
		}
	})
	t.Run("built_ELFs", func(t *testing.T) {
		m := image(t)
		// setup.elf is ELF32 i386; compressed/vmlinux is x86-64 linked at 0;
		// bzImage is not ELF at all.
		for _, path := range []string{m.SetupELF, m.payELF, m.BzImage} {
			if _, err := bzimage.ReadKernel(path); err == nil {
				t.Errorf("ReadKernel(%s) succeeded", filepath.Base(path))
			}
		}
		if _, err := bzimage.ReadKernel(m.Vmlinux); err != nil {
			t.Errorf("ReadKernel(vmlinux): %v", err)
		}
	})
}

// randomPiggy makes a piggy with n random segments: random phys, filesz
// <= memsz, odd and empty sizes included.
func randomPiggy(r *rand.Rand, n int) *bzimage.Piggy {
	p := &bzimage.Piggy{Entry: r.Uint64(), Start: r.Uint64(), End: r.Uint64()}
	for range n {
		var fs uint64
		switch r.IntN(4) {
		case 0: // empty
		case 1:
			fs = uint64(r.IntN(16))
		default:
			fs = uint64(r.IntN(300))
		}
		data := make([]byte, fs)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		ms := fs
		if r.IntN(2) == 0 {
			ms += uint64(r.IntN(1 << 20))
		}
		p.Segments = append(p.Segments, bzimage.Segment{Phys: r.Uint64(), Filesz: fs, Memsz: ms, Data: data})
	}
	return p
}

// TestPiggyRoundTrip: ParsePiggy(p.Bytes()) == p for random piggies, and
// the serialised form has the layout head_64.S reads.
func TestPiggyRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(0x676f6b65726e, 1))
	for iter := range 3000 {
		n := r.IntN(9)
		if iter < 3 {
			n = 0
		}
		p := randomPiggy(r, n)
		b := p.Bytes()
		if string(b[:4]) != piggyMagic || u32(b, 4) != uint64(n) ||
			u64(b, 8) != p.Entry || u64(b, 16) != p.Start || u64(b, 24) != p.End {
			t.Fatalf("iteration %d: header % x does not match the piggy", iter, b[:piggyHdrLen])
		}
		last := uint64(piggyHdrLen + piggySegLen*n)
		for i, s := range p.Segments {
			e := b[piggyHdrLen+piggySegLen*i:]
			off := u64(e, 0)
			if off%16 != 0 || off < last || u64(e, 8) != s.Phys || u64(e, 16) != s.Filesz || u64(e, 24) != s.Memsz {
				t.Fatalf("iteration %d segment %d: entry % x for %+v", iter, i, e[:piggySegLen], s)
			}
			if !bytes.Equal(b[off:off+s.Filesz], s.Data) {
				t.Fatalf("iteration %d segment %d: data not at offset %#x", iter, i, off)
			}
			last = off + s.Filesz
		}
		if uint64(len(b)) != last {
			t.Fatalf("iteration %d: %d bytes, data ends at %#x", iter, len(b), last)
		}
		q, err := bzimage.ParsePiggy(b)
		if err != nil {
			t.Fatalf("iteration %d: ParsePiggy: %v", iter, err)
		}
		if d := piggyEqual(p, q); d != "" {
			t.Fatalf("iteration %d: round trip: %s", iter, d)
		}
		// Cut short, a piggy whose last segment has data is rejected.
		if n > 0 && p.Segments[n-1].Filesz > 0 {
			if _, err := bzimage.ParsePiggy(b[:len(b)-1]); err == nil {
				t.Fatalf("iteration %d: ParsePiggy accepted a piggy one byte short", iter)
			}
		}
		if n > 0 {
			if _, err := bzimage.ParsePiggy(b[:piggyHdrLen+piggySegLen*n-1]); err == nil {
				t.Fatalf("iteration %d: ParsePiggy accepted a truncated segment table", iter)
			}
		}
	}
}

// TestParsePiggyRejects: inputs that are not piggies.
func TestParsePiggyRejects(t *testing.T) {
	good := (&bzimage.Piggy{Segments: []bzimage.Segment{{Phys: 1, Filesz: 3, Memsz: 3, Data: []byte{1, 2, 3}}}}).Bytes()
	if _, err := bzimage.ParsePiggy(good); err != nil {
		t.Fatalf("control: %v", err)
	}
	badMagic := bytes.Clone(good)
	badMagic[0] ^= 0xff
	beyond := bytes.Clone(good)
	le.PutUint64(beyond[piggyHdrLen+16:], 1000) // filesz past the end
	manySegs := bytes.Clone(good)
	le.PutUint32(manySegs[4:], 0xffffffff)
	for name, b := range map[string][]byte{
		"nil": nil, "short": good[:piggyHdrLen-1], "bad magic": badMagic,
		"segment beyond the end": beyond, "4G segments": manySegs,
	} {
		if _, err := bzimage.ParsePiggy(b); err == nil {
			t.Errorf("%s: ParsePiggy succeeded", name)
		}
	}

	// A segment offset or size near 2^64: off+filesz wraps around, and a
	// bounds check written as off+filesz > len(b) lets it through (it
	// did once: FuzzParsePiggy found the second case in about a second).
	for _, c := range []struct {
		name     string
		off, len uint64
	}{
		{"offset_wraps", ^uint64(0) - 1, 3},   // off+filesz = 1
		{"filesz_wraps", 48, ^uint64(0) - 10}, // off+filesz = 37
	} {
		b := bytes.Clone(good)
		le.PutUint64(b[piggyHdrLen:], c.off)
		le.PutUint64(b[piggyHdrLen+16:], c.len)
		t.Run(c.name, func(t *testing.T) {
			if _, err := bzimage.ParsePiggy(b); err == nil {
				t.Errorf("ParsePiggy accepted a segment at offset %#x, filesz %#x", c.off, c.len)
			}
		})
	}
}

// FuzzParsePiggy: ParsePiggy never panics, and what it accepts
// serialises back to the same piggy.
func FuzzParsePiggy(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 4 {
		f.Add(randomPiggy(r, n).Bytes())
	}
	f.Add([]byte(piggyMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := bzimage.ParsePiggy(b)
		if err != nil {
			return
		}
		for i, s := range p.Segments {
			if uint64(len(s.Data)) != s.Filesz {
				t.Fatalf("segment %d: %d data bytes, filesz %d", i, len(s.Data), s.Filesz)
			}
		}
		q, err := bzimage.ParsePiggy(p.Bytes())
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		if d := piggyEqual(p, q); d != "" {
			t.Fatalf("re-parsing: %s", d)
		}
	})
}
