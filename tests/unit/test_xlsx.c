/*  test_xlsx: workbooks written by libxlsxwriter (the library the office's
    template uses), read back as text and through us_sheet_open(); damaged
    and sheetless zips refused with one message. */
#include "us_test.h"
#include "us_xlsx.h"
#include "us_sheet.h"
#include "us_error.h"

#include <xlsxwriter.h>
#include <zip.h>

/* Reads the workbook file at path through us_xlsx_text; returns the text
   (freed by the caller) or NULL with the error set. */
static char *
s_read (const char *path)
{
    size_t len = 0;
    char *data = us_test_slurp (path, &len);
    cr_assert_not_null (data, "cannot read %s", path);
    char *text = NULL;
    size_t n = 0;
    int rc = us_xlsx_text (data, len, &text, &n);
    free (data);
    if (rc) {
        cr_assert_null (text);
        return NULL;
    }
    cr_assert_eq (strlen (text), n);
    return text;
}

/* Writes the workbook the tests read: strings (Vietnamese, with a tab,
   quote, comma and line break), integers, a float that is an integer to
   1e-9, a true fraction, a gap column, a gap row, a boolean, a formula. */
static void
s_make_book (const char *path)
{
    lxw_workbook *wb = workbook_new (path);
    cr_assert_not_null (wb);
    lxw_worksheet *ws = workbook_add_worksheet (wb, "Biểu mẫu");
    worksheet_write_string (ws, 0, 0, "Mã đơn vị", NULL);
    worksheet_write_string (ws, 0, 1, "Tháng 1/2022", NULL);
    worksheet_write_string (ws, 0, 3, "Ghi chú", NULL);          /* C is empty */
    worksheet_write_string (ws, 1, 0, "QT.HAILANG", NULL);
    worksheet_write_number (ws, 1, 1, 1234, NULL);
    worksheet_write_number (ws, 1, 3, 1234.5, NULL);
    worksheet_write_string (ws, 2, 0, "QT.HAILANG.CS1", NULL);
    worksheet_write_number (ws, 2, 1, 56789.0000000001, NULL);
    worksheet_write_number (ws, 2, 2, -3, NULL);
    worksheet_write_string (ws, 2, 3, "a\tb \"c\", d", NULL);
    worksheet_write_boolean (ws, 4, 0, 1, NULL);                 /* row 4 is empty */
    worksheet_write_formula_num (ws, 4, 1, "=B2+1", NULL, 1235);
    worksheet_write_number (ws, 4, 2, 12.5, NULL);
    lxw_worksheet *second = workbook_add_worksheet (wb, "Khác");
    worksheet_write_string (second, 0, 0, "not read", NULL);
    cr_assert_eq (workbook_close (wb), LXW_NO_ERROR);
}

/* The first sheet as tab-separated rows, each cell in its column. */
Test (xlsx, text)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    s_make_book (us_test_path (path, sizeof path, dir, "book.xlsx"));
    char *text = s_read (path);
    cr_assert_not_null (text, "%s", us_error_msg ());
    const char *want =
        "Mã đơn vị\tTháng 1/2022\t\tGhi chú\n"
        "QT.HAILANG\t1234\t\t1234.5\n"
        "QT.HAILANG.CS1\t56789\t-3\t\"a\tb \"\"c\"\", d\"\n"
        "\n"
        "TRUE\t1235\t12.5\n";
    cr_assert_str_eq (text, want);
    free (text);
    us_test_rmtree (dir);
}

/* us_sheet_open reads a workbook: fields in place, line = the sheet's row. */
Test (xlsx, sheet_open)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    s_make_book (us_test_path (path, sizeof path, dir, "book.xlsx"));
    us_sheet_t *s = us_sheet_open (path, US_SHEET_CP1258);    /* ignored for a workbook */
    cr_assert_not_null (s, "%s", us_error_msg ());
    cr_assert_str_eq (us_sheet_encoding_name (s), "UTF-8");
    cr_assert_eq (us_sheet_separator (s), '\t');
    char **f;
    size_t n;
    cr_assert_eq (us_sheet_next (s, &f, &n), 1);
    cr_assert_eq (n, 4);
    cr_assert_str_eq (f [0], "Mã đơn vị");
    cr_assert_str_eq (f [2], "");
    cr_assert_str_eq (f [3], "Ghi chú");
    cr_assert_eq (us_sheet_next (s, &f, &n), 1);
    cr_assert_eq (us_sheet_line (s), 2);
    cr_assert_str_eq (f [1], "1234");
    cr_assert_eq (us_sheet_next (s, &f, &n), 1);
    cr_assert_eq (n, 4);
    cr_assert_str_eq (f [1], "56789");
    cr_assert_str_eq (f [3], "a\tb \"c\", d");
    cr_assert_eq (us_sheet_next (s, &f, &n), 1);
    cr_assert_eq (us_sheet_line (s), 5, "line %d", us_sheet_line (s));
    cr_assert_str_eq (f [2], "12.5");
    cr_assert_eq (us_sheet_next (s, &f, &n), 0);
    us_sheet_destroy (&s);
    us_test_rmtree (dir);
}

