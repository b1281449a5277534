using System.Net;
using System.Net.Sockets;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Proxy;

/// <summary>Bad proxy options: one clear line, a non-zero exit code, nothing left running.</summary>
public sealed class ProxyCommandLineTests
{
    [Theory]
    [InlineData(new[] { "watch", "--proxy", "0", "--", "x" }, "--proxy must be a port between 1 and 65535")]
    [InlineData(new[] { "watch", "--proxy", "8000", "--port", "8001", "--", "x" }, "--port cannot be used with --proxy")]
    [InlineData(new[] { "watch", "--proxy", "8000", "--proxy-host", "my.box", "--", "x" }, "is not localhost, * or an IP address")]
    [InlineData(new[] { "watch", "--no-live-reload", "--", "x" }, "need --proxy PORT")]
    [InlineData(new[] { "watch", "--proxy", "8000", "--ready-timeout", "never", "--", "x" }, "not a duration")]
    public async Task Bad_proxy_options_give_one_line_and_exit_code_2(string[] args, string expectedText)
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, args);
        AssertOneErrorLine(2, expectedText, code, output);
    }

    [Fact]
    public async Task A_proxy_port_that_is_taken_gives_one_line_and_starts_no_worker()
    {
        using var folder = new TempFolder();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        // Run without FreshServeProcess: the message names the holder's pid (this test host), which it would treat
        // as a leftover worker.
        var info = new System.Diagnostics.ProcessStartInfo(TestPaths.FreshServeCommand[0])
        {
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in TestPaths.FreshServeCommand.Skip(1).Concat(["watch", "--proxy", port.ToString(), "--proxy-host", "127.0.0.1", "--", TestPaths.WebTestServer, "--port", "{port}"]))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NO_COLOR"] = "1";
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ProxyRun.Patience);
        await process.WaitForExitAsync(timeout.Token);
        var code = process.ExitCode;
        var output = await stdout + await stderr;
        Assert.Contains($"pid {Environment.ProcessId}", output);

        AssertOneErrorLine(1, $"--proxy: port {port} is already in use by", code, output);
        Assert.DoesNotContain("started", output);
    }

    [Fact]
    public async Task A_proxy_host_that_is_not_an_address_of_this_machine_gives_one_line_and_starts_no_worker()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get().ToString(System.Globalization.CultureInfo.InvariantCulture);

        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path,
            ["watch", "--proxy", port, "--proxy-host", "192.0.2.1", "--", TestPaths.WebTestServer, "--port", "{port}"]);

        AssertOneErrorLine(1, $"--proxy: cannot listen on 192.0.2.1 port {port}", code, output);
        Assert.Contains("an address of this machine", output);
        Assert.DoesNotContain("started", output);
    }

    [Fact]
    public async Task A_fixed_port_in_the_command_behind_the_proxy_is_flagged()
    {
        using var folder = new TempFolder();
        var fixedPort = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--proxy", FreePort.Get().ToString(), "--", "sh", "-c", "exec sleep 600", "sh", "--port", fixedPort.ToString()]);

        await fs.WaitForLineAsync(
            $"! the command sets the server's port itself \\('--port {fixedPort}' in the command\\).*write \\{{port\\}} where the port goes", ProxyRun.Patience);
        Assert.Equal(0, fs.Count("no {port} in the command"));
    }

    private static void AssertOneErrorLine(int expectedCode, string expectedText, int code, string output)
    {
        Assert.Equal(expectedCode, code);
        var errorLines = output.Split('\n').Where(l => l.StartsWith("freshserve: ", StringComparison.Ordinal)).ToList();
        Assert.Single(errorLines);
        Assert.Contains(expectedText, errorLines[0]);
        Assert.DoesNotContain("   at ", output);
    }
}
