"""Helpers shared by the checks: frame access, gaps, decisions and findings rows.

Everything here is vectorised: a check decides the status of all rows of a frame at once from
boolean masks (first matching rule wins), and gaps are matched on (account, region).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar, cast

import numpy as np
import pandas as pd

from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.params import Params

T = TypeVar("T")
Frames: TypeAlias = Mapping[str, pd.DataFrame]
Reason: TypeAlias = str | pd.Series
Rule: TypeAlias = tuple[pd.Series, str, Reason]
Decider: TypeAlias = Callable[[pd.DataFrame], tuple[pd.Series, pd.Series]]

CHECK_COLUMNS = [
    "check_id",
    "account_id",
    "region",
    "resource_type",
    "resource_id",
    "status",
    "reason",
    "evidence",
    "threshold",
]
__all__ = ["Params"]  # re-exported for the check modules

STATUSES = ("PASS", "FAIL", "GAP", "MANUAL", "NOT_APPLICABLE")
# The frames every per-cache check reads: groups, standalone clusters, serverless caches.
CACHE_FRAMES = ["replication_groups", "cache_clusters", "serverless_caches"]

# A pseudo-frame the registry adds: one row with the collection time and the audit period.
RUN_CONTEXT = "run_context"
RUN_CONTEXT_COLUMNS = ("as_of_time", "period_start_time", "period_end_time")

NODE_OPERATIONS = ("DescribeReplicationGroups", "DescribeCacheClusters")
SERVERLESS_OPERATIONS = ("DescribeServerlessCaches",)


def get_frame(frames: Frames, name: str) -> pd.DataFrame:
    """Return frame ``name``, or its empty declared frame when it is absent."""
    if name in frames:
        return frames[name]
    return _empty_frame(name)


@functools.cache
def _empty_frame(name: str) -> pd.DataFrame:
    return SCHEMAS[name].empty()


def derived(frames: Frames, key: Hashable, build: Callable[[], T]) -> T:
    """Return ``build()``, computed once per evaluation when ``frames`` offers a ``cache``.

    The registry's frame view carries a cache, so that frames derived by several checks (the
    combined caches, the gap places) are built once per run rather than once per check.
    """
    cache: dict[Hashable, Any] | None = getattr(frames, "cache", None)
    if cache is None:
        return build()
    if key not in cache:
        cache[key] = build()
    return cast(T, cache[key])


def run_time(frames: Frames, column: str = "as_of_time") -> pd.Timestamp | None:
    """Return a time of the run context (collection time by default), or None if unknown."""
    context = frames.get(RUN_CONTEXT)
    if context is None or context.empty or column not in context:
        return None
    value = context[column].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value)


def is_true(series: pd.Series) -> pd.Series:
    """Return True where a nullable boolean is True (``<NA>`` is not True)."""
    return series.astype("boolean").fillna(False).astype(bool)


def is_false(series: pd.Series) -> pd.Series:
    """Return True where a nullable boolean is False (``<NA>`` is not False)."""
    return (~series.astype("boolean")).fillna(False).astype(bool)


def is_blank(series: pd.Series) -> pd.Series:
    """Return True where text is ``<NA>`` or empty."""
    return series.isna() | series.astype("string").str.strip().eq("").fillna(True)


def text(series: pd.Series, missing: str = "?") -> pd.Series:
    """Return ``series`` as text with ``missing`` in place of ``<NA>``."""
    return series.astype("string").fillna(missing)


def decide(
    index: pd.Index, rules: Sequence[Rule], default: tuple[str, Reason]
) -> tuple[pd.Series, pd.Series]:
    """Return (status, reason) per row: the first rule whose mask holds, else ``default``."""
    hits = [_hits(mask, index) for mask, _, _ in rules]
    statuses = [rule_status for _, rule_status, _ in rules]
    reasons = [_reason_values(rule_reason, index) for _, _, rule_reason in rules]
    default_reason = _reason_values(default[1], index)
    status = np.select(hits, statuses, default[0]) if rules else np.full(len(index), default[0])
    reason = np.select(hits, reasons, default_reason) if rules else default_reason
    return (
        pd.Series(pd.array(status, dtype="string"), index=index),
        pd.Series(pd.array(_with_na(reason, len(index)), dtype="string"), index=index),
    )


def decide_setting(
    caches: pd.DataFrame, column: str, name: str, first: Sequence[Rule] = ()
) -> tuple[pd.Series, pd.Series]:
    """Decide an on/off setting: ``first`` rules, then not reported or off FAIL, on PASSes."""
    setting = caches[column]
    rules = [
        *first,
        (setting.isna(), "FAIL", f"{name} not reported"),
        (is_false(setting), "FAIL", f"{name} is off"),
    ]
    return decide(caches.index, rules, ("PASS", f"{name} is on"))


def _hits(mask: pd.Series, index: pd.Index) -> np.ndarray:
    """Return the mask as a numpy bool array aligned on ``index`` (``<NA>`` is not a hit)."""
    if not mask.index.equals(index):
        mask = mask.reindex(index)
    if mask.dtype == bool:
        return mask.to_numpy()
    return mask.astype("boolean").to_numpy(dtype=bool, na_value=False)


def _reason_values(reason: Reason, index: pd.Index) -> Any:
    """Return a reason as a scalar, or as an object array aligned on ``index``."""
    if not isinstance(reason, pd.Series):
        return reason
    if not reason.index.equals(index):
        reason = reason.reindex(index)
    return reason.astype("string").to_numpy(dtype=object, na_value=None)


def _with_na(values: Any, length: int) -> Any:
    """Broadcast a scalar reason to ``length`` rows; arrays pass through."""
    return np.full(length, values, dtype=object) if np.ndim(values) == 0 else values


def _text_column(value: pd.Series | str, index: pd.Index) -> Any:
    """Return a findings column as a ``string`` array aligned on ``index``."""
    if not isinstance(value, pd.Series):
        return pd.array(np.full(len(index), value, dtype=object), dtype="string")
    if not value.index.equals(index):
        value = value.reindex(index)
    return value.array if value.dtype == "string" else value.astype("string").array


def findings(
    base: pd.DataFrame,
    check_id: str,
    status: pd.Series | str,
    reason: Reason,
    threshold: str = "",
) -> pd.DataFrame:
    """Build findings rows for the resources of ``base`` (a frame with leading columns)."""
    index = base.index
    evidence = base["raw_path"]
    if evidence.hasnans or evidence.dtype != "string":
        evidence = evidence.astype("string").fillna("")
    columns = {
        "check_id": _text_column(check_id, index),
        **{c: _text_column(base[c], index) for c in CHECK_COLUMNS[1:5]},
        "status": _text_column(status, index),
        "reason": _text_column(reason, index),
        "evidence": _text_column(evidence, index),
        "threshold": _text_column(threshold, index),
    }
    return pd.DataFrame(columns)


@functools.cache
def empty_findings() -> pd.DataFrame:
    """Return a findings frame with no rows (shared: never modify it in place)."""
    return pd.DataFrame({c: pd.Series(dtype="string") for c in CHECK_COLUMNS})


def combine(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate findings parts, skipping empty ones."""
    kept = [part for part in parts if not part.empty]
    if not kept:
        return empty_findings()
    joined = kept[0] if len(kept) == 1 else pd.concat(kept, ignore_index=True)
    if list(joined.columns) != CHECK_COLUMNS:
        joined = joined.loc[:, CHECK_COLUMNS]
    if any(dtype != "string" for dtype in joined.dtypes):
        joined = joined.astype("string")
    if not isinstance(joined.index, pd.RangeIndex) or joined.index.start != 0:
        joined = joined.reset_index(drop=True)
    return joined


