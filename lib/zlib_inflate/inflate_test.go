package zlib_inflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"

	"gokern/lib/crc32"
	"math/rand"
	"testing"
)

// inputs returns test data of many kinds: empty, tiny, text-like, random
// (incompressible: stored blocks), long runs (overlapping copies), and
// sizes around the window.
func inputs(r *rand.Rand) [][]byte {
	var out [][]byte
	out = append(out, nil, []byte{0}, []byte("a"), bytes.Repeat([]byte{0}, 100000))
	words := []string{"the ", "kernel ", "inode ", "dentry ", "page ", "\n", "gokern ", "0123456789"}
	for _, n := range []int{10, 1000, WSIZE - 1, WSIZE, WSIZE + 1, 3*WSIZE + 17, 1 << 20} {
		var b bytes.Buffer
		for b.Len() < n {
			b.WriteString(words[r.Intn(len(words))])
		}
		out = append(out, b.Bytes()[:n])
		rnd := make([]byte, n)
		r.Read(rnd)
		out = append(out, rnd)
		// Runs of random length and byte: distances 1 and short.
		run := make([]byte, 0, n)
		for len(run) < n {
			c := byte(r.Intn(4))
			for k := r.Intn(600); k > 0 && len(run) < n; k-- {
				run = append(run, c)
			}
		}
		out = append(out, run)
	}
	return out
}

// inflateAll runs Zlib_inflate over in with flush collecting the output;
// chunk checks that no piece is larger than the window.
func inflateAll(t testing.TB, s *InflateState, in []byte, gz bool) ([]byte, int, string) {
	var out []byte
	flush := func(p []byte) bool {
		if len(p) == 0 || len(p) > WSIZE {
			t.Fatalf("flush of %d bytes", len(p))
		}
		out = append(out, p...)
		return true
	}
	var n int
	var err string
	if gz {
		n, err = s.Gunzip(in, flush)
	} else {
		n, err = s.Zlib_inflate(in, flush)
	}
	return out, n, err
}

func deflate(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func gzipped(t testing.TB, data []byte, level int, hdr gzip.Header) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Header = hdr
	w.Write(data)
	w.Close()
	return b.Bytes()
}

var levels = []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression, flate.HuffmanOnly}

// TestInflateMatchesFlate: every input at every level decompresses to
// itself, using exactly the stream's bytes.
func TestInflateMatchesFlate(t *testing.T) {
	s := new(InflateState)
	r := rand.New(rand.NewSource(1))
	for i, data := range inputs(r) {
		for _, level := range levels {
			z := deflate(t, data, level)
			// Trailing bytes after the stream must not be taken.
			out, n, err := inflateAll(t, s, append(z, 0xde, 0xad), false)
			if err != "" || !bytes.Equal(out, data) || n != len(z) {
				t.Fatalf("input %d (%d bytes) level %d: err %q, %d bytes out, took %d of %d", i, len(data), level, err, len(out), n, len(z))
			}
		}
	}
}

// TestGunzipMatchesGzip: gzip members with every optional header field,
// and concatenated members taken one at a time.
func TestGunzipMatchesGzip(t *testing.T) {
	s := new(InflateState)
	r := rand.New(rand.NewSource(2))
	hdrs := []gzip.Header{{}, {Name: "initramfs.cpio"}, {Comment: "a comment", Name: "x"}, {Extra: []byte("extra field")}}
	for i, data := range inputs(r) {
		for j, level := range levels {
			z := gzipped(t, data, level, hdrs[(i+j)%len(hdrs)])
			out, n, err := inflateAll(t, s, z, true)
			if err != "" || !bytes.Equal(out, data) || n != len(z) {
				t.Fatalf("input %d level %d: err %q, %d bytes out, took %d of %d", i, level, err, len(out), n, len(z))
			}
		}
	}
	// Two members back to back: the first reports its own length.
	a, b := gzipped(t, []byte("first member"), 9, gzip.Header{}), gzipped(t, []byte("second"), 1, gzip.Header{Name: "b"})
	cat := append(append([]byte{}, a...), b...)
	out, n, err := inflateAll(t, s, cat, true)
	if err != "" || string(out) != "first member" || n != len(a) {
		t.Fatalf("first member: %q %q %d", err, out, n)
	}
	out, n, err = inflateAll(t, s, cat[n:], true)
	if err != "" || string(out) != "second" || n != len(b) {
		t.Fatalf("second member: %q %q %d", err, out, n)
	}
}

