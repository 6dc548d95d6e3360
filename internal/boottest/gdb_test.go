package boottest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	q "gokern/internal/qemutest"
)

// The gdb tests run scripted `gdb -batch` sessions with tools/gdb/gokern.gdb
// (which loads tools/gdb/gokern.py) against QEMU's gdb stub, and assert on
// what gdb printed. Each session boots its own QEMU, stopped at the reset
// vector (-S), and they run in parallel.

// gdbRun is the output of one session.
type gdbRun struct {
	out, stderr string // stdout and stderr of gdb
	serial      string // the kernel's console
}

// all is stdout and stderr together: error messages go to stderr.
func (r gdbRun) all() string { return r.out + r.stderr }

// runGDB boots gokern stopped (cmdline: more of the kernel command line)
// and runs gdb with cmds after gk-connect; with noQEMU gdb runs alone.
func runGDB(t *testing.T, cmdline string, noQEMU bool, cmds ...string) gdbRun {
	t.Helper()
	cfg := q.Config{Append: strings.TrimSpace("exit_at_idle " + cmdline)}
	if noQEMU {
		cfg = q.Config{}
	}
	return runGDBConfig(t, cfg, noQEMU, cmds...)
}

// runGDBConfig is runGDB for a boot of cfg (a GRUB ISO, say), started
// stopped with a gdb port.
func runGDBConfig(t *testing.T, cfg q.Config, noQEMU bool, cmds ...string) gdbRun {
	t.Helper()
	if _, err := exec.LookPath("gdb"); err != nil {
		t.Fatal("gdb not found: ./qemu.sh test installs it (apt-get install gdb)")
	}
	q.Image(t, false)
	root := q.Root(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*q.DefaultTimeout)
	defer cancel()
	var serial bytes.Buffer
	gargs := []string{"-batch", "-nx", "-x", "tools/gdb/gokern.gdb"}
	if !noQEMU {
		port := q.FreePort(t)
		cfg.GDBPort, cfg.Stopped = port, true
		args := q.Args(t, cfg)
		qemu := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
		qemu.Stdout, qemu.Stderr = &serial, &serial
		if err := qemu.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { qemu.Process.Kill(); qemu.Wait() }()
		waitPort(t, port)
		gargs = append(gargs, "-ex", fmt.Sprintf("gk-connect 127.0.0.1:%d", port))
	}
	for _, c := range cmds {
		gargs = append(gargs, "-ex", c)
	}
	// gdb -batch exits with the status of its last command: end on one
	// that cannot fail (the session may have run QEMU to its end).
	gargs = append(gargs, "-ex", "echo")
	gdb := exec.CommandContext(ctx, "gdb", gargs...)
	gdb.Dir = root
	var out, stderr bytes.Buffer
	gdb.Stdout, gdb.Stderr = &out, &stderr
	err := gdb.Run()
	r := gdbRun{out.String(), stderr.String(), serial.String()}
	if err != nil {
		t.Fatalf("gdb: %v\n--- stdout\n%s\n--- stderr\n%s\n--- serial\n%s", err, r.out, r.stderr, r.serial)
	}
	// Whatever a session does, gokern.py never shows a Python traceback.
	for _, bad := range []string{"Traceback", "Python Exception", "Error occurred in Python", "internal error"} {
		if strings.Contains(r.all(), bad) {
			t.Fatalf("gdb printed %q\n%s", bad, r.all())
		}
	}
	return r
}

// waitPort waits for QEMU to listen on its gdb port.
func waitPort(t *testing.T, port int) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("QEMU does not listen on port %d", port)
}

// inOrder fails unless every pattern matches out, each after the previous.
func inOrder(t *testing.T, out string, patterns ...string) {
	t.Helper()
	if p := firstMissing(out, patterns); p != "" {
		t.Fatalf("gdb output lacks /%s/ (after the previous matches)\n%s", p, out)
	}
}

// firstMissing is the first of patterns that does not match out after
// the previous ones' matches, or "".
func firstMissing(out string, patterns []string) string {
	rest := out
	for _, p := range patterns {
		loc := regexp.MustCompile(p).FindStringIndex(rest)
		if loc == nil {
			return p
		}
		rest = rest[loc[1]:]
	}
	return ""
}

// inOrderRun is inOrder on a session's gdb output, and a failure shows
// gdb's stderr and the console too: a session that stops short (a
// continue that never stopped again) says why only there.
func inOrderRun(t *testing.T, r gdbRun, patterns ...string) {
	t.Helper()
	if p := firstMissing(r.out, patterns); p != "" {
		t.Fatalf("gdb output lacks /%s/ (after the previous matches)\n%s\n--- gdb stderr\n%s\n--- serial\n%s", p, r.out, r.stderr, r.serial)
	}
}

