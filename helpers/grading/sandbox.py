"""Run untrusted learner code in a bubblewrap sandbox, with limits, and read what it returns.

Every process a submission starts runs inside ``bwrap`` (Debian's ``bubblewrap``, the sandbox
Flatpak uses), as an unprivileged user where the grader runs as root, with:

- no network (``--unshare-net``), its own process, IPC, UTS and user namespaces;
- a read-only view of only what a kernel needs: the system's ``/usr`` and ``/etc``, the
  Python installation and the course's virtualenv, the ``helpers`` package and ``data/``;
  never the course source (assignments/), the gradebook, other submissions, the tests or
  the repository's other files;
- a size-capped tmpfs (``/scratch``) as the only writable place, holding a scratch copy of
  the submission; ``/job`` (read-only) holds what the grader hands in;
- limits: address space for data (RLIMIT_DATA) per process, a resident-memory cap for the
  whole sandbox (a watchdog), CPU seconds per process (RLIMIT_CPU), a process count
  (RLIMIT_NPROC), a file-size cap, and a wall-clock limit for the whole run;
- results on one pipe, read with a byte cap; nothing else comes back;
- ``--unshare-pid --die-with-parent``: when the run ends, or is stopped, every process it
  started (a detached daemon included) is killed with the sandbox's init.

Nothing the sandboxed code writes is trusted: the grader decodes it with size caps and
without pickle (see :mod:`helpers.grading.judge`).
"""

from __future__ import annotations

import dataclasses
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from helpers.environment import QUIET_KERNEL_ENV
from helpers.grading.config import REPO_ROOT

NOBODY = 65534  # the user id the sandboxed code sees (a user namespace, no capabilities)
SCRATCH = "/scratch"  # the writable tmpfs inside the sandbox
JOB = "/job"  # the read-only folder the grader hands in
INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; `make setup` does it "
    "where it can), or, on a machine you trust with these submissions, run "
    "`make autograde CH=... UNSANDBOXED=1` (learner code then runs as you, with your files "
    "and the network)."
)


class SandboxUnavailable(Exception):
    """bubblewrap is missing or cannot create namespaces here; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one sandboxed run may use.

    Attributes:
        wall_seconds: the whole run, start to end (then every process is killed).
        cpu_seconds: CPU seconds per process (RLIMIT_CPU; SIGXCPU, then SIGKILL).
        memory_bytes: resident memory of all the sandbox's processes together (watchdog).
        data_bytes: writable private memory per process (RLIMIT_DATA): a single huge
            allocation fails at once with MemoryError instead of swapping the machine.
        processes: processes and threads of the sandbox (RLIMIT_NPROC, and the watchdog,
            since the kernel does not apply RLIMIT_NPROC to root); stops fork bombs.
        file_bytes: the largest file the sandbox may write (RLIMIT_FSIZE).
        scratch_bytes: the size of the writable tmpfs (/scratch) and of /tmp.
        result_bytes: the most bytes read back from the result pipe.
        threads: the threads of each numeric library's pool in the sandbox (OpenMP, OpenBLAS,
            MKL, TensorFlow's intra- and inter-op pools: THREAD_VARIABLES); 0 leaves each
            library its default, one per core. A grader that runs one job per core gives 1:
            an idle pool thread's spinning then takes no time from the job on the other core.
    """

    wall_seconds: float = 600
    cpu_seconds: int = 1200
    memory_bytes: int = 6 * 2**30
    data_bytes: int = 8 * 2**30
    processes: int = 1024
    file_bytes: int = 256 * 2**20
    scratch_bytes: int = 512 * 2**20
    result_bytes: int = 64 * 2**20
    threads: int = 0


