package boottest

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// The issue 14 boot tests that busybox's shell runs: each a script
// user/busybox/tests/NAME, run by /init (user/busybox/init) between
// "== test NAME" and "== end NAME status N". One boot runs them all, one
// after the other, and each check below reads its script's section and
// compares what the tools printed with the kernel's own figures on the
// same console (boot lines, dmesg, the segfault line, the exit line).

var busyboxTestInitramfs builtInitrd

// busyboxTestInitrd is the busybox initramfs with user/nullderef,
// user/rtsig, user/sigbus and user/retarget in /bin; it returns the archive and
// nullderef's entry point.
func busyboxTestInitrd(t *testing.T) (string, uint64) {
	p := busyboxTestInitramfs.get(t, "gokern-busybox-tests", func(dir string) (string, error) {
		es, err := userprog.BusyboxEntries(nil)
		if err != nil {
			return "", err
		}
		for _, name := range []string{"nullderef", "rtsig", "sigbus", "retarget"} {
			exe, err := userprog.BuildStatic(name, dir)
			if err != nil {
				return "", err
			}
			b, err := os.ReadFile(exe)
			if err != nil {
				return "", err
			}
			es = append(es, userprog.Entry{Name: "bin/" + name, Mode: 0o100755, Data: b})
		}
		p := filepath.Join(dir, "busybox-tests.cpio")
		return p, os.WriteFile(p, userprog.Cpio(es), 0o644)
	})
	f, err := elf.Open(filepath.Join(filepath.Dir(p), "nullderef"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return p, f.Entry
}

// scriptSections splits the console into each script's lines and exit
// status.
func scriptSections(t *testing.T, r *q.Result) (map[string][]string, map[string]int) {
	t.Helper()
	sec, status := map[string][]string{}, map[string]int{}
	cur := ""
	endRe := regexp.MustCompile(`^== end (\S+) status (\d+)$`)
	for _, l := range r.Lines() {
		l = strings.TrimRight(l, "\r")
		if name, ok := strings.CutPrefix(l, "== test "); ok {
			cur = name
			sec[cur] = nil
			continue
		}
		if m := endRe.FindStringSubmatch(l); m != nil {
			status[m[1]], _ = strconv.Atoi(m[2])
			cur = ""
			continue
		}
		if cur != "" {
			sec[cur] = append(sec[cur], l)
		}
	}
	return sec, status
}

var kernelLineRe = regexp.MustCompile(`^\[\s*\d+\.\d{6}\] `)

// userLines drops the kernel's own lines (printk on the console) that
// land between a script's.
func userLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !kernelLineRe.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// field returns the whitespace-separated fields of the first line that
// starts with prefix, or fails.
func field(t *testing.T, lines []string, prefix string) []string {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return strings.Fields(strings.TrimPrefix(l, prefix))
		}
	}
	t.Fatalf("no line starting %q in\n%s", prefix, strings.Join(lines, "\n"))
	return nil
}

