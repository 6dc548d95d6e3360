package boottest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gokern/drivers/i8253"
	"gokern/e820"
	q "gokern/internal/qemutest"
)

// mustExit fails the test unless QEMU exited with code.
func mustExit(t *testing.T, r *q.Result, code int) {
	t.Helper()
	if r.TimedOut || r.ExitCode != code {
		t.Fatalf("want exit %d\n%s", code, r.Describe())
	}
}

// mustContainInOrder: each of subs on the console, each after the one
// before.
func mustContainInOrder(t *testing.T, r *q.Result, subs ...string) {
	t.Helper()
	rest := r.Output
	for _, s := range subs {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("no %q (in order) on the console\n%s", s, r.Describe())
		}
		rest = rest[i+len(s):]
	}
}

func mustContain(t *testing.T, r *q.Result, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.Output, s) {
			t.Fatalf("console lacks %q\n%s", s, r.Describe())
		}
	}
}

// TestBootStagesInOrder: with "debug" every stage prints a line naming its
// Linux function, in boot order, and the idle line names cpu_idle.
func TestBootStagesInOrder(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "debug exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	stages := []string{"start_of_setup", "detect_memory", "go_to_protected_mode", "startup_32",
		"startup_64", "x86_64_start_kernel", "start_kernel", "cpu_idle"}
	lines := r.Lines()
	at := 0
	for _, stage := range stages {
		found := false
		for ; at < len(lines); at++ {
			if strings.Contains(lines[at], stage) {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("stage %q missing or out of order\n%s", stage, r.Describe())
		}
	}
	// The idle line is the last thing printed.
	if last := lines[len(lines)-1]; !strings.Contains(last, "cpu_idle") {
		t.Fatalf("last line %q is not the idle line", last)
	}
}

type e820Entry struct {
	addr, end uint64 // end inclusive
	typ       string
}

var (
	setupE820RE  = regexp.MustCompile(`detect_memory: e820 entry \d+: addr 0x([0-9a-f]{16}) size 0x([0-9a-f]{16}) type (\d+)`)
	kernelE820RE = regexp.MustCompile(`\] (BIOS-[0-9a-z]+): \[mem 0x([0-9a-f]{16})-0x([0-9a-f]{16})\] (.*)$`)
	typeNames    = map[string]string{"1": "usable", "2": "reserved", "3": "ACPI data", "4": "ACPI NVS", "5": "unusable"}
)

func hex(s string) uint64 { v, _ := strconv.ParseUint(s, 16, 64); return v }

// e820Maps returns the map the real-mode setup collected and the one the
// kernel printed.
func e820Maps(r *q.Result) (setup, kernel []e820Entry, who string) {
	for _, l := range r.Lines() {
		if m := setupE820RE.FindStringSubmatch(l); m != nil {
			name, ok := typeNames[m[3]]
			if !ok {
				name = "type " + m[3]
			}
			a, sz := hex(m[1]), hex(m[2])
			setup = append(setup, e820Entry{a, a + sz - 1, name})
		}
		if m := kernelE820RE.FindStringSubmatch(l); m != nil {
			who = m[1]
			kernel = append(kernel, e820Entry{hex(m[2]), hex(m[3]), m[4]})
		}
	}
	return
}

// sanitise runs the setup's raw entries through the host build of the
// kernel's own e820 sanitiser (tested on its own in package e820): the
// kernel prints the map sanitised, as Linux does.
func sanitise(raw []e820Entry) []e820Entry {
	var tb e820.E820Table
	for _, e := range raw {
		typ := e820.E820_TYPE_RAM
		for n, name := range typeNames {
			if name == e.typ {
				v, _ := strconv.Atoi(n)
				typ = e820.E820Type(v)
			}
		}
		tb.Entries[tb.Nr_entries] = e820.E820Entry{Addr: e.addr, Size: e.end + 1 - e.addr, Type: typ}
		tb.Nr_entries++
	}
	e820.E820__update_table(&tb)
	var out []e820Entry
	for _, e := range tb.Entries[:tb.Nr_entries] {
		out = append(out, e820Entry{e.Addr, e.Addr + e.Size - 1, typeNames[strconv.Itoa(int(e.Type))]})
	}
	return out
}

