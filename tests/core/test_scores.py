"""Tests for finding metric values in notebook outputs and judging drift.

Every expected value below is read off the printed text in the test input,
the way a person would read the notebook, not copied from a run.
"""

from __future__ import annotations

import math
from typing import Any

import nbformat
import pytest

from mlemod_tui.core.scores import (
    MetricSelector,
    Score,
    ScoreComparison,
    compare_scores,
    extract_scores,
    infer_lower_is_better,
    line_shape,
    normalise_metric_name,
    notebook_scores,
    reference_score,
    todays_score,
)

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def result(text: str) -> dict[str, Any]:
    return {
        "output_type": "execute_result",
        "execution_count": 1,
        "data": {"text/plain": text},
        "metadata": {},
    }


def error_output(text: str) -> dict[str, Any]:
    return {"output_type": "error", "ename": "ValueError", "evalue": text, "traceback": [text]}


def code(source: str, *outputs: dict[str, Any], cell_id: str | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": "code",
        "source": source,
        "outputs": list(outputs),
        "metadata": {},
        "execution_count": 1,
    }
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "source": text, "metadata": {}}


def printed(text: str) -> list[tuple[str, float, bool]]:
    """(name, value, percent) of everything found in a printed stream."""
    return [(s.name, s.value, s.percent) for s in extract_scores([stream(text)])]


def make_score(
    name: str,
    value: float,
    *,
    percent: bool = False,
    lower: bool | None = None,
    cell_index: int = 0,
) -> Score:
    return Score(
        name=name,
        value=value,
        percent=percent,
        cell_index=cell_index,
        cell_id=None,
        text=f"{name}: {value}",
        lower_is_better=infer_lower_is_better(name) if lower is None else lower,
    )


# --------------------------------------------------------------------------
# printed forms
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accuracy: 0.93", [("accuracy", 0.93, False)]),
        ("Accuracy = 93.1%", [("accuracy", 93.1, True)]),
        ("RMSE 0.412", [("rmse", 0.412, False)]),
        ("AUC=0.87", [("auc", 0.87, False)]),
        ("F1 score 0.71", [("f1", 0.71, False)]),
        ("f1-score: 0.71", [("f1", 0.71, False)]),
        ("val_loss: 0.31", [("val loss", 0.31, False)]),
        # print('Test accuracy:', 0.9312)
        ("Test accuracy: 0.9312\n", [("test accuracy", 0.9312, False)]),
        ("Mean Accuracy: 95.333% (4.989%)", [("mean accuracy", 95.333, True)]),
        ("neg_mean_squared_error: -0.45", [("neg mse", -0.45, False)]),
        ("R^2: 0.87", [("r2", 0.87, False)]),
        ("R-squared = 0.87", [("r2", 0.87, False)]),
        ("r2_score: 0.87", [("r2", 0.87, False)]),
        ("Log loss: 0.35", [("log loss", 0.35, False)]),
        ("logloss=0.35", [("log loss", 0.35, False)]),
        ("Mean squared error: 12.5", [("mse", 12.5, False)]),
        ("Mean Absolute Error: 3.25", [("mae", 3.25, False)]),
        ("Balanced accuracy: 0.81", [("balanced accuracy", 0.81, False)]),
        ("The accuracy is 0.93.", [("accuracy", 0.93, False)]),
        ("Model reached an accuracy of 93%", [("accuracy", 93.0, True)]),
        ("Accuracy on test set: 0.9", [("test accuracy", 0.9, False)]),
        ("Cohen's kappa: 0.72", [("kappa", 0.72, False)]),
        ("MAPE: 4.2%", [("mape", 4.2, True)]),
        ("Perplexity: 35.2", [("perplexity", 35.2, False)]),
        ("BLEU = 27.3", [("bleu", 27.3, False)]),
        ("Top-5 accuracy: 91.2%", [("top-5 accuracy", 91.2, True)]),
        ("Dice coefficient: 0.88", [("dice", 0.88, False)]),
        ("mean IoU: 0.66", [("mean iou", 0.66, False)]),
        ("MCC: 0.61", [("mcc", 0.61, False)]),
        ("ROC AUC score: 0.912", [("roc auc", 0.912, False)]),
        ("Cross-validation score: 0.95", [("cv score", 0.95, False)]),
        ("OOB score: 0.947", [("oob score", 0.947, False)]),
        ("loss: 1.2e-05", [("loss", 1.2e-05, False)]),
        ("Precision: 0.91, Recall: 0.88", [("precision", 0.91, False), ("recall", 0.88, False)]),
        ("\tMSE: 0.23\tRMSE: 0.48", [("mse", 0.23, False), ("rmse", 0.48, False)]),
    ],
)
def test_common_printed_forms(text: str, expected: list[tuple[str, float, bool]]) -> None:
    assert printed(text) == expected


