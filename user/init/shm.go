package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The shm mode: shared memory mappings and /proc/self/fd, each step a
// line that says what Linux does (the same binary prints the same lines
// on the host's Linux: `go run ./user/init shm` as root).
//
//	anonymous MAP_SHARED memory and /dev/zero's are shared with a forked
//	child both ways, MAP_PRIVATE's is not; a MAP_SHARED file mapping is
//	the file (stores are read by pread, pwrite is seen in the mapping),
//	SIGBUS past the file's last page and after a truncate, a store past
//	EOF in the last page leaves the size alone, madvise(MADV_DONTNEED)
//	drops no data, mprotect, msync's errors, a read-only file's shared
//	mapping can never be written (EACCES), PROT_EXEC on a noexec mount is
//	EPERM (mprotect: EACCES); opening /proc/self/fd/N opens the same pipe,
//	and a deleted file again.
func shm() bool {
	ok := true
	say := func(good bool, format string, a ...any) {
		fmt.Printf("goinit: shm: "+format+"\n", a...)
		ok = ok && good
	}
	const page = 4096
	rw := syscall.PROT_READ | syscall.PROT_WRITE

	// Anonymous shared memory, and private as the control.
	shared, err := syscall.Mmap(-1, 0, page, rw, syscall.MAP_SHARED|syscall.MAP_ANON)
	if err != nil {
		say(false, "mmap MAP_SHARED|MAP_ANONYMOUS: %v", err)
		return false
	}
	private, err := syscall.Mmap(-1, 0, page, rw, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		say(false, "mmap MAP_PRIVATE|MAP_ANONYMOUS: %v", err)
		return false
	}
	c, p, back := forkShared(shared, private)
	say(c == 0xAB && p == 0 && back == 0xCD, "anonymous: the child's store seen in MAP_SHARED %v, in MAP_PRIVATE %v; the parent's store seen by the child %v",
		c == 0xAB, p != 0, back == 0xCD)
	say(mapsLine(shared) == "rw-s /dev/zero (deleted)", "/proc/self/maps: %s", mapsLine(shared))
	syscall.Munmap(private)
	syscall.Munmap(shared)

	// /dev/zero, MAP_SHARED (Linux mmap_zero → shmem_zero_setup).
	zname := "/dev/zero"
	if _, err := os.Stat(zname); err != nil {
		zname = "/tmp/shm-zero"
		if err := syscall.Mknod(zname, syscall.S_IFCHR|0o666, 1<<8|5); err != nil {
			say(false, "mknod %s: %v", zname, err)
			return false
		}
		defer os.Remove(zname)
	}
	if z, err := os.Open(zname); err == nil {
		// do_mmap's questions to the open file come before mmap_zero.
		_, e := syscall.Mmap(int(z.Fd()), 0, page, rw, syscall.MAP_SHARED)
		z.Close()
		say(e == syscall.EACCES, "/dev/zero open O_RDONLY: MAP_SHARED PROT_WRITE %v", e)
	}
	if z, err := os.OpenFile(zname, os.O_RDWR, 0); err != nil {
		say(false, "open /dev/zero: %v", err)
	} else {
		zs, err1 := syscall.Mmap(int(z.Fd()), 0, page, rw, syscall.MAP_SHARED)
		zp, err2 := syscall.Mmap(int(z.Fd()), 0, page, rw, syscall.MAP_PRIVATE)
		z.Close()
		if err1 != nil || err2 != nil {
			say(false, "mmap /dev/zero: %v, %v", err1, err2)
		} else {
			c, p, back := forkShared(zs, zp)
			say(c == 0xAB && p == 0 && back == 0xCD, "/dev/zero: the child's store seen in MAP_SHARED %v, in MAP_PRIVATE %v; the parent's store seen by the child %v",
				c == 0xAB, p != 0, back == 0xCD)
			syscall.Munmap(zs)
			syscall.Munmap(zp)
		}
	}

	ok = shmFile(say) && ok
	ok = shmModes(say) && ok
	ok = procFdOpen(say) && ok
	ok = shmStress(say) && ok
	return ok
}