func checkE820(t *testing.T, r *q.Result) {
	t.Helper()
	setup, kernel, who := e820Maps(r)
	if len(setup) < 2 || who != "BIOS-e820" {
		t.Fatalf("setup collected %d e820 entries, kernel printed a %q map\n%s", len(setup), who, r.Describe())
	}
	if want := sanitise(setup); fmt.Sprint(want) != fmt.Sprint(kernel) {
		t.Fatalf("the kernel's e820 map is not the setup's, sanitised\nsetup:     %v\nsanitised: %v\nkernel:    %v\n%s",
			setup, want, kernel, r.Describe())
	}
}

// TestE820MatchesSetup: the map setup_arch prints is the one detect_memory
// collected, sanitised.
func TestE820MatchesSetup(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "debug exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	checkE820(t, r)
}

// TestBootMatrix boots every firmware × memory size × machine with all
// selftests; each must pass them all and print a consistent e820 map.
// The edge sizes (bootEdge, bootstage_test.go) must instead stop with the
// boot stage's message, or move the initrd out of the kernel's way.
func TestBootMatrix(t *testing.T) {
	for _, bios := range []string{"seabios", "qboot"} {
		for _, mem := range []string{"16M", "17M", "tight+initrd", "32M", "128M", "1G", "3584M", "5G", "8G"} {
			for _, machine := range []string{"pc", "q35"} {
				bios, mem, machine := bios, mem, machine
				t.Run(bios+"/"+mem+"/"+machine, func(t *testing.T) {
					t.Parallel()
					if bootEdge(t, bios, machine, mem) {
						return
					}
					cfg := q.Config{Append: "debug selftest=all", Mem: mem, Machine: machine}
					if bios == "qboot" {
						cfg.BIOS = "qboot"
					}
					r := q.Boot(t, cfg)
					allPassed(t, r)
					checkE820(t, r)
				})
			}
		}
	}
}

// TestNoLongMode: a CPU gokern cannot run on gets Linux's message and a
// clean stop (exit 35), never a reboot loop: a 32-bit CPU, and CPUs
// without a feature of Linux's x86-64 REQUIRED_MASK0 that QEMU's TCG
// would not enforce (-msr: WRMSR to EFER, -pge: CR4.PGE in startup_64 ran
// anyway and the kernel booted; real hardware raises #GP), refused by the
// real-mode validate_cpu (-kernel) and by the boot stage's verify_cpu
// (GRUB's linux command skips the real-mode setup).
func TestNoLongMode(t *testing.T) {
	for _, c := range []struct {
		name, cpu, entry string
		want             []string
	}{
		{"qemu32", "qemu32", "", []string{"This kernel requires an x86-64 CPU, but only detected an i686 CPU."}},
		{"athlon", "athlon", "", []string{"This kernel requires an x86-64 CPU, but only detected an i686 CPU."}},
		{"no-msr-pge", "qemu64,-msr,-pge", "", []string{"This kernel requires the following features not present on the CPU:\nmsr pge \n"}},
		{"no-pge-grub-linux", "qemu64,-pge", "linux", []string{"startup_32: This kernel requires an x86-64 CPU with MSR, PAE, PGE, TSC and SSE2."}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := q.Config{CPU: c.cpu, Append: "exit_at_idle"}
			if c.entry != "" {
				cfg = q.Config{CPU: c.cpu, CDROM: grubISO(t, c.entry, "earlyprintk=serial exit_at_idle", "")}
			}
			r := q.Boot(t, cfg)
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, c.want...)
			mustContain(t, r, "Unable to boot - please use a kernel appropriate for your CPU.")
			if strings.Count(r.Output, "This kernel requires") != 1 {
				t.Fatalf("message printed more than once: did it reboot?\n%s", r.Describe())
			}
			if strings.Contains(r.Output, "start_kernel") || strings.Contains(r.Output, "Command line:") {
				t.Fatalf("the kernel started\n%s", r.Describe())
			}
		})
	}
}

