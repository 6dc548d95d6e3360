package boottest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"

	"gokern/internal/bootstage"
	q "gokern/internal/qemutest"
)

// Boot tests of the boot stage (boot/compressed): its console, and what it
// checks before it moves the kernel.

// TestBootConsoleEarlyprintk: every earlyprintk= form that names COM2
// sends the boot stage's lines there, with the setup's and the kernel's,
// and none to COM1; without it everything stays on COM1.
func TestBootConsoleEarlyprintk(t *testing.T) {
	stage := []string{"startup_32: protected mode", "startup_64: moving the kernel", "startup_64: booting the kernel"}
	for _, c := range []struct {
		name, opt string
		com2      bool
	}{
		{"ttyS1", "earlyprintk=serial,ttyS1", true},
		{"0x2f8", "earlyprintk=serial,0x2f8,115200", true},
		{"bare-ttyS1", "earlyprintk=ttyS1,9600", true},
		{"ttyS0", "earlyprintk=serial,ttyS0", false},
		{"serial", "", false}, // qemutest puts earlyprintk=serial first
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: c.opt + " debug exit_at_idle", COM2: true})
			mustExit(t, r, q.ExitSuccess)
			on, off := r.COM2, r.Output
			if !c.com2 {
				on, off = off, on
			}
			for _, s := range append(stage, "start_of_setup", "cpu_idle") {
				if !strings.Contains(on, s) {
					t.Fatalf("%q is not on the console earlyprintk= names\n%s", s, r.Describe())
				}
				if strings.Contains(off, s) {
					t.Fatalf("%q is on the other UART too\n%s", s, r.Describe())
				}
			}
		})
	}
}

