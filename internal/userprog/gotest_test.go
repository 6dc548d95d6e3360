package userprog

import (
	"bytes"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"
)

// TestSkipArgs: a package with skip entries runs with -test.run=. and an
// anchored, sorted -test.skip of them; one without gets no flags.
func TestSkipArgs(t *testing.T) {
	skips := []Skip{{"os/exec", "TestB", "r"}, {"os", "TestX", "r"}, {"os/exec", "TestA", "r"}}
	if got, want := SkipArgs("os/exec", skips), []string{"-test.run", ".", "-test.skip", "^(TestA|TestB)$"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SkipArgs(os/exec) = %q, want %q", got, want)
	}
	if got := SkipArgs("fmt", skips); got != nil {
		t.Errorf("SkipArgs(fmt) = %q, want none", got)
	}
}

// TestCpioMtime: Cpio writes each entry's modification time into its
// newc header, as u-root's reader (an implementation independent of
// ours) reads it back; the kernel's unpacker sets it on the inode
// (init/initramfs TestUnpack).
func TestCpioMtime(t *testing.T) {
	es := []Entry{
		{Name: "d", Mode: 0o40755, Mtime: 1700000000},
		{Name: "d/f", Mode: 0o100644, Data: []byte("body"), Mtime: 1234567890},
		{Name: "d/zero", Mode: 0o100644},
	}
	r := cpio.Newc.Reader(bytes.NewReader(Cpio(es)))
	for _, e := range es {
		rec, err := r.ReadRecord()
		if err != nil {
			t.Fatalf("reading %s: %v", e.Name, err)
		}
		if rec.Name != e.Name || rec.MTime != uint64(e.Mtime) {
			t.Errorf("record %q mtime %d, want %q mtime %d", rec.Name, rec.MTime, e.Name, e.Mtime)
		}
	}
}

// TestGoTestBinaryNoTests: a package without test files (time/tzdata)
// has no test binary, and says so, instead of an empty file that the
// guest's exec refuses as "not an ELF file".
func TestGoTestBinaryNoTests(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	bin, err := GoTestBinary("time/tzdata")
	if err == nil || !strings.Contains(err.Error(), "made no test binary") {
		t.Fatalf("GoTestBinary(time/tzdata) = %q, %v; want the error \"made no test binary\"", bin, err)
	}
}
