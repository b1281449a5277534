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
    /// <summary>How long after its start a generation not yet ready is taken as settled (see <see cref="GiveBackMemoryIfUnreadyAsync"/>).</summary>
    private static readonly TimeSpan UnreadySettle = TimeSpan.FromSeconds(3);

    /// <summary>How much the heap may grow between compactions over quick restarts (see <see cref="GiveBackMemoryIfGrown"/>).</summary>
    private const long HeapSlack = 1024 * 1024;

    private readonly WatchSettings _settings;
    private readonly IWorkerLauncher _launcher;
    private readonly ChangeDebouncer _changes;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly IHostProbe _host;
    private readonly GenerationPlanner _planner;
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
    // Taken by the readiness report and by a restart superseding the generation: never both.
    private readonly Lock _readyGate = new();
    // The heap's size right after the last compaction (GiveBackMemory).
    private long _heapAfterCompaction;

    public ChangeDebouncer Changes => _changes;

    /// <summary>What the loop is doing now.</summary>
    public LoopPhase Phase { get; private set; } = LoopPhase.Starting;

    /// <summary>Told each phase the loop enters, with the generation it concerns, from the loop's own flow.</summary>
    public event Action<LoopPhase, int>? PhaseChanged;

    /// <param name="time">The clock of every wait and measure the loop makes; share it with <paramref name="changes"/>.</param>
    /// <param name="host">What the loop asks the machine (ports, trees); the system's answers by default.</param>
    public Supervisor(WatchSettings settings, IWorkerLauncher launcher, ChangeDebouncer changes, ILogger log,
        LiveSession? session = null, IGenerationObserver? observer = null, TimeProvider? time = null, IHostProbe? host = null)
    {
        _session = session;
        _observer = observer;
        _settings = settings;
        _launcher = launcher;
        _changes = changes;
        _log = log;
        _time = time ?? TimeProvider.System;
        _host = host ?? new HostProbe(settings.PortTimeout, _time);
        _expectedPort = settings.Port;
        _expectedSource = settings.PortSource;
        _provenPort = settings.Port;
        _planner = new GenerationPlanner(settings, CommandResolver.Resolve(settings.Command, settings.WorkingDirectory, settings.Environment));
        _serverWrites = new ServerWrites(settings.WatchRoots, settings.WorkingDirectory, settings.Command, settings.CommandArguments, settings.Watching);
    }

    private int ReadyGeneration => Volatile.Read(ref _readyGeneration);

    /// <summary>Restarts the current generation now, as if a file had changed (key r).</summary>
    public void RequestRestart()
    {
        lock (_gate)
        {
            _restartRequested.TrySetResult();
        }
    }

    /// <summary>Key r: already completed when it was pressed while the loop was busy, so no press is lost.</summary>
    private Task NextRestartRequest()
    {
        lock (_gate)
        {
            return _restartRequested.Task;
        }
    }

    /// <summary>A generation is about to be spawned: every press so far is served by it.</summary>
    private void TakeRestartRequests()
    {
        lock (_gate)
        {
            if (_restartRequested.Task.IsCompleted)
            {
                _restartRequested = NewSignal();
            }
        }
    }

    /// <summary>Runs until <paramref name="shutdown"/> fires; <paramref name="force"/> skips the graceful stop.</summary>
    public async Task<int> RunAsync(CancellationToken shutdown, CancellationToken force)
    {
        if (_settings.Port is { } initialPort)
        {
            if (_host.IsListening(initialPort))
            {
                _log.PortHeldWaiting(initialPort, DescribeHolder(initialPort).Describe(), Duration.Format(_settings.PortTimeout));
            }

            bool free;
            try
            {
                free = await _host.WaitUntilFreeAsync(initialPort, shutdown).ConfigureAwait(false);
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

    /// <summary>
    /// The loop as a state machine: each generation is started (<see cref="LoopPhase.Starting"/>), runs until the next
    /// message (<see cref="LoopPhase.Running"/>; after its own exit, <see cref="LoopPhase.WaitingForChange"/>), and a
    /// change, key r or the end of a crash pause replaces it through the one restart path (<see cref="RestartAsync"/>).
    /// Shutdown, in any phase, stops what runs (<see cref="LoopPhase.Stopping"/>).
    /// </summary>
    private async Task<int> RunGenerationsAsync(CancellationToken shutdown, CancellationToken force)
    {
        var number = 0;
        Restart? restart = null;
        while (!shutdown.IsCancellationRequested)
        {
            number++;
            var current = Start(number, restart, shutdown);
            try
            {
                if (current is null)
                {
                    Enter(LoopPhase.WaitingForChange, number);
                }

                var message = await NextMessageAsync(current, crashPause: null, shutdown).ConfigureAwait(false);
                if (message == Message.WorkerExited)
                {
                    var pause = await OnExitedAsync(current!, force).ConfigureAwait(false);
                    Enter(LoopPhase.WaitingForChange, number);
                    message = await NextMessageAsync(null, pause, shutdown).ConfigureAwait(false);
                }

                if (message == Message.Shutdown)
                {
                    await StopForShutdownAsync(current, force).ConfigureAwait(false);
                    break;
                }

                Enter(LoopPhase.Restarting, number);
                restart = await RestartAsync(message, current, force, shutdown).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                await StopForShutdownAsync(current, force).ConfigureAwait(false);
                break;
            }
            finally
            {
                if (current is not null)
                {
                    await EndAsync(current).ConfigureAwait(false);
                }
            }
        }

        Enter(LoopPhase.Stopped, number);
        _log.ShutDown();
        return ExitCodes.Ok;
    }

    private void Enter(LoopPhase phase, int generation)
    {
        Phase = phase;
        PhaseChanged?.Invoke(phase, generation);
    }

    /// <summary>Spawns generation <paramref name="number"/>; null when a later start failed (nothing runs until the next change).</summary>
    private Generation? Start(int number, Restart? restart, CancellationToken shutdown)
    {
        Enter(LoopPhase.Starting, number);
        // Behind the proxy every generation gets a fresh internal port, so the old one never has to be waited for.
        var workerPort = _settings.Proxy is null ? _settings.Port : _host.PickWorkerPort();
        var spec = _planner.Plan(number, restart?.Changed ?? [], workerPort);
        var cause = restart?.Cause;
        IWorker worker;
        try
        {
            TakeRestartRequests();
            var spawning = _time.GetTimestamp();
            worker = _launcher.Start(spec);
            if (cause is not null)
            {
                cause.Spawn = _time.GetElapsedTime(spawning);
                cause.Start = _time.GetElapsedTime(cause.WayClearAt);
            }
        }
        catch (CommandStartException e) when (number > 1)
        {
            // The first start failing is a bad command; later, a rebuild in progress or a lost exec bit is
            // something the next save fixes: nothing runs, so wait for it instead of ending the session.
            _log.CannotStart(e.Message);
            return null;
        }

        _session?.WorkerStarted(worker.Pid, number);
        if (cause is not null)
        {
            _log.RestartOverhead(cause.DescribeOverhead());
        }

        var generation = new Generation(number, worker, spec, workerPort, _time.GetTimestamp(), CancellationTokenSource.CreateLinkedTokenSource(shutdown));
        if (cause is null)
        {
            _log.Started(spec.DisplayCommand, worker.Pid, number);
        }
        else
        {
            _log.StartedStep(spec.DisplayCommand, worker.Pid, number);
        }

        generation.Readiness = ReportReadinessAsync(generation, cause, generation.Done.Token);
        generation.Settling = GiveBackMemoryIfUnreadyAsync(generation);
        if (_host.ReadsTreeFiles)
        {
            generation.Sampling = Task.Run(() => _serverWrites.SampleWhileStartingAsync(worker.Pid,
                () => ReadyGeneration == number, generation.Done.Token), CancellationToken.None);
        }

        // Last: the ready check and the log lines of this start are under way before the pause.
        GiveBackMemoryIfGrown();
        Enter(LoopPhase.Running, number);
        return generation;
    }

    /// <summary>
    /// The next message for the loop: a change (a burst the evidence shows is the running server's own writing is
    /// taken and waited past), key r, the worker's own exit, the end of a crash pause, or shutdown.
    /// </summary>
    private async Task<Message> NextMessageAsync(Generation? running, TimeSpan? crashPause, CancellationToken shutdown)
    {
        var manual = NextRestartRequest();
        var cancelled = Task.Delay(Timeout.Infinite, shutdown);
        var pause = crashPause is { } wait ? Task.Delay(wait, _time, shutdown) : null;
        while (true)
        {
            var change = _changes.WaitForChangeAsync(shutdown);
            List<Task> waits = [change, manual];
            if (running is not null)
            {
                waits.Add(running.Worker.Exited);
            }

            if (pause is not null)
            {
                waits.Add(pause);
            }

            waits.Add(cancelled);
            var first = await Task.WhenAny(waits).ConfigureAwait(false);
            if (shutdown.IsCancellationRequested)
            {
                return Message.Shutdown;
            }

            if (first == change)
            {
                if (running is not null && await IsServersOwnBurstAsync(running, shutdown).ConfigureAwait(false))
                {
                    _observer?.KeptRunning(running.Number);
                    continue;
                }

                return Message.Change;
            }

            return first == manual ? Message.ManualRestart : first == pause ? Message.CrashPauseOver : Message.WorkerExited;
        }
    }

    /// <summary>Reports the worker's own exit and stops what is left of its tree; returns the crash pause, or null to wait for a change.</summary>
    private async Task<TimeSpan?> OnExitedAsync(Generation generation, CancellationToken force)
    {
        var uptime = _time.GetElapsedTime(generation.StartedAt);
        var exitCode = await generation.Worker.Exited.ConfigureAwait(false);
        _observer?.Exited(generation.Number, exitCode);
        var delay = ReportExit(generation.Spec, generation.Worker.Pid, exitCode, uptime);
        await StopTreeAsync(generation.Worker, generation.Number, force).ConfigureAwait(false);
        return delay;
    }

    private async Task StopForShutdownAsync(Generation? current, CancellationToken force)
    {
        if (current is null)
        {
            return;
        }

        Enter(LoopPhase.Stopping, current.Number);
        _log.ShuttingDown(current.Number);
        if (!current.Retired)
        {
            // A retired tree's stop is already under way; shutdown awaits it.
            await StopTreeAsync(current.Worker, current.Number, force).ConfigureAwait(false);
        }
    }

    /// <summary>Ends what ran beside a generation; disposes its worker unless a retirement does once its stop ends.</summary>
    private static async Task EndAsync(Generation generation)
    {
        await generation.Done.CancelAsync().ConfigureAwait(false);
        if (!generation.Retired)
        {
            await generation.Worker.DisposeAsync().ConfigureAwait(false);
        }

        await generation.Readiness.ConfigureAwait(false);
        await generation.Sampling.ConfigureAwait(false);
        await generation.Settling.ConfigureAwait(false);
        generation.Done.Dispose();
    }

    /// <summary>
    /// The one restart path, for a change, key r or a crash pause over, with or without a generation running (after a
    /// failed start). The old generation is superseded (never reported ready or routed to from here on) and told to stop
    /// at once, while a burst may still be going on; the next one may start once the burst is quiet and the way is clear.
    /// </summary>
    private async Task<Restart> RestartAsync(Message why, Generation? old, CancellationToken force, CancellationToken shutdown)
    {
        var change = why == Message.Change;
        var (early, starting) = (false, false);
        if (old is not null)
        {
            Supersede(old);
            early = change && _time.GetElapsedTime(old.StartedAt) <= FeedbackLoop.SoonAfterStart && ReadyGeneration != old.Number;
            starting = change && Starting(old);
        }

        if (why != Message.CrashPauseOver)
        {
            _backoff.Reset();
        }

        if (why == Message.ManualRestart)
        {
            _log.RestartRequested();
        }

        // Key r (or the end of a crash pause) inside a burst takes the burst too: one restart serves all of it.
        var quiet = change || _changes.Pending.Count > 0 ? _changes.WaitForQuietAsync(shutdown) : null;
        var retirement = old is null ? null : Retire(old, force, shutdown);
        RestartCause cause;
        if (quiet is not null)
        {
            var what = await ChangedPaths.DescribeBurstAsync(_changes, quiet, _settings.WatchRoots, _time).ConfigureAwait(false);
            _log.Restarting(what);
            cause = new RestartCause($"{what} changed");
        }
        else
        {
            cause = new RestartCause(why == Message.ManualRestart ? "restart requested" : $"restart {_backoff.Streak} after a crash");
        }

        await ClearTheWayAsync(retirement, cause, shutdown).ConfigureAwait(false);
        IReadOnlyList<FileChange> burst = quiet is null ? [] : await quiet.ConfigureAwait(false);
        cause.WayClearAt = _time.GetTimestamp();
        _serverWrites.Restarted(burst, starting);
        if (quiet is not null)
        {
            // The restart line named the burst as it began; the ready line names all of it.
            cause.Reason = $"{ChangedPaths.DescribeLasting(burst, _settings.WatchRoots)} changed";
            var changed = ChangedPaths.Relative(burst, _settings.WatchRoots);
            if (_feedbackLoop.Observe(burst, early))
            {
                _log.FeedbackLoop(string.Join(", ", changed), Duration.Format(FeedbackLoop.SoonAfterStart), FeedbackLoop.Streak,
                    string.Join(' ', changed.Select(path => $"-x '{path.Replace('\\', '/')}'")));
            }

            return new Restart(cause, changed);
        }

        return new Restart(cause, []);
    }

    /// <summary>
    /// From here on the generation is never reported ready nor routed to, however late its readiness check answers: the
    /// readiness report takes the same lock and checks <see cref="Generation.Superseded"/>.
    /// </summary>
    private void Supersede(Generation old)
    {
        lock (_readyGate)
        {
            old.Superseded = true;
            _observer?.Restarting(old.Number);
        }

        old.Done.Cancel();
    }

    /// <summary>
    /// A burst during a generation that evidence shows is the server's own writing (see <see cref="ServerWrites"/>), or
    /// whose files all came and went: taken (the own writes named), and the server keeps running. Any other path
    /// restarts at once: a burst is looked at closer only when every path in it may be the server's, so an edit never
    /// waits on this.
    /// </summary>
    private async Task<bool> IsServersOwnBurstAsync(Generation running, CancellationToken shutdown)
    {
        var workerPid = running.Worker.Pid;
        bool starting() => Starting(running);
        var judging = OperatingSystem.IsLinux() && _host.ReadsTreeFiles;
        // A file that appeared and is gone again cancels out by the end of the burst: it decides nothing.
        var deciding = _changes.Pending.Where(change => !ChangedPaths.IsInFlight(change)).ToArray();
        if (deciding.Length > 0)
        {
            if (!judging || !OperatingSystem.IsLinux())
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

        var (others, own) = judging && OperatingSystem.IsLinux()
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
    private bool Starting(Generation generation)
    {
        var elapsed = _time.GetElapsedTime(generation.StartedAt);
        return elapsed <= FeedbackLoop.SoonAfterStart || (ReadyGeneration != generation.Number && elapsed <= ServerWrites.SampleFor);
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
    private Retirement Retire(Generation old, CancellationToken force, CancellationToken shutdown)
    {
        var (worker, generation, workerPort) = (old.Worker, old.Number, old.Port);
        old.Retired = true;
        var overlap = !_settings.StopBeforeStart && !worker.Exited.IsCompleted && ReadyGeneration == generation;
        var signalledAt = _time.GetTimestamp();
        // Runs synchronously up to its first wait: the tree read and the graceful signal sent.
        var stopping = StopAndDisposeAsync(worker, generation, force);
        var signal = _time.GetElapsedTime(signalledAt);
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
        var reading = _time.GetTimestamp();
        var listening = seen is not null ? seen.ToHashSet() : _host.ListenersOf(pid).Select(l => l.Port).ToHashSet();
        var read = _time.GetElapsedTime(reading);
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
        await _host.WaitUntilNoneListensAsync(ports, cancellationToken).ConfigureAwait(false);
        return (_time.GetElapsedTime(signalledAt), ports, read);
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
    private async Task ClearTheWayAsync(Retirement? retirement, RestartCause cause, CancellationToken shutdown)
    {
        if (retirement is null)
        {
            // Nothing ran (a failed start) or it is stopped already: only the port to prove.
            (cause.Port, cause.PortFreeTook) = await EnsurePortFreeAsync(shutdown).ConfigureAwait(false);
            return;
        }

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

        var since = _time.GetTimestamp();
        if (!await _host.WaitUntilFreeAsync(port, shutdown).ConfigureAwait(false))
        {
            shutdown.ThrowIfCancellationRequested();
            throw new FreshServeException(PortHeldMessage(port));
        }

        // Read once: the verbose step and the summary line report the same time.
        var took = _time.GetElapsedTime(since);
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

    private async Task ReportReadinessAsync(Generation current, RestartCause? cause, CancellationToken cancellationToken)
    {
        var (worker, generation) = (current.Worker, current.Number);
        var summary = cause is null ? string.Empty : " ← " + cause.Describe(worker.Pid);
        try
        {
            string where;
            int? routed = null;
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
            else if (await WaitForPortAsync(worker, generation, current.Port, ReportedEarly(worker, generation, cause) ? string.Empty : summary, cancellationToken)
                         .ConfigureAwait(false) is { } readyPort)
            {
                where = $"on port {readyPort}";
                routed = readyPort;
            }
            else
            {
                return;
            }

            var took = (long)_time.GetElapsedTime(current.StartedAt).TotalMilliseconds;
            lock (_readyGate)
            {
                // A generation superseded while its check answered is never reported, nor routed to.
                if (current.Superseded || cancellationToken.IsCancellationRequested)
                {
                    _log.ReadyAfterReplaced(generation, routed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? where);
                    return;
                }

                if (routed is { } port)
                {
                    // The proxy switches first, so every response after the ready line comes from this generation.
                    _observer?.Ready(generation, port);
                    if (_settings.Proxy is null)
                    {
                        ProvenPort = port;
                        _session?.ServerPort(port);
                    }
                }

                Volatile.Write(ref _readyGeneration, generation);
                // Read again: an old generation stopping in the background may have finished meanwhile.
                _log.Ready(took, where, generation, cause is null ? summary : " ← " + cause.Describe(worker.Pid));
            }

            await GiveBackMemoryAsync(cancellationToken).ConfigureAwait(false);
            if (!_settings.StopBeforeStart)
            {
                var seen = _host.ListenersOf(worker.Pid).Select(l => l.Port).Distinct().ToArray();
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
        var ready = _host.WaitForUrlAsync(url, _settings.ReadyTimeout, null, status => answer = status, cancellationToken);
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

            ready = _host.WaitForUrlAsync(url, Timeout.InfiniteTimeSpan, TimeSpan.FromMilliseconds(500), null, cancellationToken);
        }
    }

    /// <summary>
    /// With --ready-url, the port to prove free before the next start: the URL's, if the tree listens there, else the
    /// parsed one, else the one it is seen listening on. One look at the tree, once the URL answered.
    /// </summary>
    private int? ServingPort(IWorker worker, int generation, Uri url)
    {
        var listeners = _host.ListenersOf(worker.Pid);
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
            var ready = _host.WaitUntilReadyAsync(worker.Pid, expected, slow ? Timeout.InfiniteTimeSpan : _settings.ReadyTimeout, slow,
                elsewhereCounts, cancellationToken);
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
    private async Task GiveBackMemoryAsync(CancellationToken generationDone)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), _time, generationDone).ConfigureAwait(false);
        GiveBackMemory();
    }

    /// <summary>
    /// The same for a generation not ready <see cref="UnreadySettle"/> after its start: a worker with no port (a queue
    /// consumer, a script) is never reported ready, and a long build keeps freshserve idle meanwhile too.
    /// </summary>
    private async Task GiveBackMemoryIfUnreadyAsync(Generation generation)
    {
        try
        {
            await Task.Delay(UnreadySettle, _time, generation.Done.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (ReadyGeneration != generation.Number)
        {
            GiveBackMemory();
        }
    }

    /// <summary>
    /// Restarts in quick succession never settle: their garbage, promoted while each generation was young, would fill
    /// the heap up to the GC's own budget. Right after a spawn (the new server is still starting, so the pause is off
    /// the restart's path) the heap is compacted when it grew by more than <see cref="HeapSlack"/> since the last time.
    /// </summary>
    private void GiveBackMemoryIfGrown()
    {
        if (GC.GetGCMemoryInfo().HeapSizeBytes > Volatile.Read(ref _heapAfterCompaction) + HeapSlack)
        {
            GiveBackMemory();
        }
    }

    private void GiveBackMemory()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Volatile.Write(ref _heapAfterCompaction, GC.GetGCMemoryInfo().HeapSizeBytes);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What moves the loop on: the events it waits for, one at a time.</summary>
    private enum Message
    {
        Change,
        ManualRestart,
        WorkerExited,
        CrashPauseOver,
        Shutdown,
    }

    /// <summary>What the next generation starts after: why (for its ready line) and the files that changed.</summary>
    private sealed record Restart(RestartCause Cause, IReadOnlyList<string> Changed);

    /// <summary>One started worker and what runs beside it until it is replaced or shut down.</summary>
    private sealed class Generation(int number, IWorker worker, ProcessSpec spec, int? port, long startedAt, CancellationTokenSource done)
    {
        public int Number { get; } = number;
        public IWorker Worker { get; } = worker;
        public ProcessSpec Spec { get; } = spec;

        /// <summary>The port it was given: the parsed one, or its own internal one behind the proxy.</summary>
        public int? Port { get; } = port;

        /// <summary>A <see cref="TimeProvider"/> timestamp.</summary>
        public long StartedAt { get; } = startedAt;

        /// <summary>Cancelled when it is replaced or shut down: ends its readiness check and sampling.</summary>
        public CancellationTokenSource Done { get; } = done;

        public Task Readiness { get; set; } = Task.CompletedTask;
        public Task Sampling { get; set; } = Task.CompletedTask;
        public Task Settling { get; set; } = Task.CompletedTask;

        /// <summary>Its stop is under way in the background (which disposes it once done).</summary>
        public bool Retired { get; set; }

        /// <summary>Replaced: never reported ready nor routed to from then on (under the ready gate).</summary>
        public bool Superseded { get; set; }
    }
}

/// <summary>Where the restart loop is (see <see cref="Supervisor.PhaseChanged"/>).</summary>
public enum LoopPhase
{
    /// <summary>Spawning a generation.</summary>
    Starting,

    /// <summary>A generation runs (ready or not); waiting for a change, key r, its exit or shutdown.</summary>
    Running,

    /// <summary>Nothing runs (a failed start, or the worker exited by itself): waiting for a change, key r, or a crash pause to end.</summary>
    WaitingForChange,

    /// <summary>The old generation is told to stop; waiting for the burst to be quiet and the way to be clear.</summary>
    Restarting,

    /// <summary>Shutdown: stopping what runs.</summary>
    Stopping,

    /// <summary>The loop has ended (old trees still stopping in the background are awaited after this).</summary>
    Stopped,
}
