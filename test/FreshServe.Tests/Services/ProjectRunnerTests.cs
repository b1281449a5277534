using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using FreshServe.Services;
using FreshServe.Supervision;
using FreshServe.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FreshServe.Tests.Services;

/// <summary>
/// The project runner in-process, on a project plan built directly (what freshserve.json resolves into), with real
/// uvicorn, Python and Node processes: each edit restarts exactly the services that watch it, a shared file restarts
/// the API before its dependent worker, the worker's output arrives prefixed, and nothing is left after shutdown.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class ProjectRunnerTests
{
    [Fact]
    public async Task Each_edit_restarts_only_the_services_that_watch_it_and_a_shared_file_restarts_dependencies_first()
    {
        using var project = new ThreeServiceProject();
        await using var run = ProjectRun.Start(project);

        Assert.Equal("api-1 hello", await Http.WaitForAsync(project.ApiPort, body => body == "api-1 hello", TimeSpan.FromSeconds(30)));
        Assert.Equal("web-1", await Http.WaitForAsync(project.WebPort, body => body == "web-1", TimeSpan.FromSeconds(30)));
        await project.WaitForEventsAsync("worker start", 1);
        // The worker depends on the API: it started once the API was ready.
        Assert.True(project.Events.ToList().FindIndex(e => e.StartsWith("api start", StringComparison.Ordinal))
                    < project.Events.ToList().FindIndex(e => e.StartsWith("worker start", StringComparison.Ordinal)), string.Join('\n', project.Events));

        project.Edit("web/server.js", "web-1", "web-2");
        Assert.Equal("web-2", await Http.WaitForAsync(project.WebPort, body => body == "web-2", TimeSpan.FromSeconds(30)));

        project.Edit("worker/worker.py", "worker-1", "worker-2");
        await project.WaitForEventsAsync("worker start worker-2", 1);

        project.Edit("shared/message.txt", "hello", "bye");
        Assert.Equal("api-1 bye", await Http.WaitForAsync(project.ApiPort, body => body == "api-1 bye", TimeSpan.FromSeconds(30)));
        await project.WaitForEventsAsync("worker start worker-2 bye", 1);

        // Settle, so a late extra restart would show.
        await Task.Delay(1500);
        var events = project.Events.ToList();
        Assert.Equal(2, project.Count("api start"));
        Assert.Equal(3, project.Count("worker start"));
        Assert.Equal(2, project.Count("web start"));
        Assert.True(events.FindLastIndex(e => e.StartsWith("api start", StringComparison.Ordinal))
                    < events.FindLastIndex(e => e.StartsWith("worker start", StringComparison.Ordinal)), string.Join('\n', events));
        Assert.Contains("worker │ worker worker-2 working on bye", run.Output);
        Assert.Contains(run.Log, line => line.StartsWith("freshserve/web: ", StringComparison.Ordinal) && line.Contains("✓ ready", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_crashing_service_leaves_the_others_serving_and_an_edit_brings_it_back()
    {
        using var project = new ThreeServiceProject();
        await using var run = ProjectRun.Start(project);
        await Http.WaitForAsync(project.WebPort, body => body == "web-1", TimeSpan.FromSeconds(30));
        await project.WaitForEventsAsync("worker start", 1);

        project.Folder.Write("crash-worker", string.Empty);
        await run.WaitForLogAsync(@"^freshserve/worker: .*exited with code 3");
        File.Delete(project.Folder.File("crash-worker"));

        // The others were neither stopped nor restarted: the same generation answers.
        Assert.Equal("api-1 hello", await Http.TryGetAsync(project.ApiPort));
        Assert.Equal("web-1", await Http.TryGetAsync(project.WebPort));
        project.Edit("web/server.js", "web-1", "web-2");
        Assert.Equal("web-2", await Http.WaitForAsync(project.WebPort, body => body == "web-2", TimeSpan.FromSeconds(30)));

        project.Edit("worker/worker.py", "worker-1", "worker-2");
        await project.WaitForEventsAsync("worker start worker-2", 1);
        Assert.Equal(1, project.Count("api start"));
        Assert.Equal("api-1 hello", await Http.TryGetAsync(project.ApiPort));
    }

    [Fact]
    public async Task Status_and_restart_work_from_a_second_process()
    {
        using var project = new ThreeServiceProject();
        await using var run = ProjectRun.Start(project);
        await Http.WaitForAsync(project.ApiPort, body => body == "api-1 hello", TimeSpan.FromSeconds(30));
        await Http.WaitForAsync(project.WebPort, body => body == "web-1", TimeSpan.FromSeconds(30));
        await project.WaitForEventsAsync("worker start", 1);

        var (code, status) = await FreshServeProcess.RunAsync(project.Folder.File("web"), "status");
        Assert.True(code == 0, status);
        var lines = status.Split('\n');
        Assert.Matches(@"^SERVICE +STATE +GEN +PID +PORT +READY SINCE +LAST RESTART +WHY$", lines[0]);
        Assert.Matches($@"^api +ready +1 +\d+ +{project.ApiPort} +\d\d:\d\d:\d\d +- +-$", lines[1]);
        Assert.Matches(@"^worker +running +1 +\d+ +- +\d\d:\d\d:\d\d +- +-$", lines[2]);
        Assert.Matches($@"^web +ready +1 +\d+ +{project.WebPort} ", lines[3]);

        var (restartCode, restarted) = await FreshServeProcess.RunAsync(project.Path, "restart", "web");
        Assert.True(restartCode == 0, restarted);
        Assert.Equal("restarting web", restarted.Trim());
        await project.WaitForEventsAsync("web start", 2);
        await run.WaitForLogAsync(@"^freshserve/web: ✓ ready .*generation 2");
        (_, status) = await FreshServeProcess.RunAsync(project.Path, "status");
        Assert.Matches($@"(?m)^web +ready +2 +\d+ +{project.WebPort} +\d\d:\d\d:\d\d +\d\d:\d\d:\d\d +restart requested$", status);
        Assert.Equal(1, project.Count("api start"));
        Assert.Equal(1, project.Count("worker start"));

        var (unknownCode, unknown) = await FreshServeProcess.RunAsync(project.Path, "restart", "wbe");
        Assert.Equal(1, unknownCode);
        Assert.Equal("freshserve: no service named wbe; the services are api, worker, web", unknown.Trim());

        // A session whose control socket could not be made (no Unix domain sockets: Wine, old Windows) is named as such.
        var registry = FreshServe.Sessions.SessionRegistry.ForCurrentUser();
        var record = registry.ReadAll().Single(r => r.Folder == project.Path);
        File.Delete(ControlServer.PathFor(registry, record));
        var (noSocketCode, noSocket) = await FreshServeProcess.RunAsync(project.Path, "status");
        Assert.Equal(1, noSocketCode);
        Assert.True(Regex.IsMatch(noSocket.Trim(), @"^freshserve: the freshserve session here \(pid \d+\) has no control socket \(.*\.sock\): it said why when it started; use its keys in its terminal instead \(r, 1-9\)$"),
            noSocket);
    }

    [Fact]
    public async Task A_service_whose_command_cannot_start_ends_the_project_with_one_line_naming_it_and_nothing_left()
    {
        using var project = new ThreeServiceProject();
        var plan = ProjectPlanOf(project);
        var web = plan.Services[2];
        // A script whose interpreter does not exist: found, but its start fails, while the API starts beside it.
        var broken = project.Folder.Write("web/broken-server", "#!/no/such/interpreter\n");
        File.SetUnixFileMode(broken, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        plan = plan with { Services = [plan.Services[0], plan.Services[1], web with { Settings = web.Settings with { Command = broken, CommandArguments = [] } }] };
        await using var run = ProjectRun.Start(plan, project.Path);

        var failure = await Assert.ThrowsAsync<FreshServe.Processes.CommandStartException>(() => run.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.StartsWith("service web: cannot start", failure.Message, StringComparison.Ordinal);
        Assert.Contains("/no/such/interpreter", failure.Message, StringComparison.Ordinal);
        Assert.Null(await Http.TryGetAsync(project.ApiPort));
    }

    /// <summary>A running <see cref="ProjectRunner"/>: its log lines by category, its output, and every pid it logged, checked gone at the end.</summary>
    internal sealed partial class ProjectRun : IAsyncDisposable
    {
        private readonly CancellationTokenSource _shutdown = new();
        private readonly CancellationTokenSource _force = new();
        private readonly ConcurrentQueue<string> _log = new();
        private readonly TextSink _output = new();
        private readonly ILoggerFactory _loggers;
        private Task<int> _run = Task.FromResult(0);

        private ProjectRun()
        {
            _loggers = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(new Provider(_log)));
        }

        public static ProjectRun Start(ThreeServiceProject project) => Start(ProjectPlanOf(project), project.Path);

        public static ProjectRun Start(ProjectPlan plan, string folder)
        {
            _ = folder;
            var run = new ProjectRun();
            var labels = new ServiceLabels(plan.Services.Select(s => s.Name).ToList());
            // Not the orphan reaper of the test host: other tests start .NET children under setsid, whose exit
            // status the reaper would take from the runtime (which ends the test host with FailFast).
            var options = OperatingSystem.IsWindows() ? null : new ProjectRunOptions(Launcher: id => new FreshServe.Processes.Unix.UnixWorkerLauncher(id, reapOrphans: false));
            var runner = new ProjectRunner(plan, run._loggers, labels, new OutputSink(run._output, color: false), options: options);
            run._run = runner.RunAsync(run._shutdown.Token, run._force.Token, run._shutdown.Cancel);
            return run;
        }

        public IReadOnlyList<string> Log => _log.ToArray();

        public string Output => _output.Text;

        public Task<int> Completion => _run;

        public async Task<string> WaitForLogAsync(string pattern, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
            while (DateTime.UtcNow < deadline)
            {
                if (Log.FirstOrDefault(line => Regex.IsMatch(line, pattern)) is { } found)
                {
                    return found;
                }

                await Task.Delay(20);
            }

            throw new Xunit.Sdk.XunitException($"no log line matching /{pattern}/:\n{string.Join('\n', Log)}");
        }

        public IReadOnlyList<int> LoggedPids =>
            Log.SelectMany(line => PidPattern().Matches(line).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
                .Where(pid => pid != Environment.ProcessId).Distinct().ToList();

        public async ValueTask DisposeAsync()
        {
            await _shutdown.CancelAsync();
            var finished = await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(30)));
            // A run that failed was asserted on by its test; what matters here is that it ended and left nothing.
            var pids = LoggedPids;
            await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5));
            var survivors = ProcessProbe.KillSurvivors(pids);
            _loggers.Dispose();
            Assert.True(finished == _run, "the project did not stop within 30 s:\n" + string.Join('\n', Log));
            Assert.True(survivors.Count == 0, $"left running: {string.Join(", ", survivors)}\n{string.Join('\n', Log)}");
        }

        [GeneratedRegex(@"\bpid (\d+)")]
        private static partial Regex PidPattern();

        private sealed class Provider(ConcurrentQueue<string> lines) : ILoggerProvider
        {
            public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

            public void Dispose()
            {
            }
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }

    /// <summary>What freshserve.json's services resolve into, built by hand.</summary>
    internal static ProjectPlan ProjectPlanOf(ThreeServiceProject project)
    {
        WatchSettings Settings(string command, string[] arguments, string cwd, string[] watch, int? port) => new()
        {
            Command = command,
            CommandArguments = arguments,
            WorkingDirectory = project.Folder.File(cwd),
            WatchRoots = watch.Select(project.Folder.File).ToList(),
            Port = port,
            PortSource = port is null ? null : "the test",
            Stop = new FreshServe.Processes.StopPolicy(FreshServe.Processes.StopSignal.Term, TimeSpan.FromSeconds(5)),
        };

        return new ProjectPlan(
        [
            new ServicePlan("api", [], Settings("/usr/bin/python3", ["-m", "uvicorn", "app:app", "--port", $"{project.ApiPort}"], "api", ["api", "shared"], project.ApiPort)),
            new ServicePlan("worker", ["api"], Settings("/usr/bin/python3", ["-u", "worker.py"], "worker", ["worker", "shared"], null)),
            new ServicePlan("web", [], Settings("node", ["server.js", $"{project.WebPort}"], "web", ["web"], project.WebPort)),
        ], project.Folder.File("freshserve.json"));
    }
}
