using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
using FreshServe.Config;
using FreshServe.Logging;
using FreshServe.Presets;
using FreshServe.Processes;
using FreshServe.Sessions;
using FreshServe.Proxy;
using FreshServe.Supervision;
using FreshServe.Watching;
using McMaster.Extensions.CommandLineUtils;
using Microsoft.Extensions.Logging;

namespace FreshServe.Cli;

[Command(Name = "watch", Description = "Run a dev server and restart its whole process tree whenever a watched file changes.",
    AllowArgumentSeparator = true, ThrowOnUnexpectedArgument = true,
    ExtendedHelpText = """

Everything after -- is the server command, run as given (no shell unless you write one):
  freshserve watch -- uvicorn web_app:app --port 8001
  freshserve watch -w src -- npm run dev
  freshserve watch -- sh -c 'go build -o app . && ./app'

The port is found in the command (--port N, --port=N, -p N, --urls http://host:N, php -S host:N), in --env PORT=N,
or is the default of a known server (uvicorn, gunicorn and django 8000, flask 5000, vite 5173, next and rails 3000);
else it is observed: the port the server's process tree listens on.
Every file that is not ignored restarts the server (vite, next and rails: only their config files, since they reload
your sources themselves). -i adds globs to what is watched; --only replaces it; -x takes files out.
Options can also live in freshserve.json in the current folder (or --config FILE); the command line wins.
Keys on a terminal: r restart, q quit, c clear the screen, h help (--no-input leaves stdin to the server).

Proxy mode: freshserve listens on the given port and forwards to the server, which gets a new internal port on
every restart ({port} in the command, and $PORT). Requests wait during a restart instead of failing, responses are
no-store, and HTML pages reload themselves when the new server is ready:
  freshserve watch --proxy 8000 -- uvicorn web_app:app --port {port}
Stop with Ctrl+C: the server tree is stopped gracefully; a second Ctrl+C kills it at once.
""")]
public sealed class WatchCommand
{
    [Option("-h|--help", "Show help.", CommandOptionType.NoValue)]
    public bool Help { get; set; }

    [Option("-w|--watch <PATH>", "A folder to watch (repeatable). Default: the current folder.", CommandOptionType.MultipleValue)]
    public string[] Watch { get; set; } = [];

    [Option("-p|--port <PORT>", "The port the server listens on. Default: found in the command, else observed.", CommandOptionType.SingleValue)]
    [Range(1, 65535, ErrorMessage = "--port must be between 1 and 65535")]
    public int? Port { get; set; }

    [Option("--debounce <DURATION>", "The most quiet time a burst of changes needs before the new server starts; a single save needs 10ms (0 to 60s). Default: 50ms.", CommandOptionType.SingleValue)]
    public string? Debounce { get; set; }

    [Option("--stop-signal <SIGNAL>", "The signal that asks the server tree to stop. Default: the preset's (SIGINT for go run), else SIGTERM.", CommandOptionType.SingleValue)]
    public string? StopSignal { get; set; }

    [Option("--stop-timeout <DURATION>", "How long the tree may take to stop before it is killed (0 to 10m). Default: 5s.", CommandOptionType.SingleValue)]
    public string? StopTimeout { get; set; }

    [Option("--port-timeout <DURATION>", "How long to wait for the port to be free before giving up (100ms to 10m). Default: 10s.", CommandOptionType.SingleValue)]
    public string? PortTimeout { get; set; }

    [Option("--replace", "If another freshserve already watches this folder or port, stop it and take over.", CommandOptionType.NoValue)]
    public bool Replace { get; set; }

    [Option("--proxy <PORT>", "Listen on PORT and forward to the server, which gets a new port each restart ({port} / $PORT).", CommandOptionType.SingleValue)]
    [Range(1, 65535, ErrorMessage = "--proxy must be a port between 1 and 65535")]
    public int? Proxy { get; set; }

    [Option("--proxy-host <HOST>", "The address the proxy listens on: localhost, an IP, or * for all. Default: localhost.", CommandOptionType.SingleValue)]
    public string? ProxyHost { get; set; }

