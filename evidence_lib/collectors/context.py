"""The collection context and the one place where AWS calls are made and stored.

Every ``collect_<operation>`` function goes through :func:`call_pages`: it paginates with the
boto3 paginator when the operation can paginate, writes every response page to the raw store
as it arrives (with the exact request sent, pagination token included) and turns a failed call
into an ``error`` page (a gap) or a ``not_configured`` page (evidence of absence).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from botocore import xform_name
from botocore.client import BaseClient
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from evidence_lib.rawstore import RawStore

logger = logging.getLogger(__name__)

ClientFactory = Callable[[str, str], BaseClient]
"""Return a boto3 client for ``(service, region)``."""

Response = dict[str, Any]

# Error codes that mean "nothing is configured": evidence of absence, not a gap.
NOT_CONFIGURED_CODES = frozenset(
    {
        "NoSuchLifecycleConfiguration",
        "ObjectLockConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NotFound",
        "NotFoundException",
        "CacheParameterGroupNotFound",
    }
)

FAILURES = (ClientError, BotoConnectionError, HTTPClientError)
"""Failures caught at the collector boundary: API errors, connection errors and timeouts."""


@dataclass(frozen=True)
class CollectContext:
    """Where a collector stores pages, for which account and region, and how it gets clients.

    Parameters
    ----------
    store : RawStore
        The raw store of the run folder.
    account_id : str
        The 12-digit account the calls are made in.
    region : str
        The region the calls are made in (``global`` for STS and Artifact).
    client_factory : ClientFactory
        ``(service, region) -> client``; clients are shared, so it should cache them.
    params : Any
        The run parameters (``evidence_lib.params.Params``) or None in unit tests.
    """

    store: RawStore
    account_id: str
    region: str
    client_factory: ClientFactory
    params: Any = None

    def in_region(self, region: str) -> CollectContext:
        """Return the same context for another region."""
        return replace(self, region=region)


def _error_of(exc: Exception) -> dict[str, Any]:
    """Return the ``{"code", "message"}`` record of a failed call (never headers or signatures)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        return {
            "code": str(error.get("Code") or "Unknown"),
            "message": str(error.get("Message") or exc),
            "http_status": meta.get("HTTPStatusCode"),
            "request_id": meta.get("RequestId"),
        }
    return {"code": type(exc).__name__, "message": str(exc)}


class _RequestRecorder:
    """Record the parameters of each request a client sends for one operation, in this thread."""

    def __init__(self, client: BaseClient, operation: str, request: Mapping[str, Any]) -> None:
        service = client.meta.service_model.service_id.hyphenize()
        self.event = f"provide-client-params.{service}.{operation}"
        self.client = client
        self.thread = threading.get_ident()
        self.unique_id = f"evidence-recorder-{id(self)}"
        self.last: dict[str, Any] = dict(request)

    def _record(self, params: Mapping[str, Any], **_: Any) -> None:
        # NOTE: clients are shared between threads; record only this thread's calls.
        if threading.get_ident() == self.thread:
            self.last = dict(params)

    def __enter__(self) -> _RequestRecorder:
        self.client.meta.events.register(self.event, self._record, unique_id=self.unique_id)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.meta.events.unregister(self.event, unique_id=self.unique_id)


def _pages(client: BaseClient, method: str, request: Mapping[str, Any]) -> Iterable[Response]:
    """Yield the response pages of one call, lazily, paginating when the operation can."""
    if client.can_paginate(method):
        yield from client.get_paginator(method).paginate(**request)
    else:
        yield getattr(client, method)(**request)


def call_pages(
    ctx: CollectContext,
    service: str,
    operation: str,
    request: Mapping[str, Any] | None = None,
    *,
    client_region: str | None = None,
    storage_region: str | Callable[[Response], str] | None = None,
) -> list[Response]:
    """Call one AWS operation, store every page as it arrives, and return the pages.

    Parameters
    ----------
    ctx : CollectContext
        Store, account, region and client factory.
    service : str
        The boto3 service name, e.g. ``elasticache``.
    operation : str
        The AWS operation name in CamelCase, e.g. ``DescribeReplicationGroups``.
    request : Mapping, optional
        The operation's parameters.
    client_region : str, optional
        The region of the client (default: ``ctx.region``).
    storage_region : str or callable, optional
        The region folder of the pages (default: ``ctx.region``); a callable derives it
        from a successful page (S3 GetBucketLocation).

    Returns
    -------
    list of dict
        The successful pages; empty when the call failed or nothing is configured.
    """
    request = dict(request or {})
    client = ctx.client_factory(service, client_region or ctx.region)
    method_name = xform_name(operation)
    pages: list[Response] = []
    with _RequestRecorder(client, operation, request) as recorder:
        try:
            for page in _pages(client, method_name, request):
                region = storage_region(page) if callable(storage_region) else storage_region
                _write(ctx, service, operation, region, recorder.last, response=page)
                pages.append(page)
        except FAILURES as exc:
            region = storage_region if isinstance(storage_region, str) else None
            _write_failure(ctx, service, operation, region, recorder.last, exc)
    return pages


def _write(
    ctx: CollectContext,
    service: str,
    operation: str,
    region: str | None,
    request: Mapping[str, Any],
    **page: Any,
) -> str:
    path = ctx.store.write_page(
        service=service,
        operation=operation,
        account_id=ctx.account_id,
        region=region or ctx.region,
        request=request,
        **page,
    )
    logger.debug("stored %s", path)
    return path


def _write_failure(
    ctx: CollectContext,
    service: str,
    operation: str,
    region: str | None,
    request: Mapping[str, Any],
    exc: Exception,
) -> None:
    """Store a failed call as a gap, or as evidence of absence when it means "not configured"."""
    error = _error_of(exc)
    if error["code"] in NOT_CONFIGURED_CODES:
        _write(ctx, service, operation, region, request, outcome="not_configured", error=error)
        return
    _write(ctx, service, operation, region, request, outcome="error", error=error)
    logger.warning(
        "gap: account %s region %s %s:%s failed with %s",
        ctx.account_id,
        region or ctx.region,
        service,
        operation,
        error["code"],
    )


def items(pages: Iterable[Response], key: str) -> list[Any]:
    """Return the items under ``key`` of every page, in order."""
    return [item for page in pages for item in page.get(key) or []]


def batches(values: Iterable[str], size: int) -> list[list[str]]:
    """Return the sorted distinct ``values`` in lists of at most ``size``."""
    distinct = sorted(set(values))
    return [distinct[i : i + size] for i in range(0, len(distinct), size)]
