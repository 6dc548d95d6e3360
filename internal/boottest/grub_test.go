package boottest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// grubISO makes a GRUB rescue CD that boots build/bzImage with the given
// GRUB command (linux or linux16) and command line, GRUB talking on the
// serial line.
func grubISO(t *testing.T, command, cmdline string) string {
	t.Helper()
	kernel, err := os.ReadFile(q.Image(t, false).BzImage)
	if err != nil {
		t.Fatal(err)
	}
	return grubISOKernel(t, kernel, command, cmdline)
}

// grubISOKernel is grubISO for the bzImage kernel.
func grubISOKernel(t *testing.T, kernel []byte, command, cmdline string) string {
	t.Helper()
	for _, tool := range []string{"grub-mkrescue", "xorriso", "mformat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: ./qemu.sh test installs it (apt-get install grub-pc-bin grub-common xorriso mtools)", tool)
		}
	}
	root := filepath.Join(t.TempDir(), "iso")
	if err := os.MkdirAll(filepath.Join(root, "boot", "grub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "boot", "bzImage"), kernel, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := "serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\nset timeout=0\n" +
		"menuentry gokern {\n  " + command + " /boot/bzImage " + cmdline + "\n}\n"
	if err := os.WriteFile(filepath.Join(root, "boot", "grub", "grub.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	iso := filepath.Join(t.TempDir(), "gokern.iso")
	if out, err := exec.Command("grub-mkrescue", "-o", iso, root).CombinedOutput(); err != nil {
		t.Fatalf("grub-mkrescue: %v\n%s", err, out)
	}
	return iso
}

// TestGRUB boots from GRUB 2: `linux` enters at code32_start in 32-bit mode
// with ESI = GRUB's boot_params (no real-mode setup runs: startup_32 must
// stand on its own, CPU check included), and `linux16` runs the real-mode
// setup where GRUB put it (segment 0x9000). Both reach the idle loop with
// every selftest passing.
func TestGRUB(t *testing.T) {
	t.Run("linux", func(t *testing.T) {
		r := q.Boot(t, q.Config{CDROM: grubISO(t, "linux", "earlyprintk=serial debug selftest=all")})
		allPassed(t, r)
		mustContain(t, r, "startup_32: protected mode, payload at 0x00100000", "Command line: BOOT_IMAGE=/boot/bzImage")
		if strings.Contains(r.Output, "start_of_setup") {
			t.Fatalf("the real-mode setup ran under GRUB's linux command\n%s", r.Describe())
		}
	})
	t.Run("linux16", func(t *testing.T) {
		r := q.Boot(t, q.Config{CDROM: grubISO(t, "linux16", "earlyprintk=serial debug selftest=all")})
		allPassed(t, r)
		mustContain(t, r, "start_of_setup: CS normalised to 0x9000", "startup_32: protected mode")
	})
}
