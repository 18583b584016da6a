"""Chat with Claude: sessions, turns, and the numbered event stream of each session.

views, schemas    what the API shows (Session, Turn, Persona, Guide) and what clients send (REST and WebSocket)
sessions          the sessions table: create, own, update, delete (with everything a session holds)
turns             a turn from the API's side: accept, abort, answer, history
records           a turn from the runner's side: take, start, poll, finish
events            each session's numbered event stream, its log and replay
stream            a runner turn's events: numbers in blocks, the log in batches
followers         which connections receive a session's events
prompts, policy   personas and guides; the permission modes administrators allow
quality           response quality signals of a finished turn
titles            sessions' titles by id, for lists outside chat (the usage dashboard)
naming            a session's title from its first exchange (pure)
"""
