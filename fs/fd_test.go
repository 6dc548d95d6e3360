package fs_test

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
	"gokern/kernel/sched"
)

// TestFdTable: the lowest free descriptor, dup/dup2/dup3, close-on-exec
// through open, fcntl and exec, F_DUPFD's floor, growth past 64 and the
// NR_OPEN limit, shared positions of duplicated descriptors, and fork's
// copy.
func TestFdTable(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	writeFile(t, d+"/f", []byte("0123456789"))
	a := mustOpen(t, d+"/f", uapi.O_RDONLY, 0)
	b := mustOpen(t, d+"/f", uapi.O_RDONLY|uapi.O_CLOEXEC, 0)
	if b != a+1 {
		t.Fatalf("second open got %d after %d", b, a)
	}
	if fs.Do_fcntl(a, uapi.F_GETFD, 0) != 0 || fs.Do_fcntl(b, uapi.F_GETFD, 0) != uapi.FD_CLOEXEC {
		t.Errorf("FD_CLOEXEC from open")
	}
	c := fs.Ksys_dup(a)
	if c != b+1 || fs.Do_fcntl(c, uapi.F_GETFD, 0) != 0 {
		t.Errorf("dup: %d", c)
	}
	// Duplicates share the position.
	buf := make([]byte, 3)
	read(a, buf)
	if n := read(c, buf); n != 3 || string(buf) != "345" {
		t.Errorf("dup'd descriptor read %q, want 345 (shared position)", buf)
	}
	closefd(t, a)
	if fd := fs.Ksys_dup(c); fd != a {
		t.Errorf("lowest free: dup gave %d, want %d", fd, a)
	} else {
		closefd(t, fd)
	}
	wantErr(t, "dup2 same", fs.Ksys_dup2(c, c), c)
	wantErr(t, "dup2 onto open", fs.Ksys_dup2(c, b), b)
	if fs.Do_fcntl(b, uapi.F_GETFD, 0) != 0 {
		t.Errorf("dup2 keeps no FD_CLOEXEC")
	}
	wantErr(t, "dup3 O_CLOEXEC", fs.Ksys_dup3(c, 40, uapi.O_CLOEXEC), 40)
	if fs.Do_fcntl(40, uapi.F_GETFD, 0) != uapi.FD_CLOEXEC {
		t.Errorf("dup3 O_CLOEXEC did not set FD_CLOEXEC")
	}
	wantErr(t, "F_DUPFD floor", int(fs.Do_fcntl(c, uapi.F_DUPFD, 40)), 41)
	wantErr(t, "F_DUPFD_CLOEXEC", int(fs.Do_fcntl(c, uapi.F_DUPFD_CLOEXEC, 100)), 100) // grows the table
	if fs.Do_fcntl(100, uapi.F_GETFD, 0) != uapi.FD_CLOEXEC {
		t.Errorf("F_DUPFD_CLOEXEC")
	}
	wantErr(t, "F_SETFD", int(fs.Do_fcntl(100, uapi.F_SETFD, 0)), 0)
	if fs.Do_fcntl(100, uapi.F_GETFD, 0) != 0 {
		t.Errorf("F_SETFD 0")
	}
	fs.Do_fcntl(100, uapi.F_SETFD, uapi.FD_CLOEXEC)
	wantErr(t, "F_DUPFD past NR_OPEN", int(fs.Do_fcntl(c, uapi.F_DUPFD, uapi.NR_OPEN)), -uapi.EINVAL)
	wantErr(t, "dup2 to NR_OPEN-1", fs.Ksys_dup2(c, uapi.NR_OPEN-1), uapi.NR_OPEN-1)
	wantErr(t, "dup2 to NR_OPEN", fs.Ksys_dup2(c, uapi.NR_OPEN), -uapi.EBADF)
	// F_GETFL / F_SETFL: only O_APPEND and O_NONBLOCK change.
	if fl := fs.Do_fcntl(c, uapi.F_GETFL, 0); fl != uapi.O_RDONLY|uapi.O_LARGEFILE {
		t.Errorf("F_GETFL = %#o", fl)
	}
	fs.Do_fcntl(c, uapi.F_SETFL, uapi.O_NONBLOCK|uapi.O_APPEND|uapi.O_WRONLY|uapi.O_TRUNC)
	if fl := fs.Do_fcntl(c, uapi.F_GETFL, 0); fl != uapi.O_RDONLY|uapi.O_LARGEFILE|uapi.O_NONBLOCK|uapi.O_APPEND {
		t.Errorf("F_SETFL changed more than it may: %#o", fl)
	}
	// Fork's copy, then exec's close-on-exec on the copy.
	files := &fs.Init_files
	child, err := fs.Dup_fd(files)
	if err != 0 {
		t.Fatal(err)
	}
	fs.Do_close_on_exec(child)
	if child.Fd[40] != nil || child.Fd[100] != nil || child.Fd[c] == nil || child.Fd[uapi.NR_OPEN-1] == nil {
		t.Errorf("close-on-exec in the child: 40 %v 100 %v c %v", child.Fd[40] != nil, child.Fd[100] != nil, child.Fd[c] != nil)
	}
	if files.Fd[40] == nil {
		t.Errorf("exec in the child closed the parent's descriptor")
	}
	fs.Put_files_struct(child)
	for _, fd := range []int{b, c, 40, 41, 100, uapi.NR_OPEN - 1} {
		closefd(t, fd)
	}
	// EMFILE at NR_OPEN descriptors.
	a = mustOpen(t, d+"/f", uapi.O_RDONLY, 0)
	var got []int
	for {
		fd := fs.Ksys_dup(a)
		if fd < 0 {
			wantErr(t, "dup past NR_OPEN", fd, -uapi.EMFILE)
			break
		}
		got = append(got, fd)
	}
	if len(got)+1 != uapi.NR_OPEN-3 && len(got)+1 != uapi.NR_OPEN {
		// fds 0-2 may be taken by other tests' consoles: none here.
		t.Errorf("%d descriptors before EMFILE, want %d", len(got)+1, uapi.NR_OPEN)
	}
	for _, fd := range got {
		closefd(t, fd)
	}
	closefd(t, a)
	removeAll(t, d)
	fstest.CheckLeaks(t, before)
}

