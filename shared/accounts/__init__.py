"""Accounts and access: users, passwords, tokens, password resets, API keys and rate limits."""
