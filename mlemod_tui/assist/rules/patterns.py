"""Small declarative builders for the common shapes of erosion.

Each returns a transformer factory for :class:`Rule.transformer`:

* :func:`module_attrs` -- ``np.float`` -> ``float``, ``np.NaN`` -> ``np.nan``
* :func:`methods` -- ``df.as_matrix()`` -> ``df.to_numpy()``
* :func:`moved` -- ``from sklearn.cross_validation import x`` -> ``sklearn.model_selection``
* :func:`kwargs` -- rename, drop or re-map keyword arguments of some calls
* :func:`pin` -- spell out an old default the notebook relied on (``n_estimators=10``)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from functools import lru_cache

import libcst as cst
from libcst import MaybeSentinel

from mlemod_tui.assist.rules.context import RuleContext
from mlemod_tui.assist.rules.cst_tools import (
    Callee,
    RuleTransformer,
    append_arg,
    atom,
    dotted,
    expr,
    has_star_kwargs,
    kwarg,
    make_kwarg,
    parse_expression,
    qualified,
    replace_func,
    string_value,
    with_args,
    with_string,
)
from mlemod_tui.assist.rules.model import TransformerFactory

CallGuard = Callable[[cst.Call, RuleTransformer], bool]


def factory(cls: type[RuleTransformer], **options: object) -> TransformerFactory:
    """A transformer factory that passes ``options`` to every new transformer."""

    def make(ctx: RuleContext) -> RuleTransformer:
        transformer = cls(ctx)
        for key, value in options.items():
            setattr(transformer, key, value)
        return transformer

    return make


def is_reference(transformer: RuleTransformer, node: cst.Name) -> bool:
    """Is this Name a use of a variable (not an attribute, keyword, parameter or import)?"""
    parent = transformer.parent()
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return False
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return False
    if isinstance(parent, (cst.ImportAlias, cst.AsName, cst.Param, cst.FunctionDef, cst.ClassDef)):
        return False
    return True


# --------------------------------------------------------------------------- module attributes


class _ModuleAttrs(RuleTransformer):
    module: str = ""
    mapping: Mapping[str, str] = {}

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        template = self.mapping.get(original_node.attr.value)
        if template is None or qualified(original_node.value, self.ctx) != self.module:
            return updated_node
        parent = self.parent()
        if isinstance(parent, cst.AssignTarget):
            return updated_node  # a compatibility shim such as ``np.float = float``: leave it
        self.hit(original_node)
        new = expr(template.replace("{mod}", "__mod__"), mod=updated_node.value)
        if isinstance(new, cst.UnaryOperation) and (
            isinstance(parent, (cst.Attribute, cst.Subscript, cst.Call))
            or (isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Power))
        ):
            new = atom(new)
        return (
            new.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
            if updated_node.lpar
            else new
        )


    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        """A bare removed name after ``from numpy import *`` (``Inf``, ``float_``)."""
        name = original_node.value
        template = self.mapping.get(name)
        if template is None or not self.ctx.star_imported(self.module):
            return updated_node
        if self.ctx.imported(name) or not is_reference(self, original_node):
            return updated_node
        if isinstance(self.parent(), cst.AssignTarget) or _assigned(name, self.ctx.notebook_text):
            return updated_node  # the notebook defines this name itself
        bare = template.replace("{mod}.", "")
        if not re.fullmatch(r"-?(?:[A-Za-z_]\w*|\d+(?:\.\d*)?)", bare):
            return updated_node  # the replacement lives in a submodule: leave it to the model
        self.hit(original_node)
        new = parse_expression(bare)
        if isinstance(new, cst.UnaryOperation) and isinstance(
            self.parent(), (cst.UnaryOperation, cst.BinaryOperation, cst.Attribute, cst.Subscript)
        ):
            new = atom(new)
        return new


def _assigned(name: str, text: str) -> bool:
    """Does the notebook bind ``name`` itself (``name = ...``, ``def name``, ``class name``)?"""
    n = re.escape(name)
    return re.search(rf"^\s*(?:(?:def|class)\s+{n}\b|{n}\s*=(?!=))", text, re.M) is not None


def module_attrs(module: str, mapping: Mapping[str, str]) -> TransformerFactory:
    """Replace ``<module alias>.<name>``; ``{mod}`` in a template is the alias as written."""
    return factory(_ModuleAttrs, module=module, mapping=dict(mapping))


# --------------------------------------------------------------------------- methods


class _Methods(RuleTransformer):
    mapping: Mapping[str, str] = {}
    guard: CallGuard | None = None
    not_modules: tuple[str, ...] = ()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if not isinstance(func, cst.Attribute):
            return updated_node
        new = self.mapping.get(func.attr.value)
        if new is None:
            return updated_node
        receiver = qualified(func.value, self.ctx)
        if receiver is not None and self.not_modules and receiver.startswith(self.not_modules):
            return updated_node
        if self.guard is not None and not self.guard(original_node, self):
            return updated_node
        self.hit(original_node)
        return replace_func(updated_node, new)


def methods(
    mapping: Mapping[str, str], *, guard: CallGuard | None = None, not_modules: Collection[str] = ()
) -> TransformerFactory:
    """Rename called methods on any receiver (except receivers from ``not_modules``)."""
    return factory(_Methods, mapping=dict(mapping), guard=guard, not_modules=tuple(not_modules))


class _Attrs(RuleTransformer):
    mapping: Mapping[str, str] = {}

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        new = self.mapping.get(original_node.attr.value)
        if new is None:
            return updated_node
        self.hit(original_node)
        if "(" in new or "." in new:
            return expr(f"__v__.{new}", v=updated_node.value)
        return updated_node.with_changes(attr=cst.Name(new))


def attributes(mapping: Mapping[str, str]) -> TransformerFactory:
    """Rename attribute access on any object (``leg.legendHandles`` -> ``leg.legend_handles``)."""
    return factory(_Attrs, mapping=dict(mapping))


# --------------------------------------------------------------------------- moved modules


class MovedNames(RuleTransformer):
    """Imports and dotted uses of modules or names that moved.

    ``moves`` maps an old module (``sklearn.cross_validation``) or an old qualified name
    (``sklearn.preprocessing.Imputer``) to its new place. ``only`` limits a module move to
    some of its names (``collections`` -> ``collections.abc`` only for the ABCs).
    """

    moves: Mapping[str, str] = {}
    only: Mapping[str, Collection[str]] = {}

    @property
    def extra_statements(self) -> re.Pattern[str] | None:  # type: ignore[override]
        """A moved name whose last part changes is renamed wherever the cell uses it."""
        return _renamed_words(tuple(sorted(self.moves.items())))

    def _target(self, old: str) -> str | None:
        """The new qualified name for ``old`` (a module, or module.name), or None."""
        if old in self.only:
            return None  # only some of this module's names moved, not the module
        if old in self.moves:
            module, _, name = old.rpartition(".")
            if module in self.only and name not in self.only[module]:
                return None
            return self.moves[old]
        module, _, name = old.rpartition(".")
        while module:
            if module in self.moves:
                if module in self.only and name.split(".")[0] not in self.only[module]:
                    return None
                return self.moves[module] + old[len(module) :]
            module, _, more = module.rpartition(".")
            name = f"{more}.{name}"
        return None

    # -- import statements

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if len(updated_node.body) != 1:
            return updated_node
        stmt = updated_node.body[0]
        if isinstance(stmt, cst.ImportFrom):
            lines = self._from_import(stmt)
        elif isinstance(stmt, cst.Import):
            lines = self._import(stmt)
        else:
            return updated_node
        if lines is None:
            return updated_node
        self.hit(original_node)
        out = [updated_node.with_changes(body=[lines[0]])]
        for extra in lines[1:]:
            out.append(cst.SimpleStatementLine(body=[extra]))
        return cst.FlattenSentinel(out) if len(out) > 1 else out[0]

    def _from_import(self, stmt: cst.ImportFrom) -> list[cst.BaseSmallStatement] | None:
        if stmt.relative or stmt.module is None or isinstance(stmt.names, cst.ImportStar):
            return None
        module = dotted(stmt.module)
        if module is None:
            return None
        groups: dict[str, list[tuple[str, str | None]]] = {}
        plain_imports: list[tuple[str, str | None]] = []
        moved = False
        for alias in stmt.names:
            name = dotted(alias.name) or ""
            asname = (
                alias.asname.name.value
                if alias.asname and isinstance(alias.asname.name, cst.Name)
                else None
            )
            new = self._target(f"{module}.{name}")
            if new is None:
                groups.setdefault(module, []).append((name, asname))
                continue
            moved = True
            new_module, _, new_name = new.rpartition(".")
            # Without an alias the local name follows the new name; leave_Name renames uses.
            target = plain_imports if not new_module else groups.setdefault(new_module, [])
            target.append((new_name, asname if asname != new_name else None))
        if not moved:
            return None
        out: list[cst.BaseSmallStatement] = []
        for new_module, names in groups.items():
            aliases = [
                cst.ImportAlias(
                    name=cst.Name(n),
                    asname=cst.AsName(name=cst.Name(a)) if a and a != n else None,
                )
                for n, a in names
            ]
            if new_module == module and out == [] and len(groups) == 1:
                out.append(stmt.with_changes(names=aliases))
            else:
                out.append(_from_stmt(new_module, aliases, stmt if not out else None))
        for name, asname in plain_imports:
            out.append(
                cst.Import(
                    names=[
                        cst.ImportAlias(
                            name=cst.Name(name),
                            asname=cst.AsName(name=cst.Name(asname)) if asname else None,
                        )
                    ]
                )
            )
        return out

    def _import(self, stmt: cst.Import) -> list[cst.BaseSmallStatement] | None:
        names = []
        moved = False
        for alias in stmt.names:
            name = dotted(alias.name) or ""
            new = self.moves.get(name) if name not in self.only else None
            if new is None:
                names.append(alias)
                continue
            moved = True
            names.append(alias.with_changes(name=parse_expression(new)))
        if not moved:
            return None
        return [stmt.with_changes(names=names)]

    # -- uses in code

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        parent = self.parent()
        if isinstance(parent, cst.Attribute) and parent.value is original_node:
            return updated_node  # handle the whole chain at its outermost node
        if isinstance(parent, (cst.Import, cst.ImportFrom, cst.ImportAlias)):
            return updated_node
        name = dotted(original_node)
        old = qualified(original_node, self.ctx)
        if name is None or old is None:
            return updated_node
        new = self._target(old)
        if new is None or new == old:
            return updated_node
        head = name.split(".", 1)[0]
        head_target = self.ctx.lookup(head) or head
        if head_target != head and self._target(head_target) is not None:
            return updated_node  # the head itself moved: its import and leave_Name handle it
        # find how much of the chain the head already covers
        if new.startswith(head_target + "."):
            code = head + new[len(head_target) :]
        else:
            code = self.spell(new)
        self.hit(original_node)
        return parse_expression(code)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        target = self.ctx.lookup(original_node.value)
        if target is None or original_node.value != target.rsplit(".", 1)[-1]:
            return updated_node  # only plain ``from m import Name`` bindings get renamed
        if not is_reference(self, original_node):
            return updated_node
        new = self._target(target)
        if new is None:
            return updated_node
        new_name = new.rsplit(".", 1)[-1]
        if new_name == original_node.value:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(value=new_name)


@lru_cache(maxsize=256)
def _renamed_words(moves: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    words = sorted(
        {o.rsplit(".", 1)[-1] for o, n in moves if o.rsplit(".", 1)[-1] != n.rsplit(".", 1)[-1]}
    )
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b") if words else None


def _from_stmt(
    module: str, aliases: list[cst.ImportAlias], like: cst.ImportFrom | None
) -> cst.ImportFrom:
    node = cst.ensure_type(
        cst.parse_statement(f"from {module} import x\n"), cst.SimpleStatementLine
    )
    new = cst.ensure_type(node.body[0], cst.ImportFrom).with_changes(names=aliases)
    if like is not None:
        new = new.with_changes(
            lpar=like.lpar if len(aliases) > 1 else None,
            rpar=like.rpar if len(aliases) > 1 else None,
        )
    return new


def moved(
    moves: Mapping[str, str], *, only: Mapping[str, Collection[str]] | None = None
) -> TransformerFactory:
    """Rewrite imports and dotted uses of modules or names that moved."""
    return factory(MovedNames, moves=dict(moves), only=dict(only or {}))


# --------------------------------------------------------------------------- keyword arguments


class _Kwargs(RuleTransformer):
    callee: Callee | None = None
    rename: Mapping[str, str] = {}
    drop: Collection[str] = ()
    values: Mapping[str, Mapping[str, str]] = {}
    numbers: Mapping[str, Mapping[str, str]] = {}
    guard: CallGuard | None = None

    def _new_value(self, key: str, node: cst.BaseExpression) -> str | None:
        """The replacement source for ``key=node``: by string literal, or by number literal."""
        text = string_value(node)
        if text is not None:
            return self.values.get(key, {}).get(text)
        if isinstance(node, (cst.Integer, cst.Float)):
            return self.numbers.get(key, {}).get(node.value)
        return None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.callee is None:
            return updated_node
        if dotted(original_node.func) == "dict" and self._feeds_a_callee(original_node):
            return self._rewrite_args(original_node, updated_node)
        if not self.callee.matches(original_node, self.ctx):
            return updated_node
        if self.guard is not None and not self.guard(original_node, self):
            return updated_node
        return self._rewrite_args(original_node, updated_node)

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        """``kw = {'normed': True}`` passed on as ``hist(x, **kw)``: the keys are keywords."""
        if self.callee is None or not self._feeds_a_callee(original_node):
            return updated_node
        elements: list[cst.BaseDictElement] = []
        touched = False
        for element in updated_node.elements:
            key = string_value(element.key) if isinstance(element, cst.DictElement) else None
            if isinstance(element, cst.DictElement) and key is not None:
                if key in self.drop:
                    touched = True
                    continue
                if (new_value := self._new_value(key, element.value)) is not None:
                    element = element.with_changes(value=parse_expression(new_value))
                    touched = True
                if key in self.rename and isinstance(element.key, cst.SimpleString):
                    element = element.with_changes(key=with_string(element.key, self.rename[key]))
                    touched = True
            elements.append(element)
        if not touched:
            return updated_node
        self.hit(original_node)
        if elements and elements[-1].comma is not MaybeSentinel.DEFAULT and len(elements) < len(
            updated_node.elements
        ):
            elements[-1] = elements[-1].with_changes(comma=MaybeSentinel.DEFAULT)
        return updated_node.with_changes(elements=elements)

    def _feeds_a_callee(self, node: cst.BaseExpression) -> bool:
        """Is ``node`` the value of ``name = ...`` and ``name`` passed as ``**name`` to one of
        the calls this rule fixes, somewhere in the notebook?"""
        parent = self.parent()
        if not isinstance(parent, cst.Assign) or parent.value is not node:
            return False
        if len(parent.targets) != 1 or not isinstance(parent.targets[0].target, cst.Name):
            return False
        assert self.callee is not None
        name = parent.targets[0].target.value
        callees = "|".join(map(re.escape, sorted(self.callee.names)))
        pattern = rf"\b(?:{callees})\s*\((?:[^()]|\([^()]*\))*\*\*{re.escape(name)}\b"
        return re.search(pattern, self.ctx.notebook_text or self.ctx.source) is not None

    def _rewrite_args(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        new_args = []
        touched = False
        for arg in updated_node.args:
            key = arg.keyword.value if arg.keyword is not None else None
            if key in self.drop:
                touched = True
                continue
            if key is not None and (new_value := self._new_value(key, arg.value)) is not None:
                arg = arg.with_changes(value=parse_expression(new_value))
                touched = True
            if key is not None and key in self.rename:
                arg = arg.with_changes(keyword=cst.Name(self.rename[key]))
                touched = True
            new_args.append(arg)
        if not touched:
            return updated_node
        self.hit(original_node)
        return with_args(updated_node, new_args)


def kwargs(
    callee: Callee,
    *,
    rename: Mapping[str, str] | None = None,
    drop: Collection[str] = (),
    values: Mapping[str, Mapping[str, str]] | None = None,
    numbers: Mapping[str, Mapping[str, str]] | None = None,
    guard: CallGuard | None = None,
) -> TransformerFactory:
    """Rename, drop, or re-map the literal values of keyword arguments of matching calls.

    ``values`` maps a keyword to {old string literal: new Python source}, e.g.
    ``{"criterion": {"mse": "'squared_error'"}}``; ``numbers`` the same for number literals
    as written (``{"min_df": {"0": "1"}}``).
    """
    make = factory(
        _Kwargs,
        callee=callee,
        rename=dict(rename or {}),
        drop=tuple(drop),
        values={k: dict(v) for k, v in (values or {}).items()},
        numbers={k: dict(v) for k, v in (numbers or {}).items()},
        guard=guard,
    )
    keys = sorted({*(rename or {}), *drop, *(values or {}), *(numbers or {})})
    # The same keywords as keys of a dict literal passed on with ``**``: see _Kwargs.leave_Dict.
    return _KeywordTriggered(make, tuple(rf"['\"]{re.escape(k)}['\"]\s*:" for k in keys))


class _KeywordTriggered:
    """A transformer factory that also names the trigger regexes of its keywords
    (``Rule.__post_init__`` adds ``keyword_triggers`` to the rule's triggers)."""

    def __init__(self, make: TransformerFactory, keyword_triggers: tuple[str, ...]) -> None:
        self.make = make
        self.keyword_triggers = keyword_triggers

    def __call__(self, ctx: RuleContext) -> RuleTransformer:
        return self.make(ctx)


class _Pin(RuleTransformer):
    callee: Callee | None = None
    name: str = ""
    value: str = ""
    unless: Collection[str] = ()
    guard: CallGuard | None = None
    max_positional: int | None = None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.callee is None or not self.callee.matches(original_node, self.ctx):
            return updated_node
        if kwarg(original_node, self.name) is not None or has_star_kwargs(original_node):
            return updated_node
        if any(kwarg(original_node, other) is not None for other in self.unless):
            return updated_node
        if (
            self.max_positional is not None
            and sum(1 for a in original_node.args if a.keyword is None) > self.max_positional
        ):
            return updated_node  # passed positionally in an old signature
        if self.guard is not None and not self.guard(original_node, self):
            return updated_node
        self.hit(original_node)
        return append_arg(updated_node, make_kwarg(self.name, self.value))


def pin(
    callee: Callee,
    name: str,
    value: str,
    *,
    unless: Collection[str] = (),
    guard: CallGuard | None = None,
    max_positional: int | None = None,
) -> TransformerFactory:
    """Add ``name=value`` to matching calls that leave it to the (changed) default."""
    return factory(
        _Pin,
        callee=callee,
        name=name,
        value=value,
        unless=tuple(unless),
        guard=guard,
        max_positional=max_positional,
    )


# --------------------------------------------------------------------------- string arguments


class _StringArgs(RuleTransformer):
    callee: Callee | None = None
    keywords: Collection[str] = ()
    position: int | None = None
    convert: Callable[[str], str | None] = staticmethod(lambda s: None)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.callee is None or not self.callee.matches(original_node, self.ctx):
            return updated_node
        args = list(updated_node.args)
        touched = False
        for i, arg in enumerate(args):
            positional_index = sum(1 for a in args[:i] if a.keyword is None)
            wanted = (arg.keyword is not None and arg.keyword.value in self.keywords) or (
                arg.keyword is None and arg.star == "" and positional_index == self.position
            )
            if not wanted:
                continue
            new_values = _convert_literal(arg.value, self.convert)
            if new_values is not None:
                args[i] = arg.with_changes(value=new_values)
                touched = True
        if not touched:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(args=args)


def _convert_literal(
    node: cst.BaseExpression, convert: Callable[[str], str | None]
) -> cst.BaseExpression | None:
    """Convert a string literal, or the string literals of a list/tuple literal."""
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        new = convert(value) if value is not None else None
        return with_string(node, new) if new is not None and new != value else None
    if isinstance(node, (cst.List, cst.Tuple)):
        elements = []
        touched = False
        for element in node.elements:
            converted = _convert_literal(element.value, convert)
            if converted is not None:
                element = element.with_changes(value=converted)
                touched = True
            elements.append(element)
        return node.with_changes(elements=elements) if touched else None
    return None


def string_args(
    callee: Callee,
    convert: Callable[[str], str | None],
    *,
    keywords: Collection[str] = (),
    position: int | None = None,
) -> TransformerFactory:
    """Convert string-literal arguments (by keyword or position) with ``convert``."""
    return factory(
        _StringArgs,
        callee=callee,
        keywords=tuple(keywords),
        position=position,
        convert=convert,
    )