@dataclasses.dataclass
class Outcome:
    """How a sandboxed run ended.

    Attributes:
        result: the bytes the run wrote on its result pipe (at most Limits.result_bytes).
        returncode: the exit status of the sandbox (negative: killed by that signal).
        stopped: why the grader stopped the run ("" when it ended by itself): the wall-clock
            limit, the memory cap or the result-size cap.
        log: the last lines the run wrote to stdout/stderr (for the instructor).
        seconds: wall time of the run.
        peak_memory_bytes: the highest resident memory of the sandbox seen by the watchdog.
    """

    result: bytes
    returncode: int
    stopped: str
    log: str
    seconds: float
    peak_memory_bytes: int

    def cause(self) -> str:
        """The reason a run that returned no result ended, in words for a person."""
        if self.stopped:
            return self.stopped
        code = self.returncode
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = str(number)
            if number == signal.SIGXCPU or (number == signal.SIGKILL and "SIGXCPU" in self.log):
                return "it used up its CPU-time limit"
            return f"it was killed by signal {name}"
        if code:
            return f"it exited with status {code} (os._exit or sys.exit in the learner's code?)"
        return "it ended without a result"


def seed_job(job: Path) -> None:
    """Put the grader's matplotlib font cache in a job folder (saves seconds per kernel start).

    The runner copies it into its own, writable MPLCONFIGDIR; without it matplotlib would
    scan every font again in each sandbox.
    """
    try:
        import matplotlib

        fonts = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
    except Exception:  # noqa: BLE001 (an optimisation only)
        return
    if fonts:
        (job / "mpl").mkdir(exist_ok=True)
        (job / "mpl").chmod(0o755)
        shutil.copy(fonts[-1], job / "mpl" / fonts[-1].name)
        (job / "mpl" / fonts[-1].name).chmod(0o644)


def unsandboxed_requested() -> bool:
    """The instructor's explicit opt-out (UNSANDBOXED=1 or --unsandboxed)."""
    return os.environ.get("CNN_COURSE_UNSANDBOXED") == "1"


def bwrap() -> str:
    """The bwrap executable; raise SandboxUnavailable with a fix when there is none."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed. {INSTALL_HINT}")
    return path


_CHECKED: list[str] = []


def check_available() -> None:
    """Make sure a sandbox can start here (once per process); raise SandboxUnavailable if not."""
    if _CHECKED or unsandboxed_requested():
        return
    result = subprocess.run(
        [*_bwrap_argv(Limits(), Path("/nonexistent"), {}), "/bin/true"],
        capture_output=True,
        text=True,
        preexec_fn=_child_setup(Limits()),
        check=False,
    )
    if result.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot start a sandbox on this machine ({result.stderr.strip()[:300]}); "
            f"user namespaces may be disabled. {INSTALL_HINT}"
        )
    _CHECKED.append("ok")


# What a Python kernel reads in /etc: the dynamic linker's cache, names of users and hosts,
# time zone, fonts, MIME types. Not /etc as a whole: the sandboxed code runs as the grader's
# user outside (root, often), so a root-only file such as /etc/shadow would be readable.
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "hosts",
       "nsswitch.conf", "host.conf", "fonts", "mime.types", "alternatives", "ssl")  # fmt: skip


def _ro_binds() -> list[str]:
    """--ro-bind arguments for what a kernel needs, each only once and only if it exists."""
    paths = [
        Path("/usr"),
        *(Path("/etc") / name for name in ETC),
        Path(sys.base_prefix),
        Path(sys.prefix),
        Path(os.path.realpath(sys.executable)).parent.parent,
        REPO_ROOT / "helpers",
        REPO_ROOT / "data",
    ]
    argv, seen = [], set()
    for path in paths:
        path = Path(os.path.realpath(path)) if path != Path(sys.prefix) else path
        if str(path) in seen or not path.exists():
            continue
        seen.add(str(path))
        argv += ["--ro-bind", str(path), str(path)]
    # /bin, /lib, ... are symlinks into /usr on merged-/usr systems; bind them otherwise.
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    return argv


def _bwrap_argv(limits: Limits, job: Path, env: dict[str, str], hide: tuple[str, ...] = ()):
    argv = [
        bwrap(),
        "--unshare-all",  # pid, net, ipc, uts, cgroup namespaces
        "--unshare-user",
        "--uid", str(NOBODY),
        "--gid", str(NOBODY),
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        # /tmp first: the read-only binds then go on top of it, so a repository or virtualenv
        # that lives under /tmp (a CI checkout) is still seen inside.
        "--size", str(limits.scratch_bytes), "--tmpfs", "/tmp",
        *_ro_binds(),
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(limits.scratch_bytes), "--tmpfs", SCRATCH,
    ]  # fmt: skip
    if job.exists():
        argv += ["--ro-bind", str(job), JOB]
    # Folders made empty for this run (e.g. TensorFlow for a from-scratch exercise): the code
    # inside cannot load them, whatever it does to Python's import machinery.
    for path in hide:
        if Path(path).is_dir():
            argv += ["--tmpfs", path, "--remount-ro", path]
    # The root that bwrap builds is a tmpfs: read-only, so that only /scratch and /tmp (both
    # capped in size) can be written.
    argv += ["--remount-ro", "/", "--chdir", SCRATCH, "--clearenv"]
    for name, value in {**sandbox_environment(), **env}.items():
        argv += ["--setenv", name, value]
    return argv


# The variables that size the thread pools of numpy's BLAS, OpenMP and TensorFlow.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")  # fmt: skip


def thread_environment(threads: int) -> dict[str, str]:
    """The THREAD_VARIABLES for pools of `threads` threads ({} for 0: the libraries' defaults)."""
    return dict.fromkeys(THREAD_VARIABLES, str(threads)) if threads > 0 else {}


def sandbox_environment() -> dict[str, str]:
    """The environment inside the sandbox: no variable of the grader's leaks in."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": f"{SCRATCH}/home",
        "TMPDIR": "/tmp",
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{SCRATCH}/home/.matplotlib",
        "JUPYTER_RUNTIME_DIR": f"{SCRATCH}/home/runtime",
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": f"{SCRATCH}/home/.ipython",
        **QUIET_KERNEL_ENV,  # TensorFlow's C++ log lines kept out of the outputs
        "LANG": "C.UTF-8",
    }


def _tasks_of_this_user() -> int:
    """Processes and threads the grader's user runs now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += (
                    sum(1 for _ in os.scandir(f"/proc/{entry}/task"))
                    if os.stat(f"/proc/{entry}").st_uid == uid
                    else 0
                )
            except OSError:
                pass
    return count


