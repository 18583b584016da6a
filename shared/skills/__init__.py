"""Skills: `SKILL.md` files under `.claude/skills/<name>/` in a project's files (running one is scheduling's).

Import the modules themselves (`from shared.skills import document, files, service`).
"""
