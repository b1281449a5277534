using FreshServe.Supervision;

namespace FreshServe.Proxy;

/// <summary>The running proxy, seen without Kestrel's types so code that never starts one never loads them.</summary>
public interface IProxyServer : IGenerationObserver, IAsyncDisposable
{
    /// <summary>The address to open in the browser, e.g. http://localhost:8000.</summary>
    string Url { get; }
}
