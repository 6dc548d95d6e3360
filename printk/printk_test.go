package printk

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func sprint(format string, args ...Arg) string {
	var b [256]byte
	n := Vsnprintf(b[:], format, args...)
	return string(b[:n])
}

func TestVsnprintfMatchesFmt(t *testing.T) {
	ints := []int64{0, 1, -1, 7, 42, -42, 255, 4096, math.MaxInt64, math.MinInt64 + 1, 0x9fbff}
	formats := []string{"%d", "%5d", "%-5d|", "%05d", "%+d", "% d", "%x", "%#x", "%#018x", "%08X", "%.3d", "%u"}
	for _, v := range ints {
		for _, f := range formats {
			want := fmt.Sprintf(strings.ReplaceAll(f, "%u", "%d"), v)
			if f == "%u" || strings.ContainsAny(f, "xX") {
				want = fmt.Sprintf(strings.ReplaceAll(f, "%u", "%d"), uint64(v))
				if f == "%u" {
					want = fmt.Sprint(uint64(v))
				}
			}
			if f == "%#018x" {
				// C (and Linux) count "0x" in the width; Go's fmt does not.
				want = fmt.Sprintf("%#016x", uint64(v))
			}
			if got := sprint(f, Int(v)); got != want {
				t.Errorf("Vsnprintf(%q, %d) = %q, want %q", f, v, got, want)
			}
		}
	}
}

func TestVsnprintfLinuxFormats(t *testing.T) {
	cases := []struct {
		f    string
		args []Arg
		want string
	}{
		{"BIOS-e820: [mem %#018llx-%#018llx] %s", []Arg{Int(uint64(0)), Int(uint64(0x9fbff)), Str("usable")},
			"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"},
		{"[%5lu.%06lu] ", []Arg{Int(uint64(3)), Int(uint64(12345))}, "[    3.012345] "},
		{"%s|%-6s|%6s|%.2s", []Arg{Str("a"), Str("bc"), Str("de"), Str("xyz")}, "a|bc    |    de|xy"},
		{"%c%c", []Arg{Int('o'), Int('k')}, "ok"},
		{"%p", []Arg{Int(uintptr(0xffffffff81000000))}, "0xffffffff81000000"},
		{"100%%", nil, "100%"},
		{"%d %d", []Arg{Int(1)}, "1 %!d"},
		{"%s", []Arg{Int(1)}, "%!s(BADTYPE)"},
		{"%d", []Arg{Int(uint8(200))}, "200"},
		{"%d", []Arg{Int(int8(-3))}, "-3"},
		{"%s", []Arg{Bytes([]byte("bytes"))}, "bytes"},
	}
	for _, c := range cases {
		if got := sprint(c.f, c.args...); got != c.want {
			t.Errorf("Vsnprintf(%q) = %q, want %q", c.f, got, c.want)
		}
	}
}

func TestVsnprintfTruncates(t *testing.T) {
	var b [5]byte
	if n := Vsnprintf(b[:], "%s", Str("hello world")); n != 5 || string(b[:]) != "hello" {
		t.Fatalf("got %d %q", n, b[:n])
	}
}

// TestVsnprintfHugeWidth: a width far beyond the buffer fills the buffer
// and returns (it used to pad byte by byte for the whole width: the fuzzer
// found "%10000000000000u" spinning for hours).
func TestVsnprintfHugeWidth(t *testing.T) {
	cases := []struct {
		f    string
		arg  Arg
		want string
	}{
		{"%10000000000000u", Int(7), "        "},
		{"%010000000000000x", Int(7), "00000000"},
		{"%10000000000000c", Int('7'), "        "},
		{"%-10000000000000d", Int(7), "7       "},
		{"%-10000000000000s", Str("7"), "7       "},
		{"%-10000000000000c", Int('7'), "7       "},
	}
	for _, c := range cases {
		var b [8]byte
		if n := Vsnprintf(b[:], c.f, c.arg); string(b[:n]) != c.want {
			t.Errorf("Vsnprintf(%q) = %q, want %q", c.f, b[:n], c.want)
		}
	}
}

type capture struct{ out strings.Builder }

func withConsole(t *testing.T) *capture {
	c := &capture{}
	con := &Console{Name: "test", Write: func(b []byte) { c.out.Write(b) }}
	Register_console(con)
	t.Cleanup(func() { Unregister_console(con); Clock = nil; Console_loglevel = CONSOLE_LOGLEVEL_DEFAULT })
	return c
}

func TestLevelsTimestampsAndLogBuf(t *testing.T) {
	c := withConsole(t)
	Clock = func() uint64 { return 1_234_567_891 }
	Pr_info("hello %d\n", Int(1))
	Pr_debug("hidden-debug-line\n")
	Pr_err("bad %s", Str("thing"))
	Pr_cont(" continued\n")
	want := "[    1.234567] hello 1\n[    1.234567] bad thing continued\n"
	if got := c.out.String(); got != want {
		t.Fatalf("console got %q, want %q", got, want)
	}
	if !LogContains("<7>[    1.234567] hidden-debug-line\n") {
		t.Fatal("debug message missing from __log_buf")
	}
	if !LogContains("<3>[    1.234567] bad thing continued\n") {
		t.Fatal("continued line not stored as one record")
	}
	Console_loglevel = CONSOLE_LOGLEVEL_DEBUG
	Pr_debug("now-visible\n")
	if !strings.Contains(c.out.String(), "now-visible") {
		t.Fatal("debug loglevel did not print KERN_DEBUG")
	}
	Console_loglevel = CONSOLE_LOGLEVEL_QUIET
	Pr_warn("quiet-hides-warnings\n")
	if strings.Contains(c.out.String(), "quiet-hides") {
		t.Fatal("quiet printed a warning")
	}
}

