namespace FreshServe.Proxy;

/// <summary>The address the proxy may listen on (--proxy-host, config 'proxyHost'): one rule for the CLI and the config file.</summary>
public static class ProxyHost
{
    /// <summary>What is accepted, for error messages: "'x' is not localhost, * or an IP address".</summary>
    public const string Accepted = "localhost, * or an IP address";

    public static bool IsValid(string host) => host is "localhost" or "*" || System.Net.IPAddress.TryParse(host, out _);
}
