package boottest

import (
	"debug/elf"
	hexenc "encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	q "gokern/internal/qemutest"
	"gokern/kernel/sched"
	"gokern/traps"
)

// Boot tests of trap_init's half of issue 10: the oops's lines against
// vmlinux, the early IDT before trap_init, a fault the CPU cannot deliver,
// oops=continue, and the trap figures.

var (
	ripRE    = regexp.MustCompile(`(?m)^\[[ .0-9]+\] RIP: 0010:(\S+)\+0x([0-9a-f]+)/0x([0-9a-f]+) \((.+):(\d+)\)\r?$`)
	codeRE   = regexp.MustCompile(`(?m)^\[[ .0-9]+\] Code: ((?:<?[0-9a-f]{2}>? ?)+)\r?$`)
	eflagsRE = regexp.MustCompile(`(?m)^\[[ .0-9]+\] RSP: 0018:([0-9a-f]{16}) EFLAGS: ([0-9a-f]{8}) \[((?: [A-Z]+(?:=\d)?)*) \]\r?$`)
)

// checkOops checks the lines of an oops that can be checked against the
// kernel image and the CPU's definitions: the RIP line's symbol, offset
// and size; the Code: bytes, the one in <> at RIP, against vmlinux's
// bytes; EFLAGS decoded from its own hex value; the register and control
// register lines present. It returns RIP and RSP.
func checkOops(t *testing.T, r *q.Result) (rip, rsp uint64) {
	t.Helper()
	m := ripRE.FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no RIP line\n%s", r.Describe())
	}
	f, err := elf.Open(q.Image(t, false).Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	off, _ := strconv.ParseUint(m[2], 16, 64)
	size, _ := strconv.ParseUint(m[3], 16, 64)
	// One name may be two functions: an assembly function's ELF symbol
	// carries its ABI (".abi0"), and a Go function called from assembly
	// has an ABI0 wrapper of the same name as well as its own body
	// (entry.stack_g). kallsyms prints both without the suffix, so the
	// size it prints (the symbol's, rounded up to the next symbol) tells
	// them apart. Which function takes a nested fault depends on the
	// stack depth, so the kernel's layout decides which one an oops names.
	var cands []uint64
	sizes := ""
	for _, s := range syms {
		if (s.Name == m[1] || s.Name == m[1]+".abi0") && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			sizes += fmt.Sprintf(" %#x", s.Size)
			if off < size && s.Size <= size && size <= s.Size+64 {
				cands = append(cands, s.Value+off)
			}
		}
	}
	switch {
	case sizes == "":
		t.Fatalf("RIP names %s, not a function of vmlinux", m[1])
	case len(cands) == 0:
		t.Fatalf("RIP %s+%#x/%#x: no function of that name has that size (%s)", m[1], off, size, sizes[1:])
	}
	rip = cands[0]
	if len(cands) > 1 {
		// Functions of one name and size: the Code: bytes decide.
		for _, c := range cands {
			if codeMatches(r, f, c) {
				rip = c
			}
		}
	}
	checkCode(t, r, f, rip)
	e := eflagsRE.FindStringSubmatch(r.Output)
	if e == nil {
		t.Fatalf("no RSP/EFLAGS line\n%s", r.Describe())
	}
	rsp, _ = strconv.ParseUint(e[1], 16, 64)
	fl, _ := strconv.ParseUint(e[2], 16, 64)
	var buf [96]byte
	if got := string(buf[:traps.Format_eflags(buf[:], fl)]); got != "["+e[3]+" ]" {
		t.Errorf("EFLAGS %08x decoded as %q, want %q", fl, "["+e[3]+" ]", got)
	}
	if fl&asm.X86_EFLAGS_FIXED == 0 || !strings.Contains(e[3], "ID") && fl&asm.X86_EFLAGS_ID != 0 {
		t.Errorf("EFLAGS %08x", fl)
	}
	for _, re := range []string{`RAX: [0-9a-f]{16} RBX: [0-9a-f]{16} RCX: [0-9a-f]{16}`, `R13: [0-9a-f]{16} R14: [0-9a-f]{16} R15: [0-9a-f]{16}`,
		`CS:  0010 DS: 0018 ES: 0018 CR0: [0-9a-f]{16}`, `CR2: [0-9a-f]{16} CR3: [0-9a-f]{16} CR4: [0-9a-f]{16}`, `Call Trace:`} {
		if !regexp.MustCompile(re).MatchString(r.Output) {
			t.Errorf("oops lacks /%s/", re)
		}
	}
	return rip, rsp
}

