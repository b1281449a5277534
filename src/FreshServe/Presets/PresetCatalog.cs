using System.Globalization;
using System.Text.Json;
using FreshServe.Processes;

namespace FreshServe.Presets;

/// <summary>The presets, and how each is recognized from the command line the user wraps.</summary>
public static class PresetCatalog
{
    private static readonly Dictionary<string, string> PythonEnvironment = new(StringComparer.Ordinal)
    {
        ["PYTHONDONTWRITEBYTECODE"] = "1",
        ["PYTHONUNBUFFERED"] = "1",
    };

    public static readonly Preset Uvicorn = new()
    {
        Name = "uvicorn",
        DefaultPort = 8000,
        Environment = PythonEnvironment,
        FindPort = (_, env) => PortFromEnv(env, "UVICORN_PORT"),
        FindOwnReloader = (args, _) => args.Contains("--reload")
            ? "uvicorn --reload runs its own reloader next to freshserve's: two reloaders fight (double restarts, a reloader parent that keeps the port). Remove --reload from the command."
            : null,
    };

    public static readonly Preset Flask = new()
    {
        Name = "flask",
        DefaultPort = 5000,
        Environment = PythonEnvironment,
        FindPort = (_, env) => PortFromEnv(env, "FLASK_RUN_PORT"),
        FindOwnReloader = (args, env) =>
            !args.Contains("--no-reload") && (args.Contains("--reload") || args.Contains("--debug") || Get(env, "FLASK_DEBUG") is "1" or "true")
                ? "flask's debug mode runs its own reloader next to freshserve's: two reloaders fight. Add --no-reload to 'flask run' (the debugger stays on)."
                : null,
    };

    public static readonly Preset Django = new()
    {
        Name = "django",
        DefaultPort = 8000,
        Environment = PythonEnvironment,
        FindPort = (args, _) => DjangoPort(args),
        FindOwnReloader = (args, _) => args.Contains("--noreload")
            ? null
            : "django runserver runs its own autoreloader next to freshserve's: two reloaders fight. Add --noreload: python manage.py runserver --noreload",
    };

    public static readonly Preset Gunicorn = new()
    {
        Name = "gunicorn",
        DefaultPort = 8000,
        Environment = PythonEnvironment,
        FindPort = (args, _) => GunicornPort(args),
        FindOwnReloader = (args, _) => args.Contains("--reload")
            ? "gunicorn --reload runs its own reloader next to freshserve's: two reloaders fight. Remove --reload from the command."
            : null,
    };

    public static readonly Preset Node = new()
    {
        Name = "node",
        // The Node habit (Express examples, most hosting): listen on $PORT, also when it is exported in the shell.
        FindPort = (_, env) => PortFromEnv(env, "PORT"),
        FindOwnReloader = (args, _) => args.Contains("--watch")
            ? "node --watch restarts the server itself next to freshserve: two reloaders fight. Remove --watch from the command."
            : null,
    };

    public static readonly Preset Nodemon = Node with
    {
        Name = "nodemon",
        FindOwnReloader = (_, _) =>
            "nodemon is a reloader itself: with freshserve around it, two reloaders fight. Run node directly: freshserve watch -- node server.js",
    };

    public static readonly Preset Vite = new()
    {
        Name = "vite",
        DefaultPort = 5173,
        MovesWhenPortTaken = true,
        // Vite serves source changes itself (HMR): restart only when its config or dependencies change.
        WatchOnly = ["vite.config.*", "package.json", ".env", ".env.*"],
    };

    public static readonly Preset Next = new()
    {
        Name = "next",
        DefaultPort = 3000,
        MovesWhenPortTaken = true,
        FindPort = (_, env) => PortFromEnv(env, "PORT"),
        // next dev compiles and reloads pages itself; it rewrites .next (ignored by default) at every start.
        WatchOnly = ["next.config.*", "package.json", ".env", ".env.*"],
    };

    public static readonly Preset DotnetRun = new()
    {
        Name = "dotnet run",
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_NOLOGO"] = "1" },
    };

    public static readonly Preset DotnetWatch = DotnetRun with
    {
        Name = "dotnet watch",
        FindOwnReloader = (_, _) =>
            "dotnet watch is a reloader itself: with freshserve around it, two reloaders fight. Use dotnet run instead: freshserve watch -- dotnet run",
    };

    public static readonly Preset GoRun = new()
    {
        Name = "go run",
        ShortPIsPort = false,
        FindPort = (_, env) => PortFromEnv(env, "PORT"),
        // On SIGINT go run waits for the program and deletes its build folder; SIGTERM leaves /tmp/go-build* behind.
        StopSignal = StopSignal.Int,
    };

