package boottest

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gokern/arch/amd64/asm"
	"gokern/internal/bzimage"
	"gokern/internal/kbuild"
	q "gokern/internal/qemutest"
)

// Every way into gokern (docs/loaders.md), each booted to the end of its
// selftests with one initrd, and each reporting the same initrd, command
// line and, on the same firmware, the same memory map.

var (
	loaderInitrdOnce sync.Once
	loaderInitrdPath string
	loaderInitrdData []byte
)

// loaderInitrd is the one initrd file every way in passes: 123457 bytes
// (not a page multiple), starting with a text the console shows.
func loaderInitrd(t *testing.T) (string, []byte) {
	loaderInitrdOnce.Do(func() {
		d := []byte("GOKERN INITRD 13")
		for i := len(d); i < 123457; i++ {
			d = append(d, byte(i*7+i>>8))
		}
		dir, err := os.MkdirTemp("", "gokern-initrd-")
		if err != nil {
			t.Fatal(err)
		}
		loaderInitrdPath, loaderInitrdData = filepath.Join(dir, "initrd"), d
		if err := os.WriteFile(loaderInitrdPath, d, 0o644); err != nil {
			t.Fatal(err)
		}
	})
	return loaderInitrdPath, loaderInitrdData
}

var grubMu sync.Mutex

// grubISO builds (or finds up to date) a GRUB ISO whose default entry is
// entry, through kbuild.GrubISO, as ./qemu.sh grub does.
func grubISO(t *testing.T, entry, append, initrd string) string {
	t.Helper()
	img := q.Image(t, false)
	grubMu.Lock()
	defer grubMu.Unlock()
	h := sha256.Sum256([]byte(entry + "\x00" + append + "\x00" + initrd))
	iso := filepath.Join(img.Out, "test-grub", fmt.Sprintf("%s-%x.iso", entry, h[:4]))
	if err := os.MkdirAll(filepath.Dir(iso), 0o755); err != nil {
		t.Fatal(err)
	}
	path, err := kbuild.GrubISO(kbuild.Options{Root: q.Root(t), Out: img.Out}, kbuild.GrubOptions{Entry: entry, Append: append, Initrd: initrd, ISO: iso})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// grubISOKernel is a GRUB ISO for other kernel bytes than build/bzImage (a
// damaged image), booting the entry command (linux, linux16, multiboot,
// multiboot2) with cmdline; it lives and is built in the test's own
// directory.
func grubISOKernel(t *testing.T, kernel []byte, command, cmdline string) string {
	t.Helper()
	dir := t.TempDir()
	bz := filepath.Join(dir, "bzImage")
	if err := os.WriteFile(bz, kernel, 0o644); err != nil {
		t.Fatal(err)
	}
	iso, err := kbuild.GrubISO(kbuild.Options{Root: q.Root(t), Out: dir},
		kbuild.GrubOptions{Entry: command, Append: cmdline, BzImage: bz, ISO: filepath.Join(dir, "gokern.iso")})
	if err != nil {
		t.Fatal(err)
	}
	return iso
}

var initrdLineRE = regexp.MustCompile(`\] initrd: (\d+) bytes at (0x[0-9a-f]+), starts ([0-9a-f ]+)\n`)

// checkInitrd: the kernel read the file's size and first 16 bytes where
// boot_params said the initrd is.
func checkInitrd(t *testing.T, r *q.Result, data []byte) {
	t.Helper()
	m := initrdLineRE.FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no initrd line\n%s", r.Describe())
	}
	want := fmt.Sprintf("% x", data[:16])
	if n, _ := strconv.Atoi(m[1]); n != len(data) || m[3] != want {
		t.Fatalf("the kernel reports an initrd of %s bytes starting %s; the file has %d bytes starting %s\n%s", m[1], m[3], len(data), want, r.Describe())
	}
}

// wayIn is one way into the kernel.
type wayIn struct {
	name     string
	cfg      func(t *testing.T, append, initrd string) q.Config
	protocol string // the "Boot protocol:" line the kernel must print
	bios     bool   // SeaBIOS pc at 128 MiB: the memory map is the BIOS's E820
	more     []string
}

func kernelWay(image string, machine string) func(t *testing.T, append, initrd string) q.Config {
	return func(t *testing.T, append, initrd string) q.Config {
		img := q.Image(t, false).BzImage
		if image == "vmlinux" {
			img = q.Image(t, false).Vmlinux
		}
		return q.Config{Image: img, Machine: machine, Append: append, Initrd: initrd}
	}
}

