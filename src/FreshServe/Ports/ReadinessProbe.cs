using System.Net;
using System.Net.Sockets;

namespace FreshServe.Ports;

/// <summary>Waits until a port accepts TCP connections on loopback (IPv4 or IPv6).</summary>
public static class ReadinessProbe
{
    public static async Task<bool> WaitForConnectAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
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

            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 1.5, 20));
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
