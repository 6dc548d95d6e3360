//go:build amd64

package kallsyms

// X_RET_IP_ is in ret_ip_amd64.s.
func X_RET_IP_() uintptr