def test_plus_minus_std_belongs_to_the_named_metric() -> None:
    # sklearn docs: print("Accuracy: %0.2f (+/- %0.2f)" % (mean, std * 2))
    assert printed("Accuracy: 0.98 (+/- 0.03)") == [("accuracy", 0.98, False)]


def test_bare_plus_minus_form_is_a_cv_score() -> None:
    assert printed("0.95 (+/- 0.02)") == [("cv score", 0.95, False)]


def test_plus_minus_form_is_named_after_preceding_words() -> None:
    assert printed("Logistic Regression: 0.95 (+/- 0.02)") == [("logistic regression", 0.95, False)]


def test_plus_minus_with_unicode_sign() -> None:
    assert printed("Accuracy: 0.91 ± 0.01") == [("accuracy", 0.91, False)]


def test_model_comparison_mean_std_lines() -> None:
    # print("%s: %f (%f)" % (name, cv_results.mean(), cv_results.std()))
    text = "LR: 0.958333 (0.045644)\nKNN: 0.983333 (0.033333)\n"
    assert printed(text) == [("lr", 0.958333, False), ("knn", 0.983333, False)]


def test_huggingface_eval_dict() -> None:
    text = "{'eval_loss': 0.31, 'eval_accuracy': 0.93, 'eval_runtime': 1.2, 'epoch': 3.0}"
    assert printed(text) == [("eval loss", 0.31, False), ("eval accuracy", 0.93, False)]


def test_numpy2_float_repr_inside_dict() -> None:
    assert printed("{'accuracy': np.float64(0.93)}") == [("accuracy", 0.93, False)]


# --------------------------------------------------------------------------
# Keras, XGBoost, LightGBM, classification_report
# --------------------------------------------------------------------------


def test_keras2_progress_line() -> None:
    line = "313/313 [==============================] - 1s 2ms/step - loss: 0.0712 - accuracy: 0.9781\n"
    assert printed(line) == [("loss", 0.0712, False), ("accuracy", 0.9781, False)]


def test_keras3_progress_line() -> None:
    line = "313/313 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.9781 - loss: 0.0712\n"
    assert printed(line) == [("accuracy", 0.9781, False), ("loss", 0.0712, False)]


def test_keras_fit_log_last_value_is_last_epoch_val_accuracy() -> None:
    log = (
        "Epoch 1/2\n"
        "1875/1875 [==============================] - 3s 1ms/step - loss: 0.2950 - accuracy: 0.9150"
        " - val_loss: 0.1500 - val_accuracy: 0.9550\n"
        "Epoch 2/2\n"
        "1875/1875 [==============================] - 3s 1ms/step - loss: 0.1400 - accuracy: 0.9580"
        " - val_loss: 0.1100 - val_accuracy: 0.9670\n"
    )
    found = printed(log)
    assert len(found) == 8  # 4 metrics x 2 epochs, "Epoch 1/2" is not a metric
    assert found[-1] == ("val accuracy", 0.967, False)
    assert found[-2] == ("val loss", 0.11, False)


def test_carriage_return_progress_keeps_only_final_redraw() -> None:
    text = (
        "\r  1/313 [..............................] - ETA: 0s - loss: 0.9000 - accuracy: 0.5000"
        "\r313/313 [==============================] - 1s 2ms/step - loss: 0.0700 - accuracy: 0.9800\n"
    )
    assert printed(text) == [("loss", 0.07, False), ("accuracy", 0.98, False)]


def test_backspace_progress_is_replayed() -> None:
    first = " 1/2 [=====>.....] - loss: 0.9000"
    second = "2/2 [===========] - loss: 0.1000"
    text = first + "\b" * len(first) + second + "\n"
    assert printed(text) == [("loss", 0.1, False)]


def test_ansi_colours_are_stripped() -> None:
    assert printed("\x1b[1maccuracy\x1b[0m: \x1b[32m0.93\x1b[0m") == [("accuracy", 0.93, False)]


def test_xgboost_eval_lines() -> None:
    text = (
        "[0]\tvalidation_0-logloss:0.61234\tvalidation_1-logloss:0.62000\n"
        "[99]\tvalidation_0-logloss:0.12345\tvalidation_1-logloss:0.20000\n"
    )
    found = extract_scores([stream(text)])
    assert [(s.name, s.value) for s in found] == [
        ("validation_0 log loss", 0.61234),
        ("validation_1 log loss", 0.62),
        ("validation_0 log loss", 0.12345),
        ("validation_1 log loss", 0.2),
    ]
    assert all(s.lower_is_better for s in found)


