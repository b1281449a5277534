using FreshServe.Cli;

namespace FreshServe.Tests.Cli;

/// <summary>The double Ctrl+C rule, on a clock the test sets.</summary>
public sealed class StopRequestsTests
{
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void The_first_request_stops_and_a_second_one_later_kills()
    {
        var requests = new StopRequests();
        Assert.Equal(StopRequest.Stop, requests.Next(Ms(1000)));
        Assert.Equal(StopRequest.Force, requests.Next(Ms(1000 + 600)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(249)]
    public void A_signal_repeated_within_250_ms_is_the_same_request(int laterMs)
    {
        var requests = new StopRequests();
        Assert.Equal(StopRequest.Stop, requests.Next(Ms(5000)));
        Assert.Equal(StopRequest.None, requests.Next(Ms(5000 + laterMs)));

        // A real second Ctrl+C after that still kills.
        Assert.Equal(StopRequest.Force, requests.Next(Ms(5000 + 250)));
    }

    [Fact]
    public void The_kill_is_asked_for_once()
    {
        var requests = new StopRequests();
        requests.Next(Ms(0));
        Assert.Equal(StopRequest.Force, requests.Next(Ms(300)));
        Assert.Equal(StopRequest.None, requests.Next(Ms(600)));
        Assert.Equal(StopRequest.None, requests.Next(Ms(5000)));
    }
}
