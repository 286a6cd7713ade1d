"""The ``evidence`` command line.

This is the only module that configures logging. User errors (``ParameterError``,
``RunFolderError``) print one line and exit with code 2; no traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from evidence_lib.errors import EvidenceError, ParameterError, RunFolderError

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING - 10 * verbosity
    logging.basicConfig(
        level=max(level, logging.DEBUG),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # NOTE: botocore logs request headers (with signatures) at DEBUG; keep it quieter.
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug", "moto", "papermill", "traitlets"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _cmd_demo_server(args: argparse.Namespace) -> int:
    from evidence_lib.demo.server import serve_forever

    serve_forever(port=args.port)
    return EXIT_OK


def _cmd_collect(args: argparse.Namespace) -> int:
    from evidence_lib.collectors import collect_run
    from evidence_lib.params import load_params

    params = load_params(args.params)
    run_dir = collect_run(params, out_dir=args.out, progress=not args.quiet)
    print(run_dir)
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from evidence_lib.runfolder import evaluate_run

    evaluate_run(Path(args.run))
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from evidence_lib.runfolder import verify_run

    result = verify_run(Path(args.run))
    for line in result.describe():
        print(line)
    return EXIT_OK if result.ok else EXIT_FAILED


def _cmd_controls(args: argparse.Namespace) -> int:
    from evidence_lib.controls import format_catalog

    print(format_catalog())
    return EXIT_OK


def _cmd_render(args: argparse.Namespace) -> int:
    from evidence_lib.reports import render_run

    controls = args.controls.split(",") if args.controls else None
    formats = args.formats.split(",") if args.formats else None
    result = render_run(
        Path(args.run), controls=controls, formats=formats, jobs=args.jobs, progress=True
    )
    print(result.index_path)
    return EXIT_OK if result.ok else EXIT_FAILED


def _cmd_run(args: argparse.Namespace) -> int:
    from evidence_lib.pipeline import run_all

    result = run_all(args.params, out_dir=args.out, progress=not args.quiet)
    print(result.index_path)
    return EXIT_OK if result.ok else EXIT_FAILED


def _cmd_demo(args: argparse.Namespace) -> int:
    from evidence_lib.pipeline import run_demo

    result = run_demo(out_dir=args.out, progress=True)
    print(result.index_path)
    return EXIT_OK if result.ok else EXIT_FAILED


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidence",
        description="Collect, check and report ElastiCache evidence for HITRUST CSF and HIPAA.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=1, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=text, description=text)
        command.set_defaults(func=func)
        return command

    add("demo", _cmd_demo, "run everything against the embedded AWS endpoint").add_argument(
        "--out", default="output", help="parent folder of the run folder"
    )
    add("demo-server", _cmd_demo_server, "serve the seeded AWS endpoint on loopback").add_argument(
        "--port", type=int, default=0, help="port (default: a free one)"
    )
    collect = add("collect", _cmd_collect, "collect raw evidence, frames and gaps")
    collect.add_argument("--params", required=True, help="parameters YAML file")
    collect.add_argument("--out", default="output", help="parent folder of the run folder")
    add("evaluate", _cmd_evaluate, "rebuild frames and findings from raw").add_argument("run")
    render = add("render", _cmd_render, "render per-control reports, index and bundle")
    render.add_argument("run")
    render.add_argument("--controls", help="comma-separated control IDs (default: all)")
    render.add_argument("--formats", help="comma-separated: html,pdf (default: params)")
    render.add_argument("--jobs", type=int, default=None, help="parallel kernels")
    run = add("run", _cmd_run, "collect, evaluate and render")
    run.add_argument("--params", required=True, help="parameters YAML file")
    run.add_argument("--out", default="output", help="parent folder of the run folder")
    add("verify", _cmd_verify, "re-hash every file against the manifest").add_argument("run")
    add("controls", _cmd_controls, "list the control catalog")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _build_parser().parse_args(argv)
    _configure_logging(0 if args.quiet else args.verbose)
    try:
        return int(args.func(args))
    except (ParameterError, RunFolderError) as exc:
        print(f"evidence: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EvidenceError as exc:
        logger.error("%s", exc)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("evidence: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
