using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Logging;
using FreshServe.Processes;
using FreshServe.Proxy;
using FreshServe.Sessions;
using FreshServe.Supervision;
using FreshServe.Watching;
using Microsoft.Extensions.Logging;

namespace FreshServe.Services;

/// <summary>
/// Runs a project's services under one freshserve: one session (one record, one guard that ends every tree if
/// freshserve dies), one <see cref="Supervisor"/> per service started once the services it depends on are ready, one
/// watcher for the whole project (<see cref="ChangeRouter"/> sends each change to the services that watch it), the
/// keys and the control socket. A service crashing never stops the others. Shutdown stops dependents before the
/// services they depend on.
/// </summary>
public sealed class ProjectRunner
{
    private readonly ProjectPlan _plan;
    private readonly ILoggerFactory _loggers;
    private readonly ServiceLabels _labels;
    private readonly ILogger _log;
    private readonly OutputSink _sink;
    private readonly Action<int, ILogger>? _describe;
    private readonly ProjectRunOptions _options;

    /// <param name="sink">Where the services' output goes: freshserve's stdout unless given (tests).</param>
    /// <param name="describe">Says, with the service's logger, what it watches and where its port comes from (by its index in the plan).</param>
    public ProjectRunner(ProjectPlan plan, ILoggerFactory loggers, ServiceLabels labels, OutputSink? sink = null, Action<int, ILogger>? describe = null,
        ProjectRunOptions? options = null)
    {
        _options = options ?? new ProjectRunOptions();
        _describe = describe;
        _sink = sink ?? OutputSink.ForStdout();
        _plan = plan;
        _loggers = loggers;
        _labels = labels;
        _log = loggers.CreateLogger("freshserve");
    }

    /// <summary>The project's folder: where its freshserve.json (or Procfile) is.</summary>
    public string Folder => Path.GetDirectoryName(Path.GetFullPath(_plan.Source)) ?? Environment.CurrentDirectory;

    /// <param name="quit">What key q does (the same as Ctrl+C).</param>
    public async Task<int> RunAsync(CancellationToken shutdown, CancellationToken force, Action quit)
    {
        var first = _plan.Services[0].Settings;
        var ownRecord = new SessionRecord
        {
            Pid = Environment.ProcessId,
            StartTime = ProcessStartTime.Of(Environment.ProcessId) ?? 0,
            Folder = Folder,
            Command = $"services {string.Join(", ", _plan.Services.Select(s => s.Name))} ({Path.GetFileName(_plan.Source)})",
            Project = true,
            StartedAt = DateTimeOffset.Now,
        };
        using var session = await new SessionGuard(SessionRegistry.ForCurrentUser(), _log)
            .OpenAsync(ownRecord, _options.Replace, first.Stop).ConfigureAwait(false);

        // One launcher for every service: one guard that ends every service's tree if freshserve dies.
        var launcher = _options.Launcher?.Invoke(ownRecord.Id) ?? WorkerLaunchers.ForThisPlatform(_log, ownRecord.Id);
        var services = new List<ServiceRuntime>();
        var proxies = new List<IProxyServer>();
        var outputs = new List<ServiceOutput>();
        var perService = new List<CancellationTokenSource>();
        try
        {
            foreach (var plan in _plan.Services)
            {
                var log = _loggers.CreateLogger(ServiceLabels.Category(plan.Name));
                var settings = Prepare(plan.Settings, _options.CleanBytecode?.Contains(plan.Name) == true, log);
                IProxyServer? proxy = null;
                if (settings.Proxy is { } proxySettings)
                {
                    proxy = await WatchCommand.StartProxyAsync(proxySettings, log, shutdown).ConfigureAwait(false);
                    proxies.Add(proxy);
                }

                var output = new ServiceOutput(plan.Name, _labels, _sink);
                outputs.Add(output);

                var service = new ServiceRuntime(plan, settings, services.Count + 1, launcher, output, proxy, log);
                try
                {
                    service.Supervisor = new Supervisor(settings, service, service.Changes, service.Log, session, service);
                }
                catch (CommandStartException e)
                {
                    throw new CommandStartException($"service {plan.Name}: {e.Message}");
                }
                services.Add(service);
                service.Log.ServiceCommand(string.Join(", ", settings.WatchRoots.Select(r => Path.GetRelativePath(Folder, r))),
                    plan.DependsOn.Count == 0 ? string.Empty : $"; starts after {string.Join(", ", plan.DependsOn)}");
                _describe?.Invoke(services.Count - 1, service.Log);
            }

            var router = new ChangeRouter(services, shutdown);
            using var control = ControlServer.TryStart(ControlServer.PathFor(session), new ControlCommands(services, router), _log);
            if (_options.KeysEnabled)
            {
                new Keys.KeyCommands(_log, () => router.Restart(services), quit,
                    number => services.FirstOrDefault(s => s.Number == number) is { } one ? ServiceKey(router, one) : false,
                    () => _log.ServiceKeys(string.Join(" · ", services.Take(9).Select(s => $"{s.Number} {s.Name}"))), services.Count).Start();
            }

            using var watcher = new FileWatching(WatchedRoots(services), MergedOptions(services), _log);
            router.WarmUp();
            watcher.Changed += router.Route;
            foreach (var service in services)
            {
                service.Changes.Polling = () => watcher.IsPolling;
            }

            watcher.Start();

            var runs = new List<Task<int>>();
            foreach (var service in services)
            {
                // Not linked to shutdown: on shutdown each one is cancelled in turn, dependents first.
                var stop = new CancellationTokenSource();
                perService.Add(stop);
                runs.Add(RunServiceAsync(service, services, stop.Token, force));
            }

            // Until Ctrl+C, or a service that cannot start at all (a bad command, a port held by someone else): that
            // ends the project, with the others stopped, as a bad command ends one server.
            var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var run in runs)
            {
                _ = run.ContinueWith(_ => failed.TrySetResult(), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            await Task.WhenAny(Task.Delay(Timeout.Infinite, shutdown), failed.Task).ConfigureAwait(false);

            await StopInReverseOrderAsync(services, perService, runs).ConfigureAwait(false);
            var failure = runs.Where(r => r.IsFaulted).Select(r => r.Exception!.InnerException!).FirstOrDefault();
            if (failure is not null)
            {
                throw failure;
            }

            _log.ShutDown();
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var output in outputs)
            {
                output.Dispose();
            }

            foreach (var stop in perService)
            {
                stop.Dispose();
            }
        }
    }

