package userprog

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The Go userland (user/, a module of its own: docs/go-on-gokern.md).
// Its programs are built by the stock toolchain exactly as a student
// builds a Go program for Linux — CGO_ENABLED=0 GOOS=linux GOARCH=amd64
// go build — so that what runs on gokern is an unmodified static Linux
// binary. The Go build cache makes a rebuild of unchanged sources cost a
// fraction of a second; the binaries themselves stay in build/user.

// GoEnv is the environment of every user-program build: the host's,
// with the target and cgo fixed.
func GoEnv() []string {
	return append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=")
}

// BuildGo builds the Go program src (a package directory of the user
// module, such as user/init, or a single main.go anywhere) into out and
// returns out. A directory is built inside the module it is in; a file
// as a command-line package, which may import only the standard library.
func BuildGo(src, out string) (string, error) {
	src, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	if out, err = filepath.Abs(out); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	st, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	dir, arg := src, "."
	if !st.IsDir() {
		dir, arg = filepath.Dir(src), filepath.Base(src)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, arg)
	cmd.Dir = dir
	cmd.Env = GoEnv()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o %s %s (in %s): %v\n%s", out, arg, dir, err, b)
	}
	return out, nil
}

// BuildDir is the repository's build/user, where user programs go.
func BuildDir() string { return filepath.Join(Root(), "build", "user") }

// GoInitrd builds the Go program src and writes an initramfs at cpio
// holding it as /init, with the directories a Linux init expects to
// find (/proc, /tmp, /dev), plus extra files (name → host path).
func GoInitrd(src, cpio string, extra map[string]string) error {
	bin := filepath.Join(filepath.Dir(cpio), strings.TrimSuffix(filepath.Base(cpio), filepath.Ext(cpio))+".init")
	if _, err := BuildGo(src, bin); err != nil {
		return err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	es := []Entry{
		{Name: "dev", Mode: 0o40755}, {Name: "proc", Mode: 0o40755}, {Name: "tmp", Mode: 0o41777},
		{Name: "init", Mode: 0o100755, Data: data},
	}
	for name, path := range extra {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		es = append(es, Entry{Name: name, Mode: 0o100755, Data: b})
	}
	return os.WriteFile(cpio, Cpio(es), 0o644)
}

// BuildAsm assembles a one-file GNU as program of user/ (such as
// user/goabi/goabi.S) and links it as a static ET_EXEC at out.
func BuildAsm(src, out string) error {
	obj := out + ".o"
	lib, err := buildUlib(filepath.Dir(out))
	if err != nil {
		return err
	}
	if err := run("as", "--64", "-o", obj, src); err != nil {
		return err
	}
	return run("ld", "-static", "-z", "noexecstack", "-o", out, obj, lib)
}

// SchedtestModes are user/schedtest's modes, each run by internal/boottest
// TestSchedtest on gokern and by TestSchedtestOnLinux on the host.
var SchedtestModes = []string{"affinity", "pidfd", "pidfdwait", "itimer", "rusage", "timers"}