def gap_places(frames: Frames, operations: Iterable[str]) -> pd.DataFrame:
    """Return one row per (account, region) where one of ``operations`` failed.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``region``, ``operations`` (the failed operations with their
        error codes, as text) and ``raw_path``.
    """
    wanted = tuple(operations)
    return derived(frames, ("gap_places", wanted), lambda: _gap_places(frames, wanted))


def _gap_places(frames: Frames, operations: tuple[str, ...]) -> pd.DataFrame:
    gaps = get_frame(frames, "collection_gaps")
    gaps = gaps.loc[gaps["operation"].isin(list(operations))]
    if gaps.empty:
        return pd.DataFrame(columns=["account_id", "region", "operations", "raw_path"])
    labelled = gaps.assign(
        label=text(gaps["operation"]) + " (" + text(gaps["error_code"], "error") + ")"
    )
    grouped = labelled.groupby(["account_id", "region"], as_index=False, sort=True)
    return grouped.agg(
        operations=("label", lambda s: ", ".join(dict.fromkeys(s))),
        raw_path=("raw_path", lambda s: ";".join(dict.fromkeys(s.dropna()))),
    )


def gap_findings(
    frames: Frames, check_id: str, operations: Iterable[str], what: str, threshold: str = ""
) -> pd.DataFrame:
    """One GAP row per account and region where the evidence ``what`` could not be collected."""
    places = gap_places(frames, operations)
    if places.empty:
        return empty_findings()
    base = places.assign(resource_type="account", resource_id=places["account_id"])
    reason = "evidence not collected: " + what + " (" + places["operations"] + " failed)"
    return findings(base, check_id, "GAP", reason, threshold)


