using System.Diagnostics;
using FreshServe.Cli;
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
/// request (key r), the worker's own exit, or shutdown. A change stops the whole old tree, proves the port free and
/// starts the next generation once the burst is quiet. Cleanup is always awaited, on every path out.
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
    private readonly Lock _gate = new();
    private TaskCompletionSource _restartRequested = NewSignal();
    private readonly LiveSession? _session;
    private readonly IGenerationObserver? _observer;

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
        var generation = 0;
        IReadOnlyList<string> changed = [];
        RestartCause? cause = null;

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
                worker = _launcher.Start(spec);
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
                while (first == change && await IsServersOwnBurstAsync(worker.Pid, shutdown).ConfigureAwait(false));

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
                    _backoff.Reset();
                    var quiet = _changes.WaitForQuietAsync(shutdown);
                    var stopping = StopTreeAsync(worker, generation, force);
                    var what = await ChangedPaths.DescribeBurstAsync(_changes, quiet, _settings.WatchRoots).ConfigureAwait(false);
                    _log.Restarting(what);
                    cause = new RestartCause($"{what} changed");
                    await FreePortAfterAsync(stopping, cause, shutdown).ConfigureAwait(false);
                    var burst = await quiet.ConfigureAwait(false);
                    changed = ChangedPaths.Relative(burst, _settings.WatchRoots);
                    // The restart line named the burst as it began; the ready line names all of it.
                    cause.Reason = $"{ChangedPaths.DescribeLasting(burst, _settings.WatchRoots)} changed";
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
                    cause = new RestartCause("restart requested");
                    await StopAndFreePortAsync(worker, generation, cause, force, shutdown).ConfigureAwait(false);
                    changed = [];
                }
                else
                {
                    cause = new RestartCause($"restart {_backoff.Streak} after a crash");
                    await StopAndFreePortAsync(worker, generation, cause, force, shutdown).ConfigureAwait(false);
                    changed = [];
                }
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                _log.ShuttingDown(generation);
                await StopTreeAsync(worker, generation, force).ConfigureAwait(false);
                break;
            }
            finally
            {
                await generationDone.CancelAsync().ConfigureAwait(false);
                await worker.DisposeAsync().ConfigureAwait(false);
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

            cause.Port = _settings.Port;
            cause.PortFreeTook = await EnsurePortFreeAsync(shutdown).ConfigureAwait(false);
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
    private async Task<bool> IsServersOwnBurstAsync(int workerPid, CancellationToken shutdown)
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
            if (!deciding.All(change => !change.IsLost && _serverWrites.MayBeOwn(change.Path)))
            {
                return false;
            }
        }

        var burst = await _changes.WaitForQuietAsync(shutdown).ConfigureAwait(false);
        if (burst.Count == 0)
        {
            return true; // all it held came and went
        }

        var (others, own) = OperatingSystem.IsLinux()
            ? await _serverWrites.JudgeAsync(burst, workerPid, shutdown).ConfigureAwait(false)
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

    private Task StopAndFreePortAsync(IWorker worker, int generation, RestartCause cause, CancellationToken force, CancellationToken shutdown) =>
        FreePortAfterAsync(StopTreeAsync(worker, generation, force), cause, shutdown);

    private async Task FreePortAfterAsync(Task<TimeSpan> stopping, RestartCause cause, CancellationToken shutdown)
    {
        cause.StopTook = await stopping.ConfigureAwait(false);
        cause.Port = _settings.Port;
        cause.PortFreeTook = await EnsurePortFreeAsync(shutdown).ConfigureAwait(false);
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
            _log.ForcedKill(_settings.Stop.Signal.Name(), Duration.Format(_settings.Stop.Timeout));
        }

        _log.Stopped(generation, Duration.Format(outcome.Elapsed), outcome.Forced ? " (forced)" : string.Empty);
        return outcome.Elapsed;
    }

    private async Task<TimeSpan?> EnsurePortFreeAsync(CancellationToken shutdown)
    {
        if (_settings.Port is not { } port)
        {
            return null;
        }

        var clock = Stopwatch.StartNew();
        if (!await _portWaiter.WaitAsync(port, shutdown).ConfigureAwait(false))
        {
            shutdown.ThrowIfCancellationRequested();
            throw new FreshServeException(PortHeldMessage(port));
        }

        _log.PortFree(port, Duration.Format(clock.Elapsed));
        return clock.Elapsed;
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
        string where;
        Func<TimeSpan, TimeSpan?, Task<bool>> probe;
        if (_settings.ReadyUrl is { } url)
        {
            where = $"at {url}";
            probe = (timeout, maxPause) => ReadinessProbe.WaitForHttpAsync(url, timeout, cancellationToken, maxPause);
        }
        else if (workerPort is { } port)
        {
            where = $"on port {port}";
            probe = (timeout, maxPause) => ReadinessProbe.WaitForConnectAsync(port, timeout, cancellationToken, maxPause);
        }
        else
        {
            if (cause is not null)
            {
                _log.Restarted(generation, cause.Describe(worker.Pid));
            }

            return;
        }

        var ready = probe(_settings.ReadyTimeout, null);
        try
        {
            if (_settings.ReadyUrl is null && workerPort is { } awaited && OperatingSystem.IsLinux())
            {
                await HintIfListeningElsewhereAsync(worker, generation, awaited, ready, cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                var first = await Task.WhenAny(ready, worker.Exited).ConfigureAwait(false);
                // A port that accepts while our worker is already dead would be someone else's: never report that.
                if (first != ready || worker.Exited.IsCompleted)
                {
                    return;
                }

                if (await ready.ConfigureAwait(false))
                {
                    break;
                }

                // Late is not never (a first build, a slow migration): keep probing, gently, so the proxy still
                // switches and the ready line still comes.
                _log.NotReady(where, Duration.Format(_settings.ReadyTimeout), generation, worker.Pid, summary);
                ready = probe(Timeout.InfiniteTimeSpan, TimeSpan.FromMilliseconds(500));
            }

            // The proxy switches first, so every response after the ready line comes from this generation.
            if (workerPort is { } readyPort)
            {
                _observer?.Ready(generation, readyPort);
            }

            Volatile.Write(ref _readyGeneration, generation);
            _log.Ready(startedAt.ElapsedMilliseconds, where, generation, summary);
            await GiveBackMemoryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
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

    /// <summary>
    /// A server that ignores the port it is given (no {port} behind --proxy, a wrong --port) would only be reported at
    /// the ready timeout; after a short while, say where it listens instead.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private async Task HintIfListeningElsewhereAsync(IWorker worker, int generation, int port, Task<bool> ready, CancellationToken cancellationToken)
    {
        var grace = Task.Delay(ListensElsewhereAfter, cancellationToken);
        if (await Task.WhenAny(ready, worker.Exited, grace).ConfigureAwait(false) != grace || !grace.IsCompletedSuccessfully)
        {
            return;
        }

        var ports = PortOwner.ListeningPortsOf(Processes.Unix.ProcessTable.GroupAndDescendants(worker.Pid));
        if (ports.Count > 0 && !ports.Contains(port) && !ready.IsCompleted && !worker.Exited.IsCompleted)
        {
            _log.ListensElsewhere(generation, string.Join(", ", ports), port, _settings.Proxy is null
                ? "give the port it uses with --port"
                : $"behind --proxy it must listen on the port freshserve gives it: write {WorkerPort.Placeholder} in the command, or read $PORT");
        }
    }

    private static readonly TimeSpan ListensElsewhereAfter = TimeSpan.FromSeconds(3);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
