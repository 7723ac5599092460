#!/usr/bin/env bash
# t_cli_listing: listing what exists.
#  - `unionsync indicators` lists the catalog the office knows (built in
#    before a sync, the province's after), with codes, kinds, rules and
#    Vietnamese names; --json has the same rows as data/indicators.csv;
#  - `unionsync-server units list` lists every unit of the file imported;
#    --tree draws the tree with the province at the root; --at keeps only
#    the units valid in that month (a union closed at the end of 2024 and
#    one opened in mid-2025, as in the 2025 reorganisation);
#  - `unionsync-server replicas` shows each replica's unit, name, last sync
#    and whether it is revoked, as text and JSON.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

server_init
cat "$DATA/quangtri-units.csv" >"$WORK/units.csv"
printf '%s\n' 'QT.HAILANG.OLD,CĐCS Nhà máy cũ,QT.HAILANG,grassroots,2019-01,2024-12' \
              'QT.HAILANG.KCN,Công đoàn Khu công nghiệp Quán Ngang,QT.HAILANG,grassroots,2025-07,' \
              >>"$WORK/units.csv"
must "$USS" units import "$WORK/units.csv" --db "$SRV_DB"

log '=== indicators at the office'
client_init tp QT.TRIEUPHONG
us tp indicators --json
assert_rc 0 "indicators --json before any sync (built-in catalog)"
expected=$(tail -n +2 "$DATA/indicators.csv" | cut -d, -f1 | sort)
assert_eq "$expected" "$(jq -r '.[].code' <<<"$OUT" | sort)" "indicators --json: the codes of data/indicators.csv"
assert_eq 'Phát triển đoàn viên mới' "$(jq -r '.[] | select(.code == "members.new") | .name' <<<"$OUT")" "the Vietnamese name of members.new"
assert_eq '<= party.introduced' "$(jq -r '.[] | select(.code == "party.admitted") | .rule' <<<"$OUT")" "the rule of party.admitted"
assert_eq 'ratio' "$(jq -r '.[] | select(.code == "cla.coverage") | .kind' <<<"$OUT")" "cla.coverage is a ratio"
us tp indicators
assert_rc 0 "indicators as text"
assert_eq "$(( $(wc -l <"$DATA/indicators.csv") ))" "$(wc -l <<<"$OUT")" "one heading line and one line per indicator"
assert_match '^party\.admitted +flow +lww +<= party\.introduced +Đoàn viên được kết nạp Đảng$' "$OUT" "a text line: code, kind, policy, rule, name"
assert_match '^cla\.coverage +ratio .*= cdcs\.with_cla / cdcs\.cla_eligible' "$OUT" "a ratio shows its fraction"
# The province's catalog replaces the built-in one on sync.
sed 's/^members.new,Phát triển đoàn viên mới,/members.new,Kết nạp đoàn viên mới,/' "$DATA/indicators.csv" >"$WORK/ind.csv"
printf 'members.female,Đoàn viên nữ kết nạp mới,flow,,,lww,<= members.new\n' >>"$WORK/ind.csv"
must "$USS" indicators import "$WORK/ind.csv" --db "$SRV_DB"
server_start
sync_ok tp
us tp indicators --json
assert_eq 'Kết nạp đoàn viên mới' "$(jq -r '.[] | select(.code == "members.new") | .name' <<<"$OUT")" "after sync: the province's name"
assert_eq '<= members.new' "$(jq -r '.[] | select(.code == "members.female") | .rule' <<<"$OUT")" "after sync: the province's new indicator"

log '=== units list'
uss units list
assert_rc 0 "units list"
assert_eq "$(tail -n +2 "$WORK/units.csv" | cut -d, -f1 | sort)" "$(awk '{print $1}' <<<"$OUT" | sort)" "units list: every unit of the file"
assert_match '^QT\.DONGHA +district +QT +LĐLĐ thành phố Đông Hà$' "$OUT" "a unit line: id, kind, parent, name"
assert_match '^QT\.HAILANG\.OLD .*\[2019-01\.\.2024-12\]$' "$OUT" "a closed unit shows its validity"
uss units list --json
assert_eq 'QT.HAILANG' "$(jq -r '.[] | select(.id == "QT.HAILANG.KCN") | .parent' <<<"$OUT")" "units list --json: parent"
assert_eq '2025-07' "$(jq -r '.[] | select(.id == "QT.HAILANG.KCN") | .valid_from' <<<"$OUT")" "units list --json: valid_from"
uss units list --tree
assert_rc 0 "units list --tree"
assert_eq 'QT  Liên đoàn Lao động tỉnh Quảng Trị (province)' "$(head -n 1 <<<"$OUT")" "the tree starts at the province"
assert_match '^├─ QT\.HAILANG  ' "$OUT" "a district hangs under the province"
assert_match '^│  ├─ QT\.HAILANG\.KCN  Công đoàn Khu công nghiệp Quán Ngang \(grassroots\)' "$OUT" "a grassroots union hangs under its district"
assert_match '^└─ ' "$(tail -n 1 <<<"$OUT")" "the last branch closes the tree"
assert_eq "$(tail -n +2 "$WORK/units.csv" | wc -l)" "$(wc -l <<<"$OUT")" "the tree has every unit once"
uss units list --at 2024-06
assert_match 'QT\.HAILANG\.OLD' "$OUT" "--at 2024-06: the old union"
[[ $OUT != *QT.HAILANG.KCN* ]] || fail "--at 2024-06: not yet the industrial park union" "seen: $OUT"
uss units list --tree --at 2025-08-15
assert_match 'QT\.HAILANG\.KCN' "$OUT" "--at a day of 2025-08: the industrial park union"
[[ $OUT != *QT.HAILANG.OLD* ]] || fail "--at 2025-08-15: no longer the old union" "seen: $OUT"
uss units list --at 2025-13
assert_rc 2 "--at with a bad month"
assert_one_stderr_line "--at with a bad month"

log '=== replicas'
client_init lan QT.TRIEUPHONG
client_init dh QT.DONGHA
us tp set QT.TRIEUPHONG 2022-03 members.new 7
sync_ok tp
uss revoke --key "$(client_key dh)"
uss replicas
assert_rc 0 "replicas"
assert_eq 4 "$(wc -l <<<"$OUT")" "a heading and three replicas"
today=$(date -u +%Y-%m-%d)
assert_match "^ +1 QT\.TRIEUPHONG +tp +$today [0-9:]+Z +1 +no$" "$OUT" "tp: unit, name, last sync today, one delta, not revoked"
assert_match "^ +2 QT\.TRIEUPHONG +lan +never +0 +no$" "$OUT" "lan never synced edits"
assert_match "^ +3 QT\.DONGHA +dh +never +0 +$today" "$OUT" "dh is revoked, with the date"
uss replicas --json
assert_eq 'false' "$(jq -r '.[] | select(.name == "tp") | .revoked' <<<"$OUT")" "replicas --json: tp not revoked"
assert_match "^$today" "$(jq -r '.[] | select(.name == "dh") | .revoked' <<<"$OUT")" "replicas --json: dh revoked today"
key=$(jq -r '.[] | select(.name == "tp") | .key' <<<"$OUT")
assert_eq 64 "${#key}" "replicas --json: the key in hex"
assert_eq "$key" "$(client_key tp | cut -c 1-64)" "replicas --json: the key the office's token begins with"
server_stop
e2e_finish
