package proc

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
	"gokern/mm"
)

var mountOnce sync.Once

func setup(t *testing.T) {
	fstest.Boot(t)
	mountOnce.Do(func() {
		if err := Proc_root_init(); err != 0 {
			t.Fatal(err)
		}
		fs.Do_mkdirat(uapi.AT_FDCWD, []byte("/proc"), 0o555)
		if err := fs.Do_mount([]byte("proc"), []byte("/proc"), []byte("proc"), uapi.MS_NOSUID|uapi.MS_NODEV|uapi.MS_NOEXEC, nil); err != 0 {
			t.Fatalf("mount proc: %d", err)
		}
	})
}

func cat(t *testing.T, path string) string {
	t.Helper()
	fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte(path), uapi.O_RDONLY, 0)
	if fd < 0 {
		t.Fatalf("open %s: %d", path, fd)
	}
	defer fs.Ksys_close(fd)
	var out []byte
	buf := make([]byte, 100) // small reads: the text must come in order
	for {
		it := fs.Iov_iter_kvec(buf)
		n := fs.Ksys_read(fd, &it)
		if n < 0 {
			t.Fatalf("read %s: %d", path, n)
		}
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

func ls(t *testing.T, path string) []string { return fstest.Listdir(t, path, 512) }

// TestMeminfo: Linux's layout, and values that are the allocator's.
func TestMeminfo(t *testing.T) {
	setup(t)
	text := cat(t, "/proc/meminfo")
	line := regexp.MustCompile(`^[A-Za-z_()]+:\s+\d+ kB$`)
	vals := map[string]uint64{}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if !line.MatchString(l) || len(l) < len("MemTotal:       16265408 kB") || strings.Index(l, " kB") < 24 {
			t.Errorf("meminfo line %q is not Linux's layout", l)
		}
		f := strings.Fields(l)
		v, _ := strconv.ParseUint(f[1], 10, 64)
		vals[strings.TrimSuffix(f[0], ":")] = v
	}
	if vals["VmallocTotal"] != 34359738367 {
		t.Errorf("VmallocTotal %d, Linux x86-64 says 34359738367", vals["VmallocTotal"])
	}
	if vals["MemTotal"] != mm.K(mm.Totalram_pages) || vals["MemTotal"] == 0 || vals["MemFree"] > vals["MemTotal"] {
		t.Errorf("MemTotal %d (totalram %d pages), MemFree %d", vals["MemTotal"], mm.Totalram_pages, vals["MemFree"])
	}
	for _, k := range []string{"MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree", "Slab", "SReclaimable", "Shmem"} {
		if _, ok := vals[k]; !ok {
			t.Errorf("no %s line (free reads it)", k)
		}
	}
}

// TestGlobalFiles: the layouts of the other files.
func TestGlobalFiles(t *testing.T) {
	setup(t)
	if up := cat(t, "/proc/uptime"); !regexp.MustCompile(`^\d+\.\d\d \d+\.\d\d\n$`).MatchString(up) {
		t.Errorf("uptime %q", up)
	}
	bi := cat(t, "/proc/buddyinfo")
	if !regexp.MustCompile(`^(Node 0, zone +\w+ ( +\d+ ){11}\n)+$`).MatchString(bi) {
		t.Errorf("buddyinfo %q", bi)
	}
	si := cat(t, "/proc/slabinfo")
	if !strings.HasPrefix(si, "slabinfo - version: 2.1\n# name ") || !strings.Contains(si, "\ndentry ") || !strings.Contains(si, "\ninode_cache ") {
		t.Errorf("slabinfo %q", si[:min(300, len(si))])
	}
	if ints := cat(t, "/proc/interrupts"); !strings.HasPrefix(ints, "           CPU0\n") {
		t.Errorf("interrupts %q", ints)
	}
	cat(t, "/proc/vmallocinfo")
	if m := cat(t, "/proc/mounts"); !strings.Contains(m, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n") {
		t.Errorf("mounts %q", m)
	}
	if f := cat(t, "/proc/filesystems"); !strings.Contains(f, "nodev\tproc\n") || !strings.Contains(f, "nodev\ttmpfs\n") {
		t.Errorf("filesystems %q", f)
	}
	cat(t, "/proc/stat")
	cat(t, "/proc/cmdline")
	// Writing is refused; unknown names do not exist.
	if fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/proc/nothing"), uapi.O_RDONLY, 0); fd != -uapi.ENOENT {
		t.Errorf("/proc/nothing: %d", fd)
	}
	if fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/proc/new"), uapi.O_CREAT|uapi.O_WRONLY, 0o644); fd >= 0 {
		t.Errorf("created a file in /proc")
	}
}