// forkShared forks a child that stores 0xAB in both mappings' word 2,
// waits for the parent's 0xCD in shared's word 4 and copies it to word 6,
// then exits. It returns what the parent then reads in shared's and
// private's word 2 and shared's word 6.
func forkShared(shared, private []byte) (c, p, back uint32) {
	s := (*[8]uint32)(unsafe.Pointer(&shared[0]))
	q := (*[8]uint32)(unsafe.Pointer(&private[0]))
	pid, err := rawFork(s, q)
	if err != nil {
		fmt.Printf("goinit: shm: fork: %v\n", err)
		return
	}
	for atomic.LoadUint32(&s[2]) != 0xAB {
		runtime.Gosched()
	}
	atomic.StoreUint32(&s[4], 0xCD)
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
		fmt.Printf("goinit: shm: wait4: %v, status %v\n", err, ws)
	}
	return atomic.LoadUint32(&s[2]), atomic.LoadUint32(&q[2]), atomic.LoadUint32(&s[6])
}

// rawFork forks (fork(2), not os/exec's vfork and exec): the child is
// this thread alone, with no Go runtime behind it, so it does nothing
// but stores, atomic loads and raw system calls, then exit_group.
//
//go:norace
func rawFork(s, q *[8]uint32) (int, error) {
	syscall.ForkLock.Lock()
	r, _, e := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)
	if e != 0 {
		syscall.ForkLock.Unlock()
		return 0, e
	}
	if r == 0 {
		atomic.StoreUint32(&q[2], 0xAB)
		atomic.StoreUint32(&s[2], 0xAB)
		for atomic.LoadUint32(&s[4]) != 0xCD {
			syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
		}
		atomic.StoreUint32(&s[6], atomic.LoadUint32(&s[4]))
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	syscall.ForkLock.Unlock()
	return int(r), nil
}

// mapsLine is the permissions and name of the /proc/self/maps line of
// the mapping at b.
func mapsLine(b []byte) string {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return err.Error()
	}
	start := fmt.Sprintf("%x-", uintptr(unsafe.Pointer(&b[0])))
	for _, l := range strings.Split(string(maps), "\n") {
		if strings.HasPrefix(l, start) {
			f := strings.Fields(l)
			if len(f) < 6 {
				return l
			}
			return f[1] + " " + strings.Join(f[5:], " ")
		}
	}
	return "no line " + start
}

// shmSink: where the fault tests' loads go, so that the compiler keeps them.
var shmSink byte

// fault runs fn with faults turned into panics and returns the faulting
// address, 0 if none came.
func fault(fn func()) (addr uintptr) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(interface{ Addr() uintptr }); ok {
				addr = e.Addr()
				return
			}
			panic(r)
		}
	}()
	fn()
	return 0
}

