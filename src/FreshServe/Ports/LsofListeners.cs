using System.Diagnostics;
using System.Globalization;

namespace FreshServe.Ports;

/// <summary>
/// Finds a port's listener with lsof (macOS has no /proc): <c>lsof -nP -iTCP:PORT -sTCP:LISTEN -Fp</c>, whose
/// machine-readable output has one "p&lt;pid&gt;" line per process. The command line then comes from ps.
/// </summary>
public static class LsofListeners
{
    public static PortHolder Find(int port)
    {
        var output = Run("lsof", "-nP", $"-iTCP:{port.ToString(CultureInfo.InvariantCulture)}", "-sTCP:LISTEN", "-Fp");
        if (output is null || ParsePids(output).FirstOrDefault() is not (> 0 and var pid))
        {
            return new PortHolder(null, null);
        }

        return new PortHolder(pid, CommandLineOf(pid));
    }

    public static string? CommandLineOf(int pid)
    {
        var command = Run("ps", "-o", "command=", "-p", pid.ToString(CultureInfo.InvariantCulture))?.Trim();
        return string.IsNullOrEmpty(command) ? null : command;
    }

    /// <summary>The TCP ports <paramref name="pids"/> listen on: <c>lsof -nP -a -p PIDS -iTCP -sTCP:LISTEN -Fpn</c>.</summary>
    public static IReadOnlyList<TreeListener> ListenersOf(IReadOnlyCollection<int> pids)
    {
        if (pids.Count == 0)
        {
            return [];
        }

        var output = Run("lsof", "-nP", "-a", "-p", string.Join(',', pids.Select(p => p.ToString(CultureInfo.InvariantCulture))),
            "-iTCP", "-sTCP:LISTEN", "-Fpn");
        return output is null ? [] : ParseListeners(output);
    }

    /// <summary>
    /// The listeners in lsof -Fpn output: a "p&lt;pid&gt;" line, then one "n&lt;address&gt;:&lt;port&gt;" line per socket
    /// ("n*:8000", "n127.0.0.1:8000", "n[::1]:8000").
    /// </summary>
    public static IReadOnlyList<TreeListener> ParseListeners(string lsofFieldOutput)
    {
        var listeners = new List<TreeListener>();
        var pid = 0;
        foreach (var line in lsofFieldOutput.Split('\n'))
        {
            if (line.StartsWith('p'))
            {
                pid = int.TryParse(line.AsSpan(1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
            }
            else if (line.StartsWith('n') && pid > 0
                     && int.TryParse(line.AsSpan(line.LastIndexOf(':') + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                     && port is > 0 and <= 65535)
            {
                listeners.Add(new TreeListener(port, pid));
            }
        }

        return listeners.DistinctBy(l => l.Port).OrderBy(l => l.Port).ToList();
    }

    /// <summary>The pids in lsof -F output, in order, without repeats.</summary>
    public static IReadOnlyList<int> ParsePids(string lsofFieldOutput) =>
        lsofFieldOutput.Split('\n')
            .Where(line => line.StartsWith('p'))
            .Select(line => int.TryParse(line.AsSpan(1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Distinct()
            .ToArray();

    private static string? Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }

            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                return null;
            }

            return stdout.Result;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // lsof or ps is not installed.
            return null;
        }
    }
}
