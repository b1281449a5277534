using System.Diagnostics;
using FreshServe.Cli;
using FreshServe.Logging;
using FreshServe.Ports;
using FreshServe.Processes;
using FreshServe.Sessions;
using FreshServe.Watching;
using Microsoft.Extensions.Logging;

namespace FreshServe.Supervision;

/// <summary>
/// The restart loop. Each generation: start the worker, then await whichever comes first of a change, the worker's
/// own exit, or shutdown. A change stops the whole old tree, proves the port free and starts the next generation once
/// the burst is quiet. Cleanup is always awaited, on every path out.
/// </summary>
public sealed class Supervisor
{
    private readonly WatchSettings _settings;
    private readonly IWorkerLauncher _launcher;
    private readonly ChangeDebouncer _changes;
    private readonly ILogger _log;
    private readonly PortFreeWaiter _portWaiter;
    private readonly string _executable;
    private readonly LiveSession? _session;

    public ChangeDebouncer Changes => _changes;

    public Supervisor(WatchSettings settings, IWorkerLauncher launcher, ChangeDebouncer changes, ILogger log, LiveSession? session = null)
    {
        _session = session;
        _settings = settings;
        _launcher = launcher;
        _changes = changes;
        _log = log;
        _portWaiter = new PortFreeWaiter(settings.PortTimeout);
        _executable = CommandResolver.Resolve(settings.Command, settings.WorkingDirectory, settings.Environment);
    }

    /// <summary>Runs until <paramref name="shutdown"/> fires; <paramref name="force"/> skips the graceful stop.</summary>
    public async Task<int> RunAsync(CancellationToken shutdown, CancellationToken force)
    {
        var generation = 0;
        IReadOnlyList<string> changed = [];

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
            var spec = new ProcessSpec(_executable, _settings.CommandArguments, _settings.WorkingDirectory,
                WorkerEnvironment.Build(_settings, generation, changed))
            {
                DetachStdin = _settings.DetachStdin,
            };

            var worker = _launcher.Start(spec);
            _session?.WorkerStarted(worker.Pid, generation);
            var startedAt = Stopwatch.StartNew();
            _log.Started(spec.DisplayCommand, worker.Pid, generation);
            using var generationDone = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
            var readiness = ReportReadinessAsync(worker, generation, startedAt, generationDone.Token);
            try
            {
                var change = _changes.WaitForChangeAsync(shutdown);
                var cancelled = Task.Delay(Timeout.Infinite, shutdown);
                var first = await Task.WhenAny(change, worker.Exited, cancelled).ConfigureAwait(false);

                if (first == worker.Exited)
                {
                    _log.WorkerExited(spec.DisplayCommand, await worker.Exited.ConfigureAwait(false), Duration.Format(startedAt.Elapsed));
                    await StopTreeAsync(worker, generation, force).ConfigureAwait(false);
                    first = await Task.WhenAny(change, cancelled).ConfigureAwait(false);
                }

                if (first == cancelled || shutdown.IsCancellationRequested)
                {
                    _log.ShuttingDown(generation);
                    await StopTreeAsync(worker, generation, force).ConfigureAwait(false);
                    break;
                }

                // A change: stop now, while the burst may still be going on; start once it is quiet.
                var quiet = _changes.WaitForQuietAsync(shutdown);
                _log.Restarting(ChangedPaths.Describe(ChangedPaths.Relative(_changes.Pending, _settings.WatchRoots)));
                await generationDone.CancelAsync().ConfigureAwait(false);
                await StopTreeAsync(worker, generation, force).ConfigureAwait(false);
                await EnsurePortFreeAsync(shutdown).ConfigureAwait(false);
                changed = ChangedPaths.Relative(await quiet.ConfigureAwait(false), _settings.WatchRoots);
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
            }
        }

        _log.ShutDown();
        return ExitCodes.Ok;
    }

    private async Task StopTreeAsync(IWorker worker, int generation, CancellationToken force)
    {
        var outcome = await worker.StopAsync(_settings.Stop, force).ConfigureAwait(false);
        if (outcome.Forced && _settings.Stop.Signal != StopSignal.Kill)
        {
            _log.ForcedKill(_settings.Stop.Signal.Name(), Duration.Format(_settings.Stop.Timeout));
        }

        _log.Stopped(generation, Duration.Format(outcome.Elapsed), outcome.Forced ? " (forced)" : string.Empty);
    }

    private async Task EnsurePortFreeAsync(CancellationToken shutdown)
    {
        if (_settings.Port is not { } port)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        if (!await _portWaiter.WaitAsync(port, shutdown).ConfigureAwait(false))
        {
            shutdown.ThrowIfCancellationRequested();
            throw new FreshServeException(PortHeldMessage(port));
        }

        _log.PortFree(port, Duration.Format(clock.Elapsed));
    }

    private string PortHeldMessage(int port)
    {
        var holder = DescribeHolder(port);
        return $"port {port} is still held after {Duration.Format(_settings.PortTimeout)} by {holder.Describe()}; {holder.Advice()}";
    }

    private PortHolderReport DescribeHolder(int port) =>
        PortHolderReport.For(port, _session?.Registry ?? SessionRegistry.ForCurrentUser(), _session?.Record.Id);

    private async Task ReportReadinessAsync(IWorker worker, int generation, Stopwatch startedAt, CancellationToken cancellationToken)
    {
        if (_settings.Port is not { } port)
        {
            return;
        }

        try
        {
            var ready = ReadinessProbe.WaitForConnectAsync(port, _settings.ReadyTimeout, cancellationToken);
            var first = await Task.WhenAny(ready, worker.Exited).ConfigureAwait(false);
            if (first != ready || worker.Exited.IsCompleted)
            {
                return;
            }

            if (await ready.ConfigureAwait(false))
            {
                // A port that accepts while our worker is already dead would be someone else's: never report that.
                if (!worker.Exited.IsCompleted)
                {
                    _log.Ready(startedAt.ElapsedMilliseconds, port, generation);
                }
            }
            else
            {
                _log.NotReady(port, Duration.Format(_settings.ReadyTimeout), generation);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
