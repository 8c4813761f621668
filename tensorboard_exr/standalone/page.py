"""The review server's HTML page and the Content-Security-Policy it is served with."""

from __future__ import annotations

from html import escape

# 'wasm-unsafe-eval' lets the decoder compile OpenEXR's WebAssembly without allowing eval();
# workers come from same-origin files (module workers), never blob: URLs. Inline styles are
# allowed because the viewer positions its overlays with style attributes and injects its CSS.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "worker-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self' 'unsafe-inline'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ]
)

VIEWER_SCRIPT = "standalone.js"


def index_html(title: str, viewer_built: bool) -> str:
    """The page: a container the viewer script fills, or why there is no viewer yet."""
    shown = escape(title)
    if viewer_built:
        body = '<div id="app"></div>\n<noscript>The EXR viewer needs JavaScript.</noscript>'
        script = f'<script type="module" src="{VIEWER_SCRIPT}"></script>\n'
    else:
        body = (
            "<p>The viewer has not been built: <code>tensorboard_exr/static/standalone.js</code> is"
            " missing. Run <code>bash scripts/build_frontend.sh</code> (or reinstall the package)."
            ' The files are served all the same: <a href="api/tree">api/tree</a> lists them.</p>'
        )
        script = ""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{shown} — EXR review</title>\n{script}</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