def test_xgboost_cv_mean_plus_std() -> None:
    text = "[9]\ttrain-auc:0.9512+0.0011\ttest-auc:0.8870+0.0123\n"
    assert printed(text) == [("train auc", 0.9512, False), ("test auc", 0.887, False)]


def test_xgboost_error_metric_is_lower_is_better() -> None:
    found = extract_scores([stream("[5]\tvalidation_0-error:0.04000\n")])
    assert [(s.name, s.value, s.lower_is_better) for s in found] == [("validation_0 error", 0.04, True)]


def test_lightgbm_eval_lines() -> None:
    text = (
        "Training until validation scores don't improve for 10 rounds\n"
        "[100]\tvalid_0's auc: 0.9123\tvalid_0's binary_logloss: 0.2345\n"
    )
    found = extract_scores([stream(text)])
    assert [(s.name, s.value, s.lower_is_better) for s in found] == [
        ("valid_0 auc", 0.9123, False),
        ("valid_0 binary log loss", 0.2345, True),
    ]


def test_lightgbm_l2_regression_is_lower_is_better() -> None:
    found = extract_scores([stream("[50]\ttraining's l2: 1.5\tvalid_1's l2: 2.25\n")])
    assert [(s.name, s.value, s.lower_is_better) for s in found] == [
        ("training l2", 1.5, True),
        ("valid_1 l2", 2.25, True),
    ]


CLASSIFICATION_REPORT = """\
              precision    recall  f1-score   support

        loss       1.00      0.80      0.89        10
         win       0.91      1.00      0.95        20

    accuracy                           0.93        30
   macro avg       0.95      0.90      0.92        30
weighted avg       0.94      0.93      0.93        30
"""


def test_classification_report_takes_only_the_accuracy_row() -> None:
    # a class called "loss" and the support column (30) must not be read as metrics
    assert printed(CLASSIFICATION_REPORT) == [("accuracy", 0.93, False)]


def test_metrics_after_a_classification_report_are_still_found() -> None:
    text = CLASSIFICATION_REPORT + "\nROC AUC: 0.97\n"
    assert printed(text) == [("accuracy", 0.93, False), ("roc auc", 0.97, False)]


# --------------------------------------------------------------------------
# false positives
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Epoch 3/10",
        "n_estimators=100",
        "(150, 4)",
        "Dataset shape: (150, 4)",
        "random_state=42",
        "Run on 2021-03-04",
        "scikit-learn version 1.2.0",
        "score 1.2.0",
        "error 404",
        "Loss of 5 samples",
        "Std accuracy: 0.02",
        "Best score in 2019",
        "150 rows × 5 columns",
        "accuracy 3/10",
        "loss: 1.5s",
        "Python 3.11.7",
        "RandomForestClassifier(n_estimators=100, random_state=42)",
        "XGBClassifier(base_score=0.5, booster='gbtree', learning_rate=0.300000012)",
        "GridSearchCV(cv=5, estimator=SVC(), scoring='accuracy')",
        "SGDClassifier(loss='hinge', alpha=0.0001, tol=0.001)",
        "train_test_split(X, y, test_size=0.2)",
        "GridSearchCV(cv=5, return_train_score=False, error_score=nan)",
        "   model  accuracy\n0     lr      0.93",  # a table header is not a label for the next line
    ],
)
def test_things_that_are_not_metrics(text: str) -> None:
    assert printed(text) == []


def test_error_outputs_are_ignored() -> None:
    outputs = [error_output("accuracy: 0.5 expected")]
    assert extract_scores(outputs, "model.score(X, y)") == []


def test_bare_float_without_a_scoring_call_is_ignored() -> None:
    assert extract_scores([result("0.93")], "x = 0.93\nx") == []


def test_rich_only_display_data_is_ignored() -> None:
    image = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}, "metadata": {}}
    assert extract_scores([image], "plt.plot(history['accuracy'])") == []


