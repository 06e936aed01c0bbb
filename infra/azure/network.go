package azure

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// network creates the virtual network: one subnet for the app's outbound VNet
// integration, one delegated to the database (private access: no public endpoint).
func (d *deployer) network() (funcSubnet, dbSubnet *network.Subnet, vnet *network.VirtualNetwork, err error) {
	prefix := strings.TrimSuffix(d.a.VNetCIDR, ".0.0/16") // validated x.y.0.0/16
	vnet, err = network.NewVirtualNetwork(d.ctx, d.n("vnet"), &network.VirtualNetworkArgs{
		ResourceGroupName: d.rg,
		Location:          d.location(),
		AddressSpace:      &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(d.a.VNetCIDR)}},
		Tags:              d.tags(),
	}, d.parent, pulumi.IgnoreChanges([]string{"subnets"})) // subnets are their own resources
	if err != nil {
		return nil, nil, nil, fmt.Errorf("vnet: %w", err)
	}
	// Flex Consumption integrates through Container Apps environments; the other
	// plans through server farms.
	funcDelegation := "Microsoft.Web/serverFarms"
	if d.a.Plan == config.AzurePlanFlex {
		funcDelegation = "Microsoft.App/environments"
	}
	funcSubnet, err = network.NewSubnet(d.ctx, d.n("snet-func"), &network.SubnetArgs{
		ResourceGroupName:  d.rg,
		VirtualNetworkName: vnet.Name,
		AddressPrefix:      pulumi.String(prefix + ".1.0/24"),
		Delegations: network.DelegationArray{&network.DelegationArgs{
			Name: pulumi.String("functions"), ServiceName: pulumi.String(funcDelegation),
		}},
	}, d.parent)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("function subnet: %w", err)
	}
	dbSubnet, err = network.NewSubnet(d.ctx, d.n("snet-db"), &network.SubnetArgs{
		ResourceGroupName:  d.rg,
		VirtualNetworkName: vnet.Name,
		AddressPrefix:      pulumi.String(prefix + ".2.0/24"),
		Delegations: network.DelegationArray{&network.DelegationArgs{
			Name: pulumi.String("postgres"), ServiceName: pulumi.String("Microsoft.DBforPostgreSQL/flexibleServers"),
		}},
	}, d.parent, pulumi.DependsOn([]pulumi.Resource{funcSubnet})) // subnets of one VNet change one at a time
	if err != nil {
		return nil, nil, nil, fmt.Errorf("database subnet: %w", err)
	}
	return funcSubnet, dbSubnet, vnet, nil
}