// TestSelftestProtocol: a failing selftest and an unknown name both end
// with "not ok" and exit 35; a named subset runs just that subset.
func TestSelftestProtocol(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "selftest=ktap_must_fail"})
	mustExit(t, r, q.ExitFailure)
	if res, plan := r.KTAP(); plan != 1 || len(res) != 1 || res[0].OK || res[0].Name != "ktap_must_fail" {
		t.Fatalf("KTAP %v plan %d\n%s", res, plan, r.Describe())
	}
	r = q.Boot(t, q.Config{Append: "selftest=static_g,nosuch"})
	mustExit(t, r, q.ExitFailure)
	mustContain(t, r, "ok 1 static_g", "not ok 2 nosuch # no such selftest")
	r = q.Boot(t, q.Config{Append: "selftest=boot_params,tsc_clock"})
	mustExit(t, r, q.ExitSuccess)
	if res, plan := r.KTAP(); plan != 2 || len(res) != 2 || !res[0].OK || !res[1].OK {
		t.Fatalf("KTAP %v plan %d\n%s", res, plan, r.Describe())
	}
}

// TestOops: every kind of kernel bug ends in an oops in Linux's format,
// naming the kernel function and line, and exit 35 (never a triple fault,
// which with -no-reboot would exit 0). The lines are checked against the
// source and the image: "in kernel code at" names the faulting statement
// (for the stack overflow, whichever statement of the recursion touched
// the guard page first), the Call Trace frame of the function that called
// the lkdtm_* crash (lkdtm_do_action, or lkdtm_EXHAUST_STACK itself for
// the recursion) names the line of that call, and the Code: bytes are
// vmlinux's bytes around RIP (checkOops).
func TestOops(t *testing.T) {
	cases := []struct {
		typ       string
		headlines []string
		fault     string // the statement that faults; "" for the recursion
		caller    string
	}{
		{"ACCESS_NULL", []string{"BUG: kernel NULL pointer dereference, address: 0000000000000040\n",
			"#PF: supervisor read access in kernel mode", "#PF: error_code(0x0000) - not-present page", "PGD 0 P4D 0 \n",
			"Oops: 0000 [#1]"}, "lkdtm_ptr.field", "lkdtm_do_action"},
		// lkdtm_ARRAY_BOUNDS(len("ARRAY_BOUNDS")) indexes [8]uint64 with 12+8.
		{"ARRAY_BOUNDS", []string{"kernel BUG: index out of range [20] with length 8 (Go bounds check)\n", "Oops: 0000 [#1]"},
			"lkdtm_array[i] = 1", "lkdtm_do_action"},
		{"EXHAUST_STACK", []string{"kernel stack overflow (double-fault): 0000 [#1]"}, "", "lkdtm_EXHAUST_STACK"},
		{"DIVIDE_ZERO", []string{"kernel BUG: integer divide by zero\n", "Oops: 0000 [#1]"}, "100/d", "lkdtm_do_action"},
		{"UNMAPPED", []string{"BUG: unable to handle page fault for address: ffffffffc0000000\n",
			"#PF: supervisor read access in kernel mode", "#PF: error_code(0x0000) - not-present page", "Oops: 0000 [#1]"},
			"printk.Int(*p)", "lkdtm_do_action"},
	}
	for _, c := range cases {
		c := c
		t.Run(c.typ, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: "lkdtm=" + c.typ})
			mustExit(t, r, q.ExitFailure)
			fn := "lkdtm_" + c.typ
			mustContain(t, r, c.headlines...)
			mustContain(t, r, "in kernel code at main."+fn+" (", "---[ end trace ", "Kernel panic - not syncing: Fatal exception")
			checkOops(t, r)

			m := regexp.MustCompile(`in kernel code at (\S+) \((.+):(\d+)\)`).FindStringSubmatch(r.Output)
			line, _ := strconv.Atoi(m[3])
			if c.fault != "" {
				if want := sourceLine(t, m[2], c.fault); line != want {
					t.Errorf("in kernel code at %s:%d, want line %d (%q)\n%s", m[2], line, want, c.fault, r.Describe())
				}
			} else if lo, hi := funcLines(t, m[2], fn); line < lo || line > hi {
				t.Errorf("in kernel code at %s:%d, outside %s (lines %d-%d)\n%s", m[2], line, fn, lo, hi, r.Describe())
			}

			frames := callTrace(r)
			i := slices.IndexFunc(frames, func(f traceFrame) bool { return strings.HasSuffix(f.fn, "."+c.caller) })
			if i < 0 {
				t.Fatalf("no frame of %s in the Call Trace %v\n%s", c.caller, frames, r.Describe())
			}
			f := frames[i]
			if want, ok := callLine(t, f.file, c.caller, fn); !ok || f.line != want {
				t.Errorf("Call Trace frame %s at %s:%d, want the line of its call of %s (%d; 0: not in that file)\n%s",
					f.fn, f.file, f.line, fn, want, r.Describe())
			}
		})
	}
}

