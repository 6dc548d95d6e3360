package net

import (
	"sync/atomic"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
	"gokern/mm/slab"
)

// The protocol-independent socket: struct sock, its buffers and its
// options. Linux: include/net/sock.h (struct sock), net/core/sock.c
// (sock_setsockopt, sock_getsockopt, sock_alloc_send_pskb, sock_wfree,
// sk_free), include/linux/skbuff.h and net/core/skbuff.c (struct
// sk_buff, its queues, kfree_skb). A family's own sock (net/unix's
// Unix_sock) begins with a Sock, as Linux's struct unix_sock begins with
// its struct sock.

// Sk_state values: Linux reuses TCP's states for every family.
const (
	TCP_ESTABLISHED = 1
	TCP_CLOSE       = 7
	TCP_LISTEN      = 10
)

// Sk_shutdown bits (include/net/sock.h).
const (
	RCV_SHUTDOWN  = 1
	SEND_SHUTDOWN = 2
	SHUTDOWN_MASK = 3
)

// Sk_flags bits (enum sock_flags and the socket flags gokern keeps with
// them).
const (
	SOCK_DEAD       = 1 << 0
	SOCK_PASSCRED   = 1 << 1 // SO_PASSCRED (Linux sk->sk_socket->flags)
	SOCK_REUSEADDR  = 1 << 2 // SO_REUSEADDR: recorded, no effect on AF_UNIX
	SOCK_KEEPOPEN   = 1 << 3 // SO_KEEPALIVE: likewise
	SOCK_DONE       = 1 << 4 // a stream's peer sent its last byte (TCP: a FIN came)
	SOCK_BROADCAST  = 1 << 5 // SO_BROADCAST
	SOCK_LINGER     = 1 << 6 // SO_LINGER's l_onoff
	SOCK_URGINLINE  = 1 << 7 // SO_OOBINLINE
	SOCK_LOCALROUTE = 1 << 8 // SO_DONTROUTE
	SOCK_REUSEPORT  = 1 << 9 // SO_REUSEPORT (Linux sk_reuseport)
)

// Sk_userlocks bits (include/net/sock.h): what the user fixed, so the
// kernel leaves it alone.
const (
	SOCK_SNDBUF_LOCK   = 1
	SOCK_RCVBUF_LOCK   = 2
	SOCK_BINDADDR_LOCK = 4
	SOCK_BINDPORT_LOCK = 8
)

// Buffer sizes (net.core.wmem_default, wmem_max, rmem_*; SOCK_MIN_SNDBUF
// and SOCK_MIN_RCVBUF of include/net/sock.h for a 4 KiB page).
const (
	SK_WMEM_DEFAULT = 212992
	SK_WMEM_MAX     = 212992
	SK_RMEM_DEFAULT = 212992
	SK_RMEM_MAX     = 212992
	SOCK_MIN_SNDBUF = 4608
	SOCK_MIN_RCVBUF = 2304
)

// The timeout options (include/uapi/asm-generic/socket.h): x86-64's
// struct timeval and __kernel_sock_timeval are the same 16 bytes.
const (
	SO_RCVTIMEO_OLD = 20
	SO_SNDTIMEO_OLD = 21
	SO_RCVTIMEO_NEW = 66
	SO_SNDTIMEO_NEW = 67
)

