using System.Diagnostics;
using System.Runtime.InteropServices;
using FreshServe.Logging;
using Microsoft.Extensions.Logging;

namespace FreshServe.Cli;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP (and key q) as stop requests: the first one fires <see cref="Shutdown"/>, a second one
/// <see cref="Force"/> (see <see cref="StopRequests"/>).
/// </summary>
public sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationTokenSource _force = new();
    private readonly StopRequests _requests = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ILogger _log;
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignals(ILogger log)
    {
        _log = log;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
    }

    public CancellationToken Shutdown => _shutdown.Token;

    public CancellationToken Force => _force.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        // Ctrl+C shows as ^C on the terminal; a signal from elsewhere (a closed terminal, systemd, docker stop) is named.
        if (context.Signal != PosixSignal.SIGINT)
        {
            _log.StopSignalReceived(context.Signal.ToString(), context.Signal == PosixSignal.SIGHUP ? " (the terminal closed)" : string.Empty);
        }

        Request();
    }

    public void Request()
    {
        switch (_requests.Next(_clock.Elapsed))
        {
            case StopRequest.Stop:
                _shutdown.Cancel();
                break;
            case StopRequest.Force:
                _log.Forcing();
                _force.Cancel();
                break;
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _shutdown.Dispose();
        _force.Dispose();
    }
}
