package bootstage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"testing"

	"github.com/u-root/u-root/pkg/boot/kexec"
	"github.com/u-root/u-root/pkg/boot/multiboot"

	"gokern/arch/amd64/asm"
	"gokern/internal/kbuild"
)

var (
	harnessOnce sync.Once
	harness     *Harness
	harnessErr  error
)

func getHarness(t *testing.T) *Harness {
	t.Helper()
	harnessOnce.Do(func() {
		wd, _ := os.Getwd()
		root, err := kbuild.FindRoot(wd)
		if err != nil {
			harnessErr = err
			return
		}
		dir, err := os.MkdirTemp("", "gokern-loaders-")
		if err != nil {
			harnessErr = err
			return
		}
		harness, harnessErr = NewHarness(root, dir)
	})
	if harnessErr != nil {
		t.Fatal(harnessErr)
	}
	return harness
}

func run(t *testing.T, conv Conversion, eax, ebx uint32, mem []Segment) *Converted {
	t.Helper()
	o, err := getHarness(t).Run(t.Name(), conv, eax, ebx, mem)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var le = binary.LittleEndian

// The machine the tests describe: QEMU pc's map at 128 MiB.
var pcMap = []E820Entry{
	{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xf0000, 0x10000, 2}, {0x100000, 0x7f00000, 1},
}

func e820Of(bp *asm.BootParams) []E820Entry {
	var out []E820Entry
	for i := 0; i < bp.E820_entries(); i++ {
		a, s, ty := bp.E820_entry(i)
		out = append(out, E820Entry{a, s, ty})
	}
	return out
}

func sameE820(t *testing.T, got, want []E820Entry) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("e820_table:\n got %x\nwant %x", got, want)
	}
}

// wantOK checks what every successful conversion must give the kernel: the
// setup header's magic and version, and gokern's setup_data node naming
// the entry, linked from hdr.setup_data.
func wantOK(t *testing.T, o *Converted, entry uint32) {
	t.Helper()
	if o.Code != 0 || o.Exit != 0 {
		t.Fatalf("conversion failed: code %d exit %d: %s", o.Code, o.Exit, o.Message)
	}
	bp := &o.BP
	if !bp.HdrS() || bp.Version() != asm.BOOT_PROTOCOL_VERSION || le.Uint16(bp[asm.BP_boot_flag:]) != asm.BOOT_FLAG_MAGIC ||
		bp.Cmdline_size() != asm.COMMAND_LINE_SIZE-1 || le.Uint32(bp[asm.BP_code32_start:]) != asm.CODE32_START_DEFAULT {
		t.Errorf("setup header: HdrS %v version %#x boot_flag %#x cmdline_size %d code32_start %#x", bp.HdrS(), bp.Version(),
			le.Uint16(bp[asm.BP_boot_flag:]), bp.Cmdline_size(), le.Uint32(bp[asm.BP_code32_start:]))
	}
	if bp.Setup_data() == 0 || le.Uint32(o.Node[asm.SD_type:]) != asm.SETUP_GOKERN_BOOT || le.Uint32(o.Node[asm.SD_len:]) != asm.GB_SIZE ||
		le.Uint32(o.Node[asm.SD_data+asm.GB_entry:]) != entry || le.Uint64(o.Node[asm.SD_next:]) != 0 {
		t.Errorf("setup_data %#x, node % x: want SETUP_GOKERN_BOOT, entry %d", bp.Setup_data(), o.Node[:asm.SD_data+4], entry)
	}
}

// wantErr checks a refused input: the code, the exit status and the message
// loader_error printed.
func wantErr(t *testing.T, o *Converted, code uint32, msg string) {
	t.Helper()
	if o.Code != code || o.Exit != 35 || o.Message != msg {
		t.Fatalf("got code %d exit %d message %q\nwant code %d exit 35 message %q", o.Code, o.Exit, o.Message, code, msg)
	}
}

// ---- multiboot v1 --------------------------------------------------------

// mbInfo is a multiboot information structure and what it points at, laid
// out from base: the structure, the memory map (u-root's MemoryMap, the
// specification's struct multiboot_mmap_entry), the module list, the
// command line and the loader's name.
type mbInfo struct {
	flags              uint32
	memUpper           uint32
	mmap               []multiboot.MemoryMap
	mods               [][2]uint32
	cmdline, loader    string
	cmdlinePtr, modPtr uint32 // overrides: where the pointers point
	mmapLen            int    // override of mmap_length when >= 0
}

const mbBase = 0x9000

