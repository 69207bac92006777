"""Whole outputs or none: atomic output folders and files, a lock per output, the overwrite policy.

Every command that writes goes through this module:

- a folder output (``optimize``, ``market``, ``sweep``, ``brief``) is written into a hidden
  sibling folder (``.<name>.tmp-<pid>``, or ``.<name>.partial`` for a resumable sweep) in the
  same parent, every file is fsync'ed, and the folder is renamed into place at the end; an
  existing output is swapped out in that same rename (Linux ``renameat2(RENAME_EXCHANGE)``),
  so a reader sees the old output or the new one, never a mix;
- file outputs (``credits --out/--detail``, ``ledger --out``) are written to hidden temporary
  siblings and moved into place with :func:`os.replace`, all together at the end;
- an output that exists is refused unless ``overwrite`` is given (an empty folder counts as
  absent: there is nothing to lose);
- a lock (``.<name>.lock`` beside the output, an ``flock`` on Linux and macOS) makes a second
  run on the same output fail at once instead of interleaving with the first; the lock file is
  removed when the run ends;
- SIGINT and SIGTERM are held back during the final renames, so an interrupt lands before
  them (old output intact) or after them (new output whole).

On a failure or an interrupt the temporary folder or files are removed (a sweep keeps its
``.<name>.partial`` folder once it has results, for ``--resume``) and the old output is
untouched; parent folders created for the output are removed again if they are empty.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

from linkage.errors import LinkageError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "OutputDir",
    "OutputError",
    "OutputExistsError",
    "OutputLock",
    "OutputLockedError",
    "check_output_path",
    "fsync_tree",
    "write_atomically",
    "write_files",
]


class OutputError(LinkageError):
    """An output cannot be written where asked (path, permission, existing output, lock).

    Parameters
    ----------
    path : path
        The output path.
    rule : str
        What is wrong, in one sentence.
    """

    def __init__(self, path: str | Path, rule: str) -> None:
        self.path = str(path)
        self.rule = rule
        super().__init__(f"{self.path}: {rule}")


class OutputExistsError(OutputError):
    """The output exists and ``overwrite`` was not given."""


class OutputLockedError(OutputError):
    """Another run holds the output's lock."""


# --------------------------------------------------------------------------- checks
def _nearest_existing(path: Path) -> Path:
    p = path
    while not os.path.lexists(p):
        if p.parent == p:
            break
        p = p.parent
    return p


def _is_empty_dir(path: Path) -> bool:
    with os.scandir(path) as it:
        return next(it, None) is None


def check_output_path(
    path: str | Path,
    *,
    kind: str,
    overwrite: bool = False,
    protect: Iterable[str | Path] = (),
) -> Path:
    """Refuse an output path that cannot or must not be written, before any work is done.

    Parameters
    ----------
    path : path
        The output: a folder (``kind="dir"``) or a file (``kind="file"``).
    kind : {"dir", "file"}
    overwrite : bool
        Whether an existing output may be replaced.
    protect : iterable of path
        Inputs the output must not replace or contain (replacing a folder deletes what is in
        it).

    Returns
    -------
    Path
        The output path, absolute.

    Raises
    ------
    OutputError
        Its parent is a file or cannot be written; it is a folder where a file is expected or
        the reverse; it would delete the working folder or an input.
    OutputExistsError
        It exists (a non-empty folder or a file) and ``overwrite`` is false.
    """
    if kind not in ("dir", "file"):
        raise ValueError("kind must be 'dir' or 'file'")
    out = Path(os.path.abspath(path))
    if os.path.lexists(out):
        if kind == "dir" and not out.is_dir():
            raise OutputError(path, "exists and is not a folder (this output is a folder)")
        if kind == "file" and out.is_dir():
            raise OutputError(path, "is a folder (this output is a file)")
        if kind == "dir":
            _check_not_an_ancestor(out, path, protect)
        if not overwrite and not (kind == "dir" and _is_empty_dir(out)):
            raise OutputExistsError(path, "already exists; use --overwrite to replace it")
    else:
        _check_not_an_ancestor(out, path, protect)
    anc = _nearest_existing(out.parent)
    if not anc.is_dir():
        raise OutputError(path, f"cannot create it: {anc} is not a folder")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise OutputError(path, f"cannot write into {anc}: permission denied")
    return out


