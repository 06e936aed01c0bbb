package azurenative

import (
	"errors"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// UserAssignedIdentityType is the token of a user-assigned managed identity
// (azure-native v2 default API 2023-01-31). Its Go module
// (pulumi-azure-native-sdk/managedidentity/v2) is not served here either.
const UserAssignedIdentityType = "azure-native:managedidentity:UserAssignedIdentity"

// UserAssignedIdentityArgs mirrors managedidentity.UserAssignedIdentityArgs (fields used here).
type UserAssignedIdentityArgs struct {
	Location          pulumi.StringPtrInput
	ResourceGroupName pulumi.StringInput
	ResourceName      pulumi.StringPtrInput
	Tags              pulumi.StringMapInput
}

type userAssignedIdentityArgs struct {
	Location          *string           `pulumi:"location"`
	ResourceGroupName string            `pulumi:"resourceGroupName"`
	ResourceName      *string           `pulumi:"resourceName"`
	Tags              map[string]string `pulumi:"tags"`
}

// ElementType implements pulumi.Input.
func (UserAssignedIdentityArgs) ElementType() reflect.Type {
	return reflect.TypeOf(userAssignedIdentityArgs{})
}

// UserAssignedIdentity exists before the resources that use it, so its grants can
// be in place before an app first starts (a system-assigned identity exists only
// once its app does).
type UserAssignedIdentity struct {
	pulumi.CustomResourceState

	ClientId    pulumi.StringOutput `pulumi:"clientId"`
	PrincipalId pulumi.StringOutput `pulumi:"principalId"`
	Name        pulumi.StringOutput `pulumi:"name"`
}

// NewUserAssignedIdentity registers azure-native:managedidentity:UserAssignedIdentity.
func NewUserAssignedIdentity(ctx *pulumi.Context, name string, args *UserAssignedIdentityArgs, opts ...pulumi.ResourceOption) (*UserAssignedIdentity, error) {
	if args == nil || args.ResourceGroupName == nil {
		return nil, errors.New("invalid value for required argument 'ResourceGroupName'")
	}
	var res UserAssignedIdentity
	if err := ctx.RegisterResource(UserAssignedIdentityType, name, args, &res, defaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}