// testScheduler runs "tasks" on goroutines: Schedule blocks the
// goroutine until Wake_up_process makes its task runnable. Stacks must not
// move while a wait entry is queued (the queue holds its address, as a
// kernel stack's): the GC is off, so stacks are never shrunk, and each
// task grows its stack first.
type testScheduler struct {
	mu    sync.Mutex
	cond  *sync.Cond
	state map[uintptr]int
}

func installScheduler(t *testing.T) *testScheduler {
	s := &testScheduler{state: map[uintptr]int{}}
	s.cond = sync.NewCond(&s.mu)
	old := debug.SetGCPercent(-1)
	t.Cleanup(func() {
		sched.Hooks.Current, sched.Hooks.Set_current_state, sched.Hooks.Schedule, sched.Hooks.Wake_up_process = nil, nil, nil, nil
		debug.SetGCPercent(old)
	})
	sched.Hooks.Current = func() uintptr { return curTask() }
	sched.Hooks.Set_current_state = func(st int) {
		s.mu.Lock()
		s.state[curTask()] = st
		s.mu.Unlock()
	}
	sched.Hooks.Schedule = func() {
		// Give the "CPU" away while asleep.
		bigLock.Unlock()
		s.mu.Lock()
		id := curTask()
		for s.state[id] != sched.TASK_RUNNING {
			s.cond.Wait()
		}
		s.mu.Unlock()
		bigLock.Lock()
	}
	sched.Hooks.Wake_up_process = func(task uintptr) {
		s.mu.Lock()
		s.state[task] = sched.TASK_RUNNING
		s.cond.Broadcast()
		s.mu.Unlock()
	}
	return s
}

