package paging

// The builder's errors.
//
// Linux: the errno values its page-table code returns
// (include/uapi/asm-generic/errno-base.h: -EINVAL, -ENOMEM, -EFAULT, -EBUSY).

// Error is the result of the builder's operations. It is a small integer,
// like Linux's -ENOMEM, -EINVAL, -EFAULT: an error made with errors.New
// would be a heap object, and a package-level errors.New variable would
// need an init function, which the kernel never runs.
type Error uint8

const (
	// OK: no error (the zero value).
	OK Error = iota
	// ErrAlign: an address or size is not a multiple of 4 KiB, or a page
	// allocator returned an unaligned page. Linux: -EINVAL.
	ErrAlign
	// ErrRange: the virtual range is not canonical or wraps, or the
	// physical range goes past 52 bits. Linux: -EINVAL.
	ErrRange
	// ErrProt: the protection lacks PRESENT, has address bits, or has bit 7
	// (PAT in 4 KiB form; the builder sets PSE itself). Linux: -EINVAL.
	ErrProt
	// ErrConflict: part of the range is already mapped differently (another
	// frame or other flags). Nothing was changed. Linux: -EBUSY.
	ErrConflict
	// ErrNoMem: the page allocator ran out of pages for tables.
	// Linux: -ENOMEM.
	ErrNoMem
	// ErrNotMapped: part of the range is not mapped. Linux: -EFAULT.
	ErrNotMapped
	// ErrLargePage: a 4 KiB operation hit a 2 MiB or 1 GiB page; split it
	// first with Protect. Linux: -EINVAL.
	ErrLargePage
)

// String names the error. It returns static strings only, so it is safe
// in the kernel.
func (e Error) String() string {
	switch e {
	case OK:
		return "ok"
	case ErrAlign:
		return "paging: address or size not page aligned"
	case ErrRange:
		return "paging: address range not canonical or out of range"
	case ErrProt:
		return "paging: invalid protection"
	case ErrConflict:
		return "paging: range already mapped differently"
	case ErrNoMem:
		return "paging: out of page-table pages"
	case ErrNotMapped:
		return "paging: address not mapped"
	case ErrLargePage:
		return "paging: address mapped by a large page"
	}
	return "paging: unknown error"
}

// Error makes Error usable as a Go error in host code and tests.
func (e Error) Error() string { return e.String() }