func atoiT(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func atofT(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return f
}

// meminfo parses /proc/meminfo's lines into kB figures.
func meminfo(lines []string) map[string]int {
	m := map[string]int{}
	re := regexp.MustCompile(`^(\w+):\s+(\d+) kB$`)
	for _, l := range lines {
		if s := re.FindStringSubmatch(l); s != nil {
			n, _ := strconv.Atoi(s[2])
			m[s[1]] = n
		}
	}
	return m
}

// TestBusyboxScripts boots once and runs every script.
func TestBusyboxScripts(t *testing.T) {
	t.Parallel()
	initrd, entry := busyboxTestInitrd(t)
	names := []string{"ls", "meminfo", "free", "ps", "uptime", "dmesg", "redirect", "sleep", "bgwait", "segv", "creds", "restart", "procfd", "devfd", "rtsig", "sigbus", "retarget", "applets", "perms", "syslog", "inet", "netdev"}
	r := q.Boot(t, q.Config{Initrd: initrd, Append: "-- " + strings.Join(names, " ")})
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000",
		"0 user pages and 0 other processes left")
	sec, status := scriptSections(t, r)
	for _, n := range names {
		if _, ok := status[n]; !ok {
			t.Fatalf("script %s did not end\n%s", n, r.Describe())
		}
		if status[n] != 0 {
			t.Errorf("script %s: status %d\n%s", n, status[n], strings.Join(sec[n], "\n"))
		}
	}
	console := r.Lines()
	checks := map[string]func(t *testing.T, lines []string){
		"ls":      checkLs,
		"meminfo": func(t *testing.T, l []string) { checkMeminfo(t, l, console) },
		"free":    checkFree,
		"ps":      checkPs,
		"uptime":  checkUptime,
		"dmesg":   func(t *testing.T, l []string) { checkDmesg(t, l, console) },
		"redirect": func(t *testing.T, l []string) {
			want := []string{"line one", "two", "size 13", "stat 13 regular file", "removed"}
			if got := userLines(l); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		},
		"sleep":   checkSleep,
		"bgwait":  checkBgwait,
		"segv":    func(t *testing.T, l []string) { checkSegv(t, l, entry) },
		"restart": checkRestart,
		"sigbus": func(t *testing.T, l []string) {
			if got := strings.Join(userLines(l), "\n"); got != strings.Join(sigbusLines, "\n")+"\nsigbus status 0" {
				t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(sigbusLines, "\n"))
			}
		},
		"retarget": func(t *testing.T, l []string) {
			if got := strings.Join(userLines(l), "\n"); got != strings.Join(retargetLines, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(retargetLines, "\n"))
			}
		},
		"rtsig": func(t *testing.T, l []string) {
			if got := strings.Join(userLines(l), "\n"); got != strings.Join(rtsigLines, "\n")+"\nrtsig status 0" {
				t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(rtsigLines, "\n"))
			}
		},
		"procfd": func(t *testing.T, l []string) {
			// The script's shell holds 0-2 (the console), and 5
			// until it closes it (and descriptors of its own: its
			// script on 10, copies it saves around redirections).
			u := userLines(l)
			if len(u) != 6 {
				t.Fatalf("got %q", u)
			}
			has := func(list, fd string) bool { return contains(strings.Fields(list), fd) }
			for _, fd := range []string{"0", "1", "2", "5"} {
				if !has(u[0], fd) {
					t.Errorf("ls /proc/$$/fd: %q lacks %s", u[0], fd)
				}
			}
			if !has(u[4], "0") || has(u[4], "5") {
				t.Errorf("after exec 5>&-: %q", u[4])
			}
			want := []string{"/tmp/held", "/dev/console", "pipe:[N]"}
			if strings.Join(u[1:4], "\n") != strings.Join(want, "\n") || u[5] != "5 closed" {
				t.Errorf("got %q, want %q and 5 closed", u[1:], want)
			}
		},
		// syslogd reads logger's datagrams from the AF_UNIX socket it
		// bound to /dev/log (net/unix; before sockets, syslogd
		// stopped at its socket(2), -ENOSYS, and logged nothing).
		// TCP on the loopback (net/ipv4) from C programs: what the
		// script printed on the host's Linux, in a network namespace
		// with lo alone.
		"inet": func(t *testing.T, l []string) {
			want := []string{"hello from httpd", "over nc", "wget: can't connect to remote host (127.0.0.1): Connection refused",
				"wget to a closed port fails", "httpd ended"}
			var got []string
			for _, x := range userLines(l) {
				if x != "Terminated" { // the shell's note of the httpd it killed
					got = append(got, x)
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		},
		"netdev": checkNetdev,
		"syslog": func(t *testing.T, l []string) {
			want := []string{"s", "user.notice gokern: hello from logger", "user.err gokern: second message", "Terminated", "syslogd status 143"}
			if got := userLines(l); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		},
		"devfd": func(t *testing.T, l []string) {
			if got := userLines(l); strings.Join(got, "\n") != strings.Join(devfdLines, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(devfdLines, "\n"))
			}
		},
		"applets": func(t *testing.T, l []string) {
			if got := userLines(l); strings.Join(got, "\n") != strings.Join(appletsLines, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(appletsLines, "\n"))
			}
		},
		"perms": func(t *testing.T, l []string) {
			if got := userLines(l); strings.Join(got, "\n") != strings.Join(permsLines, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(permsLines, "\n"))
			}
		},
		"creds": func(t *testing.T, l []string) {
			want := []string{"uid=0(root) gid=0(root)", // init_cred has no supplementary groups
				"uid=1000(user) gid=1000(user) groups=100(users),1000(user)",
				"Uid:\t1000\t1000\t1000\t1000", "Gid:\t1000\t1000\t1000\t1000", "Groups:\t100 1000 ",
				"kill -0 1: denied", "-rw-r--r--    1 1000     1000 "}
			if got := userLines(l); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got\n%q\nwant\n%q", got, want)
			}
		},
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) { checks[n](t, sec[n]) })
	}
}

// permsLines is what user/busybox/tests/perms prints, as the same
// busybox prints it on Linux 6.18 (setpriv to uid and gid 1000 there for
// su): a tmpfs /tmp is drwxrwxrwt; user may not search the 0700 /root
// (may_lookup), nor chdir there, create in a root-owned 0755 directory
// (may_create), read a 0600 file or write a 0644 one of root's
// (may_open), remove or rename a name in that directory (may_delete:
// -EACCES), remove or rename root's 0666 file in the sticky /tmp
// (check_sticky: -EPERM), chmod it or set its times (owner only:
// -EPERM), but may touch it to now (it may write it); all of which it
// may do to its own files, and root to user's. gokern allowed all of
// it: only execve checked permissions.
var permsLines = []string{
	"drwxrwxrwt",
	"touch: /root/x: Permission denied",
	"sh: cd: line 2: can't cd to /root: Permission denied",
	"ls: can't open '/root': Permission denied",
	"cat: can't open '/root/x': Permission denied",
	"touch: /tmp/rd/new: Permission denied",
	"mkdir: can't create directory '/tmp/rd/newdir': Permission denied",
	"cat: can't open '/tmp/rd/secret': Permission denied",
	"public",
	"sh: can't create /tmp/rd/public: Permission denied",
	"sh: can't create /tmp/rd/public: Permission denied",
	"rm: can't remove '/tmp/rd/public': Permission denied",
	"mv: can't rename '/tmp/rd/public': Permission denied",
	"rm: can't remove '/tmp/rootfile': Operation not permitted",
	"mv: can't rename '/tmp/rootfile': Operation not permitted",
	"chmod: /tmp/rootfile: Operation not permitted",
	"touch: /tmp/rootfile: Operation not permitted",
	"touch now: allowed",
	"truncate: /tmp/rd/public: open: Permission denied",
	"mine", "more",
	"touch -d own: allowed",
	"mine", "more", "root", "public",
	"root: done",
}