# --------------------------------------------------------------------------
# bare results judged from the cell's last statement
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "shown", "name", "value"),
    [
        ("clf.fit(X_train, y_train)\nclf.score(X_test, y_test)", "0.9333333333333333", "score", 0.9333333333333333),
        ("accuracy_score(y_test, y_pred)", "0.9", "accuracy", 0.9),
        ("f1_score(y_test, y_pred, average='macro')", "0.71", "f1", 0.71),
        ("roc_auc_score(y_test, proba)", "0.88", "roc auc", 0.88),
        ("r2_score(y_test, y_pred)", "0.76", "r2", 0.76),
        ("mean_absolute_error(y_test, y_pred)", "3.1", "mae", 3.1),
        ("mean_squared_error(y_test, y_pred)", "9.61", "mse", 9.61),
        ("np.sqrt(mean_squared_error(y_test, y_pred))", "3.1", "rmse", 3.1),
        ("mean_squared_error(y_test, y_pred, squared=False)", "3.1", "rmse", 3.1),
        ("cross_val_score(clf, X, y, cv=5).mean()", "0.95", "cv score", 0.95),
        ("round(clf.score(X_test, y_test), 3)", "0.933", "score", 0.933),
        ("grid.best_score_", "0.9466666666666667", "best score", 0.9466666666666667),
        ("accuracy_score(y_test, y_pred)", "np.float64(0.9)", "accuracy", 0.9),
        ("criterion(out, target).item()\nloss_fn = 1\nval_loss", "0.25", "val loss", 0.25),
    ],
)
def test_bare_result_named_from_last_statement(source: str, shown: str, name: str, value: float) -> None:
    found = extract_scores([result(shown)], source)
    assert [(s.name, s.value, s.percent) for s in found] == [(name, value, False)]


def test_bare_result_is_a_lower_is_better_error() -> None:
    (found,) = extract_scores([result("3.1")], "mean_absolute_error(y_test, y_pred)")
    assert found.lower_is_better is True


def test_cross_val_score_array_is_averaged() -> None:
    shown = "array([0.96666667, 0.96666667, 0.93333333, 0.96666667, 1.        ])"
    (found,) = extract_scores([result(shown)], "cross_val_score(clf, X, y, cv=5)")
    assert found.name == "cv score"
    assert found.value == pytest.approx((0.96666667 * 3 + 0.93333333 + 1.0) / 5)


def test_cross_val_score_assigned_then_mean_on_last_line() -> None:
    source = "scores = cross_val_score(clf, X, y, cv=5)\nscores.mean()"
    (found,) = extract_scores([result("0.9733333333333334")], source)
    assert (found.name, found.value) == ("cv score", 0.9733333333333334)


def test_multiline_last_statement() -> None:
    source = "cross_val_score(\n    clf, X, y,\n    cv=5,\n).mean()  # five folds\n"
    (found,) = extract_scores([result("0.96")], source)
    assert (found.name, found.value) == ("cv score", 0.96)


def test_printed_bare_score_in_stream() -> None:
    (found,) = extract_scores([stream("0.9736842105263158\n")], "print(model.score(X_test, y_test))")
    assert (found.name, found.value) == ("score", 0.9736842105263158)


def test_source_as_list_of_lines_and_ipython_magic() -> None:
    source = ["%matplotlib inline\n", "model.score(X_test, y_test)"]
    (found,) = extract_scores([result("0.88")], source)  # type: ignore[arg-type]
    assert (found.name, found.value) == ("score", 0.88)


def test_keras_evaluate_list_with_known_metrics() -> None:
    found = extract_scores([result("[0.31, 0.93]")], "model.evaluate(x_test, y_test)", keras_metrics=["accuracy"])
    assert [(s.name, s.value, s.lower_is_better) for s in found] == [
        ("loss", 0.31, True),
        ("accuracy", 0.93, False),
    ]


def test_keras_compile_in_same_cell_names_evaluate_results() -> None:
    source = (
        "model.compile(optimizer='adam', loss='binary_crossentropy',\n"
        "              metrics=['accuracy', tf.keras.metrics.AUC()])\n"
        "model.fit(x, y, verbose=0)\n"
        "%time model.evaluate(x_test, y_test, verbose=0)"
    )
    found = extract_scores([stream("CPU times: user 1.2 s\n"), result("[0.3, 0.9, 0.8]")], source)
    assert [(s.name, s.value) for s in found] == [("loss", 0.3), ("accuracy", 0.9), ("auc", 0.8)]


def test_keras_evaluate_list_named_from_its_progress_line() -> None:
    outputs = [
        stream("313/313 [==============================] - 1s 2ms/step - loss: 0.3100 - accuracy: 0.9300\n"),
        result("[0.3100000023841858, 0.9300000071525574]"),
    ]
    found = extract_scores(outputs, "model.evaluate(x_test, y_test)")
    assert [(s.name, s.value) for s in found] == [
        ("loss", 0.31),
        ("accuracy", 0.93),
        ("loss", 0.3100000023841858),
        ("accuracy", 0.9300000071525574),
    ]


