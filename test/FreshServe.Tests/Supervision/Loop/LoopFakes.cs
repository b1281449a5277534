using System.Net;
using FreshServe.Ports;
using FreshServe.Processes;
using FreshServe.Proxy;
using FreshServe.Supervision;
using FreshServe.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FreshServe.Tests.Supervision.Loop;

/// <summary>A worker that does what the test says: exits when told, holds its stop until released (or forced).</summary>
public sealed class FakeWorker(int generation, ProcessSpec spec, Journal journal, FakeHost host) : IWorker
{
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _holdStop;

    public int Generation { get; } = generation;
    public ProcessSpec Spec { get; } = spec;

    /// <summary>Above Linux's pid_max: never a real process.</summary>
    public int Pid => 5_000_000 + Generation;

    public Task<int> Exited => _exited.Task;
    public bool Disposed { get; private set; }
    public string Changed => Spec.Environment["FRESHSERVE_CHANGED"];

    /// <summary>From now on, a stop waits for <see cref="ReleaseStop"/> (a graceful shutdown taking its time).</summary>
    public void HoldStop() => _holdStop = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseStop() => _holdStop?.TrySetResult();

    public void Exit(int code)
    {
        if (_exited.Task.IsCompleted)
        {
            return;
        }

        host.ReleaseAll(this);
        journal.Add($"exit {Generation}");
        _exited.TrySetResult(code);
    }

    public async Task<StopOutcome> StopAsync(StopPolicy policy, CancellationToken forceNow = default)
    {
        journal.Add($"stop {Generation}");
        var forced = false;
        if (!Exited.IsCompleted && _holdStop is { } hold)
        {
            try
            {
                await hold.Task.WaitAsync(forceNow);
            }
            catch (OperationCanceledException)
            {
                forced = true;
            }
        }

        Exit(forced ? 137 : 143);
        journal.Add($"stopped {Generation}");
        return new StopOutcome(TimeSpan.FromMilliseconds(1), forced);
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        journal.Add($"disposed {Generation}");
        return ValueTask.CompletedTask;
    }
}

public sealed class FakeLauncher(Journal journal, FakeHost host) : IWorkerLauncher
{
    private readonly Lock _gate = new();
    private readonly List<FakeWorker> _workers = [];

    /// <summary>Starts that fail (a rebuild in progress), by generation.</summary>
    public HashSet<int> Failing { get; } = [];

    /// <summary>Runs inside the spawn, before it returns: what happens while a generation starts.</summary>
    public Action<int>? DuringStart { get; set; }

    public IReadOnlyList<FakeWorker> Workers
    {
        get
        {
            lock (_gate)
            {
                return [.. _workers];
            }
        }
    }

    public IWorker Start(ProcessSpec spec)
    {
        var generation = int.Parse(spec.Environment["FRESHSERVE_GENERATION"], System.Globalization.CultureInfo.InvariantCulture);
        if (Failing.Contains(generation))
        {
            journal.Add($"failed start {generation}");
            throw new CommandStartException("no such file (a rebuild in progress)");
        }

        var worker = new FakeWorker(generation, spec, journal, host);
        lock (_gate)
        {
            _workers.Add(worker);
        }

        journal.Add($"start {generation}");
        DuringStart?.Invoke(generation);
        return worker;
    }
}

