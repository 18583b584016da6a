"""The AI provider: which upstream Claude's model calls go to (Anthropic or Amazon Bedrock), with what credential.

`service` owns the single `bedrock_config` row and the stored Anthropic key; the runner asks it for the
`active()` provider at every turn and builds the model gateway's upstream from it. See docs/ai-provider.md.
"""
