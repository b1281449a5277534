using System.Globalization;
using FreshServe.Cli;
using FreshServe.Presets;
using FreshServe.Processes;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Processes;

/// <summary>A preset stops its server with the signal the real server handles best; the user's choice still wins.</summary>
public sealed class PresetStopSignalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("go run .", StopSignal.Int)]
    [InlineData("uvicorn web_app:app", StopSignal.Term)]
    [InlineData("gunicorn web_app:app", StopSignal.Term)]
    [InlineData("python manage.py runserver --noreload", StopSignal.Term)]
    [InlineData("flask run", StopSignal.Term)]
    [InlineData("node server.js", StopSignal.Term)]
    [InlineData("dotnet run", StopSignal.Term)]
    [InlineData("sh -c true", StopSignal.Term)]
    public void The_preset_picks_the_stop_signal_when_the_user_gives_none(string commandLine, StopSignal expected)
    {
        using var folder = new TempFolder();
        var settings = new WatchArguments { RemainingArguments = commandLine.Split(' ') }.ToSettings(folder.Path);
        Assert.Equal(expected, settings.Stop.Signal);
    }

    [Fact]
    public void The_users_stop_signal_wins_over_the_preset_from_the_command_line_and_from_the_file()
    {
        using var folder = new TempFolder();
        Assert.Equal(StopSignal.Term,
            new WatchArguments { StopSignal = "SIGTERM", RemainingArguments = ["go", "run", "."] }.ToSettings(folder.Path).Stop.Signal);

        folder.Write("freshserve.json", """{ "command": ["go", "run", "."], "stopSignal": "SIGHUP" }""");
        Assert.Equal(StopSignal.Hup, new WatchArguments().ToSettings(folder.Path).Stop.Signal);
        Assert.Equal(StopSignal.Quit, new WatchArguments { StopSignal = "QUIT" }.ToSettings(folder.Path).Stop.Signal);
    }

    [Fact]
    public void Go_run_is_the_only_preset_that_needs_another_signal_than_sigterm()
    {
        Assert.Equal([PresetCatalog.GoRun.Name], PresetCatalog.All.Where(p => p.StopSignal != StopSignal.Term).Select(p => p.Name));
    }

    /// <summary>
    /// Under SIGTERM go run dies at once and leaves its build folder (about 4 MB) in $GOTMPDIR at every restart;
    /// under SIGINT it waits for the program and deletes it. A private GOTMPDIR counts only this test's folders.
    /// </summary>
    [Fact]
    public async Task Go_run_restarted_leaves_no_build_folder_behind()
    {
        Assert.True(OperatingSystem.IsLinux(), "golang-go is installed on the Linux CI machine");
        using var folder = new TempFolder();
        using var goTemp = new TempFolder();
        folder.Write("go.mod", "module example.com/fresh\n\ngo 1.19\n");
        var main = folder.Write("main.go", GoServer("one"));
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "go", "run", "."],
            new Dictionary<string, string>
            {
                ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["GOTMPDIR"] = goTemp.Path,
                ["TMPDIR"] = goTemp.Path,
            });

        await fs.WaitForLineAsync(@"preset go run: stops the server with SIGINT", Patience);
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 1\)", Patience);
        Assert.Equal("one", await Http.TryGetAsync(port));
        Assert.NotEmpty(BuildFolders(goTemp.Path));

        foreach (var (text, generation) in new[] { ("two", 2), ("three", 3), ("four", 4) })
        {
            File.WriteAllText(main, GoServer(text));
            await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation {generation}\)", Patience);
            Assert.Equal(text, await Http.TryGetAsync(port));
        }

        // Only the running generation's folder is left while it runs; none once freshserve stopped.
        Assert.Single(BuildFolders(goTemp.Path));
        fs.Signal(ProcessProbe.SIGTERM);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.Empty(BuildFolders(goTemp.Path));
        Assert.DoesNotContain("SIGKILL", fs.Output);
    }

    private static string[] BuildFolders(string temp) => Directory.GetDirectories(temp, "go-build*");

    private static string GoServer(string text) => $$"""
        package main

        import (
            "fmt"
            "net/http"
            "os"
        )

        func main() {
            http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "{{text}}") })
            http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil)
        }
        """;
}
