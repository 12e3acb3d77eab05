"""The scikit-learn erosions that need more than a rename: custom libcst transformers."""

from __future__ import annotations

import libcst as cst

from mlemod_tui.assist.rules.context import RuleContext
from mlemod_tui.assist.rules.cst_tools import (
    Callee,
    RuleTransformer,
    append_arg,
    call_name,
    dotted,
    expr,
    has_star_kwargs,
    kwarg,
    make_kwarg,
    positional,
    qualified,
    remove_kwargs,
    rename_kwarg,
    replace_func,
    set_kwarg,
    string,
    string_value,
    with_args,
)
from mlemod_tui.assist.rules.patterns import MovedNames

SK = ("sklearn",)
LOGREG = Callee.of("LogisticRegression", modules=SK)


class FunctionToMethod(MovedNames):
    """``plot_roc_curve(clf, X, y)`` -> ``RocCurveDisplay.from_estimator(clf, X, y)``.

    The import moves like any moved name; calls also gain ``.<method>``.
    """

    methods: dict[str, str] = {}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx)
        if target is None:
            name = call_name(original_node) or ""
            target = next((q for q in self.methods if q.rsplit(".", 1)[-1] == name), None)
            if target is None or not isinstance(original_node.func, cst.Name):
                return updated_node
        method = self.methods.get(target)
        if method is None:
            return updated_node
        self.hit(original_node)  # the name itself was renamed by leave_Name/leave_Attribute
        return updated_node.with_changes(
            func=cst.Attribute(value=updated_node.func, attr=cst.Name(method))
        )


