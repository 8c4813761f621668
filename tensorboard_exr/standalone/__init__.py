"""The standalone review server: a folder or a JERI-style JSON config, served with the EXR viewer.

`tensorboard-exr serve PATH` (or `python -m tensorboard_exr serve PATH`) starts it; see
docs/standalone.md. Modules, one job each: `tree` (the node types and metric names), `config`
(reads a config), `folder_tree` (groups a folder), `sources` (where the tree comes from),
`served_files` (which files may be sent), `tree_json` (the `/api/tree` body), `page` (the HTML
and its CSP), `app` (the WSGI routes; the frontend build comes from `..static_files`), `server` (running it).
"""

from .app import ReviewApp
from .config import ConfigError, load_config
from .server import serve
from .sources import open_source

__all__ = ["ConfigError", "ReviewApp", "load_config", "open_source", "serve"]
