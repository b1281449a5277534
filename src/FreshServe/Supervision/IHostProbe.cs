using System.Net;
using FreshServe.Ports;
using FreshServe.Proxy;

namespace FreshServe.Supervision;

/// <summary>
/// What the restart loop asks the machine about ports and worker trees. <see cref="HostProbe"/> asks the system (the
/// socket table, /proc, connects); a test answers with a fake, so the loop's decisions can be driven without real
/// servers or real time.
/// </summary>
public interface IHostProbe
{
    /// <summary>What the tree rooted at <paramref name="pid"/> listens on now; none when it cannot be read.</summary>
    IReadOnlyList<TreeListener> ListenersOf(int pid);

    bool IsListening(int port);

    /// <summary>True once no one listens on <paramref name="port"/>; false when --port-timeout passed with it still held.</summary>
    Task<bool> WaitUntilFreeAsync(int port, CancellationToken cancellationToken);

    /// <summary>Completes once none of <paramref name="ports"/> is listened on by anyone.</summary>
    Task WaitUntilNoneListensAsync(IReadOnlyList<int> ports, CancellationToken cancellationToken);

    /// <summary>How the tree became ready (see <see cref="PortReadiness"/>), or null when <paramref name="timeout"/> passed first.</summary>
    Task<ReadyPort?> WaitUntilReadyAsync(int pid, int? expected, TimeSpan timeout, bool slow, bool elsewhereCounts, CancellationToken cancellationToken);

    /// <summary>True once <paramref name="url"/> answers 2xx/3xx (see <see cref="ReadinessProbe.WaitForHttpAsync"/>).</summary>
    Task<bool> WaitForUrlAsync(Uri url, TimeSpan timeout, TimeSpan? maxPause, Action<HttpStatusCode>? answered, CancellationToken cancellationToken);

    /// <summary>A free internal port for the next generation behind the proxy.</summary>
    int PickWorkerPort();

    /// <summary>True where the files a tree holds open can be read (Linux /proc): the server's own writes are judged on that evidence.</summary>
    bool ReadsTreeFiles { get; }
}

/// <summary>The system's answers.</summary>
public sealed class HostProbe(TimeSpan portTimeout, TimeProvider time) : IHostProbe
{
    private readonly PortFreeWaiter _portWaiter = new(portTimeout, time: time);

    public IReadOnlyList<TreeListener> ListenersOf(int pid) => TreePorts.ReadOrNone(pid);

    public bool IsListening(int port) => PortListeners.IsListening(port);

    public Task<bool> WaitUntilFreeAsync(int port, CancellationToken cancellationToken) => _portWaiter.WaitAsync(port, cancellationToken);

    /// <summary>Looks often: a bind attempt costs microseconds, and each look saved is time the user waits.</summary>
    public async Task WaitUntilNoneListensAsync(IReadOnlyList<int> ports, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(OperatingSystem.IsLinux() ? 2 : 10);
        var pending = ports.ToList();
        while (true)
        {
            pending.RemoveAll(port => !PortListeners.IsListening(port));
            if (pending.Count == 0)
            {
                return;
            }

            await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<ReadyPort?> WaitUntilReadyAsync(int pid, int? expected, TimeSpan timeout, bool slow, bool elsewhereCounts, CancellationToken cancellationToken) =>
        PortReadiness.WaitAsync(pid, expected, timeout, cancellationToken, slow, elsewhereCounts);

    public Task<bool> WaitForUrlAsync(Uri url, TimeSpan timeout, TimeSpan? maxPause, Action<HttpStatusCode>? answered, CancellationToken cancellationToken) =>
        ReadinessProbe.WaitForHttpAsync(url, timeout, cancellationToken, maxPause, answered);

    public int PickWorkerPort() => WorkerPort.Pick();

    public bool ReadsTreeFiles => OperatingSystem.IsLinux();
}
