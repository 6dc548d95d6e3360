package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
	"unsafe"
)

// itimerspec is struct __kernel_itimerspec.
type itimerspec struct {
	interval, value syscall.Timespec
}

const (
	clockMonotonic = 1
	tfdNonblock    = syscall.O_NONBLOCK
	tfdCloexec     = syscall.O_CLOEXEC
)

// timers: the wall-clock timers as a Go program meets them. ITIMER_REAL's
// SIGALRM arrives on an os/signal channel, not before its time; a
// nonblocking timerfd wrapped by os.NewFile is read through the Go
// netpoller (epoll waits for it to become readable) three times at a
// 20 ms period, each read returning the 8-byte expiration count; and a
// CPU profile (runtime/pprof, which arms a CLOCK_THREAD_CPUTIME_ID
// timer_create timer per thread where the kernel has them) of 300 ms of
// spinning is not empty.
func timers() (string, bool) {
	c := make(chan os.Signal, 4)
	signal.Notify(c, syscall.SIGALRM)
	v := itimerval{value: syscall.Timeval{Usec: 30000}}
	t0 := time.Now()
	if e := setitimer(itimerReal, &v, nil); e != 0 {
		return fmt.Sprintf("setitimer(ITIMER_REAL, 30 ms): %v", e), false
	}
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		return "no SIGALRM 10 s after a 30 ms ITIMER_REAL", false
	}
	alarm := time.Since(t0)
	signal.Stop(c)
	if alarm < 30*time.Millisecond {
		return fmt.Sprintf("SIGALRM %v after a 30 ms ITIMER_REAL: early", alarm), false
	}

	fd, _, e := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, tfdNonblock|tfdCloexec, 0)
	if e != 0 {
		return fmt.Sprintf("timerfd_create: %v", e), false
	}
	f := os.NewFile(fd, "timerfd")
	defer f.Close()
	spec := itimerspec{interval: syscall.NsecToTimespec(20e6), value: syscall.NsecToTimespec(20e6)}
	t0 = time.Now()
	if _, _, e := syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); e != 0 {
		return fmt.Sprintf("timerfd_settime: %v", e), false
	}
	f.SetReadDeadline(time.Now().Add(10 * time.Second)) // a hang guard
	var total uint64
	for i := 0; i < 3; i++ {
		var b [8]byte
		n, err := f.Read(b[:])
		if err != nil || n != 8 {
			return fmt.Sprintf("read %d of the timerfd: %d bytes, %v", i+1, n, err), false
		}
		cnt := *(*uint64)(unsafe.Pointer(&b[0]))
		if cnt == 0 {
			return fmt.Sprintf("read %d of the timerfd: a count of 0", i+1), false
		}
		total += cnt
	}
	tfd := time.Since(t0)
	if tfd < time.Duration(total)*20*time.Millisecond {
		return fmt.Sprintf("%d expirations of a 20 ms timerfd after only %v", total, tfd), false
	}

	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		return fmt.Sprintf("StartCPUProfile: %v", err), false
	}
	spin(300 * time.Millisecond)
	pprof.StopCPUProfile()
	samples, err := profileSamples(prof.Bytes())
	if err != nil {
		return fmt.Sprintf("the CPU profile: %v", err), false
	}
	if samples == 0 {
		return "a CPU profile of 300 ms of spinning has no sample", false
	}
	return fmt.Sprintf("SIGALRM %v after a 30 ms ITIMER_REAL; %d expirations of a 20 ms timerfd in 3 reads through the netpoller in %v; %d samples in a CPU profile of 300 ms of spinning",
		alarm.Round(time.Microsecond), total, tfd.Round(time.Microsecond), samples), true
}

// profileSamples counts the samples of a gzipped pprof profile: the
// top-level field 2 (Profile.sample) of its protocol buffer.
func profileSamples(gz []byte) (int, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return 0, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	n := 0
	for len(b) > 0 {
		key, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, fmt.Errorf("bad key")
		}
		b = b[k:]
		switch key & 7 {
		case 0:
			_, k = binary.Uvarint(b)
			if k <= 0 {
				return 0, fmt.Errorf("bad varint")
			}
			b = b[k:]
		case 2:
			l, k := binary.Uvarint(b)
			if k <= 0 || uint64(len(b)-k) < l {
				return 0, fmt.Errorf("bad length")
			}
			b = b[k+int(l):]
			if key>>3 == 2 {
				n++
			}
		default:
			return 0, fmt.Errorf("wire type %d", key&7)
		}
	}
	return n, nil
}
