package uapi

// epoll and eventfd (include/uapi/linux/eventpoll.h, eventfd.h).

// Epoll_event is struct epoll_event. x86-64 packs it (EPOLL_PACKED):
// 12 bytes, the data's 8 bytes at offset 4; Data holds them as two
// 32-bit halves so that Go lays the struct out the same.
type Epoll_event struct {
	Events uint32
	Data   [2]uint32
}

// Data64 and Set_data64: the data as one 64-bit word.
func (e *Epoll_event) Data64() uint64 { return uint64(e.Data[0]) | uint64(e.Data[1])<<32 }

func (e *Epoll_event) Set_data64(v uint64) { e.Data = [2]uint32{uint32(v), uint32(v >> 32)} }

// epoll_ctl operations.
const (
	EPOLL_CTL_ADD = 1
	EPOLL_CTL_DEL = 2
	EPOLL_CTL_MOD = 3
)

// Event bits: the poll bits, and the input flags.
const (
	EPOLLIN        = 0x001
	EPOLLPRI       = 0x002
	EPOLLOUT       = 0x004
	EPOLLERR       = 0x008
	EPOLLHUP       = 0x010
	EPOLLRDNORM    = 0x040
	EPOLLRDBAND    = 0x080
	EPOLLWRNORM    = 0x100
	EPOLLWRBAND    = 0x200
	EPOLLMSG       = 0x400
	EPOLLRDHUP     = 0x2000
	EPOLLEXCLUSIVE = 1 << 28
	EPOLLWAKEUP    = 1 << 29
	EPOLLONESHOT   = 1 << 30
	EPOLLET        = 1 << 31

	EPOLL_CLOEXEC = O_CLOEXEC
)

// eventfd2 flags (include/linux/eventfd.h).
const (
	EFD_SEMAPHORE = 1
	EFD_CLOEXEC   = O_CLOEXEC
	EFD_NONBLOCK  = O_NONBLOCK
)
