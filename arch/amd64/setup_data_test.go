package amd64

import (
	"testing"

	"gokern/internal/ktest"
)

// print_initrd prints the size and the first 16 bytes it reads where the
// initrd is, fewer for a shorter one, none above the early direct map.
func TestPrintInitrd(t *testing.T) {
	c := ktest.StartCapture(t)
	ram := ktest.NewRAM(t, 1<<20)
	copy(ram.Bytes(0x3000, 20), "GOKERN INITRD 13\x01\x02\x03\x04")
	print_initrd(ram, 0x3000, 123457)
	print_initrd(ram, 0x3000, 3)
	print_initrd(ram, 0x100000000, 10)
	want := []string{
		"initrd: 123457 bytes at 0x3000, starts 47 4f 4b 45 52 4e 20 49 4e 49 54 52 44 20 31 33",
		"initrd: 3 bytes at 0x3000, starts 47 4f 4b",
		"initrd: 10 bytes at 0x100000000, starts ",
	}
	got := c.Lines()
	if len(got) != len(want) {
		t.Fatalf("printed %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
}
