"""AWS Artifact on the demo endpoint: an honest, quiet "not emulated" answer.

moto 5.2.5 has no Artifact backend. Its server dispatcher finds none for the host it infers
from the request signature (``artifact.<region>.amazonaws.com``), prints "Unable to find
appropriate backend ..." and a traceback, and answers HTTP 500, which botocore retries.

This module wraps the dispatcher so that any request signed for the ``artifact`` service gets
what AWS's restJson protocol sends for an error (HTTP 400, ``x-amzn-ErrorType`` header, a JSON
body with ``message``) with the code ``UnsupportedOperation``. It does not pretend to be AWS
refusing access: the code and message say the demo endpoint does not emulate Artifact. A 400
is not retried, so the collector records one error page (a gap) and nothing is printed.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from werkzeug.wrappers import Response

SIGNING_NAME = "artifact"
ERROR_CODE = "UnsupportedOperation"
ERROR_MESSAGE = (
    "AWS Artifact is not emulated by the demo endpoint; "
    "the BAA rests on the attestation in the parameters"
)
_INSTALL_LOCK = threading.Lock()
_ORIGINAL: dict[str, Callable[..., Any]] = {}


def signing_service(environ: dict[str, Any]) -> str | None:
    """Return the service named in a SigV4 ``Authorization`` header's credential scope.

    Parameters
    ----------
    environ : dict
        The WSGI environment of one request.

    Returns
    -------
    str or None
        The signing name (``artifact``, ``s3``, ...); None for an unsigned or SigV2 request.
    """
    auth = environ.get("HTTP_AUTHORIZATION") or ""
    # Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=...
    for part in auth.replace(",", " ").split():
        if part.startswith("Credential="):
            scope = part.removeprefix("Credential=").split("/")
            return scope[3].lower() if len(scope) == 5 else None
    return None


def unsupported_response() -> Response:
    """Return the restJson error AWS would shape for an operation this endpoint lacks."""
    body = json.dumps({"message": ERROR_MESSAGE})
    return Response(
        body,
        status=400,
        content_type="application/json",
        headers={"x-amzn-ErrorType": ERROR_CODE, "x-amzn-RequestId": str(uuid.uuid4())},
    )


def _dispatch(
    app: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any
) -> Iterable[bytes]:
    """Answer Artifact requests here; hand every other request to moto's dispatcher."""
    if signing_service(environ) == SIGNING_NAME:
        return unsupported_response()(environ, start_response)
    return _ORIGINAL["call"](app, environ, start_response)


def install() -> None:
    """Wrap moto's server dispatcher in-process (idempotent); call before the server starts."""
    with _INSTALL_LOCK:
        if "call" in _ORIGINAL:
            return
        _ORIGINAL["call"] = DomainDispatcherApplication.__call__
        # NOTE: __call__ is looked up on the class, so servers already built are wrapped too.
        DomainDispatcherApplication.__call__ = _dispatch  # type: ignore[method-assign, assignment]
