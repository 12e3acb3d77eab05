"""TensorFlow 1 -> 2 (not installed here: checked on the syntax tree only)."""

from __future__ import annotations

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import RuleTransformer, expr, qualified
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, moved

_CONTRIB = {
    "tensorflow.contrib.layers.xavier_initializer": "keras.initializers.GlorotUniform",
    "tensorflow.contrib.layers.xavier_initializer_conv2d": "keras.initializers.GlorotUniform",
    "tensorflow.contrib.layers.variance_scaling_initializer": "keras.initializers.HeNormal",
}


class FlagAttributes(RuleTransformer):
    """Points at uses of removed TF 1 symbols that need a person (graphs and sessions)."""

    names: frozenset[str] = frozenset()

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if qualified(original_node, self.ctx) in self.names:
            self.hit(original_node, fixed=False)
        return updated_node


class Contrib(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx) or ""
        if not target.startswith("tensorflow.contrib."):
            return updated_node
        new = _CONTRIB.get(target)
        if new is None or original_node.args:
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        tf = self.module_name("tensorflow", "tf")
        return expr(f"{tf}.{new}()")


_TF = ("AttributeError",)

RULES: list[Rule] = [
    Rule(
        id="tf-session",
        library="tensorflow",
        changed_in="TF 2.0",
        kind="crash",
        summary="`tf.Session` is gone: TensorFlow 2 runs eagerly",
        replacement="eager code / `tf.function`; or `tf.compat.v1.Session()` with "
        "`tf.compat.v1.disable_eager_execution()`",
        triggers=(r"Session\(",),
        transformer=factory(
            FlagAttributes, names=frozenset({"tensorflow.Session", "tensorflow.InteractiveSession"})
        ),
        crash=Crash(_TF, r"module 'tensorflow' has no attribute '(?:Interactive)?Session'"),
        hint="No mechanical fix: rewrite the graph as eager code (call the model, read `.numpy()`), "
        "or run it unchanged via `import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()`.",
    ),
    Rule(
        id="tf-placeholder",
        library="tensorflow",
        changed_in="TF 2.0",
        kind="crash",
        summary="`tf.placeholder` is gone",
        replacement="`keras.Input(shape=...)` or function arguments",
        triggers=(r"placeholder\(",),
        transformer=factory(FlagAttributes, names=frozenset({"tensorflow.placeholder"})),
        crash=Crash(_TF, r"module 'tensorflow' has no attribute 'placeholder'"),
        hint="Graph code with placeholders needs a rewrite, or "
        "`import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()` to run it as TF 1.",
    ),
    Rule(
        id="tf-set-random-seed",
        library="tensorflow",
        changed_in="TF 2.0",
        kind="crash",
        summary="`tf.set_random_seed` was renamed",
        replacement="`tf.random.set_seed(42)`",
        triggers=(r"set_random_seed",),
        transformer=moved({"tensorflow.set_random_seed": "tensorflow.random.set_seed"}),
        crash=Crash(_TF, r"module 'tensorflow' has no attribute 'set_random_seed'"),
    ),
    Rule(
        id="tf-contrib",
        library="tensorflow",
        changed_in="TF 2.0",
        kind="crash",
        summary="`tf.contrib` was removed",
        replacement="`tf.keras.initializers.GlorotUniform()`; other parts moved to core or TF Addons",
        triggers=(r"contrib\.",),
        transformer=factory(Contrib),
        crash=Crash(_TF, r"module 'tensorflow' has no attribute 'contrib'"),
        hint="Most of `tf.contrib` has a core or Keras successor; TF Addons is archived.",
    ),
]
