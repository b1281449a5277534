using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FreshServe.Tests.Infrastructure;

/// <summary>
/// A script that starts the tests with <c>&amp;</c> (a non-interactive shell's background job) hands the test host
/// SIGINT and SIGQUIT ignored, and every freshserve it starts inherits that. freshserve (like the .NET runtime)
/// respects an ignored signal, so each test that stops it with SIGINT would hang for reasons of the launch, not of the
/// tool. The test host puts the default disposition back before any test starts a process.
/// </summary>
internal static partial class InheritedSignals
{
    private static readonly nint SigIgn = 1;

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before any test starts a process.")]
    internal static void RestoreDefaults()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var signal in new[] { ProcessProbe.SIGHUP, ProcessProbe.SIGINT, ProcessProbe.SIGTERM })
        {
            if (IsIgnored(signal))
            {
                SetHandler(signal, 0); // SIG_DFL
            }
        }
    }

    private static unsafe bool IsIgnored(int signal)
    {
        // struct sigaction begins with the handler on Linux; 256 bytes hold it on every architecture.
        var action = stackalloc nint[32];
        return sigaction(signal, null, action) == 0 && action[0] == SigIgn;
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static unsafe partial int sigaction(int signal, nint* action, nint* oldAction);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetHandler(int signal, nint handler);
}
