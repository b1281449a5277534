using System.Text;
using System.Text.Json;
using FreshServe.Cli;
using FreshServe.Common;

namespace FreshServe.Config;

/// <summary>What a <see cref="ConfigLayout"/> entry is: a key, a service's name, a variable of env, or a name in dependsOn.</summary>
internal enum LayoutRole
{
    Key,
    Service,
    EnvVariable,
    Dependency,
}

/// <summary>
/// One thing written in the file, in the file's order. <paramref name="Path"/> is System.Text.Json's path to its value
/// (<c>$.services.api.port</c>), so that an error of the deserializer can be placed; <paramref name="Service"/> is
/// the service it belongs to, null at the top level.
/// </summary>
internal sealed record LayoutEntry(LayoutRole Role, string? Service, string Name, string Path, ConfigPlace NamePlace, ConfigPlace ValuePlace);

/// <summary>
/// Where each thing in freshserve.json was written, and whether the file's shape is right: valid JSON, one object, known
/// keys in the right place (top level or a service), nothing set twice, valid service and variable names. The values'
/// types are then read by <see cref="ConfigJson"/>; a token's position is what a reader knows and a deserializer does not.
/// </summary>
internal sealed class ConfigLayout
{
    private ConfigLayout(IReadOnlyList<LayoutEntry> entries) => Entries = entries;

    /// <summary>Everything the file holds, in the order it was written.</summary>
    public IReadOnlyList<LayoutEntry> Entries { get; }

    /// <summary>The keys of the top level (<paramref name="service"/> null) or of one service, in the file's order.</summary>
    public IEnumerable<LayoutEntry> KeysOf(string? service) =>
        Entries.Where(e => e.Role == LayoutRole.Key && e.Service == service);

    /// <summary>
    /// The key, service or variable a deserializer's error <paramref name="path"/> points at (or the closest one that
    /// holds it). A name in dependsOn is never one: its converter fails for dependsOn as a whole.
    /// </summary>
    public LayoutEntry? At(string? path)
    {
        for (var candidate = path; !string.IsNullOrEmpty(candidate); candidate = Parent(candidate))
        {
            if (Entries.FirstOrDefault(e => e.Path == candidate && e.Role != LayoutRole.Dependency) is { } entry)
            {
                return entry;
            }
        }

        return null;
    }

    public static ConfigLayout Read(string path, ReadOnlySpan<byte> json)
    {
        var scanner = new Scanner(path, json);
        try
        {
            return new ConfigLayout(scanner.Scan());
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            throw new UsageException($"{path}: line {line}, column {column}: not valid JSON: {Describe(e.Message)}");
        }
    }

    /// <summary>
    /// The JSON reader's reason in words. This build trims resource strings (UseSystemResourceKeys), so the message may be
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

    /// <summary>System.Text.Json's path to <paramref name="name"/> under <paramref name="parent"/>: <c>.name</c>, or <c>['name']</c> for a name with a special character.</summary>
    internal static string Child(string parent, string name) =>
        name.AsSpan().IndexOfAny(". '/\"[]()\t\n\r\f\b\\\u0085\u2028\u2029") >= 0 ? $"{parent}['{name}']" : $"{parent}.{name}";

    private static string Parent(string path)
    {
        var cut = path.EndsWith("']", StringComparison.Ordinal) ? path.LastIndexOf("['", StringComparison.Ordinal) : path.LastIndexOfAny(['.', '[']);
        return cut > 0 ? path[..cut] : string.Empty;
    }

