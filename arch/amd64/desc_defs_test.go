package amd64

import (
	"encoding/binary"
	"math/rand"
	"testing"
)

// Host tests of the pure logic in this package (the privileged primitives
// are exercised by the boot tests).

func TestSegDescMatchesLinux(t *testing.T) {
	// Linux GDT_ENTRY_INIT(flags, 0, 0xfffff) values for the kernel's
	// flat segments (arch/x86/kernel/cpu/common.c gdt_page).
	cases := []struct {
		name string
		d    SegDesc
		want uint64
	}{
		{"KERNEL32_CS", DESC_KERNEL32_CS, 0x00cf9b000000ffff},
		{"KERNEL_CS", DESC_KERNEL_CS, 0x00af9b000000ffff},
		{"KERNEL_DS", DESC_KERNEL_DS, 0x00cf93000000ffff},
	}
	for _, c := range cases {
		if uint64(c.d) != c.want {
			t.Errorf("%s = %#016x, want %#016x", c.name, uint64(c.d), c.want)
		}
		if c.d.Base() != 0 || c.d.Limit() != 0xfffff || !c.d.Present() || c.d.DPL() != 0 {
			t.Errorf("%s decodes to base %#x limit %#x", c.name, c.d.Base(), c.d.Limit())
		}
	}
	if !DESC_KERNEL_CS.Long() || DESC_KERNEL32_CS.Long() {
		t.Error("L bit wrong")
	}
}

func TestGateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 1000; i++ {
		h := uintptr(r.Uint64())
		sel := uint16(r.Intn(1 << 16))
		ist, typ, dpl := r.Intn(8), GATE_INTERRUPT+r.Intn(2), r.Intn(4)
		g := Mk_gate(h, sel, ist, typ, dpl)
		if g.Offset() != uint64(h) || g.Selector() != sel || g.IST() != ist || g.Type() != typ || g.DPL() != dpl || !g.Present() {
			t.Fatalf("Mk_gate(%#x,%#x,%d,%#x,%d) decodes to %#x %#x %d %#x %d", h, sel, ist, typ, dpl,
				g.Offset(), g.Selector(), g.IST(), g.Type(), g.DPL())
		}
		if g[1]>>32 != 0 {
			t.Fatal("reserved upper half of the second quadword is not zero")
		}
	}
	// A known encoding (SDM Vol. 3A Figure 6-8): handler 0xffffffff81001234,
	// selector 0x10, IST 1, interrupt gate, DPL 0.
	g := Mk_gate(0xffffffff81001234, 0x10, 1, GATE_INTERRUPT, 0)
	if g[0] != 0x81008e0100101234 || g[1] != 0xffffffff {
		t.Fatalf("gate = %#016x %#016x", g[1], g[0])
	}
}

func TestTssDescAndTss(t *testing.T) {
	d := Mk_tss_desc(0xffffffff81234560, TSS_SIZE-1)
	if d.Base() != 0xffffffff81234560 {
		t.Fatalf("TSS base %#x", d.Base())
	}
	seg := SegDesc(d[0])
	if seg.Limit() != TSS_SIZE-1 || !seg.Present() || (d[0]>>40)&0xf != DESC_TSS {
		t.Fatalf("TSS descriptor %#x", d[0])
	}
	var tss Tss
	tss.Set_ist(1, 0x1122334455667788)
	tss.Set_ist(7, 0xffffffff81000000)
	tss.Set_io_bitmap_base(TSS_SIZE)
	if binary.LittleEndian.Uint64(tss[36:]) != 0x1122334455667788 || tss.Ist(7) != 0xffffffff81000000 ||
		binary.LittleEndian.Uint16(tss[102:]) != TSS_SIZE {
		t.Fatalf("TSS bytes % x", tss[:])
	}
}

func TestDescPtr(t *testing.T) {
	var d DescPtr
	d.Set(0xffffffff81abcdef, 0x0fff)
	if d.Base() != 0xffffffff81abcdef || d.Limit() != 0x0fff || d[0] != 0xff || d[1] != 0x0f || d[2] != 0xef {
		t.Fatalf("DescPtr % x", d[:])
	}
}

func TestBootParamsAccessors(t *testing.T) {
	var bp BootParams
	le := binary.LittleEndian
	le.PutUint32(bp[BP_header:], 0x53726448)
	le.PutUint16(bp[BP_version:], 0x020f)
	le.PutUint32(bp[BP_cmd_line_ptr:], 0x20000)
	le.PutUint32(bp[BP_ext_cmd_line_ptr:], 1)
	bp[BP_e820_entries] = 2
	off := BP_e820_table + E820_ENTRY_SIZE // entry 1 of the packed 20-byte array
	le.PutUint64(bp[off:], 0x100000)
	le.PutUint64(bp[off+8:], 0x7ee0000)
	le.PutUint32(bp[off+16:], 1)
	le.PutUint32(bp[BP_alt_mem_k:], 129920)
	le.PutUint16(bp[BP_ext_mem_k:], 64512)
	if !bp.HdrS() || bp.Version() != 0x020f || bp.Cmd_line_ptr() != 0x100020000 || bp.E820_entries() != 2 {
		t.Fatal("header accessors")
	}
	if a, s, ty := bp.E820_entry(1); a != 0x100000 || s != 0x7ee0000 || ty != 1 {
		t.Fatalf("E820_entry(1) = %#x %#x %d", a, s, ty)
	}
	if bp.Alt_mem_k() != 129920 || bp.Ext_mem_k() != 64512 {
		t.Fatal("E801/88h accessors")
	}
}

func TestParseEarlyprintk(t *testing.T) {
	cases := []struct {
		in   string
		port uint16
		baud uint32
	}{
		{"serial", COM1, 115200}, {"serial,ttyS1", COM2, 115200}, {"ttyS1", COM2, 115200},
		{"serial,0x2e8,9600", 0x2e8, 9600}, {"serial,ttyS0,38400", COM1, 38400},
		{"vga", COM1, 115200}, {"serial,0xzz", COM1, 115200}, {"serial,ttyS1,banana", COM2, 115200},
		{"serial,,", COM1, 115200}, {"serial,0x3f8,999999999", COM1, 115200},
	}
	for _, c := range cases {
		p, b := parse_earlyprintk([]byte(c.in), COM1, 115200)
		if p != c.port || b != c.baud {
			t.Errorf("parse_earlyprintk(%q) = %#x,%d want %#x,%d", c.in, p, b, c.port, c.baud)
		}
	}
}

func TestCyclesToNs(t *testing.T) {
	cases := []struct{ cycles, khz, ns uint64 }{
		{3000000, 3000000, 1000000}, {0, 2500000, 0}, {2500000000, 2500000, 1000000000},
		{1 << 62, 1000000, 1 << 62}, // 1 GHz: a cycle is a nanosecond; no overflow in the product
		{1 << 62, 4000000, 1 << 60},
	}
	for _, c := range cases {
		if got := Cycles_to_ns(c.cycles, c.khz); got != c.ns {
			t.Errorf("Cycles_to_ns(%d, %d) = %d, want %d", c.cycles, c.khz, got, c.ns)
		}
	}
}

func FuzzParseEarlyprintk(f *testing.F) {
	f.Add("serial,0x3f8,115200")
	f.Fuzz(func(t *testing.T, s string) {
		_, b := parse_earlyprintk([]byte(s), COM1, 115200)
		if b == 0 || b > UART_BASE_BAUD {
			t.Fatalf("baud %d", b)
		}
	})
}
