"""Run every benchmark and print its figures."""

from bench import auth, chat, cold_imports, convert, drives, files, gateway, git, ping_rtt, speech, tick, ws_load

if __name__ == "__main__":
    cold_imports.run()
    print()
    ping_rtt.run()
    print()
    auth.run()
    print()
    chat.run()
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