// seedNames are Linux names from the course material (seeds/000-004) that
// gokern has, in the Go kernel, the real-mode setup and the boot stage:
// gdb must know every one of them as typed.
var seedNames = []string{
	// The Go kernel (aliases the build adds to build/vmlinux).
	"start_kernel", "setup_arch", "x86_64_start_kernel", "copy_bootdata", "reserve_ebda_region",
	"e820__memory_setup", "e820_table", "memblock", "memblock_add", "memblock_add_range",
	"memblock_reserve", "memblock_phys_alloc_range", "memblock_memory_init_regions",
	"memblock_reserved_init_regions", "max_pfn", "max_low_pfn", "min_low_pfn", "boot_params",
	"boot_command_line", "printk", "__flush_tlb_all", "__flush_tlb_global", "init_bootmem",
	"free_bootmem", "alloc_bootmem_core", "setup_bootmem_allocator", "idt_table", "native_halt",
	"write_cr3", "pud_offset", "pte_offset_kernel", "console_loglevel",
	// The real-mode setup (build/setup.elf).
	"start_of_setup", "copy_boot_params", "console_init", "detect_memory", "validate_cpu",
	"enable_a20", "go_to_protected_mode", "realmode_switch_hook", "reset_coprocessor",
	"mask_all_interrupts", "setup_idt", "setup_gdt", "protected_mode_jump", "set_bios_mode",
	"init_heap", "cmdline_find_option_bool",
	// The boot stage (build/compressed/vmlinux).
	"startup_32", "verify_cpu",
}

// seedVariables must have a type in gdb (DWARF), not only an address
// (seedNames lists them too, except __log_buf).
var seedVariables = []string{"e820_table", "memblock", "max_pfn", "boot_params", "boot_command_line", "__log_buf", "console_loglevel"}

// TestGDBLinuxNames: without a target, gdb knows the Linux names: functions
// and their source lines, typed variables; and gdb starts without a word on
// stderr.
func TestGDBLinuxNames(t *testing.T) {
	t.Parallel()
	var cmds []string
	for _, n := range append(seedNames, "__log_buf") {
		cmds = append(cmds, "info address "+n)
	}
	cmds = append(cmds, "info line memblock_reserve", "list setup_arch", "break start_kernel", "info line __flush_tlb_all")
	r := runGDB(t, "", true, cmds...)
	if r.stderr != "" {
		t.Fatalf("gdb wrote to stderr:\n%s", r.stderr)
	}
	for _, n := range seedNames {
		if !strings.Contains(r.out, fmt.Sprintf("Symbol \"%s\" is ", n)) {
			t.Errorf("gdb does not know %s\n", n)
		}
	}
	for _, n := range seedVariables {
		// A variable gdb knows from DWARF, with its type; a bare symbol
		// would be "at 0x... in a file compiled without debugging".
		if !strings.Contains(r.out, fmt.Sprintf("Symbol \"%s\" is static storage at address 0x", n)) {
			t.Errorf("%s is not a typed variable in gdb", n)
		}
	}
	inOrder(t, r.out,
		`Line \d+ of ".*/memblock/\w+\.go" starts at address 0x[0-9a-f]+ <gokern/memblock\.Memblock_reserve>`,
		`\d+\s+func Setup_arch\(\) \{`,
		`Breakpoint 1 at 0x[0-9a-f]+: file .*/kmain\.go, line \d+\.`,
		`Line \d+ of ".*\.go" starts at address 0x[0-9a-f]+ <gokern/[a-z/0-9]+\.X__flush_tlb_all>`)
	if t.Failed() {
		t.Log(r.out)
	}
}

// TestGDBStartup: attaching prints the mode at the reset vector, and gdb
// says nothing on stderr.
func TestGDBStartup(t *testing.T) {
	t.Parallel()
	r := runGDB(t, "", false)
	if r.stderr != "" {
		t.Fatalf("gdb wrote to stderr at start-up:\n%s", r.stderr)
	}
	inOrder(t, r.out, `real mode CS:IP f000:fff0 \(linear 0xfffffff0\)`, `=> 0xfffffff0:\s+ljmpw? \$0xf000[:,]\s*\$0xe05b`)
}