// Sock is struct sock, the part every family shares.
type Sock struct {
	Sk_family   uint16
	Sk_type     uint16
	Sk_protocol uint16
	Sk_state    uint8
	Sk_shutdown uint8
	Sk_err      int32 // a pending error, positive (SO_ERROR takes it)
	Sk_flags    uint32
	Sk_refcnt   int32
	Sk_rcvbuf   int32
	Sk_sndbuf   int32
	// Sk_wmem_alloc: the bytes of this socket's messages not yet
	// consumed by their receiver (sk_wmem_alloc): a send sleeps while it
	// reaches Sk_sndbuf.
	Sk_wmem_alloc int32
	// Sk_rmem_alloc: the bytes queued on this socket's receive queue
	// that are charged to it rather than to their sender (AF_INET's
	// datagrams, Linux sk_rmem_alloc).
	Sk_rmem_alloc      int32
	Sk_userlocks       uint8
	Sk_max_ack_backlog uint32
	// Sk_lingertime: SO_LINGER's l_linger, in jiffies (Linux
	// sk_lingertime).
	Sk_lingertime    int64
	Sk_receive_queue Sk_buff_head
	// Sk_wq: readers, writers, pollers and connecting peers sleep here
	// (Linux sk->sk_wq, and AF_UNIX's peer_wait folded in).
	Sk_wq     sched.Wait_queue_head
	Sk_socket *Socket
	// The peer's credentials, captured at connect or listen (Linux
	// sk_peer_pid, sk_peer_cred): SO_PEERCRED.
	Sk_peer_cred uapi.Ucred
	// Sk_rcvtimeo, Sk_sndtimeo: SO_RCVTIMEO and SO_SNDTIMEO in jiffies,
	// MAX_SCHEDULE_TIMEOUT for none (Linux sk_rcvtimeo, sk_sndtimeo).
	Sk_rcvtimeo int64
	Sk_sndtimeo int64
	// Sk_destruct frees the family's sock when the last reference goes
	// (Linux sk_destruct / sk_prot_free): a top-level function.
	Sk_destruct func(sk *Sock)
}

// Sock_hold and Sock_put take and drop a reference (Linux sock_hold,
// sock_put); the last frees the sock.
func Sock_hold(sk *Sock) { atomic.AddInt32(&sk.Sk_refcnt, 1) }

func Sock_put(sk *Sock) {
	if atomic.AddInt32(&sk.Sk_refcnt, -1) == 0 && sk.Sk_destruct != nil {
		sk.Sk_destruct(sk)
	}
}

// Sock_flag tests a flag (Linux sock_flag).
func Sock_flag(sk *Sock, flag uint32) bool { return atomic.LoadUint32(&sk.Sk_flags)&flag != 0 }

// Sock_set_flag and Sock_reset_flag set and clear one.
func Sock_set_flag(sk *Sock, flag uint32) {
	for {
		old := atomic.LoadUint32(&sk.Sk_flags)
		if atomic.CompareAndSwapUint32(&sk.Sk_flags, old, old|flag) {
			return
		}
	}
}

func Sock_reset_flag(sk *Sock, flag uint32) {
	for {
		old := atomic.LoadUint32(&sk.Sk_flags)
		if atomic.CompareAndSwapUint32(&sk.Sk_flags, old, old&^flag) {
			return
		}
	}
}

// Sock_init_data fills a new sock's common fields (Linux
// sock_init_data): one reference, the default buffers, closed.
func Sock_init_data(sock *Socket, sk *Sock, family, typ uint16) {
	sk.Sk_family = family
	sk.Sk_type = typ
	sk.Sk_state = TCP_CLOSE
	sk.Sk_refcnt = 1
	sk.Sk_rcvbuf = SK_RMEM_DEFAULT
	sk.Sk_sndbuf = SK_WMEM_DEFAULT
	// No peer yet: SO_PEERCRED says pid 0 and ids -1 (Linux
	// cred_to_ucred without a cred).
	sk.Sk_peer_cred = uapi.Ucred{Uid: ^uint32(0), Gid: ^uint32(0)}
	sk.Sk_rcvtimeo, sk.Sk_sndtimeo = sched.MAX_SCHEDULE_TIMEOUT, sched.MAX_SCHEDULE_TIMEOUT
	sk.Sk_socket = sock
	if sock != nil {
		sock.Sk = sk
	}
}

// Sock_error takes the pending error, negated (Linux sock_error).
func Sock_error(sk *Sock) int {
	if atomic.LoadInt32(&sk.Sk_err) == 0 {
		return 0
	}
	return -int(atomic.SwapInt32(&sk.Sk_err, 0))
}

// Sock_writeable: a quarter of the send buffer is free (Linux
// unix_writable's test).
func Sock_writeable(sk *Sock) bool { return atomic.LoadInt32(&sk.Sk_wmem_alloc)<<2 <= sk.Sk_sndbuf }

// Current_ucred is the calling process's pid and real ids, and
// Current_peercred its pid and effective ids (Linux task_tgid(current)
// with current_uid/current_gid for SCM_CREDENTIALS, current_cred's euid
// and egid for SO_PEERCRED). A hook: the host tests have no tasks.
var Current_ucred = sched_current_ucred