// checkCode checks the oops's Code: line against vmlinux's bytes: the
// PROLOGUE_SIZE bytes before RIP (or none, from RIP), then the byte at RIP
// in <>, OPCODE_BUFSIZE in all. It returns the bytes and where RIP is.
func checkCode(t *testing.T, r *q.Result, f *elf.File, rip uint64) (code []byte, at int) {
	t.Helper()
	c := codeRE.FindStringSubmatch(r.Output)
	if c == nil || strings.Count(c[1], "<") != 1 {
		t.Fatalf("no Code: line with one <> byte\n%s", r.Describe())
	}
	fields := strings.Fields(c[1])
	at = slices_index(fields)
	for _, b := range fields {
		x, _ := hexenc.DecodeString(strings.Trim(b, "<>"))
		code = append(code, x...)
	}
	if len(code) != traps.OPCODE_BUFSIZE-(traps.PROLOGUE_SIZE-at) || (at != traps.PROLOGUE_SIZE && at != 0) {
		t.Errorf("Code: %d bytes, RIP at %d", len(code), at)
	}
	start := rip - uint64(at)
	want := vmlinuxBytes(f, start, len(code))
	if string(want) != string(code) {
		t.Errorf("Code: %x\nvmlinux at %#x: %x", code, start, want)
	}
	return code, at
}

// codeMatches: whether the oops's Code: bytes are vmlinux's around rip.
func codeMatches(r *q.Result, f *elf.File, rip uint64) bool {
	c := codeRE.FindStringSubmatch(r.Output)
	if c == nil {
		return false
	}
	fields := strings.Fields(c[1])
	var code []byte
	for _, b := range fields {
		x, _ := hexenc.DecodeString(strings.Trim(b, "<>"))
		code = append(code, x...)
	}
	return string(vmlinuxBytes(f, rip-uint64(slices_index(fields)), len(code))) == string(code)
}

// vmlinuxBytes: n bytes of vmlinux's loaded image at addr (zeros where no
// PROGBITS section holds them all).
func vmlinuxBytes(f *elf.File, addr uint64, n int) []byte {
	b := make([]byte, n)
	for _, s := range f.Sections {
		if s.Addr <= addr && addr+uint64(n) <= s.Addr+s.Size && s.Type == elf.SHT_PROGBITS {
			s.ReadAt(b, int64(addr-s.Addr))
		}
	}
	return b
}

// slices_index is the index of the field in <>.
func slices_index(fields []string) int {
	for i, f := range fields {
		if strings.HasPrefix(f, "<") {
			return i
		}
	}
	return -1
}

// TestOopsStackOverflow: lkdtm=EXHAUST_STACK runs the boot stack into its
// guard page; the report names the guard page, which lies right below the
// stack it names, and RSP is in it: the CPU could not push there, hence
// the double fault, handled on its IST stack.
func TestOopsStackOverflow(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "lkdtm=EXHAUST_STACK"})
	mustExit(t, r, q.ExitFailure)
	checkGuardHit(t, r)
	if !strings.Contains(r.Output, "... the frame above ") {
		t.Errorf("the recursion's frames are not folded\n%s", r.Describe())
	}
}

