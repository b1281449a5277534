using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FreshServe.Config;

/// <summary>
/// freshserve.json as written, one property per key, read by source-generated System.Text.Json (<see cref="ConfigJson"/>).
/// This is the only list of the keys and of their JSON types; what the values mean (ranges, durations, presets, which
/// keys go where, the line and column of each) is <see cref="ConfigFile"/>'s.
/// </summary>
internal sealed class ConfigDocument
{
    [JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    public ConfigStrings? Command { get; set; }
    public ConfigStrings? Watch { get; set; }
    public int? Port { get; set; }
    public ConfigDuration? Debounce { get; set; }
    public string? StopSignal { get; set; }
    public ConfigDuration? StopTimeout { get; set; }
    public ConfigDuration? PortTimeout { get; set; }
    public string? ReadyUrl { get; set; }
    public ConfigDuration? ReadyTimeout { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public bool? Verbose { get; set; }
    public bool? Quiet { get; set; }
    public bool? RestartOnCrash { get; set; }
    public bool? StopBeforeStart { get; set; }
    public bool? NoInput { get; set; }
    public bool? CleanBytecode { get; set; }
    public string? Preset { get; set; }
    public ConfigStrings? Include { get; set; }
    public ConfigStrings? Only { get; set; }
    public ConfigStrings? Exclude { get; set; }
    public bool? NoDefaultIgnore { get; set; }
    public bool? NoGitignore { get; set; }
    public bool? Poll { get; set; }
    public ConfigDuration? PollInterval { get; set; }
    public bool? Replace { get; set; }
    public int? Proxy { get; set; }
    public string? ProxyHost { get; set; }
    public bool? KeepCacheHeaders { get; set; }
    public bool? NoLiveReload { get; set; }
    public Dictionary<string, ConfigDocument>? Services { get; set; }

    /// <summary>A service's folder (services only).</summary>
    public string? Cwd { get; set; }

    /// <summary>The services this one starts after (services only).</summary>
    public ConfigStrings? DependsOn { get; set; }
}

/// <summary>A string or an array of strings. <see cref="WasString"/> tells <c>"uvicorn app:app"</c> from an array.</summary>
[JsonConverter(typeof(ConfigStringsConverter))]
internal sealed record ConfigStrings(IReadOnlyList<string> Items, bool WasString);

/// <summary>A duration as written: a string with a unit ("50ms") or a bare number, kept as text to be read like the command line's.</summary>
[JsonConverter(typeof(ConfigDurationConverter))]
internal readonly record struct ConfigDuration(string Text);

internal sealed class ConfigStringsConverter : JsonConverter<ConfigStrings>
{
    public override ConfigStrings Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new ConfigStrings([reader.GetString()!], WasString: true);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException();
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException());
        }

        return new ConfigStrings(items, WasString: false);
    }

    public override void Write(Utf8JsonWriter writer, ConfigStrings value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var item in value.Items)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }
}

internal sealed class ConfigDurationConverter : JsonConverter<ConfigDuration>
{
    public override ConfigDuration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => new ConfigDuration(reader.GetString()!),
        JsonTokenType.Number => new ConfigDuration(Encoding.UTF8.GetString(reader.ValueSpan)),
        _ => throw new JsonException(),
    };

    public override void Write(Utf8JsonWriter writer, ConfigDuration value, JsonSerializerOptions options) => writer.WriteStringValue(value.Text);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ConfigDocument))]
internal sealed partial class ConfigJson : JsonSerializerContext;
