using FreshServe.Common;
using FreshServe.Config;
using FreshServe.Presets;
using FreshServe.Processes;
using FreshServe.Proxy;
using FreshServe.Supervision;
using FreshServe.Watching;
using Microsoft.Extensions.Logging;

namespace FreshServe.Cli;

/// <summary>What <see cref="WatchResolver"/> found: the settings, the log level, the preset, and where each value came from.</summary>
public sealed record ResolvedWatch(
    WatchSettings Settings,
    LogLevel LogLevel,
    string? ConfigPath,
    PresetMatch? Preset,
    IReadOnlyDictionary<string, Origin> Origins)
{
    /// <summary>A preset's default port that someone else already holds: the server may take the next one, so it is observed.</summary>
    public (int Port, string Source, string Server)? DefaultPortTaken { get; init; }

    /// <summary>Take over from another freshserve that watches the same folder or port (--replace).</summary>
    public bool Replace { get; init; }

    /// <summary>True when freshserve reads keys (r, q, c, h) from the terminal.</summary>
    public bool KeysEnabled { get; init; }

    /// <summary>Delete __pycache__ folders under the watch roots before the first start (--clean-bytecode).</summary>
    public bool CleanBytecode { get; init; }

    /// <summary>Where the setting named by its config key came from; <see cref="Origin.Default"/> when nothing set it.</summary>
    public Origin OriginOf(string key) => Origins.TryGetValue(key, out var origin) ? origin : Origin.Default;
}

/// <summary>
/// Validates the watch arguments and resolves them against a folder: the command line first, then FRESHSERVE_*
/// environment variables, then the config file, then the preset, then the defaults. It keeps no state: everything it
/// found is in the returned <see cref="ResolvedWatch"/>; an error names the option, variable or file key that gave the value.
/// </summary>
public static class WatchResolver
{
    /// <summary>Resolves with the config file found from <paramref name="currentDirectory"/> and this process's environment.</summary>
    public static ResolvedWatch Resolve(WatchArguments args, string currentDirectory, bool stdinIsTerminal = false) =>
        Resolve(args, ConfigFile.Find(args.Config, currentDirectory), Environment.GetEnvironmentVariable, currentDirectory, stdinIsTerminal);

