package zlib_inflate

import "gokern/lib/crc32"

// gzip members (RFC 1952). Linux: lib/decompress_inflate.c __gunzip,
// which initramfs calls for data that starts 1f 8b. Linux reads the
// header's FNAME only and skips the trailer unchecked; gokern reads every
// optional header field and checks the trailer's CRC-32 and length, so a
// damaged archive is reported instead of unpacked wrong.

// Header flags (RFC 1952 §2.3.1).
const (
	FTEXT     = 1 << 0
	FHCRC     = 1 << 1
	FEXTRA    = 1 << 2
	FNAME     = 1 << 3
	FCOMMENT  = 1 << 4
	freserved = 0xe0
)

// Gunzip decompresses the gzip member at the start of in, giving its
// output to flush in order (Linux gunzip). It returns the bytes the member
// took, trailer included (Linux's *pos), and "" or the reason it failed.
// A member is complete only when its CRC-32 and length match the trailer.
func (s *InflateState) Gunzip(in []byte, flush func([]byte) bool) (int, string) {
	hdr, err := gzipHeader(in)
	if err != Z_OK {
		return hdr, err
	}
	n, err := s.Zlib_inflate(in[hdr:], flush)
	n += hdr
	if err != Z_OK {
		return n, err
	}
	if len(in)-n < 8 {
		return len(in), errTruncated
	}
	t := in[n : n+8]
	if le32(t) != s.Crc {
		return n + 8, errGzipCrc
	}
	if le32(t[4:]) != uint32(s.Total) {
		return n + 8, errGzipLength
	}
	return n + 8, Z_OK
}

// gzipHeader returns the length of the member header at the start of in.
func gzipHeader(in []byte) (int, string) {
	if len(in) < 10 || in[0] != 0x1f || in[1] != 0x8b {
		return 0, errGzipMagic
	}
	if in[2] != 8 {
		return 0, errGzipMethod
	}
	flg := in[3]
	if flg&freserved != 0 {
		return 0, errGzipFlags
	}
	n := 10
	if flg&FEXTRA != 0 {
		if len(in) < n+2 {
			return len(in), errGzipHeaderLength
		}
		n += 2 + (int(in[n]) | int(in[n+1])<<8)
	}
	for _, f := range [2]byte{FNAME, FCOMMENT} {
		if flg&f == 0 {
			continue
		}
		for n < len(in) && in[n] != 0 {
			n++
		}
		n++ // the zero
	}
	if flg&FHCRC != 0 {
		if n+2 <= len(in) && uint16(crc32.Crc32_le(0, in[:n])) != uint16(in[n])|uint16(in[n+1])<<8 {
			return n + 2, errGzipHeaderCrc
		}
		n += 2
	}
	if n > len(in) {
		return len(in), errGzipHeaderLength
	}
	return n, Z_OK
}

// le32 reads a little-endian word.
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
