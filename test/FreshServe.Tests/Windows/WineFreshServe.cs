using System.Diagnostics;
using System.Text.RegularExpressions;

namespace FreshServe.Tests.Windows;

/// <summary>
/// The Windows build of freshserve running under Wine, with its output captured line by line. On dispose it is
/// killed if still running, and the test fails if any test-server process of the prefix outlived it (those are
/// then ended with <c>wineserver -k</c>, which only touches this test run's private prefix).
/// </summary>
public sealed class WineFreshServe : IAsyncDisposable
{
    private readonly WineFixture _wine;
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private string? _outputFile;

    private WineFreshServe(WineFixture wine, Process process)
    {
        _wine = wine;
        _process = process;
    }

    /// <summary>The Linux pid: wine execs into the Windows program, so this is freshserve.exe itself (cmd.exe's with an output file).</summary>
    public int Pid => _process.Id;

    /// <param name="outputFile">Where freshserve's stdout and stderr go instead of the test's pipes, as with <c>&gt; file 2&gt;&amp;1</c>.</param>
    public static WineFreshServe Start(WineFixture wine, IEnumerable<string> args, string? outputFile = null)
    {
        var info = wine.WineStartInfo(new[] { wine.FreshServeExe }.Concat(args));
        if (outputFile is not null)
        {
            // Redirected the Windows way (cmd's > file): Wine cannot name a file handle inherited from a Unix shell.
            var command = string.Join(' ', new[] { WineFixture.WinePath(wine.FreshServeExe) }
                .Concat(args).Select(arg => arg.Contains(' ', StringComparison.Ordinal) ? $"\"{arg}\"" : arg));
            info.ArgumentList.Clear();
            foreach (var arg in new[] { "cmd", "/c", $"{command} > {WineFixture.WinePath(outputFile)} 2>&1" })
            {
                info.ArgumentList.Add(arg);
            }
        }

        var process = new Process { StartInfo = info };
        var self = new WineFreshServe(wine, process) { _outputFile = outputFile };
        process.OutputDataReceived += (_, e) => self.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => self.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return self;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
        }
    }

    public string Output => string.Join('\n', Lines);

    private string[] Lines
    {
        get
        {
            if (_outputFile is not null)
            {
                return File.Exists(_outputFile) ? File.ReadAllText(_outputFile).Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n') : [];
            }

            lock (_gate)
            {
                return _lines.ToArray();
            }
        }
    }

    public async Task<string> WaitForLineAsync(string pattern, TimeSpan timeout, int count = 1)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + timeout;
        var exitSeen = false;
        while (DateTime.UtcNow < deadline)
        {
            var lines = Lines;

            var matches = lines.Where(l => regex.IsMatch(l)).ToList();
            if (matches.Count >= count)
            {
                return matches[count - 1];
            }

            if (_process.HasExited && exitSeen)
            {
                break;
            }

            // One more look after the exit, for the last lines still on their way through the pipes.
            exitSeen = _process.HasExited;
            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"no line matching /{pattern}/; freshserve {(_process.HasExited ? "exited" : "is running")}. Output:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"freshserve under Wine did not exit within {timeout}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_outputFile is not null)
        {
            // freshserve.exe runs under cmd.exe here: end it by its own pid, as a crash would.
            foreach (var freshserve in WineProcesses.Running(_wine.Prefix, _wine.FreshServeExe)
                         .Where(e => !e.CommandLine.Contains("cmd", StringComparison.OrdinalIgnoreCase)))
            {
                Infrastructure.ProcessProbe.Signal(freshserve.Pid, Infrastructure.ProcessProbe.SIGKILL);
            }
        }

        if (!_process.HasExited)
        {
            Infrastructure.ProcessProbe.Signal(Pid, Infrastructure.ProcessProbe.SIGKILL);
            // Bounded: a Wine process left holding the output pipe would otherwise keep the wait (and the suite) forever;
            // the leftover check below names it.
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        // A killed freshserve's job closes as Wine notices the death; give it time before calling anything a leak.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        IReadOnlyList<WineProcesses.Entry> left;
        while ((left = WineProcesses.Running(_wine.Prefix, _wine.TestServerExe)).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        _process.Dispose();
        if (left.Count > 0)
        {
            var info = _wine.WineStartInfo(["-k"]);
            info.FileName = "wineserver";
            info.RedirectStandardInput = false;
            using var kill = Process.Start(info)!;
            await kill.WaitForExitAsync();
            Assert.Fail($"test-server processes outlived freshserve under Wine: {string.Join("; ", left)}\n{Output}");
        }
    }
}
