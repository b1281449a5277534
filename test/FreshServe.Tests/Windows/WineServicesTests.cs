using System.Globalization;
using System.Text.RegularExpressions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Windows;

/// <summary>
/// Several services under the Windows build (Wine): each worker's stdout and stderr go through a pipe of its service,
/// and every line comes out prefixed with the service's name, across restarts; Ctrl+C stops them all.
/// </summary>
[Collection(WineCollection.Name)]
public sealed class WineServicesTests(WineFixture wine)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Each_services_output_is_prefixed_with_its_name_across_a_restart()
    {
        using var project = new TempFolder();
        var apiPage = project.Write("api/page.txt", "one");
        var webPage = project.Write("web/page.txt", "web");
        var (apiPort, webPort) = (FreePort.Get(), FreePort.Get());
        string Command(int port, string page) =>
            $"[\"{Json(WineFixture.WinePath(wine.TestServerExe))}\", \"--port\", \"{port.ToString(CultureInfo.InvariantCulture)}\", \"--content\", \"{Json(WineFixture.WinePath(page))}\"]";
        var config = project.Write("freshserve.json", $$"""
            { "services": {
                "api": { "command": {{Command(apiPort, apiPage)}}, "cwd": "api" },
                "web": { "command": {{Command(webPort, webPage)}}, "cwd": "web" }
            } }
            """);

        await using var fs = WineFreshServe.Start(wine, ["watch", "--config", WineFixture.WinePath(config)]);
        await fs.WaitForLineAsync($@"^api +│ testserver root pid \d+ generation 1 listening on {apiPort}$", Patience);
        await fs.WaitForLineAsync($@"^web +│ testserver root pid \d+ generation 1 listening on {webPort}$", Patience);

        File.WriteAllText(apiPage, "two");
        Assert.NotNull(await Http.WaitForAsync(apiPort, body => body.Contains("content=two", StringComparison.Ordinal), Patience));
        await fs.WaitForLineAsync($@"^api +│ testserver root pid \d+ generation 2 listening on {apiPort}$", Patience);
        // Every line a worker wrote came out under its service's name: none bare.
        Assert.DoesNotMatch(new Regex("^testserver", RegexOptions.Multiline), fs.Output);

        ProcessProbe.Signal(fs.Pid, ProcessProbe.SIGINT);
        Assert.True(await fs.WaitForExitAsync(Patience) == 0, fs.Output);
        Assert.Null(await Http.TryGetAsync(apiPort));
        Assert.Null(await Http.TryGetAsync(webPort));
        Assert.Empty(WineProcesses.Running(wine.Prefix, wine.TestServerExe));
    }

    private static string Json(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal);
}
