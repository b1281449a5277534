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