// TestGDBStages: gk-stages, then four plain continues, stop once at each
// stage, in order, each with its mode; no manual delete.
func TestGDBStages(t *testing.T) {
	t.Parallel()
	r := runGDB(t, "", false, "gk-stages", "continue", "continue", "continue", "continue", "continue")
	inOrder(t, r.out,
		// Real mode: _start, and the 2-byte jump decoded as 16-bit code.
		`(?m)^real mode CS:IP 1020:0000 \(linear 0x10200\) <_start>, breakpoint 1$`,
		`=> 0x10200 <_start>:\s+jmp 0x26c <start_of_setup>`,
		`(?m)^32-bit protected mode CS:EIP 0010:00100000 \(linear 0x100000\) <startup_32>, paging off$`,
		`=> 0x100000 <startup_32>:\s+cld`,
		`(?m)^64-bit mode RIP 0x1[0-9a-f]{6} <startup_64, the kernel at its physical address: linked at 0xffffffff81[0-9a-f]{6}>`,
		`Breakpoint 4, main\.start_kernel \(\) at .*/kmain\.go:\d+`,
		`(?m)^64-bit mode RIP 0xffffffff81[0-9a-f]{6} <start_kernel\+0x[0-9a-f]+>`)
	if n := strings.Count(r.out, "<_start>, breakpoint 1"); n != 1 {
		t.Fatalf("stopped %d times at _start\n%s", n, r.out)
	}
	// The fifth continue runs to the idle loop, where exit_at_idle ends QEMU.
	if !strings.Contains(r.serial, "cpu_idle: CPU 0 enters the idle loop") || !strings.Contains(r.stderr, "Remote connection closed") {
		t.Fatalf("the kernel did not reach the idle loop after the stages\n%s", r.serial)
	}
}

// TestGDBRealMode: stepping in real mode, where gdb's $pc is IP: stepi
// from a breakpoint, a refused `next` (one line, no traceback), gk-next over
// a call with the source line, breakpoints by name in main.S and pmjump.S,
// registers, and bt's one frame at the linear address.
func TestGDBRealMode(t *testing.T) {
	t.Parallel()
	r := runGDB(t, "", false, "gk-e820", "gk-dmesg", "gk-break-setup", "continue", "stepi", "next",
		"break main", "continue", "gk-next", "bt",
		"break protected_mode_jump", "continue", `printf "EAX=%x EDX=%x\n", $eax, $edx`, "gk-pgtable 0x1000",
		`printf "ZEROPAGE=%x\n", $setup("boot_params")`, "gk-e820")
	inOrder(t, r.out,
		`real mode CS:IP 1020:0000 \(linear 0x10200\) <_start>, breakpoint 1`,
		`real mode CS:IP 1020:006c \(linear 0x1026c\) <start_of_setup>\nboot/header\.S:\d+: `,
		`Breakpoint 2 at 0x10[0-9a-f]{3}: file boot/main\.S`,
		`real mode CS:IP 1000:0[0-9a-f]{3} \(linear 0x10[0-9a-f]{3}\) <main>, breakpoint 2\nboot/main\.S:\d+: call\s+copy_boot_params`,
		// gk-next ran copy_boot_params and stopped at the next line.
		`real mode CS:IP 1000:0[0-9a-f]{3} \(linear 0x10[0-9a-f]{3}\) <main\+0x3>\nboot/main\.S:\d+: call\s+console_init`,
		`(?m)^#0  0x0000000000010[0-9a-f]{3} in main\+0x3 \(\) at boot/main\.S:\d+$`,
		`Breakpoint 3 at 0x10[0-9a-f]{3}: file boot/pmjump\.S`,
		`real mode CS:IP 1000:0[0-9a-f]{3} \(linear 0x10[0-9a-f]{3}\) <protected_mode_jump>, breakpoint 3`,
		`EAX=100000 EDX=(11[0-9a-f]{3})`,
		// detect_memory's map in the setup's boot_params (EDX points at it).
		`ZEROPAGE=11[0-9a-f]{3}`,
		`(?m)^boot_params\.e820_table: \[mem 0x0000000000100000-0x0000000007fdffff\] usable$`)
	if m := regexp.MustCompile(`EDX=(\w+)\n(?s:.*)ZEROPAGE=(\w+)`).FindStringSubmatch(r.out); m == nil || m[1] != m[2] {
		t.Fatalf("$setup(\"boot_params\") is not the zeropage protected_mode_jump passes in EDX: %v", m)
	}
	inOrder(t, r.stderr,
		`gk-e820: boot_params\.e820_entries is 0: detect_memory`,
		`gk-dmesg: the kernel log \(__log_buf\) is not there yet: the CPU is in real mode`,
		"gokern: `next` cannot work in real mode: gdb sees IP 0x6c",
		`gk-pgtable: paging is off \(CR0\.PG=0, real mode\)`)
}

