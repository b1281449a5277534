using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Keys;

/// <summary>Keys typed into a real pseudo-terminal (util-linux script), and stdin left to the worker otherwise.</summary>
public sealed class KeyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task On_a_terminal_r_restarts_h_helps_c_clears_and_q_quits()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.StartInTerminal(folder.Path,
            ["watch", "--", TestPaths.TestServer, "--port", port.ToString()]);

        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 1\)", Patience);
        Assert.Equal(1, fs.Count("keys: r restart · q quit · c clear screen · h help"));

        fs.WriteInput("h");
        await fs.WaitForLineAsync("r restart now · q quit", Patience);

        fs.WriteInput("r");
        await fs.WaitForLineAsync("restart requested; restarting", Patience);
        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 2\) ← restart requested; (stopped in \d+ ms, )?port \d+ free after", Patience);
        Assert.StartsWith("generation=2 ", await Http.TryGetAsync(port));

        // The clear sequence has no newline of its own: it shows up at the start of the next line (the help asked for next).
        fs.WriteInput("c");
        await Task.Delay(300);
        fs.WriteInput("h");
        var afterClear = await fs.WaitForLineAsync("r restart now · q quit", Patience, count: 2);
        Assert.Contains("\e[2J", afterClear);

        var pids = fs.LoggedPids;
        fs.WriteInput("q");
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.Contains("nothing left running", fs.Output);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, fs.Count("keys: r restart"));
    }

    [Fact]
    public async Task On_a_terminal_with_no_input_keys_are_not_read()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.StartInTerminal(folder.Path,
            ["watch", "--no-input", "--", TestPaths.TestServer, "--port", port.ToString()]);

        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);
        fs.WriteInput("rq");
        await Task.Delay(1500);
        Assert.Equal(0, fs.Count("keys:"));
        Assert.Equal(0, fs.Count("restart requested"));
        Assert.Equal(0, fs.Count("stopping"));
    }

    [Fact]
    public async Task When_stdin_is_not_a_terminal_it_belongs_to_the_worker()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--", "sh", "-c", "read line; echo \"worker got $line\"; sleep 30"]);

        await fs.WaitForLineAsync(@"generation 1", Patience);
        fs.WriteInput("q\n");
        await fs.WaitForLineAsync("worker got q", Patience);
        Assert.Equal(0, fs.Count("keys:"));
        Assert.Equal(0, fs.Count("stopping"));
    }

    [Fact]
    public async Task On_a_terminal_ctrl_c_still_stops_the_tree_while_keys_are_read()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.StartInTerminal(folder.Path,
            ["watch", "--", TestPaths.TestServer, "--port", port.ToString()]);
        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);
        var pids = fs.LoggedPids;

        fs.WriteInput("\u0003");
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.Contains("nothing left running", fs.Output);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_worker_stopped_by_reading_the_terminal_is_still_stopped_gracefully()
    {
        // With --no-input the worker keeps the terminal as stdin, but it runs in its own (background) process group:
        // reading stops it with SIGTTIN. A restart must still end it with the graceful signal, not after the timeout.
        using var folder = new TempFolder();
        var trigger = folder.Write("app.txt", "one");
        await using var fs = FreshServeProcess.StartInTerminal(folder.Path,
            ["watch", "-v", "--no-input", "--stop-timeout", "20s", "--", "sh", "-c", "read line"]);
        await fs.WaitForLineAsync(@"generation 1", Patience);
        await Task.Delay(500);

        File.WriteAllText(trigger, "two");
        var stopped = await fs.WaitForLineAsync(@"stopped generation 1 in", Patience);
        Assert.DoesNotContain("forced", stopped);
        await fs.WaitForLineAsync(@"generation 2", Patience);
    }

    [Fact]
    public async Task Started_in_the_background_of_a_terminal_it_reads_no_keys_and_is_not_stopped()
    {
        // An interactive bash (job control on) in a pseudo-terminal runs freshserve with a trailing &: reading keys
        // from the background would stop it with SIGTTIN.
        using var folder = new TempFolder();
        var freshserve = string.Join(' ', TestPaths.FreshServeCommand.Select(part => $"'{part}'")) + " watch -- sleep 30";
        var script = $"{freshserve} & sleep 4; jobs -l; kill -INT %1; wait %1; echo exit=$?";
        var info = new System.Diagnostics.ProcessStartInfo("script")
        {
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-qfec", $"bash --norc --noprofile -ic \"{script}\"", "/dev/null" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NO_COLOR"] = "1";
        using var run = System.Diagnostics.Process.Start(info)!;
        var output = run.StandardOutput.ReadToEndAsync();
        if (!run.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            // bash still waits for freshserve: everything it started is still below script.
            var tree = ProcessProbe.Descendants(run.Id).Append(run.Id).ToList();
            var survivors = ProcessProbe.KillSurvivors(tree);
            Assert.Fail($"the shell did not finish; killed {string.Join(", ", survivors)}");
        }

        var text = (await output).Replace("\r", string.Empty, StringComparison.Ordinal);

        Assert.Matches(@"\d+ Running\s+.*freshserve(\.dll)?'? watch", text);
        Assert.DoesNotContain("keys:", text);
        Assert.Contains("nothing left running", text);
        Assert.Contains("exit=0", text);
    }
}
