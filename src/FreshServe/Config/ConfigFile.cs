using System.Text;
using System.Text.Json;
using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Processes;

namespace FreshServe.Config;

/// <summary>
/// Reads freshserve.json: the command and every watch option, as camelCase keys. Every mistake (bad JSON, an unknown
/// key, a value of the wrong type or range) is a <see cref="UsageException"/> that names the file, line and column.
/// Three steps: <see cref="ConfigLayout"/> (the shape, and where each thing is), <see cref="ConfigJson"/> (the values'
/// types, source-generated), then the values' meaning, checked here in the file's order.
/// </summary>
public static class ConfigFile
{
    public const string DefaultName = "freshserve.json";

    /// <summary>Keys only a service may hold: where its command runs and what it starts after.</summary>
    private static readonly string[] ServiceOnlyKeys = ["cwd", "dependsOn"];

    /// <summary>The keys a config file may hold at the top level (<see cref="ConfigDocument"/>'s, in its order).</summary>
    public static IReadOnlyList<string> Keys { get; } =
        [.. ConfigJson.Default.ConfigDocument.Properties.Select(p => p.Name).Except(ServiceOnlyKeys)];

    /// <summary>Keys that hold for the whole run (one log, one terminal, one session, one watcher): top level only.</summary>
    public static IReadOnlyList<string> ProjectKeys { get; } =
        ["$schema", "verbose", "quiet", "noInput", "replace", "poll", "pollInterval", "services"];

    /// <summary>The keys a service may hold: every per-server key, plus where its command runs and what it starts after.</summary>
    public static IReadOnlyList<string> ServiceKeys { get; } = [.. Keys.Except(ProjectKeys), .. ServiceOnlyKeys];

    /// <summary>
    /// The config for a run: <paramref name="explicitPath"/> (--config) must exist; otherwise freshserve.json in
    /// <paramref name="folder"/> is used when present. Returns null when there is none.
    /// </summary>
    public static ConfigValues? Find(string? explicitPath, string folder)
    {
        if (explicitPath is not null)
        {
            var full = System.IO.Path.GetFullPath(explicitPath, folder);
            return File.Exists(full)
                ? Load(full)
                : throw new UsageException(Directory.Exists(full)
                    ? $"--config: '{full}' is a folder; give the JSON file (e.g. {System.IO.Path.Combine(full, DefaultName)})"
                    : $"--config: file '{full}' does not exist");
        }

        var implicitPath = System.IO.Path.Combine(folder, DefaultName);
        return File.Exists(implicitPath) ? Load(implicitPath) : null;
    }

