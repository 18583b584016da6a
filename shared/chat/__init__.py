"""Chat with Claude: sessions, turns, and the numbered event stream of each session."""