// TestBootConsoleModeNeutral: the boot stage's console functions are
// assembled as 32-bit code and called from 64-bit code too
// (boot/compressed/early_serial_console.S). Decoded in both modes, every
// instruction must have the same length and do the same thing, up to the
// width of the registers (EDX in one mode is RDX in the other).
func TestBootConsoleModeNeutral(t *testing.T) {
	img := q.Image(t, false)
	f, err := elf.Open(filepath.Join(img.Out, "compressed", "vmlinux"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	addr := map[string]uint64{}
	for _, s := range syms {
		addr[s.Name] = s.Value
	}
	text := f.Section(".text")
	code, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	start, ok1 := addr["serial_putchar"]
	end, ok2 := addr["early_serial_console_end"]
	if !ok1 || !ok2 || start >= end || start < text.Addr || end > text.Addr+uint64(len(code)) {
		t.Fatalf("serial_putchar..early_serial_console_end not in .text (%#x..%#x)", start, end)
	}
	for _, fn := range []string{"__putstr", "__puthex", "__putdec", "error", "die"} {
		if a := addr[fn]; a < start || a >= end {
			t.Fatalf("%s at %#x is outside the mode-neutral range %#x..%#x", fn, a, start, end)
		}
	}
	b := code[start-text.Addr : end-text.Addr]
	n := 0
	for off := 0; off < len(b); n++ {
		i32, err32 := x86asm.Decode(b[off:], 32)
		i64, err64 := x86asm.Decode(b[off:], 64)
		if err32 != nil || err64 != nil {
			t.Fatalf("%#x: cannot decode: %v / %v", start+uint64(off), err32, err64)
		}
		if i32.Len != i64.Len || i32.Op != i64.Op || narrow(i32.Args) != narrow(i64.Args) {
			t.Fatalf("%#x: decodes as %v (%d bytes) in 32-bit mode but %v (%d bytes) in 64-bit mode",
				start+uint64(off), i32, i32.Len, i64, i64.Len)
		}
		off += i32.Len
	}
	t.Logf("%d instructions (%d bytes) mean the same in 32-bit and 64-bit mode", n, len(b))
}

// narrow prints instruction arguments with 64-bit registers named by their
// 32-bit halves.
func narrow(args x86asm.Args) string {
	reg := func(r x86asm.Reg) x86asm.Reg {
		if r >= x86asm.RAX && r <= x86asm.RDI {
			return r - x86asm.RAX + x86asm.EAX
		}
		if r == x86asm.RIP {
			return x86asm.EIP
		}
		return r
	}
	var s []string
	for _, a := range args {
		switch a := a.(type) {
		case nil:
		case x86asm.Reg:
			s = append(s, reg(a).String())
		case x86asm.Mem:
			a.Base, a.Index = reg(a.Base), reg(a.Index)
			s = append(s, fmt.Sprint(a))
		default:
			s = append(s, fmt.Sprint(a))
		}
	}
	return strings.Join(s, ",")
}

// memRange prints r as the kernel and the boot stage do: [mem 0x%08x-0x%08x].
func memRange(r bootstage.Range) string {
	return fmt.Sprintf("[mem 0x%08x-0x%08x]", r.Start, r.End-1)
}

var (
	rawE820RE    = regexp.MustCompile(`detect_memory: e820 entry \d+: addr 0x([0-9a-f]{16}) size 0x([0-9a-f]{16}) type (\d+)`)
	startup32RE  = regexp.MustCompile(`startup_32: protected mode, payload at 0x([0-9a-f]+), boot_params at 0x([0-9a-f]+)`)
	initrdMoveRE = regexp.MustCompile(`startup_64: the initrd \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] is in the kernel's way \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]: moving it to \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]`)
	ramdiskRE    = regexp.MustCompile(`RAMDISK: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]`)
)

// stageInputs is what the boot stage decides on, as a "debug" boot shows
// it: the loader's e820 map (printed by the setup), where the payload and
// boot_params are, the command line QEMU put at 0x20000 (DESIGN.md §6).
type stageInputs struct {
	e820                []bootstage.E820Entry
	payload, bootParams uint64
	cmdline             string
}

func parseStageInputs(t *testing.T, out string, cfg q.Config) stageInputs {
	t.Helper()
	var in stageInputs
	for _, m := range rawE820RE.FindAllStringSubmatch(out, -1) {
		typ, _ := strconv.ParseUint(m[3], 10, 32)
		in.e820 = append(in.e820, bootstage.E820Entry{Addr: hex(m[1]), Size: hex(m[2]), Type: uint32(typ)})
	}
	m := startup32RE.FindStringSubmatch(out)
	if len(in.e820) == 0 || m == nil {
		t.Fatalf("a debug boot must print the setup's e820 map and startup_32's line\n%s", out)
	}
	in.payload, in.bootParams = hex(m[1]), hex(m[2])
	in.cmdline = strings.TrimSpace("earlyprintk=serial " + cfg.Append)
	return in
}

// kernelPlace is [LOAD_PHYSICAL_ADDR, the kernel's end rounded up to a
// page), from the image's piggy.
func kernelPlace(t *testing.T) bootstage.Range {
	p := q.Image(t, false).Piggy
	return bootstage.Range{Start: p.Start, End: (p.End + bootstage.PAGE_SIZE - 1) &^ (bootstage.PAGE_SIZE - 1)}
}

// avoid is the mem_avoid table the boot stage builds for these inputs.
func (in stageInputs) avoid(t *testing.T, initrd bootstage.Range) (a [bootstage.MEM_AVOID_MAX]bootstage.Range) {
	end := payloadSyms(t)["_end"]
	a[bootstage.MEM_AVOID_ZO_RANGE] = bootstage.Range{Start: in.payload, End: in.payload + end}
	a[bootstage.MEM_AVOID_INITRD] = initrd
	a[bootstage.MEM_AVOID_CMDLINE] = bootstage.Range{Start: 0x20000, End: 0x20000 + uint64(len(in.cmdline)) + 1}
	a[bootstage.MEM_AVOID_BOOTPARAMS] = bootstage.Range{Start: in.bootParams, End: in.bootParams + 4096}
	a[bootstage.MEM_AVOID_REALMODE] = bootstage.Range{Start: 0, End: 1 << 20}
	return a
}

// firmwares and machines of the boot matrix.
var (
	firmwares = []string{"seabios", "qboot"}
	machines  = []string{"pc", "q35"}
)

func matrixConfig(bios, machine, mem, append string) q.Config {
	cfg := q.Config{Mem: mem, Machine: machine, Append: append}
	if bios == "qboot" {
		cfg.BIOS = "qboot"
	}
	return cfg
}

// checkNoRAMForKernel boots with too little RAM for the kernel's place:
// the boot stage must say so, with the figures the model computes from
// the map the setup printed, and exit 35 (it hung or triple-faulted
// silently before).
func checkNoRAMForKernel(t *testing.T, cfg q.Config) {
	cfg.Append = "debug exit_at_idle"
	r := q.Boot(t, cfg)
	mustExit(t, r, q.ExitFailure)
	in := parseStageInputs(t, r.Output, cfg)
	kernel := kernelPlace(t)
	ram := bootstage.RAMRanges(in.e820, 0, 0)
	d := bootstage.Place(ram, kernel, in.avoid(t, bootstage.Range{}))
	if d.Outcome != bootstage.NotEnoughRAM {
		t.Fatalf("the model says %v for this map, not NotEnoughRAM\n%s", d, r.Describe())
	}
	mustContain(t, r, fmt.Sprintf("Not enough RAM to boot: the kernel needs %s, RAM ends at 0x%08x\n", memRange(kernel), d.RAMEnds))
	if strings.Contains(r.Output, "startup_64: moving the kernel") {
		t.Fatalf("the kernel was moved anyway\n%s", r.Describe())
	}
}

// writeInitrd writes size pseudo-random bytes (a fixed seed per size).
func writeInitrd(t *testing.T, size int) (string, []byte) {
	data := make([]byte, size)
	rand.New(rand.NewSource(int64(size))).Read(data)
	path := filepath.Join(t.TempDir(), "initrd")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// checkInitrdMoved boots with an initrd that the loader put on the
// kernel's place: the boot stage must move it where the model says, the
// kernel must report it there, and guest memory there must be the file,
// byte for byte, once the kernel idles.
func checkInitrdMoved(t *testing.T, cfg q.Config, size int) {
	path, data := writeInitrd(t, size)
	// retain_initrd: populate_rootfs would free (and poison) it.
	cfg.Initrd, cfg.Append = path, "debug retain_initrd"
	m := q.Start(t, cfg)
	m.WaitFor(regexp.MustCompile(`cpu_idle: CPU 0 enters the idle loop`), q.DefaultTimeout)
	r := m.Result()
	mv := initrdMoveRE.FindStringSubmatch(r.Output)
	rd := ramdiskRE.FindStringSubmatch(r.Output)
	if mv == nil || rd == nil {
		m.Stop()
		t.Fatalf("no initrd move or no RAMDISK line\n%s", r.Describe())
	}
	from := bootstage.Range{Start: hex(mv[1]), End: hex(mv[2]) + 1}
	to := bootstage.Range{Start: hex(mv[5]), End: hex(mv[6]) + 1}
	in := parseStageInputs(t, r.Output, cfg)
	kernel := kernelPlace(t)
	d := bootstage.Place(bootstage.RAMRanges(in.e820, 0, 0), kernel, in.avoid(t, from))
	switch {
	case from.End-from.Start != uint64(size) || to.End-to.Start != uint64(size):
		t.Errorf("the initrd moved from %s to %s, the file has %d bytes", memRange(from), memRange(to), size)
	case !from.Overlaps(kernel) || to.Overlaps(kernel):
		t.Errorf("moved from %s to %s: the kernel's place is %s", memRange(from), memRange(to), memRange(kernel))
	case d.Outcome != bootstage.MoveInitrd || d.InitrdTo != to.Start:
		t.Errorf("the model would move it to %#x (%v), the boot stage moved it to %#x", d.InitrdTo, d.Outcome, to.Start)
	case hex(rd[1]) != to.Start || hex(rd[2]) != to.End-1:
		t.Errorf("the kernel reports the initrd at %s, the boot stage moved it to %s", rd[0], memRange(to))
	}
	mem, err := m.Pmemsave(to.Start, uint64(size))
	m.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mem, data) {
		i := 0
		for i < len(mem) && i < len(data) && mem[i] == data[i] {
			i++
		}
		t.Fatalf("guest memory at %s differs from the initrd file at byte %#x (%d bytes read)\n%s", memRange(to), i, len(mem), r.Describe())
	}
	if t.Failed() {
		t.Log(r.Describe())
	}
	t.Logf("initrd of %d bytes moved from %s to %s, intact", size, memRange(from), memRange(to))
}

// bootEdge runs the boot matrix's edge cases (TestBootMatrix) and reports
// whether mem was one: -m 16M and 17M, too little RAM for the kernel's
// place, and "tight+initrd": just enough RAM for the kernel (tightMem)
// with a 3 MB initrd that QEMU puts on it.
func bootEdge(t *testing.T, bios, machine, mem string) bool {
	switch mem {
	case "16M", "17M":
		checkNoRAMForKernel(t, matrixConfig(bios, machine, mem, ""))
	case "tight+initrd":
		checkInitrdMoved(t, matrixConfig(bios, machine, tightMem(t, 0), ""), 3<<20+123)
	default:
		return false
	}
	return true
}

// tightMem is the -m that holds the kernel's place and room bytes above
// it, and not a MiB more (plus the firmware's reserved top of RAM, 128
// KiB on pc, 132 KiB on q35): it follows the kernel's size, which a fixed
// -m 20M stopped holding when the kernel grew past 0x13e0000.
func tightMem(t *testing.T, room uint64) string {
	end := kernelPlace(t).End + room
	return fmt.Sprintf("%dM", (end+1<<20-1)>>20+1)
}

// TestKernelPlace: the boot stage checks the kernel's place against the
// loader's map before it moves the kernel there, on every machine and
// firmware (the boot matrix has -m 16M, 17M and a tight -m with an initrd).
// More initrds where the kernel must run: moved out of the way, every
// byte kept, downwards or upwards over where they were. An initrd too
// large to move: a clear message and exit 35.
func TestKernelPlace(t *testing.T) {
	tight := tightInitrdSize(t)
	for _, bios := range firmwares {
		for _, machine := range machines {
			bios, machine := bios, machine
			for _, c := range []struct {
				mem  string
				size int
			}{{"24M", 10 << 20}, {"28M", tight}} {
				c := c
				t.Run(fmt.Sprintf("%s/%s/%s+initrd-%d", bios, machine, c.mem, c.size), func(t *testing.T) {
					t.Parallel()
					checkInitrdMoved(t, matrixConfig(bios, machine, c.mem, ""), c.size)
				})
			}
			// With initrd_addr_max lowered in the header, QEMU puts the
			// initrd across the kernel's end with room above it: the boot
			// stage moves it up, over where it is (the copy runs downwards).
			t.Run(bios+"/"+machine+"/tight+initrd-up", func(t *testing.T) {
				t.Parallel()
				b, err := os.ReadFile(q.Image(t, false).BzImage)
				if err != nil {
					t.Fatal(err)
				}
				binary.LittleEndian.PutUint32(b[0x22c:], 0x12fffff) // initrd_addr_max
				cfg := matrixConfig(bios, machine, tightMem(t, 2<<20), "")
				cfg.Image = filepath.Join(t.TempDir(), "bzImage")
				if err := os.WriteFile(cfg.Image, b, 0o644); err != nil {
					t.Fatal(err)
				}
				checkInitrdMoved(t, cfg, 2<<20)
			})
			t.Run(bios+"/"+machine+"/64M+initrd-50M", func(t *testing.T) {
				t.Parallel()
				path, _ := writeInitrd(t, 50<<20)
				cfg := matrixConfig(bios, machine, "64M", "debug exit_at_idle")
				cfg.Initrd = path
				r := q.Boot(t, cfg)
				mustExit(t, r, q.ExitFailure)
				in := parseStageInputs(t, r.Output, cfg)
				kernel := kernelPlace(t)
				// QEMU put it at the top of RAM: recover where from the message.
				m := regexp.MustCompile(`Not enough RAM to boot: the initrd \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] overlaps the kernel's (\[mem [^]]+\]), and no other free RAM below 4 GiB holds its (\d+) bytes`).FindStringSubmatch(r.Output)
				if m == nil || m[3] != memRange(kernel) || m[4] != strconv.Itoa(50<<20) {
					t.Fatalf("no initrd message with the kernel's place %s and the size\n%s", memRange(kernel), r.Describe())
				}
				initrd := bootstage.Range{Start: hex(m[1]), End: hex(m[2]) + 1}
				if d := bootstage.Place(bootstage.RAMRanges(in.e820, 0, 0), kernel, in.avoid(t, initrd)); d.Outcome != bootstage.InitrdNoRoom {
					t.Fatalf("the model says %v for this map", d)
				}
			})
		}
	}
}

// tightInitrdSize is TestKernelPlace's tight case at -m 28M: an initrd
// that QEMU puts across the kernel's place and that fits below it only
// just, between the payload (loaded at 1 MiB by the boot protocol's
// code32_start) and the kernel. It is computed from the image, so the
// case keeps testing a tight fit as the kernel grows: at most 12 MiB,
// 128 KiB short of the room, and odd (4095 bytes past a page) so the
// copy's tail is tested too.
func tightInitrdSize(t *testing.T) int {
	kernel := kernelPlace(t)
	payloadEnd := (0x100000 + payloadSyms(t)["_end"] + bootstage.PAGE_SIZE - 1) &^ (bootstage.PAGE_SIZE - 1)
	room := int(kernel.Start) - int(payloadEnd) - 128<<10 - 4096
	size := min(12<<20, room&^4095) + 4095
	// QEMU puts the initrd at the top of RAM (page-aligned down): it must
	// reach into the kernel's place, or there is nothing to move.
	if top := uint64(28<<20-size) &^ 4095; top >= kernel.End {
		t.Fatalf("an initrd of %d bytes at 28M would start at %#x, above the kernel's place %s: the tight case no longer overlaps the kernel", size, top, memRange(kernel))
	}
	return size
}

// payloadSyms are the boot stage's symbols (link address = payload offset).
func payloadSyms(t *testing.T) map[string]uint64 {
	f, err := elf.Open(filepath.Join(q.Image(t, false).Out, "compressed", "vmlinux"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]uint64{}
	for _, s := range syms {
		m[s.Name] = s.Value
	}
	return m
}

// bootStageImageMessage is verify_image's message for the verdict v.
func bootStageImageMessage(v bootstage.ImageVerdict) string {
	want := fmt.Sprintf("Kernel image corrupt or truncated: expected %d bytes xxh32 0x%08x, got xxh32 0x%08x; ", v.Size, v.Hash, v.Got)
	if v.EndMark == v.Hash {
		return want + "the hash copy that ends the image is intact: bytes changed (corrupt image)\n"
	}
	return want + fmt.Sprintf("the hash copy that ends the image reads 0x%08x: the loader loaded fewer bytes (truncated image)\n", v.EndMark)
}

// TestImageDamaged: a bzImage cut short or with a changed byte ends in a
// message naming what is wrong and exit 35, never in a jump into what the
// loader did not load (a triple fault, or a hang when almost nothing of
// the payload arrived, before). A cut shows at the payload's end, which
// the setup checks (check_payload); a changed byte in the hash, which the
// boot stage checks (verify_image). The expected figures come from the
// image and from the model of verify_image run on the payload as QEMU
// leaves it in memory: the file's bytes, then zeros.
func TestImageDamaged(t *testing.T) {
	img := q.Image(t, false)
	good, err := os.ReadFile(img.BzImage)
	if err != nil {
		t.Fatal(err)
	}
	syms := payloadSyms(t)
	setupLen := (int(good[0x1f1]) + 1) * 512
	off, bss := uint32(syms["image_check"]), uint32(syms["_bss"])
	flip := func(at int) func([]byte) []byte {
		return func(b []byte) []byte { b[at] ^= 0x40; return b }
	}
	for _, c := range []struct {
		name string
		edit func([]byte) []byte
		want string // "" for verify_image's message
	}{
		{"cut-1", func(b []byte) []byte { return b[:len(b)-1] }, ""},
		{"cut-4", func(b []byte) []byte { return b[:len(b)-4] }, ""},
		{"cut-512", func(b []byte) []byte { return b[:len(b)-512] }, ""},
		{"cut-4096", func(b []byte) []byte { return b[:len(b)-4096] }, ""},
		{"cut-half", func(b []byte) []byte { return b[:setupLen+(len(b)-setupLen)/2] }, ""},
		// Cut to the setup and the first bytes of the payload, or none:
		// the boot stage would not even run (it hung before).
		{"cut-to-100", func(b []byte) []byte { return b[:setupLen+100] }, ""},
		{"cut-to-setup", func(b []byte) []byte { return b[:setupLen] }, ""},
		{"flip-piggy", flip(setupLen + int(syms["input_data"]) + 5000), ""},
		{"flip-stage-code", flip(setupLen + int(syms["choose_kernel_place"]) + 2), ""},
		{"flip-record", flip(setupLen + int(off) + 5), ""},
		{"setup_sects+3", func(b []byte) []byte { b[0x1f1] += 3; return b },
			fmt.Sprintf("setup_sects is %d, the setup has %d sectors: damaged image\n", good[0x1f1]+3, good[0x1f1])},
		{"setup_sects-1", func(b []byte) []byte { b[0x1f1]--; return b }, "Setup signature not found...\n"},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := c.edit(bytes.Clone(good))
			path := filepath.Join(t.TempDir(), "bzImage")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			want := c.want
			if want == "" {
				mem := append(bytes.Clone(b[min(setupLen, len(b)):]), make([]byte, len(good)-len(b)+8)...)
				v := bootstage.VerifyImage(mem, off, bss)
				// The setup looks first, at the payload's last 4 bytes
				// (boot/pm.S check_payload).
				size, sum := binary.LittleEndian.Uint32(good[setupLen+int(off):]), binary.LittleEndian.Uint32(good[setupLen+int(off)+4:])
				if end := binary.LittleEndian.Uint32(mem[size:]); end != sum {
					want = fmt.Sprintf("Kernel image corrupt or truncated: expected %d bytes xxh32 0x%08x, got 0x%08x at the end of the payload: the loader loaded fewer bytes (truncated image)\n", size, sum, end)
				} else if v.OK {
					// Only the last bytes were cut and they were zeros (the
					// hash's high byte may be 0): memory behind the load
					// reads as zeros too, so the kernel in memory is whole.
					if !strings.HasPrefix(c.name, "cut-") || len(good)-len(b) > 3 {
						t.Fatalf("the model passes this image")
					}
					r := q.Boot(t, q.Config{Image: path, Append: "exit_at_idle"})
					mustExit(t, r, q.ExitSuccess)
					t.Logf("%s cut only zero bytes: the image in memory is whole, and boots", c.name)
					return
				} else {
					want = bootStageImageMessage(v)
				}
			}
			r := q.Boot(t, q.Config{Image: path, Append: "exit_at_idle"})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, want)
			if strings.Contains(r.Output, "startup_64") {
				t.Fatalf("the boot stage went on\n%s", r.Describe())
			}
		})
	}
}

