package fs_test

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"gokern/fs"
	"gokern/include/uapi"
)

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// TestEventfd: eventfd2's counter as Linux's: reads take it all (or 1
// with EFD_SEMAPHORE), a zero count is -EAGAIN with EFD_NONBLOCK, short
// buffers and ULLONG_MAX are -EINVAL, the sum stops at ULLONG_MAX-1, and
// poll follows the count.
func TestEventfd(t *testing.T) {
	boot(t)
	wantErr(t, "eventfd2 with unknown flags", fs.Do_eventfd(0, 0x10), -uapi.EINVAL)
	fd := fs.Do_eventfd(3, uapi.EFD_NONBLOCK|uapi.EFD_CLOEXEC)
	if fd < 0 {
		t.Fatal(errname(fd))
	}
	b := make([]byte, 8)
	if n := read(fd, b); n != 8 || binary.LittleEndian.Uint64(b) != 3 {
		t.Errorf("read %d bytes: %d, want the initial count 3", n, binary.LittleEndian.Uint64(b))
	}
	wantErr(t, "read of a zero count, nonblocking", int(read(fd, b)), -uapi.EAGAIN)
	wantErr(t, "read of 4 bytes", int(read(fd, b[:4])), -uapi.EINVAL)
	wantErr(t, "write of ULLONG_MAX", int(write(fd, u64(^uint64(0)))), -uapi.EINVAL)
	p := []fs.Pollfd{{Fd: int32(fd), Events: uapi.POLLIN | uapi.POLLOUT}}
	if fs.Do_sys_poll(p, 0); p[0].Revents != uapi.POLLOUT {
		t.Errorf("empty eventfd polls %#x, want POLLOUT", p[0].Revents)
	}
	if n := write(fd, u64(5)); n != 8 {
		t.Fatal(errname(int(n)))
	}
	write(fd, u64(7))
	if fs.Do_sys_poll(p, 0); p[0].Revents != uapi.POLLIN|uapi.POLLOUT {
		t.Errorf("eventfd holding 12 polls %#x", p[0].Revents)
	}
	if read(fd, b); binary.LittleEndian.Uint64(b) != 12 {
		t.Errorf("two writes of 5 and 7 read back %d", binary.LittleEndian.Uint64(b))
	}
	write(fd, u64(fs.EVENTFD_MAX))
	wantErr(t, "write past ULLONG_MAX-1", int(write(fd, u64(1))), -uapi.EAGAIN)
	if fs.Do_sys_poll(p, 0); p[0].Revents != uapi.POLLIN {
		t.Errorf("full eventfd polls %#x, want POLLIN only", p[0].Revents)
	}
	closefd(t, fd)

	sem := fs.Do_eventfd(2, uapi.EFD_SEMAPHORE|uapi.EFD_NONBLOCK)
	for i := 0; i < 2; i++ {
		if n := read(sem, b); n != 8 || binary.LittleEndian.Uint64(b) != 1 {
			t.Errorf("semaphore read %d gave %d, want 1", i, binary.LittleEndian.Uint64(b))
		}
	}
	wantErr(t, "third semaphore read", int(read(sem, b)), -uapi.EAGAIN)
	closefd(t, sem)
}

func event(events uint32, data uint64) *uapi.Epoll_event {
	e := &uapi.Epoll_event{Events: events}
	e.Set_data64(data)
	return e
}

