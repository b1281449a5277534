"""Renders one bench run (the dict bench.py builds) as docs/benchmarks.md."""

TOOLS = ["freshserve", "nodemon", "uvicorn --reload", "entr -r"]
APP_TITLES = {"fastapi": "FastAPI app under uvicorn (bench/apps/fastapi, edit web_app.py)",
              "node": "Node http server (bench/apps/node, edit server.js)",
              "aspnet": "ASP.NET Core minimal app (bench/apps/aspnet, edit message.txt read at start-up)",
              "node-inspect": "Node http server under `node --inspect=127.0.0.1:<port>` (a second, fixed port)"}


def ms(value):
    return "—" if value is None else f"{value:.0f}"


def num(value, digits=1):
    return "—" if value is None else f"{value:.{digits}f}"


def ratio(a, b):
    return None if a is None or not b else a / b


def rss_pair(row):
    """RSS right after the edits / after the idle period (freshserve gives the restarts' garbage back once idle)."""
    after, idle = row.get("rss_mb"), row.get("rss_mb_after_idle")
    return num(after) if idle is None or after is None or abs(after - idle) < 0.5 else f"{num(after)} / {num(idle)}"


def held_note(row):
    held = row.get("held_past_timeout_per_restart")
    return f" +{num(held)} held" if held else ""


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def median_of(row):
    s = (row or {}).get("save_to_fresh") or {}
    return s.get("median")


def targets(report):
    rows = []
    apps = {name: rows_ for name, rows_ in report["apps"].items() if not rows_.get("skipped")}
    for name, app in apps.items():
        floor = ((app.get("floor") or {}).get("cold_start") or {}).get("median")
        fs = median_of(app.get("freshserve|events"))
        r = ratio(fs, floor)
        rows.append((f"Save-to-fresh median ≤ 1.10 × the server's cold start ({name})",
                     f"{ms(fs)} ms vs {ms(floor)} ms = {num(r, 2)} ×", verdict(None if r is None else r <= 1.10)))
    for name, app in apps.items():
        fs = median_of(app.get("freshserve|events"))
        nm = median_of(app.get("nodemon|events"))
        r = ratio(fs, nm)
        rows.append((f"Save-to-fresh median no slower than nodemon ({name})",
                     f"{ms(fs)} ms vs {ms(nm)} ms = {num(r, 2)} ×", verdict(None if r is None else r <= 1.0)))
        graceful = median_of(app.get("nodemon --signal SIGTERM|events"))
        if graceful is not None:
            r = ratio(fs, graceful)
            rows.append((f"Save-to-fresh median no slower than nodemon --signal SIGTERM ({name})",
                         f"{ms(fs)} ms vs {ms(graceful)} ms = {num(r, 2)} ×", verdict(None if r is None else r <= 1.0)))
    # Proxy mode (issue 11): within 10 % of the cold start, no slower than nodemon, no failed request.
    for name, app in apps.items():
        row = app.get("freshserve --proxy|events") or {}
        px = median_of(row)
        if px is None:
            continue
        floor = ((app.get("floor") or {}).get("cold_start") or {}).get("median")
        nm = median_of(app.get("nodemon|events"))
        r, rn = ratio(px, floor), ratio(px, nm)
        rows.append((f"Proxy mode: save-to-fresh median ≤ 1.10 × cold start and ≤ nodemon ({name})",
                     f"{ms(px)} ms = {num(r, 2)} × cold start, {num(rn, 2)} × nodemon",
                     verdict(None if r is None or rn is None else r <= 1.10 and rn <= 1.0)))
        held = row.get("held_past_timeout_per_restart")
        rows.append((f"Proxy mode: no failed request ({name})",
                     f"{num(row.get('failed_per_restart'))} per restart"
                     + (f"; besides, {num(held)} per restart held past the client's 1 s timeout" if held else ""),
                     verdict(row.get("failed_per_restart") == 0)))
    fs_rows = [row for app in apps.values() for key, row in app.items()
               if key.startswith("freshserve|") and row.get("supported") and "rss_mb" in row]
    fs_rows += [row for row in report["scale"] if row.get("supported") and "rss_mb" in row]
    rss = [row["rss_mb"] for row in fs_rows if row.get("rss_mb") is not None]
    settled = [row["rss_mb_after_idle"] for row in fs_rows if row.get("rss_mb_after_idle") is not None]
    rows.append(("Supervisor RSS ≤ 40 MB (freshserve, every run)",
                 (f"{num(min(rss))}–{num(max(rss))} MB right after the edits" if rss else "—")
                 + (f"; {num(min(settled))}–{num(max(settled))} MB after {report['idle_seconds']:.0f} s idle" if settled else ""),
                 verdict(max(rss) <= 40 if rss else None)))
    idle = [row["idle_cpu"] for app in apps.values() for key, row in app.items()
            if key == "freshserve|events" and row.get("idle_cpu") is not None]
    idle += [row["idle_cpu"] for row in report["scale"] if row.get("mode") == "events" and row.get("idle_cpu") is not None]
    rows.append(("Idle CPU < 0.5 % of a core with events (apps and trees)",
                 f"max {num(max(idle), 2)} %" if idle else "—", verdict(max(idle) < 0.5 if idle else None)))
    poll10k = next((row for row in report["scale"] if row["files"] == 10000 and row["node_modules"] == 0
                    and row["mode"] == "poll"), None)
    if poll10k is None:
        rows.append(("Polling a 10k-file tree at the default interval < 3 % of a core", "not measured", "—"))
    elif not poll10k.get("supported"):
        rows.append(("Polling a 10k-file tree at the default interval < 3 % of a core",
                     "not supported by this build (`freshserve watch --poll` rejected)", "**missed**"))
    else:
        cpu = poll10k.get("idle_cpu")
        rows.append(("Polling a 10k-file tree at the default interval < 3 % of a core", f"{num(cpu, 2)} %",
                     verdict(None if cpu is None else cpu < 3)))
    big = [row for row in report["scale"] if row["node_modules"] and row["mode"] == "events"]
    if big and big[0].get("start_to_watching_ms") is not None:
        row = big[0]
        rows.append((f"Watching starts within 1 s on {row['files'] // 1000}k files with a node_modules of "
                     f"{row['node_modules'] // 1000}k ignored", f"{ms(row['start_to_watching_ms'])} ms",
                     verdict(row["start_to_watching_ms"] <= 1000)))
    else:
        rows.append(("Watching starts within 1 s on 100k files with node_modules ignored", "not measured", "—"))
    rows += native_targets(report)
    return rows


