"""Skills: `SKILL.md` files under `.claude/skills/<name>/` in a project's files, and running them by hand.

Import the modules themselves (`from shared.skills import document, service`).
"""
