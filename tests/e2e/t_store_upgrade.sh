#!/usr/bin/env bash
# t_store_upgrade: a provincial store written before numbered migrations,
# and unit kinds as data, through the real unionsync-server.
#  1. A store built from the schema 1 fixture and the rows of a real schema 1
#     store opens with today's server: `audit verify` passes on the upgraded
#     store, the report gives the same figures, a correction is merged and
#     recorded, and the store is at schema 2.
#  2. A store from a newer program is refused with one line, untouched.
#  3. Unit kinds are imported like units: commune and park units import out
#     of the box, a new kind imports and then its units do; a bad kinds file
#     or a unit of an unknown kind is refused whole (exit 2, one line).

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

FIXTURES=$(cd "$(dirname "$0")/../fixtures" && pwd)

# 1. The schema 1 store upgrades in place.
sqlite3 "$SRV_DB" <"$FIXTURES/pstore_v1.sql" || die "cannot build the schema 1 store"
sqlite3 "$SRV_DB" <"$FIXTURES/pstore_v1_data.sql" || die "cannot load the schema 1 rows"
assert_eq 0 "$(sqlite3 "$SRV_DB" 'PRAGMA user_version')" "the fixture is unnumbered"
before=$(cells_dump "$SRV_DB")
uss audit verify
assert_rc 0 "audit verify of the upgraded store"
assert_match '5 records in an unbroken chain, 1 signed batches' "$OUT" "the chain survived"
must "$USS" init --province QT --name 'LĐLĐ tỉnh Quảng Trị' --db "$WORK/fresh.db"
newest=$(sqlite3 "$WORK/fresh.db" 'PRAGMA user_version')
assert_le 2 "$newest" "a new store is at schema 2 or later"
assert_eq "$newest" "$(sqlite3 "$SRV_DB" 'PRAGMA user_version')" "upgraded to the newest schema ($newest)"
assert_eq "$before" "$(cells_dump "$SRV_DB")" "figures unchanged by the upgrade"
json=$(report_json 2022-H1) || fail "report of the upgraded store"
assert_eq 226 "$(row_value "$json" QT members.new)" "consolidated figure"
uss set QT.DAKRONG 2022-03 members.new 7 --note 'bổ sung'
assert_rc 0 "a correction on the upgraded store"
uss audit verify
assert_rc 0 "audit verify after the correction"
assert_match '6 records' "$OUT" "the correction extends the chain"
enrolled=$(sqlite3 "$SRV_DB" 'SELECT enrolled_at FROM replicas')
assert_le 1000000000000 "$enrolled" "enrolment time in milliseconds"

# 2. A store from a newer program is refused, untouched.
cp "$SRV_DB" "$WORK/newer.db"
sqlite3 "$WORK/newer.db" "PRAGMA user_version = $(( $(sqlite3 "$SRV_DB" 'PRAGMA user_version') + 1 ))" \
    || die "cannot mark the store"
sum=$(sha "$WORK/newer.db")
run "$USS" audit verify --db "$WORK/newer.db"
assert_rc_nonzero "a store of a newer schema"
assert_one_stderr_line "a store of a newer schema"
assert_match 'newer' "$ERR" "says why"
assert_eq "$sum" "$(sha "$WORK/newer.db")" "the newer store is untouched"

# 3. Unit kinds are data.
rm -f "$SRV_DB" "$SRV_DB".key "$SRV_DB"-wal "$SRV_DB"-shm
server_init
printf 'id,name,parent,kind\nQT.XA.CUAVIET,Công đoàn xã Cửa Việt,QT,commune\nQT.KCN,Công đoàn các KCN,QT,park\n' >"$WORK/new.csv"
uss units import "$WORK/new.csv"
assert_rc 0 "commune and park units"
printf 'QT.LD.GTVT,Liên đoàn ngành GTVT,QT,federation\n' >"$WORK/fed.csv"
units=$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM units')
uss units import "$WORK/fed.csv"
assert_rc 2 "a unit of an unknown kind"
assert_one_stderr_line "a unit of an unknown kind"
assert_match "unknown kind 'federation'" "$ERR" "names the kind"
assert_eq "$units" "$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM units')" "nothing imported"
kinds=$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM unit_kinds')
printf 'code,name,level,reports\nfederation,Liên đoàn ngành,1,1\nbad kind,x,1\n' >"$WORK/badkinds.csv"
uss kinds import "$WORK/badkinds.csv"
assert_rc 2 "a bad kinds file"
assert_one_stderr_line "a bad kinds file"
assert_eq "$kinds" "$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM unit_kinds')" "no kind imported"
printf 'code,name,level,reports\nfederation,Liên đoàn ngành,1,1\n' >"$WORK/kinds.csv"
uss kinds import "$WORK/kinds.csv"
assert_rc 0 "kinds import"
assert_match 'imported 1 unit kinds' "$OUT" "says what it imported"
uss units import "$WORK/fed.csv"
assert_rc 0 "a unit of the new kind"
assert_eq federation "$(sqlite3 "$SRV_DB" "SELECT k.code FROM units u JOIN unit_kinds k
    ON k.id = u.kind_id WHERE u.code = 'QT.LD.GTVT'")" "the unit refers to its kind"

e2e_finish