// TestGunzipHeaderCrc: FHCRC (Go's writer never sets it): a good header
// CRC is accepted, a bad one reported.
func TestGunzipHeaderCrc(t *testing.T) {
	s := new(InflateState)
	z := gzipped(t, []byte("hello, header crc"), 6, gzip.Header{Name: "n"})
	// Rebuild: header with FHCRC, then the rest.
	hlen, _ := gzipHeader(z)
	h := append([]byte{}, z[:hlen]...)
	h[3] |= FHCRC
	c := crc32.Crc32_le(0, h)
	good := append(append(h, byte(c), byte(c>>8)), z[hlen:]...)
	if out, _, err := inflateAll(t, s, good, true); err != "" || string(out) != "hello, header crc" {
		t.Fatalf("FHCRC: %q %q", err, out)
	}
	bad := append([]byte{}, good...)
	bad[hlen] ^= 1
	if _, _, err := inflateAll(t, s, bad, true); err != errGzipHeaderCrc {
		t.Fatalf("bad FHCRC: %q", err)
	}
}

// TestGunzipBad: each damage is reported with zlib's message, never
// taken as success.
func TestGunzipBad(t *testing.T) {
	s := new(InflateState)
	data := bytes.Repeat([]byte("gokern initramfs "), 5000)
	z := gzipped(t, data, 9, gzip.Header{})
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, z...)) }
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"magic", mod(func(b []byte) []byte { b[1] = 0x8c; return b }), errGzipMagic},
		{"method", mod(func(b []byte) []byte { b[2] = 7; return b }), errGzipMethod},
		{"flags", mod(func(b []byte) []byte { b[3] |= 0x80; return b }), errGzipFlags},
		{"crc", mod(func(b []byte) []byte { b[len(b)-8] ^= 1; return b }), errGzipCrc},
		{"length", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), errGzipLength},
		{"no trailer", z[:len(z)-8], errTruncated},
		{"half trailer", z[:len(z)-3], errTruncated},
		{"header only", z[:10], errTruncated},
		{"short header", z[:9], errGzipMagic},
		{"block type 3", mod(func(b []byte) []byte { b[10] |= 6; return b }), errBlockType},
	}
	for _, c := range cases {
		if _, _, err := inflateAll(t, s, c.in, true); err != c.want {
			t.Errorf("%s: %q, want %q", c.name, err, c.want)
		}
	}
	// Every truncation of the stream is an error.
	for n := 0; n < len(z); n++ {
		if _, _, err := inflateAll(t, s, z[:n], true); err == "" {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(z))
		}
	}
}

// TestInflateHandmade: streams built bit by bit for the cases a
// compressor never writes.
func TestInflateHandmade(t *testing.T) {
	s := new(InflateState)
	cases := []struct {
		name string
		in   []byte
		want string
		out  string
	}{
		// Fixed block: 'a' (0x30+0x61 = 8 bits), then end of block.
		{"stored", []byte{1, 3, 0, 0xfc, 0xff, 'a', 'b', 'c'}, "", "abc"},
		{"stored nlen", []byte{1, 3, 0, 0xfc, 0xfe, 'a', 'b', 'c'}, errStored, ""},
		{"stored short", []byte{1, 3, 0, 0xfc, 0xff, 'a', 'b'}, errTruncated, ""},
		{"empty", nil, errTruncated, ""},
		// A fixed block whose first code is a length: nothing to copy from.
		{"too far", []byte{0x03, 0x02, 0x00}, errTooFar, ""},
		// Dynamic block declaring 30 literal codes beyond 286: HLIT=30.
		{"too many", []byte{0x05 | 30<<3, 0x00, 0x00}, errTooMany, ""},
	}
	for _, c := range cases {
		out, _, err := inflateAll(t, s, c.in, false)
		if err != c.want || string(out) != c.out {
			t.Errorf("%s: %q %q, want %q %q", c.name, err, out, c.want, c.out)
		}
	}
}

