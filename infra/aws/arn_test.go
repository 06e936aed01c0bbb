package aws

import "testing"

func TestDBUserARN(t *testing.T) {
	tests := []struct{ in, user, want string }{
		{"arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0abc", "connector", "arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-0abc/connector"},
		{"arn:aws-cn:rds:cn-north-1:123456789012:db-proxy:prx-1", "ro", "arn:aws-cn:rds-db:cn-north-1:123456789012:dbuser:prx-1/ro"},
	}
	for _, tc := range tests {
		got, err := dbUserARN(tc.in, tc.user)
		if err != nil || got != tc.want {
			t.Errorf("dbUserARN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := dbUserARN("arn:aws:rds:us-east-1:123456789012:db:mydb", "x"); err == nil {
		t.Error("a DB instance ARN must be rejected")
	}
}

func TestSubnetCIDR(t *testing.T) {
	if got := subnetCIDR("10.40.0.0/16", 1); got != "10.40.1.0/24" {
		t.Errorf("subnetCIDR = %s", got)
	}
}
