using System.Globalization;
using System.Text.Json.Serialization;
using FreshServe.Processes;

namespace FreshServe.Sessions;

/// <summary>
/// One live freshserve session as written to the per-user registry: enough to recognise it later (pid and start
/// time of the supervisor and of its worker) and to describe it to a person (folder, port, command, since when).
/// </summary>
public sealed record SessionRecord
{
    public required int Pid { get; init; }
    public required long StartTime { get; init; }
    public required string Folder { get; init; }
    /// <summary>The server's port: parsed from the command, or observed once a generation listened.</summary>
    public int? Port { get; init; }

    /// <summary>The port freshserve's own proxy listens on (--proxy), held by the supervisor itself.</summary>
    public int? ProxyPort { get; init; }
    public required string Command { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The current worker's pid; it leads its own process group on Unix, so this is also the group id.</summary>
    public int? WorkerPid { get; init; }
    public long? WorkerStartTime { get; init; }
    public int? WorkerGroup { get; init; }
    public int Generation { get; init; }

    /// <summary>True when the session runs a project's services (freshserve.json "services", a Procfile), false for one server.</summary>
    public bool Project { get; init; }

    /// <summary>Pid and start time together: unique even when the pid is reused.</summary>
    [JsonIgnore]
    public string Id => $"{Pid}-{StartTime.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>True while the supervisor that wrote this record is still the one running under its pid.</summary>
    public bool SupervisorAlive() => ProcessStartTime.Matches(Pid, StartTime);

    [JsonIgnore]
    public string Since => StartedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public string Describe() =>
        $"pid {Pid}, since {Since}, in {Folder}{(ProxyPort is { } proxy ? $", proxy port {proxy}" : string.Empty)}{(Port is { } port ? $", port {port}" : string.Empty)}, command: {Command}";
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(SessionRecord))]
internal sealed partial class SessionJson : JsonSerializerContext;