func grubWay(entry, bios string) func(t *testing.T, append, initrd string) q.Config {
	return func(t *testing.T, append, initrd string) q.Config {
		cfg := q.Config{CDROM: grubISO(t, entry, "earlyprintk=serial "+append, initrd), BIOS: bios}
		if bios == "ovmf" {
			cfg.Timeout = 10 * time.Minute // OVMF under TCG: about 45 s alone, more with the other boots
			cfg.Mem = "256M"
			// Two CPUs: both are found only through the MADT, which a
			// UEFI boot finds only through the EFI system table (efi.go).
			cfg.SMP = 2
		}
		return cfg
	}
}

// uefiMore: a UEFI boot finds the RSDP through the EFI system table's
// configuration tables (OVMF has none in the BIOS areas), and with the
// MADT both CPUs of grubWay's -smp 2 (before: "no RSDP in the EBDA",
// no MADT and no MP table, one CPU on the 8259s).
var uefiMore = []string{"efi: system table at", "efi: ACPI=0x", "ACPI 2.0=0x", "ACPI: RSDP 0x", "ACPI: APIC 0x",
	"ACPI: LAPIC (acpi_id[0x01] lapic_id[0x01] enabled)", "smp: Brought up 1 node, 2 CPUs"}

var waysIn = []wayIn{
	{"kernel-bzImage", kernelWay("bzImage", ""), "Boot protocol: 16-bit, real-mode setup (QEMU)\n", true, []string{"start_of_setup: CS normalised to 0x1000"}},
	{"grub-linux", grubWay("linux", ""), "Boot protocol: 32-bit, code32_start (GRUB: linux)\n", true,
		[]string{"startup_32: protected mode, payload at 0x00100000", "Command line: BOOT_IMAGE=/boot/bzImage"}},
	{"grub-linux16", grubWay("linux16", ""), "Boot protocol: 16-bit, real-mode setup (GRUB: linux16)\n", true,
		[]string{"start_of_setup: CS normalised to 0x9000"}},
	{"grub-multiboot", grubWay("multiboot", ""), "Boot protocol: multiboot (GRUB 2.", true, nil},
	{"grub-multiboot2", grubWay("multiboot2", ""), "Boot protocol: multiboot2 (GRUB 2.", true, nil},
	{"pvh-pc", kernelWay("vmlinux", "pc"), "Boot protocol: PVH (hvm_start_info", false, nil},
	{"pvh-q35", kernelWay("vmlinux", "q35"), "Boot protocol: PVH (hvm_start_info", false, nil},
	{"pvh-microvm", kernelWay("vmlinux", "microvm"), "Boot protocol: PVH (hvm_start_info", false, nil},
	{"qemu-multiboot", qemuMultibootWay, "Boot protocol: multiboot (qemu)\n", false, nil},
	{"uefi-grub-linux", grubWay("linux", "ovmf"), "Boot protocol: 32-bit, code32_start (GRUB: linux, UEFI)\n", false, uefiMore},
	{"uefi-grub-multiboot2", grubWay("multiboot2", "ovmf"), "Boot protocol: multiboot2 (GRUB 2.", false,
		append([]string{", UEFI)\n"}, uefiMore...)},
}

// TestWaysIn boots every way in: each reaches the end of selftest=all with
// every test passing, says how it came in, and reports the same initrd and
// command line; the ways through SeaBIOS report the same memory map.
func TestWaysIn(t *testing.T) {
	path, data := loaderInitrd(t)
	const append = "debug selftest=all"
	var mu sync.Mutex
	maps := map[string]string{}
	walls := map[string]time.Duration{}
	t.Run("boot", func(t *testing.T) {
		for _, w := range waysIn {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				r := q.Boot(t, w.cfg(t, append, path))
				allPassed(t, r)
				mustContain(t, r, w.protocol, "Command line: ", "selftest=all")
				mustContain(t, r, w.more...)
				checkInitrd(t, r, data)
				if w.name == "grub-linux" && strings.Contains(r.Output, "start_of_setup") {
					t.Fatalf("the real-mode setup ran under GRUB's linux command\n%s", r.Describe())
				}
				_, kernel, _ := e820Maps(r)
				mu.Lock()
				defer mu.Unlock()
				walls[w.name] = r.Wall
				if w.bios {
					maps[w.name] = fmt.Sprint(kernel)
				}
			})
		}
	})
	for _, w := range waysIn {
		t.Logf("%-22s %v", w.name, walls[w.name].Round(time.Millisecond))
	}
	for name, m := range maps {
		if m != maps["kernel-bzImage"] {
			t.Errorf("%s: the kernel's memory map %s differs from -kernel bzImage's %s", name, m, maps["kernel-bzImage"])
		}
	}
}

