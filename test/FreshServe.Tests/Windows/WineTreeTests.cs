using System.Diagnostics;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Windows;

/// <summary>
/// The Windows launcher for real, under Wine: the worker tree lives in a kill-on-close Job Object, so it dies with
/// freshserve, a restart ends a grandchild started through a batch file, and a stop whose graceful request cannot be
/// delivered (freshserve has no console here) ends at once, well within the stop timeout.
/// </summary>
[Collection(WineCollection.Name)]
public sealed class WineTreeTests(WineFixture wine)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_worker_tree_dies_when_freshserve_is_killed()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var port = FreePort.Get();
        var script = WriteBatch(scratch, "run.cmd", $"--port {port} --children 2");
        await using var fs = WineFreshServe.Start(wine, ["watch", "-w", WineFixture.WinePath(folder.Path), "--", script]);

        Assert.NotNull(await Http.WaitForAsync(port, body => body.StartsWith("generation=1 ", StringComparison.Ordinal), Patience));
        var tree = await WaitForTestServersAsync(count: 3);

        ProcessProbe.Signal(fs.Pid, ProcessProbe.SIGKILL);
        await fs.WaitForExitAsync(Patience);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree.Select(e => e.Pid), TimeSpan.FromSeconds(10)),
            $"still running after freshserve was killed: {string.Join("; ", tree.Where(e => ProcessProbe.IsAlive(e.Pid)))}");
        Assert.Null(await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task The_worker_is_created_inside_its_job_object_and_restarts_stay_there()
    {
        // Wine honours PROC_THREAD_ATTRIBUTE_JOB_LIST: no worker is ever outside its job, not even suspended.
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var port = FreePort.Get();
        await using var fs = WineFreshServe.Start(wine, ["watch", "-v", "-w", WineFixture.WinePath(folder.Path), "--",
            WineFixture.WinePath(wine.TestServerExe), "--port", port.ToString(), "--content", WineFixture.WinePath(content)]);

        await fs.WaitForLineAsync("workers are created inside their job object", Patience);
        Assert.NotNull(await Http.WaitForAsync(port, body => body.Contains("content=one", StringComparison.Ordinal), Patience));
        File.WriteAllText(content, "two");
        Assert.NotNull(await Http.WaitForAsync(port, body => body.Contains("content=two", StringComparison.Ordinal), Patience));
        Assert.DoesNotContain("refuses PROC_THREAD_ATTRIBUTE_JOB_LIST", fs.Output);
    }

    [Fact]
    public async Task Its_own_output_redirected_into_the_watched_folder_is_not_a_change()
    {
        // freshserve's own lines land in dev.log: watched, each would restart the server, whose start logs a line...
        using var folder = new TempFolder();
        var log = folder.File("dev.log");
        await using var fs = WineFreshServe.Start(wine,
            ["watch", "-w", WineFixture.WinePath(folder.Path), "--", WineFixture.WinePath(wine.TestServerExe), "--role", "idle"], outputFile: log);

        await fs.WaitForLineAsync(@"started .*generation 1\)", Patience);
        await fs.WaitForLineAsync(@"not watching .*dev\.log: freshserve's output goes there", Patience);
        await Task.Delay(3000);
        Assert.DoesNotContain("generation 2", fs.Output);

        // Until the restart is done: killed between creating its worker suspended and putting it in the job, freshserve
        // would leave that worker suspended outside the job.
        folder.Write("app.txt", "edited");
        await fs.WaitForLineAsync(@"restarted \(generation 2\) . app\.txt changed", Patience);
    }

    [Fact]
    public async Task A_restart_kills_the_grandchild_started_through_a_batch_file()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var port = FreePort.Get();
        var script = WriteBatch(scratch, "run.cmd", $"--port {port} --children 1 --content {WineFixture.WinePath(content)}");
        await using var fs = WineFreshServe.Start(wine, ["watch", "-v", "-w", WineFixture.WinePath(folder.Path), "--", script]);

        Assert.NotNull(await Http.WaitForAsync(port, body => body.Contains("content=one", StringComparison.Ordinal), Patience));
        var first = await WaitForTestServersAsync(count: 2);
        var cmd = WineProcesses.InPrefix(wine.Prefix).Where(e => e.CommandLine.Contains("cmd.exe", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.NotEmpty(cmd);

        File.WriteAllText(content, "two");
        Assert.NotNull(await Http.WaitForAsync(port, body => body.Contains("content=two", StringComparison.Ordinal), Patience));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first.Concat(cmd).Select(e => e.Pid), TimeSpan.FromSeconds(10)),
            "a process of generation 1 survived the restart");
        await fs.WaitForLineAsync(@"started run\.cmd \(pid \d+, generation 2\)", Patience);
    }

    [Fact]
    public async Task A_stop_whose_graceful_request_cannot_be_delivered_ends_within_the_stop_timeout()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var port = FreePort.Get();
        var script = WriteBatch(scratch, "run.cmd", $"--port {port} --children 2 --ignore-term");
        await using var fs = WineFreshServe.Start(wine,
            ["watch", "-v", "--stop-timeout", "20s", "-w", WineFixture.WinePath(folder.Path), "--", script]);

        Assert.NotNull(await Http.WaitForAsync(port, body => body.StartsWith("generation=1 ", StringComparison.Ordinal), Patience));
        var tree = await WaitForTestServersAsync(count: 3);

        var clock = Stopwatch.StartNew();
        ProcessProbe.Signal(fs.Pid, ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the stop took {clock.Elapsed}, longer than the stop timeout");
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree.Select(e => e.Pid), TimeSpan.FromSeconds(5)), "a test server outlived the stop");
        Assert.Contains("nothing left running", fs.Output);
        Assert.Contains("could not be delivered", fs.Output);
    }

    /// <summary>A batch file that runs the Windows test server: freshserve starts it through cmd.exe, so the server is a grandchild.</summary>
    private string WriteBatch(TempFolder scratch, string name, string arguments) =>
        WineFixture.WinePath(scratch.Write(name, $"@echo off\r\n{WineFixture.WinePath(wine.TestServerExe)} {arguments}\r\necho server ended\r\n"));

    private async Task<IReadOnlyList<WineProcesses.Entry>> WaitForTestServersAsync(int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var running = WineProcesses.Running(wine.Prefix, wine.TestServerExe);
            if (running.Count >= count)
            {
                return running;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"fewer than {count} test servers running under Wine");
    }
}
