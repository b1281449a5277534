using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Windows;

/// <summary>
/// Windows builds of freshserve and the test server, run under Wine (Debian's wine64) in a private prefix.
/// The self-contained win-x64 publish happens once per change of the sources: it is cached under
/// artifacts/wine/&lt;hash of the sources&gt;. The prefix is created once per test run and removed at the end, after
/// <c>wineserver -k</c> ended every process of that prefix (the prefix is ours alone).
/// </summary>
public sealed class WineFixture : IAsyncLifetime
{
    public string Prefix { get; } = Directory.CreateTempSubdirectory("freshserve-wine-").FullName;

    public string FreshServeExe { get; private set; } = string.Empty;

    public string TestServerExe { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var output = await PublishAsync();
        FreshServeExe = Path.Combine(output, "freshserve", "freshserve.exe");
        TestServerExe = Path.Combine(output, "testserver", "testserver.exe");

        // The first start of a prefix sets it up (several seconds); every test after that reuses it.
        var (code, text) = await RunAsync("wine", [TestServerExe, "--exit", "0"], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"wine could not run the test server: exit {code}\n{text}");
    }

    public async Task DisposeAsync()
    {
        await RunAsync("wineserver", ["-k"], TimeSpan.FromSeconds(30));
        await RunAsync("wineserver", ["-w"], TimeSpan.FromSeconds(30));
        var left = WineProcesses.InPrefix(Prefix);
        try
        {
            Directory.Delete(Prefix, recursive: true);
        }
        catch (IOException)
        {
        }

        Assert.True(left.Count == 0, $"wine processes left after wineserver -k: {string.Join(", ", left)}");
    }

    /// <summary>The Windows form of a Linux path: Wine maps drive Z: to /.</summary>
    public static string WinePath(string linuxPath) => "Z:" + linuxPath.Replace('/', '\\');

    public ProcessStartInfo WineStartInfo(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("wine")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["WINEPREFIX"] = Prefix;
        info.Environment["WINEDEBUG"] = "-all";
        info.Environment["NO_COLOR"] = "1";
        return info;
    }

    private async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = WineStartInfo(arguments);
        info.FileName = file;
        return await Run(info, timeout);
    }

    private static async Task<(int Code, string Output)> Run(ProcessStartInfo info, TimeSpan timeout)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Publishes both programs for win-x64 unless this exact source state was published before.</summary>
    private static async Task<string> PublishAsync()
    {
        var repo = TestPaths.RepoRoot;
        var projects = new[] { ("freshserve", "src/FreshServe/FreshServe.csproj"), ("testserver", "test/FreshServe.TestServer/FreshServe.TestServer.csproj") };
        var output = Path.Combine(repo, "artifacts", "wine", SourceHash(repo));
        if (File.Exists(Path.Combine(output, "complete")))
        {
            return output;
        }

        var staging = output + ".staging-" + Environment.ProcessId;
        foreach (var (name, project) in projects)
        {
            var info = new ProcessStartInfo(TestPaths.DotnetHost)
            {
                UseShellExecute = false,
                WorkingDirectory = repo,
            };
            foreach (var arg in new[] { "publish", Path.Combine(repo, project), "-c", "Release", "-r", "win-x64", "--self-contained",
                         "--artifacts-path", Path.Combine(repo, "artifacts", "wine", "build"), "-o", Path.Combine(staging, name), "-nologo" })
            {
                info.ArgumentList.Add(arg);
            }

            // The test host runs under MSBuild's environment; a nested build must not inherit it.
            foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                info.Environment.Remove(key);
            }

            var (code, text) = await Run(info, TimeSpan.FromMinutes(10));
            Assert.True(code == 0, $"dotnet publish -r win-x64 of {project} failed:\n{text}");
        }

        await File.WriteAllTextAsync(Path.Combine(staging, "complete"), DateTime.UtcNow.ToString("O"));
        // Builds of earlier source states are ~150 MB each and never used again.
        foreach (var stale in Directory.EnumerateDirectories(Path.GetDirectoryName(output)!)
                     .Where(d => Path.GetFileName(d) is not "build" && d != staging && File.Exists(Path.Combine(d, "complete"))))
        {
            Directory.Delete(stale, recursive: true);
        }

        try
        {
            Directory.Move(staging, output);
        }
        catch (IOException) when (File.Exists(Path.Combine(output, "complete")))
        {
            // Another test run published the same sources meanwhile.
            Directory.Delete(staging, recursive: true);
        }

        return output;
    }

    private static string SourceHash(string repo)
    {
        var roots = new[] { "src/FreshServe", "test/FreshServe.TestServer" };
        var files = roots
            .SelectMany(r => Directory.EnumerateFiles(Path.Combine(repo, r), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Append(Path.Combine(repo, "Directory.Build.props"))
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(repo, file)));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}

[CollectionDefinition(Name)]
public sealed class WineCollection : ICollectionFixture<WineFixture>
{
    public const string Name = "Wine";
}

/// <summary>The Linux processes that run Windows programs of one Wine prefix, found by WINEPREFIX in their environment.</summary>
public static class WineProcesses
{
    public sealed record Entry(int Pid, string CommandLine)
    {
        public override string ToString() => $"{Pid} {CommandLine}";
    }

    public static IReadOnlyList<Entry> InPrefix(string prefix)
    {
        var marker = Encoding.UTF8.GetBytes($"\0WINEPREFIX={prefix}\0");
        var result = new List<Entry>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || !ProcessProbe.IsAlive(pid))
            {
                continue;
            }

            try
            {
                var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environ.AsSpan().StartsWith(marker.AsSpan(1)) || environ.AsSpan().IndexOf(marker) >= 0)
                {
                    var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                    result.Add(new Entry(pid, cmdline));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return result;
    }

    /// <summary>Processes of the prefix whose Windows command line runs <paramref name="exe"/> (optionally with a given role).</summary>
    public static IReadOnlyList<Entry> Running(string prefix, string exe, string? role = null) =>
        InPrefix(prefix)
            .Where(e => e.CommandLine.Contains(WineFixture.WinePath(exe), StringComparison.OrdinalIgnoreCase)
                     && (role is null || e.CommandLine.Contains($"--role {role} ", StringComparison.Ordinal) || e.CommandLine.EndsWith($"--role {role}", StringComparison.Ordinal)))
            .ToList();
}