// ---- QEMU's own multiboot loader --------------------------------------

// payload is the bzImage's protected-mode payload (what every loader puts
// at 1 MiB) and the boot stage's symbols.
func payload(t *testing.T) (bytes_ []byte, memsz uint64, sym func(string) uint32) {
	t.Helper()
	img := q.Image(t, false)
	b, err := os.ReadFile(img.BzImage)
	if err != nil {
		t.Fatal(err)
	}
	stage := filepath.Join(img.Out, "compressed", "vmlinux")
	end, err := bzimage.Symbol(stage, "_end")
	if err != nil {
		t.Fatal(err)
	}
	return b[(int(b[asm.BP_setup_sects])+1)*512:], end, func(name string) uint32 {
		v, err := bzimage.Symbol(stage, name)
		if err != nil {
			t.Fatal(err)
		}
		return asm.CODE32_START_DEFAULT + uint32(v)
	}
}

// elfSeg is one PT_LOAD of multibootELF.
type elfSeg struct {
	addr  uint32
	data  []byte
	memsz uint32
}

// multibootELF is an ELF32 file QEMU's multiboot loader takes (it refuses
// a bzImage: "HdrS" sends QEMU down the Linux path, DESIGN.md §6; and
// ELF64): a multiboot header without the address kludge in its first 8
// KiB, and the segments, entered at entry.
func multibootELF(t *testing.T, entry uint32, segs []elfSeg) string {
	t.Helper()
	const hdrAt = 0x100
	phoff := 52
	dataAt := 0x1000
	var out []byte
	f := make([]byte, dataAt)
	copy(f, "\x7fELF\x01\x01\x01")
	le := binary.LittleEndian
	le.PutUint16(f[16:], uint16(elf.ET_EXEC))
	le.PutUint16(f[18:], uint16(elf.EM_386))
	le.PutUint32(f[20:], 1)
	le.PutUint32(f[24:], entry)
	le.PutUint32(f[28:], uint32(phoff))
	le.PutUint16(f[40:], 52)
	le.PutUint16(f[42:], 32)
	le.PutUint16(f[44:], uint16(len(segs)))
	flags := uint32(asm.MULTIBOOT_PAGE_ALIGN | asm.MULTIBOOT_MEMORY_INFO)
	le.PutUint32(f[hdrAt:], asm.MULTIBOOT_HEADER_MAGIC)
	le.PutUint32(f[hdrAt+4:], flags)
	le.PutUint32(f[hdrAt+8:], -(asm.MULTIBOOT_HEADER_MAGIC + flags))
	out = f
	for i, s := range segs {
		off := len(out)
		out = append(out, s.data...)
		for len(out)%0x1000 != 0 {
			out = append(out, 0)
		}
		ph := out[phoff+32*i:]
		le.PutUint32(ph[0:], uint32(elf.PT_LOAD))
		le.PutUint32(ph[4:], uint32(off))
		le.PutUint32(ph[8:], s.addr)
		le.PutUint32(ph[12:], s.addr)
		le.PutUint32(ph[16:], uint32(len(s.data)))
		le.PutUint32(ph[20:], max(s.memsz, uint32(len(s.data))))
		le.PutUint32(ph[24:], uint32(elf.PF_R|elf.PF_W|elf.PF_X))
		le.PutUint32(ph[28:], 0x1000)
	}
	p := filepath.Join(t.TempDir(), "multiboot.elf")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// qemuMultibootWay: the same payload as in the bzImage, wrapped so that
// QEMU's own multiboot loader takes it, entered at multiboot_entry; QEMU
// passes -initrd as module 0 and calls itself "qemu".
func qemuMultibootWay(t *testing.T, append, initrd string) q.Config {
	p, memsz, sym := payload(t)
	img := multibootELF(t, sym("multiboot_entry"), []elfSeg{{asm.CODE32_START_DEFAULT, p, uint32(memsz)}})
	return q.Config{Image: img, Append: append, Initrd: initrd}
}

// TestQEMUTakesLinuxPath: QEMU's -kernel loads a file with "HdrS" as a
// Linux kernel even when it carries multiboot headers (the 16-bit entry
// runs), and without "HdrS" its multiboot loader refuses the bzImage's
// address kludge, whose header_addr lies below load_addr: GRUB accepts
// that, QEMU does not (hw/i386/multiboot.c "invalid load_addr address").
func TestQEMUTakesLinuxPath(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(q.Image(t, false).BzImage)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b[:asm.MULTIBOOT_SEARCH], []byte{0x02, 0xb0, 0xad, 0x1b}) {
		t.Fatal("no multiboot header in the bzImage's first 8 KiB")
	}
	noHdrS := append([]byte(nil), b...)
	copy(noHdrS[asm.BP_header:], "XXXX")
	p := filepath.Join(t.TempDir(), "bzImage-noHdrS")
	if err := os.WriteFile(p, noHdrS, 0o644); err != nil {
		t.Fatal(err)
	}
	r := q.Boot(t, q.Config{Image: p, Append: "exit_at_idle"})
	if r.ExitCode != 1 || !strings.Contains(r.Output, "invalid load_addr address") {
		t.Fatalf("QEMU's multiboot loader took the bzImage without HdrS\n%s", r.Describe())
	}
}

