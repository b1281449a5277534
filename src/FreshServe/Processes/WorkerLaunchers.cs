namespace FreshServe.Processes;

public static class WorkerLaunchers
{
    /// <summary>The launcher that keeps the whole tree under control on this platform.</summary>
    public static IWorkerLauncher ForThisPlatform(Microsoft.Extensions.Logging.ILogger? log = null) =>
        OperatingSystem.IsWindows()
            ? new Windows.WindowsWorkerLauncher(log)
            : new Unix.UnixWorkerLauncher();
}
