package uapi

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestFutexEpollABI: futex, epoll and eventfd numbers and struct
// epoll_event's packed layout as the host's Linux headers have them
// (golang.org/x/sys/unix).
func TestFutexEpollABI(t *testing.T) {
	pairs := []struct {
		name       string
		ours, host int64
	}{
		{"ETIMEDOUT", ETIMEDOUT, int64(unix.ETIMEDOUT)},
		{"EPOLL_CTL_ADD", EPOLL_CTL_ADD, unix.EPOLL_CTL_ADD}, {"EPOLL_CTL_DEL", EPOLL_CTL_DEL, unix.EPOLL_CTL_DEL},
		{"EPOLL_CTL_MOD", EPOLL_CTL_MOD, unix.EPOLL_CTL_MOD},
		{"EPOLLIN", EPOLLIN, unix.EPOLLIN}, {"EPOLLOUT", EPOLLOUT, unix.EPOLLOUT}, {"EPOLLERR", EPOLLERR, unix.EPOLLERR},
		{"EPOLLHUP", EPOLLHUP, unix.EPOLLHUP}, {"EPOLLRDHUP", EPOLLRDHUP, unix.EPOLLRDHUP}, {"EPOLLPRI", EPOLLPRI, unix.EPOLLPRI},
		{"EPOLLET", EPOLLET, int64(uint32(unix.EPOLLET))}, {"EPOLLONESHOT", EPOLLONESHOT, unix.EPOLLONESHOT},
		{"EPOLLEXCLUSIVE", EPOLLEXCLUSIVE, unix.EPOLLEXCLUSIVE}, {"EPOLLWAKEUP", EPOLLWAKEUP, unix.EPOLLWAKEUP},
		{"EPOLL_CLOEXEC", EPOLL_CLOEXEC, unix.EPOLL_CLOEXEC},
		{"EFD_CLOEXEC", EFD_CLOEXEC, unix.EFD_CLOEXEC}, {"EFD_NONBLOCK", EFD_NONBLOCK, unix.EFD_NONBLOCK},
		{"EFD_SEMAPHORE", EFD_SEMAPHORE, unix.EFD_SEMAPHORE},
		{"sizeof(struct epoll_event)", int64(unsafe.Sizeof(Epoll_event{})), int64(unsafe.Sizeof(unix.EpollEvent{}))},
		{"offsetof(epoll_event.data)", int64(unsafe.Offsetof(Epoll_event{}.Data)), int64(unsafe.Offsetof(unix.EpollEvent{}.Fd))},
		{"FUTEX_WAIT", FUTEX_WAIT, 0}, {"FUTEX_WAKE", FUTEX_WAKE, 1}, {"FUTEX_PRIVATE_FLAG", FUTEX_PRIVATE_FLAG, 128},
		{"sizeof(struct __kernel_timespec)", int64(unsafe.Sizeof(X__kernel_timespec{})), int64(unsafe.Sizeof(unix.Timespec{}))},
	}
	for _, p := range pairs {
		if p.ours != p.host {
			t.Errorf("%s = %#x, host %#x", p.name, p.ours, p.host)
		}
	}
}