// checkGuardHit checks a report of a stack overflow on the boot stack:
// the guard page it names lies right below the stack it names, and CR2
// and RSP are in it (the CPU could not push there, hence the double
// fault); and the oops's lines against vmlinux (checkOops).
func checkGuardHit(t *testing.T, r *q.Result) {
	t.Helper()
	mustContain(t, r, "kernel stack overflow (double-fault): 0000 [#1]",
		"Kernel panic - not syncing: Fatal exception: BUG: stack guard page was hit (exception 8, #DF double fault) in ")
	m := regexp.MustCompile(`BUG: TASK stack guard page was hit at ([0-9a-f]{16}) \(stack is ([0-9a-f]{16})\.\.([0-9a-f]{16})\)`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no guard page line\n%s", r.Describe())
	}
	hit, _ := strconv.ParseUint(m[1], 16, 64)
	lo, _ := strconv.ParseUint(m[2], 16, 64)
	hi, _ := strconv.ParseUint(m[3], 16, 64)
	_, rsp := checkOops(t, r)
	// RSP may sit exactly at the stack's bottom: the push that faulted
	// wrote below it, into the guard page (which frame gets there depends
	// on the handlers' frame sizes). lkdtm runs in kernel_init, a kernel
	// thread: its stack is THREAD_SIZE bytes (kernel/sched).
	if hit >= lo || hit < lo-asm.PAGE_SIZE || rsp > lo || rsp < lo-asm.PAGE_SIZE || hi-lo+1 != sched.THREAD_SIZE {
		t.Errorf("guard page hit at %#x, RSP %#x; stack %#x..%#x (%d KiB, guard page below)", hit, rsp, lo, hi, sched.THREAD_SIZE>>10)
	}
	if !strings.Contains(r.Output, "CR2: "+m[1]+" ") {
		t.Errorf("CR2 is not %s\n%s", m[1], r.Describe())
	}
}

// TestEarlyException: an exception before trap_init reaches the early IDT
// (head_64.s) and the same oops (lkdtm's crash point TRAP_INIT, just
// before trap_init).
func TestEarlyException(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "lkdtm.cpoint_name=TRAP_INIT lkdtm.cpoint_type=ACCESS_NULL"})
	mustExit(t, r, q.ExitFailure)
	mustContain(t, r, "lkdtm: Crash point TRAP_INIT of type ACCESS_NULL hit, triggering",
		"early exception: vector 14 (#PF page fault) error code 0x0",
		"BUG: kernel NULL pointer dereference, address: 0000000000000040", "Oops: 0000 [#1]",
		"in kernel code at main.lkdtm_ACCESS_NULL (", "Kernel panic - not syncing: Fatal exception")
	if strings.Contains(r.Output, "trap_init: ") {
		t.Fatalf("trap_init ran before the crash point\n%s", r.Describe())
	}
	checkOops(t, r)
}

// TestDoubleFaultReport: a fault the CPU cannot deliver (RSP on an
// unmapped page: the #PF's own push faults) is a double fault on its IST
// stack, reported, never a reset (with -no-reboot a triple fault would
// exit 0).
func TestDoubleFaultReport(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "lkdtm=DOUBLE_FAULT"})
	mustExit(t, r, q.ExitFailure)
	mustContain(t, r, "PANIC: double fault, error_code: 0x0\n",
		"double fault: RSP ffffffffc0000000 is on no kernel stack: the CPU could not push the frame of the first exception",
		"double fault: 0000 [#1]", "in kernel code at main.lkdtm_double_fault (", "RSP: 0018:ffffffffc0000000 ",
		"CR2: ffffffffbffffff8 ", "Kernel panic - not syncing: Fatal exception")
	checkOops(t, r)
	// The faulting function has no frame and its return address was to
	// be read at the unmapped RSP: the trace goes on from the frame
	// pointer, lkdtm_do_action's frame.
	if i := slicesIndexFunc(callTrace(r), "main.lkdtm_trigger"); i < 0 {
		t.Errorf("the Call Trace does not go through lkdtm_trigger: %v", callTrace(r))
	}
}

func slicesIndexFunc(frames []traceFrame, fn string) int {
	for i, f := range frames {
		if f.fn == fn {
			return i
		}
	}
	return -1
}

