"""xgboost and lightgbm: fit() arguments moved to the constructor or to callbacks.

Both libraries call it ``fit(..., early_stopping_rounds=)``, with different fixes, so a fit
call is attributed to a library by how its model was made (``m = XGBClassifier(...)``) or,
failing that, by which of the two the notebook imports.
"""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.context import RuleContext
from mlemod_tui.assist.rules.cst_tools import (
    Callee,
    RuleTransformer,
    append_arg,
    call_name,
    dotted,
    expr,
    kwarg,
    make_kwarg,
    qualified,
    remove_kwargs,
    set_kwarg,
    string,
    string_value,
    with_args,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, kwargs, pin

XGB_MODELS = Callee.of(
    "XGBClassifier",
    "XGBRegressor",
    "XGBRanker",
    "XGBRFClassifier",
    "XGBRFRegressor",
    modules=("xgboost",),
)


def model_library(receiver: cst.BaseExpression, t: RuleTransformer) -> str | None:
    """'xgboost', 'lightgbm' or None for the object a ``.fit`` is called on."""
    if isinstance(receiver, cst.Call):
        name = call_name(receiver) or ""
        return (
            "xgboost" if name.startswith("XGB") else "lightgbm" if name.startswith("LGBM") else None
        )
    variable = dotted(receiver)
    text = (t.ctx.notebook_text or "") + "\n" + t.ctx.source
    if variable:
        made = re.search(rf"(?m)^\s*{re.escape(variable)}\s*=\s*[\w.]*?(XGB|LGBM)\w*\(", text)
        if made:
            return "xgboost" if made.group(1) == "XGB" else "lightgbm"
    libraries = {
        q.split(".", 1)[0] for q in (*t.ctx.cell_imports.values(), *t.ctx.notebook_imports.values())
    }
    found = libraries & {"xgboost", "lightgbm"}
    return found.pop() if len(found) == 1 else None


class FitToParams(RuleTransformer):
    """xgboost: ``m.fit(..., early_stopping_rounds=10)`` -> ``m.set_params(...)`` first."""

    moved_kw: tuple[str, ...] = ()

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.pending: list[cst.SimpleStatementLine] = []

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "fit" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        found = [a for a in updated_node.args if a.keyword and a.keyword.value in self.moved_kw]
        if not found or model_library(original_node.func.value, self) != "xgboost":
            return updated_node
        receiver = cst.ensure_type(updated_node.func, cst.Attribute).value
        call = remove_kwargs(updated_node, [a.keyword.value for a in found])  # type: ignore[union-attr]
        moved_args = [make_kwarg(a.keyword.value, a.value) for a in found]  # type: ignore[union-attr]
        if isinstance(receiver, cst.Call):  # XGBClassifier().fit(...): into the constructor
            ctor = receiver
            for arg in moved_args:
                ctor = append_arg(ctor, arg)
            self.hit(original_node)
            return call.with_changes(
                func=cst.ensure_type(call.func, cst.Attribute).with_changes(value=ctor)
            )
        if not isinstance(receiver, (cst.Name, cst.Attribute)):
            return updated_node
        set_params = cst.Call(cst.Attribute(receiver, cst.Name("set_params")), args=moved_args)
        self.pending.append(cst.SimpleStatementLine([cst.Expr(set_params)]))
        self.hit(original_node)
        return call

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if not self.pending:
            return updated_node
        lines = [*self.pending, updated_node.with_changes(leading_lines=[])]
        lines[0] = lines[0].with_changes(leading_lines=updated_node.leading_lines)
        self.pending = []
        return cst.FlattenSentinel(lines)


class GpuSettings(RuleTransformer):
    """``tree_method='gpu_hist'`` -> ``'hist'`` + ``device='cuda'``; ``gpu_id=0`` -> ``device``."""

    part = "hist"  # or "id"

    def _new_device(self, gpu_id: cst.BaseExpression | None) -> cst.BaseExpression:
        if gpu_id is None:
            return string("cuda")
        if isinstance(gpu_id, cst.Integer):
            return string(f"cuda:{gpu_id.value}")
        return expr("f'cuda:{__g__}'", g=gpu_id)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not XGB_MODELS.matches(original_node, self.ctx):
            return updated_node
        if self.part == "id":
            gpu = kwarg(original_node, "gpu_id")
            if gpu is None:
                return updated_node
            self.hit(original_node)
            call = remove_kwargs(updated_node, ["gpu_id"])
            return (
                set_kwarg(call, "device", self._new_device(gpu.value))
                if not kwarg(call, "device")
                else call
            )
        method = kwarg(original_node, "tree_method")
        predictor = kwarg(original_node, "predictor")
        if string_value(method.value if method else None) != "gpu_hist" and not (
            predictor and string_value(predictor.value) == "gpu_predictor"
        ):
            return updated_node
        self.hit(original_node)
        call = remove_kwargs(updated_node, ["predictor"])
        if method is not None and string_value(method.value) == "gpu_hist":
            # string_value found a plain string literal: a SimpleString
            quote = cst.ensure_type(method.value, cst.SimpleString).quote
            call = set_kwarg(call, "tree_method", string("hist", quote))
            if kwarg(call, "device") is None and kwarg(call, "gpu_id") is None:
                call = append_arg(call, make_kwarg("device", self._new_device(None)))
        return call

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        keys = {
            string_value(e.key): e for e in updated_node.elements if isinstance(e, cst.DictElement)
        }
        elements = list(updated_node.elements)
        if self.part == "id" and "gpu_id" in keys:
            element = keys["gpu_id"]
            index = elements.index(element)
            elements[index] = element.with_changes(
                key=string("device", cst.ensure_type(element.key, cst.SimpleString).quote),
                value=self._new_device(element.value),
            )
        elif (
            self.part == "hist"
            and string_value(getattr(keys.get("tree_method"), "value", None)) == "gpu_hist"
        ):
            element = keys["tree_method"]
            index = elements.index(element)
            quote = cst.ensure_type(element.key, cst.SimpleString).quote
            elements[index] = element.with_changes(value=string("hist", quote))
            if "device" not in keys and "gpu_id" not in keys:
                elements.insert(
                    index + 1,
                    cst.DictElement(
                        string("device", quote), string("cuda", quote), comma=element.comma
                    ),
                )
                elements[index] = elements[index].with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
        else:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(elements=elements)


class NtreeLimit(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        limit = kwarg(original_node, "ntree_limit")
        if limit is None or call_name(original_node) not in ("predict", "predict_proba", "apply"):
            return updated_node
        self.hit(original_node)
        call = remove_kwargs(updated_node, ["ntree_limit"])
        value = cst.ensure_type(kwarg(updated_node, "ntree_limit"), cst.Arg).value
        if isinstance(value, cst.Integer) and value.value == "0":
            return call
        if isinstance(value, cst.Attribute) and value.attr.value == "best_ntree_limit":
            end = expr("__m__.best_iteration + 1", m=value.value)
        else:
            end = value
        return append_arg(
            call,
            make_kwarg(
                "iteration_range", cst.Tuple([cst.Element(cst.Integer("0")), cst.Element(end)])
            ),
        )


class LgbCallbacks(RuleTransformer):
    """lightgbm 4: logging, early stopping and recording moved from arguments to callbacks."""

    scope = "train"  # "train" for lgb.train / lgb.cv, "fit" for LGBM*.fit
    moved_kw: tuple[str, ...] = ()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if self.scope == "train":
            target = qualified(original_node.func, self.ctx)
            if name not in ("train", "cv") or target not in ("lightgbm.train", "lightgbm.cv"):
                return updated_node
        else:
            if name != "fit" or not isinstance(original_node.func, cst.Attribute):
                return updated_node
            if model_library(original_node.func.value, self) != "lightgbm":
                return updated_node
        found = [a for a in original_node.args if a.keyword and a.keyword.value in self.moved_kw]
        if not found:
            return updated_node
        lgb = self.module_name("lightgbm", "lgb")
        callbacks: list[cst.BaseExpression] = []
        for arg in found:
            key = arg.keyword.value  # type: ignore[union-attr]
            value = arg.value
            if key == "early_stopping_rounds":
                callbacks.append(expr(f"{lgb}.early_stopping(__v__)", v=value))
            elif key in ("verbose_eval", "verbose"):
                if isinstance(value, cst.Name) and value.value == "False":
                    continue
                period = (
                    cst.Integer("1")
                    if isinstance(value, cst.Name) and value.value == "True"
                    else value
                )
                callbacks.append(expr(f"{lgb}.log_evaluation(__v__)", v=period))
            elif key == "evals_result":
                callbacks.append(expr(f"{lgb}.record_evaluation(__v__)", v=value))
        self.hit(original_node)
        call = remove_kwargs(updated_node, [a.keyword.value for a in found])  # type: ignore[union-attr]
        if not callbacks:
            return call
        existing = kwarg(call, "callbacks")
        new_items = [cst.Element(c) for c in callbacks]
        if existing is None:
            return append_arg(call, make_kwarg("callbacks", cst.List(new_items)))
        if isinstance(existing.value, cst.List):
            merged = existing.value.with_changes(elements=[*existing.value.elements, *new_items])
            return set_kwarg(call, "callbacks", merged)
        return set_kwarg(
            call, "callbacks", expr("__c__ + __n__", c=existing.value, n=cst.List(new_items))
        )


class LgbCvKeys(RuleTransformer):
    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        if len(original_node.slice) != 1 or not isinstance(original_node.slice[0].slice, cst.Index):
            return updated_node
        index = original_node.slice[0].slice.value
        key = string_value(index)
        if key is None or not re.fullmatch(r"[\w@]+-(?:mean|stdv)", key):
            return updated_node
        holder = original_node.value
        is_cv = isinstance(holder, cst.Call) and qualified(holder.func, self.ctx) == "lightgbm.cv"
        name = dotted(holder)
        if name and not is_cv:
            text = (self.ctx.notebook_text or "") + "\n" + self.ctx.source
            is_cv = re.search(rf"(?m)^\s*{re.escape(name)}\s*=\s*[\w.]*\bcv\(", text) is not None
        if not is_cv:
            return updated_node
        self.hit(original_node)
        new = string(f"valid {key}", cst.ensure_type(index, cst.SimpleString).quote)
        return updated_node.with_changes(slice=[cst.SubscriptElement(cst.Index(new))])


class LgbEvalSet(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        eval_set = kwarg(original_node, "eval_set")
        if (
            eval_set is None
            or call_name(original_node) != "fit"
            or not isinstance(original_node.func, cst.Attribute)
        ):
            return updated_node
        if model_library(original_node.func.value, self) != "lightgbm":
            return updated_node
        pairs = eval_set.value
        if not isinstance(pairs, (cst.List, cst.Tuple)) or not all(
            isinstance(e.value, cst.Tuple) and len(e.value.elements) == 2 for e in pairs.elements
        ):
            self.hit(original_node, fixed=False)
            return updated_node
        xs = cst.Tuple([cst.Element(e.value.elements[0].value) for e in pairs.elements])  # type: ignore[attr-defined]
        ys = cst.Tuple([cst.Element(e.value.elements[1].value) for e in pairs.elements])  # type: ignore[attr-defined]
        if len(pairs.elements) == 1:
            xs = xs.with_changes(elements=[xs.elements[0].with_changes(comma=cst.Comma())])
            ys = ys.with_changes(elements=[ys.elements[0].with_changes(comma=cst.Comma())])
        self.hit(original_node)
        args = []
        for a in updated_node.args:
            if a.keyword is not None and a.keyword.value == "eval_set":
                args.append(
                    make_kwarg("eval_X", xs).with_changes(
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    )
                )
                args.append(make_kwarg("eval_y", ys).with_changes(comma=a.comma))
            else:
                args.append(a)
        return with_args(updated_node, args)


def _lgb_rule(
    rule_id: str, scope: str, key: str, callback: str, changed: str = "4.0 (deprecated 3.3)"
) -> Rule:
    where = "`lgb.train` / `lgb.cv`" if scope == "train" else "`LGBM*.fit`"
    owner = r"(?:train|cv)" if scope == "train" else r"LGBM\w+\.fit"
    return Rule(
        id=rule_id,
        library="lightgbm",
        changed_in=changed,
        kind="crash",
        summary=f"{where} lost `{key}=`: it is a callback now",
        replacement=f"`callbacks=[lgb.{callback}(...)]`",
        triggers=(rf"\b{key}\s*=",),
        transformer=factory(LgbCallbacks, scope=scope, moved_kw=(key,)),
        crash=Crash(("TypeError",), rf"{owner}\(\) got an unexpected keyword argument '{key}'"),
    )


RULES: list[Rule] = [
    Rule(
        id="xgb-fit-early-stopping",
        library="xgboost",
        changed_in="2.1 (deprecated 1.6)",
        kind="crash",
        summary="`fit(early_stopping_rounds=)` moved to the constructor",
        replacement="`XGBClassifier(early_stopping_rounds=10).fit(X, y, eval_set=[...])`",
        triggers=(r"early_stopping_rounds",),
        transformer=factory(FitToParams, moved_kw=("early_stopping_rounds",)),
        crash=Crash(
            ("TypeError",),
            r"XGB\w+\.fit\(\) got an unexpected keyword argument 'early_stopping_rounds'",
        ),
    ),
    Rule(
        id="xgb-fit-eval-metric",
        library="xgboost",
        changed_in="2.1 (deprecated 1.6)",
        kind="crash",
        summary="`fit(eval_metric=)` (and `callbacks=`) moved to the constructor",
        replacement="`XGBClassifier(eval_metric='auc')`",
        triggers=(r"eval_metric|callbacks",),
        transformer=factory(FitToParams, moved_kw=("eval_metric", "callbacks")),
        crash=Crash(
            ("TypeError",),
            r"XGB\w+\.fit\(\) got an unexpected keyword argument '(?:eval_metric|callbacks)'",
        ),
    ),
    Rule(
        id="xgb-gpu-id",
        library="xgboost",
        changed_in="3.1 (deprecated 2.0)",
        kind="crash",
        summary="`gpu_id` was removed",
        replacement="`device='cuda:0'`",
        triggers=(r"gpu_id",),
        transformer=factory(GpuSettings, part="id"),
        crash=Crash(("XGBoostError",), r"`gpu_id` has been removed"),
    ),
    Rule(
        id="xgb-gpu-hist",
        library="xgboost",
        changed_in="3.1 (deprecated 2.0)",
        kind="crash",
        summary="`tree_method='gpu_hist'` was removed",
        replacement="`tree_method='hist', device='cuda'`",
        triggers=(r"gpu_hist|gpu_predictor",),
        transformer=factory(GpuSettings, part="hist"),
        crash=Crash(("XGBoostError",), r"Invalid Input: 'gpu_hist'|No visible GPU|gpu_hist"),
    ),
    Rule(
        id="xgb-label-classes",
        library="xgboost",
        changed_in="1.6 (deprecated 1.3)",
        kind="crash",
        summary="XGBClassifier no longer encodes labels: classes must be 0..n-1",
        replacement="`y_enc = LabelEncoder().fit_transform(y)` (invert with `inverse_transform`)",
        crash=Crash(("ValueError",), r"Invalid classes inferred from unique values of `y`"),
        crash_only=True,
        hint="Encode the target first: `le = LabelEncoder(); y = le.fit_transform(y)`, and map "
        "predictions back with `le.inverse_transform(pred)`.",
    ),
    Rule(
        id="xgb-ntree-limit",
        library="xgboost",
        changed_in="2.0 (deprecated 1.4)",
        kind="crash",
        summary="`predict(ntree_limit=)` was removed",
        replacement="`model.predict(X, iteration_range=(0, model.best_iteration + 1))`",
        triggers=(r"ntree_limit",),
        transformer=factory(NtreeLimit),
        crash=Crash(("TypeError",), r"unexpected keyword argument 'ntree_limit'"),
    ),
    Rule(
        id="xgb-use-label-encoder",
        library="xgboost",
        changed_in="2.0",
        kind="warning-only",
        summary="`use_label_encoder` was removed and is ignored with a warning",
        replacement="drop the argument",
        triggers=(r"use_label_encoder",),
        transformer=kwargs(XGB_MODELS, drop=["use_label_encoder"]),
    ),
    Rule(
        id="xgb-default-tree-method",
        library="xgboost",
        changed_in="2.0",
        kind="silent-score-change",
        summary="the default `tree_method` went from 'exact'/'approx' ('auto') to 'hist'",
        replacement="`tree_method='exact'` to reproduce old numbers",
        triggers=(r"XGB\w*\(",),
        transformer=pin(XGB_MODELS, "tree_method", "'exact'"),
    ),
    _lgb_rule("lgb-train-early-stopping", "train", "early_stopping_rounds", "early_stopping"),
    _lgb_rule("lgb-train-verbose-eval", "train", "verbose_eval", "log_evaluation"),
    _lgb_rule("lgb-train-evals-result", "train", "evals_result", "record_evaluation"),
    _lgb_rule("lgb-fit-early-stopping", "fit", "early_stopping_rounds", "early_stopping"),
    _lgb_rule("lgb-fit-verbose", "fit", "verbose", "log_evaluation"),
    Rule(
        id="lgb-cv-result-keys",
        library="lightgbm",
        changed_in="4.0",
        kind="crash",
        summary="`lgb.cv` result keys carry the data set name now (`'valid auc-mean'`)",
        replacement="`res['valid auc-mean']`",
        triggers=(r"-(?:mean|stdv)['\"]",),
        transformer=factory(LgbCvKeys),
        crash=Crash(("KeyError",), r"^'[\w@]+-(?:mean|stdv)'$"),
    ),
    Rule(
        id="lgb-fit-eval-set",
        library="lightgbm",
        changed_in="4.7 deprecation",
        kind="warning-only",
        summary="`fit(eval_set=[(X, y)])` is deprecated",
        replacement="`fit(X, y, eval_X=(Xv,), eval_y=(yv,))`",
        triggers=(r"eval_set",),
        transformer=factory(LgbEvalSet),
    ),
]