def in_gap(frame: pd.DataFrame, frames: Frames, operations: Iterable[str]) -> pd.Series:
    """Return True for rows of ``frame`` in an account and region where ``operations`` failed."""
    places = gap_places(frames, operations)
    if places.empty or frame.empty:
        return pd.Series(False, index=frame.index)
    keys = pd.MultiIndex.from_frame(places[["account_id", "region"]].astype("string"))
    rows = pd.MultiIndex.from_frame(frame[["account_id", "region"]].astype("string"))
    return pd.Series(rows.isin(keys), index=frame.index)


def fail_to_gap(
    result: pd.DataFrame, frames: Frames, operations: Iterable[str], what: str
) -> pd.DataFrame:
    """Turn FAIL rows into GAP where ``operations`` failed (the FAIL may rest on missing data)."""
    hit = in_gap(result, frames, operations) & result["status"].eq("FAIL")
    if not hit.any():
        return result
    out = result.copy()
    out.loc[hit, "status"] = "GAP"
    out.loc[hit, "reason"] = "evidence incomplete, " + what + " not collected; " + out["reason"]
    return out


def node_caches(frames: Frames) -> pd.DataFrame:
    """Replication groups plus standalone cache clusters in one frame.

    Returns
    -------
    pandas.DataFrame
        The columns of both frames (<NA> where a frame lacks one), plus ``engine_name``
        (lower-case engine; replication groups that do not report one are Redis OSS, the only
        engine they had before Valkey).
    """
    return derived(frames, "node_caches", lambda: _node_caches(frames))


def _node_caches(frames: Frames) -> pd.DataFrame:
    groups = get_frame(frames, "replication_groups")
    clusters = get_frame(frames, "cache_clusters")
    standalone = clusters.loc[clusters["replication_group_id"].isna()]
    extra = [c for c in standalone.columns if c not in groups.columns]
    dtypes = {**groups.dtypes.to_dict(), **standalone.dtypes.to_dict()}
    kept = [_widen(part, dtypes) for part in (groups, standalone) if not part.empty]
    if kept:
        caches = pd.concat(kept, ignore_index=True)
    else:
        caches = pd.concat([groups, standalone.loc[:, extra]], axis=1)
    engine = caches["engine"].astype("string").str.lower()
    is_group = caches["resource_type"].eq("replication_group")
    caches["engine_name"] = engine.mask(engine.isna() & is_group, "redis")
    return caches


