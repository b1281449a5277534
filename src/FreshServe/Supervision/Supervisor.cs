using System.Diagnostics;
using System.Net;
using FreshServe.Common;
using FreshServe.Logging;
using FreshServe.Ports;
using FreshServe.Processes;
using FreshServe.Proxy;
using FreshServe.Sessions;
using FreshServe.Watching;
using Microsoft.Extensions.Logging;

namespace FreshServe.Supervision;

/// <summary>
/// The restart loop. Each generation: start the worker, then await whichever comes first of a change, a restart
/// request (key r), the worker's own exit, or shutdown. A change signals the whole old tree to stop and starts the next
/// generation once the burst is quiet and the way is clear (see <see cref="Retirement"/>): the ports the old tree
/// listened on free, or with <see cref="WatchSettings.StopBeforeStart"/> the whole old tree gone. The rest of an old
/// tree's stop goes on in the background, still logged. Cleanup is always awaited, on every path out.
/// </summary>
public sealed class Supervisor
{
    private readonly WatchSettings _settings;
    private readonly IWorkerLauncher _launcher;
    private readonly ChangeDebouncer _changes;
    private readonly ILogger _log;
    private readonly PortFreeWaiter _portWaiter;
    private readonly string _executable;
    private readonly CrashBackoff _backoff = CrashBackoff.Default();
    private readonly FeedbackLoop _feedbackLoop = new();
    private readonly ServerWrites _serverWrites;
    private int _readyGeneration;
    // The port the next generation is expected on (parsed, or adopted from what an earlier one listened on), and the
    // port to prove free before each start: the last ready generation's. Not used behind the proxy.
    private int? _expectedPort;
    private string? _expectedSource;
    private int? _provenPort;
    private readonly Lock _ports = new();
    private int? _announcedPort;
    private bool _saidListensNowhere;
    private readonly Lock _gate = new();
    private TaskCompletionSource _restartRequested = NewSignal();
    private readonly LiveSession? _session;
    private readonly IGenerationObserver? _observer;
    private readonly Lock _retiringGate = new();
    private readonly List<Task> _retiring = [];
    // What the ready generation's tree listened on a moment after ready: read then, off any restart's path.
    private (int Generation, int[] Ports)? _portsSeen;

    public ChangeDebouncer Changes => _changes;

    public Supervisor(WatchSettings settings, IWorkerLauncher launcher, ChangeDebouncer changes, ILogger log,
        LiveSession? session = null, IGenerationObserver? observer = null)
    {
        _session = session;
        _observer = observer;
        _settings = settings;
        _launcher = launcher;
        _changes = changes;
        _log = log;
        _portWaiter = new PortFreeWaiter(settings.PortTimeout);
        _expectedPort = settings.Port;
        _expectedSource = settings.PortSource;
        _provenPort = settings.Port;
        _executable = CommandResolver.Resolve(settings.Command, settings.WorkingDirectory, settings.Environment);
        _serverWrites = new ServerWrites(settings.WatchRoots, settings.WorkingDirectory, settings.Command, settings.CommandArguments, settings.Watching);
    }

    /// <summary>Restarts the current generation now, as if a file had changed (key r).</summary>
    public void RequestRestart()
    {
        lock (_gate)
        {
            _restartRequested.TrySetResult();
        }
    }

    private Task NextRestartRequest()
    {
        lock (_gate)
        {
            if (_restartRequested.Task.IsCompleted)
            {
                _restartRequested = NewSignal();
            }

            return _restartRequested.Task;
        }
    }

    /// <summary>Runs until <paramref name="shutdown"/> fires; <paramref name="force"/> skips the graceful stop.</summary>
    public async Task<int> RunAsync(CancellationToken shutdown, CancellationToken force)
    {
        if (_settings.Port is { } initialPort)
        {
            if (PortListeners.IsListening(initialPort))
            {
                _log.PortHeldWaiting(initialPort, DescribeHolder(initialPort).Describe(), Duration.Format(_settings.PortTimeout));
            }

            bool free;
            try
            {
                free = await _portWaiter.WaitAsync(initialPort, shutdown).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                // Ctrl+C while waiting for someone else's port: nothing of ours runs yet.
                _log.ShutDown();
                return ExitCodes.Ok;
            }

            if (!free)
            {
                throw new FreshServeException(PortHeldMessage(initialPort));
            }
        }

        try
        {
            return await RunGenerationsAsync(shutdown, force).ConfigureAwait(false);
        }
        finally
        {
            // Old trees still stopping in the background: shutdown waits for them too.
            Task[] retiring;
            lock (_retiringGate)
            {
                retiring = [.. _retiring];
            }

            await Task.WhenAll(retiring).ConfigureAwait(false);
        }
    }