// appletsLines is what user/busybox/tests/applets prints, as the same
// busybox prints it on Linux 6.1 (the jail's and the mounts' names
// aside): an exec with 12000 bytes of one variable, 5000 arguments,
// xargs's 15348 and 4652 (busybox packs 30 KiB of arguments into one
// exec, 153 KiB with their pointers, within Linux's quarter of the
// stack limit; gokern took 64 strings and 8 KiB once, then 128 KiB, and
// refused the rest with -E2BIG), 3000 variables, a script's 500 arguments and its
// /proc/PID/cmdline (interpreter, script, 500), yes killed by SIGPIPE
// (gokern never sent it: yes printed "Broken pipe"), chroot's new root (its
// "/" and its ".." are the jail's) and user's -EPERM, statfs's types,
// sethostname and user's -EPERM, syncfs, three equal copies of a
// 588895-byte file (cp and cat use sendfile), /proc/self/cwd and root
// (gokern had neither), a script's comm (its name, not its
// interpreter's: pidof finds it), a remount read-only refused with a
// file open for writing, then made, then undone (gokern refused every
// remount with -EINVAL), a bind mount (refused too), and file times
// from the wall clock (they were the time since boot: 1970), and nice
// values (renice, /proc/PID/stat, inherited; user may raise its own, not
// lower it again, -EACCES, nor touch init's, -EPERM: gokern had no
// getpriority or setpriority), /proc/loadavg (there was none), and
// execve refusing a file without an execute bit and a noexec mount's
// (gokern ran both).
var appletsLines = []string{
	"env 12000", "5000", "xargs 15348", "xargs 4652", "3000",
	"script 500 1 500", "502",
	"yes | head: 141",
	"bin", "bin", "Operation not permitted",
	"tmpfs 255", "proc 255", "ramfs 255", "df tmpfs /tmp",
	"gokern-bb", "gokern-bb", "Operation not permitted",
	"syncfs ok",
	"3 dea9193b768319cbb4ff1a137ac03113",
	"cwd /tmp root /",
	"myscript", "pidof myscript: its pid",
	"Device or resource busy", "ro", "Read-only file system", "new open",
	"a b", "one", "1", "0",
	"old: now", "new: now", "old",
	"prio 25 nice 5", "ps nice 5", "child nice 4", "Permission denied", "Operation not permitted",
	"loadavg 5 1 1", "last pid: the reader",
	"Permission denied", "ran", "Permission denied",
}

// checkLs: / lists the archive's top level; /proc's numbers are exactly
// the pids alive while ls ran.
func checkLs(t *testing.T, l []string) {
	l = userLines(l)
	var root, proc []string
	i := 0
	for ; i < len(l) && !strings.HasPrefix(l[i], "script pid "); i++ {
		root = append(root, strings.Fields(l[i])...)
	}
	script := field(t, l, "script pid ")[0]
	ls := field(t, l, "ls pid ")[0]
	for ; i < len(l); i++ {
		if !strings.Contains(l[i], " pid ") {
			proc = append(proc, strings.Fields(l[i])...)
		}
	}
	sort.Strings(root)
	if got, want := strings.Join(root, " "), "bin dev etc init linuxrc proc root sbin sys tests tmp usr"; got != want {
		t.Errorf("ls /: %s, want %s", got, want)
	}
	var pids []string
	names := map[string]bool{}
	for _, n := range proc {
		if _, err := strconv.Atoi(n); err == nil {
			pids = append(pids, n)
		} else {
			names[n] = true
		}
	}
	sort.Slice(pids, func(a, b int) bool { return atoiT(t, pids[a]) < atoiT(t, pids[b]) })
	if got, want := strings.Join(pids, " "), "1 2 "+script+" "+ls; got != want {
		t.Errorf("/proc's pids: %s, want %s (init, kthreadd, the script, ls)", got, want)
	}
	for _, n := range []string{"self", "meminfo", "buddyinfo", "uptime", "cpuinfo", "interrupts"} {
		if !names[n] {
			t.Errorf("/proc lacks %s: %v", n, proc)
		}
	}
}