// The VFS runs one task at a time (no kernel preemption): a big lock
// around every call stands in for gokern's single CPU, and is released
// while a task sleeps in Schedule.
var bigLock sync.Mutex

var (
	curMu  sync.Mutex
	curIDs = map[int64]uintptr{}
)

func goid() int64 {
	var b [64]byte
	n := runtime.Stack(b[:], false)
	var id int64
	for _, c := range b[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}

func curTask() uintptr {
	curMu.Lock()
	defer curMu.Unlock()
	return curIDs[goid()]
}

// runTask runs f as task id on its own goroutine with a grown stack.
func runTask(id uintptr, f func()) chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		curMu.Lock()
		curIDs[goid()] = id
		curMu.Unlock()
		growStack(200)
		f()
	}()
	return done
}

//go:noinline
func growStack(n int) byte {
	var pad [1024]byte
	if n == 0 {
		return pad[0]
	}
	return growStack(n-1) + pad[n%1024]
}

// TestPipe: bytes in order, EOF after the last writer, EPIPE (and
// SIGPIPE) without readers, O_NONBLOCK's EAGAIN, PIPE_BUF writes never
// split, poll's events, FIONREAD, ESPIPE on seeks and preads.
func TestPipe(t *testing.T) {
	before := boot(t)
	var fds [2]int
	if err := fs.Do_pipe2(&fds, uapi.O_NONBLOCK); err != 0 {
		t.Fatal(errname(err))
	}
	r, w := fds[0], fds[1]
	buf := make([]byte, 100000)
	wantErr(t, "read empty nonblocking", int(read(r, buf)), -uapi.EAGAIN)
	pollfd := func(fd int, ev int16) int16 {
		p := fs.Pollfd{Fd: int32(fd), Events: ev}
		fs.Do_pollfd(&p, nil)
		return p.Revents
	}
	if pollfd(r, uapi.POLLIN) != 0 || pollfd(w, uapi.POLLOUT) != uapi.POLLOUT {
		t.Errorf("poll of an empty pipe: r %#x w %#x", pollfd(r, uapi.POLLIN), pollfd(w, uapi.POLLOUT))
	}
	// Fill it: 16 pages, in PIPE_BUF-sized atomic writes.
	chunk := make([]byte, uapi.PIPE_BUF)
	total := 0
	for i := 0; ; i++ {
		for j := range chunk {
			chunk[j] = byte(i)
		}
		n := write(w, chunk)
		if n == -uapi.EAGAIN {
			break
		}
		if n != uapi.PIPE_BUF {
			t.Fatalf("write %d of PIPE_BUF: %d (split)", i, n)
		}
		total += int(n)
	}
	if total != 16*4096 {
		t.Errorf("pipe holds %d bytes, want 65536", total)
	}
	if pollfd(w, uapi.POLLOUT) != 0 || pollfd(r, uapi.POLLIN) != uapi.POLLIN {
		t.Errorf("poll of a full pipe")
	}
	var avail int32
	fs.Uaccess.Copy_to_user = hostCopyToUser
	fs.Uaccess.Copy_from_user = hostCopyFromUser
	defer func() { fs.Uaccess.Copy_to_user, fs.Uaccess.Copy_from_user = nil, nil }()
	if err := fs.Ksys_ioctl(r, uapi.FIONREAD, addrOf(&avail)); err != 0 || avail != 65536 {
		t.Errorf("FIONREAD: %s %d", errname(int(err)), avail)
	}
	// Reads take what is there, in order.
	got := 0
	for {
		n := read(r, buf[:5000])
		if n == -uapi.EAGAIN {
			break
		}
		for _, c := range buf[:n] {
			if int(c) != (got / 4096) {
				t.Fatalf("byte %d is %d, want %d", got, c, got/4096)
			}
			got++
		}
	}
	if got != total {
		t.Errorf("read %d of %d", got, total)
	}
	// Small writes merge into one page.
	for i := 0; i < 100; i++ {
		write(w, []byte("ab"))
	}
	if n := read(r, buf); n != 200 {
		t.Errorf("100 small writes read back as %d bytes", n)
	}
	wantErr(t, "lseek", int(fs.Ksys_lseek(r, 0, uapi.SEEK_SET)), -uapi.ESPIPE)
	it := fs.Iov_iter_kvec(buf[:1])
	wantErr(t, "pread", int(fs.Ksys_pread64(r, &it, 0)), -uapi.ESPIPE)
	// EOF when the writer goes; EPIPE + SIGPIPE when the reader goes.
	closefd(t, w)
	wantErr(t, "read at EOF", int(read(r, buf)), 0)
	if pollfd(r, uapi.POLLIN)&uapi.POLLHUP == 0 {
		t.Errorf("no POLLHUP after the writer closed")
	}
	fs.Do_pipe2(&fds, 0)
	var sig int
	fs.Send_sig_current = func(s int) { sig = s }
	defer func() { fs.Send_sig_current = nil }()
	closefd(t, fds[0])
	wantErr(t, "write without reader", int(write(fds[1], []byte("x"))), -uapi.EPIPE)
	if sig != uapi.SIGPIPE {
		t.Errorf("signal %d, want SIGPIPE", sig)
	}
	if pollfd(fds[1], uapi.POLLOUT)&uapi.POLLERR == 0 {
		t.Errorf("no POLLERR without a reader")
	}
	closefd(t, fds[1])
	closefd(t, r)
	fstest.CheckLeaks(t, before)
}