def _check_not_an_ancestor(out: Path, shown: str | Path, protect: Iterable[str | Path]) -> None:
    """Refuse a folder output that holds the working folder or an input."""
    real = Path(os.path.realpath(out))
    keep = [Path.cwd(), *map(Path, protect)]
    with contextlib.suppress(RuntimeError, KeyError):  # no home folder known
        keep.append(Path.home())
    for p in keep:
        q = Path(os.path.realpath(p))
        if q == real or real in q.parents:
            raise OutputError(shown, f"replacing it would delete {p}; choose another folder")


# --------------------------------------------------------------------------- durability
def _fsync_path(path: Path, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # pragma: no cover - e.g. directories on Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems without fsync on directories
        pass
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root`` (and ``root``) to disk."""
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            _fsync_path(Path(dirpath) / f)
        _fsync_path(Path(dirpath), directory=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (in the main thread) and deliver them afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    sigs = [signal.SIGINT, signal.SIGTERM]
    old = {s: signal.getsignal(s) for s in sigs}
    for s in sigs:
        signal.signal(s, lambda signum, _frame: pending.append(signum))
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        for s in dict.fromkeys(pending):
            signal.raise_signal(s)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _libc_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - old glibc, musl
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _libc_renameat2()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; False when the system cannot."""
    if _renameat2 is None:
        return False
    rc = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(temp: Path, final: Path) -> None:
    """Put the folder ``temp`` at ``final``, replacing what is there; remove the old one."""
    if not os.path.lexists(final):
        os.rename(temp, final)
    elif final.is_dir() and _is_empty_dir(final):
        os.rename(temp, final)  # POSIX: a folder may replace an empty folder
    elif _exchange(temp, final):
        shutil.rmtree(temp, ignore_errors=True)  # temp now holds the old output
    else:  # pragma: no cover - systems without renameat2: a two-step swap
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.rename(final, old)
        os.rename(temp, final)
        shutil.rmtree(old)
    _fsync_path(final.parent, directory=True)


# --------------------------------------------------------------------------- lock
class OutputLock:
    """An exclusive, non-blocking lock on one output (``.<name>.lock`` beside it).

    A second lock on the same output raises :class:`OutputLockedError` at once. The lock is
    an ``flock`` (released by the system if the process dies) on a file that is removed on
    release; a run that finds the file removed under it locks the new one.
    """

    def __init__(self, out: str | Path) -> None:
        self.shown = out
        self.out = Path(os.path.abspath(out))
        self.path = self.out.with_name(f".{self.out.name}.lock")
        self._fd: int | None = None
        self.created: list[Path] = []

    def acquire(self) -> None:
        """Take the lock (creating the output's parent folders if needed)."""
        missing = []
        p = self.out.parent
        while not os.path.lexists(p) and p.parent != p:
            missing.append(p)
            p = p.parent
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.created = missing  # deepest first
        while True:
            if fcntl is None:  # pragma: no cover - Windows: exclusive creation
                try:
                    self._fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    self._locked()
                return
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                self._locked()
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)  # the holder removed it as we opened it: lock the new one

    def _locked(self) -> None:
        raise OutputLockedError(self.shown, "another linkage run is writing this output "
                                          f"(lock {self.path}); wait for it to finish")

    def release(self, *, failed: bool = False) -> None:
        """Remove the lock file and release the lock.

        Parameters
        ----------
        failed : bool
            The run failed: also remove the parent folders :meth:`acquire` created, if empty.
        """
        if self._fd is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            os.close(self._fd)
            self._fd = None
        if failed:
            for d in self.created:
                with contextlib.suppress(OSError):
                    os.rmdir(d)

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.release(failed=exc_type is not None)


