"""Keras 2 -> Keras 3 (also ``tf.keras`` from TensorFlow 2.16), and Keras 1 leftovers."""

from __future__ import annotations

from mlemod_tui.assist.rules import keras_fixes as kx
from mlemod_tui.assist.rules.cst_tools import (
    Callee,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, kwargs, moved
from mlemod_tui.assist.rules.sklearn_fixes import FlagOnly

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


_LAYER_MODULES = (
    "core",
    "convolutional",
    "normalization",
    "recurrent",
    "pooling",
    "embeddings",
    "merge",
    "advanced_activations",
    "wrappers",
    "noise",
    "local",
)


def _keras_moves(old: str, new: str) -> dict[str, str]:
    return {old: new, f"tensorflow.{old}": f"tensorflow.{new}"}


RULES: list[Rule] = [
    Rule(
        id="keras-layers-core",
        library="keras",
        changed_in="Keras 3",
        kind="crash",
        summary="`keras.layers.core`, `.convolutional`, `.recurrent`... are gone",
        replacement="`from keras.layers import Dense, Dropout`",
        triggers=(r"layers\.(?:" + "|".join(_LAYER_MODULES) + r")\b",),
        transformer=moved(
            {
                k: v
                for m in _LAYER_MODULES
                for k, v in _keras_moves(f"keras.layers.{m}", "keras.layers").items()
            }
        ),
        crash=Crash(
            ("ModuleNotFoundError",), r"No module named '(?:tensorflow\.)?keras\.layers\.\w+'"
        ),
    ),
    Rule(
        id="keras-engine-topology",
        library="keras",
        changed_in="Keras 3",
        kind="crash",
        summary="`keras.engine` is gone",
        replacement="`from keras.layers import Layer`",
        triggers=(r"keras\.engine",),
        transformer=moved(
            {
                **_keras_moves("keras.engine.topology", "keras.layers"),
                **_keras_moves("keras.engine.base_layer", "keras.layers"),
                **_keras_moves("keras.engine", "keras.layers"),
            }
        ),
        crash=Crash(("ModuleNotFoundError",), r"No module named '(?:tensorflow\.)?keras\.engine"),
    ),
    Rule(
        id="keras-np-utils",
        library="keras",
        changed_in="Keras 3",
        kind="crash",
        summary="`keras.utils.np_utils` is gone",
        replacement="`from keras.utils import to_categorical`",
        triggers=(r"np_utils",),
        transformer=moved(_keras_moves("keras.utils.np_utils", "keras.utils")),
        crash=Crash(("ImportError", "ModuleNotFoundError"), r"np_utils"),
    ),
    Rule(
        id="keras-optimizer-lr",
        library="keras",
        changed_in="Keras 3 (warned since tf.keras 2.3)",
        kind="crash",
        summary="optimizers no longer accept `lr=`",
        replacement="`Adam(learning_rate=1e-3)`",
        triggers=(r"[(,]\s*lr\s*=",),
        transformer=kwargs(kx.OPT_CALLEE, rename={"lr": "learning_rate"}, guard=kx.not_torch),
        crash=Crash(
            ("ValueError", "TypeError"),
            r"Argument\(s\) not recognized: \{'lr'|unexpected keyword argument 'lr'",
        ),
    ),
    Rule(
        id="keras-sgd-decay",
        library="keras",
        changed_in="Keras 3 / tf.keras 2.11",
        kind="silent-score-change",
        summary="optimizers ignore `decay=` now: the learning rate no longer decays",
        replacement="`SGD(learning_rate=keras.optimizers.schedules.InverseTimeDecay(0.01, "
        "decay_steps=1, decay_rate=1e-6))`",
        triggers=(r"\bdecay\s*=",),
        transformer=factory(kx.SgdDecay),
    ),
    Rule(
        id="keras-fit-generator",
        library="keras",
        changed_in="Keras 3 (deprecated tf.keras 2.1)",
        kind="crash",
        summary="`fit_generator` / `evaluate_generator` / `predict_generator` were removed",
        replacement="`model.fit(gen, steps_per_epoch=...)`",
        triggers=(r"(?:fit|evaluate|predict)_generator\(",),
        transformer=factory(kx.FitGenerator),
        crash=Crash(("AttributeError",), r"has no attribute '(?:fit|evaluate|predict)_generator'"),
    ),
    Rule(
        id="keras-predict-classes",
        library="keras",
        changed_in="tf.keras 2.6 / Keras 3",
        kind="crash",
        summary="`predict_classes` / `predict_proba` were removed from models",
        replacement="`model.predict(X).argmax(axis=1)` (softmax) or "
        "`(model.predict(X) > 0.5).astype('int32')` (sigmoid)",
        triggers=(r"predict_(?:classes|proba)\(",),
        transformer=factory(kx.PredictClasses),
        crash=Crash(("AttributeError",), r"object has no attribute 'predict_(?:classes|proba)'"),
        hint="Use `.argmax(axis=-1)` for a softmax output, `> 0.5` for a single sigmoid unit.",
    ),
    Rule(
        id="keras-image-data-generator",
        library="keras",
        changed_in="Keras 3 (deprecated tf.keras 2.9)",
        kind="crash",
        summary="`ImageDataGenerator` is gone",
        replacement="`keras.utils.image_dataset_from_directory` + augmentation layers",
        triggers=(r"ImageDataGenerator",),
        transformer=factory(FlagOnly, names=frozenset({"ImageDataGenerator"})),
        crash=Crash(("ImportError", "AttributeError"), r"ImageDataGenerator"),
        hint="Load with `keras.utils.image_dataset_from_directory(path, image_size=...)` and put "
        "`layers.Rescaling(1/255)`, `layers.RandomFlip()`, `layers.RandomRotation(0.1)` in the model; "
        "or `pip install tf_keras` and use its legacy generator.",
    ),
    Rule(
        id="keras-text-tokenizer",
        library="keras",
        changed_in="Keras 3",
        kind="crash",
        summary="`keras.preprocessing.text` is gone; `pad_sequences` moved to `keras.utils`",
        replacement="`keras.layers.TextVectorization`; `from keras.utils import pad_sequences`",
        triggers=(r"preprocessing\.(?:text|sequence)",),
        transformer=factory(
            kx.TokenizerAndPadSequences,
            moves={
                **_keras_moves(
                    "keras.preprocessing.sequence.pad_sequences", "keras.utils.pad_sequences"
                ),
            },
            only={},
        ),
        crash=Crash(
            ("ModuleNotFoundError", "ImportError"), r"keras\.preprocessing\.(?:text|sequence)"
        ),
        hint="`Tokenizer` has no drop-in successor: `keras.layers.TextVectorization(max_tokens=..., "
        "output_sequence_length=...)` with `.adapt(texts)` does the job.",
    ),
    Rule(
        id="keras-wrappers-scikit-learn",
        library="keras",
        changed_in="Keras 3 (tf.keras 2.12)",
        kind="crash",
        summary="`keras.wrappers.scikit_learn` is gone",
        replacement="`from scikeras.wrappers import KerasClassifier` (pip install scikeras)",
        triggers=(r"wrappers\.scikit_learn",),
        transformer=moved(
            {
                "keras.wrappers.scikit_learn": "scikeras.wrappers",
                "tensorflow.keras.wrappers.scikit_learn": "scikeras.wrappers",
            }
        ),
        crash=Crash(("ModuleNotFoundError",), r"wrappers\.scikit_learn"),
        hint="`pip install scikeras`; it takes `model=` (the old `build_fn=` still works with a "
        "warning) and routes model arguments as `model__units=...`.",
    ),
    Rule(
        id="keras-nb-epoch",
        library="keras",
        changed_in="Keras 2.0 rename; error in Keras 3",
        kind="crash",
        summary="`fit(nb_epoch=)` was renamed `epochs=`",
        replacement="`model.fit(X, y, epochs=10)`",
        triggers=(r"nb_epoch",),
        transformer=kwargs(
            Callee.of("fit", "fit_generator", methods_only=True), rename={"nb_epoch": "epochs"}
        ),
        crash=Crash(("TypeError",), r"unexpected keyword argument 'nb_epoch'"),
    ),
    Rule(
        id="keras1-layer-kwargs",
        library="keras",
        changed_in="Keras 2.0 rename; error in Keras 3",
        kind="crash",
        summary="Keras 1 layer arguments (`init=`, `border_mode=`, `Conv2D(32, 3, 3)`, "
        "`Dropout(p=)`) are gone",
        replacement="`kernel_initializer=`, `padding=`, `Conv2D(32, (3, 3))`, `Dropout(rate=)`",
        triggers=(
            r"\binit\s*=|border_mode|subsample|W_regularizer|b_regularizer|nb_filter|output_dim|"
            r"dim_ordering|Convolution[123]D|Conv2D\(\s*\w+\s*,\s*\w+\s*,\s*\w+\s*[,)]|Dropout\(\s*p\s*=",
        ),
        transformer=factory(kx.Keras1LayerKwargs),
        crash=Crash(
            ("ValueError", "TypeError"),
            r"Unrecognized keyword arguments passed to \w+|"
            r"unexpected keyword argument '(?:init|border_mode|p|subsample)'",
        ),
    ),
    Rule(
        id="keras-history-acc-key",
        library="keras",
        changed_in="tf.keras 2.0 / Keras 2.3",
        kind="crash",
        summary="the history key follows the metric's name: `accuracy`, not `acc`",
        replacement="`history.history['accuracy']` / `['val_accuracy']`",
        triggers=(r"['\"](?:val_)?acc['\"]",),
        transformer=factory(kx.HistoryAccKey),
        crash=Crash(("KeyError",), r"^'(?:val_)?acc'$"),
    ),
    Rule(
        id="keras-optimizer-lr-attr",
        library="keras",
        changed_in="Keras 3",
        kind="crash",
        summary="optimizers lost the `.lr` attribute",
        replacement="`model.optimizer.learning_rate = 1e-4`",
        triggers=(r"\.lr\b",),
        transformer=factory(kx.OptimizerLrAttr),
        crash=Crash(("AttributeError",), r"object has no attribute 'lr'"),
    ),
    Rule(
        id="keras-save-weights-h5",
        library="keras",
        changed_in="Keras 3",
        kind="crash",
        summary="`save_weights` needs a file name ending in `.weights.h5`",
        replacement="`model.save_weights('model.weights.h5')`",
        triggers=(r"save_weights|load_weights",),
        transformer=factory(kx.SaveWeightsH5),
        crash=Crash(("ValueError",), r"The filename must end in `\.weights\.h5`"),
    ),
    Rule(
        id="keras-modelcheckpoint-hdf5",
        library="keras",
        changed_in="Keras 3",
        kind="crash",
        summary="`ModelCheckpoint` saves whole models only as `.keras` files",
        replacement="`ModelCheckpoint('best.keras')` or `('best.weights.h5', save_weights_only=True)`",
        triggers=(r"ModelCheckpoint|load_model",),
        transformer=factory(kx.ModelCheckpointPath),
        crash=Crash(("ValueError",), r"must end in `\.keras`"),
    ),
]