func memoryMap(m []E820Entry) []multiboot.MemoryMap {
	var out []multiboot.MemoryMap
	for _, e := range m {
		out = append(out, multiboot.MemoryMap{Size: asm.MBMMAP_ENTRY_MIN, BaseAddr: e.Addr, Length: e.Size, Type: e.Type})
	}
	return out
}

func (mi mbInfo) segments() []Segment {
	info := make([]byte, 0x100)
	var mm bytes.Buffer
	if err := binary.Write(&mm, binary.LittleEndian, mi.mmap); err != nil {
		panic(err)
	}
	le.PutUint32(info[asm.MBI_flags:], mi.flags)
	le.PutUint32(info[asm.MBI_mem_upper:], mi.memUpper)
	le.PutUint32(info[asm.MBI_mmap_addr:], mbBase+0x100)
	le.PutUint32(info[asm.MBI_mmap_length:], uint32(mm.Len()))
	if mi.mmapLen >= 0 {
		le.PutUint32(info[asm.MBI_mmap_length:], uint32(mi.mmapLen))
	}
	mods := make([]byte, 0x100)
	for i, m := range mi.mods {
		le.PutUint32(mods[i*asm.MBMOD_SIZE+asm.MBMOD_mod_start:], m[0])
		le.PutUint32(mods[i*asm.MBMOD_SIZE+asm.MBMOD_mod_end:], m[1])
	}
	le.PutUint32(info[asm.MBI_mods_count:], uint32(len(mi.mods)))
	le.PutUint32(info[asm.MBI_mods_addr:], mbBase+0x1000)
	if mi.modPtr != 0 {
		le.PutUint32(info[asm.MBI_mods_addr:], mi.modPtr)
	}
	le.PutUint32(info[asm.MBI_cmdline:], mbBase+0x1100)
	if mi.cmdlinePtr != 0 {
		le.PutUint32(info[asm.MBI_cmdline:], mi.cmdlinePtr)
	}
	le.PutUint32(info[asm.MBI_boot_loader_name:], mbBase+0x1900)
	mmBytes := append(mm.Bytes(), make([]byte, 0xf00-mm.Len())...)
	return []Segment{{mbBase, append(info, mmBytes...)}, {mbBase + 0x1000, mods},
		{mbBase + 0x1100, append([]byte(mi.cmdline), 0)}, {mbBase + 0x1900, append([]byte(mi.loader), 0)}}
}

const mbAll = asm.MULTIBOOT_INFO_MEMORY | asm.MULTIBOOT_INFO_CMDLINE | asm.MULTIBOOT_INFO_MODS | asm.MULTIBOOT_INFO_MEM_MAP | asm.MULTIBOOT_INFO_BOOT_LOADER_NAME

func goodMB() mbInfo {
	return mbInfo{flags: mbAll, memUpper: 0x7f00000 >> 10, mmap: memoryMap(pcMap), mods: [][2]uint32{{0x200000, 0x2a1234}, {0x300000, 0x301000}},
		cmdline: "earlyprintk=serial selftest=all", loader: "GRUB 2.06-13+deb12u2", mmapLen: -1}
}

// TestMultibootConversion: multiboot information → boot_params, as GRUB
// hands it over.
func TestMultibootConversion(t *testing.T) {
	o := run(t, Multiboot, asm.MULTIBOOT_BOOTLOADER_MAGIC, mbBase, goodMB().segments())
	wantOK(t, o, asm.BOOT_ENTRY_MULTIBOOT)
	sameE820(t, e820Of(&o.BP), pcMap)
	if a, s := o.BP.Ramdisk(); a != 0x200000 || s != 0xa1234 {
		t.Errorf("initrd %#x+%#x, want the first module 0x200000+0xa1234", a, s)
	}
	if string(o.Cmdline) != "earlyprintk=serial selftest=all" || o.BP.Cmd_line_ptr() != uint64(symbolAt(t, "loader_cmdline")) {
		t.Errorf("command line %q at %#x", o.Cmdline, o.BP.Cmd_line_ptr())
	}
	if o.Loader != "GRUB 2.06-13+deb12u2" || o.BP.Type_of_loader() != asm.LOADER_TYPE_GRUB<<4|2 {
		t.Errorf("loader %q type_of_loader %#x", o.Loader, o.BP.Type_of_loader())
	}
	if o.BP.Alt_mem_k() != 0x7f00000>>10 {
		t.Errorf("alt_mem_k %#x", o.BP.Alt_mem_k())
	}
	if want := "startup_32: boot_params converted by multiboot from 0x00009000: 4 e820 entries, initrd 0x00200000+660020"; o.Message != want {
		t.Errorf("debug line %q, want %q", o.Message, want)
	}
}

