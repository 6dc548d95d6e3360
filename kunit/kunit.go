// Package kunit runs in-kernel selftests and reports them in KTAP, the
// format of Linux's KUnit (lib/kunit/test.c, Documentation/dev-tools/ktap.rst):
//
//	KTAP version 1
//	1..3
//	ok 1 printk_log_buf
//	    # early_idt: gate 14 points at 0x0, want 0xffffffff81...
//	not ok 2 early_idt
//	ok 3 tsc_clock
//
// The boot-test harness parses these lines; the kernel exits through
// isa-debug-exit with success only if every selected test passed.
package kunit

import (
	"gokern/cmdline"
	"gokern/printk"
)

// KunitCase is one selftest. Run reports failures through t.
type KunitCase struct {
	Name string
	Run  func(t *Kunit)
	// Explicit cases run only when named in selftest=, never with "all"
	// (e.g. a case that must fail, to prove the failure path).
	Explicit bool
}

// current is the case being run (one at a time, on the boot CPU).
var current Kunit

// Kunit collects one case's result.
type Kunit struct {
	name   string
	failed bool
	skip   string // why the case did not apply (Skip)
}

// Errorf marks the case failed and prints a KTAP diagnostic line.
func (t *Kunit) Errorf(format string, args ...printk.Arg) {
	t.failed = true
	var buf [512]byte
	n := printk.Vsnprintf(buf[:], format, args...)
	printk.Printk(printk.KERN_EMERG, "    # %s: %s\n", printk.Str(t.name), printk.Bytes(buf[:n]))
}

// Logf prints a diagnostic without failing.
func (t *Kunit) Logf(format string, args ...printk.Arg) {
	var buf [512]byte
	n := printk.Vsnprintf(buf[:], format, args...)
	printk.Printk(printk.KERN_EMERG, "    # %s: %s\n", printk.Str(t.name), printk.Bytes(buf[:n]))
}

// Skip marks the case as not applying to this machine, with the reason:
// KTAP's "ok N name # SKIP reason" (Linux kunit_skip). The case should
// return right after.
func (t *Kunit) Skip(reason string) { t.skip = reason }

// Failed reports whether Errorf was called.
func (t *Kunit) Failed() bool { return t.failed }

// selected reports whether name is in the comma-separated list sel, or
// sel is "all" and the case is not explicit.
func selected(c *KunitCase, sel []byte) bool {
	if string(sel) == "all" {
		return !c.Explicit
	}
	for len(sel) > 0 {
		if string(cmdline.Strsep(&sel, ',')) == c.Name {
			return true
		}
	}
	return false
}

// unknown returns the first name in sel that names no case, if any.
func unknown(cases []KunitCase, sel []byte) ([]byte, bool) {
	if string(sel) == "all" {
		return nil, false
	}
	for len(sel) > 0 {
		name := cmdline.Strsep(&sel, ',')
		found := false
		for i := range cases {
			if cases[i].Name == string(name) {
				found = true
			}
		}
		if !found {
			return name, true
		}
	}
	return nil, false
}

// Run runs the cases selected by sel ("all" or "name,name,...") and prints
// KTAP at KERN_EMERG, so that "quiet" cannot hide results. It returns
// whether every selected case passed; a name that matches no case is a
// failure of its own ("not ok N name # no such selftest").
func Run(cases []KunitCase, sel []byte) bool {
	total := 0
	for i := range cases {
		if selected(&cases[i], sel) {
			total++
		}
	}
	bad, hasBad := unknown(cases, sel)
	if hasBad {
		total++
	}
	printk.Pr_emerg("KTAP version 1\n")
	printk.Pr_emerg("1..%d\n", printk.Int(total))
	ok := true
	n := 0
	for i := range cases {
		c := &cases[i]
		if !selected(c, sel) {
			continue
		}
		n++
		// One static T: a pointer passed through the indirect call c.Run
		// would make a stack T escape to the Go heap.
		current = Kunit{name: c.Name}
		// Under a try-catch: with oops=continue a fault in the case ends
		// the case, not the run (Linux kunit_try_catch_run).
		running = cases
		if Kunit_try_catch_run(&case_try_catch, run_case, uintptr(i)) {
			current.failed = true
			printk.Pr_emerg("    # %s: the test ended in exception %d (see the oops above)\n", printk.Str(c.Name), printk.Int(case_try_catch.Vector))
		}
		if current.failed {
			ok = false
			printk.Pr_emerg("not ok %d %s\n", printk.Int(n), printk.Str(c.Name))
		} else if current.skip != "" {
			printk.Pr_emerg("ok %d %s # SKIP %s\n", printk.Int(n), printk.Str(c.Name), printk.Str(current.skip))
		} else {
			printk.Pr_emerg("ok %d %s\n", printk.Int(n), printk.Str(c.Name))
		}
	}
	if hasBad {
		n++
		ok = false
		printk.Pr_emerg("not ok %d %s # no such selftest\n", printk.Int(n), printk.Bytes(bad))
	}
	if total == 0 {
		ok = false
	}
	return ok
}

// The case Run is running, for run_case; static, as the try-catch that
// wraps it, so that nothing escapes to the Go heap.
var (
	running        []KunitCase
	case_try_catch Kunit_try_catch
)

func run_case(i uintptr) { running[i].Run(&current) }