// TestGDBGrubLinux16: under GRUB's linux16 the setup runs at 0x90000, not
// at QEMU's 0x10000 (DESIGN.md §6). gk-stages' breakpoint at _start stops
// there too (its twin for GRUB), the stop finds the setup where CS says and
// loads its symbols there, so the report, `break main`, the line tables,
// $setup() and gk-e820 follow; and GRUB's own code, which runs at
// code32_start before the kernel is loaded there, is not called
// startup_32.
func TestGDBGrubLinux16(t *testing.T) {
	t.Parallel()
	iso := grubISO(t, "linux16", "earlyprintk=serial exit_at_idle", "")
	r := runGDBConfig(t, q.Config{CDROM: iso}, false, "gk-stages", "continue", "continue",
		"break main", "continue", "gk-next", "bt",
		"break protected_mode_jump", "continue", `printf "EDX=%x ZEROPAGE=%x\n", $edx, $setup("boot_params")`, "gk-e820",
		"continue", "continue", "continue", "continue")
	inOrderRun(t, r,
		`(?m)^gokern: breakpoint 1 also at 0x90200, for GRUB linux16$`,
		// GRUB's relocator at 0x100000: breakpoint 2, not named.
		`(?m)^32-bit protected mode CS:EIP 0008:00100000 \(linear 0x100000\), paging off$`,
		`(?m)^gokern: not gokern's code yet: the bytes here are not build/compressed/vmlinux's`,
		`(?m)^gokern: the real-mode setup runs at 0x90000 \(GRUB linux16\), not at 0x10000: build/setup.elf now loaded there$`,
		`(?m)^real mode CS:IP 9020:0000 \(linear 0x90200\) <_start>, breakpoint 1$`,
		`=> 0x90200 <_start>:\s+jmp 0x26c <start_of_setup>`,
		`Breakpoint 5 at 0x90[0-9a-f]{3}: file boot/main\.S`,
		`real mode CS:IP 9000:0[0-9a-f]{3} \(linear 0x90[0-9a-f]{3}\) <main>, breakpoint 5\nboot/main\.S:\d+: call\s+copy_boot_params`,
		`real mode CS:IP 9000:0[0-9a-f]{3} \(linear 0x90[0-9a-f]{3}\) <main\+0x3>\nboot/main\.S:\d+: call\s+console_init`,
		`(?m)^#0  0x0000000000090[0-9a-f]{3} in main\+0x3 \(\) at boot/main\.S:\d+$`,
		`real mode CS:IP 9000:0[0-9a-f]{3} \(linear 0x90[0-9a-f]{3}\) <protected_mode_jump>, breakpoint 6`,
		`EDX=(9[0-9a-f]{4}) ZEROPAGE=(9[0-9a-f]{4})`,
		`(?m)^boot_params\.e820_table: \[mem 0x0000000000100000-0x0000000007fdffff\] usable$`,
		`(?m)^32-bit protected mode CS:EIP 0010:00100000 \(linear 0x100000\) <startup_32>, paging off$`,
		`(?m)^64-bit mode RIP 0x1[0-9a-f]{6} <startup_64, the kernel at its physical address: linked at 0xffffffff81[0-9a-f]{6}>`,
		`Breakpoint 4, main\.start_kernel \(\) at .*/kmain\.go:\d+`)
	if m := regexp.MustCompile(`EDX=(\w+) ZEROPAGE=(\w+)`).FindStringSubmatch(r.out); m == nil || m[1] != m[2] {
		t.Fatalf("$setup(\"boot_params\") is not the zeropage protected_mode_jump passes in EDX: %v", m)
	}
	if strings.Contains(r.out, "linear 0x10200") || strings.Count(r.out, "<_start>, breakpoint 1") != 1 {
		t.Fatalf("stopped at QEMU's _start, or not once at GRUB's\n%s", r.out)
	}
	// The last continue runs to the idle loop, where exit_at_idle ends QEMU.
	if !strings.Contains(r.serial, "Boot protocol: 16-bit, real-mode setup (GRUB: linux16)") || !strings.Contains(r.serial, "cpu_idle: CPU 0 enters the idle loop") {
		t.Fatalf("the kernel did not come in through linux16 and reach the idle loop\n%s", r.serial)
	}
}

// frames is the backtrace lines of out.
func frames(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// bottoms is the last frame of every backtrace in out.
func bottoms(out string) []string {
	var last []string
	prev := ""
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "#") && strings.HasPrefix(prev, "#") {
			last = append(last, prev)
		}
		prev = l
	}
	return last
}