// symbolAt is where the harness linked a boot-stage symbol: the address a
// conversion stores for its own buffers.
func symbolAt(t *testing.T, name string) uint32 {
	t.Helper()
	o, err := getHarness(t).Symbol(name)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestMultibootFromURoot: the information u-root's multiboot loader builds
// for a kexec (github.com/u-root/u-root/pkg/boot/multiboot PrepareLoad, its
// memory map from this host's /sys/firmware/memmap), converted: the map,
// the command line, the module and the loader's name arrive as u-root wrote
// them.
func TestMultibootFromURoot(t *testing.T) {
	log.SetOutput(io.Discard) // PrepareLoad logs every step
	defer log.SetOutput(os.Stderr)
	kernel := mbELF(t)
	initrd := bytes.Repeat([]byte("gokern initrd "), 1000)
	segs, err := func() (kexec.Segments, error) {
		_, s, err := multiboot.PrepareLoad(false, bytes.NewReader(kernel), "earlyprintk=serial from=u-root",
			[]multiboot.Module{{Module: bytes.NewReader(initrd), Cmdline: "initrd"}}, nil)
		return s, err
	}()
	if err != nil {
		t.Fatalf("u-root PrepareLoad: %v", err)
	}
	var mem []Segment
	info := uint32(0)
	for _, s := range segs {
		if uint64(s.Phys.Start)+uint64(s.Phys.Size) > HarnessBase || s.Phys.Start < 0x1000 {
			t.Fatalf("u-root placed a segment at %v, where the harness cannot map it", s.Phys)
		}
		buf := append([]byte(nil), s.Buf...)
		mem = append(mem, Segment{uint32(s.Phys.Start), buf})
		if i := bytes.Index(buf, []byte("u-root kexec\x00")); i > 0 && info == 0 {
			info = uint32(s.Phys.Start) // marshal writes the structure, then its strings
		}
	}
	if info == 0 {
		t.Fatal("no segment holds u-root's multiboot information")
	}
	o := run(t, Multiboot, asm.MULTIBOOT_BOOTLOADER_MAGIC, info, mem)
	wantOK(t, o, asm.BOOT_ENTRY_MULTIBOOT)
	// The map: the host's, with u-root's types (kexec range types 1-4,
	// anything else reserved), adjacent entries of one type merged, as
	// zp_e820_add does.
	host, err := kexec.MemoryMapFromSysfsMemmap()
	if err != nil {
		t.Fatal(err)
	}
	types := map[kexec.RangeType]uint32{kexec.RangeRAM: 1, kexec.RangeACPI: 3, kexec.RangeNVS: 4}
	var want []E820Entry
	for _, r := range host {
		ty, ok := types[r.Type]
		if !ok {
			ty = 2
		}
		if n := len(want); n > 0 && want[n-1].Type == ty && want[n-1].Addr+want[n-1].Size == uint64(r.Start) {
			want[n-1].Size += uint64(r.Size)
			continue
		}
		want = append(want, E820Entry{uint64(r.Start), uint64(r.Size), ty})
	}
	sameE820(t, e820Of(&o.BP), want)
	if string(o.Cmdline) != "earlyprintk=serial from=u-root" || o.Loader != "u-root kexec" || o.BP.Type_of_loader() != asm.LOADER_TYPE_UNDEFINED {
		t.Errorf("command line %q, loader %q, type_of_loader %#x", o.Cmdline, o.Loader, o.BP.Type_of_loader())
	}
	a, s := o.BP.Ramdisk()
	var found bool
	for _, m := range mem {
		if off := a - uint64(m.Addr); a >= uint64(m.Addr) && off+s <= uint64(len(m.Data)) {
			found = bytes.Equal(m.Data[off:off+s], initrd)
		}
	}
	if s != uint64(len(initrd)) || !found {
		t.Errorf("initrd %#x+%#x is not the module u-root loaded (%d bytes)", a, s, len(initrd))
	}
}

// mbELF is a minimal ELF32 kernel with a multiboot header asking for the
// memory map, the kind u-root's PrepareLoad takes (it loads ELF only).
func mbELF(t *testing.T) []byte {
	t.Helper()
	const load = 0x100000
	var b bytes.Buffer
	code := make([]byte, 0x1000)
	flags := uint32(asm.MULTIBOOT_PAGE_ALIGN | asm.MULTIBOOT_MEMORY_INFO)
	le.PutUint32(code[0:], asm.MULTIBOOT_HEADER_MAGIC)
	le.PutUint32(code[4:], flags)
	le.PutUint32(code[8:], -(asm.MULTIBOOT_HEADER_MAGIC + flags))
	hdr := make([]byte, 0x1000)
	copy(hdr, "\x7fELF\x01\x01\x01")
	le.PutUint16(hdr[16:], 2)         // ET_EXEC
	le.PutUint16(hdr[18:], 3)         // EM_386
	le.PutUint32(hdr[20:], 1)         // version
	le.PutUint32(hdr[24:], load+0x10) // entry
	le.PutUint32(hdr[28:], 52)        // phoff
	le.PutUint16(hdr[40:], 52)
	le.PutUint16(hdr[42:], 32)
	le.PutUint16(hdr[44:], 1)
	ph := hdr[52:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 0x1000)
	le.PutUint32(ph[8:], load)
	le.PutUint32(ph[12:], load)
	le.PutUint32(ph[16:], 0x1000)
	le.PutUint32(ph[20:], 0x1000)
	le.PutUint32(ph[24:], 5)
	le.PutUint32(ph[28:], 0x1000)
	// The multiboot header must be in the first 8 KiB: it is at 0x1000.
	b.Write(hdr)
	b.Write(code)
	return b.Bytes()
}

// TestMultibootBadInput: every input the conversion refuses, with the
// message the boot stage prints and its exit status.
func TestMultibootBadInput(t *testing.T) {
	cases := []struct {
		name string
		eax  uint32
		edit func(*mbInfo) []Segment
		code uint32
		msg  string
	}{
		{"wrong magic", 0x12345678, nil, 1,
			"multiboot: EAX is 0x12345678, not the multiboot magic 0x2badb002: not started by a multiboot loader"},
		{"no memory map flag", 0, func(m *mbInfo) []Segment { m.flags &^= asm.MULTIBOOT_INFO_MEM_MAP; return nil }, 4,
			fmt.Sprintf("multiboot: no memory map in the multiboot information (flags 0x%08x, mmap_length 96)", mbAll&^asm.MULTIBOOT_INFO_MEM_MAP)},
		{"empty memory map", 0, func(m *mbInfo) []Segment { m.mmapLen = 0; return nil }, 4,
			fmt.Sprintf("multiboot: no memory map in the multiboot information (flags 0x%08x, mmap_length 0)", mbAll)},
		{"memory map entry too small", 0, func(m *mbInfo) []Segment { m.mmap[2].Size = 12; return nil }, 7,
			"multiboot: memory map entry 2 is 12 bytes, fewer than 20"},
		{"command line outside RAM", 0, func(m *mbInfo) []Segment { m.cmdlinePtr = 0x9000000; return nil }, 9,
			"multiboot: the command line at 0x0000000009000000 is not in memory below 4 GiB"},
		{"command line runs off RAM", 0, func(m *mbInfo) []Segment {
			m.cmdlinePtr = 0x7fffff0
			return []Segment{{0x7fffff0, bytes.Repeat([]byte("x"), 16)}}
		}, 9, "multiboot: the command line at 0x0000000007fffff0 is not in memory below 4 GiB"},
		{"module outside RAM", 0, func(m *mbInfo) []Segment { m.mods[1] = [2]uint32{0x8000000, 0x8001000}; return nil }, 12,
			"multiboot: module 1 [mem 0x08000000-0x08000fff] is not in RAM below 4 GiB"},
		{"module in reserved memory", 0, func(m *mbInfo) []Segment { m.mods[0] = [2]uint32{0xf0000, 0xf1000}; return nil }, 12,
			"multiboot: module 0 [mem 0x000f0000-0x000f0fff] is not in RAM below 4 GiB"},
		{"module ends before it starts", 0, func(m *mbInfo) []Segment { m.mods[1] = [2]uint32{0x300000, 0x2ff000}; return nil }, 13,
			"multiboot: module 1 ends at 0x002ff000, before it starts at 0x00300000"},
		{"overlapping modules", 0, func(m *mbInfo) []Segment { m.mods[1] = [2]uint32{0x2a0000, 0x2b0000}; return nil }, 14,
			"multiboot: module 1 [mem 0x002a0000-0x002affff] overlaps module 0 [mem 0x00200000-0x002a1233]"},
		{"module list outside RAM", 0, func(m *mbInfo) []Segment { m.modPtr = 0xa0000000; return nil }, 11,
			"multiboot: the module list at 0x00000000a0000000 (2 modules) is not in memory below 4 GiB"},
		{"too many memory map entries", 0, func(m *mbInfo) []Segment {
			m.mmap = nil
			for i := 0; i < 129; i++ { // alternate types: nothing merges
				m.mmap = append(m.mmap, multiboot.MemoryMap{Size: 20, BaseAddr: uint64(i) << 20, Length: 1 << 20, Type: uint32(1 + i%2)})
			}
			return nil
		}, 8, "multiboot: the memory map has more than 128 distinct entries"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := goodMB()
			var extra []Segment
			if c.edit != nil {
				extra = c.edit(&m)
			}
			eax := c.eax
			if eax == 0 {
				eax = asm.MULTIBOOT_BOOTLOADER_MAGIC
			}
			mem := m.segments()
			if len(m.mmap) > 100 { // a long map: give it room
				var mm bytes.Buffer
				binary.Write(&mm, binary.LittleEndian, m.mmap)
				info := mem[0].Data[:0x100]
				le.PutUint32(info[asm.MBI_mmap_addr:], 0x20000)
				le.PutUint32(info[asm.MBI_mmap_length:], uint32(mm.Len()))
				mem = append([]Segment{{mbBase, info}, {0x20000, mm.Bytes()}}, mem[1:]...)
			}
			wantErr(t, run(t, Multiboot, eax, mbBase, append(mem, extra...)), c.code, c.msg)
		})
	}
}

