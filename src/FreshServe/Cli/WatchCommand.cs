using FreshServe.Logging;
using FreshServe.Processes;
using FreshServe.Proxy;
using FreshServe.Sessions;
using FreshServe.Supervision;
using FreshServe.Watching;
using Microsoft.Extensions.Logging;

namespace FreshServe.Cli;

/// <summary>
/// <c>freshserve watch</c>: the composition root. Resolves the arguments (<see cref="WatchResolver"/>), then wires the
/// signals, the session record, the proxy, the supervisor, the keys and the file watcher together and runs them.
/// </summary>
public static class WatchCommand
{
    public static async Task<int> RunAsync(WatchArguments arguments)
    {
        var stdinIsTerminal = Keys.KeyCommands.StdinIsForegroundTerminal();
        if (Services.ProjectResolver.Resolve(arguments, Environment.CurrentDirectory, stdinIsTerminal) is { } project)
        {
            return await RunProjectAsync(project).ConfigureAwait(false);
        }

        var resolved = WatchResolver.Resolve(arguments, Environment.CurrentDirectory, stdinIsTerminal);
        var settings = resolved.Settings;
        using var loggerFactory = LoggingSetup.Create(resolved.LogLevel);
        var log = loggerFactory.CreateLogger("freshserve");
        if (resolved.ConfigPath is not null)
        {
            log.ConfigLoaded(resolved.ConfigPath);
        }

        using var signals = new ShutdownSignals(log);
        var shutdown = signals.Shutdown;

        var ownRecord = NewSessionRecord(settings);
        using var session = await new SessionGuard(SessionRegistry.ForCurrentUser(), log)
            .OpenAsync(ownRecord, resolved.Replace, settings.Stop).ConfigureAwait(false);

        var proxy = settings.Proxy is { } proxySettings ? await StartProxyAsync(proxySettings, log, shutdown).ConfigureAwait(false) : null;
        try
        {
            var time = TimeProvider.System;
            var supervisor = new Supervisor(settings, WorkerLaunchers.ForThisPlatform(log, ownRecord.Id),
                new ChangeDebouncer(settings.Debounce, TimeSpan.FromSeconds(2), time), log, session, proxy, time);

            log.Watching(string.Join(", ", settings.WatchRoots), settings.Proxy is null
                ? settings.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "observed when the server listens"
                : "chosen per restart");
            LogPort(log, resolved);
            LogWatched(log, resolved);
            settings = WithOwnOutputIgnored(settings, log);
            if (resolved.CleanBytecode)
            {
                log.BytecodeCleaned(Presets.BytecodeCleaner.Clean(settings.WatchRoots));
            }

            if (resolved.KeysEnabled)
            {
                new Keys.KeyCommands(log, supervisor.RequestRestart, signals.Request).Start();
            }

            var debouncer = supervisor.Changes;
            using var watcher = new FileWatching(settings.WatchRoots, settings.Watching, log);
            watcher.Changed += debouncer.Post;
            debouncer.Polling = () => watcher.IsPolling;
            watcher.Start();
            return await supervisor.RunAsync(shutdown, signals.Force).ConfigureAwait(false);
        }
        finally
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }

            // Lets a test check that the web stack stays unloaded without --proxy.
            log.WebStackLoaded(LoadedWebStack());
        }
    }

    /// <summary>Several services (freshserve.json "services", a Procfile): one freshserve runs them all.</summary>
    public static async Task<int> RunProjectAsync(Services.ResolvedProject project)
    {
        var plan = project.Plan;
        var labels = new Services.ServiceLabels(plan.Services.Select(s => s.Name).ToList());
        using var loggerFactory = LoggingSetup.Create(project.LogLevel, labels);
        var log = loggerFactory.CreateLogger("freshserve");
        log.ConfigLoaded(project.Source);
        using var signals = new ShutdownSignals(log);
        void Describe(int index, ILogger serviceLog)
        {
            LogPort(serviceLog, project.Services[index]);
            LogWatched(serviceLog, project.Services[index]);
        }

        var options = new Services.ProjectRunOptions(
            KeysEnabled: project.Services.Any(s => s.KeysEnabled),
            Replace: project.Services.Any(s => s.Replace),
            CleanBytecode: plan.Services.Where((_, i) => project.Services[i].CleanBytecode).Select(s => s.Name).ToHashSet(StringComparer.Ordinal));
        return await new Services.ProjectRunner(plan, loggerFactory, labels, describe: Describe, options: options)
            .RunAsync(signals.Shutdown, signals.Force, signals.Request).ConfigureAwait(false);
    }

    internal static WatchSettings WithOwnOutputIgnored(WatchSettings settings, ILogger log)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var watched = OwnOutputFiles.Find()
            .Where(file => settings.WatchRoots.Any(root => file.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, comparison)))
            .ToArray();
        if (watched.Length == 0)
        {
            return settings;
        }

        log.OwnOutputIgnored(string.Join(", ", watched.Select(file => Path.GetRelativePath(settings.WorkingDirectory, file))));
        return settings with { Watching = settings.Watching with { IgnoredFiles = watched } };
    }

    // Kept out of RunAsync so that nothing of Kestrel is touched unless --proxy was given.
    internal static async Task<IProxyServer> StartProxyAsync(ProxySettings proxySettings, ILogger log, CancellationToken cancellationToken)
    {
        var proxy = await ProxyServer.StartAsync(proxySettings, cancellationToken).ConfigureAwait(false);
        log.ProxyListening(proxy.Url, proxySettings.LiveReload ? "on" : "off");
        return proxy;
    }

    private static string LoadedWebStack()
    {
        var names = AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetName().Name ?? string.Empty)
            .Where(n => n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || n.StartsWith("Yarp", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }

    private static SessionRecord NewSessionRecord(WatchSettings settings)
    {
        var pid = Environment.ProcessId;
        return new SessionRecord
        {
            Pid = pid,
            StartTime = ProcessStartTime.Of(pid) ?? 0,
            Folder = settings.WorkingDirectory,
            Port = settings.Port,
            ProxyPort = settings.Proxy?.Port,
            Command = string.Join(' ', new[] { settings.Command }.Concat(settings.CommandArguments)),
            StartedAt = DateTimeOffset.Now,
        };
    }

    private static void LogPort(ILogger log, ResolvedWatch resolved)
    {
        var settings = resolved.Settings;
        if (settings.Proxy is not null)
        {
            if (WorkerPort.IsUsedIn(settings.CommandArguments))
            {
                return;
            }

            // A fixed port in the command is never the one the proxy forwards to: the server would never be ready.
            if (PortDetector.Detect(settings.CommandArguments, new Dictionary<string, string>(), settings.Command) is { } fixedPort)
            {
                log.ProxyFixedPort(fixedPort.Source, WorkerPort.Placeholder);
            }
            else
            {
                log.ProxyPortFromEnvironment(WorkerPort.Placeholder);
            }

            return;
        }

        if (settings.Port is { } port && settings.PortSource is { } source)
        {
            log.PortDetected(port, source);
        }
        else if (resolved.DefaultPortTaken is { } taken)
        {
            log.DefaultPortTaken(taken.Port, taken.Source, taken.Server);
        }
        else if (settings.Port is null && settings.ReadyUrl is null)
        {
            log.NoPort();
        }
    }

    private static void LogWatched(ILogger log, ResolvedWatch resolved)
    {
        // What is watched and why: every file but the ignored ones, or only some (--only, or a preset whose server
        // reloads its own sources), plus what -i adds.
        var (settings, preset) = (resolved.Settings, resolved.Preset);
        var what = settings.Watching.Only.Count == 0
            ? "every file that is not ignored"
            : $"only {string.Join(' ', settings.Watching.Only)} ({resolved.OriginOf("only")})";
        if (settings.Watching.Include.Count > 0)
        {
            what += $", plus {string.Join(' ', settings.Watching.Include)} ({resolved.OriginOf("include")})";
        }

        log.WatchedFiles(what, preset is null ? string.Empty : $"; preset {preset.Preset.Name}");
        if (preset is not null && resolved.OriginOf("stopSignal").Kind == OriginKind.Preset && settings.Stop.Signal != StopSignal.Term)
        {
            log.PresetStopSignal(preset.Preset.Name, settings.Stop.Signal.Name());
        }

        if (preset?.ReloaderWarning(settings.Environment) is { } warning)
        {
            log.TwoReloaders(warning);
        }
    }
}
