using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;
using Microsoft.Extensions.Logging;

namespace FreshServe.Services;

/// <summary>What <see cref="ProjectResolver"/> found: the plan, and each service's <see cref="ResolvedWatch"/> in the plan's order.</summary>
/// <param name="Source">The file the services came from: freshserve.json or the Procfile.</param>
/// <param name="ConfigPath">The freshserve.json read, if any (with a Procfile, it gives the defaults).</param>
public sealed record ResolvedProject(ProjectPlan Plan, IReadOnlyList<ResolvedWatch> Services, LogLevel LogLevel, string Source, string? ConfigPath);

/// <summary>
/// Resolves <c>freshserve watch [NAME...]</c> into the services to run, when the project has several: freshserve.json's
/// <c>services</c>, else a Procfile (--procfile, or ./Procfile when there is no command and no freshserve.json command).
/// Each service is resolved by <see cref="WatchResolver"/> with the usual order (command line, environment, file,
/// preset, defaults), its own keys over the top level's, its <c>cwd</c> as working folder and the config file's folder
/// for relative paths. Pure apart from reading files: it starts nothing.
/// </summary>
public static class ProjectResolver
{
    /// <summary>
    /// Command-line options that are about one server: with several services they belong in each service's entry.
    /// </summary>
    private static readonly (string Option, string Key, Func<WatchArguments, bool> Given)[] OneServerOptions =
    [
        ("--port", "port", a => a.Port is not null),
        ("--proxy", "proxy", a => a.Proxy is not null),
        ("--proxy-host", "proxyHost", a => a.ProxyHost is not null),
        ("--keep-cache-headers", "keepCacheHeaders", a => a.KeepCacheHeaders),
        ("--no-live-reload", "noLiveReload", a => a.NoLiveReload),
        ("--ready-url", "readyUrl", a => a.ReadyUrl is not null),
        ("--watch", "watch", a => a.Watch.Count > 0),
        ("--preset", "preset", a => a.Preset is not null),
    ];

    /// <summary>With the config file and Procfile found from <paramref name="currentDirectory"/> and this process's environment.</summary>
    public static ResolvedProject? Resolve(WatchArguments args, string currentDirectory, bool stdinIsTerminal = false) =>
        Resolve(args, ConfigFile.Find(args.Config, currentDirectory), Environment.GetEnvironmentVariable, currentDirectory, stdinIsTerminal);

    /// <summary>The project's services; null when it has none, and <c>freshserve watch</c> runs one server as it always has.</summary>
    public static ResolvedProject? Resolve(WatchArguments args, ConfigValues? file, Func<string, string?> environment, string currentDirectory,
        bool stdinIsTerminal)
    {
        var (services, defaults, source) = FindServices(args, file, environment, currentDirectory);
        if (services is null)
        {
            if (args.Services.Count > 0)
            {
                throw args.UnexpectedArgument(args.Services[0]);
            }

            return null;
        }

        var names = services.Select(s => s.Name).ToList();
        if (args.RemainingArguments.Count > 0)
        {
            throw new UsageException($"{source} defines services ({string.Join(", ", names)}), so a command after -- has no place: "
                + "run them with 'freshserve watch', or some with 'freshserve watch NAME...'; or put the command in a service");
        }

        foreach (var (option, key, given) in OneServerOptions)
        {
            if (given(args))
            {
                throw new UsageException($"{option} is about one server, and {source} defines services ({string.Join(", ", names)}): set '{key}' in a service");
            }
        }

        foreach (var name in args.Services)
        {
            if (!names.Contains(name))
            {
                var suggestion = Suggestions.Closest(name, names);
                throw new UsageException($"unknown service '{name}'" + (suggestion is null ? "." : $"; did you mean '{suggestion}'?")
                    + $" The services in {source} are: {string.Join(", ", names)}");
            }
        }

        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var order = ServiceOrder.DependenciesFirst(names, args.Services.Count > 0 ? args.Services : names, ServiceChecks.DependsOn(services));
        var resolved = new List<(ServiceValues Service, ConfigValues Merged, ResolvedWatch Watch)>();
        foreach (var name in order)
        {
            var service = byName[name];
            var merged = service.Values.Over(defaults);
            var folder = Path.GetDirectoryName(merged.Path)!;
            var cwd = Path.TrimEndingDirectorySeparator(Path.GetFullPath(merged.Cwd ?? ".", folder));
            if (!Directory.Exists(cwd))
            {
                throw new UsageException(merged.ErrorAt("cwd", File.Exists(cwd)
                    ? $"'cwd': '{cwd}' is a file; give the folder the service runs in"
                    : $"'cwd': folder '{cwd}' does not exist"));
            }

            resolved.Add((service, merged, WatchResolver.Resolve(args with { Services = [] }, merged, environment, cwd, stdinIsTerminal)));
        }

        CheckPorts(resolved);
        var plan = new ProjectPlan(
            [.. resolved.Select(r => new ServicePlan(r.Service.Name, r.Service.Values.DependsOn ?? [], r.Watch.Settings))],
            source);
        return new ResolvedProject(plan, [.. resolved.Select(r => r.Watch)], resolved[0].Watch.LogLevel, source, file?.Path);
    }