// TestMultibootE820Merge: entries that continue one another with the same
// type become one (EFI maps come in pieces); a memory map in reserved
// memory and a command line there are accepted (firmware keeps what it
// hands over in its own memory).
func TestMultibootE820Merge(t *testing.T) {
	m := goodMB()
	m.mmap = memoryMap([]E820Entry{{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0x100000, 1}, {0x200000, 0x7e00000, 1}, {0xfffc0000, 0x40000, 2}})
	m.cmdlinePtr = 0x9fd00
	mem := append(m.segments(), Segment{0x9fd00, []byte("from reserved memory\x00")})
	o := run(t, Multiboot, asm.MULTIBOOT_BOOTLOADER_MAGIC, mbBase, mem)
	wantOK(t, o, asm.BOOT_ENTRY_MULTIBOOT)
	sameE820(t, e820Of(&o.BP), []E820Entry{{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0x7f00000, 1}, {0xfffc0000, 0x40000, 2}})
	if string(o.Cmdline) != "from reserved memory" {
		t.Errorf("command line %q", o.Cmdline)
	}
}

// ---- multiboot2 ----------------------------------------------------------

type mb2Tag struct {
	typ  uint32
	body []byte
}

func mb2Info(tags []mb2Tag, end bool) []byte {
	b := make([]byte, 8)
	for _, tg := range tags {
		h := make([]byte, 8)
		le.PutUint32(h[0:], tg.typ)
		le.PutUint32(h[4:], uint32(8+len(tg.body)))
		b = append(append(b, h...), tg.body...)
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
	}
	if end {
		b = append(b, 0, 0, 0, 0, 8, 0, 0, 0)
	}
	le.PutUint32(b[0:], uint32(len(b)))
	return b
}

