using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace FreshServe.Tests.Infrastructure;

/// <summary>
/// The built tool, run as a real process in a folder of the test's. Output is captured line by line; on dispose it is
/// stopped, and every process it or its workers started is checked and, if left over, killed by pid and reported.
/// </summary>
public sealed partial class FreshServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private readonly HashSet<int> _seenPids = [];
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    private FreshServeProcess(Process process)
    {
        _process = process;
        _seenPids.Add(process.Id);
    }

    public int Pid => _process.Id;

    /// <param name="wrapper">A command that runs freshserve (e.g. unshare ...), given <see cref="TestPaths.FreshServeCommand"/> and its arguments.</param>
    public static FreshServeProcess Start(string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? env = null,
        IReadOnlyList<string>? wrapper = null)
    {
        var command = (wrapper ?? []).Concat(TestPaths.FreshServeCommand).ToList();
        var info = NewStartInfo(command[0], workingDirectory);
        foreach (var arg in command.Skip(1).Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        return Launch(info, env);
    }

    /// <summary>
    /// Runs the tool inside a pseudo-terminal (util-linux <c>script</c>), so its stdin is a TTY: what it reads as keys
    /// comes from <see cref="WriteInput"/>. <see cref="Pid"/> is then script's pid; freshserve is its child.
    /// </summary>
    public static FreshServeProcess StartInTerminal(string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        // script runs the command through $SHELL -c; dash (/bin/sh on Debian, and what script uses when SHELL is unset)
        // does not exec a lone command, and Ctrl+C would then kill that shell too. exec makes freshserve the
        // terminal's session leader whatever the shell.
        var command = "exec " + string.Join(' ', TestPaths.FreshServeCommand.Concat(args).Select(ShellQuote));
        var info = NewStartInfo("script", workingDirectory);
        info.Environment["SHELL"] = "/bin/sh";
        foreach (var arg in new[] { "-qfec", command, "/dev/null" })
        {
            info.ArgumentList.Add(arg);
        }

        return Launch(info, env);
    }

    private static string ShellQuote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Writes to the tool's stdin (the terminal, for <see cref="StartInTerminal"/>).</summary>
    public void WriteInput(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    private static ProcessStartInfo NewStartInfo(string fileName, string workingDirectory) =>
        new(fileName)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };

    private static FreshServeProcess Launch(ProcessStartInfo info, IDictionary<string, string>? env)
    {
        info.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        FreshServeProcess? self = null;
        process.OutputDataReceived += (_, e) => self!.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => self!.OnLine(e.Data);
        process.Start();
        self = new FreshServeProcess(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return self;
    }

    /// <summary>Runs the tool to completion (for commands that exit by themselves) and returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, params string[] args)
    {
        await using var run = Start(workingDirectory, args);
        var code = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));
        // Such a command starts no server; a pid in its output is another session's (status, a port holder), never to be killed here.
        run.Forget(run.LoggedPids);
        return (code, run.Output);
    }

    private void OnLine(string? line)
    {
        lock (_gate)
        {
            if (line is null)
            {
                if (--_openStreams == 0)
                {
                    _outputClosed.TrySetResult();
                }

                return;
            }

            _lines.Add(line);
            foreach (Match m in PidPattern().Matches(line))
            {
                _seenPids.Add(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }

        }
    }

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToArray();
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> lines match; returns the last of them. Fails the test on timeout.</summary>
    public async Task<string> WaitForLineAsync(string pattern, TimeSpan? timeout = null, int count = 1)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var matches = Lines.Where(l => regex.IsMatch(l)).ToList();
            if (matches.Count >= count)
            {
                return matches[count - 1];
            }

            if (_process.HasExited && _outputClosed.Task.IsCompleted)
            {
                break;
            }

            await Task.Delay(10);
        }

        throw new Xunit.Sdk.XunitException(
            $"no {count} line(s) matching /{pattern}/ within the timeout; freshserve {(_process.HasExited ? "exited" : "is running")}. Output:\n{Output}");
    }

    public int Count(string pattern) => Lines.Count(l => Regex.IsMatch(l, pattern));

    /// <summary>Worker pids freshserve logged ("pid N").</summary>
    public IReadOnlyList<int> LoggedPids
    {
        get
        {
            lock (_gate)
            {
                // Never the test host: a message may name it (a session run in-process, as ProjectRunnerTests do).
                return _seenPids.Where(p => p != Pid && p != Environment.ProcessId).ToArray();
            }
        }
    }

    /// <summary>Remembers extra pids (e.g. from a pid file) so the final check covers them.</summary>
    public void Track(IEnumerable<int> pids)
    {
        lock (_gate)
        {
            _seenPids.UnionWith(pids);
        }
    }

    /// <summary>Leaves pids out of the final check: processes freshserve only named (another session, a foreign holder).</summary>
    public void Forget(IEnumerable<int> pids)
    {
        lock (_gate)
        {
            _seenPids.ExceptWith(pids);
        }
    }

    public void Signal(int signal) => ProcessProbe.Signal(Pid, signal);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_process.HasExited)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"freshserve did not exit within {timeout}. Output:\n{Output}");
            }

            await Task.Delay(10);
        }

        // Let the output readers drain so assertions see the last lines.
        await Task.WhenAny(_outputClosed.Task, Task.Delay(2000));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        var tracked = LoggedPids.Concat(ProcessProbe.Descendants(Pid)).Distinct().ToList();
        Track(tracked);
        if (!_process.HasExited)
        {
            Signal(ProcessProbe.SIGTERM);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (!_process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        var all = LoggedPids;
        await ProcessProbe.WaitUntilGoneAsync(all, TimeSpan.FromSeconds(5));
        var survivors = ProcessProbe.KillSurvivors(all);
        _process.Dispose();
        Assert.True(survivors.Count == 0, $"processes left running after freshserve stopped: {string.Join(", ", survivors)}\n{Output}");
    }

    [GeneratedRegex(@"\bpid (\d+)")]
    private static partial Regex PidPattern();
}