    public static readonly Preset Rails = new()
    {
        Name = "rails",
        DefaultPort = 3000,
        FindPort = (_, env) => PortFromEnv(env, "PORT"),
        // Rails reloads app/ code itself on each request in development; a restart is needed for config, gems and lib.
        WatchOnly = ["config/**", "lib/**/*.rb", "Gemfile", "Gemfile.lock", ".env"],
    };

    public static IReadOnlyList<Preset> All { get; } =
        [Uvicorn, Flask, Django, Gunicorn, Node, Nodemon, Vite, Next, DotnetRun, DotnetWatch, GoRun, Rails];

    /// <summary>A preset by name (for --preset and the config file), or null.</summary>
    public static Preset? Named(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)
                                || string.Equals(p.Name.Replace(' ', '-'), name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Recognizes the dev server in <paramref name="command"/> and its arguments, or returns null.</summary>
    public static PresetMatch? Recognize(string command, IReadOnlyList<string> args, string workingDirectory)
    {
        var name = Path.GetFileNameWithoutExtension(command).ToLowerInvariant();
        var rest = args.ToArray();

        if (name.StartsWith("python", StringComparison.Ordinal))
        {
            if (rest is ["-m", var module, .. var afterModule])
            {
                return module == "django" ? RecognizeDjango(afterModule) : Recognize(module, afterModule, workingDirectory);
            }

            return rest is [var script, .. var afterScript] && Path.GetFileName(script) == "manage.py"
                ? RecognizeDjango(afterScript)
                : null;
        }

        return name switch
        {
            "uvicorn" => new(Uvicorn, rest),
            "flask" => new(Flask, rest),
            "gunicorn" => new(Gunicorn, rest),
            "django-admin" => RecognizeDjango(rest),
            "node" => new(Node, rest),
            "nodemon" => new(Nodemon, rest),
            "vite" => new(Vite, rest),
            "next" => rest is ["dev", ..] ? new(Next, rest[1..]) : null,
            "npx" or "pnpx" or "bunx" => rest.Length > 0 ? Recognize(rest[0], rest[1..], workingDirectory) : null,
            "npm" or "pnpm" or "yarn" or "bun" => RecognizePackageScript(rest, workingDirectory),
            "dotnet" => rest switch
            {
                ["run", ..] => new(DotnetRun with { FindPort = (args, env) => DotnetRunPort(args, env, workingDirectory) }, rest[1..]),
                ["watch", ..] => new(DotnetWatch, rest[1..]),
                _ => null,
            },
            "go" => rest is ["run", ..] ? new(GoRun, rest[1..]) : null,
            "rails" => rest is ["s" or "server", ..] ? new(Rails, rest[1..]) : null,
            "bundle" => rest is ["exec", var tool, .. var after] ? Recognize(tool, after, workingDirectory) : null,
            _ => null,
        };
    }

    private static PresetMatch? RecognizeDjango(string[] args) =>
        args is ["runserver", ..] ? new(Django, args[1..]) : null;

    /// <summary><c>npm run dev</c>: what the script runs decides (vite, nodemon, or plain node).</summary>
    private static PresetMatch? RecognizePackageScript(string[] args, string workingDirectory)
    {
        var scriptName = args switch
        {
            ["run" or "run-script", var named, ..] => named,
            ["start"] or ["start", "--", ..] => "start",
            [var bare, ..] when !bare.StartsWith('-') && bare is not ("install" or "exec" or "x") => bare,
            _ => null,
        };
        if (scriptName is null)
        {
            return null;
        }

        var scriptText = ReadPackageScript(workingDirectory, scriptName) ?? string.Empty;
        var words = scriptText.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var origin = $"the '{scriptName}' script in package.json";
        if (words.Contains("vite"))
        {
            return new(Vite, words.SkipWhile(w => w != "vite").Skip(1).ToArray()) { Origin = origin };
        }

        if (IndexOfPair(words, "next", "dev") is { } next)
        {
            return new(Next, words[(next + 2)..]);
        }

        if (words.Contains("nodemon"))
        {
            return new(Nodemon with
            {
                FindOwnReloader = (_, _) =>
                    $"the '{scriptName}' script runs nodemon, a reloader itself: with freshserve around it, two reloaders fight. Point freshserve at the server directly (e.g. freshserve watch -- node server.js).",
            }, []);
        }

        return new(Node, words.SkipWhile(w => w != "node").Skip(1).ToArray()) { Origin = origin };
    }

    private static int? IndexOfPair(string[] words, string first, string second)
    {
        for (var i = 0; i + 1 < words.Length; i++)
        {
            if (words[i] == first && words[i + 1] == second)
            {
                return i;
            }
        }

        return null;
    }

    private static string? ReadPackageScript(string folder, string scriptName)
    {
        var path = Path.Combine(folder, "package.json");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("scripts", out var scripts)
                   && scripts.ValueKind == JsonValueKind.Object
                   && scripts.TryGetProperty(scriptName, out var script)
                   && script.ValueKind == JsonValueKind.String
                ? script.GetString()
                : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>runserver's address argument: <c>8001</c>, <c>0.0.0.0:8001</c>, <c>[::]:8001</c>.</summary>
    private static Cli.PortDetector.Detection? DjangoPort(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "--settings" or "--pythonpath" or "-v" or "--verbosity")
            {
                // The option's value (--settings mysite.settings) is not the address.
                i++;
            }
            else if (!args[i].StartsWith('-'))
            {
                return Found(args[i][(args[i].LastIndexOf(':') + 1)..], $"'runserver {args[i]}' in the command");
            }
        }

        return null;
    }

