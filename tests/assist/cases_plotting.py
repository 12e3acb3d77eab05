"""matplotlib and seaborn cases, drawn on the Agg backend."""

from __future__ import annotations

from tests.assist.case import Case

M = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport numpy as np\n"
S = M + (
    "import pandas as pd\nimport seaborn as sns\n"
    "tips = pd.DataFrame({'day': ['a', 'b', 'a', 'b'], 'tip': [1.0, 2.0, 3.0, 4.5], "
    "'sex': ['m', 'f', 'f', 'm']})\n"
)

MATPLOTLIB = [
    Case(
        "mpl-rcparams-from-data",
        "matplotlib.rcParams.update(style)\nlw = matplotlib.rcParams['lines.linewidth']\n"
        "colors = matplotlib.rcParams['axes.prop_cycle'].by_key()['color']",
        "matplotlib.rcParams.update({('axes.prop_cycle' if k == 'axes.color_cycle' else k): "
        "(matplotlib.cycler(color=v) if k == 'axes.color_cycle' else v) for k, v in style.items() "
        "if k in matplotlib.rcParams or k == 'axes.color_cycle'})\n"
        "lw = matplotlib.rcParams['lines.linewidth']\n"
        "colors = matplotlib.rcParams['axes.prop_cycle'].by_key()['color']",
        M + "style = {'lines.linewidth': 3.0, 'axes.color_cycle': ['#348ABD', '#A60628'], "
        "'examples.directory': ''}\n",
        error=("KeyError", "is not a valid value for rcParam"),
        check="lw == 3.0 and colors == ['#348ABD', '#A60628']",
    ),
    Case(
        "mpl-mlab-normpdf",
        "from matplotlib.mlab import normpdf\ny = normpdf(np.array([0.0]), 0, 1)",
        "from scipy.stats import norm\ny = norm.pdf(np.array([0.0]), 0, 1)",
        M,
        error=("ImportError", "cannot import name 'normpdf'"),
        check="abs(y[0] - 0.3989) < 1e-3",
        name="from-import",
    ),
    Case(
        "mpl-subplot-float-size",
        "n = 4 / 2\nfor i in range(4):\n    ax = plt.subplot(n, 2, i + 1)",
        "n = 4 / 2\nfor i in range(4):\n    ax = plt.subplot(int(n), 2, i + 1)",
        M,
        error=("ValueError", "Number of rows must be a positive integer, not 2.0"),
        check="ax.get_subplotspec().get_geometry() == (2, 2, 3, 3)",
    ),
    Case(
        "mpl-subplot-float-size",
        "fig = plt.figure()\nax = fig.add_subplot(2, 4 / 2, 1)",
        "fig = plt.figure()\nax = fig.add_subplot(2, int(4 / 2), 1)",
        M,
        error=("ValueError", "Number of columns must be a positive integer"),
        check="ax.get_subplotspec().get_geometry()[:2] == (2, 2)",
        name="columns",
    ),
    Case(
        "mpl-scatter-empty-colour",
        "pc = plt.scatter([1, 2], [3, 4], c='', edgecolor='black')",
        "pc = plt.scatter([1, 2], [3, 4], facecolors='none', edgecolor='black')",
        M,
        error=("ValueError", "'c' argument must be a color"),
        check="len(pc.get_facecolors()) == 0 or pc.get_facecolors()[0][3] == 0",
    ),
    Case(
        "mpl-ticklabels-count",
        "ax = plt.gca()\nax.yaxis.set_ticks(np.arange(0, 5))\n"
        "ax.yaxis.set_ticklabels(['min', 2, 4, 'max'])",
        "ax = plt.gca()\nax.yaxis.set_ticks(np.arange(0, 5))\n"
        "ax.yaxis.set_ticklabels(['min', 2, 4, 'max', ''])",
        M,
        error=("ValueError", "The number of FixedLocator locations (5)"),
        check="[t.get_text() for t in ax.get_yticklabels()] == ['min', '2', '4', 'max', '']",
    ),
    Case(
        "mpl-ticklabels-count",
        "ax = plt.gca()\nax.set_xticks([0, 1])\nnames = ['a', 'b', 'c']\nax.set_xticklabels(names)",
        "ax = plt.gca()\nax.set_xticks([0, 1])\nnames = ['a', 'b', 'c']\n"
        "ax.set_xticklabels(list(names)[:2])",
        M,
        error=("ValueError", "does not match the number of labels (3)"),
        check="[t.get_text() for t in ax.get_xticklabels()] == ['a', 'b']",
        name="surplus",
    ),
    Case(
        "mpl-animation-blit-returns",
        "from matplotlib import animation\nfig, ax = plt.subplots()\nline, = ax.plot([], [])\n"
        "def init():\n    line.set_data([], [])\n"
        "def update(n):\n    line.set_data([0, n], [0, n])\n"
        "anim = animation.FuncAnimation(fig, update, init_func=init, frames=3, blit=True)\n"
        "fig.canvas.draw()",
        "from matplotlib import animation\nfig, ax = plt.subplots()\nline, = ax.plot([], [])\n"
        "def init():\n    line.set_data([], [])\n"
        "def update(n):\n    line.set_data([0, n], [0, n])\n"
        "anim = animation.FuncAnimation(fig, update, init_func=init, frames=3, blit=False)\n"
        "fig.canvas.draw()",
        M,
        error=("RuntimeError", "When blit=True, the init_func must return"),
        check="anim._blit is False",
    ),
    Case(
        "mpl-ticklabels-count",
        "names = ['a', 'b', 'c']\nlocs, shown = plt.xticks(range(2), [n.upper() for n in names], rotation=90)",
        "names = ['a', 'b', 'c']\n"
        "locs, shown = plt.xticks(range(2), list([n.upper() for n in names])[:2], rotation=90)",
        M,
        error=("ValueError", "does not match the number of labels (3)"),
        check="[t.get_text() for t in shown] == ['A', 'B']",
        name="xticks",
    ),
    Case(
        "mpl-pcolor-array-2d",
        "img = plt.gca().pcolor(np.arange(4.0).reshape(2, 2))\n"
        "labels = ['%0.1f' % v for p, v in zip(img.get_paths(), img.get_array())]",
        "img = plt.gca().pcolor(np.arange(4.0).reshape(2, 2))\n"
        "labels = ['%0.1f' % v for p, v in zip(img.get_paths(), img.get_array().ravel())]",
        M,
        error=("TypeError", "Only length-1 arrays can be converted to Python scalars"),
        check="labels == ['0.0', '1.0', '2.0', '3.0']",
    ),
    Case(
        "mpl-style-seaborn",
        "plt.style.use('seaborn-whitegrid')",
        "plt.style.use('seaborn-v0_8-whitegrid')",
        M,
        error=("OSError", "'seaborn-whitegrid' is not a valid package style"),
    ),
    Case(
        "mpl-style-seaborn",
        "plt.style.use(['seaborn', 'seaborn-talk'])",
        "plt.style.use(['seaborn-v0_8', 'seaborn-v0_8-talk'])",
        M,
        error=("OSError", "is not a valid package style"),
        name="list",
    ),
    Case(
        "mpl-hist-normed",
        "plt.hist([1, 2, 2, 3], normed=True)",
        "plt.hist([1, 2, 2, 3], density=True)",
        M,
        error=("AttributeError", "unexpected keyword argument 'normed'"),
    ),
    Case(
        "mpl-cm-get-cmap",
        "cmap = cm.get_cmap('viridis')",
        "cmap = plt.get_cmap('viridis')",
        M + "import matplotlib.cm as cm\n",
        error=("AttributeError", "has no attribute 'get_cmap'"),
        check="cmap.name == 'viridis'",
    ),
    Case(
        "mpl-cm-get-cmap",
        "cmap = plt.cm.get_cmap('viridis', 5)",
        "cmap = plt.get_cmap('viridis', 5)",
        M,
        error=("AttributeError", "has no attribute 'get_cmap'"),
        check="cmap.N == 5",
        name="pyplot",
    ),
    Case(
        "mpl-color-cycle",
        "plt.rcParams['axes.color_cycle'] = ['r', 'g']\nfirst = plt.rcParams['axes.prop_cycle'].by_key()['color'][0]",
        "plt.rcParams['axes.prop_cycle'] = matplotlib.cycler(color=['r', 'g'])\n"
        "first = plt.rcParams['axes.prop_cycle'].by_key()['color'][0]",
        M,
        error=("KeyError", "'axes.color_cycle' is not a valid value for rcParam"),
        check="first == 'r'",
    ),
    Case(
        "mpl-set-axis-bgcolor",
        "fig, ax = plt.subplots()\nax.set_axis_bgcolor('w')",
        "fig, ax = plt.subplots()\nax.set_facecolor('w')",
        M,
        error=("AttributeError", "set_axis_bgcolor"),
    ),
    Case(
        "mpl-gca-projection",
        "fig = plt.figure()\nax = fig.gca(projection='3d')",
        "fig = plt.figure()\nax = fig.add_subplot(projection='3d')",
        M,
        error=("TypeError", "unexpected keyword argument 'projection'"),
        check="ax.name == '3d'",
    ),
    Case(
        "mpl-axes3d-fig",
        "fig = plt.figure()\nax = Axes3D(fig)",
        "fig = plt.figure()\nax = fig.add_subplot(projection='3d')",
        M + "from mpl_toolkits.mplot3d import Axes3D\n",
        check="len(fig.axes) == 1",
    ),
    Case(
        "mpl-mlab-normpdf",
        "y = mlab.normpdf(np.array([0.0, 1.0]), 0, 1)",
        "from scipy.stats import norm\ny = norm.pdf(np.array([0.0, 1.0]), 0, 1)",
        M + "import matplotlib.mlab as mlab\n",
        error=("AttributeError", "has no attribute 'normpdf'"),
        check="abs(y[0] - 0.3989) < 1e-4",
    ),
    Case(
        "mpl-grid-b",
        "plt.grid(b=True)",
        "plt.grid(visible=True)",
        M,
        error=("ValueError", "keyword grid_b is not recognized"),
    ),
    Case(
        "mpl-boxplot-labels",
        "plt.boxplot([[1, 2, 3], [2, 3, 4]], labels=['a', 'b'])",
        "plt.boxplot([[1, 2, 3], [2, 3, 4]], tick_labels=['a', 'b'])",
        M,
        error=("TypeError", "unexpected keyword argument 'labels'"),
    ),
    Case(
        "mpl-plot-date",
        "fig, ax = plt.subplots()\nax.plot_date(ds, [1, 2, 3])",
        "fig, ax = plt.subplots()\nax.plot(ds, [1, 2, 3], 'o')",
        M + "import datetime\nds = [datetime.date(2020, 1, i) for i in (1, 2, 3)]\n",
        error=("AttributeError", "has no attribute 'plot_date'"),
        check="ax.lines[0].get_marker() == 'o' and ax.lines[0].get_linestyle() == 'None'",
    ),
    Case(
        "mpl-tostring-rgb",
        "fig = plt.figure()\nfig.canvas.draw()\nbuf = np.frombuffer(fig.canvas.tostring_rgb(), dtype=np.uint8)",
        "fig = plt.figure()\nfig.canvas.draw()\n"
        "buf = np.frombuffer(np.asarray(fig.canvas.buffer_rgba())[..., :3].tobytes(), dtype=np.uint8)",
        M,
        error=("AttributeError", "tostring_rgb"),
        check="buf.size == 640 * 480 * 3",
    ),
    Case(
        "mpl-legend-handles",
        "plt.plot([1], label='a')\nleg = plt.legend()\nh = leg.legendHandles",
        "plt.plot([1], label='a')\nleg = plt.legend()\nh = leg.legend_handles",
        M,
        error=("AttributeError", "legendHandles"),
        check="len(h) == 1",
    ),
    Case(
        "mpl-ticklabels-without-ticks",
        "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nax.set_xticklabels(['a', 'b', 'c'])",
        None,
        M,
        warns=("UserWarning", "set_ticklabels() should only be used"),
    ),
    Case(
        "mpl-vert-deprecated",
        "plt.boxplot([[1, 2, 3]], vert=False)",
        "plt.boxplot([[1, 2, 3]], orientation='horizontal')",
        M,
        warns=("MatplotlibDeprecationWarning", "vert: bool was deprecated"),
    ),
]

