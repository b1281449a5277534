using McMaster.Extensions.CommandLineUtils;
using FreshServe.Common;
using FreshServe.Processes;

namespace FreshServe.Cli;

/// <summary>
/// The options of <c>freshserve watch</c>, declared with CommandLineUtils' builder API (generic at compile time, so it
/// needs no reflection and works in the native build), and read back into <see cref="WatchArguments"/>.
/// </summary>
public static class WatchCommandLine
{
    public const string Description = "Run a dev server and restart its whole process tree whenever a watched file changes.";

    public const string ExtendedHelpText = """

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
Several services: freshserve.json's "services" (or a Procfile) run together; name some to run only those:
  freshserve watch            every service
  freshserve watch api web    api and web, and what they depend on
Keys on a terminal: r restart, q quit, c clear the screen, h help (--no-input leaves stdin to the server).

Proxy mode: freshserve listens on the given port and forwards to the server, which gets a new internal port on
every restart ({port} in the command, and $PORT). Requests wait during a restart instead of failing, responses are
no-store, and HTML pages reload themselves when the new server is ready:
  freshserve watch --proxy 8000 -- uvicorn web_app:app --port {port}
Stop with Ctrl+C: the server tree is stopped gracefully; a second Ctrl+C kills it at once.
""";

    /// <summary>Declares the options on <paramref name="app"/>; the returned function reads what was parsed.</summary>
    public static Func<WatchArguments> Define(CommandLineApplication app)
    {
        app.Description = Description;
        app.ExtendedHelpText = ExtendedHelpText;
        app.AllowArgumentSeparator = true;
        app.ThrowOnUnexpectedArgument = true;

        var services = app.Argument("services", "The services of freshserve.json (or the Procfile) to run, with what they depend on. Default: all.", multipleValues: true);
        var watch = app.Option("-w|--watch <PATH>", "A folder to watch (repeatable). Default: the current folder.", CommandOptionType.MultipleValue);
        var port = app.Option("-p|--port <PORT>", "The port the server listens on. Default: found in the command, else observed.", CommandOptionType.SingleValue);
        var debounce = app.Option("--debounce <DURATION>", "The most quiet time a burst of changes needs before the new server starts; a single save needs 10ms (0 to 60s). Default: 50ms.", CommandOptionType.SingleValue);
        var stopSignal = app.Option("--stop-signal <SIGNAL>", "The signal that asks the server tree to stop. Default: the preset's (SIGINT for go run), else SIGTERM.", CommandOptionType.SingleValue);
        var stopTimeout = app.Option("--stop-timeout <DURATION>", "How long the tree may take to stop before it is killed (0 to 10m). Default: 5s.", CommandOptionType.SingleValue);
        var portTimeout = app.Option("--port-timeout <DURATION>", "How long to wait for the port to be free before giving up (100ms to 10m). Default: 10s.", CommandOptionType.SingleValue);
        var replace = app.Option("--replace", "If another freshserve already watches this folder or port, stop it and take over.", CommandOptionType.NoValue);
        var proxy = app.Option("--proxy <PORT>", "Listen on PORT and forward to the server, which gets a new port each restart ({port} / $PORT).", CommandOptionType.SingleValue);
        var proxyHost = app.Option("--proxy-host <HOST>", "The address the proxy listens on: localhost, an IP, or * for all. Default: localhost.", CommandOptionType.SingleValue);
        var keepCacheHeaders = app.Option("--keep-cache-headers", "Behind --proxy, pass the server's caching headers on instead of Cache-Control: no-store.", CommandOptionType.NoValue);
        var noLiveReload = app.Option("--no-live-reload", "Behind --proxy, do not add the live-reload script to HTML pages.", CommandOptionType.NoValue);
        var env = app.Option("-e|--env <KEY_VALUE>", "An environment variable for the server, as KEY=VALUE (repeatable).", CommandOptionType.MultipleValue);
        var readyUrl = app.Option("--ready-url <URL>", "Ready means this URL answers 2xx/3xx (instead of the port accepting connections).", CommandOptionType.SingleValue);
        var readyTimeout = app.Option("--ready-timeout <DURATION>", "How long to wait for ready before warning, the server keeps running (100ms to 1h). Default: 60s.", CommandOptionType.SingleValue);
        var restartOnCrash = app.Option("--restart-on-crash", "Restart a server that crashes (exits by itself with a non-zero code), waiting longer after each crash in a row (0.5s up to 30s). A clean exit (code 0) waits for a change.", CommandOptionType.NoValue);
        var stopBeforeStart = app.Option("--stop-before-start", "Start the new server only once the whole old tree has exited (the default on Windows), not as soon as the ports it listened on are free.", CommandOptionType.NoValue);
        var noInput = app.Option("--no-input", "Do not read keys; the server keeps stdin. Also FRESHSERVE_NO_INPUT=1.", CommandOptionType.NoValue);
        var config = app.Option("--config <FILE>", "Read options from this JSON file instead of ./freshserve.json.", CommandOptionType.SingleValue);
        var procfile = app.Option("--procfile <FILE>", "Run each 'name: command' line of this Procfile as a service. Default: ./Procfile when there is no freshserve.json and no command.", CommandOptionType.SingleValue);
        var preset = app.Option("--preset <NAME>", "Use this preset (uvicorn, flask, django, gunicorn, node, nodemon, vite, next, dotnet-run, dotnet-watch, go-run, rails) or 'none'. Default: recognized from the command.", CommandOptionType.SingleValue);
        var cleanBytecode = app.Option("--clean-bytecode", "Delete __pycache__ folders under the watch roots before the first start.", CommandOptionType.NoValue);
        var verbose = app.Option("-v|--verbose", "Log each step of a restart with its timing.", CommandOptionType.NoValue);
        var quiet = app.Option("-q|--quiet", "Log only warnings and errors.", CommandOptionType.NoValue);
        var include = app.Option("-i|--include <GLOB>", "Also watch files matching this glob, even where --only, the preset or an ignore rule leaves them out (repeatable; *.py means anywhere).", CommandOptionType.MultipleValue);
        var only = app.Option("--only <GLOB>", "Watch only files matching this glob, replacing what the preset watches (repeatable). Default: every file that is not ignored (vite, next, rails: their config files).", CommandOptionType.MultipleValue);
        var exclude = app.Option("-x|--exclude <GLOB>", "Do not watch files matching this glob (repeatable).", CommandOptionType.MultipleValue);
        var noDefaultIgnore = app.Option("--no-default-ignore", "Also watch .git, node_modules, bin, obj, __pycache__, editor swap files and the like.", CommandOptionType.NoValue);
        var noGitIgnore = app.Option("--no-gitignore", "Also watch the files the project's .gitignore files ignore.", CommandOptionType.NoValue);
        var poll = app.Option("--poll", "Poll for changes instead of using file events (also FRESHSERVE_POLL=1).", CommandOptionType.NoValue);
        var pollInterval = app.Option("--poll-interval <DURATION>", "Time between two polls (10ms to 60s). Default: 500ms.", CommandOptionType.SingleValue);

        return () => CheckSeparatorNotTaken(app) ?? new WatchArguments
        {
            Watch = watch.Values.OfType<string>().ToArray(),
            Port = InRange(port, 1, 65535, "--port must be between 1 and 65535"),
            Debounce = debounce.Value(),
            StopSignal = stopSignal.Value(),
            StopTimeout = stopTimeout.Value(),
            PortTimeout = portTimeout.Value(),
            Replace = replace.HasValue(),
            Proxy = InRange(proxy, 1, 65535, "--proxy must be a port between 1 and 65535"),
            ProxyHost = proxyHost.Value(),
            KeepCacheHeaders = keepCacheHeaders.HasValue(),
            NoLiveReload = noLiveReload.HasValue(),
            Env = env.Values.OfType<string>().ToArray(),
            ReadyUrl = readyUrl.Value(),
            ReadyTimeout = readyTimeout.Value(),
            RestartOnCrash = restartOnCrash.HasValue(),
            StopBeforeStart = stopBeforeStart.HasValue(),
            NoInput = noInput.HasValue(),
            Config = config.Value(),
            Preset = preset.Value(),
            CleanBytecode = cleanBytecode.HasValue(),
            Verbose = verbose.HasValue(),
            Quiet = quiet.HasValue(),
            Include = include.Values.OfType<string>().ToArray(),
            Only = only.Values.OfType<string>().ToArray(),
            Exclude = exclude.Values.OfType<string>().ToArray(),
            NoDefaultIgnore = noDefaultIgnore.HasValue(),
            NoGitIgnore = noGitIgnore.HasValue(),
            Poll = poll.HasValue(),
            PollInterval = pollInterval.Value(),
            RemainingArguments = app.RemainingArguments.ToArray(),
            Services = services.Values.OfType<string>().ToArray(),
            Procfile = procfile.Value(),
            UnexpectedArgument = word => new CommandParsingException(app, $"Unrecognized command or argument '{word}'"),
        };
    }

    /// <summary>Parses the watch options alone (no command run): what tests and tools use to see the arguments.</summary>
    public static WatchArguments Parse(params string[] args)
    {
        using var app = new CommandLineApplication { Name = "watch" };
        var read = Define(app);
        app.Parse(args);
        return read();
    }

    /// <summary>
    /// An option written just before -- took the -- as its value (--port -- uvicorn ...): its value is missing. Null
    /// when no option did.
    /// </summary>
    private static WatchArguments? CheckSeparatorNotTaken(CommandLineApplication app) =>
        app.GetOptions().FirstOrDefault(o => o.Values.Contains("--")) is { } option
            ? throw new UsageException($"Missing value for option '--{option.LongName}' before --. See 'freshserve watch --help'.")
            : null;

    /// <summary>A port number, read here rather than by the parser, which would take the -- of "--port -- cmd" for a bad number.</summary>
    private static int? InRange(CommandOption option, int min, int max, string error)
    {
        if (option.Value() is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            throw new UsageException($"--{option.LongName}: '{text}' is not a number");
        }

        return value >= min && value <= max ? value : throw new UsageException(error);
    }
}
