package userprog

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// The busybox initramfs: Debian's static busybox (package busybox-static,
// /bin/busybox) with a symbolic link per applet, as `busybox --install -s`
// makes them, user/busybox/init as /init, the device nodes the console
// and the tools open (the kernel has no devtmpfs: Linux's
// usr/gen_init_cpio puts nodes in the archive the same way), and empty
// mount points. ./qemu.sh busybox boots it. The boot tests' scripts,
// user/busybox/tests/NAME, are under /tests (init runs them by name).

// Busybox is Debian's static busybox on the host.
const Busybox = "/bin/busybox"

// BusyboxEntries returns the archive's entries, tests (name → script) put
// under /tests.
func BusyboxEntries(tests map[string]string) ([]Entry, error) {
	bin, err := os.ReadFile(Busybox)
	if err != nil {
		return nil, fmt.Errorf("%v (install Debian's busybox-static: ./qemu.sh installs it)", err)
	}
	list, err := exec.Command(Busybox, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %v", Busybox, err)
	}
	initScript, err := os.ReadFile(filepath.Join(Root(), "user", "busybox", "init"))
	if err != nil {
		return nil, err
	}
	dir := func(name string) Entry { return Entry{Name: name, Mode: 0o40755} }
	es := []Entry{dir("bin"), dir("sbin"), dir("usr"), dir("usr/bin"), dir("usr/sbin"), dir("dev"),
		dir("proc"), dir("sys"), dir("tmp"), dir("root"), dir("etc"), dir("tests"),
		{Name: "bin/busybox", Mode: 0o100755, Data: bin},
		{Name: "init", Mode: 0o100755, Data: initScript},
		// The users su and ps name: root and an unprivileged user for
		// the credential and RLIMIT_NPROC tests.
		{Name: "etc/passwd", Mode: 0o100644, Data: []byte("root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n")},
		{Name: "etc/group", Mode: 0o100644, Data: []byte("root:x:0:\nusers:x:100:user\nuser:x:1000:\n")},
		// Linux's devices.txt numbers; /dev/console comes from the
		// kernel's built-in archive (usr/default_cpio_list), unpacked
		// first.
		{Name: "dev/tty", Mode: 0o20666, Rdev: [2]uint32{5, 0}},
		{Name: "dev/ttyS0", Mode: 0o20660, Rdev: [2]uint32{4, 64}},
		{Name: "dev/null", Mode: 0o20666, Rdev: [2]uint32{1, 3}},
		{Name: "dev/zero", Mode: 0o20666, Rdev: [2]uint32{1, 5}},
		{Name: "dev/full", Mode: 0o20666, Rdev: [2]uint32{1, 7}},
		// The descriptor links a Linux system's /dev has (udev's
		// static nodes; systemd-tmpfiles, Debian's mountdevsubfs.sh):
		// /dev/fd is /proc/self/fd, whose links open the process's own
		// files (proc_fd_link), so that `cat /dev/fd/0` and
		// `echo hi > /dev/stdout` work.
		{Name: "dev/fd", Mode: 0o120777, Data: []byte("/proc/self/fd")},
		{Name: "dev/stdin", Mode: 0o120777, Data: []byte("/proc/self/fd/0")},
		{Name: "dev/stdout", Mode: 0o120777, Data: []byte("/proc/self/fd/1")},
		{Name: "dev/stderr", Mode: 0o120777, Data: []byte("/proc/self/fd/2")},
	}
	for _, l := range strings.Fields(string(list)) {
		if l == "bin/busybox" {
			continue
		}
		es = append(es, Entry{Name: l, Mode: 0o120777, Data: []byte("/bin/busybox")})
	}
	// The repository's boot-test scripts (user/busybox/tests), then the
	// caller's, which may replace them.
	all := map[string]string{}
	testDir := filepath.Join(Root(), "user", "busybox", "tests")
	files, err := os.ReadDir(testDir)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(testDir, f.Name()))
		if err != nil {
			return nil, err
		}
		all[f.Name()] = string(b)
	}
	for n, s := range tests {
		all[n] = s
	}
	tests = all
	names := make([]string, 0, len(tests))
	for n := range tests {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		es = append(es, Entry{Name: "tests/" + n, Mode: 0o100644, Data: []byte(tests[n])})
	}
	return es, nil
}

// BusyboxInitramfs writes the archive to path.
func BusyboxInitramfs(path string, tests map[string]string) error {
	es, err := BusyboxEntries(tests)
	if err != nil {
		return err
	}
	return os.WriteFile(path, Cpio(es), 0o644)
}
