package uapi

// Futex operations (include/uapi/linux/futex.h). The low bits are the
// command; FUTEX_PRIVATE_FLAG says the word is not shared with another
// process (the key is the address space and the address), and
// FUTEX_CLOCK_REALTIME chooses the clock of an absolute timeout.
const (
	FUTEX_WAIT           = 0
	FUTEX_WAKE           = 1
	FUTEX_WAIT_BITSET    = 9
	FUTEX_WAKE_BITSET    = 10
	FUTEX_PRIVATE_FLAG   = 128
	FUTEX_CLOCK_REALTIME = 256
	FUTEX_CMD_MASK       = ^(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)

	FUTEX_WAIT_PRIVATE = FUTEX_WAIT | FUTEX_PRIVATE_FLAG
	FUTEX_WAKE_PRIVATE = FUTEX_WAKE | FUTEX_PRIVATE_FLAG

	// FUTEX_BITSET_MATCH_ANY: the bitset of plain FUTEX_WAIT and
	// FUTEX_WAKE, which matches every waiter.
	FUTEX_BITSET_MATCH_ANY = 0xffffffff

	// The futex word's bits for robust futexes: waiters, the owner died,
	// the owner's tid.
	FUTEX_WAITERS    = 0x80000000
	FUTEX_OWNER_DIED = 0x40000000
	FUTEX_TID_MASK   = 0x3fffffff
)

// X__kernel_timespec is struct __kernel_timespec
// (include/uapi/linux/time_types.h): 64-bit seconds and nanoseconds.
type X__kernel_timespec struct {
	Tv_sec  int64
	Tv_nsec int64
}

// NSEC_PER_SEC (include/vdso/time64.h).
const NSEC_PER_SEC = 1000000000