// endsAtStartup64 fails unless every backtrace in out ends at
// startup_64_high, the bottom of the boot stack.
func endsAtStartup64(t *testing.T, out string, n int) {
	t.Helper()
	b := bottoms(out)
	for _, l := range b {
		if !regexp.MustCompile(`^#\d+ +0x[0-9a-f]+ in gokern/arch/amd64\.startup_64_high \(\) at .*head_64\.s:\d+$`).MatchString(l) {
			t.Fatalf("a backtrace ends at %q, not at startup_64_high\n%s", l, out)
		}
	}
	if len(b) != n {
		t.Fatalf("%d backtraces, want %d\n%s", len(b), n, out)
	}
}

// endsAtRetFromFork checks that each of the n backtraces in out ends at
// ret_from_fork_asm, the first frame of a kernel thread (kernel/sched).
func endsAtRetFromFork(t *testing.T, out string, n int) {
	t.Helper()
	b := bottoms(out)
	for _, l := range b {
		if !regexp.MustCompile(`^#\d+ +0x[0-9a-f]+ in gokern/arch/amd64/entry\.ret_from_fork_asm \(\) at .*entry_64\.s:\d+$`).MatchString(l) {
			t.Fatalf("a backtrace ends at %q, not at ret_from_fork_asm\n%s", l, out)
		}
	}
	if len(b) != n {
		t.Fatalf("%d backtraces, want %d\n%s", len(b), n, out)
	}
}

// TestGDBBreakByName: `break start_kernel` as typed stops in kmain.go; bt
// ends at the bottom of the boot stack with arguments and no ?? frame; Go
// variables print by their Linux names.
func TestGDBBreakByName(t *testing.T) {
	t.Parallel()
	r := runGDB(t, "", false, "break start_kernel", "continue", "bt", "print gokern_version", "print boot_command_line",
		"break memblock_add_range", "continue", "bt")
	inOrder(t, r.out,
		`Breakpoint 1, main\.start_kernel \(\) at .*/kmain\.go:\d+`,
		`(?m)^#0  main\.start_kernel \(\) at .*kmain\.go`,
		`(?m)^#1  0x[0-9a-f]+ in gokern/arch/amd64\.x86_64_start_kernel \(real_mode_data=[1-9]\d*, tsc0=[1-9]\d*\) at .*head64\.go:\d+$`,
		`(?m)^#\d+ +0x[0-9a-f]+ in gokern/arch/amd64\.startup_64_high \(\) at .*head_64\.s:\d+\n`,
		`= 0x[0-9a-f]+ "0\.1"`,
		`= "earlyprintk=serial exit_at_idle", '\\000' <repeats`,
		`(?m)^#0  gokern/memblock\.memblock_add_range \(t=0x[0-9a-f]+ <memblock\+\d+>, base=\d+, size=\d+, nid=\d+, flags=0\)`,
		`(?m)^#\d+ +0x[0-9a-f]+ in main\.start_kernel \(\)`,
		`(?m)^#\d+ +0x[0-9a-f]+ in gokern/arch/amd64\.startup_64_high \(\) at .*head_64\.s:\d+\n`)
	for _, bad := range []string{"??", "<autogenerated>", "~r0"} {
		if strings.Contains(frames(r.out), bad) {
			t.Fatalf("bt shows %q\n%s", bad, r.out)
		}
	}
	endsAtStartup64(t, r.out, 2)
}

