package fs

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/compiler"
	"gokern/mm"
)

// Where read and write move bytes: a kernel buffer or a user address
// range. Linux: lib/iov_iter.c (struct iov_iter with ITER_KVEC and
// ITER_UBUF, copy_to_iter, copy_from_iter) and the uaccess functions
// (copy_to_user, copy_from_user), which belong to the system call layer:
// it sets Uaccess, with its exception-table fixups, when user mode comes.

// Uaccess are the user-copy primitives. Each returns the number of bytes
// NOT copied, as Linux's copy_to_user does (0: all copied). Nil until the
// system call layer sets them: a user iterator then copies nothing, and
// the VFS call returns -EFAULT.
var Uaccess struct {
	Copy_to_user   func(to uintptr, from []byte) int
	Copy_from_user func(to []byte, from uintptr) int
}

// Uaccess_init points Uaccess at the architecture's copy_to_user and
// copy_from_user (asm.Copy_to_user, asm.Copy_from_user: access_ok, then
// the copy with its exception-table fixup), which is what the kernel
// uses from boot on; the host tests set their own.
func Uaccess_init() {
	Uaccess.Copy_to_user = archCopyToUser
	Uaccess.Copy_from_user = archCopyFromUser
}

func archCopyToUser(to uintptr, from []byte) int {
	if len(from) == 0 {
		return 0
	}
	return int(asm.Copy_to_user(to, uintptr(unsafe.Pointer(unsafe.SliceData(from))), uintptr(len(from))))
}

func archCopyFromUser(to []byte, from uintptr) int {
	if len(to) == 0 {
		return 0
	}
	return int(asm.Copy_from_user(uintptr(unsafe.Pointer(unsafe.SliceData(to))), from, uintptr(len(to))))
}

// Iov_iter is one buffer being read into or written from.
type Iov_iter struct {
	kbuf  []byte  // ITER_KVEC: the rest of a kernel buffer
	ubuf  uintptr // ITER_UBUF, ITER_IOVEC: the next user address
	seg   int     // bytes left at ubuf before the next segment
	segs  []Iovec // ITER_IOVEC: the segments after this one
	count int     // bytes left
	user  bool
}

// Iovec is struct iovec (include/uapi/linux/uio.h): one segment of
// readv and writev.
type Iovec struct {
	Base uintptr
	Len  uint64
}

// UIO_MAXIOV: the most segments one readv or writev takes (Linux).
const UIO_MAXIOV = 1024

// Iov_iter_kvec makes an iterator over a kernel buffer (Linux
// iov_iter_kvec with one kvec).
func Iov_iter_kvec(buf []byte) Iov_iter { return Iov_iter{kbuf: buf, count: len(buf)} }

// Iov_iter_ubuf makes an iterator over count bytes of user memory at
// addr (Linux import_ubuf).
func Iov_iter_ubuf(addr uintptr, count int) Iov_iter {
	return Iov_iter{ubuf: addr, seg: count, count: count, user: true}
}

// Iov_iter_iovec makes an iterator over user segments, count bytes in
// all (Linux import_iovec's ITER_IOVEC): iov is the kernel's copy of the
// array, which must outlive the iterator.
func Iov_iter_iovec(iov []Iovec, count int) Iov_iter {
	return Iov_iter{segs: iov, count: count, user: true}
}

// copy_user moves b to (to) or from the user segments, segment by
// segment: the bytes moved, short at a fault.
func (i *Iov_iter) copy_user(b []byte, to bool) int {
	done := 0
	for done < len(b) {
		for i.seg == 0 && len(i.segs) > 0 {
			i.ubuf, i.seg, i.segs = i.segs[0].Base, int(i.segs[0].Len), i.segs[1:]
		}
		if i.seg == 0 {
			break
		}
		c := min(len(b)-done, i.seg)
		left := 0
		switch {
		case to && Uaccess.Copy_to_user != nil:
			left = Uaccess.Copy_to_user(i.ubuf, compiler.NoescapeBytes(b[done:done+c]))
		case !to && Uaccess.Copy_from_user != nil:
			left = Uaccess.Copy_from_user(compiler.NoescapeBytes(b[done:done+c]), i.ubuf)
		default:
			left = c
		}
		c -= left
		i.ubuf += uintptr(c)
		i.seg -= c
		i.count -= c
		done += c
		if left != 0 {
			break
		}
	}
	return done
}

