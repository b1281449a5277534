using Microsoft.Extensions.Logging;

namespace FreshServe.Logging;

/// <summary>Every line freshserve logs, source-generated. The first character of each message is its symbol.</summary>
public static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "▶ watching {Roots}; port {PortText}", EventName = nameof(Watching))]
    public static partial void Watching(this ILogger logger, string roots, string portText);

    [LoggerMessage(2, LogLevel.Information, "● started {Command} (pid {Pid}, generation {Generation})", EventName = nameof(Started))]
    public static partial void Started(this ILogger logger, string command, int pid, int generation);

    [LoggerMessage(3, LogLevel.Information, "✓ ready in {Milliseconds} ms on port {Port} (generation {Generation})", EventName = nameof(Ready))]
    public static partial void Ready(this ILogger logger, long milliseconds, int port, int generation);

    [LoggerMessage(4, LogLevel.Information, "↻ {Changed} changed; restarting", EventName = nameof(Restarting))]
    public static partial void Restarting(this ILogger logger, string changed);

    [LoggerMessage(5, LogLevel.Debug, "  stopped generation {Generation} in {Elapsed}{Forced}", EventName = nameof(Stopped))]
    public static partial void Stopped(this ILogger logger, int generation, string elapsed, string forced);

    [LoggerMessage(6, LogLevel.Debug, "  port {Port} is free ({Elapsed})", EventName = nameof(PortFree))]
    public static partial void PortFree(this ILogger logger, int port, string elapsed);

    [LoggerMessage(7, LogLevel.Warning, "✗ {Command} exited with code {ExitCode} after {Uptime}; waiting for a change", EventName = nameof(WorkerExited))]
    public static partial void WorkerExited(this ILogger logger, string command, int exitCode, string uptime);

    [LoggerMessage(8, LogLevel.Information, "■ stopping (generation {Generation})", EventName = nameof(ShuttingDown))]
    public static partial void ShuttingDown(this ILogger logger, int generation);

    [LoggerMessage(9, LogLevel.Information, "■ stopped; nothing left running", EventName = nameof(ShutDown))]
    public static partial void ShutDown(this ILogger logger);

    [LoggerMessage(10, LogLevel.Warning, "! port {Port} did not accept connections within {Timeout} (generation {Generation}); still running", EventName = nameof(NotReady))]
    public static partial void NotReady(this ILogger logger, int port, string timeout, int generation);

    [LoggerMessage(11, LogLevel.Information, "  port {Port}, from {Source}", EventName = nameof(PortDetected))]
    public static partial void PortDetected(this ILogger logger, int port, string source);

    [LoggerMessage(12, LogLevel.Information, "  no port known (give --port): skipping the port-free and readiness checks", EventName = nameof(NoPort))]
    public static partial void NoPort(this ILogger logger);

    [LoggerMessage(13, LogLevel.Warning, "! forcing: killing the whole worker tree now", EventName = nameof(Forcing))]
    public static partial void Forcing(this ILogger logger);

    [LoggerMessage(14, LogLevel.Debug, "  worker tree stopped by {Signal} did not exit within {Timeout}; sent SIGKILL", EventName = nameof(ForcedKill))]
    public static partial void ForcedKill(this ILogger logger, string signal, string timeout);

    // Proxy mode (100+).
    [LoggerMessage(100, LogLevel.Information, "⇄ proxy on {Url}: requests wait while the server restarts; live reload {LiveReload}", EventName = nameof(ProxyListening))]
    public static partial void ProxyListening(this ILogger logger, string url, string liveReload);

    [LoggerMessage(101, LogLevel.Information, "  no {{port}} in the command: the server must listen on $PORT", EventName = nameof(ProxyPortFromEnvironment))]
    public static partial void ProxyPortFromEnvironment(this ILogger logger);

    [LoggerMessage(102, LogLevel.Debug, "  web stack loaded: {Assemblies}", EventName = nameof(WebStackLoaded))]
    public static partial void WebStackLoaded(this ILogger logger, string assemblies);
}