// traceFrame is one frame of an oops's "Call Trace:".
type traceFrame struct {
	fn, file string
	line     int
}

var traceRE = regexp.MustCompile(`^ \[<[0-9a-f]{16}>\] (\S+)\+0x[0-9a-f]+/0x[0-9a-f]+ \((.+):(\d+)\)$`)

// callTrace returns the frames printed after "Call Trace:".
func callTrace(r *q.Result) []traceFrame {
	var frames []traceFrame
	in := false
	for _, s := range r.Stamps() {
		switch m := traceRE.FindStringSubmatch(s.Text); {
		case s.Text == "Call Trace:":
			in = true
		case !in || strings.HasPrefix(s.Text, " ... the "):
		case m == nil:
			return frames
		default:
			line, _ := strconv.Atoi(m[3])
			frames = append(frames, traceFrame{m[1], m[2], line})
		}
	}
	return frames
}

// sourceLine returns the number of the first line of the Go source file
// (as the kernel printed its path) that contains text.
func sourceLine(t *testing.T, file, text string) int {
	t.Helper()
	b, err := os.ReadFile(sourcePath(t, file))
	if err != nil {
		t.Fatal(err)
	}
	for n, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, text) {
			return n + 1
		}
	}
	t.Fatalf("%s has no line containing %q", file, text)
	return 0
}

// callLine returns the line at which function caller, in the Go source
// file, calls callee: read from the source, so that it follows edits.
func callLine(t *testing.T, file, caller, callee string) (int, bool) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, sourcePath(t, file), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == caller && fd.Body != nil {
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok && line == 0 {
					if id, ok := c.Fun.(*ast.Ident); ok && id.Name == callee {
						line = fset.Position(c.Pos()).Line
					}
				}
				return line == 0
			})
		}
	}
	return line, line != 0
}

// funcLines returns the first and last lines of function name in a Go
// source file.
func funcLines(t *testing.T, file, name string) (int, int) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, sourcePath(t, file), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name {
			return fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line
		}
	}
	t.Fatalf("%s has no function %s", file, name)
	return 0, 0
}

// sourcePath: the kernel prints source paths as the build saw them;
// relative ones are relative to the tree.
func sourcePath(t *testing.T, file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(q.Root(t), file)
}

// TestE820Fallback: without E820 the kernel builds its map from E801 or
// INT 15h 88h and says so.
func TestE820Fallback(t *testing.T) {
	for _, c := range []struct{ knob, who string }{{"e801", "BIOS-e801"}, {"88", "BIOS-88"}} {
		r := q.Boot(t, q.Config{Append: "exit_at_idle detect_memory=" + c.knob})
		mustExit(t, r, q.ExitSuccess)
		mustContain(t, r, "detect_memory: BIOS has no E820, falling back to E801/88h", "falling back to "+c.who)
		_, kernel, who := e820Maps(r)
		if who != c.who || len(kernel) != 2 || kernel[0].addr != 0 || kernel[1].addr != 1<<20 {
			t.Fatalf("fallback map %v under %q\n%s", kernel, who, r.Describe())
		}
		// 128 MiB of RAM: the map must cover most of it above 1 MiB.
		if size := kernel[1].end + 1 - kernel[1].addr; size < 60<<20 || size > 128<<20 {
			t.Fatalf("fallback RAM above 1 MiB is %d bytes", size)
		}
	}
}

