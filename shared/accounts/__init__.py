"""Accounts and access: users, passwords, session tokens, password resets, API keys and rate limits.

views, schemas          what the API shows (Account, KeyInfo, SignedIn, ...) and accepts (RegisterIn, ...)
domain                  Principal: who is calling, as every other domain sees it
users, credentials      the users table: lookups, administration, removal; password checks
api_keys, resets        their tables: integration keys; single-use reset tokens
ratelimit               fixed-window counters of failed attempts
callers                 who is calling, as rows and plain values (the WebSocket $connect: no pydantic)
signin, admin, access   what the routes call: signing in, administration, who is calling (a Principal)
tokens, passwords       session JWTs; bcrypt hashes
"""
