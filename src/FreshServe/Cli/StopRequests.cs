namespace FreshServe.Cli;

public enum StopRequest
{
    /// <summary>Stop the server tree gracefully, then exit.</summary>
    Stop,

    /// <summary>Kill the tree at once: the user asked a second time.</summary>
    Force,

    /// <summary>Nothing new: the same request delivered twice, or a request after the kill was already asked for.</summary>
    None,
}

/// <summary>
/// The double Ctrl+C rule: the first stop request stops gracefully, a second one kills. A second signal within
/// <see cref="SameRequest"/> of the first is the same request delivered twice, not a second Ctrl+C: timeout(1)
/// signals its child and then its whole group, npm forwards the SIGINT the terminal also sent to freshserve.
/// </summary>
public sealed class StopRequests
{
    public static readonly TimeSpan SameRequest = TimeSpan.FromMilliseconds(250);

    private readonly Lock _gate = new();
    private TimeSpan? _first;
    private bool _forced;

    /// <param name="now">The time of this request, on any clock that only moves forward.</param>
    public StopRequest Next(TimeSpan now)
    {
        lock (_gate)
        {
            if (_first is not { } first)
            {
                _first = now;
                return StopRequest.Stop;
            }

            if (_forced || now - first < SameRequest)
            {
                return StopRequest.None;
            }

            _forced = true;
            return StopRequest.Force;
        }
    }
}
