namespace FreshServe.Tests.Infrastructure;

public static class Http
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>The body, or null when the request failed (nothing listening, connection reset).</summary>
    public static async Task<string?> TryGetAsync(int port, string path = "/")
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
            request.Headers.ConnectionClose = true;
            using var response = await Client.SendAsync(request);
            return await response.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
        catch (System.Net.Sockets.SocketException)
        {
            // A connection reset between connect and the first read can surface raw from SocketsHttpHandler
            // ("Transport endpoint is not connected" from RemoteEndPoint): a server going away, like the cases above.
            return null;
        }
    }

    /// <summary>Polls until a response body satisfies <paramref name="accept"/>; returns it, or null on timeout.</summary>
    public static async Task<string?> WaitForAsync(int port, Func<string, bool> accept, TimeSpan timeout, string path = "/")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var body = await TryGetAsync(port, path);
            if (body is not null && accept(body))
            {
                return body;
            }

            await Task.Delay(10);
        }

        return null;
    }
}