// TestOopsContinue: with oops=continue an oops inside a selftest ends that
// selftest (not ok) and the run goes on (here oops_continue, the last
// case, is followed only by the KTAP verdict); without it, the oops stops
// the kernel where it happened.
func TestOopsContinue(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "selftest=oops_continue,int3 oops=continue"})
	mustExit(t, r, q.ExitFailure)
	mustContain(t, r, "BUG: kernel NULL pointer dereference, address: 0000000000000008", "Oops: 0000 [#1]",
		"in kernel code at gokern/traps.Test_oops_continue (", "---[ end trace ",
		"    # oops_continue: the test ended in exception 14 (see the oops above)")
	// The cases run in the table's order: int3 first.
	res, plan := r.KTAP()
	if plan != 2 || len(res) != 2 || !res[0].OK || res[0].Name != "int3" || res[1].OK || res[1].Name != "oops_continue" {
		t.Fatalf("KTAP %v plan %d\n%s", res, plan, r.Describe())
	}
	r = q.Boot(t, q.Config{Append: "selftest=oops_continue,int3"})
	mustExit(t, r, q.ExitFailure)
	mustContain(t, r, "Oops: 0000 [#1]", "Kernel panic - not syncing: Fatal exception")
	if res, _ := r.KTAP(); len(res) != 1 || res[0].Name != "int3" {
		t.Fatalf("the run went on after the oops: %v\n%s", res, r.Describe())
	}
}

// TestTrapFigures: the trap selftests under the matrix's other settings
// pass (TestBootMatrix runs them all); here, their figures for the docs:
// the cost of an int3, an int $0x80 and a fixed-up page fault in TSC
// cycles, and trap_init's time.
func TestTrapFigures(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "selftest=trap_cost,int80,double_fault"})
	allPassed(t, r)
	m := regexp.MustCompile(`trap cost \(TSC cycles, median and fastest of \d+ batches of \d+\): int3 (\d+) (\d+), int \$0x80 getpid (\d+) (\d+), page fault \+ fixup (\d+) (\d+); trap_init (\d+) us`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no figures\n%s", r.Describe())
	}
	for i := 1; i < 7; i += 2 {
		if med, _ := strconv.Atoi(m[i]); med < 1 {
			t.Errorf("figure %d: median %s", i, m[i])
		} else if min, _ := strconv.Atoi(m[i+1]); min < 1 || min > med {
			t.Errorf("figure %d: fastest %s, median %s", i, m[i+1], m[i])
		}
	}
	t.Logf("TCG, median (fastest) TSC cycles: int3 round trip %s (%s), int $0x80 getpid %s (%s), page fault + fixup %s (%s); trap_init %s us",
		m[1], m[2], m[3], m[4], m[5], m[6], m[7])
}

// TestDecodeOops: cmd/decode_oops, on the serial log of a real oops and
// the vmlinux that printed it, finds the faulting source line and
// disassembles the Code: bytes with the trapping instruction marked: the
// load at offset 0x40 (lkdtm_struct.field) through the nil pointer.
func TestDecodeOops(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "lkdtm=ACCESS_NULL"})
	mustExit(t, r, q.ExitFailure)
	log := filepath.Join(t.TempDir(), "serial.log")
	if err := os.WriteFile(log, []byte(r.Output), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "./cmd/decode_oops", "-vmlinux", q.Image(t, false).Vmlinux, log)
	cmd.Dir = q.Root(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("decode_oops: %v\n%s", err, out)
	}
	line := sourceLine(t, "lkdtm.go", "lkdtm_ptr.field")
	call, _ := callLine(t, "lkdtm.go", "lkdtm_do_action", "lkdtm_ACCESS_NULL")
	for _, re := range []string{
		`(?m)^RIP: 0xffffffff81[0-9a-f]{6} main\.lkdtm_ACCESS_NULL\+0x[0-9a-f]+$`,
		fmt.Sprintf(`(?m)^  main\.lkdtm_ACCESS_NULL \(.*lkdtm\.go:%d\)$`, line),
		`(?m)^ +[0-9a-f]+:\*\t[0-9a-f ]+\tmov 0x40\(%r[a-z0-9]+\),%r[a-z0-9]+\t\t<-- trapping instruction$`,
		`(?m)^Code starting with the faulting instruction\n=+\n +0: \t[0-9a-f ]+\tmov 0x40\(`,
		fmt.Sprintf(`(?m)^     main\.lkdtm_do_action \(.*lkdtm\.go:%d\)$`, call),
	} {
		if !regexp.MustCompile(re).Match(out) {
			t.Errorf("decode_oops output lacks /%s/\n%s", re, out)
		}
	}
}

