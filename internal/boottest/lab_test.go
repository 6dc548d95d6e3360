package boottest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// The course labs' boot tests (labs/*/grade.txt names them with their
// points; ./qemu.sh grade runs them). Each fails with the boot's verdict
// first ("hang", "reset", the kernel's panic line), which is the line the
// grader prints.

// labTimeout bounds one lab boot: a skeleton that hangs costs this, not
// qemutest.DefaultTimeout. A reference boot takes a few seconds under TCG.
const labTimeout = 60 * time.Second

// labBoot boots cfg and fails unless the kernel exits with code.
func labBoot(t *testing.T, cfg q.Config, code int) *q.Result {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = labTimeout
	}
	r := q.Boot(t, cfg)
	if r.TimedOut || r.ExitCode != code {
		t.Fatalf("%s (want exit %d)\n%s", r.Verdict(), code, r.Describe())
	}
	return r
}

// labSelftests boots with the named KTAP selftests and fails unless each
// ran and passed.
func labSelftests(t *testing.T, cfg q.Config, names ...string) *q.Result {
	t.Helper()
	cfg.Append = strings.TrimSpace(cfg.Append + " selftest=" + strings.Join(names, ","))
	r := labBoot(t, cfg, q.ExitSuccess)
	ranAndPassed(t, r, names)
	return r
}

// span is [Start, End] inclusive, as the kernel prints ranges.
type span struct{ Start, End uint64 }

var (
	userRAMRE  = regexp.MustCompile(`user: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] usable`)
	memblockRE = regexp.MustCompile(` (memory|reserved)\[0x[0-9a-f]+\]\s+\[(0x[0-9a-f]+)-(0x[0-9a-f]+)\], (0x[0-9a-f]+) bytes`)
)

// merged sorts spans and joins those that touch or overlap.
func merged(s []span) []span {
	sort.Slice(s, func(i, j int) bool { return s[i].Start < s[j].Start })
	var out []span
	for _, x := range s {
		if n := len(out); n > 0 && x.Start <= out[n-1].End+1 {
			out[n-1].End = max(out[n-1].End, x.End)
			continue
		}
		out = append(out, x)
	}
	return out
}

