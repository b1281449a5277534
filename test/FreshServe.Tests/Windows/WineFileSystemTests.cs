using System.Diagnostics;
using System.Globalization;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Windows;

/// <summary>
/// The Windows answer to "does this folder need polling", under Wine: a drive Wine is told is a network drive
/// (HKLM\Software\Wine\Drives, the drive letter set to "network") makes GetDriveType say DRIVE_REMOTE. doctor says the
/// folder needs polling, watch polls it by itself and says why, and an edit there is served.
/// </summary>
[Collection(WineCollection.Name)]
public sealed class WineFileSystemTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_folder_on_a_network_drive_is_polled_and_doctor_says_the_same()
    {
        using var share = new TempFolder();
        var content = share.Write("page.txt", "one");

        // A prefix of its own: Wine's mount manager reads drive types when it starts, so the drive is set up first.
        var wine = new WineFixture();
        await wine.InitializeAsync();
        try
        {
            File.CreateSymbolicLink(Path.Combine(wine.Prefix, "dosdevices", "y:"), share.Path);
            Assert.Equal(0, (await RunAsync(wine, ["reg", "add", @"HKLM\Software\Wine\Drives", "/v", "y:", "/d", "network", "/f"])).Code);
            await RunAsync(wine, ["wineserver", "-k"], program: "wineserver");
            await RunAsync(wine, ["wineserver", "-w"], program: "wineserver");

            var doctor = await RunAsync(wine, [wine.FreshServeExe, "doctor"], workingDirectory: share.Path);
            Assert.Contains(@"needs polling: it is on DRIVE_REMOTE (mounted at Y:\), a network drive or share", doctor.Output, StringComparison.Ordinal);

            var port = FreePort.Get();
            var portText = port.ToString(CultureInfo.InvariantCulture);
            await using var fs = WineFreshServe.Start(wine,
                ["watch", "--no-input", "--port", portText, "-w", @"Y:\",
                 "--", WineFixture.WinePath(wine.TestServerExe), "--port", portText, "--content", @"Y:\page.txt"]);
            await fs.WaitForLineAsync(@"polling every 500 ms instead of file events: Y:\\ is on DRIVE_REMOTE \(mounted at Y:\\\), a network drive or share", Patience);
            Assert.NotNull(await Http.WaitForAsync(port, body => body.Contains("content=one", StringComparison.Ordinal), Patience));

            File.WriteAllText(content, "two");
            var fresh = await Http.WaitForAsync(port, body => body.Contains("content=two", StringComparison.Ordinal), Patience);
            Assert.True(fresh is not null, $"the edit on the network drive was never served. Output:\n{fs.Output}");

            ProcessProbe.Signal(fs.Pid, ProcessProbe.SIGINT);
            Assert.Equal(0, await fs.WaitForExitAsync(Patience));
            Assert.Contains("nothing left running", fs.Output, StringComparison.Ordinal);
        }
        finally
        {
            await wine.DisposeAsync();
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(WineFixture wine, string[] args, string program = "wine", string? workingDirectory = null)
    {
        var info = wine.WineStartInfo(program == "wine" ? args : args.Skip(1));
        info.FileName = program;
        info.RedirectStandardInput = false;
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Patience);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{program} {string.Join(' ', args)} did not finish within {Patience}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