// TestCmdlineTruncated: a command line longer than COMMAND_LINE_SIZE-1 is
// cut there, with a warning; the word the cut falls into is dropped
// whole, and said so, rather than half applied. The same through every
// loader that sets no limit of its own: PVH and QEMU's multiboot hand over
// 3000 bytes, which the boot stage copies (zp_cmdline); before, its copy
// ended in a NUL at the limit, and the cut was silent and the cut word
// kept half.
func TestCmdlineTruncated(t *testing.T) {
	long := "exit_at_idle " + strings.Repeat("x", 3000)
	for _, c := range []struct {
		name string
		cfg  func(t *testing.T) q.Config
	}{
		{"bzImage", func(t *testing.T) q.Config { return q.Config{Append: long} }},
		{"pvh", func(t *testing.T) q.Config { return q.Config{Image: q.Image(t, false).Vmlinux, Append: long} }},
		{"qemu-multiboot", func(t *testing.T) q.Config { return qemuMultibootWay(t, long, "") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, c.cfg(t))
			mustExit(t, r, q.ExitSuccess)
			// QEMU's multiboot loader puts the file's name first.
			m := regexp.MustCompile(`\] Command line: (\S* ?earlyprintk=serial exit_at_idle)\n`).FindStringSubmatch(r.Output)
			if m == nil {
				t.Fatalf("the command line kept is not the words before the cut\n%s", r.Describe())
			}
			mustContain(t, r, "Command line truncated to 2047 bytes",
				"Command line: '"+strings.Repeat("x", 2047-len(m[1])-1)+"' was cut in two by the truncation: dropped")
		})
	}
}

