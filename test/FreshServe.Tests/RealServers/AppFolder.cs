using System.Diagnostics;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.RealServers;

/// <summary>
/// A fresh folder for one app, deleted afterwards: under the system temp folder, or beside the matrix's npm packages
/// (outside this repository, whose .gitignore would otherwise ignore it) when the app needs them.
/// </summary>
internal sealed class AppFolder : IDisposable
{
    public AppFolder(string? besideNodeModules)
    {
        Path = besideNodeModules is null
            ? Directory.CreateTempSubdirectory("freshserve-app-").FullName
            : Directory.CreateDirectory(System.IO.Path.Combine(besideNodeModules, "apps", Guid.NewGuid().ToString("N"))).FullName;
    }

    public string Path { get; }

    public void Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>express, vite and next, installed once per run by test/RealServers/install.sh (which .ci/run also calls).</summary>
internal static class NodeModules
{
    private static readonly Lazy<string> Installed = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Folder => Installed.Value;

    private static string Install()
    {
        var info = new ProcessStartInfo("bash", [System.IO.Path.Combine(TestPaths.RepoRoot, "test", "RealServers", "install.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var folder = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"test/RealServers/install.sh failed ({process.ExitCode}): {stderr.Result}");
        }

        return folder;
    }
}
