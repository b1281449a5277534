using System.Text;
using System.Text.Json;
using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Processes;

namespace FreshServe.Config;

/// <summary>
/// Reads freshserve.json: the command and every watch option, as camelCase keys. Every mistake (bad JSON, an unknown
/// key, a value of the wrong type or range) is a <see cref="UsageException"/> that names the file, line and column.
/// </summary>
public static class ConfigFile
{
    public const string DefaultName = "freshserve.json";

    /// <summary>The keys a config file may hold, each with the command-line option it stands for.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "$schema", "command", "watch", "port", "debounce", "stopSignal", "stopTimeout", "portTimeout", "readyUrl",
        "readyTimeout", "env", "verbose", "quiet", "restartOnCrash", "stopBeforeStart", "noInput", "cleanBytecode", "preset", "include",
        "only", "exclude", "noDefaultIgnore", "noGitignore", "poll", "pollInterval", "replace", "proxy", "proxyHost",
        "keepCacheHeaders", "noLiveReload", "services",
    ];

    /// <summary>Keys that hold for the whole run (one log, one terminal, one session, one watcher): top level only.</summary>
    public static IReadOnlyList<string> ProjectKeys { get; } =
        ["$schema", "verbose", "quiet", "noInput", "replace", "poll", "pollInterval", "services"];

    /// <summary>The keys a service may hold: every per-server key, plus where its command runs and what it starts after.</summary>
    public static IReadOnlyList<string> ServiceKeys { get; } = [.. Keys.Except(ProjectKeys), "cwd", "dependsOn"];

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

        try
        {
            return new Parser(path, bytes).Parse();
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            throw new UsageException($"{path}: line {line}, column {column}: not valid JSON: {Describe(e.Message)}");
        }
    }

    /// <summary>
    /// The parser's reason in words. This build trims resource strings (UseSystemResourceKeys), so the message may be
    /// a bare key such as "ExpectedSeparatorAfterPropertyNameNotFound, ..." that is turned into lower-case words.
    /// </summary>
    internal static string Describe(string message)
    {
        var cut = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        var head = (cut > 0 ? message[..cut] : message).Trim();
        var keyEnd = head.IndexOfAny([',', ' ']);
        var key = keyEnd > 0 ? head[..keyEnd] : head;
        if (FriendlyReasons.TryGetValue(key, out var friendly))
        {
            return friendly;
        }

        if (head.Contains(' ', StringComparison.Ordinal) && keyEnd > 0 && head[keyEnd] == ' ')
        {
            return head.TrimEnd('.');
        }

        head = key;
        var words = new StringBuilder();
        foreach (var c in head)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    private static readonly Dictionary<string, string> FriendlyReasons = new(StringComparer.Ordinal)
    {
        ["FoundInvalidCharacter"] = "unexpected character (a missing comma between entries?)",
        ["ExpectedStartOfPropertyNotFound"] = "expected a key in double quotes (a trailing or doubled comma, or an unquoted key?)",
        ["ExpectedStartOfPropertyOrValueNotFound"] = "expected a key or a value",
        ["ExpectedStartOfValueNotFound"] = "expected a value",
        ["ExpectedSeparatorAfterPropertyNameNotFound"] = "expected ':' after the key",
        ["ExpectedEndOfDigitNotFound"] = "a number is cut short (is the file complete?)",
        ["ExpectedEndAfterSingleJson"] = "more content after the closing '}'",
        ["EndOfStringNotFound"] = "a string is not closed with '\"'",
        ["ZeroDepthAtEnd"] = "the file ends before the closing '}'",
        ["ExpectedJsonTokens"] = "the file is empty",
        ["MismatchedObjectArray"] = "a ']' or '}' does not match its opening bracket",
        ["InvalidCharacterWithinString"] = "a control character inside a string (write newlines as \\n)",
    };

    private ref struct Parser
    {
        private readonly string _path;
        private readonly byte[] _bytes;
        private readonly int _start;
        private Utf8JsonReader _reader;

        public Parser(string path, byte[] bytes)
        {
            _path = path;
            _bytes = bytes;
            _start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
            _reader = new Utf8JsonReader(bytes.AsSpan(_start), new JsonReaderOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }

        public ConfigValues Parse()
        {
            Read();
            if (_reader.TokenType != JsonTokenType.StartObject)
            {
                throw Error("the file must hold one JSON object, like { \"command\": [\"uvicorn\", \"web_app:app\"] }");
            }

            var values = ParseObject(service: null);
            if (Read())
            {
                throw Error("unexpected content after the JSON object");
            }

            ServiceChecks.Check(values);
            return values;
        }

        /// <summary>The keys of the top level (<paramref name="service"/> null) or of one service, up to its closing '}'.</summary>
        private ConfigValues ParseObject(string? service)
        {
            var values = new ConfigValues { Path = _path };
            var places = new Dictionary<string, ConfigPlace>(StringComparer.Ordinal);
            while (Read() && _reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = _reader.GetString()!;
                CheckKey(key, service);
                if (!places.TryAdd(key, Place(service is null ? key : $"services.{service}.{key}")))
                {
                    throw Error($"'{key}' is set twice");
                }

                Read();
                values = key switch
                {
                    "$schema" => Skip(values),
                    "command" => values with { Command = ReadCommand(key) },
                    "watch" => values with { Watch = ReadStrings(key) },
                    "port" => values with { Port = ReadInt(key, 1, 65535) },
                    "debounce" => values with { Debounce = ReadDuration(DurationSetting.Debounce) },
                    "stopSignal" => values with { StopSignal = ReadSignal(key) },
                    "stopTimeout" => values with { StopTimeout = ReadDuration(DurationSetting.StopTimeout) },
                    "portTimeout" => values with { PortTimeout = ReadDuration(DurationSetting.PortTimeout) },
                    "readyUrl" => values with { ReadyUrl = ReadUrl(key) },
                    "readyTimeout" => values with { ReadyTimeout = ReadDuration(DurationSetting.ReadyTimeout) },
                    "env" => values with { Env = ReadEnv(key) },
                    "verbose" => values with { Verbose = ReadBool(key) },
                    "quiet" => values with { Quiet = ReadBool(key) },
                    "restartOnCrash" => values with { RestartOnCrash = ReadBool(key) },
                    "stopBeforeStart" => values with { StopBeforeStart = ReadBool(key) },
                    "noInput" => values with { NoInput = ReadBool(key) },
                    "cleanBytecode" => values with { CleanBytecode = ReadBool(key) },
                    "preset" => values with { Preset = ReadPreset(key) },
                    "include" => values with { Include = ReadGlobs(key) },
                    "only" => values with { Only = ReadGlobs(key) },
                    "exclude" => values with { Exclude = ReadGlobs(key) },
                    "noDefaultIgnore" => values with { NoDefaultIgnore = ReadBool(key) },
                    "noGitignore" => values with { NoGitignore = ReadBool(key) },
                    "poll" => values with { Poll = ReadBool(key) },
                    "pollInterval" => values with { PollInterval = ReadDuration(DurationSetting.PollInterval) },
                    "replace" => values with { Replace = ReadBool(key) },
                    "proxy" => values with { Proxy = ReadInt(key, 1, 65535) },
                    "proxyHost" => values with { ProxyHost = ReadProxyHost(key) },
                    "keepCacheHeaders" => values with { KeepCacheHeaders = ReadBool(key) },
                    "noLiveReload" => values with { NoLiveReload = ReadBool(key) },
                    "cwd" => values with { Cwd = ReadFolder(key) },
                    "dependsOn" => values with { DependsOn = ReadDependsOn(key, service!, places) },
                    "services" => values with { Services = ReadServices(key) },
                    _ => throw new InvalidOperationException(key),
                };
            }

            return values with { Places = places };
        }

        private void CheckKey(string key, string? service)
        {
            var allowed = service is null ? Keys : ServiceKeys;
            if (allowed.Contains(key))
            {
                return;
            }

            if (service is null && ServiceKeys.Contains(key))
            {
                throw Error($"'{key}' belongs in a service: write it inside \"services\": {{ \"NAME\": {{ ... }} }}");
            }

            if (service is not null && Keys.Contains(key))
            {
                throw Error($"'{key}' holds for the whole run, not one service: set it at the top level, outside \"services\"");
            }

            var shown = allowed.Where(k => k != "$schema").ToList();
            var suggestion = Suggestions.Closest(key, shown);
            throw Error(suggestion is null
                ? $"unknown key '{key}'; the keys{(service is null ? string.Empty : " of a service")} are: {string.Join(", ", shown)}"
                : $"unknown key '{key}'; did you mean '{suggestion}'?");
        }

        private List<ServiceValues> ReadServices(string key)
        {
            if (_reader.TokenType != JsonTokenType.StartObject)
            {
                throw Error($"'{key}' must be an object of named services, like {{ \"api\": {{ \"command\": \"uvicorn app:app\" }} }}");
            }

            var services = new List<ServiceValues>();
            while (Read() && _reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = _reader.GetString()!;
                var place = Place($"services.{name}");
                if (!ServiceValues.IsValidName(name))
                {
                    throw Error($"'{name}' is not a service name: use letters, digits, '-' and '_'");
                }

                if (services.Any(s => s.Name == name))
                {
                    throw Error($"service '{name}' is defined twice");
                }

                Read();
                if (_reader.TokenType != JsonTokenType.StartObject)
                {
                    throw Error($"service '{name}' must be an object, like {{ \"command\": \"uvicorn app:app\" }}");
                }

                services.Add(new ServiceValues(name, place, ParseObject(name)));
            }

            return services;
        }

        private string ReadFolder(string key)
        {
            var text = ReadString(key);
            return text.Length > 0 ? text : throw Error($"'{key}' is empty; give a folder relative to this file, like \"api\"");
        }

        private List<string> ReadDependsOn(string key, string service, Dictionary<string, ConfigPlace> places)
        {
            var names = new List<string>();
            if (_reader.TokenType != JsonTokenType.StartArray)
            {
                AddDependency(key, service, places, names);
                return names;
            }

            while (Read() && _reader.TokenType != JsonTokenType.EndArray)
            {
                AddDependency(key, service, places, names);
            }

            return names;
        }

        private void AddDependency(string key, string service, Dictionary<string, ConfigPlace> places, List<string> names)
        {
            if (_reader.TokenType != JsonTokenType.String)
            {
                throw Error($"'{key}' must be a service name or an array of them");
            }

            places[$"{key}[{names.Count}]"] = Place($"services.{service}.{key}");
            names.Add(_reader.GetString()!);
        }

        private bool Read() => _reader.Read();

        private ConfigValues Skip(ConfigValues values)
        {
            _reader.Skip();
            return values;
        }

        private string ReadString(string key) =>
            _reader.TokenType == JsonTokenType.String ? _reader.GetString()! : throw Error($"'{key}' must be a string");

        private IReadOnlyList<string> ReadStrings(string key)
        {
            if (_reader.TokenType == JsonTokenType.String)
            {
                return [_reader.GetString()!];
            }

            if (_reader.TokenType != JsonTokenType.StartArray)
            {
                throw Error($"'{key}' must be a string or an array of strings");
            }

            var items = new List<string>();
            while (Read() && _reader.TokenType != JsonTokenType.EndArray)
            {
                items.Add(_reader.TokenType == JsonTokenType.String
                    ? _reader.GetString()!
                    : throw Error($"'{key}' must be an array of strings"));
            }

            return items;
        }

        private IReadOnlyList<string> ReadGlobs(string key)
        {
            var globs = ReadStrings(key);
            return globs.Select(Watching.Globs.Problem).FirstOrDefault(p => p is not null) is { } problem
                ? throw Error($"'{key}': {problem}")
                : globs;
        }

        private string ReadPreset(string key)
        {
            var text = ReadString(key);
            if (text.Equals("none", StringComparison.OrdinalIgnoreCase) || Presets.PresetCatalog.Named(text) is not null)
            {
                return text;
            }

            var names = Presets.PresetCatalog.All.Select(p => p.Name.Replace(' ', '-')).Append("none").ToList();
            var suggestion = Suggestions.Closest(text, names);
            throw Error($"'{key}': unknown preset '{text}'." + (suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")
                + $" Presets: {string.Join(", ", names)}");
        }

        private string ReadProxyHost(string key)
        {
            var text = ReadString(key);
            return Proxy.ProxyHost.IsValid(text) ? text : throw Error($"'{key}': '{text}' is not {Proxy.ProxyHost.Accepted}");
        }

        private IReadOnlyList<string> ReadCommand(string key)
        {
            var isString = _reader.TokenType == JsonTokenType.String;
            var items = ReadStrings(key);
            if (isString)
            {
                // A string is split on spaces; an array keeps arguments that contain spaces intact.
                items = items[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }

            return items.Count > 0 ? items : throw Error($"'{key}' is empty; give the server command, like [\"uvicorn\", \"web_app:app\"]");
        }

        private int ReadInt(string key, int min, int max)
        {
            if (_reader.TokenType != JsonTokenType.Number || !_reader.TryGetInt32(out var value))
            {
                throw Error($"'{key}' must be a whole number");
            }

            return value >= min && value <= max ? value : throw Error($"'{key}' must be between {min} and {max}");
        }

        private bool ReadBool(string key) => _reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw Error($"'{key}' must be true or false"),
        };

        /// <summary>
        /// A duration is a string with a unit, as on the command line ("50ms", "5s"). A bare JSON number is read the
        /// same way as a bare number there: 0 is zero, any other is refused with the unit it most likely meant.
        /// </summary>
        private TimeSpan ReadDuration(DurationSetting setting)
        {
            var text = _reader.TokenType switch
            {
                JsonTokenType.String => _reader.GetString()!,
                JsonTokenType.Number => Encoding.UTF8.GetString(_reader.ValueSpan),
                _ => throw Error($"'{setting.Key}' must be a duration with a unit, like \"{Duration.Write(setting.Default)}\""),
            };
            return setting.Check(text, quote: "\"", out var value) is { } problem ? throw Error($"'{setting.Key}': {problem}") : value;
        }

        private string ReadSignal(string key)
        {
            var text = ReadString(key);
            try
            {
                StopSignals.Parse(text);
                return text;
            }
            catch (UsageException e)
            {
                throw Error($"'{key}'{e.Message["--stop-signal".Length..]}");
            }
        }

        private string ReadUrl(string key)
        {
            var text = ReadString(key);
            return ReadyUrls.TryParse(text, out _) ? text : throw Error($"'{key}': '{text}' is not an http:// or https:// URL");
        }

        private Dictionary<string, string> ReadEnv(string key)
        {
            if (_reader.TokenType != JsonTokenType.StartObject)
            {
                throw Error($"'{key}' must be an object of names and string values, like {{ \"DEBUG\": \"1\" }}");
            }

            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            while (Read() && _reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = _reader.GetString()!;
                if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
                {
                    throw Error($"'{key}': '{name}' is not a variable name (it must not be empty or contain '=')");
                }

                Read();
                env[name] = _reader.TokenType == JsonTokenType.String
                    ? _reader.GetString()!
                    : throw Error($"'{key}.{name}' must be a string (write numbers in quotes)");
            }

            return env;
        }

        private UsageException Error(string message) => new(Place(string.Empty).Error(_path, message));

        /// <summary>The line and column of the current token (its first byte), for <paramref name="name"/>.</summary>
        private ConfigPlace Place(string name)
        {
            var offset = _start + (int)_reader.TokenStartIndex;
            var line = 1;
            var lineStart = _start;
            for (var i = 0; i < offset && i < _bytes.Length; i++)
            {
                if (_bytes[i] == (byte)'\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }

            return new ConfigPlace(name, line, offset - lineStart + 1);
        }
    }
}
