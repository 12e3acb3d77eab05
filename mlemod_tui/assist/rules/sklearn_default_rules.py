"""scikit-learn defaults that changed (mostly in 0.22): pin the old value where a notebook
relied on the default (score-calibration), and the runtime-only ``n_jobs`` proposal."""

from __future__ import annotations

from mlemod_tui.assist.rules import sklearn_fixes as fx
from mlemod_tui.assist.rules.cst_tools import Callee
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, pin

SK = ("sklearn",)

_N_JOBS = Callee.of(
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "BaggingClassifier",
    "BaggingRegressor",
    "cross_val_score",
    "cross_validate",
    "cross_val_predict",
    "GridSearchCV",
    "RandomizedSearchCV",
    "learning_curve",
    "validation_curve",
    "permutation_importance",
    "RFECV",
    "VotingClassifier",
    "StackingClassifier",
    modules=SK,
)
_CV = Callee.of(
    "cross_val_score",
    "cross_validate",
    "cross_val_predict",
    "GridSearchCV",
    "RandomizedSearchCV",
    "learning_curve",
    "validation_curve",
    "RFECV",
    "permutation_test_score",
    "CalibratedClassifierCV",
    "LogisticRegressionCV",
    "LassoCV",
    "ElasticNetCV",
    "LarsCV",
    "LassoLarsCV",
    modules=SK,
)

_SGD_CALL = r"\b(?:SGDClassifier|SGDRegressor|Perceptron|PassiveAggressive(?:Classifier|Regressor))\("

