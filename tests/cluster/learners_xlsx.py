"""A learner-import workbook for the cluster test, written with the standard library: the
import template's six columns, ROWS generated learners with valid ID numbers (check digit
by ISO 7064 MOD 11-2) and distinct phones, as inline strings in one sheet."""

import datetime
import io
import zipfile
from xml.sax.saxutils import escape

HEADERS = ["姓名", "身份证号", "手机号", "人员类别", "文化程度", "所在区县代码"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰飞鹏"


def id_number(n):
    """520102, a birth date in 1970–1999, sequence 5xx (the demo's own people use others)."""
    day = datetime.date(1970, 1, 1) + datetime.timedelta(days=n % 10950)
    body = f"520102{day:%Y%m%d}{500 + n // 10950 % 400:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def name(n):
    return SURNAMES[n % 20] + GIVEN[(n // 20) % 30] + GIVEN[(n // 600) % 30]


def row(n):
    return [name(n), id_number(n), f"166{n:08d}", "农村转移就业劳动者", "初中", "520102"]


def _col(i):
    return "ABCDEF"[i]


def workbook(rows):
    """The bytes of an .xlsx with the header and `rows` learners."""
    lines = []
    for r, cells in enumerate([HEADERS] + [row(n) for n in range(rows)], start=1):
        cs = "".join(f'<c r="{_col(i)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                     for i, v in enumerate(cells))
        lines.append(f'<row r="{r}">{cs}</row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData>{"".join(lines)}</sheetData></worksheet>')
    parts = {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>',
        "_rels/.rels":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>',
        "xl/workbook.xml":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="学员" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, text in parts.items():
            z.writestr(path, text)
    return out.getvalue()