    private ref struct Scanner
    {
        private readonly string _path;
        private readonly ReadOnlySpan<byte> _json;
        private readonly List<LayoutEntry> _entries = [];
        private Utf8JsonReader _reader;

        public Scanner(string path, ReadOnlySpan<byte> json)
        {
            _path = path;
            _json = json;
            _reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }

        public List<LayoutEntry> Scan()
        {
            _reader.Read();
            if (_reader.TokenType != JsonTokenType.StartObject)
            {
                throw Error("the file must hold one JSON object, like { \"command\": [\"uvicorn\", \"web_app:app\"] }");
            }

            ScanKeys(service: null, "$");
            if (_reader.Read())
            {
                throw Error("unexpected content after the JSON object");
            }

            return _entries;
        }

        /// <summary>The keys of the top level (<paramref name="service"/> null) or of one service, up to its closing '}'.</summary>
        private void ScanKeys(string? service, string objectPath)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (_reader.Read() && _reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = _reader.GetString()!;
                CheckKey(key, service);
                var namePlace = Place(service is null ? key : $"services.{service}.{key}");
                if (!seen.Add(key))
                {
                    throw Error($"'{key}' is set twice");
                }

                _reader.Read();
                var path = Child(objectPath, key);
                _entries.Add(new LayoutEntry(LayoutRole.Key, service, key, path, namePlace, Place(namePlace.Name)));
                switch (key, _reader.TokenType)
                {
                    case ("services", JsonTokenType.StartObject):
                        ScanServices(path);
                        break;
                    case ("env", JsonTokenType.StartObject):
                        ScanEnv(service, path);
                        break;
                    case ("dependsOn", JsonTokenType.String):
                        AddDependency(service!, path, 0);
                        break;
                    case ("dependsOn", JsonTokenType.StartArray):
                        for (var i = 0; _reader.Read() && _reader.TokenType != JsonTokenType.EndArray; i++)
                        {
                            AddDependency(service!, path, i);
                        }

                        break;
                    default:
                        _reader.Skip();
                        break;
                }
            }
        }

        private void CheckKey(string key, string? service)
        {
            var allowed = service is null ? ConfigFile.Keys : ConfigFile.ServiceKeys;
            if (allowed.Contains(key))
            {
                return;
            }

            if (service is null && ConfigFile.ServiceKeys.Contains(key))
            {
                throw Error($"'{key}' belongs in a service: write it inside \"services\": {{ \"NAME\": {{ ... }} }}");
            }

            if (service is not null && ConfigFile.Keys.Contains(key))
            {
                throw Error($"'{key}' holds for the whole run, not one service: set it at the top level, outside \"services\"");
            }

            var shown = allowed.Where(k => k != "$schema").ToList();
            var suggestion = Suggestions.Closest(key, shown);
            throw Error(suggestion is null
                ? $"unknown key '{key}'; the keys{(service is null ? string.Empty : " of a service")} are: {string.Join(", ", shown)}"
                : $"unknown key '{key}'; did you mean '{suggestion}'?");
        }

        private void ScanServices(string servicesPath)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (_reader.Read() && _reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = _reader.GetString()!;
                var namePlace = Place($"services.{name}");
                if (!ServiceValues.IsValidName(name))
                {
                    throw Error($"'{name}' is not a service name: use letters, digits, '-' and '_'");
                }

                if (!seen.Add(name))
                {
                    throw Error($"service '{name}' is defined twice");
                }

                _reader.Read();
                var path = Child(servicesPath, name);
                _entries.Add(new LayoutEntry(LayoutRole.Service, name, name, path, namePlace, Place(namePlace.Name)));
                if (_reader.TokenType == JsonTokenType.StartObject)
                {
                    ScanKeys(name, path);
                }
                else
                {
                    _reader.Skip();
                }
            }
        }

        private void ScanEnv(string? service, string envPath)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (_reader.Read() && _reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = _reader.GetString()!;
                if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
                {
                    throw Error($"'env': '{name}' is not a variable name (it must not be empty or contain '=')");
                }

                if (!seen.Add(name))
                {
                    throw Error($"'env.{name}' is set twice");
                }

                var namePlace = Place($"env.{name}");
                _reader.Read();
                _entries.Add(new LayoutEntry(LayoutRole.EnvVariable, service, name, Child(envPath, name), namePlace, Place(namePlace.Name)));
                _reader.Skip();
            }
        }

        private void AddDependency(string service, string dependsOnPath, int index)
        {
            var place = Place($"services.{service}.dependsOn");
            _entries.Add(new LayoutEntry(LayoutRole.Dependency, service, _reader.TokenType == JsonTokenType.String ? _reader.GetString()! : string.Empty,
                $"{dependsOnPath}[{index}]", place, place));
            _reader.Skip();
        }

        private readonly UsageException Error(string message) => new(Place(string.Empty).Error(_path, message));

        /// <summary>The line and column (in bytes, as the JSON reader's own errors count) of the current token, for <paramref name="name"/>.</summary>
        private readonly ConfigPlace Place(string name)
        {
            var offset = (int)_reader.TokenStartIndex;
            var before = _json[..Math.Min(offset, _json.Length)];
            var lineStart = before.LastIndexOf((byte)'\n') + 1;
            return new ConfigPlace(name, before.Count((byte)'\n') + 1, before.Length - lineStart + 1);
        }
    }
}