// checkMeminfo: MemTotal is the boot's "Memory: X/YK available" X plus
// the initrd memory freed after it, and MemFree is exactly the free
// blocks /proc/buddyinfo lists in the same cat (no allocation between
// the two reads changes them: cat reuses its buffer).
func checkMeminfo(t *testing.T, l []string, console []string) {
	m := meminfo(l)
	var avail, initrd int
	for _, c := range console {
		if s := regexp.MustCompile(`Memory: (\d+)K/\d+K available`).FindStringSubmatch(c); s != nil {
			avail = atoiT(t, s[1])
		}
		if s := regexp.MustCompile(`Freeing initrd memory: (\d+)K`).FindStringSubmatch(c); s != nil {
			initrd = atoiT(t, s[1])
		}
	}
	if avail == 0 || initrd == 0 {
		t.Fatal("no Memory: or Freeing initrd memory: line on the console")
	}
	if m["MemTotal"] != avail+initrd {
		t.Errorf("MemTotal %d kB, want %d (Memory: %dK + initrd %dK)", m["MemTotal"], avail+initrd, avail, initrd)
	}
	free := 0
	zones := 0
	for _, s := range l {
		f := strings.Fields(s)
		if len(f) < 5 || f[0] != "Node" {
			continue
		}
		zones++
		for order, n := range f[4:] {
			free += atoiT(t, n) << order
		}
	}
	if zones == 0 {
		t.Fatalf("no buddyinfo lines\n%s", strings.Join(l, "\n"))
	}
	if m["MemFree"] != free*4 {
		t.Errorf("MemFree %d kB, buddyinfo's free blocks %d pages = %d kB", m["MemFree"], free, free*4)
	}
	if m["MemFree"] <= 0 || m["MemFree"] >= m["MemTotal"] || m["Cached"] <= 0 {
		t.Errorf("implausible: MemFree %d MemTotal %d Cached %d", m["MemFree"], m["MemTotal"], m["Cached"])
	}
}

// checkFree: free's figures (sysinfo) are /proc/meminfo's: the same
// total, buff/cache the page cache, used what is left; its free differs
// from MemFree, read a process later, by at most what one busybox
// process holds.
func checkFree(t *testing.T, l []string) {
	f := field(t, l, "Mem:")
	if len(f) != 6 {
		t.Fatalf("free's Mem: line %v", f)
	}
	total, used, free, cache := atoiT(t, f[0]), atoiT(t, f[1]), atoiT(t, f[2]), atoiT(t, f[4])
	m := meminfo(l)
	if total != m["MemTotal"] {
		t.Errorf("free's total %d, MemTotal %d", total, m["MemTotal"])
	}
	if cache != m["Cached"]+m["Buffers"]+m["SReclaimable"] {
		t.Errorf("free's buff/cache %d, meminfo's Cached+Buffers+SReclaimable %d", cache, m["Cached"]+m["Buffers"]+m["SReclaimable"])
	}
	if used != total-free-cache {
		t.Errorf("free's used %d != total-free-buff/cache %d", used, total-free-cache)
	}
	if d := free - m["MemFree"]; d < -1024 || d > 1024 {
		t.Errorf("free's free %d kB, MemFree %d kB a moment later", free, m["MemFree"])
	}
}

// checkPs: the first ps lists init, kthreadd, the script's shell, the
// sleep (its pid from $!, its command line) and ps itself; after kill
// and wait the sleep is gone, with status 143 (128 + SIGTERM).
func checkPs(t *testing.T, l []string) {
	l = userLines(l)
	sleep := field(t, l, "sleep pid ")[0]
	var tables [][][]string
	for _, s := range l {
		if strings.HasPrefix(s, "PID ") {
			tables = append(tables, nil)
			continue
		}
		if f := strings.Fields(s); len(tables) > 0 && len(f) >= 3 {
			if _, err := strconv.Atoi(f[0]); err == nil {
				tables[len(tables)-1] = append(tables[len(tables)-1], f)
			}
		}
	}
	if len(tables) != 2 {
		t.Fatalf("want two ps tables\n%s", strings.Join(l, "\n"))
	}
	cmd := func(tab [][]string, pid string) string {
		for _, r := range tab {
			if r[0] == pid {
				return strings.Join(r[2:], " ")
			}
		}
		return ""
	}
	// init is the /init script: its comm is the script's name (Linux
	// keeps bprm->filename for it), its command line the shell's, so
	// ps shows both, as on Linux.
	if c := cmd(tables[0], "1"); !strings.HasPrefix(c, "{init} /bin/sh /init ") {
		t.Errorf("pid 1: %q, want {init} /bin/sh /init ...", c)
	}
	if c := cmd(tables[0], "2"); c != "[kthreadd]" {
		t.Errorf("pid 2: %q", c)
	}
	// busybox execs its applets through /proc/self/exe (comm "exe"),
	// then names itself with prctl(PR_SET_NAME): ps shows the command
	// line alone when comm matches it, as on Linux.
	if c := cmd(tables[0], sleep); c != "sleep 30" {
		t.Errorf("the sleep, pid %s: %q, want sleep 30", sleep, c)
	}
	if c := cmd(tables[1], sleep); c != "" {
		t.Errorf("the sleep, pid %s, still listed after wait: %q", sleep, c)
	}
	if len(tables[0]) != 5 || len(tables[1]) != 4 {
		t.Errorf("want init, kthreadd, the script, the sleep and ps, then without the sleep\n%s", strings.Join(l, "\n"))
	}
	if field(t, l, "sleep status ")[0] != "143" {
		t.Errorf("sleep's status after SIGTERM: %v, want 143", field(t, l, "sleep status "))
	}
}

