"""Which files the review server may send, and their versions (ETags).

The rule, in one place: a request path is split into segments and walked from the served root
with `lstat`, one segment at a time. It is refused (403) if it is absolute, contains a backslash
or NUL, has an empty, `.`, `..` or hidden (`.name`) segment, or meets a symbolic link anywhere
below the root: no symlink is followed, even one that points back inside the root, so what is
served is exactly what a reader of the folder sees. A path that does not exist, or is not a
regular file, is 404. The root itself may be a symlink: the user named it on the command line.
Each segment is opened relative to its folder's descriptor with O_NOFOLLOW and checked by `fstat`, so a
component swapped for a symlink between the check and the open is still refused.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path


class RefusedPath(Exception):
    """A request path that is not served; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class FileVersion:
    """What identifies one version of a file: a strong validator built from its inode metadata.

    Like nginx's and Apache's ETags it comes from (device, inode, size, mtime in ns) rather than a
    content hash, so it costs one `stat`, not a read of a possibly large file; any rewrite of
    the file changes its mtime and so its token.
    """

    token: str
    size: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileVersion:
        key = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}".encode()
        return cls(token=hashlib.sha256(key).hexdigest()[:20], size=st.st_size)


def split_request_path(relpath: str) -> list[str]:
    """The segments of a request path, or RefusedPath(403) for anything that could escape."""
    if not relpath:
        raise RefusedPath(404, "no file named")
    if "\x00" in relpath or "\\" in relpath:
        raise RefusedPath(403, f"refused {relpath!r}: backslashes and NUL are not allowed in paths")
    if relpath.startswith("/"):
        raise RefusedPath(403, f"refused {relpath!r}: absolute paths are not served")
    segments = relpath.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise RefusedPath(403, f"refused {relpath!r}: empty, '.' and '..' segments are not allowed")
        if segment.startswith("."):
            raise RefusedPath(403, f"refused {relpath!r}: hidden files and folders are not served")
    return segments


def open_served_file(root: Path, relpath: str) -> tuple[int, FileVersion]:
    """Opens the file `relpath` names under `root` after the checks in this module's docstring.

    Returns the descriptor (the caller closes it) and the file's version. The walk opens each
    folder relative to the previous one's descriptor with O_NOFOLLOW, so no segment can be
    swapped for a symlink between the check and the open.
    """
    segments = split_request_path(relpath)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            try:
                st = os.stat(segment, dir_fd=fd, follow_symlinks=False)
            except (FileNotFoundError, NotADirectoryError):
                raise RefusedPath(404, f"no file {relpath!r} in the served folder") from None
            except OSError as error:
                raise RefusedPath(403, f"cannot read {relpath!r}: {error.strerror}") from None
            if stat.S_ISLNK(st.st_mode):
                shown = "/".join(segments[: index + 1])
                raise RefusedPath(
                    403, f"refused {relpath!r}: {shown!r} is a symbolic link, which is not followed"
                )
            if not last and not stat.S_ISDIR(st.st_mode):
                raise RefusedPath(404, f"no file {relpath!r} in the served folder")
            if last and not stat.S_ISREG(st.st_mode):
                raise RefusedPath(404, f"{relpath!r} is not a regular file")
            try:
                # O_NONBLOCK: a FIFO swapped in after the check must not hang the open.
                mode = os.O_NONBLOCK if last else os.O_DIRECTORY
                next_fd = os.open(segment, flags | mode, dir_fd=fd)
            except FileNotFoundError:
                raise RefusedPath(404, f"no file {relpath!r} in the served folder") from None
            except OSError as error:  # ELOOP/ENOTDIR: replaced by a symlink after the check
                raise RefusedPath(403, f"cannot open {relpath!r}: {error.strerror}") from None
            os.close(fd)
            fd = next_fd
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RefusedPath(404, f"{relpath!r} is not a regular file")
        return fd, FileVersion.of(st)
    except BaseException:
        os.close(fd)
        raise


def file_version(root: Path, relpath: str) -> FileVersion:
    """The current version of a served file (RefusedPath if it would not be served)."""
    fd, version = open_served_file(root, relpath)
    os.close(fd)
    return version
