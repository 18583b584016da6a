"""The runner's network: public subnets only, no NAT gateway (idle cost is a feature), free gateway endpoints."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from constructs import Construct


class Network(Construct):
    """Two AZs of public subnets; tasks get a public IP and no inbound rule; flow logs go to the logs bucket."""

    def __init__(self, scope: Construct, construct_id: str, *, logs_bucket: s3.IBucket, max_azs: int = 2) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=max_azs,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=22)
            ],
            # Gateway endpoints cost nothing and keep S3 and DynamoDB traffic inside AWS.
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDB": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            },
        )
        self.vpc.add_flow_log(
            "FlowLogs",
            destination=ec2.FlowLogDestination.to_s3(logs_bucket, "vpc-flow-logs/"),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "RunnerSecurityGroup",
            vpc=self.vpc,
            description="Sasha Studio runner: no inbound; outbound HTTPS to AWS APIs, Anthropic, git and drives",
            allow_all_outbound=True,
        )