/// <summary>The machine as the test says: who listens where, when a generation answers its readiness check.</summary>
public sealed class FakeHost(Journal journal) : IHostProbe
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, HashSet<int>> _listening = [];
    private readonly Dictionary<int, TaskCompletionSource<ReadyPort?>> _ready = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextWorkerPort = 40000;

    /// <summary>A readiness check that keeps going after its generation is replaced (it answers anyway, late).</summary>
    public bool ChecksIgnoreCancellation { get; set; }

    public bool ReadsTreeFiles => false;

    public void Listen(FakeWorker worker, params int[] ports)
    {
        lock (_gate)
        {
            if (!_listening.TryGetValue(worker.Pid, out var set))
            {
                _listening[worker.Pid] = set = [];
            }

            set.UnionWith(ports);
        }

        Changed();
    }

    public void ReleaseAll(FakeWorker worker)
    {
        lock (_gate)
        {
            _listening.Remove(worker.Pid);
        }

        journal.Add($"ports free {worker.Generation}");
        Changed();
    }

    /// <summary>The generation accepts on <paramref name="port"/>: its readiness check answers.</summary>
    public void MakeReady(FakeWorker worker, int port)
    {
        Listen(worker, port);
        Check(worker.Pid).TrySetResult(new ReadyPort(port, null, Elsewhere: false));
    }

    public IReadOnlyList<TreeListener> ListenersOf(int pid)
    {
        lock (_gate)
        {
            return _listening.TryGetValue(pid, out var ports) ? [.. ports.Select(port => new TreeListener(port, pid))] : [];
        }
    }

    public bool IsListening(int port)
    {
        lock (_gate)
        {
            return _listening.Values.Any(ports => ports.Contains(port));
        }
    }

    public Task<bool> WaitUntilFreeAsync(int port, CancellationToken cancellationToken) => WaitAsync(() => !IsListening(port), cancellationToken);

    public async Task WaitUntilNoneListensAsync(IReadOnlyList<int> ports, CancellationToken cancellationToken)
    {
        journal.Add($"awaiting ports {string.Join(", ", ports)}");
        await WaitAsync(() => !ports.Any(IsListening), cancellationToken);
    }

    public Task<ReadyPort?> WaitUntilReadyAsync(int pid, int? expected, TimeSpan timeout, bool slow, bool elsewhereCounts, CancellationToken cancellationToken)
    {
        var check = Check(pid).Task;
        return ChecksIgnoreCancellation ? check : check.WaitAsync(cancellationToken);
    }

    public Task<bool> WaitForUrlAsync(Uri url, TimeSpan timeout, TimeSpan? maxPause, Action<HttpStatusCode>? answered, CancellationToken cancellationToken) =>
        Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => false, TaskScheduler.Default);

    public int PickWorkerPort() => Interlocked.Increment(ref _nextWorkerPort);

    private TaskCompletionSource<ReadyPort?> Check(int pid)
    {
        lock (_gate)
        {
            if (!_ready.TryGetValue(pid, out var check))
            {
                _ready[pid] = check = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return check;
        }
    }

    private void Changed()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private async Task<bool> WaitAsync(Func<bool> done, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (done())
            {
                return true;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }
}

/// <summary>The proxy's gate, journaled: each call, and where requests are routed after it.</summary>
public sealed class JournaledGate(Journal journal) : IGenerationObserver
{
    public GenerationGate Gate { get; } = new();

    /// <summary>Runs as the loop tells the gate a generation is being replaced (under the loop's ready lock).</summary>
    public Action<int>? OnRestarting { get; set; }

    public void Restarting(int generation)
    {
        Gate.Restarting(generation);
        journal.Add($"restarting {generation}");
        OnRestarting?.Invoke(generation);
        Routed();
    }

    public void Ready(int generation, int port)
    {
        Gate.Ready(generation, port);
        journal.Add($"ready told {generation}");
        Routed();
    }

    public void KeptRunning(int generation) => journal.Add($"kept running {generation}");

    public void Exited(int generation, int exitCode)
    {
        Gate.Exited(generation, exitCode);
        journal.Add($"exited told {generation}");
        Routed();
    }

    /// <summary>The upstream requests go to now, or null when they wait.</summary>
    public Upstream? Current()
    {
        var upstream = Gate.WaitForUpstreamAsync(0, new CancellationToken(canceled: true));
        return upstream.IsCompletedSuccessfully ? upstream.Result : null;
    }

    private void Routed() => journal.Add(Current() is { } upstream ? $"route {upstream.Generation}:{upstream.Port}" : "route none");
}

/// <summary>Journals each log line as "log EventName message".</summary>
public sealed class JournaledLog(Journal journal) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        journal.Add($"log {eventId.Name} {formatter(state, exception)}");
}
