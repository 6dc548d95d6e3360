package main

import (
	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/kunit"
	"gokern/memblock"
	"gokern/printk"
)

// test_printk_log_buf: a KERN_DEBUG message the console hides still lands
// in __log_buf, each line with its level. (Not the banner: a long boot log,
// memblock=debug say, may have wrapped the ring past it.)
func test_printk_log_buf(t *kunit.Kunit) {
	saved := printk.Console_loglevel
	printk.Console_loglevel = printk.CONSOLE_LOGLEVEL_QUIET
	printk.Pr_debug("printk selftest: hidden debug line %d\n", printk.Int(42))
	printk.Pr_warn("printk selftest: warning line\n")
	printk.Console_loglevel = saved
	if !printk.LogContains("<7>[") || !printk.LogContains("] printk selftest: hidden debug line 42\n<4>[") {
		t.Errorf("debug line missing from __log_buf, or not followed by the <4> warning line")
	}
	var b [64]byte
	n := printk.Snprintf(b[:], "%#018llx|%-4s|%5d", printk.Int(uint64(0x9fbff)), printk.Str("ok"), printk.Int(-3))
	if string(b[:n]) != "0x000000000009fbff|ok  |   -3" {
		t.Errorf("vsnprintf gave %s", printk.Bytes(b[:n]))
	}
}

// test_kallsyms: the pclntab look-up names this very function, with its
// file and a line inside it, from a return address of the call chain.
func test_kallsyms(t *kunit.Kunit) {
	pc := caller_pc()
	sym, ok := kallsyms.Lookup(pc)
	if !ok || sym.Name != "main.test_kallsyms" || sym.Line == 0 {
		t.Errorf("Lookup(%#x) = %s %s:%d", printk.Int(pc), printk.Str(sym.Name), printk.Str(sym.File), printk.Int(sym.Line))
	}
	ret := kallsyms.Caller(asm.FramePointer(), 0, func(uintptr) bool { return true })
	caller, ok := kallsyms.Lookup(ret - 1)
	if !ok || caller.Name != "gokern/kunit.run_case" {
		t.Errorf("caller of test_kallsyms is %s, want gokern/kunit.run_case", printk.Str(caller.Name))
	}
}

// caller_pc returns an address in its caller: the return address minus
// one (inside the CALL), found through the frame pointer.
//
//go:noinline
func caller_pc() uintptr {
	return kallsyms.Caller(asm.FramePointer(), 0, func(uintptr) bool { return true }) - 1
}

func test_ktap_must_fail(t *kunit.Kunit) {
	t.Errorf("this selftest fails on purpose")
}

// test_memblock_after_mem_init (explicit): memblock is retired once
// mem_init has run; a late allocation is a bug report naming this
// function and stops the boot, so the test never returns.
func test_memblock_after_mem_init(t *kunit.Kunit) {
	memblock.Memblock_alloc(asm.PAGE_SIZE, asm.PAGE_SIZE)
	t.Errorf("memblock_alloc after mem_init returned")
}
