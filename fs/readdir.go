package fs

import (
	"gokern/include/compiler"
	"unsafe"

	"gokern/include/uapi"
)

// Reading directories. Linux: fs/readdir.c (iterate_dir, filldir64,
// getdents64), include/linux/fs.h (struct dir_context, dir_emit,
// dir_emit_dots).

// Filldir_t is a directory entry's consumer: false stops the listing
// (Linux filldir_t).
type Filldir_t func(ctx *Dir_context, name []byte, offset int64, ino uint64, d_type uint32) bool

// Dir_context is struct dir_context: where a listing is, and who takes
// its entries.
type Dir_context struct {
	Actor Filldir_t
	Pos   int64
}

// Dir_emit gives one entry to the consumer (Linux dir_emit).
func Dir_emit(ctx *Dir_context, name []byte, ino uint64, d_type uint32) bool {
	return ctx.Actor(compiler.Noescape(ctx), compiler.NoescapeBytes(name), ctx.Pos, ino, d_type)
}

// Dir_emit_dots gives "." and ".." for positions 0 and 1 (Linux
// dir_emit_dots).
func Dir_emit_dots(f *File, ctx *Dir_context) bool {
	d := f.F_path.Dentry
	if ctx.Pos == 0 {
		if !Dir_emit(ctx, dot[:1], d.D_inode.I_ino, uapi.DT_DIR) {
			return false
		}
		ctx.Pos = 1
	}
	if ctx.Pos == 1 {
		if !Dir_emit(ctx, dot[:2], parent_ino(d), uapi.DT_DIR) {
			return false
		}
		ctx.Pos = 2
	}
	return true
}

var dot = [2]byte{'.', '.'}

// parent_ino is the inode number of d's parent (Linux parent_ino).
func parent_ino(d *Dentry) uint64 { return d.D_parent.D_inode.I_ino }

// Dt_type is the d_type of a mode (Linux fs_umode_to_dtype).
func Dt_type(mode uint32) uint32 { return (mode >> 12) & 15 }

// Iterate_dir lists f from its position (Linux iterate_dir).
func Iterate_dir(f *File, ctx *Dir_context) int {
	inode := f.F_inode
	if f.F_op == nil || f.F_op.Iterate_shared == nil {
		return -ENOTDIR
	}
	if IS_DEADDIR(inode) {
		return -ENOENT
	}
	ctx.Pos = f.F_pos
	err := f.F_op.Iterate_shared(f, compiler.Noescape(ctx))
	f.F_pos = ctx.Pos
	return err
}

// getdents_callback64 is getdents64's consumer state (Linux struct
// getdents_callback64).
type getdents_callback64 struct {
	ctx   Dir_context
	out   *Iov_iter
	count int
	err   int
}

// filldir64 writes one struct linux_dirent64 (Linux filldir64): the
// fixed part, the name, a NUL, padding to 8 bytes.
func filldir64(ctx *Dir_context, name []byte, offset int64, ino uint64, d_type uint32) bool {
	buf := (*getdents_callback64)(unsafe.Pointer(ctx))
	reclen := (uapi.Linux_dirent64_name + len(name) + 1 + 7) &^ 7
	if reclen > buf.out.Count() {
		buf.err = -EINVAL // the buffer is too small for even this entry
		return false
	}
	var rec [uapi.Linux_dirent64_name + uapi.NAME_MAX + 1 + 7]byte
	h := (*uapi.Linux_dirent64)(unsafe.Pointer(&rec[0]))
	h.D_ino = ino
	h.D_off = offset + 1 // where the next entry starts (Linux: ctx->pos after this one)
	h.D_reclen = uint16(reclen)
	h.D_type = uint8(d_type)
	copy(rec[uapi.Linux_dirent64_name:], name)
	if buf.out.Copy_to_iter(rec[:reclen]) != reclen {
		buf.err = -EFAULT
		return false
	}
	buf.count += reclen
	return true
}

// Ksys_getdents64 is getdents64(2): as many entries as fit in out, or 0
// at the end (Linux ksys_getdents64).
func Ksys_getdents64(fd int, out *Iov_iter) int {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := ksys_getdents64_body(f, out)
	Fput(f)
	return ret
}

// ksys_getdents64_body is the rest of Ksys_getdents64, run while Ksys_getdents64 holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func ksys_getdents64_body(f *File, out *Iov_iter) int {
	if f.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	buf := getdents_callback64{ctx: Dir_context{Actor: filldir64}, out: out}
	err := Iterate_dir(f, &buf.ctx)
	if buf.count > 0 {
		// Entries went out: the error (a full buffer) is for the next call.
		return buf.count
	}
	if err != 0 {
		return err
	}
	return buf.err
}
