namespace FreshServe.Processes;

public static class WorkerLaunchers
{
    /// <summary>
    /// The launcher that keeps the whole tree under control on this platform; its workers carry the
    /// <see cref="ProcessMarker"/> of <paramref name="session"/> (a random one when null).
    /// </summary>
    public static IWorkerLauncher ForThisPlatform(Microsoft.Extensions.Logging.ILogger? log = null, string? session = null) =>
        OperatingSystem.IsWindows()
            ? new Windows.WindowsWorkerLauncher(log, session)
            : new Unix.UnixWorkerLauncher(session);
}