// TestGDBHelpers: the lx-style commands at rest_init (the boot done,
// before the first kernel thread's stack appears in the vmalloc area, so
// that the page tables are those the kernel's own ptdump printed), each
// checked against the state it describes.
func TestGDBHelpers(t *testing.T) {
	t.Parallel()
	r := runGDB(t, "ptdump", false, "break rest_init", "continue",
		"gk-dmesg", "gk-e820", "gk-e820 firmware", "gk-memblock",
		"gk-pgtable &start_kernel", "gk-pgtable 0xffff888002000000", "gk-pgtable 0x0000800000000000",
		"gk-pgtable 0x1000", "gk-ptdump", "gk-gdt", "gk-idt", "gk-cr", "help gk-pgtable", "gk-e820 nonsense")
	// The kernel image's memblock reservation ends where startup_64 says
	// the image does (its size moves as the kernel grows).
	img := regexp.MustCompile(`startup_64: kernel at 0xffffffff81000000-0xffffffff8([0-9a-f]{7})`).FindStringSubmatch(r.out)
	if img == nil {
		t.Fatalf("gk-dmesg lacks startup_64's kernel line\n%s", r.out)
	}
	imgEnd, _ := strconv.ParseUint(img[1], 16, 64)
	inOrder(t, r.out,
		// gk-dmesg in a Go frame: the banner, without the <level> prefix.
		`(?m)^\[\s+\d+\.\d{6}\] gokern version 0\.1 \(go1\.\d+`,
		`(?m)^e820_table: \[mem 0x0000000000100000-0x0000000007fdffff\] usable$`,
		`(?m)^ memory\.cnt  = 0x2$`,
		fmt.Sprintf(`(?m)^ reserved\[0x\d\]\t\[0x0000000001000000-0x%016x\]`, imgEnd-1),
		// Kernel text: a 4K PTE, present, not writable, executable.
		`(?m)^PTE \[\s*\d+\] @ 0x[0-9a-f]+ = 0x0000000001[0-9a-f]{6}  P A D GLB$`,
		`→ physical 0x1[0-9a-f]{6}: 4K page, present, read-only, executable, kernel-only, global`,
		// The direct map: a 2M page with NX.
		`(?m)^PMD \[ 16\] @ 0x[0-9a-f]+ = 0x80000000020001e3  P RW A D PSE GLB NX$`,
		`0xffff888002000000 → physical 0x2000000: 2M page \(large\), present, writable, no-execute \(NX\)`,
		`0x1000 is not mapped: an access faults`,
		`---\[ High Kernel Mapping \]---\n0xffffffff81000000-0xffffffff81[0-9a-f]{6}\s+\d+K\s+ro\s+GLB x  pte`,
		`(?m)^0x0010 code 64-bit  base 0x0 limit 0xffffffff RX DPL 0 A  ← CS$`,
		// The final IDT (trap_init): the stubs by their Linux 4.x names,
		// #DF on IST 1, int $0x80 open to user mode.
		`(?m)^  8  interrupt 0xffffffff81[0-9a-f]{6} <double_fault>  sel 0x10 IST 1 DPL 0$`,
		`(?m)^ 14  interrupt 0xffffffff81[0-9a-f]{6} <page_fault>  sel 0x10 IST 0 DPL 0$`,
		`(?m)^128  interrupt 0xffffffff81[0-9a-f]{6} <entry_INT80_compat>  sel 0x10 IST 0 DPL 3$`,
		`(?m)^EFER 0x0000000000000d01  SCE LME LMA NXE$`,
		`(?m)^mode: 64-bit mode \(CR0\.PE=1, CR0\.PG=1, EFER\.LMA=1, CS\.L=1, CS\.D=0\), CPL 0$`,
		`Walk the live page tables for a virtual address, level by level\.`)
	inOrder(t, r.stderr,
		`(?m)^gk-pgtable: 0x800000000000 is not canonical: with 4-level paging bits 63\.\.47 must all equal bit 47.*$`,
		`(?m)^gk-e820: usage: gk-e820 \[firmware\]$`)
	// gk-e820 firmware prints the table the kernel printed as BIOS-e820.
	var bios []string
	for _, l := range strings.Split(r.serial, "\n") {
		if i := strings.Index(l, "BIOS-e820: "); i > 0 {
			bios = append(bios, "e820_table_firmware: "+strings.TrimRight(l[i+len("BIOS-e820: "):], "\r "))
		}
	}
	if len(bios) < 3 || !strings.Contains(r.out, strings.Join(bios, "\n")+"\n") {
		t.Fatalf("gk-e820 firmware differs from the kernel's BIOS-e820 lines:\n%s\n--- gdb\n%s", strings.Join(bios, "\n"), r.out)
	}
	// gk-ptdump prints what the kernel's own ptdump printed at boot.
	var kernel []string
	for _, l := range strings.Split(r.serial, "\n") {
		if i := strings.Index(l, "] "); i > 0 && (strings.HasPrefix(l[i+2:], "0xff") || strings.HasPrefix(l[i+2:], "---[")) {
			kernel = append(kernel, strings.TrimRight(l[i+2:], "\r "))
		}
	}
	if len(kernel) < 8 {
		t.Fatalf("the kernel printed no ptdump\n%s", r.serial)
	}
	if !strings.Contains(r.out, strings.Join(kernel, "\n")+"\n") {
		t.Fatalf("gk-ptdump differs from the kernel's ptdump:\n%s\n--- gdb\n%s", strings.Join(kernel, "\n"), r.out)
	}
}