class ImputerFix(MovedNames):
    """``Imputer(strategy='mean', axis=0)`` -> ``SimpleImputer(strategy='mean')``."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "Imputer":
            return updated_node
        drop = []
        axis = kwarg(original_node, "axis")
        if axis is not None:
            if isinstance(axis.value, cst.Integer) and axis.value.value == "0":
                drop.append("axis")
            else:
                self.hit(
                    original_node,
                    fixed=False,
                    note="`axis=1` (impute along rows) has no "
                    "SimpleImputer equivalent: transpose the data, or impute per row yourself.",
                )
        missing = kwarg(original_node, "missing_values")
        if missing is not None and string_value(missing.value) in ("NaN", "nan"):
            drop.append("missing_values")  # the old spelling of np.nan, SimpleImputer's default
        if not drop:
            return updated_node
        self.hit(original_node)
        return remove_kwargs(updated_node, drop)


# Linear models trained by stochastic gradient descent: they shared ``n_iter`` (0.21: gone).
SGD_FAMILY = Callee.of(
    "SGDClassifier",
    "SGDRegressor",
    "Perceptron",
    "PassiveAggressiveClassifier",
    "PassiveAggressiveRegressor",
    modules=SK,
)


class GmmFix(MovedNames):
    """``GMM(n_components=3, n_iter=50)`` -> ``GaussianMixture(n_components=3, max_iter=50,
    covariance_type='diag')``: the old class defaulted to diagonal covariances, the new one to
    full ones, so the old default is spelled out to keep the fitted model the same."""

    _RENAMED = {"n_iter": "max_iter", "min_covar": "reg_covar", "thresh": "tol"}
    _DROPPED = ("params", "init_params", "verbose")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "GMM" or has_star_kwargs(original_node):
            return updated_node
        if len(positional(original_node)) > 2:
            self.hit(original_node, fixed=False, note="Pass GaussianMixture's options by name.")
            return updated_node
        call = remove_kwargs(updated_node, self._DROPPED)
        for old, new in self._RENAMED.items():
            if kwarg(call, old) is not None:
                call = rename_kwarg(call, old, new)
        if kwarg(call, "covariance_type") is None and len(positional(original_node)) < 2:
            call = append_arg(call, make_kwarg("covariance_type", "'diag'"))
        self.hit(original_node)
        return call

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if original_node.attr.value == "covars_":
            self.hit(original_node)
            return updated_node.with_changes(attr=cst.Name("covariances_"))
        return super().leave_Attribute(original_node, updated_node)


class Expected2D(RuleTransformer):
    """Crash-only: ``model.predict(5)`` or ``model.predict([1.2, 3.4])`` on today's
    scikit-learn ("Expected 2D array, got 1D array instead").

    Before 0.19 a 1-D or scalar input was made 2-D with ``np.atleast_2d``: one sample with
    n features. That is what the fix spells out for predict-like methods. ``fit`` with 1-D
    ``X`` only ever made sense as one feature of many samples: ``reshape(-1, 1)``. Only calls
    on the line the traceback names are touched.
    """

    _ONE_SAMPLE = frozenset(
        {"predict", "predict_proba", "predict_log_proba", "decision_function", "transform",
         "inverse_transform", "score_samples", "kneighbors", "apply"}
    )
    _ONE_FEATURE = frozenset({"fit", "fit_transform", "fit_predict", "partial_fit"})

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        crash = self.ctx.crash
        name = call_name(original_node)
        if crash is None or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        if name not in self._ONE_SAMPLE | self._ONE_FEATURE:
            return updated_node
        args = list(updated_node.args)
        if not args or args[0].keyword is not None or args[0].star:
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        value = args[0].value
        if isinstance(value, (cst.Integer, cst.Float, cst.UnaryOperation)) or (
            isinstance(value, cst.List) and name in self._ONE_SAMPLE
        ):
            new = (
                cst.List([cst.Element(value)])
                if isinstance(value, cst.List)
                else expr("[[__v__]]", v=value)
            )
        elif not crash.line_text:
            return updated_node  # a variable's shape is a guess unless the traceback says where
        else:
            np = self.module_name("numpy", "np")
            shape = "(1, -1)" if name in self._ONE_SAMPLE else "(-1, 1)"
            new = expr(f"{np}.reshape(__v__, {shape})", v=value)
        self.hit(original_node)
        args[0] = args[0].with_changes(value=new)
        return updated_node.with_changes(args=args)


class MseSquared(RuleTransformer):
    _NEW = {
        "mean_squared_error": "root_mean_squared_error",
        "mean_squared_log_error": "root_mean_squared_log_error",
    }

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        squared = kwarg(original_node, "squared")
        if name not in self._NEW or squared is None:
            return updated_node
        target = qualified(original_node.func, self.ctx)
        if target is not None and not target.startswith("sklearn"):
            return updated_node
        self.hit(original_node)
        call = remove_kwargs(updated_node, ["squared"])
        if isinstance(squared.value, cst.Name) and squared.value.value == "True":
            return call
        if not (isinstance(squared.value, cst.Name) and squared.value.value == "False"):
            return expr(
                "(__c__ if __s__ else __r__)",
                c=call,
                s=squared.value,
                r=self._root(call, name or ""),
            )
        return self._root(call, name or "")

    def _root(self, call: cst.Call, name: str) -> cst.Call:
        new = self._NEW[name]
        if isinstance(call.func, cst.Attribute):
            return replace_func(call, new)
        return call.with_changes(func=cst.Name(self.imported_name("sklearn.metrics", new)))


_TREES = Callee.of(
    "DecisionTreeRegressor",
    "RandomForestRegressor",
    "ExtraTreesRegressor",
    "ExtraTreeRegressor",
    "GradientBoostingRegressor",
    "GradientBoostingClassifier",
    modules=SK,
)
_CRITERIA = {"mse": "squared_error", "mae": "absolute_error"}


class CriterionNames(RuleTransformer):
    """``criterion='mse'`` in estimator calls and in parameter grids."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "criterion")
        if arg is None or not _TREES.matches(original_node, self.ctx):
            return updated_node
        new = _CRITERIA.get(string_value(arg.value) or "")
        if new is None:
            return updated_node
        self.hit(original_node)
        return set_kwarg(updated_node, "criterion", string(new, arg.value.quote))  # type: ignore[attr-defined]

    def leave_DictElement(
        self, original_node: cst.DictElement, updated_node: cst.DictElement
    ) -> cst.DictElement:
        key = string_value(original_node.key) or ""
        if not (key == "criterion" or key.endswith("__criterion")):
            return updated_node
        new_value = _map_strings(updated_node.value, _CRITERIA)
        if new_value is None:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(value=new_value)