// TestLoglevel: quiet hides informational lines, loglevel= garbage is
// reported and ignored.
func TestLoglevel(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "quiet exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	if strings.Contains(r.Output, "BIOS-e820:") || strings.Contains(r.Output, "cpu_idle") || strings.Contains(r.Output, "init_memory_mapping") {
		t.Fatalf("quiet printed info lines\n%s", r.Describe())
	}
	r = q.Boot(t, q.Config{Append: "loglevel=banana exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "Malformed early option 'loglevel=banana'", "BIOS-e820:")
	r = q.Boot(t, q.Config{Append: "loglevel=8 exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "start_kernel: boot CPU") // a KERN_DEBUG line
}

// TestA20: with A20 turned off first (a20_test=off), enable_a20 must find
// it off and turn it on by a real method.
func TestA20(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "debug a20_test=off exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	if !regexp.MustCompile(`enable_a20: A20 on \((bios|kbc|fast)\)`).MatchString(r.Output) {
		t.Fatalf("A20 was not re-enabled by a real method\n%s", r.Describe())
	}
}

// TestTimestamps: printk's time zero is the TSC at startup_32, and stamps
// never go backwards; the figures are logged.
//
// Time zero at startup_32 means that the first line stamped by the clock
// (x86_64_start_kernel's, printed right after the TSC calibration) already
// counts the work done since startup_32: verify_image, whose TSC cycles the
// boot stage prints ("checked in N TSC cycles"), then the calibration,
// which spans exactly the PIT ticks it prints ("calibrated over N PIT
// ticks") of TSC time by construction when the PIT measures the TSC: the
// frequency is the TSC cycles counted over those ticks, rounded down, so
// converting the cycles back gives at least that time. Both are in the
// same TSC units as the stamp, so the bound is exact whatever the
// calibration found. A clock started anywhere later (at the calibration
// point, say) stamps that line near zero. The startup_64 line, printed
// before the calibration, must be stamped at least that much earlier (it
// is [0.000000]: printk has no clock yet).
func TestTimestamps(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "debug exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	s := r.Stamps()
	if len(s) < 5 {
		t.Fatalf("only %d stamped lines", len(s))
	}
	for i := 1; i < len(s); i++ {
		if s[i].Time < s[i-1].Time {
			t.Fatalf("time went backwards at %q", s[i].Text)
		}
	}
	last := s[len(s)-1]
	if !strings.Contains(last.Text, "cpu_idle") || last.Time <= 0 {
		t.Fatalf("last stamped line %+v", last)
	}

	us := func(prefix string) int64 { // the stamp of the first line starting with prefix
		for _, l := range s {
			if strings.HasPrefix(l.Text, prefix) {
				return int64(math.Round(l.Time * 1e6))
			}
		}
		t.Fatalf("no stamped line starting %q\n%s", prefix, r.Describe())
		return 0
	}
	first, startup64 := us("x86_64_start_kernel: "), us("startup_64: ")
	checked := regexp.MustCompile(`checked in (\d+) TSC cycles`).FindStringSubmatch(r.Output)
	freq := regexp.MustCompile(`TSC (\d+) kHz \(([^)]*)\)`).FindStringSubmatch(r.Output)
	if checked == nil || freq == nil {
		t.Fatalf("no \"checked in N TSC cycles\" or \"TSC N kHz (source)\" line\n%s", r.Describe())
	}
	cycles, _ := strconv.ParseInt(checked[1], 10, 64)
	khz, _ := strconv.ParseInt(freq[1], 10, 64)
	if khz == 0 {
		t.Fatalf("TSC 0 kHz\n%s", r.Describe())
	}
	verify := cycles * 1000 / khz // µs
	var calibrate int64
	if freq[2] == "PIT" {
		ticks := regexp.MustCompile(`tsc: calibrated over (\d+) PIT ticks`).FindStringSubmatch(r.Output)
		if ticks == nil {
			t.Fatalf("PIT calibration, but no \"calibrated over N PIT ticks\" line\n%s", r.Describe())
		}
		n, _ := strconv.ParseInt(ticks[1], 10, 64)
		calibrate = n * 1000000 / i8253.PIT_TICK_RATE
	}
	if first < verify+calibrate {
		t.Errorf("x86_64_start_kernel stamped %d µs, but since startup_32 verify_image took %d µs and the %s calibration %d µs: time zero is not startup_32's\n%s",
			first, verify, freq[2], calibrate, r.Describe())
	}
	if startup64 > first-calibrate {
		t.Errorf("startup_64 stamped %d µs, less than the calibration (%d µs) before x86_64_start_kernel's %d µs\n%s",
			startup64, calibrate, first, r.Describe())
	}
	t.Logf("startup_32 to x86_64_start_kernel: %d µs (verify_image %d µs, TSC calibration by %s %d µs)", first, verify, freq[2], calibrate)
	t.Logf("startup_32 to idle: %.6f s kernel time; QEMU start to exit: %v wall", last.Time, r.Wall)
}

// TestConsoleFifo: the console fills the 16550A's transmit FIFO on one
// wait for THRE (drivers/serial8250 early_serial_putc): QEMU's own trace
// of the UART's registers counts the line-status reads against the bytes
// written to THR, at most one read per 8 bytes (one per 16, and the
// waits of short lines). Polling LSR before every byte read it once per
// byte or more: 6132 reads for a boot's 6670 bytes.
func TestConsoleFifo(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "exit_at_idle", Extra: []string{"-trace", "serial_read", "-trace", "serial_write"}})
	mustExit(t, r, q.ExitSuccess)
	lsr := strings.Count(r.Output, "serial_read read addr 0x05 ")
	thr := strings.Count(r.Output, "serial_write write addr 0x00 ")
	if thr < 1000 {
		t.Fatalf("only %d writes to THR traced (is QEMU's trace backend there?)\n%s", thr, r.Describe())
	}
	if lsr*8 > thr {
		t.Fatalf("%d line-status reads for %d bytes written: the console waits for THRE more than once per 8 bytes", lsr, thr)
	}
	t.Logf("%d line-status reads for %d bytes written", lsr, thr)
}