def test_keras_evaluate_list_without_any_names() -> None:
    found = extract_scores([result("[0.31, 0.93]")], "model.evaluate(x_test, y_test, verbose=0)")
    assert [(s.name, s.value) for s in found] == [("loss", 0.31), ("metric", 0.93)]


def test_keras_evaluate_scalar_is_the_loss() -> None:
    (found,) = extract_scores([result("0.0123")], "model.evaluate(x_test, y_test, verbose=0)")
    assert (found.name, found.value, found.lower_is_better) == ("loss", 0.0123, True)


def test_keras_evaluate_unpacked_into_metric_named_variables() -> None:
    source = "test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)\ntest_acc"
    (found,) = extract_scores([result("0.9781")], source)
    assert (found.name, found.value) == ("test accuracy", 0.9781)


def test_notebook_scores_uses_compile_metrics_from_an_earlier_cell() -> None:
    cells = [
        code("model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])"),
        markdown("## Evaluate"),
        code("model.evaluate(x_test, y_test, verbose=0)", result("[0.0712, 0.9781]")),
    ]
    found = notebook_scores(cells)
    assert [(s.name, s.value, s.cell_index) for s in found] == [("loss", 0.0712, 2), ("accuracy", 0.9781, 2)]


def test_notebook_scores_in_order_with_cell_ids() -> None:
    cells = [
        code("print('acc', a)", stream("acc 0.80\n"), cell_id="a1"),
        markdown("accuracy: 0.99 (markdown is not output)"),
        code("print(b)", stream("RMSE: 4.5\n"), result("'accuracy: 0.70'"), cell_id="b2"),
    ]
    found = notebook_scores(cells)
    assert [(s.name, s.value, s.cell_index, s.cell_id) for s in found] == [
        ("accuracy", 0.8, 0, "a1"),
        ("rmse", 4.5, 2, "b2"),
        ("accuracy", 0.7, 2, "b2"),
    ]


def test_nbformat_notebook_nodes_are_accepted() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "print(f'Accuracy: {acc:.2%}')",
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="Accuracy: 91.25%\n")],
        )
    ]
    (found,) = notebook_scores(nb.cells)
    assert (found.name, found.value, found.percent, found.cell_id) == ("accuracy", 91.25, True, nb.cells[0].id)


# --------------------------------------------------------------------------
# names and direction
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("val_loss", "val loss"),
        ("Test acc", "test accuracy"),
        ("mean_squared_error", "mse"),
        ("Root Mean Squared Error", "rmse"),
        ("F1-score", "f1"),
        ("roc_auc", "roc auc"),
        ("cross_val_score", "cv score"),
        ("Accuracy", "accuracy"),
        ("LR", "lr"),
    ],
)
def test_normalise_metric_name(raw: str, expected: str) -> None:
    assert normalise_metric_name(raw) == expected


@pytest.mark.parametrize(
    "name",
    [
        "loss", "val_loss", "rmse", "mae", "mse", "mape", "log loss", "logloss",
        "mean squared error", "validation_0 log loss", "valid_1 l2", "perplexity",
        "top-1 error", "merror", "brier",
    ],
)
def test_lower_is_better_names(name: str) -> None:
    assert infer_lower_is_better(name) is True


@pytest.mark.parametrize(
    "name",
    ["accuracy", "val accuracy", "auc", "r2", "f1", "cv score", "score", "neg mse", "neg_mean_squared_error", "bleu"],
)
def test_higher_is_better_names(name: str) -> None:
    assert infer_lower_is_better(name) is False


# --------------------------------------------------------------------------
# metric selection and the reference
# --------------------------------------------------------------------------

FIT_CELLS = [
    code(
        "history = model.fit(x, y, validation_split=0.1, epochs=1)",
        stream(
            "Epoch 1/1\n1688/1688 [==============================] - 3s 2ms/step"
            " - loss: 0.2000 - accuracy: 0.9400 - val_loss: 0.1500 - val_accuracy: 0.9600\n"
        ),
        cell_id="fit",
    ),
    code("print('Test accuracy:', acc)", stream("Test accuracy: 0.9312\n"), cell_id="test"),
    code("print(rmse)", stream("RMSE: 0.412\n"), cell_id="reg"),
]


def test_reference_is_last_score_in_the_notebook() -> None:
    ref = reference_score(FIT_CELLS)
    assert ref is not None
    assert (ref.name, ref.value, ref.cell_index, ref.cell_id) == ("rmse", 0.412, 2, "reg")


