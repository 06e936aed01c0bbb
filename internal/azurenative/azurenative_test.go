package azurenative

import (
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type recorded struct {
	token  string
	inputs resource.PropertyMap
}

type mocks struct {
	mu   sync.Mutex
	seen map[string]recorded
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	m.seen[args.Name] = recorded{args.TypeToken, args.Inputs}
	m.mu.Unlock()
	out := args.Inputs.Copy()
	out["name"] = resource.NewStringProperty(args.Name) // azure-native returns the resource name
	if args.TypeToken == WebAppType || args.TypeToken == WebAppV20231201Type {
		out["identity"] = resource.NewObjectProperty(resource.PropertyMap{
			"type":        resource.NewStringProperty("SystemAssigned"),
			"principalId": resource.NewStringProperty("principal-" + args.Name),
		})
		out["defaultHostName"] = resource.NewStringProperty(args.Name + ".azurewebsites.net")
	}
	return args.Name + "-id", out, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// path walks nested objects and arrays: keys are property names, ints are indexes.
func path(t *testing.T, pm resource.PropertyMap, keys ...any) resource.PropertyValue {
	t.Helper()
	v := resource.NewObjectProperty(pm)
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			if !v.IsObject() {
				t.Fatalf("at %q: not an object: %v", k, v)
			}
			v = v.ObjectValue()[resource.PropertyKey(k)]
		case int:
			if !v.IsArray() || len(v.ArrayValue()) <= k {
				t.Fatalf("at [%d]: not an array of that length: %v", k, v)
			}
			v = v.ArrayValue()[k]
		}
	}
	return v
}

// TestWireShapes checks the property names and nesting these registrations put
// on the wire: they must equal the official SDK's, or a swap would diff.
func TestWireShapes(t *testing.T) {
	m := &mocks{seen: map[string]recorded{}}
	var principal string
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		plan, err := NewAppServicePlanV20231201(ctx, "plan", &AppServicePlanArgs{
			ResourceGroupName: pulumi.String("rg"),
			Kind:              pulumi.String("functionapp"),
			Reserved:          pulumi.Bool(true),
			Sku:               &SkuDescriptionArgs{Name: pulumi.String("FC1"), Tier: pulumi.String("FlexConsumption")},
		})
		if err != nil {
			return err
		}
		app, err := NewWebAppV20231201(ctx, "app", &WebAppArgs{
			ResourceGroupName: pulumi.String("rg"),
			ServerFarmId:      plan.ID().ToStringOutput(),
			HttpsOnly:         pulumi.Bool(true),
			Identity:          &ManagedServiceIdentityArgs{Type: pulumi.String("SystemAssigned")},
			SiteConfig: &SiteConfigArgs{
				MinTlsVersion: pulumi.String("1.2"),
				AppSettings:   []NameValuePairArgs{{Name: pulumi.String("POOL_SIZE"), Value: pulumi.String("4")}},
			},
			FunctionAppConfig: &FunctionAppConfigArgs{
				Runtime: &FunctionsRuntimeArgs{Name: pulumi.String("custom"), Version: pulumi.String("1.0")},
				ScaleAndConcurrency: &FunctionsScaleAndConcurrencyArgs{
					InstanceMemoryMB: pulumi.Float64(2048),
					AlwaysReady:      []FunctionsAlwaysReadyConfigArgs{{Name: pulumi.String("http"), InstanceCount: pulumi.Float64(1)}},
				},
				Deployment: &FunctionsDeploymentArgs{Storage: &FunctionsDeploymentStorageArgs{
					Type:           pulumi.String("blobContainer"),
					Value:          pulumi.String("https://x.blob.core.windows.net/deploy"),
					Authentication: &FunctionsDeploymentAuthenticationArgs{Type: pulumi.String("SystemAssignedIdentity")},
				}},
			},
		})
		if err != nil {
			return err
		}
		app.Identity.PrincipalId().ApplyT(func(p string) string { principal = p; return p })
		srv, err := NewServer(ctx, "pg", &ServerArgs{
			ResourceGroupName: pulumi.String("rg"),
			Sku:               &SkuArgs{Name: pulumi.String("Standard_D2ds_v5"), Tier: pulumi.String("GeneralPurpose")},
			Backup:            &BackupArgs{BackupRetentionDays: pulumi.Int(7)},
			Network:           &NetworkArgs{DelegatedSubnetResourceId: pulumi.String("subnet")},
		})
		if err != nil {
			return err
		}
		_, err = NewConfiguration(ctx, "pgbouncer", &ConfigurationArgs{
			ResourceGroupName: pulumi.String("rg"), ServerName: srv.Name,
			ConfigurationName: pulumi.String("pgbouncer.enabled"), Value: pulumi.String("true"), Source: pulumi.String("user-override"),
		})
		return err
	}, pulumi.WithMocks("p", "s", m))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.seen["plan"].token; got != AppServicePlanV20231201Type {
		t.Errorf("plan token %q", got)
	}
	app := m.seen["app"]
	if app.token != WebAppV20231201Type {
		t.Errorf("app token %q", app.token)
	}
	checks := []struct {
		pm   resource.PropertyMap
		keys []any
		want any
	}{
		{m.seen["plan"].inputs, []any{"sku", "tier"}, "FlexConsumption"},
		{app.inputs, []any{"siteConfig", "minTlsVersion"}, "1.2"},
		{app.inputs, []any{"siteConfig", "appSettings", 0, "name"}, "POOL_SIZE"},
		{app.inputs, []any{"functionAppConfig", "runtime", "name"}, "custom"},
		{app.inputs, []any{"functionAppConfig", "scaleAndConcurrency", "instanceMemoryMB"}, 2048.0},
		{app.inputs, []any{"functionAppConfig", "scaleAndConcurrency", "alwaysReady", 0, "instanceCount"}, 1.0},
		{app.inputs, []any{"functionAppConfig", "deployment", "storage", "authentication", "type"}, "SystemAssignedIdentity"},
		{app.inputs, []any{"identity", "type"}, "SystemAssigned"},
		{m.seen["pg"].inputs, []any{"sku", "tier"}, "GeneralPurpose"},
		{m.seen["pg"].inputs, []any{"backup", "backupRetentionDays"}, 7.0},
		{m.seen["pg"].inputs, []any{"network", "delegatedSubnetResourceId"}, "subnet"},
		{m.seen["pgbouncer"].inputs, []any{"configurationName"}, "pgbouncer.enabled"},
		{m.seen["pgbouncer"].inputs, []any{"serverName"}, "pg"},
	}
	for _, c := range checks {
		if got := path(t, c.pm, c.keys...).V; got != c.want {
			t.Errorf("%v = %v, want %v", c.keys, got, c.want)
		}
	}
	if m.seen["pgbouncer"].token != ConfigurationType || m.seen["pg"].token != ServerType {
		t.Errorf("db tokens: %q %q", m.seen["pg"].token, m.seen["pgbouncer"].token)
	}
	if principal != "principal-app" {
		t.Errorf("identity principalId output = %q", principal)
	}
}

func TestDefaultVersionRejectsFunctionAppConfig(t *testing.T) {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewWebApp(ctx, "app", &WebAppArgs{
			ResourceGroupName: pulumi.String("rg"),
			FunctionAppConfig: &FunctionAppConfigArgs{},
		})
		return err
	}, pulumi.WithMocks("p", "s", &mocks{seen: map[string]recorded{}}))
	if err == nil {
		t.Fatal("NewWebApp accepted functionAppConfig, which API 2022-09-01 does not have")
	}
}