    private async Task<int> RunGenerationsAsync(CancellationToken shutdown, CancellationToken force)
    {
        var generation = 0;
        IReadOnlyList<string> changed = [];
        RestartCause? cause = null;
        while (!shutdown.IsCancellationRequested)
        {
            generation++;
            // Behind the proxy every generation gets a fresh internal port, so the old one never has to be waited for.
            var workerPort = _settings.Proxy is null ? _settings.Port : WorkerPort.Pick();
            var environment = WorkerEnvironment.Build(_settings, generation, changed);
            var arguments = _settings.CommandArguments;
            if (_settings.Proxy is not null && workerPort is { } assigned)
            {
                arguments = WorkerPort.Substitute(arguments, assigned);
                environment = new Dictionary<string, string>(environment) { ["PORT"] = assigned.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            }

            var spec = new ProcessSpec(_executable, arguments, _settings.WorkingDirectory, environment)
            {
                DetachStdin = _settings.DetachStdin,
            };

            IWorker worker;
            try
            {
                var spawning = Stopwatch.GetTimestamp();
                worker = _launcher.Start(spec);
                if (cause is not null)
                {
                    cause.Spawn = Stopwatch.GetElapsedTime(spawning);
                    cause.Start = Stopwatch.GetElapsedTime(cause.WayClearAt);
                }
            }
            catch (CommandStartException e) when (generation > 1)
            {
                // The first start failing is a bad command; later, a rebuild in progress or a lost exec bit is
                // something the next save fixes: nothing runs, so wait for it instead of ending the session.
                _log.CannotStart(e.Message);
                if (await WaitAfterFailedStartAsync(shutdown).ConfigureAwait(false) is not { } next)
                {
                    break;
                }

                (cause, changed) = next;
                continue;
            }

            _session?.WorkerStarted(worker.Pid, generation);
            if (cause is not null)
            {
                _log.RestartOverhead(cause.DescribeOverhead());
            }

            var startedAt = Stopwatch.StartNew();
            if (cause is null)
            {
                _log.Started(spec.DisplayCommand, worker.Pid, generation);
            }
            else
            {
                _log.StartedStep(spec.DisplayCommand, worker.Pid, generation);
            }

            using var generationDone = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
            var readiness = ReportReadinessAsync(worker, generation, workerPort, startedAt, cause, generationDone.Token);
            var thisGeneration = generation;
            var sampling = Task.Run(() => _serverWrites.SampleWhileStartingAsync(worker.Pid,
                () => Volatile.Read(ref _readyGeneration) == thisGeneration, generationDone.Token), CancellationToken.None);
            var retired = false;
            try
            {
                var manual = NextRestartRequest();
                var cancelled = Task.Delay(Timeout.Infinite, shutdown);
                Task change;
                Task first;
                do
                {
                    change = _changes.WaitForChangeAsync(shutdown);
                    first = await Task.WhenAny(change, manual, worker.Exited, cancelled).ConfigureAwait(false);
                }
                while (first == change && await IsServersOwnBurstAsync(worker.Pid, () => Starting(generation, startedAt), shutdown).ConfigureAwait(false));

                Task? crashRestart = null;

                if (first == worker.Exited)
                {
                    var uptime = startedAt.Elapsed;
                    var exitCode = await worker.Exited.ConfigureAwait(false);
                    _observer?.Exited(generation, exitCode);
                    var delay = ReportExit(spec, worker.Pid, exitCode, uptime);
                    await StopTreeAsync(worker, generation, force).ConfigureAwait(false);
                    crashRestart = delay is { } wait ? Task.Delay(wait, shutdown) : Task.Delay(Timeout.Infinite, shutdown);
                    first = await Task.WhenAny(change, manual, crashRestart, cancelled).ConfigureAwait(false);
                }

                if (first == cancelled || shutdown.IsCancellationRequested)
                {
                    _log.ShuttingDown(generation);
                    await StopTreeAsync(worker, generation, force).ConfigureAwait(false);
                    break;
                }

                _observer?.Restarting(generation);
                await generationDone.CancelAsync().ConfigureAwait(false);
                if (first == change)
                {
                    // A change: stop now, while the burst may still be going on; start once it is quiet.
                    var early = startedAt.Elapsed <= FeedbackLoop.SoonAfterStart && Volatile.Read(ref _readyGeneration) != generation;
                    var starting = Starting(generation, startedAt);
                    _backoff.Reset();
                    var quiet = _changes.WaitForQuietAsync(shutdown);
                    var retirement = Retire(worker, generation, workerPort, force, shutdown);
                    retired = true;
                    var what = await ChangedPaths.DescribeBurstAsync(_changes, quiet, _settings.WatchRoots).ConfigureAwait(false);
                    _log.Restarting(what);
                    cause = new RestartCause($"{what} changed");
                    await ClearTheWayAsync(retirement, cause, shutdown).ConfigureAwait(false);
                    var burst = await quiet.ConfigureAwait(false);
                    cause.WayClearAt = Stopwatch.GetTimestamp();
                    changed = ChangedPaths.Relative(burst, _settings.WatchRoots);
                    // The restart line named the burst as it began; the ready line names all of it.
                    cause.Reason = $"{ChangedPaths.DescribeLasting(burst, _settings.WatchRoots)} changed";
                    _serverWrites.Restarted(burst, starting);
                    if (_feedbackLoop.Observe(burst, early))
                    {
                        _log.FeedbackLoop(string.Join(", ", changed), Duration.Format(FeedbackLoop.SoonAfterStart), FeedbackLoop.Streak,
                            string.Join(' ', changed.Select(path => $"-x '{path.Replace('\\', '/')}'")));
                    }
                }
                else if (first == manual)
                {
                    _backoff.Reset();
                    _log.RestartRequested();
                    _serverWrites.Restarted([], starting: false);
                    cause = new RestartCause("restart requested");
                    var retirement = Retire(worker, generation, workerPort, force, shutdown);
                    retired = true;
                    await ClearTheWayAsync(retirement, cause, shutdown).ConfigureAwait(false);
                    cause.WayClearAt = Stopwatch.GetTimestamp();
                    changed = [];
                }
                else
                {
                    _serverWrites.Restarted([], starting: false);
                    cause = new RestartCause($"restart {_backoff.Streak} after a crash");
                    var retirement = Retire(worker, generation, workerPort, force, shutdown);
                    retired = true;
                    await ClearTheWayAsync(retirement, cause, shutdown).ConfigureAwait(false);
                    cause.WayClearAt = Stopwatch.GetTimestamp();
                    changed = [];
                }
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                _log.ShuttingDown(generation);
                if (!retired)
                {
                    // A retired tree's stop is already under way; shutdown awaits it.
                    await StopTreeAsync(worker, generation, force).ConfigureAwait(false);
                }

                break;
            }
            finally
            {
                await generationDone.CancelAsync().ConfigureAwait(false);
                if (!retired)
                {
                    await worker.DisposeAsync().ConfigureAwait(false);
                }

                await readiness.ConfigureAwait(false);
                await sampling.ConfigureAwait(false);
            }
        }

        _log.ShutDown();
        return ExitCodes.Ok;
    }

    /// <summary>With nothing running, waits for a change (or key r); null on shutdown.</summary>
    private async Task<(RestartCause Cause, IReadOnlyList<string> Changed)?> WaitAfterFailedStartAsync(CancellationToken shutdown)
    {
        var change = _changes.WaitForChangeAsync(shutdown);
        var manual = NextRestartRequest();
        var first = await Task.WhenAny(change, manual, Task.Delay(Timeout.Infinite, shutdown)).ConfigureAwait(false);
        if (shutdown.IsCancellationRequested || (first != change && first != manual))
        {
            return null;
        }

        _backoff.Reset();
        try
        {
            RestartCause cause;
            IReadOnlyList<string> changed = [];
            if (first == change)
            {
                var quiet = _changes.WaitForQuietAsync(shutdown);
                var what = await ChangedPaths.DescribeBurstAsync(_changes, quiet, _settings.WatchRoots).ConfigureAwait(false);
                _log.Restarting(what);
                cause = new RestartCause($"{what} changed");
                changed = ChangedPaths.Relative(await quiet.ConfigureAwait(false), _settings.WatchRoots);
            }
            else
            {
                _log.RestartRequested();
                cause = new RestartCause("restart requested");
            }

            (cause.Port, cause.PortFreeTook) = await EnsurePortFreeAsync(shutdown).ConfigureAwait(false);
            cause.WayClearAt = Stopwatch.GetTimestamp();
            return (cause, changed);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// A burst during a generation that evidence shows is the server's own writing (see <see cref="ServerWrites"/>), or
    /// whose files all came and went: taken (the own writes named), and the server keeps running. Any other path
    /// restarts at once: a burst is looked at closer only when every path in it may be the server's, so an edit never
    /// waits on this.
    /// </summary>
    private async Task<bool> IsServersOwnBurstAsync(int workerPid, Func<bool> starting, CancellationToken shutdown)
    {
        // A file that appeared and is gone again cancels out by the end of the burst: it decides nothing.
        var deciding = _changes.Pending.Where(change => !ChangedPaths.IsInFlight(change)).ToArray();
        if (deciding.Length > 0)
        {
            if (!OperatingSystem.IsLinux())
            {
                return false;
            }

            _serverWrites.Sample(workerPid, knownTree: true);
            _serverWrites.RecognizeRepeatedStartWrites(deciding, starting());
            // In flight is asked again after MayBeOwn: a file that appeared may go in between (go build's
            // app-go-tmp-umask probe), and then it cancels out rather than counting as an edit.
            if (!deciding.All(change => !change.IsLost && (_serverWrites.MayBeOwn(change.Path) || ChangedPaths.IsInFlight(change))))
            {
                return false;
            }
        }

        // Every path in it may be the server's: no one waits on it, so it gets the whole window to be taken whole.
        var burst = await _changes.WaitForQuietAsync(shutdown, wholeWindow: true).ConfigureAwait(false);
        if (burst.Count == 0)
        {
            return true; // all it held came and went
        }

        var (others, own) = OperatingSystem.IsLinux()
            ? await _serverWrites.JudgeAsync(burst, workerPid, starting, shutdown).ConfigureAwait(false)
            : (burst, []);
        foreach (var write in own.Where(w => w.FirstTime))
        {
            _log.ServerOwnWrite(write.Path, write.Evidence, write.Exclude);
        }

        if (others.Count == 0)
        {
            _log.ServerOwnWritesAgain(ChangedPaths.Describe(ChangedPaths.Relative(burst, _settings.WatchRoots)));
            return true;
        }

        // Restarted for as any edit: back into the debouncer, as the burst the restart names.
        foreach (var change in others)
        {
            _changes.Post(change);
        }

        return false;
    }

    /// <summary>
    /// Still starting: not ready yet, within the time the server's start-up writes are looked for; or in the first
    /// second, ready or not (a server writes at import and listens right after: its write may be seen after ready).
    /// </summary>
    private bool Starting(int generation, Stopwatch startedAt) =>
        startedAt.Elapsed <= FeedbackLoop.SoonAfterStart
        || (Volatile.Read(ref _readyGeneration) != generation && startedAt.Elapsed <= ServerWrites.SampleFor);

    /// <summary>Logs a worker's own exit; returns how long to wait before restarting it, or null to wait for a change.</summary>
    private TimeSpan? ReportExit(ProcessSpec spec, int pid, int exitCode, TimeSpan uptime)
    {
        var ran = Duration.Format(uptime);
        if (exitCode is 126 or 127)
        {
            // The shell's "cannot execute" / "not found": restarting cannot help until something is edited.
            _log.CannotRun(spec.DisplayCommand, pid, exitCode,
                exitCode == 127 ? "command not found" : "found but not executable", ran);
            return null;
        }

        // A clean exit is the server's own decision (a one-shot task, a --help), not a crash.
        if (!_settings.RestartOnCrash || exitCode == 0)
        {
            _log.WorkerExited(spec.DisplayCommand, pid, exitCode, ran);
            return null;
        }

        var delay = _backoff.NextDelay(uptime);
        _log.WorkerCrashedRestarting(spec.DisplayCommand, pid, exitCode, ran, Duration.Format(delay), _backoff.Streak);
        return delay;
    }

    /// <summary>An old generation told to stop: its stop (awaited at shutdown), and when the next one may start.</summary>
    /// <param name="Clear">
    /// Completes once no port the old tree listens on is listened on by anyone: how long that took from the signal, the
    /// ports, and how long reading them took. Null when the next generation waits for the whole tree to be gone.
    /// </param>
    /// <param name="Signal">How long reading the tree and sending the graceful signal took.</param>
    private sealed record Retirement(int Generation, Task<TimeSpan> Stopping, Task<(TimeSpan Took, IReadOnlyList<int> Ports, TimeSpan Read)>? Clear,
        CancellationTokenSource StopLooking, TimeSpan Signal);

    /// <summary>
    /// Tells the old tree to stop. The stop (graceful, then the kill at --stop-timeout) runs to its end in the background
    /// and the worker is disposed after it. The next generation may start once the ports the tree listens on are free.
    /// Only a generation seen ready has known ports; one that is not (still starting, or serving nothing) might bind
    /// after it was looked at, so the next generation waits for it to be gone.
    /// </summary>
    private Retirement Retire(IWorker worker, int generation, int? workerPort, CancellationToken force, CancellationToken shutdown)
    {
        var overlap = !_settings.StopBeforeStart && !worker.Exited.IsCompleted && Volatile.Read(ref _readyGeneration) == generation;
        var signalledAt = Stopwatch.GetTimestamp();
        // Runs synchronously up to its first wait: the tree read and the graceful signal sent.
        var stopping = StopAndDisposeAsync(worker, generation, force);
        var signal = Stopwatch.GetElapsedTime(signalledAt);
        lock (_retiringGate)
        {
            _retiring.RemoveAll(task => task.IsCompleted);
            _retiring.Add(stopping);
        }

        var stopLooking = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var pid = worker.Pid;
        var proven = _settings.Proxy is null ? ProvenPort : null;
        int[]? seen;
        lock (_ports)
        {
            seen = _portsSeen is { } ports && ports.Generation == generation ? ports.Ports : null;
        }

        var clear = overlap
            ? Task.Run(() => WaitUntilClearAsync(pid, seen, workerPort, proven, signalledAt, stopLooking.Token), CancellationToken.None)
            : null;
        return new Retirement(generation, stopping, clear, stopLooking, signal);
    }

    /// <summary>
    /// The ports the tree listened on a second after it was ready (<paramref name="seen"/>), read then since reading the
    /// socket table costs milliseconds of CPU; for a generation restarted sooner, what it listens on now, read after the
    /// signal, beside the stop: a port the tree no longer listens on by then is free already, and a dying tree opens none.
    /// </summary>
    private async Task<(TimeSpan, IReadOnlyList<int>, TimeSpan)> WaitUntilClearAsync(int pid, int[]? seen, int? workerPort, int? proven,
        long signalledAt, CancellationToken cancellationToken)
    {
        var reading = Stopwatch.GetTimestamp();
        var listening = seen is not null ? seen.ToHashSet() : TreePorts.ReadOrNone(pid).Select(l => l.Port).ToHashSet();
        var read = Stopwatch.GetElapsedTime(reading);
        if (_settings.Proxy is not null && workerPort is { } own)
        {
            // Behind the proxy the generation's own port is never given again: only its other ports (a debugger's) matter.
            listening.Remove(own);
        }
        else if (proven is { } port)
        {
            listening.Add(port);
        }

        IReadOnlyList<int> ports = [.. listening.Order()];
        var took = await WaitUntilNoneListensAsync(ports, signalledAt, cancellationToken).ConfigureAwait(false);
        return (took, ports, read);
    }

    private async Task<TimeSpan> StopAndDisposeAsync(IWorker worker, int generation, CancellationToken force)
    {
        try
        {
            return await StopTreeAsync(worker, generation, force).ConfigureAwait(false);
        }
        finally
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Returns once the next generation may start: every port the old tree listened on is listened on by no one, or
    /// (no overlap, or the stop ended first) the old tree is gone and the last ready port proven free.
    /// </summary>
    private async Task ClearTheWayAsync(Retirement retirement, RestartCause cause, CancellationToken shutdown)
    {
        using var looking = retirement.StopLooking;
        cause.Signal = retirement.Signal;
        if (retirement.Clear is { } clear)
        {
            if (await Task.WhenAny(clear, retirement.Stopping).ConfigureAwait(false) == clear && clear.IsCompletedSuccessfully)
            {
                var (took, ports, read) = await clear.ConfigureAwait(false);
                cause.Overlapped = retirement.Generation;
                cause.Port = ProvenPort;
                cause.PortFreeTook = took;
                cause.PortsRead = read;
                if (ports.Count > 0)
                {
                    _log.PortsClear(ports.Count == 1 ? $"port {ports[0]} is" : $"ports {string.Join(", ", ports)} are", Duration.Format(took), retirement.Generation);
                }
                else
                {
                    _log.StartingWhileStopping(retirement.Generation);
                }

                _ = retirement.Stopping.ContinueWith(stop => cause.StopTook = stop.Result, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }

            await looking.CancelAsync().ConfigureAwait(false);
            shutdown.ThrowIfCancellationRequested();
        }

        cause.StopTook = await retirement.Stopping.ConfigureAwait(false);
        (cause.Port, cause.PortFreeTook) = await EnsurePortFreeAsync(shutdown).ConfigureAwait(false);
    }

    /// <summary>Looks often: a bind attempt costs microseconds, and each look saved is time the user waits.</summary>
    private static async Task<TimeSpan> WaitUntilNoneListensAsync(IReadOnlyList<int> ports, long since, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(OperatingSystem.IsLinux() ? 2 : 10);
        var pending = ports.ToList();
        while (true)
        {
            pending.RemoveAll(port => !PortListeners.IsListening(port));
            if (pending.Count == 0)
            {
                return Stopwatch.GetElapsedTime(since);
            }

            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<TimeSpan> StopTreeAsync(IWorker worker, int generation, CancellationToken force)
    {
        var outcome = await worker.StopAsync(_settings.Stop, force).ConfigureAwait(false);
        if (outcome.Forced && !outcome.GracefulDelivered)
        {
            _log.GracefulUndeliverable(OperatingSystem.IsWindows() ? "CTRL_BREAK_EVENT" : _settings.Stop.Signal.Name());
        }
        else if (outcome.Forced && _settings.Stop.Signal != StopSignal.Kill)
        {
            // What happened, not what was configured: a second Ctrl+C cuts the wait short.
            var signal = _settings.Stop.Signal.Name();
            if (force.IsCancellationRequested && outcome.Elapsed < _settings.Stop.Timeout)
            {
                _log.KilledAtSecondRequest(signal, Duration.Format(outcome.Elapsed));
            }
            else if (_settings.Stop.Timeout < TimeSpan.FromSeconds(1))
            {
                // So short a wait more likely cut a clean shutdown off than met a server that ignores the signal.
                _log.ForcedKillSoon(signal, Duration.Format(_settings.Stop.Timeout));
            }
            else
            {
                _log.ForcedKill(signal, Duration.Format(_settings.Stop.Timeout));
            }
        }

        _log.Stopped(generation, Duration.Format(outcome.Elapsed), outcome.Forced ? " (forced)" : string.Empty);
        return outcome.Elapsed;
    }

    private int? ProvenPort
    {
        get
        {
            lock (_ports)
            {
                return _provenPort;
            }
        }
        set
        {
            lock (_ports)
            {
                _provenPort = value;
            }
        }
    }

    /// <summary>Proves the last ready generation's port free; returns it and how long that took (null, null: no port known).</summary>
    private async Task<(int? Port, TimeSpan? Took)> EnsurePortFreeAsync(CancellationToken shutdown)
    {
        if (ProvenPort is not { } port)
        {
            return (null, null);
        }

        var clock = Stopwatch.StartNew();
        if (!await _portWaiter.WaitAsync(port, shutdown).ConfigureAwait(false))
        {
            shutdown.ThrowIfCancellationRequested();
            throw new FreshServeException(PortHeldMessage(port));
        }

        // Read once: the verbose step and the summary line report the same time.
        var took = clock.Elapsed;
        _log.PortFree(port, Duration.Format(took));
        return (port, took);
    }

    private string PortHeldMessage(int port)
    {
        var holder = DescribeHolder(port);
        return $"port {port} is still held after {Duration.Format(_settings.PortTimeout)} by {holder.Describe()}; {holder.Advice()}";
    }

    private PortHolderReport DescribeHolder(int port) =>
        PortHolderReport.For(port, _session?.Registry ?? SessionRegistry.ForCurrentUser(), _session?.Record.Id);

    private async Task ReportReadinessAsync(IWorker worker, int generation, int? workerPort, Stopwatch startedAt, RestartCause? cause, CancellationToken cancellationToken)
    {
        var summary = cause is null ? string.Empty : " ← " + cause.Describe(worker.Pid);
        try
        {
            string where;
            if (_settings.ReadyUrl is { } url)
            {
                where = $"at {url}";
                if (!await WaitForUrlAsync(worker, generation, url, summary, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                if (_settings.Proxy is null && ServingPort(worker, generation, url) is { } serving)
                {
                    ProvenPort = serving;
                    _session?.ServerPort(serving);
                }
            }
            else if (await WaitForPortAsync(worker, generation, workerPort, ReportedEarly(worker, generation, cause) ? string.Empty : summary, cancellationToken)
                         .ConfigureAwait(false) is { } readyPort)
            {
                where = $"on port {readyPort}";
                // A generation replaced while its check answered is never reported (nor routed to: see GenerationGate).
                cancellationToken.ThrowIfCancellationRequested();
                // The proxy switches first, so every response after the ready line comes from this generation.
                _observer?.Ready(generation, readyPort);
                if (_settings.Proxy is null)
                {
                    ProvenPort = readyPort;
                    _session?.ServerPort(readyPort);
                }
            }
            else
            {
                return;
            }

            Volatile.Write(ref _readyGeneration, generation);
            // Read again: an old generation stopping in the background may have finished meanwhile.
            _log.Ready(startedAt.ElapsedMilliseconds, where, generation, cause is null ? summary : " ← " + cause.Describe(worker.Pid));
            await GiveBackMemoryAsync(cancellationToken).ConfigureAwait(false);
            if (!_settings.StopBeforeStart)
            {
                var seen = TreePorts.ReadOrNone(worker.Pid).Select(l => l.Port).Distinct().ToArray();
                lock (_ports)
                {
                    _portsSeen = (generation, seen);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// With no port known yet, the worker may not be a server at all: the restart is reported as soon as it starts
    /// (true), and a ready line follows only if it is seen listening.
    /// </summary>
    private bool ReportedEarly(IWorker worker, int generation, RestartCause? cause)
    {
        if (cause is null || _settings.Proxy is not null || ProvenPort is not null)
        {
            return false;
        }

        _log.Restarted(generation, cause.Describe(worker.Pid));
        return true;
    }

    /// <summary>True once the URL answers 2xx/3xx while this generation runs; a late answer still counts.</summary>
    private async Task<bool> WaitForUrlAsync(IWorker worker, int generation, Uri url, string summary, CancellationToken cancellationToken)
    {
        HttpStatusCode? answer = null;
        var ready = ReadinessProbe.WaitForHttpAsync(url, _settings.ReadyTimeout, cancellationToken, answered: status => answer = status);
        while (true)
        {
            // A URL that answers while our worker is already dead would be someone else's: never report that.
            if (await Task.WhenAny(ready, worker.Exited).ConfigureAwait(false) != ready || worker.Exited.IsCompleted)
            {
                return false;
            }

            if (await ready.ConfigureAwait(false))
            {
                return true;
            }

            // Late is not never (a first build, a slow migration): keep probing, gently.
            if (answer is { } status)
            {
                _log.ReadyUrlAnswers(url.ToString(), (int)status, ReasonPhrase(status), Duration.Format(_settings.ReadyTimeout), generation, worker.Pid, summary);
            }
            else
            {
                _log.NotReady($"at {url}", Duration.Format(_settings.ReadyTimeout), generation, worker.Pid, summary);
            }

            ready = ReadinessProbe.WaitForHttpAsync(url, Timeout.InfiniteTimeSpan, cancellationToken, TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>
    /// With --ready-url, the port to prove free before the next start: the URL's, if the tree listens there, else the
    /// parsed one, else the one it is seen listening on. One look at the tree, once the URL answered.
    /// </summary>
    private int? ServingPort(IWorker worker, int generation, Uri url)
    {
        var listeners = TreePorts.ReadOrNone(worker.Pid);
        if (listeners.Any(l => l.Port == url.Port))
        {
            return url.Port;
        }

        if (_settings.Port is { } parsed)
        {
            return parsed;
        }

        if (TreePorts.Pick(listeners) is { } seen && seen.Port != _announcedPort)
        {
            _announcedPort = seen.Port;
            _log.PortObserved(seen.Port, TreePorts.Describe(seen), generation);
        }

        return TreePorts.Pick(listeners)?.Port;
    }

    private static string ReasonPhrase(HttpStatusCode status) =>
        System.Text.RegularExpressions.Regex.Replace(status.ToString(), "(?<=[a-z])(?=[A-Z])", " ");

    /// <summary>
    /// The port this generation is ready on: the expected one (parsed, or given behind the proxy) once it accepts, else
    /// what its tree is seen listening on (see <see cref="PortReadiness"/>). Null when it exited, or listens nowhere.
    /// </summary>
    private async Task<int?> WaitForPortAsync(IWorker worker, int generation, int? workerPort, string summary, CancellationToken cancellationToken)
    {
        var behindProxy = _settings.Proxy is not null;
        int? expected;
        string? source;
        lock (_ports)
        {
            (expected, source) = behindProxy ? (workerPort, null) : (_expectedPort, _expectedSource);
        }

        var slow = false;
        var elsewhereCounts = true;
        while (true)
        {
            var ready = PortReadiness.WaitAsync(worker.Pid, expected, slow ? Timeout.InfiniteTimeSpan : _settings.ReadyTimeout, cancellationToken, slow,
                elsewhereCounts);
            // A port that accepts while our worker is already dead would be someone else's: never report that.
            if (await Task.WhenAny(ready, worker.Exited).ConfigureAwait(false) != ready || worker.Exited.IsCompleted)
            {
                return null;
            }

            if (await ready.ConfigureAwait(false) is not { } port)
            {
                if (expected is null)
                {
                    // A worker that serves nothing (a queue worker, a build): stop looking, it would cost CPU forever.
                    // Said once: every later generation would say the same.
                    if (!_saidListensNowhere)
                    {
                        _saidListensNowhere = true;
                        _log.ListensNowhere(generation, worker.Pid, Duration.Format(_settings.ReadyTimeout), summary);
                    }

                    return null;
                }

                // Late is not never (a first build, a slow migration): keep looking, gently.
                _log.NotReady($"on port {expected}", Duration.Format(_settings.ReadyTimeout), generation, worker.Pid, summary);
                slow = true;
                continue;
            }

            if (port.Elsewhere && behindProxy)
            {
                _log.ListensElsewhere(generation, port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), expected!.Value,
                    $"behind --proxy it must listen on the port freshserve gives it: write {WorkerPort.Placeholder} in the command, or read $PORT");
                elsewhereCounts = false;
                continue;
            }

            if (port.Elsewhere)
            {
                _log.ListensElsewhereUsing(generation, port.Port, TreePorts.Describe(port.Observed!), expected!.Value, source ?? "the command");
                lock (_ports)
                {
                    (_expectedPort, _expectedSource) = (port.Port, $"observed in generation {generation}");
                }
            }
            else if (port.Observed is { } seen && expected is null && port.Port != _announcedPort)
            {
                _announcedPort = port.Port;
                _log.PortObserved(port.Port, TreePorts.Describe(seen), generation);
            }

            return port.Port;
        }
    }

    /// <summary>
    /// A restart allocates a burst of short-lived garbage (the /proc walk, spawning, probing), and the GC's budget on a
    /// large-cache CPU lets that stay resident: about 15 MB on the machines we measured. Once the new generation has
    /// been ready for a moment, freshserve only idles until the next change, so it compacts and returns the memory then,
    /// off the restart's path (1-6 ms).
    /// </summary>
    private static async Task GiveBackMemoryAsync(CancellationToken generationDone)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), generationDone).ConfigureAwait(false);
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