    private static bool ServiceKey(ChangeRouter router, ServiceRuntime service)
    {
        router.Restart([service]);
        return true;
    }

    /// <summary>Starts the service once every service it depends on is ready, then runs its restart loop.</summary>
    private async Task<int> RunServiceAsync(ServiceRuntime service, IReadOnlyList<ServiceRuntime> all, CancellationToken stop, CancellationToken force)
    {
        var dependencies = all.Where(s => service.Plan.DependsOn.Contains(s.Name, StringComparer.Ordinal)).ToList();
        var waiting = dependencies.Where(d => !d.FirstReady.IsCompleted).Select(d => d.Name).ToList();
        if (waiting.Count > 0)
        {
            service.Log.ServiceWaiting(string.Join(", ", waiting));
            try
            {
                await Task.WhenAll(dependencies.Select(d => d.FirstReady)).WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Ok;
            }
        }

        try
        {
            return await service.Supervisor!.RunAsync(stop, force).ConfigureAwait(false);
        }
        catch (CommandStartException e)
        {
            throw new CommandStartException($"service {service.Name}: {e.Message}");
        }
        catch (FreshServeException e)
        {
            throw new FreshServeException($"service {service.Name}: {e.Message}");
        }
    }

    /// <summary>Dependents first: each layer is stopped (its services together) before the services it depends on.</summary>
    private static async Task StopInReverseOrderAsync(List<ServiceRuntime> services, List<CancellationTokenSource> stops, List<Task<int>> runs)
    {
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            // Dependencies come first in the plan, so theirs are known.
            depth[service.Name] = service.Plan.DependsOn.Select(d => depth.GetValueOrDefault(d) + 1).DefaultIfEmpty(0).Max();
        }

        foreach (var layer in services.Select((s, i) => (Service: s, Index: i)).GroupBy(p => depth[p.Service.Name]).OrderByDescending(g => g.Key))
        {
            foreach (var (_, index) in layer)
            {
                await stops[index].CancelAsync().ConfigureAwait(false);
            }

            foreach (var (_, index) in layer)
            {
                try
                {
                    await runs[index].ConfigureAwait(false);
                }
                catch (Exception e) when (e is FreshServeException or CommandStartException or OperationCanceledException)
                {
                    // Reported by the caller.
                }
            }
        }
    }

    private static WatchSettings Prepare(WatchSettings settings, bool cleanBytecode, ILogger log)
    {
        settings = settings with
        {
            // Several servers reading one terminal would take each other's input (and be stopped by SIGTTIN).
            DetachStdin = true,
        };
        settings = WatchCommand.WithOwnOutputIgnored(settings, log);
        if (cleanBytecode)
        {
            log.BytecodeCleaned(Presets.BytecodeCleaner.Clean(settings.WatchRoots));
        }

        return settings;
    }

    /// <summary>Each folder once: a root inside another service's root is already watched by it.</summary>
    internal static IReadOnlyList<string> WatchedRoots(IEnumerable<ServiceRuntime> services)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var roots = services.SelectMany(s => s.Settings.WatchRoots)
            .Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)))
            .Distinct(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal)
            .ToList();
        return roots.Where(root => !roots.Any(other => other != root && root.StartsWith(other + Path.DirectorySeparatorChar, comparison))).ToList();
    }

    /// <summary>
    /// The one watcher sees what any service watches (each service's own globs and ignores are applied when a change is
    /// routed): no --only, every service's includes, the default and .gitignore rules only where every service keeps them.
    /// </summary>
    internal static WatchOptions MergedOptions(IReadOnlyList<ServiceRuntime> services)
    {
        var all = services.Select(s => s.Settings.Watching).ToList();
        return new WatchOptions
        {
            Include = all.SelectMany(w => w.Include).Distinct(StringComparer.Ordinal).ToList(),
            DefaultIgnores = all.All(w => w.DefaultIgnores),
            GitIgnore = all.All(w => w.GitIgnore),
            IgnoredFiles = all.SelectMany(w => w.IgnoredFiles).Distinct(StringComparer.Ordinal).ToList(),
            ForcePollReason = all.Select(w => w.ForcePollReason).FirstOrDefault(r => r is not null),
            PollInterval = all.Min(w => w.PollInterval),
            StretchPollInterval = all.All(w => w.StretchPollInterval),
            MountTable = all[0].MountTable,
        };
    }
}

/// <summary>What the command line says about the whole run, beside the services' own settings.</summary>
/// <param name="KeysEnabled">Read keys from the terminal (r, 1-9, q, c, h).</param>
/// <param name="Replace">Take over from another freshserve running the project (--replace).</param>
/// <param name="CleanBytecode">The services whose __pycache__ folders are deleted before their first start.</param>
/// <param name="Launcher">Makes the launcher for a session id (tests); the platform's when null.</param>
public sealed record ProjectRunOptions(bool KeysEnabled = false, bool Replace = false, IReadOnlySet<string>? CleanBytecode = null,
    Func<string, IWorkerLauncher>? Launcher = null);