// TestLabMemblock (lab memblock): a boot with 40 memmap= holes, which
// gives memblock more regions than its static array holds at first.
// memblock.memory, as memblock=debug dumps it, must be exactly the usable
// RAM of the e820 map, merged (above 1 MiB, where trim_bios_range changes
// nothing), with every hole left out; both arrays sorted, disjoint, and
// with no two neighbours that should have merged; and what was allocated
// from it (the reservations, the direct map's page tables) passes the
// selftests that check it.
func TestLabMemblock(t *testing.T) {
	var holes []string
	var want []span
	for i := 0; i < 40; i++ {
		base := uint64(0x2000000 + i*0x100000) // from 32 MiB, 1 MiB apart
		holes = append(holes, fmt.Sprintf("memmap=%dK$%#x", 4*(1+i%3), base))
	}
	r := labSelftests(t, q.Config{Mem: "256M", Append: "memblock=debug loglevel=8 " + strings.Join(holes, " ")}, "early_reservations", "direct_map", "buddy_invariant")
	for _, m := range userRAMRE.FindAllStringSubmatch(r.Output, -1) {
		if s := (span{atoi(m[1]), atoi(m[2])}); s.Start >= 0x100000 {
			want = append(want, s)
		}
	}
	want = merged(want)
	if len(want) < 40 {
		t.Fatalf("the e820 map has %d usable ranges above 1 MiB, want at least 40 (the holes)\n%s", len(want), r.Describe())
	}
	dump := r.Output[strings.Index(r.Output, "MEMBLOCK configuration:"):]
	arrays := map[string][]span{}
	for _, m := range memblockRE.FindAllStringSubmatch(dump, -1) {
		s := span{atoi(m[2]), atoi(m[3])}
		if s.End+1-s.Start != atoi(m[4]) {
			t.Fatalf("%s region [%#x-%#x] claims %s bytes", m[1], s.Start, s.End, m[4])
		}
		arrays[m[1]] = append(arrays[m[1]], s)
	}
	for name, a := range arrays {
		for i := 1; i < len(a); i++ {
			if a[i].Start <= a[i-1].End {
				t.Fatalf("memblock.%s: region %d [%#x-%#x] overlaps or is out of order after [%#x-%#x]", name, i, a[i].Start, a[i].End, a[i-1].Start, a[i-1].End)
			}
			if name == "memory" && a[i].Start == a[i-1].End+1 {
				t.Fatalf("memblock.memory: regions [%#x-%#x] and [%#x-%#x] touch but were not merged", a[i-1].Start, a[i-1].End, a[i].Start, a[i].End)
			}
		}
	}
	var got []span
	for _, s := range arrays["memory"] {
		if s.Start >= 0x100000 {
			got = append(got, s)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("memblock.memory above 1 MiB is\n%x\nthe e820 map's usable RAM is\n%x\n%s", got, want, r.Describe())
	}
}

// TestLabBuddy (lab buddy): the page allocator's invariant (free +
// allocated + reserved == present, per zone) and "allocate every page,
// give every page back, and the free lists are MAX_ORDER blocks again" at
// three RAM sizes, and with the 2.4 allocator and its fragmentation bits
// (buddy=bitmap).
func TestLabBuddy(t *testing.T) {
	for _, c := range []struct{ mem, opt string }{{"64M", ""}, {"1G", ""}, {"48M", "buddy=bitmap"}, {"512M", "buddy=bitmap"}} {
		t.Run(c.mem+"/"+c.opt, func(t *testing.T) {
			t.Parallel()
			labSelftests(t, q.Config{Mem: c.mem, Append: c.opt}, "buddy_invariant", "buddy_alloc_all")
		})
	}
}

var mappingRE = regexp.MustCompile(`init_mem_mapping: direct map 4k: (\d+), 2M: (\d+), 1G: (\d+) pages; kernel 4k: (\d+); (\d+) page-table pages`)

// TestLabPaging (lab paging): the direct map and the kernel's W^X mapping,
// checked in the live page tables through gdb's walk (gk-pgtable: each
// level's entry and bits from CR3) once the kernel runs on them: the
// direct map of physical 1 GiB is a 1 GiB page, of 32 MiB a 2 MiB page,
// of 1 MiB + 4 KiB a 4 KiB page, all writable and NX; start_kernel's page
// is read-only and executable, __log_buf's (data) writable and NX. The
// boot's summary counts pages of all three sizes, and the direct_map and
// kernel_wx selftests pass (every page of RAM reaches its frame; no kernel
// page is writable and executable).
func TestLabPaging(t *testing.T) {
	t.Run("selftests", func(t *testing.T) {
		t.Parallel()
		r := labSelftests(t, q.Config{Mem: "4G", CPU: "max"}, "direct_map", "kernel_wx")
		m := mappingRE.FindStringSubmatch(r.Output)
		if m == nil || atoi(m[1]) == 0 || atoi(m[2]) == 0 || atoi(m[3]) == 0 || atoi(m[4]) == 0 {
			t.Fatalf("want pages of each size (4K, 2M, 1G, kernel 4K): %v\n%s", m, r.Describe())
		}
	})
	t.Run("gdb", func(t *testing.T) {
		t.Parallel()
		r := runGDBConfig(t, q.Config{Mem: "4G", CPU: "max", Append: "exit_at_idle", Timeout: labTimeout}, false,
			"break rest_init", "continue",
			"gk-pgtable 0xffff888040000000", "gk-pgtable 0xffff888002000000", "gk-pgtable 0xffff888000101000",
			"gk-pgtable &start_kernel", "gk-pgtable &__log_buf")
		if !strings.Contains(r.out, "rest_init") {
			t.Fatalf("the kernel never reached rest_init (stopped or hung before)\n--- gdb\n%s\n--- serial\n%s", r.all(), r.serial)
		}
		inOrder(t, r.out,
			`(?m)^PUD \[\s*1\] @ 0x[0-9a-f]+ = 0x80000000400001e3  P RW A D PSE GLB NX$`,
			`0xffff888040000000 → physical 0x40000000: 1G page \(large\), present, writable, no-execute \(NX\)`,
			`0xffff888002000000 → physical 0x2000000: 2M page \(large\), present, writable, no-execute \(NX\)`,
			`0xffff888000101000 → physical 0x101000: 4K page, present, writable, no-execute \(NX\)`,
			`→ physical 0x1[0-9a-f]{6}: 4K page, present, read-only, executable, kernel-only, global`,
			`→ physical 0x1[0-9a-f]{6}: 4K page, present, writable, no-execute \(NX\), kernel-only, global`)
	})
}

// TestLabSlab (lab slab): the slab selftests in the kernel — objects that
// never overlap, are aligned and stay in their slab; successive slabs'
// colours; LIFO reuse; the cache invariants (active and total counts
// against the lists); kmalloc of every size class; and slub_debug's
// detections (red zones on both sides, use after free, double free, a
// pointer that is no object), each of which needs obj_to_index right.
func TestLabSlab(t *testing.T) {
	labSelftests(t, q.Config{}, "slab_cache", "slab_colour", "slab_lifo", "slab_invariants", "kmalloc_sizes",
		"slab_debug_right_redzone", "slab_debug_left_redzone", "slab_debug_use_after_free", "slab_debug_double_free", "slab_bad_pointer")
}

var e820CountRE = regexp.MustCompile(`detect_memory: (\d+) e820 entries`)

// TestLabRealmodeKBC (lab realmode): under qboot, whose BIOS has no INT
// 15h AX=2401h, with A20 turned off first (a20_test=off) the keyboard
// controller must turn it on (enable_a20_kbc).
func TestLabRealmodeKBC(t *testing.T) {
	r := labBoot(t, q.Config{BIOS: "qboot", Append: "debug a20_test=off exit_at_idle"}, q.ExitSuccess)
	mustContain(t, r, "memory wraps at 1 MiB", "enable_a20: A20 on (kbc)")
}

// TestLabRealmodeFast (lab realmode): the same boot under gdb, which sends
// enable_a20's call of enable_a20_kbc to enable_a20_fast instead; at
// protected_mode_jump gdb checks the A20 state itself (a write at 1 MiB +
// 0x200 must not land at 0x200), and that boot_params.e820_table holds
// the BIOS's map.
func TestLabRealmodeFast(t *testing.T) {
	r := runGDBConfig(t, q.Config{BIOS: "qboot", Append: "debug a20_test=off exit_at_idle", Timeout: labTimeout}, false,
		"gk-break-setup", "continue", "break enable_a20_kbc", "continue",
		"set $rip = $rip + ((long)&enable_a20_fast - (long)&enable_a20_kbc)",
		"break protected_mode_jump", "continue",
		"set $lo = *(unsigned int *)0x200", "set $hi = *(unsigned int *)0x100200",
		"set *(unsigned int *)0x200 = 0x22222222", "set *(unsigned int *)0x100200 = 0x11111111",
		`printf "A20 check: low=%x high=%x\n", *(unsigned int *)0x200, *(unsigned int *)0x100200`,
		"set *(unsigned int *)0x100200 = $hi", "set *(unsigned int *)0x200 = $lo",
		"gk-e820", "continue")
	if !strings.Contains(r.out, "A20 check: ") {
		t.Fatalf("hang: the setup never reached protected_mode_jump\n--- gdb\n%s\n--- serial\n%s", r.all(), r.serial)
	}
	if strings.Count(r.out, "<enable_a20_kbc>, breakpoint 2") > 1 {
		t.Fatalf("A20 did not come on through enable_a20_fast: enable_a20 tried again\n%s", r.all())
	}
	if !strings.Contains(r.out, "<protected_mode_jump>, breakpoint 3") || !strings.Contains(r.out, "A20 check: low=22222222 high=11111111") {
		t.Fatalf("A20 is off at protected_mode_jump: a write at 0x100200 wrapped to 0x200\n%s", r.all())
	}
	inOrder(t, r.out, `(?m)^boot_params\.e820_table: \[mem 0x0000000000100000-0x0000000007[0-9a-f]{6}\] usable$`)
	if !strings.Contains(r.serial, "enable_a20: A20 on (kbc)") || !strings.Contains(r.serial, "idle") {
		t.Fatalf("the boot did not go on to idle after enable_a20\n%s", r.serial)
	}
}

// TestLabRealmodeE820 (lab realmode): boots with two BIOSes' maps
// (SeaBIOS at 5G: RAM above 4 GiB after the PCI hole; qboot at 1000M)
// must take them from E820, not from the E801/88h fallback, with
// boot_params.e820_entries agreeing with the table, and find the top of
// RAM.
func TestLabRealmodeE820(t *testing.T) {
	for _, c := range []struct{ bios, mem, top string }{{"", "5G", "0x000000017fffffff"}, {"qboot", "1000M", "0x000000003e7"}} {
		t.Run(c.bios+c.mem, func(t *testing.T) {
			t.Parallel()
			r := labBoot(t, q.Config{BIOS: c.bios, Mem: c.mem, Append: "debug exit_at_idle"}, q.ExitSuccess)
			if strings.Contains(r.Output, "BIOS has no E820") {
				t.Fatalf("detect_memory fell back to E801/88h: detect_memory_e820 found no entries\n%s", r.Describe())
			}
			m := e820CountRE.FindStringSubmatch(r.Output)
			if m == nil || atoi(m[1]) < 3 {
				t.Fatalf("want at least 3 E820 entries: %v\n%s", m, r.Describe())
			}
			if n := strings.Count(r.Output, "detect_memory: e820 entry "); uint64(n) != atoi(m[1]) {
				t.Fatalf("boot_params.e820_table holds %d entries, boot_params.e820_entries says %s\n%s", n, m[1], r.Describe())
			}
			if !regexp.MustCompile(`BIOS-e820: \[mem 0x[0-9a-f]+-` + c.top + `[0-9a-f]*\] usable`).MatchString(r.Output) {
				t.Fatalf("no usable range ending at %s (the top of RAM)\n%s", c.top, r.Describe())
			}
		})
	}
}

// TestLabFault (lab fault): deliberate faults and the exception table.
// The selftests: extable (the table sorted, every entry found), page_fault
// (reads and writes of unmapped pages and a write to kernel text through
// the nofault accessors: each returns -EFAULT through its fixup, with the
// error code the CPU pushed), general_protection (a non-canonical user
// pointer: #GP, fixed up), copy_nofault, and fs_uaccess (read(2) and
// write(2) with user pointers nothing maps: -EFAULT, never an oops).
// Then oopses whose error codes have each bit the decoder names: a read
// of page 0 (0x0000), an instruction fetch from data, NX (0x0011), and
// from page 0 (0x0010), each decoded in the "#PF:" lines.
func TestLabFault(t *testing.T) {
	t.Run("fixups", func(t *testing.T) {
		t.Parallel()
		labSelftests(t, q.Config{}, "extable", "page_fault", "general_protection", "copy_nofault", "fs_uaccess")
	})
	for _, c := range []struct{ typ, access, code string }{
		{"ACCESS_NULL", "read access", "error_code(0x0000) - not-present page"},
		{"EXEC_DATA", "instruction fetch", "error_code(0x0011) - permissions violation"},
		{"EXEC_NULL", "instruction fetch", "error_code(0x0010) - not-present page"},
	} {
		t.Run(c.typ, func(t *testing.T) {
			t.Parallel()
			r := labBoot(t, q.Config{Append: "lkdtm=" + c.typ}, q.ExitFailure)
			mustContain(t, r, "#PF: supervisor "+c.access+" in kernel mode\n", "#PF: "+c.code+"\n")
		})
	}
}

// TestLabIPICall (lab ipi): at -smp 2 and -smp 4, smp_call_function
// reaches every other CPU (each records the CPU number it reads through
// its own GS base) and smp_call_function_single each one alone; the TLB
// shootdown, which calls smp_call_function_many again and again,
// invalidates on every CPU. A deadlock shows as a hang (the boot's
// verdict), a lost IPI as a CPU that "did not start the function in time".
func TestLabIPICall(t *testing.T) {
	for _, smp := range []int{2, 4} {
		t.Run(fmt.Sprint(smp), func(t *testing.T) {
			t.Parallel()
			r := labSelftests(t, q.Config{SMP: smp}, "smp_call_function", "tlb_shootdown")
			if strings.Contains(r.Output, "in time") {
				t.Fatalf("a CPU did not answer an IPI\n%s", r.Describe())
			}
		})
	}
}

// TestLabIPISynchronize (lab ipi): the seeds' synchronize_all holds every
// other CPU in synchronize_all_slaves (none leaves early) until
// unsynchronize_all lets them all go, at -smp 2 and -smp 4.
func TestLabIPISynchronize(t *testing.T) {
	for _, smp := range []int{2, 4} {
		t.Run(fmt.Sprint(smp), func(t *testing.T) {
			t.Parallel()
			r := labSelftests(t, q.Config{SMP: smp}, "smp_synchronize_all")
			mustContain(t, r, "all kernel threads synchronized", "freeing other kernel threads")
			if n := strings.Count(r.Output, "leaving synchronize_all_slaves"); n != smp-1 {
				t.Fatalf("%d CPUs left synchronize_all_slaves, want %d\n%s", n, smp-1, r.Describe())
			}
		})
	}
}

var scfRE = regexp.MustCompile(`smp_call_function_stress: (\d+) CPUs x (\d+) calls at once, (\d+) functions run, in (\d+) ms`)

// TestLabIPIStress (lab ipi): every CPU calls smp_call_function,
// smp_call_function_single and smp_call_function_many (random masks,
// with and without wait) at once, 400 calls between them, at -smp 2 and
// -smp 4 (selftest smp_call_function_stress, after Linux's scftorture):
// all finish, so nothing deadlocked; each call returns the number of its
// targets; and the function ran on each CPU for each caller exactly as
// often as asked, never on the caller, and each CPU's CAL count moved by
// exactly that. The calls run one at a time, each waiting for vCPUs
// that share two host cores: under load -smp 4 takes up to a minute, so
// the boot's bound is 3 minutes (a deadlock is reported by the selftest
// after 150 s).
func TestLabIPIStress(t *testing.T) {
	for _, smp := range []int{2, 4} {
		t.Run(fmt.Sprint(smp), func(t *testing.T) {
			t.Parallel()
			r := labSelftests(t, q.Config{SMP: smp, Timeout: 3 * time.Minute}, "smp_call_function_stress")
			m := scfRE.FindStringSubmatch(r.Output)
			if m == nil || atoi(m[1]) != uint64(smp) {
				t.Fatalf("want %d CPUs calling at once: %v\n%s", smp, m, r.Describe())
			}
			t.Logf("%s CPUs x %s calls: %s functions run in %s ms", m[1], m[2], m[3], m[4])
		})
	}
}

// The syscall lab's boot tests: user/mysyscall as init, through both
// doors (syscall and int $0x80). The program checks every result and the
// int the calls work on itself, and prints one line per step, "ok" or
// "FAIL", named by its group; each test grades one group, and requires
// that every step of it ran (so a program killed half-way fails too).

// mysyscallSteps counts user/mysyscall's steps of a group, from its
// source.
func mysyscallSteps(t *testing.T, group string) int {
	src, err := os.ReadFile(filepath.Join(userprog.Root(), "user", "mysyscall", "mysyscall.S"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(regexp.MustCompile(`(?m)^\t[SC] "`+group+`: `).FindAll(src, -1))
	if n == 0 {
		t.Fatalf("user/mysyscall/mysyscall.S has no %s steps", group)
	}
	return n
}

// labMysyscall boots user/mysyscall as init and fails on a hang, a reset,
// an oops, or when the program did not get to its summary line. The
// tests that grade its step groups check different lines of the same
// boot: in one test binary (./qemu.sh test) they share one boot, the
// first to come boots and the others wait for it; the grader runs each
// in a process of its own, so each boots there.
func labMysyscall(t *testing.T) *q.Result {
	t.Helper()
	mysyscallBoot.Lock()
	defer mysyscallBoot.Unlock()
	r := mysyscallBoot.r
	if r == nil {
		r = q.Boot(t, q.Config{Initrd: initInitrd(t), Append: "rdinit=/mysyscall", Timeout: labTimeout})
		mysyscallBoot.r = r
	}
	if r.TimedOut || (r.ExitCode != q.ExitSuccess && r.ExitCode != q.ExitFailure) {
		t.Fatalf("%s\n%s", r.Verdict(), r.Describe())
	}
	for _, bad := range []string{"BUG: ", "Oops", "general protection fault", "LAB syscall: "} {
		if i := strings.Index(r.Output, bad); i >= 0 {
			line, _, _ := strings.Cut(r.Output[i:], "\n")
			t.Fatalf("%s\n%s", line, r.Describe())
		}
	}
	if !regexp.MustCompile(`(?m)^mysyscall: \d+ of \d+ steps passed$`).MatchString(r.Output) {
		t.Fatalf("user/mysyscall did not finish (%s)\n%s", r.Verdict(), r.Describe())
	}
	return r
}

var mysyscallBoot struct {
	sync.Mutex
	r *q.Result
}

// mysyscallGroup: every step of group ran and passed.
func mysyscallGroup(t *testing.T, r *q.Result, group string) {
	t.Helper()
	want := mysyscallSteps(t, group)
	var failed []string
	ok := 0
	for _, l := range r.Lines() {
		if strings.HasPrefix(l, "mysyscall: ok "+group+": ") {
			ok++
		}
		if strings.HasPrefix(l, "mysyscall: FAIL "+group+": ") {
			failed = append(failed, strings.TrimPrefix(l, "mysyscall: FAIL "+group+": "))
		}
	}
	if len(failed) > 0 {
		t.Fatalf("%s (and %d more of %d steps failed)\n%s", failed[0], len(failed)-1, want, r.Describe())
	}
	if ok != want {
		t.Fatalf("%d of %d %s steps passed\n%s", ok, want, group, r.Describe())
	}
}

// TestLabSyscallFirst (lab syscall): my_first_sys_call() through syscall
// (500) and int $0x80 (500) returns 1, 2, 3, 4, the number of calls so
// far, and prints its line for each, naming the caller.
func TestLabSyscallFirst(t *testing.T) {
	t.Parallel()
	r := labMysyscall(t)
	mysyscallGroup(t, r, "first")
	for n := 1; n <= 4; n++ {
		mustContain(t, r, fmt.Sprintf("my_first_sys_call: call %d, from mysyscall[1]\n", n))
	}
}

// TestLabSyscallSecond (lab syscall): my_second_sys_call(arg, &value)
// through both doors adds arg to the int in the program's memory and
// returns the sum: 100+5, then -5 with garbage in RDI's upper half (a C
// int is the low 32 bits), -300 (a negative result, sign-extended in
// RAX), and through int $0x80 300 and -1 (EBX 0xffffffff); the program
// reads the int back after each.
func TestLabSyscallSecond(t *testing.T) {
	t.Parallel()
	mysyscallGroup(t, labMysyscall(t), "second")
}

// TestLabSyscallEFAULT (lab syscall): my_second_sys_call with a pointer
// it may not use returns -EFAULT and changes nothing, without an oops:
// NULL, an unmapped page, the kernel's text (copy_from_user's access_ok
// refuses it; a plain load would read it), a non-canonical address, an
// int across the end of user space, a read-only page (read, then the
// write faults: fixed up), and through int $0x80 NULL, 0xfffffffc and the
// read-only page; the program's int keeps its value throughout.
func TestLabSyscallEFAULT(t *testing.T) {
	t.Parallel()
	mysyscallGroup(t, labMysyscall(t), "efault")
}

// TestLabSyscallENOSYS (lab syscall): the numbers nobody serves still
// give -ENOSYS through both doors: 499 and 502 on each side of the lab's,
// 511, 1000, 0xffffffff, the hole 335 and 463 (Linux 6.13's setxattrat,
// which gokern does not have).
func TestLabSyscallENOSYS(t *testing.T) {
	t.Parallel()
	mysyscallGroup(t, labMysyscall(t), "enosys")
}

// TestLabSyscallKernelState (lab syscall): what the calls left in the
// kernel, read through gdb when init exits: My_first_sys_call_calls is 4
// (the four calls, none counted twice), My_second_sys_call_sum is -1
// (5 - 5 - 300 + 300 - 1: the calls that failed with -EFAULT added
// nothing), and both tables' slots 500 and 501 hold the functions.
func TestLabSyscallKernelState(t *testing.T) {
	t.Parallel()
	r := runGDBConfig(t, q.Config{Initrd: initInitrd(t), Append: "rdinit=/mysyscall", Timeout: labTimeout}, false,
		"break 'gokern/kernel/exec.init_exit'", "continue",
		`printf "calls=%d sum=%d\n", 'gokern/kernel/sys.My_first_sys_call_calls', 'gokern/kernel/sys.My_second_sys_call_sum'`,
		"set language c",
		`printf "x86-64 500: "`, "info symbol *(long *)*(long *)((char *)&'gokern/traps.Sys_call_table' + 8*500)",
		`printf "x86-64 501: "`, "info symbol *(long *)*(long *)((char *)&'gokern/traps.Sys_call_table' + 8*501)",
		`printf "i386 500: "`, "info symbol *(long *)*(long *)((char *)&'gokern/traps.Ia32_sys_x64_table' + 8*500)",
		`printf "i386 501: "`, "info symbol *(long *)*(long *)((char *)&'gokern/traps.Ia32_sys_x64_table' + 8*501)",
		"continue")
	if !strings.Contains(r.out, "exec.init_exit (") {
		t.Fatalf("hang: init never exited\n--- gdb\n%s\n--- serial\n%s", r.all(), r.serial)
	}
	if !strings.Contains(r.out, "calls=") {
		msg, _, _ := strings.Cut(strings.TrimSpace(r.stderr), "\n")
		t.Fatalf("gdb cannot read My_first_sys_call_calls and My_second_sys_call_sum (the linker drops variables no code uses): %s\n--- gdb\n%s", msg, r.all())
	}
	inOrder(t, r.out, `(?m)^calls=4 sum=-1$`,
		`(?m)^x86-64 500: (\S*\.)?sys_my_first_sys_call in section`, `(?m)^x86-64 501: (\S*\.)?sys_my_second_sys_call in section`,
		`(?m)^i386 500: (\S*\.)?sys_my_first_sys_call in section`, `(?m)^i386 501: (\S*\.)?sys_my_second_sys_call in section`)
}

// TestLabSyscallSMP (lab syscall): the calls made by every CPU at once
// (user/mysyscallsmp as init at -smp 4: a thread per CPU, 250
// my_first_sys_call and 20000 my_second_sys_call(1, &v) each) are each
// counted once: my_first_sys_call returned 1..1000, each once, and when
// init exits gdb reads My_first_sys_call_calls 1000 and
// My_second_sys_call_sum 80000. A counter incremented without an atomic
// read-modify-write (LOCK XADD) loses the increments two CPUs make at the
// same moment.
func TestLabSyscallSMP(t *testing.T) {
	t.Parallel()
	initrd := filepath.Join(t.TempDir(), "mysyscallsmp.cpio")
	if err := userprog.GoInitrd(filepath.Join(userprog.Root(), "user", "mysyscallsmp"), initrd, nil); err != nil {
		t.Fatal(err)
	}
	const cpus = 4
	r := runGDBConfig(t, q.Config{Initrd: initrd, SMP: cpus, Append: "loglevel=4", Timeout: 3 * labTimeout}, false,
		"break 'gokern/kernel/exec.init_exit'", "continue",
		`printf "calls=%d sum=%d\n", 'gokern/kernel/sys.My_first_sys_call_calls', 'gokern/kernel/sys.My_second_sys_call_sum'`,
		"continue")
	if !strings.Contains(r.out, "exec.init_exit (") {
		t.Fatalf("hang: init never exited\n--- gdb\n%s\n--- serial\n%s", r.all(), r.serial)
	}
	for _, l := range strings.Split(r.serial, "\n") {
		if strings.HasPrefix(l, "mysyscallsmp: FAIL: ") || strings.Contains(l, "Oops") {
			t.Fatalf("%s\n--- serial\n%s", l, r.serial)
		}
	}
	if !strings.Contains(r.serial, fmt.Sprintf("mysyscallsmp: ok: my_first_sys_call returned 1..%d, each once", cpus*250)) {
		t.Fatalf("the program did not finish its checks\n--- serial\n%s", r.serial)
	}
	want := fmt.Sprintf("calls=%d sum=%d", cpus*250, cpus*20000)
	if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(r.out) {
		t.Fatalf("gdb read %q, want %q: increments lost between CPUs\n--- gdb\n%s", regexp.MustCompile(`calls=.*`).FindString(r.out), want, r.all())
	}
	t.Logf("%s", regexp.MustCompile(`mysyscallsmp: \d+ threads on \d+ CPUs.*`).FindString(r.serial))
}

// TestLabSyscallOnLinux: the lab's numbers are free on the host's Linux
// (500 and 501 give -ENOSYS through both doors), and so are the other
// numbers the program expects -ENOSYS from: user/mysyscall host.
func TestLabSyscallOnLinux(t *testing.T) {
	skipWithoutInt80(t)
	exe, err := userprog.BuildStatic("mysyscall", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "host").CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^mysyscall: (\d+) of (\d+) steps passed$`).Match(out) {
		t.Fatalf("on the host's Linux: %v\n%s", err, out)
	}
	t.Logf("host: %s", strings.TrimSpace(string(out[strings.LastIndex(string(out[:len(out)-1]), "\n")+1:])))
}