// TestCpuinfo: the host runs on the same CPU as the test: vendor, family,
// model, model name and stepping are the host Linux's, and every flag we
// show the host shows.
func TestCpuinfo(t *testing.T) {
	setup(t)
	ours := parseCpuinfo(cat(t, "/proc/cpuinfo"))
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		t.Fatalf("the host's /proc/cpuinfo to compare with: %v", err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() && sc.Text() != "" {
		b.WriteString(sc.Text() + "\n")
	}
	host := parseCpuinfo(b.String())
	// A paravirtualized VM (PVM: its kernel runs in user mode) answers
	// the kernel's CPUID itself while a program's executes on the real
	// CPU: the two name different processors, and the host's flags are
	// neither a subset nor a superset of ours (seen: model name "AMD
	// EPYC" for the kernel, "Oxide Virtual Turin-like Processor" for a
	// program, x2apic only for the kernel, smep only for the program).
	// There is then no Linux view of this CPU to compare with.
	if ours["vendor_id"] != host["vendor_id"] || ours["model name"] != host["model name"] {
		t.Skipf("the host kernel sees another CPU (%q %q) than this program's CPUID (%q %q): nothing to compare with",
			host["vendor_id"], host["model name"], ours["vendor_id"], ours["model name"])
	}
	for _, k := range []string{"vendor_id", "cpu family", "model", "model name", "stepping", "cpuid level", "clflush size", "address sizes"} {
		if ours[k] != host[k] {
			t.Errorf("%s: %q, host Linux %q", k, ours[k], host[k])
		}
	}
	hostFlags := map[string]bool{}
	for _, fl := range strings.Fields(host["flags"]) {
		hostFlags[fl] = true
	}
	for _, fl := range strings.Fields(ours["flags"]) {
		if !hostFlags[fl] {
			t.Errorf("flag %s: not in the host's flags", fl)
		}
	}
	if len(strings.Fields(ours["flags"])) < 10 {
		t.Errorf("flags %q", ours["flags"])
	}
}

func parseCpuinfo(s string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// fakeTasks installs two tasks and a mapping list, as the scheduler and
// mm will describe theirs.
func fakeTasks(t *testing.T) {
	saved := Task_ops
	t.Cleanup(func() { Task_ops = saved })
	tasks := map[int]Task_info{
		1:  {Pid: 1, Tgid: 1, Ppid: 0, Pgrp: 1, Session: 1, Tpgid: -1, State: 'S', Num_threads: 1, Vsize: 1 << 20, Rss: 40, Comm: [16]byte{'i', 'n', 'i', 't'}},
		42: {Pid: 42, Tgid: 42, Ppid: 1, Pgrp: 42, Session: 1, Tty_nr: uapi.MKDEV(4, 64), Tpgid: 42, State: 'R', Num_threads: 1, Utime: 7, Comm: [16]byte{'s', 'h'}},
	}
	Task_ops.Next_tgid = func(after int) int {
		best := 0
		for p := range tasks {
			if p > after && (best == 0 || p < best) {
				best = p
			}
		}
		return best
	}
	Task_ops.Get_task = func(pid int, info *Task_info) bool {
		ti, ok := tasks[pid]
		*info = ti
		return ok
	}
	Task_ops.Current_tgid = func() int { return 42 }
	Task_ops.Cmdline = func(pid int, buf []byte) int { return copy(buf, "/bin/sh\x00-c\x00echo hi\x00") }
	Task_ops.Exe = func(pid int, buf []byte) int {
		if pid == 1 {
			return 0 // as a kernel thread: no exe
		}
		return copy(buf, "/bin/busybox")
	}
	vmas := []Vma_info{
		{Start: 0x400000, End: 0x401000, Read: true, Exec: true, Dev: uapi.MKDEV(0, 1), Ino: 1234},
		{Start: 0x7ffd0000, End: 0x7fff0000, Read: true, Write: true},
	}
	copy(vmas[0].Name[:], "/bin/busybox")
	vmas[0].Name_len = len("/bin/busybox")
	copy(vmas[1].Name[:], "[stack]")
	vmas[1].Name_len = 7
	vmas = append(vmas, Vma_info{Start: 0x7ffff000, End: 0x80000000, Read: true})
	Task_ops.Next_vma = func(pid int, addr uint64, vma *Vma_info) bool {
		for _, v := range vmas {
			if v.End > addr {
				*vma = v
				return true
			}
		}
		return false
	}
}

// TestPidFiles: /proc/<pid>/{stat,status,maps,cmdline}, /proc/self, and
// the listing, with tasks from Task_ops.
func TestPidFiles(t *testing.T) {
	setup(t)
	fakeTasks(t)
	names := ls(t, "/proc")
	if !contains(names, "1") || !contains(names, "42") || !contains(names, "self") || !contains(names, "meminfo") {
		t.Errorf("/proc lists %v", names)
	}
	stat := cat(t, "/proc/42/stat")
	f := strings.Fields(stat)
	if len(f) != 52 || f[0] != "42" || f[1] != "(sh)" || f[2] != "R" || f[3] != "1" || f[6] != strconv.Itoa(4<<8|64) || f[13] != "7" {
		t.Errorf("stat (%d fields): %q", len(f), stat)
	}
	st := cat(t, "/proc/self/status")
	for _, want := range []string{"Name:\tsh\n", "Umask:\t0000\n", "State:\tR (running)\n", "Pid:\t42\n", "PPid:\t1\n", "Uid:\t0\t0\t0\t0\n", "VmRSS:\t       0 kB\n"} {
		if !strings.Contains(st, want) {
			t.Errorf("status lacks %q:\n%s", want, st)
		}
	}
	if c := cat(t, "/proc/42/cmdline"); c != "/bin/sh\x00-c\x00echo hi\x00" {
		t.Errorf("cmdline %q", c)
	}
	maps := cat(t, "/proc/1/maps")
	lines := strings.Split(strings.TrimSuffix(maps, "\n"), "\n")
	if len(lines) != 3 || lines[0][:73] != "00400000-00401000 r-xp 00000000 00:01 1234                               " ||
		lines[0][73:] != "/bin/busybox" || !strings.HasSuffix(lines[1], " [stack]") || lines[2] != "7ffff000-80000000 r--p 00000000 00:00 0" {
		t.Errorf("maps:\n%s", maps)
	}
	// The host kernel's own maps put names at the same column.
	if host, err := os.ReadFile("/proc/self/maps"); err == nil {
		for _, l := range strings.Split(string(host), "\n") {
			if i := strings.Index(l, " /"); i > 0 && strings.Count(l[:i], "-") == 1 && len(strings.Fields(l[:i])) == 5 {
				if j := strings.IndexByte(l, '/'); len(strings.Fields(l[:i])[0]) == 25 && j != 73 {
					t.Errorf("host Linux puts the name at column %d: %q", j, l)
				}
			}
		}
	}
	if n := ls(t, "/proc/42"); strings.Join(n, ",") != "cmdline,comm,cwd,exe,fd,maps,root,stat,status,task" {
		t.Errorf("/proc/42 lists %v", n)
	}
	if fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/proc/7/stat"), uapi.O_RDONLY, 0); fd != -uapi.ENOENT {
		t.Errorf("/proc/7 (no such task): %d", fd)
	}
	buf := make([]byte, 20)
	it := fs.Iov_iter_kvec(buf)
	if n := fs.Do_readlinkat(uapi.AT_FDCWD, []byte("/proc/self"), &it); string(buf[:max(n, 0)]) != "42" {
		t.Errorf("readlink /proc/self: %q", buf[:max(n, 0)])
	}
	it = fs.Iov_iter_kvec(buf)
	if n := fs.Do_readlinkat(uapi.AT_FDCWD, []byte("/proc/self/exe"), &it); string(buf[:max(n, 0)]) != "/bin/busybox" {
		t.Errorf("readlink /proc/self/exe: %q", buf[:max(n, 0)])
	}
	it = fs.Iov_iter_kvec(buf)
	if n := fs.Do_readlinkat(uapi.AT_FDCWD, []byte("/proc/1/exe"), &it); n != -uapi.ENOENT {
		t.Errorf("readlink /proc/1/exe of a kernel thread: %d, want -ENOENT", n)
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
