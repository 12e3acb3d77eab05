#!/usr/bin/env python
"""Build the sample notebooks in this folder.

Run from anywhere::

    python sample_notebooks/build_samples.py

It writes one clean and six "eroded" notebooks: notebooks as they would have
been published in 2018-2020, each of which crashes today (pandas 3, numpy 2,
scikit-learn 1.9, matplotlib 3.11, seaborn 0.13) on a real API removal listed
in the erosion catalogue. It also writes ``activity_sensors.csv``, the small
data file one of them reads.

Everything here is deterministic: cell sources, the stored outputs (with the
metric values the original authors printed) and the per-cell timing metadata
are hard-coded, so no model is fitted while building. The stored numbers were
obtained once by running the fixed-up notebooks with the old library defaults
(see ``SPECS[...]["erosion"]["reference"]`` and ``verify_samples.py``).

Old notebooks carry no cell ids, so they are written as nbformat 4.4 (one as
4.2, with a Python 3.6 kernel).
"""

import base64
import datetime as dt
import os
import random
import struct
import sys
import zlib

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------
# small helpers to build cells and outputs
# ---------------------------------------------------------------------------

def _png(width=48, height=32, seed=0):
    """A tiny but valid greyscale PNG (a few bars), base64 encoded."""
    rnd = random.Random(seed)
    bars = [rnd.randint(4, height - 2) for _ in range(6)]
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0
        for x in range(width):
            bar = x * len(bars) // width
            inside = (height - y) <= bars[bar] and x % (width // len(bars)) not in (0,)
            row.append(70 if inside else 255)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(tag, data):
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9))
           + chunk(b"IEND", b""))
    return base64.b64encode(png).decode("ascii")


def md(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source.strip("\n")}


def code(source, outputs=(), duration=0.05, tags=None):
    cell = {"cell_type": "code", "metadata": {}, "source": source.strip("\n"),
            "outputs": outputs if isinstance(outputs, str) else list(outputs), "execution_count": None, "_duration": duration}
    if tags:
        cell["metadata"]["tags"] = list(tags)
    return cell


