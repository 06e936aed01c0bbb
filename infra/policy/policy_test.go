package policy

import "testing"

// TestCheckIDsUnique: violations are reported by check ID, so two checks with one ID
// would be indistinguishable.
func TestCheckIDsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range checks {
		if seen[c.ID] {
			t.Errorf("check %s is listed twice", c.ID)
		}
		seen[c.ID] = true
		if c.Description == "" || c.Run == nil {
			t.Errorf("check %s lacks a description or a Run", c.ID)
		}
	}
}