def _map_strings(node: cst.BaseExpression, table: dict[str, str]) -> cst.BaseExpression | None:
    if isinstance(node, cst.SimpleString):
        new = table.get(string_value(node) or "")
        return string(new, node.quote) if new else None
    if isinstance(node, (cst.List, cst.Tuple)):
        elements, touched = [], False
        for element in node.elements:
            mapped = _map_strings(element.value, table)
            if mapped is not None:
                element, touched = element.with_changes(value=mapped), True
            elements.append(element)
        return node.with_changes(elements=elements) if touched else None
    return None


class MaxFeaturesAuto(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "max_features")
        name = call_name(original_node) or ""
        if arg is None or string_value(arg.value) != "auto":
            return updated_node
        if not (
            name.endswith(("Classifier", "Regressor"))
            and ("Tree" in name or "Forest" in name or "GradientBoosting" in name)
        ):
            return updated_node
        self.hit(original_node)
        quote = arg.value.quote  # type: ignore[attr-defined]
        value = string("sqrt", quote) if name.endswith("Classifier") else cst.Float("1.0")
        return set_kwarg(updated_node, "max_features", value)


class BaseEstimatorKw(RuleTransformer):
    callee = Callee.of(
        "BaggingClassifier",
        "BaggingRegressor",
        "AdaBoostClassifier",
        "AdaBoostRegressor",
        "CalibratedClassifierCV",
        "RANSACRegressor",
        modules=SK,
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if kwarg(original_node, "base_estimator") is None or not self.callee.matches(
            original_node, self.ctx
        ):
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(
            args=[
                a.with_changes(keyword=cst.Name("estimator"))
                if a.keyword is not None and a.keyword.value == "base_estimator"
                else a
                for a in updated_node.args
            ]
        )

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        value = string_value(original_node) or ""
        if not isinstance(self.parent(), cst.DictElement) or "base_estimator__" not in value:
            return updated_node
        self.hit(original_node)
        return string(value.replace("base_estimator__", "estimator__"), original_node.quote)


class OheCategoricalFeatures(RuleTransformer):
    """``OneHotEncoder(categorical_features=[0])`` -> a ColumnTransformer doing the same."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        columns = kwarg(original_node, "categorical_features")
        if columns is None or call_name(original_node) != "OneHotEncoder":
            return updated_node
        self.hit(original_node)
        encoder = remove_kwargs(updated_node, ["categorical_features", "n_values"])
        if kwarg(original_node, "n_values") is not None:
            self.hit(
                original_node,
                note="`n_values` was dropped: pass `categories=` lists if "
                "some values can be missing from the training data.",
            )
        dense = any(
            (a := kwarg(original_node, k)) is not None
            and isinstance(a.value, cst.Name)
            and a.value.value == "False"
            for k in ("sparse", "sparse_output")
        )
        transformer = self.imported_name("sklearn.compose", "ColumnTransformer")
        new = expr(
            f"{transformer}([('onehot', __enc__, __cols__)], remainder='passthrough')",
            enc=encoder,
            cols=columns.value,
        )
        if not dense:  # the old encoder returned a sparse matrix: keep it so for .toarray()
            new = append_arg(cst.ensure_type(new, cst.Call), make_kwarg("sparse_threshold", "1.0"))
        return new


class LogregMultiClass(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "multi_class")
        if arg is None or not LOGREG.matches(original_node, self.ctx):
            return updated_node
        self.hit(original_node)
        call = remove_kwargs(updated_node, ["multi_class"])
        if string_value(arg.value) == "ovr":
            ovr = self.imported_name("sklearn.multiclass", "OneVsRestClassifier")
            return expr(f"{ovr}(__m__)", m=call)
        return call


class LogregL1Solver(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        penalty = kwarg(original_node, "penalty")
        if penalty is None or string_value(penalty.value) != "l1" or kwarg(original_node, "solver"):
            return updated_node
        if not LOGREG.matches(original_node, self.ctx):
            return updated_node
        self.hit(original_node)
        return append_arg(updated_node, make_kwarg("solver", "'liblinear'"))


class LogregPenalty(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        penalty = kwarg(original_node, "penalty")
        if penalty is None or not LOGREG.matches(original_node, self.ctx):
            return updated_node
        value = string_value(penalty.value)
        if isinstance(penalty.value, cst.Name) and penalty.value.value == "None":
            value = "none"
        call = remove_kwargs(updated_node, ["penalty"])
        if value == "l2":
            pass
        elif value == "l1" and kwarg(original_node, "l1_ratio") is None:
            call = append_arg(call, make_kwarg("l1_ratio", "1.0"))
        elif value == "elasticnet":
            pass
        elif value == "none":
            call = set_kwarg(call, "C", "float('inf')")
        else:
            return updated_node
        self.hit(original_node)
        return call


class LogregDefaultSolver(RuleTransformer):
    """Pin the pre-0.22 solver (liblinear, one-vs-rest) where a notebook relied on the default.

    Notebooks that set ``max_iter`` were written for lbfgs already, so they are left alone.
    """

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not LOGREG.matches(original_node, self.ctx):
            return updated_node
        if any(
            kwarg(original_node, k)
            for k in ("solver", "max_iter", "penalty", "multi_class", "l1_ratio")
        ):
            return updated_node
        if any(a.star for a in original_node.args) or positional(original_node):
            return updated_node
        if (
            isinstance(self.parent(), cst.Arg)
            and isinstance(self.parent(2), cst.Call)
            and (
                call_name(self.parent(2)) == "OneVsRestClassifier"  # type: ignore[arg-type]
            )
        ):
            return updated_node
        self.hit(original_node)
        ovr = self.imported_name("sklearn.multiclass", "OneVsRestClassifier")
        pinned = append_arg(updated_node, make_kwarg("solver", "'liblinear'"))
        return expr(f"{ovr}(__m__)", m=pinned)


class NormalizeParam(RuleTransformer):
    callee = Callee.of(
        "LinearRegression",
        "Ridge",
        "RidgeCV",
        "RidgeClassifier",
        "RidgeClassifierCV",
        "Lasso",
        "LassoCV",
        "ElasticNet",
        "ElasticNetCV",
        "Lars",
        "LarsCV",
        "LassoLars",
        "LassoLarsCV",
        "LassoLarsIC",
        "OrthogonalMatchingPursuit",
        "OrthogonalMatchingPursuitCV",
        "BayesianRidge",
        "ARDRegression",
        modules=SK,
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "normalize")
        if arg is None or not self.callee.matches(original_node, self.ctx):
            return updated_node
        call = remove_kwargs(updated_node, ["normalize"])
        on = isinstance(arg.value, cst.Name) and arg.value.value == "True"
        if not on or call_name(original_node) == "LinearRegression":
            # Ordinary least squares gives the same fit and coefficients with or without it.
            self.hit(original_node)
            return call
        self.hit(
            original_node,
            note="The model now sits in a pipeline: read its coefficients "
            "from `model[-1].coef_`. StandardScaler divides by the standard deviation, the "
            "old option by the l2 norm, so the best alpha may differ.",
        )
        pipe = self.imported_name("sklearn.pipeline", "make_pipeline")
        scaler = self.imported_name("sklearn.preprocessing", "StandardScaler")
        return expr(f"{pipe}({scaler}(), __m__)", m=call)


_SCORING = {
    "mean_squared_error": "neg_mean_squared_error",
    "mean_absolute_error": "neg_mean_absolute_error",
    "median_absolute_error": "neg_median_absolute_error",
    "log_loss": "neg_log_loss",
    "mean_squared_log_error": "neg_mean_squared_log_error",
}


class ScoringNames(RuleTransformer):
    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if original_node.keyword is None or original_node.keyword.value != "scoring":
            return updated_node
        new = _map_strings(updated_node.value, _SCORING)
        if new is None:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(value=new)


_KFOLDS = {
    "KFold",
    "StratifiedKFold",
    "ShuffleSplit",
    "StratifiedShuffleSplit",
    "GroupKFold",
    "LeaveOneOut",
    "LeavePOut",
}
_COUNT_KW = {"n_folds": "n_splits", "n_iter": "n_splits"}
# What a second positional argument meant in the old signature (after the data or its size).
_SECOND = {"LeavePOut": "p"}
_DATA_KW = ("y", "labels", "n")  # the old first parameter, given by name
_NO_DATA_ARGS = {"LeaveOneOut"}  # took only the size; takes nothing now


class KFoldNFolds(RuleTransformer):
    """``KFold(len(X), n_folds=5)`` -> ``KFold(n_splits=5)`` and ``for .. in kf.split(X)``."""

    whole_module = True  # needs names or loops from other statements

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.split_of: dict[str, cst.Call] = {}
        self.converted: dict[int, tuple[str, cst.BaseExpression]] = {}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name not in _KFOLDS:
            return self._iterated(original_node, updated_node)
        count = next((kwarg(original_node, k) for k in _COUNT_KW if kwarg(original_node, k)), None)
        pos = positional(original_node)
        by_name = next((kwarg(original_node, k) for k in _DATA_KW if kwarg(original_node, k)), None)
        old_style = (
            count is not None
            or by_name is not None
            or len(pos) >= 2
            or (name in _NO_DATA_ARGS and len(pos) == 1)
            or (
                pos
                and not isinstance(pos[0].value, cst.Integer)
                and (
                    isinstance(pos[0].value, cst.Call)
                    and call_name(pos[0].value) == "len"
                    or name.startswith("Stratified")
                )
            )
        )
        data_arg = pos[0] if pos else by_name
        if not old_style or data_arg is None:
            return updated_node
        data = data_arg.value
        args = [
            a
            for a in updated_node.args
            if a is not updated_node.args[original_node.args.index(data_arg)]
        ]
        new_args = []
        for a in args:
            if a.keyword is not None and a.keyword.value in _COUNT_KW:
                a = a.with_changes(keyword=cst.Name(_COUNT_KW[a.keyword.value]))
            elif a.keyword is None and a.star == "" and count is None:
                a = make_kwarg(_SECOND.get(name, "n_splits"), a.value).with_changes(comma=a.comma)
            new_args.append(a)
        self.hit(original_node)
        new = with_args(updated_node, new_args) if new_args else updated_node.with_changes(args=[])
        self.converted[id(original_node)] = (name or "", data)
        return new

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        if id(original_node.value) in self.converted and len(original_node.targets) == 1:
            target = dotted(original_node.targets[0].target)
            if target:
                self.split_of[target] = original_node.value  # type: ignore[assignment]
        return updated_node

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        return self.leave_For(original_node, updated_node)  # type: ignore[arg-type,return-value]

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        split = self._split_of(original_node.iter, updated_node.iter, original_node)
        return updated_node if split is None else updated_node.with_changes(iter=split)

    def _iterated(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``list(StratifiedKFold(y, n_folds=5))``: the folds, listed."""
        if call_name(original_node) not in ("list", "enumerate") or not original_node.args:
            return updated_node
        split = self._split_of(
            original_node.args[0].value, updated_node.args[0].value, original_node
        )
        if split is None:
            return updated_node
        first = updated_node.args[0].with_changes(value=split)
        return updated_node.with_changes(args=[first, *updated_node.args[1:]])

    def _split_of(
        self, source: cst.BaseExpression, updated: cst.BaseExpression, where: cst.CSTNode
    ) -> cst.BaseExpression | None:
        """``it.split(...)`` for an iterated splitter converted above, else None."""
        key = dotted(source)
        call = self.split_of.get(key) if key else source if isinstance(source, cst.Call) else None
        if call is None or id(call) not in self.converted:
            return None
        kind, data = self.converted[id(call)]
        if kind.startswith("Stratified"):
            np = self.module_name("numpy", "np")
            split = expr(
                f"__it__.split({np}.zeros(len(__y__)), __y__)", it=updated, y=data
            )
        elif isinstance(data, cst.Call) and call_name(data) == "len" and len(data.args) == 1:
            split = expr("__it__.split(__x__)", it=updated, x=data.args[0].value)
        elif not kind.startswith(("Stratified", "Group")):
            # The old first argument was the number of samples; the splits depend on nothing
            # else, so indices 0..n-1 give exactly the old folds.
            np = self.module_name("numpy", "np")
            split = expr(f"__it__.split({np}.arange(__n__))", it=updated, n=data)
        else:
            self.hit(
                where,
                fixed=False,
                note="Iterate over `cv.split(X, y)`: the splitter no longer knows the data.",
            )
            return None
        self.hit(where)
        return split


class Kmeans(RuleTransformer):
    _OLD = {"KMeans": "10", "MiniBatchKMeans": "3"}
    callee = Callee.of("KMeans", "MiniBatchKMeans", modules=SK)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = self.callee.matches(original_node, self.ctx)
        if (
            name is None
            or kwarg(original_node, "n_init")
            or any(a.star == "**" for a in original_node.args)
        ):
            return updated_node
        if len(positional(original_node)) > 1:
            return updated_node
        self.hit(original_node)
        return append_arg(updated_node, make_kwarg("n_init", self._OLD[name]))


class SvcGamma(RuleTransformer):
    callee = Callee.of("SVC", "SVR", "NuSVC", "NuSVR", "OneClassSVM", modules=SK)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.callee.matches(original_node, self.ctx) or kwarg(original_node, "gamma"):
            return updated_node
        if any(a.star == "**" for a in original_node.args) or len(positional(original_node)) > 3:
            return updated_node
        kernel = kwarg(original_node, "kernel")
        pos = positional(original_node)
        kernel_value = (
            string_value(kernel.value)
            if kernel
            else (string_value(pos[1].value) if len(pos) > 1 else "rbf")
        )
        if kernel_value in ("linear", "precomputed"):
            return updated_node
        self.hit(original_node)
        return append_arg(updated_node, make_kwarg("gamma", "'auto'"))


class LbfgsMaxIter(RuleTransformer):
    """Crash-only (a ConvergenceWarning): give lbfgs room to converge."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not LOGREG.matches(original_node, self.ctx) or kwarg(original_node, "max_iter"):
            return updated_node
        self.hit(original_node)
        return append_arg(updated_node, make_kwarg("max_iter", "1000"))


class FlagOnly(RuleTransformer):
    """Points at a use that needs a person's judgement: no rewrite."""

    names: frozenset[str] = frozenset()
    kw: str | None = None

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        parent = self.parent()
        if (
            original_node.value in self.names
            and self.kw is None
            and not isinstance(parent, cst.Arg)
        ):
            self.hit(original_node, fixed=False)
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.kw is not None and call_name(original_node) in self.names:
            arg = kwarg(original_node, self.kw)
            if arg is not None and not (
                isinstance(arg.value, cst.Name) and arg.value.value == "False"
            ):
                self.hit(original_node, fixed=False)
        return updated_node


class MulticlassAverage(RuleTransformer):
    """Crash-only: ``precision_score(y, p)`` on a multiclass target. Before 0.18 the default
    ``average='binary'`` fell back to ``'weighted'`` for multiclass targets (with a warning),
    so that is what the notebook's stored numbers are; only calls on the failing line."""

    _SCORES = frozenset({"precision_score", "recall_score", "f1_score", "fbeta_score", "jaccard_score"})

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        crash = self.ctx.crash
        if crash is None or call_name(original_node) not in self._SCORES:
            return updated_node
        if kwarg(original_node, "average") is not None or has_star_kwargs(original_node):
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        self.hit(original_node)
        return append_arg(updated_node, make_kwarg("average", "'weighted'"))