// TestGDBOops: deliberate crashes (lkdtm=) stopped in the page-fault
// handler: bt goes through the trap frame error_entry built to the
// faulting source line, down to startup_64_high, and gk-ptregs prints that
// frame. ACCESS_NULL faults in the kernel function itself; ARRAY_BOUNDS in
// the Go runtime's bounds-check path, under the kernel function, whose
// argument lived in a register the calls clobbered. EARLY is ACCESS_NULL
// before trap_init (lkdtm's crash point): the early IDT's
// do_early_exception, through early_idt_handler_common.
func TestGDBOops(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(q.Root(t), "lkdtm.go"))
	if err != nil {
		t.Fatal(err)
	}
	lineOf := func(s string) int {
		for i, l := range strings.Split(string(src), "\n") {
			if strings.Contains(l, s) {
				return i + 1
			}
		}
		t.Fatalf("lkdtm.go has no %q", s)
		return 0
	}
	handler := []string{
		`(?m)^#0  gokern/traps\.do_page_fault \(regs=0x[0-9a-f]+, error_code=0\)`,
		`(?m)^#\d+ +0x[0-9a-f]+ in gokern/traps\.do_exception \(regs=`,
		`(?m)^#\d+ +0x[0-9a-f]+ in gokern/arch/amd64/entry\.error_entry_regs \[exception #PF, vector 14, error 0x0\] \(\)`,
	}
	null := fmt.Sprintf(`(?m)^#\d+ +0x[0-9a-f]+ in main\.lkdtm_ACCESS_NULL \(\) at .*lkdtm\.go:%d$`, lineOf("lkdtm_ptr.field"))
	for _, c := range []struct {
		typ, cmdline, brk string
		frames            []string
	}{
		{"ACCESS_NULL", "lkdtm=ACCESS_NULL", "do_page_fault", append(append([]string{}, handler...), null,
			`(?m)^#\d+ +0x[0-9a-f]+ in main\.lkdtm_do_action \(v=`)},
		{"ARRAY_BOUNDS", "lkdtm=ARRAY_BOUNDS", "do_page_fault", append(append([]string{}, handler...),
			`(?m)^#\d+ +0x[0-9a-f]+ in runtime\.panicBounds\d* \(`,
			// n was in a register: <optimized out>, not the callee's value.
			fmt.Sprintf(`(?m)^#\d+ +0x[0-9a-f]+ in main\.lkdtm_ARRAY_BOUNDS \(n=<optimized out>\) at .*lkdtm\.go:%d$`, lineOf("lkdtm_array[i] = 1")),
			`(?m)^#\d+ +0x[0-9a-f]+ in main\.lkdtm_do_action \(v=`)},
		{"EARLY", "lkdtm.cpoint_name=TRAP_INIT lkdtm.cpoint_type=ACCESS_NULL", "do_early_exception", []string{
			`(?m)^#0  gokern/[a-z0-9/]+\.do_early_exception \(regs=0x[0-9a-f]+`,
			`(?m)^#\d+ +0x[0-9a-f]+ in gokern/[a-z0-9/]+\.early_idt_handler_common \[exception #PF, vector 14, error 0x0\] \(\)`,
			null, `(?m)^#\d+ +0x[0-9a-f]+ in main\.lkdtm_cpoint \(cmd=`}},
	} {
		c := c
		t.Run(c.typ, func(t *testing.T) {
			t.Parallel()
			// docs/traps.md §7: the record the selftests read, by its
			// Linux-style alias (kbuild's ksyms.go).
			r := runGDB(t, c.cmdline, false, "break "+c.brk, "continue", "bt", "gk-cr", "gk-ptregs", "p/x last_trap.Cr2")
			if c.typ == "ACCESS_NULL" && !regexp.MustCompile(`(?m)^\$1 = 0x40$`).MatchString(r.out) {
				t.Errorf("p/x last_trap.Cr2: want 0x40, the field lkdtm_ACCESS_NULL read\n%s", r.out)
			}
			want := append([]string{}, c.frames...)
			if c.typ == "EARLY" {
				// Before rest_init: on the boot stack, from startup_64.
				want = append(want, `(?m)^#\d+ +0x[0-9a-f]+ in main\.start_kernel \(\)`,
					`(?m)^#\d+ +0x[0-9a-f]+ in gokern/arch/amd64\.startup_64_high \(\)`)
			} else {
				// In kernel_init, pid 1: its own stack ends at the frame
				// copy_thread built (kernel/sched).
				want = append(want, `(?m)^#\d+ +0x[0-9a-f]+ in main\.kernel_init \(`,
					`(?m)^#\d+ +0x[0-9a-f]+ in gokern/arch/amd64/entry\.ret_from_fork_asm \(\)`)
			}
			want = append(want,
				`(?m)^CR2  0x0000000000000[0-9a-f]{3}  last page-fault address$`,
				// gk-ptregs: the innermost trap frame, the faulting code's.
				`(?m)^pt_regs at 0x[0-9a-f]+: vector 14 \(#PF\), error code 0x0$`,
				`(?m)^RIP: 0010:0xffffffff81[0-9a-f]{6} <(lkdtm_ACCESS_NULL|runtime\.[a-zA-Z]+)\+0x[0-9a-f]+>$`,
				`(?m)^RSP: 0018:(ffffffff81[0-9a-f]{6}|ffffc9[0-9a-f]{10}) EFLAGS: [0-9a-f]{8} \[ [A-Z ]+ \]$`,
				`(?m)^RAX: [0-9a-f]{16} RBX: [0-9a-f]{16} RCX: [0-9a-f]{16}$`,
				`(?m)^R13: [0-9a-f]{16} R14: [0-9a-f]{16} R15: [0-9a-f]{16}$`)
			inOrder(t, r.out, want...)
			if strings.Contains(frames(r.out), "??") {
				t.Fatalf("bt shows ??\n%s", r.out)
			}
			if c.typ == "EARLY" {
				endsAtStartup64(t, r.out, 1)
			} else {
				endsAtRetFromFork(t, r.out, 1)
			}
		})
	}
}