/* One column only: no tab anywhere, a comma inside a field stays in it. */
Test (xlsx, one_column)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    us_test_path (path, sizeof path, dir, "col.xlsx");
    lxw_workbook *wb = workbook_new (path);
    lxw_worksheet *ws = workbook_add_worksheet (wb, NULL);
    worksheet_write_string (ws, 0, 0, "Hải Lăng, Quảng Trị", NULL);
    worksheet_write_string (ws, 1, 0, "x;y", NULL);
    worksheet_write_string (ws, 2, 0, "hai\ndòng", NULL);
    cr_assert_eq (workbook_close (wb), LXW_NO_ERROR);
    us_sheet_t *s = us_sheet_open (path, US_SHEET_AUTO);
    cr_assert_not_null (s, "%s", us_error_msg ());
    char **f;
    size_t n;
    cr_assert_eq (us_sheet_next (s, &f, &n), 1);
    cr_assert_eq (n, 1);
    cr_assert_str_eq (f [0], "Hải Lăng, Quảng Trị");
    cr_assert_eq (us_sheet_next (s, &f, &n), 1);
    cr_assert_eq (n, 1);
    cr_assert_str_eq (f [0], "x;y");
    cr_assert_eq (us_sheet_next (s, &f, &n), 1);
    cr_assert_str_eq (f [0], "hai\ndòng");
    cr_assert_eq (us_sheet_next (s, &f, &n), 0);
    us_sheet_destroy (&s);
    us_test_rmtree (dir);
}

/* Writes a zip at path holding the given parts (name, text pairs). */
static void
s_zip (const char *path, const char *const *parts, size_t n)
{
    int err = 0;
    zip_t *z = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    cr_assert_not_null (z);
    for (size_t i = 0; i < n; i += 2) {
        zip_source_t *src = zip_source_buffer (z, parts [i + 1], strlen (parts [i + 1]), 0);
        cr_assert_not_null (src);
        cr_assert_geq (zip_file_add (z, parts [i], src, ZIP_FL_OVERWRITE), 0);
    }
    cr_assert_eq (zip_close (z), 0);
}

/* Refuses path through us_sheet_open with a message holding what. */
static void
s_refused (const char *path, const char *what)
{
    us_error_clear ();
    cr_assert_null (us_sheet_open (path, US_SHEET_AUTO));
    cr_assert_not_null (strstr (us_error_msg (), what), "want '%s' in '%s'", what, us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), path), "%s", us_error_msg ());
    cr_assert_null (strchr (us_error_msg (), '\n'), "%s", us_error_msg ());
}

#define WS_OPEN "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"

/* A sheet found through workbook.xml's relations, not named sheet1.xml;
   inline strings and cells without r placed after the one before. */
Test (xlsx, parts)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    us_test_path (path, sizeof path, dir, "rel.xlsx");
    const char *parts [] = {
        "xl/workbook.xml",
        "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
        "<sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>",
        "xl/_rels/workbook.xml.rels",
        "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
        "<Relationship Id=\"rId7\" Target=\"/xl/worksheets/data.xml\"/></Relationships>",
        "xl/worksheets/sheet1.xml", WS_OPEN "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
        "<is><t>wrong</t></is></c></row></sheetData></worksheet>",
        "xl/sharedStrings.xml", "<sst><si><t>m</t></si><si><r><t>Đoàn </t></r><r><t>viên</t></r>"
        "<rPh><t>phonetic</t></rPh></si></sst>",
        "xl/worksheets/data.xml", WS_OPEN "<sheetData><row r=\"2\"><c r=\"B2\" t=\"s\"><v>1</v></c>"
        "<c t=\"inlineStr\"><is><t xml:space=\"preserve\"> x </t></is></c><c><v>7.0</v></c></row>"
        "<row><c t=\"str\"><v>f</v></c></row></sheetData></worksheet>",
    };
    s_zip (path, parts, sizeof parts / sizeof parts [0]);
    char *text = s_read (path);
    cr_assert_not_null (text, "%s", us_error_msg ());
    cr_assert_str_eq (text, "\n\tĐoàn viên\t x \t7\nf\n");
    free (text);
    us_test_rmtree (dir);
}