def test_reference_none_without_scores() -> None:
    assert reference_score([markdown("# Title"), code("import numpy as np")]) is None


def test_metric_by_exact_name_prefers_exact_over_regex() -> None:
    # "accuracy" must not pick "val accuracy" or "test accuracy", which come later
    ref = reference_score(FIT_CELLS, metric="accuracy")
    assert ref is not None
    assert (ref.name, ref.value, ref.cell_index) == ("accuracy", 0.94, 0)


def test_metric_by_typed_variant_of_the_name() -> None:
    ref = reference_score(FIT_CELLS, metric="val_acc")
    assert ref is not None
    assert (ref.name, ref.value) == ("val accuracy", 0.96)


def test_metric_by_regex() -> None:
    ref = reference_score(FIT_CELLS, metric=r"val.*acc")
    assert ref is not None
    assert (ref.name, ref.value) == ("val accuracy", 0.96)


def test_metric_regex_matches_printed_text() -> None:
    cells = [code("xgb.fit(...)", stream("[99]\tvalidation_0-logloss:0.12\tvalidation_1-logloss:0.20\n"))]
    ref = reference_score(cells, metric=r"validation_0")
    assert ref is not None
    assert (ref.name, ref.value) == ("validation_0 log loss", 0.12)


def test_metric_selector_api() -> None:
    selector = MetricSelector.parse("ACC")
    accuracy = make_score("accuracy", 0.9)
    val_accuracy = make_score("val accuracy", 0.8)
    assert selector.is_exact(accuracy)
    assert not selector.is_exact(val_accuracy)
    assert selector.matches(val_accuracy)  # regex "ACC" found in "val accuracy"
    assert selector.select([accuracy, val_accuracy]) == [accuracy]


def test_metric_selector_invalid_regex_is_literal() -> None:
    selector = MetricSelector.parse("acc(")
    assert not selector.matches(make_score("accuracy", 0.9))
    assert reference_score(FIT_CELLS, metric="acc(") is None


def test_metric_selector_rejects_empty() -> None:
    with pytest.raises(ValueError):
        MetricSelector.parse("  ")


def test_unknown_metric_gives_no_reference() -> None:
    assert reference_score(FIT_CELLS, metric="bleu") is None


def test_target_without_metric() -> None:
    ref = reference_score(FIT_CELLS, target=0.9)
    assert ref is not None
    assert (ref.name, ref.value, ref.cell_index, ref.cell_id, ref.percent) == ("target", 0.9, -1, None, False)


def test_target_with_metric_takes_the_stored_name() -> None:
    ref = reference_score(FIT_CELLS, metric="Test acc", target=0.95)
    assert ref is not None
    assert (ref.name, ref.value, ref.cell_index) == ("test accuracy", 0.95, -1)


def test_target_with_metric_not_in_notebook_is_named_after_metric() -> None:
    ref = reference_score(FIT_CELLS, metric="mae", target=2.0)
    assert ref is not None
    assert (ref.name, ref.value, ref.lower_is_better) == ("mae", 2.0, True)


def test_lower_is_better_can_be_forced() -> None:
    ref = reference_score(FIT_CELLS, metric="accuracy", lower_is_better=True)
    assert ref is not None and ref.lower_is_better is True
    target = reference_score(FIT_CELLS, metric="rmse", target=0.4, lower_is_better=False)
    assert target is not None and target.lower_is_better is False


# --------------------------------------------------------------------------
# today's score
# --------------------------------------------------------------------------


def test_today_same_cell_found_by_id_after_cells_moved() -> None:
    stored = [
        code("print(acc)", stream("accuracy: 0.93\n"), cell_id="eval"),
    ]
    today = [
        markdown("new intro"),
        code("print(acc)", stream("accuracy: 0.91\n"), cell_id="eval"),
    ]
    ref = reference_score(stored)
    assert ref is not None
    now = todays_score(ref, today)
    assert now is not None
    assert (now.name, now.value, now.cell_index) == ("accuracy", 0.91, 1)


def test_today_falls_back_to_index_when_ids_differ() -> None:
    stored = [code("x", cell_id="old-1"), code("print(acc)", stream("accuracy: 0.93\n"), cell_id="old-2")]
    today = [code("x", cell_id="new-1"), code("print(acc)", stream("accuracy: 0.88\n"), cell_id="new-2")]
    ref = reference_score(stored)
    assert ref is not None
    now = todays_score(ref, today)
    assert now is not None and (now.value, now.cell_index) == (0.88, 1)