// Capable and Task_tgid_vnr: the caller's capability (Linux
// ns_capable) and thread-group id (task_tgid_vnr), through variables
// the host tests, which run with no task, replace.
var Capable = sched.Capable
var Task_tgid_vnr = sched_current_tgid

func sched_current_tgid() int32 { return sched.Get_current().Tgid }

var Current_peercred = sched_current_peercred

func sched_current_ucred() uapi.Ucred {
	t := sched.Get_current()
	return uapi.Ucred{Pid: t.Tgid, Uid: t.Cred.Uid, Gid: t.Cred.Gid}
}

func sched_current_peercred() uapi.Ucred {
	t := sched.Get_current()
	return uapi.Ucred{Pid: t.Tgid, Uid: t.Cred.Euid, Gid: t.Cred.Egid}
}

// Sk_buff is struct sk_buff, reduced to what a local socket needs: one
// message (a datagram, or a piece of a stream) in kernel memory, the
// sock it is charged to, and its control block (Linux UNIXCB: the
// sender's credentials and passed files).
type Sk_buff struct {
	Next     *Sk_buff
	Sk       *Sock // the owner: Truesize counts in its Sk_wmem_alloc
	Data     unsafe.Pointer
	Len      uint32
	Truesize uint32
	// End: the room at Data (skb->end): a message built in place
	// (netlink's replies) grows Len up to it.
	End uint32
	// Consumed: the bytes a stream reader has taken (UNIXCB.consumed).
	Consumed uint32
	// Cred: the sender's pid and ids (UNIXCB.pid, uid, gid).
	Cred uapi.Ucred
	// Fp: the files of an SCM_RIGHTS message (UNIXCB.fp), or nil.
	Fp *Scm_fp_list
	// Cb: the family's control block (Linux skb->cb): AF_INET keeps a
	// datagram's source address there.
	Cb [16]byte
}

// Bytes is the message.
func (skb *Sk_buff) Bytes() []byte { return unsafe.Slice((*byte)(skb.Data), skb.Len) }

// Sk_buff_head is struct sk_buff_head: a FIFO of messages.
type Sk_buff_head struct {
	Head, Tail *Sk_buff
	Qlen       uint32
}

// Skb_queue_tail appends skb (Linux __skb_queue_tail).
func Skb_queue_tail(q *Sk_buff_head, skb *Sk_buff) {
	skb.Next = nil
	if q.Tail == nil {
		q.Head = skb
	} else {
		q.Tail.Next = skb
	}
	q.Tail = skb
	q.Qlen++
}

// Skb_peek is the first message, or nil (Linux skb_peek).
func Skb_peek(q *Sk_buff_head) *Sk_buff { return q.Head }

// Skb_dequeue takes the first message, or nil (Linux __skb_dequeue).
func Skb_dequeue(q *Sk_buff_head) *Sk_buff {
	skb := q.Head
	if skb == nil {
		return nil
	}
	q.Head = skb.Next
	if q.Head == nil {
		q.Tail = nil
	}
	skb.Next = nil
	q.Qlen--
	return skb
}

var skbuff_head_cache slab.Cache[Sk_buff]

// Nr_skbs counts the messages alive (for tests and gk-sockets).
var Nr_skbs int64

// Sock_wmalloc makes a message of size bytes charged to sk (Linux
// sock_wmalloc / alloc_skb + skb_set_owner_w): nil when memory is short.
func Sock_wmalloc(sk *Sock, size int) *Sk_buff {
	skb := skbuff_head_cache.Zalloc(mm.GFP_KERNEL | mm.X__GFP_NOWARN)
	if skb == nil {
		return nil
	}
	skb.Data = mm.Kmalloc(uint64(size), mm.GFP_KERNEL|mm.X__GFP_NOWARN)
	if skb.Data == nil {
		skbuff_head_cache.Free(skb)
		return nil
	}
	skb.Len = uint32(size)
	skb.End = uint32(size)
	skb.Truesize = uint32(size) + uint32(unsafe.Sizeof(Sk_buff{}))
	if sk != nil {
		Sock_hold(sk)
		skb.Sk = sk
		atomic.AddInt32(&sk.Sk_wmem_alloc, int32(skb.Truesize))
	}
	atomic.AddInt64(&Nr_skbs, 1)
	return skb
}

