"""Scheduling: cron rules with a DST policy, the schedule and execution repositories, the tick, and runs.

Runs are started by the tick (`tick`), by a person (`launch`: run now, a skill run) and carried out by the
runner through `running`. Import the modules themselves (`from shared.scheduling import cron, store, tick`);
this package file imports nothing, so the tick's cold start loads only what it uses.
"""