// TestEpoll: epoll_ctl's errors as Linux's (a regular file is -EPERM),
// level-triggered items reported until drained, edge-triggered ones once
// per wake-up, EPOLLONESHOT until EPOLL_CTL_MOD, a closed file leaves the
// set, and a sleeper in epoll_wait is woken by an eventfd write from
// another task (the Go runtime's netpollBreak) and by its timeout.
func TestEpoll(t *testing.T) {
	boot(t)
	wantErr(t, "epoll_create1 with unknown flags", fs.Do_epoll_create(1), -uapi.EINVAL)
	ep := fs.Do_epoll_create(uapi.EPOLL_CLOEXEC)
	if ep < 0 {
		t.Fatal(errname(ep))
	}
	var pfd [2]int
	if err := fs.Do_pipe2(&pfd, uapi.O_NONBLOCK); err != 0 {
		t.Fatal(errname(err))
	}
	r, w := pfd[0], pfd[1]
	efd := fs.Do_eventfd(0, uapi.EFD_NONBLOCK)
	file := mustOpen(t, tmpdir(t)+"/f", uapi.O_RDWR|uapi.O_CREAT, 0o644)

	wantErr(t, "add a regular file", fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_ADD, file, event(uapi.EPOLLIN, 0)), -uapi.EPERM)
	wantErr(t, "add to a pipe", fs.Do_epoll_ctl(r, uapi.EPOLL_CTL_ADD, efd, event(uapi.EPOLLIN, 0)), -uapi.EINVAL)
	wantErr(t, "add itself", fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_ADD, ep, event(uapi.EPOLLIN, 0)), -uapi.EINVAL)
	wantErr(t, "add a bad fd", fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_ADD, 999, event(uapi.EPOLLIN, 0)), -uapi.EBADF)
	wantErr(t, "delete what is not there", fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_DEL, r, event(0, 0)), -uapi.ENOENT)
	if err := fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_ADD, r, event(uapi.EPOLLIN, 100)); err != 0 {
		t.Fatal(errname(err))
	}
	wantErr(t, "add twice", fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_ADD, r, event(uapi.EPOLLIN, 0)), -uapi.EEXIST)
	if err := fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_ADD, efd, event(uapi.EPOLLIN|uapi.EPOLLET, 200)); err != 0 {
		t.Fatal(errname(err))
	}
	evs := make([]uapi.Epoll_event, 8)
	if n := fs.Do_epoll_wait(ep, evs, 0); n != 0 {
		t.Errorf("nothing written, epoll_wait reports %d", n)
	}
	wantErr(t, "epoll_wait with no room", fs.Do_epoll_wait(ep, evs[:0], 0), -uapi.EINVAL)
	wantErr(t, "epoll_wait on a pipe", fs.Do_epoll_wait(r, evs, 0), -uapi.EINVAL)

	// Level-triggered: reported while data is there, once per call.
	write(w, []byte("xy"))
	for i := 0; i < 2; i++ {
		if n := fs.Do_epoll_wait(ep, evs, 0); n != 1 || evs[0].Events != uapi.EPOLLIN || evs[0].Data64() != 100 {
			t.Errorf("level-triggered wait %d: %d events, %#x data %d", i, n, evs[0].Events, evs[0].Data64())
		}
	}
	read(r, make([]byte, 2))
	if n := fs.Do_epoll_wait(ep, evs, 0); n != 0 {
		t.Errorf("drained pipe still reported (%d)", n)
	}

	// Edge-triggered: once per write, even though the count stays.
	write(efd, u64(1))
	if n := fs.Do_epoll_wait(ep, evs, 0); n != 1 || evs[0].Data64() != 200 || evs[0].Events != uapi.EPOLLIN {
		t.Errorf("edge-triggered: %d events, data %d", n, evs[0].Data64())
	}
	if n := fs.Do_epoll_wait(ep, evs, 0); n != 0 {
		t.Errorf("edge-triggered item reported twice for one write")
	}
	write(efd, u64(1))
	if n := fs.Do_epoll_wait(ep, evs, 0); n != 1 {
		t.Errorf("edge-triggered item not reported after a second write")
	}

	// One-shot: reported once, then quiet until MOD re-arms it.
	fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_MOD, r, event(uapi.EPOLLIN|uapi.EPOLLONESHOT, 101))
	write(w, []byte("z"))
	if n := fs.Do_epoll_wait(ep, evs, 0); n != 1 || evs[0].Data64() != 101 {
		t.Errorf("one-shot: %d events", n)
	}
	write(w, []byte("z"))
	if n := fs.Do_epoll_wait(ep, evs, 0); n != 0 {
		t.Errorf("disabled one-shot item reported")
	}
	fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_MOD, r, event(uapi.EPOLLIN, 102))
	if n := fs.Do_epoll_wait(ep, evs, 0); n != 1 || evs[0].Data64() != 102 {
		t.Errorf("re-armed item: %d events", n)
	}
	read(r, make([]byte, 8))

	// A sleeper: woken by a write from another task.
	installScheduler(t)
	var got int
	bigLock.Lock()
	waiter := runTask(1, func() {
		bigLock.Lock()
		got = fs.Do_epoll_wait(ep, evs, -1)
		bigLock.Unlock()
	})
	bigLock.Unlock()
	time.Sleep(30 * time.Millisecond)
	select {
	case <-waiter:
		t.Fatalf("epoll_wait returned %d with nothing ready", got)
	default:
	}
	bigLock.Lock()
	write(efd, u64(1))
	bigLock.Unlock()
	select {
	case <-waiter:
	case <-time.After(10 * time.Second):
		t.Fatal("the eventfd write did not wake epoll_wait")
	}
	if got != 1 || evs[0].Data64() != 200 {
		t.Errorf("woken epoll_wait: %d events, data %d", got, evs[0].Data64())
	}

	// Closing a watched file takes it out of the set: its later
	// wake-ups reach nothing, and the set is empty.
	bigLock.Lock()
	closefd(t, r)
	closefd(t, efd)
	write(w, []byte("q"))
	n := fs.Do_epoll_wait(ep, evs, 0)
	bigLock.Unlock()
	if n != 0 {
		t.Errorf("closed files still reported: %d", n)
	}
	bigLock.Lock()
	closefd(t, w)
	closefd(t, ep)
	closefd(t, file)
	bigLock.Unlock()
}

