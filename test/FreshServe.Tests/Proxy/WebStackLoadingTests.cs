using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Proxy;

/// <summary>Nothing of the proxy (Kestrel, YARP) is loaded unless --proxy is given; freshserve -v says what it loaded.</summary>
public sealed class WebStackLoadingTests
{
    [Fact]
    public async Task Without_proxy_no_web_assembly_is_loaded_and_with_proxy_kestrel_and_yarp_are()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using (var plain = FreshServeProcess.Start(folder.Path, ["watch", "-v", "--", TestPaths.TestServer, "--port", port.ToString()]))
        {
            await plain.WaitForLineAsync("ready in", ProxyRun.Patience);
            plain.Signal(ProcessProbe.SIGTERM);
            Assert.Equal(0, await plain.WaitForExitAsync(ProxyRun.Patience));
            Assert.Contains("web stack loaded: none", plain.Output);
        }

        await using var run = await ProxyRun.StartAsync(options: ["-v"]);
        run.Process.Signal(ProcessProbe.SIGTERM);
        Assert.Equal(0, await run.Process.WaitForExitAsync(ProxyRun.Patience));
        var line = run.Process.Lines.Single(l => l.Contains("web stack loaded:", StringComparison.Ordinal));
        Assert.Contains("Microsoft.AspNetCore.Server.Kestrel.Core", line);
        Assert.Contains("Yarp.ReverseProxy", line);
    }
}