RULES: list[Rule] = [
    Rule(
        id="sklearn-rf-n-estimators-default",
        library="scikit-learn",
        changed_in="0.22",
        kind="silent-score-change",
        summary="the default `n_estimators` of random forests and extra trees went from 10 to 100",
        replacement="pass `n_estimators=10` to reproduce the published numbers, or keep 100",
        triggers=(r"\b(?:RandomForest|ExtraTrees)(?:Classifier|Regressor)\((?![^)]*n_estimators)",),
        transformer=pin(
            Callee.of(
                "RandomForestClassifier",
                "RandomForestRegressor",
                "ExtraTreesClassifier",
                "ExtraTreesRegressor",
                modules=SK,
            ),
            "n_estimators",
            "10",
            max_positional=0,
        ),
    ),
    Rule(
        id="sklearn-logreg-default-solver",
        library="scikit-learn",
        changed_in="0.22",
        kind="silent-score-change",
        summary="`LogisticRegression()`'s default solver went from liblinear (one-vs-rest) to "
        "lbfgs (multinomial)",
        replacement="to reproduce: `OneVsRestClassifier(LogisticRegression(solver='liblinear'))`",
        triggers=(r"LogisticRegression\((?![^)]*(?:solver|max_iter|penalty))",),
        transformer=factory(fx.LogregDefaultSolver),
        hint="The per-class models are in `.estimators_` of the wrapper.",
    ),
    Rule(
        id="sklearn-lbfgs-convergence",
        library="scikit-learn",
        changed_in="0.22",
        kind="warning-only",
        summary="the lbfgs default solver stops after 100 iterations on "
        "unscaled data (liblinear converged)",
        replacement="`make_pipeline(StandardScaler(), LogisticRegression())` or `max_iter=1000`",
        triggers=(r"LogisticRegression\(",),
        transformer=factory(fx.LbfgsMaxIter),
        crash=Crash(("ConvergenceWarning",), r"lbfgs failed to converge"),
        crash_only=True,
    ),
    Rule(
        id="sklearn-svc-gamma-default",
        library="scikit-learn",
        changed_in="0.22",
        kind="silent-score-change",
        summary="the default `gamma` of SVMs went from 'auto' to 'scale'",
        replacement="`SVC(gamma='auto')` to reproduce; better: scale the features",
        triggers=(r"\b(?:(?:Nu)?SV[CR]|OneClassSVM)\((?![^)]*gamma)",),
        transformer=factory(fx.SvcGamma),
    ),
    Rule(
        id="sklearn-cv-default",
        library="scikit-learn",
        changed_in="0.22",
        kind="silent-score-change",
        summary="the default number of cross-validation folds went from 3 to 5",
        replacement="pass `cv=3` to reproduce",
        triggers=(
            r"\b(?:cross_val_score|cross_validate|cross_val_predict|\w+SearchCV|learning_curve|"
            r"validation_curve|permutation_test_score|\w+CV)\((?![^)]*\bcv\s*=)",
        ),
        transformer=pin(_CV, "cv", "3", max_positional=3),
    ),
    Rule(
        id="sklearn-kmeans-n-init-default",
        library="scikit-learn",
        changed_in="1.4",
        kind="silent-score-change",
        summary="KMeans runs once by default now (`n_init` 10 -> 'auto')",
        replacement="`KMeans(n_clusters=k, n_init=10)`",
        triggers=(r"KMeans\((?![^)]*n_init)",),
        transformer=factory(fx.Kmeans),
    ),
    Rule(
        id="sklearn-sgd-max-iter-default",
        library="scikit-learn",
        changed_in="0.21 (deprecated 0.19)",
        kind="silent-score-change",
        summary="SGD-trained linear models ran 5 epochs (`n_iter=5`); now up to 1000 "
        "(`max_iter=1000`) until the loss stops improving",
        replacement="`SGDClassifier(max_iter=5, tol=None)` to reproduce",
        triggers=(_SGD_CALL + r"(?![^)]*\b(?:max_iter|n_iter)\s*=)",),
        transformer=pin(fx.SGD_FAMILY, "max_iter", "5", unless=("n_iter",), max_positional=0),
    ),
    Rule(
        id="sklearn-sgd-tol-default",
        library="scikit-learn",
        changed_in="0.21 (deprecated 0.19)",
        kind="silent-score-change",
        summary="SGD-trained linear models stop early by default now (`tol=1e-3`); they used "
        "to run every epoch asked for",
        replacement="`tol=None` to run every epoch, as before",
        triggers=(_SGD_CALL + r"(?![^)]*\btol\s*=)",),
        transformer=pin(fx.SGD_FAMILY, "tol", "None", max_positional=0),
    ),
    Rule(
        id="sklearn-tsne-init-default",
        library="scikit-learn",
        changed_in="1.2 (deprecated 1.0)",
        kind="silent-score-change",
        summary="`TSNE`'s default initialization went from 'random' to 'pca'",
        replacement="`TSNE(init='random', learning_rate=200.0)` to reproduce an old embedding",
        triggers=(r"\bTSNE\((?![^)]*\binit\s*=)",),
        transformer=pin(Callee.of("TSNE", modules=SK), "init", "'random'", max_positional=1),
    ),
    Rule(
        id="sklearn-tsne-learning-rate-default",
        library="scikit-learn",
        changed_in="1.2 (deprecated 1.0)",
        kind="silent-score-change",
        summary="`TSNE`'s default learning rate went from 200 to 'auto' (n_samples / 12 / 4)",
        replacement="`TSNE(learning_rate=200.0)` to reproduce",
        triggers=(r"\bTSNE\((?![^)]*\blearning_rate\s*=)",),
        transformer=pin(
            Callee.of("TSNE", modules=SK), "learning_rate", "200.0", max_positional=3
        ),
    ),
    Rule(
        id="sklearn-isolation-forest-contamination",
        library="scikit-learn",
        changed_in="0.22 (deprecated 0.20)",
        kind="silent-score-change",
        summary="`IsolationForest`'s default `contamination` went from 0.1 to 'auto' (a "
        "different threshold: other points are called outliers)",
        replacement="`IsolationForest(contamination=0.1)` to reproduce",
        triggers=(r"\bIsolationForest\((?![^)]*\bcontamination\s*=)",),
        transformer=pin(
            Callee.of("IsolationForest", modules=SK), "contamination", "0.1", max_positional=2
        ),
    ),
    Rule(
        id="sklearn-n-jobs",
        library="scikit-learn",
        changed_in="-",
        kind="runtime",
        summary="this estimator or search can use every CPU core without changing its results",
        replacement="`n_jobs=-1`",
        triggers=(
            r"RandomForest|ExtraTrees|KNeighbors|Bagging|"
            r"cross_val|SearchCV|_curve\(|permutation_importance|RFECV|Voting|Stacking",
        ),
        transformer=pin(_N_JOBS, "n_jobs", "-1"),
    ),
]