def _child_setup(limits: Limits):
    """The function run in the child before bwrap starts: a session of its own, and limits.

    Inside, the code runs as "nobody" in a user namespace without capabilities; outside it is
    still the grader's user, so RLIMIT_NPROC counts that user's tasks too: the limit is what
    runs now plus `limits.processes`.
    """
    processes = _tasks_of_this_user() + limits.processes

    def setup():
        os.setsid()
        for which, value in (
            (resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5)),
            (resource.RLIMIT_DATA, (limits.data_bytes, limits.data_bytes)),
            (resource.RLIMIT_NPROC, (processes, processes)),
            (resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes)),
            (resource.RLIMIT_CORE, (0, 0)),
        ):
            resource.setrlimit(which, value)

    return setup


def _tree_usage(root_pid: int) -> tuple[int, float, int]:
    """(resident bytes, CPU seconds, tasks) of a process and all its descendants, from /proc.

    The CPU seconds include those of descendants that have already exited and been waited for.
    """
    children: dict[int, list[int]] = {}
    usage: dict[int, tuple[int, float, int]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        cpu = sum(int(fields[i]) for i in (11, 12, 13, 14)) / tick
        usage[pid] = (int(fields[21]) * resource.getpagesize(), cpu, int(fields[17]))
    rss, cpu, tasks, todo = 0, 0.0, 0, [root_pid]
    while todo:
        pid = todo.pop()
        pid_rss, pid_cpu, pid_tasks = usage.get(pid, (0, 0.0, 0))
        rss, cpu, tasks = rss + pid_rss, cpu + pid_cpu, tasks + pid_tasks
        todo += children.get(pid, [])
    return rss, cpu, tasks


def run(
    command: list[str],
    job: Path,
    limits: Limits,
    env: dict[str, str] | None = None,
    hide: tuple[str, ...] = (),
    idle_seconds: float | None = None,
) -> Outcome:
    """Run `command` in a fresh sandbox; return what it wrote on its result pipe.

    The command finds the pipe's file descriptor in $RESULT_FD. When the run ends, by itself
    or because a limit was reached, the sandbox and everything in it is killed.

    Args:
        command: the program and its arguments, as seen inside the sandbox.
        job: a folder the sandbox sees read-only at /job (must be readable by everyone).
        limits: the limits of this run.
        env: extra environment variables inside the sandbox.
        hide: folders that appear empty inside the sandbox.
        idle_seconds: a per-step limit for runs that report each step (each cell, each call):
            stop the run when, since its last result, it has used this many CPU seconds, or
            four times as many wall-clock seconds (a loaded machine slows the wall clock, not
            the CPU count). It starts with the first result: starting up has only the run's
            limits. None for no such limit.
    """
    read_end, write_end = os.pipe()
    env = {**thread_environment(limits.threads), **(env or {}), "RESULT_FD": str(write_end)}
    scratch = None
    if unsandboxed_requested():
        # The instructor's explicit choice: no sandbox (same limits, no isolation).
        scratch = tempfile.TemporaryDirectory(prefix="unsandboxed-")
        env.update(sandbox_environment(), JOB_DIR=str(job), SCRATCH_DIR=scratch.name,
                   HOME=scratch.name, TMPDIR=scratch.name)  # fmt: skip
        env = {key: value.replace(SCRATCH, scratch.name) for key, value in env.items()}
        argv = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *command]
    else:
        argv = [*_bwrap_argv(limits, job, env, hide), *command]
    start = time.monotonic()
    log_read, log_write = os.pipe()
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        cwd=scratch.name if scratch else None,
        stdout=log_write,
        stderr=log_write,
        pass_fds=(write_end,),
        preexec_fn=_child_setup(limits),
    )
    os.close(write_end)
    os.close(log_write)
    stopped, peak, log_tail, last_result = "", 0, bytearray(), [None]
    watch = {"stop": False}

    def watchdog():
        nonlocal stopped, peak
        while not watch["stop"] and process.poll() is None:
            used, cpu, tasks = _tree_usage(process.pid)
            peak = max(peak, used)
            if tasks > limits.processes:
                # RLIMIT_NPROC does not bind a grader that runs as root: count here too.
                stopped = f"it started more than {limits.processes} processes and threads"
                _kill(process)
                return
            if used > limits.memory_bytes:
                stopped = f"it used more than {limits.memory_bytes / 2**30:.1f} GiB of memory"
                _kill(process)
                return
            if time.monotonic() - start > limits.wall_seconds:
                stopped = f"it ran longer than its {limits.wall_seconds:.0f} s limit"
                _kill(process)
                return
            if idle_seconds and last_result[0] is not None:
                step_start, step_cpu = last_result[0]
                if step_cpu is None:
                    last_result[0] = (step_start, cpu)
                elif cpu - step_cpu > idle_seconds:
                    stopped = f"one step used more than its limit of {idle_seconds:.0f} CPU seconds"
                    _kill(process)
                    return
                elif time.monotonic() - step_start > 4 * idle_seconds:
                    stopped = f"one step ran past its wall-clock limit of {4 * idle_seconds:.0f} s"
                    _kill(process)
                    return
            time.sleep(0.1)

    def drain_log():
        # Keep only the end of what the run prints: a learner may print gigabytes.
        while chunk := os.read(log_read, 1 << 16):
            log_tail.extend(chunk)
            del log_tail[:-8000]
        os.close(log_read)

    threads = [threading.Thread(target=watchdog, daemon=True),
               threading.Thread(target=drain_log, daemon=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    chunks, size = [], 0
    try:
        while True:
            ready, _, _ = select.select([read_end], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            last_result[0] = (time.monotonic(), None)  # the watchdog notes the CPU count
            if size > limits.result_bytes:
                stopped = stopped or (
                    f"it wrote more than {limits.result_bytes / 2**20:.0f} MiB of results"
                )
                _kill(process)
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        if process.poll() is None and not stopped:
            # The result is complete; give the run a moment to exit by itself.
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        _kill(process)
        watch["stop"] = True
        for thread in threads:
            thread.join(timeout=5)
    tail = bytes(log_tail[-4000:]).decode("utf-8", "replace")
    if scratch:
        scratch.cleanup()
    return Outcome(
        result=b"".join(chunks),
        returncode=process.returncode,
        stopped=stopped,
        log=tail,
        seconds=time.monotonic() - start,
        peak_memory_bytes=peak,
    )


def _kill(process: subprocess.Popen) -> None:
    """Kill the sandbox: bwrap's init dies, and with it every process of its namespace."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