    /// <summary>gunicorn's <c>-b/--bind host:port</c> (a unix: socket has no port).</summary>
    private static Cli.PortDetector.Detection? GunicornPort(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var bind = args[i] switch
            {
                "-b" or "--bind" when i + 1 < args.Count => args[i + 1],
                var a when a.StartsWith("--bind=", StringComparison.Ordinal) => a["--bind=".Length..],
                var a when a.StartsWith("-b", StringComparison.Ordinal) && a.Length > 2 => a[2..],
                _ => null,
            };
            if (bind is not null && !bind.StartsWith("unix:", StringComparison.Ordinal))
            {
                var written = args[i] is "-b" or "--bind" ? $"{args[i]} {bind}" : args[i];
                return Found(bind[(bind.LastIndexOf(':') + 1)..], $"'{written}' in the command");
            }
        }

        return null;
    }

    private static Cli.PortDetector.Detection? PortFromEnv(IReadOnlyDictionary<string, string> env, string key) =>
        Found(Get(env, key), $"{key}={Get(env, key)} {(env.ContainsKey(key) ? "in --env" : "in the environment")}");

    private static Cli.PortDetector.Detection? Found(string? text, string source) => TryPort(text) is { } port ? new(port, source) : null;

    /// <summary>
    /// <c>dotnet run</c> gives the app its launch profile's applicationUrl (Properties/launchSettings.json: the profile
    /// named by --launch-profile, else the first one that runs the project) unless --no-launch-profile; otherwise
    /// ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS decide. No default: a console app listens nowhere.
    /// </summary>
    private static Cli.PortDetector.Detection? DotnetRunPort(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env, string workingDirectory)
    {
        if (!args.Contains("--no-launch-profile") && LaunchProfileUrls(args, workingDirectory) is { } profileUrls
            && Cli.PortDetector.Detect(["--urls", profileUrls], new Dictionary<string, string>()) is { } fromProfile)
        {
            return fromProfile with { Source = $"applicationUrl {profileUrls} in Properties/launchSettings.json" };
        }

        if (Get(env, "ASPNETCORE_URLS") is { } urls && Cli.PortDetector.Detect(["--urls", urls], new Dictionary<string, string>()) is { } fromUrls)
        {
            return fromUrls with { Source = $"ASPNETCORE_URLS={urls}" };
        }

        return Get(env, "ASPNETCORE_HTTP_PORTS") is { } ports ? Found(ports.Split(';', ',')[0].Trim(), $"ASPNETCORE_HTTP_PORTS={ports}") : null;
    }

    private static string? LaunchProfileUrls(IReadOnlyList<string> args, string workingDirectory)
    {
        var project = ValueOf(args, "--project") ?? ValueOf(args, "-p");
        var folder = project is null ? workingDirectory : Path.GetFullPath(project, workingDirectory);
        if (!Directory.Exists(folder))
        {
            folder = Path.GetDirectoryName(folder) ?? workingDirectory;
        }

        var wanted = ValueOf(args, "--launch-profile") ?? ValueOf(args, "-lp");
        try
        {
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "Properties", "launchSettings.json")), options);
            if (!doc.RootElement.TryGetProperty("profiles", out var profiles) || profiles.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var profile in profiles.EnumerateObject())
            {
                var runsProject = profile.Value.ValueKind == JsonValueKind.Object
                                  && profile.Value.TryGetProperty("commandName", out var commandName) && commandName.ValueEquals("Project");
                if (wanted is null ? runsProject : profile.Name == wanted)
                {
                    return profile.Value.ValueKind == JsonValueKind.Object && profile.Value.TryGetProperty("applicationUrl", out var url)
                           && url.ValueKind == JsonValueKind.String
                        ? url.GetString()
                        : null;
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ValueOf(IReadOnlyList<string> args, string option)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--")
            {
                return null;
            }

            if (args[i] == option && i + 1 < args.Count)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(option + "=", StringComparison.Ordinal))
            {
                return args[i][(option.Length + 1)..];
            }
        }

        return null;
    }

    private static string? Get(IReadOnlyDictionary<string, string> env, string key) =>
        env.TryGetValue(key, out var value) ? value : System.Environment.GetEnvironmentVariable(key);

    private static int? TryPort(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 ? port : null;
}
