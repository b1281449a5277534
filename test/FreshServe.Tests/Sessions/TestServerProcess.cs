using System.Diagnostics;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Sessions;

/// <summary>
/// A test server the test itself starts (not freshserve): a foreign port holder, or a fake leftover worker.
/// Disposal kills it and everything it started, by pid, and reports whether it was still alive.
/// </summary>
public sealed class TestServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<int> _pids = [];

    private TestServerProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    /// <summary>Every pid of its tree seen so far (the root plus the children it wrote to its pid file).</summary>
    public IReadOnlyList<int> Pids => [Pid, .. _pids];

    /// <summary>Starts the test server; with <paramref name="ownSession"/> under setsid, so it leads its own process group.</summary>
    public static TestServerProcess Start(IEnumerable<string> args, bool ownSession = false, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(ownSession ? "setsid" : TestPaths.TestServer)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (ownSession)
        {
            // Not a group leader already, so setsid execs in place and the pid stays the server's.
            info.ArgumentList.Add(TestPaths.TestServer);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var self = new TestServerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true || e.Data?.Contains(" idle", StringComparison.Ordinal) == true)
            {
                self._listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return self;
    }

    public async Task WaitUntilListeningAsync()
    {
        if (await Task.WhenAny(_listening.Task, Task.Delay(TimeSpan.FromSeconds(30))) != _listening.Task)
        {
            throw new Xunit.Sdk.XunitException("the test server did not start listening within 30 s");
        }
    }

    public async Task<IReadOnlyList<int>> ReadPidFileAsync(string pidFile, int expected)
    {
        var pids = await EndToEnd.RestartTests.ReadPidsAsync(pidFile, expected);
        _pids.AddRange(pids.Where(p => p != Pid));
        return pids;
    }

    public void Dispose()
    {
        ProcessProbe.KillSurvivors(Pids);
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
