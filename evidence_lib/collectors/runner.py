"""Collect every account and region of a run, concurrently, into the raw store.

Per (account, region): ElastiCache first, then the EC2 security groups, subnets and route
tables, CloudWatch and Logs, the trails, the SNS topics and KMS keys the responses named. Per
account, after its regions: STS caller identity, Artifact agreements (region ``global``), the S3
buckets of the trails and of the archives, and the KMS keys of those buckets. Every topic and
key is described once per account.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from evidence_lib.collectors.cloudtrail_config import TRAIL_STEPS, collect_trail_config
from evidence_lib.collectors.context import ClientFactory, CollectContext, Response
from evidence_lib.collectors.ec2 import NETWORK_STEPS, collect_network
from evidence_lib.collectors.elasticache import ELASTICACHE_STEPS, collect_elasticache
from evidence_lib.collectors.identity import (
    collect_get_caller_identity,
    collect_list_customer_agreements,
)
from evidence_lib.collectors.kms import collect_describe_key
from evidence_lib.collectors.monitoring import (
    MONITORING_STEPS,
    alarm_topic_arns,
    arn_region,
    collect_get_topic_attributes,
    collect_monitoring,
)
from evidence_lib.collectors.storage import collect_buckets
from evidence_lib.rawstore import RawStore

logger = logging.getLogger(__name__)

GLOBAL_REGION = "global"
REGION_STEPS = ELASTICACHE_STEPS + NETWORK_STEPS + MONITORING_STEPS + TRAIL_STEPS + 2
ACCOUNT_STEPS = 4


class CountingStore(RawStore):
    """A raw store that also counts the pages it wrote, by outcome."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def write_page(self, **page: Any) -> str:
        """Store one page (see ``RawStore.write_page``) and count its outcome."""
        path = super().write_page(**page)
        with self._count_lock:
            self.outcomes[page.get("outcome", "ok")] += 1
        return path


@dataclass
class AccountScope:
    """One account to collect: its ID, how to get its clients, and what was seen in it."""

    account_id: str
    client_factory: ClientFactory
    trails: list[Response] = field(default_factory=list)
    identity: Response | None = None
    _claimed: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def claim(self, kind: str, values: Iterable[str]) -> list[str]:
        """Return the values of ``kind`` not claimed before in this account, and claim them."""
        with self._lock:
            new = sorted({v for v in values if (kind, v) not in self._claimed})
            self._claimed.update((kind, v) for v in new)
            return new

    def add_trails(self, trails: Iterable[Response]) -> None:
        """Remember trails seen in a region (their buckets and keys are collected later)."""
        with self._lock:
            known = {t.get("TrailARN") for t in self.trails}
            self.trails.extend(t for t in trails if t.get("TrailARN") not in known)


def _kms_claims(keys: Iterable[str], region: str) -> list[str]:
    # NOTE: a bare key ID or alias is only unique within its region; an ARN names the region.
    return [f"{arn_region(k, region)}|{k}" for k in keys]


def _describe_keys(ctx: CollectContext, scope: AccountScope, keys: Iterable[str]) -> None:
    for claim in scope.claim("kms", _kms_claims(keys, ctx.region)):
        region, key = claim.split("|", 1)
        collect_describe_key(ctx.in_region(region), key)


def collect_region(ctx: CollectContext, scope: AccountScope, tick: Callable[[], None]) -> None:
    """Collect one account and region (``REGION_STEPS`` ticks).

    Parameters
    ----------
    ctx : CollectContext
        Store, account, region and client factory.
    scope : AccountScope
        The account, which remembers trails and the topics and keys already described.
    tick : callable
        Called once after each operation (progress).
    """
    started = time.monotonic()
    inventory = collect_elasticache(ctx, tick)
    collect_network(ctx, inventory, tick)
    alarms = collect_monitoring(ctx, tick)
    trails = collect_trail_config(ctx, tick)
    scope.add_trails(trails)

    # Topics and keys named by the responses above, each once per account.
    topics = inventory.topic_arns() | alarm_topic_arns(alarms)
    for arn in scope.claim("sns", topics):
        collect_get_topic_attributes(ctx, arn)
    tick()
    trail_keys = {t["KmsKeyId"] for t in trails if t.get("KmsKeyId")}
    _describe_keys(ctx, scope, inventory.kms_key_ids() | trail_keys)
    tick()
    logger.info(
        "collected account %s region %s in %.1f s",
        ctx.account_id,
        ctx.region,
        time.monotonic() - started,
    )


def account_buckets(scope: AccountScope, params: Any) -> set[str]:
    """Return the buckets to describe: the trails' buckets and the archive buckets."""
    buckets = {t["S3BucketName"] for t in scope.trails if t.get("S3BucketName")}
    if params is not None:
        buckets |= set(params.cloudtrail.archive_buckets)
        if params.backups.archive_bucket:
            buckets.add(params.backups.archive_bucket)
    return buckets


def collect_account(ctx: CollectContext, scope: AccountScope, tick: Callable[[], None]) -> None:
    """Collect the account-level evidence, after its regions (``ACCOUNT_STEPS`` ticks).

    Parameters
    ----------
    ctx : CollectContext
        The account's context; its region is ``global``.
    scope : AccountScope
        The account and the trails its regions reported; ``identity`` is set here.
    tick : callable
        Called once after each operation (progress).
    """
    scope.identity = collect_get_caller_identity(ctx, GLOBAL_REGION)
    tick()
    collect_list_customer_agreements(ctx, GLOBAL_REGION)
    tick()

    # NOTE: the global S3 endpoint answers GetBucketLocation for a bucket of any region.
    home = first_region(ctx)
    keys = collect_buckets(ctx.in_region(home), account_buckets(scope, ctx.params))
    tick()
    _describe_keys(ctx.in_region(home), scope, keys)
    tick()


def first_region(ctx: CollectContext) -> str:
    """Return the region S3 locations are asked in (the global endpoint's region)."""
    from evidence_lib.regions import global_endpoint_region

    regions = list(ctx.params.aws.regions) if ctx.params is not None else []
    return global_endpoint_region(regions)


def collect_accounts(
    store: RawStore,
    params: Any,
    scopes: list[AccountScope],
    tick: Callable[[], None],
) -> None:
    """Collect every (account, region), then every account, in a bounded thread pool.

    Parameters
    ----------
    store : RawStore
        The run's raw store.
    params : Params
        The run parameters (regions, ``aws.max_workers``, buckets).
    scopes : list of AccountScope
        The accounts in scope.
    tick : callable
        Called once after each operation (progress); must be thread-safe.
    """
    contexts = {
        s.account_id: CollectContext(store, s.account_id, GLOBAL_REGION, s.client_factory, params)
        for s in scopes
    }
    pool = ThreadPoolExecutor(max_workers=params.aws.max_workers)
    try:
        regional = [
            pool.submit(collect_region, contexts[s.account_id].in_region(r), s, tick)
            for s in scopes
            for r in params.aws.regions
        ]
        for future in regional:
            future.result()
        accounts = [pool.submit(collect_account, contexts[s.account_id], s, tick) for s in scopes]
        for future in accounts:
            future.result()
    except BaseException:
        # Pages already written stay on disk; queued work is dropped, running calls finish.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
