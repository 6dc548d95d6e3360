package userprog

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

var int80 struct {
	once sync.Once
	ok   bool
	err  error
}

// HostHasInt80 tells whether the host's Linux answers int $0x80 from a
// 64-bit program: a kernel built without CONFIG_IA32_EMULATION (or booted
// with ia32_emulation=0) has no gate at vector 0x80, and the program dies
// of SIGSEGV, as on this workplace's PVM hosts. The host tests that run
// user programs through both doors compare with Linux only where Linux
// has both. The answer comes from running a program that makes the i386
// getpid (20) through int $0x80 and exits 0 if it comes back.
func HostHasInt80() (bool, error) {
	int80.once.Do(func() {
		dir, err := os.MkdirTemp("", "gokern-int80-")
		if err != nil {
			int80.err = err
			return
		}
		defer os.RemoveAll(dir)
		src, exe := filepath.Join(dir, "int80.S"), filepath.Join(dir, "int80")
		prog := "\t.globl _start\n_start:\n\tmov $20, %eax\n\tint $0x80\n\tmov $60, %eax\n\txor %edi, %edi\n\tsyscall\n"
		if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
			int80.err = err
			return
		}
		obj := exe + ".o"
		if out, err := exec.Command("as", "--64", "-o", obj, src).CombinedOutput(); err != nil {
			int80.err = fmt.Errorf("as: %v\n%s", err, out)
			return
		}
		if out, err := exec.Command("ld", "-static", "-o", exe, obj).CombinedOutput(); err != nil {
			int80.err = fmt.Errorf("ld: %v\n%s", err, out)
			return
		}
		err = exec.Command(exe).Run()
		if _, died := err.(*exec.ExitError); err != nil && !died {
			int80.err = err
			return
		}
		int80.ok = err == nil
	})
	return int80.ok, int80.err
}