// TestOopsExec: a call into data (lkdtm=EXEC_DATA) faults on NX, a call
// through nil (lkdtm=EXEC_NULL) on the unmapped page 0; both are
// instruction fetches (error code bit 4), RIP is no kernel function and is
// printed bare, and the trace starts from the return address the CALL
// left at RSP (the call's line is the one blamed). EXEC_DATA's Code: bytes
// are the data's, from vmlinux; EXEC_NULL's cannot be read.
func TestOopsExec(t *testing.T) {
	t.Parallel()
	call := sourceLine(t, "lkdtm_amd64.s", "CALL\tAX")
	for _, c := range []struct {
		typ       string
		headlines []string
	}{
		{"EXEC_DATA", []string{"kernel tried to execute NX-protected page - exploit attempt? (uid: 0)\n",
			"#PF: supervisor instruction fetch in kernel mode\n", "#PF: error_code(0x0011) - permissions violation\n", "Oops: 0011 [#1]"}},
		{"EXEC_NULL", []string{"BUG: kernel NULL pointer dereference, address: 0000000000000000\n",
			"#PF: supervisor instruction fetch in kernel mode\n", "#PF: error_code(0x0010) - not-present page\n", "Oops: 0010 [#1]",
			"RIP: 0010:0x0\n", "Code: Unable to access opcode bytes at 0xffffffffffffffd6.\n"}},
	} {
		c := c
		t.Run(c.typ, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: "lkdtm=" + c.typ})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, c.headlines...)
			mustContain(t, r, "Kernel panic - not syncing: Fatal exception")
			if m := regexp.MustCompile(`in kernel code at main\.lkdtm_call \(\S*/lkdtm_amd64\.s:(\d+)\)\n`).FindStringSubmatch(r.Output); m == nil || m[1] != strconv.Itoa(call) {
				t.Errorf("the oops does not blame lkdtm_call's CALL (lkdtm_amd64.s:%d)\n%s", call, r.Describe())
			}
			frames := callTrace(r)
			if len(frames) < 2 || frames[0].fn != "main.lkdtm_call" || frames[0].line != call || frames[1].fn != "main.lkdtm_execute_location" {
				t.Errorf("Call Trace %v, want lkdtm_call at line %d, then lkdtm_execute_location\n%s", frames, call, r.Describe())
			}
			if c.typ != "EXEC_DATA" {
				return
			}
			m := regexp.MustCompile(`lkdtm: attempting bad execution at 0x([0-9a-f]{16})\n`).FindStringSubmatch(r.Output)
			if m == nil {
				t.Fatalf("no address\n%s", r.Describe())
			}
			addr, _ := strconv.ParseUint(m[1], 16, 64)
			mustContain(t, r, "RIP: 0010:0x"+m[1]+"\n", "CR2: "+m[1]+" ")
			if !regexp.MustCompile(`PTE 8[0-9a-f]{15}\n`).MatchString(r.Output) {
				t.Errorf("the page-table walk does not end in an NX PTE\n%s", r.Describe())
			}
			f, err := elf.Open(q.Image(t, false).Vmlinux)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			syms, _ := f.Symbols()
			if i := slices.IndexFunc(syms, func(s elf.Symbol) bool { return s.Name == "main.lkdtm_data_area" }); i < 0 || syms[i].Value != addr {
				t.Errorf("the call went to %#x, not to main.lkdtm_data_area", addr)
			}
			// The data's bytes, the RET at RIP.
			if code, at := checkCode(t, r, f, addr); at != traps.PROLOGUE_SIZE || code[at] != 0xc3 {
				t.Errorf("Code: %x, RIP at %d: want the RET at %d", code, at, traps.PROLOGUE_SIZE)
			}
		})
	}
}