// shmFile: a MAP_SHARED mapping of a tmpfs file.
func shmFile(say func(bool, string, ...any)) bool {
	const page = 4096
	ok := true
	check := func(good bool, format string, a ...any) { say(good, format, a...); ok = ok && good }
	name := "/tmp/shm-file"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		check(false, "file: %v", err)
		return false
	}
	defer os.Remove(name)
	defer f.Close()
	f.WriteString("hello")
	fd := int(f.Fd())
	m, err := syscall.Mmap(fd, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		check(false, "file: mmap MAP_SHARED: %v", err)
		return false
	}
	buf := make([]byte, 5)
	copy(m, "HELLO")
	f.ReadAt(buf, 0)
	check(string(buf) == "HELLO", "file: a store through the mapping, read by pread: %q", buf)
	f.WriteAt([]byte("world"), 0)
	check(string(m[:5]) == "world", "file: a pwrite, seen in the mapping: %q", m[:5])
	a := fault(func() { shmSink = m[page] })
	check(a == uintptr(unsafe.Pointer(&m[page])), "file: the page past the file's last: SIGBUS at it %v", a == uintptr(unsafe.Pointer(&m[page])))
	m[100] = 'x'
	st, _ := f.Stat()
	check(st.Size() == 5, "file: a store past EOF in the last page: size still %d", st.Size())

	// madvise(MADV_DONTNEED) drops the entries, not the data.
	err = syscall.Madvise(m, syscall.MADV_DONTNEED)
	check(err == nil && string(m[:5]) == "world", "file: madvise(MADV_DONTNEED): %v, the data still %q", err, m[:5])

	// mprotect.
	err = syscall.Mprotect(m, syscall.PROT_READ)
	a = fault(func() { m[1] = 'O' })
	check(err == nil && a == uintptr(unsafe.Pointer(&m[1])), "file: mprotect(PROT_READ) %v, then a store faults %v", err, a != 0)
	err = syscall.Mprotect(m, syscall.PROT_READ|syscall.PROT_WRITE)
	m[1] = 'O'
	f.ReadAt(buf, 0)
	check(err == nil && string(buf) == "wOrld", "file: mprotect(PROT_READ|PROT_WRITE) %v, a store read by pread: %q", err, buf)

	// msync.
	e1 := msync(m, msSync)
	e2 := msync(m, msAsync|msInvalidate)
	e3 := msync(m, msSync|msAsync)
	e4 := msync(m, 8)
	e5 := msync(m[1:], msSync)
	check(e1 == nil && e2 == nil && e3 == syscall.EINVAL && e4 == syscall.EINVAL && e5 == syscall.EINVAL,
		"file: msync MS_SYNC %v, MS_ASYNC|MS_INVALIDATE %v, MS_SYNC|MS_ASYNC %v, flag 8 %v, unaligned %v", e1, e2, e3, e4, e5)

	// mincore: the file's page is in memory, the page past its end is
	// not (Linux mincore_page: the page cache); an untouched anonymous
	// page is not; an unaligned start is EINVAL (the Go runtime's
	// TestMincoreErrorSign).
	vec := []byte{9, 9}
	e7 := mincore(m, vec)
	e8 := mincore(m[1:], vec[:1])
	check(e7 == nil && vec[0] == 1 && vec[1] == 0 && e8 == syscall.EINVAL, "file: mincore %v %v, unaligned %v", e7, vec, e8)
	if anon, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON); err == nil {
		anon[0] = 1
		avec := []byte{9, 9}
		e := mincore(anon, avec)
		syscall.Munmap(anon)
		check(e == nil && avec[0] == 1 && avec[1] == 0, "anonymous: mincore of a touched and an untouched page %v %v", e, avec)
	}

	// truncate: the pages past the new end leave every mapping.
	f.Truncate(0)
	a = fault(func() { shmSink = m[0] })
	check(a == uintptr(unsafe.Pointer(&m[0])), "file: truncated to 0: SIGBUS at the first page %v", a == uintptr(unsafe.Pointer(&m[0])))
	f.Truncate(page)
	check(m[0] == 0 && m[100] == 0, "file: extended to a page again: it reads zeros %v", m[0] == 0 && m[100] == 0)

	// Fork shares the file's pages.
	var zero [page]byte
	c, _, back := forkShared(m[:page], zero[:])
	f.ReadAt(buf[:4], 8)
	check(c == 0xAB && back == 0xCD && buf[0] == 0xAB, "file: the child's store seen in the mapping %v and by pread %v, the parent's by the child %v",
		c == 0xAB, buf[0] == 0xAB, back == 0xCD)
	m[2] = 'z'
	syscall.Munmap(m)
	f.ReadAt(buf[:3], 0)
	check(buf[2] == 'z', "file: after munmap the file keeps the store %v", buf[2] == 'z')
	e6 := msync(m, msSync)
	e9 := mincore(m, vec)
	check(e6 == syscall.ENOMEM && e9 == syscall.ENOMEM, "file: msync of the unmapped range: %v, mincore: %v", e6, e9)
	return ok
}

