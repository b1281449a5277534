using FreshServe.Proxy;
using FreshServe.Supervision;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Supervision.Loop;

/// <summary>
/// A <see cref="Supervisor"/> on fakes: a fake launcher and workers, a fake machine, a fake clock, the proxy's real
/// gate. Nothing real is started; no test waits on real time except as a limit for a signal that never came.
/// </summary>
public sealed class LoopHarness : IAsyncDisposable
{
    public const int Port = 8000;

    private readonly TempFolder _folder = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationTokenSource _force = new();
    private Task<int>? _run;

    private LoopHarness(Func<WatchSettings, WatchSettings>? configure)
    {
        Journal = new Journal();
        Time = new JournaledTime(Journal);
        Host = new FakeHost(Journal);
        Launcher = new FakeLauncher(Journal, Host);
        Gate = new JournaledGate(Journal);
        var settings = new WatchSettings
        {
            Command = "sh",
            CommandArguments = ["-c", "serve --port {port}"],
            WorkingDirectory = _folder.Path,
            WatchRoots = [_folder.Path],
            Port = Port,
            PortSource = "the test",
            StopBeforeStart = false,
        };
        Settings = configure?.Invoke(settings) ?? settings;
        Changes = new ChangeDebouncer(Settings.Debounce, TimeSpan.FromSeconds(2), Time);
        Supervisor = new Supervisor(Settings, Launcher, Changes, new JournaledLog(Journal), session: null, Gate, Time, Host);
        Supervisor.PhaseChanged += (phase, generation) => Journal.Add($"{phase} {generation}");
    }

    public Journal Journal { get; }
    public JournaledTime Time { get; }
    public FakeHost Host { get; }
    public FakeLauncher Launcher { get; }
    public JournaledGate Gate { get; }
    public WatchSettings Settings { get; }
    public ChangeDebouncer Changes { get; }
    public Supervisor Supervisor { get; }
    public Task<int> Run => _run ?? throw new InvalidOperationException("not started");

    public static LoopHarness Plain(Func<WatchSettings, WatchSettings>? configure = null) => new(configure);

    public static LoopHarness BehindProxy(Func<WatchSettings, WatchSettings>? configure = null) =>
        new(settings => (configure?.Invoke(settings) ?? settings) with { Port = null, Proxy = new ProxySettings { Port = 1 } });

    /// <summary>Starts the loop and waits for generation 1 to run.</summary>
    public async Task<FakeWorker> StartAsync()
    {
        _run = Task.Run(() => Supervisor.RunAsync(_shutdown.Token, _force.Token));
        await Journal.UntilAsync("start 1");
        return Worker(1);
    }

    public FakeWorker Worker(int generation) => Launcher.Workers.Single(worker => worker.Generation == generation);

    /// <summary>Generation <paramref name="generation"/> answers its readiness check; waits for its ready line.</summary>
    public async Task ReadyAsync(int generation, int? port = null)
    {
        var worker = Worker(generation);
        Host.MakeReady(worker, port ?? WorkerPort(worker));
        await Journal.UntilAsync(entries => entries.Any(e => IsReadyLine(e, generation)), $"the ready line of generation {generation}");
    }

    /// <summary>The port a generation was given: the parsed one, or behind the proxy its own.</summary>
    public int WorkerPort(FakeWorker worker) =>
        Settings.Proxy is null ? Port : int.Parse(worker.Spec.Environment["PORT"], System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsReadyLine(string entry, int generation) =>
        entry.StartsWith("log Ready ", StringComparison.Ordinal) && entry.Contains($"(generation {generation})", StringComparison.Ordinal);

    public bool ReadyLogged(int generation) => Journal.Entries.Any(e => IsReadyLine(e, generation));

    public void Save(params string[] names)
    {
        foreach (var name in names)
        {
            Changes.Post(new FileChange(Path.Combine(_folder.Path, name), ChangeKind.Changed));
        }
    }

    /// <summary>Advances the clock by a burst's first quiet window, once the loop waits on it.</summary>
    public async Task QuietAsync(int times = 1)
    {
        await Journal.UntilAsync("timer 10", times);
        Time.Advance(10);
    }

    public void Shutdown() => _shutdown.Cancel();

    public void Force() => _force.Cancel();

    /// <summary>Ctrl+C: the loop's exit code once it has ended, every worker it started stopped and disposed.</summary>
    public async Task<int> ShutDownAsync()
    {
        _shutdown.Cancel();
        var code = await Run.WaitAsync(TimeSpan.FromSeconds(10));
        AssertAllEnded();
        return code;
    }

    public void AssertAllEnded()
    {
        foreach (var worker in Launcher.Workers)
        {
            Assert.True(worker.Exited.IsCompleted, $"generation {worker.Generation} still runs:\n{Journal}");
            Assert.True(worker.Disposed, $"generation {worker.Generation} not disposed:\n{Journal}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _shutdown.Cancel();
        if (_run is not null)
        {
            foreach (var worker in Launcher.Workers)
            {
                worker.ReleaseStop();
            }

            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is TimeoutException or FreshServe.Common.FreshServeException)
            {
            }
        }

        _shutdown.Dispose();
        _force.Dispose();
        _folder.Dispose();
    }
}
