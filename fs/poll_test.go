package fs_test

import (
	"sync/atomic"
	"testing"
	"time"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
	"gokern/kernel/sched"
)

// TestDoSysPoll: poll(2) on kernel memory. Without a scheduler it
// answers at once (timeout 0) and refuses to sleep (-EAGAIN); with one, a
// poller sleeps until a write wakes it, on more descriptors than fit in
// the inline entries, and leaves no entry queued behind it (a later write
// wakes nobody); a timeout runs out with 0, a pending signal gives
// -EINTR, and no memory for an entry page gives -ENOMEM.
func TestDoSysPoll(t *testing.T) {
	before := boot(t)
	var fds [2]int
	if err := fs.Do_pipe2(&fds, 0); err != 0 {
		t.Fatal(errname(err))
	}
	r, w := fds[0], fds[1]
	d := tmpdir(t)
	file := mustOpen(t, d+"/f", uapi.O_RDWR|uapi.O_CREAT, 0o644)

	p := []fs.Pollfd{
		{Fd: int32(r), Events: uapi.POLLIN},
		{Fd: int32(w), Events: uapi.POLLOUT},
		{Fd: -1, Events: uapi.POLLIN},
		{Fd: 999, Events: uapi.POLLIN},
		{Fd: int32(file), Events: uapi.POLLIN | uapi.POLLOUT},
	}
	if n := fs.Do_sys_poll(p, 0); n != 3 {
		t.Errorf("poll, timeout 0: %d ready, want 3", n)
	}
	want := []int16{0, uapi.POLLOUT, 0, uapi.POLLNVAL, uapi.POLLIN | uapi.POLLOUT}
	for i := range p {
		if p[i].Revents != want[i] {
			t.Errorf("pollfd %d (fd %d): revents %#x, want %#x", i, p[i].Fd, p[i].Revents, want[i])
		}
	}
	empty := []fs.Pollfd{{Fd: int32(r), Events: uapi.POLLIN}}
	wantErr(t, "poll that must sleep, no scheduler", fs.Do_sys_poll(empty, -1), -uapi.EAGAIN)
	wantErr(t, "poll of too many descriptors", fs.Do_sys_poll(make([]fs.Pollfd, uapi.NR_OPEN+1), 0), -uapi.EINVAL)

	installScheduler(t)
	var wakes atomic.Int64
	wake := sched.Hooks.Wake_up_process
	sched.Hooks.Wake_up_process = func(task uintptr) { wakes.Add(1); wake(task) }
	// A timeout: Schedule_timeout sleeps in milliseconds here, and no
	// wake-up comes.
	sched.Hooks.Schedule_timeout = func(timeout int64) int64 {
		bigLock.Unlock()
		time.Sleep(time.Duration(timeout) * time.Millisecond)
		bigLock.Lock()
		return 0
	}
	defer func() { sched.Hooks.Schedule_timeout, sched.Hooks.Signal_pending = nil, nil }()

	// 100 descriptors for the one pipe: 100 entries on its queue, most
	// of them in a page.
	many := make([]fs.Pollfd, 100)
	for i := range many {
		many[i] = fs.Pollfd{Fd: int32(r), Events: uapi.POLLIN}
	}
	var got int
	bigLock.Lock()
	poller := runTask(1, func() {
		bigLock.Lock()
		got = fs.Do_sys_poll(many, -1)
		bigLock.Unlock()
	})
	bigLock.Unlock()
	time.Sleep(30 * time.Millisecond)
	select {
	case <-poller:
		t.Fatalf("poll of an empty pipe returned %d without sleeping", got)
	default:
	}
	bigLock.Lock()
	write(w, []byte("x"))
	bigLock.Unlock()
	select {
	case <-poller:
	case <-time.After(5 * time.Second):
		t.Fatal("the poller did not wake on the write")
	}
	if got != 100 {
		t.Errorf("poll woke with %d ready, want 100", got)
	}
	for i := range many {
		if many[i].Revents != uapi.POLLIN {
			t.Fatalf("pollfd %d: revents %#x after the write", i, many[i].Revents)
		}
	}
	// The entries are gone from the pipe's queue: another write wakes
	// nobody.
	bigLock.Lock()
	wakes.Store(0)
	write(w, []byte("y"))
	read(r, make([]byte, 2))
	bigLock.Unlock()
	if n := wakes.Load(); n != 0 {
		t.Errorf("a write after the poll woke %d tasks: entries were left on the queue", n)
	}

	// The time runs out.
	bigLock.Lock()
	t0 := time.Now()
	done := runTask(2, func() {
		bigLock.Lock()
		got = fs.Do_sys_poll(empty, 40)
		bigLock.Unlock()
	})
	bigLock.Unlock()
	<-done
	if got != 0 || empty[0].Revents != 0 || time.Since(t0) < 40*time.Millisecond {
		t.Errorf("poll with a 40 ms timeout: %d, revents %#x, after %v", got, empty[0].Revents, time.Since(t0))
	}
	// A signal.
	sched.Hooks.Signal_pending = func() bool { return true }
	bigLock.Lock()
	done = runTask(3, func() {
		bigLock.Lock()
		got = fs.Do_sys_poll(empty, -1)
		bigLock.Unlock()
	})
	bigLock.Unlock()
	<-done
	wantErr(t, "poll with a signal pending", got, -uapi.EINTR)
	sched.Hooks.Signal_pending = nil
	// No memory for the page of entries past the inline ones.
	fs.Fail_nth = 1
	bigLock.Lock()
	done = runTask(4, func() {
		bigLock.Lock()
		got = fs.Do_sys_poll(many, -1)
		bigLock.Unlock()
	})
	bigLock.Unlock()
	<-done
	fs.Fail_nth = 0
	wantErr(t, "poll without memory for its entries", got, -uapi.ENOMEM)

	closefd(t, r)
	closefd(t, w)
	closefd(t, file)
	unlink(d + "/f")
	rmdir(d)
	fstest.CheckLeaks(t, before)
}