// ---- bad input, booted ---------------------------------------------------

// stubELF is a multiboot ELF whose entry is a stub that enters target (in
// the payload at 1 MiB) with EAX = eax and EBX = blobAddr, the blob loaded
// there: a loader that hands over whatever the test wants.
func stubELF(t *testing.T, target string, eax uint32, blob []byte) q.Config {
	p, memsz, sym := payload(t)
	const stubAt, blobAt = 0x800000, 0x801000
	stub := []byte{0xb8, 0, 0, 0, 0, 0xbb, 0, 0, 0, 0, 0xb9, 0, 0, 0, 0, 0xff, 0xe1} // mov eax; mov ebx; mov ecx; jmp *%ecx
	binary.LittleEndian.PutUint32(stub[1:], eax)
	binary.LittleEndian.PutUint32(stub[6:], blobAt)
	binary.LittleEndian.PutUint32(stub[11:], sym(target))
	stub = append(stub, make([]byte, blobAt-stubAt-len(stub))...)
	img := multibootELF(t, stubAt, []elfSeg{{asm.CODE32_START_DEFAULT, p, uint32(memsz)}, {stubAt, append(stub, blob...), 0}})
	return q.Config{Image: img, Append: "exit_at_idle"}
}

// TestLoaderBadInputBoots: the refusals of the host tests
// (internal/bootstage), booted: one line on the serial console naming the
// problem and the value, exit 35, nothing after.
func TestLoaderBadInputBoots(t *testing.T) {
	le := binary.LittleEndian
	mbi := func(flags uint32, cmdline uint32, mods [][2]uint32) []byte {
		b := make([]byte, 0x400)
		le.PutUint32(b[asm.MBI_flags:], flags)
		le.PutUint32(b[asm.MBI_mmap_addr:], 0x801000+0x100)
		le.PutUint32(b[asm.MBI_mmap_length:], 2*24)
		for i, e := range [][3]uint64{{0, 0x9fc00, 1}, {0x100000, 0x7f00000, 1}} {
			x := b[0x100+24*i:]
			le.PutUint32(x, 20)
			le.PutUint64(x[4:], e[0])
			le.PutUint64(x[12:], e[1])
			le.PutUint32(x[20:], uint32(e[2]))
		}
		le.PutUint32(b[asm.MBI_cmdline:], cmdline)
		copy(b[0x300:], "exit_at_idle\x00")
		le.PutUint32(b[asm.MBI_mods_count:], uint32(len(mods)))
		le.PutUint32(b[asm.MBI_mods_addr:], 0x801000+0x200)
		for i, m := range mods {
			le.PutUint32(b[0x200+16*i:], m[0])
			le.PutUint32(b[0x200+16*i+4:], m[1])
		}
		return b
	}
	hvm := func(magic, entries uint32) []byte {
		b := make([]byte, 0x200)
		le.PutUint32(b[asm.HVM_magic:], magic)
		le.PutUint32(b[asm.HVM_version:], 1)
		le.PutUint64(b[asm.HVM_memmap_paddr:], 0x801000+0x100)
		le.PutUint32(b[asm.HVM_memmap_entries:], entries)
		return b
	}
	all := uint32(asm.MULTIBOOT_INFO_MEM_MAP | asm.MULTIBOOT_INFO_CMDLINE | asm.MULTIBOOT_INFO_MODS)
	cases := []struct {
		name, target string
		eax          uint32
		blob         []byte
		msg          string
	}{
		{"multiboot wrong magic", "multiboot_entry", 0x12345678, mbi(all, 0x801300, nil),
			"multiboot: EAX is 0x12345678, not the multiboot magic 0x2badb002: not started by a multiboot loader"},
		{"multiboot no memory map", "multiboot_entry", asm.MULTIBOOT_BOOTLOADER_MAGIC, mbi(asm.MULTIBOOT_INFO_CMDLINE, 0x801300, nil),
			"multiboot: no memory map in the multiboot information (flags 0x00000004, mmap_length 48)"},
		{"multiboot command line outside RAM", "multiboot_entry", asm.MULTIBOOT_BOOTLOADER_MAGIC, mbi(all, 0x9000000, nil),
			"multiboot: the command line at 0x0000000009000000 is not in memory below 4 GiB"},
		{"multiboot module outside RAM", "multiboot_entry", asm.MULTIBOOT_BOOTLOADER_MAGIC, mbi(all, 0x801300, [][2]uint32{{0x9000000, 0x9001000}}),
			"multiboot: module 0 [mem 0x09000000-0x09000fff] is not in RAM below 4 GiB"},
		{"multiboot overlapping modules", "multiboot_entry", asm.MULTIBOOT_BOOTLOADER_MAGIC,
			mbi(all, 0x801300, [][2]uint32{{0x2000000, 0x2100000}, {0x20ff000, 0x2200000}}),
			"multiboot: module 1 [mem 0x020ff000-0x021fffff] overlaps module 0 [mem 0x02000000-0x020fffff]"},
		{"PVH wrong magic", "pvh_start_xen", 0, hvm(0xdeadbeef, 2),
			"PVH: hvm_start_info at 0x00801000 has magic 0xdeadbeef, not 0x336ec578: not a PVH start"},
		{"PVH no memory map", "pvh_start_xen", 0, hvm(asm.XEN_HVM_START_MAGIC_VALUE, 0),
			"PVH: no memory map in hvm_start_info (version 1, 0 memory-map entries)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, stubELF(t, c.target, c.eax, c.blob))
			mustExit(t, r, q.ExitFailure)
			lines := r.Lines()
			if len(lines) == 0 || lines[len(lines)-1] != c.msg {
				t.Fatalf("want the last line %q\n%s", c.msg, r.Describe())
			}
		})
	}
}

