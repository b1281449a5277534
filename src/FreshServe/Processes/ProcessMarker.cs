using FreshServe.Processes.Unix;

namespace FreshServe.Processes;

/// <summary>
/// Which processes are ours: the one marker every worker starts with and everything it starts inherits,
/// <c>FRESHSERVE_SESSION=&lt;session&gt;.&lt;n&gt;</c> (the session's id, then the count of workers it started).
/// One worker's tree carries exactly its value (<see cref="WorkerTree"/>, so two generations that overlap never take
/// each other's processes); the whole session carries the prefix <c>&lt;session&gt;.</c> (a dead session's leftovers,
/// <see cref="SupervisorGuard"/>'s script, a port holder's session in doctor). Read from /proc on Linux, through
/// <see cref="ProcessTable"/>; elsewhere it is set but not read back (a process's start time proves identity there,
/// see <see cref="ProcessStartTime"/>).
/// </summary>
public static class ProcessMarker
{
    public const string Variable = "FRESHSERVE_SESSION";

    /// <summary>The id of a session that has no record (a launcher made without one): random, never a real session's.</summary>
    // Random v4 GUIDs come from the OS's secure generator, without loading OpenSSL as RandomNumberGenerator does (5 MB RSS).
    public static string NewSessionId() => Guid.NewGuid().ToString("N");

    /// <summary>The marker of the <paramref name="worker"/>-th worker of <paramref name="session"/>.</summary>
    public static string Value(string session, int worker) => $"{session}.{worker.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The session part of a marker value ("1234-5678.3" gives "1234-5678").</summary>
    public static string SessionOf(string value) => value.LastIndexOf('.') is > 0 and var dot ? value[..dot] : value;

    /// <summary>The session whose worker started <paramref name="pid"/> (Linux, same user only), or null.</summary>
    public static string? SessionOf(int pid) =>
        OperatingSystem.IsLinux() && ProcessTable.EnvironmentValue(pid, Variable) is { } value ? SessionOf(value) : null;

    /// <summary>The live (not zombie) processes that carry a marker of <paramref name="session"/> (Linux; empty elsewhere).</summary>
    public static IReadOnlyList<int> PidsOf(string session) =>
        OperatingSystem.IsLinux()
            ? ProcessTable.Snapshot($"{Variable}={session}.", markerIsPrefix: true).Where(e => e.CarriesToken).Select(e => e.Pid).ToList()
            : [];
}