    public static ResolvedWatch Resolve(WatchArguments args, ConfigValues? file, Func<string, string?> environment, string currentDirectory,
        bool stdinIsTerminal)
    {
        if (args.Services.Count > 0)
        {
            // Service names are for a project with services (see Services.ProjectResolver); for one server, a word
            // before -- is a server command written without it.
            throw args.UnexpectedArgument(args.Services[0]);
        }

        var layers = new Layers(file, environment);
        var fileFolder = file is null ? currentDirectory : Path.GetDirectoryName(file.Path)!;

        var command = layers.List("command", "--", args.RemainingArguments, file?.Command);
        if (command.Count == 0)
        {
            throw new UsageException("no server command given: write it after --, e.g. freshserve watch -- uvicorn web_app:app --port 8001");
        }

        var logLevel = ResolveLogLevel(args, file, layers);
        var env = new Dictionary<string, string>(file?.Env ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in ParseEnv(args.Env))
        {
            env[key] = value;
        }

        var roots = ResolveRoots(args, file, layers, currentDirectory, fileFolder);
        var commandArgs = command.Skip(1).ToArray();
        var preset = ResolvePreset(layers.Text("preset", "--preset", args.Preset, file?.Preset), layers.OriginOf("preset"), command[0], commandArgs, currentDirectory);
        var (port, defaultPortTaken) = ResolvePort(args, file, layers, env, command[0], commandArgs, preset);

        var readyUrlText = layers.Text("readyUrl", "--ready-url", args.ReadyUrl, file?.ReadyUrl);
        var readyUrl = readyUrlText is null ? null : ReadyUrls.Parse(readyUrlText);
        var keys = stdinIsTerminal && !layers.Flag("noInput", "--no-input", args.NoInput, file?.NoInput, "FRESHSERVE_NO_INPUT");
        var stopSignal = layers.Text("stopSignal", "--stop-signal", args.StopSignal, file?.StopSignal) is { } signalText
            ? StopSignals.Parse(signalText)
            : preset?.Preset.StopSignal is { } presetSignal
                ? layers.Set("stopSignal", new Origin(OriginKind.Preset, $"the {preset.Preset.Name} preset"), presetSignal)
                : StopSignal.Term;
        var readyTimeout = layers.Duration(DurationSetting.ReadyTimeout, args.ReadyTimeout, file?.ReadyTimeout);
        var proxy = ResolveProxy(args, file, layers, readyTimeout);
        var replace = layers.Flag("replace", "--replace", args.Replace, file?.Replace);
        var cleanBytecode = layers.Flag("cleanBytecode", "--clean-bytecode", args.CleanBytecode, file?.CleanBytecode);
        var settings = new WatchSettings
        {
            Command = command[0],
            CommandArguments = commandArgs,
            WorkingDirectory = currentDirectory,
            WatchRoots = roots,
            Port = proxy is not null ? null : port,
            PortSource = proxy is not null || port is null ? null : PortSource(layers.OriginOf("port")),
            Proxy = proxy,
            Environment = env,
            Debounce = layers.Duration(DurationSetting.Debounce, args.Debounce, file?.Debounce),
            Stop = new StopPolicy(stopSignal, layers.Duration(DurationSetting.StopTimeout, args.StopTimeout, file?.StopTimeout)),
            PortTimeout = layers.Duration(DurationSetting.PortTimeout, args.PortTimeout, file?.PortTimeout),
            ReadyTimeout = readyTimeout,
            ReadyUrl = readyUrl,
            RestartOnCrash = layers.Flag("restartOnCrash", "--restart-on-crash", args.RestartOnCrash, file?.RestartOnCrash),
            StopBeforeStart = args.StopBeforeStart || (file?.StopBeforeStart ?? OperatingSystem.IsWindows()),
            DetachStdin = keys,
            PresetEnvironment = preset?.Preset.Environment ?? new Dictionary<string, string>(),
            Watching = ResolveWatching(args, file, layers, preset?.Preset),
        };
        return new ResolvedWatch(settings, logLevel, file?.Path, preset, layers.Origins)
        {
            DefaultPortTaken = defaultPortTaken,
            Replace = replace,
            KeysEnabled = keys,
            CleanBytecode = cleanBytecode,
        };
    }

    /// <summary>A flag on the command line beats its opposite in the file.</summary>
    private static LogLevel ResolveLogLevel(WatchArguments args, ConfigValues? file, Layers layers)
    {
        var verbose = args.Verbose || (!args.Quiet && file?.Verbose == true);
        var quiet = args.Quiet || (!args.Verbose && file?.Quiet == true);
        if (verbose && quiet)
        {
            throw new UsageException(args.Verbose && args.Quiet
                ? "--verbose and --quiet cannot be used together"
                : $"{file!.Path}: 'verbose' and 'quiet' cannot both be true");
        }

        layers.Flag(verbose ? "verbose" : "quiet", verbose ? "--verbose" : "--quiet", verbose ? args.Verbose : args.Quiet, verbose ? file?.Verbose : file?.Quiet);
        return quiet ? LogLevel.Warning : verbose ? LogLevel.Debug : LogLevel.Information;
    }

    private static string[] ResolveRoots(WatchArguments args, ConfigValues? file, Layers layers, string currentDirectory, string fileFolder)
    {
        var given = layers.List("watch", "--watch", args.Watch, file?.Watch);
        var origin = layers.OriginOf("watch");
        var roots = (given.Count == 0
                ? [currentDirectory]
                : given.Select(path => Path.GetFullPath(path, origin.Kind == OriginKind.ConfigFile ? fileFolder : currentDirectory)))
            .Select(Path.TrimEndingDirectorySeparator)
            .Distinct()
            .ToArray();
        foreach (var root in roots)
        {
            if (!Directory.Exists(root))
            {
                throw new UsageException(File.Exists(root)
                    ? $"{origin.Label}: '{root}' is a file; give the folder that contains it"
                    : $"{origin.Label}: folder '{root}' does not exist");
            }
        }

        return roots;
    }

