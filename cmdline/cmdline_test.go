package cmdline

import (
	"strings"
	"testing"
)

func TestFindOptionBool(t *testing.T) {
	cmd := []byte("console=ttyS0 debug  quiet\tfoo=bar debugx")
	for opt, want := range map[string]bool{"debug": true, "quiet": true, "foo": false, "debugx": true, "deb": false, "console": false, "ttyS0": false} {
		if got := Cmdline_find_option_bool(cmd, opt); got != want {
			t.Errorf("Cmdline_find_option_bool(%q) = %v, want %v", opt, got, want)
		}
	}
}

func TestFindOption(t *testing.T) {
	cmd := []byte(`loglevel=3 mem=512M loglevel=8 name="a b" empty= x` + "\x00ignored=1")
	cases := []struct {
		opt, val string
		ok       bool
	}{
		{"loglevel", "8", true}, {"mem", "512M", true}, {"name", "a b", true},
		{"empty", "", true}, {"x", "", false}, {"ignored", "", false}, {"log", "", false},
	}
	for _, c := range cases {
		v, ok := Cmdline_find_option(cmd, c.opt)
		if ok != c.ok || string(v) != c.val {
			t.Errorf("Cmdline_find_option(%q) = %q,%v want %q,%v", c.opt, v, ok, c.val, c.ok)
		}
	}
}

func TestEach(t *testing.T) {
	var got []string
	Each([]byte(` a=1 b  "c d"=x e="f g"`), func(n, v []byte, has bool) {
		s := string(n)
		if has {
			s += "=" + string(v)
		}
		got = append(got, s)
	})
	if strings.Join(got, "|") != `a=1|b|"c d"=x|e=f g` {
		t.Fatalf("Each gave %q", got)
	}
}

func TestMemparse(t *testing.T) {
	cases := []struct {
		in   string
		v    uint64
		rest string
		err  Error
	}{
		{"512M", 512 << 20, "", OK}, {"4k@0x1000", 4096, "@0x1000", OK}, {"0x10G", 16 << 30, "", OK},
		{"17", 17, "", OK}, {"010", 8, "", OK}, {"1E", 1 << 60, "", OK}, {"16E", 0, "", ErrOverflow},
		{"G", 0, "G", ErrEmpty}, {"0x", 0, "", ErrSyntax}, {"99999999999999999999", 0, "9", ErrOverflow},
	}
	for _, c := range cases {
		v, rest, err := Memparse([]byte(c.in))
		if v != c.v || string(rest) != c.rest || err != c.err {
			t.Errorf("Memparse(%q) = %d,%q,%v want %d,%q,%v", c.in, v, rest, err, c.v, c.rest, c.err)
		}
	}
}

func TestGetInt(t *testing.T) {
	for in, want := range map[string]int64{"7": 7, "-1": -1, "0x10": 16, "+3": 3} {
		if v, err := Kstrtoll([]byte(in)); err != OK || v != want {
			t.Errorf("Kstrtoll(%q) = %d,%v", in, v, err)
		}
	}
	for _, in := range []string{"", "abc", "7x", "-", "99999999999999999999"} {
		if _, err := Kstrtoll([]byte(in)); err == OK {
			t.Errorf("Kstrtoll(%q) accepted garbage", in)
		}
	}
}

func FuzzCmdline(f *testing.F) {
	f.Add([]byte(`a=1 "b c" d="e f" mem=1G@0x100000`), "mem")
	f.Fuzz(func(t *testing.T, cmd []byte, opt string) {
		Cmdline_find_option_bool(cmd, opt)
		if v, ok := Cmdline_find_option(cmd, opt); ok && len(v) > len(cmd) {
			t.Fatal("value longer than the command line")
		}
		Each(cmd, func(n, v []byte, has bool) {
			if len(n) == 0 && !has {
				t.Fatal("empty word")
			}
		})
		Memparse(cmd)
		Kstrtoll(cmd)
	})
}

func TestKept(t *testing.T) {
	const limit = 2047
	line := func(words ...string) []byte {
		b := make([]byte, 2048+100)
		copy(b, strings.Join(words, " "))
		return b
	}
	fill := func(n int) string { return strings.Repeat("x", n) }
	for _, c := range []struct {
		name      string
		raw       []byte
		kept      string
		truncated bool
		dropped   string
	}{
		{"short", line("debug", "quiet"), "debug quiet", false, ""},
		{"trailing space", line("debug "), "debug", false, ""},
		{"exactly 2047", line(fill(2047)), fill(2047), false, ""},
		// A word ends at the limit: the next byte is a space, nothing is cut.
		{"word ends at the limit", line(fill(2040), "debug", "quiet"), fill(2040) + " debug", true, ""},
		// The limit falls inside "earlyprintk=ttyS1,115200", after
		// "earlyprintk=ttyS": dropped, not taken as ttyS0.
		{"word cut", line(fill(2030), "earlyprintk=ttyS1,115200"), fill(2030), true, "earlyprintk=ttyS"},
		{"one long word", line(fill(3000)), "", true, fill(2047)},
	} {
		n, trunc, dropped := Kept(c.raw)
		if string(c.raw[:n]) != c.kept || trunc != c.truncated || string(dropped) != c.dropped {
			t.Errorf("%s: kept %d bytes (want %d), truncated %v, dropped %q (want %q)",
				c.name, n, len(c.kept), trunc, dropped, c.dropped)
		}
	}
}

// TestStrsep: the words of a comma-separated list, empty ones included;
// a trailing comma ends the list.
func TestStrsep(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{"virtual_wire,extint", []string{"virtual_wire", "extint"}},
		{"x,,a", []string{"x", "", "a"}},
		{"a,", []string{"a"}},
		{",a", []string{"", "a"}},
		{"", nil},
	} {
		var got []string
		for s := []byte(c.in); len(s) > 0; {
			got = append(got, string(Strsep(&s, ',')))
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("Strsep over %q: %q, want %q", c.in, got, c.want)
		}
	}
}
