package cmdline

// Parse errors. A plain integer type so that kernel code can return and
// print them without the Go heap.
type Error uint8

const (
	OK          Error = iota
	ErrEmpty          // no digits
	ErrSyntax         // a character that does not belong
	ErrOverflow       // the value does not fit in 64 bits
)

func (e Error) String() string {
	switch e {
	case OK:
		return "ok"
	case ErrEmpty:
		return "no number"
	case ErrSyntax:
		return "invalid character"
	case ErrOverflow:
		return "number too large"
	}
	return "unknown error"
}

// Simple_strtoull parses an unsigned number at the start of s in base 10, or 16
// with a 0x prefix, or 8 with a leading 0 (Linux simple_strtoull with base
// 0). It returns the value and the unparsed rest.
func Simple_strtoull(s []byte) (v uint64, rest []byte, err Error) {
	base := uint64(10)
	i := 0
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, i = 16, 2
	} else if len(s) >= 2 && s[0] == '0' && s[1] >= '0' && s[1] <= '7' {
		base, i = 8, 1
	}
	start := i
	for ; i < len(s); i++ {
		c := s[i]
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			d = 99
		}
		if d >= base {
			break
		}
		if v > (^uint64(0)-d)/base {
			return 0, s[i:], ErrOverflow
		}
		v = v*base + d
	}
	if i == start {
		if base == 16 {
			return 0, s[start:], ErrSyntax
		}
		return 0, s, ErrEmpty
	}
	return v, s[i:], OK
}

// Memparse parses a size with an optional K, M, G, T, P or E suffix (powers
// of 1024), Linux lib/cmdline.c memparse. It returns the rest after the
// suffix so callers can go on parsing "nn[KMG]@ss".
func Memparse(s []byte) (v uint64, rest []byte, err Error) {
	v, rest, err = Simple_strtoull(s)
	if err != OK {
		return 0, rest, err
	}
	shift := uint(0)
	if len(rest) > 0 {
		switch rest[0] {
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		case 't', 'T':
			shift = 40
		case 'p', 'P':
			shift = 50
		case 'e', 'E':
			shift = 60
		}
		if shift != 0 {
			rest = rest[1:]
		}
	}
	if shift != 0 && v > (^uint64(0))>>shift {
		return 0, rest, ErrOverflow
	}
	return v << shift, rest, OK
}

// Kstrtoll parses a whole word as a decimal (or 0x hex) integer that may be
// negative; anything after the number is a syntax error. Used for options
// like loglevel=.
func Kstrtoll(s []byte) (int64, Error) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	v, rest, err := Simple_strtoull(s)
	if err != OK {
		return 0, err
	}
	if len(rest) != 0 {
		return 0, ErrSyntax
	}
	if v > 1<<63 || (!neg && v == 1<<63) {
		return 0, ErrOverflow
	}
	if neg {
		return -int64(v), OK
	}
	return int64(v), OK
}