// TestFlushRefused: a flush that refuses stops the stream.
func TestFlushRefused(t *testing.T) {
	s := new(InflateState)
	z := deflate(t, bytes.Repeat([]byte("x"), 3*WSIZE), 9)
	calls := 0
	_, err := s.Zlib_inflate(z, func([]byte) bool { calls++; return false })
	if err != errFlush || calls != 1 {
		t.Fatalf("err %q after %d flushes", err, calls)
	}
}

// goInflate is Go's answer for a raw stream: the output and whether it
// ended cleanly. (Inputs are at most 64 KiB, so outputs at most about
// 17 MB: deflate expands at most 258 bytes per 13 bits.)
func goInflate(in []byte) ([]byte, bool) {
	out, err := io.ReadAll(flate.NewReader(bytes.NewReader(in)))
	return out, err == nil
}

// FuzzInflate: arbitrary bytes as a raw deflate stream. Never a panic or a
// hang; where Go's decoder accepts, so does this one, with the same
// output; where this one accepts, Go's agrees. The one difference allowed
// is zlib's: an incomplete code-length code, which Go accepts as one
// 1-bit code and zlib (and Linux) refuse.
func FuzzInflate(f *testing.F) {
	r := rand.New(rand.NewSource(3))
	for _, d := range inputs(r) {
		if len(d) > 5000 {
			continue
		}
		for _, level := range levels {
			f.Add(deflate(f, d, level))
		}
	}
	s := new(InflateState)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<16 {
			return
		}
		out, _, err := inflateAll(t, s, in, false)
		gout, gok := goInflate(in)
		if err == "" && (!gok || !bytes.Equal(out, gout)) {
			t.Fatalf("gokern accepts (%d bytes), Go: ok %v (%d bytes)", len(out), gok, len(gout))
		}
		if gok && err != "" && err != errCodeLengths {
			t.Fatalf("Go accepts (%d bytes), gokern: %q", len(gout), err)
		}
		if err == errCodeLengths && gok && !bytes.Equal(out, gout[:min(len(out), len(gout))]) {
			t.Fatalf("output before the error differs")
		}
	})
}

// FuzzGunzipRoundTrip: whatever Go's gzip writes, Gunzip restores.
func FuzzGunzipRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), 6)
	f.Add(bytes.Repeat([]byte("ab"), 40000), 1)
	s := new(InflateState)
	f.Fuzz(func(t *testing.T, data []byte, level int) {
		level = (level%11+11)%11 - 2 // -2 .. 9
		z := gzipped(t, data, level, gzip.Header{})
		out, n, err := inflateAll(t, s, z, true)
		if err != "" || !bytes.Equal(out, data) || n != len(z) {
			t.Fatalf("level %d, %d bytes: %q, %d out, took %d of %d", level, len(data), err, len(out), n, len(z))
		}
	})
}

// BenchmarkGunzip: host throughput on text-like data compressed at the
// default level; b.SetBytes counts the output.
func BenchmarkGunzip(b *testing.B) {
	r := rand.New(rand.NewSource(4))
	data := inputs(r)[len(inputs(r))-3]
	z := gzipped(b, data, flate.DefaultCompression, gzip.Header{})
	s := new(InflateState)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := s.Gunzip(z, func([]byte) bool { return true }); err != "" {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoGzip: Go's compress/gzip on the same data, for comparison.
func BenchmarkGoGzip(b *testing.B) {
	r := rand.New(rand.NewSource(4))
	data := inputs(r)[len(inputs(r))-3]
	z := gzipped(b, data, flate.DefaultCompression, gzip.Header{})
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		zr, _ := gzip.NewReader(bytes.NewReader(z))
		io.Copy(io.Discard, zr)
	}
}
