using FreshServe.Sessions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Sessions;

/// <summary>A private runtime folder per test, so each test's freshserve sees only the session records it wrote.</summary>
public sealed class SessionTestEnvironment : IDisposable
{
    private readonly TempFolder _runtime = new();

    public SessionRegistry Registry => new(Path.Combine(_runtime.Path, "freshserve"));

    /// <summary>The environment for a freshserve process: XDG_RUNTIME_DIR points at this test's folder.</summary>
    public Dictionary<string, string> Env => new() { ["XDG_RUNTIME_DIR"] = _runtime.Path };

    public FreshServeProcess StartFreshServe(string folder, params string[] args) => FreshServeProcess.Start(folder, args, Env);

    /// <summary>A pid and start time that name no live process: a supervisor that is gone.</summary>
    public static (int Pid, long StartTime) GoneSupervisor()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        process.WaitForExit();
        // The pid may be reused one day, but never with start time 1 (one clock tick after boot).
        return (process.Id, 1);
    }

    public void Dispose() => _runtime.Dispose();
}
