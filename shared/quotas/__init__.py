"""Per-user quotas an administrator sets: active schedules, how often a schedule may run, upload links an hour,
chat turns and model tokens a day.

`settings` holds the limits (the `settings` table, with defaults), `counter` counts uses in fixed windows (the
`rate_limits` table), `errors` says which limit refused what. The domains enforce them where the work is asked
for: `shared.scheduling.quotas` and `shared.files.quotas`; `daily` holds the two daily ones, turns (taken when
`shared.chat.turns` accepts a message) and tokens (counted by `shared.usage.record`, checked by the model gateway).
"""
