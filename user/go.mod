// The Go userland of gokern: ordinary Go programs, built by the stock
// toolchain for GOOS=linux GOARCH=amd64 with CGO_ENABLED=0, that run in
// user mode on the kernel. A module of its own, so that the kernel-Go
// rules (DESIGN.md §4: no heap, no maps, no fmt) do not apply here: this
// is user space, where Go is Go. docs/go-on-gokern.md.
module gokern/user

go 1.26
