/*  fuzz_common: what the fuzz targets and the seed corpus generator share.

    The handler target reads one selector byte before the request bytes; it
    picks the key the request arrives with (see FUZZ_MODE_*). The unit and
    indicator codes here are the ones fuzz_handler's store holds, so seeds
    reach the merge, not only its "unknown unit" answer.
*/
#ifndef US_FUZZ_COMMON_H
#define US_FUZZ_COMMON_H

#define FUZZ_MODES            5
#define FUZZ_MODE_SIGNED      0   /* enrolled district key with a signing key; bytes as given   */
#define FUZZ_MODE_RESIGNED    1   /* the same key; a Push is re-signed so it verifies            */
#define FUZZ_MODE_UNSIGNED    2   /* enrolled province key without a signing key; bytes as given */
#define FUZZ_MODE_STRANGER    3   /* a key that was never enrolled: must be refused              */
#define FUZZ_MODE_REVOKED     4   /* an enrolled, then revoked key: must be refused              */

#define FUZZ_PROVINCE         "QT"
#define FUZZ_DISTRICT         "QT.A"          /* the signed key's unit            */
#define FUZZ_GRASSROOTS       "QT.A.X"        /* below the district: in scope     */
#define FUZZ_OTHER            "QT.B"          /* another district: out of scope   */
#define FUZZ_SECTOR           "QT.CDN.YTE"
#define FUZZ_LOCKED_UNIT      FUZZ_GRASSROOTS /* approved for FUZZ_LOCKED_PERIOD, */
#define FUZZ_LOCKED_PERIOD    "2021-Q4"       /* which the district cannot edit   */

/* The units CSV the handler's store imports. */
#define FUZZ_UNITS_CSV                                            \
    "id,name,parent,kind\n"                                       \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province\n"            \
    "QT.A,LĐLĐ huyện A,QT,district\n"                             \
    "QT.A.X,CĐCS X,QT.A,grassroots\n"                             \
    "QT.B,LĐLĐ huyện B,QT,district\n"                             \
    "QT.CDN.YTE,Công đoàn ngành Y tế,QT,sector\n"

/* Month index of year-month, as the wire carries it. */
#define FUZZ_MONTH(y, m)      ((y) * 12 + (m) - 1)

#endif
