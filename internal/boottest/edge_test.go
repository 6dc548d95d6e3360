package boottest

import (
	"fmt"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// Boot tests of the kernel's edges (issue 7): what the kernel does with
// input it cannot take whole.

// TestE820Full: memmap= ranges that split the map into more entries than
// the e820 table holds (E820_MAX_ENTRIES, 320) are refused whole with one
// line naming the range, and the kernel stops: before, the split that did
// not fit dropped the rest of the RAM it was splitting and the boot went
// on without it.
func TestE820Full(t *testing.T) {
	holes := func(n int) string {
		var h []string
		for i := 0; i < n; i++ {
			h = append(h, fmt.Sprintf("4K$%d", 0x2000000+i*0x2000))
		}
		return "memmap=" + strings.Join(h, ",")
	}
	for _, c := range []struct{ name, append string }{
		// 7 entries of the map + 2 per hole: the 157th does not fit.
		{"holes", holes(158)},
		// 156 holes leave one entry free; two RAM ranges removed from the
		// middle of the last entry need two.
		{"remove", holes(156) + " memmap=4K%100663296-1 memmap=4K%100700160-1"},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if len(c.append) > 2047-len("earlyprintk=serial exit_at_idle ") {
				t.Fatalf("the command line would be truncated (%d bytes)", len(c.append))
			}
			r := q.Boot(t, q.Config{Append: "exit_at_idle " + c.append})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, "e820: the table is full (320 entries): no room to change [mem 0x", "Kernel panic - not syncing: ")
			if strings.Contains(r.Output, "user-defined physical RAM map") || strings.Contains(r.Output, "too many entries; ignoring") {
				t.Fatalf("the kernel went on with part of the map\n%s", r.Describe())
			}
		})
	}
}

// TestFatalAlwaysPrinted: a fatal error reaches the console whatever
// loglevel= or quiet say (console_verbose in panic and in the oops; the
// setup and the boot stage print their fatal lines unconditionally), and
// the panic line carries its whole reason, however long.
func TestFatalAlwaysPrinted(t *testing.T) {
	long := strings.Repeat("x", 1500)
	for _, c := range []struct {
		name, append, mem string
		want              []string
	}{
		{"panic-loglevel0", "loglevel=0 mem=8M", "", []string{"Kernel panic - not syncing: e820__end_of_ram: the kernel [mem 0x01000000-"}},
		{"oops-quiet", "quiet lkdtm=ACCESS_NULL", "", []string{"BUG: kernel NULL pointer dereference", "Call Trace:", "Kernel panic - not syncing: "}},
		{"oops-loglevel0", "loglevel=0 lkdtm=UNMAPPED", "", []string{"BUG: unable to handle page fault", "RIP: 0010:", "Kernel panic - not syncing: "}},
		{"bootstage-loglevel0", "loglevel=0 quiet", "16M", []string{"Not enough RAM to boot: the kernel needs [mem 0x01000000-"}},
		{"long-reason", "memmap=16M$" + long, "", []string{"Kernel panic - not syncing: parse_early_param: bad memmap=16M$" + long + " (invalid memory size or address)\n"}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: c.append + " exit_at_idle", Mem: c.mem})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, c.want...)
			if strings.Contains(c.append, "loglevel=0") && strings.Contains(r.Output, "BIOS-e820:") {
				t.Fatalf("loglevel=0 did not hold until the fatal error\n%s", r.Describe())
			}
		})
	}
}

// TestUnreachableRAM: RAM declared where the direct map cannot reach it —
// above MAX_PHYSMEM_BITS (64 TiB with 4-level paging) or above the CPU's
// physical address width — is taken out of the map with one line naming
// the range and the limit: memblock never gets it, nothing maps it, and
// max_pfn stays that of the real RAM. Before, memmap=1G@100T was mapped at
// PAGE_OFFSET + 100 TiB, inside the vmalloc area.
func TestUnreachableRAM(t *testing.T) {
	for _, c := range []struct {
		name, cpu, memmap, want string
	}{
		{"max_physmem_bits", "qemu64,phys-bits=48", "1G@100T",
			"e820: [mem 0x0000640000000000-0x000064003fffffff] usable is beyond MAX_PHYSMEM_BITS, the direct map's reach (46 bits): not used"},
		{"phys_bits", "", "1G@2T",
			"e820: [mem 0x0000020000000000-0x000002003fffffff] usable is beyond the CPU's physical address width (40 bits): not used"},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{CPU: c.cpu, Append: "memmap=" + c.memmap + " memblock=debug loglevel=8 selftest=all"})
			allPassed(t, r)
			mustContain(t, r, c.want)
			if pfn := lastPfn(t, r); pfn != 0x7fe0 {
				t.Errorf("last_pfn %#x, want 0x7fe0 (the machine's 128 MiB)", pfn)
			}
			for _, bad := range []string{"init_memory_mapping: [mem 0x6400", "init_memory_mapping: [mem 0x2000", "memblock_add: [0x0000640", "memblock_add: [0x0000020"} {
				if strings.Contains(r.Output, bad) {
					t.Fatalf("the unreachable RAM was used: %q\n%s", bad, r.Describe())
				}
			}
		})
	}
}

