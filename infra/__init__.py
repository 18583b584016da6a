"""The CDK app of Sasha Studio: one stack per stage, composed of one construct per capability."""