// TestGDBBuddy: gk-buddyinfo says the buddy allocator is not there before
// mem_init, and at the idle loop prints exactly the /proc/buddyinfo lines
// the kernel printed ("buddyinfo"); gk-buddyinfo ORDER lists the blocks;
// gk-page decodes a reserved, a free and a deferred frame.
func TestGDBBuddy(t *testing.T) {
	t.Parallel()
	r := runGDB(t, "buddyinfo", false, "break start_kernel", "continue", "gk-buddyinfo",
		"break cpu_startup_entry", "continue", "gk-buddyinfo", "gk-buddyinfo 9", "gk-page 0x1000", "gk-page 0x200",
		"gk-page 0x201", "gk-page 0x5000", "gk-buddyinfo 11")
	inOrder(t, r.stderr,
		`(?m)^gk-buddyinfo: the buddy allocator is not initialised yet: mem_init \(in start_kernel's mm_init\) has not run$`,
		`(?m)^gk-buddyinfo: usage: gk-buddyinfo \[ORDER\], ORDER 0\.\.10$`)
	var kernel []string
	for _, l := range strings.Split(r.serial, "\n") {
		if i := strings.Index(l, "] Node 0, zone"); i > 0 {
			kernel = append(kernel, strings.TrimRight(l[i+2:], "\r"))
		}
	}
	if len(kernel) != 2 || !strings.Contains(r.out, strings.Join(kernel, "\n")+"\n") {
		t.Fatalf("gk-buddyinfo differs from the kernel's buddyinfo:\n%s\n--- gdb\n%s", strings.Join(kernel, "\n"), r.out)
	}
	inOrder(t, r.out,
		`(?m)^zone DMA order 9: 1 free blocks$`, `(?m)^  pfn 0x200-0x3ff  \[mem 0x0000000000200000-0x00000000003fffff\]$`,
		`(?m)^page 0x[0-9a-f]+ pfn 0x1000 \[mem 0x0000000001000000-0x0000000001000fff\]: reserved$`,
		`(?m)^  flags 0x[0-9a-f]+\(reserved\|zone=1\) refcount 0 `,
		`pfn 0x200 .*: free: heads a free block of order 9`,
		`pfn 0x201 .*: free: inside the order-9 free block at pfn 0x200`,
		`(?m)^pfn 0x5000: deferred: in a free MAX_ORDER block whose struct pages are not initialised yet$`)
}

// TestGDBCpus: gk-cpus at -smp 2 once both CPUs run the kernel (at
// kunit_run_all_tests, after smp_init): each CPU in long mode, its GS base
// the per-CPU area setup_per_cpu_areas gave it, the CPU number read there
// its own, online, with its APIC ID.
func TestGDBCpus(t *testing.T) {
	t.Parallel()
	r := runGDBConfig(t, q.Config{SMP: 2, Append: "exit_at_idle"}, false, "break kunit_run_all_tests", "continue", "gk-cpus")
	inOrder(t, r.out,
		`(?m)^CPU 0 \(thread 1\): long\s+RIP 0xffffffff81[0-9a-f]{6} .*GS base 0xffff888[0-9a-f]+ \(per-CPU area of CPU 0, smp_processor_id 0\), online, APIC ID 0x0$`,
		`(?m)^CPU 1 \(thread 2\): long\s+RIP 0xffffffff81[0-9a-f]{6} .*GS base 0xffff888[0-9a-f]+ \(per-CPU area of CPU 1, smp_processor_id 1\), online, APIC ID 0x1$`)
	if t.Failed() {
		t.Log(r.out)
	}
}