// Kfree_skb frees a message (Linux kfree_skb → skb_release_head_state →
// the destructor: unix_destruct_scm's scm_destroy, then sock_wfree): its
// files' references go, its owner's send buffer has room again, and the
// owner's writers wake. It may release sockets (the passed files), so
// never call it with a family's lock held.
func Kfree_skb(skb *Sk_buff) {
	if skb == nil {
		return
	}
	if skb.Fp != nil {
		Scm_fp_destroy(skb.Fp)
		skb.Fp = nil
	}
	if sk := skb.Sk; sk != nil {
		atomic.AddInt32(&sk.Sk_wmem_alloc, -int32(skb.Truesize))
		sched.Wake_up_interruptible(&sk.Sk_wq)
		Sock_put(sk)
	}
	mm.Kfree(skb.Data)
	*skb = Sk_buff{}
	skbuff_head_cache.Free(skb)
	atomic.AddInt64(&Nr_skbs, -1)
}

// Skb_queue_purge frees every message of q (Linux skb_queue_purge).
func Skb_queue_purge(q *Sk_buff_head) {
	for skb := Skb_dequeue(q); skb != nil; skb = Skb_dequeue(q) {
		Kfree_skb(skb)
	}
}

// Sock_alloc_send_skb makes a message of size bytes for sk, sleeping
// while sk's send buffer is full (Linux sock_alloc_send_pskb): -EAGAIN
// without waiting or when SO_SNDTIMEO ran out, -EPIPE once sk is shut
// down for sending, -ERESTARTSYS (-EINTR under a timeout) on a signal,
// -ENOBUFS when memory is short.
func Sock_alloc_send_skb(sk *Sock, size int, nonblock bool) (*Sk_buff, int) {
	timeo := Sock_sndtimeo(sk, nonblock)
	for {
		if err := Sock_error(sk); err != 0 {
			return nil, err
		}
		if sk.Sk_shutdown&SEND_SHUTDOWN != 0 {
			return nil, -uapi.EPIPE
		}
		if atomic.LoadInt32(&sk.Sk_wmem_alloc) < sk.Sk_sndbuf {
			skb := Sock_wmalloc(sk, size)
			if skb == nil {
				return nil, -uapi.ENOBUFS
			}
			return skb, 0
		}
		err := Sock_wait(&sk.Sk_wq, &timeo, func() bool {
			return atomic.LoadInt32(&sk.Sk_wmem_alloc) < sk.Sk_sndbuf || sk.Sk_shutdown&SEND_SHUTDOWN != 0 || atomic.LoadInt32(&sk.Sk_err) != 0
		})
		if err != 0 {
			return nil, err
		}
	}
}

// Sock_setsockopt sets a SOL_SOCKET option (Linux sk_setsockopt): an
// int at optval.
func Sock_setsockopt(sock *Socket, optname int, optval uintptr, optlen int) int {
	sk := sock.Sk
	switch optname {
	case SO_RCVTIMEO_OLD, SO_RCVTIMEO_NEW:
		return sock_set_timeout(&sk.Sk_rcvtimeo, optval, optlen)
	case SO_SNDTIMEO_OLD, SO_SNDTIMEO_NEW:
		return sock_set_timeout(&sk.Sk_sndtimeo, optval, optlen)
	}
	if optlen < 4 {
		return -uapi.EINVAL
	}
	var val int32
	if fs.CopyObjFromUser(unsafe.Pointer(&val), optval, 4) != 0 {
		return -uapi.EFAULT
	}
	flag := func(f uint32) {
		if val != 0 {
			Sock_set_flag(sk, f)
		} else {
			Sock_reset_flag(sk, f)
		}
	}
	switch optname {
	case uapi.SO_REUSEADDR:
		flag(SOCK_REUSEADDR)
	case uapi.SO_KEEPALIVE:
		flag(SOCK_KEEPOPEN)
	case uapi.SO_PASSCRED:
		flag(SOCK_PASSCRED)
	case uapi.SO_BROADCAST:
		flag(SOCK_BROADCAST)
	case uapi.SO_OOBINLINE:
		flag(SOCK_URGINLINE)
	case uapi.SO_DONTROUTE:
		flag(SOCK_LOCALROUTE)
	case uapi.SO_REUSEPORT:
		if val != 0 && sk.Sk_family != uapi.AF_INET && sk.Sk_family != uapi.AF_INET6 {
			return -uapi.EOPNOTSUPP // Linux: setting it needs sk_is_inet
		}
		flag(SOCK_REUSEPORT)
	case uapi.SO_LINGER:
		return sock_set_linger(sk, optval, optlen)
	case uapi.SO_SNDBUF:
		// Linux doubles the value for its bookkeeping and reports the
		// doubled value back.
		v := min(uint32(val), SK_WMEM_MAX)
		sk.Sk_userlocks |= SOCK_SNDBUF_LOCK
		sk.Sk_sndbuf = max(int32(v*2), SOCK_MIN_SNDBUF)
		sched.Wake_up_interruptible(&sk.Sk_wq)
	case uapi.SO_RCVBUF:
		v := min(uint32(val), SK_RMEM_MAX)
		sk.Sk_userlocks |= SOCK_RCVBUF_LOCK
		sk.Sk_rcvbuf = max(int32(v*2), SOCK_MIN_RCVBUF)
	default:
		return -uapi.ENOPROTOOPT
	}
	return 0
}

