package boottest

import (
	"debug/elf"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"

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
