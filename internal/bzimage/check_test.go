package bzimage_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokern/internal/bzimage"
)

// withoutCheck undoes what the builder adds to the linked payload: it
// returns payload[:c.Size] with the image_check record zeroed again.
func withoutCheck(payload []byte, c bzimage.ImageCheck) []byte {
	if int(c.Size) > len(payload) || c.Offset+8 > c.Size {
		return payload
	}
	p := bytes.Clone(payload[:c.Size])
	copy(p[c.Offset:c.Offset+8], make([]byte, 8))
	return p
}

// TestImageCheck: the payload carries its own length and XXH32 in the
// image_check record, the hash covers every payload byte but the record's
// 8, and the file ends with a copy of the hash (as Linux's tools/build.c
// ends a bzImage with its CRC32).
func TestImageCheck(t *testing.T) {
	m := image(t)
	off := sym(t, m.paySyms, "image_check")
	c := m.Image.Check
	if uint64(c.Offset) != off || off%16 != 0 {
		t.Fatalf("Image.Check.Offset %#x, image_check symbol %#x (must be 16-aligned: the stripes before it end there)", c.Offset, off)
	}
	size, hash := u32(m.payload, int(off)), u32(m.payload, int(off)+4)
	if size != uint64(c.Size) || hash != uint64(c.XXH32) {
		t.Errorf("record in the image: size %d hash %#x; Image.Check %d %#x", size, hash, c.Size, c.XXH32)
	}
	if size+4 != uint64(len(m.payload)) {
		t.Errorf("record size %d: the payload has %d bytes, want size + the 4-byte hash", size, len(m.payload))
	}
	// One hash over the bytes with the record cut out.
	cut := append(bytes.Clone(m.payload[:off]), m.payload[off+8:size]...)
	if want := uint64(bzimage.Xxh32(cut, 0)); hash != want {
		t.Errorf("record hash %#x, XXH32 of the payload without the record %#x", hash, want)
	}
	if end := u32(m.payload, int(size)); end != hash {
		t.Errorf("the image ends with %#x, want the hash %#x", end, hash)
	}
	// The stage writes its bss before it reads the hash at the end.
	if bss := sym(t, m.paySyms, "_bss"); size+4 > bss {
		t.Errorf("the hash at %#x..%#x lies in the bss at %#x", size, size+4, bss)
	}
	// The boot stage's own code and data come before the piggy, so that an
	// image cut short still has the code that says so.
	if in := sym(t, m.paySyms, "input_data"); off > in || sym(t, m.paySyms, "kernel_info") > in {
		t.Errorf("image_check %#x or kernel_info lies after the piggy at %#x", off, in)
	}
	// Any changed byte changes the hash: the first, one in the piggy, the
	// last covered.
	for _, at := range []uint64{0, sym(t, m.paySyms, "input_data") + 100, size - 1} {
		p := bytes.Clone(m.payload)
		p[at] ^= 0x20
		if got := bzimage.PayloadXXH32(p, c.Offset, c.Size); uint64(got) == hash {
			t.Errorf("a flipped byte at %#x leaves the hash at %#x", at, got)
		}
	}
	// The setup's copy (boot/pm.S check_payload) says the same.
	pc := int(sym(t, m.setupSyms, "payload_check"))
	if u32(m.bz, pc) != size || u32(m.bz, pc+4) != hash {
		t.Errorf("setup's payload_check %d %#x, the payload's image_check %d %#x", u32(m.bz, pc), u32(m.bz, pc+4), size, hash)
	}
	t.Logf("payload %d bytes + 4 (XXH32 %#08x); record at %#x", size, hash, off)
}

// TestImageCheckRefused: the builder refuses a payload whose record is not
// its empty hole, or whose appended hash would lie in the bss.
func TestImageCheckRefused(t *testing.T) {
	m := image(t)
	payBin, err := os.ReadFile(m.payBin)
	if err != nil {
		t.Fatal(err)
	}
	off := sym(t, m.paySyms, "image_check")
	for _, c := range []struct {
		name, want string
		edit       func([]byte) []byte
	}{
		{"record not empty", "not an empty 8-byte record", func(p []byte) []byte { p[off+5] = 1; return p }},
		{"hash in the bss", "would lie in the bss", func(p []byte) []byte { return append(p, make([]byte, 64)...) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "payload.bin")
			if err := os.WriteFile(path, c.edit(bytes.Clone(payBin)), 0o644); err != nil {
				t.Fatal(err)
			}
			in := buildInputs(m)
			in.PayloadBin = path
			if _, err := bzimage.Build(in); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Build: %v, want an error saying %q", err, c.want)
			}
		})
	}
}

// TestSetupSectsLinked: start_of_setup compares the header's setup_sects
// with setup_sects_linked, which setup.ld computes; the builder must
// arrive at the same number, or every boot would stop there.
func TestSetupSectsLinked(t *testing.T) {
	m := image(t)
	if got, want := sym(t, m.setupSyms, "setup_sects_linked"), u8(m.bz, hdrSetupSects); got != want {
		t.Errorf("setup.ld's setup_sects_linked %d, the image's setup_sects %d", got, want)
	}
}

// TestXxh32: Xxh32 gives the reference implementation's values (xxHash's
// own test vectors, seed 0: the empty input, inputs shorter than a stripe,
// and one of several stripes with a tail of words and bytes), and the
// payload check of the image is Xxh32 over the bytes with the record cut
// out, at every split the boot stage may meet.
func TestXxh32(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint32
	}{
		{"", 0x02cc5d05},
		{"a", 0x550d7456},
		{"abc", 0x32d153ff},
		{"Nobody inspects the spammish repetition", 0xe2293b2f},
	} {
		if got := bzimage.Xxh32([]byte(c.in), 0); got != c.want {
			t.Errorf("Xxh32(%q) = %#08x, want %#08x", c.in, got, c.want)
		}
	}
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	for size := uint32(40); size < uint32(len(data)); size += 7 {
		want := bzimage.Xxh32(append(bytes.Clone(data[:16]), data[24:size]...), 0)
		if got := bzimage.PayloadXXH32(data, 16, size); got != want {
			t.Fatalf("PayloadXXH32 over %d bytes: %#x, want %#x", size, got, want)
		}
	}
}