    public static ConfigValues Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot read it: {e.Message}");
        }

        var json = bytes.AsSpan(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0);
        var layout = ConfigLayout.Read(path, json);
        var reader = new ValueReader(path, layout);
        ConfigDocument document;
        try
        {
            document = JsonSerializer.Deserialize(json, ConfigJson.Default.ConfigDocument)!;
        }
        catch (JsonException e)
        {
            throw layout.At(e.Path) is { } entry
                ? reader.WrongType(entry)
                : new UsageException($"{path}: line {(e.LineNumber ?? 0) + 1}: {ConfigLayout.Describe(e.Message)}");
        }

        var values = reader.Read(document, service: null);
        ServiceChecks.Check(values);
        return values;
    }

    /// <summary>The values' meaning: each key's value checked and converted in the file's order, the first mistake reported where it was written.</summary>
    private sealed class ValueReader(string path, ConfigLayout layout)
    {
        private static readonly Dictionary<string, Type> Types =
            ConfigJson.Default.ConfigDocument.Properties.ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.Ordinal);

        public ConfigValues Read(ConfigDocument file, string? service)
        {
            var values = new ConfigValues { Path = path };
            var places = new Dictionary<string, ConfigPlace>(StringComparer.Ordinal);
            foreach (var entry in layout.KeysOf(service))
            {
                places[entry.Name] = entry.NamePlace;
                values = entry.Name switch
                {
                    "$schema" => values,
                    "command" => values with { Command = ReadCommand(entry, file.Command) },
                    "watch" => values with { Watch = Set(entry, file.Watch).Items },
                    "port" => values with { Port = ReadInt(entry, file.Port, 1, 65535) },
                    "debounce" => values with { Debounce = ReadDuration(entry, file.Debounce, DurationSetting.Debounce) },
                    "stopSignal" => values with { StopSignal = ReadSignal(entry, file.StopSignal) },
                    "stopTimeout" => values with { StopTimeout = ReadDuration(entry, file.StopTimeout, DurationSetting.StopTimeout) },
                    "portTimeout" => values with { PortTimeout = ReadDuration(entry, file.PortTimeout, DurationSetting.PortTimeout) },
                    "readyUrl" => values with { ReadyUrl = ReadUrl(entry, file.ReadyUrl) },
                    "readyTimeout" => values with { ReadyTimeout = ReadDuration(entry, file.ReadyTimeout, DurationSetting.ReadyTimeout) },
                    "env" => values with { Env = ReadEnv(entry, file.Env) },
                    "verbose" => values with { Verbose = Set(entry, file.Verbose) },
                    "quiet" => values with { Quiet = Set(entry, file.Quiet) },
                    "restartOnCrash" => values with { RestartOnCrash = Set(entry, file.RestartOnCrash) },
                    "stopBeforeStart" => values with { StopBeforeStart = Set(entry, file.StopBeforeStart) },
                    "noInput" => values with { NoInput = Set(entry, file.NoInput) },
                    "cleanBytecode" => values with { CleanBytecode = Set(entry, file.CleanBytecode) },
                    "preset" => values with { Preset = ReadPreset(entry, file.Preset) },
                    "include" => values with { Include = ReadGlobs(entry, file.Include) },
                    "only" => values with { Only = ReadGlobs(entry, file.Only) },
                    "exclude" => values with { Exclude = ReadGlobs(entry, file.Exclude) },
                    "noDefaultIgnore" => values with { NoDefaultIgnore = Set(entry, file.NoDefaultIgnore) },
                    "noGitignore" => values with { NoGitignore = Set(entry, file.NoGitignore) },
                    "poll" => values with { Poll = Set(entry, file.Poll) },
                    "pollInterval" => values with { PollInterval = ReadDuration(entry, file.PollInterval, DurationSetting.PollInterval) },
                    "replace" => values with { Replace = Set(entry, file.Replace) },
                    "proxy" => values with { Proxy = ReadInt(entry, file.Proxy, 1, 65535) },
                    "proxyHost" => values with { ProxyHost = ReadProxyHost(entry, file.ProxyHost) },
                    "keepCacheHeaders" => values with { KeepCacheHeaders = Set(entry, file.KeepCacheHeaders) },
                    "noLiveReload" => values with { NoLiveReload = Set(entry, file.NoLiveReload) },
                    "cwd" => values with { Cwd = ReadFolder(entry, file.Cwd) },
                    "dependsOn" => values with { DependsOn = ReadDependsOn(entry, file.DependsOn, places) },
                    "services" => values with { Services = ReadServices(entry, file.Services) },
                    _ => throw new InvalidOperationException(entry.Name),
                };
            }

            return values with { Places = places };
        }

        /// <summary>The error for a value of the wrong JSON type (or null) at <paramref name="entry"/>.</summary>
        public UsageException WrongType(LayoutEntry entry) => Error(entry, entry.Role switch
        {
            LayoutRole.Service => $"service '{entry.Name}' must be an object, like {{ \"command\": \"uvicorn app:app\" }}",
            LayoutRole.EnvVariable => $"'env.{entry.Name}' must be a string (write numbers in quotes)",
            _ => $"'{entry.Name}' {MustBe(entry.Name)}",
        });

        /// <summary>What a key's value must be, from its type in <see cref="ConfigDocument"/>.</summary>
        private static string MustBe(string key) => key switch
        {
            "dependsOn" => "must be a service name or an array of them",
            "services" => "must be an object of named services, like { \"api\": { \"command\": \"uvicorn app:app\" } }",
            "env" => "must be an object of names and string values, like { \"DEBUG\": \"1\" }",
            _ when Types[key] == typeof(bool?) => "must be true or false",
            _ when Types[key] == typeof(int?) => "must be a whole number",
            _ when Types[key] == typeof(ConfigStrings) => "must be a string or an array of strings",
            _ when Types[key] == typeof(ConfigDuration?) =>
                $"must be a duration with a unit, like \"{Duration.Write(DurationSetting.All.Single(s => s.Key == key).Default)}\"",
            _ => "must be a string",
        };

        /// <summary>A value the file set: JSON's null is not a value of any key.</summary>
        private T Set<T>(LayoutEntry entry, T? value) where T : class => value ?? throw WrongType(entry);

        private T Set<T>(LayoutEntry entry, T? value) where T : struct => value ?? throw WrongType(entry);

        private List<ServiceValues> ReadServices(LayoutEntry entry, Dictionary<string, ConfigDocument>? documents)
        {
            var services = Set(entry, documents);
            return [.. layout.Entries.Where(e => e.Role == LayoutRole.Service).Select(e =>
                new ServiceValues(e.Name, e.NamePlace, Read(services[e.Name], e.Name)))];
        }

        private Dictionary<string, string> ReadEnv(LayoutEntry entry, Dictionary<string, string>? value)
        {
            var env = Set(entry, value);

            // A null in a dictionary of non-null strings is let through by the deserializer.
            return layout.Entries.FirstOrDefault(e => e.Role == LayoutRole.EnvVariable && e.Service == entry.Service && env[e.Name] is null) is { } unset
                ? throw WrongType(unset)
                : env;
        }

        private string ReadFolder(LayoutEntry entry, string? value) =>
            Set(entry, value) is { Length: > 0 } text ? text : throw Error(entry, $"'{entry.Name}' is empty; give a folder relative to this file, like \"api\"");

        private List<string> ReadDependsOn(LayoutEntry entry, ConfigStrings? value, Dictionary<string, ConfigPlace> places)
        {
            var names = Set(entry, value).Items.ToList();
            var dependencies = layout.Entries.Where(e => e.Role == LayoutRole.Dependency && e.Service == entry.Service).ToList();
            for (var i = 0; i < dependencies.Count; i++)
            {
                places[$"{entry.Name}[{i}]"] = dependencies[i].ValuePlace;
            }

            return names;
        }

        private IReadOnlyList<string> ReadGlobs(LayoutEntry entry, ConfigStrings? value)
        {
            var globs = Set(entry, value).Items;
            return globs.Select(Watching.Globs.Problem).FirstOrDefault(p => p is not null) is { } problem
                ? throw Error(entry, $"'{entry.Name}': {problem}")
                : globs;
        }

        private string ReadPreset(LayoutEntry entry, string? value)
        {
            var text = Set(entry, value);
            if (text.Equals("none", StringComparison.OrdinalIgnoreCase) || Presets.PresetCatalog.Named(text) is not null)
            {
                return text;
            }

            var names = Presets.PresetCatalog.All.Select(p => p.Name.Replace(' ', '-')).Append("none").ToList();
            var suggestion = Suggestions.Closest(text, names);
            throw Error(entry, $"'{entry.Name}': unknown preset '{text}'." + (suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")
                + $" Presets: {string.Join(", ", names)}");
        }

        private string ReadProxyHost(LayoutEntry entry, string? value)
        {
            var text = Set(entry, value);
            return Proxy.ProxyHost.IsValid(text) ? text : throw Error(entry, $"'{entry.Name}': '{text}' is not {Proxy.ProxyHost.Accepted}");
        }

        private IReadOnlyList<string> ReadCommand(LayoutEntry entry, ConfigStrings? value)
        {
            var command = Set(entry, value);

            // A string is split on spaces; an array keeps arguments that contain spaces intact.
            var items = command.WasString ? command.Items[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) : command.Items;
            return items.Count > 0 ? items : throw Error(entry, $"'{entry.Name}' is empty; give the server command, like [\"uvicorn\", \"web_app:app\"]");
        }

        private int ReadInt(LayoutEntry entry, int? value, int min, int max)
        {
            var number = Set(entry, value);
            return number >= min && number <= max ? number : throw Error(entry, $"'{entry.Name}' must be between {min} and {max}");
        }

        /// <summary>
        /// A duration is a string with a unit, as on the command line ("50ms", "5s"). A bare JSON number is read the
        /// same way as a bare number there: 0 is zero, any other is refused with the unit it most likely meant.
        /// </summary>
        private TimeSpan ReadDuration(LayoutEntry entry, ConfigDuration? value, DurationSetting setting) =>
            setting.Check(Set(entry, value).Text, quote: "\"", out var duration) is { } problem
                ? throw Error(entry, $"'{setting.Key}': {problem}")
                : duration;

        private string ReadSignal(LayoutEntry entry, string? value)
        {
            var text = Set(entry, value);
            try
            {
                StopSignals.Parse(text);
                return text;
            }
            catch (UsageException e)
            {
                throw Error(entry, $"'{entry.Name}'{e.Message["--stop-signal".Length..]}");
            }
        }

        private string ReadUrl(LayoutEntry entry, string? value)
        {
            var text = Set(entry, value);
            return ReadyUrls.TryParse(text, out _) ? text : throw Error(entry, $"'{entry.Name}': '{text}' is not an http:// or https:// URL");
        }

        private UsageException Error(LayoutEntry entry, string message) => new(entry.ValuePlace.Error(path, message));
    }
}
