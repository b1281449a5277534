using System.Text.RegularExpressions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Sessions;

/// <summary>One supervisor per folder and per port: two real freshserve processes.</summary>
public sealed class SingleInstanceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_second_watch_in_the_same_folder_refuses_naming_the_first()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using var first = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString());
        await first.WaitForLineAsync(@"ready in", Patience);

        var second = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", FreePort.Get().ToString());
        var code = await second.WaitForExitAsync(Patience);
        var output = second.Output;
        // Its message names the first freshserve, which must keep running: leave that pid out of the second's check.
        second.Forget([first.Pid]);
        await second.DisposeAsync();

        Assert.Equal(1, code);
        Assert.Matches($@"^freshserve: another freshserve already watches this folder \(pid {first.Pid}, since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d, command: .*testserver --port {port}\); stop it, or run this one with --replace to take over$", output.Trim());
        Assert.Single(Regex.Matches(first.Output, "started testserver"));
        Assert.Contains($"generation=1 ", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task A_second_watch_for_the_same_port_in_another_folder_refuses()
    {
        using var sessions = new SessionTestEnvironment();
        using var folderA = new TempFolder();
        using var folderB = new TempFolder();
        var port = FreePort.Get();
        await using var first = sessions.StartFreshServe(folderA.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString());
        await first.WaitForLineAsync(@"ready in", Patience);

        var second = sessions.StartFreshServe(folderB.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString());
        var code = await second.WaitForExitAsync(Patience);
        var output = second.Output;
        second.Forget([first.Pid]);
        await second.DisposeAsync();

        Assert.Equal(1, code);
        Assert.Contains($"another freshserve already watches port {port} (pid {first.Pid}", output);
        Assert.Contains($"folder {folderA.Path}", output);
    }

    [Fact]
    public async Task Replace_stops_the_first_and_takes_over()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using var first = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString());
        await first.WaitForLineAsync(@"ready in", Patience);
        var firstWorker = first.LoggedPids.Single();

        await using var second = sessions.StartFreshServe(folder.Path, "watch", "--replace", "--", TestPaths.TestServer, "--port", port.ToString());
        await second.WaitForLineAsync($@"replaced the freshserve session of pid {first.Pid}; this one takes over", Patience);
        await second.WaitForLineAsync(@"ready in", Patience);

        Assert.Equal(0, await first.WaitForExitAsync(Patience));
        Assert.False(ProcessProbe.IsAlive(firstWorker));
        var secondWorker = second.LoggedPids.Single(p => p != first.Pid);
        Assert.Contains($"pid={secondWorker}", await Http.TryGetAsync(port));
        Assert.Single(sessions.Registry.ReadAll(), r => r.Pid == second.Pid);
    }

    [Fact]
    public async Task Two_watches_started_at_once_in_one_folder_leave_exactly_one_running()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        await using var a = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", FreePort.Get().ToString());
        await using var b = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", FreePort.Get().ToString());

        // The registry lock makes sure one of them finds the other's record and refuses.
        const string refusal = "another freshserve already watches this folder";
        var deadline = DateTime.UtcNow + Patience;
        while (!a.Output.Contains(refusal, StringComparison.Ordinal) && !b.Output.Contains(refusal, StringComparison.Ordinal)
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var (loser, winner) = a.Output.Contains(refusal, StringComparison.Ordinal) ? (a, b) : (b, a);

        Assert.Equal(1, await loser.WaitForExitAsync(Patience));
        Assert.Contains($"another freshserve already watches this folder (pid {winner.Pid}", loser.Output);
        await winner.WaitForLineAsync(@"ready in", Patience);
        Assert.Single(sessions.Registry.ReadAll(), r => r.Pid == winner.Pid);
        loser.Forget([winner.Pid]);
    }
}
