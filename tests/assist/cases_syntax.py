"""Libraries not installed here (keras, tensorflow, torch, xgboost, lightgbm): the rewrite is
checked on the syntax tree, and simulated crash messages (from the catalogue) must map back."""

from __future__ import annotations

from tests.assist.case import Case

K = "import numpy as np\nimport keras\n"
XGB = "import xgboost as xgb\nmodel = xgb.XGBClassifier()\n"
LGB = "import lightgbm as lgb\nclf = lgb.LGBMClassifier()\n"


def syntax(*args, **kwargs) -> Case:  # type: ignore[no-untyped-def]
    return Case(*args, syntax_only=True, **kwargs)


SYNTAX_ONLY = [
    # keras
    syntax(
        "keras-layers-core",
        "from keras.layers.core import Dense, Dropout",
        "from keras.layers import Dense, Dropout",
        error=("ModuleNotFoundError", "No module named 'keras.layers.core'"),
    ),
    syntax(
        "keras-layers-core",
        "from tensorflow.keras.layers.convolutional import Conv2D",
        "from tensorflow.keras.layers import Conv2D",
        name="tf",
    ),
    syntax(
        "keras-engine-topology",
        "from keras.engine.topology import Layer",
        "from keras.layers import Layer",
        error=("ModuleNotFoundError", "No module named 'keras.engine'"),
    ),
    syntax(
        "keras-np-utils",
        "from keras.utils import np_utils\nY = np_utils.to_categorical(y)",
        "from keras import utils\nY = utils.to_categorical(y)",
        error=("ImportError", "cannot import name 'np_utils' from 'keras.utils'"),
    ),
    syntax(
        "keras-optimizer-lr",
        "from keras.optimizers import Adam\nopt = Adam(lr=1e-3)",
        "from keras.optimizers import Adam\nopt = Adam(learning_rate=1e-3)",
        error=("ValueError", "Argument(s) not recognized: {'lr': 0.001}"),
    ),
    syntax(
        "keras-sgd-decay",
        "from keras.optimizers import SGD\nopt = SGD(lr=0.01, decay=1e-6, momentum=0.9)",
        "from keras.optimizers import SGD\nimport keras\nopt = SGD(learning_rate=keras.optimizers."
        "schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=1e-6), momentum=0.9)",
    ),
    syntax(
        "keras-fit-generator",
        "model.fit_generator(gen, steps_per_epoch=10, nb_epoch=5, workers=4)",
        "model.fit(gen, steps_per_epoch=10, epochs=5)",
        K,
        error=("AttributeError", "'Sequential' object has no attribute 'fit_generator'"),
    ),
    syntax(
        "keras-predict-classes",
        "pred = model.predict_classes(X)",
        "pred = model.predict(X).argmax(axis=-1)",
        K + "model.add(keras.layers.Dense(10, activation='softmax'))\n",
        error=("AttributeError", "'Sequential' object has no attribute 'predict_classes'"),
    ),
    syntax(
        "keras-image-data-generator",
        "from keras.preprocessing.image import ImageDataGenerator",
        None,
        error=("ImportError", "cannot import name 'ImageDataGenerator'"),
    ),
    syntax(
        "keras-text-tokenizer",
        "from keras.preprocessing.sequence import pad_sequences",
        "from keras.utils import pad_sequences",
        error=("ModuleNotFoundError", "No module named 'keras.preprocessing.sequence'"),
    ),
    syntax(
        "keras-text-tokenizer",
        "from keras.preprocessing.text import Tokenizer",
        None,
        error=("ModuleNotFoundError", "No module named 'keras.preprocessing.text'"),
        name="tokenizer",
    ),
    syntax(
        "keras-wrappers-scikit-learn",
        "from keras.wrappers.scikit_learn import KerasClassifier",
        "from scikeras.wrappers import KerasClassifier",
        error=("ModuleNotFoundError", "No module named 'keras.wrappers.scikit_learn'"),
    ),
    syntax(
        "keras-nb-epoch",
        "model.fit(X, y, nb_epoch=10, batch_size=32)",
        "model.fit(X, y, epochs=10, batch_size=32)",
        K,
        error=("TypeError", "JAXTrainer.fit() got an unexpected keyword argument 'nb_epoch'"),
    ),
    syntax(
        "keras1-layer-kwargs",
        "model.add(Convolution2D(32, 3, 3, border_mode='same', init='he_normal'))\nmodel.add(Dropout(p=0.5))",
        "model.add(Conv2D(32, (3, 3), padding='same', kernel_initializer='he_normal'))\nmodel.add(Dropout(rate=0.5))",
        "from keras.layers import Convolution2D, Dropout, Conv2D\n",
        error=("ValueError", "Unrecognized keyword arguments passed to Dense: {'init': 'uniform'}"),
    ),
    syntax(
        "keras-history-acc-key",
        "plt.plot(history.history['acc'])\nplt.plot(history.history['val_acc'])",
        "plt.plot(history.history['accuracy'])\nplt.plot(history.history['val_accuracy'])",
        K,
        error=("KeyError", "'acc'"),
    ),
    syntax(
        "keras-optimizer-lr-attr",
        "K.set_value(model.optimizer.lr, 1e-4)\nprint(K.get_value(model.optimizer.lr))",
        "model.optimizer.learning_rate = 1e-4\nprint(float(model.optimizer.learning_rate))",
        "from keras import backend as K\n",
        error=("AttributeError", "'Adam' object has no attribute 'lr'"),
    ),
    syntax(
        "keras-save-weights-h5",
        "model.save_weights('model.h5')\nmodel.load_weights('model.h5')",
        "model.save_weights('model.weights.h5')\nmodel.load_weights('model.weights.h5')",
        K,
        error=(
            "ValueError",
            "The filename must end in `.weights.h5`. Received: filepath=<tmp>/w.h5",
        ),
    ),
    syntax(
        "keras-modelcheckpoint-hdf5",
        "cb = ModelCheckpoint('best.hdf5', save_best_only=True)\nm = load_model('best.hdf5')",
        "cb = ModelCheckpoint('best.keras', save_best_only=True)\nm = load_model('best.keras')",
        "from keras.callbacks import ModelCheckpoint\nfrom keras.models import load_model\n",
        error=(
            "ValueError",
            "The filepath provided must end in `.keras` (Keras model format). Received: filepath=<tmp>/best.hdf5",
        ),
    ),
    # tensorflow
    syntax(
        "tf-session",
        "sess = tf.Session()\nout = sess.run(y)",
        None,
        "import tensorflow as tf\n",
        error=("AttributeError", "module 'tensorflow' has no attribute 'Session'"),
    ),
    syntax(
        "tf-placeholder",
        "x = tf.placeholder(tf.float32, [None, 784])",
        None,
        "import tensorflow as tf\n",
        error=("AttributeError", "module 'tensorflow' has no attribute 'placeholder'"),
    ),
    syntax(
        "tf-set-random-seed",
        "tf.set_random_seed(42)",
        "tf.random.set_seed(42)",
        "import tensorflow as tf\n",
        error=("AttributeError", "module 'tensorflow' has no attribute 'set_random_seed'"),
    ),
    syntax(
        "tf-contrib",
        "init = tf.contrib.layers.xavier_initializer()",
        "init = tf.keras.initializers.GlorotUniform()",
        "import tensorflow as tf\n",
        error=("AttributeError", "module 'tensorflow' has no attribute 'contrib'"),
    ),
    # torch
    syntax(
        "torch-data0-scalar",
        "total += loss.data[0]",
        "total += loss.item()",
        "import torch\n",
        error=("IndexError", "invalid index of a 0-dim tensor. Use `tensor.item()`"),
    ),
    syntax(
        "torch-load-weights-only",
        "model = torch.load('model.pth')",
        "model = torch.load('model.pth', weights_only=False)",
        "import torch\n",
        error=("UnpicklingError", "Weights only load failed. This file can still be loaded"),
    ),
    syntax(
        "torchvision-pretrained",
        "model = models.resnet50(pretrained=True)",
        "model = models.resnet50(weights=models.ResNet50_Weights.IMAGENET1K_V1)",
        "from torchvision import models\n",
    ),
    syntax(
        "torchvision-transforms-scale",
        "t = transforms.Compose([transforms.Scale(256)])",
        "t = transforms.Compose([transforms.Resize(256)])",
        "from torchvision import transforms\n",
        error=("AttributeError", "module 'torchvision.transforms' has no attribute 'Scale'"),
    ),
    syntax(
        "torch-size-average",
        "crit = nn.CrossEntropyLoss(size_average=False)",
        "crit = nn.CrossEntropyLoss(reduction='sum')",
        "import torch.nn as nn\n",
    ),
    # xgboost
    syntax(
        "xgb-fit-early-stopping",
        "model.fit(X, y, eval_set=[(Xv, yv)], early_stopping_rounds=10)",
        "model.set_params(early_stopping_rounds=10)\nmodel.fit(X, y, eval_set=[(Xv, yv)])",
        XGB,
        error=(
            "TypeError",
            "XGBClassifier.fit() got an unexpected keyword argument 'early_stopping_rounds'",
        ),
    ),
    syntax(
        "xgb-fit-eval-metric",
        "m = xgb.XGBClassifier(n_estimators=10).fit(X, y, eval_metric='auc')",
        "m = xgb.XGBClassifier(n_estimators=10, eval_metric='auc').fit(X, y)",
        XGB,
        error=("TypeError", "XGBClassifier.fit() got an unexpected keyword argument 'eval_metric'"),
    ),
    syntax(
        "xgb-gpu-id",
        "m = xgb.XGBClassifier(gpu_id=0)",
        "m = xgb.XGBClassifier(device='cuda:0')",
        XGB,
        error=(
            "XGBoostError",
            "[02:24:10] /__w/xgboost/xgboost/src/context.cc:253: `gpu_id` has been removed since 3.1. "
            "Use `device` instead.",
        ),
    ),
    syntax(
        "xgb-gpu-hist",
        "m = xgb.XGBClassifier(tree_method='gpu_hist')",
        "m = xgb.XGBClassifier(tree_method='hist', device='cuda')",
        XGB,
        error=(
            "XGBoostError",
            "Invalid Input: 'gpu_hist', valid values are: {'approx', 'auto', 'exact', 'hist'}",
        ),
    ),
    syntax(
        "xgb-gpu-hist",
        "params = {'tree_method': 'gpu_hist', 'max_depth': 3}",
        "params = {'tree_method': 'hist', 'device': 'cuda', 'max_depth': 3}",
        XGB,
        name="dict",
    ),
    syntax(
        "xgb-label-classes",
        "model.fit(X, y)",
        None,
        XGB,
        error=(
            "ValueError",
            "Invalid classes inferred from unique values of `y`.  Expected: [0 1], got [1 2]",
        ),
    ),
    syntax(
        "xgb-ntree-limit",
        "p = model.predict(Xt, ntree_limit=model.best_ntree_limit)",
        "p = model.predict(Xt, iteration_range=(0, model.best_iteration + 1))",
        XGB,
        error=(
            "TypeError",
            "XGBClassifier.predict() got an unexpected keyword argument 'ntree_limit'",
        ),
    ),
    syntax(
        "xgb-use-label-encoder",
        "m = xgb.XGBClassifier(use_label_encoder=False, n_estimators=10)",
        "m = xgb.XGBClassifier(n_estimators=10)",
        XGB,
    ),
    syntax(
        "xgb-default-tree-method",
        "m = xgb.XGBRegressor(n_estimators=10)",
        "m = xgb.XGBRegressor(n_estimators=10, tree_method='exact')",
        XGB,
    ),
    # lightgbm
    syntax(
        "lgb-train-early-stopping",
        "bst = lgb.train(params, dtrain, valid_sets=[dval], early_stopping_rounds=50)",
        "bst = lgb.train(params, dtrain, valid_sets=[dval], callbacks=[lgb.early_stopping(50)])",
        LGB,
        error=("TypeError", "train() got an unexpected keyword argument 'early_stopping_rounds'"),
    ),
    syntax(
        "lgb-train-verbose-eval",
        "bst = lgb.train(params, dtrain, verbose_eval=100, callbacks=[cb])",
        "bst = lgb.train(params, dtrain, callbacks=[cb, lgb.log_evaluation(100)])",
        LGB,
        error=("TypeError", "train() got an unexpected keyword argument 'verbose_eval'"),
    ),
    syntax(
        "lgb-train-evals-result",
        "bst = lgb.train(params, dtrain, evals_result=hist)",
        "bst = lgb.train(params, dtrain, callbacks=[lgb.record_evaluation(hist)])",
        LGB,
        error=("TypeError", "train() got an unexpected keyword argument 'evals_result'"),
    ),
    syntax(
        "lgb-fit-early-stopping",
        "clf.fit(X, y, eval_set=[(Xv, yv)], early_stopping_rounds=50)",
        "clf.fit(X, y, eval_set=[(Xv, yv)], callbacks=[lgb.early_stopping(50)])",
        LGB,
        error=(
            "TypeError",
            "LGBMClassifier.fit() got an unexpected keyword argument 'early_stopping_rounds'",
        ),
    ),
    syntax(
        "lgb-fit-verbose",
        "clf.fit(X, y, verbose=False)",
        "clf.fit(X, y)",
        LGB,
        error=("TypeError", "LGBMClassifier.fit() got an unexpected keyword argument 'verbose'"),
    ),
    syntax(
        "lgb-cv-result-keys",
        "res = lgb.cv(params, dtrain)\nbest = res['auc-mean'][-1]",
        "res = lgb.cv(params, dtrain)\nbest = res['valid auc-mean'][-1]",
        LGB,
        error=("KeyError", "'auc-mean'"),
    ),
    syntax(
        "lgb-fit-eval-set",
        "clf.fit(X, y, eval_set=[(Xv, yv)])",
        "clf.fit(X, y, eval_X=(Xv,), eval_y=(yv,))",
        LGB,
    ),
]
