using FreshServe.Processes;
using FreshServe.Proxy;
using FreshServe.Supervision;
using FreshServe.Watching;
using Microsoft.Extensions.Logging;

namespace FreshServe.Services;

/// <summary>
/// One running service of a project: its settings, its own debouncer, logger and output, and what it is doing now
/// (for <c>freshserve status</c> and for its dependents). The <see cref="Supervisor"/> runs it as a black box: this class
/// is its launcher (each start tells the generation and pid, and routes the output), its observer (readiness, exits)
/// and its logger (the restart lines say why).
/// </summary>
public sealed class ServiceRuntime : IWorkerLauncher, IGenerationObserver
{
    private readonly IWorkerLauncher _launcher;
    private readonly ServiceOutput? _output;
    private readonly IProxyServer? _proxy;
    private readonly PathFilter _filter;
    private readonly string[] _roots;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _firstReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _nextReadyOrExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServiceStatus _status;

    public ServiceRuntime(ServicePlan plan, WatchSettings settings, int number, IWorkerLauncher launcher, ServiceOutput? output,
        IProxyServer? proxy, ILogger log)
    {
        Plan = plan;
        Settings = settings;
        Number = number;
        _launcher = launcher;
        _output = output;
        _proxy = proxy;
        _roots = settings.WatchRoots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToArray();
        _filter = new PathFilter(_roots, settings.Watching);
        Log = new RecordingLogger(log, this);
        Changes = new ChangeDebouncer(settings.Debounce, TimeSpan.FromSeconds(2));
        _status = new ServiceStatus(plan.Name, number, "waiting to start", 0, null, null, null, null, null);
    }

    public ServicePlan Plan { get; }

    public string Name => Plan.Name;

    /// <summary>1-based, in the project's order: the key that restarts it.</summary>
    public int Number { get; }

    public WatchSettings Settings { get; }

    public ChangeDebouncer Changes { get; }

    public ILogger Log { get; }

    public Supervisor? Supervisor { get; set; }

    /// <summary>
    /// A service with no port known and no readyUrl may serve nothing at all (a queue worker): it counts as ready once
    /// started. Give it a port or a readyUrl to make its dependents wait until it answers.
    /// </summary>
    public bool ReadyWhenStarted => Settings.Port is null && Settings.ReadyUrl is null && Settings.Proxy is null;

    public Task FirstReady => _firstReady.Task;

    public ServiceStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>Completes when the next generation is ready, or when the current one exits by itself.</summary>
    public Task NextReadyOrExit()
    {
        lock (_gate)
        {
            return _nextReadyOrExit.Task;
        }
    }

    /// <summary>True when this service watches the changed path: under one of its roots, and its globs and ignores take it.</summary>
    public bool Takes(FileChange change)
    {
        if (change.IsLost)
        {
            return true;
        }

        var path = Path.TrimEndingDirectorySeparator(change.Path);
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var root = _roots.FirstOrDefault(r => string.Equals(path, r, comparison) || path.StartsWith(r + Path.DirectorySeparatorChar, comparison));
        if (root is null)
        {
            return false;
        }

        if (path.Length == root.Length)
        {
            // The root itself (it came back): the watcher restarts whoever watches it.
            return true;
        }

        return change.Kind == ChangeKind.Deleted ? _filter.MattersGone(path) : _filter.Matters(path, Directory.Exists(path));
    }

    public IWorker Start(ProcessSpec spec)
    {
        var worker = _launcher.Start(_output is null ? spec : spec with { Output = _output.WriteEnd });
        lock (_gate)
        {
            _status = _status with
            {
                State = ReadyWhenStarted ? "running" : "starting",
                Generation = _status.Generation + 1,
                Pid = worker.Pid,
                ReadySince = ReadyWhenStarted ? DateTimeOffset.Now : null,
            };
        }

        if (ReadyWhenStarted)
        {
            BecameReady();
        }

        return worker;
    }

    void IGenerationObserver.Restarting(int generation) => _proxy?.Restarting(generation);

    void IGenerationObserver.Ready(int generation, int port)
    {
        _proxy?.Ready(generation, port);
        lock (_gate)
        {
            _status = _status with { Port = port };
        }
    }

    void IGenerationObserver.Exited(int generation, int exitCode)
    {
        _proxy?.Exited(generation, exitCode);
        lock (_gate)
        {
            _status = _status with { State = $"exited with code {exitCode}", ReadySince = null };
            _nextReadyOrExit.TrySetResult();
            _nextReadyOrExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    // A dependent waiting for this service's next ready gets its change now: no ready comes for that burst.
    void IGenerationObserver.KeptRunning(int generation)
    {
        lock (_gate)
        {
            _nextReadyOrExit.TrySetResult();
            _nextReadyOrExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private void BecameReady()
    {
        lock (_gate)
        {
            _nextReadyOrExit.TrySetResult();
            _nextReadyOrExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _firstReady.TrySetResult();
    }

    /// <summary>What the supervisor logged about this service: its ready line, and why each restart happened.</summary>
    private void Saw(EventId id, IReadOnlyList<KeyValuePair<string, object?>>? values)
    {
        string? Value(string key) => values?.FirstOrDefault(kv => kv.Key == key).Value?.ToString();
        string? why = id.Name switch
        {
            nameof(Logging.Log.Restarting) => $"{Value("Changed")} changed",
            nameof(Logging.Log.RestartRequested) => "restart requested",
            nameof(Logging.Log.WorkerCrashedRestarting) => $"crashed (exit code {Value("ExitCode")})",
            _ => null,
        };
        if (why is not null)
        {
            lock (_gate)
            {
                _status = _status with { State = "restarting", LastRestart = DateTimeOffset.Now, Why = why };
            }
        }
        else if (id.Name == nameof(Logging.Log.Ready))
        {
            lock (_gate)
            {
                _status = _status with { State = "ready", ReadySince = DateTimeOffset.Now };
            }

            BecameReady();
        }
    }

    /// <summary>Passes every line on, and reads the few that tell the service's state.</summary>
    private sealed class RecordingLogger(ILogger inner, ServiceRuntime owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        // Always: a ready line must be seen even when --quiet hides it.
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.Saw(eventId, state as IReadOnlyList<KeyValuePair<string, object?>>);
            if (inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}

/// <summary>One line of <c>freshserve status</c>.</summary>
public sealed record ServiceStatus(string Name, int Number, string State, int Generation, int? Pid, int? Port,
    DateTimeOffset? ReadySince, DateTimeOffset? LastRestart, string? Why);
