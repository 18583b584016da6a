"""Meetings (workflow 10, docs/meetings.md): capture, transcript, advice and analysis.

`service` (start, stop, analyze, advise, the history) and `capture` (segments, retry) are what the routes call;
`jobs` is the runner's side; `sweep` the tick's; `store` and `segments` own the tables, `recordings` the kept audio.
Nothing is imported here: the tick imports `sweep` without pydantic.
"""
