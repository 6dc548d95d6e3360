// Command mysyscallsmp makes the syscall lab's calls (labs/syscall) from
// every CPU at once, as init: one thread per CPU (a goroutine locked to
// its OS thread), started together, each making my_second_sys_call(1,
// &v) 20000 times and my_first_sys_call 250 times. my_first_sys_call must
// have returned each number from 1 to threads*250 exactly once (two calls
// that read the counter at once would return the same number, or one
// counted twice), and each thread's own int must end at 20000. What the
// kernel kept (My_first_sys_call_calls, My_second_sys_call_sum) the
// grader reads through gdb when init exits
// (internal/boottest TestLabSyscallSMP): a counter that is not updated
// atomically loses some of the increments that several CPUs make at the
// same time.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

const (
	nrFirst  = 500 // traps.X__NR_my_first_sys_call
	nrSecond = 501 // traps.X__NR_my_second_sys_call
	nrGetcpu = 309 // x86-64 getcpu (package syscall has no SYS_GETCPU)
	firsts   = 250
	seconds  = 20000
)

func main() {
	n := runtime.NumCPU()
	if n < 2 {
		fmt.Printf("mysyscallsmp: FAIL: %d CPU: boot with -smp 2 or more\n", n)
		os.Exit(1)
	}
	runtime.GOMAXPROCS(n + 1)
	var ready, start atomic.Int32
	rets := make([][]uintptr, n)
	cpus := make([]map[int]bool, n)
	errs := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			cpus[i] = map[int]bool{}
			ready.Add(1)
			for start.Load() == 0 {
				runtime.Gosched()
			}
			var v int32
			for j := 0; j < seconds; j++ {
				r, _, e := syscall.RawSyscall(nrSecond, 1, uintptr(unsafe.Pointer(&v)), 0)
				if e != 0 || int32(r) != int32(j+1) || v != int32(j+1) {
					errs[i] = fmt.Sprintf("thread %d: my_second_sys_call(1, &v) call %d returned %d (errno %d), v %d", i, j+1, int32(r), e, v)
					return
				}
				if j%(seconds/firsts) == 0 {
					r, _, e := syscall.RawSyscall(nrFirst, 0, 0, 0)
					if e != 0 {
						errs[i] = fmt.Sprintf("thread %d: my_first_sys_call: errno %d", i, e)
						return
					}
					rets[i] = append(rets[i], r)
					var cpu uint32
					syscall.RawSyscall(nrGetcpu, uintptr(unsafe.Pointer(&cpu)), 0, 0)
					cpus[i][int(cpu)] = true
				}
			}
		}()
	}
	for ready.Load() < int32(n) {
		runtime.Gosched()
	}
	start.Store(1)
	wg.Wait()
	fail := false
	for _, e := range errs {
		if e != "" {
			fmt.Printf("mysyscallsmp: FAIL: %s\n", e)
			fail = true
		}
	}
	var all []int
	used := map[int]bool{}
	for i := range rets {
		for _, r := range rets[i] {
			all = append(all, int(r))
		}
		for c := range cpus[i] {
			used[c] = true
		}
	}
	sort.Ints(all)
	for k, r := range all {
		if r != k+1 {
			fmt.Printf("mysyscallsmp: FAIL: my_first_sys_call's %d returns are not 1..%d each once: the %dth smallest is %d (a count read twice, or lost)\n", len(all), n*firsts, k+1, r)
			fail = true
			break
		}
	}
	if !fail && len(all) != n*firsts {
		fmt.Printf("mysyscallsmp: FAIL: %d my_first_sys_call returns, want %d\n", len(all), n*firsts)
		fail = true
	}
	fmt.Printf("mysyscallsmp: %d threads on %d CPUs: my_first_sys_call %d calls, my_second_sys_call %d calls\n", n, len(used), len(all), n*seconds)
	if fail {
		os.Exit(1)
	}
	fmt.Printf("mysyscallsmp: ok: my_first_sys_call returned 1..%d, each once\n", len(all))
}
