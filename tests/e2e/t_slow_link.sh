#!/usr/bin/env bash
# t_slow_link: a district office on a slow link (us-faultproxy carrying 300
# kbit/s each way, about 37 KB/s) pulls a history of 9,600 figures with the
# default waits of `unionsync sync` (3 s, doubled at each retry up to 8 s,
# 4 tries). The history is some 370 KB: in one page it would need ten
# seconds, longer than any wait, and no try would ever see its answer. The
# office asks for 2,000 entries first and halves a page that took more
# than half the first wait, so every page arrives within its wait:
#   - the sync exits 0, having received every figure, on its first tries
#     (the proxy saw one connection: no socket was reopened for a retry);
#   - the office holds the very figures the province holds;
#   - the link really was slow: the pull took more than 5 s.
# A first office of the same district enters the history and sends it
# straight to the server first.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

UNITS=(QT.DONGHA QT.DONGHA.G1 QT.DONGHA.G2 QT.DONGHA.G3)
INDS=(members.new cdcs.new cla.signed propaganda.sessions propaganda.attendees
      training.classes training.attendees dialogues.held party.introduced
      commended.chairs commended.province bulletin.copies)
FIGURES=$(( ${#UNITS[@]} * ${#INDS[@]} * 200 ))

{ cat "$DATA/quangtri-units.csv"
  for g in 1 2 3; do echo "QT.DONGHA.G$g,Công đoàn cơ sở $g,QT.DONGHA,grassroots"; done
} >"$WORK/units.csv"
server_init "$WORK/units.csv"
server_start

log "=== the district's history, 200 months from 2009-05, sent straight"
client_init first QT.DONGHA
sync_ok first                   # the tree: the grassroots units it may enter
{ echo "unit,month,indicator,value"
  for u in "${UNITS[@]}"; do
      for m in $(seq 0 199); do
          month=$(printf '%04d-%02d' $(( 2009 + (m + 4) / 12 )) $(( (m + 4) % 12 + 1 )))
          for ind in "${INDS[@]}"; do echo "$u,$month,$ind,$(( (m * 7 + ${#ind}) % 97 + 1 ))"; done
      done
  done
} >"$WORK/history.csv"
us first import "$WORK/history.csv"
assert_rc 0 "import of the history"
us first sync --timeout-ms 20000 --retries 3
assert_rc 0 "first office's sync"
assert_eq "$FIGURES" "$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM cells WHERE value IS NOT NULL')" \
    "figures at the province"

log "=== a second office of the district pulls it over a 300 kbit/s link"
proxy_start --rate-kbps 300 --seed 1
client_init slow QT.DONGHA "$PROXY_ENDPOINT"
start=$(date +%s%N)
us slow sync
took=$(( ($(date +%s%N) - start) / 1000000 ))
assert_rc 0 "sync over the slow link, default waits (${took} ms)"
assert_match "received $FIGURES figures" "$OUT" "every figure received"
proxy_stop
assert_match 'connections=1 ' "$(tail -n 1 "$WORK/proxy.out")" "one connection: no try timed out"
[ "$took" -gt 5000 ] || fail "the link is slow" "expected: the pull takes over 5 s" "seen: $took ms"
province=$(sqlite3 "$SRV_DB" "SELECT u.code, c.month, i.code, c.value FROM cells c
    JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
    WHERE c.value IS NOT NULL ORDER BY 1, 2, 3")
office=$(sqlite3 "$(cdb slow)" "SELECT u.code, c.month, i.code, c.value FROM cells c
    JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
    WHERE c.value IS NOT NULL ORDER BY 1, 2, 3")
assert_eq "$(sha256sum <<<"$province")" "$(sha256sum <<<"$office")" "the office holds the province's figures"

server_stop
e2e_finish