func strTag(typ uint32, s string) mb2Tag { return mb2Tag{typ, append([]byte(s), 0)} }

func modTag(start, end uint32, s string) mb2Tag {
	b := make([]byte, 8)
	le.PutUint32(b[0:], start)
	le.PutUint32(b[4:], end)
	return mb2Tag{asm.MULTIBOOT_TAG_TYPE_MODULE, append(append(b, s...), 0)}
}

func mmapTag(m []E820Entry) mb2Tag {
	b := make([]byte, 8)
	le.PutUint32(b[0:], asm.MB2MMAP_ENTRY_MIN)
	for _, e := range m {
		b = le.AppendUint64(b, e.Addr)
		b = le.AppendUint64(b, e.Size)
		b = le.AppendUint32(b, e.Type)
		b = le.AppendUint32(b, 0)
	}
	return mb2Tag{asm.MULTIBOOT_TAG_TYPE_MMAP, b}
}

// efiDesc is one EFI memory descriptor: type, start, pages.
type efiDesc struct {
	typ         uint32
	start, npgs uint64
}

func efiMmapTag(descSize int, d []efiDesc) mb2Tag {
	b := make([]byte, 8)
	le.PutUint32(b[0:], uint32(descSize))
	le.PutUint32(b[4:], asm.EFI_MEMORY_DESC_V1)
	for _, e := range d {
		x := make([]byte, descSize)
		le.PutUint32(x[asm.EFI_MD_type:], e.typ)
		le.PutUint64(x[asm.EFI_MD_phys_addr:], e.start)
		le.PutUint64(x[asm.EFI_MD_num_pages:], e.npgs)
		b = append(b, x...)
	}
	return mb2Tag{asm.MULTIBOOT_TAG_TYPE_EFI_MMAP, b}
}