    /// <summary>
    /// The services and the defaults they are laid over: freshserve.json's services; else, when nothing gives one
    /// server's command (no command after --, none in freshserve.json), the Procfile's lines.
    /// </summary>
    private static (IReadOnlyList<ServiceValues>? Services, ConfigValues Defaults, string Source) FindServices(WatchArguments args,
        ConfigValues? file, Func<string, string?> environment, string currentDirectory)
    {
        if (file?.Services is { } services)
        {
            return args.Procfile is null
                ? (services, file, file.Path)
                : throw new UsageException($"--procfile cannot be used with the services of {file.Path}: run one or the other");
        }

        if (args.Procfile is not null && (args.RemainingArguments.Count > 0 || file?.Command is not null))
        {
            throw new UsageException(args.RemainingArguments.Count > 0
                ? "--procfile runs the Procfile's services; it cannot be used with a command after --"
                : $"--procfile runs the Procfile's services; it cannot be used with the 'command' of {file!.Path}");
        }

        if (args.RemainingArguments.Count > 0 || file?.Command is not null)
        {
            return (null, file!, string.Empty);
        }

        if (Procfile.Find(args.Procfile, currentDirectory) is not { } procfile)
        {
            return (null, file!, string.Empty);
        }

        return (Procfile.Load(procfile, environment), file ?? new ConfigValues { Path = procfile }, procfile);
    }

    /// <summary>Two services on one port (their own, or their proxy's) could never both be ready: named where each was set.</summary>
    private static void CheckPorts(IReadOnlyList<(ServiceValues Service, ConfigValues Merged, ResolvedWatch Watch)> resolved)
    {
        var claimed = new Dictionary<int, (string Service, string Source)>();
        foreach (var (service, merged, watch) in resolved)
        {
            var settings = watch.Settings;
            var claims = new List<(int Port, string Key)>();
            if (settings.Port is { } port)
            {
                claims.Add((port, "port"));
            }

            if (settings.Proxy is { } proxy)
            {
                claims.Add((proxy.Port, "proxy"));
            }

            foreach (var (number, key) in claims)
            {
                var origin = watch.OriginOf(key);
                var said = origin.Kind == OriginKind.ConfigFile ? $"'{origin.Name}' in {Path.GetFileName(origin.File)}" : origin.Name;
                var source = key == "proxy" ? $"its proxy ({said})" : said;
                if (claimed.TryGetValue(number, out var first))
                {
                    var message = $"services '{first.Service}' and '{service.Name}' both use port {number} ({first.Service}: {first.Source}; "
                        + $"{service.Name}: {source}); give each its own port";
                    throw new UsageException(origin.Kind == OriginKind.ConfigFile
                        ? merged.ErrorAt(key, message)
                        : merged.ErrorAt("command", message));
                }

                claimed[number] = (service.Name, source);
            }
        }
    }
}