// TestHandlerFault: a fault inside the fault handler (lkdtm=HANDLER_FAULT
// plants a read of an unmapped page at do_page_fault's entry) nests trap
// frames until the boot stack runs into its guard page; the CPU cannot
// push the next #PF's frame and raises #DF, which its IST stack lets the
// kernel report readably, never a reset (with -no-reboot a triple fault
// would exit 0).
func TestHandlerFault(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "lkdtm=HANDLER_FAULT"})
	mustExit(t, r, q.ExitFailure)
	checkGuardHit(t, r)
	// The trace folds the nested traps: a run of frames that holds the
	// handler's call of the planted bug and the entry code, repeated.
	m := regexp.MustCompile(`\n\[[ .0-9]+\]  \.\.\. the (\d+) frames above (\d+) more times\n`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("the nested traps' frames are not folded\n%s", r.Describe())
	}
	p, _ := strconv.Atoi(m[1])
	frames := callTrace(r)
	call, _ := callLine(t, "traps/fault.go", "do_page_fault", "lkdtm_handler_fault")
	if p > len(frames) || !slices.ContainsFunc(frames[:p], func(f traceFrame) bool {
		return f.fn == "gokern/traps.do_page_fault" && strings.HasSuffix(f.file, "/traps/fault.go") && f.line == call
	}) ||
		!slices.ContainsFunc(frames[:p], func(f traceFrame) bool { return f.fn == "gokern/arch/amd64/entry.error_entry_regs" }) {
		t.Errorf("the repeated frames (%d) are not do_page_fault at its call of the bug (line %d) and the entry code: %v\n%s",
			p, call, frames, r.Describe())
	}
}

// TestHandlerFaultInDoubleFault: lkdtm=HANDLER_FAULT_DF is HANDLER_FAULT
// whose double-fault report faults too: that #PF, taken on the #DF stack,
// enters the faulting handler, and the faults nest on the #DF stack until
// it overflows into its guard page. The CPU raises #DF inside the #DF
// handler, on the same IST stack (its top, over the first #DF's frames):
// the handler says so in one line and stops, never a reset. The RSP it
// names is where the CPU could not push the next exception frame: in the
// guard page below the #DF stack's bottom, or less than one frame above
// it (the CPU aligns RSP to 16 and pushes up to six words, SS to the
// error code; where the nesting stops depends on how the entry code's
// frames add up: paranoid_entry's are two words bigger than
// error_entry's). debug prints where the exception stacks are; #DF's
// comes first.
func TestHandlerFaultInDoubleFault(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "debug lkdtm=HANDLER_FAULT_DF"})
	mustExit(t, r, q.ExitFailure)
	inOrder(t, r.Output, `BUG: TASK stack guard page was hit at `, `kernel stack overflow \(double-fault\): 0000 \[#1\]`,
		`lkdtm: the oops path faults now`, `PANIC: double fault inside the double fault handler \(RIP 0x[0-9a-f]+, RSP 0x([0-9a-f]+)\): halting\r?\n$`)
	m := regexp.MustCompile(`stacks: .* exceptions 0x([0-9a-f]+)-0x[0-9a-f]+, each above`).FindStringSubmatch(r.Output)
	sp := regexp.MustCompile(`PANIC: double fault inside the double fault handler \(RIP 0x[0-9a-f]+, RSP 0x([0-9a-f]+)\)`).FindStringSubmatch(r.Output)
	if m == nil || sp == nil {
		t.Fatalf("no stacks: line or no RSP\n%s", r.Describe())
	}
	lo, _ := strconv.ParseUint(m[1], 16, 64)
	rsp, _ := strconv.ParseUint(sp[1], 16, 64)
	if rsp >= lo+6*8+8 || rsp < lo-asm.PAGE_SIZE {
		t.Errorf("RSP %#x: not within an exception frame above the #DF stack's bottom %#x or in the guard page below it\n%s", rsp, lo, r.Describe())
	}
}
