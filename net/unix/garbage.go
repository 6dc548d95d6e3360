package unix

import (
	"sync/atomic"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/net"
)

// The garbage collector of sockets in flight. Linux: net/unix/garbage.c
// (unix_gc, before its 6.10 rewrite into strongly connected components:
// scan_children, dec_inflight, inc_inflight_move_tail). A socket whose
// descriptor travels in an SCM_RIGHTS message is held by that message;
// if the message sits on the queue of a socket that is itself held only
// by messages — its own queue, or a ring of sockets passing each other —
// no close will ever free them. unix_gc finds such sockets: the
// candidates are sockets whose every file reference is in flight; a
// candidate is reachable if some reference to it is not in a candidate's
// queue, or it is in the queue of a reachable one; the messages with
// files on the queues of the unreachable ones are freed, which drops the
// references that kept the ring alive.
//
// gokern runs it when a unix socket is released and when a descriptor of
// one is closed (the socket file's flush): Linux runs it from a work
// queue that every unix_release_sock schedules, which in practice comes
// after the last close. An embryo (a connection not yet accepted) is not
// followed through its listener, so a ring that passes through one is
// not found.

// gc_in_progress: a collection is running (its frees release sockets,
// which would start another).
var gc_in_progress uint32

// Unix_gc_collected counts the messages the collector freed.
var Unix_gc_collected int64

// unix_get_socket is the AF_UNIX sock of f, or nil (Linux
// unix_get_socket).
func unix_get_socket(f *fs.File) *Unix_sock {
	sock := net.Sock_from_file(f)
	if sock == nil || sock.Ops == nil || sock.Ops.Family != uapi.AF_UNIX || sock.Sk == nil {
		return nil
	}
	return unix_sk(sock.Sk)
}

// for_each_child calls fn with the AF_UNIX sock of every file in flight
// on u's receive queue, the lock held (Linux scan_children).
func for_each_child(u *Unix_sock, fn func(c *Unix_sock)) {
	for skb := u.Sk.Sk_receive_queue.Head; skb != nil; skb = skb.Next {
		if skb.Fp == nil {
			continue
		}
		for i := int32(0); i < skb.Fp.Count; i++ {
			if c := unix_get_socket(skb.Fp.Fp[i]); c != nil {
				fn(c)
			}
		}
	}
}

// unix_gc collects the unreachable sockets in flight (Linux unix_gc).
// closing, if not nil, is a file whose descriptor is being closed: its
// count still holds that descriptor's reference, which is about to go.
func unix_gc(closing *fs.File) {
	if atomic.LoadInt64(&net.Nr_inflight) == 0 || !atomic.CompareAndSwapUint32(&gc_in_progress, 0, 1) {
		return
	}
	var hitlist net.Sk_buff_head
	unix_lock()
	// The references in flight to each socket.
	for s := unix_table; s != nil; s = s.Next {
		s.Gc_refs, s.Gc_flags = 0, 0
	}
	for s := unix_table; s != nil; s = s.Next {
		for_each_child(s, func(c *Unix_sock) { c.Gc_refs++ })
	}
	// Candidates: every reference in flight. Their Gc_refs become the
	// references from outside the candidates' queues.
	for s := unix_table; s != nil; s = s.Next {
		if s.Gc_refs == 0 || s.Sk.Sk_socket == nil || s.Sk.Sk_socket.File == nil {
			continue
		}
		f := s.Sk.Sk_socket.File
		count := atomic.LoadInt64(&f.F_count)
		if f == closing {
			count--
		}
		if count == s.Gc_refs {
			s.Gc_flags = gc_candidate
			s.Gc_refs = count
		}
	}
	for s := unix_table; s != nil; s = s.Next {
		if s.Gc_flags&gc_candidate != 0 {
			for_each_child(s, func(c *Unix_sock) {
				if c.Gc_flags&gc_candidate != 0 {
					c.Gc_refs--
				}
			})
		}
	}
	// Reachable: referenced from outside, or from a reachable one.
	for changed := true; changed; {
		changed = false
		for s := unix_table; s != nil; s = s.Next {
			if s.Gc_flags&gc_candidate == 0 || s.Gc_flags&gc_reachable != 0 || s.Gc_refs == 0 {
				continue
			}
			s.Gc_flags |= gc_reachable
			changed = true
			for_each_child(s, func(c *Unix_sock) {
				if c.Gc_flags&gc_candidate != 0 && c.Gc_refs == 0 {
					c.Gc_refs = 1 // reached: the loop marks it and its children
				}
			})
		}
	}
	// The rest is garbage: the messages with files on their queues go.
	for s := unix_table; s != nil; s = s.Next {
		if s.Gc_flags&gc_candidate == 0 || s.Gc_flags&gc_reachable != 0 {
			continue
		}
		q := &s.Sk.Sk_receive_queue
		var keep net.Sk_buff_head
		for skb := net.Skb_dequeue(q); skb != nil; skb = net.Skb_dequeue(q) {
			if skb.Fp != nil {
				net.Skb_queue_tail(&hitlist, skb)
			} else {
				net.Skb_queue_tail(&keep, skb)
			}
		}
		*q = keep
	}
	unix_unlock()
	atomic.AddInt64(&Unix_gc_collected, int64(hitlist.Qlen))
	net.Skb_queue_purge(&hitlist)
	atomic.StoreUint32(&gc_in_progress, 0)
}

// Gc_flags bits.
const (
	gc_candidate = 1 << 0
	gc_reachable = 1 << 1
)

// unix_flush runs the collector when a descriptor of an AF_UNIX socket
// is closed while descriptors are in flight.
func unix_flush(sock *net.Socket) { unix_gc(sock.File) }
