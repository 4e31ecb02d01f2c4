"""mypy plugin: a field of a SQLModel table read on the class is a SQL column, not a value.

SQLModel declares `id: int | None = Field(...)`, so mypy types `Quote.id` as `int | None` and every
`Quote.id.in_(...)`, `Quote.created_at.desc()` or `Quote.customer_id == x` inside a query as a plain
value (a `bool` for the comparison). At run time SQLAlchemy instruments each field of a `table=True`
model, so on the class it is an `InstrumentedAttribute[T]`; this plugin tells mypy so, which keeps the
query code free of `col(...)` wrappers while still checking it. A primary key is declared `int | None`
(None until the row is flushed), but as a column it is never NULL, so its column is typed `int`: an id
selected from the database is an int. Reading a field on an instance keeps its declared type.

SQLModel's `select()` is typed for at most four columns; a wider one fails every overload. For such a
call the plugin types it as SQLModel's `Select` of each column's type, as the four-column overloads do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import (
    ARG_POS,
    ARG_STAR,
    AssignmentStmt,
    CallExpr,
    ClassDef,
    Expression,
    NameExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import AttributeContext, ClassDefContext, FunctionSigContext, Plugin
from mypy.types import (
    AnyType,
    FunctionLike,
    Instance,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeType,
    UnionType,
    get_proper_type,
)

SQLMODEL = "sqlmodel.main.SQLModel"
INSTRUMENTED = "sqlalchemy.orm.attributes.InstrumentedAttribute"
SELECT = "sqlmodel.sql._expression_select_gen.select"
SELECT_CLASS = "sqlmodel.sql._expression_select_cls.Select"
# What a column argument of select() is, and the parameter that gives its Python type.
COLUMN_ROLES = ("sqlalchemy.sql.elements.SQLCoreOperations", "sqlalchemy.sql.roles.TypedColumnsClauseRole")
TYPED_OVERLOADS = 4  # SQLModel's select() has overloads for up to this many columns
# Kept in the class's metadata, which mypy's cache stores (a class's keywords it does not).
TABLE_KEY = "portal_sqlmodel_table"


class SQLModelTablePlugin(Plugin):
    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        return _mark_table

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        symbol = self.lookup_fully_qualified(owner)
        if symbol is None or not isinstance(symbol.node, TypeInfo):
            return None
        info = symbol.node
        if TABLE_KEY not in info.metadata or name.startswith("_"):
            return None
        field = info.names.get(name)
        if field is None or not isinstance(field.node, Var) or field.node.is_classvar:
            return None
        column = self.lookup_fully_qualified(INSTRUMENTED)
        if column is None or not isinstance(column.node, TypeInfo):
            return None
        never_null = name in info.metadata[TABLE_KEY].get("primary_keys", [])
        return partial(_column, column.node, never_null)

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        if fullname != SELECT:
            return None
        symbol = self.lookup_fully_qualified(SELECT_CLASS)
        if symbol is None or not isinstance(symbol.node, TypeInfo):
            return None
        return partial(_wide_select, symbol.node)


def _mark_table(ctx: ClassDefContext) -> None:
    if _is_true(ctx.cls.keywords.get("table")) and ctx.cls.info.has_base(SQLMODEL):
        ctx.cls.info.metadata[TABLE_KEY] = {"primary_keys": sorted(_primary_keys(ctx.cls))}


def _is_true(expression: Expression | None) -> bool:
    return isinstance(expression, NameExpr) and expression.fullname == "builtins.True"


def _primary_keys(cls: ClassDef) -> set[str]:
    """Fields declared with ``Field(..., primary_key=True)`` in the class body."""
    keys: set[str] = set()
    for statement in cls.defs.body:
        if not isinstance(statement, AssignmentStmt) or not isinstance(statement.rvalue, CallExpr):
            continue
        call = statement.rvalue
        if any(
            name == "primary_key" and _is_true(value)
            for name, value in zip(call.arg_names, call.args, strict=True)
        ):
            keys.update(target.name for target in statement.lvalues if isinstance(target, NameExpr))
    return keys


def _column(column: TypeInfo, never_null: bool, ctx: AttributeContext) -> Type:
    if ctx.is_lvalue:
        return ctx.default_attr_type
    value = ctx.default_attr_type
    if never_null:
        value = _not_none(value)
    return Instance(column, [value])


def _not_none(value: Type) -> Type:
    proper = get_proper_type(value)
    if not isinstance(proper, UnionType):
        return value
    return UnionType.make_union(
        [item for item in proper.items if not isinstance(get_proper_type(item), NoneType)]
    )


def _wide_select(select_class: TypeInfo, ctx: FunctionSigContext) -> FunctionLike:
    call = ctx.context
    if not isinstance(call, CallExpr):
        return ctx.default_signature
    if len(call.args) <= TYPED_OVERLOADS and ARG_STAR not in call.arg_kinds:
        return ctx.default_signature  # the overloads type it: no argument is checked twice
    arguments: list[Type] = []
    for argument, kind in zip(call.args, call.arg_kinds, strict=True):
        given = ctx.api.get_expression_type(argument)
        star = get_proper_type(given)
        if kind == ARG_POS:
            arguments.append(given)
        elif kind == ARG_STAR and isinstance(star, TupleType):
            arguments.extend(star.items)
        else:
            return ctx.default_signature
    columns = [_python_type(get_proper_type(argument)) for argument in arguments]
    if len(arguments) <= TYPED_OVERLOADS or any(column is None for column in columns):
        return ctx.default_signature
    return ctx.default_signature.copy_modified(
        arg_types=arguments,
        arg_kinds=[ARG_POS] * len(arguments),
        arg_names=[None] * len(arguments),
        ret_type=Instance(select_class, [column for column in columns if column is not None]),
        variables=[],
    )


def _python_type(argument: ProperType) -> Type | None:
    """The Python type a select() column yields: a model for its class, T for a column of T."""
    if isinstance(argument, AnyType):
        return argument
    if isinstance(argument, TypeType):
        return argument.item
    if isinstance(argument, FunctionLike) and argument.is_type_obj():
        return argument.items[0].ret_type
    if isinstance(argument, Instance):
        for role in COLUMN_ROLES:
            if argument.type.has_base(role):
                base = next(info for info in argument.type.mro if info.fullname == role)
                return map_instance_to_supertype(argument, base).args[0]
    return None


def plugin(version: str) -> type[Plugin]:
    return SQLModelTablePlugin
