package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

func stdTgkill(tgid, tid, sig int) (flags uint64)

// The sigdf mode: a signal's handler runs with the direction flag clear
// (the ABI), and its rt_sigreturn gives the interrupted code the flag it
// had (Linux handle_signal clears it after setup_rt_frame has saved the
// flags). Each step a line the host's Linux prints the same.
//
//	tgkill of its own thread with DF set: the handler ran, DF set again after it;
//	a 64 MiB backward memmove (REP MOVSQ after STD) of a fresh mapping
//	while the runtime's SIGURG preempts: the bytes moved, the guard page
//	after it untouched.
func sigdf() bool {
	const df = 1 << 10
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	runtime.LockOSThread()
	flags := stdTgkill(os.Getpid(), syscall.Gettid(), int(syscall.SIGUSR1))
	runtime.UnlockOSThread()
	ran := false
	select {
	case <-c:
		ran = true
	case <-time.After(5 * time.Second):
	}
	signal.Stop(c)
	fmt.Printf("goinit: sigdf: SIGUSR1 to its own thread with DF set: handler ran %v, DF after its rt_sigreturn %v\n", ran, flags&df != 0)
	ok := ran && flags&df != 0

	// The Go runtime's memmove copies overlapping bytes backward with
	// STD; REP MOVSQ when the CPU has no AVX (QEMU's default). A
	// SIGURG that comes in the middle must not turn it forward.
	const size, page = 64 << 20, 4096
	b, err := syscall.Mmap(-1, 0, size+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fmt.Printf("goinit: sigdf: mmap: %v\n", err)
		return false
	}
	for i := 0; i < size; i += page {
		b[i] = byte(i / page)
	}
	guard := b[size:]
	for i := range guard {
		guard[i] = 0x5a
	}
	n := copy(b[1:size], b[:size])
	moved := n == size-1
	for i := 0; i < size-1 && moved; i += page {
		moved = b[i+1] == byte(i/page)
	}
	untouched := true
	for _, x := range guard {
		untouched = untouched && x == 0x5a
	}
	syscall.Munmap(b)
	fmt.Printf("goinit: sigdf: a 64 MiB backward copy: bytes moved %v, the page after it untouched %v\n", moved, untouched)
	return ok && moved && untouched
}