func goodMB2() []mb2Tag {
	return []mb2Tag{strTag(asm.MULTIBOOT_TAG_TYPE_CMDLINE, "console=ttyS0 selftest=all"), strTag(asm.MULTIBOOT_TAG_TYPE_BOOT_LOADER_NAME, "GRUB 2.06"),
		modTag(0x400000, 0x412345, "/boot/initrd"), mmapTag(pcMap)}
}

const mb2Base = 0x10000

// TestMultiboot2Conversion: tags → boot_params, under BIOS (memory-map tag)
// and UEFI (EFI memory-map and system-table tags: the EFI map wins, and
// efi_info points at it).
func TestMultiboot2Conversion(t *testing.T) {
	o := run(t, Multiboot2, asm.MULTIBOOT2_BOOTLOADER_MAGIC, mb2Base, []Segment{{mb2Base, mb2Info(goodMB2(), true)}})
	wantOK(t, o, asm.BOOT_ENTRY_MULTIBOOT2)
	sameE820(t, e820Of(&o.BP), pcMap)
	if a, s := o.BP.Ramdisk(); a != 0x400000 || s != 0x12345 {
		t.Errorf("initrd %#x+%#x", a, s)
	}
	if string(o.Cmdline) != "console=ttyS0 selftest=all" || o.Loader != "GRUB 2.06" || o.BP.Type_of_loader() != 0x72 || o.BP.Efi_loader_signature() != 0 {
		t.Errorf("command line %q loader %q type %#x efi %#x", o.Cmdline, o.Loader, o.BP.Type_of_loader(), o.BP.Efi_loader_signature())
	}

	t.Run("UEFI", func(t *testing.T) {
		systab := make([]byte, 8)
		le.PutUint64(systab, 0xf5eb018)
		efi := []efiDesc{
			{asm.EFI_BOOT_SERVICES_CODE, 0, 0x9f}, {asm.EFI_CONVENTIONAL_MEMORY, 0x9f000, 1}, // one RAM entry
			{asm.EFI_CONVENTIONAL_MEMORY, 0x100000, 0x700}, {asm.EFI_ACPI_MEMORY_NVS, 0x800000, 8},
			{asm.EFI_LOADER_DATA, 0x808000, 0x7f8}, {asm.EFI_RUNTIME_SERVICES_DATA, 0x1000000, 0x10},
			{asm.EFI_PERSISTENT_MEMORY, 0x1010000, 0x10}, {asm.EFI_MAX_MEMORY_TYPE + 3, 0x1020000, 1},
			{asm.EFI_MEMORY_MAPPED_IO, 0xffc00000, 0x400},
		}
		tags := append(goodMB2(), efiMmapTag(48, efi), mb2Tag{asm.MULTIBOOT_TAG_TYPE_EFI64, systab})
		info := mb2Info(tags, true)
		o := run(t, Multiboot2, asm.MULTIBOOT2_BOOTLOADER_MAGIC, mb2Base, []Segment{{mb2Base, info}})
		wantOK(t, o, asm.BOOT_ENTRY_MULTIBOOT2)
		sameE820(t, e820Of(&o.BP), []E820Entry{{0, 0xa0000, 1}, {0x100000, 0x700000, 1}, {0x800000, 0x8000, 4}, {0x808000, 0x7f8000, 1},
			{0x1000000, 0x10000, 2}, {0x1010000, 0x10000, 7}, {0x1020000, 0x1000, 2}, {0xffc00000, 0x400000, 2}})
		mm, size, desc := o.BP.Efi_memmap()
		if o.BP.Efi_loader_signature() != asm.EFI64_LOADER_SIGNATURE || o.BP.Efi_systab() != 0xf5eb018 || size != uint32(48*len(efi)) || desc != 48 ||
			mm < mb2Base || mm >= mb2Base+uint64(len(info)) {
			t.Errorf("efi_info: signature %#x systab %#x memmap %#x+%d desc %d", o.BP.Efi_loader_signature(), o.BP.Efi_systab(), mm, size, desc)
		}
	})
}