func TestLogBufWraps(t *testing.T) {
	line := strings.Repeat("x", 100) + "\n"
	for i := 0; i < 2*LOG_BUF_LEN/len(line); i++ {
		Pr_info("%s", Str(line))
	}
	Pr_info("last-line\n")
	var b [LOG_BUF_LEN]byte
	n := LogRead(b[:])
	if n != LOG_BUF_LEN || !strings.HasSuffix(string(b[:n]), "last-line\n") {
		t.Fatalf("Log_read returned %d bytes ending %q", n, b[n-20:n])
	}
}

// TestPrintkDoesNotAllocate: formatting, stamping and logging a line
// allocate nothing. No console is registered: a test console's
// strings.Builder would allocate.
func TestPrintkDoesNotAllocate(t *testing.T) {
	saved := consoles
	consoles = nil
	defer func() { consoles = saved }()
	if a := testing.AllocsPerRun(100, func() {
		Pr_info("BIOS-e820: [mem %#018llx-%#018llx] %s\n", Int(uint64(1)), Int(uint64(2)), Str("usable"))
	}); a != 0 {
		t.Fatalf("printk allocated %v times per call", a)
	}
}

// FuzzVsnprintf: whatever the format, Vsnprintf stays inside its buffer,
// and a short buffer gets the start of what a long one gets.
func FuzzVsnprintf(f *testing.F) {
	f.Add("%#018llx %s %-5d %c", uint64(42), "str")
	f.Add("%d|%-70s|%100d", uint64(7), "padded past the end of the short buffer")
	f.Fuzz(func(t *testing.T, format string, u uint64, s string) {
		var short [64]byte
		var long [4096]byte
		n := Vsnprintf(short[:], format, Int(u), Str(s), Int(int32(u)))
		m := Vsnprintf(long[:], format, Int(u), Str(s), Int(int32(u)))
		if n < 0 || n > len(short) || m < n || string(short[:n]) != string(long[:n]) {
			t.Fatalf("%q: %d bytes %q, with a long buffer %d bytes %q", format, n, short[:n], m, long[:m])
		}
		if n < len(short) && n != m {
			t.Fatalf("%q: %d bytes in a %d-byte buffer, but %d in a long one", format, n, len(short), m)
		}
	})
}

func BenchmarkPrintkE820Line(b *testing.B) {
	saved := consoles
	consoles = nil
	defer func() { consoles = saved }()
	for i := 0; i < b.N; i++ {
		Pr_info("BIOS-e820: [mem %#018llx-%#018llx] %s\n", Int(uint64(i)), Int(uint64(i+4096)), Str("usable"))
	}
}

func TestFormatDecode(t *testing.T) {
	cases := []struct {
		fmt  string
		read int
		want printf_spec
	}{
		{"BIOS-e820: %s", 11, printf_spec{typ: FORMAT_TYPE_NONE}},
		{"%#018llx-", 8, printf_spec{typ: FORMAT_TYPE_UINT, flags: SPECIAL | ZEROPAD | SMALL, base: 16, field_width: 18, precision: -1, conv: 'x'}},
		{"%-5d|", 4, printf_spec{typ: FORMAT_TYPE_INT, flags: LEFT | SIGN, base: 10, field_width: 5, precision: -1, conv: 'd'}},
		{"%+ .3X", 6, printf_spec{typ: FORMAT_TYPE_UINT, flags: PLUS | SPACE, base: 16, field_width: -1, precision: 3, conv: 'X'}},
		{"%.s", 3, printf_spec{typ: FORMAT_TYPE_STR, base: 10, field_width: -1, precision: 0, conv: 's'}},
		{"%5%", 3, printf_spec{typ: FORMAT_TYPE_PERCENT_CHAR, base: 10, field_width: 5, precision: -1, conv: '%'}},
		{"%", 1, printf_spec{typ: FORMAT_TYPE_PERCENT_CHAR, base: 10, field_width: -1, precision: -1, conv: '%'}},
		{"%-5l", 4, printf_spec{typ: FORMAT_TYPE_INVALID, flags: LEFT, base: 10, field_width: 5, precision: -1}},
		{"%q", 2, printf_spec{typ: formatTypeUnknown, base: 10, field_width: -1, precision: -1, conv: 'q'}},
	}
	for _, c := range cases {
		var spec printf_spec
		if read := format_decode(c.fmt, &spec); read != c.read || spec != c.want {
			t.Errorf("format_decode(%q) = %d, %+v; want %d, %+v", c.fmt, read, spec, c.read, c.want)
		}
	}
}

// Escaped: control bytes and bytes from 0x7f up print as \xNN, the rest
// as is; the width counts what is printed.
func TestEscaped(t *testing.T) {
	var b [64]byte
	n := Snprintf(b[:], "[%s] [%12s]", Escaped([]byte("a\x1b[2Jb\x7f\xff")), Escaped([]byte("x\ty")))
	if got, want := string(b[:n]), `[a\x1b[2Jb\x7f\xff] [      x\x09y]`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
