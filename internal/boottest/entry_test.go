package boottest

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// Boot tests of the entry code's two windows where the saved CS does not
// tell whose GS and FS bases are loaded (arch/amd64/entry: paranoid_entry,
// fixup_bad_iret; docs/traps.md "When CS lies"). The bad IRET is
// user/sigtest's part 5c (TestSignals); the NMI is here.

// nmiWindowScript is gdb Python for TestNMIInIretWindow: qmp(cmd) runs
// one QMP command on the second QMP socket (the harness's Machine holds no
// connection to it), and nmi_after_wrmsr(sym) is the address of the first
// instruction after the first WRMSR of sym (SWITCH_TO_USER_FS in
// restore_regs_and_iret).
const nmiWindowScript = `
import gdb, json, socket

def nmi_qmp(cmd):
    s = socket.socket(socket.AF_UNIX)
    s.connect(QMP_PATH)
    f = s.makefile("rw")
    f.readline()
    for c in ("qmp_capabilities", cmd):
        f.write(json.dumps({"execute": c}) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                break
        if "error" in r:
            raise gdb.GdbError("QMP %s: %s" % (c, r["error"]))
    s.close()
    print("qmp %s: ok" % cmd)

def nmi_after_wrmsr(sym):
    start = int(gdb.parse_and_eval("(unsigned long)&'%s'" % sym))
    prev = None
    for insn in gdb.selected_frame().architecture().disassemble(start, count=64):
        if prev is not None and prev["asm"].startswith("wrmsr"):
            return insn["addr"]
        prev = insn
    raise gdb.GdbError("no wrmsr in " + sym)

def nmi_state(where):
    rip = int(gdb.parse_and_eval("$pc"))
    fs = int(gdb.parse_and_eval("$fs_base")) & (2**64 - 1)
    gs = int(gdb.parse_and_eval("$gs_base")) & (2**64 - 1)
    print("%s: rip %#x fs_base %#x gs_base %#x" % (where, rip, fs, gs))
`

