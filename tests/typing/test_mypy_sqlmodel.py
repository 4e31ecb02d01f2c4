"""The mypy plugin types a table's fields read on the class as columns, and nothing else."""

import textwrap
from pathlib import Path

from mypy import api

PLUGIN = Path(__file__).with_name("mypy_sqlmodel.py")

MODELS = """
    from datetime import datetime
    from typing import ClassVar

    from sqlmodel import Field, SQLModel, select

    class Draft(SQLModel):
        total: int = 0

    class Quote(SQLModel, table=True):
        kind: ClassVar[str] = "quote"
        id: int | None = Field(default=None, primary_key=True)
        created_at: datetime
        parent_id: int | None = None

    quote = Quote(created_at=datetime(2026, 1, 1))
    reveal_type(Quote.id)
    reveal_type(Quote.parent_id)
    reveal_type(Quote.created_at.desc())
    reveal_type(Quote.id == 3)
    reveal_type(quote.id)
    reveal_type(Quote.kind)
    reveal_type(Draft.total)
    select(Quote).where(Quote.id.in_([1, 2]))
    WIDE = (Quote.id, Quote.created_at, Quote.id, Quote.created_at, Quote)
    reveal_type(select(*WIDE))
    reveal_type(select(Quote.id, Quote.id, Quote.id, Quote.id))
"""


def _check(tmp_path: Path, source: str) -> tuple[str, int]:
    (tmp_path / "models.py").write_text(textwrap.dedent(source))
    (tmp_path / "mypy.ini").write_text(f"[mypy]\nstrict = true\nplugins = {PLUGIN}\n")
    out, err, status = api.run(
        [
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(tmp_path / "models.py"),
        ]
    )
    return out + err, status


def test_table_fields_on_the_class_are_columns_and_instances_keep_values(tmp_path):
    out, status = _check(tmp_path, MODELS)
    revealed = [line.split("Revealed type is ", 1)[1] for line in out.splitlines() if "Revealed type" in line]
    assert revealed == [
        '"sqlalchemy.orm.attributes.InstrumentedAttribute[int]"',
        '"sqlalchemy.orm.attributes.InstrumentedAttribute[int | None]"',
        '"sqlalchemy.sql.elements.UnaryExpression[datetime.datetime]"',
        '"sqlalchemy.sql.elements.ColumnElement[bool]"',
        '"int | None"',
        '"str"',
        '"int"',
        '"sqlmodel.sql._expression_select_cls.Select[int, datetime.datetime, int, datetime.datetime, '
        'models.Quote]"',
        '"sqlmodel.sql._expression_select_cls.Select[int, int, int, int]"',
    ], out
    assert status == 0, out