def test_today_ignores_same_name_in_other_cells() -> None:
    stored = [code("a", stream("accuracy: 0.93\n"), cell_id="c0"), code("b", cell_id="c1")]
    today = [code("a", error_output("boom"), cell_id="c0"), code("b", stream("accuracy: 0.99\n"), cell_id="c1")]
    ref = reference_score(stored)
    assert ref is not None
    assert todays_score(ref, today) is None
    assert compare_scores(ref, todays_score(ref, today)).verdict == "not produced yet"


def test_today_takes_last_same_name_value_in_the_cell() -> None:
    stored = [code("fit", stream("loss: 0.5\nloss: 0.3\n"), cell_id="c")]
    today = [code("fit", stream("loss: 0.6\nloss: 0.35\naccuracy: 0.9\n"), cell_id="c")]
    ref = reference_score(stored)
    assert ref is not None
    now = todays_score(ref, today)
    assert now is not None and (now.name, now.value) == ("loss", 0.35)


def test_today_missing_cell_is_none() -> None:
    ref = make_score("accuracy", 0.9, cell_index=5)
    assert todays_score(ref, [code("x", stream("accuracy: 0.9"))]) is None


def test_today_for_target_searches_whole_notebook() -> None:
    ref = reference_score(FIT_CELLS, metric="rmse", target=0.4)
    assert ref is not None
    now = todays_score(ref, FIT_CELLS)
    assert now is not None and (now.name, now.value, now.cell_index) == ("rmse", 0.412, 2)


def test_today_for_unnamed_target_is_last_score() -> None:
    ref = reference_score(FIT_CELLS, target=0.5)
    assert ref is not None
    now = todays_score(ref, FIT_CELLS)
    assert now is not None and now.value == 0.412


def test_today_carries_forced_direction() -> None:
    ref = reference_score(FIT_CELLS, metric="accuracy", lower_is_better=True)
    assert ref is not None
    now = todays_score(ref, FIT_CELLS)
    assert now is not None and now.lower_is_better is True


# --------------------------------------------------------------------------
# comparison
# --------------------------------------------------------------------------


def test_within_tolerance_slightly_worse() -> None:
    cmp = compare_scores(make_score("accuracy", 0.93), make_score("accuracy", 0.91))
    assert isinstance(cmp, ScoreComparison)
    assert cmp.verdict == "within"
    assert cmp.difference == pytest.approx(-0.02)
    assert cmp.relative == pytest.approx(0.02 / 0.93)
    assert cmp.tolerance == 0.10
    assert cmp.improved is False


def test_within_tolerance_better() -> None:
    cmp = compare_scores(make_score("accuracy", 0.93), make_score("accuracy", 0.95))
    assert (cmp.verdict, cmp.improved) == ("within", True)


def test_drifted_down_when_higher_is_better() -> None:
    cmp = compare_scores(make_score("accuracy", 0.93), make_score("accuracy", 0.70))
    assert cmp.verdict == "drifted"
    assert cmp.relative == pytest.approx(0.23 / 0.93)
    assert cmp.improved is False


def test_lower_is_better_improvement_within() -> None:
    cmp = compare_scores(make_score("rmse", 0.412), make_score("rmse", 0.380))
    assert cmp.verdict == "within"  # 0.032 / 0.412 is under 10 %
    assert cmp.difference == pytest.approx(-0.032)
    assert cmp.improved is True


def test_lower_is_better_drifted_worse() -> None:
    cmp = compare_scores(make_score("loss", 0.31), make_score("loss", 0.50))
    assert (cmp.verdict, cmp.improved) == ("drifted", False)


def test_lower_is_better_drifted_better() -> None:
    cmp = compare_scores(make_score("loss", 0.31), make_score("loss", 0.20))
    assert (cmp.verdict, cmp.improved) == ("drifted", True)


def test_percent_reference_fraction_today() -> None:
    cmp = compare_scores(make_score("accuracy", 93.1, percent=True), make_score("accuracy", 0.925))
    assert cmp.difference == pytest.approx(92.5 - 93.1)  # in the reference's percent units
    assert cmp.relative == pytest.approx(0.6 / 93.1)
    assert cmp.verdict == "within"


def test_fraction_reference_percent_today_equal() -> None:
    cmp = compare_scores(make_score("accuracy", 0.931), make_score("accuracy", 93.1, percent=True))
    assert cmp.difference == 0.0
    assert (cmp.verdict, cmp.improved) == ("within", False)


