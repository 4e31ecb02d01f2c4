"""What the contractor offers on the request form: pre-written descriptions and optional items."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Field, SQLModel

from portal.models.base import choice, text


class ScriptUse(StrEnum):
    QUOTE = "quote"
    JOB = "job"
    BOTH = "both"


class DescriptionScript(SQLModel, table=True):
    __tablename__ = "description_script"

    id: int | None = Field(default=None, primary_key=True)
    title: str = text(120)
    body: str = text(4000)
    use: ScriptUse = choice(ScriptUse, ScriptUse.BOTH)
    is_active: bool = True


class ItemKind(StrEnum):
    LABOUR = "labour"
    MATERIAL = "material"


class OptionalItem(SQLModel, table=True):
    """The contractor's price list; the items ``offered`` are the Optional Items customers may add
    to a request."""

    __tablename__ = "optional_item"

    id: int | None = Field(default=None, primary_key=True)
    name: str = text(200)
    description: str = text(1000)
    unit_price_cents: int
    kind: ItemKind = choice(ItemKind, ItemKind.MATERIAL)
    offered: bool = True
    is_active: bool = True