// checkUptime: uptime's minutes are /proc/uptime's, its time of day the
// clock's (date, read just after), and the loads sysinfo's.
func checkUptime(t *testing.T, l []string) {
	l = userLines(l)
	if len(l) != 3 {
		t.Fatalf("want uptime, /proc/uptime, date\n%s", strings.Join(l, "\n"))
	}
	s := regexp.MustCompile(`^ (\d\d:\d\d:\d\d) up (\d+) min,  0 users,  load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d$`).FindStringSubmatch(l[0])
	if s == nil {
		t.Fatalf("uptime: %q", l[0])
	}
	secs := atofT(t, strings.Fields(l[1])[0])
	if got := atoiT(t, s[2]); got != int(secs)/60 {
		t.Errorf("uptime says up %d min, /proc/uptime %.2f s", got, secs)
	}
	if s[1] != l[2] && s[1] > l[2] {
		t.Errorf("uptime's time %s after date's %s", s[1], l[2])
	}
}

// checkDmesg: the kernel log read through syslog(2) is the console's.
// Of dmesg -r's first lines, those below KERN_DEBUG are the console's
// first lines in order, timestamps and all, and the KERN_DEBUG ones
// (pr_debug, stored but not printed without "debug") are not on it;
// the line that ran init is there too.
func checkDmesg(t *testing.T, l []string, console []string) {
	var klog []string
	for _, c := range console {
		if kernelLineRe.MatchString(c) {
			klog = append(klog, c)
		}
	}
	if len(l) < 7 {
		t.Fatalf("dmesg section\n%s", strings.Join(l, "\n"))
	}
	at, shown := 0, 0
	for _, s := range l[:5] {
		m := regexp.MustCompile(`^<(\d)>(\[.*)$`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("dmesg -r line %q", s)
		}
		if m[1] == "7" {
			if contains(klog, m[2]) {
				t.Errorf("KERN_DEBUG line on the console: %q", m[2])
			}
			continue
		}
		if at >= len(klog) || klog[at] != m[2] {
			t.Errorf("dmesg's line %q is not the console's kernel line %d %q", m[2], at, klog[min(at, len(klog)-1)])
		}
		at++
		shown++
	}
	if shown == 0 {
		t.Errorf("no line of dmesg -r's first five is on the console\n%s", strings.Join(l, "\n"))
	}
	run := ""
	for _, c := range klog {
		if strings.HasSuffix(c, "Run /init as init process") {
			run = c
		}
	}
	if run == "" || !contains(l, run) {
		t.Errorf("dmesg lacks the console's %q", run)
	}
	if n := atoiT(t, field(t, l, "dmesg lines ")[0]); n < len(klog)/2 {
		t.Errorf("dmesg has %d lines, the console %d kernel lines", n, len(klog))
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// checkSleep: a second passed between the two /proc/uptime reads, and
// time's real figure is a second.
func checkSleep(t *testing.T, l []string) {
	var up []float64
	real := -1.0
	for _, s := range userLines(l) {
		f := strings.Fields(s)
		if len(f) == 2 && strings.Contains(f[0], ".") && !strings.HasPrefix(s, "real") {
			up = append(up, atofT(t, f[0]))
		}
		if m := regexp.MustCompile(`^real\s+(\d+)m\s*(\d+\.\d+)s$`).FindStringSubmatch(s); m != nil {
			real = float64(atoiT(t, m[1]))*60 + atofT(t, m[2])
		}
	}
	if len(up) != 2 || real < 0 {
		t.Fatalf("want two /proc/uptime lines and time's real\n%s", strings.Join(l, "\n"))
	}
	if d := up[1] - up[0]; d < 1.0 {
		t.Errorf("/proc/uptime advanced %.2f s over sleep 1", d)
	}
	if real < 1.0 || real > up[1]-up[0]+0.01 {
		t.Errorf("time's real %.2f s: want at least 1 s and at most the %.2f s /proc/uptime saw around it", real, up[1]-up[0])
	}
}

// checkBgwait: the job ran in the background, wait gave its status 5,
// and then its pid was gone.
func checkBgwait(t *testing.T, l []string) {
	l = userLines(l)
	want := []string{"bg pid " + field(t, l, "bg pid ")[0], "running", "bg status 5", "reaped"}
	if strings.Join(l, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(l, "\n"), strings.Join(want, "\n"))
	}
}

// checkSegv: Linux's segfault line at the program's first instruction
// (its ELF entry), error 4 (user read, not present), status 139, and the
// shell still running.
func checkSegv(t *testing.T, l []string, entry uint64) {
	re := regexp.MustCompile(fmt.Sprintf(`\] nullderef\[(\d+)\]: segfault at 0 ip %016x sp 00007ff[0-9a-f]{9} error 4 in nullderef\[%x\+1000\]$`, entry, entry&^0xfff))
	found := false
	for _, s := range l {
		found = found || re.MatchString(s)
	}
	if !found {
		t.Errorf("no line matching %s", re)
	}
	u := userLines(l)
	want := []string{"Segmentation fault", "nullderef status 139", "shell still here"}
	if strings.Join(u, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(u, "\n"), strings.Join(want, "\n"))
	}
}

