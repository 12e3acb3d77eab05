"""Keras 2 -> 3 erosions that need more than a rename: custom libcst transformers."""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    Callee,
    RuleTransformer,
    call_name,
    dotted,
    expr,
    kwarg,
    make_kwarg,
    parse_expression,
    positional,
    qualified,
    remove_kwargs,
    replace_func,
    string_value,
    with_string,
)
from mlemod_tui.assist.rules.patterns import MovedNames

KERAS = ("keras", "tensorflow")
_OPTIMIZERS = ("Adam", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "AdamW", "Ftrl")
_KERAS2_DEFAULT_LR = {
    "SGD": "0.01",
    "RMSprop": "0.001",
    "Adagrad": "0.01",
    "Adadelta": "1.0",
    "Adam": "0.001",
    "Adamax": "0.002",
    "Nadam": "0.002",
}


def not_torch(call: cst.Call, t: RuleTransformer) -> bool:
    """``optim.Adam(model.parameters(), lr=...)`` is PyTorch, where ``lr`` is right."""
    pos = positional(call)
    return not (
        pos and isinstance(pos[0].value, cst.Call) and call_name(pos[0].value) == "parameters"
    )


OPT_CALLEE = Callee.of(*_OPTIMIZERS, modules=KERAS)


class SgdDecay(RuleTransformer):
    """``SGD(lr=0.01, decay=1e-6)``: Keras 3 ignores ``decay``; the same schedule, explicitly."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = OPT_CALLEE.matches(original_node, self.ctx)
        decay = kwarg(original_node, "decay")
        if name is None or decay is None or not not_torch(original_node, self):
            return updated_node
        lr = kwarg(updated_node, "learning_rate") or kwarg(updated_node, "lr")
        if lr is None and positional(original_node):
            return updated_node
        initial = (
            lr.value if lr is not None else parse_expression(_KERAS2_DEFAULT_LR.get(name, "0.01"))
        )
        owner = qualified(original_node.func, self.ctx) or f"keras.optimizers.{name}"
        module = owner.rsplit(".", 1)[0]
        if not module.endswith("optimizers"):
            module = "keras.optimizers"
        schedule = self.spell(f"{module}.schedules.InverseTimeDecay")
        self.hit(original_node)
        call = remove_kwargs(updated_node, ["decay", "lr", "learning_rate"])
        value = expr(
            f"{schedule}(__lr__, decay_steps=1, decay_rate=__d__)", lr=initial, d=decay.value
        )
        args = list(call.args)
        args.insert(
            0, make_kwarg("learning_rate", value).with_changes(comma=cst.MaybeSentinel.DEFAULT)
        )
        return call.with_changes(args=args) if len(args) > 1 else call.with_changes(args=[args[0]])


class FitGenerator(RuleTransformer):
    _RENAME = {
        "fit_generator": "fit",
        "evaluate_generator": "evaluate",
        "predict_generator": "predict",
    }
    _DROP = ["workers", "use_multiprocessing", "max_queue_size", "pickle_safe", "max_q_size"]

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name not in self._RENAME or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        self.hit(original_node)
        call = remove_kwargs(replace_func(updated_node, self._RENAME[name]), self._DROP)
        if kwarg(call, "nb_epoch") is not None:
            call = call.with_changes(
                args=[
                    a.with_changes(keyword=cst.Name("epochs"))
                    if a.keyword is not None and a.keyword.value == "nb_epoch"
                    else a
                    for a in call.args
                ]
            )
        return call


class PredictClasses(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name not in ("predict_classes", "predict_proba") or not isinstance(
            original_node.func, cst.Attribute
        ):
            return updated_node
        if qualified(original_node.func.value, self.ctx) is not None:
            return updated_node
        text = self.ctx.notebook_text or self.ctx.source
        if name == "predict_proba":
            if "keras" not in text:
                return updated_node  # scikit-learn's predict_proba is alive and well
            self.hit(original_node)
            return replace_func(updated_node, "predict")
        predict = replace_func(updated_node, "predict")
        softmax = re.search(r"['\"]softmax['\"]", text) is not None
        sigmoid = re.search(r"['\"]sigmoid['\"]", text) is not None
        if softmax == sigmoid:
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        if softmax:
            return expr("__p__.argmax(axis=-1)", p=predict)
        return expr("(__p__ > 0.5).astype('int32')", p=predict)


_LAYER_KW = {
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "border_mode": "padding",
    "subsample": "strides",
    "nb_filter": "filters",
    "output_dim": "units",
    "dim_ordering": "data_format",
    "bias": "use_bias",
    "filter_length": "kernel_size",
    "activity_regularizer": "activity_regularizer",
}
_CONV_RENAMES = {"Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D"}
_DIM_ORDERING = {"th": "'channels_first'", "tf": "'channels_last'"}
_LAYERS = frozenset(
    {
        "Dense",
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Convolution1D",
        "Convolution2D",
        "Convolution3D",
        "Dropout",
        "Embedding",
        "LSTM",
        "GRU",
        "SimpleRNN",
        "MaxPooling2D",
        "MaxPooling1D",
        "AveragePooling2D",
        "SeparableConv2D",
        "Conv2DTranspose",
        "Deconvolution2D",
        "ZeroPadding2D",
        "UpSampling2D",
        "BatchNormalization",
    }
)


class Keras1LayerKwargs(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name not in _LAYERS:
            return updated_node
        target = qualified(original_node.func, self.ctx)
        if target is not None and not target.startswith(KERAS):
            return updated_node
        args = list(updated_node.args)
        touched = False
        for i, arg in enumerate(args):
            key = arg.keyword.value if arg.keyword is not None else None
            if name == "Dropout" and key == "p":
                args[i] = arg.with_changes(keyword=cst.Name("rate"))
                touched = True
            elif key in _LAYER_KW and _LAYER_KW[key] != key:
                value = arg.value
                if key == "dim_ordering" and string_value(value) in _DIM_ORDERING:
                    value = parse_expression(_DIM_ORDERING[string_value(value) or ""])
                args[i] = arg.with_changes(keyword=cst.Name(_LAYER_KW[key]), value=value)
                touched = True
        call = updated_node.with_changes(args=args)
        pos = [i for i, a in enumerate(args) if a.keyword is None and a.star == ""]
        if name in _CONV_RENAMES or (
            name.startswith("Conv") and name.endswith("2D") and len(pos) == 3
        ):
            if name.endswith("2D") and len(pos) == 3:  # Conv2D(32, 3, 3) -> Conv2D(32, (3, 3))
                kernel = cst.Tuple(
                    [cst.Element(args[pos[1]].value), cst.Element(args[pos[2]].value)]
                )
                args[pos[1]] = args[pos[1]].with_changes(value=kernel, comma=args[pos[2]].comma)
                del args[pos[2]]
                touched = True
            call = call.with_changes(args=args)
            if name in _CONV_RENAMES:
                call = replace_func(call, _CONV_RENAMES[name])
                touched = True
        if not touched:
            return updated_node
        self.hit(original_node)
        return call


class HistoryAccKey(RuleTransformer):
    _KEYS = {"acc": "accuracy", "val_acc": "val_accuracy"}

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        if len(original_node.slice) != 1 or not isinstance(original_node.slice[0].slice, cst.Index):
            return updated_node
        index = original_node.slice[0].slice.value
        key = string_value(index)
        if key not in self._KEYS:
            return updated_node
        holder = dotted(original_node.value) or ""
        if not (holder.endswith(".history") or "hist" in holder.lower()):
            return updated_node
        text = self.ctx.notebook_text or self.ctx.source
        if re.search(r"metrics\s*=\s*\[[^\]]*['\"]acc['\"]", text):
            return updated_node  # compiled with metrics=['acc']: the key is still 'acc'
        self.hit(original_node)
        new_index = with_string(cst.ensure_type(index, cst.SimpleString), self._KEYS[key])
        return updated_node.with_changes(slice=[cst.SubscriptElement(cst.Index(new_index))])


class OptimizerLrAttr(RuleTransformer):
    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        value = original_node.value
        if original_node.attr.value != "lr" or not (
            (isinstance(value, cst.Attribute) and value.attr.value == "optimizer")
            or (isinstance(value, cst.Name) and "opt" in value.value.lower())
        ):
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(attr=cst.Name("learning_rate"))

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.BaseSmallStatement:
        call = updated_node.value
        if not (
            isinstance(call, cst.Call) and call_name(call) == "set_value" and len(call.args) == 2
        ):
            return updated_node
        target = call.args[0].value
        if not (isinstance(target, cst.Attribute) and target.attr.value == "learning_rate"):
            return updated_node
        self.hit(original_node)
        return cst.Assign(targets=[cst.AssignTarget(target)], value=call.args[1].value)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "get_value" or len(updated_node.args) != 1:
            return updated_node
        target = updated_node.args[0].value
        if isinstance(target, cst.Attribute) and target.attr.value == "learning_rate":
            self.hit(original_node)
            return expr("float(__t__)", t=target)
        return updated_node


class SaveWeightsH5(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name not in ("save_weights", "load_weights") or not original_node.args:
            return updated_node
        first = original_node.args[0]
        path = string_value(first.value)
        if path is None or not path.endswith(".h5") or path.endswith(".weights.h5"):
            return updated_node
        text = self.ctx.notebook_text or self.ctx.source
        if name == "load_weights" and not re.search(
            rf"save_weights\(\s*['\"]{re.escape(path)}['\"]", text
        ):
            return updated_node  # loading an old file: Keras 3 still reads legacy .h5 weights
        self.hit(original_node)
        new = with_string(cst.ensure_type(first.value, cst.SimpleString), path[:-3] + ".weights.h5")
        return updated_node.with_changes(
            args=[first.with_changes(value=new), *updated_node.args[1:]]
        )


class ModelCheckpointPath(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name not in ("ModelCheckpoint", "load_model") or not original_node.args:
            return updated_node
        first = original_node.args[0]
        path = string_value(first.value)
        if path is None or not path.endswith((".h5", ".hdf5")) or path.endswith(".weights.h5"):
            return updated_node
        stem = path.rsplit(".", 1)[0]
        if name == "load_model":
            text = self.ctx.notebook_text or self.ctx.source
            checkpoint = re.search(
                rf"ModelCheckpoint\(\s*['\"]{re.escape(path)}['\"](?P<rest>[^)]*)", text
            )
            if not checkpoint or "save_weights_only=True" in checkpoint.group("rest").replace(
                " ", ""
            ):
                return updated_node
            new_path = stem + ".keras"
        else:
            weights_only = kwarg(original_node, "save_weights_only")
            only = (
                weights_only is not None
                and isinstance(weights_only.value, cst.Name)
                and weights_only.value.value == "True"
            )
            new_path = stem + (".weights.h5" if only else ".keras")
        self.hit(original_node)
        new = with_string(cst.ensure_type(first.value, cst.SimpleString), new_path)
        call = updated_node.with_changes(
            args=[first.with_changes(value=new), *updated_node.args[1:]]
        )
        if kwarg(call, "period") is not None:
            self.hit(
                original_node,
                fixed=False,
                note="`period=` is gone: `save_freq='epoch'` saves "
                "every epoch; an integer `save_freq` counts batches.",
            )
            call = remove_kwargs(call, ["period"])
        return call


class TokenizerAndPadSequences(MovedNames):
    """``pad_sequences`` moved to ``keras.utils``; ``Tokenizer`` has no drop-in successor."""

    def leave_ImportAlias(
        self, original_node: cst.ImportAlias, updated_node: cst.ImportAlias
    ) -> cst.ImportAlias:
        if dotted(original_node.name) == "Tokenizer":
            self.hit(original_node, fixed=False)
        return updated_node
