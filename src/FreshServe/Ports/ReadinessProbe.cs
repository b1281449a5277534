using System.Net;
using System.Net.Sockets;
using FreshServe.Common;

namespace FreshServe.Ports;

/// <summary>Whether a port accepts TCP connections on loopback (IPv4 or IPv6); waits until a URL answers 2xx/3xx.</summary>
public static class ReadinessProbe
{
    /// <summary>Returns true once <paramref name="url"/> answers with a 2xx or 3xx status (redirects are not followed).</summary>
    /// <param name="maxPause">The longest pause between two attempts (they start at a few ms and grow).</param>
    /// <param name="answered">Told each status that is not ready (404, 500...), so a timeout can say what the URL answers.</param>
    /// <param name="time">The clock the pauses and <paramref name="timeout"/> run on (the system's by default).</param>
    public static async Task<bool> WaitForHttpAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? maxPause = null,
        Action<HttpStatusCode>? answered = null, TimeProvider? time = null)
    {
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var retry = new BudgetedRetry(timeout, TimeSpan.FromMilliseconds(5), maxPause ?? TimeSpan.FromMilliseconds(50), growth: 1.5, time);
        return await retry.UntilAsync(async (_, budget) =>
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
        }, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="port"/> accepts a connection on loopback, IPv4 or IPv6, right now.</summary>
    public static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken) =>
        await CanConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false)
        || await CanConnectAsync(IPAddress.IPv6Loopback, port, cancellationToken).ConfigureAwait(false);

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