// Sock_getsockopt reads a SOL_SOCKET option (Linux sk_getsockopt): the
// value at optval, its length at optlen, cut to what the caller gave.
func Sock_getsockopt(sock *Socket, optname int, optval, optlen uintptr) int {
	sk := sock.Sk
	var ulen int32
	if fs.CopyObjFromUser(unsafe.Pointer(&ulen), optlen, 4) != 0 {
		return -uapi.EFAULT
	}
	if ulen < 0 {
		return -uapi.EINVAL
	}
	var v int32
	var cred uapi.Ucred
	var tv [2]int64
	p, lv := unsafe.Pointer(&v), int32(4)
	b := func(f uint32) int32 {
		if Sock_flag(sk, f) {
			return 1
		}
		return 0
	}
	switch optname {
	case uapi.SO_TYPE:
		v = int32(sk.Sk_type)
	case uapi.SO_DOMAIN:
		v = int32(sk.Sk_family)
	case uapi.SO_PROTOCOL:
		v = int32(sk.Sk_protocol)
	case uapi.SO_ERROR:
		v = int32(-Sock_error(sk))
	case uapi.SO_REUSEADDR:
		v = b(SOCK_REUSEADDR)
	case uapi.SO_KEEPALIVE:
		v = b(SOCK_KEEPOPEN)
	case uapi.SO_PASSCRED:
		v = b(SOCK_PASSCRED)
	case uapi.SO_BROADCAST:
		v = b(SOCK_BROADCAST)
	case uapi.SO_OOBINLINE:
		v = b(SOCK_URGINLINE)
	case uapi.SO_DONTROUTE:
		v = b(SOCK_LOCALROUTE)
	case uapi.SO_REUSEPORT:
		v = b(SOCK_REUSEPORT)
	case uapi.SO_LINGER:
		tv = [2]int64{int64(b(SOCK_LINGER)) | (sk.Sk_lingertime/ktime.HZ)<<32}
		p, lv = unsafe.Pointer(&tv), 8
	case uapi.SO_SNDBUF:
		v = sk.Sk_sndbuf
	case uapi.SO_RCVBUF:
		v = sk.Sk_rcvbuf
	case uapi.SO_ACCEPTCONN:
		if sk.Sk_state == TCP_LISTEN {
			v = 1
		}
	case uapi.SO_PEERCRED:
		cred = sk.Sk_peer_cred
		p, lv = unsafe.Pointer(&cred), int32(unsafe.Sizeof(cred))
	case SO_RCVTIMEO_OLD, SO_RCVTIMEO_NEW:
		tv = sock_get_timeout(sk.Sk_rcvtimeo)
		p, lv = unsafe.Pointer(&tv), 16
	case SO_SNDTIMEO_OLD, SO_SNDTIMEO_NEW:
		tv = sock_get_timeout(sk.Sk_sndtimeo)
		p, lv = unsafe.Pointer(&tv), 16
	default:
		return -uapi.ENOPROTOOPT
	}
	ulen = min(ulen, lv)
	if fs.CopyObjToUser(optval, p, uintptr(ulen)) != 0 || fs.CopyObjToUser(optlen, unsafe.Pointer(&ulen), 4) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// sock_set_linger is SO_LINGER (Linux sk_setsockopt): struct linger
// { int l_onoff; int l_linger; }, a linger time in seconds.
func sock_set_linger(sk *Sock, optval uintptr, optlen int) int {
	var ling [2]int32
	if optlen < 8 {
		return -uapi.EINVAL
	}
	if fs.CopyObjFromUser(unsafe.Pointer(&ling), optval, 8) != 0 {
		return -uapi.EFAULT
	}
	if ling[0] == 0 {
		Sock_reset_flag(sk, SOCK_LINGER)
		return 0
	}
	// Linux caps at MAX_SCHEDULE_TIMEOUT/HZ seconds; an int fits.
	sk.Sk_lingertime = int64(uint32(ling[1])) * ktime.HZ
	Sock_set_flag(sk, SOCK_LINGER)
	return 0
}

// Sock_rcvtimeo and Sock_sndtimeo are how long a receive or a send may
// wait: 0 without blocking (Linux sock_rcvtimeo, sock_sndtimeo).
func Sock_rcvtimeo(sk *Sock, nonblock bool) int64 {
	if nonblock {
		return 0
	}
	return sk.Sk_rcvtimeo
}

func Sock_sndtimeo(sk *Sock, nonblock bool) int64 {
	if nonblock {
		return 0
	}
	return sk.Sk_sndtimeo
}

// Sock_wait sleeps on wq until cond() holds, for at most *timeo jiffies,
// and leaves in *timeo what is left (Linux sk_wait_event's loops with
// sock_intr_errno): 0; -EAGAIN when no time is left (at once for 0); on
// a signal -ERESTARTSYS without a timeout, -EINTR with one. cond must
// not escape.
func Sock_wait(wq *sched.Wait_queue_head, timeo *int64, cond func() bool) int {
	if *timeo == sched.MAX_SCHEDULE_TIMEOUT {
		return sched.Wait_event_interruptible(wq, cond)
	}
	if cond() {
		return 0
	}
	if *timeo <= 0 || !sched.Can_sleep() || sched.Hooks.Schedule_timeout == nil {
		return -uapi.EAGAIN
	}
	var wait sched.Wait_queue_entry
	ret := 0
	for {
		sched.Prepare_to_wait(wq, &wait, sched.TASK_INTERRUPTIBLE)
		if cond() {
			break
		}
		if sched.Signal_pending() {
			ret = -uapi.EINTR
			break
		}
		if *timeo <= 0 {
			ret = -uapi.EAGAIN
			break
		}
		*timeo = sched.Hooks.Schedule_timeout(*timeo)
	}
	sched.Finish_wait(wq, &wait)
	return ret
}

// sock_set_timeout turns SO_RCVTIMEO's or SO_SNDTIMEO's struct timeval
// into jiffies (Linux sock_set_timeout): 0 s 0 µs is no timeout, a
// negative time 0 (do not wait), microseconds out of range -EDOM.
func sock_set_timeout(timeo *int64, optval uintptr, optlen int) int {
	var tv [2]int64
	if optlen < 16 {
		return -uapi.EINVAL
	}
	if fs.CopyObjFromUser(unsafe.Pointer(&tv), optval, 16) != 0 {
		return -uapi.EFAULT
	}
	if tv[1] < 0 || tv[1] >= 1000000 {
		return -uapi.EDOM
	}
	switch {
	case tv[0] < 0:
		*timeo = 0
	case tv[0] == 0 && tv[1] == 0:
		*timeo = sched.MAX_SCHEDULE_TIMEOUT
	case tv[0] < sched.MAX_SCHEDULE_TIMEOUT/ktime.HZ-1:
		*timeo = tv[0]*ktime.HZ + (tv[1]+1000000/ktime.HZ-1)/(1000000/ktime.HZ)
	default:
		*timeo = sched.MAX_SCHEDULE_TIMEOUT
	}
	return 0
}

// sock_get_timeout is the inverse, as a struct timeval (Linux
// sock_get_timeout): no timeout reads 0 s 0 µs.
func sock_get_timeout(timeo int64) [2]int64 {
	if timeo == sched.MAX_SCHEDULE_TIMEOUT {
		return [2]int64{}
	}
	return [2]int64{timeo / ktime.HZ, (timeo % ktime.HZ) * 1000000 / ktime.HZ}
}
