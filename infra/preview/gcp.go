package preview

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// FakeGCPProject is the project id the mocks put where the provider would fill in
// gcp:project (the mocks do not read provider config).
const FakeGCPProject = "mock-project"

// gcpOutputs fills what the Google provider would compute for the types the GCP component uses.
func gcpOutputs(m *Mocks, typ, name string, in resource.PropertyMap, set func(string, any)) string {
	h := shortHash(name)
	str := func(k string) string {
		if v, ok := in[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	physical := str("name")
	if physical == "" {
		physical = name + "-" + h // autonaming
	}
	set("project", FakeGCPProject)
	switch typ {
	case "gcp:serviceaccount/account:Account":
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", str("accountId"), FakeGCPProject)
		set("email", email)
		set("member", "serviceAccount:"+email)
		set("name", fmt.Sprintf("projects/%s/serviceAccounts/%s", FakeGCPProject, email))
		return email
	case "gcp:sql/databaseInstance:DatabaseInstance":
		set("name", physical)
		set("connectionName", fmt.Sprintf("%s:%s:%s", FakeGCPProject, str("region"), physical))
		return physical
	case "gcp:cloudfunctionsv2/function:Function":
		set("name", physical)
		set("url", fmt.Sprintf("https://%s-%s.%s.run.app", physical, h, str("location")))
		return fmt.Sprintf("projects/%s/locations/%s/functions/%s", FakeGCPProject, str("location"), physical)
	case "gcp:storage/bucket:Bucket":
		set("name", physical)
		set("url", "gs://"+physical)
		return physical
	case "gcp:secretmanager/secret:Secret":
		return fmt.Sprintf("projects/%s/secrets/%s", FakeGCPProject, str("secretId"))
	case "gcp:logging/projectBucketConfig:ProjectBucketConfig":
		return fmt.Sprintf("projects/%s/locations/%s/buckets/%s", FakeGCPProject, str("location"), str("bucketId"))
	}
	return ""
}
