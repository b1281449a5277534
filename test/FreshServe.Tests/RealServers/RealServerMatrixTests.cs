using System.Diagnostics;
using System.Globalization;
using FreshServe.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FreshServe.Tests.RealServers;

/// <summary>
/// Real dev servers of several languages, each run by freshserve with the command alone, as a new user would: a ready
/// line with the right port, the page served, an edit served, no restart the user did not cause, and nothing left
/// running after Ctrl+C. The slow builders (go, dotnet, next) are a class of their own so both halves run side by side.
/// </summary>
public sealed class RealServerMatrixTests(ITestOutputHelper output)
{
    public static TheoryData<string> Servers => new(
        RealServerCatalog.Flask.Name,
        RealServerCatalog.Django.Name,
        RealServerCatalog.Gunicorn.Name,
        RealServerCatalog.PythonHttpServer.Name,
        RealServerCatalog.ExpressNpmRunDev.Name,
        RealServerCatalog.Vite.Name,
        RealServerCatalog.PhpBuiltIn.Name,
        RealServerCatalog.RubyHttpd.Name);

    [Theory]
    [MemberData(nameof(Servers))]
    public Task An_edit_is_served_without_self_restarts_and_nothing_is_left(string server) =>
        RealServerRun.EditAndStopAsync(RealServerCatalog.ByName(server), output);
}

public sealed class RealServerBuildMatrixTests(ITestOutputHelper output)
{
    public static TheoryData<string> Servers => new(
        RealServerCatalog.GoRun.Name,
        RealServerCatalog.GoBuildInShell.Name,
        RealServerCatalog.DotnetRun.Name,
        RealServerCatalog.NextDev.Name);

    [Theory]
    [MemberData(nameof(Servers))]
    public Task An_edit_is_served_without_self_restarts_and_nothing_is_left(string server) =>
        RealServerRun.EditAndStopAsync(RealServerCatalog.ByName(server), output);
}

internal static class RealServerRun
{
    /// <summary>Longer than any server here takes to write its own files after it is ready.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    public static async Task EditAndStopAsync(RealServer server, ITestOutputHelper output)
    {
        using var app = new AppFolder(server.NeedsNodeModules ? NodeModules.Folder : null);
        var port = FreePort.Get();
        foreach (var (file, content) in server.Files)
        {
            app.Write(file, Fill(content, port, "version 1"));
        }

        var command = server.Command.Select(arg => Fill(arg, port, "version 1"));
        await using var fs = FreshServeProcess.Start(app.Path, ["watch", "--", .. command], new Dictionary<string, string>(server.Environment));
        var clock = Stopwatch.StartNew();
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {port} \(generation 1\)", server.StartTimeout);
        var first = await Http.WaitForAsync(port, b => b.Contains("version 1", StringComparison.Ordinal), server.StartTimeout);
        Assert.True(first is not null, $"{server.Name}: the first page was not served\n{fs.Output}");
        output.WriteLine($"{server.Name}: first page after {clock.ElapsedMilliseconds} ms");

        // Whatever the server writes as it starts (a build output, .next/) must not restart it.
        await Task.Delay(Settle);
        Assert.True(fs.Count("↻ .* restarting") == 0, $"{server.Name} restarted itself before any edit\n{fs.Output}");

        clock.Restart();
        app.Write(server.EditedFile, Fill(server.Files[server.EditedFile], port, "version 2"));
        var fresh = await Http.WaitForAsync(port, b => b.Contains("version 2", StringComparison.Ordinal), server.StartTimeout);
        Assert.True(fresh is not null, $"{server.Name}: the edit of {server.EditedFile} was not served\n{fs.Output}");
        output.WriteLine($"{server.Name}: edit served after {clock.ElapsedMilliseconds} ms");
        if (server.EditRestarts)
        {
            await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {port} \(generation 2\)", server.StartTimeout);
        }

        await Task.Delay(Settle);
        Assert.True(fs.Count("↻ .* restarting") == (server.EditRestarts ? 1 : 0),
            $"{server.Name}: expected {(server.EditRestarts ? "one restart" : "no restart")} for one edit\n{fs.Output}");

        var tree = ProcessProbe.Descendants(fs.Pid);
        fs.Track(tree);
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)),
            $"{server.Name}: processes outlived freshserve: {string.Join(", ", tree.Where(ProcessProbe.IsAlive))}\n{fs.Output}");
        output.WriteLine(fs.Output);
    }

    private static string Fill(string text, int port, string version) =>
        text.Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@VERSION@", version, StringComparison.Ordinal);
}
