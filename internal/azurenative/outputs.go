package azurenative

import (
	"reflect"

	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// defaultOpts pins the azure-native provider version exactly as the
// official v2.90.0 SDK does, so these registrations and the official ones
// select the same provider plugin.
func defaultOpts(opts []pulumi.ResourceOption) []pulumi.ResourceOption {
	return utilities.PkgResourceDefaultOpts(opts)
}

// ManagedServiceIdentityResponse mirrors web.ManagedServiceIdentityResponse
// (fields used here).
type ManagedServiceIdentityResponse struct {
	PrincipalId string `pulumi:"principalId"`
	TenantId    string `pulumi:"tenantId"`
	Type        string `pulumi:"type"`
}

// ManagedServiceIdentityResponsePtrOutput is the output of a site's identity.
type ManagedServiceIdentityResponsePtrOutput struct{ *pulumi.OutputState }

// ElementType implements pulumi.Output.
func (ManagedServiceIdentityResponsePtrOutput) ElementType() reflect.Type {
	return reflect.TypeOf((**ManagedServiceIdentityResponse)(nil)).Elem()
}

// PrincipalId is the object id of the system-assigned identity ("" while unknown or absent).
func (o ManagedServiceIdentityResponsePtrOutput) PrincipalId() pulumi.StringOutput {
	return o.ApplyT(func(v *ManagedServiceIdentityResponse) string {
		if v == nil {
			return ""
		}
		return v.PrincipalId
	}).(pulumi.StringOutput)
}

// Pulumi's own type registry, not one of ours: an Apply whose function returns
// *ManagedServiceIdentityResponse gets this output type (else AnyOutput). Every
// generated SDK, the official azure-native one included, registers from init.
func init() {
	pulumi.RegisterOutputType(ManagedServiceIdentityResponsePtrOutput{})
}