def native_targets(report):
    """Issue 12's targets for the native build (bench runs the csproj's build: Native AOT on linux-x64)."""
    rows = []
    start = report.get("start") or {}
    version = (start.get("version") or {}).get("median")
    spawn = (start.get("to_first_spawn") or {}).get("median")
    rows.append(("`freshserve --version` ≤ 10 ms median", f"{ms(version)} ms", verdict(None if version is None else version <= 10)))
    rows.append(("Spawn to first worker ≤ 25 ms median", f"{ms(spawn)} ms", verdict(None if spawn is None else spawn <= 25)))
    rows += native_memory_targets(report)
    native = next((r for r in report.get("endurance") or [] if r["name"].startswith("native") and r.get("samples")), None)
    if native and report.get("native_memory"):
        samples = native["samples"]
        first, last = samples[1], samples[-2]
        grew = last["rss_mb"] - first["rss_mb"] if last["rss_mb"] and first["rss_mb"] else None
        rows.append((f"No growth over {last['restarts']} restarts (native: RSS, descriptors)",
                     f"RSS {num(first['rss_mb'])} → {num(last['rss_mb'])} MB, descriptors {first['fds']} → {last['fds']}",
                     verdict(None if grew is None else grew <= 2 and (last["fds"] or 0) <= (first["fds"] or 0) + 2)))
    elif native:
        samples = native["samples"]
        idle = samples[0]["rss_mb"]
        after = max(s["rss_mb"] for s in samples[1:] if s["rss_mb"] is not None)
        rows.append(("Idle RSS in plain mode ≤ 20 MB (native)", f"{num(idle)} MB", verdict(idle is not None and idle <= 20)))
        rows.append((f"RSS right after restarts ≤ 25 MB (native, up to {samples[-2]['restarts']} restarts)",
                     f"at most {num(after)} MB", verdict(after <= 25)))
        first, last = samples[1], samples[-2]
        grew = last["rss_mb"] - first["rss_mb"] if last["rss_mb"] and first["rss_mb"] else None
        rows.append((f"No growth over {last['restarts']} restarts (native: RSS, descriptors)",
                     f"RSS {num(first['rss_mb'])} → {num(last['rss_mb'])} MB, descriptors {first['fds']} → {last['fds']}",
                     verdict(None if grew is None else grew <= 2 and (last["fds"] or 0) <= (first["fds"] or 0) + 2)))
    if report.get("native_memory"):
        return rows
    proxy = [row["rss_mb"] for app in report["apps"].values() if not app.get("skipped")
             for key, row in app.items() if key.startswith("freshserve --proxy|") and row.get("rss_mb") is not None]
    rows.append(("Proxy mode RSS ≤ 45 MB (after the edits)", f"{num(min(proxy))}–{num(max(proxy))} MB" if proxy else "not measured",
                 verdict(max(proxy) <= 45 if proxy else None)))
    return rows