// TestMicrovmTimers: PVH on microvm without a PIT and without a PIC
// (pit=off, pic=off; the defaults are TestWaysIn's pvh-microvm, with every
// selftest passing) reaches the idle loop with a working tick: the PIC's
// absence is found by Linux's probe_8259A (its selftest skipped, saying
// why), the PIT's by its count not moving, and the TSC is calibrated
// against the RTC's seconds instead; the local APIC timer, calibrated
// against that TSC, comes out at QEMU's 1 GHz bus clock, and ten ticks
// arrive while the CPU sits in HLT.
func TestMicrovmTimers(t *testing.T) {
	r := q.Boot(t, q.Config{Image: q.Image(t, false).Vmlinux, Machine: "microvm,pit=off,pic=off",
		Append: "debug selftest=tsc_clock,lapic,ioapic,i8259,tick,unexpected_ipi"})
	allPassed(t, r)
	mustContain(t, r, "Boot protocol: PVH", "tsc: no PIT (channel 2 does not count): no PIT calibration",
		"tsc: calibrated against the RTC's seconds, to within", "Using NULL legacy PIC",
		"IOAPIC: 16 ISA IRQs routed through the I/O APIC; no 8259A", "..TIMER: no 8259A: IRQ 0's route not checked",
		"APIC timer: periodic at HZ=250 on vector 0xec", "i8259 # SKIP no 8259A")
	checkBusClock(t, r)
}

// busClockRE: the local APIC timer's calibration against the TSC.
var busClockRE = regexp.MustCompile(`APIC timer: host bus clock speed is (\d+)\.(\d+) MHz`)

// checkBusClock: QEMU's local APIC timer counts a 1 GHz bus clock
// (APIC_BUS_CYCLE_NS, target/i386/cpu.h); measured against the TSC it
// comes out within 2% of that only if the TSC's frequency is right.
func checkBusClock(t *testing.T, r *q.Result) {
	t.Helper()
	m := busClockRE.FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no APIC timer calibration\n%s", r.Describe())
	}
	mhz, _ := strconv.Atoi(m[1])
	if mhz < 980 || mhz >= 1020 {
		t.Fatalf("APIC bus clock %s.%s MHz: the TSC's frequency is wrong\n%s", m[1], m[2], r.Describe())
	}
}
