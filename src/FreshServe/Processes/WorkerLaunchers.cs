namespace FreshServe.Processes;

public static class WorkerLaunchers
{
    /// <summary>The launcher that keeps the whole tree under control on this platform.</summary>
    public static IWorkerLauncher ForThisPlatform() =>
        OperatingSystem.IsWindows()
            ? new Windows.WindowsWorkerLauncher()
            : new Unix.UnixWorkerLauncher();
}
