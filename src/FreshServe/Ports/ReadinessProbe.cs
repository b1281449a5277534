using System.Net;
using System.Net.Sockets;

namespace FreshServe.Ports;

/// <summary>Waits until a port accepts TCP connections on loopback (IPv4 or IPv6), or a URL answers 2xx/3xx.</summary>
public static class ReadinessProbe
{
    /// <summary>Returns true once <paramref name="url"/> answers with a 2xx or 3xx status (redirects are not followed).</summary>
    /// <param name="maxPause">The longest pause between two attempts (they start at a few ms and grow).</param>
    public static async Task<bool> WaitForHttpAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? maxPause = null)
    {
        var longest = (maxPause ?? TimeSpan.FromMilliseconds(50)).TotalMilliseconds;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout);
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var pause = TimeSpan.FromMilliseconds(5);
        while (!budget.IsCancellationRequested)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
                if ((int)response.StatusCode is >= 200 and < 400)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (!budget.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                await Task.Delay(pause, budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 1.5, longest));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }

    public static async Task<bool> WaitForConnectAsync(int port, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? maxPause = null)
    {
        var longest = (maxPause ?? TimeSpan.FromMilliseconds(20)).TotalMilliseconds;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout);
        var pause = TimeSpan.FromMilliseconds(2);
        while (!budget.IsCancellationRequested)
        {
            if (await CanConnectAsync(IPAddress.Loopback, port, budget.Token).ConfigureAwait(false)
                || await CanConnectAsync(IPAddress.IPv6Loopback, port, budget.Token).ConfigureAwait(false))
            {
                return true;
            }

            try
            {
                await Task.Delay(pause, budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 1.5, longest));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return false;
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
