"""scikit-learn and scipy cases, run against the installed libraries."""

from __future__ import annotations

from tests.assist.case import Case

S = "import numpy as np\nfrom sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\n"
B = (
    "import numpy as np\nfrom sklearn.datasets import load_breast_cancer\n"
    "Xb, yb = load_breast_cancer(return_X_y=True)\n"
)
MPL = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
TREE = S + "from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor\n"
ENS = (
    S + "from sklearn.ensemble import (RandomForestClassifier, RandomForestRegressor, "
    "GradientBoostingClassifier, BaggingClassifier, AdaBoostClassifier)\n"
    "from sklearn.tree import DecisionTreeClassifier\n"
)
LIN = (
    S
    + "from sklearn.linear_model import LogisticRegression, Ridge, LinearRegression, SGDClassifier\n"
)

SKLEARN = [
    Case(
        "sklearn-scorers-dict",
        "from sklearn.metrics.scorer import SCORERS\nnames = sorted(SCORERS.keys())\nr2 = SCORERS['r2']",
        "from sklearn.metrics import get_scorer, get_scorer_names\nnames = sorted(get_scorer_names())\n"
        "r2 = get_scorer('r2')",
        error=("ModuleNotFoundError", "No module named 'sklearn.metrics.scorer'"),
        check="'accuracy' in names and callable(r2)",
    ),
    Case(
        "sklearn-keyword-only-args",
        "from sklearn.model_selection import cross_val_score, GroupKFold\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "groups = [i % 3 for i in range(len(y))]\n"
        "scores = cross_val_score(LogisticRegression(max_iter=500), X, y, groups, cv=GroupKFold(n_splits=3))",
        "from sklearn.model_selection import cross_val_score, GroupKFold\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "groups = [i % 3 for i in range(len(y))]\n"
        "scores = cross_val_score(LogisticRegression(max_iter=500), X, y, groups=groups, cv=GroupKFold(n_splits=3))",
        S,
        error=("TypeError", "too many positional arguments"),
        check="len(scores) == 3",
    ),
    Case(
        "sklearn-feature-names-order",
        "p = model.predict(new)",
        "p = model.predict(np.asarray(new))",
        S + "import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
        "frame = pd.DataFrame({'a': [1.0, 2.0, 3.0], 'b': [0.0, 1.0, 0.0]})\n"
        "model = LinearRegression().fit(frame, [1.0, 2.0, 3.0])\n"
        "new = frame[['b', 'a']].rename(columns={'b': 'x', 'a': 'y'})\n",
        error=("ValueError", "The feature names should match those that were passed during fit"),
        check="p.shape == (3,)",
    ),
    Case(
        "sklearn-feature-hasher-strings",
        "from sklearn.feature_extraction import FeatureHasher\n"
        "m = FeatureHasher(n_features=6, input_type='string').fit_transform(['ab', 'b'])",
        "from sklearn.feature_extraction import FeatureHasher\n"
        "m = FeatureHasher(n_features=6, input_type='string').fit_transform([list(sample) for sample in ['ab', 'b']])",
        S,
        error=("ValueError", "Samples can not be a single string"),
        check="m.shape == (2, 6) and m[0].nnz >= 1",
    ),
    Case(
        "sklearn-lda-qda-modules",
        "from sklearn.lda import LDA\nm = LDA().fit(X, y)",
        "from sklearn.discriminant_analysis import LinearDiscriminantAnalysis\n"
        "m = LinearDiscriminantAnalysis().fit(X, y)",
        S,
        error=("ModuleNotFoundError", "No module named 'sklearn.lda'"),
        check="m.score(X, y) > 0.9",
    ),
    Case(
        "sklearn-randomized-pca",
        "from sklearn.decomposition import RandomizedPCA\np = RandomizedPCA(n_components=2).fit(X)",
        "from sklearn.decomposition import PCA\np = PCA(n_components=2).fit(X)",
        S,
        error=("ImportError", "cannot import name 'RandomizedPCA'"),
        check="p.components_.shape == (2, 4)",
    ),
    Case(
        "sklearn-kmeans-removed-options",
        "from sklearn.cluster import KMeans\n"
        "k = KMeans(n_clusters=2, n_init=10, precompute_distances=True, n_jobs=2).fit(X)",
        "from sklearn.cluster import KMeans\nk = KMeans(n_clusters=2, n_init=10).fit(X)",
        S,
        error=("TypeError", "unexpected keyword argument 'precompute_distances'"),
        check="len(set(k.labels_)) == 2",
    ),
    Case(
        "sklearn-kfold-n-folds",
        "from sklearn.model_selection import StratifiedKFold\n"
        "skf = StratifiedKFold(y=y, n_folds=3)\nfolds = [te for tr, te in skf]",
        "from sklearn.model_selection import StratifiedKFold\n"
        "skf = StratifiedKFold(n_splits=3)\nfolds = [te for tr, te in skf.split(np.zeros(len(y)), y)]",
        S,
        error=("TypeError", "unexpected keyword argument 'y'"),
        check="len(folds) == 3",
        name="y-keyword",
    ),
    Case(
        "joblib-memory-cachedir",
        "from joblib import Memory\nimport tempfile\nmemory = Memory(cachedir=tempfile.mkdtemp(), verbose=0)",
        "from joblib import Memory\nimport tempfile\nmemory = Memory(location=tempfile.mkdtemp(), verbose=0)",
        S,
        error=("TypeError", "unexpected keyword argument 'cachedir'"),
        check="memory.location is not None",
    ),
    Case(
        "sklearn-load-boston",
        "from sklearn.datasets import load_boston, load_iris\ndef boston():\n    return load_boston()",
        "from sklearn.datasets import load_iris\ndef load_boston(*args, **kwargs):\n"
        "    \"\"\"Removed from scikit-learn 1.2: only a call to it fails now. "
        "`fetch_openml(name='boston', version=1)` downloads the same data.\"\"\"\n"
        "    raise ImportError(\"`load_boston` was removed from scikit-learn 1.2\")\n"
        "def boston():\n    return load_boston()",
        S,
        error=("ImportError", "load_boston"),
        check="callable(boston) and callable(load_iris)",
        name="import-only",
    ),
    Case(
        "sklearn-splitter-random-state",
        "from sklearn.model_selection import StratifiedKFold\n"
        "folds = list(StratifiedKFold(n_splits=3, random_state=1).split(X, y))",
        "from sklearn.model_selection import StratifiedKFold\n"
        "folds = list(StratifiedKFold(n_splits=3).split(X, y))",
        S,
        error=("ValueError", "Setting a random_state has no effect since shuffle is False"),
        check="len(folds) == 3",
    ),
    Case(
        "sklearn-vectorizer-min-df-zero",
        "from sklearn.feature_extraction.text import TfidfVectorizer\n"
        "m = TfidfVectorizer(min_df=0).fit_transform(['red fox', 'fox den'])",
        "from sklearn.feature_extraction.text import TfidfVectorizer\n"
        "m = TfidfVectorizer(min_df=1).fit_transform(['red fox', 'fox den'])",
        S,
        error=("InvalidParameterError", "'min_df' parameter of TfidfVectorizer"),
        check="m.shape == (2, 3)",
    ),
    Case(
        "sklearn-cross-validation",
        "from sklearn.cross_validation import train_test_split",
        "from sklearn.model_selection import train_test_split",
        S,
        error=("ModuleNotFoundError", "sklearn.cross_validation"),
        check="callable(train_test_split)",
    ),
    Case(
        "sklearn-cross-validation",
        "from sklearn import cross_validation\nparts = cross_validation.train_test_split(X, y)",
        "from sklearn import model_selection\nparts = model_selection.train_test_split(X, y)",
        S,
        error=("ImportError", "cross_validation"),
        check="len(parts) == 4",
        name="module",
    ),
    Case(
        "sklearn-grid-search",
        "from sklearn.grid_search import GridSearchCV",
        "from sklearn.model_selection import GridSearchCV",
        S,
        error=("ModuleNotFoundError", "sklearn.grid_search"),
    ),
    Case(
        "sklearn-learning-curve-module",
        "from sklearn.learning_curve import learning_curve",
        "from sklearn.model_selection import learning_curve",
        S,
        error=("ModuleNotFoundError", "sklearn.learning_curve"),
    ),
    Case(
        "sklearn-samples-generator",
        "from sklearn.datasets.samples_generator import make_blobs",
        "from sklearn.datasets import make_blobs",
        S,
        error=("ModuleNotFoundError", "samples_generator"),
    ),
    Case(
        "sklearn-kfold-n-folds",
        "kf = KFold(len(X), n_folds=3, shuffle=True, random_state=0)\nfolds = [te for tr, te in kf]",
        "kf = KFold(n_splits=3, shuffle=True, random_state=0)\nfolds = [te for tr, te in kf.split(X)]",
        S + "from sklearn.model_selection import KFold\n",
        error=("TypeError", "unexpected keyword argument 'n_folds'"),
    ),
    Case(
        "sklearn-kfold-n-folds",
        "skf = StratifiedKFold(y, n_folds=3)\nfor tr, te in skf:\n    pass",
        "skf = StratifiedKFold(n_splits=3)\nfor tr, te in skf.split(np.zeros(len(y)), y):\n    pass",
        S + "from sklearn.model_selection import StratifiedKFold\n",
        error=("TypeError", "unexpected keyword argument 'n_folds'"),
        name="stratified",
    ),
    Case(
        "sklearn-grid-scores",
        "s = grid.grid_scores_",
        None,
        TREE + "from sklearn.model_selection import GridSearchCV\n"
        "grid = GridSearchCV(DecisionTreeClassifier(), {'max_depth': [1, 2]}, cv=3).fit(X, y)\n",
        error=("AttributeError", "grid_scores_"),
    ),
    Case(
        "sklearn-externals-joblib",
        "from sklearn.externals import joblib",
        "import joblib",
        S,
        error=("ImportError", "cannot import name 'joblib'"),
        check="callable(joblib.dump)",
    ),
    Case(
        "sklearn-imputer",
        "from sklearn.preprocessing import Imputer\n"
        "imp = Imputer(missing_values='NaN', strategy='mean', axis=0)\n"
        "Z = imp.fit_transform([[1.0, np.nan], [3.0, 4.0]])",
        "from sklearn.impute import SimpleImputer\nimp = SimpleImputer(strategy='mean')\n"
        "Z = imp.fit_transform([[1.0, np.nan], [3.0, 4.0]])",
        S,
        error=("ImportError", "cannot import name 'Imputer'"),
        check="Z[0, 1] == 4.0",
    ),
    Case(
        "sklearn-load-boston",
        "from sklearn.datasets import load_boston\nboston = load_boston()",
        None,
        S,
        error=("ImportError", "load_boston"),
    ),
    Case(
        "sklearn-plot-confusion-matrix",
        "from sklearn.metrics import plot_confusion_matrix\nplot_confusion_matrix(clf, X, y, cmap='Blues')",
        "from sklearn.metrics import ConfusionMatrixDisplay\n"
        "ConfusionMatrixDisplay.from_estimator(clf, X, y, cmap='Blues')",
        MPL + TREE + "clf = DecisionTreeClassifier(max_depth=2).fit(X, y)\n",
        error=("ImportError", "plot_confusion_matrix"),
    ),
    Case(
        "sklearn-plot-roc-curve",
        "from sklearn import metrics\nmetrics.plot_roc_curve(clf, Xb, yb)",
        "from sklearn import metrics\nmetrics.RocCurveDisplay.from_estimator(clf, Xb, yb)",
        MPL + B + "from sklearn.tree import DecisionTreeClassifier\n"
        "clf = DecisionTreeClassifier(max_depth=2).fit(Xb, yb)\n",
        error=("AttributeError", "plot_roc_curve"),
    ),
    Case(
        "sklearn-get-feature-names",
        "names = vec.get_feature_names()",
        "names = vec.get_feature_names_out()",
        "from sklearn.feature_extraction.text import CountVectorizer\n"
        "vec = CountVectorizer().fit(['aa bb', 'bb cc'])\n",
        error=("AttributeError", "get_feature_names"),
        check="list(names) == ['aa', 'bb', 'cc']",
    ),
    Case(
        "sklearn-mse-squared",
        "r = mean_squared_error([1, 2], [1, 4], squared=False)",
        "from sklearn.metrics import root_mean_squared_error\nr = root_mean_squared_error([1, 2], [1, 4])",
        "from sklearn.metrics import mean_squared_error\n",
        error=("TypeError", "unexpected keyword argument 'squared'"),
        check="abs(r - 2 ** 0.5) < 1e-12",
    ),
    Case(
        "sklearn-criterion-mse",
        "t = DecisionTreeRegressor(criterion='mse').fit(X, y)",
        "t = DecisionTreeRegressor(criterion='squared_error').fit(X, y)",
        TREE,
        error=("InvalidParameterError", "Got 'mse' instead"),
    ),
    Case(
        "sklearn-criterion-mse",
        "grid = {'criterion': ['mse', 'friedman_mse']}",
        "grid = {'criterion': ['squared_error', 'friedman_mse']}",
        TREE,
        name="grid",
    ),
    Case(
        "sklearn-gb-loss-names",
        "g = GradientBoostingClassifier(loss='deviance', n_estimators=5).fit(X, y)",
        "g = GradientBoostingClassifier(loss='log_loss', n_estimators=5).fit(X, y)",
        ENS,
        error=("InvalidParameterError", "Got 'deviance' instead"),
    ),
    Case(
        "sklearn-max-features-auto",
        "f = RandomForestClassifier(max_features='auto', n_estimators=5).fit(X, y)",
        "f = RandomForestClassifier(max_features='sqrt', n_estimators=5).fit(X, y)",
        ENS,
        error=("InvalidParameterError", "Got 'auto' instead"),
    ),
    Case(
        "sklearn-max-features-auto",
        "f = RandomForestRegressor(max_features='auto', n_estimators=5).fit(X, y)",
        "f = RandomForestRegressor(max_features=1.0, n_estimators=5).fit(X, y)",
        ENS,
        error=("InvalidParameterError", "Got 'auto' instead"),
        name="regressor",
    ),
    Case(
        "sklearn-base-estimator",
        "b = BaggingClassifier(base_estimator=DecisionTreeClassifier(), n_estimators=3).fit(X, y)",
        "b = BaggingClassifier(estimator=DecisionTreeClassifier(), n_estimators=3).fit(X, y)",
        ENS,
        error=("TypeError", "unexpected keyword argument 'base_estimator'"),
    ),
    Case(
        "sklearn-ohe-categorical-features",
        "enc = OneHotEncoder(categorical_features=[0])\nZ = enc.fit_transform(A).toarray()",
        "from sklearn.compose import ColumnTransformer\n"
        "enc = ColumnTransformer([('onehot', OneHotEncoder(), [0])], remainder='passthrough', "
        "sparse_threshold=1.0)\nZ = enc.fit_transform(A).toarray()",
        "import numpy as np\nfrom sklearn.preprocessing import OneHotEncoder\n"
        "A = np.array([[0, 1.5], [1, 2.5], [2, 3.5]])\n",
        error=("TypeError", "categorical_features"),
        check="Z.shape == (3, 4) and Z[0, 0] == 1",
    ),
    Case(
        "sklearn-ohe-sparse",
        "enc = OneHotEncoder(sparse=False).fit([['a'], ['b']])",
        "enc = OneHotEncoder(sparse_output=False).fit([['a'], ['b']])",
        "from sklearn.preprocessing import OneHotEncoder\n",
        error=("TypeError", "unexpected keyword argument 'sparse'"),
    ),
    Case(
        "sklearn-tsne-n-iter",
        "e = TSNE(n_iter=250, perplexity=5, random_state=0).fit_transform(X[:30])",
        "e = TSNE(max_iter=250, perplexity=5, random_state=0).fit_transform(X[:30])",
        S + "from sklearn.manifold import TSNE\n",
        error=("TypeError", "n_iter"),
    ),
    Case(
        "sklearn-logreg-multi-class",
        "m = LogisticRegression(multi_class='multinomial', max_iter=500).fit(X, y)",
        "m = LogisticRegression(max_iter=500).fit(X, y)",
        LIN,
        error=("TypeError", "unexpected keyword argument 'multi_class'"),
    ),
    Case(
        "sklearn-logreg-l1-default-solver",
        "m = LogisticRegression(penalty='l1', C=1.0).fit(Xb, yb)",
        "m = LogisticRegression(penalty='l1', C=1.0, solver='liblinear').fit(Xb, yb)",
        B
        + "from sklearn.linear_model import LogisticRegression\nXb = Xb[:, :5] / Xb[:, :5].max(axis=0)\n",
        error=("ValueError", "Solver lbfgs supports only"),
    ),
    Case(
        "sklearn-logreg-penalty-deprecated",
        "m = LogisticRegression(penalty='l2', max_iter=500).fit(X, y)",
        "m = LogisticRegression(max_iter=500).fit(X, y)",
        LIN,
        warns=("FutureWarning", "'penalty' was deprecated"),
    ),
    Case(
        "sklearn-svc-probability",
        "s = SVC(probability=True).fit(X, y)",
        None,
        S + "from sklearn.svm import SVC\n",
        warns=("FutureWarning", "probability"),
    ),
    Case(
        "sklearn-sgd-loss-log",
        "g = SGDClassifier(loss='log', max_iter=50, tol=None).fit(X, y)",
        "g = SGDClassifier(loss='log_loss', max_iter=50, tol=None).fit(X, y)",
        LIN,
        error=("InvalidParameterError", "Got 'log' instead"),
    ),
    Case(
        "sklearn-normalize-param",
        "r = Ridge(normalize=True).fit(X, y)",
        "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
        "r = make_pipeline(StandardScaler(), Ridge()).fit(X, y)",
        LIN,
        error=("TypeError", "unexpected keyword argument 'normalize'"),
    ),
    Case(
        "sklearn-normalize-param",
        "r = LinearRegression(normalize=True).fit(X, y)",
        "r = LinearRegression().fit(X, y)",
        LIN,
        error=("TypeError", "unexpected keyword argument 'normalize'"),
        name="ols",
    ),
    Case(
        "sklearn-scoring-mse-name",
        "s = cross_val_score(Ridge(), X, y, cv=3, scoring='mean_squared_error')",
        "s = cross_val_score(Ridge(), X, y, cv=3, scoring='neg_mean_squared_error')",
        LIN + "from sklearn.model_selection import cross_val_score\n",
        error=("InvalidParameterError", "'scoring' parameter"),
        check="(s < 0).all()",
    ),
    Case(
        "sklearn-private-modules",
        "from sklearn.ensemble.forest import RandomForestClassifier",
        "from sklearn.ensemble import RandomForestClassifier",
        S,
        error=("ModuleNotFoundError", "sklearn.ensemble.forest"),
    ),
    Case(
        "sklearn-adaboost-algorithm",
        "a = AdaBoostClassifier(algorithm='SAMME.R', n_estimators=5).fit(X, y)",
        "a = AdaBoostClassifier(n_estimators=5).fit(X, y)",
        ENS,
        error=("TypeError", "unexpected keyword argument 'algorithm'"),
    ),
    Case(
        "sklearn-rf-n-estimators-default",
        "rf = RandomForestClassifier(random_state=0)",
        "rf = RandomForestClassifier(random_state=0, n_estimators=10)",
        ENS,
        check="rf.n_estimators == 10",
    ),
    Case(
        "sklearn-logreg-default-solver",
        "m = LogisticRegression().fit(X, y)",
        "from sklearn.multiclass import OneVsRestClassifier\n"
        "m = OneVsRestClassifier(LogisticRegression(solver='liblinear')).fit(X, y)",
        LIN,
        check="round(m.score(X, y), 4) == 0.96",
    ),
    Case(
        "sklearn-lbfgs-convergence",
        "m = LogisticRegression().fit(Xb, yb)",
        "m = LogisticRegression(max_iter=1000).fit(Xb, yb)",
        B + "from sklearn.linear_model import LogisticRegression\nXb = Xb[:, :10]\n",
        warns=("ConvergenceWarning", "lbfgs failed to converge"),
    ),
    Case(
        "sklearn-svc-gamma-default",
        "s = SVC()",
        "s = SVC(gamma='auto')",
        "from sklearn.svm import SVC\n",
        check="s.gamma == 'auto'",
    ),
    Case(
        "sklearn-cv-default",
        "sc = cross_val_score(DecisionTreeClassifier(random_state=0), X, y)",
        "sc = cross_val_score(DecisionTreeClassifier(random_state=0), X, y, cv=3)",
        TREE + "from sklearn.model_selection import cross_val_score\n",
        check="len(sc) == 3",
    ),
    Case(
        "sklearn-sgd-max-iter-default",
        "clf = SGDClassifier(random_state=0).fit(X, y)",
        "clf = SGDClassifier(random_state=0, max_iter=5).fit(X, y)",
        LIN,
        check="clf.n_iter_ == 5",
    ),
    Case(
        "sklearn-sgd-tol-default",
        "clf = SGDClassifier(max_iter=300, random_state=0).fit(X, y)",
        "clf = SGDClassifier(max_iter=300, random_state=0, tol=None).fit(X, y)",
        LIN,
        check="clf.n_iter_ == 300",
    ),
    Case(
        "sklearn-sgd-n-iter",
        "clf = SGDClassifier(n_iter=7, random_state=0)",
        "clf = SGDClassifier(max_iter=7, random_state=0)",
        LIN,
        error=("TypeError", "unexpected keyword argument 'n_iter'"),
        check="clf.max_iter == 7",
    ),
    Case(
        "sklearn-tsne-init-default",
        "t = TSNE(n_components=2, learning_rate=200.0)",
        "t = TSNE(n_components=2, learning_rate=200.0, init='random')",
        "from sklearn.manifold import TSNE\n",
        check="t.init == 'random'",
    ),
    Case(
        "sklearn-tsne-learning-rate-default",
        "t = TSNE(n_components=2, init='random')",
        "t = TSNE(n_components=2, init='random', learning_rate=200.0)",
        "from sklearn.manifold import TSNE\n",
        check="t.learning_rate == 200.0",
    ),
    Case(
        "sklearn-isolation-forest-contamination",
        "iso = IsolationForest(random_state=0).fit(X)\nshare = (iso.predict(X) == -1).mean()",
        "iso = IsolationForest(random_state=0, contamination=0.1).fit(X)\nshare = (iso.predict(X) == -1).mean()",
        S + "from sklearn.ensemble import IsolationForest\n",
        check="abs(share - 0.1) < 0.01",
    ),
    Case(
        "sklearn-kmeans-n-init-default",
        "km = KMeans(n_clusters=3)",
        "km = KMeans(n_clusters=3, n_init=10)",
        "from sklearn.cluster import KMeans\n",
        check="km.n_init == 10",
    ),
    Case(
        "sklearn-n-jobs",
        "rf = RandomForestClassifier(n_estimators=5)",
        "rf = RandomForestClassifier(n_estimators=5, n_jobs=-1)",
        ENS,
        check="rf.n_jobs == -1",
    ),
    Case(
        "sklearn-kfold-n-folds",
        "loo = LeaveOneOut(5)\nsizes = [len(te) for tr, te in loo]",
        "loo = LeaveOneOut()\nsizes = [len(te) for tr, te in loo.split(np.arange(5))]",
        S + "from sklearn.model_selection import LeaveOneOut\n",
        error=("TypeError", "LeaveOneOut() takes no arguments"),
        check="sizes == [1, 1, 1, 1, 1]",
        name="leave-one-out",
    ),
    Case(
        "sklearn-kfold-n-folds",
        "kf = KFold(len(y), 5)\nsizes = [len(te) for tr, te in kf]",
        "kf = KFold(n_splits=5)\nsizes = [len(te) for tr, te in kf.split(y)]",
        S + "from sklearn.model_selection import KFold\n",
        error=("TypeError", "takes from 1 to 2 positional arguments but 3 were given"),
        check="sizes == [30] * 5",
        name="positional",
    ),
    Case(
        "sklearn-kfold-n-folds",
        "n = len(y)\nkf = KFold(n, n_folds=5)\nsizes = [len(te) for tr, te in kf]",
        "n = len(y)\nkf = KFold(n_splits=5)\nsizes = [len(te) for tr, te in kf.split(np.arange(n))]",
        S + "from sklearn.model_selection import KFold\n",
        error=("TypeError", "unexpected keyword argument 'n_folds'"),
        check="sizes == [30] * 5",
        name="size-only",
    ),
    Case(
        "sklearn-externals-six",
        "from sklearn.externals.six import StringIO\nbuf = StringIO()\nbuf.write('x')",
        "from io import StringIO\nbuf = StringIO()\nbuf.write('x')",
        error=("ModuleNotFoundError", "No module named 'sklearn.externals.six'"),
        check="buf.getvalue() == 'x'",
    ),
    Case(
        "sklearn-agglomerative-affinity",
        "ag = AgglomerativeClustering(n_clusters=3, affinity='euclidean').fit(X)",
        "ag = AgglomerativeClustering(n_clusters=3, metric='euclidean').fit(X)",
        S + "from sklearn.cluster import AgglomerativeClustering\n",
        error=("TypeError", "unexpected keyword argument 'affinity'"),
        check="len(set(ag.labels_)) == 3",
    ),
    Case(
        "sklearn-compute-importances",
        "rf = RandomForestClassifier(n_estimators=5, compute_importances=True, random_state=0).fit(X, y)",
        "rf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)",
        ENS,
        error=("TypeError", "unexpected keyword argument 'compute_importances'"),
        check="len(rf.feature_importances_) == 4",
    ),
    Case(
        "sklearn-multiclass-average",
        "p = precision_score(y, y)",
        "p = precision_score(y, y, average='weighted')",
        S + "from sklearn.metrics import precision_score\n",
        error=("ValueError", "Target is multiclass but average='binary'"),
        check="p == 1.0",
    ),
    Case(
        "sklearn-gmm",
        "from sklearn.mixture import GMM\ng = GMM(n_components=2, n_iter=50, random_state=0)\n"
        "g.fit(X)\nc = g.covars_",
        "from sklearn.mixture import GaussianMixture\n"
        "g = GaussianMixture(n_components=2, max_iter=50, random_state=0, covariance_type='diag')\n"
        "g.fit(X)\nc = g.covariances_",
        S,
        error=("ImportError", "cannot import name 'GMM' from 'sklearn.mixture'"),
        check="c.shape == (2, 4)",
    ),
    Case(
        "sklearn-gmm",
        "g = mixture.GMM(2, random_state=0).fit(X)",
        "g = mixture.GaussianMixture(2, random_state=0, covariance_type='diag').fit(X)",
        S + "from sklearn import mixture\n",
        error=("AttributeError", "has no attribute 'GMM'"),
        check="g.covariances_.shape == (2, 4)",
        name="module",
    ),
    Case(
        "sklearn-expected-2d",
        "m = LinearRegression().fit(X[:, :1], y)\np = m.predict(5.0)",
        "m = LinearRegression().fit(X[:, :1], y)\np = m.predict([[5.0]])",
        LIN,
        error=("ValueError", "Expected 2D array, got scalar array instead"),
        check="p.shape == (1,)",
    ),
    Case(
        "sklearn-expected-2d",
        "m = LinearRegression().fit(X, y)\np = m.predict([5.1, 3.5, 1.4, 0.2])",
        "m = LinearRegression().fit(X, y)\np = m.predict([[5.1, 3.5, 1.4, 0.2]])",
        LIN,
        error=("ValueError", "Expected 2D array, got 1D array instead"),
        check="p.shape == (1,)",
        name="one-sample",
    ),
]

