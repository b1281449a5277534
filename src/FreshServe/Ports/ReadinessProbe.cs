using System.Net;
using System.Net.Sockets;

namespace FreshServe.Ports;

/// <summary>Whether a port accepts TCP connections on loopback (IPv4 or IPv6); waits until a URL answers 2xx/3xx.</summary>
public static class ReadinessProbe
{
    /// <summary>Returns true once <paramref name="url"/> answers with a 2xx or 3xx status (redirects are not followed).</summary>
    /// <param name="maxPause">The longest pause between two attempts (they start at a few ms and grow).</param>
    /// <param name="answered">Told each status that is not ready (404, 500...), so a timeout can say what the URL answers.</param>
    public static async Task<bool> WaitForHttpAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? maxPause = null,
        Action<HttpStatusCode>? answered = null)
    {
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        return await RetryAsync(async budget =>
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(budget);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
                if ((int)response.StatusCode is >= 200 and < 400)
                {
                    return true;
                }

                answered?.Invoke(response.StatusCode);
                return false;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (OperationCanceledException) when (!budget.IsCancellationRequested)
            {
                return false; // this attempt's own 2 s
            }
        }, timeout, TimeSpan.FromMilliseconds(5), maxPause ?? TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="port"/> accepts a connection on loopback, IPv4 or IPv6, right now.</summary>
    public static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken) =>
        await CanConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false)
        || await CanConnectAsync(IPAddress.IPv6Loopback, port, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Tries until an attempt succeeds (true) or <paramref name="timeout"/> passes (false), pausing between attempts
    /// from <paramref name="firstPause"/> up to <paramref name="maxPause"/>; throws if <paramref name="cancellationToken"/> fires.
    /// </summary>
    private static async Task<bool> RetryAsync(Func<CancellationToken, Task<bool>> attempt, TimeSpan timeout, TimeSpan firstPause,
        TimeSpan maxPause, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout);
        var pause = firstPause;
        try
        {
            while (!await attempt(budget.Token).ConfigureAwait(false))
            {
                await Task.Delay(pause, budget.Token).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 3 / 2, maxPause.Ticks));
            }

            return true;
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    private static async Task<bool> CanConnectAsync(IPAddress address, int port, CancellationToken cancellationToken)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
