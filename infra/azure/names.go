package azure

import (
	"strings"
)

// alnum keeps lowercase letters and digits (storage account names), at most n.
func alnum(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > n {
		out = out[:n]
	}
	if out == "" {
		out = "aac"
	}
	return out
}

// alnumDash keeps letters, digits and dashes (Key Vault names), at most n.
func alnumDash(s string, n int) string {
	out := dnsLabel(s)
	if len(out) > n {
		out = strings.TrimRight(out[:n], "-")
	}
	return out
}

func dnsLabel(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