// TestNMIInIretWindow: an NMI that arrives in restore_regs_and_iret's
// window on the way to user mode, where the CPU runs kernel code with the
// user's FS base (after SWITCH_TO_USER_FS) and then also the user's GS
// base (after SWAPGS, at the IRETQ), and at entry_SYSCALL_64's first
// instruction (both user bases); and one in user mode. gdb stops the CPU there, QMP's
// inject-nmi makes an NMI pending, and the CPU takes it at that very
// instruction when it continues (the breakpoints are deleted first, so
// gdb does not step over them with NMIs masked). The NMI's handler must
// run, with the kernel's bases (Last_trap records vector 2 at the window's
// RIP), and the program, user/sigtest as init, must run to its end.
// Before paranoid_entry (asm_exc_nmi for the NMI), error_entry trusted
// the kernel CS, read g through the user's FS base and faulted for ever.
func TestNMIInIretWindow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "qmp")
	script := filepath.Join(dir, "nmi.py")
	if err := os.WriteFile(script, []byte(fmt.Sprintf("QMP_PATH = %q\n", sock)+nmiWindowScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := q.Config{Initrd: initInitrd(t), Append: "rdinit=/sigtest",
		Extra: []string{"-qmp", "unix:" + sock + ",server=on,wait=off"}}
	// nmiAt: stop at brk, show the bases, inject an NMI, and show what
	// do_nmi's Last_trap and the bases are in the handler.
	nmiAt := func(window, brk string, extra ...string) []string {
		c := []string{brk, "continue", "python nmi_state('window " + window + "')", "delete"}
		return append(append(c, extra...), "python nmi_qmp('inject-nmi')", "break 'gokern/traps.do_nmi'", "continue",
			"print/x 'gokern/traps.Last_trap'.Vector", "print/x 'gokern/traps.Last_trap'.Ip",
			"python nmi_state('handler')", "delete")
	}
	cmds := []string{"source " + script, "set language c",
		// Past the decompressor: the kernel's text is where it runs.
		"break start_kernel", "continue", "delete"}
	// 1. After SWITCH_TO_USER_FS: the user's FS base, the kernel's GS
	// (SP at pt_regs, whose CS at +0x90 says user mode).
	cmds = append(cmds, nmiAt("fs", "python gdb.execute('break *%d if (*(unsigned long *)($rsp+0x90) & 3) == 3' % nmi_after_wrmsr('restore_regs_and_iret'))")...)
	// 2. In user mode, at sigtest's first instruction, with RDI 1: the
	// NMI's frame goes to the task's stack, and the user's RDI, which
	// PUSH_REGS writes over asm_exc_nmi's NMI_EXECUTING slot on the NMI
	// stack, must not make the next NMI look nested (it was lost so).
	exe, err := userprog.BuildSigtest(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	start := fmt.Sprintf("%#x", f.Entry)
	f.Close()
	cmds = append(cmds, nmiAt("user", "break *"+start, "set $rdi = 1")...)
	// 3. At the IRETQ to user mode (the CS it pops, at +8, is the
	// user's): the user's FS and GS bases. Not the IRETQ that ends the
	// NMI of 2 (back to sigtest's entry): NMIs are blocked until it has
	// run, and the NMI would come in user mode.
	cmds = append(cmds, nmiAt("iret", "break native_irq_return_iret if (*(unsigned long *)($rsp+8) & 3) == 3 && *(unsigned long *)$rsp != "+start)...)
	// 4. At entry_SYSCALL_64's first instruction, SWAPGS: kernel code,
	// both user bases, the user's RSP.
	cmds = append(cmds, nmiAt("syscall", "break entry_SYSCALL_64")...)
	r := runGDBConfig(t, cfg, false, append(cmds, "continue")...)
	t.Logf("gdb:\n%s", r.out)
	win := regexp.MustCompile(`window (fs|user|iret|syscall): rip (0x[0-9a-f]+) fs_base (0x[0-9a-f]+) gs_base (0x[0-9a-f]+)`).FindAllStringSubmatch(r.out, -1)
	ips := regexp.MustCompile(`(?m)^\$\d+ = (0x[0-9a-f]+)$`).FindAllStringSubmatch(r.out, -1)
	hand := regexp.MustCompile(`handler: rip 0x[0-9a-f]+ fs_base (0x[0-9a-f]+) gs_base (0x[0-9a-f]+)`).FindAllStringSubmatch(r.out, -1)
	if len(win) != 4 || len(ips) < 8 || len(hand) != 4 {
		t.Fatalf("gdb did not stop at all four places and NMIs\n--- gdb\n%s\n--- serial\n%s", r.all(), r.serial)
	}
	if win[1][2] != start {
		t.Errorf("stopped in user mode at %s, want sigtest's entry %s", win[1][2], start)
	}
	for i, w := range win {
		vec, ip := ips[2*i][1], ips[2*i+1][1]
		if vec != "0x2" || ip != w[2] {
			t.Errorf("%s window at %s: the handler's Last_trap says vector %s at %s, want the NMI (2) at the window", w[1], w[2], vec, ip)
		}
		// In the window the FS base is the user's (sigtest sets none: 0),
		// and so is the GS base after SWAPGS and in user mode; in the
		// handler both bases are the kernel's (addresses with bit 63
		// set).
		if w[3] != "0x0" {
			t.Errorf("%s window: FS base %s, want the user's, 0", w[1], w[3])
		}
		if w[1] == "fs" && !strings.HasPrefix(w[4], "0xffff") || w[1] != "fs" && w[4] != "0x0" {
			t.Errorf("%s window: GS base %s, want the kernel's before SWAPGS, the user's (0) after", w[1], w[4])
		}
		if !strings.HasPrefix(hand[i][1], "0xffff") || !strings.HasPrefix(hand[i][2], "0xffff") {
			t.Errorf("%s window: the NMI handler ran with FS base %s, GS base %s, want the kernel's", w[1], hand[i][1], hand[i][2])
		}
	}
	if n := strings.Count(r.serial, "Uhhuh. NMI received for unknown reason"); n != 4 {
		t.Errorf("%d NMIs reported, want 4\n%s", n, r.serial)
	}
	for _, want := range []string{"sigtest: all passed", "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000"} {
		if !strings.Contains(r.serial, want) {
			t.Errorf("the console lacks %q\n%s", want, r.serial)
		}
	}
	if strings.Contains(r.serial, "Oops") || strings.Contains(r.serial, "BUG:") {
		t.Errorf("the kernel oopsed\n%s", r.serial)
	}
}

// TestSysrqBacktraceUserSMP4: SysRq 'l' (an NMI to every other CPU) again
// and again while four busybox loops on four CPUs fork and exec user
// programs and count in user mode (the shell's arithmetic). The NMIs come in user mode (paranoid_entry moves the frame to the
// task's stack, as Linux's asm_exc_nmi does), in kernel code, in the
// entry code's windows; every round must be answered by all four CPUs and
// the loops must end normally: the kernel never wedges.
func TestSysrqBacktraceUserSMP4(t *testing.T) {
	t.Parallel()
	const rounds = 6
	vm := q.Start(t, q.Config{SMP: 4, MonStdio: true, Initrd: busyboxInitrd(t),
		Append: `rdinit=/bin/sh -- -c "for c in 1 2 3 4; do (i=0; while [ $i -lt 40 ]; do i=$((i+1)); /bin/true; j=0; while [ $j -lt 300 ]; do j=$((j+1)); done; done) & done; echo loops running; wait; echo loops done"`})
	vm.WaitFor(regexp.MustCompile(`(?m)^loops running`), 2*time.Minute)
	answer := regexp.MustCompile(`NMI backtrace for cpu \d`)
	for n := 1; n <= rounds; n++ {
		vm.Sysrq("l")
		vm.WaitForNth(answer, 4*n, time.Minute)
	}
	r := vm.Wait(5 * time.Minute)
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "loops done", "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000")
	if n := strings.Count(r.Output, "Sending NMI from CPU"); n != rounds {
		t.Errorf("%d rounds of NMIs sent, want %d", n, rounds)
	}
	for _, bad := range []string{"did not answer", "Oops", "BUG:", "already under way"} {
		if strings.Contains(r.Output, bad) {
			t.Errorf("the console has %q\n%s", bad, r.Describe())
		}
	}
	t.Logf("%d backtraces, %d of them from user mode (RIP: 0033:), %d of idle CPUs", strings.Count(r.Output, "NMI backtrace for cpu"),
		strings.Count(r.Output, "RIP: 0033:"), strings.Count(r.Output, "skipped: idling"))
}