// Count is the bytes left (Linux iov_iter_count).
func (i *Iov_iter) Count() int { return i.count }

// Copy_to_iter copies from src into the iterator: the bytes copied
// (short on a user fault or when the iterator is full).
func (i *Iov_iter) Copy_to_iter(src []byte) int {
	n := min(len(src), i.count)
	if n == 0 {
		return 0
	}
	if !i.user {
		copy(i.kbuf, src[:n])
		i.kbuf = i.kbuf[n:]
		i.count -= n
		return n
	}
	return i.copy_user(src[:n], true)
}

// Copy_from_iter copies from the iterator into dst: the bytes copied.
func (i *Iov_iter) Copy_from_iter(dst []byte) int {
	n := min(len(dst), i.count)
	if n == 0 {
		return 0
	}
	if !i.user {
		copy(dst, i.kbuf[:n])
		i.kbuf = i.kbuf[n:]
		i.count -= n
		return n
	}
	return i.copy_user(dst[:n], false)
}

// Iov_iter_zero writes n zero bytes (Linux iov_iter_zero): /dev/zero
// and holes in files.
func (i *Iov_iter) Iov_iter_zero(n int) int {
	var zero [256]byte
	done := 0
	for done < n {
		c := i.Copy_to_iter(zero[:min(n-done, len(zero))])
		done += c
		if c == 0 {
			break
		}
	}
	return done
}

// Iov_iter_advance skips n bytes (Linux iov_iter_advance): /dev/null.
func (i *Iov_iter) Iov_iter_advance(n int) {
	n = min(n, i.count)
	if !i.user {
		i.kbuf = i.kbuf[n:]
		i.count -= n
		return
	}
	for n > 0 {
		for i.seg == 0 && len(i.segs) > 0 {
			i.ubuf, i.seg, i.segs = i.segs[0].Base, int(i.segs[0].Len), i.segs[1:]
		}
		c := min(n, i.seg)
		if c == 0 {
			break
		}
		i.ubuf += uintptr(c)
		i.seg -= c
		i.count -= c
		n -= c
	}
}

// CopyObjToUser copies the object at p (size bytes) to the user
// address to, for ioctls: 0 or -EFAULT.
func CopyObjToUser(to uintptr, p unsafe.Pointer, size uintptr) int {
	if Uaccess.Copy_to_user == nil || Uaccess.Copy_to_user(to, compiler.NoescapeBytes(unsafe.Slice((*byte)(p), size))) != 0 {
		return -EFAULT
	}
	return 0
}

// CopyObjFromUser copies size bytes at the user address from into the
// object at p: 0 or -EFAULT.
func CopyObjFromUser(p unsafe.Pointer, from uintptr, size uintptr) int {
	if Uaccess.Copy_from_user == nil || Uaccess.Copy_from_user(compiler.NoescapeBytes(unsafe.Slice((*byte)(p), size)), from) != 0 {
		return -EFAULT
	}
	return 0
}

// Import_iovec copies the user's iovec array in (Linux import_iovec):
// the iterator over its segments, the kmalloc'd copy to free, or
// -EINVAL for more than UIO_MAXIOV segments or a negative total,
// -EFAULT. The total is capped at MAX_RW_COUNT as Linux does, by
// shortening the segment that crosses it.
func Import_iovec(uvec uintptr, nr uint64) (Iov_iter, unsafe.Pointer, int) {
	if nr > UIO_MAXIOV {
		return Iov_iter{}, nil, -EINVAL
	}
	if nr == 0 {
		return Iov_iter_iovec(nil, 0), nil, 0
	}
	size := uintptr(nr) * unsafe.Sizeof(Iovec{})
	p := mm.Kmalloc(uint64(size), mm.GFP_KERNEL|mm.X__GFP_NOWARN)
	if p == nil {
		return Iov_iter{}, nil, -ENOMEM
	}
	iov := unsafe.Slice((*Iovec)(p), nr)
	if err := CopyObjFromUser(p, uvec, size); err != 0 {
		mm.Kfree(p)
		return Iov_iter{}, nil, err
	}
	total := uint64(0)
	for i := range iov {
		if int64(iov[i].Len) < 0 {
			mm.Kfree(p)
			return Iov_iter{}, nil, -EINVAL
		}
		if iov[i].Len > MAX_RW_COUNT-total {
			iov[i].Len = MAX_RW_COUNT - total
		}
		total += iov[i].Len
	}
	return Iov_iter_iovec(iov, int(total)), p, 0
}
