using System.Reflection;

namespace FreshServe.Tests.Infrastructure;

/// <summary>Where the built tool and the test server are: next to this test assembly, built by the same build.</summary>
public static class TestPaths
{
    private static readonly string TestBin = Path.GetDirectoryName(typeof(TestPaths).Assembly.Location)!;

    /// <summary>Debug or Release, whichever built these tests.</summary>
    public static string Configuration =>
        typeof(TestPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>freshserve.dll, copied into the test output through the project reference.</summary>
    public static string FreshServeDll => Path.Combine(TestBin, "freshserve.dll");

    /// <summary>
    /// FRESHSERVE_UNDER_TEST: a freshserve executable to test instead of the JIT build, e.g. the Native AOT binary from
    /// the linux-x64 tool package or the one a wheel installed (build/build.sh runs a subset of the suite that way).
    /// </summary>
    public static string? FreshServeUnderTest =>
        Environment.GetEnvironmentVariable("FRESHSERVE_UNDER_TEST") is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>The command that runs the freshserve under test: the given executable, else <c>dotnet freshserve.dll</c>.</summary>
    public static IReadOnlyList<string> FreshServeCommand =>
        FreshServeUnderTest is { } executable ? [executable] : [DotnetHost, FreshServeDll];

    /// <summary>The test server's app host (an executable), built alongside the tests.</summary>
    public static string TestServer
    {
        get
        {
            var repo = RepoRoot;
            var name = OperatingSystem.IsWindows() ? "testserver.exe" : "testserver";
            return Path.Combine(repo, "test", "FreshServe.TestServer", "bin", Configuration, "net10.0", name);
        }
    }

    /// <summary>The web test server for proxy mode (HTML, compression, WebSockets, streaming), built alongside.</summary>
    public static string WebTestServer =>
        Path.Combine(RepoRoot, "test", "FreshServe.WebTestServer", "bin", Configuration, "net10.0",
            OperatingSystem.IsWindows() ? "webtestserver.exe" : "webtestserver");

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(TestBin);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FreshServe.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("FreshServe.sln not found above " + TestBin);
        }
    }

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