SP = "import numpy as np\n"
PNG = (
    SP + "import importlib, os, tempfile\n"
    "png = os.path.join(tempfile.mkdtemp(), 'a.png')\n"
    "importlib.import_module('PIL.Image').fromarray(np.zeros((4, 5, 3), dtype=np.uint8)).save(png)\n"
)

SCIPY = [
    Case(
        "scipy-star-numpy",
        "from scipy import *\nx = linspace(0, 1, 5)",
        "from numpy import *  # scipy no longer re-exports numpy\nfrom scipy import *\n"
        "x = linspace(0, 1, 5)",
        "",
        error=("NameError", "name 'linspace' is not defined"),
        check="x[-1] == 1.0",
    ),
    Case(
        "scipy-misc-imread",
        "from scipy.misc import imread\nimg = imread(png)",
        "from PIL import Image\nimg = np.asarray(Image.open(png))",
        PNG,
        error=("ImportError", "cannot import name 'imread'"),
        check="img.shape == (4, 5, 3)",
    ),
    Case(
        "scipy-misc-imresize",
        "from scipy.misc import imresize\nsmall = imresize(np.zeros((8, 6, 3), dtype=np.uint8), (4, 3))",
        "from PIL import Image\nsmall = np.array(Image.fromarray(np.zeros((8, 6, 3), dtype=np.uint8))"
        ".resize((3, 4), Image.Resampling.BILINEAR))",
        SP,
        error=("ImportError", "cannot import name 'imresize'"),
        check="small.shape == (4, 3, 3)",
    ),
    Case(
        "scipy-misc-comb",
        "from scipy.misc import comb\nc = comb(5, 2)",
        "from scipy.special import comb\nc = comb(5, 2)",
        SP,
        error=("ImportError", "cannot import name 'comb'"),
        check="c == 10",
    ),
    Case(
        "scipy-binom-test",
        "from scipy.stats import binom_test\np = binom_test(3, 10, 0.5)",
        "from scipy.stats import binomtest\np = binomtest(3, 10, 0.5).pvalue",
        SP,
        error=("ImportError", "binom_test"),
        check="0.3 < p < 0.4",
    ),
    Case(
        "scipy-interp",
        "from scipy import interp\nv = interp(0.5, [0, 1], [0, 2])",
        "from numpy import interp\nv = interp(0.5, [0, 1], [0, 2])",
        SP,
        error=("ImportError", "cannot import name 'interp' from 'scipy'"),
        check="v == 1.0",
    ),
    Case(
        "scipy-interp",
        "import scipy\nv = scipy.interp(0.5, [0, 1], [0, 2])",
        "import scipy\nv = np.interp(0.5, [0, 1], [0, 2])",
        SP,
        error=("AttributeError", "odule 'scipy' has no attribute 'interp'"),
        check="v == 1.0",
        name="attribute",
    ),
    Case(
        "scipy-integrate-simps",
        "from scipy.integrate import simps\na = simps([1, 2, 3], [0, 1, 2])",
        "from scipy.integrate import simpson\na = simpson([1, 2, 3], [0, 1, 2])",
        SP,
        error=("ImportError", "simps"),
        check="a == 4.0",
    ),
    Case(
        "scipy-sparse-A",
        "D = CountVectorizer().fit_transform(['aa bb', 'bb cc']).A",
        "D = CountVectorizer().fit_transform(['aa bb', 'bb cc']).toarray()",
        "from sklearn.feature_extraction.text import CountVectorizer\n",
        error=("AttributeError", "has no attribute 'A'"),
        check="D.shape == (2, 3)",
    ),
    Case(
        "scipy-stats-mode-keepdims",
        "m = stats.mode(np.array([1, 1, 2]))[0][0]",
        "m = stats.mode(np.array([1, 1, 2]), keepdims=True)[0][0]",
        SP + "from scipy import stats\n",
        error=("IndexError", "invalid index to scalar variable"),
        check="m == 1",
    ),
    Case(
        "scipy-interp2d",
        "f = interpolate.interp2d([0, 1], [0, 1], [[0, 1], [1, 2]])",
        None,
        SP + "from scipy import interpolate\n",
        error=("NotImplementedError", "interp2d"),
    ),
    Case(
        "scipy-ndimage-filters-namespace",
        "from scipy.ndimage.filters import gaussian_filter",
        "from scipy.ndimage import gaussian_filter",
        SP,
        warns=("DeprecationWarning", "scipy.ndimage.filters"),
    ),
]