// TestGRUBDamagedImage: GRUB's `linux` enters startup_32 directly, without
// the setup's check of the payload's end, so a bzImage cut short is caught
// by the boot stage's own check (verify_image), which says it is cut; a
// changed byte, by its hash.
func TestGRUBDamagedImage(t *testing.T) {
	good, err := os.ReadFile(q.Image(t, false).BzImage)
	if err != nil {
		t.Fatal(err)
	}
	syms := payloadSyms(t)
	setupLen := (int(good[0x1f1]) + 1) * 512
	off := int(syms["image_check"])
	size, sum := binary.LittleEndian.Uint32(good[setupLen+off:]), binary.LittleEndian.Uint32(good[setupLen+off+4:])
	flipped := bytes.Clone(good)
	flipped[setupLen+int(syms["input_data"])+5000] ^= 0x40
	for _, c := range []struct {
		name   string
		kernel []byte
		want   []string
	}{
		{"cut-4096", good[:len(good)-4096], []string{fmt.Sprintf("Kernel image corrupt or truncated: expected %d bytes xxh32 0x%08x, got xxh32 0x", size, sum),
			"the loader loaded fewer bytes (truncated image)"}},
		{"flip-piggy", flipped, []string{fmt.Sprintf("Kernel image corrupt or truncated: expected %d bytes xxh32 0x%08x, got xxh32 0x", size, sum),
			"the hash copy that ends the image is intact: bytes changed (corrupt image)"}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{CDROM: grubISOKernel(t, c.kernel, "linux", "earlyprintk=serial exit_at_idle")})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, c.want...)
		})
	}
}