// TestBusyboxForkBomb: user/busybox/tests/forkbomb in its own boot (it
// takes the CPU while it runs). The kernel refused forks at RLIMIT_NPROC
// (its own count, on init's exit line), every bomb process was ended by
// the user's kill -9 -1 and reaped, the free memory after the second
// bomb is within a few pages of the first's, and no user page or process
// is left.
func TestBusyboxForkBomb(t *testing.T) {
	t.Parallel()
	initrd, _ := busyboxTestInitrd(t)
	r := q.Boot(t, q.Config{Initrd: initrd, Append: "-- forkbomb"})
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "== end forkbomb status 0", "0 user pages and 0 other processes left")
	m := regexp.MustCompile(`exits after (\d+) forks \(0 refused at threads-max \d+, (\d+) at RLIMIT_NPROC\)`).FindStringSubmatch(r.Output)
	if m == nil || atoiT(t, m[2]) == 0 {
		t.Fatalf("no fork refused at RLIMIT_NPROC\n%s", r.Describe())
	}
	t.Logf("%s forks, %s refused at RLIMIT_NPROC", m[1], m[2])
	sec, _ := scriptSections(t, r)
	l := userLines(sec["forkbomb"])
	var free [2]int
	var other [2]string // what else held memory, for a failure's message
	for i := 1; i <= 2; i++ {
		run := field(t, l, fmt.Sprintf("bomb %d running ", i))
		if atoiT(t, run[0]) > 12 {
			t.Errorf("bomb %d: %s processes of user, RLIMIT_NPROC is 12", i, run[0])
		}
		k := field(t, l, fmt.Sprintf("bomb %d killed by ", i))
		if k[len(k)-2] != "0" {
			t.Errorf("bomb %d: %v", i, k)
		}
		// Every process of the bomb reaped before the memory is read:
		// as many processes as before it.
		if p := field(t, l, fmt.Sprintf("bomb %d reaped: ", i)); len(p) < 6 || p[1] != "processes" || "("+p[0]+")" != p[5] {
			t.Errorf("bomb %d: the processes before the memory was read: %v", i, p)
		}
		// Free pages and the page-table pages the quicklists hold (16
		// to 25 of them, 64-100 kB, by how many tables were freed last:
		// MemFree alone moved by 84-112 kB in 1 boot in 8).
		free[i-1] = atoiT(t, field(t, l, fmt.Sprintf("bomb %d MemFree:", i))[0]) +
			atoiT(t, field(t, l, fmt.Sprintf("bomb %d Quicklists:", i))[0])
		for _, k := range []string{"Cached", "Slab", "VmallocUsed"} {
			other[i-1] += fmt.Sprintf(" %s %s kB", k, field(t, l, fmt.Sprintf("bomb %d %s:", i, k))[0])
		}
	}
	// The shell reads /proc/meminfo itself, with no child alive: a few
	// pages still move between the two readings, as the slab caches and
	// the quicklists keep what the bombs freed last.
	if d := free[0] - free[1]; d > 64 || d < -64 {
		t.Errorf("MemFree after the first bomb %d kB (%s), after the second %d kB (%s)", free[0], other[0], free[1], other[1])
	}
	t.Logf("MemFree after each bomb: %d kB (%s), %d kB (%s)", free[0], other[0], free[1], other[1])
}

// checkRestart: the stopped sleep showed state T, exited 0, and ended at
// its first deadline: at least 4 s after the time taken before it
// began, and well under 4 s after SIGCONT (a restart from scratch would
// take those 4 s again; an -EINTR end would come before the deadline).
// The bounds are relative to the shell's own readings, which a loaded
// host may delay, not to a schedule.
func checkRestart(t *testing.T, l []string) {
	l = userLines(l)
	if st := field(t, l, "State:"); strings.Join(st, " ") != "T (stopped)" {
		t.Errorf("the stopped sleep's state: %v", st)
	}
	if st := field(t, l, "sleep status ")[0]; st != "0" {
		t.Errorf("sleep status %s", st)
	}
	e := field(t, l, "times ")
	t0, tc, t1 := atofT(t, e[0]), atofT(t, e[1]), atofT(t, e[2])
	if t1-t0 < 4.0 {
		t.Errorf("sleep 4 ended %.2f s after it began: before its deadline", t1-t0)
	}
	if t1-tc >= 3.0 && t1-t0 > 4.5 {
		t.Errorf("sleep 4 ended %.2f s after SIGCONT (%.2f s after it began): restarted from scratch", t1-tc, t1-t0)
	}
}

