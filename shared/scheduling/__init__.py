"""Scheduling: cron rules with a DST policy, the schedule and execution repositories, and the tick.

Import the modules themselves (`from shared.scheduling import cron, store, tick`); this package file
imports nothing, so the tick's cold start loads only what it uses.
"""
