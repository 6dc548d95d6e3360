// Package userprog builds the user programs of user/ for the host tests
// and the boot tests: GNU as and ld, no libc (DESIGN.md §2: the stock
// toolchain), each as a static ET_EXEC and as a static PIE (ET_DYN
// without PT_INTERP), and packs them into a newc cpio archive for -initrd.
package userprog

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"gokern/arch/amd64/asm"
)

// Programs are the outputs of one build.
type Programs struct {
	// Exec is linked at 0x400000 (ld -static); Pie is position
	// independent (ld -pie --no-dynamic-linker).
	Exec, Pie string
}

// Root is the repository root, found from this file.
func Root() string {
	_, f, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(f), "..", "..")
}

// BuildInit assembles user/init/init.S into out.
func BuildInit(out string) (Programs, error) {
	obj := filepath.Join(out, "init.o")
	p := Programs{Exec: filepath.Join(out, "init"), Pie: filepath.Join(out, "init-pie")}
	lib, err := buildUlib(out)
	if err != nil {
		return p, err
	}
	if err := run("as", "--64", "-o", obj, filepath.Join(Root(), "user", "init", "init.S")); err != nil {
		return p, err
	}
	if err := run("ld", "-static", "-z", "noexecstack", "-o", p.Exec, obj, lib); err != nil {
		return p, err
	}
	return p, run("ld", "-pie", "--no-dynamic-linker", "-z", "noexecstack", "-o", p.Pie, obj, lib)
}

// buildUlib assembles user/lib/ulib.S, the helpers every assembly
// program links with (write1, strlen, puts, streq, writenum), into
// out/ulib.o.
func buildUlib(out string) (string, error) {
	obj := filepath.Join(out, "ulib.o")
	return obj, run("as", "--64", "-o", obj, filepath.Join(Root(), "user", "lib", "ulib.S"))
}

// run runs one step of a build, its output in the error.
func run(name string, args ...string) error {
	if b, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
	}
	return nil
}

// BuildSigtest assembles user/sigtest/sigtest.S into out/sigtest (static
// ET_EXEC), the signal tests' program.
func BuildSigtest(out string) (string, error) { return BuildStatic("sigtest", out) }

// BuildStatic assembles user/<name>/<name>.S into a static ET_EXEC at
// out/<name> (the test programs that need no PIE build) and returns its
// path.
func BuildStatic(name, out string) (string, error) {
	exe := filepath.Join(out, name)
	return exe, BuildAsm(filepath.Join(Root(), "user", name, name+".S"), exe)
}

// BuildSystest builds user/systest, the system-call tests' program.
func BuildSystest(out string) (string, error) { return BuildStatic("systest", out) }

// Entry is one file of a cpio archive.
type Entry struct {
	Name string
	Mode uint32 // with the file type bits: 0o100755, 0o40755, 0o20620
	Data []byte
	Rdev [2]uint32 // a device node's major and minor
	// Mtime is the modification time, seconds since the epoch, that
	// the kernel's unpacker gives the inode (Linux do_copy's and
	// dir_utime's do_utime); 0, the epoch, for made-up files.
	Mtime uint32
}

// Cpio packs entries into a newc archive ending in TRAILER!!! (Linux
// Documentation/driver-api/early-userspace/buffer-format.rst), as
// usr/gen_init_cpio writes it.
func Cpio(entries []Entry) []byte {
	var b []byte
	pad := func() {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	add := func(ino int, e Entry) {
		nlink := 1
		if e.Mode&0o170000 == 0o40000 {
			nlink = 2
		}
		b = append(b, fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
			ino, e.Mode, 0, 0, nlink, e.Mtime, len(e.Data), 0, 0, e.Rdev[0], e.Rdev[1], len(e.Name)+1, 0)...)
		b = append(b, e.Name...)
		b = append(b, 0)
		pad()
		b = append(b, e.Data...)
		pad()
	}
	for i, e := range entries {
		add(i+1, e)
	}
	add(0, Entry{Name: "TRAILER!!!"})
	return b
}

// InitInitrd builds the init program and writes an initramfs holding it
// as /init (the ET_EXEC build) and /init-pie, the signal tests' /sigtest,
// the system-call tests' /systest,
// and three programs exec must
// refuse: /bad-magic (text, neither ELF nor a "#!" script), /truncated
// (init cut inside its program headers) and /kernel-half (init with its
// text segment moved to the kernel's text address, __START_KERNEL + a
// page); /script, a "#!/init" script; /vdsotest (user/vdsotest); and
// /mysyscall (user/mysyscall, the syscall lab's program). It returns the
// archive's path.
func InitInitrd(out string) (string, Programs, error) {
	p, err := BuildInit(out)
	if err != nil {
		return "", p, err
	}
	var es []Entry
	for _, f := range []struct{ name, path string }{{"init", p.Exec}, {"init-pie", p.Pie}} {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return "", p, err
		}
		es = append(es, Entry{Name: f.name, Mode: 0o100755, Data: data})
	}
	sig, err := BuildSigtest(out)
	if err != nil {
		return "", p, err
	}
	sigData, err := os.ReadFile(sig)
	if err != nil {
		return "", p, err
	}
	es = append(es, Entry{Name: "sigtest", Mode: 0o100755, Data: sigData},
		// The first serial port's tty (4:64), a terminal sigtest can
		// make its controlling one (/dev/console never is, as in Linux).
		Entry{Name: "dev/ttyS0", Mode: 0o20620, Rdev: [2]uint32{4, 64}})
	st, err := BuildSystest(out)
	if err != nil {
		return "", p, err
	}
	stData, err := os.ReadFile(st)
	if err != nil {
		return "", p, err
	}
	es = append(es, Entry{Name: "systest", Mode: 0o100755, Data: stData})
	vt, err := BuildStatic("vdsotest", out)
	if err != nil {
		return "", p, err
	}
	vtData, err := os.ReadFile(vt)
	if err != nil {
		return "", p, err
	}
	// user/proctest: the process tests (fork, exec, wait, arch_prctl).
	pt, err := BuildStatic("proctest", out)
	if err != nil {
		return "", p, err
	}
	ptData, err := os.ReadFile(pt)
	if err != nil {
		return "", p, err
	}
	es = append(es, Entry{Name: "proctest", Mode: 0o100755, Data: ptData})
	// user/mysyscall: the syscall lab's program (labs/syscall).
	ms, err := BuildStatic("mysyscall", out)
	if err != nil {
		return "", p, err
	}
	msData, err := os.ReadFile(ms)
	if err != nil {
		return "", p, err
	}
	es = append(es, Entry{Name: "mysyscall", Mode: 0o100755, Data: msData})
	exe := es[0].Data
	kernelHalf := append([]byte(nil), exe...)
	// The second program header (the text PT_LOAD): p_vaddr at offset 16.
	binary.LittleEndian.PutUint64(kernelHalf[64+56+16:], asm.X__START_KERNEL+asm.PAGE_SIZE)
	es = append(es,
		Entry{Name: "bad-magic", Mode: 0o100755, Data: []byte("echo hello\n")},
		Entry{Name: "script", Mode: 0o100755, Data: []byte("#!/init\n")},
		Entry{Name: "truncated", Mode: 0o100755, Data: exe[:100]},
		Entry{Name: "kernel-half", Mode: 0o100755, Data: kernelHalf},
		Entry{Name: "vdsotest", Mode: 0o100755, Data: vtData})
	path := filepath.Join(out, "initramfs.cpio")
	return path, p, os.WriteFile(path, Cpio(es), 0o644)
}