// TestEpollKeyAndExclusive: what a wake-up's key and EPOLLEXCLUSIVE
// mean, as on the host's Linux (the same steps, run there, give the same
// results):
//   - a wake-up carries the events that changed (Linux
//     wake_up_poll's key): an eventfd read wakes its queue with EPOLLOUT,
//     so an EPOLLIN|EPOLLET item is not reported again while the count
//     stays (Linux ep_poll_callback: "if (pollflags && !(pollflags &
//     epi->event.events)) goto out_unlock"); a write reports it again;
//   - EPOLLEXCLUSIVE is refused with MOD, with events other than
//     EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLWAKEUP and EPOLLET, and
//     on an epoll set; an item added with it cannot be modified;
//   - two sets watching one eventfd with EPOLLEXCLUSIVE, a sleeper in
//     each: one write wakes one sleeper, the next write the other.
func TestEpollKeyAndExclusive(t *testing.T) {
	boot(t)
	ep := fs.Do_epoll_create(0)
	sem := fs.Do_eventfd(2, uapi.EFD_SEMAPHORE|uapi.EFD_NONBLOCK)
	if ep < 0 || sem < 0 {
		t.Fatal(errname(ep), errname(sem))
	}
	if err := fs.Do_epoll_ctl(ep, uapi.EPOLL_CTL_ADD, sem, event(uapi.EPOLLIN|uapi.EPOLLET, 1)); err != 0 {
		t.Fatal(errname(err))
	}
	evs := make([]uapi.Epoll_event, 4)
	got := []int{fs.Do_epoll_wait(ep, evs, 0), fs.Do_epoll_wait(ep, evs, 0)}
	read(sem, make([]byte, 8)) // 2 → 1: still readable, woken with EPOLLOUT
	got = append(got, fs.Do_epoll_wait(ep, evs, 0))
	write(sem, u64(1))
	got = append(got, fs.Do_epoll_wait(ep, evs, 0))
	if want := []int{1, 0, 0, 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("EPOLLIN|EPOLLET on a semaphore eventfd: waits after add, again, a read, a write report %v events, want %v (Linux's)", got, want)
	}

	efd := fs.Do_eventfd(0, uapi.EFD_NONBLOCK)
	ep2 := fs.Do_epoll_create(0)
	excl := uint32(uapi.EPOLLEXCLUSIVE)
	wantErr(t, "ADD EPOLLEXCLUSIVE|EPOLLONESHOT", fs.Do_epoll_ctl(ep2, uapi.EPOLL_CTL_ADD, efd, event(uapi.EPOLLIN|excl|uapi.EPOLLONESHOT, 0)), -uapi.EINVAL)
	wantErr(t, "ADD EPOLLEXCLUSIVE|EPOLLRDHUP", fs.Do_epoll_ctl(ep2, uapi.EPOLL_CTL_ADD, efd, event(uapi.EPOLLIN|excl|uapi.EPOLLRDHUP, 0)), -uapi.EINVAL)
	wantErr(t, "ADD an epoll set with EPOLLEXCLUSIVE", fs.Do_epoll_ctl(ep2, uapi.EPOLL_CTL_ADD, ep, event(uapi.EPOLLIN|excl, 0)), -uapi.EINVAL)
	wantErr(t, "MOD with EPOLLEXCLUSIVE, no item", fs.Do_epoll_ctl(ep2, uapi.EPOLL_CTL_MOD, efd, event(uapi.EPOLLIN|excl, 0)), -uapi.EINVAL)
	if err := fs.Do_epoll_ctl(ep2, uapi.EPOLL_CTL_ADD, efd, event(uapi.EPOLLIN|excl|uapi.EPOLLET, 0)); err != 0 {
		t.Fatalf("ADD EPOLLIN|EPOLLEXCLUSIVE|EPOLLET: %s", errname(err))
	}
	wantErr(t, "MOD of an EPOLLEXCLUSIVE item", fs.Do_epoll_ctl(ep2, uapi.EPOLL_CTL_MOD, efd, event(uapi.EPOLLIN, 0)), -uapi.EINVAL)
	closefd(t, ep2)

	var eps [2]int
	for i := range eps {
		if eps[i] = fs.Do_epoll_create(0); eps[i] < 0 {
			t.Fatal(errname(eps[i]))
		}
		if err := fs.Do_epoll_ctl(eps[i], uapi.EPOLL_CTL_ADD, efd, event(uapi.EPOLLIN|excl, uint64(i))); err != 0 {
			t.Fatal(errname(err))
		}
	}
	installScheduler(t)
	woke := make(chan int, 2)
	bigLock.Lock()
	for i := range eps {
		runTask(uintptr(10+i), func() {
			ev := make([]uapi.Epoll_event, 1)
			bigLock.Lock()
			n := fs.Do_epoll_wait(eps[i], ev, -1)
			bigLock.Unlock()
			woke <- i*10 + n
		})
	}
	bigLock.Unlock()
	time.Sleep(50 * time.Millisecond)
	select {
	case w := <-woke:
		t.Fatalf("sleeper %d returned with nothing written", w/10)
	default:
	}
	bigLock.Lock()
	write(efd, u64(1))
	bigLock.Unlock()
	var first int
	select {
	case first = <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("a write to the eventfd woke neither EPOLLEXCLUSIVE sleeper")
	}
	select {
	case w := <-woke:
		t.Errorf("one write woke both EPOLLEXCLUSIVE sleepers (%d then %d): want one", first/10, w/10)
	case <-time.After(100 * time.Millisecond):
		bigLock.Lock()
		read(efd, make([]byte, 8))
		write(efd, u64(1))
		bigLock.Unlock()
		select {
		case <-woke:
		case <-time.After(10 * time.Second):
			t.Errorf("the second write did not wake the other sleeper")
		}
	}
	bigLock.Lock()
	for _, fd := range []int{eps[0], eps[1], efd, sem, ep} {
		closefd(t, fd)
	}
	bigLock.Unlock()
}