def _remove_stale(out: Path) -> None:
    """Remove temporary siblings of ``out`` left by killed runs (call with the lock held)."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.tmp-\d+$")
    with contextlib.suppress(FileNotFoundError), os.scandir(out.parent) as it:
        for entry in it:
            if pattern.match(entry.name):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)


# --------------------------------------------------------------------------- folders
class OutputDir:
    """Write a folder output whole or not at all.

    ``with OutputDir(out) as tmp:`` yields a temporary sibling folder; write every file into
    it. When the block ends normally the folder is flushed and renamed to ``out`` (replacing
    an existing output when ``overwrite``); when it raises (or is interrupted) the temporary
    folder is removed and ``out`` is untouched.

    Parameters
    ----------
    out : path
        The output folder.
    overwrite : bool
        Replace an existing (non-empty) ``out``; otherwise it is refused before anything is
        written.
    partial : bool
        Resumable output: the temporary folder has the fixed name ``.<name>.partial`` and is
        kept after a failure once :attr:`keep_on_error` is set (a sweep sets it when its first
        results are on disk).
    resume : bool
        With ``partial``: reuse an existing partial folder (otherwise one is refused).
    protect : iterable of path
        Inputs the output must not replace or contain.

    Attributes
    ----------
    final : Path
        The output folder (absolute).
    temp : Path
        The folder being written.
    resumed : bool
        Whether an existing partial folder is being continued.
    keep_on_error : bool
        Keep :attr:`temp` when the block fails.
    """

    def __init__(self, out: str | Path, *, overwrite: bool = False, partial: bool = False,
                 resume: bool = False, protect: Iterable[str | Path] = ()) -> None:
        self.shown = out
        self.final = Path(os.path.abspath(out))
        self.overwrite = overwrite
        self.partial = partial
        self.resume = resume
        self.protect = list(protect)
        suffix = "partial" if partial else f"tmp-{os.getpid()}"
        self.temp = self.final.with_name(f".{self.final.name}.{suffix}")
        self.resumed = False
        self.keep_on_error = False
        self._lock = OutputLock(self.final)

    def __enter__(self) -> Path:
        check_output_path(self.shown, kind="dir", overwrite=self.overwrite,
                          protect=self.protect)
        self._lock.acquire()
        try:
            # checked again under the lock: another run may have finished meanwhile
            check_output_path(self.shown, kind="dir", overwrite=self.overwrite,
                              protect=self.protect)
            _remove_stale(self.final)
            if self.partial and self.temp.exists():
                if not self.resume:
                    raise OutputError(self.shown, f"a partial run is in {self.temp}; use "
                                      "--resume (resume=True) to continue it, or remove it "
                                      "to start again")
                self.resumed = True
                self.keep_on_error = True
            else:
                self.temp.mkdir()
        except BaseException:
            self._lock.release(failed=True)
            raise
        return self.temp

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        failed = exc_type is not None
        try:
            if not failed:
                fsync_tree(self.temp)
                with _signals_held():
                    _swap_in(self.temp, self.final)
            elif not self.keep_on_error:
                shutil.rmtree(self.temp, ignore_errors=True)
        except BaseException:
            failed = True
            if not self.keep_on_error:
                shutil.rmtree(self.temp, ignore_errors=True)
            raise
        finally:
            self._lock.release(failed=failed)


# --------------------------------------------------------------------------- files
def write_atomically(targets: dict[Path, Callable[[Path], None]]) -> None:
    """Write several files so that either all appear or none does.

    Each file is written to a hidden temporary sibling (``.<name>.tmp-<pid>``), flushed, and
    all are moved into place together at the end (interrupts held back during the moves).
    No overwrite check and no lock: see :func:`write_files`.

    Parameters
    ----------
    targets : dict
        Final path -> function writing the content to the (temporary) path it receives.
    """
    temps: dict[Path, Path] = {}
    try:
        for final, writer in targets.items():
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
            temps[final] = tmp
            writer(tmp)
            _fsync_path(tmp)
        with _signals_held():
            for final, tmp in temps.items():
                os.replace(tmp, final)
        for d in {f.parent for f in temps}:
            _fsync_path(d, directory=True)
    finally:
        for tmp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def write_files(targets: dict[Path, Callable[[Path], None]], *,
                overwrite: bool = False) -> list[Path]:
    """Write file outputs whole or not at all, with the overwrite policy and a lock each.

    Parameters
    ----------
    targets : dict
        Final path -> function writing the content to the (temporary) path it receives.
    overwrite : bool
        Replace existing files; otherwise an existing one is refused before anything is
        written.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    OutputError, OutputExistsError, OutputLockedError
    """
    finals = [Path(p) for p in targets]
    if len({os.path.realpath(p) for p in finals}) < len(finals):
        raise OutputError(finals[0], "the same file is named for two outputs")
    for p in finals:
        check_output_path(p, kind="file", overwrite=overwrite)
    with contextlib.ExitStack() as stack:
        for p in finals:
            stack.enter_context(OutputLock(p))
        for p in finals:
            check_output_path(p, kind="file", overwrite=overwrite)
            _remove_stale(Path(os.path.abspath(p)))
        write_atomically(dict(targets))
    return finals
