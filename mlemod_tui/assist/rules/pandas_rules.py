"""pandas: removals of 1.0/2.0/3.0, Copy-on-Write, the ``str`` dtype, new defaults."""

from __future__ import annotations

from mlemod_tui.assist.rules import pandas_fixes as fx
from mlemod_tui.assist.rules.cst_tools import Callee
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, kwargs, methods, moved, pin

_AE = ("AttributeError",)
_TE = ("TypeError",)
_VE = ("ValueError",)


def _no_attr(name: str, owners: str = "DataFrame|Series") -> Crash:
    return Crash(_AE, rf"'(?:{owners})' object has no attribute '{name}'")


RULES: list[Rule] = [
    Rule(
        id="pandas-append", library="pandas", changed_in="2.0 (deprecated 1.4)", kind="crash",
        summary="`DataFrame.append` / `Series.append` were removed",
        replacement="`df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)`",
        triggers=(r"\.append\(",), transformer=factory(fx.Append),
        crash=_no_attr("append"),
    ),
    Rule(
        id="pandas-ix", library="pandas", changed_in="1.0 (deprecated 0.20)", kind="crash",
        summary="the `.ix` indexer was removed", replacement="`.loc[label, col]` or `.iloc[i, j]`",
        triggers=(r"\.ix\[",), transformer=factory(fx.Ix), crash=_no_attr("ix"),
    ),
    Rule(
        id="pandas-as-matrix", library="pandas", changed_in="1.0 (deprecated 0.23)", kind="crash",
        summary="`DataFrame.as_matrix()` was removed", replacement="`df.to_numpy()` (or `.values`)",
        triggers=(r"\.as_matrix\(",), transformer=factory(fx.AsMatrix),
        crash=_no_attr("as_matrix"),
    ),
    Rule(
        id="pandas-iteritems", library="pandas", changed_in="2.0 (deprecated 1.5)", kind="crash",
        summary="`.iteritems()` was removed from DataFrame and Series (and from dict in Python 3)",
        replacement="`.items()`", triggers=(r"\.iteritems\(",),
        transformer=methods({"iteritems": "items"}, not_modules=("six",)),
        crash=_no_attr("iteritems", "DataFrame|Series|dict"),
    ),
    Rule(
        id="pandas-cat-inplace", library="pandas", changed_in="2.0 (deprecated 1.3)", kind="crash",
        summary="the `.cat` methods lost their `inplace` argument",
        replacement="`s = s.cat.set_categories([...])`",
        triggers=(r"\.cat\.\w+\(",), transformer=factory(fx.CatInplace),
        crash=Crash(_TE, r"Categorical\.\w+\(\) got an unexpected keyword argument 'inplace'"),
    ),
    Rule(
        id="pandas-error-bad-lines", library="pandas", changed_in="2.0 (deprecated 1.3)",
        kind="crash", summary="`error_bad_lines` / `warn_bad_lines` were removed from `read_csv`",
        replacement="`on_bad_lines='skip'` (or `'warn'`)", triggers=(r"(?:error|warn)_bad_lines",),
        transformer=factory(fx.ErrorBadLines),
        crash=Crash(_TE, r"unexpected keyword argument '(?:error|warn)_bad_lines'"),
    ),
    Rule(
        id="pandas-fillna-method", library="pandas", changed_in="3.0 (deprecated 2.1)",
        kind="crash", summary="`fillna(method=...)` was removed", replacement="`df.ffill()` / `df.bfill()`",
        triggers=(r"fillna\([^)]*method\s*=",), transformer=factory(fx.FillnaMethod),
        crash=Crash(_TE, r"fillna\(\) got an unexpected keyword argument 'method'"),
    ),
    Rule(
        id="pandas-applymap", library="pandas", changed_in="3.0 (deprecated 2.1)", kind="crash",
        summary="`DataFrame.applymap` was renamed `DataFrame.map`", replacement="`df.map(f)`",
        triggers=(r"\.applymap\(",), transformer=methods({"applymap": "map"}),
        crash=_no_attr("applymap", "DataFrame|Styler"),
    ),
    Rule(
        id="pandas-numeric-only-reduction", library="pandas", changed_in="2.0", kind="crash",
        summary="reductions such as `df.mean()` no longer drop text columns silently "
        "(`numeric_only` default True -> False)",
        replacement="`df.mean(numeric_only=True)`", triggers=(r"\.\w+\(",),
        transformer=factory(fx.NumericOnly),
        crash=Crash(_TE, r"Cannot perform reduction '\w+' with|Could not convert .* to numeric"),
        crash_only=True,
    ),
    Rule(
        id="pandas-groupby-numeric-only", library="pandas", changed_in="2.0", kind="crash",
        summary="grouped reductions no longer drop text columns silently (`numeric_only`)",
        replacement="`df.groupby(k).mean(numeric_only=True)` or select the columns first",
        triggers=(r"groupby\(",), transformer=factory(fx.GroupbyNumericOnly),
        crash=Crash(_TE, r"does not support operation '\w+'|agg function failed"),
        crash_only=True,
    ),
    Rule(
        id="pandas-corr-numeric-only", library="pandas", changed_in="2.0", kind="crash",
        summary="`df.corr()` no longer drops text columns silently (`numeric_only`)",
        replacement="`df.corr(numeric_only=True)`", triggers=(r"\.(?:corr|cov)\(",),
        transformer=factory(fx.CorrNumericOnly),
        crash=Crash(_VE, r"could not convert string to float"), crash_only=True, needs_code=True,
    ),
    Rule(
        id="pandas-chained-inplace", library="pandas", changed_in="3.0 (Copy-on-Write)",
        kind="silent-score-change",
        summary="`df[col].method(..., inplace=True)` changes a copy and leaves `df` as it was "
        "(Copy-on-Write); later cells see the NaNs",
        replacement="`df[col] = df[col].method(...)`",
        triggers=(r"inplace\s*=\s*True",), transformer=factory(fx.ChainedInplace),
        crash=Crash(("ChainedAssignmentError",), r"."),
        purpose_override="error-repair",
    ),
    Rule(
        id="pandas-chained-setitem", library="pandas", changed_in="3.0 (Copy-on-Write)",
        kind="silent-score-change",
        summary="`df[col][mask] = v` assigns into a copy and leaves `df` as it was (Copy-on-Write)",
        replacement="`df.loc[mask, col] = v`", triggers=(r"\]\s*\[.*\]\s*=(?!=)",),
        transformer=factory(fx.ChainedSetitem), purpose_override="error-repair",
    ),
    Rule(
        id="pandas-values-readonly", library="pandas", changed_in="3.0 (Copy-on-Write)",
        kind="crash", summary="`.values` of a column is a read-only view under Copy-on-Write",
        replacement="`y = df['target'].to_numpy(copy=True)`", triggers=(r"\.values\b",),
        transformer=factory(fx.ValuesReadonly),
        crash=Crash(_VE, r"assignment destination is read-only"), crash_only=True,
    ),
    Rule(
        id="pandas-pd-np", library="pandas", changed_in="2.0 (deprecated 1.0)", kind="crash",
        summary="`pd.np` (numpy re-exported by pandas) was removed", replacement="`import numpy as np`",
        triggers=(r"\.np\.",), transformer=factory(fx.PdNp),
        crash=Crash(_AE, r"module 'pandas' has no attribute 'np'"),
    ),
    Rule(
        id="pandas-pd-datetime", library="pandas", changed_in="2.0 (deprecated 1.0)", kind="crash",
        summary="`pd.datetime` was removed", replacement="`from datetime import datetime`",
        triggers=(r"\b(?:pd|pandas)\.datetime\b",), transformer=factory(fx.PdDatetime),
        crash=Crash(_AE, r"module 'pandas' has no attribute 'datetime'"),
    ),
    Rule(
        id="pandas-squeeze", library="pandas", changed_in="2.0 (deprecated 1.4)", kind="crash",
        summary="`read_csv(squeeze=True)` was removed", replacement="`pd.read_csv(f).squeeze('columns')`",
        triggers=(r"squeeze\s*=",), transformer=factory(fx.Squeeze),
        crash=Crash(_TE, r"unexpected keyword argument 'squeeze'"),
    ),
    Rule(
        id="pandas-line-terminator", library="pandas", changed_in="2.0 (deprecated 1.5)",
        kind="crash", summary="`to_csv(line_terminator=)` was renamed `lineterminator`",
        replacement="`df.to_csv(path, lineterminator='\\n')`", triggers=(r"line_terminator",),
        transformer=kwargs(Callee.of("to_csv"), rename={"line_terminator": "lineterminator"}),
        crash=Crash(_TE, r"unexpected keyword argument 'line_terminator'"),
    ),
    Rule(
        id="pandas-rolling-functions", library="pandas", changed_in="0.23 (deprecated 0.18)",
        kind="crash", summary="`pd.rolling_mean`, `pd.ewma` and the other moment functions were removed",
        replacement="`s.rolling(7).mean()` / `s.ewm(span=...).mean()`",
        triggers=(r"\.(?:rolling|expanding)_\w+\(|\.ewm(?:a|std|var)\(",),
        transformer=factory(fx.RollingFunctions),
        crash=Crash(_AE, r"module 'pandas' has no attribute '(?:rolling_|expanding_|ewm)"),
    ),
    Rule(
        id="pandas-sort", library="pandas", changed_in="0.20 (deprecated 0.17)", kind="crash",
        summary="`DataFrame.sort()` and `Series.order()` were removed",
        replacement="`df.sort_values('b')`",
        triggers=(r"\.sort\(\s*(?:columns|ascending|['\"\[])|\.order\(",),
        transformer=factory(fx.Sort), crash=_no_attr("(?:sort|order)"),
    ),
    Rule(
        id="pandas-value-counts-toplevel", library="pandas", changed_in="3.0 (deprecated 2.1)",
        kind="crash", summary="the function `pd.value_counts` was removed",
        replacement="`pd.Series(x).value_counts()`", triggers=(r"\b(?:pd|pandas)\.value_counts\(",),
        transformer=factory(fx.ValueCountsTopLevel),
        crash=Crash(_AE, r"module 'pandas' has no attribute 'value_counts'"),
    ),
    Rule(
        id="pandas-infer-datetime-format", library="pandas", changed_in="3.0 (deprecated 2.0)",
        kind="crash", summary="`infer_datetime_format` was removed (strict inference is the default)",
        replacement="drop the argument, or pass `format=`", triggers=(r"infer_datetime_format",),
        transformer=kwargs(
            Callee.of("to_datetime", "read_csv", "read_table"), drop=["infer_datetime_format"]
        ),
        crash=Crash(_TE, r"unexpected keyword argument 'infer_datetime_format'"),
    ),
    Rule(
        id="pandas-date-parser", library="pandas", changed_in="3.0 (deprecated 2.0)", kind="crash",
        summary="`read_csv(date_parser=)` was removed",
        replacement="`pd.read_csv(f, parse_dates=['d'], date_format='%Y-%m')`",
        triggers=(r"date_parser",), transformer=factory(fx.DateParser),
        crash=Crash(_TE, r"unexpected keyword argument 'date_parser'"),
        hint="Pass the parser's format string as `date_format=`, or read the column as text "
        "and convert it with `pd.to_datetime` after reading.",
    ),
    Rule(
        id="pandas-str-replace-regex", library="pandas", changed_in="2.0", kind="silent-score-change",
        summary="`str.replace` treats the pattern literally now (default `regex=True` -> False)",
        replacement="`s.str.replace('[$,]', '', regex=True)`", triggers=(r"\.str\.replace\(",),
        transformer=factory(fx.StrReplaceRegex), purpose_override="error-repair",
    ),
    Rule(
        id="pandas-get-dummies-bool", library="pandas", changed_in="2.0", kind="silent-score-change",
        summary="`pd.get_dummies` makes bool columns now (was uint8); mixed with floats, `.values` "
        "becomes an object array",
        replacement="`pd.get_dummies(..., dtype=float)`", triggers=(r"get_dummies\(",),
        transformer=pin(Callee.of("get_dummies", modules=("pandas",)), "dtype", "'uint8'"),
    ),
    Rule(
        id="pandas-value-counts-reset-index", library="pandas", changed_in="2.0", kind="crash",
        summary="`value_counts().reset_index()` names its columns after the series and `count` "
        "(no more `index`)",
        replacement="`s.value_counts().rename_axis('value').reset_index(name='n')`",
        triggers=(r"value_counts\(\)\s*\.\s*reset_index\(",),
        transformer=factory(fx.ValueCountsResetIndex),
        crash=Crash(("KeyError",), r"^'index'$"),
        hint="Name the columns explicitly: `.rename_axis('value').reset_index(name='n')`.",
    ),
    Rule(
        id="pandas-freq-month-end", library="pandas", changed_in="3.0 (deprecated 2.2)",
        kind="crash", summary="the period-end frequency aliases `M`, `Q`, `Y`/`A`, `BM` were removed",
        replacement="`'ME'`, `'QE'`, `'YE'`, `'BME'`",
        triggers=(r"['\"]\d*(?:C?B?M|B?Q|B?A|B?Y|SM|B?AS)(?:-[A-Za-z]+)?['\"]",),
        transformer=factory(fx.FrequencyAliases),
        crash=Crash(_VE, r"^Invalid frequency: \d*(?:C?B?M|B?Q|B?A|B?Y|SM|B?AS)\b"),
    ),
    Rule(
        id="pandas-freq-hourly", library="pandas", changed_in="3.0 (deprecated 2.2)", kind="crash",
        summary="the frequency aliases `H`, `T`, `S`, `L`, `U`, `N` were removed",
        replacement="`'h'`, `'min'`, `'s'`, `'ms'`, `'us'`, `'ns'`",
        triggers=(r"['\"]\d*(?:C?B?H|T|S|L|U|N)['\"]",), transformer=factory(fx.HourlyAliases),
        crash=Crash(_VE, r"^Invalid frequency: \d*(?:C?B?H|T|S|L|U|N)\b"),
    ),
    Rule(
        id="pandas-dt-week", library="pandas", changed_in="2.0 (deprecated 1.1)", kind="crash",
        summary="`.dt.week` / `.dt.weekofyear` were removed",
        replacement="`s.dt.isocalendar().week`", triggers=(r"\.dt\.week",),
        transformer=factory(fx.DtWeek),
        crash=Crash(_AE, r"'DatetimeProperties' object has no attribute 'week"),
    ),
    Rule(
        id="pandas-positional-args", library="pandas", changed_in="2.0 (deprecated 1.3)",
        kind="crash", summary="most DataFrame method arguments after the first are keyword-only",
        replacement="`df.drop('col', axis=1)`",
        triggers=(
            r"\.(?:drop|sort_values|fillna|drop_duplicates|reset_index|set_index|rename)\([^,()=]+,\s*[^=()\s]+\s*[,)]",
            r"\.(?:dropna|pivot)\(\s*[^\s)=]+\s*[,)]",
            r"concat\(\s*\[[^\]]*\]\s*,\s*[^=\s]+\s*[,)]",
        ),
        transformer=factory(fx.PositionalArgs),
        crash=Crash(_TE, r"takes (?:from \d+ to )?\d+ positional arguments? but \d+ were given"),
    ),
    Rule(
        id="pandas-groupby-tuple-cols", library="pandas", changed_in="2.0 (deprecated 1.0)",
        kind="crash", summary="selecting several columns of a groupby needs a list, not a tuple",
        replacement="`df.groupby('s')[['a', 'b']].sum()`",
        triggers=(r"groupby\([^\n]*\)\s*\[\s*[^\[\]\n]+,",),
        transformer=factory(fx.GroupbyTupleColumns),
        crash=Crash(_VE, r"Cannot subset columns with a tuple"),
    ),
    Rule(
        id="pandas-positional-getitem", library="pandas", changed_in="3.0 (deprecated 2.1)",
        kind="crash", summary="`s[0]` on a Series with a non-default index no longer falls back "
        "to positions", replacement="`s.iloc[0]`",
        crash=Crash(("KeyError",), r"^-?\d+$"), crash_only=True,
        hint="If the number is a position (the first row, the last), use `.iloc[...]`.",
    ),
    Rule(
        id="pandas-max-colwidth", library="pandas", changed_in="2.0 (deprecated 1.0)", kind="crash",
        summary="`display.max_colwidth = -1` is rejected",
        replacement="`pd.set_option('display.max_colwidth', None)`", triggers=(r"max_colwidth",),
        transformer=factory(fx.MaxColwidth),
        crash=Crash(_VE, r"Value must be a nonnegative integer or None"),
    ),
    Rule(
        id="pandas-delim-whitespace", library="pandas", changed_in="3.0 (deprecated 2.2)",
        kind="crash", summary="`read_csv(delim_whitespace=True)` was removed",
        replacement="`pd.read_csv(f, sep=r'\\s+')`", triggers=(r"delim_whitespace",),
        transformer=factory(fx.DelimWhitespace),
        crash=Crash(_TE, r"unexpected keyword argument 'delim_whitespace'"),
    ),
    Rule(
        id="pandas-str-dtype-object-check", library="pandas", changed_in="3.0",
        kind="silent-score-change",
        summary="text columns have dtype `str` now, so `dtype == 'object'` no longer finds them",
        replacement="`df[c].dtype in ('object', 'str')` or `pd.api.types.is_string_dtype`",
        triggers=(r"\.dtypes?\s*[!=]=",), transformer=factory(fx.DtypeObjectCheck),
        purpose_override="error-repair",
    ),
    Rule(
        id="pandas-select-dtypes-object", library="pandas", changed_in="3.0", kind="warning-only",
        summary="`select_dtypes('object')` still selects `str` columns, with a warning, and will stop",
        replacement="`df.select_dtypes(include=['object', 'string'])`",
        triggers=(r"select_dtypes\(",), transformer=factory(fx.SelectDtypesObject),
    ),
    Rule(
        id="pandas-datetime-int64-unit", library="pandas", changed_in="3.0", kind="silent-score-change",
        summary="parsed datetimes default to microseconds, so `astype('int64') // 10**9` is no "
        "longer epoch seconds", replacement="`(d - pd.Timestamp('1970-01-01')) // pd.Timedelta('1s')`",
        triggers=(r"(?:10\s*\*\*\s*9|1e9|1E9|1000000000)",), transformer=factory(fx.DatetimeInt64Unit),
        purpose_override="error-repair",
    ),
    Rule(
        id="pandas-groupby-apply-include-groups", library="pandas", changed_in="3.0 (deprecated 2.2)",
        kind="crash", summary="`groupby(...).apply(f)` no longer passes the grouping columns to `f`",
        replacement="use `g.name`, or select columns: `df.groupby('s')[cols].apply(f)`",
        triggers=(r"\.apply\(",), transformer=factory(fx.GroupbyApply),
        crash=Crash(("KeyError",), r"^'[^']*'$"), crash_only=True, needs_code=True,
        hint="Inside `f`, read the group key from `g.name` instead of the grouping column.",
    ),
    Rule(
        id="pandas-inplace-pdep8", library="pandas", changed_in="3.1 deprecation (PDEP-8)",
        kind="warning-only", summary="`inplace=True` is deprecated for `drop`, `rename`, "
        "`sort_values` and friends", replacement="`df = df.drop(columns=[...])`",
        triggers=(r"inplace\s*=\s*True",), transformer=factory(fx.InplacePdep8),
    ),
    Rule(
        id="pandas-tools-plotting", library="pandas", changed_in="0.24 (moved 0.20)", kind="crash",
        summary="`pandas.tools.plotting` moved to `pandas.plotting`",
        replacement="`from pandas.plotting import scatter_matrix`",
        triggers=(r"tools\.plotting|\.scatter_matrix\(",),
        transformer=moved({
            "pandas.tools.plotting": "pandas.plotting",
            "pandas.scatter_matrix": "pandas.plotting.scatter_matrix",
        }),
        crash=Crash(("ModuleNotFoundError", "AttributeError"),
                    r"No module named 'pandas\.tools'|has no attribute 'scatter_matrix'"),
    ),
]