    [Option("--keep-cache-headers", "Behind --proxy, pass the server's caching headers on instead of Cache-Control: no-store.", CommandOptionType.NoValue)]
    public bool KeepCacheHeaders { get; set; }

    [Option("--no-live-reload", "Behind --proxy, do not add the live-reload script to HTML pages.", CommandOptionType.NoValue)]
    public bool NoLiveReload { get; set; }

    [Option("-e|--env <KEY_VALUE>", "An environment variable for the server, as KEY=VALUE (repeatable).", CommandOptionType.MultipleValue)]
    public string[] Env { get; set; } = [];

    [Option("--ready-url <URL>", "Ready means this URL answers 2xx/3xx (instead of the port accepting connections).", CommandOptionType.SingleValue)]
    public string? ReadyUrl { get; set; }

    [Option("--ready-timeout <DURATION>", "How long to wait for ready before warning, the server keeps running (100ms to 1h). Default: 60s.", CommandOptionType.SingleValue)]
    public string? ReadyTimeout { get; set; }

    [Option("--restart-on-crash", "Restart a server that crashes (exits by itself with a non-zero code), waiting longer after each crash in a row (0.5s up to 30s). A clean exit (code 0) waits for a change.", CommandOptionType.NoValue)]
    public bool RestartOnCrash { get; set; }

    [Option("--stop-before-start", "Start the new server only once the whole old tree has exited (the default on Windows), not as soon as the ports it listened on are free.", CommandOptionType.NoValue)]
    public bool StopBeforeStart { get; set; }

    [Option("--no-input", "Do not read keys; the server keeps stdin. Also FRESHSERVE_NO_INPUT=1.", CommandOptionType.NoValue)]
    public bool NoInput { get; set; }

    [Option("--config <FILE>", "Read options from this JSON file instead of ./freshserve.json.", CommandOptionType.SingleValue)]
    public string? Config { get; set; }

    [Option("--preset <NAME>", "Use this preset (uvicorn, flask, django, gunicorn, node, nodemon, vite, next, dotnet-run, dotnet-watch, go-run, rails) or 'none'. Default: recognized from the command.", CommandOptionType.SingleValue)]
    public string? Preset { get; set; }

    [Option("--clean-bytecode", "Delete __pycache__ folders under the watch roots before the first start.", CommandOptionType.NoValue)]
    public bool CleanBytecode { get; set; }

    [Option("-v|--verbose", "Log each step of a restart with its timing.", CommandOptionType.NoValue)]
    public bool Verbose { get; set; }

    [Option("-q|--quiet", "Log only warnings and errors.", CommandOptionType.NoValue)]
    public bool Quiet { get; set; }

    [Option("-i|--include <GLOB>", "Also watch files matching this glob, even where --only, the preset or an ignore rule leaves them out (repeatable; *.py means anywhere).", CommandOptionType.MultipleValue)]
    public string[] Include { get; set; } = [];

    [Option("--only <GLOB>", "Watch only files matching this glob, replacing what the preset watches (repeatable). Default: every file that is not ignored (vite, next, rails: their config files).", CommandOptionType.MultipleValue)]
    public string[] Only { get; set; } = [];

    [Option("-x|--exclude <GLOB>", "Do not watch files matching this glob (repeatable).", CommandOptionType.MultipleValue)]
    public string[] Exclude { get; set; } = [];

    [Option("--no-default-ignore", "Also watch .git, node_modules, bin, obj, __pycache__, editor swap files and the like.", CommandOptionType.NoValue)]
    public bool NoDefaultIgnore { get; set; }

    [Option("--no-gitignore", "Also watch the files the project's .gitignore files ignore.", CommandOptionType.NoValue)]
    public bool NoGitIgnore { get; set; }

    [Option("--poll", "Poll for changes instead of using file events (also FRESHSERVE_POLL=1).", CommandOptionType.NoValue)]
    public bool Poll { get; set; }

    [Option("--poll-interval <DURATION>", "Time between two polls (10ms to 60s). Default: 500ms.", CommandOptionType.SingleValue)]
    public string? PollInterval { get; set; }

    /// <summary>Everything after <c>--</c>: the server command, verbatim.</summary>
    public string[] RemainingArguments { get; set; } = [];

