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

        var command = Run("ps", "-o", "command=", "-p", pid.ToString(CultureInfo.InvariantCulture))?.Trim();
        return new PortHolder(pid, string.IsNullOrEmpty(command) ? null : command);
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