func TestMultiboot2BadInput(t *testing.T) {
	cases := []struct {
		name string
		eax  uint32
		info func() []byte
		code uint32
		msg  string
	}{
		{"wrong magic", asm.MULTIBOOT_BOOTLOADER_MAGIC, func() []byte { return mb2Info(goodMB2(), true) }, 2,
			"multiboot2: EAX is 0x2badb002, not the multiboot2 magic 0x36d76289: not started by a multiboot2 loader"},
		{"no memory map", 0, func() []byte { return mb2Info(goodMB2()[:3], true) }, 5,
			"multiboot2: no memory map (neither a memory-map nor an EFI memory-map tag) in the multiboot2 information"},
		{"total_size too small", 0, func() []byte { b := mb2Info(goodMB2(), true); le.PutUint32(b, 8); return b }, 16,
			"multiboot2: the multiboot2 information at 0x00010000 has total_size 8"},
		{"no end tag", 0, func() []byte { return mb2Info(goodMB2(), false) }, 17,
			fmt.Sprintf("multiboot2: the tag at 0x%08x (type 0, size 0) does not fit in the information, which ends at 0x%08x",
				mb2Base+len(mb2Info(goodMB2(), false)), mb2Base+len(mb2Info(goodMB2(), false)))},
		{"tag past the end", 0, func() []byte {
			b := mb2Info(goodMB2(), true)
			le.PutUint32(b[8+4:], 0x1000)
			return b
		}, 17, fmt.Sprintf("multiboot2: the tag at 0x00010008 (type 1, size 4096) does not fit in the information, which ends at 0x%08x",
			mb2Base+len(mb2Info(goodMB2(), true)))},
		{"overlapping modules", 0, func() []byte {
			return mb2Info(append(goodMB2(), modTag(0x410000, 0x420000, "second")), true)
		}, 14, "multiboot2: module 1 [mem 0x00410000-0x0041ffff] overlaps module 0 [mem 0x00400000-0x00412344]"},
		{"module outside RAM", 0, func() []byte {
			return mb2Info(append(goodMB2(), modTag(0x7ff0000, 0x8010000, "second")), true)
		}, 12, "multiboot2: module 1 [mem 0x07ff0000-0x0800ffff] is not in RAM below 4 GiB"},
		{"memory map entry too small", 0, func() []byte {
			tg := mmapTag(pcMap)
			le.PutUint32(tg.body, 16)
			return mb2Info(append(goodMB2()[:3], tg), true)
		}, 7, "multiboot2: memory map entry 0 is 16 bytes, fewer than 24"},
		{"EFI descriptor too small", 0, func() []byte {
			return mb2Info(append(goodMB2(), efiMmapTag(32, []efiDesc{{7, 0, 1}})), true)
		}, 7, "multiboot2: memory map entry 0 is 32 bytes, fewer than 40"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eax := c.eax
			if eax == 0 {
				eax = asm.MULTIBOOT2_BOOTLOADER_MAGIC
			}
			wantErr(t, run(t, Multiboot2, eax, mb2Base, []Segment{{mb2Base, c.info()}}), c.code, c.msg)
		})
	}
}

// ---- PVH -----------------------------------------------------------------

type hvmInfo struct {
	magic, version  uint32
	memmap          []E820Entry
	memmapPaddr     uint64
	cmdline         string
	cmdlinePaddr    uint64
	mods            [][2]uint64 // paddr, size
	modlistPaddr    uint64
	rsdp            uint64
	memmapEntriesAs int // override of memmap_entries when >= 0
}

const hvmBase = 0x6000

func goodPVH() hvmInfo {
	return hvmInfo{magic: asm.XEN_HVM_START_MAGIC_VALUE, version: 1, memmap: pcMap, memmapPaddr: hvmBase + 0x100,
		cmdline: "earlyprintk=serial selftest=all", cmdlinePaddr: hvmBase + 0x800, mods: [][2]uint64{{0x7fbf000, 0x186a0}},
		modlistPaddr: hvmBase + 0x400, rsdp: 0xf59d0, memmapEntriesAs: -1}
}

