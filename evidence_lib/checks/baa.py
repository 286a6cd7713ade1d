"""Check of guide step 1: a Business Associate Addendum with AWS (HIPAA 164.308(b)(1))."""

from __future__ import annotations

import pandas as pd

from evidence_lib.checks.common import (
    Frames,
    Params,
    decide,
    findings,
    gap_places,
    get_frame,
    scope_accounts,
)
from evidence_lib.checks.registry import register

_BAA_COLUMNS = ("account_id", "agreement", "evidence")


def _active_baas(agreements: pd.DataFrame) -> pd.DataFrame:
    name = agreements["name"].astype("string").str.lower()
    is_baa = name.str.contains("business associate", regex=False).fillna(False)
    active = agreements["state"].astype("string").str.lower().eq("active").fillna(False)
    found = agreements.loc[is_baa & active]
    if found.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in _BAA_COLUMNS})
    per_account = found.groupby("account_id", as_index=False).agg(
        agreement=("name", "first"), evidence=("raw_path", lambda s: ";".join(s.dropna()))
    )
    return per_account.astype("string")


def _attestation_text(params: Params) -> str | None:
    baa = params.attestations.baa
    if baa is None:
        return None
    return f"attested: {baa.reference}, accepted on {baa.accepted_on} by {baa.accepted_by}"


@register("baa_in_place", frames=["agreements"], params=["attestations.baa"])
def evaluate_baa_in_place(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge, per account, whether an active BAA shows in AWS Artifact, else the attestation."""
    accounts = scope_accounts(params)
    active = _active_baas(get_frame(frames, "agreements"))
    found = accounts.merge(active, how="left", on="account_id")
    failed = gap_places(frames, ["ListCustomerAgreements"])
    gap = found["account_id"].isin(failed["account_id"])
    attested = _attestation_text(params)
    seen = "Artifact not readable (ListCustomerAgreements failed)"
    none = "no active Business Associate Addendum listed in AWS Artifact"
    rules = [
        (
            found["agreement"].notna(),
            "PASS",
            "active in AWS Artifact: " + found["agreement"].fillna(""),
        ),
    ]
    if attested:
        where = pd.Series(none, index=found.index, dtype="string").mask(gap, seen)
        rules.append((pd.Series(True, index=found.index), "MANUAL", where + "; " + attested))
    rules.append((gap, "GAP", seen))
    status, reason = decide(
        found.index, rules, ("FAIL", none + " and no attestation in the parameters")
    )
    evidence = found["evidence"].fillna("")
    base = found.assign(raw_path=evidence.mask(evidence.eq(""), _gap_paths(found, failed)))
    threshold = "" if attested is None else "attestations.baa"
    return findings(base, "baa_in_place", status, reason, threshold)


def _gap_paths(accounts: pd.DataFrame, failed: pd.DataFrame) -> pd.Series:
    paths = failed.groupby("account_id")["raw_path"].agg(";".join) if not failed.empty else {}
    return accounts["account_id"].map(paths).astype("string").fillna("")