def test_unsigned_percent_scale_accuracy_vs_fraction() -> None:
    # "Accuracy: 93.1" (no % sign) cannot be a 0..1 accuracy, so it is a percentage
    cmp = compare_scores(make_score("accuracy", 93.1), make_score("accuracy", 0.70))
    assert cmp.difference == pytest.approx(70.0 - 93.1)
    assert cmp.verdict == "drifted"


def test_unbounded_metrics_are_not_rescaled() -> None:
    cmp = compare_scores(make_score("loss", 50.0), make_score("loss", 0.5))
    assert cmp.difference == pytest.approx(-49.5)
    assert cmp.verdict == "drifted"


def test_target_fraction_vs_printed_percent_today() -> None:
    target = reference_score(FIT_CELLS, metric="Test acc", target=0.9)
    assert target is not None
    cmp = compare_scores(target, make_score("test accuracy", 93.0, percent=True))
    assert cmp.difference == pytest.approx(0.03)
    assert (cmp.verdict, cmp.improved) == ("within", True)


def test_custom_tolerance() -> None:
    cmp = compare_scores(make_score("accuracy", 0.93), make_score("accuracy", 0.91), tolerance=0.01)
    assert cmp.verdict == "drifted"  # 2.15 % > 1 %
    assert cmp.tolerance == 0.01


def test_relative_difference_exactly_at_tolerance_is_within() -> None:
    cmp = compare_scores(make_score("accuracy", 1.0), make_score("accuracy", 0.9), tolerance=0.1)
    assert cmp.verdict == "within"


def test_negative_reference_neg_mse() -> None:
    cmp = compare_scores(make_score("cv score", -0.45), make_score("cv score", -0.50))
    assert cmp.difference == pytest.approx(-0.05)
    assert cmp.relative == pytest.approx(0.05 / 0.45)
    assert (cmp.verdict, cmp.improved) == ("drifted", False)


def test_zero_reference_any_change_is_drift() -> None:
    cmp = compare_scores(make_score("error", 0.0), make_score("error", 0.1))
    assert cmp.relative == math.inf
    assert (cmp.verdict, cmp.improved) == ("drifted", False)


def test_no_reference() -> None:
    cmp = compare_scores(None, make_score("accuracy", 0.9))
    assert (cmp.verdict, cmp.difference, cmp.relative, cmp.improved) == ("no reference", None, None, None)


def test_not_produced_yet() -> None:
    ref = make_score("accuracy", 0.9)
    cmp = compare_scores(ref, None)
    assert (cmp.verdict, cmp.reference, cmp.today, cmp.improved) == ("not produced yet", ref, None, None)


def test_negative_tolerance_rejected() -> None:
    with pytest.raises(ValueError):
        compare_scores(make_score("accuracy", 0.9), make_score("accuracy", 0.9), tolerance=-0.1)


def test_end_to_end_stored_versus_rerun_notebook() -> None:
    stored = [
        markdown("# Iris"),
        code(
            "scores = cross_val_score(clf, X, y, cv=5)\n"
            'print("Accuracy: %0.2f (+/- %0.2f)" % (scores.mean(), scores.std() * 2))',
            stream("Accuracy: 0.98 (+/- 0.03)\n"),
            cell_id="cv",
        ),
    ]
    rerun = [
        markdown("# Iris"),
        code(stored[1]["source"], stream("Accuracy: 0.86 (+/- 0.05)\n"), cell_id="cv"),
    ]
    ref = reference_score(stored)
    assert ref is not None
    cmp = compare_scores(ref, todays_score(ref, rerun))
    assert cmp.verdict == "drifted"  # 0.12 / 0.98 > 0.10
    assert cmp.difference == pytest.approx(-0.12)
    assert cmp.improved is False


def test_series_repr_with_metric_like_index_is_not_a_score() -> None:
    """Feature importances indexed by names like "area error" are data, not an error metric."""
    series_repr = "worst radius            0.141422\narea error              0.055962\nmean radius    0.063081"
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "Accuracy: 0.9510\n"},
        {"output_type": "execute_result", "data": {"text/plain": series_repr}, "metadata": {}, "execution_count": 7},
    ]
    found = extract_scores(outputs, "importances.head(10)")
    assert [(s.name, s.value) for s in found] == [("accuracy", 0.951)]


def test_a_line_keeps_its_shape_across_thousands_and_percent_signs() -> None:
    # line_shape once used a later, narrower number pattern of the same module-level name:
    # "1,234" read as two numbers and "93.1%" kept its sign, so these lines did not pair up.
    assert line_shape("Samples: 1,234 accuracy 93.1%") == line_shape("Samples: 987 accuracy 90%")
    assert line_shape("accuracy   0.97   171") != line_shape("Accuracy: 0.97")
