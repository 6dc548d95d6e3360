// Package boottest holds gokern's boot tests: each boots the kernel under
// QEMU (internal/qemutest) and asserts on what it printed and on how it
// exited. They are ordinary `go test` tests; ./qemu.sh test runs them.
package boottest
