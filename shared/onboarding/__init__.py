"""Onboarding (workflow 4): the company profile, its live research by Claude, and completion (docs/onboarding.md)."""
