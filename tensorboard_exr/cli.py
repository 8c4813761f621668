"""The `tensorboard-exr` command (also `python -m tensorboard_exr`).

    tensorboard-exr serve PATH [--host 127.0.0.1] [--port 6066] [--root DIR] [--allow-host NAME]
                               [--max-files N] [--quiet]

serves a folder (browsed as a tree, same-named files in sibling folders grouped), a JSON config
(JERI's format) or one EXR file together with the EXR viewer; see docs/standalone.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from tensorboard_exr.standalone import ConfigError, serve
from tensorboard_exr.standalone.folder_tree import DEFAULT_MAX_FILES

DEFAULT_PORT = 6066


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command and its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="tensorboard-exr", description="Tools around OpenEXR images outside TensorBoard."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve a folder or a JSON config of EXR images with the viewer",
        description=(
            "Serve PATH over HTTP with the EXR viewer: a folder (same-named files in sibling folders"
            " become groups you can toggle and compare) or a JSON config in JERI's format."
        ),
    )
    serve.add_argument("path", type=Path, metavar="PATH", help="a folder, a .json config, or one .exr file")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    serve.add_argument(
        "--root",
        type=Path,
        help="for a config: the folder files are served from (default: the config's folder); must contain it",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="on a loopback address, also answer requests addressed to NAME (e.g. behind a proxy)",
    )
    serve.add_argument(
        "--max-files",
        type=int,
        default=DEFAULT_MAX_FILES,
        metavar="N",
        help="for a folder: list at most N images (default: %(default)s)",
    )
    serve.add_argument("--quiet", action="store_true", help="do not log every request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command; returns the process exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port} is not a port number (0-65535)", file=sys.stderr)
        return 2
    try:
        serve(
            args.path,
            host=args.host,
            port=args.port,
            root=args.root,
            allow_hosts=args.allow_host,
            max_files=args.max_files,
        )
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {error.strerror or error}"
            " (pass --port N, or --port 0 for a free port)",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