func (h hvmInfo) segments() []Segment {
	b := make([]byte, 0x1000)
	le.PutUint32(b[asm.HVM_magic:], h.magic)
	le.PutUint32(b[asm.HVM_version:], h.version)
	le.PutUint32(b[asm.HVM_nr_modules:], uint32(len(h.mods)))
	le.PutUint64(b[asm.HVM_modlist_paddr:], h.modlistPaddr)
	le.PutUint64(b[asm.HVM_cmdline_paddr:], h.cmdlinePaddr)
	le.PutUint64(b[asm.HVM_rsdp_paddr:], h.rsdp)
	le.PutUint64(b[asm.HVM_memmap_paddr:], h.memmapPaddr)
	n := len(h.memmap)
	if h.memmapEntriesAs >= 0 {
		n = h.memmapEntriesAs
	}
	le.PutUint32(b[asm.HVM_memmap_entries:], uint32(n))
	for i, e := range h.memmap {
		x := b[0x100+i*asm.HVM_MMAP_SIZE:]
		le.PutUint64(x[asm.HVM_MMAP_addr:], e.Addr)
		le.PutUint64(x[asm.HVM_MMAP_size:], e.Size)
		le.PutUint32(x[asm.HVM_MMAP_type:], e.Type)
	}
	for i, m := range h.mods {
		x := b[0x400+i*asm.HVM_MOD_SIZE:]
		le.PutUint64(x[asm.HVM_MOD_paddr:], m[0])
		le.PutUint64(x[asm.HVM_MOD_size:], m[1])
	}
	copy(b[0x800:], h.cmdline)
	return []Segment{{hvmBase, b}}
}

// TestPVHConversion: hvm_start_info (as QEMU's PVH option ROM builds it) →
// boot_params.
func TestPVHConversion(t *testing.T) {
	o := run(t, PVH, 0, hvmBase, goodPVH().segments())
	wantOK(t, o, asm.BOOT_ENTRY_PVH)
	sameE820(t, e820Of(&o.BP), pcMap)
	if a, s := o.BP.Ramdisk(); a != 0x7fbf000 || s != 0x186a0 {
		t.Errorf("initrd %#x+%#x", a, s)
	}
	if string(o.Cmdline) != "earlyprintk=serial selftest=all" || o.BP.Type_of_loader() != asm.LOADER_TYPE_XEN<<4 || o.BP.Acpi_rsdp_addr() != 0xf59d0 {
		t.Errorf("command line %q type_of_loader %#x rsdp %#x", o.Cmdline, o.BP.Type_of_loader(), o.BP.Acpi_rsdp_addr())
	}
	// No command line is no command line, not an error.
	h := goodPVH()
	h.cmdlinePaddr = 0
	if o := run(t, PVH, 0, hvmBase, h.segments()); o.Code != 0 || o.BP.Cmd_line_ptr() != 0 {
		t.Errorf("without a command line: code %d cmd_line_ptr %#x", o.Code, o.BP.Cmd_line_ptr())
	}
}

func TestPVHBadInput(t *testing.T) {
	cases := []struct {
		name string
		edit func(*hvmInfo)
		code uint32
		msg  string
	}{
		{"wrong magic", func(h *hvmInfo) { h.magic = 0x2badb002 }, 3,
			"PVH: hvm_start_info at 0x00006000 has magic 0x2badb002, not 0x336ec578: not a PVH start"},
		{"zero memory-map entries", func(h *hvmInfo) { h.memmapEntriesAs = 0 }, 6,
			"PVH: no memory map in hvm_start_info (version 1, 0 memory-map entries)"},
		{"version 0 has no memory map", func(h *hvmInfo) { h.version = 0 }, 6,
			"PVH: no memory map in hvm_start_info (version 0, 4 memory-map entries)"},
		{"memory map above 4 GiB", func(h *hvmInfo) { h.memmapPaddr = 0x100000000 }, 18,
			"PVH: the memory map at 0x0000000100000000 is above 4 GiB, out of reach of the 32-bit entry"},
		{"command line outside RAM", func(h *hvmInfo) { h.cmdlinePaddr = 0x8000000 }, 9,
			"PVH: the command line at 0x0000000008000000 is not in memory below 4 GiB"},
		{"command line above 4 GiB", func(h *hvmInfo) { h.cmdlinePaddr = 0x100006800 }, 9,
			"PVH: the command line at 0x0000000100006800 is not in memory below 4 GiB"},
		{"module outside RAM", func(h *hvmInfo) { h.mods[0][0] = 0x7ff0000 }, 12,
			"PVH: module 0 [mem 0x07ff0000-0x0800869f] is not in RAM below 4 GiB"},
		{"overlapping modules", func(h *hvmInfo) { h.mods = append(h.mods, [2]uint64{0x7fc0000, 0x1000}) }, 14,
			"PVH: module 1 [mem 0x07fc0000-0x07fc0fff] overlaps module 0 [mem 0x07fbf000-0x07fd769f]"},
		{"module list above 4 GiB", func(h *hvmInfo) { h.modlistPaddr = 0x200000000 }, 11,
			"PVH: the module list at 0x0000000200000000 (1 modules) is not in memory below 4 GiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := goodPVH()
			c.edit(&h)
			wantErr(t, run(t, PVH, 0, hvmBase, h.segments()), c.code, c.msg)
		})
	}
}