// TestCmdlineOutcomes: every command-line option is applied or refused
// with one message, in every stage (the setup code, the boot stage, the
// kernel): later options win, bad values get their reason, and an option
// nobody takes is named.
func TestCmdlineOutcomes(t *testing.T) {
	stageLines := []string{"start_of_setup:", "startup_32: protected mode", "start_kernel: boot CPU"}
	for _, c := range []struct {
		name, append string
		exit         int
		once, absent []string
	}{
		{"quiet-debug", "quiet debug", q.ExitSuccess, append(stageLines, "cpu_idle"), nil},
		{"debug-quiet", "debug quiet", q.ExitSuccess, nil, append(stageLines, "cpu_idle")},
		{"loglevel-negative", "loglevel=-5", q.ExitSuccess,
			[]string{"Malformed early option 'loglevel=-5' (out of range 0-15): keeping 7"}, nil},
		{"earlyprintk-ttyS9", "debug earlyprintk=ttyS9", q.ExitSuccess,
			append([]string{"earlyprintk=ttyS9: no such port (ttyS0 or ttyS1): using port 0x3f8 at 115200 baud"}, stageLines...), nil},
		{"earlyprintk-vga", "earlyprintk=vga", q.ExitSuccess,
			[]string{"earlyprintk=vga: not a console gokern has (serial, ttyS0, ttyS1): using port 0x3f8 at 115200 baud"}, nil},
		{"earlyprintk-baud", "earlyprintk=serial,ttyS0,fast", q.ExitSuccess,
			[]string{"earlyprintk=serial,ttyS0,fast: bad baud rate: using port 0x3f8 at 115200 baud"}, nil},
		{"bare-selftest", "selftest", q.ExitFailure,
			[]string{"selftest: no test named: give selftest=all or selftest=name,name,...", "selftest: FAILED"}, nil},
		{"detect_memory-bogus", "detect_memory=bogus", q.ExitSuccess,
			[]string{"detect_memory=bogus: not e801 or 88: ignored, E820 first as usual"}, nil},
		{"a20_test-on", "a20_test=on", q.ExitSuccess, []string{"a20_test=on: not off: ignored"}, nil},
		{"mem-0", "mem=0", q.ExitFailure,
			[]string{"Kernel panic - not syncing: parse_early_param: bad mem=0 (size 0)"}, []string{"ignored"}},
		{"mem-nopentium", "mem=nopentium", q.ExitSuccess,
			[]string{"mem=nopentium ignored! (only supported on x86_32)"}, []string{"Kernel panic"}},
		{"memmap-0@0", "memmap=0@0", q.ExitFailure,
			[]string{"Kernel panic - not syncing: parse_early_param: bad memmap=0@0 (size 0)"}, []string{"invalid"}},
		// Linux's unknown_bootoption: init's arguments, then its
		// environment; a module's parameter (a dot) is dropped;
		// console= (and init=, below) are the kernel's.
		{"unknown", "bar=1 foo mod.param=2 console=ttyS0,115200n8", q.ExitSuccess,
			[]string{`Unknown kernel command line parameters "foo bar=1", will be passed to user space.`}, []string{"console=ttyS0,115200n8:"}},
		{"console-tty0", "console=tty0", q.ExitSuccess,
			[]string{"console=tty0: not a console gokern has (ttyS0): the console stays on ttyS0"}, []string{"Unknown kernel command line"}},
		// No initramfs: init= names a program that is not there.
		{"init-missing", "init=/sbin/nosuch", q.ExitFailure,
			[]string{"Kernel panic - not syncing: Requested init /sbin/nosuch failed (error -2)."}, []string{"Unknown kernel command line"}},
		// 32 words for init at most (MAX_INIT_ARGS, argv[0] included).
		{"too-many-args", strings.Repeat("w ", 31) + "last", q.ExitFailure,
			[]string{"Kernel panic - not syncing: Too many boot init vars at `last'"}, nil},
		{"control-bytes", "x\x1b[2Jy", q.ExitSuccess,
			[]string{`Command line: earlyprintk=serial x\x1b[2Jy exit_at_idle`}, []string{"\x1b"}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: c.append + " exit_at_idle", COM2: true})
			mustExit(t, r, c.exit)
			for _, s := range c.once {
				if n := strings.Count(r.Output, s); n != 1 {
					t.Fatalf("%q printed %d times, want once\n%s", s, n, r.Describe())
				}
			}
			for _, s := range c.absent {
				if strings.Contains(r.Output, s) {
					t.Fatalf("%q printed\n%s", s, r.Describe())
				}
			}
			if r.COM2 != "" {
				t.Fatalf("something went to COM2\n%s", r.Describe())
			}
		})
	}
}

