namespace FreshServe.Proxy;

/// <summary>What --proxy and its options asked for. Plain values only: this type is used without loading Kestrel.</summary>
public sealed record ProxySettings
{
    public required int Port { get; init; }

    /// <summary>"localhost" (both loopbacks), an IP address, or "*" / "0.0.0.0" / "::" for all interfaces.</summary>
    public string Host { get; init; } = "localhost";

    public bool KeepCacheHeaders { get; init; }
    public bool LiveReload { get; init; } = true;

    /// <summary>How long a request is held while no generation is ready before it gets the 503 page.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