// shmModes: what the open file and its mount allow.
func shmModes(say func(bool, string, ...any)) bool {
	const page = 4096
	ok := true
	check := func(good bool, format string, a ...any) { say(good, format, a...); ok = ok && good }
	name := "/tmp/shm-ro"
	if err := os.WriteFile(name, bytes.Repeat([]byte{'r'}, page), 0o644); err != nil {
		check(false, "read-only: %v", err)
		return false
	}
	defer os.Remove(name)
	ro, _ := os.Open(name)
	defer ro.Close()
	_, e1 := syscall.Mmap(int(ro.Fd()), 0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	m, e2 := syscall.Mmap(int(ro.Fd()), 0, page, syscall.PROT_READ, syscall.MAP_SHARED)
	var e3 error = errors.New("no mapping")
	maps := "no mapping"
	if e2 == nil {
		maps = mapsLine(m)
		e3 = syscall.Mprotect(m, syscall.PROT_READ|syscall.PROT_WRITE)
		syscall.Munmap(m)
	}
	// Linux shows 's' for VM_MAYSHARE: a read-only file's MAP_SHARED
	// mapping is shared, though it is never VM_SHARED.
	check(maps == "r--s "+name, "O_RDONLY: /proc/self/maps: %s", maps)
	pm, e4 := syscall.Mmap(int(ro.Fd()), 0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if e4 == nil {
		pm[0] = 'w'
		syscall.Munmap(pm)
	}
	wo, _ := os.OpenFile(name, os.O_WRONLY, 0)
	_, e5 := syscall.Mmap(int(wo.Fd()), 0, page, syscall.PROT_WRITE, syscall.MAP_SHARED)
	wo.Close()
	b, _ := os.ReadFile(name)
	check(e1 == syscall.EACCES && e2 == nil && e3 == syscall.EACCES && e4 == nil && e5 == syscall.EACCES && b[0] == 'r',
		"O_RDONLY: MAP_SHARED PROT_WRITE %v, PROT_READ %v then mprotect(PROT_WRITE) %v; MAP_PRIVATE PROT_WRITE %v (file unchanged %v); O_WRONLY: %v",
		e1, e2, e3, e4, b[0] == 'r', e5)

	// noexec.
	dir := "/tmp/shm-noexec"
	os.Mkdir(dir, 0o755)
	defer os.Remove(dir)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOEXEC, ""); err != nil {
		check(false, "noexec: mount: %v", err)
		return false
	}
	defer syscall.Unmount(dir, 0)
	x := dir + "/x"
	os.WriteFile(x, bytes.Repeat([]byte{0xc3}, page), 0o755)
	xf, _ := os.Open(x)
	_, e6 := syscall.Mmap(int(xf.Fd()), 0, page, syscall.PROT_READ|syscall.PROT_EXEC, syscall.MAP_PRIVATE)
	_, e7 := syscall.Mmap(int(xf.Fd()), 0, page, syscall.PROT_READ|syscall.PROT_EXEC, syscall.MAP_SHARED)
	xm, e8 := syscall.Mmap(int(xf.Fd()), 0, page, syscall.PROT_READ, syscall.MAP_PRIVATE)
	var e9 error = errors.New("no mapping")
	if e8 == nil {
		e9 = syscall.Mprotect(xm, syscall.PROT_READ|syscall.PROT_EXEC)
		syscall.Munmap(xm)
	}
	xf.Close()
	os.Remove(x)
	check(e6 == syscall.EPERM && e7 == syscall.EPERM && e8 == nil && e9 == syscall.EACCES,
		"noexec: PROT_EXEC MAP_PRIVATE %v, MAP_SHARED %v; PROT_READ %v then mprotect(PROT_EXEC) %v", e6, e7, e8, e9)
	return ok
}

// procFdOpen: opening /proc/self/fd/N opens the descriptor's file anew.
func procFdOpen(say func(bool, string, ...any)) bool {
	ok := true
	check := func(good bool, format string, a ...any) { say(good, format, a...); ok = ok && good }
	r, w, err := os.Pipe()
	if err != nil {
		check(false, "pipe: %v", err)
		return false
	}
	w2, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", w.Fd()), os.O_WRONLY, 0)
	got := make([]byte, 16)
	n := 0
	if err == nil {
		w2.WriteString("through fd")
		w2.Close()
		n, _ = r.Read(got)
	}
	r.Close()
	w.Close()
	check(err == nil && string(got[:n]) == "through fd", "/proc/self/fd: the pipe's write end opened again: %v, read %q", err, got[:n])

	name := "/tmp/shm-deleted"
	f, _ := os.Create(name)
	f.WriteString("still here")
	os.Remove(name)
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	f.Close()
	check(err == nil && string(b) == "still here", "/proc/self/fd: a deleted file opened again: %v, read %q", err, b)
	return ok
}

// msync(2), which package syscall lacks.
const msAsync, msInvalidate, msSync = 1, 2, 4

func msync(b []byte, flags int) error {
	_, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), uintptr(flags))
	if e != 0 {
		return e
	}
	return nil
}