    /// <summary>--port or the file's port, else the port written in the command or its environment, else the preset's default.</summary>
    private static (int? Port, (int, string, string)? DefaultTaken) ResolvePort(WatchArguments args, ConfigValues? file, Layers layers,
        IReadOnlyDictionary<string, string> env, string command, string[] commandArgs, PresetMatch? preset)
    {
        if (layers.Number("port", "--port", args.Port, file?.Port) is { } port)
        {
            return (port, null);
        }

        // The port written in the command, else the preset's reading of the server's own arguments and variables, else
        // its default port.
        var (detected, kind) = PortDetector.Detect(commandArgs, env, command) is { } inCommand
            ? (inCommand, OriginKind.ServerCommand)
            : (preset?.Port(env), OriginKind.Preset);
        if (detected is null)
        {
            return (null, null);
        }

        if (detected.MayMove && Ports.PortListeners.IsListening(detected.Port))
        {
            // Waiting for someone else's port would block a server that simply takes the next one: observe it.
            return (null, (detected.Port, detected.Source, preset!.Preset.Name));
        }

        return (layers.Set("port", new Origin(kind, detected.Source), detected.Port), null);
    }

    /// <summary>The port's source as the log line says it: "--port", "'port' in freshserve.json", "'--port 8001' in the command".</summary>
    private static string PortSource(Origin origin) =>
        origin.Kind == OriginKind.ConfigFile ? $"'{origin.Name}' in {Path.GetFileName(origin.File)}" : origin.Name;

    private static PresetMatch? ResolvePreset(string? name, Origin origin, string command, string[] args, string folder)
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
            throw new UsageException($"{origin.Label}: unknown preset '{name}'." + (suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")
                + $" Presets: {string.Join(", ", names)}");
        }