def native_memory_targets(report):
    """Idle / after restarts / proxy RSS targets from the csproj's native build (the native memory section's first row)."""
    row = next((r for r in report.get("native_memory") or [] if "error" not in r or r.get("idle")), None)
    if not row:
        return []
    rss = lambda key: (row.get(key) or {}).get("rss")
    idle = [v for v in (rss("idle"), rss("idle_no_port")) if v is not None]
    after = [v for v in (rss("after_restarts"), rss("idle_after_restarts")) if v is not None]
    proxy = rss("proxy_after_restarts")
    return [
        ("Idle RSS in plain mode ≤ 20 MB (native)",
         f"{num(rss('idle'))} MB with a server on its port, {num(rss('idle_no_port'))} MB with `sleep` (no port)",
         verdict(max(idle) <= 20 if idle else None)),
        ("RSS right after restarts ≤ 25 MB (native)",
         f"{num(rss('after_restarts'))} MB right after, {num(rss('idle_after_restarts'))} MB idle after", verdict(max(after) <= 25 if after else None)),
        ("Proxy mode RSS ≤ 45 MB (native, after restarts)", f"{num(proxy)} MB", verdict(None if proxy is None else proxy <= 45)),
    ]


def native_memory_section(report):
    rows = report.get("native_memory") or []
    if not rows:
        return []
    out = ["### Native memory, by setting\n",
           "The native binary (Native AOT, linux-x64) as the csproj builds it, then with one memory setting changed "
           "(publish properties, or a GC setting through the environment, `DOTNET_<name>` in hex). Sessions: "
           "`watch -- python3 -m http.server P` idle, right after "
           f"{report.get('memory_restarts', 20)} restarts (a rewritten file, each restart waited for) and idle again; "
           "`watch -- sleep` (no port: readiness keeps reading /proc); `--proxy` after the same restarts with a "
           "request through the proxy after each. *Binary* = resident pages of the executable file itself; *anon* = "
           "anonymous memory (GC heap regions, the binary's rehydrated data, malloc, thread stacks); *largest* = the "
           "largest single anonymous mapping. *CPU ms / restart* = freshserve's own CPU time over those restarts. *Restart* = save-to-fresh on the Node app, first and median (of all).\n",
           "| build | setting | file MB | idle RSS | idle: binary / anon / largest | no port: RSS / largest | "
           "after restarts RSS / anon | idle after | proxy RSS | threads | CPU ms / restart | restart first / median ms |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        setting = " ".join(r.get("props") or []) + " ".join(f"{k}={v}" for k, v in (r.get("env") or {}).items())
        if "error" in r and not r.get("idle"):
            out.append(f"| {r['name']} | `{setting or '(none)'}` | failed: {r['error'][:80]} | | | | | | | | | |")
            continue
        idle, nop = r.get("idle") or {}, r.get("idle_no_port") or {}
        after, later, proxy = r.get("after_restarts") or {}, r.get("idle_after_restarts") or {}, r.get("proxy_after_restarts") or {}
        restart = r.get("restart") or {}
        out.append(f"| {r['name']} | `{setting or '(none)'}` | {num(r.get('binary_mb'))} | {num(idle.get('rss'))} | "
                   f"{num(idle.get('binary'))} / {num(idle.get('anon'))} / {num(idle.get('largest_anon'))} | "
                   f"{num(nop.get('rss'))} / {num(nop.get('largest_anon'))} | {num(after.get('rss'))} / {num(after.get('anon'))} | "
                   f"{num(later.get('rss'))} | {num(proxy.get('rss'))} | {idle.get('threads', '—')} | {num(r.get('cpu_ms_per_restart'))} | "
                   f"{ms(r.get('restart_first_ms'))} / {ms(restart.get('median'))} |")
        if r.get("error"):
            out.append(f"| ↳ {r['error']} | | | | | | | | | | | |")
    out.append("")
    return out


def render(report):
    out = []
    w = out.append
    m = report["machine"]
    w("# Benchmarks\n")
    w(f"Written by `bench/run.sh{' --quick' if report['quick'] else ''}` on {report['date']} "
      f"(the run took {report.get('duration_s', 0):.0f} s). Regenerate with `bench/run.sh`; the raw numbers of each run "
      "are kept in `bench/results/*.json` (not committed).\n")
    if report["quick"]:
        w("**This is a quick run** (few edits, smaller trees): a smoke test, not numbers to quote.\n")
    if report.get("note"):
        w(f"> {report['note']}\n")
    w("## Machine\n")
    w("| | |\n|---|---|")
    w(f"| CPU | {m['cpu']} |\n| cores | {m['cores']} |\n| memory | {m['memory_gb']} GB |\n| OS | {m['os']} |")
    w(f"| kernel | {m['kernel']} |")
    w(f"| load average (1/5/15 min) at start | {' / '.join(f'{x:.2f}' for x in m['load_start'])} |")
    if "load_end" in m:
        w(f"| load average at end | {' / '.join(f'{x:.2f}' for x in m['load_end'])} |")
    w("")
    w("## Versions\n")
    w("| | |\n|---|---|")
    for k, v in report["versions"].items():
        w(f"| {k} | {v} |")
    for k, v in report["missing"].items():
        w(f"| {k} | **missing**: {v} |")
    w("")

    w("## Targets\n")
    w("Reported here, never asserted in unit tests.\n")
    w("| target | measured | |\n|---|---|---|")
    for name, measured, ok in targets(report):
        w(f"| {name} | {measured} | {ok} |")
    w("")

    w("## Save-to-fresh, side by side\n")
    w(f"From the write of the source file to the first HTTP response carrying the new content, polled every "
      f"{report['poll_ms']} ms, over {report['edits']} edits per row. *Failed* = requests refused or reset between the "
      "write and the first fresh response (mean per restart); a request nothing answered within the client's 1 s timeout is not "
      "counted there but added as *+N held* (a request held through a restart longer than that); *stale after* = responses without the new content after "
      "the first fresh one (sum over all edits, 300 ms window after each). RSS and idle CPU are the supervisor "
      f"process alone (not the server); RSS right after the edits / after {report['idle_seconds']:.0f} s idle, idle CPU over "
      f"those {report['idle_seconds']:.0f} s. "
      "*Left* = processes of the tree still alive 2 s after the supervisor was asked to stop (SIGINT); the bench "
      "then kills them by pid. *First start* = from spawning the supervisor to the first answer of its server.\n")
    for name, rows in report["apps"].items():
        w(f"### {APP_TITLES.get(name, name)}\n")
        if rows.get("skipped"):
            w("Skipped: its runtime is missing (see Versions).\n")
            continue
        floor = (rows.get("floor") or {}).get("cold_start") or {}
        nodemon = median_of(rows.get("nodemon|events"))
        w("| tool | mode | median ms | p90 ms | max ms | × cold start | × nodemon | failed / restart | stale after "
          "| RSS MB | idle CPU % | first start ms | left |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        w(f"| server cold start alone (the floor) | — | {ms(floor.get('median'))} | {ms(floor.get('p90'))} | "
          f"{ms(floor.get('max'))} | 1.00 | | | | | | | |")
        for key, row in rows.items():
            if key == "floor":
                continue
            tool, mode = key.split("|")
            if tool == "uvicorn --reload":
                mode = "its default (StatReload polls)"
            if not row.get("supported"):
                why = "missing (see Versions)" if row.get("missing") else (
                    "not supported by this build" if tool == "freshserve" else "no such mode")
                w(f"| {tool} | {mode} | {why} | | | | | | | | | | |")
                continue
            if "error" in row:
                w(f"| {tool} | {mode} | failed: {row['error'].splitlines()[0][:80]} | | | | | | | | | | |")
                continue
            s = row.get("save_to_fresh") or {}
            timeouts = f" ({row['timeouts']} timed out)" if row.get("timeouts") else ""
            w(f"| {tool} | {mode} | {ms(s.get('median'))}{timeouts} | {ms(s.get('p90'))} | {ms(s.get('max'))} | "
              f"{num(ratio(s.get('median'), floor.get('median')), 2)} | {num(ratio(s.get('median'), nodemon), 2)} | "
              f"{num(row.get('failed_per_restart'))}{held_note(row)} | {row.get('stale_after_fresh', '—')} | {rss_pair(row)} | "
              f"{num(row.get('idle_cpu'), 2)} | {ms(row.get('first_start_ms'))} | {row.get('left_running_after_stop')} |")
        w("")
        if name == "node-inspect":
            taken = [f"{key.split('|')[0]}: {row.get('inspector_failed')}" for key, row in rows.items()
                     if key != "floor" and row.get("supported") and "inspector_failed" in row]
            w("Generations that did not get their debugger port (node printed *Starting inspector on ... failed*): "
              + "; ".join(taken) + ".\n")

    w("## Where freshserve's restart time goes\n")
    w("Medians, in ms after the write, from freshserve's `--verbose` lines as the bench read them from its output "
      "(so each includes a little pipe latency). Stop, port check and the debounce run at the same time: the new "
      "server is spawned when the way is clear *and* the change burst has been quiet (10 ms for a single save, growing "
      "with the burst up to --debounce). On Linux the port is proven free by binding it, and when the bind fails the "
      "kernel is asked for its listeners over netlink (reading /proc/net/tcp walks every connection bucket: 40-150 ms "
      "per read on this machine under load). *freshserve --proxy* rows are proxy "
      "mode: the bench talks to freshserve's port, requests during a restart are held, not refused.\n")
    w("Since the overlapped restarts, the new server is spawned once the ports the old tree listened on are free and "
      "the burst is quiet; the rest of the old tree's stop goes on in the background, so *old tree stopped* may come "
      "after *spawned*. The last three columns are freshserve's own time per restart, from its `--verbose` line: "
      "signalling the old tree's process group (the full look for members outside it runs beside the restart), and "
      "from the way being clear to the new server spawned (of which the spawn itself).\n")
    w("| app | change seen | old tree stopped | port proven free | new server spawned | freshserve saw it ready "
      "| first fresh response | own: signal | own: start | own: spawn |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for name, rows in report["apps"].items():
        for key, row in rows.items():
            if not (key.startswith("freshserve") and key.endswith("|events") and row.get("steps")):
                continue
            steps = row["steps"]
            label = name if key == "freshserve|events" else f"{name} ({key.split('|')[0]})"
            w(f"| {label} | {ms(steps.get('detected'))} | {ms(steps.get('stopped'))} | {ms(steps.get('port_free'))} | "
                  f"{ms(steps.get('spawned'))} | {ms(steps.get('ready'))} | {ms(steps.get('fresh'))} | "
                  f"{num(steps.get('own_signal'))} | {num(steps.get('own_start'))} | {num(steps.get('own_spawn'))} |")
    w("")
    firsts = [(name, key, row) for name, rows in report["apps"].items() for key, row in rows.items()
              if key.startswith("freshserve") and key.endswith("|events") and row.get("steps_first") and row.get("steps_later")]
    if firsts:
        w("The first restart of each session next to the median of the later ones (freshserve's own time, ms; the "
          "issue asks the first to be as fast as the tenth):\n")
        w("| app | first: signal | first: start (spawn) | later: signal | later: start (spawn) | first: save-to-fresh "
          "| later: save-to-fresh |")
        w("|---|---|---|---|---|---|---|")
        for name, key, row in firsts:
            first, later = row["steps_first"], row["steps_later"]
            label = name if key == "freshserve|events" else f"{name} ({key.split('|')[0]})"
            w(f"| {label} | {num(first.get('own_signal'))} | {num(first.get('own_start'))} ({num(first.get('own_spawn'))}) | "
              f"{num(later.get('own_signal'))} | {num(later.get('own_start'))} ({num(later.get('own_spawn'))}) | "
              f"{ms(first.get('fresh'))} | {ms(later.get('fresh'))} |")
        w("")

    start = report.get("start") or {}
    w("## freshserve's own start\n")
    w("| | median ms | p90 ms | max ms |\n|---|---|---|---|")
    for key, label in (("version", "`freshserve --version` (process start to exit)"),
                       ("to_first_spawn", "`freshserve watch -- sleep` start to its first worker spawned")):
        s = start.get(key) or {}
        w(f"| {label} | {ms(s.get('median'))} | {ms(s.get('p90'))} | {ms(s.get('max'))} |")
    w("")

    if report.get("endurance"):
        w("### Memory over many restarts\n")
        w("One session each, `sleep` as the server, restarted by rewriting a watched file and waiting for the restart "
          "line; VmRSS, private (anonymous) memory and open descriptors of freshserve at each point, and after "
          f"{report['idle_seconds'] / 2:.0f} s idle at the end.\n")
        for row in report["endurance"]:
            if not row.get("samples"):
                w(f"- {row['name']}: failed: {row.get('error')}")
                continue
            w(f"**{row['name']}**{' (stopped early: ' + row['error'] + ')' if row.get('error') else ''}\n")
            w("| restarts | RSS MB | anon MB | open fds |\n|---|---|---|---|")
            for s in row["samples"]:
                w(f"| {s['restarts']} | {num(s['rss_mb'])} | {num(s['anon_mb'])} | {s['fds'] if s['fds'] is not None else '—'} |")
            w("")

    if report.get("variants"):
        w("### Start-up settings compared\n")
        w("freshserve published again with one setting changed from src/FreshServe/FreshServe.csproj, measured in "
          "turns. *Restart* = save-to-fresh on the Node app; RSS and anonymous (private) memory after those restarts; "
          "RSS also counts the mapped runtime files, shared with other .NET processes.\n")
        w("| build | publish properties | `--version` ms | to first spawn ms | restart median ms | RSS MB | anon MB |")
        w("|---|---|---|---|---|---|---|")
        for v in report["variants"]:
            w(f"| {v['name']} | `{v['props']}` | {ms((v.get('version') or {}).get('median'))} | "
              f"{ms((v.get('to_first_spawn') or {}).get('median'))} | {ms((v.get('restart') or {}).get('median'))} | "
              f"{num(v.get('rss_mb'))} | {num(v.get('anon_mb'))} |")
        w("")

    for line in native_memory_section(report):
        w(line)

    w("## Scale\n")
    w("freshserve watching generated trees (20 files per folder; node_modules 10 files per package folder), with "
      "`sleep` as the server. *Start → watching* is from the spawn to the first change freshserve reports while the "
      "bench rewrites a file in the last folder every ~20 ms (an upper bound). *Detect* is from a write to "
      f"freshserve's `↻` line. Idle CPU over {report['idle_seconds']:.0f} s after the edits. In polling mode both "
      "include up to one polling interval.\n")
    w("| files | node_modules | mode | start → watching ms | detect median ms | detect max ms | RSS MB | idle CPU % |")
    w("|---|---|---|---|---|---|---|---|")
    for row in report["scale"]:
        nm = f"{row['node_modules']:,}" if row["node_modules"] else "—"
        if not row.get("supported"):
            w(f"| {row['files']:,} | {nm} | {row['mode']} | not supported by this build | | | | |")
            continue
        if "error" in row:
            w(f"| {row['files']:,} | {nm} | {row['mode']} | failed: {row['error'].splitlines()[0][:80]} | | | | |")
            continue
        d = row.get("detect") or {}
        w(f"| {row['files']:,} | {nm} | {row['mode']} | {ms(row.get('start_to_watching_ms'))} | {ms(d.get('median'))} | "
          f"{ms(d.get('max'))} | {num(row.get('rss_mb'))} | {num(row.get('idle_cpu'), 2)} |")
    if not report["scale"]:
        w("| not run (`--no-scale`) | | | | | | | |")
    w("")

    w("## How each tool was run\n")
    w("- floor: the server command alone, started fresh each time; time from spawn to its first answer.")
    w("- freshserve: `freshserve watch --verbose --port P -- <server>` (Release publish of src/FreshServe, built by "
      "the bench); polling rows add `--poll`.")
    w("- nodemon: `node nodemon.js --watch . --ext <ext> --exec '<server>'` (its defaults: SIGUSR2 to stop, no "
      "delay); polling rows add `--legacy-watch`.")
    w("- uvicorn: `uvicorn web_app:app --reload` (FastAPI only; without watchfiles/watchgod installed it polls with "
      "its StatReload).")
    w("- entr: `echo <source> | entr -n -r <server>`.")
    w("- Servers: `uvicorn web_app:app`, `node server.js`, `dotnet BenchAspNet.dll --urls ...`, bound to 127.0.0.1 on a "
      "port the OS gave. Each app runs from a fresh temp copy; edits rewrite the source in place with one write().")
    w("")
    return "\n".join(out) + "\n"