    internal async Task<int> OnExecuteAsync(CommandLineApplication app)
    {
        if (Help)
        {
            app.ShowHelp(usePager: false);
            return ExitCodes.Ok;
        }

        var settings = ToSettings(Environment.CurrentDirectory, stdinIsTerminal: Keys.KeyCommands.StdinIsForegroundTerminal());
        using var loggerFactory = LoggingSetup.Create(_quiet ? LogLevel.Warning : _verbose ? LogLevel.Debug : LogLevel.Information);
        var log = loggerFactory.CreateLogger("freshserve");
        if (_configPath is not null)
        {
            log.ConfigLoaded(_configPath);
        }

        using var shutdown = new CancellationTokenSource();
        using var force = new CancellationTokenSource();
        var signalGate = new Lock();
        long? firstSignalAt = null;
        void OnSignal(PosixSignalContext? context)
        {
            if (context is not null)
            {
                context.Cancel = true;
            }

            lock (signalGate)
            {
                if (firstSignalAt is not { } first)
                {
                    firstSignalAt = System.Diagnostics.Stopwatch.GetTimestamp();
                    shutdown.Cancel();
                }
                else if (System.Diagnostics.Stopwatch.GetElapsedTime(first) >= SameStopRequest && !force.IsCancellationRequested)
                {
                    log.Forcing();
                    force.Cancel();
                }
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);

        var ownRecord = NewSessionRecord(settings);
        settings = settings with
        {
            Environment = new Dictionary<string, string>(settings.Environment, StringComparer.Ordinal)
            {
                [SessionProcesses.MarkerVariable] = ownRecord.Id,
            },
        };
        using var session = await new SessionGuard(SessionRegistry.ForCurrentUser(), log)
            .OpenAsync(ownRecord, settings.Replace, settings.Stop).ConfigureAwait(false);

        var proxy = settings.Proxy is { } proxySettings ? await StartProxyAsync(proxySettings, log, shutdown.Token).ConfigureAwait(false) : null;
        try
        {
            var supervisor = new Supervisor(settings, WorkerLaunchers.ForThisPlatform(log),
                new ChangeDebouncer(settings.Debounce, TimeSpan.FromSeconds(2)), log, session, proxy);

            log.Watching(string.Join(", ", settings.WatchRoots), settings.Proxy is null
                ? settings.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "observed when the server listens"
                : "chosen per restart");
            LogPort(log, settings);
            LogWatched(log, settings);
            settings = WithOwnOutputIgnored(settings, log);
            if (settings.CleanBytecode)
            {
                log.BytecodeCleaned(Presets.BytecodeCleaner.Clean(settings.WatchRoots));
            }

            if (settings.KeysEnabled)
            {
                new Keys.KeyCommands(log, supervisor.RequestRestart, () => OnSignal(null)).Start();
            }

            var debouncer = supervisor.Changes;
            using var watcher = new FileWatching(settings.WatchRoots, settings.Watching, log);
            watcher.Changed += debouncer.Post;
            debouncer.Polling = () => watcher.IsPolling;
            watcher.Start();
            return await supervisor.RunAsync(shutdown.Token, force.Token).ConfigureAwait(false);
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

    private static WatchSettings WithOwnOutputIgnored(WatchSettings settings, ILogger log)
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

    /// <summary>
    /// A second signal this soon after the first is the same request delivered twice, not a second Ctrl+C: timeout(1)
    /// signals its child and then its whole group, npm forwards the SIGINT the terminal also sent to freshserve.
    /// </summary>
    private static readonly TimeSpan SameStopRequest = TimeSpan.FromMilliseconds(250);

    // Kept out of OnExecuteAsync so that nothing of Kestrel is touched unless --proxy was given.
    private static async Task<IProxyServer> StartProxyAsync(ProxySettings proxySettings, ILogger log, CancellationToken cancellationToken)
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

    private void LogPort(ILogger log, WatchSettings settings)
    {
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

        if (_portSource is not null)
        {
            log.PortDetected(_port!.Value, _portSource);
        }
        else if (_defaultTaken is { } taken)
        {
            log.DefaultPortTaken(taken.Port, taken.Source, taken.Server);
        }
        else if (_port is null && _readyUrl is null)
        {
            log.NoPort();
        }
    }

    private void LogWatched(ILogger log, WatchSettings settings)
    {
        // What is watched and why: every file but the ignored ones, or only some (--only, or a preset whose server
        // reloads its own sources), plus what -i adds.
        var what = settings.Watching.Only.Count == 0
            ? "every file that is not ignored"
            : $"only {string.Join(' ', settings.Watching.Only)} ({_onlySource})";
        if (settings.Watching.Include.Count > 0)
        {
            what += $", plus {string.Join(' ', settings.Watching.Include)} ({_includeSource})";
        }

        log.WatchedFiles(what, _preset is null ? string.Empty : $"; preset {_preset.Preset.Name}");
        if (_preset is not null && _stopSignalFromPreset && settings.Stop.Signal != Cli.StopSignal.Term)
        {
            log.PresetStopSignal(_preset.Preset.Name, settings.Stop.Signal.Name());
        }

        if (_preset?.ReloaderWarning(settings.Environment) is { } warning)
        {
            log.TwoReloaders(warning);
        }
    }

    // What ToSettings resolved, for the start-up log lines.
    private string? _configPath;
    private PresetMatch? _preset;
    private bool _stopSignalFromPreset;
    private int? _port;
    private string? _portSource;
    private (int Port, string Source, string Server)? _defaultTaken;
    private Uri? _readyUrl;
    private string? _onlySource;
    private string? _includeSource;
    private bool _verbose;
    private bool _quiet;

    /// <summary>
    /// Validates the options and resolves them against <paramref name="currentDirectory"/>: the command line first,
    /// then FRESHSERVE_* environment variables, then the config file, then the preset, then the defaults.
    /// </summary>
    public WatchSettings ToSettings(string currentDirectory, bool stdinIsTerminal = false)
    {
        var file = ConfigFile.Find(Config, currentDirectory);
        _configPath = file?.Path;
        var fileFolder = file is null ? currentDirectory : Path.GetDirectoryName(file.Path)!;

        var command = RemainingArguments.Length > 0 ? RemainingArguments : file?.Command?.ToArray() ?? [];
        if (command.Length == 0)
        {
            throw new UsageException("no server command given: write it after --, e.g. freshserve watch -- uvicorn web_app:app --port 8001");
        }

        // A flag on the command line beats its opposite in the file.
        _verbose = Verbose || (!Quiet && file?.Verbose == true);
        _quiet = Quiet || (!Verbose && file?.Quiet == true);
        if (_verbose && _quiet)
        {
            throw new UsageException(Verbose && Quiet
                ? "--verbose and --quiet cannot be used together"
                : $"{file!.Path}: 'verbose' and 'quiet' cannot both be true");
        }

        var env = new Dictionary<string, string>(file?.Env ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in ParseEnv(Env))
        {
            env[key] = value;
        }

        var roots = (Watch.Length > 0
                ? Watch.Select(path => Path.GetFullPath(path, currentDirectory))
                : file?.Watch is { Count: > 0 } fileWatch
                    ? fileWatch.Select(path => Path.GetFullPath(path, fileFolder))
                    : [currentDirectory])
            .Select(Path.TrimEndingDirectorySeparator)
            .Distinct()
            .ToArray();
        foreach (var root in roots)
        {
            if (!Directory.Exists(root))
            {
                throw new UsageException(File.Exists(root)
                    ? $"--watch: '{root}' is a file; give the folder that contains it"
                    : $"--watch: folder '{root}' does not exist");
            }
        }

        var commandArgs = command.Skip(1).ToArray();
        _preset = ResolvePreset(Preset ?? file?.Preset, command[0], commandArgs, currentDirectory);

        _port = Port ?? file?.Port;
        _portSource = Port is not null ? "--port" : file?.Port is not null ? $"'port' in {Path.GetFileName(file.Path)}" : null;
        if ((_port is null ? PortDetector.Detect(commandArgs, env, command[0]) ?? _preset?.Port(env) : null) is { } detected)
        {
            (_port, _portSource) = (detected.Port, detected.Source);
            if (detected.MayMove && Ports.PortListeners.IsListening(detected.Port))
            {
                // Waiting for someone else's port would block a server that simply takes the next one: observe it.
                _defaultTaken = (detected.Port, detected.Source, _preset!.Preset.Name);
                (_port, _portSource) = (null, null);
            }
        }

        var readyUrlText = ReadyUrl ?? file?.ReadyUrl;
        _readyUrl = readyUrlText is null ? null : ReadyUrls.Parse(readyUrlText);
        var noInput = NoInput || IsSet("FRESHSERVE_NO_INPUT") || file?.NoInput == true;
        var keys = stdinIsTerminal && !noInput;
        var stopSignal = StopSignal ?? file?.StopSignal;
        _stopSignalFromPreset = stopSignal is null && _preset is not null;
        var readyTimeout = Resolve(DurationSetting.ReadyTimeout, ReadyTimeout, file?.ReadyTimeout);
        var proxy = ToProxySettings(file, readyTimeout);
        return new WatchSettings
        {
            Command = command[0],
            CommandArguments = commandArgs,
            WorkingDirectory = currentDirectory,
            WatchRoots = roots,
            Port = proxy is not null ? null : _port,
            PortSource = proxy is not null ? null : _portSource,
            Proxy = proxy,
            Environment = env,
            Debounce = Resolve(DurationSetting.Debounce, Debounce, file?.Debounce),
            Stop = new StopPolicy(
                stopSignal is null ? _preset?.Preset.StopSignal ?? Cli.StopSignal.Term : StopSignals.Parse(stopSignal),
                Resolve(DurationSetting.StopTimeout, StopTimeout, file?.StopTimeout)),
            PortTimeout = Resolve(DurationSetting.PortTimeout, PortTimeout, file?.PortTimeout),
            ReadyTimeout = readyTimeout,
            ReadyUrl = _readyUrl,
            RestartOnCrash = RestartOnCrash || file?.RestartOnCrash == true,
            StopBeforeStart = StopBeforeStart || (file?.StopBeforeStart ?? OperatingSystem.IsWindows()),
            Replace = Replace || file?.Replace == true,
            KeysEnabled = keys,
            DetachStdin = keys,
            CleanBytecode = CleanBytecode || file?.CleanBytecode == true,
            PresetName = _preset?.Preset.Name,
            PresetIncludes = _preset?.Preset.WatchOnly ?? [],
            PresetEnvironment = _preset?.Preset.Environment ?? new Dictionary<string, string>(),
            Watching = ToWatchOptions(file, _preset?.Preset),
        };
    }

    /// <summary>
    /// Globs: what is watched is --only, else the file's only, else a self-reloading preset's globs, else every file that
    /// is not ignored; --include (else the file's include) adds to it; --exclude (else the file's) takes out. Polling is
    /// forced by --poll, FRESHSERVE_POLL or the file, in that order of the reason given.
    /// </summary>
    private WatchOptions ToWatchOptions(ConfigValues? file, Preset? preset)
    {
        foreach (var glob in Include.Concat(Only).Concat(Exclude))
        {
            if (Globs.Problem(glob) is { } problem)
            {
                throw new UsageException($"--include/--only/--exclude: {problem}");
            }
        }

        var fileName = file is null ? null : Path.GetFileName(file.Path);
        (IReadOnlyList<string> only, _onlySource) = Only.Length > 0 ? (Only, "--only")
            : file?.Only is { Count: > 0 } fileOnly ? (fileOnly, $"only in {fileName}")
            : preset is { WatchOnly.Count: > 0 } ? (preset.WatchOnly, $"the {preset.Name} preset: the server reloads your sources itself; -i adds, --only replaces")
            : ([], null);
        (IReadOnlyList<string> include, _includeSource) = Include.Length > 0 ? (Include, "-i")
            : file?.Include is { Count: > 0 } fileInclude ? (fileInclude, $"include in {fileName}")
            : ([], null);

        var forcePollReason = Poll ? "--poll"
            : IsSet("FRESHSERVE_POLL") ? $"FRESHSERVE_POLL={Environment.GetEnvironmentVariable("FRESHSERVE_POLL")}"
            : file?.Poll == true ? $"poll in {Path.GetFileName(file.Path)}"
            : null;
        var pollInterval = PollInterval is not null ? DurationSetting.PollInterval.Parse(PollInterval) : file?.PollInterval;
        return new WatchOptions
        {
            Only = only,
            Include = include,
            Exclude = Exclude.Length > 0 ? Exclude : file?.Exclude ?? [],
            DefaultIgnores = !(NoDefaultIgnore || file?.NoDefaultIgnore == true),
            GitIgnore = !(NoGitIgnore || file?.NoGitignore == true),
            ForcePollReason = forcePollReason,
            PollInterval = pollInterval ?? WatchOptions.DefaultPollInterval,
            StretchPollInterval = pollInterval is null,
        };
    }

    private static PresetMatch? ResolvePreset(string? name, string command, string[] args, string folder)
    {
        var recognized = PresetCatalog.Recognize(command, args, folder);
        if (name is null)
        {
            return recognized;
        }

        if (name.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var preset = PresetCatalog.Named(name);
        if (preset is null)
        {
            var names = PresetCatalog.All.Select(p => p.Name.Replace(' ', '-')).Append("none").ToList();
            var suggestion = Suggestions.Closest(name, names);
            throw new UsageException($"--preset: unknown preset '{name}'." + (suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")
                + $" Presets: {string.Join(", ", names)}");
        }

        // A named preset reads the server's arguments the way recognition would, if it recognizes the same server.
        return recognized?.Preset.Name == preset.Name ? recognized : new PresetMatch(preset, args);
    }

    /// <summary>A duration: the command line's (checked here), else the file's (checked when the file was read), else the default.</summary>
    private static TimeSpan Resolve(DurationSetting setting, string? option, TimeSpan? fromFile) =>
        option is not null ? setting.Parse(option) : fromFile ?? setting.Default;

    private static bool IsSet(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value && value is not ("0" or "false");

    /// <summary>localhost, * (every address) or an IP address: what --proxy-host accepts.</summary>
    public static bool IsValidProxyHost(string host) =>
        host is "localhost" or "*" || System.Net.IPAddress.TryParse(host, out _);

    private ProxySettings? ToProxySettings(ConfigValues? file, TimeSpan readyTimeout)
    {
        var proxyHost = ProxyHost ?? file?.ProxyHost;
        var keepCacheHeaders = KeepCacheHeaders || file?.KeepCacheHeaders == true;
        var noLiveReload = NoLiveReload || file?.NoLiveReload == true;
        if ((Proxy ?? file?.Proxy) is not { } proxyPort)
        {
            if (proxyHost is not null || keepCacheHeaders || noLiveReload)
            {
                throw new UsageException(ProxyHost is not null || KeepCacheHeaders || NoLiveReload
                    ? "--proxy-host, --keep-cache-headers and --no-live-reload need --proxy PORT"
                    : $"{file!.Path}: 'proxyHost', 'keepCacheHeaders' and 'noLiveReload' need 'proxy' (or --proxy PORT)");
            }

            return null;
        }

        // The file's port is the server's own port; it gives way to a --proxy from the command line.
        if (Port is not null || (Proxy is null && file?.Port is not null))
        {
            throw new UsageException(Port is not null
                ? $"--port cannot be used with {(Proxy is null ? $"'proxy' in {file!.Path}" : "--proxy")}: behind the proxy the server gets a new port on every restart; write {{port}} in the command or read $PORT"
                : $"{file!.Path}: 'port' and 'proxy' cannot both be set: behind the proxy the server gets a new port on every restart; write {{port}} in the command or read $PORT");
        }

        var host = proxyHost ?? "localhost";
        if (!IsValidProxyHost(host))
        {
            throw new UsageException($"--proxy-host: '{host}' is not localhost, * or an IP address");
        }

        return new ProxySettings
        {
            Port = proxyPort,
            Host = host,
            KeepCacheHeaders = keepCacheHeaders,
            LiveReload = !noLiveReload,
            ReadyTimeout = readyTimeout,
        };
    }

    private static Dictionary<string, string> ParseEnv(IEnumerable<string> pairs)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--env: '{pair}' is not KEY=VALUE");
            }

            env[pair[..equals]] = pair[(equals + 1)..];
        }

        return env;
    }
}
