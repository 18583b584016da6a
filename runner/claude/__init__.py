"""Driving the Claude Code CLI: the process, its stream-json output, and relaying it as session events."""
