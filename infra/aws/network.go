package aws

import (
	"fmt"

	awsp "github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// network is where the function, proxy and database live, and the security groups
// that allow exactly Lambda -> proxy -> database on the PostgreSQL port, nothing else.
type network struct {
	vpcID     pulumi.StringOutput
	subnetIDs pulumi.StringArrayOutput
	lambdaSG  pulumi.StringOutput
	proxySG   pulumi.StringOutput
	dbSG      pulumi.StringOutput
}

func newNetwork(ctx *pulumi.Context, name string, cfg *config.Config, parent pulumi.ResourceOption) (*network, error) {
	n := &network{}
	a := cfg.AWS
	if a.VpcID != "" {
		n.vpcID = pulumi.String(a.VpcID).ToStringOutput()
		n.subnetIDs = pulumi.ToStringArray(a.SubnetIDs).ToStringArrayOutput()
	} else if err := n.createVPC(ctx, name, a.VPCCIDR, parent); err != nil {
		return nil, err
	}

	sg := func(suffix, desc string) (pulumi.StringOutput, error) {
		// No inline rules: the provider then removes the default allow-all egress rule,
		// and every allowed path is one explicit rule below.
		g, err := ec2.NewSecurityGroup(ctx, name+"-"+suffix, &ec2.SecurityGroupArgs{
			VpcId:       n.vpcID,
			Description: pulumi.String(desc),
			Tags:        tags(ctx, name+"-"+suffix),
		}, parent)
		if err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("security group %s: %w", suffix, err)
		}
		return g.ID().ToStringOutput(), nil
	}
	var err error
	if n.lambdaSG, err = sg("lambda-sg", "ai-agent-connector function: egress to RDS Proxy only"); err != nil {
		return nil, err
	}
	if n.proxySG, err = sg("proxy-sg", "ai-agent-connector RDS Proxy: from the function, to the database"); err != nil {
		return nil, err
	}
	if cfg.Database.Creates() {
		if n.dbSG, err = sg("db-sg", "ai-agent-connector PostgreSQL: from RDS Proxy only"); err != nil {
			return nil, err
		}
	} else {
		n.dbSG = pulumi.String(a.ExistingDBSecurityGroupID).ToStringOutput()
	}

	port := pulumi.Int(PostgresPort)
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-lambda-to-proxy", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: n.lambdaSG, ReferencedSecurityGroupId: n.proxySG,
		IpProtocol: pulumi.String("tcp"), FromPort: port, ToPort: port,
		Description: pulumi.String("function to RDS Proxy"),
	}, parent); err != nil {
		return nil, fmt.Errorf("rule lambda->proxy: %w", err)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-proxy-from-lambda", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: n.proxySG, ReferencedSecurityGroupId: n.lambdaSG,
		IpProtocol: pulumi.String("tcp"), FromPort: port, ToPort: port,
		Description: pulumi.String("function to RDS Proxy"),
	}, parent); err != nil {
		return nil, fmt.Errorf("rule proxy<-lambda: %w", err)
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-proxy-to-db", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: n.proxySG, ReferencedSecurityGroupId: n.dbSG,
		IpProtocol: pulumi.String("tcp"), FromPort: port, ToPort: port,
		Description: pulumi.String("RDS Proxy to PostgreSQL"),
	}, parent); err != nil {
		return nil, fmt.Errorf("rule proxy->db: %w", err)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-db-from-proxy", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: n.dbSG, ReferencedSecurityGroupId: n.proxySG,
		IpProtocol: pulumi.String("tcp"), FromPort: port, ToPort: port,
		Description: pulumi.String("RDS Proxy to PostgreSQL"),
	}, parent); err != nil {
		return nil, fmt.Errorf("rule db<-proxy: %w", err)
	}
	return n, nil
}

// createVPC creates a VPC with two private subnets in two availability zones (RDS and
// RDS Proxy need two). No internet or NAT gateway: the function only talks to the proxy;
// Lambda delivers logs and X-Ray traces outside the function's network, and RDS IAM
// tokens are signed locally.
func (n *network) createVPC(ctx *pulumi.Context, name, cidr string, parent pulumi.ResourceOption) error {
	azs, err := awsp.GetAvailabilityZones(ctx, &awsp.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
	})
	if err != nil {
		return fmt.Errorf("list availability zones: %w", err)
	}
	if len(azs.Names) < 2 {
		return fmt.Errorf("the region has %d available availability zones; RDS needs 2", len(azs.Names))
	}
	v, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(cidr),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               tags(ctx, name+"-vpc"),
	}, parent)
	if err != nil {
		return fmt.Errorf("vpc: %w", err)
	}
	var subnets pulumi.StringArray
	for i := 0; i < 2; i++ {
		s, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.SubnetArgs{
			VpcId:               v.ID(),
			CidrBlock:           pulumi.String(subnetCIDR(cidr, i)),
			AvailabilityZone:    pulumi.String(azs.Names[i]),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tags(ctx, fmt.Sprintf("%s-private-%d", name, i)),
		}, parent)
		if err != nil {
			return fmt.Errorf("subnet %d: %w", i, err)
		}
		subnets = append(subnets, s.ID().ToStringOutput())
	}
	n.vpcID = v.ID().ToStringOutput()
	n.subnetIDs = subnets.ToStringArrayOutput()
	return nil
}

// subnetCIDR returns the i-th /24 of a x.y.0.0/16..22 VPC CIDR (validated by config).
func subnetCIDR(vpcCIDR string, i int) string {
	var a, b, bits int
	fmt.Sscanf(vpcCIDR, "%d.%d.0.0/%d", &a, &b, &bits)
	return fmt.Sprintf("%d.%d.%d.0/24", a, b, i)
}

func tags(ctx *pulumi.Context, name string) pulumi.StringMap {
	return pulumi.StringMap{
		"Name":               pulumi.String(name),
		"ai-agent-connector": pulumi.String(ctx.Stack()),
		"pulumi:project":     pulumi.String(ctx.Project()),
	}
}
