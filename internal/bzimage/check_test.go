package bzimage_test

import (
	"bytes"
	"hash/crc32"
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

// TestImageCheck: the payload carries its own length and CRC32 in the
// image_check record, the CRC covers every payload byte but the record's
// 8, and the file ends with a copy of the CRC (as Linux's tools/build.c
// ends a bzImage with its CRC32).
func TestImageCheck(t *testing.T) {
	m := image(t)
	off := sym(t, m.paySyms, "image_check")
	c := m.Image.Check
	if uint64(c.Offset) != off || off%4 != 0 {
		t.Fatalf("Image.Check.Offset %#x, image_check symbol %#x (must be 4-aligned)", c.Offset, off)
	}
	size, crc := u32(m.payload, int(off)), u32(m.payload, int(off)+4)
	if size != uint64(c.Size) || crc != uint64(c.CRC32) {
		t.Errorf("record in the image: size %d crc %#x; Image.Check %d %#x", size, crc, c.Size, c.CRC32)
	}
	if size+4 != uint64(len(m.payload)) {
		t.Errorf("record size %d: the payload has %d bytes, want size + the 4-byte CRC", size, len(m.payload))
	}
	// Independently of PayloadCRC32: one CRC over the bytes with the
	// record cut out.
	cut := append(bytes.Clone(m.payload[:off]), m.payload[off+8:size]...)
	if want := uint64(crc32.ChecksumIEEE(cut)); crc != want {
		t.Errorf("record crc %#x, CRC32 of the payload without the record %#x", crc, want)
	}
	if end := u32(m.payload, int(size)); end != crc {
		t.Errorf("the image ends with %#x, want the CRC %#x", end, crc)
	}
	// The stage writes its bss before it reads the CRC at the end.
	if bss := sym(t, m.paySyms, "_bss"); size+4 > bss {
		t.Errorf("the CRC at %#x..%#x lies in the bss at %#x", size, size+4, bss)
	}
	// The boot stage's own code and data come before the piggy, so that an
	// image cut short still has the code that says so.
	if in := sym(t, m.paySyms, "input_data"); off > in || sym(t, m.paySyms, "kernel_info") > in {
		t.Errorf("image_check %#x or kernel_info lies after the piggy at %#x", off, in)
	}
	// Any changed byte changes the CRC: the first, one in the piggy, the
	// last covered.
	for _, at := range []uint64{0, sym(t, m.paySyms, "input_data") + 100, size - 1} {
		p := bytes.Clone(m.payload)
		p[at] ^= 0x20
		if got := bzimage.PayloadCRC32(p, c.Offset, c.Size); uint64(got) == crc {
			t.Errorf("a flipped byte at %#x leaves the CRC at %#x", at, got)
		}
	}
	// The setup's copy (boot/pm.S check_payload) says the same.
	pc := int(sym(t, m.setupSyms, "payload_check"))
	if u32(m.bz, pc) != size || u32(m.bz, pc+4) != crc {
		t.Errorf("setup's payload_check %d %#x, the payload's image_check %d %#x", u32(m.bz, pc), u32(m.bz, pc+4), size, crc)
	}
	t.Logf("payload %d bytes + 4 (CRC32 %#08x); record at %#x", size, crc, off)
}

// TestImageCheckRefused: the builder refuses a payload whose record is not
// its empty hole, or whose appended CRC would lie in the bss.
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
		{"CRC in the bss", "would lie in the bss", func(p []byte) []byte { return append(p, make([]byte, 64)...) }},
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

// TestCrc32Tables: the boot stage's slice-by-8 tables are the IEEE CRC32's
// (table 0 is hash/crc32's IEEE table, and Linux's crc32init_le, bit by
// bit, gives the same), each further table is the previous one shifted by
// a zero byte, slice-by-8 with them computes hash/crc32's CRC at every
// length and split, and the payload holds exactly these tables at
// crc32table_le (assembled from the generated crc32table.inc).
func TestCrc32Tables(t *testing.T) {
	tab := bzimage.Crc32table_le()
	if tab[0] != *crc32.MakeTable(crc32.IEEE) {
		t.Fatal("table 0 is not hash/crc32's IEEE table")
	}
	for i := uint32(0); i < 256; i++ {
		c := i // lib/gen_crc32table.c crc32init_le, one bit at a time
		for j := 0; j < 8; j++ {
			c = c>>1 ^ (c&1)*0xedb88320
		}
		if tab[0][i] != c {
			t.Fatalf("crc32table_le[0][%#x] = %#x, bitwise %#x", i, tab[0][i], c)
		}
		for k := 1; k < bzimage.CRC32_SLICES; k++ {
			// Table k: the byte i then k zero bytes, from a zero
			// register (Update inverts before and after).
			b := make([]byte, k+1)
			b[0] = byte(i)
			if got, want := tab[k][i], ^crc32.Update(^uint32(0), crc32.IEEETable, b); got != want {
				t.Fatalf("crc32table_le[%d][%#x] = %#x, want %#x", k, i, got, want)
			}
		}
	}
	data := make([]byte, 4099)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	for n := 0; n < len(data); n += 1 + n/17 {
		for _, split := range []int{0, n / 3, n} {
			c := bzimage.Crc32Slice8(tab, 0, data[:split])
			c = bzimage.Crc32Slice8(tab, c, data[split:n])
			if want := crc32.ChecksumIEEE(data[:n]); c != want {
				t.Fatalf("slice-by-8 over %d bytes split at %d: %#x, want %#x", n, split, c, want)
			}
		}
	}
	m := image(t)
	off := sym(t, m.paySyms, "crc32table_le")
	var want bytes.Buffer
	for k := range tab {
		for _, v := range tab[k] {
			want.Write(le.AppendUint32(nil, v))
		}
	}
	if int(off)+want.Len() > len(m.payload) || !bytes.Equal(m.payload[off:int(off)+want.Len()], want.Bytes()) {
		t.Errorf("the payload's crc32table_le at %#x is not Crc32table_le", off)
	}
	if bzimage.CRC32_TABLE_SIZE != want.Len() {
		t.Errorf("CRC32_TABLE_SIZE %d, tables %d bytes", bzimage.CRC32_TABLE_SIZE, want.Len())
	}
}