/* Bad workbooks: one message each, nothing read. */
Test (xlsx, refused)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    us_test_path (path, sizeof path, dir, "bad.xlsx");

    s_make_book (path);
    size_t len = 0;
    char *data = us_test_slurp (path, &len);
    us_test_write_bytes (path, data, len / 2);                  /* cut short */
    s_refused (path, "not an Excel workbook: the zip is damaged");
    for (size_t i = 200; i < len; i++)                          /* members garbled */
        data [i] ^= 0x5A;
    us_test_write_bytes (path, data, len);
    s_refused (path, "damaged");
    free (data);
    us_test_write_bytes (path, "PK\x03\x04\x14\x00\x06\x00", 8);
    s_refused (path, "not an Excel workbook");

    /* One part each: its name, its XML, and what the refusal names. Line
       breaks in a value or an attribute stay out of the one line. */
    static const struct { const char *part, *xml, *want; } bad [] = {
        { "docProps/app.xml", "<Properties/>", "the workbook has no sheet" },
        { "xl/worksheets/sheet1.xml", "<html/>", "no sheet" },
        { "xl/worksheets/sheet1.xml", WS_OPEN "<sheetData><row>", "not valid XML" },
        { "xl/worksheets/sheet1.xml", "<!DOCTYPE w [<!ENTITY a \"aaaa\">]>"
          WS_OPEN "<sheetData/></worksheet>", "declares a DTD" },
        { "xl/worksheets/sheet1.xml", WS_OPEN "<sheetData><row>"
          "<c r=\"AAAA1\"><v>1</v></c></row></sheetData></worksheet>", "cell reference 'AAAA1'" },
        { "xl/worksheets/sheet1.xml", WS_OPEN "<sheetData><row>"
          "<c r=\"A1\" t=\"s\"><v>3</v></c></row></sheetData></worksheet>",
          "names shared string '3'" },
        { "xl/worksheets/sheet1.xml", WS_OPEN "<sheetData><row>"
          "<c r=\"B2\" t=\"s\"><v>-\n3</v></c></row></sheetData></worksheet>",
          "names shared string '-\\x0A3'" },
        { "xl/worksheets/sheet1.xml", WS_OPEN "<sheetData><row>"
          "<c r=\"A&#10;1\"><v>1</v></c></row></sheetData></worksheet>", "cell reference 'A\\x0A1'" },
        { "xl/worksheets/sheet1.xml", WS_OPEN "<sheetData><row r=\"1&#13;\"></row></sheetData>"
          "</worksheet>", "row '1\\x0D'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        const char *parts [] = { bad [i].part, bad [i].xml };
        s_zip (path, parts, 2);
        s_refused (path, bad [i].want);
    }
    us_test_rmtree (dir);
}

/* More cells than US_XLSX_MAX_CELLS are refused before the text is made. */
Test (xlsx, too_many_cells)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    us_test_path (path, sizeof path, dir, "big.xlsx");
    size_t cells = US_XLSX_MAX_CELLS + 1, len = 0;
    char *xml = malloc (cells * 16 + cells / 100 * 11 + 256);
    cr_assert_not_null (xml);
    len += (size_t) sprintf (xml, WS_OPEN "<sheetData><row>");
    for (size_t i = 0; i < cells; i++)      /* rows of 100 cells, numbered by order */
        len += (size_t) sprintf (xml + len, i % 100 == 99 ? "<c><v>1</v></c></row><row>"
                                                          : "<c><v>1</v></c>");
    sprintf (xml + len, "</row></sheetData></worksheet>");
    const char *parts [] = { "xl/worksheets/sheet1.xml", xml };
    s_zip (path, parts, 2);
    free (xml);
    s_refused (path, "more than 500000 cells");
    us_test_rmtree (dir);
}
