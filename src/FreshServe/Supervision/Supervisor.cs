using System.Diagnostics;
using FreshServe.Cli;
using FreshServe.Logging;
using FreshServe.Ports;
using FreshServe.Processes;
using FreshServe.Proxy;
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
    private readonly IGenerationObserver? _observer;

    public ChangeDebouncer Changes => _changes;

    public Supervisor(WatchSettings settings, IWorkerLauncher launcher, ChangeDebouncer changes, ILogger log,
        IGenerationObserver? observer = null)
    {
        _observer = observer;
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

        if (_settings.Port is { } initialPort && !await _portWaiter.WaitAsync(initialPort, shutdown).ConfigureAwait(false))
        {
            throw new FreshServeException(PortHeldMessage(initialPort));
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

            var worker = _launcher.Start(spec);
            var startedAt = Stopwatch.StartNew();
            _log.Started(spec.DisplayCommand, worker.Pid, generation);
            using var generationDone = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
            var readiness = ReportReadinessAsync(worker, generation, workerPort, startedAt, generationDone.Token);
            try
            {
                var change = _changes.WaitForChangeAsync(shutdown);
                var cancelled = Task.Delay(Timeout.Infinite, shutdown);
                var first = await Task.WhenAny(change, worker.Exited, cancelled).ConfigureAwait(false);

                if (first == worker.Exited)
                {
                    var exitCode = await worker.Exited.ConfigureAwait(false);
                    _observer?.Exited(generation, exitCode);
                    _log.WorkerExited(spec.DisplayCommand, exitCode, Duration.Format(startedAt.Elapsed));
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
                _observer?.Restarting(generation);
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

    private string PortHeldMessage(int port) =>
        $"port {port} is still held by {PortOwner.Find(port).Describe()} after {Duration.Format(_settings.PortTimeout)}; "
        + "freshserve did not start it and will not stop it: end it yourself, or pick another port";

    private async Task ReportReadinessAsync(IWorker worker, int generation, int? workerPort, Stopwatch startedAt, CancellationToken cancellationToken)
    {
        if (workerPort is not { } port)
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
                    // The proxy switches first, so every response after the ready line comes from this generation.
                    _observer?.Ready(generation, port);
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
