namespace FreshServe.Cli;

public enum OriginKind
{
    Default,
    CommandLine,
    Environment,
    ConfigFile,
    ServerCommand,
    Preset,
}

/// <summary>Where a resolved watch setting came from, so that logs and errors name what the user actually wrote.</summary>
/// <param name="Name">The option (<c>--stop-timeout</c>), variable (<c>FRESHSERVE_POLL=1</c>), file key (<c>stopTimeout</c>) or source.</param>
/// <param name="File">The config file, for <see cref="OriginKind.ConfigFile"/>.</param>
public sealed record Origin(OriginKind Kind, string Name, string? File = null)
{
    public static Origin Default { get; } = new(OriginKind.Default, "the default");

    /// <summary>The prefix of an error about this value: <c>--stop-timeout</c>, or <c>/app/freshserve.json: 'stopTimeout'</c>.</summary>
    public string Label => Kind == OriginKind.ConfigFile ? $"{File}: '{Name}'" : Name;

    /// <summary>In a sentence: <c>--poll</c>, <c>FRESHSERVE_POLL=1</c>, <c>poll in freshserve.json</c>, <c>the uvicorn preset</c>.</summary>
    public override string ToString() => Kind == OriginKind.ConfigFile ? $"{Name} in {Path.GetFileName(File)}" : Name;
}