// TestCmdlineCutWord: the word the truncation at COMMAND_LINE_SIZE-1 cuts
// in two is left out by every stage: here earlyprintk=ttyS1,115200 cut
// after "earlyprintk=ttyS1", which the setup (reading 64 KiB) applied
// whole before, and the boot stage and the kernel as ttyS1. Now all of
// them stay on COM1, and the kernel says what it dropped.
func TestCmdlineCutWord(t *testing.T) {
	// qemutest puts "earlyprintk=serial " first: 19 + 19 + filler + 1 + 17 = 2047.
	head := "debug exit_at_idle "
	filler := strings.Repeat("x", 2047-19-len(head)-1-len("earlyprintk=ttyS1"))
	r := q.Boot(t, q.Config{Append: head + filler + " earlyprintk=ttyS1,115200", COM2: true})
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "start_of_setup:", "startup_32: protected mode", "start_kernel: boot CPU",
		"Command line: 'earlyprintk=ttyS1' was cut in two by the truncation: dropped")
	if r.COM2 != "" {
		t.Fatalf("a stage applied the cut earlyprintk=ttyS1\n%s", r.Describe())
	}
}

// TestOopsFirstFault: the oops ends with the first fault, the bug. A
// failure the Go compiler checks for (bounds, zero divisor, stack) calls
// the Go runtime, which faults on the kernel's nil m: that #PF is shown
// after the bug's report, marked secondary, and the panic line names the
// bug; before, the report and the panic line were about the runtime's #PF.
// A fault inside the oops code itself (lkdtm=OOPS_FAULT) is reported as
// secondary too, and the first fault named again after it.
func TestOopsFirstFault(t *testing.T) {
	for _, c := range []struct {
		typ, kind, fn, fault string
	}{
		// lkdtm_ARRAY_BOUNDS(len("ARRAY_BOUNDS")) indexes [8]uint64 with
		// 12+8; the oops decodes both from the runtime's frame. (The
		// stack overflow is no longer the Go runtime's to report: it hits
		// the guard page first, TestOopsStackOverflow.)
		{"ARRAY_BOUNDS", "index out of range [20] with length 8 (Go bounds check)", "lkdtm_ARRAY_BOUNDS", "lkdtm_array[i] = 1"},
		{"DIVIDE_ZERO", "integer divide by zero", "lkdtm_DIVIDE_ZERO", "100/d"},
		// panic("dumptest"): the oops names the panic's string, read from
		// runtime.gopanic's frame (before: "Go panic in kernel code").
		{"PANIC", "Go panic: dumptest", "lkdtm_PANIC", `panic("dumptest")`},
	} {
		c := c
		t.Run(c.typ, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: "lkdtm=" + c.typ})
			mustExit(t, r, q.ExitFailure)
			lines := r.Lines()
			last := lines[len(lines)-1]
			want := fmt.Sprintf("Kernel panic - not syncing: Fatal exception: kernel BUG: %s in main.%s (", c.kind, c.fn)
			if !strings.Contains(last, want) || !strings.HasSuffix(last, fmt.Sprintf("lkdtm.go:%d)", sourceLine(t, "lkdtm.go", c.fault))) {
				t.Fatalf("last line %q, want %q...lkdtm.go:<line of %q>)\n%s", last, want, c.fault, r.Describe())
			}
			bug := strings.Index(r.Output, "kernel BUG: "+c.kind)
			trace := strings.Index(r.Output, "Call Trace:")
			second := strings.Index(r.Output, "secondary fault: the Go runtime faulted reporting the bug above")
			pf := strings.Index(r.Output, "exception: vector 14 (#PF page fault)")
			if bug < 0 || !(bug < trace && trace < second && second < pf) {
				t.Fatalf("want the bug, its Call Trace, then the runtime's #PF as secondary (at %d, %d, %d, %d)\n%s", bug, trace, second, pf, r.Describe())
			}
		})
	}
	t.Run("OOPS_FAULT", func(t *testing.T) {
		t.Parallel()
		r := q.Boot(t, q.Config{Append: "lkdtm=OOPS_FAULT"})
		mustExit(t, r, q.ExitFailure)
		lines := r.Lines()
		n := len(lines)
		if n < 3 || !strings.HasPrefix(lines[n-3], "secondary fault inside the oops path: vector 14 at RIP 0x") ||
			!strings.HasPrefix(lines[n-2], "first fault: BUG: kernel NULL pointer dereference, vector 14 at RIP 0x") ||
			!strings.Contains(lines[n-2], "CR2 0x0000000000000040, in kernel code at main.lkdtm_ACCESS_NULL (") ||
			lines[n-1] != "Kernel panic - not syncing: Fatal exception" {
			t.Fatalf("the output must end with the secondary fault, then the first fault and the panic\n%s", r.Describe())
		}
		mustContain(t, r, "BUG: kernel NULL pointer dereference, address: 0000000000000040", "lkdtm: the oops path faults now")
	})
}