SEABORN = [
    Case(
        "sns-scatter-kws-linewidth",
        "g = sns.regplot(x='tip', y='tip', data=tips, scatter_kws=dict(edgecolor='k', linewidth=0.5))",
        "g = sns.regplot(x='tip', y='tip', data=tips, scatter_kws=dict(edgecolor='k', linewidths=0.5))",
        S,
        error=("TypeError", "Got both 'linewidth' and 'linewidths'"),
        check="g.collections[0].get_linewidths()[0] == 0.5",
    ),
    Case(
        "sns-positional-data",
        "sns.countplot('day', data=tips)",
        "sns.countplot(x='day', data=tips)",
        S,
        error=("TypeError", "got multiple values for argument 'data'"),
    ),
    Case(
        "sns-positional-data",
        "sns.barplot('day', 'tip', data=tips)",
        "sns.barplot(x='day', y='tip', data=tips)",
        S,
        error=("TypeError", "got multiple values for argument 'data'"),
        name="barplot",
    ),
    Case(
        "sns-positional-vectors",
        "sns.scatterplot(tips.tip, tips.tip)",
        "sns.scatterplot(x=tips.tip, y=tips.tip)",
        S,
        error=("TypeError", "takes from 0 to 1 positional arguments but 2 were given"),
    ),
    Case(
        "sns-factorplot",
        "sns.factorplot('day', 'tip', data=tips, size=3)",
        "sns.catplot(x='day', y='tip', data=tips, height=3, kind='point')",
        S,
        error=("AttributeError", "has no attribute 'factorplot'"),
    ),
    Case(
        "sns-size-height",
        "g = sns.FacetGrid(tips, col='day', size=3)",
        "g = sns.FacetGrid(tips, col='day', height=3)",
        S,
        error=("TypeError", "unexpected keyword argument 'size'"),
    ),
    Case(
        "sns-size-height",
        "sns.lmplot(x='tip', y='tip', data=tips, size=3)",
        "sns.lmplot(x='tip', y='tip', data=tips, height=3)",
        S,
        error=("TypeError", "unexpected keyword argument 'size'"),
        name="lmplot",
    ),
    Case(
        "sns-distplot",
        "sns.distplot(tips.tip)",
        "sns.histplot(tips.tip, kde=True, stat='density')",
        S,
        warns=("UserWarning", "`distplot` is a deprecated function"),
    ),
    Case(
        "sns-distplot",
        "sns.distplot(tips.tip, hist=False)",
        "sns.kdeplot(tips.tip)",
        S,
        warns=("UserWarning", "`distplot` is a deprecated function"),
        name="kde-only",
    ),
    Case(
        "sns-tsplot",
        "sns.tsplot(np.ones((3, 4)))",
        None,
        S,
        error=("AttributeError", "has no attribute 'tsplot'"),
    ),
    Case(
        "sns-jointplot-stat-func",
        "sns.jointplot(x='tip', y='tip', data=tips, stat_func=stats.pearsonr)",
        "sns.jointplot(x='tip', y='tip', data=tips)",
        S + "from scipy import stats\n",
        error=("AttributeError", "unexpected keyword argument 'stat_func'"),
    ),
    Case(
        "sns-stripplot-split",
        "sns.stripplot(x='day', y='tip', hue='sex', data=tips, split=True)",
        "sns.stripplot(x='day', y='tip', hue='sex', data=tips, dodge=True)",
        S,
        error=("AttributeError", "unexpected keyword argument 'split'"),
    ),
    Case(
        "sns-ci-errorbar",
        "sns.barplot(x='day', y='tip', data=tips, ci=None)",
        "sns.barplot(x='day', y='tip', data=tips, errorbar=None)",
        S,
        warns=("FutureWarning", "The `ci` parameter is deprecated"),
    ),
    Case(
        "sns-ci-errorbar",
        "sns.lineplot(x='tip', y='tip', data=tips, ci=68)",
        "sns.lineplot(x='tip', y='tip', data=tips, errorbar=('ci', 68))",
        S,
        warns=("FutureWarning", "The `ci` parameter is deprecated"),
        name="level",
    ),
    Case(
        "sns-palette-without-hue",
        "sns.countplot(x='day', data=tips, palette='Set2')",
        "sns.countplot(x='day', data=tips, palette='Set2', hue='day', legend=False)",
        S,
        warns=("FutureWarning", "Passing `palette` without assigning `hue` is deprecated"),
    ),
    Case(
        "sns-kdeplot-shade",
        "sns.kdeplot(x=tips.tip, shade=True)",
        "sns.kdeplot(x=tips.tip, fill=True)",
        S,
        warns=("FutureWarning", "`shade` is now deprecated"),
    ),
]
