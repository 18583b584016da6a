"""Run every benchmark and print its figures."""

from bench import (
    auth,
    chat,
    cold_imports,
    convert,
    drives,
    fast_turns,
    files,
    first_paint,
    gateway,
    git,
    local_aws,
    ping_rtt,
    speech,
    tick,
    turn_cost,
    usage,
    ws_load,
)

if __name__ == "__main__":
    cold_imports.run()
    print()
    ping_rtt.run()
    print()
    local_aws.run()
    print()
    auth.run()
    print()
    chat.run()
    print()
    fast_turns.run()
    print()
    turn_cost.run()
    print()
    ws_load.run()
    print()
    gateway.run()
    print()
    tick.run()
    print()
    convert.run()
    print()
    files.run()
    print()
    git.run()
    print()
    drives.run()
    print()
    speech.run()
    print()
    usage.run()
    print()
    first_paint.run()
