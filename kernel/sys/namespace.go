package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/mm"
)

// mount(source, target, filesystemtype, mountflags, data) and
// umount2(target, flags). Linux: fs/namespace.c: the type and source are
// copied in first (copy_mount_string: NULL stays NULL), then a page of
// data (copy_mount_options: what can be read of it), then the target is
// looked up. gokern mounts proc, tmpfs and ramfs (fs.Do_mount).

func sys_mount(r *asm.PtRegs) int64 {
	fstype, tp, err := copy_mount_string(uintptr(a3(r)))
	if err != 0 {
		return int64(err)
	}
	dev, dp, err := copy_mount_string(uintptr(a1(r)))
	if err != 0 {
		Putname(tp)
		return int64(err)
	}
	data, datap, err := copy_mount_options(uintptr(a5(r)))
	if err == 0 {
		flags := uint32(a4(r))
		ret := with_name(uintptr(a2(r)), func(dir []byte) int { return fs.Do_mount(dev, dir, fstype, flags, data) })
		err = int(ret)
	}
	if datap != nil {
		mm.Kfree(datap)
	}
	Putname(dp)
	Putname(tp)
	return int64(err)
}

// copy_mount_string: a NULL pointer is no string (Linux).
func copy_mount_string(user uintptr) ([]byte, unsafe.Pointer, int) {
	if user == 0 {
		return nil, nil, 0
	}
	return getname_flags(user, true)
}

// copy_mount_options copies up to a page of options (Linux: a fault
// ends the copy where it happens; only a fault at the first byte is
// -EFAULT). The options are text: they end at the first NUL.
func copy_mount_options(user uintptr) ([]byte, unsafe.Pointer, int) {
	if user == 0 {
		return nil, nil, 0
	}
	p := mm.Kmalloc(asm.PAGE_SIZE, mm.GFP_KERNEL)
	if p == nil {
		return nil, nil, -asm.ENOMEM
	}
	buf := unsafe.Slice((*byte)(p), asm.PAGE_SIZE)
	// Up to the end of user's page first, then the next page: a buffer
	// that ends at an unmapped page is still its options.
	first := int(asm.PAGE_SIZE - user%asm.PAGE_SIZE)
	n := first - int(asm.Copy_from_user(uintptr(p), user, uintptr(first)))
	if n == 0 {
		mm.Kfree(p)
		return nil, nil, -asm.EFAULT
	}
	if n == first && first < len(buf) {
		n += len(buf) - first - int(asm.Copy_from_user(uintptr(p)+uintptr(first), user+uintptr(first), uintptr(len(buf)-first)))
	}
	end := 0
	for end < n && buf[end] != 0 {
		end++
	}
	return buf[:end], p, 0
}

func sys_umount(r *asm.PtRegs) int64 {
	flags := int2(r)
	return with_name(uintptr(a1(r)), func(n []byte) int { return fs.Ksys_umount(n, flags) })
}