func mincore(b []byte, vec []byte) error {
	_, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
	if e != 0 {
		return e
	}
	return nil
}

// shmStress: goroutines (on as many threads as GOMAXPROCS) store into a shared file mapping while another
// truncates the file to 0 and extends it again, over and over: each store
// either lands or is SIGBUS, and a page read right after the file came
// back is zeros or a store made since. On several CPUs the truncate's
// unmapping (Unmap_mapping_range) meets the faults and the other threads'
// mmap and munmap of their own mappings of the file. Afterwards the
// file's pages are gone from the page cache: as pid 1 (gokern) the
// "Cached:" of /proc/meminfo is back where it was.
func shmStress(say func(bool, string, ...any)) bool {
	const page, pages, rounds, touchers = 4096, 16, 200, 4
	cached0 := meminfoKB("Cached:")
	name := "/tmp/shm-stress"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		say(false, "stress: %v", err)
		return false
	}
	f.Truncate(pages * page)
	m, err := syscall.Mmap(int(f.Fd()), 0, pages*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		say(false, "stress: mmap: %v", err)
		return false
	}
	var stop atomic.Bool
	var wrong atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < touchers; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				i := (n*7 + k) % pages
				fault(func() {
					v := m[i*page+k]
					// A byte of this thread's own is 0 (the file was
					// cut since) or its own last value of it.
					if v != 0 && v != byte(k+1) {
						wrong.Add(1)
					}
					m[i*page+k] = byte(k + 1)
				})
				if n%64 == 0 {
					// A mapping of its own, made and dropped.
					if own, err := syscall.Mmap(int(f.Fd()), 0, page, syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
						fault(func() { shmSink = own[k] })
						syscall.Munmap(own)
					}
				}
				if n%16 == 0 {
					runtime.Gosched() // the truncating goroutine too, at GOMAXPROCS 1
				}
			}
		}(k)
	}
	for r := 0; r < rounds; r++ {
		f.Truncate(0)
		f.Truncate(pages * page)
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()
	syscall.Munmap(m)
	f.Close()
	os.Remove(name)
	good := wrong.Load() == 0
	if os.Getpid() == 1 {
		// gokern: nothing else runs, so the page cache is as it was.
		cached := meminfoKB("Cached:")
		if cached != cached0 {
			say(false, "stress: Cached %d kB before, %d kB after", cached0, cached)
			good = false
		}
	}
	say(good, "stress: %d goroutines stored into a shared mapping while the file was cut to 0 and extended %d times: %d wrong values",
		touchers, rounds, wrong.Load())
	return good
}

// meminfoKB is a /proc/meminfo line's kB figure, -1 if none.
func meminfoKB(key string) int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key); ok {
			var kb int64
			fmt.Sscan(v, &kb)
			return kb
		}
	}
	return -1
}
