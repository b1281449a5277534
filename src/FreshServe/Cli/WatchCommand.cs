using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
using FreshServe.Logging;
using FreshServe.Processes;
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

The port is found in the command (--port N, --port=N, -p N, --urls http://host:N) or in --env PORT=N.

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

    [Option("-p|--port <PORT>", "The port the server listens on. Default: found in the command.", CommandOptionType.SingleValue)]
    [Range(1, 65535, ErrorMessage = "--port must be between 1 and 65535")]
    public int? Port { get; set; }

    [Option("--debounce <MS>", "Quiet time after the last change before the new server starts, in ms. Default: 50.", CommandOptionType.SingleValue)]
    [Range(0, 60_000, ErrorMessage = "--debounce must be between 0 and 60000 ms")]
    public int? DebounceMs { get; set; }

    [Option("--stop-signal <SIGNAL>", "The signal that asks the server tree to stop. Default: SIGTERM.", CommandOptionType.SingleValue)]
    public string? StopSignal { get; set; }

    [Option("--stop-timeout <DURATION>", "How long the tree may take to stop before it is killed (500ms, 5s). Default: 5s.", CommandOptionType.SingleValue)]
    public string? StopTimeout { get; set; }

    [Option("--port-timeout <DURATION>", "How long to wait for the port to be free before giving up. Default: 10s.", CommandOptionType.SingleValue)]
    public string? PortTimeout { get; set; }

    [Option("--ready-timeout <DURATION>", "How long to wait for the server to accept connections (and, behind --proxy, how long a request is held). Default: 60s.", CommandOptionType.SingleValue)]
    public string? ReadyTimeout { get; set; }

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

    [Option("-v|--verbose", "Log each step of a restart with its timing.", CommandOptionType.NoValue)]
    public bool Verbose { get; set; }

    [Option("-q|--quiet", "Log only warnings and errors.", CommandOptionType.NoValue)]
    public bool Quiet { get; set; }

    /// <summary>Everything after <c>--</c>: the server command, verbatim.</summary>
    public string[] RemainingArguments { get; set; } = [];

    internal async Task<int> OnExecuteAsync(CommandLineApplication app)
    {
        if (Help)
        {
            app.ShowHelp(usePager: false);
            return ExitCodes.Ok;
        }

        var settings = ToSettings(Environment.CurrentDirectory);
        using var loggerFactory = LoggingSetup.Create(Quiet ? LogLevel.Warning : Verbose ? LogLevel.Debug : LogLevel.Information);
        var log = loggerFactory.CreateLogger("freshserve");

        using var shutdown = new CancellationTokenSource();
        using var force = new CancellationTokenSource();
        var signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) == 1)
            {
                shutdown.Cancel();
            }
            else
            {
                log.Forcing();
                force.Cancel();
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);

        var proxy = settings.Proxy is { } proxySettings ? await StartProxyAsync(proxySettings, log, shutdown.Token).ConfigureAwait(false) : null;
        try
        {
            var supervisor = new Supervisor(settings, WorkerLaunchers.ForThisPlatform(),
                new ChangeDebouncer(settings.Debounce, TimeSpan.FromSeconds(2)), log, proxy);

            log.Watching(string.Join(", ", settings.WatchRoots), settings.Proxy is null
                ? settings.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"
                : "chosen per restart");
            LogPort(log, settings);

            var debouncer = supervisor.Changes;
            using var watcher = new EventFileWatcher(settings.WatchRoots, new PathFilter());
            watcher.Changed += debouncer.Post;
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

    private void LogPort(ILogger log, WatchSettings settings)
    {
        if (settings.Proxy is not null)
        {
            if (!WorkerPort.IsUsedIn(settings.CommandArguments))
            {
                log.ProxyPortFromEnvironment();
            }

            return;
        }

        if (Port is not null)
        {
            return;
        }

        var detected = PortDetector.Detect(settings.CommandArguments, settings.Environment);
        if (detected is not null)
        {
            log.PortDetected(detected.Port, detected.Source);
        }
        else
        {
            log.NoPort();
        }
    }

    /// <summary>Validates the options and resolves them against <paramref name="currentDirectory"/>.</summary>
    public WatchSettings ToSettings(string currentDirectory)
    {
        if (RemainingArguments.Length == 0)
        {
            throw new UsageException("no server command given: write it after --, e.g. freshserve watch -- uvicorn web_app:app --port 8001");
        }

        if (Verbose && Quiet)
        {
            throw new UsageException("--verbose and --quiet cannot be used together");
        }

        var env = ParseEnv(Env);
        var roots = (Watch.Length == 0 ? [currentDirectory] : Watch)
            .Select(path => Path.GetFullPath(path, currentDirectory))
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

        var commandArgs = RemainingArguments.Skip(1).ToArray();
        var readyTimeout = ReadyTimeout is null ? TimeSpan.FromSeconds(60) : Duration.Parse("--ready-timeout", ReadyTimeout);
        var proxy = ToProxySettings(readyTimeout);
        return new WatchSettings
        {
            Command = RemainingArguments[0],
            CommandArguments = commandArgs,
            WorkingDirectory = currentDirectory,
            WatchRoots = roots,
            Port = proxy is not null ? null : Port ?? PortDetector.Detect(commandArgs, env)?.Port,
            Proxy = proxy,
            ReadyTimeout = readyTimeout,
            Environment = env,
            Debounce = TimeSpan.FromMilliseconds(DebounceMs ?? 50),
            Stop = new StopPolicy(
                StopSignal is null ? Cli.StopSignal.Term : StopSignals.Parse(StopSignal),
                StopTimeout is null ? TimeSpan.FromSeconds(5) : Duration.Parse("--stop-timeout", StopTimeout)),
            PortTimeout = PortTimeout is null ? TimeSpan.FromSeconds(10) : Duration.Parse("--port-timeout", PortTimeout),
        };
    }

    private ProxySettings? ToProxySettings(TimeSpan readyTimeout)
    {
        if (Proxy is not { } proxyPort)
        {
            if (ProxyHost is not null || KeepCacheHeaders || NoLiveReload)
            {
                throw new UsageException("--proxy-host, --keep-cache-headers and --no-live-reload need --proxy PORT");
            }

            return null;
        }

        if (Port is not null)
        {
            throw new UsageException("--port cannot be used with --proxy: behind the proxy the server gets a new port on every restart; write {port} in the command or read $PORT");
        }

        var host = ProxyHost ?? "localhost";
        if (host is not ("localhost" or "*") && !System.Net.IPAddress.TryParse(host, out _))
        {
            throw new UsageException($"--proxy-host: '{host}' is not localhost, * or an IP address");
        }

        return new ProxySettings
        {
            Port = proxyPort,
            Host = host,
            KeepCacheHeaders = KeepCacheHeaders,
            LiveReload = !NoLiveReload,
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
