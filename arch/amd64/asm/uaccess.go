//go:build amd64

package asm

import "unsafe"

// Kernel accesses that may fault, made safe by the exception table
// (uaccess_64.s, extable.go): the user-space accessors and the kernel's
// "nofault" reads and writes. Linux: arch/x86/include/asm/uaccess.h
// (access_ok, get_user, put_user, __get_user, __put_user),
// include/linux/uaccess.h (copy_from_user, copy_to_user), mm/maccess.c
// (copy_from_kernel_nofault, copy_to_kernel_nofault) and
// arch/x86/mm/maccess.c (copy_from_kernel_nofault_allowed). Seeds: 002
// "Kernel Exception Handling": the kernel does not check a user pointer
// page by page; it lets the MMU fault and resumes at the fixup, which
// returns -EFAULT.
//
// gokern has no user mode yet; these are what its system calls will use,
// and the int $0x80 selftest already does.

// The instructions that may fault and their fixups (uaccess_64.s): named
// only in the exception table, never called from Go.
func get_user_1_insn()
func get_user_2_insn()
func get_user_4_insn()
func get_user_8_insn()
func bad_get_user()
func put_user_1_insn()
func put_user_2_insn()
func put_user_4_insn()
func put_user_8_insn()
func bad_put_user()
func copy_user_insn()
func copy_user_fixup()

// The wrappers: err is 0 or -EFAULT, left the bytes not copied.
func x__get_user_1(addr uintptr) (val uint64, err int)
func x__get_user_2(addr uintptr) (val uint64, err int)
func x__get_user_4(addr uintptr) (val uint64, err int)
func x__get_user_8(addr uintptr) (val uint64, err int)
func x__put_user_1(val uint64, addr uintptr) (err int)
func x__put_user_2(val uint64, addr uintptr) (err int)
func x__put_user_4(val uint64, addr uintptr) (err int)
func x__put_user_8(val uint64, addr uintptr) (err int)
func copy_user_generic(dst, src, n uintptr) (left uintptr)

// Uaccess_int is what get_user and put_user move: one integer of 1, 2, 4
// or 8 bytes (Linux's macros take the size from the pointer's type).
type Uaccess_int interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64 | ~int | ~uint | ~uintptr
}

// Access_ok reports whether [addr, addr+size) lies in user space, below
// TASK_SIZE_MAX (Linux access_ok). The check is all a user pointer gets:
// whether it is mapped is left to the MMU and the exception table.
func Access_ok(addr, size uintptr) bool {
	return size <= TASK_SIZE_MAX && addr <= TASK_SIZE_MAX-size
}

// X__get_user reads *ptr without checking ptr (Linux __get_user): 0, or
// -EFAULT and a zero value if the read faults.
func X__get_user[T Uaccess_int](ptr uintptr) (T, int) {
	var v uint64
	var err int
	switch unsafe.Sizeof(T(0)) {
	case 1:
		v, err = x__get_user_1(ptr)
	case 2:
		v, err = x__get_user_2(ptr)
	case 4:
		v, err = x__get_user_4(ptr)
	default:
		v, err = x__get_user_8(ptr)
	}
	return T(v), err
}

// X__put_user writes *ptr = v without checking ptr (Linux __put_user).
func X__put_user[T Uaccess_int](v T, ptr uintptr) int {
	switch unsafe.Sizeof(v) {
	case 1:
		return x__put_user_1(uint64(v), ptr)
	case 2:
		return x__put_user_2(uint64(v), ptr)
	case 4:
		return x__put_user_4(uint64(v), ptr)
	}
	return x__put_user_8(uint64(v), ptr)
}

// Get_user reads a user-space integer (Linux get_user): -EFAULT for a
// pointer outside user space, or if the read faults.
func Get_user[T Uaccess_int](ptr uintptr) (T, int) {
	if !Access_ok(ptr, unsafe.Sizeof(T(0))) {
		return 0, -EFAULT
	}
	return X__get_user[T](ptr)
}

// Put_user writes a user-space integer (Linux put_user).
func Put_user[T Uaccess_int](v T, ptr uintptr) int {
	if !Access_ok(ptr, unsafe.Sizeof(v)) {
		return -EFAULT
	}
	return X__put_user(v, ptr)
}

// Copy_from_user copies n bytes from user space at from to the kernel at
// to and returns how many it could not copy; those are zeroed in the
// destination, so that no stale kernel data is used as if it came from
// the user (Linux _copy_from_user).
func Copy_from_user(to, from, n uintptr) uintptr {
	left := n
	if Access_ok(from, n) {
		left = copy_user_generic(to, from, n)
	}
	if left != 0 {
		clear(unsafe.Slice((*byte)(KernelPtr(to+n-left)), left))
	}
	return left
}

// Copy_to_user copies n bytes from the kernel to user space and returns
// how many it could not copy (Linux _copy_to_user).
func Copy_to_user(to, from, n uintptr) uintptr {
	if !Access_ok(to, n) {
		return n
	}
	return copy_user_generic(to, from, n)
}

// Strncpy_from_user copies a NUL-terminated string from user space at
// src into dst (Linux strncpy_from_user): the string's length without
// its NUL when one came within len(dst) bytes (dst holds it, NUL
// included), len(dst) when none did (the string is too long and dst is
// not terminated), or -EFAULT for a bad pointer. Byte by byte through
// the exception table: Linux reads a word at a time, which needs
// care at the end of a mapping; a path name is short.
func Strncpy_from_user(dst []byte, src uintptr) int {
	for i := range dst {
		c, err := Get_user[uint8](src + uintptr(i))
		if err != 0 {
			return -EFAULT
		}
		dst[i] = c
		if c == 0 {
			return i
		}
	}
	return len(dst)
}

// Copy_from_kernel_nofault_allowed refuses user-space and non-canonical
// addresses before any access (Linux x86 copy_from_kernel_nofault_allowed:
// a user address would be read with the user's permissions, a
// non-canonical one raises #GP instead of #PF).
func Copy_from_kernel_nofault_allowed(src, size uintptr) bool {
	return src >= TASK_SIZE_MAX+PAGE_SIZE && Is_canonical_address(src) && src+size >= src
}

// Copy_from_kernel_nofault copies size bytes of kernel memory that may be
// unmapped: 0, or -EFAULT if any byte could not be read (Linux
// copy_from_kernel_nofault). The oops uses it for the Code: bytes and
// the page-table walk.
func Copy_from_kernel_nofault(dst, src, size uintptr) int {
	if !Copy_from_kernel_nofault_allowed(src, size) {
		return -EFAULT
	}
	if copy_user_generic(dst, src, size) != 0 {
		return -EFAULT
	}
	return 0
}

// Copy_to_kernel_nofault writes size bytes to kernel memory that may be
// unmapped or read-only: 0 or -EFAULT (Linux copy_to_kernel_nofault).
func Copy_to_kernel_nofault(dst, src, size uintptr) int {
	if !Copy_from_kernel_nofault_allowed(dst, size) {
		return -EFAULT
	}
	if copy_user_generic(dst, src, size) != 0 {
		return -EFAULT
	}
	return 0
}

// Get_kernel_nofault reads one integer of kernel memory that may be
// unmapped (Linux get_kernel_nofault).
func Get_kernel_nofault[T Uaccess_int](ptr uintptr) (T, int) {
	if !Copy_from_kernel_nofault_allowed(ptr, unsafe.Sizeof(T(0))) {
		return 0, -EFAULT
	}
	return X__get_user[T](ptr)
}
