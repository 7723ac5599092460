#!/usr/bin/env bash
# t_province_copied_back: the scenario of t_province_restored.sh with the
# backup put back by hand (server stopped, the file copied over the store,
# its -wal and -shm removed) instead of `restore`: the server learns from
# the offices' Hello that it went back in time, gives itself a new
# incarnation and logs it once naming the office, and the offices heal the
# same way.
MODE=copy exec bash "$(dirname "$0")/t_province_restored.sh" "$@"