// TestPipeBlocking: with a scheduler, a reader sleeps until a writer
// writes, a writer sleeps until a reader makes room, and a blocked
// reader wakes to EOF when the last writer closes; without one, the
// blocking calls return -EAGAIN instead of hanging.
func TestPipeBlocking(t *testing.T) {
	before := boot(t)
	var fds [2]int
	fs.Do_pipe2(&fds, 0)
	r, w := fds[0], fds[1]
	wantErr(t, "blocking read without a scheduler", int(read(r, make([]byte, 1))), -uapi.EAGAIN)
	installScheduler(t)
	bigLock.Lock()
	var got []byte
	reader := runTask(1, func() {
		buf := make([]byte, 8)
		for {
			bigLock.Lock()
			n := read(r, buf)
			bigLock.Unlock()
			if n <= 0 {
				if n < 0 {
					t.Errorf("read: %s", errname(int(n)))
				}
				return
			}
			got = append(got, buf[:n]...)
		}
	})
	// Let the reader block, then write in pieces.
	bigLock.Unlock()
	time.Sleep(20 * time.Millisecond)
	for _, s := range []string{"hello ", "sleeping ", "reader"} {
		bigLock.Lock()
		write(w, []byte(s))
		bigLock.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	bigLock.Lock()
	closefd(t, w)
	bigLock.Unlock()
	select {
	case <-reader:
	case <-time.After(5 * time.Second):
		t.Fatal("the reader did not wake at EOF")
	}
	if string(got) != "hello sleeping reader" {
		t.Errorf("the reader got %q", got)
	}
	// A writer blocked on a full pipe wakes when a reader drains it.
	fs.Do_pipe2(&fds, 0)
	r2, w2 := fds[0], fds[1]
	var wrote int64
	writer := runTask(2, func() {
		bigLock.Lock()
		wrote = write(w2, make([]byte, 100000)) // more than the 64 KiB ring
		bigLock.Unlock()
	})
	time.Sleep(20 * time.Millisecond)
	drained := 0
	for drained < 100000 {
		bigLock.Lock()
		n := read(r2, make([]byte, 7000))
		bigLock.Unlock()
		if n <= 0 {
			t.Fatalf("drain: %d", n)
		}
		drained += int(n)
	}
	<-writer
	if wrote != 100000 {
		t.Errorf("blocked writer wrote %d", wrote)
	}
	closefd(t, r)
	closefd(t, r2)
	closefd(t, w2)
	fstest.CheckLeaks(t, before)
}
