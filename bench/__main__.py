"""Run every benchmark and print its figures."""

from bench import auth, chat, cold_imports, convert, files, ping_rtt, tick

if __name__ == "__main__":
    cold_imports.run()
    print()
    ping_rtt.run()
    print()
    auth.run()
    print()
    chat.run()
    print()
    tick.run()
    print()
    convert.run()
    print()
    files.run()
