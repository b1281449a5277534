#!/usr/bin/python3
"""FreshServe benchmarks against the tools people use today. Standard library only.

Builds freshserve (Release publish) and the ASP.NET sample, finds or installs the peers, measures save-to-fresh
latency, restart failures, supervisor RSS and idle CPU, freshserve's own start time and watching at scale, then writes
docs/benchmarks.md. Every process it starts is stopped by pid at the end; servers bind 127.0.0.1 on OS-given ports.
"""

import argparse
import datetime
import json
import os
import re
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
WORK = os.path.join(BENCH, ".work")
APPS = os.path.join(BENCH, "apps")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

STARTED = []  # every Proc we start, so the end can stop whatever is left, by pid


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def now():
    return time.monotonic()


# ---------------------------------------------------------------- processes, /proc

def read_stat(pid):
    """(ppid, utime+stime ticks, start time ticks) from /proc/PID/stat, or None when gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode(errors="replace")
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19])


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def descendants(pid):
    """(pid, start time) of every live descendant of pid."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = read_stat(int(name))
            if st:
                children.setdefault(st[0], []).append((int(name), st[2]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def alive(pid, start_ticks):
    st = read_stat(pid)
    if st is None:
        return False
    try:
        with open(f"/proc/{pid}/status") as f:
            if any(line.startswith("State:") and "Z" in line.split()[1] for line in f):
                return False
    except OSError:
        return False
    return st[2] == start_ticks


def default_signals():
    # A shell's background job starts with SIGINT ignored, and children inherit that: give them the defaults back.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


class Proc:
    """A process we started, in its own session, with its output read into timestamped lines."""

    def __init__(self, argv, cwd, env=None, stdin_data=None, label=""):
        self.label = label or os.path.basename(argv[0])
        self.lines = []
        self.known = {}  # pid -> start ticks, of the process and every descendant seen
        self.popen = subprocess.Popen(
            argv, cwd=cwd, env=env, start_new_session=True, preexec_fn=default_signals,
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.started = now()
        self.pid = self.popen.pid
        st = read_stat(self.pid)
        if st:
            self.known[self.pid] = st[2]
        STARTED.append(self)
        if stdin_data is not None:
            self.popen.stdin.write(stdin_data)
            self.popen.stdin.close()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.popen.stdout:
            self.lines.append((now(), raw.decode(errors="replace").rstrip("\n")))

    def remember_tree(self):
        for pid, start in descendants(self.pid):
            self.known[pid] = start

    def wait_line(self, predicate, after=0.0, timeout=30.0):
        """The time of the first output line after `after` that matches, or None."""
        deadline = now() + timeout
        index = 0
        while now() < deadline:
            lines = self.lines
            while index < len(lines):
                at, text = lines[index]
                index += 1
                if at >= after and predicate(text):
                    return at
            if self.popen.poll() is not None and index >= len(self.lines):
                time.sleep(0.05)
                if index >= len(self.lines):
                    return None
            time.sleep(0.002)
        return None

    def stop(self, sig=signal.SIGINT, grace=8.0):
        """Asks the process to stop, waits, then SIGKILLs by pid whatever of its tree is left. Returns survivors."""
        self.remember_tree()
        if self.popen.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        deadline = now() + 2.0
        while now() < deadline and any(alive(p, s) for p, s in self.known.items() if p != self.pid):
            time.sleep(0.05)
        survivors = [p for p, s in self.known.items() if p != self.pid and alive(p, s)]
        for pid, start in self.known.items():
            if alive(pid, start):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
        if self in STARTED:
            STARTED.remove(self)
        return survivors

    def output(self):
        return "\n".join(text for _, text in self.lines)


def cpu_ticks(pid):
    st = read_stat(pid)
    return st[1] if st else None


def idle_cpu_percent(pid, seconds):
    before = cpu_ticks(pid)
    time.sleep(seconds)
    after = cpu_ticks(pid)
    if before is None or after is None:
        return None
    return (after - before) / CLK_TCK / seconds * 100


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, timeout=1.0, why=None):
    """The body of GET /, or None when the request failed (refused, reset, timed out, not 200). With a list as why,
    a None is explained there: "held" when nothing came back within the timeout (a proxy holding the request through
    a restart longer than the client waits), "failed" when it was refused, reset or answered with an error."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except TimeoutError:
        if why is not None:
            why.append("held")
        return None
    except OSError:
        if why is not None:
            why.append("failed")
        return None
    data = b"".join(chunks)
    if not data.startswith(b"HTTP/1.1 200") and not data.startswith(b"HTTP/1.0 200"):
        if why is not None:
            why.append("failed")
        return None
    return data


def run(argv, cwd=ROOT, timeout=600, env=None):
    return subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, text=True)


def first_line(argv):
    try:
        out = run(argv, timeout=30).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def percentile(values, q):
    values = sorted(values)
    if not values:
        return None
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def stats_ms(seconds):
    values = [v * 1000 for v in seconds if v is not None]
    if not values:
        return None
    return {"n": len(values), "median": statistics.median(values), "p90": percentile(values, 0.9),
            "max": max(values), "min": min(values)}


# ---------------------------------------------------------------- build and peers

class Peers:
    def __init__(self):
        self.freshserve = None
        self.nodemon = None
        self.uvicorn = None
        self.entr = None
        self.node = shutil.which("node")
        self.aspnet = None
        self.fastapi = False
        self.missing = {}
        self.poll_supported = False


def apt_install(packages):
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    log(f"installing {' '.join(packages)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if run(install, env=env, timeout=600).returncode == 0:
        return True
    run(["apt-get", "update"], env=env, timeout=600)  # a fresh machine may have no package lists yet
    return run(install, env=env, timeout=600).returncode == 0


def prepare(args):
    peers = Peers()
    os.makedirs(WORK, exist_ok=True)

    log("building freshserve (Release publish of src/FreshServe)")
    out = os.path.join(WORK, "freshserve")
    shutil.rmtree(out, ignore_errors=True)
    result = run(["dotnet", "publish", os.path.join(ROOT, "src", "FreshServe"), "-c", "Release", "-o", out,
                  "-nologo", "-v", "q", *args.publish_arg])
    if result.returncode != 0:
        sys.exit("bench: building freshserve failed:\n" + result.stdout)
    peers.freshserve = os.path.join(out, "freshserve")
    help_text = run([peers.freshserve, "watch", "--help"]).stdout
    peers.poll_supported = args.poll_flag in help_text.split()

    log("building the ASP.NET Core sample (bench/apps/aspnet)")
    out = os.path.join(WORK, "aspnet")
    result = run(["dotnet", "publish", os.path.join(APPS, "aspnet"), "-c", "Release", "-o", out, "-nologo", "-v", "q"])
    if result.returncode == 0:
        peers.aspnet = os.path.join(out, "BenchAspNet.dll")
    else:
        peers.missing["aspnet app"] = "dotnet publish bench/apps/aspnet failed: " + result.stdout[-300:]

    if not shutil.which("uvicorn") or run(["/usr/bin/python3", "-c", "import fastapi"]).returncode != 0:
        apt_install(["uvicorn", "python3-uvicorn", "python3-fastapi"])
    peers.uvicorn = shutil.which("uvicorn")
    if not peers.uvicorn:
        peers.missing["uvicorn"] = "not found: apt-get install uvicorn python3-fastapi"
    peers.fastapi = peers.uvicorn is not None and run(
        [python_of(peers.uvicorn), "-c", "import fastapi"]).returncode == 0
    if not peers.fastapi:
        peers.missing["fastapi"] = "python3-fastapi not importable by uvicorn's python: apt-get install python3-fastapi"

    if not shutil.which("entr"):
        apt_install(["entr"])
    peers.entr = shutil.which("entr")
    if not peers.entr:
        peers.missing["entr"] = "not found: apt-get install entr"

    if not peers.node:
        apt_install(["nodejs", "npm"])
        peers.node = shutil.which("node")
    if not peers.node:
        peers.missing["node"] = "not found: apt-get install nodejs npm"
    else:
        nodemon = os.path.join(WORK, "peers", "node_modules", "nodemon", "bin", "nodemon.js")
        if not os.path.exists(nodemon) and shutil.which("npm"):
            log(f"installing nodemon@{args.nodemon_version} with npm into bench/.work/peers")
            run(["npm", "install", "--prefix", os.path.join(WORK, "peers"), "--no-audit", "--no-fund",
                 f"nodemon@{args.nodemon_version}"], timeout=300)
        if os.path.exists(nodemon):
            peers.nodemon = nodemon
        else:
            peers.missing["nodemon"] = "npm install nodemon failed (is npm installed and the registry reachable?)"
    for name, why in peers.missing.items():
        log(f"MISSING {name}: {why}")
    return peers


def python_of(script):
    try:
        with open(script) as f:
            line = f.readline()
        if line.startswith("#!"):
            return line[2:].strip().split()[0]
    except OSError:
        pass
    return sys.executable


# ---------------------------------------------------------------- apps

class App:
    """A copy of a sample app in a temp folder; edit() writes a new marker into its source, in place."""

    def __init__(self, name, peers):
        self.name = name
        self.peers = peers
        self.dir = tempfile.mkdtemp(prefix=f"fsbench-{name}-")
        # node-inspect: the Node app under --inspect on a fixed second port, as a debugging user runs it.
        shutil.copytree(os.path.join(APPS, "node" if name == "node-inspect" else name), self.dir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("bin", "obj", "__pycache__", "*.csproj", "Program.cs"))
        self.inspect_port = free_port()
        self.source = {"fastapi": "web_app.py", "node": "server.js", "node-inspect": "server.js", "aspnet": "message.txt"}[name]
        with open(os.path.join(self.dir, self.source)) as f:
            self.template = f.read()
        self.marker = "initial"

    def server(self, port):
        if self.name == "fastapi":
            return [self.peers.uvicorn, "web_app:app", "--host", "127.0.0.1", "--port", str(port)]
        if self.name == "node":
            return [self.peers.node, "server.js", "--port", str(port)]
        if self.name == "node-inspect":
            return [self.peers.node, f"--inspect=127.0.0.1:{self.inspect_port}", "server.js", "--port", str(port)]
        return ["dotnet", self.peers.aspnet, "--urls", f"http://127.0.0.1:{port}"]

    def edit(self, marker):
        text = self.template.replace("initial", marker) if self.name != "aspnet" else marker + "\n"
        data = text.encode()
        fd = os.open(os.path.join(self.dir, self.source), os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        self.marker = marker

    def ext(self):
        return {"fastapi": "py", "node": "js", "node-inspect": "js", "aspnet": "txt"}[self.name]

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def tool_command(tool, app, port, mode, peers, args):
    """(argv, stdin bytes or None, supported?) to run app's server under tool, watching the app folder."""
    server = app.server(port)
    if tool == "freshserve --proxy":
        # Proxy mode: the bench talks to freshserve's port; the server gets a new port per restart through {port}.
        if mode == "poll":
            return None
        return [peers.freshserve, "watch", "--verbose", "--proxy", str(port), *args.freshserve_arg, "--",
                *app.server("{port}")], None
    if tool.startswith("freshserve"):
        # "freshserve --debounce=10ms" runs freshserve with that extra option: a variant row.
        flags = ["--verbose", "--port", str(port), *tool.split()[1:]]
        if mode == "poll":
            if not peers.poll_supported:
                return None
            flags.append(args.poll_flag)
        return [peers.freshserve, "watch", *flags, *args.freshserve_arg, "--", *server], None
    if tool.startswith("nodemon"):
        # "nodemon --signal SIGTERM": a peer that also stops gracefully.
        flags = (["--legacy-watch"] if mode == "poll" else []) + tool.split()[1:]
        return [peers.node, peers.nodemon, *flags, "--watch", ".", "--ext", app.ext(),
                "--exec", " ".join(server)], None
    if tool == "uvicorn --reload":
        if app.name != "fastapi" or mode == "poll":
            return None
        return [*server, "--reload"], None
    if tool == "entr -r":
        if mode == "poll":
            return None
        return [peers.entr, "-n", "-r", *server], (app.source + "\n").encode()
    raise ValueError(tool)


# ---------------------------------------------------------------- measurements

def wait_fresh(port, marker, timeout, held=None):
    """Polls until a response carries marker: (time of that response, failed requests, old responses) or None.
    With a list as held, requests nothing answered within the client's timeout go there instead of the failures."""
    failures = stale = 0
    deadline = now() + timeout
    while now() < deadline:
        why = []
        body = http_get(port, why=why)
        if body is None and held is not None and why == ["held"]:
            held.append(1)
        elif body is None:
            failures += 1
        elif marker.encode() in body:
            return now(), failures, stale
        else:
            stale += 1
        time.sleep(args_global.poll_ms / 1000)
    return None, failures, stale


def floor_cold_start(app, runs):
    """The server alone: spawn to first answer, runs times."""
    times = []
    for _ in range(runs):
        port = free_port()
        proc = Proc(app.server(port), cwd=app.dir, label=app.name)
        at, _, _ = wait_fresh(port, app.marker, 60)
        times.append(at - proc.started if at else None)
        proc.stop(signal.SIGTERM)
    return {"cold_start": stats_ms(times), "runs": runs}


def supervised(tool, mode, app, peers, args):
    port = free_port()
    spec = tool_command(tool, app, port, mode, peers, args)
    if spec is None:
        return {"supported": False}
    argv, stdin_data = spec
    proc = Proc(argv, cwd=app.dir, stdin_data=stdin_data, label=tool)
    result = {"supported": True, "mode": mode}
    try:
        at, _, _ = wait_fresh(port, app.marker, 90)
        if at is None:
            result["error"] = "never served the first page; output:\n" + proc.output()[-1500:]
            return result
        result["first_start_ms"] = (at - proc.started) * 1000
        time.sleep(args.settle)
        latencies, failures, held, stale_after, failed_after, steps = [], [], [], [], [], []
        for i in range(args.edits):
            marker = f"edit{i}x{random.randrange(10**9)}"
            written = now()
            app.edit(marker)
            held_now = []
            fresh, failed, _ = wait_fresh(port, marker, 30, held=held_now)
            held.append(len(held_now))
            if fresh is None:
                latencies.append(None)
                failures.append(failed)
                result.setdefault("timeouts", 0)
                result["timeouts"] += 1
                continue
            latencies.append(fresh - written)
            failures.append(failed)
            stale = failed2 = 0
            end = now() + args.settle
            while now() < end:
                body = http_get(port)
                if body is None:
                    failed2 += 1
                elif marker.encode() not in body:
                    stale += 1
                time.sleep(args.poll_ms / 1000)
            stale_after.append(stale)
            failed_after.append(failed2)
            if tool.startswith("freshserve"):
                steps.append(freshserve_steps(proc, written, fresh))
            time.sleep(args.gap)
        proc.remember_tree()
        result["save_to_fresh"] = stats_ms(latencies)
        result["failed_per_restart"] = statistics.mean(failures) if failures else None
        # Not answered within the client's 1 s: neither refused nor reset, so apart from the failures.
        result["held_past_timeout_per_restart"] = statistics.mean(held) if held else None
        result["stale_after_fresh"] = sum(stale_after)
        result["failed_after_fresh"] = sum(failed_after)
        # A generation that did not get every port it asked for: node says so when its --inspect port is taken.
        result["inspector_failed"] = proc.output().count("Starting inspector on")
        result["rss_mb"] = rss_mb(proc.pid)
        result["idle_cpu"] = idle_cpu_percent(proc.pid, args.idle)
        result["rss_mb_after_idle"] = rss_mb(proc.pid)
        if steps:
            result["steps"] = summarize_steps(steps)
            # The first restart of a session against the later ones (a JIT build compiles the restart path then).
            result["steps_first"] = steps[0]
            result["steps_later"] = summarize_steps(steps[1:]) if len(steps) > 1 else None
    finally:
        survivors = proc.stop(signal.SIGINT)
        result["left_running_after_stop"] = len(survivors)
    return result


def freshserve_steps(proc, written, fresh):
    """Where the time went in one freshserve restart, from its --verbose lines (times relative to the write)."""
    marks = {}
    for at, text in list(proc.lines):
        if at < written:
            continue
        for key, symbol in (("detected", "↻"), ("stopped", "stopped generation"), ("port_free", "is free"),
                            ("spawned", " started "), ("ready", "✓ ready")):
            if key not in marks and symbol in text:
                marks[key] = (at - written) * 1000
    marks["fresh"] = (fresh - written) * 1000
    for at, text in list(proc.lines):
        if at >= written and "freshserve's own time" in text:
            found = re.search(r"tree signalled in ([\d.]+) ms, started ([\d.]+) ms after the way was clear \(spawn ([\d.]+) ms\)", text)
            if found:
                marks["own_signal"], marks["own_start"], marks["own_spawn"] = (float(g) for g in found.groups())
            break
    return marks


def summarize_steps(steps):
    keys = ["detected", "stopped", "port_free", "spawned", "ready", "fresh", "own_signal", "own_start", "own_spawn"]
    return {k: statistics.median([s[k] for s in steps if k in s]) for k in keys if any(k in s for s in steps)}


def freshserve_start(peers, args):
    """freshserve's own start: `--version`, and spawn to the '▶ watching' line, in an empty folder."""
    version_times = []
    for _ in range(args.start_runs):
        t0 = now()
        run([peers.freshserve, "--version"])
        version_times.append(now() - t0)
    watching_times = []
    folder = tempfile.mkdtemp(prefix="fsbench-start-")
    try:
        for _ in range(args.start_runs):
            proc = Proc([peers.freshserve, "watch", "--", "/bin/sleep", "100000"], cwd=folder)
            at = proc.wait_line(lambda text: "● started" in text, timeout=30)
            watching_times.append(at - proc.started if at else None)
            proc.stop(signal.SIGINT)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"version": stats_ms(version_times), "to_first_spawn": stats_ms(watching_times)}


# ---------------------------------------------------------------- build settings

JIT = ["-p:PublishAot=false"]  # the framework-dependent build (ReadyToRun), as the freshserve.any package runs it
BUILD_VARIANTS = [
    ("as in FreshServe.csproj (Native AOT)", []),
    ("JIT: framework-dependent, ReadyToRun", JIT),
    ("JIT, ReadyToRun off", JIT + ["-p:PublishReadyToRun=false"]),
    ("JIT, TieredCompilation off", JIT + ["-p:TieredCompilation=false"]),
    ("JIT, TieredPGO off", JIT + ["-p:TieredPGO=false"]),
    ("JIT, concurrent GC on", JIT + ["-p:ConcurrentGarbageCollection=true"]),
    ("JIT, globalization with ICU", JIT + ["-p:InvariantGlobalization=false"]),
]


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def endurance(peers, args):
    """RSS, private memory and open descriptors of one session over many restarts (`sleep` as the server, restarted by
    rewriting a file), for the native build and the JIT build: memory must not grow with the restarts."""
    jit_out = os.path.join(WORK, "freshserve-jit")
    shutil.rmtree(jit_out, ignore_errors=True)
    result = run(["dotnet", "publish", os.path.join(ROOT, "src", "FreshServe"), "-c", "Release", "-o", jit_out,
                  "-nologo", "-v", "q", *JIT, *args.publish_arg])
    builds = [("native (Native AOT)", peers.freshserve)]
    if result.returncode == 0:
        builds.append(("JIT (framework-dependent, ReadyToRun)", os.path.join(jit_out, "freshserve")))
    else:
        log(f"endurance: the JIT build failed: {result.stdout[-300:]}")
    checkpoints = sorted({1, 10, args.endurance_restarts // 4, args.endurance_restarts // 2, args.endurance_restarts})
    rows = []
    for name, exe in builds:
        folder = tempfile.mkdtemp(prefix="fsbench-endurance-")
        trigger = os.path.join(folder, "app.txt")
        with open(trigger, "w") as f:
            f.write("0\n")
        proc = Proc([exe, "watch", "--no-input", "--", "/bin/sleep", "100000"], cwd=folder)
        try:
            if not proc.wait_line(lambda text: "● started" in text, timeout=30):
                rows.append({"name": name, "error": "no first start"})
                continue
            time.sleep(args.idle / 2)
            samples = [{"restarts": 0, "rss_mb": rss_mb(proc.pid), "anon_mb": anon_mb(proc.pid), "fds": fd_count(proc.pid)}]
            failed = None
            generation = 1
            for i in range(1, args.endurance_restarts + 1):
                t0 = now()
                with open(trigger, "w") as f:
                    f.write(f"{i}\n")
                generation = wait_next_start(proc, t0, generation)
                if generation is None:
                    failed = f"restart {i} not seen"
                    break
                if i in checkpoints:
                    samples.append({"restarts": i, "rss_mb": rss_mb(proc.pid), "anon_mb": anon_mb(proc.pid),
                                    "fds": fd_count(proc.pid)})
            time.sleep(args.idle / 2)
            samples.append({"restarts": "idle", "rss_mb": rss_mb(proc.pid), "anon_mb": anon_mb(proc.pid), "fds": fd_count(proc.pid)})
            rows.append({"name": name, "samples": samples, **({"error": failed} if failed else {})})
            log(f"endurance {name}: {samples}{' ' + failed if failed else ''}")
        finally:
            proc.stop(signal.SIGINT)
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def anon_mb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Anonymous:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def build_variants(peers, args):
    """freshserve published with other start-up settings, measured in turns so load changes hit them all alike."""
    builds = []
    for name, props in BUILD_VARIANTS:
        out = os.path.join(WORK, "variants", re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-"))  # no ',' or ':' for -o
        shutil.rmtree(out, ignore_errors=True)
        result = run(["dotnet", "publish", os.path.join(ROOT, "src", "FreshServe"), "-c", "Release", "-o", out,
                      "-nologo", "-v", "q", *props, *args.publish_arg])
        if result.returncode != 0:
            log(f"variant {name}: build failed: {result.stdout[-300:]}")
            continue
        builds.append((name, props, os.path.join(out, "freshserve")))
    samples = {name: {"version": [], "to_first_spawn": [], "rss": [], "anon": [], "restart": []} for name, _, _ in builds}
    folder = tempfile.mkdtemp(prefix="fsbench-variants-")
    app = App("node", peers) if peers.node else None
    try:
        for _ in range(args.variant_runs):
            for name, _, exe in builds:
                t0 = now()
                run([exe, "--version"])
                samples[name]["version"].append(now() - t0)
                proc = Proc([exe, "watch", "--", "/bin/sleep", "100000"], cwd=folder)
                at = proc.wait_line(lambda text: "● started" in text, timeout=30)
                samples[name]["to_first_spawn"].append(at - proc.started if at else None)
                proc.stop(signal.SIGINT)
        if app:
            for name, _, exe in builds:
                port = free_port()
                proc = Proc([exe, "watch", "--port", str(port), "--", *app.server(port)], cwd=app.dir)
                wait_fresh(port, app.marker, 60)
                for i in range(args.variant_restarts):
                    marker = f"v{i}x{random.randrange(10**9)}"
                    t0 = now()
                    app.edit(marker)
                    at, _, _ = wait_fresh(port, marker, 30)
                    samples[name]["restart"].append(at - t0 if at else None)
                    time.sleep(0.1)
                time.sleep(0.5)
                samples[name]["rss"].append(rss_mb(proc.pid))
                samples[name]["anon"].append(anon_mb(proc.pid))
                proc.stop(signal.SIGINT)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if app:
            app.cleanup()
    rows = []
    for name, props, _ in builds:
        s = samples[name]
        rows.append({"name": name, "props": " ".join(props) or "(none)", "version": stats_ms(s["version"]),
                     "to_first_spawn": stats_ms(s["to_first_spawn"]), "restart": stats_ms(s["restart"]),
                     "rss_mb": s["rss"][0] if s["rss"] else None, "anon_mb": s["anon"][0] if s["anon"] else None})
        log(f"variant {name}: {rows[-1]}")
    return rows


# ---------------------------------------------------------------- native memory (issue 12)

# Native builds compared for memory: publish properties on top of the csproj's, and/or environment variables for
# the GC (read by the native runtime as DOTNET_<name>, hex). The first row is the csproj's build as it is.
NATIVE_MEMORY_VARIANTS = [
    ("as in FreshServe.csproj", [], {}),
    ("gen0 budget left to the GC (before)", ["-p:FreshServeGen0MaxBudget=0"], {}),
    ("gen0 budget 1 MB", [], {"DOTNET_GCGen0MaxBudget": "100000"}),
    ("gen0 budget 4 MB", [], {"DOTNET_GCGen0MaxBudget": "400000"}),
    ("GC ConserveMemory 5", [], {"DOTNET_GCConserveMemory": "5"}),
    ("glibc malloc arenas 2", [], {"MALLOC_ARENA_MAX": "2"}),
    ("concurrent GC on, gen0 left to the GC", ["-p:ConcurrentGarbageCollection=true", "-p:FreshServeGen0MaxBudget=0"], {}),
    ("optimized for size", ["-p:OptimizationPreference=Size"], {}),
    ("no stack trace data", ["-p:StackTraceSupport=false"], {}),
]


def memory_breakdown(pid, exe):
    """VmRSS of pid split by mapping, in MB: the binary's own file pages, other files (libc...), anonymous memory
    (GC heap regions, the binary's rehydrated data, malloc arenas, thread stacks) and its largest single mapping."""
    exe = os.path.realpath(exe)
    out = {"binary": 0.0, "other_files": 0.0, "anon": 0.0, "largest_anon": 0.0, "largest_anon_at": None}
    try:
        with open(f"/proc/{pid}/smaps") as f:
            lines = f.readlines()
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return None
    path = ""
    for line in lines:
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            parts = line.split(None, 5)
            path = parts[5].strip() if len(parts) > 5 else ""
            where = parts[0]
        elif line.startswith("Rss:"):
            mb = int(line.split()[1]) / 1024
            if path == exe:
                out["binary"] += mb
            elif path.startswith("/"):
                out["other_files"] += mb
            else:
                out["anon"] += mb
                if mb > out["largest_anon"]:
                    out["largest_anon"], out["largest_anon_at"] = mb, where
    out["rss"] = rss_mb(pid)
    out["threads"] = threads
    out["fds"] = fd_count(pid)
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}


def wait_next_generation(proc, after, generation, pattern, timeout=30):
    """The generation of the first line after `after` that matches `pattern` (its group 1 the generation) and is newer
    than `generation`, or None (a save seen as two changes may start two generations, the first superseded)."""
    found = []

    def newer(text):
        m = re.search(pattern, text)
        if m and int(m.group(1)) > generation:
            found.append(int(m.group(1)))
            return True
        return False
    return found[0] if proc.wait_line(newer, after=after, timeout=timeout) else None


def wait_next_start(proc, after, generation, timeout=30):
    """For a server that never listens (`sleep`): a line saying it started (or is ready)."""
    return wait_next_generation(proc, after, generation, r"(?:started|ready).*generation (\d+)\)", timeout)


def wait_next_ready(proc, after, generation, timeout=30):
    """The next generation's ready line."""
    return wait_next_generation(proc, after, generation, r"✓ ready .*\(generation (\d+)\)", timeout)


def native_memory_one(exe, env, peers, args):
    """One native build: idle with no port (`sleep`, readiness keeps reading /proc), idle with a real tiny server,
    right after restarts and idle again, proxy mode after restarts, and restart latency on the Node app."""
    env = {**os.environ, **env}
    result = {}
    folder = tempfile.mkdtemp(prefix="fsbench-native-memory-")
    try:
        trigger = os.path.join(folder, "index.html")
        with open(trigger, "w") as f:
            f.write("0\n")
        proc = Proc([exe, "watch", "--no-input", "--", "/bin/sleep", "100000"], cwd=folder, env=env)
        try:
            if proc.wait_line(lambda text: "● started" in text, timeout=30):
                time.sleep(args.idle / 2)
                result["idle_no_port"] = memory_breakdown(proc.pid, exe)
        finally:
            proc.stop(signal.SIGINT)

        port = free_port()
        proc = Proc([exe, "watch", "--no-input", "--", "/usr/bin/python3", "-m", "http.server", str(port), "--bind",
                     "127.0.0.1"], cwd=folder, env=env)
        try:
            if proc.wait_line(lambda text: "✓ ready" in text, timeout=30):
                time.sleep(args.idle / 2)
                result["idle"] = memory_breakdown(proc.pid, exe)
                ticks = cpu_ticks(proc.pid)
                generation = 1
                for i in range(1, args.memory_restarts + 1):
                    t0 = now()
                    with open(trigger, "w") as f:
                        f.write(f"{i}\n")
                    generation = wait_next_ready(proc, t0, generation)
                    if generation is None:
                        result["error"] = f"restart {i} not seen"
                        break
                result["after_restarts"] = memory_breakdown(proc.pid, exe)
                if ticks is not None and generation and cpu_ticks(proc.pid) is not None:
                    # freshserve's own CPU per restart (a smaller GC budget means more, shorter collections)
                    result["cpu_ms_per_restart"] = round((cpu_ticks(proc.pid) - ticks) / CLK_TCK * 1000 / args.memory_restarts, 1)
                time.sleep(args.idle / 2)
                result["idle_after_restarts"] = memory_breakdown(proc.pid, exe)
        finally:
            proc.stop(signal.SIGINT)

        port = free_port()
        proc = Proc([exe, "watch", "--no-input", "--proxy", str(port), "--", "/usr/bin/python3", "-m", "http.server",
                     "{port}", "--bind", "127.0.0.1"], cwd=folder, env=env)
        try:
            if proc.wait_line(lambda text: "✓ ready" in text, timeout=30):
                http_get(port)
                generation = 1
                for i in range(1, args.memory_restarts + 1):
                    t0 = now()
                    with open(trigger, "w") as f:
                        f.write(f"{i}\n")
                    generation = wait_next_ready(proc, t0, generation)
                    if generation is None:
                        result["error"] = f"proxy restart {i} not seen"
                        break
                    http_get(port)
                result["proxy_after_restarts"] = memory_breakdown(proc.pid, exe)
        finally:
            proc.stop(signal.SIGINT)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    if peers.node:
        app = App("node", peers)
        port = free_port()
        proc = Proc([exe, "watch", "--no-input", "--port", str(port), "--", *app.server(port)], cwd=app.dir, env=env)
        try:
            times = []
            if wait_fresh(port, app.marker, 60)[0]:
                for i in range(args.variant_restarts):
                    marker = f"m{i}x{random.randrange(10**9)}"
                    t0 = now()
                    app.edit(marker)
                    at, _, _ = wait_fresh(port, marker, 30)
                    times.append(at - t0 if at else None)
                    time.sleep(0.1)
            result["restart_first_ms"] = round(times[0] * 1000) if times and times[0] else None
            result["restart"] = stats_ms(times)
        finally:
            proc.stop(signal.SIGINT)
            app.cleanup()
    return result


def native_memory(peers, args):
    """The native binary's memory, broken down by mapping, for the csproj's build and builds with one memory setting
    changed (issue 12: idle ≤ 20 MB, right after restarts ≤ 25 MB, proxy ≤ 45 MB), with restart latency beside it."""
    wanted = [v for v in NATIVE_MEMORY_VARIANTS
              if not args.native_memory_variants or v[0] in args.native_memory_variants.split(",")]
    rows = []
    for name, props, env in wanted:
        exe = peers.freshserve
        if props:
            out = os.path.join(WORK, "native-memory", re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-"))
            shutil.rmtree(out, ignore_errors=True)
            log(f"native memory {name}: publishing with {' '.join(props)}")
            result = run(["dotnet", "publish", os.path.join(ROOT, "src", "FreshServe"), "-c", "Release", "-r", "linux-x64",
                          "-o", out, "-nologo", "-v", "q", *props, *args.publish_arg], timeout=1200)
            if result.returncode != 0:
                rows.append({"name": name, "props": props, "env": env, "error": "build failed: " + result.stdout[-300:]})
                continue
            exe = os.path.join(out, "freshserve")
        row = {"name": name, "props": props, "env": env, "binary_mb": round(os.path.getsize(exe) / 2**20, 1),
               **native_memory_one(exe, env, peers, args)}
        log(f"native memory {name}: {row}")
        rows.append(row)
    return rows


# ---------------------------------------------------------------- scale

def make_tree(path, files, per_dir, ext):
    marker = os.path.join(path, ".bench-complete")
    if os.path.exists(marker):
        return
    shutil.rmtree(path, ignore_errors=True)
    leaf_dirs = max(1, files // per_dir)
    top = max(1, int(leaf_dirs ** 0.5))
    written = 0
    for d in range(leaf_dirs):
        folder = os.path.join(path, f"d{d % top:03d}", f"e{d // top:04d}")
        os.makedirs(folder, exist_ok=True)
        for f in range(per_dir):
            if written >= files:
                break
            with open(os.path.join(folder, f"f{f:02d}.{ext}"), "w") as out:
                out.write(f"// file {written}\n")
            written += 1
    with open(marker, "w") as out:
        out.write(str(files))


def trees(args):
    base = os.path.join(WORK, "trees")
    sizes = [1000, 10000, 100000] if not args.quick else [1000, 10000]
    made = {}
    for size in sizes:
        path = os.path.join(base, f"t{size}")
        log(f"tree of {size} files: {path}")
        make_tree(path, size, 20, "js")
        made[size] = path
    nm = os.path.join(base, "node_modules-50k") if not args.quick else os.path.join(base, "node_modules-5k")
    log(f"node_modules: {nm}")
    make_tree(nm, 50000 if not args.quick else 5000, 10, "js")
    return made, nm


def deepest_dir(tree):
    top = sorted(d for d in os.listdir(tree) if d.startswith("d"))[-1]
    sub = sorted(os.listdir(os.path.join(tree, top)))[-1]
    return os.path.join(tree, top, sub)


def scale_one(peers, args, tree, mode):
    extra = [args.poll_flag] if mode == "poll" else []
    if mode == "poll" and not peers.poll_supported:
        return {"supported": False}
    probe_dir = deepest_dir(tree)
    probe = os.path.join(probe_dir, "probe.js")
    # The trees live under bench/.work, which the repository's .gitignore ignores: freshserve would rightly watch nothing.
    proc = Proc([peers.freshserve, "watch", "--no-gitignore", *extra, *args.freshserve_arg, "--", "/bin/sleep", "100000"], cwd=tree)
    result = {"supported": True}
    try:
        # Keep touching a file in the last folder until a change is seen: an upper bound of start-to-watching.
        seen = None
        deadline = now() + 60
        n = 0
        while seen is None and now() < deadline and proc.popen.poll() is None:
            with open(probe, "w") as f:
                f.write(str(n))
            n += 1
            seen = proc.wait_line(lambda text: "↻" in text, timeout=0.02)
        if seen is None:
            result["error"] = "no change seen within 60 s; output:\n" + proc.output()[-800:]
            return result
        result["start_to_watching_ms"] = (seen - proc.started) * 1000
        time.sleep(1.0)
        detections = []
        for i in range(args.scale_edits):
            target = os.path.join(probe_dir, f"f00.js")
            t0 = now()
            with open(target, "w") as f:
                f.write(f"// edit {i}\n")
            at = proc.wait_line(lambda text: "↻" in text, after=t0, timeout=10 if mode == "events" else 60)
            detections.append(at - t0 if at else None)
            time.sleep(0.3)
        result["detect"] = stats_ms(detections)
        time.sleep(0.5)
        result["rss_mb"] = rss_mb(proc.pid)
        result["idle_cpu"] = idle_cpu_percent(proc.pid, args.idle)
    finally:
        proc.stop(signal.SIGINT)
        try:
            os.remove(probe)
        except OSError:
            pass
    return result


def scale(peers, args):
    made, nm = trees(args)
    rows = []
    biggest = max(made)
    for size, path in sorted(made.items()):
        for mode in ("events", "poll"):
            log(f"scale: {size} files, {mode}")
            rows.append({"files": size, "node_modules": 0, "mode": mode, **scale_one(peers, args, path, mode)})
    # The biggest tree again, with node_modules moved inside it (renamed in and back out: cheap).
    inside = os.path.join(made[biggest], "node_modules")
    nm_files = int(open(os.path.join(nm, ".bench-complete")).read())
    os.rename(nm, inside)
    try:
        for mode in ("events", "poll"):
            log(f"scale: {biggest} files + node_modules of {nm_files}, {mode}")
            rows.append({"files": biggest, "node_modules": nm_files, "mode": mode,
                         **scale_one(peers, args, made[biggest], mode)})
    finally:
        os.rename(inside, nm)
    return rows


# ---------------------------------------------------------------- report

def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PHYS_PAGES") * PAGE_SIZE / 2**30
    distro = "?"
    try:
        with open("/etc/os-release") as f:
            distro = next(line.split("=", 1)[1].strip().strip('"') for line in f if line.startswith("PRETTY_NAME"))
    except (OSError, StopIteration):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(mem, 1), "os": distro,
            "kernel": platform.release(), "load_start": os.getloadavg()}


def versions(peers):
    v = {"dotnet sdk": first_line(["dotnet", "--version"]),
         "freshserve": " ".join(run([peers.freshserve, "--version"]).stdout.split()) if peers.freshserve else "missing",
         "python (uvicorn's)": first_line([python_of(peers.uvicorn), "--version"]) if peers.uvicorn else "missing"}
    if peers.uvicorn:
        v["uvicorn"] = first_line([peers.uvicorn, "--version"]).replace("Running uvicorn ", "")
        v["fastapi"] = first_line([python_of(peers.uvicorn), "-c", "import fastapi; print(fastapi.__version__)"])
    v["node"] = first_line([peers.node, "--version"]) if peers.node else "missing"
    if peers.nodemon:
        v["nodemon"] = first_line([peers.node, peers.nodemon, "--version"])
    v["entr"] = first_line(["dpkg-query", "-W", "-f", "${Version}", "entr"]) if peers.entr else "missing"
    runtimes = run(["dotnet", "--list-runtimes"]).stdout.splitlines()
    v["aspnetcore runtime"] = ", ".join(r.split()[1] for r in runtimes if r.startswith("Microsoft.AspNetCore.App"))
    return v


args_global = None


def main():
    global args_global
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer edits and runs, smaller trees (a smoke run)")
    parser.add_argument("--edits", type=int, help="edits per tool and app (default 20, quick 5)")
    parser.add_argument("--apps", default="fastapi,node,aspnet,node-inspect")
    parser.add_argument("--tools", default="freshserve,freshserve --stop-before-start,freshserve --proxy,nodemon,"
                                           "nodemon --signal SIGTERM,uvicorn --reload,entr -r")
    parser.add_argument("--no-poll", action="store_true", help="skip the polling-mode rows")
    parser.add_argument("--no-scale", action="store_true", help="skip the 1k/10k/100k-file trees")
    parser.add_argument("--no-variants", action="store_true",
                        help="skip comparing freshserve builds with other start-up settings (ReadyToRun, tiering, GC)")
    parser.add_argument("--no-endurance", action="store_true",
                        help="skip the memory and descriptors over many restarts (native and JIT builds)")
    parser.add_argument("--endurance-restarts", type=int, help="restarts in the endurance run (default 200, quick 40)")
    parser.add_argument("--no-native-memory", action="store_true",
                        help="skip the native binary's memory breakdown and the memory settings compared")
    parser.add_argument("--native-memory-variants", default="",
                        help="only these rows of the native memory comparison (names, comma-separated)")
    parser.add_argument("--poll-flag", default="--poll", help="freshserve's polling option (default --poll)")
    parser.add_argument("--freshserve-arg", action="append", default=[], help="extra option for freshserve watch")
    parser.add_argument("--publish-arg", action="append", default=[], help="extra option for dotnet publish")
    parser.add_argument("--nodemon-version", default="3.1.14")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    parser.add_argument("--note", default="", help="a line for the report, e.g. 'machine shared with other jobs'")
    args = parser.parse_args()
    args.edits = args.edits or (5 if args.quick else 20)
    args.floor_runs = 5 if args.quick else 20
    args.start_runs = 5 if args.quick else 15
    args.scale_edits = 3 if args.quick else 5
    args.variant_runs = 3 if args.quick else 10
    args.variant_restarts = 3 if args.quick else 10
    args.endurance_restarts = args.endurance_restarts or (40 if args.quick else 200)
    args.memory_restarts = 5 if args.quick else 20
    args.idle = 3.0 if args.quick else 10.0
    args.settle = 0.3
    args.gap = 0.2
    args.poll_ms = 5
    args_global = args
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)

    started_at = datetime.datetime.now(datetime.timezone.utc)
    clock = now()
    peers = prepare(args)
    report = {"date": started_at.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "versions": versions(peers),
              "missing": peers.missing, "poll_supported": peers.poll_supported, "quick": args.quick,
              "edits": args.edits, "idle_seconds": args.idle, "poll_ms": args.poll_ms, "note": args.note,
              "memory_restarts": args.memory_restarts,
              "apps": {}, "start": None, "scale": []}
    log(f"versions: {report['versions']}")
    log(f"freshserve {args.poll_flag}: {'supported' if peers.poll_supported else 'not supported by this build'}")
    try:
        report["start"] = freshserve_start(peers, args)
        log(f"freshserve start: {report['start']}")
        for name in [a for a in args.apps.split(",") if a]:
            if name == "fastapi" and not peers.fastapi or name == "aspnet" and not peers.aspnet \
                    or name.startswith("node") and not peers.node:
                log(f"app {name}: skipped, its runtime is missing")
                report["apps"][name] = {"skipped": True}
                continue
            app = App(name, peers)
            try:
                rows = {}
                log(f"{name}: server cold start alone")
                rows["floor"] = floor_cold_start(app, args.floor_runs)
                log(f"  {rows['floor']['cold_start']}")
                for tool in args.tools.split(","):
                    for mode in ("events", "poll"):
                        if tool.startswith("nodemon") and not peers.nodemon or tool == "entr -r" and not peers.entr:
                            rows[f"{tool}|{mode}"] = {"supported": False, "missing": True}
                            continue
                        if mode == "poll" and (tool not in ("freshserve", "nodemon") or args.no_poll):
                            continue
                        if tool == "uvicorn --reload" and name != "fastapi":
                            continue
                        if mode == "poll" and name != "fastapi":
                            continue  # polling mode once, on the seed's app, to keep the run short
                        log(f"{name}: {tool} ({mode})")
                        rows[f"{tool}|{mode}"] = supervised(tool, mode, app, peers, args)
                        log(f"  {summary_line(rows[f'{tool}|{mode}'])}")
                report["apps"][name] = rows
            finally:
                app.cleanup()
        if not args.no_scale:
            report["scale"] = scale(peers, args)
        if not args.no_endurance:
            report["endurance"] = endurance(peers, args)
        if not args.no_variants:
            report["variants"] = build_variants(peers, args)
        if not args.no_native_memory:
            report["native_memory"] = native_memory(peers, args)
    finally:
        for proc in list(STARTED):
            proc.stop(signal.SIGKILL, grace=1)
    report["machine"]["load_end"] = os.getloadavg()
    report["duration_s"] = now() - clock
    os.makedirs(os.path.join(BENCH, "results"), exist_ok=True)
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(BENCH, "results", f"{stamp}.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    import report as report_md  # bench/report.py
    with open(args.output, "w") as f:
        f.write(report_md.render(report))
    log(f"wrote {os.path.relpath(args.output, ROOT)} and bench/results/{stamp}.json in {report['duration_s']:.0f} s")


def summary_line(row):
    if not row.get("supported"):
        return "not supported"
    if "error" in row:
        return "ERROR " + row["error"][:300]
    s = row.get("save_to_fresh") or {}
    return (f"save-to-fresh median {s.get('median', 0):.0f} ms p90 {s.get('p90', 0):.0f} max {s.get('max', 0):.0f}; "
            f"failed/restart {row.get('failed_per_restart')}; held > 1 s/restart {row.get('held_past_timeout_per_restart')}; stale after {row.get('stale_after_fresh')}; "
            f"rss {row.get('rss_mb')} MB; idle cpu {row.get('idle_cpu')}%; steps {row.get('steps')}")


if __name__ == "__main__":
    sys.path.insert(0, BENCH)
    main()
