package crc32

import (
	"hash/crc32"
	"math/rand"
	"testing"
)

// TestCrc32table: the static table is the IEEE table.
func TestCrc32table(t *testing.T) {
	want := crc32.MakeTable(crc32.IEEE)
	for i := range crc32table_le {
		if crc32table_le[i] != want[i] {
			t.Fatalf("crc32table_le[%d] = %#08x, want %#08x", i, crc32table_le[i], want[i])
		}
	}
}

// TestCrc32_le: equal to hash/crc32 on random data, in one call and
// chained over random pieces.
func TestCrc32_le(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 300; n++ {
		b := make([]byte, r.Intn(5000))
		r.Read(b)
		want := crc32.ChecksumIEEE(b)
		if got := Crc32_le(0, b); got != want {
			t.Fatalf("len %d: %#x, want %#x", len(b), got, want)
		}
		var c uint32
		for p := b; len(p) > 0; {
			k := r.Intn(len(p) + 1)
			c = Crc32_le(c, p[:k])
			p = p[k:]
		}
		if c != want {
			t.Fatalf("len %d chained: %#x, want %#x", len(b), c, want)
		}
	}
}
