"""scikit-learn: moved modules (0.18-0.24) and renamed or removed parameters (1.0-1.9).

The 0.22 changes of defaults live in ``sklearn_default_rules``."""

from __future__ import annotations

import importlib
import inspect
import re

import libcst as cst

from mlemod_tui.assist.rules import sklearn_fixes as fx
from mlemod_tui.assist.rules.cst_tools import (
    Callee,
    RuleTransformer,
    call_name,
    expr,
    is_false,
    kwarg,
    make_kwarg,
    qualified,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, kwargs, methods, moved
from mlemod_tui.assist.rules.removed_names import DeferredRemovedImport

SK = ("sklearn",)
_MNF = ("ModuleNotFoundError",)
_IE = ("ImportError",)
_TE = ("TypeError",)
_IPE = ("InvalidParameterError", "ValueError")


class _DataArgumentOnFailingLine(RuleTransformer):
    """Crash-only: rewrap the data argument (the first positional) of the methods named in
    ``methods``, on the failing line only; ``wrapped`` says how."""

    methods: frozenset[str] = frozenset()

    def wrapped(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        raise NotImplementedError

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) not in self.methods:
            return updated_node
        if not isinstance(original_node.func, cst.Attribute):
            return updated_node
        args = list(updated_node.args)
        if not args or args[0].keyword is not None or args[0].star:
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        new = self.wrapped(args[0].value)
        if new is None:
            return updated_node
        self.hit(original_node)
        args[0] = args[0].with_changes(value=new)
        return updated_node.with_changes(args=args)


class HashedStrings(_DataArgumentOnFailingLine):
    """``FeatureHasher(input_type='string')`` given plain strings hashed each string's
    characters before 1.2; it refuses them now. ``[list(s) for s in X]`` is exactly what it
    hashed."""

    methods = frozenset({"transform", "fit_transform"})

    def wrapped(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        return expr("[list(sample) for sample in __x__]", x=value)


class PositionalFeatures(_DataArgumentOnFailingLine):
    """A model fit on a DataFrame, asked about one whose columns are named or ordered
    differently. scikit-learn before 1.2 matched columns by position only; ``np.asarray(X)``
    asks it exactly that way again."""

    methods = frozenset(
        {"predict", "predict_proba", "predict_log_proba", "decision_function", "transform",
         "score", "score_samples", "kneighbors"}
    )

    def wrapped(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        if not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript)):
            return None
        return expr(f"{self.module_name('numpy', 'np')}.asarray(__x__)", x=value)


def _parameters(qualified_name: str) -> list[inspect.Parameter] | None:
    """The installed scikit-learn function's (or class's constructor's) parameters."""
    module_name, _, attr = qualified_name.rpartition(".")
    try:
        target = getattr(importlib.import_module(module_name), attr)
        signature = inspect.signature(target)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [p for p in signature.parameters.values() if p.kind not in variadic]


class KeywordOnlyArgs(RuleTransformer):
    """Crash-only: scikit-learn 1.0+ made the arguments after the data keyword-only
    (``cross_val_score(model, X, y, groups)``). The old positional order is the order of the
    installed signature, so the extra positions get their names from it. Only calls on the
    failing line that resolve to a scikit-learn name."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        crash = self.ctx.crash
        target = qualified(original_node.func, self.ctx)
        if crash is None or target is None or not target.startswith("sklearn."):
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        parameters = _parameters(target)
        if parameters is None:
            return updated_node
        if parameters and parameters[0].name == "self":
            parameters = parameters[1:]
        room = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)
        args = list(updated_node.args)
        positions = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
        if any(a.star for a in args) or not room < len(positions) <= len(parameters):
            return updated_node
        taken = {a.keyword.value for a in args if a.keyword is not None}
        for number, i in enumerate(positions[room:], start=room):
            name = parameters[number].name
            if name in taken:
                return updated_node
            args[i] = make_kwarg(name, args[i].value).with_changes(comma=args[i].comma)
        self.hit(original_node)
        return updated_node.with_changes(args=args)


def _not_shuffled(call: cst.Call, _: RuleTransformer) -> bool:
    """A splitter that does not shuffle: its ``random_state`` never did anything."""
    shuffle = kwarg(call, "shuffle")
    positional = sum(1 for arg in call.args if arg.keyword is None)
    return positional < 2 and (shuffle is None or is_false(shuffle.value))


def _module_rule(rule_id: str, old: str, new: str, changed_in: str, names: str) -> Rule:
    parent, _, leaf = old.rpartition(".")
    return Rule(
        id=rule_id,
        library="scikit-learn",
        changed_in=changed_in,
        kind="crash",
        summary=f"`{old}` was removed",
        replacement=f"`from {new} import {names}`",
        triggers=(rf"\b{old.rsplit('.', 1)[-1]}\b",),
        transformer=moved({old: new}),
        crash=Crash(
            _MNF + _IE + ("AttributeError",),
            rf"No module named '{old.replace('.', '[.]')}'|"
            rf"(?:cannot import name|has no attribute) '{leaf}'(?: from '{parent}')?",
        ),
    )


_PRIVATE = {
    f"sklearn.{old}": f"sklearn.{old.rsplit('.', 1)[0]}"
    for old in (
        "ensemble.forest",
        "ensemble.gradient_boosting",
        "ensemble.weight_boosting",
        "ensemble.bagging",
        "ensemble.voting",
        "ensemble.iforest",
        "ensemble.base",
        "tree.tree",
        "tree.export",
        "metrics.classification",
        "metrics.regression",
        "metrics.ranking",
        "metrics.scorer",
        "linear_model.logistic",
        "linear_model.base",
        "linear_model.ridge",
        "linear_model.coordinate_descent",
        "linear_model.least_angle",
        "linear_model.stochastic_gradient",
        "linear_model.perceptron",
        "linear_model.bayes",
        "linear_model.huber",
        "linear_model.theil_sen",
        "linear_model.ransac",
        "linear_model.omp",
        "linear_model.passive_aggressive",
        "svm.classes",
        "svm.base",
        "neighbors.classification",
        "neighbors.regression",
        "neighbors.base",
        "neighbors.unsupervised",
        "neighbors.kde",
        "neighbors.nearest_centroid",
        "neighbors.lof",
        "preprocessing.data",
        "preprocessing.label",
        "decomposition.pca",
        "decomposition.truncated_svd",
        "decomposition.nmf",
        "decomposition.kernel_pca",
        "decomposition.incremental_pca",
        "decomposition.online_lda",
        "decomposition.fastica_",
        "decomposition.factor_analysis",
        "cluster.k_means_",
        "cluster.dbscan_",
        "cluster.hierarchical",
        "cluster.spectral",
        "cluster.mean_shift_",
        "cluster.birch",
        "cluster.affinity_propagation_",
        "feature_selection.univariate_selection",
        "feature_selection.rfe",
        "feature_selection.from_model",
        "feature_selection.variance_threshold",
        "mixture.gaussian_mixture",
        "mixture.bayesian_mixture",
        "manifold.t_sne",
        "manifold.isomap",
        "manifold.mds",
        "manifold.locally_linear",
        "datasets.base",
        "gaussian_process.gpr",
        "gaussian_process.gpc",
        "semi_supervised.label_propagation",
        "neural_network.multilayer_perceptron",
        "neural_network.rbm",
    )
}


RULES: list[Rule] = [
    _module_rule(
        "sklearn-cross-validation",
        "sklearn.cross_validation",
        "sklearn.model_selection",
        "0.20 (deprecated 0.18)",
        "train_test_split, cross_val_score, KFold",
    ),
    _module_rule(
        "sklearn-grid-search",
        "sklearn.grid_search",
        "sklearn.model_selection",
        "0.20 (deprecated 0.18)",
        "GridSearchCV",
    ),
    _module_rule(
        "sklearn-learning-curve-module",
        "sklearn.learning_curve",
        "sklearn.model_selection",
        "0.20 (deprecated 0.18)",
        "learning_curve",
    ),
    _module_rule(
        "sklearn-samples-generator",
        "sklearn.datasets.samples_generator",
        "sklearn.datasets",
        "0.24 (deprecated 0.22)",
        "make_blobs",
    ),
    Rule(
        id="sklearn-kfold-n-folds",
        library="scikit-learn",
        changed_in="0.20",
        kind="crash",
        summary="the old `KFold(n, n_folds=k)` signature is gone: splitters take `n_splits` "
        "and get the data in `.split(X, y)`",
        replacement="`KFold(n_splits=5)` and `for tr, te in kf.split(X, y):`",
        triggers=(
            r"n_folds|ShuffleSplit\([^)]*n_iter\s*=|KFold\(\s*len\(|StratifiedKFold\(\s*\w+\s*,",
            r"LeaveOneOut\(\s*[\w(]|LeavePOut\(\s*[^,()]+(?:\([^()]*\))?\s*,",
        ),
        transformer=factory(fx.KFoldNFolds),
        crash=Crash(
            _TE,
            r"unexpected keyword argument 'n_(?:folds|iter)'|LeaveOneOut\(\) takes no arguments"
            r"|KFold\.__init__\(\) got an unexpected keyword argument '(?:y|labels|n)'"
            r"|(?:KFold|ShuffleSplit|LeavePOut)\.__init__\(\) takes .* positional arguments? but",
        ),
    ),
    Rule(
        id="sklearn-grid-scores",
        library="scikit-learn",
        changed_in="0.20 (deprecated 0.18)",
        kind="crash",
        summary="`grid_scores_` was replaced by `cv_results_`",
        replacement="`pd.DataFrame(grid.cv_results_)`",
        triggers=(r"grid_scores_",),
        transformer=factory(fx.FlagOnly, names=frozenset({"grid_scores_"})),
        crash=Crash(("AttributeError",), r"has no attribute 'grid_scores_'"),
        hint="`cv_results_` is a dict of arrays: `params`, `mean_test_score`, `std_test_score`, "
        "`split0_test_score`...; `pd.DataFrame(grid.cv_results_)` shows it as a table.",
    ),
    Rule(
        id="sklearn-externals-joblib",
        library="scikit-learn",
        changed_in="0.23 (deprecated 0.21)",
        kind="crash",
        summary="`sklearn.externals.joblib` was removed",
        replacement="`import joblib`",
        triggers=(r"externals",),
        transformer=moved({"sklearn.externals.joblib": "joblib"}),
        crash=Crash(
            _IE + _MNF,
            r"cannot import name 'joblib' from 'sklearn\.externals'|"
            r"No module named 'sklearn\.externals\.joblib'",
        ),
    ),
    Rule(
        id="sklearn-imputer",
        library="scikit-learn",
        changed_in="0.22 (deprecated 0.20)",
        kind="crash",
        summary="`sklearn.preprocessing.Imputer` was replaced by `SimpleImputer`",
        replacement="`from sklearn.impute import SimpleImputer; SimpleImputer(strategy='mean')`",
        triggers=(r"\bImputer\b",),
        transformer=factory(
            fx.ImputerFix,
            moves={"sklearn.preprocessing.Imputer": "sklearn.impute.SimpleImputer"},
            only={},
        ),
        crash=Crash(_IE, r"cannot import name 'Imputer' from 'sklearn\.preprocessing'"),
    ),
    Rule(
        id="sklearn-gmm",
        library="scikit-learn",
        changed_in="0.20 (deprecated 0.18)",
        kind="crash",
        summary="`sklearn.mixture.GMM` was replaced by `GaussianMixture` (default covariance "
        "changed from 'diag' to 'full', `n_iter` became `max_iter`, `covars_` `covariances_`)",
        replacement="`GaussianMixture(n_components=k, covariance_type='diag', max_iter=n)`",
        triggers=(r"\bGMM\b", r"\.covars_\b"),
        transformer=factory(
            fx.GmmFix, moves={"sklearn.mixture.GMM": "sklearn.mixture.GaussianMixture"}, only={}
        ),
        crash=Crash(
            _IE + ("AttributeError",),
            r"cannot import name 'GMM' from 'sklearn\.mixture'|'sklearn\.mixture' has no attribute 'GMM'",
        ),
    ),
    Rule(
        id="sklearn-expected-2d",
        library="scikit-learn",
        changed_in="0.19 (deprecated 0.17)",
        kind="crash",
        summary="estimators no longer accept a scalar or a 1-D array as `X` (it used to be "
        "taken as one sample)",
        replacement="`model.predict([[x]])`, `model.predict(np.reshape(row, (1, -1)))`, "
        "`model.fit(np.reshape(x, (-1, 1)), y)`",
        triggers=(r"\.(?:predict\w*|decision_function|\w*transform|score_samples|kneighbors|apply|fit\w*)\(",),
        transformer=factory(fx.Expected2D),
        crash=Crash(("ValueError",), r"Expected 2D array, got (?:scalar|1D) array instead"),
        crash_only=True,
    ),
    Rule(
        id="sklearn-sgd-n-iter",
        library="scikit-learn",
        changed_in="0.21 (deprecated 0.19)",
        kind="crash",
        summary="`n_iter=` of SGD-trained linear models was replaced by `max_iter=` (with "
        "`tol=None` they run every epoch, as `n_iter` did)",
        replacement="`SGDClassifier(max_iter=n, tol=None)`",
        triggers=(r"\b(?:SGD|Perceptron|PassiveAggressive)\w*\([^)]*\bn_iter\s*=",),
        transformer=kwargs(fx.SGD_FAMILY, rename={"n_iter": "max_iter"}),
        crash=Crash(
            _TE,
            r"(?:SGD\w*|Perceptron|PassiveAggressive\w*)\.__init__\(\) got an unexpected "
            r"keyword argument 'n_iter'",
        ),
    ),
    Rule(
        id="sklearn-externals-six",
        library="scikit-learn",
        changed_in="0.23 (deprecated 0.21)",
        kind="crash",
        summary="`sklearn.externals.six` (a Python 2 compatibility copy) was removed",
        replacement="`from io import StringIO` (Python 3's own names)",
        triggers=(r"externals\.six",),
        transformer=moved(
            {
                "sklearn.externals.six.StringIO": "io.StringIO",
                "sklearn.externals.six.BytesIO": "io.BytesIO",
                "sklearn.externals.six.moves.cPickle": "pickle",
                "sklearn.externals.six.moves.range": "builtins.range",
            }
        ),
        crash=Crash(_MNF + _IE, r"No module named 'sklearn\.externals\.six'"),
    ),
    Rule(
        id="sklearn-agglomerative-affinity",
        library="scikit-learn",
        changed_in="1.4 (deprecated 1.2)",
        kind="crash",
        summary="`AgglomerativeClustering(affinity=)` was renamed `metric=`",
        replacement="`AgglomerativeClustering(metric='euclidean')`",
        triggers=(r"Agglomerat\w*\([^)]*\baffinity\s*=",),
        transformer=kwargs(
            Callee.of("AgglomerativeClustering", "FeatureAgglomeration", modules=SK),
            rename={"affinity": "metric"},
        ),
        crash=Crash(_TE, r"Agglomerat\w*\.__init__\(\) got an unexpected keyword argument 'affinity'"),
    ),
    Rule(
        id="sklearn-compute-importances",
        library="scikit-learn",
        changed_in="0.16 (deprecated 0.14)",
        kind="crash",
        summary="`compute_importances=` is gone: tree models always compute "
        "`feature_importances_`",
        replacement="drop the argument",
        triggers=(r"compute_importances",),
        transformer=kwargs(
            Callee.of(
                "RandomForestClassifier",
                "RandomForestRegressor",
                "ExtraTreesClassifier",
                "ExtraTreesRegressor",
                "DecisionTreeClassifier",
                "DecisionTreeRegressor",
                modules=SK,
            ),
            drop=("compute_importances",),
        ),
        crash=Crash(_TE, r"unexpected keyword argument 'compute_importances'"),
    ),
    Rule(
        id="sklearn-multiclass-average",
        library="scikit-learn",
        changed_in="0.18 (deprecated 0.16)",
        kind="crash",
        summary="precision/recall/F1 on a multiclass target need `average=`; the old default "
        "fell back to 'weighted'",
        replacement="`precision_score(y, p, average='weighted')`",
        triggers=(r"\b(?:precision|recall|f1|fbeta|jaccard)_score\(",),
        transformer=factory(fx.MulticlassAverage),
        crash=Crash(("ValueError",), r"Target is multiclass but average='binary'"),
        crash_only=True,
    ),
    Rule(
        id="sklearn-load-boston",
        library="scikit-learn",
        changed_in="1.2 (deprecated 1.0)",
        kind="crash",
        summary="`load_boston` was removed (the data set has an ethical problem)",
        replacement="`fetch_california_housing()` or `fetch_openml(name='boston', version=1)`",
        triggers=(r"load_boston",),
        transformer=factory(
            DeferredRemovedImport,
            module="sklearn.datasets",
            name="load_boston",
            library="scikit-learn",
            version="1.2",
            advice="`fetch_openml(name='boston', version=1)` downloads the same data",
        ),
        crash=Crash(_IE, r"load_boston"),
        hint="No drop-in fix: `fetch_openml(name='boston', version=1, as_frame=True)` returns "
        "the same data (a download), `fetch_california_housing()` a different data set, so "
        "scores change. Either way the column names and shapes differ from `load_boston()`.",
    ),
    Rule(
        id="sklearn-plot-confusion-matrix",
        library="scikit-learn",
        changed_in="1.2 (deprecated 1.0)",
        kind="crash",
        summary="`plot_confusion_matrix` was removed",
        replacement="`ConfusionMatrixDisplay.from_estimator(clf, X, y)`",
        triggers=(r"plot_confusion_matrix",),
        transformer=factory(
            fx.FunctionToMethod,
            moves={
                "sklearn.metrics.plot_confusion_matrix": "sklearn.metrics.ConfusionMatrixDisplay"
            },
            only={},
            methods={"sklearn.metrics.plot_confusion_matrix": "from_estimator"},
        ),
        crash=Crash(
            _IE + ("AttributeError",),
            r"(?:cannot import name|has no attribute) 'plot_confusion_matrix'",
        ),
    ),
    Rule(
        id="sklearn-plot-roc-curve",
        library="scikit-learn",
        changed_in="1.2 (deprecated 1.0)",
        kind="crash",
        summary="`plot_roc_curve` / `plot_precision_recall_curve` were removed",
        replacement="`RocCurveDisplay.from_estimator(clf, X, y)`",
        triggers=(r"plot_roc_curve|plot_precision_recall_curve",),
        transformer=factory(
            fx.FunctionToMethod,
            moves={
                "sklearn.metrics.plot_roc_curve": "sklearn.metrics.RocCurveDisplay",
                "sklearn.metrics.plot_precision_recall_curve": "sklearn.metrics.PrecisionRecallDisplay",
            },
            only={},
            methods={
                "sklearn.metrics.plot_roc_curve": "from_estimator",
                "sklearn.metrics.plot_precision_recall_curve": "from_estimator",
            },
        ),
        crash=Crash(
            _IE + ("AttributeError",),
            r"(?:cannot import name|has no attribute) 'plot_(?:roc|precision_recall)_curve'",
        ),
    ),
    Rule(
        id="sklearn-get-feature-names",
        library="scikit-learn",
        changed_in="1.2 (deprecated 1.0)",
        kind="crash",
        summary="`get_feature_names()` was replaced by `get_feature_names_out()`",
        replacement="`vectorizer.get_feature_names_out()`",
        triggers=(r"get_feature_names\(",),
        transformer=methods({"get_feature_names": "get_feature_names_out"}),
        crash=Crash(("AttributeError",), r"has no attribute 'get_feature_names'"),
        hint="It returns a numpy array, not a list: use `list(...)` before list operations.",
    ),
    Rule(
        id="sklearn-mse-squared",
        library="scikit-learn",
        changed_in="1.6 (deprecated 1.4)",
        kind="crash",
        summary="`mean_squared_error(squared=False)` was removed",
        replacement="`from sklearn.metrics import root_mean_squared_error`",
        triggers=(r"squared\s*=",),
        transformer=factory(fx.MseSquared),
        crash=Crash(_TE, r"unexpected keyword argument 'squared'"),
    ),
    Rule(
        id="sklearn-criterion-mse",
        library="scikit-learn",
        changed_in="1.2 (deprecated 1.0)",
        kind="crash",
        summary="`criterion='mse'` / `'mae'` were renamed",
        replacement="`criterion='squared_error'` / `'absolute_error'`",
        triggers=(r"['\"]ma?[se]e['\"]",),
        transformer=factory(fx.CriterionNames),
        crash=Crash(_IPE, r"'criterion' parameter .* Got '(?:mse|mae)' instead"),
    ),
    Rule(
        id="sklearn-gb-loss-names",
        library="scikit-learn",
        changed_in="1.2/1.3 (deprecated 1.0/1.1)",
        kind="crash",
        summary="gradient boosting's `loss='deviance'`, `'ls'`, `'lad'` were renamed",
        replacement="`loss='log_loss'` / `'squared_error'` / `'absolute_error'`",
        triggers=(r"loss\s*=\s*['\"](?:deviance|ls|lad|least_\w+|\w+_crossentropy|auto)['\"]",),
        transformer=kwargs(
            Callee.of(
                "GradientBoostingClassifier",
                "GradientBoostingRegressor",
                "HistGradientBoostingClassifier",
                "HistGradientBoostingRegressor",
                modules=SK,
            ),
            values={
                "loss": {
                    "deviance": "'log_loss'",
                    "ls": "'squared_error'",
                    "lad": "'absolute_error'",
                    "least_squares": "'squared_error'",
                    "least_absolute_deviation": "'absolute_error'",
                    "binary_crossentropy": "'log_loss'",
                    "categorical_crossentropy": "'log_loss'",
                    "auto": "'log_loss'",
                }
            },
        ),
        crash=Crash(_IPE, r"'loss' parameter of \w*GradientBoosting\w+ must be"),
    ),
    Rule(
        id="sklearn-max-features-auto",
        library="scikit-learn",
        changed_in="1.3 (deprecated 1.1)",
        kind="crash",
        summary="`max_features='auto'` was removed from trees and forests",
        replacement="classifiers: `max_features='sqrt'`; regressors: `max_features=1.0`",
        triggers=(r"max_features",),
        transformer=factory(fx.MaxFeaturesAuto),
        crash=Crash(_IPE, r"'max_features' parameter .* Got 'auto' instead"),
    ),
    Rule(
        id="sklearn-base-estimator",
        library="scikit-learn",
        changed_in="1.4 (deprecated 1.2)",
        kind="crash",
        summary="`base_estimator=` was renamed `estimator=`",
        replacement="`BaggingClassifier(estimator=...)`",
        triggers=(r"base_estimator",),
        transformer=factory(fx.BaseEstimatorKw),
        crash=Crash(_TE, r"unexpected keyword argument 'base_estimator'"),
    ),
    Rule(
        id="sklearn-ohe-categorical-features",
        library="scikit-learn",
        changed_in="0.22 (deprecated 0.20)",
        kind="crash",
        summary="`OneHotEncoder(categorical_features=...)` was removed",
        replacement="`ColumnTransformer([('oh', OneHotEncoder(), [0])], remainder='passthrough')`",
        triggers=(r"categorical_features",),
        transformer=factory(fx.OheCategoricalFeatures),
        crash=Crash(_TE, r"unexpected keyword argument 'categorical_features'"),
    ),
    Rule(
        id="sklearn-ohe-sparse",
        library="scikit-learn",
        changed_in="1.4 (deprecated 1.2)",
        kind="crash",
        summary="`OneHotEncoder(sparse=...)` was renamed `sparse_output`",
        replacement="`OneHotEncoder(sparse_output=False)`",
        triggers=(r"sparse\s*=",),
        transformer=kwargs(
            Callee.of("OneHotEncoder", modules=SK), rename={"sparse": "sparse_output"}
        ),
        crash=Crash(_TE, r"OneHotEncoder.__init__\(\) got an unexpected keyword argument 'sparse'"),
    ),
    Rule(
        id="sklearn-tsne-n-iter",
        library="scikit-learn",
        changed_in="1.7 (deprecated 1.5)",
        kind="crash",
        summary="`TSNE(n_iter=)` was renamed `max_iter`",
        replacement="`TSNE(max_iter=1000)`",
        triggers=(r"TSNE\(",),
        transformer=kwargs(Callee.of("TSNE", modules=SK), rename={"n_iter": "max_iter"}),
        crash=Crash(_TE, r"TSNE.__init__\(\) got an unexpected keyword argument 'n_iter'"),
    ),
    Rule(
        id="sklearn-logreg-multi-class",
        library="scikit-learn",
        changed_in="1.8 (deprecated 1.5)",
        kind="crash",
        summary="`LogisticRegression(multi_class=...)` was removed",
        replacement="drop it (multinomial is the default); for one-vs-rest wrap it in "
        "`OneVsRestClassifier`",
        triggers=(r"multi_class",),
        transformer=factory(fx.LogregMultiClass),
        crash=Crash(_TE, r"unexpected keyword argument 'multi_class'"),
    ),
    Rule(
        id="sklearn-logreg-l1-default-solver",
        library="scikit-learn",
        changed_in="0.22",
        kind="crash",
        summary="`LogisticRegression(penalty='l1')` fails with the new default "
        "solver lbfgs (it was liblinear)",
        replacement="`LogisticRegression(solver='liblinear', l1_ratio=1.0)`",
        triggers=(r"penalty",),
        transformer=factory(fx.LogregL1Solver),
        crash=Crash(
            ("ValueError",), r"Solver lbfgs supports only 'l2' or '?[Nn]one'? penalties, got l1"
        ),
        hint="liblinear is one-vs-rest only: with three or more classes wrap the model in "
        "`OneVsRestClassifier`.",
    ),
    Rule(
        id="sklearn-logreg-penalty-deprecated",
        library="scikit-learn",
        changed_in="1.8 deprecation (removal in 1.10)",
        kind="warning-only",
        summary="`LogisticRegression(penalty=...)` is deprecated",
        replacement="leave `penalty` unset and use `l1_ratio` (0 = L2, 1 = L1) and `C`",
        triggers=(r"penalty",),
        transformer=factory(fx.LogregPenalty),
    ),
    Rule(
        id="sklearn-svc-probability",
        library="scikit-learn",
        changed_in="1.9 deprecation (removal in 1.11)",
        kind="warning-only",
        summary="`SVC(probability=True)` is deprecated",
        replacement="`CalibratedClassifierCV(SVC(), ensemble=False)`",
        triggers=(r"probability",),
        transformer=factory(fx.FlagOnly, names=frozenset({"SVC", "NuSVC"}), kw="probability"),
        hint="Wrapping changes which attributes exist and how `predict` decides; review by hand.",
    ),
    Rule(
        id="sklearn-sgd-loss-log",
        library="scikit-learn",
        changed_in="1.3 (deprecated 1.1)",
        kind="crash",
        summary="`SGDClassifier(loss='log')` was renamed `'log_loss'`",
        replacement="`SGDClassifier(loss='log_loss')`",
        triggers=(r"loss\s*=\s*['\"]log['\"]",),
        transformer=kwargs(
            Callee.of("SGDClassifier", modules=SK), values={"loss": {"log": "'log_loss'"}}
        ),
        crash=Crash(_IPE, r"'loss' parameter of SGDClassifier must be .* Got 'log' instead"),
    ),
    Rule(
        id="sklearn-normalize-param",
        library="scikit-learn",
        changed_in="1.2 (deprecated 1.0)",
        kind="crash",
        summary="linear models lost `normalize=`",
        replacement="`make_pipeline(StandardScaler(), Ridge())`",
        triggers=(r"normalize\s*=",),
        transformer=factory(fx.NormalizeParam),
        crash=Crash(_TE, r"unexpected keyword argument 'normalize'"),
    ),
    Rule(
        id="sklearn-scoring-mse-name",
        library="scikit-learn",
        changed_in="0.20 (renamed 0.18)",
        kind="crash",
        summary="error scorers are named `neg_...` (the values were negative already)",
        replacement="`scoring='neg_mean_squared_error'`",
        triggers=(
            r"scoring\s*=[^\n]*['\"](?:mean_squared_error|mean_absolute_error|median_absolute_error|"
            r"log_loss|mean_squared_log_error)['\"]",
        ),
        transformer=factory(fx.ScoringNames),
        crash=Crash(_IPE, r"'scoring' parameter|is not a valid scoring value"),
    ),
    Rule(
        id="sklearn-private-modules",
        library="scikit-learn",
        changed_in="0.24 (private since 0.22)",
        kind="crash",
        summary="modules such as `sklearn.ensemble.forest` became private",
        replacement="`from sklearn.ensemble import RandomForestClassifier`",
        triggers=(r"sklearn\.(?:" + "|".join(re.escape(m[8:]) for m in sorted(_PRIVATE)) + r")\b",),
        transformer=moved(_PRIVATE),
        crash=Crash(_MNF, r"No module named 'sklearn\.\w+\.[a-z_]+'"),
        hint="A model pickled with scikit-learn < 0.22 cannot be loaded any more: re-train it.",
    ),
    Rule(
        id="sklearn-adaboost-algorithm",
        library="scikit-learn",
        changed_in="1.8 (deprecated 1.6)",
        kind="crash",
        summary="`AdaBoostClassifier(algorithm=...)` was removed (SAMME only)",
        replacement="drop `algorithm`",
        triggers=(r"algorithm\s*=",),
        transformer=kwargs(Callee.of("AdaBoostClassifier", modules=SK), drop=["algorithm"]),
        crash=Crash(
            _TE, r"AdaBoostClassifier.__init__\(\) got an unexpected keyword argument 'algorithm'"
        ),
        hint="SAMME.R (the old default) is gone, so scores can differ from the published ones.",
    ),
    Rule(
        id="sklearn-lda-qda-modules",
        library="scikit-learn",
        changed_in="0.19 (deprecated 0.17)",
        kind="crash",
        summary="`sklearn.lda.LDA` and `sklearn.qda.QDA` moved to `sklearn.discriminant_analysis`",
        replacement="`from sklearn.discriminant_analysis import LinearDiscriminantAnalysis`",
        triggers=(r"sklearn\.[lq]da\b|\b[LQ]DA\b",),
        transformer=moved(
            {
                "sklearn.lda.LDA": "sklearn.discriminant_analysis.LinearDiscriminantAnalysis",
                "sklearn.qda.QDA": "sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis",
                "sklearn.lda": "sklearn.discriminant_analysis",
                "sklearn.qda": "sklearn.discriminant_analysis",
            }
        ),
        crash=Crash(_MNF + _IE, r"No module named 'sklearn\.[lq]da'"),
    ),
    Rule(
        id="sklearn-randomized-pca",
        library="scikit-learn",
        changed_in="0.20 (deprecated 0.18)",
        kind="crash",
        summary="`RandomizedPCA` was folded into `PCA`",
        replacement="`PCA(n_components=k, svd_solver='randomized')`",
        triggers=(r"\bRandomizedPCA\b",),
        transformer=moved({"sklearn.decomposition.RandomizedPCA": "sklearn.decomposition.PCA"}),
        crash=Crash(_IE, r"cannot import name 'RandomizedPCA'"),
        hint="`PCA` picks its solver by the data's size; `svd_solver='randomized'` is the old "
        "algorithm exactly.",
    ),
    Rule(
        id="sklearn-kmeans-removed-options",
        library="scikit-learn",
        changed_in="1.0 (deprecated 0.23)",
        kind="crash",
        summary="`KMeans(precompute_distances=, n_jobs=)` were removed; neither changed the result",
        replacement="drop them",
        triggers=(r"precompute_distances|KMeans\([^)]*n_jobs",),
        transformer=kwargs(
            Callee.of("KMeans", "MiniBatchKMeans", modules=SK),
            drop=("precompute_distances", "n_jobs"),
        ),
        crash=Crash(_TE, r"KMeans\.__init__\(\) got an unexpected keyword argument '(?:precompute_distances|n_jobs)'"),
    ),
    Rule(
        id="joblib-memory-cachedir",
        library="joblib",
        changed_in="1.0 (deprecated 0.12)",
        kind="crash",
        summary="`Memory(cachedir=)` was renamed `location=`",
        replacement="`Memory(location='cache')`",
        triggers=(r"cachedir",),
        transformer=kwargs(
            Callee.of("Memory", modules=("joblib", "sklearn")), rename={"cachedir": "location"}
        ),
        crash=Crash(_TE, r"Memory\.__init__\(\) got an unexpected keyword argument 'cachedir'"),
    ),
    Rule(
        id="sklearn-splitter-random-state",
        library="scikit-learn",
        changed_in="0.24 (warned since 0.22)",
        kind="crash",
        summary="a splitter given `random_state` without `shuffle=True` now raises; the seed "
        "never had an effect there",
        replacement="drop `random_state` (the folds are the same)",
        triggers=(r"KFold\([^)]*random_state\s*=",),
        transformer=kwargs(
            Callee.of(
                "KFold", "StratifiedKFold", "GroupKFold", "RepeatedKFold", modules=SK
            ),
            drop=("random_state",),
            guard=_not_shuffled,
        ),
        crash=Crash(("ValueError",), r"Setting a random_state has no effect since shuffle is False"),
    ),
    Rule(
        id="sklearn-vectorizer-min-df-zero",
        library="scikit-learn",
        changed_in="1.2 (parameter validation)",
        kind="crash",
        summary="`min_df=0` is no longer accepted; a term is in at least one document anyway",
        replacement="`min_df=1` (the same vocabulary)",
        triggers=(r"\bmin_df\s*=\s*0\b(?!\.)",),
        transformer=kwargs(
            Callee.of("TfidfVectorizer", "CountVectorizer", "TfidfTransformer", modules=SK),
            numbers={"min_df": {"0": "1"}},
        ),
        crash=Crash(_IPE, r"'min_df' parameter of \w+ must be .*Got 0 instead"),
    ),
    Rule(
        id="sklearn-feature-hasher-strings",
        library="scikit-learn",
        changed_in="1.2",
        kind="crash",
        summary="`FeatureHasher(input_type='string')` no longer takes plain strings (it hashed "
        "their characters)",
        replacement="`fh.transform([list(s) for s in X])` (what it did), or `[[s] for s in X]` "
        "for whole strings",
        triggers=(r"transform\(",),
        transformer=factory(HashedStrings),
        crash=Crash(("ValueError",), r"^Samples can not be a single string"),
        crash_only=True,
        hint="The old result hashed characters, which is rarely what was meant; `[[s] for s in X]` "
        "hashes each whole string (different numbers).",
    ),
    Rule(
        id="sklearn-feature-names-order",
        library="scikit-learn",
        changed_in="1.2 (warned 1.0)",
        kind="crash",
        summary="a model fit on a DataFrame checks the column names it is given; before, it "
        "used the columns by position",
        replacement="`model.predict(np.asarray(X))` (by position, as before), or reorder "
        "`X[model.feature_names_in_]` if the names are what was meant",
        triggers=(r"\.(?:predict|transform|score|decision_function)\w*\(",),
        transformer=factory(PositionalFeatures),
        crash=Crash(("ValueError",), r"^The feature names should match those that were passed"),
        crash_only=True,
    ),
    Rule(
        id="sklearn-keyword-only-args",
        library="scikit-learn",
        changed_in="1.0 (warned 0.23)",
        kind="crash",
        summary="arguments after the data became keyword-only",
        replacement="`cross_val_score(model, X, y, groups=groups)`",
        triggers=(r"\w\(",),
        transformer=factory(KeywordOnlyArgs),
        crash=Crash(
            ("TypeError",),
            r"^too many positional arguments$|^\w+\(\) takes \d+ positional arguments? but \d+",
        ),
        crash_only=True,
    ),
]
