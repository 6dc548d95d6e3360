package kunit

// try_catch_call calls fn(arg) and records, in tc, how to resume as if fn
// had returned: try_catch_landing with try_catch_call's own stack and
// frame pointers (try_catch_amd64.s).
//
//go:noescape
func try_catch_call(tc *Kunit_try_catch, fn func(uintptr), arg uintptr)

// try_catch_landing is where Throw sends the trap frame; Go never calls it.
func try_catch_landing()