// TestBusyboxInteractive: the shell /init starts on the console, driven
// through the serial line as a user types: each byte goes through the
// 8250's receive interrupt and ttyS0's line discipline (echo, canonical
// lines) to ash. It must come up with job control (ttyS0 its controlling
// tty: no "can't access tty"), run typed commands, stop a foreground job
// at ^Z (SIGTSTP to the tty's foreground group), list it, continue it
// in the background with bg, bring it back with fg and end it with ^C,
// then power off on exit with init's status. The UART's interrupt count
// in /proc/interrupts grows with the bytes typed.
func TestBusyboxInteractive(t *testing.T) {
	t.Parallel()
	m := q.Start(t, q.Config{Initrd: busyboxInitrd(t)})
	prompt := regexp.MustCompile(`/ # `)
	n := 0
	waitPrompt := func() {
		n++
		m.WaitForNth(prompt, n, 60*time.Second)
	}
	waitPrompt()
	typeLine := func(s string) { m.Type(s + "\r"); waitPrompt() }
	typeLine("echo $((6*7)) $(tty)")
	m.WaitFor(regexp.MustCompile(`\n42 /dev/ttyS0\r?\n`), 10*time.Second)
	typeLine("grep ttyS0 /proc/interrupts")
	first := m.WaitFor(regexp.MustCompile(`\n\s*4:\s+(\d+)\s.*ttyS0`), 10*time.Second)
	m.Type("sleep 30\r")
	m.WaitFor(regexp.MustCompile(`sleep 30\r?\n`), 10*time.Second)
	// ^Z until the job stops: one typed before the shell's child made
	// itself the tty's foreground group (fork, setpgid, tcsetpgrp, then
	// exec) goes to the shell's own group, and ash ignores SIGTSTP. On a
	// loaded host that took longer than the half second waited before.
	stopped := regexp.MustCompile(`\[1\]\+\s+Stopped\s+sleep 30`)
	for i := 0; ; i++ {
		time.Sleep(500 * time.Millisecond)
		m.Type("\x1a") // ^Z
		if i == 5 {
			m.WaitFor(stopped, 30*time.Second)
			break
		}
		if m.Shows(stopped, 5*time.Second) {
			break
		}
	}
	waitPrompt()
	typeLine("ps -o pid,stat,comm | grep sleep")
	m.WaitFor(regexp.MustCompile(`\n\s*\d+\s+T\s+sleep`), 10*time.Second)
	typeLine("bg")
	m.WaitFor(regexp.MustCompile(`\[1\] sleep 30`), 10*time.Second)
	typeLine("jobs")
	m.WaitFor(regexp.MustCompile(`\[1\]\+\s+Running\s+sleep 30`), 10*time.Second)
	m.Type("fg\r")
	m.WaitFor(regexp.MustCompile(`fg\r?\nsleep 30\r?\n`), 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	m.Type("\x03") // ^C: SIGINT to the foreground job only
	waitPrompt()
	typeLine("echo status $?")
	m.WaitFor(regexp.MustCompile(`\nstatus 130\r?\n`), 10*time.Second)
	typeLine("grep ttyS0 /proc/interrupts")
	second := m.WaitForNth(regexp.MustCompile(`\n\s*4:\s+(\d+)\s.*ttyS0`), 2, 10*time.Second)
	if a, b := atoiT(t, first[1]), atoiT(t, second[1]); b <= a {
		t.Errorf("IRQ 4 count %d then %d: typing raised no interrupt", a, b)
	}
	m.Type("exit 3\r")
	r := m.Wait(60 * time.Second)
	mustContain(t, r, "Attempted to kill init! exitcode=0x00000300")
	if strings.Contains(r.Output, "can't access tty") {
		t.Errorf("ash has no job control\n%s", r.Describe())
	}
}

// rtsigLines: what user/rtsig prints when every check holds, on Linux as
// on gokern.
var rtsigLines = []string{
	"rtsig: delivered (signal si_code si_value): 34 -1 1; 34 -1 2; 34 -1 3; 10 0 0;",
	"rtsig: 34 three times in order with its si_values, SIGUSR1 once",
	"rtsig: RLIMIT_SIGPENDING 0: rt_sigqueueinfo -EAGAIN",
}

// TestRtsigHost: user/rtsig on the host's Linux, so that what
// TestBusyboxScripts/rtsig expects of gokern is Linux's behaviour.
func TestRtsigHost(t *testing.T) {
	dir := t.TempDir()
	p, err := userprog.BuildStatic("rtsig", dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(p).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != strings.Join(rtsigLines, "\n") {
		t.Fatalf("the host's Linux:\n%s\nwant\n%s", got, strings.Join(rtsigLines, "\n"))
	}
}

// devfdLines is what user/busybox/tests/devfd prints, as the same busybox
// prints it on Linux 6.18: /dev/stdout, /dev/stdin and /dev/fd/0 open
// the shell's terminal and pipes anew (the jump of proc_fd_link), also
// with O_CREAT|O_APPEND (>>); stat -L sees the pipe behind /dev/stdin;
// a deleted file opens again through /proc/$$/fd/4 and /dev/fd/4; a
// closed descriptor's link is not there. Before, opening any of them
// followed the link's text: "pipe:[N]" and "/tmp/deleted" were not
// there, and gokern had no /dev/fd or /dev/std* at all.
var devfdLines = []string{
	"to stdout",
	"through a pipe",
	"through stdin",
	"appended",
	"/proc/self/fd/0",
	"/proc/self/fd",
	"fifo",
	"kept",
	"kept",
	"cat: can't open '/dev/fd/N': No such file or directory",
}

// sigbusLines: what user/sigbus prints when SIGBUS came as it should.
var sigbusLines = []string{
	"sigbus: the mapped file's first byte read",
	"sigbus: SIGBUS BUS_ADRERR at the page past the end of the file",
}

// retargetLines: what the retarget script prints when the SIGUSR1 the
// dying leader was chosen for reached the exec'd program (killed by it:
// 128 + 10), and the SIGUSR2 its handler blocked went to the other
// thread.
var retargetLines = []string{
	"retarget: the second thread execs, SIGUSR1 pending for the process",
	"User defined signal 1", // the shell's word for its killed child
	"retarget status 138",
	retargetMaskLine,
	"retarget mask status 0",
}

const retargetMaskLine = "retarget: SIGUSR2, blocked by the leader's SIGUSR1 handler, taken by the second thread meanwhile"

// TestRetargetHost: user/retarget on the host's Linux: killed by SIGUSR1
// after its exec.
func TestRetargetHost(t *testing.T) {
	p, err := userprog.BuildStatic("retarget", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(p).CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || !ee.Sys().(interface{ Signaled() bool }).Signaled() || ee.ExitCode() != -1 || !strings.Contains(err.Error(), "user defined signal 1") {
		t.Fatalf("the host's Linux: %v, want killed by SIGUSR1\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != retargetLines[0] {
		t.Fatalf("the host's Linux:\n%s\nwant\n%s", got, retargetLines[0])
	}
	out, err = exec.Command(p, "mask").CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != retargetMaskLine {
		t.Fatalf("the host's Linux, mask: %v\n%s\nwant\n%s", err, got, retargetMaskLine)
	}
}

// TestSigbusHost: user/sigbus on the host's Linux.
func TestSigbusHost(t *testing.T) {
	dir := t.TempDir()
	p, err := userprog.BuildStatic("sigbus", dir)
	if err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(p, small).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != strings.Join(sigbusLines, "\n") {
		t.Fatalf("the host's Linux:\n%s\nwant\n%s", got, strings.Join(sigbusLines, "\n"))
	}
}

// netdevLinux is what user/busybox/tests/netdev printed with the same
// busybox on the host's Linux 6.18 in a network namespace with lo alone
// (`unshare -rn sh -c 'ip link set lo up; sh netdev'`, ip and ifconfig
// linked to /bin/busybox).
const netdevLinux = `== ip addr
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host 
       valid_lft forever preferred_lft forever
status 0
== ip link
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
status 0
== ip -4 addr show dev lo
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
status 0
== ip route
status 0
== ip route show table local
local 127.0.0.0/8 dev lo scope host  src 127.0.0.1 
local 127.0.0.1 dev lo scope host  src 127.0.0.1 
broadcast 127.255.255.255 dev lo scope link  src 127.0.0.1 
status 0
== ip link set lo up
status 0
== ip link show eth0
ip: can't find device 'eth0'
status 2
== ifconfig lo
lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          inet6 addr: ::1/128 Scope:Host
          UP LOOPBACK RUNNING  MTU:65536  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)

status 0
== ifconfig
lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          inet6 addr: ::1/128 Scope:Host
          UP LOOPBACK RUNNING  MTU:65536  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)

status 0
== ifconfig lo up
status 0
== ifconfig eth0
ifconfig: eth0: error fetching interface information: Device not found
status 1
`

// checkNetdev: busybox's ip and ifconfig print what they print on Linux
// (netdevLinux), but for what gokern does not have (docs/sockets.md
// §13): no IPv6 (the inet6 lines of ::1), no broadcast route of
// 127.255.255.255, and no /proc/net/dev, so ifconfig says so once per
// run and prints no packet counts.
func checkNetdev(t *testing.T, l []string) {
	var want []string
	skipLft := false
	for _, x := range strings.Split(strings.TrimSuffix(netdevLinux, "\n"), "\n") {
		switch {
		case strings.Contains(x, "inet6"):
			skipLft = strings.Contains(x, "scope host")
			continue
		case skipLft && strings.Contains(x, "valid_lft"):
			skipLft = false
			continue
		case strings.HasPrefix(x, "broadcast 127.255.255.255"),
			strings.Contains(x, "RX packets:"), strings.Contains(x, "TX packets:"),
			strings.Contains(x, "collisions:"), strings.Contains(x, "RX bytes:"):
			continue
		case x == "== ifconfig lo" || x == "== ifconfig" || x == "== ifconfig eth0":
			want = append(want, x, "ifconfig: /proc/net/dev: No such file or directory")
			continue
		}
		skipLft = false
		want = append(want, strings.TrimRight(x, " "))
	}
	var got []string
	for _, x := range userLines(l) {
		got = append(got, strings.TrimRight(x, " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