def _widen(part: pd.DataFrame, dtypes: Mapping[str, Any]) -> pd.DataFrame:
    """Add the columns ``part`` lacks, all <NA>, with their declared dtypes."""
    missing = {
        column: pd.Series(pd.NA, index=part.index, dtype=dtype)
        for column, dtype in dtypes.items()
        if column not in part.columns
    }
    return part.assign(**missing).loc[:, list(dtypes)]


def is_memcached(caches: pd.DataFrame, column: str = "engine_name") -> pd.Series:
    """Return True where the engine is Memcached."""
    return caches[column].astype("string").str.lower().eq("memcached").fillna(False)


def evaluate_caches(
    frames: Frames,
    check_id: str,
    decider: Decider,
    *,
    threshold: str = "",
    memcached: tuple[str, str] | None = None,
    serverless: Decider | tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Judge every node-based cache (and serverless cache when asked) with ``decider``.

    Memcached caches get ``memcached`` (status, reason) instead when given. Account rows with
    GAP are added where listing the caches failed.
    """
    caches = node_caches(frames)
    parts = [gap_findings(frames, check_id, NODE_OPERATIONS, "caches", threshold)]
    others, memcached_caches = derived(frames, "node_caches_split", lambda: _split(caches))
    judged = others if memcached else caches
    if memcached and not memcached_caches.empty:
        parts.append(findings(memcached_caches, check_id, memcached[0], memcached[1], threshold))
    if not judged.empty:
        status, reason = decider(judged)
        parts.append(findings(judged, check_id, status, reason, threshold))
    if serverless is not None:
        parts.append(_evaluate_serverless(frames, check_id, serverless, threshold))
    return combine(parts)


def _split(caches: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the caches into (Redis OSS/Valkey, Memcached), each keeping its rows' order."""
    memcached = is_memcached(caches)
    return caches.loc[~memcached], caches.loc[memcached]


def _evaluate_serverless(
    frames: Frames, check_id: str, serverless: Decider | tuple[str, str], threshold: str
) -> pd.DataFrame:
    caches = get_frame(frames, "serverless_caches")
    parts = [gap_findings(frames, check_id, SERVERLESS_OPERATIONS, "serverless caches")]
    if not caches.empty:
        if isinstance(serverless, tuple):
            status: pd.Series | str = serverless[0]
            reason: Reason = serverless[1]
        else:
            status, reason = serverless(caches)
        parts.append(findings(caches, check_id, status, reason, threshold))
    return combine(parts)


def parse_json_lists(series: pd.Series) -> pd.Series:
    """Parse JSON list text per row (each distinct value once); ``<NA>`` stays ``None``."""
    distinct = series.dropna().unique()
    parsed = {value: _as_list(value) for value in distinct}
    return series.map(parsed, na_action="ignore").astype(object)


def _as_list(value: str) -> list[Any]:
    loaded = json.loads(value)
    return loaded if isinstance(loaded, list) else [loaded]


def explode_json(frame: pd.DataFrame, column: str, into: str) -> pd.DataFrame:
    """Return one row per element of the JSON list in ``column``, the element in ``into``.

    Rows whose list is empty or ``<NA>`` are dropped.
    """
    lists = parse_json_lists(frame[column])
    exploded = frame.assign(**{into: lists}).explode(into)
    exploded = exploded.loc[exploded[into].notna()]
    return exploded.assign(**{into: exploded[into].astype("string")})


def parse_versions(series: pd.Series) -> pd.DataFrame:
    """Split engine versions like ``7.1.0`` or ``6.x`` into Int64 ``major``, ``minor``, ``patch``.

    A missing part (``6.x``, ``7``) is ``<NA>``; ``sort_key`` orders versions with missing parts
    treated as 0. Each distinct version is parsed once.
    """
    codes, distinct = pd.factorize(series.astype("string"))
    # NOTE: code -1 (a missing version) takes the last row, the parse of <NA>.
    values = pd.Series(pd.array([*distinct, pd.NA], dtype="string"))
    parts = values.str.extract(r"^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?")
    parts.columns = ["major", "minor", "patch"]
    parts = parts.astype("Int64")
    filled = parts.fillna(0)
    parts["sort_key"] = filled["major"] * 1_000_000 + filled["minor"] * 1_000 + filled["patch"]
    return parts.take(codes).set_axis(series.index)


def join_unique(values: Iterable[Any], limit: int = 5) -> str:
    """Join distinct values as text, naming how many more there are beyond ``limit``."""
    distinct = [str(v) for v in dict.fromkeys(values) if not pd.isna(v)]
    shown = ", ".join(distinct[:limit])
    more = len(distinct) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def lookup(
    frame: pd.DataFrame,
    table: pd.DataFrame,
    on: Mapping[str, str],
    columns: Sequence[str],
) -> pd.DataFrame:
    """Left-join ``columns`` of ``table`` onto ``frame``'s rows, keeping ``frame``'s index.

    ``on`` maps columns of ``frame`` to columns of ``table``; the first match of each key in
    ``table`` is used (``<NA>`` keys match ``<NA>``, as in a merge). The column name ``matched``
    gives True where a row of ``table`` matched.
    """
    left = [frame[key] for key in on]
    right = [
        table[column] if str(table[column].dtype) == str(probe.dtype) else
        table[column].astype(probe.dtype)
        for probe, column in zip(left, on.values(), strict=True)
    ]  # fmt: skip
    keys, probes = _key_index(right), _key_index(left)
    first = ~keys.duplicated(keep="first")
    found = keys[first].get_indexer(probes)
    positions = np.append(np.flatnonzero(first), -1)
    rows = positions[found]  # found is -1 on a miss, and positions[-1] is -1
    out = {
        column: (found >= 0) if column == "matched" else _take(table[column], rows)
        for column in columns
    }
    return pd.DataFrame(out, index=frame.index)


def _key_index(keys: Sequence[pd.Series]) -> pd.Index:
    if len(keys) == 1:
        return pd.Index(keys[0])
    return pd.MultiIndex.from_arrays(keys)


def _take(column: pd.Series, rows: np.ndarray) -> Any:
    """Take ``rows`` of ``column``; -1 gives a missing value (numpy dtypes widen as a merge)."""
    return pd.api.extensions.take(column.array, rows, allow_fill=True)


def places_with(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Return True for rows of ``rows`` whose (account, region) appears in ``frame``."""
    if frame.empty or rows.empty:
        return pd.Series(False, index=rows.index)
    keys = pd.MultiIndex.from_frame(frame[["account_id", "region"]].astype("string"))
    own = pd.MultiIndex.from_frame(rows[["account_id", "region"]].astype("string"))
    return pd.Series(own.isin(keys), index=rows.index)


def date_text(series: pd.Series) -> pd.Series:
    """Format timestamps as ``YYYY-MM-DD`` text (``?`` when missing); each distinct one once."""
    codes, distinct = pd.factorize(series)
    shown = pd.Series(distinct).dt.strftime("%Y-%m-%d").astype("string").fillna("?")
    labels = pd.array([*shown, "?"], dtype="string")
    return pd.Series(labels.take(codes), index=series.index)


def scope_accounts(params: Params) -> pd.DataFrame:
    """Return one account row (region ``global``) per account in the parameters' scope."""
    accounts = pd.Series([a.id for a in params.aws.accounts], dtype="string")
    return pd.DataFrame(
        {
            "account_id": accounts,
            "region": "global",
            "resource_type": "account",
            "resource_id": accounts,
            "raw_path": "",
        }
    )
