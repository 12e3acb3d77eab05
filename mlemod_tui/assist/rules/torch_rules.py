"""PyTorch and torchvision (not installed here: checked on the syntax tree only)."""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    call_name,
    dotted,
    expr,
    kwarg,
    make_kwarg,
    parse_expression,
    qualified,
    set_kwarg,
    with_args,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, moved

_SCALAR_NAME = re.compile(r"(?i)loss|correct|acc|total|err")


class DataZero(RuleTransformer):
    """``loss.data[0]`` read a 1-element tensor; losses are 0-dim now: ``loss.item()``."""

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        value = original_node.value
        if not (isinstance(value, cst.Attribute) and value.attr.value == "data"):
            return updated_node
        if len(original_node.slice) != 1:
            return updated_node
        index = original_node.slice[0].slice
        if not (
            isinstance(index, cst.Index)
            and isinstance(index.value, cst.Integer)
            and index.value.value == "0"
        ):
            return updated_node
        holder = dotted(value.value) or (cst.Module([]).code_for_node(value.value))
        if self.ctx.crash is None and not _SCALAR_NAME.search(holder):
            return updated_node
        self.hit(original_node)
        return expr("__t__.item()", t=cst.ensure_type(updated_node.value, cst.Attribute).value)


class LoadWeightsOnly(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if qualified(original_node.func, self.ctx) != "torch.load" or kwarg(
            original_node, "weights_only"
        ):
            return updated_node
        self.hit(original_node)
        return set_kwarg(updated_node, "weights_only", "False")


_WEIGHTS = {
    "resnet18": "ResNet18_Weights",
    "resnet34": "ResNet34_Weights",
    "resnet50": "ResNet50_Weights",
    "resnet101": "ResNet101_Weights",
    "resnet152": "ResNet152_Weights",
    "vgg11": "VGG11_Weights",
    "vgg13": "VGG13_Weights",
    "vgg16": "VGG16_Weights",
    "vgg19": "VGG19_Weights",
    "vgg16_bn": "VGG16_BN_Weights",
    "vgg19_bn": "VGG19_BN_Weights",
    "alexnet": "AlexNet_Weights",
    "densenet121": "DenseNet121_Weights",
    "densenet161": "DenseNet161_Weights",
    "densenet169": "DenseNet169_Weights",
    "densenet201": "DenseNet201_Weights",
    "mobilenet_v2": "MobileNet_V2_Weights",
    "inception_v3": "Inception_V3_Weights",
    "googlenet": "GoogLeNet_Weights",
    "squeezenet1_0": "SqueezeNet1_0_Weights",
    "squeezenet1_1": "SqueezeNet1_1_Weights",
    "resnext50_32x4d": "ResNeXt50_32X4D_Weights",
    "wide_resnet50_2": "Wide_ResNet50_2_Weights",
    "efficientnet_b0": "EfficientNet_B0_Weights",
    "shufflenet_v2_x1_0": "ShuffleNet_V2_X1_0_Weights",
    "mnasnet1_0": "MNASNet1_0_Weights",
}


class Pretrained(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "pretrained")
        name = call_name(original_node)
        if arg is None or name not in _WEIGHTS:
            return updated_node
        value = arg.value
        if isinstance(value, cst.Name) and value.value == "False":
            new: cst.BaseExpression = cst.Name("None")
        elif isinstance(value, cst.Name) and value.value == "True":
            func = original_node.func
            module = (
                cst.Module([]).code_for_node(func.value)
                if isinstance(func, cst.Attribute)
                else None
            )
            weights = f"{module}.{_WEIGHTS[name]}" if module else _WEIGHTS[name]
            if module is None:
                self.imported_name("torchvision.models", _WEIGHTS[name])
            new = parse_expression(f"{weights}.IMAGENET1K_V1")  # what pretrained=True loaded
        else:
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(
            args=[
                make_kwarg("weights", new).with_changes(comma=a.comma)
                if a.keyword is not None and a.keyword.value == "pretrained"
                else a
                for a in updated_node.args
            ]
        )


_LOSS_NAMES = re.compile(
    r"Loss$|^(?:cross_entropy|nll_loss|mse_loss|l1_loss|binary_cross_entropy\w*|"
    r"kl_div|smooth_l1_loss|soft_margin_loss|margin_ranking_loss)$"
)


class SizeAverage(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        size_average = kwarg(original_node, "size_average")
        reduce = kwarg(original_node, "reduce")
        if (size_average is None and reduce is None) or not _LOSS_NAMES.search(
            call_name(original_node) or ""
        ):
            return updated_node
        if kwarg(original_node, "reduction") is not None:
            return updated_node
        mode = "mean"
        if reduce is not None and _is(reduce.value, "False"):
            mode = "none"
        elif size_average is not None and _is(size_average.value, "False"):
            mode = "sum"
        elif not all(a is None or _is(a.value, "True") for a in (size_average, reduce)):
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        args = [
            a
            for a in updated_node.args
            if not (a.keyword and a.keyword.value in ("size_average", "reduce"))
        ]
        return with_args(updated_node, [*args, make_kwarg("reduction", f"'{mode}'")])


def _is(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


RULES: list[Rule] = [
    Rule(
        id="torch-data0-scalar",
        library="torch",
        changed_in="PyTorch 0.4",
        kind="crash",
        summary="losses are 0-dim tensors: `loss.data[0]` cannot index them",
        replacement="`loss.item()`",
        triggers=(r"\.data\[0\]",),
        transformer=factory(DataZero),
        crash=Crash(("IndexError",), r"invalid index of a 0-dim tensor"),
    ),
    Rule(
        id="torch-load-weights-only",
        library="torch",
        changed_in="PyTorch 2.6",
        kind="crash",
        summary="`torch.load` loads only weights by default now (`weights_only` False -> True)",
        replacement="save and load a `state_dict`; for trusted files `torch.load(p, weights_only=False)`",
        triggers=(r"\.load\(",),
        transformer=factory(LoadWeightsOnly),
        crash=Crash(("UnpicklingError",), r"Weights only load failed"),
        crash_only=True,
        hint="Unpickling runs code from the file: only for files you trust.",
    ),
    Rule(
        id="torchvision-pretrained",
        library="torch",
        changed_in="torchvision 0.13 deprecation",
        kind="warning-only",
        summary="`pretrained=True` is deprecated in torchvision model builders",
        replacement="`models.resnet50(weights=models.ResNet50_Weights.IMAGENET1K_V1)`",
        triggers=(r"pretrained\s*=",),
        transformer=factory(Pretrained),
    ),
    Rule(
        id="torchvision-transforms-scale",
        library="torch",
        changed_in="torchvision 0.x",
        kind="crash",
        summary="`transforms.Scale` / `RandomSizedCrop` were renamed",
        replacement="`transforms.Resize(256)` / `transforms.RandomResizedCrop`",
        triggers=(r"\bScale\(|RandomSizedCrop",),
        transformer=moved(
            {
                "torchvision.transforms.Scale": "torchvision.transforms.Resize",
                "torchvision.transforms.RandomSizedCrop": "torchvision.transforms.RandomResizedCrop",
            }
        ),
        crash=Crash(("AttributeError",), r"has no attribute '(?:Scale|RandomSizedCrop)'"),
    ),
    Rule(
        id="torch-size-average",
        library="torch",
        changed_in="deprecated PyTorch 0.4.1",
        kind="warning-only",
        summary="`size_average=` / `reduce=` of losses are deprecated",
        replacement="`nn.CrossEntropyLoss(reduction='sum')`",
        triggers=(r"size_average|\breduce\s*=",),
        transformer=factory(SizeAverage),
    ),
]