        // A named preset reads the server's arguments the way recognition would, if it recognizes the same server.
        return recognized?.Preset.Name == preset.Name ? recognized : new PresetMatch(preset, args);
    }

    /// <summary>
    /// Globs: what is watched is --only, else the file's only, else a self-reloading preset's globs, else every file that
    /// is not ignored; --include (else the file's include) adds to it; --exclude (else the file's) takes out. Polling is
    /// forced by --poll, FRESHSERVE_POLL or the file, in that order of the reason given.
    /// </summary>
    private static WatchOptions ResolveWatching(WatchArguments args, ConfigValues? file, Layers layers, Preset? preset)
    {
        foreach (var glob in args.Include.Concat(args.Only).Concat(args.Exclude))
        {
            if (Globs.Problem(glob) is { } problem)
            {
                throw new UsageException($"--include/--only/--exclude: {problem}");
            }
        }

        var only = layers.List("only", "--only", args.Only, file?.Only);
        if (only.Count == 0 && preset is { WatchOnly.Count: > 0 })
        {
            only = layers.Set("only", new Origin(OriginKind.Preset,
                $"the {preset.Name} preset: the server reloads your sources itself; -i adds, --only replaces"), preset.WatchOnly);
        }

        var poll = layers.Flag("poll", "--poll", args.Poll, file?.Poll, "FRESHSERVE_POLL");
        var pollInterval = layers.Duration(DurationSetting.PollInterval, args.PollInterval, file?.PollInterval);
        return new WatchOptions
        {
            Only = only,
            Include = layers.List("include", "-i", args.Include, file?.Include),
            Exclude = layers.List("exclude", "--exclude", args.Exclude, file?.Exclude),
            DefaultIgnores = !layers.Flag("noDefaultIgnore", "--no-default-ignore", args.NoDefaultIgnore, file?.NoDefaultIgnore),
            GitIgnore = !layers.Flag("noGitignore", "--no-gitignore", args.NoGitIgnore, file?.NoGitignore),
            ForcePollReason = poll ? layers.OriginOf("poll").ToString() : null,
            PollInterval = pollInterval,
            StretchPollInterval = layers.OriginOf(DurationSetting.PollInterval.Key) == Origin.Default,
        };
    }

    private static ProxySettings? ResolveProxy(WatchArguments args, ConfigValues? file, Layers layers, TimeSpan readyTimeout)
    {
        var proxyHost = layers.Text("proxyHost", "--proxy-host", args.ProxyHost, file?.ProxyHost);
        var keepCacheHeaders = layers.Flag("keepCacheHeaders", "--keep-cache-headers", args.KeepCacheHeaders, file?.KeepCacheHeaders);
        var noLiveReload = layers.Flag("noLiveReload", "--no-live-reload", args.NoLiveReload, file?.NoLiveReload);
        if (layers.Number("proxy", "--proxy", args.Proxy, file?.Proxy) is not { } proxyPort)
        {
            if (proxyHost is not null || keepCacheHeaders || noLiveReload)
            {
                throw new UsageException(args.ProxyHost is not null || args.KeepCacheHeaders || args.NoLiveReload
                    ? "--proxy-host, --keep-cache-headers and --no-live-reload need --proxy PORT"
                    : $"{file!.Path}: 'proxyHost', 'keepCacheHeaders' and 'noLiveReload' need 'proxy' (or --proxy PORT)");
            }

            return null;
        }

        // The file's port is the server's own port; it gives way to a --proxy from the command line.
        if (args.Port is not null || (args.Proxy is null && file?.Port is not null))
        {
            throw new UsageException(args.Port is not null
                ? $"--port cannot be used with {(args.Proxy is null ? $"'proxy' in {file!.Path}" : "--proxy")}: behind the proxy the server gets a new port on every restart; write {{port}} in the command or read $PORT"
                : $"{file!.Path}: 'port' and 'proxy' cannot both be set: behind the proxy the server gets a new port on every restart; write {{port}} in the command or read $PORT");
        }

        var host = proxyHost ?? "localhost";
        if (!ProxyHost.IsValid(host))
        {
            throw new UsageException($"{layers.OriginOf("proxyHost").Label}: '{host}' is not {ProxyHost.Accepted}");
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

    /// <summary>Picks each value from the first layer that sets it, and remembers which one did.</summary>
    private sealed class Layers(ConfigValues? file, Func<string, string?> environment)
    {
        public Dictionary<string, Origin> Origins { get; } = new(StringComparer.Ordinal);

        public Origin OriginOf(string key) => Origins.TryGetValue(key, out var origin) ? origin : Origin.Default;

        public T Set<T>(string key, Origin origin, T value)
        {
            Origins[key] = origin;
            return value;
        }

        /// <summary>A key of the file, named as written there: <c>port</c>, or a service's <c>services.api.port</c>.</summary>
        private Origin FromFile(string key) => new(OriginKind.ConfigFile, file!.NameOf(key), file.FileOf(key));

        public string? Text(string key, string option, string? given, string? fromFile) =>
            given is not null ? Set(key, new Origin(OriginKind.CommandLine, option), given)
            : fromFile is not null ? Set(key, FromFile(key), fromFile)
            : null;

        public int? Number(string key, string option, int? given, int? fromFile) =>
            given is not null ? Set(key, new Origin(OriginKind.CommandLine, option), given)
            : fromFile is not null ? Set(key, FromFile(key), fromFile)
            : null;

        public IReadOnlyList<string> List(string key, string option, IReadOnlyList<string> given, IReadOnlyList<string>? fromFile) =>
            given.Count > 0 ? Set(key, new Origin(OriginKind.CommandLine, option), given)
            : fromFile is { Count: > 0 } ? Set(key, FromFile(key), fromFile)
            : [];

        /// <summary>On when the command line, the variable (set, and not 0 or false) or the file turns it on.</summary>
        public bool Flag(string key, string option, bool given, bool? fromFile, string? variable = null)
        {
            if (given)
            {
                return Set(key, new Origin(OriginKind.CommandLine, option), true);
            }

            if (variable is not null && environment(variable) is { Length: > 0 } value && value is not ("0" or "false"))
            {
                return Set(key, new Origin(OriginKind.Environment, $"{variable}={value}"), true);
            }

            return fromFile == true && Set(key, FromFile(key), true);
        }

        /// <summary>
        /// A duration: the command line's (checked here, an error names the option), else the file's (checked when
        /// the file was read, an error names its key, line and column), else the default.
        /// </summary>
        public TimeSpan Duration(DurationSetting setting, string? given, TimeSpan? fromFile) =>
            given is not null ? Set(setting.Key, new Origin(OriginKind.CommandLine, setting.Option), setting.Parse(given))
            : fromFile is { } value ? Set(setting.Key, FromFile(setting.Key), value)
            : setting.Default;
    }
}
