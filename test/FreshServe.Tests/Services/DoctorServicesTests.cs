using FreshServe.Tests.Infrastructure;
using FreshServe.Tests.Sessions;

namespace FreshServe.Tests.Services;

/// <summary>freshserve doctor in a project with services, run as a real process against a real port holder.</summary>
public sealed class DoctorServicesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Doctor_checks_each_services_command_ports_and_folders()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var (heldPort, freePort, proxyPort) = (FreePort.Get(), FreePort.Get(), FreePort.Get());
        using var foreign = TestServerProcess.Start(["--port", heldPort.ToString(), "--role", "foreign"]);
        await foreign.WaitUntilListeningAsync();
        folder.Write("api/app.py", "");
        folder.Write("freshserve.json", $$"""
            { "services": {
                "api":    { "command": ["{{TestPaths.TestServer}}", "--port", "{{heldPort}}"], "cwd": "api" },
                "web":    { "command": ["{{TestPaths.TestServer}}", "--port", "{port}"], "proxy": {{proxyPort}}, "dependsOn": "api" },
                "worker": { "command": "no-such-worker-xyz --queue jobs", "dependsOn": ["api"] },
                "admin":  { "command": ["{{TestPaths.TestServer}}", "--port", "{{freePort}}"] } } }
            """);

        var doctor = sessions.StartFreshServe(folder.Path, "doctor");
        var code = await doctor.WaitForExitAsync(Patience);
        var output = doctor.Output;
        doctor.Forget(doctor.LoggedPids);
        await doctor.DisposeAsync();

        Assert.Equal(0, code);
        Assert.Contains($"Services (from {folder.File("freshserve.json")})\n  api: ", output);
        Assert.Contains($"(in {folder.File("api")})\n    ✓ {TestPaths.TestServer} is ", output);
        Assert.Contains($"    ✗ port {heldPort} is held by pid {foreign.Pid} ", output);
        Assert.Contains($"    ✓ proxy port {proxyPort} is free.", output);
        Assert.Contains("  worker: no-such-worker-xyz --queue jobs (in " + folder.Path + "; starts after api)\n    ✗ command 'no-such-worker-xyz' not found on PATH", output);
        Assert.Contains("    · no port known: it is observed when the server listens", output);
        Assert.Contains($"    ✓ port {freePort} is free.", output);
        Assert.Matches($@"    [✓✗·] watches {System.Text.RegularExpressions.Regex.Escape(folder.File("api"))}", output);
        Assert.True(output.IndexOf("  api: ", StringComparison.Ordinal) < output.IndexOf("  web: ", StringComparison.Ordinal));
        Assert.True(ProcessProbe.IsAlive(foreign.Pid));
    }

    [Fact]
    public async Task Doctor_reports_a_bad_services_file_and_goes_on()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        folder.Write("freshserve.json", "{ \"services\": { \"api\": { \"command\": \"sh\", \"dependsOn\": \"db\" } } }");
        var doctor = sessions.StartFreshServe(folder.Path, "doctor");
        var code = await doctor.WaitForExitAsync(Patience);
        var output = doctor.Output;
        await doctor.DisposeAsync();

        Assert.Equal(0, code);
        Assert.Contains("Config\n  ✗ " + folder.File("freshserve.json") + ": line 1, column 56: 'dependsOn': unknown service 'db'. The services are: api\n", output);
        Assert.Contains("Sessions (recorded in ", output);
    }
}
