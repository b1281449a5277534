using FreshServe.Processes;
using FreshServe.Tests.Infrastructure;
using FreshServe.Tests.Sessions;

namespace FreshServe.Tests.Processes;

/// <summary>The one marker: a worker's tree carries "&lt;session&gt;.&lt;n&gt;", a session is every n of its id.</summary>
public sealed class ProcessMarkerTests
{
    [Fact]
    public void A_marker_names_its_session_and_worker()
    {
        Assert.Equal("1234-5678.3", ProcessMarker.Value("1234-5678", 3));
        Assert.Equal("1234-5678", ProcessMarker.SessionOf("1234-5678.3"));
        Assert.Equal("no-worker-part", ProcessMarker.SessionOf("no-worker-part"));
        Assert.DoesNotContain('.', ProcessMarker.NewSessionId());
    }

    [Fact]
    public async Task A_session_finds_the_processes_of_each_of_its_workers_and_no_other_sessions()
    {
        Assert.True(OperatingSystem.IsLinux(), "the marker is read back from /proc: Linux only");
        // Ids of this test alone (another test may run a 4242-77 session at the same time).
        var session = $"{Environment.ProcessId}-{Random.Shared.Next(1_000_000, 9_999_999)}";
        var longer = session + "7";
        var first = Start(ProcessMarker.Value(session, 1));
        var second = Start(ProcessMarker.Value(session, 2));
        // Another session whose id starts with the same characters: must not be taken for this one's.
        var other = Start(ProcessMarker.Value(longer, 1));
        TestServerProcess[] all = [first, second, other];
        var pids = all.Select(p => p.Pid).ToArray();
        try
        {
            await Task.WhenAll(all.Select(p => p.WaitUntilListeningAsync()));

            Assert.Equal([first.Pid, second.Pid], ProcessMarker.PidsOf(session).Order());
            Assert.Equal([other.Pid], ProcessMarker.PidsOf(longer));
            Assert.Equal(session, ProcessMarker.SessionOf(second.Pid));
            Assert.Equal(longer, ProcessMarker.SessionOf(other.Pid));
            Assert.Null(ProcessMarker.SessionOf(Environment.ProcessId));
        }
        finally
        {
            foreach (var process in all)
            {
                process.Dispose();
            }
        }

        Assert.All(pids, pid => Assert.False(ProcessProbe.IsAlive(pid)));
    }

    private static TestServerProcess Start(string marker) =>
        TestServerProcess.Start(["--port", FreePort.Get().ToString()], ownSession: true,
            env: new Dictionary<string, string> { [ProcessMarker.Variable] = marker });
}