def stdout(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def stderr(text):
    return {"output_type": "stream", "name": "stderr", "text": text}


def result(text, html=None):
    data = {"text/plain": text.strip("\n")}
    if html is not None:
        data["text/html"] = html.strip("\n")
    return {"output_type": "execute_result", "data": data, "metadata": {}, "execution_count": None}


def figure(text, seed=0):
    return {"output_type": "display_data",
            "data": {"image/png": _png(seed=seed), "text/plain": text},
            "metadata": {"needs_background": "light"}}


def _ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _language_info(version):
    return {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": version,
    }


KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def _html_table(columns, rows, index_name=None, index_header=""):
    """pandas-style (0.2x era) HTML for a small frame."""
    head = "\n".join("      <th>%s</th>" % c for c in columns)
    lines = [
        "<div>",
        "<style scoped>",
        "    .dataframe tbody tr th:only-of-type {",
        "        vertical-align: middle;",
        "    }",
        "",
        "    .dataframe tbody tr th {",
        "        vertical-align: top;",
        "    }",
        "",
        "    .dataframe thead th {",
        "        text-align: right;",
        "    }",
        "</style>",
        '<table border="1" class="dataframe">',
        "  <thead>",
        '    <tr style="text-align: right;">',
        "      <th>%s</th>" % index_header,
        head,
        "    </tr>",
    ]
    if index_name:
        lines += ["    <tr>", "      <th>%s</th>" % index_name]
        lines += ["      <th></th>" for _ in columns]
        lines += ["    </tr>"]
    lines += ["  </thead>", "  <tbody>"]
    for idx, vals in rows:
        lines += ["    <tr>", "      <th>%s</th>" % idx]
        lines += ["      <td>%s</td>" % v for v in vals]
        lines += ["    </tr>"]
    lines += ["  </tbody>", "</table>", "</div>"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# data file for the activity notebook
# ---------------------------------------------------------------------------

def write_activity_csv(path):
    """240 five-second windows of (simulated) wrist-sensor summaries."""
    import numpy as np

    rng = np.random.RandomState(20191104)
    profiles = {
        #           acc_mean    acc_std     acc_peak    heart_rate  step_rate
        "sitting": ((1.02, .10), (0.12, .16), (1.35, .60), (74, 18), (4, 12)),
        "walking": ((1.14, .14), (0.30, .20), (1.95, .80), (96, 24), (104, 28)),
        "running": ((1.34, .20), (0.52, .28), (2.90, 1.2), (138, 34), (158, 32)),
    }
    rows = []
    for label, prof in profiles.items():
        for _ in range(80):
            vals = [rng.normal(m, s) for m, s in prof]
            rows.append((max(vals[0], 0.9), abs(vals[1]), max(vals[2], 1.0),
                         vals[3], max(vals[4], 0.0), label))
    order = rng.permutation(len(rows))
    with open(path, "w", newline="\n") as fh:
        fh.write("window_id,acc_mean,acc_std,acc_peak,heart_rate,step_rate,activity\n")
        for i, k in enumerate(order):
            a, b, c, d, e, label = rows[k]
            fh.write("%d,%.3f,%.3f,%.3f,%.0f,%.0f,%s\n" % (1000 + i, a, b, c, d, e, label))


# ---------------------------------------------------------------------------
# notebook specifications
# ---------------------------------------------------------------------------
# Each spec: filename, created (start of the stored run), nbformat_minor,
# python (language_info.version), timing ("nbclient" or "papermill"), cells,
# and "erosion": what breaks today and how to fix it (used by
# verify_samples.py and documented in README.md). "fixes" are literal
# (old, new) source replacements; "reference" are extra replacements that
# restore old library defaults, used to reproduce the stored metric.

SPECS = []

# 1. wine: pandas DataFrame.append ------------------------------------------

SPECS.append({
    "filename": "wine_model_comparison.ipynb",
    "created": dt.datetime(2019, 6, 12, 14, 3, 11, 204117),
    "nbformat_minor": 4,
    "python": "3.7.3",
    "timing": "nbclient",
    "cells": [
        md("""
# Wine cultivar classification: model comparison

Quick comparison of a handful of standard classifiers on the UCI wine recognition data
(178 wines, 13 chemical measurements, 3 cultivars), which ships with scikit-learn.

Each model is scored with 5-fold cross-validation on the training split; the best one is
then refit and evaluated once on the held-out test set.
"""),
        code("""
import numpy as np
import pandas as pd

from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC
from sklearn.metrics import accuracy_score
""", duration=1.21),
        code("""
wine = load_wine()
df = pd.DataFrame(wine.data, columns=wine.feature_names)
df['cultivar'] = wine.target
print(df.shape)
df['cultivar'].value_counts().sort_index()
""", [stdout("(178, 14)\n"),
      result("0    59\n1    71\n2    48\nName: cultivar, dtype: int64")], duration=0.03),
        code("""
X = df.drop('cultivar', axis=1).values
y = df['cultivar'].values
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=7, stratify=y)
print(X_train.shape, X_test.shape)
""", [stdout("(124, 13) (54, 13)\n")], duration=0.01),
        code("""
models = {
    'knn': make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)),
    'tree': DecisionTreeClassifier(max_depth=4, random_state=7),
    'naive_bayes': GaussianNB(),
    'svm_rbf': make_pipeline(StandardScaler(), SVC(C=1.0, gamma='scale')),
}
""", duration=0.004),
        md("Cross-validate every model and collect the scores in a results table."),
        code("""
results = pd.DataFrame(columns=['model', 'cv_mean', 'cv_std'])
for name, model in models.items():
    scores = cross_val_score(model, X_train, y_train, cv=5)
    results = results.append({'model': name,
                              'cv_mean': scores.mean(),
                              'cv_std': scores.std()}, ignore_index=True)

results = results.sort_values('cv_mean', ascending=False).reset_index(drop=True)
results
""", "WINE_RESULTS", duration=0.19),
        code("""
best_name = results.loc[0, 'model']
best_model = models[best_name].fit(X_train, y_train)
test_acc = accuracy_score(y_test, best_model.predict(X_test))
print('Best model: %s' % best_name)
print('Accuracy: %.4f' % test_acc)
""", "WINE_FINAL", duration=0.01),
    ],
    "erosion": {
        "id": "pandas-append",
        "cell": 6,
        "exception": "AttributeError",
        "message": "'DataFrame' object has no attribute 'append'",
        "why": "`DataFrame.append` / `Series.append` were deprecated in pandas 1.4 and removed in pandas 2.0.",
        "fix_text": "`results = pd.concat([results, pd.DataFrame([row])], ignore_index=True)` "
                    "(or collect the rows in a list and build the frame once)",
        "fixes": [(
            "    results = results.append({'model': name,\n"
            "                              'cv_mean': scores.mean(),\n"
            "                              'cv_std': scores.std()}, ignore_index=True)",
            "    row = {'model': name, 'cv_mean': scores.mean(), 'cv_std': scores.std()}\n"
            "    results = pd.concat([results, pd.DataFrame([row])], ignore_index=True)",
        )],
        "reference": [],
        "metric_regex": r"Accuracy: ([0-9.]+)",
    },
})

# 2. digits: numpy np.float / np.int (nbformat 4.2, Python 3.6) -------------

SPECS.append({
    "filename": "digits_knn.ipynb",
    "created": dt.datetime(2018, 4, 3, 9, 47, 52, 18331),
    "nbformat_minor": 2,
    "python": "3.6.4",
    "timing": "nbclient",
    "cells": [
        md("""
# Digit recognition with k-NN

Classifying the 8x8 handwritten digit images from `sklearn.datasets.load_digits` with a
k-nearest-neighbours classifier. Pixel intensities (0-16) are scaled to [0, 1], `k` is
chosen on a validation split and the final model is scored on a separate test split.
"""),
        code("""
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.metrics import accuracy_score, confusion_matrix
""", duration=0.93),
        code("""
digits = load_digits()
print(digits.data.shape)
print(digits.images.shape)
print(np.bincount(digits.target))
""", [stdout("(1797, 64)\n(1797, 8, 8)\n[178 182 177 183 181 182 181 179 174 180]\n")], duration=0.05),
        code("""
fig, axes = plt.subplots(2, 5, figsize=(8, 4))
for ax, img, label in zip(axes.ravel(), digits.images, digits.target):
    ax.imshow(img, cmap='gray_r')
    ax.set_title(label)
    ax.axis('off')
plt.tight_layout()
""", [figure("<Figure size 576x288 with 10 Axes>", seed=2)], duration=0.41),
        code("""
X = digits.data.astype(np.float) / 16.0
y = digits.target.astype(np.int)
""", duration=0.003),
        code("""
X_trainval, X_test, y_trainval, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X_trainval, y_trainval, test_size=0.25, random_state=0)
print(X_train.shape, X_val.shape, X_test.shape)
""", [stdout("(1010, 64) (337, 64) (450, 64)\n")], duration=0.004),
        code("""
val_acc = {}
for k in [1, 3, 5, 7, 9]:
    knn = KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)
    val_acc[k] = knn.score(X_val, y_val)
    print('k=%d  validation accuracy %.4f' % (k, val_acc[k]))
""", "DIGITS_VAL", duration=0.38),
        code("""
best_k = max(val_acc, key=val_acc.get)
knn = KNeighborsClassifier(n_neighbors=best_k).fit(X_trainval, y_trainval)
y_pred = knn.predict(X_test)
print('best k = %d' % best_k)
print('Accuracy: %.4f' % accuracy_score(y_test, y_pred))
""", "DIGITS_FINAL", duration=0.09),
        code("""
confusion_matrix(y_test, y_pred)
""", "DIGITS_CM", duration=0.004),
    ],
    "erosion": {
        "id": "numpy-np-float (+ numpy-np-int)",
        "cell": 4,
        "exception": "AttributeError",
        "message": "module 'numpy' has no attribute 'float'.",
        "why": "The `np.float` / `np.int` aliases of the builtins were deprecated in numpy 1.20 and removed in numpy 1.24.",
        "fix_text": "`digits.data.astype(float)` and `digits.target.astype(int)` (or `np.float64` / `np.int64`)",
        "fixes": [("astype(np.float)", "astype(float)"), ("astype(np.int)", "astype(int)")],
        "reference": [],
        "metric_regex": r"Accuracy: ([0-9.]+)",
    },
})

# 3. breast cancer: sklearn.cross_validation + RF n_estimators 10 -> 100 ----

SPECS.append({
    "filename": "breast_cancer_random_forest.ipynb",
    "created": dt.datetime(2018, 5, 14, 16, 21, 7, 551902),
    "nbformat_minor": 4,
    "python": "3.6.5",
    "timing": "nbclient",
    "cells": [
        md("""
# Breast cancer diagnosis with a random forest

Wisconsin diagnostic breast cancer data (569 tumours, 30 features computed from digitised
images of fine-needle aspirates, labelled malignant / benign).

Baseline: a random forest with default settings, 5-fold cross-validation on the training
set, accuracy on a held-out test set, and the most important features.
"""),
        code("""
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
%matplotlib inline

from sklearn.datasets import load_breast_cancer
from sklearn.cross_validation import train_test_split, cross_val_score
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, classification_report
""", [stderr(
            "/home/anna/anaconda3/lib/python3.6/site-packages/sklearn/cross_validation.py:41: "
            "DeprecationWarning: This module was deprecated in version 0.18 in favor of the "
            "model_selection module into which all the refactored classes and functions are moved. "
            "Also note that the interface of the new CV iterators are different from that of this "
            "module. This module will be removed in 0.20.\n"
            "  \"This module will be removed in 0.20.\", DeprecationWarning)\n")], duration=1.47),
        code("""
data = load_breast_cancer()
X = pd.DataFrame(data.data, columns=data.feature_names)
y = data.target
print(X.shape)
print('malignant: %d, benign: %d' % ((y == 0).sum(), (y == 1).sum()))
""", [stdout("(569, 30)\nmalignant: 212, benign: 357\n")], duration=0.02),
        code("""
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=42)
""", duration=0.003),
        code("""
rf = RandomForestClassifier(random_state=42)
rf.fit(X_train, y_train)
""", [result(
            "RandomForestClassifier(bootstrap=True, class_weight=None, criterion='gini',\n"
            "            max_depth=None, max_features='auto', max_leaf_nodes=None,\n"
            "            min_impurity_decrease=0.0, min_impurity_split=None,\n"
            "            min_samples_leaf=1, min_samples_split=2,\n"
            "            min_weight_fraction_leaf=0.0, n_estimators=10, n_jobs=1,\n"
            "            oob_score=False, random_state=42, verbose=0, warm_start=False)")],
             duration=0.04),
        code("""
scores = cross_val_score(rf, X_train, y_train, cv=5)
print('cv score %.2f (+/- %.2f)' % (scores.mean(), scores.std() * 2))
""", "BC_CV", duration=0.17),
        code("""
y_pred = rf.predict(X_test)
print('Accuracy: %.4f' % accuracy_score(y_test, y_pred))
print(classification_report(y_test, y_pred, target_names=data.target_names))
""", "BC_FINAL", duration=0.01),
        code("""
importances = pd.Series(rf.feature_importances_, index=X.columns).sort_values(ascending=False)
importances.head(10)
""", "BC_IMP", duration=0.006),
        code("""
ax = importances.head(10).plot(kind='barh', figsize=(6, 4))
ax.invert_yaxis()
ax.set_xlabel('importance');
""", [figure("<Figure size 432x288 with 1 Axes>", seed=3)], duration=0.22),
    ],
    "erosion": {
        "id": "sklearn-cross-validation (+ silent sklearn-rf-n-estimators-default)",
        "cell": 1,
        "exception": "ModuleNotFoundError",
        "message": "No module named 'sklearn.cross_validation'",
        "why": "`sklearn.cross_validation` was deprecated in scikit-learn 0.18 and removed in 0.20. "
               "Silent change behind it: `RandomForestClassifier()` defaults to `n_estimators=100` "
               "since 0.22 (was 10), so the fixed notebook prints a different score.",
        "fix_text": "`from sklearn.model_selection import train_test_split, cross_val_score`; "
                    "pass `n_estimators=10` to reproduce the published numbers",
        "fixes": [("from sklearn.cross_validation import", "from sklearn.model_selection import")],
        "reference": [("RandomForestClassifier(random_state=42)",
                       "RandomForestClassifier(n_estimators=10, random_state=42)")],
        "metric_regex": r"Accuracy: ([0-9.]+)",
    },
})

# 4. diabetes: matplotlib 'seaborn-whitegrid' style (+ squared=False) -------
#    papermill-style timing metadata

SPECS.append({
    "filename": "diabetes_ridge_regression.ipynb",
    "created": dt.datetime(2020, 3, 18, 11, 5, 42, 730215),
    "nbformat_minor": 4,
    "python": "3.7.6",
    "timing": "papermill",
    "papermill": {"input_path": "diabetes_ridge_regression.ipynb",
                  "output_path": "diabetes_ridge_regression.ipynb",
                  "parameters": {"alpha": 0.1},
                  "version": "2.0.0"},
    "cells": [
        md("""
# Diabetes progression: ridge regression

Predict the one-year disease-progression score of the scikit-learn diabetes data
(442 patients, 10 standardised baseline variables) with ridge regression.
The regularisation strength `alpha` is a papermill parameter; the notebook reports
the test RMSE and R².
"""),
        code("""
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
plt.style.use('seaborn-whitegrid')

from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split, cross_val_score
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
""", duration=1.384),
        code("""
# parameters
alpha = 0.5
test_size = 0.2
seed = 1
""", duration=0.002, tags=["parameters"]),
        code("""
# Parameters
alpha = 0.1
""", duration=0.002, tags=["injected-parameters"]),
        code("""
X, y = load_diabetes(return_X_y=True)
print(X.shape, round(y.mean(), 1), round(y.std(), 1))
""", [stdout("(442, 10) 152.1 77.0\n")], duration=0.011),
        code("""
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=seed)
for a in [0.01, 0.1, 0.5, 1.0, 5.0]:
    cv = cross_val_score(Ridge(alpha=a), X_train, y_train, cv=5, scoring='neg_mean_squared_error')
    print('alpha=%-5s cv RMSE %.2f' % (a, np.sqrt(-cv.mean())))
""", "DIAB_CV", duration=0.062),
        code("""
model = Ridge(alpha=alpha).fit(X_train, y_train)
pred = model.predict(X_test)
rmse = mean_squared_error(y_test, pred, squared=False)
print('RMSE = %.3f' % rmse)
print('R2   = %.3f' % r2_score(y_test, pred))
""", "DIAB_FINAL", duration=0.004),
        code("""
fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter(y_test, pred, alpha=0.7)
ax.plot([y.min(), y.max()], [y.min(), y.max()], 'k--')
ax.set_xlabel('measured')
ax.set_ylabel('predicted');
""", [figure("<Figure size 360x360 with 1 Axes>", seed=4)], duration=0.187),
    ],
    "erosion": {
        "id": "mpl-style-seaborn (then sklearn-mse-squared)",
        "cell": 1,
        "exception": "OSError",
        "message": "'seaborn-whitegrid' is not a valid package style, path of style file, URL of style "
                   "file, or library style name (library styles are listed in `style.available`)",
        "why": "Matplotlib's bundled seaborn styles were renamed `seaborn-v0_8-*` in 3.6 and the old "
               "names removed in 3.8. Once that is fixed, cell 6 fails with `TypeError: got an "
               "unexpected keyword argument 'squared'`: `mean_squared_error(..., squared=False)` was "
               "deprecated in scikit-learn 1.4 and removed in 1.6.",
        "fix_text": "`plt.style.use('seaborn-v0_8-whitegrid')`; then "
                    "`from sklearn.metrics import root_mean_squared_error` and "
                    "`rmse = root_mean_squared_error(y_test, pred)`",
        "fixes": [("plt.style.use('seaborn-whitegrid')", "plt.style.use('seaborn-v0_8-whitegrid')"),
                  ("from sklearn.metrics import mean_squared_error, r2_score",
                   "from sklearn.metrics import root_mean_squared_error, r2_score"),
                  ("rmse = mean_squared_error(y_test, pred, squared=False)",
                   "rmse = root_mean_squared_error(y_test, pred)")],
        "reference": [],
        "metric_regex": r"RMSE = ([0-9.]+)",
    },
})

# 5. activity sensors (CSV): seaborn positional arguments -------------------

SPECS.append({
    "filename": "activity_sensors_eda.ipynb",
    "created": dt.datetime(2019, 11, 20, 15, 32, 9, 401233),
    "nbformat_minor": 4,
    "python": "3.7.4",
    "timing": "nbclient",
    "cells": [
        md("""
# Activity recognition from wrist-sensor summaries

Each row of `activity_sensors.csv` is a 5-second window recorded by a wrist-worn
accelerometer / heart-rate logger, summarised into five features and labelled
`sitting`, `walking` or `running`.

A short exploration of the features, followed by a random-forest classifier.
"""),
        code("""
%matplotlib inline
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns

from sklearn.model_selection import train_test_split, cross_val_score
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score

sns.set()
""", duration=1.62),
        code("""
df = pd.read_csv('activity_sensors.csv')
print(df.shape)
df.head()
""", "ACT_HEAD", duration=0.02),
        code("""
sns.countplot('activity', data=df)
plt.title('windows per activity');
""", [figure("<Figure size 432x288 with 1 Axes>", seed=5)], duration=0.16),
        code("""
df.drop('window_id', axis=1).groupby('activity').mean().round(2)
""", "ACT_GROUP", duration=0.01),
        code("""
fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
for ax, col in zip(axes, ['acc_std', 'acc_peak', 'heart_rate']):
    sns.boxplot(x='activity', y=col, data=df, ax=ax)
plt.tight_layout()
""", [figure("<Figure size 864x252 with 3 Axes>", seed=6)], duration=0.35),
        code("""
features = ['acc_mean', 'acc_std', 'acc_peak', 'heart_rate', 'step_rate']
X = df[features].values
y = df['activity'].values
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=3, stratify=y)

clf = RandomForestClassifier(n_estimators=50, max_depth=5, random_state=3)
scores = cross_val_score(clf, X_train, y_train, cv=5)
print('cv score %.2f (+/- %.2f)' % (scores.mean(), scores.std() * 2))
""", "ACT_CV", duration=0.61),
        code("""
clf.fit(X_train, y_train)
y_pred = clf.predict(X_test)
print('Accuracy: %.4f' % accuracy_score(y_test, y_pred))
pd.crosstab(y_test, y_pred, rownames=['true'], colnames=['predicted'])
""", "ACT_FINAL", duration=0.09),
    ],
    "erosion": {
        "id": "sns-positional-data",
        "cell": 3,
        "exception": "TypeError",
        "message": "countplot() got multiple values for argument 'data'",
        "why": "seaborn 0.12 made every argument except `data` keyword-only (positional x/y "
               "deprecated in 0.11), so `'activity'` now lands in `data`.",
        "fix_text": "`sns.countplot(x='activity', data=df)`",
        "fixes": [("sns.countplot('activity', data=df)", "sns.countplot(x='activity', data=df)")],
        "reference": [],
        "metric_regex": r"Accuracy: ([0-9.]+)",
    },
})

# 6. house prices: pandas .ix then .as_matrix --------------------------------

SPECS.append({
    "filename": "house_prices_linear.ipynb",
    "created": dt.datetime(2018, 1, 22, 20, 14, 36, 88410),
    "nbformat_minor": 4,
    "python": "3.6.3",
    "timing": "nbclient",
    "cells": [
        md("""
# House prices: linear regression baseline

A linear-regression baseline for listing prices from four simple features
(living area, bedrooms, age of the building, distance to the city centre).
The listings are simulated with a fixed seed so that the notebook is self-contained.
"""),
        code("""
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
%matplotlib inline

from sklearn.model_selection import train_test_split
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error, r2_score
""", duration=0.88),
        code("""
rng = np.random.RandomState(2018)
n = 250
sqft = rng.normal(1600, 450, n).clip(500, 4000).round()
bedrooms = np.clip((sqft / 550 + rng.normal(0, 0.8, n)).round(), 1, 6)
age = rng.randint(0, 80, n)
dist_km = rng.exponential(8, n).round(1)
price = (50000 + 120 * sqft + 8000 * bedrooms - 650 * age - 2500 * dist_km
         + rng.normal(0, 25000, n))
df = pd.DataFrame({'sqft': sqft, 'bedrooms': bedrooms, 'age': age,
                   'dist_km': dist_km, 'price': price.round(-2)},
                  columns=['sqft', 'bedrooms', 'age', 'dist_km', 'price'])
df.describe().round(1)
""", "HOUSE_DESCRIBE", duration=0.03),
        code("""
feature_cols = ['sqft', 'bedrooms', 'age', 'dist_km']
X = df.ix[:, feature_cols].as_matrix()
y = df.ix[:, 'price'].as_matrix()
X.shape, y.shape
""", [stderr(
            "/home/tom/miniconda3/envs/ml/lib/python3.6/site-packages/ipykernel_launcher.py:2: "
            "DeprecationWarning: \n"
            ".ix is deprecated. Please use\n"
            ".loc for label based indexing or\n"
            ".iloc for positional indexing\n"
            "\n"
            "See the documentation here:\n"
            "http://pandas.pydata.org/pandas-docs/stable/indexing.html#ix-indexer-is-deprecated\n"
            "  \n"),
              result("((250, 4), (250,))")], duration=0.006),
        code("""
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1)
lr = LinearRegression().fit(X_train, y_train)
for name, coef in zip(feature_cols, lr.coef_):
    print('%-9s %10.1f' % (name, coef))
print('%-9s %10.1f' % ('intercept', lr.intercept_))
""", "HOUSE_COEF", duration=0.01),
        code("""
pred = lr.predict(X_test)
print('RMSE = %.1f' % np.sqrt(mean_squared_error(y_test, pred)))
print('R^2  = %.3f' % r2_score(y_test, pred))
""", "HOUSE_FINAL", duration=0.004),
        code("""
plt.hist(pred - y_test, bins=20)
plt.xlabel('residual ($)');
""", [figure("<Figure size 432x288 with 1 Axes>", seed=7)], duration=0.15),
    ],
    "erosion": {
        "id": "pandas-ix (then pandas-as-matrix)",
        "cell": 3,
        "exception": "AttributeError",
        "message": "'DataFrame' object has no attribute 'ix'",
        "why": "`.ix` was deprecated in pandas 0.20 and removed in 1.0; `.as_matrix()` "
               "(deprecated 0.23, removed 1.0) fails next in the same cell with "
               "`AttributeError: 'DataFrame' object has no attribute 'as_matrix'` "
               "(`'Series' ...` for `y`).",
        "fix_text": "`X = df.loc[:, feature_cols].to_numpy()` and `y = df['price'].to_numpy()`",
        "fixes": [("X = df.ix[:, feature_cols].as_matrix()", "X = df.loc[:, feature_cols].to_numpy()"),
                  ("y = df.ix[:, 'price'].as_matrix()", "y = df['price'].to_numpy()")],
        "reference": [],
        "metric_regex": r"RMSE = ([0-9.]+)",
    },
})

# 7. iris: runs clean today ---------------------------------------------------

SPECS.append({
    "filename": "clean_iris.ipynb",
    "created": dt.datetime(2020, 8, 27, 10, 12, 3, 617420),
    "nbformat_minor": 4,
    "python": "3.8.5",
    "timing": "nbclient",
    "cells": [
        md("""
# Iris species classification

Logistic regression on Fisher's iris measurements (150 flowers, 4 features, 3 species).
Features are standardised inside a pipeline; we report 5-fold cross-validation accuracy on
the training split and accuracy on a stratified test split.
"""),
        code("""
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
%matplotlib inline

from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix
""", duration=1.05),
        code("""
iris = load_iris()
X, y = iris.data, iris.target
print(X.shape, np.bincount(y))
print(iris.target_names)
""", [stdout("(150, 4) [50 50 50]\n['setosa' 'versicolor' 'virginica']\n")], duration=0.01),
        code("""
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=4, stratify=y)
model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
scores = cross_val_score(model, X_train, y_train, cv=5)
print('cv score %.2f (+/- %.2f)' % (scores.mean(), scores.std() * 2))
""", "IRIS_CV", duration=0.06),
        code("""
model.fit(X_train, y_train)
y_pred = model.predict(X_test)
print('Accuracy: %.4f' % accuracy_score(y_test, y_pred))
cm = confusion_matrix(y_test, y_pred)
cm
""", "IRIS_FINAL", duration=0.01),
        code("""
fig, ax = plt.subplots(figsize=(4, 4))
ax.imshow(cm, cmap='Blues')
ax.set_xticks(range(3))
ax.set_xticklabels(iris.target_names, rotation=45)
ax.set_yticks(range(3))
ax.set_yticklabels(iris.target_names)
ax.set_xlabel('predicted')
ax.set_ylabel('true');
""", [figure("<Figure size 288x288 with 1 Axes>", seed=8)], duration=0.12),
    ],
    "erosion": None,
    "metric_regex": r"Accuracy: ([0-9.]+)",
})


# ---------------------------------------------------------------------------
# stored outputs that depend on model results (filled from reference runs)
# ---------------------------------------------------------------------------

OUTPUTS = {
    # wine_model_comparison.ipynb
    "WINE_RESULTS": [result(
        "         model   cv_mean    cv_std\n"
        "0      svm_rbf  0.992000  0.016000\n"
        "1  naive_bayes  0.984000  0.019596\n"
        "2          knn  0.951667  0.029851\n"
        "3         tree  0.846333  0.100135",
        html=_html_table(["model", "cv_mean", "cv_std"], [
            (0, ["svm_rbf", "0.992000", "0.016000"]),
            (1, ["naive_bayes", "0.984000", "0.019596"]),
            (2, ["knn", "0.951667", "0.029851"]),
            (3, ["tree", "0.846333", "0.100135"]),
        ]))],
    "WINE_FINAL": [stdout("Best model: svm_rbf\nAccuracy: 0.9444\n")],

    # digits_knn.ipynb
    "DIGITS_VAL": [stdout(
        "k=1  validation accuracy 0.9941\n"
        "k=3  validation accuracy 0.9970\n"
        "k=5  validation accuracy 0.9941\n"
        "k=7  validation accuracy 0.9911\n"
        "k=9  validation accuracy 0.9822\n")],
    "DIGITS_FINAL": [stdout("best k = 3\nAccuracy: 0.9867\n")],
    "DIGITS_CM": [result(
        "array([[37,  0,  0,  0,  0,  0,  0,  0,  0,  0],\n"
        "       [ 0, 42,  0,  0,  0,  1,  0,  0,  0,  0],\n"
        "       [ 0,  0, 44,  0,  0,  0,  0,  0,  0,  0],\n"
        "       [ 0,  0,  1, 44,  0,  0,  0,  0,  0,  0],\n"
        "       [ 0,  0,  0,  0, 37,  0,  0,  1,  0,  0],\n"
        "       [ 0,  0,  0,  0,  0, 47,  0,  0,  0,  1],\n"
        "       [ 0,  0,  0,  0,  0,  0, 52,  0,  0,  0],\n"
        "       [ 0,  0,  0,  0,  0,  0,  0, 48,  0,  0],\n"
        "       [ 0,  0,  0,  2,  0,  0,  0,  0, 46,  0],\n"
        "       [ 0,  0,  0,  0,  0,  0,  0,  0,  0, 47]])")],

    # breast_cancer_random_forest.ipynb (scikit-learn 0.19: 10 trees by default)
    "BC_CV": [stdout("cv score 0.95 (+/- 0.04)\n")],
    "BC_FINAL": [stdout(
        "Accuracy: 0.9510\n"
        "             precision    recall  f1-score   support\n"
        "\n"
        "  malignant       0.89      1.00      0.94        54\n"
        "     benign       1.00      0.92      0.96        89\n"
        "\n"
        "avg / total       0.96      0.95      0.95       143\n"
        "\n")],
    "BC_IMP": [result(
        "worst concave points    0.214832\n"
        "worst radius            0.141422\n"
        "worst perimeter         0.093535\n"
        "worst area              0.088828\n"
        "worst concavity         0.067879\n"
        "mean radius             0.063081\n"
        "area error              0.055962\n"
        "mean perimeter          0.054515\n"
        "mean concave points     0.042443\n"
        "worst compactness       0.040340\n"
        "dtype: float64")],

    # diabetes_ridge_regression.ipynb (papermill run with alpha=0.1)
    "DIAB_CV": [stdout(
        "alpha=0.01  cv RMSE 55.58\n"
        "alpha=0.1   cv RMSE 55.33\n"
        "alpha=0.5   cv RMSE 57.15\n"
        "alpha=1.0   cv RMSE 59.71\n"
        "alpha=5.0   cv RMSE 69.00\n")],
    "DIAB_FINAL": [stdout("RMSE = 54.981\nR2   = 0.433\n")],

    # activity_sensors_eda.ipynb
    "ACT_HEAD": [stdout("(240, 7)\n"), result(
        "   window_id  acc_mean  acc_std  acc_peak  heart_rate  step_rate activity\n"
        "0       1000     1.037    0.202     2.069          55        100  walking\n"
        "1       1001     0.916    0.016     1.397          67          0  sitting\n"
        "2       1002     1.202    0.982     1.328         157        199  running\n"
        "3       1003     1.206    0.143     1.264          70          3  sitting\n"
        "4       1004     1.129    0.684     3.673         151        198  running",
        html=_html_table(
            ["window_id", "acc_mean", "acc_std", "acc_peak", "heart_rate", "step_rate", "activity"], [
                (0, ["1000", "1.037", "0.202", "2.069", "55", "100", "walking"]),
                (1, ["1001", "0.916", "0.016", "1.397", "67", "0", "sitting"]),
                (2, ["1002", "1.202", "0.982", "1.328", "157", "199", "running"]),
                (3, ["1003", "1.206", "0.143", "1.264", "70", "3", "sitting"]),
                (4, ["1004", "1.129", "0.684", "3.673", "151", "198", "running"]),
            ]))],
    "ACT_GROUP": [result(
        "          acc_mean  acc_std  acc_peak  heart_rate  step_rate\n"
        "activity                                                    \n"
        "running       1.36     0.50      2.78      139.48     153.90\n"
        "sitting       1.02     0.15      1.53       73.22       7.38\n"
        "walking       1.14     0.30      1.97       98.18     106.55",
        html=_html_table(["acc_mean", "acc_std", "acc_peak", "heart_rate", "step_rate"], [
            ("running", ["1.36", "0.50", "2.78", "139.48", "153.90"]),
            ("sitting", ["1.02", "0.15", "1.53", "73.22", "7.38"]),
            ("walking", ["1.14", "0.30", "1.97", "98.18", "106.55"]),
        ], index_name="activity"))],
    "ACT_CV": [stdout("cv score 0.89 (+/- 0.10)\n")],
    "ACT_FINAL": [stdout("Accuracy: 0.9306\n"), result(
        "predicted  running  sitting  walking\n"
        "true                                \n"
        "running         23        0        1\n"
        "sitting          0       24        0\n"
        "walking          4        0       20",
        html=_html_table(["running", "sitting", "walking"], [
            ("running", ["23", "0", "1"]),
            ("sitting", ["0", "24", "0"]),
            ("walking", ["4", "0", "20"]),
        ], index_name="true", index_header="predicted"))],

    # house_prices_linear.ipynb
    "HOUSE_DESCRIBE": [result(
        "         sqft  bedrooms    age  dist_km     price\n"
        "count   250.0     250.0  250.0    250.0     250.0\n"
        "mean   1601.5       2.9   39.9      7.8  221795.2\n"
        "std     455.3       1.1   23.7      7.4   72268.6\n"
        "min     500.0       1.0    0.0      0.1   31800.0\n"
        "25%    1316.8       2.0   18.0      2.0  178950.0\n"
        "50%    1602.0       3.0   39.0      5.6  225350.0\n"
        "75%    1893.8       4.0   60.8     11.1  266650.0\n"
        "max    2742.0       6.0   79.0     47.5  453300.0",
        html=_html_table(["sqft", "bedrooms", "age", "dist_km", "price"], [
            ("count", ["250.0", "250.0", "250.0", "250.0", "250.0"]),
            ("mean", ["1601.5", "2.9", "39.9", "7.8", "221795.2"]),
            ("std", ["455.3", "1.1", "23.7", "7.4", "72268.6"]),
            ("min", ["500.0", "1.0", "0.0", "0.1", "31800.0"]),
            ("25%", ["1316.8", "2.0", "18.0", "2.0", "178950.0"]),
            ("50%", ["1602.0", "3.0", "39.0", "5.6", "225350.0"]),
            ("75%", ["1893.8", "4.0", "60.8", "11.1", "266650.0"]),
            ("max", ["2742.0", "6.0", "79.0", "47.5", "453300.0"]),
        ]))],
    "HOUSE_COEF": [stdout(
        "sqft           122.9\n"
        "bedrooms      8340.2\n"
        "age           -598.7\n"
        "dist_km      -2735.4\n"
        "intercept    45953.5\n")],
    "HOUSE_FINAL": [stdout("RMSE = 24946.4\nR^2  = 0.851\n")],

    # clean_iris.ipynb
    "IRIS_CV": [stdout("cv score 0.96 (+/- 0.06)\n")],
    "IRIS_FINAL": [stdout("Accuracy: 0.9474\n"), result(
        "array([[13,  0,  0],\n"
        "       [ 0, 11,  1],\n"
        "       [ 0,  1, 12]])")],
}


# ---------------------------------------------------------------------------
# assembling notebooks
# ---------------------------------------------------------------------------

def _timing(spec, cells):
    """Attach execution counts and nbclient / papermill timing metadata."""
    rnd = random.Random(spec["filename"])
    t = spec["created"]
    count = 0
    for cell in cells:
        duration = cell.pop("_duration", None)
        if cell["cell_type"] != "code":
            if spec["timing"] == "papermill":
                cell["metadata"]["papermill"] = {"duration": None, "end_time": None, "exception": None,
                                                 "start_time": None, "status": "completed"}
                cell["metadata"].setdefault("tags", [])
            continue
        count += 1
        cell["execution_count"] = count
        duration += rnd.randint(0, 999) / 1e6  # nobody's cell takes a round number of ms
        for out in cell["outputs"]:
            if out["output_type"] == "execute_result":
                out["execution_count"] = count
        if spec["timing"] == "papermill":
            # papermill runs cells back to back
            t += dt.timedelta(microseconds=rnd.randint(2000, 9000))
            start = t
            t += dt.timedelta(seconds=duration)
            cell["metadata"]["papermill"] = {"duration": round(duration, 6), "end_time": _ts(t),
                                             "exception": False, "start_time": _ts(start),
                                             "status": "completed"}
            cell["metadata"].setdefault("tags", [])
        else:
            # interactive session: the author paused between cells
            t += dt.timedelta(seconds=rnd.randint(2, 40), microseconds=rnd.randint(0, 999999))
            busy = t
            execute_input = busy + dt.timedelta(microseconds=rnd.randint(300, 1500))
            reply = execute_input + dt.timedelta(seconds=duration)
            idle = reply + dt.timedelta(microseconds=rnd.randint(500, 3000))
            cell["metadata"]["execution"] = {
                "iopub.execute_input": _ts(execute_input),
                "iopub.status.busy": _ts(busy),
                "iopub.status.idle": _ts(idle),
                "shell.execute_reply": _ts(reply),
            }
            t = idle
    return t


def build_notebook(spec, cell_sources=None):
    """Return the NotebookNode for a spec (optionally with replaced sources)."""
    import copy

    cells = copy.deepcopy(spec["cells"])
    for i, cell in enumerate(cells):
        if isinstance(cell.get("outputs"), str):
            cell["outputs"] = copy.deepcopy(OUTPUTS.get(cell["outputs"], []))
        if cell_sources is not None:
            cell["source"] = cell_sources[i]
    end = _timing(spec, cells)
    meta = {"kernelspec": dict(KERNELSPEC), "language_info": _language_info(spec["python"])}
    if spec["timing"] == "papermill":
        pm = spec["papermill"]
        meta["celltoolbar"] = "Tags"
        meta["papermill"] = {
            "duration": round((end - spec["created"]).total_seconds(), 6),
            "end_time": _ts(end),
            "environment_variables": {},
            "exception": None,
            "input_path": pm["input_path"],
            "output_path": pm["output_path"],
            "parameters": pm["parameters"],
            "start_time": _ts(spec["created"]),
            "version": pm["version"],
        }
    nb = {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": spec["nbformat_minor"]}
    return nbformat.from_dict(nb)


def write_notebook(nb, path):
    errors = {}
    text = nbformat.writes(nb, capture_validation_error=errors)
    if errors:
        raise SystemExit("invalid notebook %s: %s" % (path, errors["ValidationError"]))
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def main(argv=None):
    out_dir = HERE
    write_activity_csv(os.path.join(out_dir, "activity_sensors.csv"))
    for spec in SPECS:
        path = os.path.join(out_dir, spec["filename"])
        write_notebook(build_notebook(spec), path)
        print("wrote", os.path.relpath(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
