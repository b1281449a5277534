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

    private WineFreshServe(WineFixture wine, Process process)
    {
        _wine = wine;
        _process = process;
    }

    /// <summary>The Linux pid: wine execs into the Windows program, so this is freshserve.exe itself.</summary>
    public int Pid => _process.Id;

    public static WineFreshServe Start(WineFixture wine, IEnumerable<string> args)
    {
        var process = new Process { StartInfo = wine.WineStartInfo(new[] { wine.FreshServeExe }.Concat(args)) };
        var self = new WineFreshServe(wine, process);
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

    public async Task<string> WaitForLineAsync(string pattern, TimeSpan timeout, int count = 1)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + timeout;
        var exitSeen = false;
        while (DateTime.UtcNow < deadline)
        {
            string[] lines;
            lock (_gate)
            {
                lines = _lines.ToArray();
            }

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
        if (!_process.HasExited)
        {
            Infrastructure.ProcessProbe.Signal(Pid, Infrastructure.ProcessProbe.SIGKILL);
            await _process.WaitForExitAsync();
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
